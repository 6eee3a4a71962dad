//! `imagescan resolve [DIR] [--write | --diff | --check]`: what the markers under DIR
//! would change. `--diff` (the default) prints a unified diff and exits 0; `--write`
//! rewrites the files atomically; `--check` lists the out-of-date values and exits 3
//! when there is any (for CI), as text on stderr or, with `--output json`, as JSON on
//! stdout.

use std::io::Write;
use std::path::PathBuf;

use clap::{ArgGroup, Args};
use serde::Serialize;

use super::common::{ConfigArgs, Findings, SourceArgs, print_stdout};
use super::log;
use super::workspace;
use super::{CliResult, Exit};
use crate::workspace::Workspace;

// Arguments of `imagescan resolve` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mode").args(["write", "diff", "check"])))]
pub struct ResolveArgs {
    /// The directory whose markers to resolve.
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    source: SourceArgs,
    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Rewrite the files (atomically, all or none; only marked values change).
    #[arg(long)]
    write: bool,
    /// Print a unified diff of the changes (the default).
    #[arg(long)]
    diff: bool,
    /// Exit 3 when some value is out of date, listing them.
    #[arg(long)]
    check: bool,
    /// With --check: how the changes are listed (text lines on stderr, or one JSON
    /// document on stdout for CI annotations).
    #[arg(long, value_enum, default_value_t = Findings::Text, requires = "check")]
    output: Findings,
}

/// One out-of-date value, as `--check --output json` lists it.
#[derive(Debug, Serialize)]
struct Row<'a> {
    path: std::borrow::Cow<'a, str>,
    line: usize,
    scan: &'a str,
    old_value: &'a str,
    new_value: &'a str,
}

/// Runs `imagescan resolve`.
pub fn run(args: &ResolveArgs) -> CliResult {
    let tree = workspace::tree(&args.dir, None, &args.config, &args.exclude)?;
    let workspace = Workspace::open(&tree)?;
    let resolved = workspace.resolve(&workspace::scanner(&args.source)?)?;
    workspace::warn_all(&resolved.warnings());
    for job in resolved.scans() {
        workspace::debug_scan(&job.job.scan.name, &job.outcome);
    }

    if args.write {
        resolved.write()?;
        log::info(format_args!(
            "{} value(s) changed in {} file(s)",
            resolved.changes().count(),
            resolved.edits().len()
        ));
        return Ok(Exit::Success);
    }
    if args.check {
        let rows: Vec<Row<'_>> = resolved
            .changes()
            .map(|(path, change)| Row {
                path: path.to_string_lossy(),
                line: change.line,
                scan: &change.scan,
                old_value: &change.old_value,
                new_value: &change.new_value,
            })
            .collect();
        match args.output {
            Findings::Json => {
                print_stdout(
                    &(serde_json::to_string_pretty(&rows).expect("rows serialize") + "\n"),
                )?;
            }
            Findings::Text => {
                // The list is the command's result: said whatever the log level, as JSON
                // lines under --log-format json.
                for row in &rows {
                    log::finding(
                        "out-of-date",
                        format_args!(
                            "{}:{}: {}: {} -> {}",
                            row.path, row.line, row.scan, row.old_value, row.new_value
                        ),
                        &row,
                    );
                }
            }
        }
        return Ok(if rows.is_empty() {
            Exit::Success
        } else {
            Exit::Changes
        });
    }
    let mut out = std::io::stdout().lock();
    out.write_all(resolved.diff().as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| {
            super::CliError::failure(anyhow::Error::new(e).context("cannot write to stdout"))
        })?;
    Ok(Exit::Success)
}
