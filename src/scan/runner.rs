//! Runs a set of scans concurrently, a bounded number at a time.
//!
//! A scan's host is served either by OCI layouts on disk (`registries[].layout`: read
//! directly, no cache) or by a registry over HTTP, behind the shared cache (the disk, or
//! Redis in front of it: the scans do not know which). One registry client is built per
//! (host, credential) and shared by the scans using it, and credentials are looked up
//! once per (host, secretRef). Before the scans start, the cache entries of all of them
//! are read ahead in one round trip. When every scan reads layouts (local files, no
//! waiting on a network), they run one after the other on the calling thread: starting
//! and joining threads would cost more than the reads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::error::ScanFailure;
use super::quotas::Quotas;
use super::{Origin, ScanError, ScanOutcome};
use crate::cache::redis::RedisConfig;
use crate::cache::{Cache, CacheError, CacheKey, CacheStatus, DEFAULT_MAX_STALE, Mode};
use crate::config::{RegistryHost, Scan};
use crate::credentials::{Credential, CredentialEnv, Secret};
use crate::parallel::run_bounded;
use crate::registry::{
    self, Announced, ClientOptions, Deadline, HostSettings, Observer, RegistryClient, SharedQuota,
};
use crate::source::layout::LayoutSource;
use crate::source::{TagSource, Tags};

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
    /// The cache directory (`None`: [`crate::cache::default_dir`]).
    pub cache_dir: Option<PathBuf>,
    /// Redis shared in front of the cache directory (`--cache redis://…`).
    pub redis: Option<RedisConfig>,
    /// Where credentials are looked up.
    pub credentials: CredentialEnv,
    /// How long all registry work of the run may take, counted from
    /// [`Scanner::new`] (`None`: no overall limit, only per-request timeouts).
    pub deadline: Option<Duration>,
    /// Told about registry waits as they happen (the library never prints).
    pub observer: Option<Observer>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            offline: false,
            max_stale: DEFAULT_MAX_STALE,
            concurrency: 8,
            cache_dir: None,
            redis: None,
            credentials: CredentialEnv::from_process(),
            deadline: None,
            observer: None,
        }
    }
}

/// A registry host and what identifies the credential used with it (a `secretRef`
/// name, or a credential's identity hash).
type HostKey = (String, Option<String>);

/// Runs scans; remembers credentials and registry clients across the scans of one run.
#[derive(Debug)]
pub struct Scanner {
    options: ScanOptions,
    deadline: Option<Deadline>,
    credentials: Mutex<HashMap<HostKey, Option<Credential>>>,
    clients: Mutex<HashMap<HostKey, Arc<RegistryClient>>>,
    cache: Mutex<Option<Cache>>,
    /// One source per layouts directory, shared by the scans reading it.
    layouts: Mutex<HashMap<PathBuf, Arc<LayoutSource>>>,
    quotas: Quotas,
}

impl Scanner {
    /// A scanner with these options; the deadline starts now.
    pub fn new(options: ScanOptions) -> Self {
        Scanner {
            deadline: options.deadline.map(Deadline::after),
            options,
            credentials: Mutex::default(),
            clients: Mutex::default(),
            cache: Mutex::default(),
            layouts: Mutex::default(),
            quotas: Quotas::default(),
        }
    }

    /// What each registry host announced about its quota during the run
    /// (`RateLimit-Remaining` / `RateLimit-Limit`), by host.
    pub fn quotas(&self) -> Vec<(String, Announced)> {
        self.quotas.announced()
    }

