//! How a lookup may use the cache ([`Mode`]) and where its answer came from
//! ([`CacheStatus`]).

use std::time::Duration;

/// The default `--max-stale`: how old a cached answer may be when a refresh fails.
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(24 * 60 * 60);

/// How a lookup may use the cache and the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Refresh stale or missing answers; when a refresh fails, serve a cached answer up to
    /// `max_stale` old.
    Online {
        /// The oldest cached answer served when a refresh fails.
        max_stale: Duration,
    },
    /// Read the cache only (`--offline`): any cached answer is served, however old, and a
    /// missing one is an error.
    Offline,
}

impl Default for Mode {
    fn default() -> Self {
        Mode::Online {
            max_stale: DEFAULT_MAX_STALE,
        }
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// From the cache, younger than the scan's interval.
    Fresh {
        /// Its age.
        age: Duration,
    },
    /// Fetched now (by this process, or by another one this process waited for).
    Refreshed,
    /// From the cache although stale, because the refresh failed: the caller should warn.
    Stale {
        /// Its age.
        age: Duration,
        /// Why the refresh failed.
        reason: String,
    },
    /// From the cache in offline mode, whatever its age.
    Offline {
        /// Its age.
        age: Duration,
    },
}

impl CacheStatus {
    /// A stable one-word label for tables and JSON: `fresh`, `refreshed`, `stale`,
    /// `offline`.
    pub fn label(&self) -> &'static str {
        match self {
            CacheStatus::Fresh { .. } => "fresh",
            CacheStatus::Refreshed => "refreshed",
            CacheStatus::Stale { .. } => "stale",
            CacheStatus::Offline { .. } => "offline",
        }
    }

    /// Whether the answer was served from the cache rather than fetched now.
    pub fn from_cache(&self) -> bool {
        !matches!(self, CacheStatus::Refreshed)
    }
}

/// An answer and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<T> {
    /// The answer.
    pub value: T,
    /// Where it came from.
    pub status: CacheStatus,
}
