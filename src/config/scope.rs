//! Scoping (SPEC §2): which definition applies where. A scan or registry entry applies to
//! its directory's subtree; the nearest (deepest) definition wins; between definitions
//! of one directory the first in discovery order wins (a `--config` file before DIR's
//! own files). Two definitions of one name in one directory and one kind of file are
//! an error, found here at load time.

use crate::text::ShowPath as _;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Location;
use super::discovery::Role;
use crate::diagnostic::{Code, Diagnostic};

/// Whether a definition scoped to `scope` applies to `path`.
pub(crate) fn applies(scope: &Path, path: &Path) -> bool {
    path.starts_with(scope)
}

/// The nearest of the candidates: the deepest scope; the first one among equals.
pub(crate) fn nearest<'a, T: 'a>(
    candidates: impl Iterator<Item = &'a T>,
    scope_of: impl Fn(&T) -> &Path,
) -> Option<&'a T> {
    candidates.fold(None, |best: Option<&T>, next| match best {
        Some(best) if depth(scope_of(best)) >= depth(scope_of(next)) => Some(best),
        _ => Some(next),
    })
}

fn depth(path: &Path) -> usize {
    path.components().count()
}

/// `file` as an absolute path with symlinks resolved, comparable with scopes (which are
/// canonical). A file that does not exist is resolved through its parent directory, or
/// made absolute lexically as a last resort.
pub(crate) fn normalise(file: &Path) -> PathBuf {
    if let Ok(canonical) = file.canonicalize() {
        return canonical;
    }
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    if let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name())
        && let Ok(parent) = parent.canonicalize()
    {
        return parent.join(name);
    }
    absolute
}

/// One name defined by one file: the input of the duplicate check.
#[derive(Debug)]
pub(crate) struct Definition<'a> {
    pub scope: &'a Path,
    pub name: &'a str,
    pub at: &'a Location,
    pub role: Role,
}

/// Reports each name defined twice for one scope by files of the same role (two
/// `--config` files count as one place: they share DIR as scope).
pub(crate) fn duplicates<'a>(
    definitions: impl Iterator<Item = Definition<'a>>,
    code: Code,
    what: &str,
) -> Vec<Diagnostic> {
    let mut seen: HashMap<(&Path, &str, bool), &Location> = HashMap::new();
    let mut found = Vec::new();
    for d in definitions {
        let key = (d.scope, d.name, d.role == Role::Explicit);
        match seen.get(&key) {
            Some(first) => found.push(Diagnostic::new(
                &d.at.path,
                d.at.line,
                code,
                format!(
                    "{what} `{}` is also defined at {}:{}; a directory may define it once, remove one of them",
                    d.name,
                    first.path.shown(),
                    first.line
                ),
            )),
            None => {
                seen.insert(key, d.at);
            }
        }
    }
    found
}
