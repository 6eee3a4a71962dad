//! Listing and clearing the shared cache (`imagescan cache ls|clear --cache redis://…`):
//! the keys under this cache's prefix are found with `SCAN … MATCH` (never `KEYS`,
//! which blocks Redis while it walks every key), read with `MGET` and removed with `DEL`,
//! in batches. Keys outside the prefix are never read or touched, nor are refresh locks
//! (`<prefix>lock:…`): a holder may be using one, and they expire by themselves.

use super::RedisConfig;
use super::codec::{self, Garbage};
use super::store::RedisStore;
use crate::cache::{CacheError, ListedEntry};

/// Keys asked for per `SCAN` step, read per `MGET` and removed per `DEL`.
const BATCH: usize = 500;

/// What [`RedisStore::list_shared`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedListing {
    /// Readable entries (`file_name` is the Redis key), sorted by host, repository and
    /// key.
    pub entries: Vec<ListedEntry>,
    /// Keys under the prefix's `entry:` whose value is not an entry (replaced on their
    /// next refresh).
    pub unreadable: Vec<String>,
}

impl RedisStore {
    /// Every entry stored in Redis under this cache's prefix.
    pub fn list_shared(&self) -> Result<SharedListing, CacheError> {
        let keys = self.scan(&format!("{}entry:", self.config().prefix))?;
        let mut listing = SharedListing::default();
        for batch in keys.chunks(BATCH) {
            let values = self.shared("reading entries", |c| {
                redis::cmd("MGET")
                    .arg(batch)
                    .query::<Vec<Option<Vec<u8>>>>(c)
            })?;
            for (key, value) in batch.iter().zip(values) {
                // Gone since the SCAN (expired, cleared): not listed.
                let Some(value) = value else { continue };
                match codec::decode_any(&value) {
                    Ok(Some(entry)) => listing.entries.push(ListedEntry {
                        file_name: key.clone(),
                        entry,
                    }),
                    Ok(None) | Err(Garbage) => listing.unreadable.push(key.clone()),
                }
            }
        }
        listing.entries.sort_by(|a, b| {
            (&a.entry.host, &a.entry.repository, &a.file_name).cmp(&(
                &b.entry.host,
                &b.entry.repository,
                &b.file_name,
            ))
        });
        Ok(listing)
    }

    /// Removes every entry and quota window stored in Redis under this cache's prefix;
    /// returns how many entries were removed.
    pub fn clear_shared(&self) -> Result<usize, CacheError> {
        let prefix = &self.config().prefix;
        let mut entries = 0;
        for (kind, counted) in [("entry:", true), ("window:", false)] {
            let keys = self.scan(&format!("{prefix}{kind}"))?;
            for batch in keys.chunks(BATCH) {
                let removed = self.shared("removing entries", |c| {
                    redis::cmd("DEL").arg(batch).query::<usize>(c)
                })?;
                if counted {
                    entries += removed;
                }
            }
        }
        Ok(entries)
    }

    /// Every key that starts with `start`, found with `SCAN` (each once, sorted).
    fn scan(&self, start: &str) -> Result<Vec<String>, CacheError> {
        let pattern = format!("{}*", glob_escape(start));
        let mut keys = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, found) = self.shared("listing keys", |c| {
                redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(BATCH)
                    .query::<(u64, Vec<String>)>(c)
            })?;
            keys.extend(found);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        // SCAN may return a key more than once.
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Runs `op` on Redis; a failure is an error here (the command asked for Redis),
    /// not a fall back to the disk cache.
    fn shared<T>(
        &self,
        what: &str,
        op: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, CacheError> {
        self.link().run(what, op).ok_or_else(|| CacheError::Shared {
            url: self.config().redacted(),
            reason: self
                .link()
                .failure()
                .unwrap_or_else(|| format!("{what}: failed")),
        })
    }

    /// The Redis URL, with any password replaced by `***`.
    pub fn shown_url(&self) -> String {
        self.config().redacted()
    }

    fn config(&self) -> &RedisConfig {
        self.link().config()
    }
}

/// `text` with the characters `SCAN … MATCH` treats as a pattern escaped, so that a
/// prefix holding `*`, `?`, `[` or `\` matches only itself.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_only_themselves() {
        assert_eq!(glob_escape("imagescan:entry:"), "imagescan:entry:");
        assert_eq!(glob_escape(r"a*b?c[d]e\f"), r"a\*b\?c\[d\]e\\f");
    }
}
