//! [`TreeResolver`]: the writeback cycle's [`Resolver`] — the pipeline of
//! [`crate::workspace`] over the checked-out tree, its files written all or none, each
//! change reported with its file relative to the repository root.

use std::path::{Path, PathBuf};

use crate::config::{CommitSettings, ConfigSet};
use crate::files::Excludes;
use crate::scan::{ScanOptions, Scanner};
use crate::workspace::{self, Error, TreeOptions, Warning, Workspace};

use super::{Change, Resolver};

/// Resolves the markers of a work tree with the same pipeline as `resolve --write`.
#[derive(Debug)]
pub struct TreeResolver {
    configs: Vec<PathBuf>,
    scanner: Scanner,
    /// The configuration [`Resolver::commit_settings`] loaded, for the first
    /// [`Resolver::resolve`] of the same directory (the tree has not changed between
    /// the two; a later attempt, on a new head, loads it afresh).
    loaded: Option<(PathBuf, ConfigSet)>,
    /// Warnings of the last resolution, for the caller to say.
    warnings: Vec<Warning>,
}

impl TreeResolver {
    /// A resolver with extra configuration files and these scan options.
    pub fn new(configs: Vec<PathBuf>, options: ScanOptions) -> Self {
        TreeResolver {
            configs,
            scanner: Scanner::new(options),
            loaded: None,
            warnings: Vec::new(),
        }
    }

    /// The warnings of the last [`Resolver::resolve`] (taken).
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    fn options(&self, root: &Path, dir: &Path) -> TreeOptions {
        TreeOptions {
            dir: dir.to_owned(),
            root: Some(root.to_owned()),
            configs: self.configs.clone(),
            excludes: Excludes::none(),
        }
    }

    fn resolve_dir(&mut self, root: &Path, dir: &Path) -> Result<Vec<Change>, Error> {
        let options = self.options(root, dir);
        let workspace = match self.loaded.take() {
            Some((loaded, config)) if loaded == dir => {
                let files =
                    workspace::Files::read_tree(dir, dir, &canonical(dir)?, &options.excludes)?;
                Workspace::new(config, files)
            }
            _ => Workspace::open(&options)?,
        };
        let resolved = workspace.resolve(&self.scanner)?;
        resolved.write()?;
        self.warnings.extend(resolved.warnings());
        let root = canonical(root)?;
        let mut changes = Vec::new();
        for edit in resolved.edits() {
            let path = edit.target.as_deref().expect("a tree's files are on disk");
            let file = path.strip_prefix(&root).unwrap_or(path).to_owned();
            changes.extend(edit.changes.iter().map(|change| Change {
                file: file.clone(),
                line: change.line,
                image: resolved.image_of(edit, change),
                scan: change.scan.clone(),
                old_value: change.old_value.clone(),
                new_value: change.new_value.clone(),
            }));
        }
        Ok(changes)
    }

    fn dirs(root: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
        if paths.is_empty() {
            vec![root.to_owned()]
        } else {
            paths.iter().map(|p| root.join(p)).collect()
        }
    }
}

fn canonical(dir: &Path) -> Result<PathBuf, Error> {
    dir.canonicalize().map_err(|source| Error::Io {
        what: "cannot open",
        path: dir.to_owned(),
        source,
    })
}

impl Resolver for TreeResolver {
    type Error = Error;

    fn resolve(&mut self, root: &Path, paths: &[PathBuf]) -> Result<Vec<Change>, Error> {
        self.warnings.clear();
        let mut changes = Vec::new();
        for dir in Self::dirs(root, paths) {
            changes.extend(self.resolve_dir(root, &dir)?);
        }
        Ok(changes)
    }

    fn commit_settings(
        &mut self,
        root: &Path,
        paths: &[PathBuf],
    ) -> Result<Option<CommitSettings>, Error> {
        let dir = Self::dirs(root, paths).swap_remove(0);
        let config = workspace::load_config(&self.options(root, &dir))?;
        let commit = config.commit.clone();
        self.loaded = Some((dir, config));
        Ok(commit)
    }
}
