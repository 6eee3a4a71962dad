//! What the commands built on [`crate::workspace`] share on the command line: the tree
//! options and scan options from their arguments, and saying the pipeline's warnings and
//! scan details on stderr.

use std::path::PathBuf;

use super::common::{ConfigArgs, SourceArgs};
use super::log;
use super::{Classify, CliError};
use crate::cache::redis::RedisConfig;
use crate::credentials::CredentialEnv;
use crate::files::Excludes;
use crate::registry::Observer;
use crate::scan::{ScanError, ScanJob, ScanOptions, ScanOutcome, Scanner};
use crate::workspace::{TreeOptions, Warning};

/// The tree options of a command's arguments (`--exclude` globs validated: exit 2).
pub fn tree(
    dir: &std::path::Path,
    root: Option<PathBuf>,
    config: &ConfigArgs,
    exclude: &[String],
) -> Result<TreeOptions, CliError> {
    Ok(TreeOptions {
        dir: dir.to_owned(),
        root,
        configs: config.config.clone(),
        excludes: Excludes::new(exclude).or_invalid()?,
    })
}

/// The scan options of a command's source arguments (a bad `--cache` URL: exit 2).
pub fn scan_options(args: &SourceArgs) -> Result<ScanOptions, CliError> {
    let redis = redis_config(args.cache.as_deref())?;
    Ok(ScanOptions {
        offline: args.offline,
        max_stale: args.max_stale,
        concurrency: 8,
        cache_dir: None,
        redis,
        credentials: CredentialEnv::from_process(),
        deadline: Some(args.deadline),
        observer: Some(Observer::new(|event| log::info(event))),
    })
}

/// The shared cache a `--cache` URL names (`None` when unset or empty), with the
/// password from `IMAGESCAN_REDIS_PASSWORD_FILE` if the URL has none; a bad URL is
/// invalid input (exit 2).
pub fn redis_config(url: Option<&str>) -> Result<Option<RedisConfig>, CliError> {
    let Some(url) = url.filter(|url| !url.is_empty()) else {
        return Ok(None);
    };
    let password_file = std::env::var_os("IMAGESCAN_REDIS_PASSWORD_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    Ok(Some(
        RedisConfig::parse(url, password_file.as_deref()).or_invalid()?,
    ))
}

/// The scanner of a command's source arguments.
pub fn scanner(args: &SourceArgs) -> Result<Scanner, CliError> {
    Ok(Scanner::new(scan_options(args)?))
}

/// Runs `jobs` (`scan`, which needs no markers) and says, as warnings, what the scanner
/// worked around (a shared cache that was down…), and at debug level (`-v`) the quota
/// each registry announced.
pub fn scan_jobs(
    jobs: &[ScanJob<'_>],
    args: &SourceArgs,
) -> Result<Vec<Result<ScanOutcome, ScanError>>, CliError> {
    let scanner = scanner(args)?;
    let results = scanner.run(jobs);
    for warning in scanner.warnings() {
        log::warn(warning);
    }
    for (host, quota) in scanner.quotas() {
        let count = |n: Option<u64>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        let window = quota
            .window
            .map(|w| format!(" per {}", crate::cache::Age(w)))
            .unwrap_or_default();
        log::debug(format_args!(
            "registry {host}: quota {} of {} requests left{window}",
            count(quota.remaining),
            count(quota.limit)
        ));
    }
    Ok(results)
}

/// Says each warning.
pub fn warn_all(warnings: &[Warning]) {
    for warning in warnings {
        log::warn(warning);
    }
}

/// Says, at debug level, what each scan selected and from where.
pub fn debug_scan(name: &str, outcome: &ScanOutcome) {
    log::debug(format_args!(
        "scan {name}: {} (from {}; {} tags seen, {} kept){}",
        outcome.tag,
        outcome.origin.as_str(),
        outcome.tags_seen,
        outcome.tags_kept,
        outcome
            .digest
            .as_deref()
            .map(|d| format!(", digest {d}"))
            .unwrap_or_default()
    ));
}