    /// Runs every job, `concurrency` at a time; results are in the order of `jobs`.
    ///
    /// Jobs answered locally — from an OCI layout, or from a fresh cache entry — run on
    /// the calling thread first: they take well under a millisecond, less than starting
    /// and joining a thread (several on a loaded machine). The others, which may ask a
    /// registry, then run concurrently.
    pub fn run(&self, jobs: &[ScanJob<'_>]) -> Vec<Result<ScanOutcome, ScanError>> {
        self.prefetch(jobs);
        let mut results: Vec<Option<Result<ScanOutcome, ScanError>>> =
            jobs.iter().map(|job| self.run_local(job)).collect();
        let remote: Vec<usize> = (0..jobs.len()).filter(|&i| results[i].is_none()).collect();
        let ran = run_bounded(
            remote.iter().map(|&i| &jobs[i]).collect(),
            self.options.concurrency,
            |job| self.run_one(job),
        );
        for (index, result) in remote.into_iter().zip(ran) {
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|result| result.expect("every job ran"))
            .collect()
    }

    /// A job's outcome when it needs no registry: a layout's, or one every answer of
    /// which the cache holds fresh (what [`Scanner::run_one`] gives then, without
    /// locking). `None`: the job must run in full.
    fn run_local(&self, job: &ScanJob<'_>) -> Option<Result<ScanOutcome, ScanError>> {
        if layout_dir(job).is_some() {
            return Some(self.run_one(job));
        }
        if self.options.offline {
            return None;
        }
        let scan = job.scan;
        let host = scan.reference.api_host();
        // Any problem (a credential, a client setting, the cache) is left for the full
        // run to report.
        let credential = self.credential(host, scan.secret_ref.as_deref()).ok()?;
        self.client(job, credential.as_ref()).ok()?;
        let cache = self.cache().ok()?;
        let key = CacheKey::new(host, &scan.reference.repository, credential.as_ref());
        let mut session = cache.session(&key);
        let tags = session.fresh_tags(scan.interval)?;
        let mut outcome = match select(job, &tags.value.tags, origin(&tags.status)) {
            Ok(outcome) => outcome,
            Err(cause) => return Some(Err(scan_error(job, cause))),
        };
        if job.digest {
            let digest =
                session.fresh_digest(&outcome.tag, scan.platform.as_ref(), scan.interval)?;
            outcome.digest = Some(digest.value);
        }
        Some(Ok(outcome))
    }

    /// Problems worked around during the scans (the shared cache down, garbage in it…),
    /// for the caller to report once; emptied by the call.
    pub fn warnings(&self) -> Vec<String> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(Cache::take_warnings)
            .unwrap_or_default()
    }

    /// The cache, opened once per scanner.
    fn cache(&self) -> Result<Cache, CacheError> {
        let mut slot = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cache) = slot.as_ref() {
            return Ok(cache.clone());
        }
        let dir = match &self.options.cache_dir {
            Some(dir) => dir.clone(),
            None => crate::cache::default_dir()?,
        };
        let cache = match &self.options.redis {
            Some(redis) => {
                let mut redis = redis.clone();
                // A lock holder cannot do registry work past the deadline: its lock
                // need not be kept longer.
                if let Some(deadline) = self.options.deadline {
                    redis.max_hold = deadline;
                }
                Cache::open_shared(dir, redis)?
            }
            None => Cache::open(dir)?,
        };
        *slot = Some(cache.clone());
        Ok(cache)
    }

    /// Reads the cache entries of every registry scan ahead, in one round trip to a
    /// shared cache. Failures are left for the scans themselves to report.
    fn prefetch(&self, jobs: &[ScanJob<'_>]) {
        let keys: Vec<CacheKey> = jobs
            .iter()
            .filter(|job| layout_dir(job).is_none())
            .filter_map(|job| {
                let scan = job.scan;
                let host = scan.reference.api_host();
                let credential = self.credential(host, scan.secret_ref.as_deref()).ok()?;
                Some(CacheKey::new(
                    host,
                    &scan.reference.repository,
                    credential.as_ref(),
                ))
            })
            .collect();
        if keys.is_empty() {
            return;
        }
        if let Ok(cache) = self.cache() {
            cache.prefetch(&keys);
        }
    }

    fn run_one(&self, job: &ScanJob<'_>) -> Result<ScanOutcome, ScanError> {
        let result = match layout_dir(job) {
            Some(dir) => run_on_source(job, &*self.layout(dir), Origin::Layout),
            None => self.run_on_registry(job),
        };
        result.map_err(|cause| scan_error(job, cause))
    }

    /// The source reading the layouts directory `dir`, made once per directory.
    fn layout(&self, dir: &Path) -> Arc<LayoutSource> {
        let mut layouts = self.layouts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            layouts
                .entry(dir.to_owned())
                .or_insert_with(|| Arc::new(LayoutSource::new(dir))),
        )
    }

    fn run_on_registry(&self, job: &ScanJob<'_>) -> Result<ScanOutcome, ScanFailure> {
        let scan = job.scan;
        let host = scan.reference.api_host();
        let credential = self.credential(host, scan.secret_ref.as_deref())?;
        let client = self.client(job, credential.as_ref())?;
        let cache = self.cache()?;
        let key = CacheKey::new(host, &scan.reference.repository, credential.as_ref());
        let mode = if self.options.offline {
            Mode::Offline
        } else {
            Mode::Online {
                max_stale: self.options.max_stale,
            }
        };
        // One session: the tag list and the digest of the tag selected share the
        // entry's read, lock and write.
        let mut session = cache.session(&key);
        let tags = session.tags(scan.interval, mode, || {
            self.fetch(host, &cache, || client.list_tags(&scan.reference))
        })?;
        let warning = match &tags.status {
            CacheStatus::Stale { reason, age } => Some(format!(
                "serving stale tags (cached {} ago): refresh failed: {reason}",
                crate::cache::Age(*age)
            )),
            _ => None,
        };
        let mut outcome = select(job, &tags.value.tags, origin(&tags.status))?;
        if job.digest {
            let lookup = session.digest(
                &outcome.tag,
                scan.platform.as_ref(),
                scan.interval,
                mode,
                || {
                    self.fetch(host, &cache, || {
                        client.digest(&scan.reference, &outcome.tag, scan.platform.as_ref())
                    })
                },
            )?;
            outcome.digest = Some(lookup.value);
        }
        session.finish()?;
        outcome.warning = warning;
        Ok(outcome)
    }

    /// A refresh from `host`, within the host's quota window shared through the cache:
    /// the window other processes recorded is respected, one learnt now is recorded.
    fn fetch<T, E>(
        &self,
        host: &str,
        cache: &Cache,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        self.quotas.load(host, cache);
        let result = f();
        self.quotas.record(host, cache);
        result
    }

    /// The credential for `host`, looked up once per (host, secretRef) per run.
    fn credential(
        &self,
        host: &str,
        secret_ref: Option<&str>,
    ) -> Result<Option<Credential>, ScanFailure> {
        let key = (host.to_owned(), secret_ref.map(str::to_owned));
        let mut known = self
            .credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(credential) = known.get(&key) {
            return Ok(credential.clone());
        }
        let credential = crate::credentials::lookup(host, secret_ref, &self.options.credentials)?;
        known.insert(key, credential.clone());
        Ok(credential)
    }

    /// The client for the scan's host and credential, built once and shared.
    fn client(
        &self,
        job: &ScanJob<'_>,
        credential: Option<&Credential>,
    ) -> Result<Arc<RegistryClient>, ScanFailure> {
        let host = job.scan.reference.api_host();
        let key = (host.to_owned(), credential.map(Credential::identity));
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&key) {
            return Ok(Arc::clone(client));
        }
        let mut settings = HostSettings::new(host);
        if let Some(entry) = job.registry {
            settings.endpoint.clone_from(&entry.endpoint);
            settings.insecure = entry.insecure;
            settings.ca_file.clone_from(&entry.ca_file);
        }
        let credential = credential.map(|c| match c.secret() {
            Secret::Password(password) => registry::Credential::new(c.username(), password),
            Secret::IdentityToken(token) => {
                registry::Credential::identity_token(c.username(), token)
            }
        });
        let rate = job.registry.and_then(|r| r.rate_limit);
        let options = ClientOptions {
            deadline: self.deadline,
            quota: Some(SharedQuota(self.quotas.get(host, rate))),
            observer: self.options.observer.clone(),
            ..ClientOptions::from_env()
        };
        let client = Arc::new(
            RegistryClient::with_options(settings, credential, options)
                .map_err(|e| ScanFailure::Source(e.into()))?,
        );
        clients.insert(key, Arc::clone(&client));
        Ok(client)
    }
}

