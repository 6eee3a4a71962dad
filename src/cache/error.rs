//! Errors of the cache: its own I/O ([`CacheError`]), and a lookup's, which adds the
//! failed refresh ([`FetchError`]).

use crate::text::ShowPath as _;
use std::path::PathBuf;
use std::time::Duration;

use super::Age;

/// A failure of the cache itself.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// No directory could be chosen for the cache.
    #[error("no cache directory: set IMAGESCAN_CACHE_DIR, XDG_CACHE_HOME or HOME")]
    NoDirectory,
    /// The cache directory could not be created.
    #[error("cannot create the cache directory {}", dir.shown())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A cache file could not be read.
    #[error("cannot read cache file {}", path.shown())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A cache file could not be written.
    #[error("cannot write cache file {}", path.shown())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An entry's lock could not be taken.
    #[error("cannot lock cache file {}", path.shown())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Something other than a regular file sits where the cache keeps one.
    #[error("{} is not a regular file; remove it (the cache does not follow links)", path.shown())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The cache directory could not be listed.
    #[error("cannot list the cache directory {}", dir.shown())]
    List {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The shared cache could not be read or cleared (`cache ls|clear --cache …`);
    /// `url` never shows the password.
    #[error("shared cache {url}: {reason}")]
    Shared {
        /// The Redis URL, redacted.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A cache file could not be removed.
    #[error("cannot remove cache file {}", path.shown())]
    Remove {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Offline mode and nothing cached.
    #[error("offline: no cached {what} for {host}/{repository}; run once online to fill the cache")]
    OfflineMiss {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// What was asked for.
        what: String,
    },
}

/// A failed lookup: the cache failed, or the refresh failed with nothing cached to serve.
#[derive(Debug, thiserror::Error)]
pub enum FetchError<E> {
    /// The cache itself failed.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The refresh failed and nothing was cached.
    #[error(transparent)]
    Refresh(E),
    /// The refresh failed and the cached answer is older than `max_stale`.
    #[error(
        "cannot refresh {what} of {host}/{repository}, and the cached copy is {} old (more than --max-stale {})",
        Age(*age),
        Age(*max_stale)
    )]
    TooStale {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// What was asked for.
        what: String,
        /// The cached answer's age.
        age: Duration,
        /// The limit.
        max_stale: Duration,
        /// The refresh error.
        source: E,
    },
    /// Another process's refresh of the same answer failed moments ago, and nothing
    /// cached could be served; this process did not retry.
    #[error("cannot refresh {what} of {host}/{repository}: {message} (failed {} ago; not retried yet)", Age(*ago))]
    RecentFailure {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// What was asked for.
        what: String,
        /// The recorded error.
        message: String,
        /// How long ago it failed.
        ago: Duration,
    },
}
