//! `imagescan render [DIR] [-- CMD...]`: the Kubernetes objects under DIR with markers
//! resolved, as one `---`-separated stream on stdout ([`crate::workspace::stream`]); or,
//! with CMD, the markers of DIR's whole repository resolved in a temporary copy (or in
//! place with `--in-place`) and CMD run in DIR there, its stdout passed through
//! ([`crate::workspace::command`]). Nothing reaches stdout unless everything succeeded.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;

use super::common::{ConfigArgs, SourceArgs, parse_size, print_stdout_bytes, stdout_file};
use super::workspace;
use super::{CliResult, Exit};
use crate::files::DEFAULT_MAX_FILE_BYTES;
use crate::fsutil::Durability;
use crate::workspace::command::{ToolRender, render_with_tool};
use crate::workspace::stream::{StreamOptions, render_stream};

// Arguments of `imagescan render` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The directory to render.
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    source: SourceArgs,
    /// Skip files and directories matching this glob (repeatable; with CMD, relative to
    /// the repository root).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// How many bytes of manifests to hold in memory between the two passes (suffixes
    /// KiB, MiB, GiB); files past it are kept in a private temporary file.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    memory_limit: u64,
    /// With CMD: resolve the markers in the tree itself instead of a temporary copy (for
    /// throwaway checkouts).
    #[arg(long, requires = "command")]
    in_place: bool,
    /// With CMD: the repository root whose markers are resolved (default: the nearest
    /// ancestor of DIR holding `.git`, else DIR).
    #[arg(long, value_name = "DIR", requires = "command")]
    root: Option<PathBuf>,
    /// A command to run in the resolved directory, e.g. `-- kubectl kustomize .`.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<OsString>,
}

/// Runs `imagescan render`.
pub fn run(args: &RenderArgs) -> CliResult {
    let scanner = workspace::scanner(&args.source)?;
    let Some((program, rest)) = args.command.split_first() else {
        let options = StreamOptions {
            tree: workspace::tree(&args.dir, None, &args.config, &args.exclude)?,
            memory_limit: args.memory_limit,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        };
        let streamed = render_stream(&options, &scanner, &mut stdout_file()?)?;
        workspace::warn_all(&streamed.warnings);
        for (name, outcome) in &streamed.scans {
            workspace::debug_scan(name, outcome);
        }
        return Ok(Exit::Success);
    };
    let tree = workspace::tree(&args.dir, args.root.clone(), &args.config, &args.exclude)?;
    let render = ToolRender {
        app: tree.dir,
        root: tree.root,
        configs: tree.configs,
        excludes: tree.excludes,
        in_place: args.in_place,
        program: program.clone(),
        args: rest.to_vec(),
        // What an arbitrary command reads is unknown: the whole root.
        reads: None,
        durability: Durability::Synced,
    };
    let output = render_with_tool(&render, &scanner)?;
    workspace::warn_all(&output.warnings);
    for (name, outcome) in &output.scans {
        workspace::debug_scan(name, outcome);
    }
    print_stdout_bytes(&output.stdout)?;
    Ok(Exit::Success)
}
