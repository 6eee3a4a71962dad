//! `imagescan argocd`: the `generate` step of the Argo CD config-management plugin
//! (plugin/argocd/plugin.yaml). Run in the app path of the repository Argo CD unpacked,
//! it reads Argo CD's environment ([`crate::argocd::ArgoEnv`]), resolves the markers of
//! the whole repository in place (the copy is Argo CD's, thrown away after the request)
//! and renders the app as Argo CD would — `kustomize build .`, `helm template .`, or the
//! directory's objects — printing only the objects. Any failure prints nothing on stdout.

use crate::text::ShowPath as _;
use std::path::{Component, Path, PathBuf};

use clap::Args;

use super::common::{ConfigArgs, SourceArgs, print_stdout_bytes};
use super::workspace;
use super::{CliError, CliResult, Exit};
use crate::argocd::{AppParameters, ArgoEnv, plan, repository_root};
use crate::config::up_display;
use crate::files::Excludes;
use crate::workspace::TreeOptions;
use crate::workspace::command::{ToolRender, render_with_tool};
use crate::workspace::stream::{StreamOptions, render_stream};

/// Arguments of `imagescan argocd`.
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
    let app = args.app.canonicalize().map_err(|e| {
        CliError::failure(
            anyhow::Error::new(e).context(format!("cannot read the app path {}", args.app.shown())),
        )
    })?;
    let root = match &args.root {
        Some(root) => root.canonicalize().map_err(|e| {
            CliError::invalid(
                anyhow::Error::new(e).context(format!("cannot read --root {}", root.shown())),
            )
        })?,
        None => repository_root(&app, &env.source_path)
            .unwrap_or_else(|| crate::config::repository_root(&app)),
    };
    let Ok(app_in_root) = app.strip_prefix(&root) else {
        return Err(CliError::invalid(anyhow::anyhow!(
            "the app path {} is not inside the repository root {}",
            app.shown(),
            root.shown()
        )));
    };
    // Files are shown relative to the app path, as the user reads them from the
    // Application (`../../base/deployment.yaml:12`), not under Argo CD's temporary path.
    let given: PathBuf = args
        .app
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let shown_root = up_display(&given, app_in_root.components().count());
    let plan = plan(&app, &root, &env, &params).map_err(CliError::classified)?;
    let scanner = workspace::scanner(&args.source)?;
    match &plan.tool {
        Some((program, tool_args)) => {
            let render = ToolRender {
                app: args.app.clone(),
                root: Some(shown(&shown_root)),
                configs: args.config.config.clone(),
                excludes: Excludes::default(),
                in_place: true,
                program: program.clone(),
                args: tool_args.clone(),
            };
            let output = render_with_tool(&render, &scanner)?;
            workspace::warn_all(&output.warnings);
            for (name, outcome) in &output.scans {
                workspace::debug_scan(name, outcome);
            }
            print_stdout_bytes(&output.stdout)?;
        }
        None => {
            let options = StreamOptions {
                tree: TreeOptions {
                    dir: args.app.clone(),
                    root: Some(shown(&shown_root)),
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

/// `.` for the empty path.
fn shown(path: &Path) -> PathBuf {
    if path.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        path.to_path_buf()
    }
}
