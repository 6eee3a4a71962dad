//! Runs a set of scans concurrently, a bounded number at a time.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Origin, ScanError, ScanOutcome};
use crate::config::{RegistryHost, Scan};
use crate::source::layout::LayoutSource;
use crate::source::{SourceError, TagSource};

/// One scan to run, with what its markers need.
#[derive(Debug, Clone, Copy)]
pub struct ScanJob<'c> {
    /// The scan definition.
    pub scan: &'c Scan,
    /// The `registries:` entry for its host, if any.
    pub registry: Option<&'c RegistryHost>,
    /// Whether some marker needs the digest of the selected tag.
    pub digest: bool,
}

/// How scans reach their sources.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Read the cache only.
    pub offline: bool,
    /// Serve stale cache entries up to this age when a refresh fails.
    pub max_stale: Duration,
    /// How many scans run at once.
    pub concurrency: usize,
    /// The cache directory (`None`: the default location).
    pub cache_dir: Option<PathBuf>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            offline: false,
            max_stale: Duration::from_secs(24 * 3600),
            concurrency: 8,
            cache_dir: None,
        }
    }
}

/// Runs scans.
#[derive(Debug)]
pub struct Scanner {
    options: ScanOptions,
}

impl Scanner {
    /// A scanner with these options.
    pub fn new(options: ScanOptions) -> Self {
        Scanner { options }
    }

    /// Runs every job, `concurrency` at a time; results are in the order of `jobs`.
    pub fn run(&self, jobs: &[ScanJob<'_>]) -> Vec<Result<ScanOutcome, ScanError>> {
        let workers = self.options.concurrency.clamp(1, jobs.len().max(1));
        if workers == 1 {
            return jobs.iter().map(|job| self.run_one(job)).collect();
        }
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<ScanOutcome, ScanError>>>> =
            Mutex::new((0..jobs.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        let result = self.run_one(job);
                        if let Ok(mut results) = results.lock() {
                            results[i] = Some(result);
                        }
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .map(|r| r.expect("every job ran"))
            .collect()
    }

    fn run_one(&self, job: &ScanJob<'_>) -> Result<ScanOutcome, ScanError> {
        let scan = job.scan;
        let source_error = |source: SourceError| ScanError::Source {
            scan: scan.name.clone(),
            path: scan.defined_at.path.clone(),
            line: scan.defined_at.line,
            image: scan.reference.name.clone(),
            source,
        };
        let Some(layout) = job.registry.and_then(|r| r.layout.as_deref()) else {
            return Err(source_error(SourceError::from(
                crate::registry::RegistryError::Unreachable {
                    host: scan.reference.api_host().to_owned(),
                },
            )));
        };
        let source = LayoutSource::new(layout);
        let tags = source.list_tags(&scan.reference).map_err(source_error)?;
        let selection = scan
            .policy
            .select(&tags)
            .map_err(|source| ScanError::NoTag {
                scan: scan.name.clone(),
                path: scan.defined_at.path.clone(),
                line: scan.defined_at.line,
                image: scan.reference.name.clone(),
                source,
            })?;
        let digest = if job.digest {
            Some(
                source
                    .digest(&scan.reference, selection.tag, scan.platform.as_ref())
                    .map_err(source_error)?,
            )
        } else {
            None
        };
        Ok(ScanOutcome {
            tags_seen: selection.seen,
            tags_kept: selection.kept,
            tag: selection.tag.to_owned(),
            digest,
            origin: Origin::Layout,
        })
    }
}
