//! The manifest files under a directory, in render order (SPEC §7): `*.yaml`, `*.yml` and
//! `*.json`, sorted by the bytes of their path relative to DIR, without the configuration
//! files (`imagescan.yaml`, `fleet.yaml`), `.git` directories and what `--exclude` globs
//! match. Listing reads directories and resolves symlinks only; it never opens a file.
//! Each directory is opened by name in its parent, never through a symlink, and kept open
//! (up to a budget) for its files: [`ManifestFile::open`] then looks up one name, not
//! the whole path, and refuses a symlink put in the file's place since the listing.
//!
//! Symlinks (SPEC §9: nothing outside DIR is read): a symlink anywhere in the walked tree
//! (not excluded, not in `.git`) that resolves outside DIR is an error naming it, whatever
//! its name, so that a tree that leaks is refused as a whole rather than rendered partly.
//! A symlink to a file inside DIR is rendered under its own name and read through its
//! resolved path; a symlink to a directory inside DIR is not descended (its files are
//! rendered once, from where they are, and link cycles cannot occur). A dangling symlink
//! is an error when its name makes it a manifest file, and ignored otherwise.

use crate::text::ShowPath as _;
use std::ffi::{CStr, CString, OsStr};
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags, openat, statat};
use rustix::process::{Resource, getrlimit};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Whether a file's bytes are YAML (split at `---` markers) or JSON (one document),
/// as its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `*.yaml`, `*.yml`: any number of `---`-separated documents.
    Yaml,
    /// `*.json`: one document.
    Json,
}

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
    /// Its directory, held open by the listing, and its name there: opening it then
    /// looks up one name instead of walking the whole path. `None` for a symlink (opened
    /// by its resolved path) and past the listing's budget of open directories.
    pub parent: Option<Parent>,
}

/// A file's directory, open, and the file's name in it.
#[derive(Clone)]
pub struct Parent {
    dir: Arc<OwnedFd>,
    name: CString,
}

impl PartialEq for Parent {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.dir, &other.dir) && self.name == other.name
    }
}

impl Eq for Parent {}

impl fmt::Debug for Parent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parent")
            .field("dir", &self.dir.as_raw_fd())
            .field("name", &self.name)
            .finish()
    }
}

impl ManifestFile {
    /// A file opened by its path.
    pub fn at(path: PathBuf, relative: PathBuf, json: bool) -> Self {
        ManifestFile {
            relative,
            path,
            json,
            parent: None,
        }
    }

    /// Opens it for reading: by name in its open directory when the listing kept it
    /// (never following a symlink put there since), else by path.
    pub fn open(&self) -> io::Result<File> {
        match &self.parent {
            Some(parent) => {
                let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                Ok(File::from(openat(
                    &*parent.dir,
                    &parent.name,
                    flags,
                    Mode::empty(),
                )?))
            }
            None => File::open(&self.path),
        }
    }

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
    list_files(
        dir,
        |relative| excludes.is_excluded(relative),
        manifest_kind,
    )
}

/// Lists every file under `dir` that may hold markers — any name but the configuration
/// files (markers work in any text file, e.g. Helm templates) — in path order, with the
/// same `.git`, `--exclude` and symlink rules as [`manifest_files`].
pub fn marker_files(dir: &Path, excludes: &Excludes) -> Result<Vec<ManifestFile>, WalkError> {
    marker_files_where(dir, excludes, |_| true)
}

/// [`marker_files`] of the entries `wanted` takes (given each path relative to `dir`): a
/// directory not wanted is not descended, a file or symlink not wanted is not looked at
/// (as if excluded), so that what lies elsewhere in the tree is neither read nor
/// reported.
pub fn marker_files_where(
    dir: &Path,
    excludes: &Excludes,
    wanted: impl Fn(&Path) -> bool,
) -> Result<Vec<ManifestFile>, WalkError> {
    let skip = |relative: &Path| excludes.is_excluded(relative) || !wanted(relative);
    list_files(dir, skip, |relative| {
        let name = relative.file_name()?.to_str()?;
        if CONFIG_FILE_NAMES.contains(&name) {
            return None;
        }
        Some(relative.extension().is_some_and(|ext| ext == "json"))
    })
}

