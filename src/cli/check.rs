//! `imagescan check [DIR] [--config F]...`: validates the configuration and the markers
//! with no network. Every problem is listed, one a line as `path:line: field: message
//! [code]` on stderr (JSON lines under `--log-format json`), or as one JSON document on
//! stdout with `--output json`; exit 0 when valid, 2 when not.

use std::path::PathBuf;

use clap::Args;

use super::common::{ConfigArgs, Findings, print_stdout};
use super::log;
use super::workspace;
use super::{CliResult, Exit};
use crate::workspace::check::check;

// Arguments of `imagescan check` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The directory to check (its configuration, its ancestors' up to the repository
    /// root, and its subtree's).
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
    /// Skip files and directories matching this glob when checking markers (repeatable),
    /// e.g. documentation that shows marker examples.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// How the problems are listed: text lines on stderr, or one JSON document
    /// (`errors`, `warnings`, `summary`) on stdout.
    #[arg(long, value_enum, default_value_t = Findings::Text)]
    output: Findings,
}

/// Runs `imagescan check`.
pub fn run(args: &CheckArgs) -> CliResult {
    let tree = workspace::tree(&args.dir, None, &args.config, &args.exclude)?;
    let findings = check(&tree)?;
    let exit = if findings.errors.is_empty() {
        Exit::Success
    } else {
        Exit::Invalid
    };
    if args.output == Findings::Json {
        print_stdout(
            &(serde_json::to_string_pretty(&findings).expect("findings serialize") + "\n"),
        )?;
        return Ok(exit);
    }
    for warning in &findings.warnings {
        log::warn(warning);
    }
    // The problems and their count are the command's result: listed whatever the log
    // level.
    for error in &findings.errors {
        log::finding("problem", error, error);
    }
    if !findings.errors.is_empty() {
        let n = findings.errors.len();
        log::finding(
            "summary",
            format_args!(
                "imagescan: {n} problem{} found",
                if n == 1 { "" } else { "s" }
            ),
            &serde_json::json!({ "problems": n }),
        );
    } else if let Some(summary) = &findings.summary {
        log::info(format_args!(
            "configuration ok: {} scan(s), {} registry entr{} in {} file(s); {} marker(s)",
            summary.scans,
            summary.registries,
            if summary.registries == 1 { "y" } else { "ies" },
            summary.files,
            summary.markers
        ));
    }
    Ok(exit)
}
