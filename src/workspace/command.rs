//! An app inside a repository, rendered by a tool (`render DIR -- CMD`, the Argo CD
//! plugin): the markers of every file of the repository resolved — a kustomize overlay's
//! base, a component, a chart's values, wherever they are under the root — in place or
//! in a private copy of the root, then the tool (`kubectl kustomize .`, `helm template
//! .`) run in the app's directory. Its stdout is captured whole and handed back only
//! when it succeeded; its stderr passes through.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::{repository_root, up_display};
use crate::files::{Excludes, copy_tree};
use crate::rundir::{self, RunDir};
use crate::scan::{ScanOutcome, Scanner};

use super::{Error, TreeOptions, Warning, Workspace, canonical};

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
    let copy;
    let (workspace, tree) = if render.in_place {
        (
            Workspace::open_named(&options, &root, &shown)?,
            root.clone(),
        )
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
        (Workspace::open_named(&options, &tree, &shown)?, tree)
    };
    let planned = workspace.plan_app(Some(app_in_root));
    let resolved = workspace.resolve_planned(planned, scanner)?;
    resolved.write()?;
    let warnings = resolved.warnings();
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
