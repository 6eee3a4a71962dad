//! Discovery: which configuration files apply to a directory (SPEC §2), and reading them
//! with a size bound. For DIR: the `--config` files; then `imagescan.yaml` and
//! `fleet.yaml` in DIR and in each ancestor up to the repository root (the first
//! ancestor holding `.git`, or DIR itself outside git), nearest first; then those in
//! DIR's subtree (sorted, `.git` skipped, symlinked directories not followed). It never
//! reads a discovered file that resolves outside the repository root.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::ConfigError;
use super::raw::FileKind;
use crate::diagnostic::{Code, Diagnostic};

/// The names looked for in each directory, in this order.
pub(crate) const FILE_NAMES: [(&str, FileKind); 2] = [
    ("imagescan.yaml", FileKind::ImageScan),
    ("fleet.yaml", FileKind::Fleet),
];

/// Configuration files above this size are refused: real ones are a few KiB, and a
/// bound keeps a hostile repository from exhausting memory.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// How a file was found; it decides the scope and the `commit:` precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `--config FILE`: applies to all of DIR, ahead of DIR's own files.
    Explicit,
    /// In DIR or one of its ancestors.
    Enclosing,
    /// In DIR's subtree.
    Nested,
}

/// One configuration file to read.
#[derive(Debug)]
pub(crate) struct Found {
    /// Path to open.
    pub path: PathBuf,
    /// Path as the user can open it from the working directory.
    pub display: PathBuf,
    /// The file's directory, canonical.
    pub dir: PathBuf,
    /// The directory the file's definitions apply to, canonical.
    pub scope: PathBuf,
    /// Relative paths in the file must stay inside this directory.
    pub root: Option<PathBuf>,
    pub kind: FileKind,
    pub role: Role,
}

/// All files found for a directory.
#[derive(Debug)]
pub(crate) struct Discovery {
    pub files: Vec<Found>,
    /// Files found but refused (e.g. a symlink leading out of the repository).
    pub refused: Vec<Diagnostic>,
    /// The `--config` files, canonical: found again by discovery, they are not read twice.
    explicit: Vec<PathBuf>,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ConfigError + '_ {
    move |source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where a `--config` file is, absolute: its path with symlinks resolved — or, for what
/// has no such path but can be read (`--config <(…)`, a pipe behind `/dev/fd/N`), the path
/// as the user named it, made absolute, so that it is read as named.
fn explicit_path(file: &Path) -> std::io::Result<PathBuf> {
    file.canonicalize()
        .or_else(|error| match fs::metadata(file) {
            Ok(_) => std::path::absolute(file),
            Err(_) => Err(error),
        })
}

/// Finds the configuration files for `dir` (and the explicit `extra` files).
pub(crate) fn discover(
    dir: &Path,
    extra: &[PathBuf],
    root: Option<&Path>,
) -> Result<Discovery, ConfigError> {
    discover_where(dir, extra, root, &|_| true)
}

/// [`discover`] of the files in the directories `applies` takes (absolute, symlinks
/// resolved); a directory it refuses is not looked in, nor below it — so `applies` must
/// take every ancestor of a directory it takes.
pub(crate) fn discover_where(
    dir: &Path,
    extra: &[PathBuf],
    root: Option<&Path>,
    applies: &dyn Fn(&Path) -> bool,
) -> Result<Discovery, ConfigError> {
    let canonical_dir = dir.canonicalize().map_err(io_error(dir))?;
    let root = match root
        .map(Path::canonicalize)
        .transpose()
        .map_err(io_error(dir))?
    {
        Some(root) if canonical_dir.starts_with(&root) => root,
        _ => repository_root(&canonical_dir),
    };
    let mut discovery = Discovery {
        files: Vec::new(),
        refused: Vec::new(),
        explicit: Vec::new(),
    };

    for file in extra {
        let canonical = explicit_path(file).map_err(io_error(file))?;
        let file_dir = canonical.parent().unwrap_or(&canonical).to_path_buf();
        discovery.explicit.push(canonical.clone());
        discovery.files.push(Found {
            path: file.clone(),
            display: file.clone(),
            dir: file_dir,
            scope: canonical_dir.clone(),
            // An operator's file from elsewhere may point anywhere; one inside the
            // repository is held to the repository's rule.
            root: canonical.starts_with(&root).then(|| root.clone()),
            kind: FileKind::ImageScan,
            role: Role::Explicit,
        });
    }

    let given = strip_cur_dir(dir);
    for (up, ancestor) in canonical_dir.ancestors().enumerate() {
        if !ancestor.starts_with(&root) {
            break;
        }
        if applies(ancestor) {
            let display_dir = up_display(&given, up);
            discovery.look_in(ancestor, &display_dir, &root, Role::Enclosing);
        }
    }
    if applies(&canonical_dir) {
        discovery.walk_subtree(&canonical_dir, &given, &root, None, applies);
    }
    Ok(discovery)
}

/// The `files` given and nothing else: no discovery. Each applies everywhere (scope
/// `/`) and may point anywhere (an operator's file).
pub(crate) fn explicit_only(files: &[PathBuf]) -> Result<Discovery, ConfigError> {
    let mut discovery = Discovery {
        files: Vec::with_capacity(files.len()),
        refused: Vec::new(),
        explicit: Vec::new(),
    };
    for file in files {
        let canonical = explicit_path(file).map_err(io_error(file))?;
        discovery.files.push(Found {
            path: file.clone(),
            display: file.clone(),
            dir: canonical.parent().unwrap_or(&canonical).to_path_buf(),
            scope: PathBuf::from("/"),
            root: None,
            kind: FileKind::ImageScan,
            role: Role::Explicit,
        });
        discovery.explicit.push(canonical);
    }
    Ok(discovery)
}

impl Discovery {
    /// Adds the configuration files of one directory.
    fn look_in(&mut self, dir: &Path, display_dir: &Path, root: &Path, role: Role) {
        self.look_in_names(dir, display_dir, root, role, [true; FILE_NAMES.len()]);
    }

