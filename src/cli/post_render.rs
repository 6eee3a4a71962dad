//! `imagescan post-render`: the Helm post-renderer. Helm's manifests on stdin, the same
//! bytes on stdout with markers resolved; on any problem nothing on stdout, the reason
//! on stderr (naming the template and line) and a non-zero exit.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;

use super::common::{SourceArgs, read_stdin, stdout_file_for, write_error};
use super::{Classify, CliError, CliResult, Exit, log, workspace};
use crate::config::ConfigSet;
use crate::marker::DocumentWindows;
use crate::scan::Scanner;
use crate::workspace::Replacement;
use crate::workspace::text::write_replaced;

// Arguments of `imagescan post-render` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct PostRenderArgs {
    /// Configuration file (imagescan.yaml schema) defining the scans (repeatable); Helm
    /// passes it with `--post-renderer-args`.
    #[arg(long = "config", value_name = "FILE", env = "IMAGESCAN_CONFIG")]
    config: Vec<PathBuf>,
    #[command(flatten)]
    source: SourceArgs,
}

/// Runs `imagescan post-render`.
pub fn run(args: &PostRenderArgs) -> CliResult {
    // Markers are looked for in each run of documents as soon as it has arrived.
    let mut windows = DocumentWindows::new();
    let input = read_stdin(|so_far| windows.feed(so_far))?;
    let found = windows.finish(&input);
    if args.config.is_empty() && found.as_ref().is_some_and(Vec::is_empty) {
        // Nothing to resolve needs no configuration.
        return write(&input, &[]);
    }
    if args.config.is_empty() {
        return Err(CliError::invalid(anyhow!(
            "the manifests hold $imagescan markers but no configuration was given: pass \
             `--config FILE` (with Helm: `--post-renderer-args --config=FILE`) or set \
             IMAGESCAN_CONFIG"
        )));
    }
    let config = ConfigSet::load_files(&args.config).or_invalid()?;
    for warning in &config.warnings {
        log::warn(warning);
    }
    let scanner = Scanner::new(workspace::scan_options(&args.source)?);
    let resolved = crate::postrender::post_render(&config, &input, found, &scanner)?;
    workspace::warn_all(&resolved.warnings);
    write(&input, &resolved.replacements)
}

fn write(input: &[u8], replacements: &[Replacement]) -> CliResult {
    write_replaced(input, replacements, &mut stdout_file_for(input.len())?).map_err(write_error)?;
    Ok(Exit::Success)
}
