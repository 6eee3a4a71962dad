//! `imagescan migrate [--dry-run] [DIR]`: moves the `imageScans` of DIR/fleet.yaml into
//! DIR/imagescan.yaml, leaving every other byte of fleet.yaml as it was. Reports on
//! stderr what it did and what it dropped; stdout stays empty, except under `--dry-run`,
//! which prints the imagescan.yaml it would write and writes nothing.

use std::io::Write as _;

use crate::text::ShowPath as _;
use std::path::PathBuf;

use clap::Args;

use super::log;
use super::{CliError, CliResult, Exit};
use crate::config::migrate::{MigrateError, prepare_dir};

// Arguments of `imagescan migrate` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Print the imagescan.yaml migrate would write on stdout; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The directory holding fleet.yaml.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// Runs `imagescan migrate`.
pub fn run(args: &MigrateArgs) -> CliResult {
    let classify = |e: MigrateError| match e {
        MigrateError::Io { .. } => CliError::failure(e),
        _ => CliError::invalid(e),
    };
    let fleet = args.dir.join("fleet.yaml");
    let Some(prepared) = prepare_dir(&args.dir).map_err(classify)? else {
        log::info(format_args!("{}: no imageScans to migrate", fleet.shown()));
        return Ok(Exit::Success);
    };
    for dropped in &prepared.migration.dropped {
        log::warn(dropped);
    }
    let target = &prepared.imagescan_path;
    let scans = prepared.migration.moved;
    let how = if prepared.creates() {
        "created"
    } else {
        "extended"
    };
    if args.dry_run {
        let mut out = std::io::stdout().lock();
        out.write_all(prepared.migration.imagescan.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| {
                CliError::failure(anyhow::Error::new(e).context("cannot write to stdout"))
            })?;
        log::info(format_args!(
            "dry run: would move {scans} scan(s) from {} to {} ({how}); nothing written",
            fleet.shown(),
            target.shown()
        ));
        return Ok(Exit::Success);
    }
    prepared.write().map_err(classify)?;
    log::info(format_args!(
        "moved {scans} scan(s) from {} to {} ({how})",
        fleet.shown(),
        target.shown()
    ));
    Ok(Exit::Success)
}
