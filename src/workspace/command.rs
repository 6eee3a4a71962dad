//! An app inside a repository, rendered by a tool (`render DIR -- CMD`, the Argo CD
//! plugin): the markers of the files of the repository the tool reads resolved — a
//! kustomize overlay's base, a component, a chart's values, wherever they are under the
//! root: those [`Reads`] names when known, else every file — in place or in a private
//! copy of the root, then the tool (`kubectl kustomize .`, `helm template .`) run in the
//! app's directory. Its stdout is captured whole and handed back only
//! when it succeeded; its stderr passes through.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::{ConfigSet, repository_root, up_display};
use crate::files::{Excludes, copy_tree};
use crate::fsutil::Durability;
use crate::reads::{Reads, Unfollowed};
use crate::rundir::{self, RunDir};
use crate::scan::{ScanOutcome, Scanner};

use super::{Error, Files, TreeOptions, Warning, Workspace, canonical};

/// An app to render with a tool.
#[derive(Debug, Clone)]
pub struct ToolRender {
    /// The app's directory, as named.
    pub app: PathBuf,
    /// The repository root (`--root`; the directory Argo CD unpacked); `None`: the
    /// nearest ancestor of the app holding `.git`, else the app itself.
    pub root: Option<PathBuf>,
    /// Extra configuration files, applying to the whole root.
    pub configs: Vec<PathBuf>,
    /// Files left out under the root.
    pub excludes: Excludes,
    /// Resolve in the tree itself (a throwaway checkout) rather than a copy.
    pub in_place: bool,
    /// The tool and its arguments, run in the app's directory.
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// What the tool reads, when known (the Argo CD plugin: [`Reads::of_app`]): only
    /// those files are resolved, with only the configuration files that apply to them,
    /// and a problem in any of them is an error; the rest of the repository is neither
    /// resolved nor reported. `None`, or reads that could not be followed: every file of
    /// the root is resolved, and problems outside the app are warnings.
    pub reads: Option<Reads>,
    /// Whether the written files reach the disk before the tool runs: not needed in a
    /// throwaway copy (Argo CD's).
    pub durability: Durability,
}

/// What the tool printed, and what the user should know.
#[derive(Debug)]
pub struct ToolOutput {
    /// The tool's stdout.
    pub stdout: Vec<u8>,
    /// Warnings of the resolution.
    pub warnings: Vec<Warning>,
    /// Each scan that ran, and what it selected.
    pub scans: Vec<(String, ScanOutcome)>,
}

/// Resolves the markers of the app's repository and runs the tool in the app.
pub fn render_with_tool(render: &ToolRender, scanner: &Scanner) -> Result<ToolOutput, Error> {
    let app = canonical(&render.app)?;
    let root = match &render.root {
        Some(root) => canonical(root)?,
        None => repository_root(&app),
    };
    let Ok(app_in_root) = app.strip_prefix(&root) else {
        return Err(Error::Io {
            what: "the app is not inside the repository root",
            path: render.app.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "outside the root"),
        });
    };
    // The root as the user would name it (files are shown under it): given, or the
    // app's path with as many levels dropped as the app is deep in the repository — the
    // empty path when that is the working directory.
    let shown = match &render.root {
        Some(given) => given.clone(),
        None => up_display(&render.app, app_in_root.components().count()),
    };
    let options = TreeOptions {
        dir: if shown.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            shown.clone()
        },
        root: Some(root.clone()),
        configs: render.configs.clone(),
        excludes: render.excludes.clone(),
    };
    let reads = render
        .reads
        .as_ref()
        .filter(|reads| reads.unfollowed().is_none());
    let open = |tree: &Path| match reads {
        Some(reads) => open_reads(&options, reads, tree, &shown),
        None => Workspace::open_named(&options, tree, &shown),
    };
    let copy;
    let (workspace, tree) = if render.in_place {
        (open(&root)?, root.clone())
    } else {
        // Copies left by renders that were killed go first.
        rundir::sweep();
        copy = RunDir::new("render").map_err(|source| Error::Io {
            what: "cannot create a temporary directory in",
            path: std::env::temp_dir(),
            source,
        })?;
        // The tree goes one level down: the run's lock file stays out of the tool's sight.
        let tree = copy.path().join("tree");
        std::fs::create_dir(&tree).map_err(|source| Error::Io {
            what: "cannot create a temporary directory",
            path: tree.clone(),
            source,
        })?;
        copy_tree(&root, &tree)?;
        (open(&tree)?, tree)
    };
    // Reads known: every file planned is one the tool reads, its problems are errors.
    let planned = workspace.plan_app(reads.is_none().then_some(app_in_root));
    let resolved = workspace.resolve_planned(planned, scanner)?;
    resolved.write_with(render.durability)?;
    let mut warnings = resolved.warnings();
    if let Some(unfollowed) = render.reads.as_ref().and_then(Reads::unfollowed) {
        warnings.insert(
            0,
            Warning::Unfollowed(Unfollowed {
                file: shown.join(&unfollowed.file),
                reason: unfollowed.reason.clone(),
            }),
        );
    }
    let scans = resolved
        .scans()
        .iter()
        .map(|job| (job.job.scan.name.clone(), job.outcome.clone()))
        .collect();
    let stdout = run_tool(&render.program, &render.args, &tree.join(app_in_root))?;
    Ok(ToolOutput {
        stdout,
        warnings,
        scans,
    })
}

/// The workspace of the files of `tree` (the root or a copy of it) that `reads` takes,
/// with the configuration that applies to them.
fn open_reads(
    options: &TreeOptions,
    reads: &Reads,
    tree: &Path,
    shown: &Path,
) -> Result<Workspace, Error> {
    let root = reads.root();
    let config = ConfigSet::load_where(
        &options.dir,
        &options.configs,
        options.root.as_deref(),
        &|dir| reads.config_applies(dir),
    )?;
    let files = Files::read_tree_where(tree, shown, root, &options.excludes, |relative| {
        reads.wants(&root.join(relative))
    })?;
    Ok(Workspace::new(config, files))
}

/// Runs `program args…` in `dir` with no stdin and returns its stdout; a failure (its
/// exit code is kept in the error's class) returns nothing of its output.
pub fn run_tool(program: &OsString, args: &[OsString], dir: &Path) -> Result<Vec<u8>, Error> {
    let name = || program.to_string_lossy().into_owned();
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| Error::Spawn {
            program: name(),
            source,
        })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(Error::Command {
            program: name(),
            status: output.status,
        })
    }
}
