//! Writing files so that a reader, or a crash, never sees a torn one.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes` atomically: a temporary file in the same directory,
/// written, flushed to disk, given the original's permissions, then renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let permissions = fs::metadata(path).map(|m| m.permissions()).ok();
    let mut temp = tempfile::Builder::new()
        .prefix(".imagescan-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions)?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
