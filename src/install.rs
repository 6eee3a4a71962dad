//! Copying the running binary into a directory: how a container image with nothing but
//! the binary (FROM scratch: no shell, no `cp`) hands it to another container through a
//! shared volume (the Argo CD plugin's init container, plugin/argocd/install). The copy
//! is written to a temporary file in the target directory, made executable, synced and
//! renamed, so a reader sees no binary or the whole one.

use crate::text::ShowPath as _;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// The name of the copy in the target directory.
pub const BINARY_NAME: &str = "imagescan";

/// Why the binary could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("cannot read the running binary {}", path.shown())]
    Source {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write {}", path.shown())]
    Target {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Copies `source` (the running binary) to `dir/imagescan` with mode 0755, atomically.
/// Returns the path written.
pub fn install_binary(source: &Path, dir: &Path) -> Result<PathBuf, InstallError> {
    let target = dir.join(BINARY_NAME);
    let target_err = |source| InstallError::Target {
        path: target.clone(),
        source,
    };
    let mut input = fs::File::open(source).map_err(|e| InstallError::Source {
        path: source.to_path_buf(),
        source: e,
    })?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".imagescan-install-")
        .tempfile_in(dir)
        .map_err(target_err)?;
    io::copy(&mut input, tmp.as_file_mut()).map_err(|e| match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => InstallError::Source {
            path: source.to_path_buf(),
            source: e,
        },
        _ => target_err(e),
    })?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o755))
        .map_err(target_err)?;
    tmp.as_file().sync_all().map_err(target_err)?;
    tmp.persist(&target).map_err(|e| target_err(e.error))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_executable_and_replaces_an_old_copy() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("src-bin");
        fs::write(&source, b"\x7fELF new").unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join(BINARY_NAME), b"old").unwrap();
        let written = install_binary(&source, &out).unwrap();
        assert_eq!(written, out.join(BINARY_NAME));
        assert_eq!(fs::read(&written).unwrap(), b"\x7fELF new");
        let mode = fs::metadata(&written).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        // No temporary file left behind.
        assert_eq!(fs::read_dir(&out).unwrap().count(), 1);
    }

    #[test]
    fn names_the_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("src-bin");
        fs::write(&source, b"x").unwrap();
        let err = install_binary(&source, &dir.path().join("missing")).unwrap_err();
        assert!(matches!(err, InstallError::Target { .. }), "{err:?}");
        assert!(err.to_string().contains("missing/imagescan"), "{err}");
        let err = install_binary(&dir.path().join("nope"), dir.path()).unwrap_err();
        assert!(matches!(err, InstallError::Source { .. }), "{err:?}");
    }
}
