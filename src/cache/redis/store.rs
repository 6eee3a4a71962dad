//! [`RedisStore`]: Redis in front of the disk cache. Reads go to Redis first (to the
//! answers of one `MGET` for all the scans of a render, when prefetched), then to disk
//! when Redis has no entry (it may have lost its data) or is down; writes go to both;
//! the refresh lock is the disk lock (processes of one machine queue there) and then the
//! Redis lock (machines queue there). A disk cache this process cannot change does not
//! keep Redis from being locked and written: its error comes after.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::RedisConfig;
use super::codec::{self, Garbage};
use super::link::Link;
use super::lock::RedisLock;
use crate::cache::backend::{Backend, Locked};
use crate::cache::key::window_stem;
use crate::cache::{CacheError, CacheKey, DiskStore, Entry, unix_now_ms};

/// The longest expiry given to an entry in Redis.
const MAX_KEEP: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Redis shared by machines, with the disk cache behind it.
#[derive(Debug)]
pub struct RedisStore {
    link: Arc<Link>,
    disk: DiskStore,
    /// What this process last saw in Redis per entry (file stem): prefetched, or
    /// written. `None`: Redis had no entry. Dropped when the entry's lock is taken, so
    /// reads under the lock always ask Redis.
    seen: Mutex<HashMap<String, Option<Entry>>>,
}

/// The disk lock and the Redis lock of one entry; fields drop in order, so Redis is
/// released first.
#[derive(Debug)]
struct BothLocks {
    _redis: Option<RedisLock>,
    _disk: Option<Box<dyn std::any::Any + Send>>,
}

impl RedisStore {
    /// Redis as `config` says, in front of `disk`. Connects on first use.
    pub fn new(config: RedisConfig, disk: DiskStore) -> Self {
        RedisStore {
            link: Arc::new(Link::new(config)),
            disk,
            seen: Mutex::default(),
        }
    }

    /// The connection to Redis.
    pub(super) fn link(&self) -> &Link {
        &self.link
    }

    fn entry_key(&self, key: &CacheKey) -> String {
        format!("{}entry:{}", self.link.config().prefix, key.file_stem())
    }

    fn window_key(&self, host: &str) -> String {
        format!("{}window:{}", self.link.config().prefix, window_stem(host))
    }

    fn lock_key(&self, key: &CacheKey) -> String {
        format!("{}lock:{}", self.link.config().prefix, key.file_stem())
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<Entry>>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decodes a value read from Redis; garbage is a miss, with a warning.
    fn decode(&self, key: &CacheKey, redis_key: &str, value: &[u8]) -> Option<Entry> {
        match codec::decode(key, value) {
            Ok(entry) => entry,
            Err(Garbage) => {
                self.link.warn(format!(
                    "shared cache {}: the value of {redis_key} is not an imagescan entry; ignored (it is replaced on the next refresh)",
                    self.link.config().redacted()
                ));
                None
            }
        }
    }
}

impl Backend for RedisStore {
    fn read(&self, key: &CacheKey) -> Result<Option<Entry>, CacheError> {
        if let Some(seen) = self.seen().get(&key.file_stem()) {
            if let Some(entry) = seen {
                return Ok(Some(entry.clone()));
            }
            return self.disk.read(key);
        }
        let redis_key = self.entry_key(key);
        let value = self.link.run("reading an entry", |c| {
            redis::cmd("GET")
                .arg(&redis_key)
                .query::<Option<Vec<u8>>>(c)
        });
        match value
            .flatten()
            .and_then(|v| self.decode(key, &redis_key, &v))
        {
            Some(entry) => Ok(Some(entry)),
            None => self.disk.read(key),
        }
    }

    fn write(&self, key: &CacheKey, entry: &Entry, keep: Duration) -> Result<(), CacheError> {
        let disk = self.disk.write(key, entry, keep);
        self.seen().insert(key.file_stem(), Some(entry.clone()));
        let keep_ms = u64::try_from(keep.clamp(Duration::from_secs(1), MAX_KEEP).as_millis())
            .expect("30 days of milliseconds fit");
        let redis_key = self.entry_key(key);
        let value = codec::encode(entry);
        self.link.run("writing an entry", |c| {
            redis::cmd("SET")
                .arg(&redis_key)
                .arg(value)
                .arg("PX")
                .arg(keep_ms)
                .query::<()>(c)
        });
        disk
    }

    fn read_window(&self, host: &str) -> Result<Option<u64>, CacheError> {
        let redis_key = self.window_key(host);
        let shared = self
            .link
            .run("reading a quota window", |c| {
                redis::cmd("GET").arg(&redis_key).query::<Option<u64>>(c)
            })
            .flatten();
        let local = self.disk.read_window(host)?;
        Ok(shared.max(local))
    }

    fn write_window(&self, host: &str, until_ms: u64) -> Result<(), CacheError> {
        self.disk.write_window(host, until_ms)?;
        let left = until_ms.saturating_sub(unix_now_ms());
        if left > 0 {
            let redis_key = self.window_key(host);
            // Only ever lengthened: a process must not shorten another's window.
            self.link.run("writing a quota window", |c| {
                let current: Option<u64> = redis::cmd("GET").arg(&redis_key).query(c)?;
                if current.is_none_or(|c| c < until_ms) {
                    redis::cmd("SET")
                        .arg(&redis_key)
                        .arg(until_ms)
                        .arg("PX")
                        .arg(left)
                        .query::<()>(c)?;
                }
                Ok(())
            });
        }
        Ok(())
    }

    fn lock(&self, key: &CacheKey) -> Result<Locked, CacheError> {
        self.seen().remove(&key.file_stem());
        let disk = match self.disk.lock(key) {
            Ok(disk) => Some(disk),
            // Machines still queue on the Redis lock.
            Err(error @ CacheError::Lock { .. }) if !self.link.is_down() => {
                self.link.warn(format!(
                    "{}; locking through the shared cache alone",
                    crate::cache::store::error_chain(&error)
                ));
                None
            }
            Err(error) => return Err(error),
        };
        let (redis, waited) = if self.link.is_down() {
            (None, false)
        } else {
            RedisLock::acquire(&self.link, self.lock_key(key))
        };
        let disk_waited = disk.as_ref().is_some_and(|d| d.waited);
        Ok(Locked {
            guard: Box::new(BothLocks {
                _redis: redis,
                _disk: disk.map(|d| d.guard),
            }),
            waited: disk_waited || waited,
        })
    }

    fn prefetch(&self, keys: &[CacheKey]) {
        let mut keys: Vec<&CacheKey> = keys.iter().collect();
        keys.sort_by_key(|k| (k.host(), k.repository()));
        keys.dedup();
        if keys.is_empty() || self.link.is_down() {
            return;
        }
        let redis_keys: Vec<String> = keys.iter().map(|k| self.entry_key(k)).collect();
        let Some(values) = self.link.run("reading entries", |c| {
            redis::cmd("MGET")
                .arg(&redis_keys)
                .query::<Vec<Option<Vec<u8>>>>(c)
        }) else {
            return;
        };
        let decoded: Vec<(String, Option<Entry>)> = keys
            .iter()
            .zip(&redis_keys)
            .zip(values)
            .map(|((key, redis_key), value)| {
                let entry = value.and_then(|v| self.decode(key, redis_key, &v));
                (key.file_stem(), entry)
            })
            .collect();
        self.seen().extend(decoded);
    }

    fn take_warnings(&self) -> Vec<String> {
        self.link.take_warnings()
    }
}
