//! The temporary files of atomic writes, recognisable as ours and swept when their
//! writer died.
//!
//! [`super::write_atomic`] writes `NAME` through `.imagescan-tmp-PID-XXXXXX-NAME` beside
//! it (PID the writer's process id, `XXXXXX` six random letters or digits), `flock`ed by
//! its writer until it is renamed over `NAME`. A run killed in between (`kill -9`, an OOM
//! kill) leaves it; [`sweep`], run by every command that writes a tree before it writes,
//! removes the ones whose writer is gone: the name has exactly that shape, the lock is
//! free, and the process PID no longer exists (or the file is over an hour old: a
//! process id from another PID namespace sharing the volume). The listings of
//! manifests and marker files skip such names ([`is_temp_name`]), so a leftover is never
//! read as a manifest even before it is swept. Nothing else is ever removed: a user's
//! `.x.tmp` or `.imagescan-tmp-notes` does not have the shape.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The start of every temporary file name of ours.
pub const TEMP_PREFIX: &str = ".imagescan-tmp-";

/// How many random characters a temporary name has.
const RANDOM_LEN: usize = 6;

/// The longest part of the target's name kept in the temporary name (file names are
/// limited to 255 bytes; ours adds at most 33).
const NAME_KEPT: usize = 200;

/// How old a temporary file with a free lock but a live-looking process id must be to be
/// taken for dead.
const GRACE: Duration = Duration::from_secs(3600);

/// A new temporary file for the file `name` in `dir`, locked for as long as it is open.
pub(crate) fn create(dir: &Path, name: &OsStr) -> io::Result<tempfile::NamedTempFile> {
    let bytes = name.as_encoded_bytes();
    let kept = if bytes.len() > NAME_KEPT {
        // Cut at a character boundary where the name is UTF-8; the name is only a hint.
        let lossy = name.to_string_lossy();
        let mut end = NAME_KEPT;
        while !lossy.is_char_boundary(end) {
            end -= 1;
        }
        OsString::from(&lossy[..end])
    } else {
        name.to_owned()
    };
    let mut suffix = OsString::from("-");
    suffix.push(kept);
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(&suffix)
        .rand_bytes(RANDOM_LEN)
        .tempfile_in(dir)?;
    tmp.as_file().lock()?;
    Ok(tmp)
}

/// The writer's process id when `name` is the name of one of our temporary files.
pub fn temp_name_pid(name: &OsStr) -> Option<u32> {
    let rest = name
        .as_encoded_bytes()
        .strip_prefix(TEMP_PREFIX.as_bytes())?;
    let dash = rest.iter().position(|&b| b == b'-')?;
    let (pid, rest) = rest.split_at(dash);
    let pid_ok = !pid.is_empty() && pid.len() <= 10 && pid.iter().all(u8::is_ascii_digit);
    let rest = &rest[1..];
    let random_ok = rest.len() > RANDOM_LEN + 1
        && rest[..RANDOM_LEN].iter().all(u8::is_ascii_alphanumeric)
        && rest[RANDOM_LEN] == b'-';
    if !pid_ok || !random_ok {
        return None;
    }
    std::str::from_utf8(pid).ok()?.parse().ok()
}

/// Whether `name` is the name of one of our temporary files.
pub fn is_temp_name(name: &OsStr) -> bool {
    temp_name_pid(name).is_some()
}

/// Removes, under `root` (not following symlinks, not entering `.git`), our temporary
/// files whose writer is gone; returns them. A file that cannot be examined or removed
/// (another user's, removed meanwhile) is left in place: sweeping never fails a run.
pub fn sweep(root: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        sweep_entries(&dir, &mut removed, Some(&mut pending));
    }
    removed
}

/// Removes our dead writers' temporary files in `dir` itself, not below it: for a
/// command that writes only there (`migrate`). Returns them; never fails.
pub fn sweep_dir(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    sweep_entries(dir, &mut removed, None);
    removed
}

/// Sweeps the entries of `dir` into `removed`; pushes its subdirectories (but `.git`)
/// onto `subdirs` when given.
fn sweep_entries(dir: &Path, removed: &mut Vec<PathBuf>, mut subdirs: Option<&mut Vec<PathBuf>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        // `file_type` does not follow symlinks.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if let Some(subdirs) = subdirs.as_deref_mut()
                && name != ".git"
            {
                subdirs.push(entry.path());
            }
        } else if kind.is_file()
            && let Some(pid) = temp_name_pid(&name)
        {
            let path = entry.path();
            if is_dead(&path, pid) && fs::remove_file(&path).is_ok() {
                removed.push(path);
            }
        }
    }
}

