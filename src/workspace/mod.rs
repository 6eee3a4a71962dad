//! The one resolution pipeline every command and plugin mode runs: configuration →
//! files → markers planned → scans run → new values → output.
//!
//! A [`Workspace`] is built from the inputs — a directory tree ([`Workspace::open`], or a
//! copy of one), or documents held in memory ([`Files::in_memory`], [`Workspace::new`]) — with the
//! configuration that applies to them. [`Workspace::plan`] finds every marker and every
//! problem (pure over the bytes held); [`Workspace::resolve`] runs the scans the markers
//! need and gives a [`Resolved`] set: the new bytes of each changed file and what
//! changed, with the adapters the commands need — the change list, a unified diff, the
//! all-or-nothing write (one write path, symlink-aware). The render stream, which reads
//! large trees in two passes without holding a second copy, is [`stream`]; one text held
//! in memory (a post-renderer's or a KRM function's stdin) is [`text`]; checking with no
//! network is [`check`]; running a tool in a resolved tree is [`command`].
//!
//! Nothing here prints: warnings are returned ([`Warning`]), errors carry their
//! [`crate::class::Class`].

pub mod check;
pub mod command;
mod error;
mod files;
mod plan;
mod resolved;
pub mod stream;
pub mod text;
mod warning;

use std::path::{Path, PathBuf};

pub use error::Error;
pub use files::{Files, readers};
pub use plan::{
    FileMarkers, Found, Plan, PlannedMarker, Replacement, RewriteError, Scanned, ScannedJob,
};
pub use resolved::{FileEdit, Resolved};
pub use warning::Warning;

use crate::config::ConfigSet;
use crate::files::Excludes;
use crate::scan::Scanner;

/// Where a tree's files and configuration come from.
#[derive(Debug, Clone, Default)]
pub struct TreeOptions {
    /// The directory, as the user named it (files are shown under this spelling).
    pub dir: PathBuf,
    /// The repository root, when known otherwise than by looking for `.git` (`--root`,
    /// a checkout exported without `.git`): configuration is discovered up to it.
    pub root: Option<PathBuf>,
    /// Extra configuration files (`--config`), applying to all of the directory.
    pub configs: Vec<PathBuf>,
    /// Files and directories left out.
    pub excludes: Excludes,
}

/// The inputs of a run and the configuration that applies to them.
#[derive(Debug)]
pub struct Workspace {
    config: ConfigSet,
    files: Files,
}

/// A workspace's markers, found and matched to their scans.
#[derive(Debug)]
pub struct Planned<'w> {
    /// The scans the markers need, and the problems found.
    pub plan: Plan<'w>,
    /// Each file's markers (`None`: no marker, or problems).
    pub markers: Vec<Option<FileMarkers>>,
    /// Problems of files outside the app being rendered, left unresolved (see
    /// [`Workspace::plan_app`]).
    pub skipped: Vec<crate::diagnostic::Diagnostic>,
}

impl Workspace {
    /// Loads the configuration of `options.dir`, and lists and reads its files.
    pub fn open(options: &TreeOptions) -> Result<Self, Error> {
        Self::open_named(options, &options.dir, &options.dir)
    }

    /// [`Workspace::open`] with the files listed and read (and written) under `files`
    /// — `options.dir` itself or a copy of it — and shown as `shown.join(relative)`. The
    /// configuration is `options.dir`'s (its relative paths resolve against the
    /// original files) and scopes are compared as if the files were there.
    pub fn open_named(options: &TreeOptions, files: &Path, shown: &Path) -> Result<Self, Error> {
        let config = load_config(options)?;
        let scope_root = canonical(&options.dir)?;
        let files = Files::read_tree(files, shown, &scope_root, &options.excludes)?;
        Ok(Workspace { config, files })
    }

    /// Files with a configuration the caller loaded or built (from `--config` files, a
    /// KRM functionConfig).
    pub fn new(config: ConfigSet, files: Files) -> Self {
        Workspace { config, files }
    }

