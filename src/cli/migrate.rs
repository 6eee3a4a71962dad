//! `imagescan migrate [DIR]`: moves the `imageScans` of DIR/fleet.yaml into
//! DIR/imagescan.yaml, leaving every other byte of fleet.yaml as it was. Reports what it
//! did on stderr; stdout stays empty.

use std::path::PathBuf;

use clap::Args;

use super::log;
use super::{CliError, CliResult, Exit};
use crate::writeback::migrate::{MigrateError, MigrateOutcome, migrate_dir};

/// Arguments of `imagescan migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The directory holding fleet.yaml.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// Runs `imagescan migrate`.
pub fn run(args: &MigrateArgs) -> CliResult {
    let outcome = migrate_dir(&args.dir).map_err(|e| match e {
        MigrateError::Io { .. } => CliError::failure(e),
        _ => CliError::invalid(e),
    })?;
    let fleet = args.dir.join("fleet.yaml");
    let target = args.dir.join("imagescan.yaml");
    let message = match outcome {
        MigrateOutcome::NothingToDo => {
            format!("{}: no imageScans to migrate", fleet.display())
        }
        MigrateOutcome::Moved { scans, created } => format!(
            "moved {scans} scan(s) from {} to {} ({})",
            fleet.display(),
            target.display(),
            if created { "created" } else { "extended" }
        ),
    };
    log::info(message);
    Ok(Exit::Success)
}
