//! [`EntrySession`]: the lookups of one cache entry that belong together — a scan's tag
//! list, then the digest of the tag it selects — sharing one read, one lock and one
//! write.
//!
//! The protocol is [`super::Cache`]'s: an answer fresh in the entry as read is served
//! without locking; otherwise the entry's lock is taken and the entry read again (a
//! process waited for may have refreshed it) before refreshing. Here the lock, once
//! taken, is kept for the session's later lookups, and the entry stays in memory: under
//! the lock no other process writes it, so it is not read again, and all the refreshes
//! of the session are written together, once, when it ends ([`EntrySession::finish`],
//! or best effort when dropped). A cold scan with its digest thus reads a missing file
//! once and writes the entry once, instead of writing the tag list, reading it back
//! twice and writing it again with the digest.
//!
//! A cache the process cannot change (read-only, another user's) is worked around with
//! a warning ([`super::Cache::take_warnings`]): an entry it cannot read counts as
//! missing, without the lock the session refreshes as if alone (with Redis, through its
//! lock alone), and a refreshed entry it cannot write to disk is used (and still written
//! to Redis).

use std::time::Duration;

use super::backend::Locked;
use super::entry::Item;
use super::store::{FAILURE_HOLD, error_chain};
use super::{Cache, CacheError, CacheKey, CacheStatus, Entry, FetchError, Lookup, Mode, TagList};
use crate::platform::Platform;
use crate::source::Tags;

/// Lookups in one entry, from [`Cache::session`].
#[derive(Debug)]
pub struct EntrySession<'c> {
    cache: &'c Cache,
    key: CacheKey,
    /// The entry: `None` until read, then as the store held it plus this session's
    /// refreshes.
    entry: Option<Option<Entry>>,
    /// When the entry was first read (seconds since the epoch): a refresh stamped at or
    /// after it, found after waiting for the lock, was made for this session.
    started: u64,
    /// The entry's lock, once taken; released when the session ends, after the write.
    lock: Option<Locked>,
    /// The lock could not be taken (a read-only or foreign cache directory): the session
    /// refreshes without it.
    unlocked: bool,
    /// Refreshes not written yet, and how long the entry is of use (interval plus
    /// max-stale).
    unwritten: Option<Duration>,
    /// Whether a refresh succeeded (its write must succeed) or only failures were
    /// recorded (written best effort: failing to record a failure must not hide it).
    succeeded: bool,
}

impl<'c> EntrySession<'c> {
    pub(super) fn new(cache: &'c Cache, key: &CacheKey) -> Self {
        EntrySession {
            cache,
            key: key.clone(),
            entry: None,
            started: 0,
            lock: None,
            unlocked: false,
            unwritten: None,
            succeeded: false,
        }
    }

    /// The tags of the key's repository, fresh for `interval`; `refresh` lists them from
    /// the registry when the cached list is missing or stale.
    pub fn tags<E>(
        &mut self,
        interval: Duration,
        mode: Mode,
        refresh: impl FnOnce() -> Result<Tags, E>,
    ) -> Result<Lookup<&TagList>, FetchError<E>>
    where
        E: std::error::Error,
    {
        let status = self.lookup(&Item::Tags, interval, mode, refresh, |entry, tags, now| {
            entry.set_tags(tags, now);
        })?;
        let value = self
            .current()
            .and_then(|e| e.tags.as_ref())
            .expect("the tag list is present");
        Ok(Lookup { value, status })
    }

    /// The digest of `tag` (with `platform`, that platform's manifest digest), fresh for
    /// `interval`; `refresh` asks the registry when the cached digest is missing or
    /// stale.
    pub fn digest<E>(
        &mut self,
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
        let status = self.lookup(&item, interval, mode, refresh, |entry, digest, now| {
            entry.set_digest(tag, platform.as_deref(), digest, now);
        })?;
        let value = self
            .current()
            .and_then(|e| e.digest(tag, platform.as_deref()))
            .expect("the digest is present")
            .digest
            .clone();
        Ok(Lookup { value, status })
    }

