//! Render (SPEC §7): the manifests of a directory, as one `---`-separated stream.
//!
//! This module owns the streaming core of `render [DIR]`: listing the manifest files in
//! order ([`walk`]), reading each into one reused buffer, handing its bytes to a
//! caller-given transform (the CLI plugs the marker resolver in), splitting the result
//! into documents and keeping the Kubernetes objects ([`documents`]), and writing them to
//! the caller's writer ([`stream`]). It also copies DIR for `render -- CMD` ([`copy`]).
//! It does not parse YAML, resolve markers, run commands or print: speed comes from
//! touching each byte a few times at most (one read, one `memchr` pass, one write).

pub mod copy;
pub mod documents;
pub mod handles;
pub mod runs;
pub mod stream;
pub mod walk;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

pub use copy::{CopySummary, copy_tree};
pub use documents::{Document, Documents, Format, documents};
pub use runs::{Run, runs};
pub use stream::StreamWriter;
pub use walk::{Excludes, ManifestFile, WalkError, manifest_files, marker_files};

/// Largest manifest file read by default (a file larger than this is an error).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Files to skip (`--exclude`).
    pub excludes: Excludes,
    /// Largest file read; a larger one is an error naming it.
    pub max_file_bytes: u64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            excludes: Excludes::none(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// What a render did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderSummary {
    /// Manifest files read.
    pub files: usize,
    /// Files the transform changed.
    pub transformed: usize,
    /// Documents written.
    pub documents: usize,
    /// Bytes read.
    pub bytes_read: u64,
    /// Bytes written.
    pub bytes_written: u64,
}

/// Renders the manifests under `dir` to `out`.
///
/// `transform` gets each file's path relative to `dir` and its bytes, and returns
/// `Ok(None)` to keep them or `Ok(Some(new))` to render `new` instead. Output is
/// streamed: on an error, what was written before it stays written — pass a `Vec<u8>` and
/// copy it out after success when nothing may be emitted on failure. `out` is flushed at
/// the end; give it a large buffer (e.g. a 1 MiB `BufWriter`).
pub fn render<W, F, E>(
    dir: &Path,
    options: &RenderOptions,
    transform: F,
    out: W,
) -> Result<RenderSummary, RenderError<E>>
where
    W: Write,
    F: FnMut(&Path, &[u8]) -> Result<Option<Vec<u8>>, E>,
    E: std::error::Error + 'static,
{
    let files = manifest_files(dir, &options.excludes)?;
    render_files(dir, &files, options.max_file_bytes, transform, out)
}

/// Renders the given files (from [`manifest_files`]) of `dir` to `out`; see [`render`].
pub fn render_files<W, F, E>(
    dir: &Path,
    files: &[ManifestFile],
    max_file_bytes: u64,
    mut transform: F,
    out: W,
) -> Result<RenderSummary, RenderError<E>>
where
    W: Write,
    F: FnMut(&Path, &[u8]) -> Result<Option<Vec<u8>>, E>,
    E: std::error::Error + 'static,
{
    let mut stream = StreamWriter::new(out);
    let mut summary = RenderSummary::default();
    let mut buffer = Vec::new();
    for file in files {
        let len = read_file(&file.path, max_file_bytes, &mut buffer).map_err(|err| match err {
            ReadError::TooLarge => RenderError::TooLarge {
                path: dir.join(&file.relative),
                limit: max_file_bytes,
            },
            ReadError::Io(source) => RenderError::Read {
                path: dir.join(&file.relative),
                source,
            },
        })?;
        let bytes = &buffer[..len];
        summary.files += 1;
        summary.bytes_read += len as u64;
        let format = if file.json {
            Format::Json
        } else {
            Format::Yaml
        };
        let transformed =
            transform(&file.relative, bytes).map_err(|source| RenderError::Transform {
                path: dir.join(&file.relative),
                source,
            })?;
        let written = match &transformed {
            Some(new) => {
                summary.transformed += 1;
                stream.write_file(new, format)
            }
            None => stream.write_file(bytes, format),
        };
        written.map_err(|source| RenderError::Write { source })?;
    }
    summary.documents = stream.documents();
    summary.bytes_written = stream.bytes();
    stream
        .finish()
        .map_err(|source| RenderError::Write { source })?;
    Ok(summary)
}

enum ReadError {
    TooLarge,
    Io(io::Error),
}

/// Reads a whole file into the front of `buffer` (kept at its largest size, so that
/// nothing is zeroed or allocated again for files that fit) and returns its length.
/// One `fstat` sizes the read: a file of n bytes costs one read of n bytes plus the read
/// that sees the end, like `read_to_end` with its size hint.
fn read_file(path: &Path, limit: u64, buffer: &mut Vec<u8>) -> Result<usize, ReadError> {
    let mut file = File::open(path).map_err(ReadError::Io)?;
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > limit {
        return Err(ReadError::TooLarge);
    }
    // One spare byte tells the end of the file from a file that grew since `fstat`.
    let mut want = size as usize + 1;
    let mut filled = 0;
    loop {
        if buffer.len() < want {
            buffer.resize(want, 0);
        }
        match file.read(&mut buffer[filled..want]) {
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(ReadError::Io(err)),
        }
        if filled == want {
            if filled as u64 > limit {
                return Err(ReadError::TooLarge);
            }
            want = (want * 2).min(limit as usize + 1);
        }
    }
}

/// A render failure, naming the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum RenderError<E: std::error::Error + 'static> {
    /// Listing the files failed (unreadable directory, symlink escaping DIR, bad glob).
    #[error(transparent)]
    Walk(#[from] WalkError),
    /// A manifest file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A manifest file is larger than the limit.
    #[error("{} is larger than {limit} bytes; refusing to read it", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The transform (marker resolution) failed for a file.
    #[error("{}: {source}", path.display())]
    Transform {
        /// The file.
        path: PathBuf,
        /// The transform's error.
        source: E,
    },
    /// Writing the output failed.
    #[error("cannot write the rendered output: {source}")]
    Write {
        /// The underlying error.
        source: io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_file_reuses_the_buffer_and_bounds_size() {
        let dir = tempfile::tempdir().unwrap();
        let cases: &[(&str, usize)] = &[("big", 10_000), ("small", 3), ("empty", 0), ("mid", 5000)];
        let mut buffer = Vec::new();
        for (name, size) in cases {
            let path = dir.path().join(name);
            let content: Vec<u8> = (0..*size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            let len = read_file(&path, 10_000, &mut buffer).ok().unwrap();
            assert_eq!(&buffer[..len], &content[..], "{name}");
        }
        let path = dir.path().join("over");
        std::fs::write(&path, vec![b'x'; 10_001]).unwrap();
        assert!(matches!(
            read_file(&path, 10_000, &mut buffer),
            Err(ReadError::TooLarge)
        ));
    }
}
