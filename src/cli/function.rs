//! `imagescan fn`: the KRM function. A ResourceList on stdin, the same list on stdout
//! with image references resolved and results added; exit 0, or 2 (invalid input) / 1
//! (a scan failed) with the items unchanged and the error results in the list.

use std::io::{Read, Write};

use anyhow::Context;
use clap::Args;

use super::common::SourceArgs;
use super::{Classify, CliResult, Exit, log, workspace};
use crate::krm::{Outcome, Severity};
use crate::scan::Scanner;

/// Arguments of `imagescan fn` (kpt and kustomize pass none).
#[derive(Debug, Args)]
pub struct FunctionArgs {
    #[command(flatten)]
    source: SourceArgs,
}

/// Runs `imagescan fn`.
pub fn run(args: &FunctionArgs) -> CliResult {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .context("cannot read stdin")
        .or_failure()?;
    let cwd = std::env::current_dir()
        .context("cannot find the working directory")
        .or_failure()?;
    let scanner = Scanner::new(workspace::scan_options(&args.source)?);
    let output = crate::krm::run(&input, &cwd, &scanner).or_invalid()?;
    // kustomize shows stderr when the function fails; kpt shows the results.
    for result in &output.results {
        match result.severity {
            Severity::Error => log::error(&result.message),
            Severity::Warning => log::warn(&result.message),
            Severity::Info => log::info(&result.message),
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&output.bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write stdout")
        .or_failure()?;
    Ok(match output.outcome {
        Outcome::Resolved => Exit::Success,
        Outcome::Invalid => Exit::Invalid,
        Outcome::Failed => Exit::Failure,
    })
}
