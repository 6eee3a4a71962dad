//! [`DiskStore`]: the cache in one directory, one JSON file per entry (the embedded
//! default), and one per registry host that announced it is out of quota. Writes are atomic (temp file + rename) and the refresh lock is a `flock`
//! on a lock file per entry, released by the kernel when its holder dies.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::backend::{Backend, Locked};
use super::entry::FORMAT_VERSION;
use super::files::{self, ENTRY_SUFFIX, EntryLock, FileKind, LOCK_SUFFIX, WINDOW_SUFFIX};
use super::key::window_stem;
use super::{CacheError, CacheKey, Entry};

/// The cache in one directory.
#[derive(Debug, Clone)]
pub struct DiskStore {
    dir: PathBuf,
}

/// One readable entry, as listed by [`DiskStore::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedEntry {
    /// The entry's file name.
    pub file_name: String,
    /// Its content.
    pub entry: Entry,
}

/// What [`DiskStore::list`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Readable entries, sorted by host, repository and file name.
    pub entries: Vec<ListedEntry>,
    /// Entry files that could not be parsed (they are replaced on the next refresh).
    pub unreadable: Vec<PathBuf>,
}

/// What [`DiskStore::clear`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleared {
    /// Entry files removed.
    pub entries: usize,
    /// Lock and leftover temporary files removed.
    pub other: usize,
}

impl DiskStore {
    /// The store in `dir` (not created here: see [`files::create_dir`]).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
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
                FileKind::Lock | FileKind::Window | FileKind::Temp => cleared.other += 1,
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
}

impl Backend for DiskStore {
    fn read(&self, key: &CacheKey) -> Result<Option<Entry>, CacheError> {
        let path = files::path(&self.dir, &key.file_stem(), ENTRY_SUFFIX);
        Ok(read_entry(&path)?.filter(|e| e.host == key.host() && e.repository == key.repository()))
    }

    fn write(&self, key: &CacheKey, entry: &Entry, _keep: Duration) -> Result<(), CacheError> {
        let stem = key.file_stem();
        let path = files::path(&self.dir, &stem, ENTRY_SUFFIX);
        files::write_atomic_with(&path, &stem, |file| {
            serde_json::to_writer(file, entry).map_err(std::io::Error::from)
        })
    }

    fn read_window(&self, host: &str) -> Result<Option<u64>, CacheError> {
        let path = files::path(&self.dir, &window_stem(host), WINDOW_SUFFIX);
        let Some(bytes) = files::read_regular(&path)? else {
            return Ok(None);
        };
        Ok(serde_json::from_slice::<Window>(&bytes)
            .ok()
            .filter(|w| w.host == host)
            .map(|w| w.until_ms))
    }

    fn write_window(&self, host: &str, until_ms: u64) -> Result<(), CacheError> {
        let stem = window_stem(host);
        let window = Window {
            host: host.to_owned(),
            until_ms,
        };
        let bytes = serde_json::to_vec(&window).expect("windows serialise");
        files::write_atomic(&files::path(&self.dir, &stem, WINDOW_SUFFIX), &stem, &bytes)
    }

    fn lock(&self, key: &CacheKey) -> Result<Locked, CacheError> {
        let path = files::path(&self.dir, &key.file_stem(), LOCK_SUFFIX);
        let (lock, waited) = EntryLock::acquire(&path)?;
        Ok(Locked {
            guard: Box::new(lock),
            waited,
        })
    }
}

/// A quota window file.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Window {
    /// The registry host.
    pub(crate) host: String,
    /// When the window ends, in Unix milliseconds.
    pub(crate) until_ms: u64,
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