    /// The configuration.
    pub fn config(&self) -> &ConfigSet {
        &self.config
    }

    /// The files.
    pub fn files(&self) -> &Files {
        &self.files
    }

    /// Finds every file's markers and matches each to the scan in scope for its file.
    /// Problems are kept in the plan ([`Plan::problems`]), all of them.
    pub fn plan(&self) -> Planned<'_> {
        self.plan_app(None)
    }

    /// [`Workspace::plan`] for an app at `app` (relative to the directory) inside a
    /// repository whose files are all resolved: the problems of the app's own files are
    /// errors; those of files elsewhere — another team's app, which this render may not
    /// read — are kept apart as [`Planned::skipped`], and those files left unresolved, so
    /// that one broken marker does not stop every app of the repository.
    pub fn plan_app(&self, app: Option<&Path>) -> Planned<'_> {
        let mut plan = Plan::new(&self.config);
        let mut skipped = Vec::new();
        let markers = (0..self.files.len())
            .map(|i| {
                let before = plan.problem_count();
                let markers = plan.add_file(
                    &self.files.shown(i),
                    &self.files.scope_path(i),
                    self.files.bytes(i),
                );
                if app.is_some_and(|app| !self.files.relative(i).starts_with(app)) {
                    skipped.extend(plan.take_problems_since(before));
                }
                markers
            })
            .collect();
        Planned {
            plan,
            markers,
            skipped,
        }
    }

    /// Plans, runs the scans the markers need on `scanner`, and computes every file's new
    /// bytes. Marker problems and failed scans are errors listing all of them.
    pub fn resolve(&self, scanner: &Scanner) -> Result<Resolved<'_>, Error> {
        self.resolve_planned(self.plan(), scanner)
    }

    /// [`Workspace::resolve`] of a plan made by [`Workspace::plan_app`].
    pub fn resolve_planned<'w>(
        &'w self,
        planned: Planned<'w>,
        scanner: &Scanner,
    ) -> Result<Resolved<'w>, Error> {
        let warnings = self.warnings(&planned);
        let Planned { plan, markers, .. } = planned;
        plan.problems().map_err(Error::Problems)?;
        let scanned = plan.run(scanner)?;
        Resolved::new(self, scanned, &markers, warnings)
    }

    /// What the user should know before anything runs: configuration warnings, and that
    /// there is nothing to do (no configuration, no marker).
    pub fn warnings(&self, planned: &Planned<'_>) -> Vec<Warning> {
        let mut warnings = config_warnings(&self.config, self.files.dir());
        warnings.extend(planned.skipped.iter().cloned().map(Warning::Skipped));
        if !self.config.files.is_empty()
            && planned.markers.iter().all(Option::is_none)
            && planned.plan.problems().is_ok()
        {
            warnings.push(Warning::NoMarkers {
                dir: self.files.dir().to_owned(),
            });
        }
        warnings
    }
}

/// A configuration's warnings, and that there is none for `dir`.
pub fn config_warnings(config: &ConfigSet, dir: &Path) -> Vec<Warning> {
    let mut warnings: Vec<Warning> = config
        .warnings
        .iter()
        .cloned()
        .map(Warning::Config)
        .collect();
    if config.files.is_empty() {
        warnings.push(Warning::NoConfiguration {
            dir: dir.to_owned(),
        });
    }
    warnings
}

/// Loads the configuration of a tree.
pub fn load_config(options: &TreeOptions) -> Result<ConfigSet, Error> {
    Ok(ConfigSet::load_with_root(
        &options.dir,
        &options.configs,
        options.root.as_deref(),
    )?)
}

/// `dir`, absolute with symlinks resolved.
fn canonical(dir: &Path) -> Result<PathBuf, Error> {
    dir.canonicalize().map_err(|source| {
        Error::Walk(crate::files::WalkError::Dir {
            path: dir.to_owned(),
            source,
        })
    })
}
