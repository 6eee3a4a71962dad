//! Atomic file replacement: a temporary file in the same directory, synced, then renamed
//! over the target, keeping the target's permissions. A reader (or a `kill -9`) sees the
//! old bytes or the new ones, never a torn file. The temporary files are named and
//! swept by [`temp`].

pub mod temp;

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// The capacity to read all of `file` (of at most `limit` bytes) into in one `read`
/// call plus the one that finds its end: its size by `fstat` and a spare byte, capped at
/// `limit + 1`. Without it a `Vec` grows from 32 bytes, one `read` per doubling (eight
/// calls for a 2 KiB `index.json`). 0 when `fstat` fails (the read reports the error).
pub fn read_capacity(file: &fs::File, limit: u64) -> usize {
    let size = file.metadata().map_or(0, |meta| meta.len());
    usize::try_from(size.min(limit).saturating_add(1)).unwrap_or(usize::MAX)
}

/// Replaces the contents of `path` with `bytes` atomically, keeping its mode. A missing
/// `path` is created with the default mode (0644 less the umask).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    prepare(path, bytes, Durability::Synced)?
        .persist(path)
        .map_err(|e| e.error)?;
    Ok(())
}

/// Replaces several files, all or none as far as the file system allows: every new
/// content is written to its temporary file and synced first, and only when all are
/// ready are they renamed over their targets, one after another. A failure before the
/// renames (a full disk, a permission) changes nothing and removes the temporary files;
/// a failing rename — the same directory, a file just created there — is all that could
/// leave some targets replaced.
pub fn write_all_atomic(writes: &[(&Path, &[u8])]) -> Result<(), WriteAllError> {
    write_all_atomic_with(writes, Durability::Synced)
}

/// Whether written bytes must reach the disk before the rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Synced before the rename: after a crash the file holds the old bytes or the
    /// new ones (a user's working tree).
    Synced,
    /// Not synced: for a throwaway copy (Argo CD's unpacked repository, removed after
    /// the request), where a crash loses the copy anyway and a sync only costs time.
    /// Readers still see the old bytes or the new ones, never a torn file.
    Unsynced,
}

/// [`write_all_atomic`], synced or not.
pub fn write_all_atomic_with(
    writes: &[(&Path, &[u8])],
    durability: Durability,
) -> Result<(), WriteAllError> {
    let mut ready = Vec::with_capacity(writes.len());
    for (index, (path, bytes)) in writes.iter().enumerate() {
        let tmp = prepare(path, bytes, durability).map_err(|error| WriteAllError {
            index,
            error,
            replaced: 0,
        })?;
        ready.push(tmp);
    }
    for (index, (tmp, (path, _))) in ready.into_iter().zip(writes).enumerate() {
        tmp.persist(path).map_err(|e| WriteAllError {
            index,
            error: e.error,
            replaced: index,
        })?;
    }
    Ok(())
}

/// Why [`write_all_atomic`] stopped.
#[derive(Debug)]
pub struct WriteAllError {
    /// The write that failed.
    pub index: usize,
    /// What failed.
    pub error: io::Error,
    /// How many targets (the first ones) were replaced before it: 0 unless a rename
    /// failed.
    pub replaced: usize,
}

/// The temporary file holding `bytes` for `path`, with `path`'s mode, synced unless
/// `durability` says otherwise.
fn prepare(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
) -> io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let mut tmp = temp::create(dir, name)?;
    tmp.write_all(bytes)?;
    match fs::metadata(path) {
        Ok(meta) => tmp.as_file().set_permissions(meta.permissions())?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                // tempfile creates 0600; a new file gets the usual 0666 & !umask, which
                // std applies when creating through OpenOptions. Approximate with 0644.
                tmp.as_file()
                    .set_permissions(fs::Permissions::from_mode(0o644))?;
            }
        }
        Err(e) => return Err(e),
    }
    if durability == Durability::Synced {
        tmp.as_file().sync_all()?;
    }
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_capacity_is_the_size_and_a_spare_byte_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.json");
        fs::write(&path, [b'x'; 2000]).unwrap();
        let file = fs::File::open(&path).unwrap();
        assert_eq!(read_capacity(&file, 4096), 2001);
        assert_eq!(read_capacity(&file, 100), 101);
    }

    #[test]
    fn replaces_contents_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
        }
        write_atomic(&path, b"new\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o751);
        }
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn creates_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.yaml");
        write_atomic(&path, b"x").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
    }

    #[test]
    fn several_files_are_written_all_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("b.yaml");
        fs::write(&a, "old a").unwrap();
        fs::write(&b, "old b").unwrap();
        // The second target's directory does not exist: its temporary file cannot be
        // made, so the first is not replaced either, and no temporary file is left.
        let missing = dir.path().join("gone/c.yaml");
        let writes: [(&Path, &[u8]); 3] = [(&a, b"new a"), (&missing, b"new c"), (&b, b"new b")];
        let err = write_all_atomic(&writes).unwrap_err();
        assert_eq!((err.index, err.replaced), (1, 0));
        assert_eq!(fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(fs::read_to_string(&b).unwrap(), "old b");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);

        write_all_atomic(&[(&a, b"new a"), (&b, b"new b")]).unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(fs::read_to_string(&b).unwrap(), "new b");
    }
}
