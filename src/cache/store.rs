//! [`Cache`]: the on-disk store and its lookup protocol.
//!
//! A lookup reads the entry; when the answer is fresh it is served without locking.
//! Otherwise the process takes the entry's lock and reads again — a process it waited
//! for may have refreshed meanwhile — and only then refreshes, writes and unlocks. So N
//! concurrent processes asking for one stale answer cost one refresh; the others wait
//! on the lock and read its result, including a failure (recorded in the entry for a few
//! seconds so that a registry that is down is not asked N times in a row).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::entry::{FORMAT_VERSION, Item, TagList};
use super::files::{self, ENTRY_SUFFIX, EntryLock, FileKind, LOCK_SUFFIX};
use super::{CacheError, CacheKey, CacheStatus, Entry, FetchError, Lookup, Mode};
use crate::platform::Platform;

/// How long a recorded refresh failure is taken as the answer (capped by the interval)
/// before some process tries the registry again.
const FAILURE_HOLD: Duration = Duration::from_secs(10);

/// The cache in one directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    /// A fixed clock for unit tests.
    #[cfg(test)]
    now: Option<u64>,
}

/// One readable entry, as listed by [`Cache::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedEntry {
    /// The entry's file name.
    pub file_name: String,
    /// Its content.
    pub entry: Entry,
}

/// What [`Cache::list`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Readable entries, sorted by host, repository and file name.
    pub entries: Vec<ListedEntry>,
    /// Entry files that could not be parsed (they are replaced on the next refresh).
    pub unreadable: Vec<PathBuf>,
}

/// What [`Cache::clear`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleared {
    /// Entry files removed.
    pub entries: usize,
    /// Lock and leftover temporary files removed.
    pub other: usize,
}

impl Cache {
    /// Opens the cache in `dir`, creating it (mode 0700) if needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, CacheError> {
        let cache = Self::at(dir);
        files::create_dir(&cache.dir)?;
        Ok(cache)
    }

    /// The cache in `dir` without creating the directory: for inspecting and clearing.
    /// Lookups that need to write fail if the directory does not exist.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            #[cfg(test)]
            now: None,
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry for `key`, if one is stored and readable. A corrupt entry, or one of
    /// another format version, reads as `None`.
    pub fn read(&self, key: &CacheKey) -> Result<Option<Entry>, CacheError> {
        let path = files::path(&self.dir, &key.file_stem(), ENTRY_SUFFIX);
        Ok(read_entry(&path)?.filter(|e| e.host == key.host() && e.repository == key.repository()))
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
        let stem = key.file_stem();
        let path = files::path(&self.dir, &stem, ENTRY_SUFFIX);
        let read = || -> Result<Option<Entry>, CacheError> {
            Ok(read_entry(&path)?
                .filter(|e| e.host == key.host() && e.repository == key.repository()))
        };
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

        let (_lock, waited) = EntryLock::acquire(&files::path(&self.dir, &stem, LOCK_SUFFIX))?;
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
                write_entry(&path, &stem, &entry)?;
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
                let _ = write_entry(&path, &stem, &recorded);
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

    /// Every entry in the cache directory (none if it does not exist).
    pub fn list(&self) -> Result<Listing, CacheError> {
        let mut listing = Listing::default();
        for (name, kind) in self.files()? {
            if kind != FileKind::Entry {
                continue;
            }
            let path = self.dir.join(&name);
            match read_entry(&path)? {
                Some(entry) => listing.entries.push(ListedEntry {
                    file_name: name,
                    entry,
                }),
                None if path.is_file() => listing.unreadable.push(path),
                None => {}
            }
        }
        listing.entries.sort_by(|a, b| {
            (&a.entry.host, &a.entry.repository, &a.file_name).cmp(&(
                &b.entry.host,
                &b.entry.repository,
                &b.file_name,
            ))
        });
        listing.unreadable.sort();
        Ok(listing)
    }

    /// Removes every entry, lock and leftover temporary file of the cache — only names
    /// the cache makes, only regular files; anything else in the directory stays.
    pub fn clear(&self) -> Result<Cleared, CacheError> {
        let mut cleared = Cleared::default();
        for (name, kind) in self.files()? {
            let path = self.dir.join(&name);
            if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(CacheError::Remove { path, source }),
            }
            match kind {
                FileKind::Entry => cleared.entries += 1,
                FileKind::Lock | FileKind::Temp => cleared.other += 1,
            }
        }
        Ok(cleared)
    }

    /// The cache's files in the directory, sorted by name.
    fn files(&self) -> Result<Vec<(String, FileKind)>, CacheError> {
        let list_err = |source| CacheError::List {
            dir: self.dir.clone(),
            source,
        };
        let read_dir = match std::fs::read_dir(&self.dir) {
            Ok(read_dir) => read_dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(list_err(source)),
        };
        let mut found = Vec::new();
        for dirent in read_dir {
            let dirent = dirent.map_err(list_err)?;
            if let Some(name) = dirent.file_name().to_str()
                && let Some(kind) = files::classify(name)
            {
                found.push((name.to_owned(), kind));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
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

/// Seconds since the Unix epoch (the clock entries are stamped with).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads and parses an entry file; unparseable content and other format versions read
/// as `None` (corrupt entries are replaced, never fatal).
fn read_entry(path: &Path) -> Result<Option<Entry>, CacheError> {
    let Some(bytes) = files::read_regular(path)? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice::<Entry>(&bytes)
        .ok()
        .filter(|e| e.version == FORMAT_VERSION))
}

fn write_entry(path: &Path, stem: &str, entry: &Entry) -> Result<(), CacheError> {
    let bytes = serde_json::to_vec(entry).expect("entries serialise");
    files::write_atomic(path, stem, &bytes)
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
    message
}
