//! `imagescan cache ls|clear`: inspect and empty the on-disk cache (SPEC §6) in
//! `$IMAGESCAN_CACHE_DIR` (default `$XDG_CACHE_HOME/imagescan`, else
//! `~/.cache/imagescan`), and with `--cache redis://…` the shared cache in Redis too.
//! Listing never creates the directory; clearing removes only the files and keys the
//! cache writes.

use crate::text::ShowPath as _;
use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::log;
use super::{Classify, CliResult, Exit};
use crate::cache::redis::RedisStore;
use crate::cache::{Age, Cache, DiskStore, ListedEntry};

// Arguments of `imagescan cache` (not a doc comment: see `Command`).
#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
    // The help text shows URL syntax, not doc links.
    #[allow(rustdoc::broken_intra_doc_links)]
    /// The shared cache in Redis to list or clear as well (redis://[:password@]host:port[/db]
    /// or rediss://); the password may come from the file named by
    /// IMAGESCAN_REDIS_PASSWORD_FILE.
    #[arg(
        long = "cache",
        value_name = "URL",
        env = "IMAGESCAN_CACHE",
        hide_env_values = true,
        global = true
    )]
    shared: Option<String>,
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
    /// Where the entry is: `disk` or `redis`.
    store: &'static str,
    host: &'a str,
    repository: &'a str,
    /// Number of tags, or null before the tag list was fetched.
    tags: Option<usize>,
    /// When the tags were fetched (Unix seconds).
    fetched_at: Option<u64>,
    /// Age of the tag list in seconds at the time of listing.
    age_seconds: Option<u64>,
    digests: usize,
    /// The entry's file name, or its key in Redis.
    file: &'a str,
}

/// Runs `imagescan cache`.
pub fn run(args: &CacheArgs) -> CliResult {
    let dir = crate::cache::default_dir().or_invalid()?;
    let cache = Cache::at(&dir);
    let shared = super::workspace::redis_config(args.shared.as_deref())?
        .map(|config| RedisStore::new(config, DiskStore::new(&dir)));
    match args.command {
        CacheCommand::Ls { output } => {
            let listing = cache.list().or_failure()?;
            let shared_listing = match &shared {
                Some(store) => Some(store.list_shared().or_failure()?),
                None => None,
            };
            if !listing.unreadable.is_empty() {
                log::warn(format_args!(
                    "{} unreadable cache entries (replaced on their next refresh)",
                    listing.unreadable.len()
                ));
            }
            if let Some(unreadable) = shared_listing.as_ref().map(|l| l.unreadable.len())
                && unreadable > 0
            {
                log::warn(format_args!(
                    "{unreadable} unreadable entries in the shared cache (replaced on their next refresh)"
                ));
            }
            let mut entries: Vec<(&'static str, &ListedEntry)> =
                listing.entries.iter().map(|e| ("disk", e)).collect();
            if let Some(shared) = &shared_listing {
                entries.extend(shared.entries.iter().map(|e| ("redis", e)));
            }
            let mut out = std::io::stdout().lock();
            let now = crate::cache::unix_now();
            match output {
                Output::Table => write_table(&mut out, &entries, now, shared.is_some()),
                Output::Json => write_json(&mut out, &entries, now),
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
            if let Some(store) = &shared {
                let removed = store.clear_shared().or_failure()?;
                log::info(format_args!(
                    "removed {removed} cache entries from {}",
                    store.shown_url()
                ));
            }
        }
    }
    Ok(Exit::Success)
}

fn rows<'a>(
    entries: &'a [(&'static str, &'a ListedEntry)],
    now: u64,
) -> impl Iterator<Item = Row<'a>> {
    entries.iter().map(move |&(store, listed)| {
        let entry = &listed.entry;
        Row {
            store,
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

/// The table; with a shared cache, a STORE column says where each entry is.
fn write_table(
    out: &mut impl Write,
    entries: &[(&'static str, &ListedEntry)],
    now: u64,
    show_store: bool,
) -> std::io::Result<()> {
    let header = ["STORE", "HOST", "REPOSITORY", "TAGS", "AGE", "DIGESTS"].map(String::from);
    let mut table = vec![header];
    for row in rows(entries, now) {
        let dash = || "-".to_owned();
        table.push([
            row.store.to_owned(),
            row.host.to_owned(),
            row.repository.to_owned(),
            row.tags.map_or_else(dash, |n| n.to_string()),
            row.age_seconds
                .map_or_else(dash, |s| Age(Duration::from_secs(s)).to_string()),
            row.digests.to_string(),
        ]);
    }
    let skip = usize::from(!show_store);
    let mut widths = [0; 6];
    for cells in &table {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for cells in &table {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate().skip(skip) {
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

fn write_json(
    out: &mut impl Write,
    entries: &[(&'static str, &ListedEntry)],
    now: u64,
) -> std::io::Result<()> {
    let rows: Vec<Row<'_>> = rows(entries, now).collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{Entry, TagList};

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
        let entries = [
            listed(
                "registry-1.docker.io",
                "library/nginx",
                Some((10_000, 1234)),
                2,
            ),
            listed("127.0.0.1:5000", "a", Some((10_000 - 3700, 3)), 0),
            listed("ghcr.io", "team/app", None, 1),
        ];
        let stores = ["disk", "disk", "redis"];
        let rows: Vec<(&'static str, &ListedEntry)> = stores.into_iter().zip(&entries).collect();
        let mut out = Vec::new();
        write_table(&mut out, &rows, 10_000, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
HOST                  REPOSITORY     TAGS  AGE   DIGESTS
registry-1.docker.io  library/nginx  1234  0s    2
127.0.0.1:5000        a              3     1h1m  0
ghcr.io               team/app       -     -     1
"
        );
        let mut out = Vec::new();
        write_table(&mut out, &rows, 10_000, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
STORE  HOST                  REPOSITORY     TAGS  AGE   DIGESTS
disk   registry-1.docker.io  library/nginx  1234  0s    2
disk   127.0.0.1:5000        a              3     1h1m  0
redis  ghcr.io               team/app       -     -     1
"
        );
    }
}