/// The layouts directory serving the job's host, if one does.
fn layout_dir<'a>(job: &ScanJob<'a>) -> Option<&'a Path> {
    job.registry.and_then(|r| r.layout.as_deref())
}

/// A job's failure, named by its scan.
fn scan_error(job: &ScanJob<'_>, cause: ScanFailure) -> ScanError {
    let scan = job.scan;
    ScanError {
        scan: scan.name.clone(),
        path: scan.defined_at.path.clone(),
        line: scan.defined_at.line,
        image: scan.reference.name.clone(),
        cause,
    }
}

fn origin(status: &CacheStatus) -> Origin {
    match status {
        CacheStatus::Fresh { .. } | CacheStatus::Offline { .. } => Origin::Cache,
        CacheStatus::Refreshed => Origin::Registry,
        CacheStatus::Stale { .. } => Origin::Stale,
    }
}

/// Runs a scan against a source with no cache in front (OCI layouts).
fn run_on_source(
    job: &ScanJob<'_>,
    source: &dyn TagSource,
    origin: Origin,
) -> Result<ScanOutcome, ScanFailure> {
    let scan = job.scan;
    let tags = source.list_tags(&scan.reference)?;
    let mut outcome = select(job, &tags, origin)?;
    if job.digest {
        outcome.digest =
            Some(source.digest(&scan.reference, &outcome.tag, scan.platform.as_ref())?);
    }
    Ok(outcome)
}

/// Selects a tag from `tags` by the scan's policy. The caller then looks up the digest
/// of the selected tag when the job needs it — only of that tag, never one request per
/// tag.
fn select(job: &ScanJob<'_>, tags: &Tags, origin: Origin) -> Result<ScanOutcome, ScanFailure> {
    let selection = job.scan.policy.select(tags)?;
    Ok(ScanOutcome {
        tags_seen: selection.seen,
        tags_kept: selection.kept,
        tag: selection.tag.to_owned(),
        digest: None,
        origin,
        warning: None,
    })
}
