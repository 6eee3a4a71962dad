//! The steps `render`, `resolve`, `check` and `scan` share: load the configuration, list
//! and read the files, plan their markers, run the scans — each failure mapped to its
//! exit code (invalid input 2, operational 1) with every problem listed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

use super::common::SourceArgs;
use super::log;
use super::{Classify, CliError};
use crate::cache::redis::RedisConfig;
use crate::config::ConfigSet;
use crate::credentials::CredentialEnv;
use crate::diagnostic::Diagnostics;
use crate::files::{DEFAULT_MAX_FILE_BYTES, Held, LoadOptions, ManifestFile, load};
use crate::registry::Observer;
use crate::resolve::{FileMarkers, Plan};
use crate::scan::{ScanError, ScanErrors, ScanJob, ScanOptions, ScanOutcome, Scanner};

/// Loads DIR's configuration; invalid configuration is exit 2 with every diagnostic.
pub fn load_config(dir: &Path, extra: &[PathBuf]) -> Result<ConfigSet, CliError> {
    load_config_with_root(dir, extra, None)
}

/// [`load_config`] with the repository root given (see [`ConfigSet::load_with_root`]).
pub fn load_config_with_root(
    dir: &Path,
    extra: &[PathBuf],
    root: Option<&Path>,
) -> Result<ConfigSet, CliError> {
    let config = ConfigSet::load_with_root(dir, extra, root).or_invalid()?;
    for warning in &config.warnings {
        log::warn(warning);
    }
    Ok(config)
}

/// The files of a directory read into memory (by [`crate::files::load`], on every core).
#[derive(Debug)]
pub struct Files {
    /// DIR, absolute with symlinks resolved (scopes are compared against it).
    pub root: PathBuf,
    /// The files, in path order.
    pub list: Vec<ManifestFile>,
    held: Held,
}

impl Files {
    /// Reads every file of `list` (listed under `dir`) into memory.
    pub fn read(dir: &Path, list: Vec<ManifestFile>) -> Result<Self, CliError> {
        let root = dir
            .canonicalize()
            .with_context(|| format!("cannot open directory {}", dir.display()))
            .or_invalid()?;
        let options = LoadOptions {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            memory_limit: u64::MAX,
            workers: readers(),
        };
        let held = load(dir, &list, &options, |_, _| ()).or_failure()?.held;
        Ok(Files { root, list, held })
    }

    /// The bytes of file `index`.
    pub fn bytes(&self, index: usize) -> &[u8] {
        self.held
            .bytes(index)
            .expect("every file is held: no memory limit")
    }

    /// Plans the markers of every file against `config`, whose scopes refer to the files
    /// as if they were under `scope_root` (DIR itself, or the original of a copy).
    /// Markers problems are exit 2, all of them listed.
    pub fn plan<'c>(
        &self,
        config: &'c ConfigSet,
        shown_dir: &Path,
        scope_root: &Path,
    ) -> Result<(Plan<'c>, Vec<Option<FileMarkers>>), CliError> {
        let mut plan = Plan::new(config);
        let markers = self
            .list
            .iter()
            .enumerate()
            .map(|(i, file)| {
                plan.add_file(
                    &shown_dir.join(&file.relative),
                    &scope_root.join(&file.relative),
                    self.bytes(i),
                )
            })
            .collect();
        plan.problems().map_err(invalid_diagnostics)?;
        Ok((plan, markers))
    }
}

/// Writes rewritten files (`(index into files.list, new bytes)`) atomically, all or none
/// ([`crate::fsutil::write_all_atomic`]), each to its
/// [`ManifestFile::path`]: for a symlink inside DIR that is the link's target, so the link
/// stays a link (writing to the link's own path would replace it with a regular file). A
/// file reached by several paths (a link and its target) is written once; when its
/// markers resolved differently through them (other scans in scope), nothing is written.
pub fn write_files(
    files: &Files,
    shown_dir: &Path,
    rewritten: &[(usize, &[u8])],
) -> Result<(), CliError> {
    let mut targets: HashMap<&Path, (usize, &[u8])> = HashMap::with_capacity(rewritten.len());
    let mut writes = Vec::with_capacity(rewritten.len());
    for &(index, bytes) in rewritten {
        let path = files.list[index].path.as_path();
        match targets.get(path) {
            None => {
                targets.insert(path, (index, bytes));
                writes.push((path, bytes));
            }
            Some(&(_, first)) if first == bytes => {}
            Some(&(other, _)) => {
                return Err(CliError::invalid(anyhow!(
                    "{} and {} are the same file ({}), but their markers resolve differently \
                     there; nothing was written",
                    shown_dir.join(&files.list[other].relative).display(),
                    shown_dir.join(&files.list[index].relative).display(),
                    path.display()
                )));
            }
        }
    }
    crate::fsutil::write_all_atomic(&writes).map_err(|err| {
        let state = match err.replaced {
            0 => "no file was changed".to_owned(),
            n => format!("the {n} files before it were replaced"),
        };
        CliError::failure(anyhow::Error::new(err.error).context(format!(
            "cannot write {}; {state}",
            writes[err.index].0.display()
        )))
    })
}

/// How many threads read files: one per CPU, at most 8 (reading from the page cache
/// scales with cores, little beyond).
pub fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Diagnostics as an exit-2 error, one problem a line.
pub fn invalid_diagnostics(diagnostics: Diagnostics) -> CliError {
    let n = diagnostics.0.len();
    CliError::invalid(anyhow!(
        "{n} problem{} found:\n{diagnostics}",
        if n == 1 { "" } else { "s" }
    ))
}

/// Scan options from the command line; a bad `--cache` URL is exit 2 (its message
/// never shows the password).
pub fn scan_options(args: &SourceArgs) -> Result<ScanOptions, CliError> {
    let redis = match args.cache.as_deref().filter(|url| !url.is_empty()) {
        Some(url) => {
            let password_file = std::env::var_os("IMAGESCAN_REDIS_PASSWORD_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
            Some(RedisConfig::parse(url, password_file.as_deref()).or_invalid()?)
        }
        None => None,
    };
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

/// Runs `jobs` and reports, as warnings, what the scanner worked around (a shared cache
/// that was down…), and at debug level (`-v`) the quota each registry announced.
pub fn scan_jobs(
    jobs: &[ScanJob<'_>],
    args: &SourceArgs,
) -> Result<Vec<Result<ScanOutcome, ScanError>>, CliError> {
    let scanner = Scanner::new(scan_options(args)?);
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

/// Runs the plan's scans; any failure is exit 1 with every failed scan listed. Warnings
/// (stale cache served) go to stderr.
pub fn run_scans(plan: &Plan<'_>, args: &SourceArgs) -> Result<Vec<ScanOutcome>, CliError> {
    let results = scan_jobs(&plan.jobs, args)?;
    let mut outcomes = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        let invalid = errors.iter().all(ScanError::is_invalid_input);
        let error = anyhow::Error::new(ScanErrors(errors));
        return Err(if invalid {
            CliError::invalid(error)
        } else {
            CliError::failure(error)
        });
    }
    for (job, outcome) in plan.jobs.iter().zip(&outcomes) {
        if let Some(warning) = &outcome.warning {
            log::warn(format_args!("scan {}: {warning}", job.scan.name));
        }
        log::debug(format_args!(
            "scan {}: {} (from {}; {} tags seen, {} kept){}",
            job.scan.name,
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
    Ok(outcomes)
}
