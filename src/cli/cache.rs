//! `imagescan cache ls|clear`: inspect and empty the on-disk cache (SPEC §6) in
//! `$IMAGESCAN_CACHE_DIR` (default `$XDG_CACHE_HOME/imagescan`, else
//! `~/.cache/imagescan`). Listing never creates the directory; clearing removes only the
//! files the cache writes.

use crate::text::ShowPath as _;
use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::log;
use super::{Classify, CliResult, Exit};
use crate::cache::{Age, Cache, Listing};

/// Arguments of `imagescan cache`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// List cached repositories: host, repository, tag count, age, digest count.
    Ls {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Remove every cache entry (and the cache's lock and temporary files).
    Clear,
}

/// Output formats of `cache ls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    /// Aligned columns, for people.
    Table,
    /// A JSON array, for programs.
    Json,
}

/// One row of `cache ls --output json`.
#[derive(Debug, Serialize)]
struct Row<'a> {
    host: &'a str,
    repository: &'a str,
    /// Number of tags, or null before the tag list was fetched.
    tags: Option<usize>,
    /// When the tags were fetched (Unix seconds).
    fetched_at: Option<u64>,
    /// Age of the tag list in seconds at the time of listing.
    age_seconds: Option<u64>,
    digests: usize,
    file: &'a str,
}

/// Runs `imagescan cache`.
pub fn run(args: &CacheArgs) -> CliResult {
    let dir = crate::cache::default_dir().or_invalid()?;
    let cache = Cache::at(dir);
    match args.command {
        CacheCommand::Ls { output } => {
            let listing = cache.list().or_failure()?;
            if !listing.unreadable.is_empty() {
                log::warn(format_args!(
                    "{} unreadable cache entries (replaced on their next refresh)",
                    listing.unreadable.len()
                ));
            }
            let mut out = std::io::stdout().lock();
            let now = crate::cache::unix_now();
            match output {
                Output::Table => write_table(&mut out, &listing, now),
                Output::Json => write_json(&mut out, &listing, now),
            }
            .and_then(|()| out.flush())
            .context("cannot write to stdout")
            .or_failure()?;
        }
        CacheCommand::Clear => {
            let cleared = cache.clear().or_failure()?;
            log::info(format_args!(
                "removed {} cache entries from {}",
                cleared.entries,
                cache.dir().shown()
            ));
        }
    }
    Ok(Exit::Success)
}

fn rows(listing: &Listing, now: u64) -> impl Iterator<Item = Row<'_>> {
    listing.entries.iter().map(move |listed| {
        let entry = &listed.entry;
        Row {
            host: &entry.host,
            repository: &entry.repository,
            tags: entry.tags.as_ref().map(|t| t.tags.len()),
            fetched_at: entry.tags.as_ref().map(|t| t.fetched_at),
            age_seconds: entry
                .tags
                .as_ref()
                .map(|t| now.saturating_sub(t.fetched_at)),
            digests: entry.digests.len(),
            file: &listed.file_name,
        }
    })
}

fn write_table(out: &mut impl Write, listing: &Listing, now: u64) -> std::io::Result<()> {
    let mut table = vec![["HOST", "REPOSITORY", "TAGS", "AGE", "DIGESTS"].map(String::from)];
    for row in rows(listing, now) {
        let dash = || "-".to_owned();
        table.push([
            row.host.to_owned(),
            row.repository.to_owned(),
            row.tags.map_or_else(dash, |n| n.to_string()),
            row.age_seconds
                .map_or_else(dash, |s| Age(Duration::from_secs(s)).to_string()),
            row.digests.to_string(),
        ]);
    }
    let mut widths = [0; 5];
    for cells in &table {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for cells in &table {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn write_json(out: &mut impl Write, listing: &Listing, now: u64) -> std::io::Result<()> {
    let rows: Vec<Row<'_>> = rows(listing, now).collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{Entry, ListedEntry, TagList};

    fn listed(
        host: &str,
        repository: &str,
        tags: Option<(u64, usize)>,
        digests: usize,
    ) -> ListedEntry {
        let mut entry = Entry::new(&crate::cache::CacheKey::new(host, repository, None));
        entry.tags = tags.map(|(fetched_at, n)| TagList {
            fetched_at,
            tags: (0..n).map(|i| i.to_string()).collect(),
        });
        for i in 0..digests {
            entry.digests.push(crate::cache::DigestRecord {
                tag: i.to_string(),
                platform: None,
                digest: format!("sha256:{i}"),
                fetched_at: 0,
            });
        }
        ListedEntry {
            file_name: format!("{host}.json"),
            entry,
        }
    }

    #[test]
    fn table_columns_align() {
        let listing = Listing {
            entries: vec![
                listed(
                    "registry-1.docker.io",
                    "library/nginx",
                    Some((10_000, 1234)),
                    2,
                ),
                listed("127.0.0.1:5000", "a", Some((10_000 - 3700, 3)), 0),
                listed("ghcr.io", "team/app", None, 1),
            ],
            unreadable: vec![],
        };
        let mut out = Vec::new();
        write_table(&mut out, &listing, 10_000).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
HOST                  REPOSITORY     TAGS  AGE   DIGESTS
registry-1.docker.io  library/nginx  1234  0s    2
127.0.0.1:5000        a              3     1h1m  0
ghcr.io               team/app       -     -     1
"
        );
    }
}
