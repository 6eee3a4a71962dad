//! What an app's render reads inside its repository ([`Reads`]): the files and
//! directories that `kustomize build`, `helm template` or the directory stream of an app
//! path can open, found by following the app's own references — a kustomization's
//! `resources`, `components`, patches, generators… ([`kustomize`]), a chart's directory,
//! values files and `file://` dependencies ([`helm`]), or the directory itself. The
//! Argo CD plugin resolves markers in these files and nowhere else, and only the
//! configuration files that apply to them are read.
//!
//! Everything kept is inside the repository root (absolute, symlinks resolved): an
//! entry that resolves outside it, or a remote one (a URL, `github.com/…`, `git::…`), is
//! left out, never read. A kustomization that cannot be followed (not YAML, a field of
//! the wrong shape) makes the set the whole root ([`Reads::unfollowed`]): the app is
//! still rendered, as kustomize may render it, with every file of the repository
//! resolved. Reads files, never writes; never prints.

mod helm;
mod inside;
mod kustomize;
mod yaml;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use inside::is_remote;
pub use kustomize::KUSTOMIZATION_NAMES;

/// How an app is rendered, which decides what it reads.
#[derive(Debug, Clone, Copy)]
pub enum AppRender<'a> {
    /// `kustomize build` of the app path.
    Kustomize,
    /// `helm template` of the chart in the app path, with these values files (relative
    /// to the app path, as the parameters give them).
    Helm {
        /// The values files.
        values_files: &'a [String],
    },
    /// The objects of the app directory.
    Directory,
}

/// Why the references of an app could not be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfollowed {
    /// The file that could not be followed, relative to the root.
    pub file: PathBuf,
    /// Why.
    pub reason: String,
}

/// The files and directories of a repository that an app's render reads.
#[derive(Debug, Clone)]
pub struct Reads {
    /// The repository root, absolute, symlinks resolved.
    root: PathBuf,
    /// Single files read, absolute: each as the reference names it (`..` applied) and,
    /// when that goes through a symlink, as resolved too.
    files: BTreeSet<PathBuf>,
    /// Directories read whole (a chart, a plain directory app), absolute.
    dirs: BTreeSet<PathBuf>,
    /// Set when the app's references could not be followed: then everything is read.
    unfollowed: Option<Unfollowed>,
}

impl Reads {
    /// What the render of the app at `app` reads in the repository at `root` (both
    /// absolute with symlinks resolved, `app` inside `root`).
    pub fn of_app(app: &Path, root: &Path, render: AppRender<'_>) -> Reads {
        let mut reads = Reads {
            root: root.to_owned(),
            files: BTreeSet::new(),
            dirs: BTreeSet::new(),
            unfollowed: None,
        };
        let followed = match render {
            AppRender::Kustomize => kustomize::follow(app, &mut reads),
            AppRender::Helm { values_files } => helm::follow(app, values_files, &mut reads),
            AppRender::Directory => {
                reads.add_dir(app);
                Ok(())
            }
        };
        if let Err(unfollowed) = followed {
            reads.files.clear();
            reads.dirs.clear();
            reads.dirs.insert(root.to_owned());
            reads.unfollowed = Some(unfollowed);
        }
        reads
    }

    /// The whole repository at `root` (absolute, symlinks resolved).
    pub fn whole(root: &Path) -> Reads {
        Reads {
            root: root.to_owned(),
            files: BTreeSet::new(),
            dirs: BTreeSet::from([root.to_owned()]),
            unfollowed: None,
        }
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Why the whole repository is read, when the app's references could not be
    /// followed.
    pub fn unfollowed(&self) -> Option<&Unfollowed> {
        self.unfollowed.as_ref()
    }

    /// The single files read (absolute), in path order.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(PathBuf::as_path)
    }

    /// The directories read whole (absolute), in path order.
    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.dirs.iter().map(PathBuf::as_path)
    }

    /// Whether the file at `path` (absolute) is read.
    pub fn reads_file(&self, path: &Path) -> bool {
        self.files.contains(path) || self.dirs.iter().any(|dir| path.starts_with(dir))
    }

    /// Whether a listing of the repository must look at `path` (absolute): a file read,
    /// a directory read or inside one, or a directory holding something read.
    pub fn wants(&self, path: &Path) -> bool {
        self.reads_file(path)
            || self.files.iter().any(|file| file.starts_with(path))
            || self.dirs.iter().any(|dir| dir.starts_with(path))
    }

    /// Whether a configuration file in directory `dir` (absolute) applies to something
    /// read (SPEC §2: its scans apply to its directory's subtree). Same as
    /// [`Reads::wants`]: a directory applies when a file read is below it, or it is
    /// inside a directory read.
    pub fn config_applies(&self, dir: &Path) -> bool {
        self.wants(dir)
    }

    /// Adds a file (absolute, already checked to be inside the root).
    fn add_file(&mut self, lexical: &Path, canonical: &Path) {
        self.files.insert(lexical.to_owned());
        if lexical != canonical {
            self.files.insert(canonical.to_owned());
        }
    }

    /// Adds a directory read whole.
    fn add_dir(&mut self, dir: &Path) {
        self.dirs.insert(dir.to_owned());
    }

    /// `path` relative to the root, for messages.
    fn relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root).unwrap_or(path).to_owned()
    }
}

#[cfg(test)]
mod tests;
