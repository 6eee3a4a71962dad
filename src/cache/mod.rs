//! The shared cache of registry results (SPEC §6).
//!
//! One entry per (registry host, repository, credential identity), keyed by a SHA-256
//! over a serialised [`CacheKey`]; it holds the tag list and the digests looked up, each
//! with its fetch time, and never a credential. Entries live in a directory
//! ([`DiskStore`], one JSON file each) or in Redis in front of it ([`RedisStore`](redis::RedisStore), for
//! several machines), both behind one [`Backend`] interface. Many processes share them:
//! writes are atomic, and a lock per entry makes one process refresh while the others
//! wait for its result ([`Cache`] documents the protocol).
//!
//! This module decides freshness and stores answers; it never talks to registries (the
//! caller passes the refresh as a closure) and never prints (statuses and errors are
//! returned for the caller to report).

mod age;
mod backend;
mod disk;
mod entry;
mod error;
mod files;
mod key;
pub mod redis;
mod session;
mod status;
mod store;

use std::ffi::OsString;
use std::path::PathBuf;

pub use age::Age;
pub use backend::{Backend, Locked};
pub use disk::{Cleared, DiskStore, ListedEntry, Listing};
pub use entry::{DigestRecord, Entry, FORMAT_VERSION, FailureRecord, Item, TagList};
pub use error::{CacheError, FetchError};
pub use key::CacheKey;
pub use session::EntrySession;
pub use status::{CacheStatus, DEFAULT_MAX_STALE, Lookup, Mode};
pub use store::{Cache, unix_now, unix_now_ms};

/// The cache directory from the process environment: `$IMAGESCAN_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/imagescan`, else `~/.cache/imagescan`.
pub fn default_dir() -> Result<PathBuf, CacheError> {
    dir_from_vars(|name| std::env::var_os(name)).ok_or(CacheError::NoDirectory)
}

/// [`default_dir`] over a variable lookup; empty values count as unset, and a relative
/// `XDG_CACHE_HOME` is ignored as the XDG specification says.
pub fn dir_from_vars(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("IMAGESCAN_CACHE_DIR")
        .or_else(|| {
            var("XDG_CACHE_HOME")
                .filter(|p| p.is_absolute())
                .map(|p| p.join("imagescan"))
        })
        .or_else(|| var("HOME").map(|home| home.join(".cache").join("imagescan")))
}

#[cfg(test)]
mod tests;
