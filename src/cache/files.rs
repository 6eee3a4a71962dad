//! The cache directory's files (entries, locks, quota windows): names, reads that refuse links, atomic writes (temp file
//! in the same directory, then rename) and per-entry lock files (`flock` through
//! std's `File::lock`). Only names this module makes are ever read, replaced or removed.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::CacheError;

/// Entry files: `<64 hex>.json`.
pub(crate) const ENTRY_SUFFIX: &str = ".json";
/// Lock files: `<64 hex>.lock`.
pub(crate) const LOCK_SUFFIX: &str = ".lock";
/// Quota windows of registry hosts: `<64 hex>.window`.
pub(crate) const WINDOW_SUFFIX: &str = ".window";
/// Temp files: `.<64 hex>.<pid>.<n>.tmp`.
const TEMP_SUFFIX: &str = ".tmp";

/// The kinds of file the cache writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Entry,
    Lock,
    Window,
    Temp,
}

fn is_stem(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Which cache file `name` is, if it is one.
pub(crate) fn classify(name: &str) -> Option<FileKind> {
    if let Some(stem) = name.strip_suffix(ENTRY_SUFFIX) {
        return is_stem(stem).then_some(FileKind::Entry);
    }
    if let Some(stem) = name.strip_suffix(LOCK_SUFFIX) {
        return is_stem(stem).then_some(FileKind::Lock);
    }
    if let Some(stem) = name.strip_suffix(WINDOW_SUFFIX) {
        return is_stem(stem).then_some(FileKind::Window);
    }
    let inner = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let mut parts = inner.split('.');
    let digits =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let ok = parts.next().is_some_and(is_stem)
        && digits(parts.next())
        && digits(parts.next())
        && parts.next().is_none();
    ok.then_some(FileKind::Temp)
}

/// Creates the cache directory (and missing parents) with mode 0700.
pub(crate) fn create_dir(dir: &Path) -> Result<(), CacheError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| CacheError::CreateDir {
            dir: dir.to_owned(),
            source,
        })
}

/// Reads a regular file; `None` when absent or not a regular file (a link planted in
/// the cache directory is never followed, and is replaced by the next write).
pub(crate) fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, CacheError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(CacheError::Read {
                path: path.to_owned(),
                source,
            });
        }
    }
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CacheError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Replaces `path` with `bytes` atomically: readers see the old file or the new one,
/// never a partial one, even if this process dies midway. The file is mode 0600.
///
/// Deliberately no fsync: it costs 8–15 ms per write on this kind of disk, more than a
/// whole cold scan may take (SPEC §9), and buys nothing a cache needs. A process crash
/// cannot lose the written pages; after a power loss an entry may be empty, which reads
/// as corrupt, counts as missing and is refreshed.
pub(crate) fn write_atomic(path: &Path, stem: &str, bytes: &[u8]) -> Result<(), CacheError> {
    write_atomic_with(path, stem, |file| file.write_all(bytes))
}

/// [`write_atomic`] with the content written by `fill` straight into the temporary file
/// (through a buffer), so that a large entry is never held whole in memory. `fill` gets
/// the buffer's concrete type: a serialiser writing a 10,000-tag list makes ~40,000
/// small writes, inlined into the buffer rather than each a dynamic call.
pub(crate) fn write_atomic_with(
    path: &Path,
    stem: &str,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), CacheError> {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .expect("cache files live in the cache directory");
    let temp = dir.join(format!(
        ".{stem}.{}.{}{TEMP_SUFFIX}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    ));
    let write_err = |source| CacheError::Write {
        path: path.to_owned(),
        source,
    };
    let result = (|| {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        let mut buffered = BufWriter::with_capacity(WRITE_BUFFER, file);
        fill(&mut buffered)?;
        buffered
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        fs::rename(&temp, path)
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&temp);
        write_err(source)
    })
}

/// The buffer between an entry's serialiser and its file: a few system calls for a
/// 10,000-tag list, and no copy of the whole entry in memory.
const WRITE_BUFFER: usize = 32 * 1024;

/// An exclusive lock on one entry, released when dropped (closing the file releases a
/// `flock`, also when the process dies).
#[derive(Debug)]
pub(crate) struct EntryLock {
    _file: File,
}

impl EntryLock {
    /// Takes the lock at `path`, blocking while another process (or another open of the
    /// file in this process) holds it. Returns whether it had to wait.
    pub(crate) fn acquire(path: &Path) -> Result<(Self, bool), CacheError> {
        let lock_err = |source| CacheError::Lock {
            path: path.to_owned(),
            source,
        };
        match fs::symlink_metadata(path) {
            Ok(meta) if !meta.is_file() => {
                return Err(CacheError::NotRegularFile {
                    path: path.to_owned(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(source) => return Err(lock_err(source)),
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(O_NOFOLLOW)
            .open(path)
            .map_err(lock_err)?;
        let waited = match file.try_lock() {
            Ok(()) => false,
            Err(fs::TryLockError::WouldBlock) => {
                file.lock().map_err(lock_err)?;
                true
            }
            Err(fs::TryLockError::Error(source)) => return Err(lock_err(source)),
        };
        Ok((Self { _file: file }, waited))
    }
}

/// `O_NOFOLLOW`, whose value differs between architectures (std does not export it).
/// Elsewhere the `symlink_metadata` check above is the only guard.
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
const O_NOFOLLOW: i32 = 0o100000;
#[cfg(any(target_arch = "x86_64", target_arch = "x86", target_arch = "riscv64"))]
const O_NOFOLLOW: i32 = 0o400000;
#[cfg(not(any(
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "riscv64"
)))]
const O_NOFOLLOW: i32 = 0;

/// The path of a file of the cache.
pub(crate) fn path(dir: &Path, stem: &str, suffix: &str) -> PathBuf {
    dir.join(format!("{stem}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_the_cache_makes_are_recognised() {
        let stem = "0123456789abcdef".repeat(4);
        let table = [
            (format!("{stem}.json"), Some(FileKind::Entry)),
            (format!("{stem}.lock"), Some(FileKind::Lock)),
            (format!(".{stem}.123.0.tmp"), Some(FileKind::Temp)),
            (format!("{stem}.window"), Some(FileKind::Window)),
            (format!("{stem}.windows"), None),
            (format!("{}.json", &stem[1..]), None),
            (format!("{}.json", stem.to_uppercase()), None),
            (format!("{stem}.json.bak"), None),
            (format!(".{stem}.123.tmp"), None),
            (format!(".{stem}.12x.0.tmp"), None),
            (format!("{stem}.123.0.tmp"), None),
            ("config.json".to_owned(), None),
            ("README".to_owned(), None),
        ];
        for (name, expected) in table {
            assert_eq!(classify(&name), expected, "{name}");
        }
    }
}
