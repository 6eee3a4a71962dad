//! The manifest files under a directory, in render order (SPEC §7): `*.yaml`, `*.yml` and
//! `*.json`, sorted by the bytes of their path relative to DIR, without the configuration
//! files (`imagescan.yaml`, `fleet.yaml`), `.git` directories and what `--exclude` globs
//! match. Listing reads directories and resolves symlinks only; it never opens a file.
//!
//! Symlinks (SPEC §9: nothing outside DIR is read): a symlink anywhere in the walked tree
//! (not excluded, not in `.git`) that resolves outside DIR is an error naming it, whatever
//! its name, so that a tree that leaks is refused as a whole rather than rendered partly.
//! A symlink to a file inside DIR is rendered under its own name and read through its
//! resolved path; a symlink to a directory inside DIR is not descended (its files are
//! rendered once, from where they are, and link cycles cannot occur). A dangling symlink
//! is an error when its name makes it a manifest file, and ignored otherwise.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::documents::Format;

/// File names that are configuration, never rendered.
pub const CONFIG_FILE_NAMES: [&str; 2] = ["imagescan.yaml", "fleet.yaml"];

/// A manifest file to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFile {
    /// The path relative to DIR, as shown to users and given to the transform.
    pub relative: PathBuf,
    /// The path to open: DIR joined with `relative`, or the resolved target of a symlink.
    pub path: PathBuf,
    /// Whether it is `*.json` (one document) rather than YAML.
    pub json: bool,
}

impl ManifestFile {
    /// How its bytes split into documents.
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// `--exclude` globs, matched against paths relative to DIR.
///
/// A glob without `/` matches the name of a file or directory at any depth (`*.tpl.yaml`,
/// `charts`); a glob with `/` matches the whole relative path (`base/secrets/*`; a leading
/// `./` or `/` anchors a glob at DIR, `/top.yaml`). `*` and `?` do not cross `/`; `**` does. An excluded directory
/// is not descended.
#[derive(Debug, Clone)]
pub struct Excludes {
    names: GlobSet,
    paths: GlobSet,
}

impl Excludes {
    /// Compiles the globs.
    pub fn new<S: AsRef<str>>(globs: &[S]) -> Result<Self, WalkError> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for glob in globs {
            let glob = glob.as_ref();
            let trimmed = glob.trim_start_matches("./").trim_start_matches('/');
            let compiled = GlobBuilder::new(trimmed)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|source| WalkError::Exclude {
                    glob: glob.to_owned(),
                    source,
                })?;
            let anchored = trimmed.len() < glob.len() || trimmed.contains('/');
            if anchored {
                paths.add(compiled);
            } else {
                names.add(compiled);
            }
        }
        let build = |builder: GlobSetBuilder| {
            builder.build().map_err(|source| WalkError::Exclude {
                glob: globs
                    .iter()
                    .map(|g| g.as_ref())
                    .collect::<Vec<_>>()
                    .join(" "),
                source,
            })
        };
        Ok(Excludes {
            names: build(names)?,
            paths: build(paths)?,
        })
    }

    /// No exclusions.
    pub fn none() -> Self {
        Excludes {
            names: GlobSet::empty(),
            paths: GlobSet::empty(),
        }
    }

    /// Whether the entry at `relative` (relative to DIR) is excluded.
    pub fn is_excluded(&self, relative: &Path) -> bool {
        relative
            .file_name()
            .is_some_and(|name| self.names.is_match(name))
            || self.paths.is_match(relative)
    }
}

impl Default for Excludes {
    fn default() -> Self {
        Excludes::none()
    }
}

/// Lists the manifest files under `dir`, in render order.
pub fn manifest_files(dir: &Path, excludes: &Excludes) -> Result<Vec<ManifestFile>, WalkError> {
    list_files(dir, excludes, manifest_kind)
}

/// Lists every file under `dir` that may hold markers — any name but the configuration
/// files (markers work in any text file, e.g. Helm templates) — in path order, with the
/// same `.git`, `--exclude` and symlink rules as [`manifest_files`].
pub fn marker_files(dir: &Path, excludes: &Excludes) -> Result<Vec<ManifestFile>, WalkError> {
    list_files(dir, excludes, |relative| {
        let name = relative.file_name()?.to_str()?;
        if CONFIG_FILE_NAMES.contains(&name) {
            return None;
        }
        Some(relative.extension().is_some_and(|ext| ext == "json"))
    })
}

