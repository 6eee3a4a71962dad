//! Atomic file replacement: a temporary file in the same directory, synced, then renamed
//! over the target, keeping the target's permissions. A reader (or a `kill -9`) sees the
//! old bytes or the new ones, never a torn file.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// Replaces the contents of `path` with `bytes` atomically, keeping its mode. A missing
/// `path` is created with the default mode (0644 less the umask).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let mut tmp = temp_file_for(dir, name)?;
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
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `.NAME.XXXXXX.tmp` in `dir` (see [`atomic_temp_target`]).
fn temp_file_for(dir: &Path, name: &std::ffi::OsStr) -> io::Result<tempfile::NamedTempFile> {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .rand_bytes(TEMP_RANDOM_LEN)
        .tempfile_in(dir)
}

/// How many random characters the temporary name of [`write_atomic`] has.
const TEMP_RANDOM_LEN: usize = 6;

/// The name of the file that a temporary file of [`write_atomic`] called `name` was to
/// replace (`.deploy.yaml.a1B2c3.tmp` gives `deploy.yaml`), or `None` when `name` does
/// not have that shape. A process killed between creating and renaming its temporary
/// file leaves it behind; this tells such leftovers from other files.
pub fn atomic_temp_target(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (target, random) = inner.rsplit_once('.')?;
    let random_ok =
        random.len() == TEMP_RANDOM_LEN && random.bytes().all(|b| b.is_ascii_alphanumeric());
    (random_ok && !target.is_empty()).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised() {
        let cases = [
            (".deploy.yaml.a1B2c3.tmp", Some("deploy.yaml")),
            (".a.b.c.yaml.ZZZZZZ.tmp", Some("a.b.c.yaml")),
            (".deploy.yaml.a1B2c.tmp", None),
            (".deploy.yaml.a1B2c3d.tmp", None),
            (".deploy.yaml.a1-2c3.tmp", None),
            ("deploy.yaml.a1B2c3.tmp", None),
            (".deploy.yaml.a1B2c3.tmpx", None),
            ("..a1B2c3.tmp", None),
            (".notes.tmp", None),
        ];
        for (name, want) in cases {
            assert_eq!(atomic_temp_target(name), want, "{name}");
        }
    }

    #[test]
    fn the_temp_name_shape_is_what_write_atomic_makes() {
        // A kill between creating and renaming is simulated by keeping the temp file.
        let dir = tempfile::tempdir().unwrap();
        let tmp = temp_file_for(dir.path(), std::ffi::OsStr::new("values.yaml")).unwrap();
        let name = tmp.path().file_name().unwrap().to_str().unwrap();
        assert_eq!(atomic_temp_target(name), Some("values.yaml"));
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
}
