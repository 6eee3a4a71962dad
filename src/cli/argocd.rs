//! `imagescan argocd`: the `generate` step of the Argo CD config-management plugin
//! (plugin/argocd/install/plugin.yaml). Run in the app path of the repository Argo CD
//! unpacked, it reads Argo CD's environment ([`crate::argocd::ArgoEnv`]), locates the
//! app in its repository ([`crate::argocd::locate`]), resolves in place the markers of
//! the files the app's render reads ([`crate::reads`]; the copy is Argo CD's, thrown away
//! after the request, so nothing is synced to disk) and renders the app as Argo CD would
//! — `kustomize build .`, `helm template .`, or the directory's objects — printing only
//! the objects. Any failure prints nothing on stdout.

use std::path::PathBuf;

use clap::Args;

use super::common::{ConfigArgs, SourceArgs, print_stdout_bytes};
use super::workspace;
use super::{CliError, CliResult, Exit};
use crate::argocd::{AppParameters, ArgoEnv, locate, plan};
use crate::files::Excludes;
use crate::fsutil::Durability;
use crate::workspace::TreeOptions;
use crate::workspace::command::{ToolRender, render_with_tool};
use crate::workspace::stream::{StreamOptions, render_stream};

// Arguments of `imagescan argocd` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct ArgocdArgs {
    /// The app path (Argo CD runs the plugin in it).
    #[arg(default_value = ".")]
    app: PathBuf,
    /// The repository root (default: the directory Argo CD unpacked the repository into,
    /// else the app path with ARGOCD_APP_SOURCE_PATH taken off, else the nearest ancestor
    /// holding `.git`).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    source: SourceArgs,
}

/// How many bytes of a directory app's manifests are held in memory (as `render`).
const MEMORY_LIMIT: u64 = 256 * 1024 * 1024;

/// Runs `imagescan argocd`.
pub fn run(args: &ArgocdArgs) -> CliResult {
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let env = ArgoEnv::from_vars(vars).map_err(CliError::classified)?;
    let params = AppParameters::from_parameters(&env.parameters).map_err(CliError::classified)?;
    let location =
        locate(&args.app, args.root.as_deref(), &env.source_path).map_err(CliError::classified)?;
    let plan = plan(&location.app, &location.root, &env, &params).map_err(CliError::classified)?;
    let scanner = workspace::scanner(&args.source)?;
    match &plan.tool {
        Some((program, tool_args)) => {
            let render = ToolRender {
                app: args.app.clone(),
                root: Some(location.shown_root.clone()),
                configs: args.config.config.clone(),
                excludes: Excludes::default(),
                in_place: true,
                program: program.clone(),
                args: tool_args.clone(),
                reads: Some(plan.reads.clone()),
                durability: Durability::Unsynced,
            };
            let output = render_with_tool(&render, &scanner)?;
            workspace::warn_all(&output.warnings);
            for (name, outcome) in &output.scans {
                workspace::debug_scan(name, outcome);
            }
            print_stdout_bytes(&output.stdout)?;
        }
        None => {
            // A directory app reads its directory: the stream's files and configuration.
            let options = StreamOptions {
                tree: TreeOptions {
                    dir: args.app.clone(),
                    root: Some(location.shown_root.clone()),
                    configs: args.config.config.clone(),
                    excludes: Excludes::default(),
                },
                memory_limit: MEMORY_LIMIT,
                max_file_bytes: crate::files::DEFAULT_MAX_FILE_BYTES,
            };
            let streamed = render_stream(&options, &scanner, &mut super::common::stdout_file()?)?;
            workspace::warn_all(&streamed.warnings);
            for (name, outcome) in &streamed.scans {
                workspace::debug_scan(name, outcome);
            }
        }
    }
    drop(plan);
    Ok(Exit::Success)
}