/// Whether the writer of the temporary file `path`, made by process `pid`, is gone.
fn is_dead(path: &Path, pid: u32) -> bool {
    use std::os::unix::fs::OpenOptionsExt as _;
    let Ok(file) = File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
    else {
        return false;
    };
    if file.try_lock().is_err() {
        return false;
    }
    !process_exists(pid)
        || file
            .metadata()
            .and_then(|meta| meta.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > GRACE))
}

/// Whether a process `pid` exists (one of another user counts).
fn process_exists(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_recognised() {
        let cases = [
            (".imagescan-tmp-123-a1B2c3-deploy.yaml", Some(123)),
            (".imagescan-tmp-1-ZZZZZZ-a-b.yaml", Some(1)),
            (".imagescan-tmp-123-a1B2c-deploy.yaml", None),
            (".imagescan-tmp-123-a1B2c3deploy.yaml", None),
            (".imagescan-tmp-123-a1B2c3-", None),
            (".imagescan-tmp--a1B2c3-x", None),
            (".imagescan-tmp-12a-a1B2c3-x", None),
            (".imagescan-tmp-12345678901-a1B2c3-x", None),
            ("imagescan-tmp-123-a1B2c3-x", None),
            (".imagescan-tmp-notes", None),
            (".deploy.yaml.a1B2c3.tmp", None),
            (".x.tmp", None),
        ];
        for (name, want) in cases {
            assert_eq!(temp_name_pid(OsStr::new(name)), want, "{name}");
        }
    }

    #[test]
    fn created_names_have_the_shape_and_a_held_lock() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(250);
        let mut open = Vec::new();
        for name in ["values.yaml", long.as_str()] {
            let tmp = create(dir.path(), OsStr::new(name)).unwrap();
            let file_name = tmp.path().file_name().unwrap();
            assert_eq!(temp_name_pid(file_name), Some(std::process::id()));
            // Our own live temporary file is not swept.
            assert!(!is_dead(tmp.path(), std::process::id()));
            open.push(tmp);
        }
        assert!(sweep(dir.path()).is_empty());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn only_dead_writers_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        fs::create_dir_all(&sub).unwrap();
        let dead_pid = dead_pid();
        let dead = sub.join(format!(".imagescan-tmp-{dead_pid}-abcDEF-deploy.yaml"));
        fs::write(&dead, "half").unwrap();
        // Free lock but a live process, recent: maybe being created; kept.
        let young = sub.join(format!(
            ".imagescan-tmp-{}-abcDEF-deploy.yaml",
            std::process::id()
        ));
        fs::write(&young, "x").unwrap();
        // Look-alikes of users, and a symlink of our shape: never touched.
        let keep = [".x.tmp", ".deploy.yaml.a1B2c3.tmp", ".imagescan-tmp-notes"];
        for name in keep {
            fs::write(sub.join(name), "user").unwrap();
        }
        let link = sub.join(format!(".imagescan-tmp-{dead_pid}-abcDEG-link.yaml"));
        std::os::unix::fs::symlink(&dead, &link).unwrap();
        // Inside .git: not ours to touch.
        fs::create_dir(dir.path().join(".git")).unwrap();
        let in_git = dir
            .path()
            .join(format!(".git/.imagescan-tmp-{dead_pid}-abcDEF-x"));
        fs::write(&in_git, "x").unwrap();

        assert_eq!(sweep(dir.path()), vec![dead.clone()]);
        assert!(!dead.exists() && young.exists() && in_git.exists());
        assert!(link.symlink_metadata().is_ok());
        for name in keep {
            assert!(sub.join(name).exists(), "{name}");
        }
    }

    #[test]
    fn sweep_dir_stays_in_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let dead_pid = dead_pid();
        let name = format!(".imagescan-tmp-{dead_pid}-abcDEF-fleet.yaml");
        let here = dir.path().join(&name);
        let below = dir.path().join("sub").join(&name);
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(&here, "half").unwrap();
        fs::write(&below, "half").unwrap();
        assert_eq!(sweep_dir(dir.path()), vec![here.clone()]);
        assert!(!here.exists() && below.exists());
    }

    /// The id of a process that has exited.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }
}