    /// What [`EntrySession::tags`] serves at once, without locking or refreshing: the
    /// tag list when the entry holds it fresh for `interval`. `None` when it is stale,
    /// missing or unreadable — then [`EntrySession::tags`] decides.
    pub fn fresh_tags(&mut self, interval: Duration) -> Option<Lookup<&TagList>> {
        let age = self.fresh_age(&Item::Tags, interval)?;
        let value = self.current()?.tags.as_ref()?;
        Some(Lookup {
            value,
            status: CacheStatus::Fresh { age },
        })
    }

    /// [`EntrySession::fresh_tags`] for the digest of `tag` (see
    /// [`EntrySession::digest`]).
    pub fn fresh_digest(
        &mut self,
        tag: &str,
        platform: Option<&Platform>,
        interval: Duration,
    ) -> Option<Lookup<String>> {
        let platform = platform.map(Platform::to_string);
        let item = Item::Digest {
            tag: tag.to_owned(),
            platform: platform.clone(),
        };
        let age = self.fresh_age(&item, interval)?;
        let value = self
            .current()?
            .digest(tag, platform.as_deref())?
            .digest
            .clone();
        Some(Lookup {
            value,
            status: CacheStatus::Fresh { age },
        })
    }

    /// The age of `item` in the entry (read once), when younger than `interval`: the
    /// first step of a lookup alone.
    fn fresh_age(&mut self, item: &Item, interval: Duration) -> Option<Duration> {
        let now = self.cache.now();
        let at = self.read().ok()??.fetched_at(item)?;
        let age = Duration::from_secs(now.saturating_sub(at));
        (age < interval).then_some(age)
    }

    /// Ends the session: writes what it refreshed (one write for all its lookups), then
    /// releases the lock.
    pub fn finish(mut self) -> Result<(), CacheError> {
        self.write()
    }

    /// The entry as this session knows it (read, or not in the store).
    fn current(&self) -> Option<&Entry> {
        self.entry.as_ref().and_then(Option::as_ref)
    }

    /// The entry, read from the store the first time.
    fn read(&mut self) -> Result<Option<&Entry>, CacheError> {
        if self.entry.is_none() {
            self.started = self.cache.now();
            self.entry = Some(self.read_store()?);
        }
        Ok(self.current())
    }

    /// The entry as the store holds it now. One this process may not read (another
    /// user's file) counts as missing, with a warning: it is refreshed, not fatal.
    fn read_store(&self) -> Result<Option<Entry>, CacheError> {
        match self.cache.backend.read(&self.key) {
            Err(error @ CacheError::Read { .. }) => {
                self.cache
                    .warn(format!("{}; taken as missing", error_chain(&error)));
                Ok(None)
            }
            result => result,
        }
    }

    /// Writes the refreshes not written yet.
    fn write(&mut self) -> Result<(), CacheError> {
        let Some(keep) = self.unwritten.take() else {
            return Ok(());
        };
        let entry = self.current().expect("a refresh leaves an entry");
        match self.cache.backend.write(&self.key, entry, keep) {
            Err(_) if !self.succeeded => Ok(()),
            // The answer is good; only the next process will not find it.
            Err(error @ CacheError::Write { .. }) => {
                self.cache
                    .warn(format!("{}; not cached there", error_chain(&error)));
                Ok(())
            }
            result => result,
        }
    }

