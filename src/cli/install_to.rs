//! `imagescan install-to DIR` (hidden): copies the running binary to DIR/imagescan. The
//! container image has no shell and no `cp`; the Argo CD plugin's init container runs
//! this to hand the binary to the sidecar through a shared volume.

use crate::text::ShowPath as _;
use std::path::PathBuf;

use clap::Args;

use super::log;
use super::{Classify, CliResult, Exit};
use crate::install::install_binary;

// Arguments of `imagescan install-to` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct InstallToArgs {
    /// The directory to write `imagescan` into (it must exist).
    dir: PathBuf,
}

/// Runs `imagescan install-to`.
pub fn run(args: &InstallToArgs) -> CliResult {
    // /proc/self/exe when /proc is mounted (containers), else argv[0] as given.
    let source = std::env::current_exe()
        .ok()
        .or_else(|| std::env::args_os().next().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/imagescan"));
    let written = install_binary(&source, &args.dir).or_failure()?;
    log::info(format!("installed {}", written.shown()));
    Ok(Exit::Success)
}
