//! `imagescan scan [DIR] [--output table|json]`: every scan defined for DIR, with its
//! image, policy, tags seen and kept, the selected tag and its digest, and where the tags
//! came from (layout, registry, cache).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::common::{ConfigArgs, SourceArgs};
use super::log;
use super::workspace;
use super::{CliError, CliResult, Exit};
use crate::scan::{ScanErrors, ScanJob, ScanOutcome};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns, for people.
    Table,
    /// One JSON array, for programs.
    Json,
}

// Arguments of `imagescan scan` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The directory whose scans to run.
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    source: SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// Skip the digest lookups (one manifest HEAD per scan).
    #[arg(long)]
    no_digest: bool,
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    scan: &'a str,
    image: &'a str,
    policy: String,
    tags_seen: usize,
    tags_kept: usize,
    tag: &'a str,
    digest: Option<&'a str>,
    source: &'static str,
    defined_at: String,
}

/// Runs `imagescan scan`.
pub fn run(args: &ScanArgs) -> CliResult {
    let tree = workspace::tree(&args.dir, None, &args.config, &[])?;
    let config = crate::workspace::load_config(&tree)?;
    workspace::warn_all(&crate::workspace::config_warnings(&config, &args.dir));
    let jobs: Vec<ScanJob<'_>> = config
        .scans
        .iter()
        .filter(|scan| !scan.suspend)
        .map(|scan| ScanJob {
            scan,
            registry: config.registry_for(scan),
            digest: !args.no_digest,
        })
        .collect();
    let results = workspace::scan_jobs(&jobs, &args.source)?;
    let mut rows = Vec::new();
    for (job, result) in jobs.iter().zip(&results) {
        if let Ok(outcome) = result {
            rows.push(Row {
                scan: &job.scan.name,
                image: &job.scan.reference.name,
                policy: job.scan.policy.policy.to_string(),
                tags_seen: outcome.tags_seen,
                tags_kept: outcome.tags_kept,
                tag: &outcome.tag,
                digest: outcome.digest.as_deref(),
                source: outcome.origin.as_str(),
                defined_at: format!(
                    "{}:{}",
                    job.scan.defined_at.path.display(),
                    job.scan.defined_at.line
                ),
            });
        }
    }
    let text = match args.output {
        Output::Json => serde_json::to_string_pretty(&rows).expect("rows serialize") + "\n",
        Output::Table => table(&rows),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failure(anyhow::Error::new(e).context("cannot write to stdout")))?;
    // Stale entries served are shown in the SOURCE column and, like render's, warned
    // about on stderr (SPEC §6: served "with a warning").
    for (job, result) in jobs.iter().zip(&results) {
        if let Ok(ScanOutcome {
            warning: Some(warning),
            ..
        }) = result
        {
            log::warn(format_args!("scan {}: {warning}", job.scan.name));
        }
    }
    let errors: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    if !errors.is_empty() {
        return Err(CliError::classified(ScanErrors(errors)));
    }
    Ok(Exit::Success)
}

fn table(rows: &[Row<'_>]) -> String {
    let header = [
        "SCAN", "IMAGE", "POLICY", "SEEN", "KEPT", "TAG", "DIGEST", "SOURCE",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.scan.to_owned(),
                r.image.to_owned(),
                r.policy.clone(),
                r.tags_seen.to_string(),
                r.tags_kept.to_string(),
                r.tag.to_owned(),
                r.digest.unwrap_or("-").to_owned(),
                r.source.to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &[String]| {
        let mut parts = Vec::with_capacity(cells.len());
        for (cell, width) in cells.iter().zip(widths) {
            parts.push(format!("{cell:width$}"));
        }
        text.push_str(parts.join("  ").trim_end());
        text.push('\n');
    };
    line(&header.map(str::to_owned));
    for row in &cells {
        line(row);
    }
    text
}
