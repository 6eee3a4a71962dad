//! `imagescan post-render`: the Helm post-renderer. Helm's manifests on stdin, the same
//! bytes on stdout with markers resolved; on any problem nothing on stdout, the reason
//! on stderr (naming the template and line) and a non-zero exit.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, anyhow};
use clap::Args;

use super::common::SourceArgs;
use super::{Classify, CliError, CliResult, Exit, log, workspace};
use crate::config::ConfigSet;
use crate::scan::Scanner;
use crate::workspace::text::apply_replacements;

/// Arguments of `imagescan post-render`.
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
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .context("cannot read stdin")
        .or_failure()?;
    if args.config.is_empty() && crate::marker::find_markers(&input).is_ok_and(|m| m.is_empty()) {
        // Nothing to resolve needs no configuration.
        return write(&input);
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
    let resolved = crate::postrender::post_render(&config, &input, &scanner)?;
    workspace::warn_all(&resolved.warnings);
    let mut output = Vec::new();
    apply_replacements(&input, &resolved.replacements, &mut output);
    write(&output)
}

fn write(bytes: &[u8]) -> CliResult {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write stdout")
        .or_failure()?;
    Ok(Exit::Success)
}
