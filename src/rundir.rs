//! Private temporary directories that do not outlive their run, even a killed one.
//!
//! A writeback clone, a copy of the git credentials (a private key, an askpass script),
//! a dry run's exported tree: each lives in `$TMPDIR/imagescan-KIND-XXXXXX` and is removed
//! when the run ends. A `kill -9` (an OOM kill of a CronJob) skips that, so each
//! directory also holds a lock file, `flock`ed for as long as its run lives: [`sweep`],
//! called at the start of the next writeback, removes every `imagescan-*` directory whose
//! lock is free — its run is gone. The lock file is locked before it takes its name, so a
//! sweep never sees a live directory's lock unlocked; a directory without one is taken
//! for dead only after an hour (a run killed between creating it and locking).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The prefix of every directory this module makes.
pub const PREFIX: &str = "imagescan-";

/// The lock file inside each directory.
const LOCK: &str = ".imagescan-run.lock";

/// How old a directory without a lock file must be to be taken for dead.
const UNLOCKED_GRACE: Duration = Duration::from_secs(3600);

/// A private (0700) temporary directory, removed when dropped, and by a later [`sweep`]
/// when its process died first.
#[derive(Debug)]
pub struct RunDir {
    dir: tempfile::TempDir,
    _lock: File,
}

impl RunDir {
    /// A new directory `$TMPDIR/imagescan-KIND-XXXXXX`.
    pub fn new(kind: &str) -> io::Result<Self> {
        RunDir::new_in(&std::env::temp_dir(), kind)
    }

    fn new_in(parent: &Path, kind: &str) -> io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{kind}-"))
            .tempdir_in(parent)?;
        let staging = dir.path().join(format!("{LOCK}.new"));
        let lock = File::create(&staging)?;
        lock.lock()?;
        fs::rename(&staging, dir.path().join(LOCK))?;
        Ok(RunDir { dir, _lock: lock })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes the directories of runs that died, in `$TMPDIR`; returns them. Errors (a
/// directory of another user, one removed meanwhile) only leave a directory in place.
pub fn sweep() -> Vec<PathBuf> {
    sweep_in(&std::env::temp_dir())
}

fn sweep_in(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let is_ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(PREFIX));
        // `file_type` does not follow symlinks: a link is never swept through.
        if !is_ours || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = entry.path();
        if is_dead(&dir) && fs::remove_dir_all(&dir).is_ok() {
            removed.push(dir);
        }
    }
    removed
}

/// Whether the run that made `dir` is gone: its lock is free, or it has none and is old.
fn is_dead(dir: &Path) -> bool {
    match File::open(dir.join(LOCK)) {
        Ok(lock) => lock.try_lock().is_ok(),
        Err(err) if err.kind() == io::ErrorKind::NotFound => fs::metadata(dir)
            .and_then(|meta| meta.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > UNLOCKED_GRACE)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_directory_is_kept_and_a_dead_one_swept() {
        let parent = tempfile::tempdir().unwrap();
        let live = RunDir::new_in(parent.path(), "writeback").unwrap();
        fs::create_dir(live.path().join("repo")).unwrap();
        fs::write(live.path().join("repo/file"), "x").unwrap();
        let name = live
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(name.starts_with("imagescan-writeback-"), "{name}");

        // A dead run's directory: its lock file exists, nobody holds it.
        let dead = parent.path().join("imagescan-git-dead");
        fs::create_dir_all(dead.join("sub")).unwrap();
        fs::write(dead.join(LOCK), "").unwrap();
        fs::write(dead.join("sub/id"), "key").unwrap();
        // Without a lock file and young: maybe being created, kept.
        let young = parent.path().join("imagescan-render-young");
        fs::create_dir(&young).unwrap();
        // Not ours, or a symlink to ours: never touched.
        let other = parent.path().join("other-dir");
        fs::create_dir(&other).unwrap();
        fs::write(other.join(LOCK), "").unwrap();
        std::os::unix::fs::symlink(&dead, parent.path().join("imagescan-link")).unwrap();

        assert_eq!(sweep_in(parent.path()), std::slice::from_ref(&dead));
        assert!(live.path().join("repo/file").exists());
        assert!(young.exists() && other.exists() && !dead.exists());

        // The live run ends: its directory goes with it.
        let path = live.path().to_owned();
        drop(live);
        assert!(!path.exists());
    }
}
