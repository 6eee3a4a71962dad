//! Copying DIR into a temporary directory for `render [DIR] -- CMD` (SPEC §7), so that
//! markers can be resolved in the copy and CMD run there without touching DIR.
//!
//! What is copied: directories and regular files (with their permissions), everything
//! except `.git` directories (CMD renders manifests; it has no use for history, which can
//! be large). Symlinks (SPEC §9: nothing outside DIR is read): one that resolves outside
//! DIR is an error naming it; one to a file inside DIR is copied as a regular file holding
//! the target's content (so that editing the copy never writes through a link); one to a
//! directory inside DIR is recreated as a relative symlink to the same place in the copy
//! (so that the copy has the same shape and nothing is copied twice or loops). Sockets,
//! FIFOs and devices are skipped. Nothing is ever written outside the destination.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::walk::{Entries, Entry, Kind, WalkError, resolve_symlink};

/// What a copy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopySummary {
    /// Regular files copied (symlinked files included).
    pub files: usize,
    /// Directories created.
    pub dirs: usize,
    /// Directory symlinks recreated.
    pub symlinks: usize,
    /// Bytes copied.
    pub bytes: u64,
}

/// Copies the tree `dir` into `dest`, an existing (normally empty) directory.
pub fn copy_tree(dir: &Path, dest: &Path) -> Result<CopySummary, WalkError> {
    let root = dir.canonicalize().map_err(|source| WalkError::Dir {
        path: dir.to_owned(),
        source,
    })?;
    let mut summary = CopySummary::default();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative_dir) = pending.pop() {
        for entry in Entries::read(&root, dir, relative_dir, None)? {
            let Entry { relative, kind, .. } = entry?;
            if relative.file_name() == Some(std::ffi::OsStr::new(".git")) {
                continue;
            }
            let to = dest.join(&relative);
            if kind == Kind::Dir {
                create_dir(&root.join(&relative), &to)?;
                summary.dirs += 1;
                pending.push(relative);
            } else if kind == Kind::File {
                summary.bytes += copy_file(&root.join(&relative), &to)?;
                summary.files += 1;
            } else if kind == Kind::Symlink {
                let target = resolve_symlink(&root, dir, &relative)?;
                if target.is_dir() {
                    let link =
                        relative_link(&relative, target.strip_prefix(&root).unwrap_or(&target));
                    symlink_dir(&link, &to).map_err(|source| WalkError::Copy {
                        from: dir.join(&relative),
                        to: to.clone(),
                        source,
                    })?;
                    summary.symlinks += 1;
                } else if target.is_file() {
                    summary.bytes += copy_file(&target, &to)?;
                    summary.files += 1;
                }
            }
        }
    }
    Ok(summary)
}

fn create_dir(from: &Path, to: &Path) -> Result<(), WalkError> {
    fs::create_dir(to).map_err(|source| WalkError::Copy {
        from: from.to_owned(),
        to: to.to_owned(),
        source,
    })
}

fn copy_file(from: &Path, to: &Path) -> Result<u64, WalkError> {
    fs::copy(from, to).map_err(|source| WalkError::Copy {
        from: from.to_owned(),
        to: to.to_owned(),
        source,
    })
}

/// The relative link from the symlink at `link` to `target`, both relative to the root.
fn relative_link(link: &Path, target: &Path) -> PathBuf {
    let depth = link.parent().map_or(0, |parent| {
        parent
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .count()
    });
    let mut path = PathBuf::new();
    for _ in 0..depth {
        path.push("..");
    }
    if target.as_os_str().is_empty() {
        path.push(".");
    } else {
        path.push(target);
    }
    path
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink_dir(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "directory symlinks are not copied on this platform",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links() {
        let cases = [
            ("link", "target", "target"),
            ("a/link", "target", "../target"),
            ("a/b/link", "c/d", "../../c/d"),
            ("a/link", "", "../."),
        ];
        for (link, target, expected) in cases {
            assert_eq!(
                relative_link(Path::new(link), Path::new(target)),
                Path::new(expected),
                "{link}"
            );
        }
    }
}