    /// Adds the configuration files of one directory, among the names `present` (as
    /// listed in the directory: the others are not looked up).
    fn look_in_names(
        &mut self,
        dir: &Path,
        display_dir: &Path,
        root: &Path,
        role: Role,
        present: [bool; FILE_NAMES.len()],
    ) {
        for ((name, kind), present) in FILE_NAMES.into_iter().zip(present) {
            if !present {
                continue;
            }
            let path = dir.join(name);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let display = display_dir.join(name);
            if meta.file_type().is_symlink() {
                match path.canonicalize() {
                    Ok(target) if target.starts_with(root) && target.is_file() => {}
                    _ => {
                        self.refused.push(Diagnostic::new(
                            &display,
                            0,
                            Code::PathOutsideRepository,
                            "symbolic link to a file outside the repository (or to nothing); configuration is read only from inside the repository",
                        ));
                        continue;
                    }
                }
            } else if !meta.is_file() {
                continue;
            }
            if path
                .canonicalize()
                .is_ok_and(|canonical| self.explicit.contains(&canonical))
            {
                continue;
            }
            self.files.push(Found {
                path: display.clone(),
                display,
                dir: dir.to_path_buf(),
                scope: dir.to_path_buf(),
                root: Some(root.to_path_buf()),
                kind,
                role,
            });
        }
    }

    /// Adds the configuration files below `dir`, depth first in name order: those of
    /// each subdirectory, then those below it. `dir`'s own are added too when `role` is
    /// given (the walk's start is covered by the ancestors); only directories `applies`
    /// takes are looked in. A directory's listing says
    /// which configuration names it holds, so absent ones cost no lookup.
    fn walk_subtree(
        &mut self,
        dir: &Path,
        display_dir: &Path,
        root: &Path,
        role: Option<Role>,
        applies: &dyn Fn(&Path) -> bool,
    ) {
        let Ok(entries) = fs::read_dir(dir) else {
            // Unlistable (no read permission): its files may still be reachable by name.
            if let Some(role) = role {
                self.look_in(dir, display_dir, root, role);
            }
            return;
        };
        let mut present = [false; FILE_NAMES.len()];
        let mut subdirs = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            if let Some(i) = FILE_NAMES.iter().position(|(n, _)| name == *n) {
                present[i] = true;
            }
            // `file_type` does not follow symlinks: symlinked directories are skipped.
            if entry.file_type().is_ok_and(|t| t.is_dir()) && name != ".git" {
                subdirs.push(name);
            }
        }
        if let Some(role) = role {
            self.look_in_names(dir, display_dir, root, role, present);
        }
        subdirs.sort();
        for name in subdirs {
            let subdir = dir.join(&name);
            if applies(&subdir) {
                self.walk_subtree(
                    &subdir,
                    &display_dir.join(&name),
                    root,
                    Some(Role::Nested),
                    applies,
                );
            }
        }
    }
}

/// The first ancestor of `dir` (itself included) holding `.git`, else `dir`.
pub fn repository_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}

/// `./a/b` → `a/b`, `.` → `` (so that joined names read `imagescan.yaml`).
fn strip_cur_dir(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The display path of the directory `up` levels above `given`: trailing names are
/// dropped first (`testdata/x` → `testdata`), then `..` is added.
pub fn up_display(given: &Path, up: usize) -> PathBuf {
    let mut path = given.to_path_buf();
    for _ in 0..up {
        match path.components().next_back() {
            Some(Component::Normal(_)) => {
                path.pop();
            }
            _ => path.push(".."),
        }
    }
    path
}

/// Why a configuration file could not be read as text.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    TooLarge,
    NotUtf8,
}

/// Reads a file, refusing more than [`MAX_CONFIG_BYTES`].
pub(crate) fn read_bounded(path: &Path) -> Result<String, ReadError> {
    let file = fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::with_capacity(crate::fsutil::read_capacity(&file, MAX_CONFIG_BYTES));
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_of_ancestors() {
        let cases = [
            ("testdata/x", 0, "testdata/x"),
            ("testdata/x", 1, "testdata"),
            ("testdata/x", 2, ""),
            ("testdata/x", 3, ".."),
            ("", 1, ".."),
            ("", 2, "../.."),
            ("../a", 1, ".."),
            ("../a", 2, "../.."),
            ("/abs/dir", 1, "/abs"),
        ];
        for (given, up, want) in cases {
            assert_eq!(
                up_display(Path::new(given), up),
                Path::new(want),
                "{given} up {up}"
            );
        }
    }

    #[test]
    fn strips_current_dir() {
        assert_eq!(strip_cur_dir(Path::new("./a/./b")), Path::new("a/b"));
        assert_eq!(strip_cur_dir(Path::new(".")), Path::new(""));
    }
}
