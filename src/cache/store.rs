//! [`Cache`]: the lookup protocol over a [`Backend`].
//!
//! A lookup reads the entry; when the answer is fresh it is served without locking.
//! Otherwise the process takes the entry's lock and reads again — a process it waited
//! for may have refreshed meanwhile — and only then refreshes, writes and unlocks. So N
//! concurrent processes asking for one stale answer cost one refresh; the others wait
//! on the lock and read its result, including a failure (recorded in the entry for a few
//! seconds so that a registry that is down is not asked N times in a row).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::backend::Backend;
use super::disk::{Cleared, DiskStore, Listing};
use super::entry::Item;
use super::redis::{RedisConfig, RedisStore};
use super::{CacheError, CacheKey, CacheStatus, Entry, FetchError, Lookup, Mode, TagList, files};
use crate::platform::Platform;

/// How long a recorded refresh failure is taken as the answer (capped by the interval)
/// before some process tries the registry again.
const FAILURE_HOLD: Duration = Duration::from_secs(10);

/// The cache: a disk directory, optionally with Redis shared in front of it.
#[derive(Debug, Clone)]
pub struct Cache {
    disk: DiskStore,
    backend: Arc<dyn Backend>,
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

    /// Problems the backend worked around since the last call (Redis down, garbage…).
    pub fn take_warnings(&self) -> Vec<String> {
        self.backend.take_warnings()
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

    /// The tags of `key`'s repository, fresh for `interval`; `refresh` lists them from
    /// the registry when the cached list is missing or stale.
    pub fn tags<E>(
        &self,
        key: &CacheKey,
        interval: Duration,
        mode: Mode,
        refresh: impl FnOnce() -> Result<Vec<String>, E>,
    ) -> Result<Lookup<TagList>, FetchError<E>>
    where
        E: std::error::Error,
    {
        self.lookup(
            key,
            Item::Tags,
            interval,
            mode,
            refresh,
            |entry, tags, now| entry.set_tags(tags, now),
            |entry| entry.tags.expect("the tag list is present"),
        )
    }

    /// The digest of `tag` (with `platform`, that platform's manifest digest), fresh for
    /// `interval`; `refresh` asks the registry when the cached digest is missing or
    /// stale.
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
        let platform = platform.map(Platform::to_string);
        let item = Item::Digest {
            tag: tag.to_owned(),
            platform: platform.clone(),
        };
        self.lookup(
            key,
            item,
            interval,
            mode,
            refresh,
            |entry, digest, now| entry.set_digest(tag, platform.as_deref(), digest, now),
            |entry| {
                entry
                    .digest(tag, platform.as_deref())
                    .expect("the digest is present")
                    .digest
                    .clone()
            },
        )
    }

    /// The protocol shared by tags and digests; `extract` is called only on an entry
    /// holding `item`.
    #[allow(clippy::too_many_arguments)]
    fn lookup<T, R, E>(
        &self,
        key: &CacheKey,
        item: Item,
        interval: Duration,
        mode: Mode,
        refresh: impl FnOnce() -> Result<R, E>,
        apply: impl FnOnce(&mut Entry, R, u64),
        extract: impl FnOnce(Entry) -> T,
    ) -> Result<Lookup<T>, FetchError<E>>
    where
        E: std::error::Error,
    {
        let read = || self.backend.read(key);
        let age_of = |entry: &Entry, now: u64| {
            entry
                .fetched_at(&item)
                .map(|at| Duration::from_secs(now.saturating_sub(at)))
        };

        let max_stale = match mode {
            Mode::Offline => {
                let now = self.now();
                return match read()? {
                    Some(entry) if let Some(age) = age_of(&entry, now) => Ok(Lookup {
                        value: extract(entry),
                        status: CacheStatus::Offline { age },
                    }),
                    _ => Err(CacheError::OfflineMiss {
                        host: key.host().to_owned(),
                        repository: key.repository().to_owned(),
                        what: item.to_string(),
                    }
                    .into()),
                };
            }
            Mode::Online { max_stale } => max_stale,
        };
        // How long an entry written now can still be served: fresh for the interval,
        // then stale-if-error for max-stale.
        let keep = interval.saturating_add(max_stale);

        let started = self.now();
        if let Some(entry) = read()?
            && let Some(age) = age_of(&entry, started)
            && age < interval
        {
            return Ok(Lookup {
                value: extract(entry),
                status: CacheStatus::Fresh { age },
            });
        }

        let locked = self.backend.lock(key)?;
        let (_lock, waited) = (locked.guard, locked.waited);
        let now = self.now();
        let entry = read()?;
        // Fresh, or refreshed by the process this one waited for.
        let served = entry
            .as_ref()
            .and_then(|e| e.fetched_at(&item))
            .map(|at| (at, Duration::from_secs(now.saturating_sub(at))))
            .filter(|&(at, age)| age < interval || (waited && at >= started));
        if let Some((_, age)) = served {
            let entry = entry.expect("the answer is in the entry");
            return Ok(Lookup {
                value: extract(entry),
                status: if age < interval {
                    CacheStatus::Fresh { age }
                } else {
                    CacheStatus::Refreshed
                },
            });
        }
        // A refresh that failed while this process waited, or moments ago, is the answer.
        if let Some(failure) = entry.as_ref().and_then(|e| e.failure(&item)) {
            let ago = Duration::from_secs(now.saturating_sub(failure.at));
            if (waited && failure.at >= started) || ago < FAILURE_HOLD.min(interval) {
                let message = failure.message.clone();
                let entry = entry.expect("the failure is in the entry");
                return match age_of(&entry, now) {
                    Some(age) if age <= max_stale => Ok(Lookup {
                        value: extract(entry),
                        status: CacheStatus::Stale {
                            age,
                            reason: message,
                        },
                    }),
                    _ => Err(FetchError::RecentFailure {
                        host: key.host().to_owned(),
                        repository: key.repository().to_owned(),
                        what: item.to_string(),
                        message,
                        ago,
                    }),
                };
            }
        }

        match refresh() {
            Ok(value) => {
                let mut entry = entry.unwrap_or_else(|| Entry::new(key));
                apply(&mut entry, value, self.now());
                self.backend.write(key, &entry, keep)?;
                Ok(Lookup {
                    value: extract(entry),
                    status: CacheStatus::Refreshed,
                })
            }
            Err(error) => {
                let message = error_chain(&error);
                let mut recorded = entry.clone().unwrap_or_else(|| Entry::new(key));
                recorded.set_failure(item.clone(), message.clone(), self.now());
                // Best effort: failing to record the failure must not hide it.
                let _ = self.backend.write(key, &recorded, keep);
                match entry {
                    Some(entry) if let Some(age) = age_of(&entry, now) => {
                        if age <= max_stale {
                            Ok(Lookup {
                                value: extract(entry),
                                status: CacheStatus::Stale {
                                    age,
                                    reason: message,
                                },
                            })
                        } else {
                            Err(FetchError::TooStale {
                                host: key.host().to_owned(),
                                repository: key.repository().to_owned(),
                                what: item.to_string(),
                                age,
                                max_stale,
                                source: error,
                            })
                        }
                    }
                    _ => Err(FetchError::Refresh(error)),
                }
            }
        }
    }

    fn now(&self) -> u64 {
        #[cfg(test)]
        if let Some(now) = self.now {
            return now;
        }
        unix_now()
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
fn error_chain(error: &dyn std::error::Error) -> String {
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