/// Lists the files under `dir` that `select` takes (`Some(json)`), sorted by path,
/// leaving out the entries `skip` takes (with what is below them).
fn list_files(
    dir: &Path,
    skip: impl Fn(&Path) -> bool,
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
    let mut budget = DirBudget::new();
    let mut pending = vec![(PathBuf::new(), None)];
    while let Some((relative_dir, parent)) = pending.pop() {
        let entries = Entries::read(&root, dir, relative_dir, parent.as_deref())?;
        let kept = budget.keep(&entries);
        for entry in entries {
            let Entry {
                relative,
                name,
                kind,
            } = entry?;
            if relative.file_name() == Some(OsStr::new(".git")) || skip(&relative) {
                continue;
            }
            // A temporary file of an atomic write, maybe left by a killed run: never a
            // manifest, whatever it ends with.
            if !matches!(kind, Kind::Dir)
                && relative
                    .file_name()
                    .is_some_and(crate::fsutil::temp::is_temp_name)
            {
                continue;
            }
            let json = select(&relative);
            match kind {
                Kind::Dir => pending.push((relative, kept.clone())),
                Kind::File => {
                    if let Some(json) = json {
                        files.push(ManifestFile {
                            path: root.join(&relative),
                            relative,
                            json,
                            parent: kept.as_ref().map(|dir| Parent {
                                dir: Arc::clone(dir),
                                name,
                            }),
                        });
                    }
                }
                Kind::Symlink => match resolve_symlink(&root, dir, &relative) {
                    Ok(target) => {
                        if let Some(json) = json
                            && target.is_file()
                        {
                            files.push(ManifestFile::at(target, relative, json));
                        }
                    }
                    Err(WalkError::Dangling { .. }) if json.is_none() => {}
                    Err(err) => return Err(err),
                },
                // Sockets, FIFOs and devices are never manifests.
                Kind::Other => {}
            }
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

/// How many directories a listing keeps open for its files (a quarter of the open-file
/// limit, at most 4,096); past it, files are opened by path.
struct DirBudget {
    left: usize,
}

impl DirBudget {
    fn new() -> Self {
        let soft = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        DirBudget {
            left: usize::try_from(soft / 4).unwrap_or(usize::MAX).min(4096),
        }
    }

    /// The directory of `entries`, shared, while the budget lasts.
    fn keep(&mut self, entries: &Entries<'_>) -> Option<Arc<OwnedFd>> {
        self.left = self.left.checked_sub(1)?;
        Some(Arc::clone(&entries.fd))
    }
}

/// What a directory entry is, not following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File,
    Symlink,
    /// Sockets, FIFOs, devices.
    Other,
}

/// One entry of a directory.
pub(crate) struct Entry {
    /// Its path relative to DIR.
    pub(crate) relative: PathBuf,
    /// Its name in its directory.
    pub(crate) name: CString,
    pub(crate) kind: Kind,
}

/// The entries of one directory, read through a descriptor of it.
pub(crate) struct Entries<'a> {
    dir: &'a Path,
    relative_dir: PathBuf,
    fd: Arc<OwnedFd>,
    inner: Dir,
}

impl<'a> Entries<'a> {
    /// Opens `root/relative_dir` — by its name in `parent` (its directory, open) when
    /// given, else by path — never through a symlink, and starts reading it. `dir` is DIR
    /// as given, for errors.
    pub(crate) fn read(
        root: &Path,
        dir: &'a Path,
        relative_dir: PathBuf,
        parent: Option<&OwnedFd>,
    ) -> Result<Self, WalkError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let opened = match (parent, relative_dir.file_name()) {
            (Some(parent), Some(name)) => openat(parent, name, flags, Mode::empty()),
            _ => openat(CWD, root.join(&relative_dir), flags, Mode::empty()),
        };
        let fd = opened.and_then(|fd| Ok((Dir::read_from(&fd)?, fd)));
        match fd {
            Ok((inner, fd)) => Ok(Entries {
                dir,
                relative_dir,
                fd: Arc::new(fd),
                inner,
            }),
            Err(errno) => Err(WalkError::Dir {
                path: dir.join(&relative_dir),
                source: errno.into(),
            }),
        }
    }

    fn kind_of(&self, name: &CStr, file_type: FileType) -> io::Result<Kind> {
        let file_type = match file_type {
            // Some file systems do not say in the entry: ask.
            FileType::Unknown => {
                FileType::from_raw_mode(statat(&*self.fd, name, AtFlags::SYMLINK_NOFOLLOW)?.st_mode)
            }
            known => known,
        };
        Ok(match file_type {
            FileType::Directory => Kind::Dir,
            FileType::RegularFile => Kind::File,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        })
    }
}

impl Iterator for Entries<'_> {
    type Item = Result<Entry, WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let item = match self.inner.read()? {
                Ok(entry) => {
                    let name = entry.file_name();
                    if name == c"." || name == c".." {
                        continue;
                    }
                    self.kind_of(name, entry.file_type()).map(|kind| Entry {
                        relative: self.relative_dir.join(OsStr::from_bytes(name.to_bytes())),
                        name: name.to_owned(),
                        kind,
                    })
                }
                Err(errno) => Err(errno.into()),
            };
            return Some(item.map_err(|source| WalkError::Dir {
                path: self.dir.join(&self.relative_dir),
                source,
            }));
        }
    }
}

/// A failure listing the files of a directory.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A directory cannot be read.
    #[error("cannot read directory {}", path.shown())]
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
        path.shown(), target.shown()
    )]
    SymlinkEscape {
        /// The symlink.
        path: PathBuf,
        /// Where it resolves.
        target: PathBuf,
    },
    /// A symlink that would be rendered cannot be resolved.
    #[error("cannot resolve symlink {}", path.shown())]
    Dangling {
        /// The symlink.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// An `--exclude` glob is invalid.
    #[error("invalid --exclude glob {glob_q}", glob_q = crate::text::quoted(.glob))]
    Exclude {
        /// The glob.
        glob: String,
        /// What is wrong with it.
        source: globset::Error,
    },
    /// Copying the directory for `render -- CMD` failed.
    #[error("cannot copy {} to {}", from.shown(), to.shown())]
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