    /// The protocol shared by tags and digests: the status of `item` once it is in the
    /// entry (fresh, refreshed, or stale and served) — or why it is not.
    fn lookup<R, E>(
        &mut self,
        item: &Item,
        interval: Duration,
        mode: Mode,
        refresh: impl FnOnce() -> Result<R, E>,
        apply: impl FnOnce(&mut Entry, R, u64),
    ) -> Result<CacheStatus, FetchError<E>>
    where
        E: std::error::Error,
    {
        let age_of = |entry: Option<&Entry>, now: u64| {
            entry
                .and_then(|e| e.fetched_at(item))
                .map(|at| Duration::from_secs(now.saturating_sub(at)))
        };
        let max_stale = match mode {
            Mode::Offline => {
                let now = self.cache.now();
                return match age_of(self.read()?, now) {
                    Some(age) => Ok(CacheStatus::Offline { age }),
                    None => Err(CacheError::OfflineMiss {
                        host: self.key.host().to_owned(),
                        repository: self.key.repository().to_owned(),
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

        if self.lock.is_none() && !self.unlocked {
            let now = self.cache.now();
            if let Some(age) = age_of(self.read()?, now)
                && age < interval
            {
                return Ok(CacheStatus::Fresh { age });
            }
            match self.cache.backend.lock(&self.key) {
                Ok(lock) => self.lock = Some(lock),
                // A cache mounted read-only, or owned by another user (a container
                // function run as `nobody`): refresh without the lock, as if alone.
                Err(error @ CacheError::Lock { .. }) => {
                    self.cache.warn(format!(
                        "{}; refreshing without it (other processes may refresh the same entry)",
                        error_chain(&error)
                    ));
                    self.unlocked = true;
                }
                Err(error) => return Err(error.into()),
            }
            self.entry = Some(self.read_store()?);
        }
        let waited = self.lock.as_ref().is_some_and(|l| l.waited);
        let started = self.started;
        let now = self.cache.now();
        let entry = self.current();
        // Fresh, or refreshed by the process this one waited for.
        let served = entry
            .and_then(|e| e.fetched_at(item))
            .map(|at| (at, Duration::from_secs(now.saturating_sub(at))))
            .filter(|&(at, age)| age < interval || (waited && at >= started));
        if let Some((_, age)) = served {
            return Ok(if age < interval {
                CacheStatus::Fresh { age }
            } else {
                CacheStatus::Refreshed
            });
        }
        // A refresh that failed while this process waited, or moments ago, is the answer.
        if let Some(failure) = entry.and_then(|e| e.failure(item)) {
            let ago = Duration::from_secs(now.saturating_sub(failure.at));
            if (waited && failure.at >= started) || ago < FAILURE_HOLD.min(interval) {
                let message = failure.message.clone();
                return match age_of(entry, now) {
                    Some(age) if age <= max_stale => Ok(CacheStatus::Stale {
                        age,
                        reason: message,
                    }),
                    _ => Err(FetchError::RecentFailure {
                        host: self.key.host().to_owned(),
                        repository: self.key.repository().to_owned(),
                        what: item.to_string(),
                        message,
                        ago,
                    }),
                };
            }
        }

        let age = age_of(entry, now);
        let result = refresh();
        let stamp = self.cache.now();
        let key = &self.key;
        let entry = self
            .entry
            .get_or_insert(None)
            .get_or_insert_with(|| Entry::new(key));
        self.unwritten = Some(self.unwritten.map_or(keep, |k| k.max(keep)));
        match result {
            Ok(value) => {
                apply(entry, value, stamp);
                self.succeeded = true;
                Ok(CacheStatus::Refreshed)
            }
            Err(error) => {
                let message = error_chain(&error);
                entry.set_failure(item.clone(), message.clone(), stamp);
                match age {
                    Some(age) if age <= max_stale => Ok(CacheStatus::Stale {
                        age,
                        reason: message,
                    }),
                    Some(age) => Err(FetchError::TooStale {
                        host: self.key.host().to_owned(),
                        repository: self.key.repository().to_owned(),
                        what: item.to_string(),
                        age,
                        max_stale,
                        source: error,
                    }),
                    None => Err(FetchError::Refresh(error)),
                }
            }
        }
    }
}

impl Drop for EntrySession<'_> {
    /// A session left without [`EntrySession::finish`] (a lookup failed) still records
    /// what it learnt, the failure included, best effort. The lock is released after
    /// the write.
    fn drop(&mut self) {
        let _ = self.write();
    }
}