/// Lists the files under `dir` that `select` takes (`Some(json)`), sorted by path.
fn list_files(
    dir: &Path,
    excludes: &Excludes,
    select: impl Fn(&Path) -> Option<bool>,
) -> Result<Vec<ManifestFile>, WalkError> {
    let root = dir.canonicalize().map_err(|source| WalkError::Dir {
        path: dir.to_owned(),
        source,
    })?;
    if !root.is_dir() {
        return Err(WalkError::Dir {
            path: dir.to_owned(),
            source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative_dir) = pending.pop() {
        for entry in Entries::read(&root, dir, &relative_dir)? {
            let (relative, file_type) = entry?;
            if relative.file_name() == Some(OsStr::new(".git")) || excludes.is_excluded(&relative) {
                continue;
            }
            let json = select(&relative);
            if file_type.is_dir() {
                pending.push(relative);
            } else if file_type.is_file() {
                if let Some(json) = json {
                    files.push(ManifestFile {
                        path: root.join(&relative),
                        relative,
                        json,
                    });
                }
            } else if file_type.is_symlink() {
                match resolve_symlink(&root, dir, &relative) {
                    Ok(target) => {
                        if let Some(json) = json
                            && target.is_file()
                        {
                            files.push(ManifestFile {
                                path: target,
                                relative,
                                json,
                            });
                        }
                    }
                    Err(WalkError::Dangling { .. }) if json.is_none() => {}
                    Err(err) => return Err(err),
                }
            }
            // Sockets, FIFOs and devices are never manifests.
        }
    }
    files.sort_unstable_by(|a, b| {
        a.relative
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.relative.as_os_str().as_encoded_bytes())
    });
    Ok(files)
}

/// `Some(json)` when the name makes it a manifest file.
fn manifest_kind(relative: &Path) -> Option<bool> {
    let name = relative.file_name()?.to_str()?;
    if CONFIG_FILE_NAMES.contains(&name) {
        return None;
    }
    match relative.extension()?.to_str()? {
        "yaml" | "yml" => Some(false),
        "json" => Some(true),
        _ => None,
    }
}

/// Resolves the symlink at `root/relative`, which must stay inside `root`.
pub(crate) fn resolve_symlink(
    root: &Path,
    dir: &Path,
    relative: &Path,
) -> Result<PathBuf, WalkError> {
    let shown = dir.join(relative);
    let target = root
        .join(relative)
        .canonicalize()
        .map_err(|source| WalkError::Dangling {
            path: shown.clone(),
            source,
        })?;
    if !target.starts_with(root) {
        return Err(WalkError::SymlinkEscape {
            path: shown,
            target,
        });
    }
    Ok(target)
}

/// The entries of one directory, as (path relative to DIR, type not following symlinks).
pub(crate) struct Entries<'a> {
    dir: &'a Path,
    relative_dir: PathBuf,
    inner: fs::ReadDir,
}

impl<'a> Entries<'a> {
    pub(crate) fn read(root: &Path, dir: &'a Path, relative_dir: &Path) -> Result<Self, WalkError> {
        let inner = fs::read_dir(root.join(relative_dir)).map_err(|source| WalkError::Dir {
            path: dir.join(relative_dir),
            source,
        })?;
        Ok(Entries {
            dir,
            relative_dir: relative_dir.to_owned(),
            inner,
        })
    }
}

impl Iterator for Entries<'_> {
    type Item = Result<(PathBuf, fs::FileType), WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.inner.next()?;
        let item = entry
            .and_then(|entry| {
                let file_type = entry.file_type()?;
                Ok((self.relative_dir.join(entry.file_name()), file_type))
            })
            .map_err(|source| WalkError::Dir {
                path: self.dir.join(&self.relative_dir),
                source,
            });
        Some(item)
    }
}

/// A failure listing the files of a directory.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A directory cannot be read.
    #[error("cannot read directory {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A symlink resolves outside the directory being rendered.
    #[error(
        "{} is a symlink to {}, outside the directory; refusing to read through it \
         (exclude it with --exclude or replace it with a copy)",
        path.display(), target.display()
    )]
    SymlinkEscape {
        /// The symlink.
        path: PathBuf,
        /// Where it resolves.
        target: PathBuf,
    },
    /// A symlink that would be rendered cannot be resolved.
    #[error("cannot resolve symlink {}: {source}", path.display())]
    Dangling {
        /// The symlink.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// An `--exclude` glob is invalid.
    #[error("invalid --exclude glob {glob:?}: {source}")]
    Exclude {
        /// The glob.
        glob: String,
        /// What is wrong with it.
        source: globset::Error,
    },
    /// Copying the directory for `render -- CMD` failed.
    #[error("cannot copy {} to {}: {source}", from.display(), to.display())]
    Copy {
        /// The source path.
        from: PathBuf,
        /// The destination path.
        to: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_globs() {
        let excludes = Excludes::new(&[
            "*.tpl.yaml",
            "charts",
            "base/secrets/*",
            "./overlays/**/patch.yaml",
            "/top.yaml",
        ])
        .unwrap();
        let cases = [
            ("a.tpl.yaml", true),
            ("deep/dir/a.tpl.yaml", true),
            ("a.yaml", false),
            ("charts", true),
            ("apps/charts", true),
            ("charts.yaml", false),
            ("base/secrets/s.yaml", true),
            ("base/secrets/deeper/s.yaml", false),
            ("other/base/secrets/s.yaml", false),
            ("overlays/prod/patch.yaml", true),
            ("overlays/prod/eu/patch.yaml", true),
            ("overlays/patch.yaml", true),
            ("top.yaml", true),
            ("sub/top.yaml", false),
        ];
        for (path, excluded) in cases {
            assert_eq!(excludes.is_excluded(Path::new(path)), excluded, "{path}");
        }
        assert!(!Excludes::none().is_excluded(Path::new("a.yaml")));
        let err = Excludes::new(&["a[b"]).unwrap_err();
        assert!(err.to_string().contains("a[b"), "{err}");
    }

    #[test]
    fn manifest_names() {
        let cases = [
            ("a.yaml", Some(false)),
            ("a.yml", Some(false)),
            ("a.json", Some(true)),
            ("dir/imagescan.yaml", None),
            ("fleet.yaml", None),
            ("fleet.yml", Some(false)),
            ("a.yaml.bak", None),
            ("README.md", None),
            ("yaml", None),
            (".yaml", None),
            ("a.YAML", None),
        ];
        for (path, kind) in cases {
            assert_eq!(manifest_kind(Path::new(path)), kind, "{path}");
        }
    }
}
