//! [`Backend`]: where cache entries are kept. The lookup protocol of [`super::Cache`]
//! (freshness, single flight, stale-if-error) is written once against this interface;
//! the disk directory ([`super::DiskStore`]) and Redis in front of it
//! ([`super::redis::RedisStore`]) implement it, so scans, render and writeback never know
//! which one they use.

use std::any::Any;
use std::fmt::Debug;
use std::time::Duration;

use super::{CacheError, CacheKey, Entry};

/// A store of cache entries shared by processes (and, for Redis, machines).
pub trait Backend: Debug + Send + Sync {
    /// The entry for `key`, if one is stored and readable. A corrupt entry, one of
    /// another format version, or one whose host or repository is not the key's reads as
    /// `None`.
    fn read(&self, key: &CacheKey) -> Result<Option<Entry>, CacheError>;

    /// Stores `entry` under `key`, replacing the old one atomically. `keep` is how long
    /// the entry can still be of use (the scan's interval plus `--max-stale`); a store
    /// may drop it after that.
    fn write(&self, key: &CacheKey, entry: &Entry, keep: Duration) -> Result<(), CacheError>;

    /// Takes `key`'s refresh lock, waiting while another process holds it; the lock is
    /// held until the returned guard is dropped (or its holder dies).
    fn lock(&self, key: &CacheKey) -> Result<Locked, CacheError>;

    /// When `host`'s quota window ends (Unix milliseconds), if one was recorded: until
    /// then no process sharing the store calls the host.
    fn read_window(&self, host: &str) -> Result<Option<u64>, CacheError>;

    /// Records that `host` is out of quota until `until_ms` (Unix milliseconds).
    fn write_window(&self, host: &str, until_ms: u64) -> Result<(), CacheError>;

    /// Reads the entries of `keys` ahead, in as few round trips as the store allows, so
    /// that the lookups that follow are served from memory when fresh. The default does
    /// nothing (reading a local file is as cheap as reading memory).
    fn prefetch(&self, keys: &[CacheKey]) {
        let _ = keys;
    }

    /// Problems the store worked around since the last call (e.g. Redis unreachable,
    /// the disk cache used instead), for the caller to report.
    fn take_warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A held refresh lock.
#[derive(Debug)]
pub struct Locked {
    /// Released when dropped.
    pub guard: Box<dyn Any + Send>,
    /// Whether another holder had to be waited for: it may have refreshed the entry.
    pub waited: bool,
}
