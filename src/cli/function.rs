//! `imagescan fn`: the KRM function. A ResourceList on stdin, the same list on stdout
//! with image references resolved and results added; exit 0, or 2 (invalid input) / 1
//! (a scan failed) with the items unchanged and the error results in the list.

use anyhow::Context;
use clap::Args;

use super::common::{SourceArgs, read_stdin, stdout_file_for, write_error};
use super::{Classify, CliResult, Exit, log, workspace};
use crate::krm::{ItemWindows, Outcome, Severity};
use crate::scan::Scanner;

// Arguments of `imagescan fn`; kpt and kustomize pass none (not a doc comment: see
// `Command`).
#[derive(Debug, Args)]
pub struct FunctionArgs {
    #[command(flatten)]
    source: SourceArgs,
}

/// Runs `imagescan fn`.
pub fn run(args: &FunctionArgs) -> CliResult {
    // The list's column-0 lines are found, and the items' markers looked for in each run
    // of items, as soon as they have arrived.
    let mut windows = ItemWindows::new();
    let input = read_stdin(|so_far| windows.feed(so_far))?;
    let ahead = windows.finish(&input);
    let cwd = std::env::current_dir()
        .context("cannot find the working directory")
        .or_failure()?;
    let scanner = Scanner::new(workspace::scan_options(&args.source)?);
    let output = crate::krm::run(&input, &cwd, Some(ahead), &scanner).or_invalid()?;
    // kustomize shows stderr when the function fails; kpt shows the results.
    for result in &output.results {
        match result.severity {
            Severity::Error => log::error(&result.message),
            Severity::Warning => log::warn(&result.message),
            Severity::Info => log::info(&result.message),
        }
    }
    output
        .write(&input, &mut stdout_file_for(input.len())?)
        .map_err(write_error)?;
    Ok(match output.outcome {
        Outcome::Resolved => Exit::Success,
        Outcome::Invalid => Exit::Invalid,
        Outcome::Failed => Exit::Failure,
    })
}
