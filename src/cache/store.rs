//! [`Cache`]: the lookup protocol over a [`Backend`].
//!
//! A lookup reads the entry; when the answer is fresh it is served without locking.
//! Otherwise the process takes the entry's lock and reads again — a process it waited
//! for may have refreshed meanwhile — and only then refreshes, writes and unlocks. So N
//! concurrent processes asking for one stale answer cost one refresh; the others wait
//! on the lock and read its result, including a failure (recorded in the entry for a few
//! seconds so that a registry that is down is not asked N times in a row). The
//! protocol runs in an [`EntrySession`], which lets the lookups of one scan (its tag
//! list, then its digest) share that read, lock and write.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::backend::Backend;
use super::disk::{Cleared, DiskStore, Listing};
use super::redis::{RedisConfig, RedisStore};
use super::session::EntrySession;
use super::{CacheError, CacheKey, Entry, FetchError, Lookup, Mode, TagList, files};
use crate::platform::Platform;
use crate::source::Tags;

/// How long a recorded refresh failure is taken as the answer (capped by the interval)
/// before some process tries the registry again.
pub(super) const FAILURE_HOLD: Duration = Duration::from_secs(10);

/// The cache: a disk directory, optionally with Redis shared in front of it.
#[derive(Debug, Clone)]
pub struct Cache {
    disk: DiskStore,
    pub(super) backend: Arc<dyn Backend>,
    /// What the lookups worked around (a cache they could not lock or write).
    warnings: Arc<Mutex<Vec<String>>>,
    /// A fixed clock for unit tests.
    #[cfg(test)]
    now: Option<u64>,
}

impl Cache {
    /// Opens the cache in `dir`, creating it (mode 0700) if needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, CacheError> {
        let cache = Self::at(dir);
        files::create_dir(cache.disk.dir())?;
        Ok(cache)
    }

    /// Opens the cache in `dir` with Redis shared in front of it: entries are read from
    /// Redis first and written to both; when Redis fails, the disk cache alone is used
    /// for the rest of the process, with a warning ([`Cache::take_warnings`]). Nothing
    /// is sent to Redis until the first lookup.
    pub fn open_shared(dir: impl Into<PathBuf>, redis: RedisConfig) -> Result<Self, CacheError> {
        let disk = DiskStore::new(dir);
        files::create_dir(disk.dir())?;
        Ok(Self {
            backend: Arc::new(RedisStore::new(redis, disk.clone())),
            disk,
            warnings: Arc::default(),
            #[cfg(test)]
            now: None,
        })
    }

    /// The cache in `dir` without creating the directory: for inspecting and clearing.
    /// Lookups that need to write fail if the directory does not exist.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        let disk = DiskStore::new(dir);
        Self {
            backend: Arc::new(disk.clone()),
            disk,
            warnings: Arc::default(),
            #[cfg(test)]
            now: None,
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        self.disk.dir()
    }

    /// The entry for `key`, if one is stored and readable. A corrupt entry, or one of
    /// another format version, reads as `None`.
    pub fn read(&self, key: &CacheKey) -> Result<Option<Entry>, CacheError> {
        self.backend.read(key)
    }

    /// Reads the entries of `keys` ahead in one round trip where the backend is remote
    /// (one `MGET` to Redis for all the scans of a render).
    pub fn prefetch(&self, keys: &[CacheKey]) {
        self.backend.prefetch(keys);
    }

    /// Problems worked around since the last call: Redis down, garbage in it, an
    /// entry that could not be locked or written.
    pub fn take_warnings(&self) -> Vec<String> {
        let mut warnings = self.backend.take_warnings();
        warnings.append(&mut self.warnings.lock().unwrap_or_else(PoisonError::into_inner));
        warnings
    }

    /// Records a problem a lookup worked around, for [`Cache::take_warnings`] (once,
    /// however many lookups meet it before it is taken).
    pub(super) fn warn(&self, warning: String) {
        let mut warnings = self.warnings.lock().unwrap_or_else(PoisonError::into_inner);
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }

    /// When `host`'s quota window ends, if a process sharing the cache recorded one that
    /// has not ended yet.
    pub fn quota_window(&self, host: &str) -> Result<Option<SystemTime>, CacheError> {
        let now = unix_now_ms();
        Ok(self
            .backend
            .read_window(host)?
            .filter(|&until| until > now)
            .map(|until| UNIX_EPOCH + Duration::from_millis(until)))
    }

    /// Records that `host` is out of quota until `until`, for every process sharing the
    /// cache.
    pub fn set_quota_window(&self, host: &str, until: SystemTime) -> Result<(), CacheError> {
        let until_ms = until
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.backend.write_window(host, until_ms)
    }

    /// Every entry in the cache directory (none if it does not exist).
    pub fn list(&self) -> Result<Listing, CacheError> {
        self.disk.list()
    }

    /// Removes every entry, lock and leftover temporary file of the cache directory —
    /// only names the cache makes, only regular files; anything else stays.
    pub fn clear(&self) -> Result<Cleared, CacheError> {
        self.disk.clear()
    }

    /// Lookups in `key`'s entry sharing one read, one lock and one write (a scan's tag
    /// list and the digest of the tag it selects).
    pub fn session(&self, key: &CacheKey) -> EntrySession<'_> {
        EntrySession::new(self, key)
    }

    /// The tags of `key`'s repository, fresh for `interval`; `refresh` lists them from
    /// the registry when the cached list is missing or stale. One lookup in its own
    /// [`EntrySession`].
    pub fn tags<E>(
        &self,
        key: &CacheKey,
        interval: Duration,
        mode: Mode,
        refresh: impl FnOnce() -> Result<Tags, E>,
    ) -> Result<Lookup<TagList>, FetchError<E>>
    where
        E: std::error::Error,
    {
        let mut session = self.session(key);
        let lookup = session.tags(interval, mode, refresh)?;
        let lookup = Lookup {
            value: lookup.value.clone(),
            status: lookup.status,
        };
        session.finish()?;
        Ok(lookup)
    }

    /// The digest of `tag` (with `platform`, that platform's manifest digest), fresh for
    /// `interval`; `refresh` asks the registry when the cached digest is missing or
    /// stale. One lookup in its own [`EntrySession`].
    pub fn digest<E>(
        &self,
        key: &CacheKey,
        tag: &str,
        platform: Option<&Platform>,
        interval: Duration,
        mode: Mode,
        refresh: impl FnOnce() -> Result<String, E>,
    ) -> Result<Lookup<String>, FetchError<E>>
    where
        E: std::error::Error,
    {
        let mut session = self.session(key);
        let lookup = session.digest(tag, platform, interval, mode, refresh)?;
        session.finish()?;
        Ok(lookup)
    }

    pub(super) fn now(&self) -> u64 {
        #[cfg(test)]
        if let Some(now) = self.now {
            return now;
        }
        unix_now()
    }

    /// This cache over another backend (the disk directory stays the same).
    #[cfg(test)]
    pub(crate) fn with_backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = backend;
        self
    }

    /// A copy of this cache whose clock stands still at `now`.
    #[cfg(test)]
    pub(crate) fn with_clock(mut self, now: u64) -> Self {
        self.now = Some(now);
        self
    }
}

/// Milliseconds since the Unix epoch (the clock of quota windows).
pub fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Seconds since the Unix epoch (the clock entries are stamped with).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An error and its sources, `outer: inner: …`, for recording a failure.
pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    // Recorded failures never hold a secret in use (issue 13, item 4).
    crate::redact::scrub(&message).into_owned()
}
