//! Where a reference written in a kustomization or a chart leads: nowhere for a remote
//! one (a URL, a `github.com/…` or `git::` base, a `?ref=` query), else a path inside
//! the repository root — both as written (`..` applied to the names) and with symlinks
//! resolved — or nowhere when it resolves outside the root or does not exist.

use std::path::{Component, Path, PathBuf};

/// A reference that kustomize or helm fetches rather than reads from the repository.
pub fn is_remote(entry: &str) -> bool {
    let lower = entry.trim().to_ascii_lowercase();
    const HOSTS: [&str; 3] = ["github.com/", "gitlab.com/", "bitbucket.org/"];
    const QUERIES: [&str; 4] = ["?ref=", "?version=", "?timeout=", "?submodules="];
    lower.contains("://")
        || lower.starts_with("git::")
        || lower.starts_with("git@")
        || lower.starts_with("ssh:")
        || lower.starts_with("oci:")
        || HOSTS.iter().any(|host| lower.starts_with(host))
        || QUERIES.iter().any(|query| lower.contains(query))
        || lower.contains("/_git/")
}

/// A local path inside the root: as written, and resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Local {
    /// `base` joined with the entry, `.` and `..` applied to the names.
    pub lexical: PathBuf,
    /// The same, with symlinks resolved.
    pub canonical: PathBuf,
}

/// The path `entry` names relative to `base` (a directory, absolute with symlinks
/// resolved), when it exists inside `root` both as written and resolved. A remote
/// entry, an empty one, a missing path or one leaving the root give `None`.
pub(super) fn local(base: &Path, entry: &str, root: &Path) -> Option<Local> {
    let entry = entry.trim();
    if entry.is_empty() || is_remote(entry) {
        return None;
    }
    let mut lexical = PathBuf::new();
    for component in base.join(entry).components() {
        match component {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    if !lexical.starts_with(root) {
        return None;
    }
    let canonical = lexical.canonicalize().ok()?;
    canonical
        .starts_with(root)
        .then_some(Local { lexical, canonical })
}
