//! `imagescan check [DIR] [--config F]...`: validates the configuration (and, once
//! markers exist, the markers) with no network. Every problem goes to stderr, one a
//! line as `path:line: field: message [code]`; exit 0 when valid, 2 when not. Nothing
//! is written on stdout: the command has no product besides its exit code.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::log;
use super::workspace::Files;
use super::{Classify, CliError, CliResult, Exit};
use crate::config::{ConfigError, ConfigSet};
use crate::diagnostic::Diagnostic;
use crate::files::{Excludes, marker_files};
use crate::resolve::Plan;

/// Arguments of `imagescan check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The directory to check (its configuration, its ancestors' up to the repository
    /// root, and its subtree's).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// An extra configuration file applying to all of DIR (repeatable).
    #[arg(long = "config", value_name = "FILE")]
    config: Vec<PathBuf>,
    /// Skip files and directories matching this glob when checking markers (repeatable),
    /// e.g. documentation that shows marker examples.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
}

/// What the passes found: problems (exit 2) and warnings (printed, exit 0).
#[derive(Debug, Default)]
struct Findings {
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

/// Runs `imagescan check`.
pub fn run(args: &CheckArgs) -> CliResult {
    let mut findings = Findings::default();
    let config = match ConfigSet::load(&args.dir, &args.config) {
        Ok(config) => Some(config),
        Err(ConfigError::Invalid(diagnostics)) => {
            findings.errors.extend(diagnostics.0);
            None
        }
        Err(err @ ConfigError::Io { .. }) => return Err(CliError::invalid(err)),
    };
    if let Some(config) = &config {
        findings.warnings.extend(config.warnings.iter().cloned());
    }
    findings
        .errors
        .extend(marker_problems(args, config.as_ref())?);
    report(&findings, config.as_ref())
}

/// The markers' problems: malformed markers everywhere, and with a valid configuration
/// also markers naming scans that do not apply to their file.
fn marker_problems(
    args: &CheckArgs,
    config: Option<&ConfigSet>,
) -> Result<Vec<Diagnostic>, CliError> {
    let excludes = Excludes::new(&args.exclude).or_invalid()?;
    let list = marker_files(&args.dir, &excludes).or_invalid()?;
    let files = Files::read(&args.dir, list)?;
    let mut problems = Vec::new();
    match config {
        Some(config) => {
            let mut plan = Plan::new(config);
            for (i, file) in files.list.iter().enumerate() {
                plan.add_file(
                    &args.dir.join(&file.relative),
                    &files.root.join(&file.relative),
                    files.bytes(i),
                );
            }
            if let Err(diagnostics) = plan.problems() {
                problems.extend(diagnostics.0);
            }
        }
        None => {
            for (i, file) in files.list.iter().enumerate() {
                if let Err(errors) = crate::marker::find_markers(files.bytes(i)) {
                    let shown = args.dir.join(&file.relative);
                    problems.extend(errors.iter().map(|e| e.to_diagnostic(&shown)));
                }
            }
        }
    }
    Ok(problems)
}

fn report(findings: &Findings, config: Option<&ConfigSet>) -> CliResult {
    for warning in &findings.warnings {
        log::warn(warning);
    }
    // The problems and their count are the command's result: listed whatever the log
    // level.
    if !findings.errors.is_empty() {
        let mut err = std::io::stderr().lock();
        for error in &findings.errors {
            let _ = writeln!(err, "{error}");
        }
        let n = findings.errors.len();
        let _ = writeln!(
            err,
            "imagescan: {n} problem{} found",
            if n == 1 { "" } else { "s" }
        );
        return Ok(Exit::Invalid);
    }
    if let Some(config) = config {
        log::info(format_args!(
            "configuration ok: {} scan(s), {} registry entr{} in {} file(s)",
            config.scans.len(),
            config.registries.len(),
            if config.registries.len() == 1 {
                "y"
            } else {
                "ies"
            },
            config.files.len()
        ));
    }
    Ok(Exit::Success)
}
