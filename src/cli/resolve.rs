//! `imagescan resolve [DIR] [--write | --diff | --check]`: what the markers under DIR
//! would change. `--diff` (the default) prints a unified diff and exits 0; `--write`
//! rewrites the files atomically; `--check` lists the out-of-date values on stderr and
//! exits 3 when there is any (for CI).

use std::io::Write;
use std::path::PathBuf;

use clap::{ArgGroup, Args};

use super::common::{ConfigArgs, SourceArgs};
use super::log;
use super::workspace::{self, Files};
use super::{Classify, CliError, CliResult, Exit};
use crate::files::{Excludes, marker_files};
use crate::marker::Change;

/// Arguments of `imagescan resolve`.
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
    /// Rewrite the files (atomically; only marked values change).
    #[arg(long)]
    write: bool,
    /// Print a unified diff of the changes (the default).
    #[arg(long)]
    diff: bool,
    /// Exit 3 when some value is out of date, listing them on stderr.
    #[arg(long)]
    check: bool,
}

/// One file whose values change.
struct Changed {
    relative: PathBuf,
    old: usize,
    new: Vec<u8>,
    changes: Vec<Change>,
}

/// Runs `imagescan resolve`.
pub fn run(args: &ResolveArgs) -> CliResult {
    let config = workspace::load_config(&args.dir, &args.config.config)?;
    let excludes = Excludes::new(&args.exclude).or_invalid()?;
    let list = marker_files(&args.dir, &excludes).or_invalid()?;
    let files = Files::read(&args.dir, list)?;
    let (plan, markers) = files.plan(&config, &args.dir, &files.root)?;
    let outcomes = workspace::run_scans(&plan, &args.source)?;

    let mut changed = Vec::new();
    for (i, file) in files.list.iter().enumerate() {
        let Some(markers) = &markers[i] else { continue };
        let mut new = Vec::new();
        let changes = plan
            .rewrite(markers, files.bytes(i), &outcomes, &mut new)
            .or_failure()?;
        if !changes.is_empty() {
            changed.push(Changed {
                relative: file.relative.clone(),
                old: i,
                new,
                changes,
            });
        }
    }

    if args.write {
        let rewritten: Vec<(usize, &[u8])> =
            changed.iter().map(|f| (f.old, f.new.as_slice())).collect();
        workspace::write_files(&files, &args.dir, &rewritten)?;
        log::info(format_args!(
            "{} value(s) changed in {} file(s)",
            changed.iter().map(|f| f.changes.len()).sum::<usize>(),
            changed.len()
        ));
        return Ok(Exit::Success);
    }
    if args.check {
        let mut err = std::io::stderr().lock();
        for file in &changed {
            for change in &file.changes {
                let _ = writeln!(
                    err,
                    "{}:{}: {}: {} -> {}",
                    args.dir.join(&file.relative).display(),
                    change.line,
                    change.scan,
                    change.old_value,
                    change.new_value
                );
            }
        }
        return Ok(if changed.is_empty() {
            Exit::Success
        } else {
            Exit::Changes
        });
    }
    let mut diff = String::new();
    for file in &changed {
        let old = String::from_utf8_lossy(files.bytes(file.old));
        let new = String::from_utf8_lossy(&file.new);
        let name = file.relative.to_string_lossy();
        diff.push_str(
            &similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    let mut out = std::io::stdout().lock();
    out.write_all(diff.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failure(anyhow::Error::new(e).context("cannot write to stdout")))?;
    Ok(Exit::Success)
}
