//! Writing the rendered documents of many files as one `---`-separated stream.
//!
//! Each kept document is written with its bytes unchanged, followed by a newline when it
//! lacks one; documents are separated by `---\n` (none before the first, none after the
//! last). The writer is the caller's: give it a large buffer (`BufWriter` of ~1 MiB) for
//! speed, or a `Vec<u8>` to emit nothing until everything succeeded.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::documents::{Format, documents};
use super::runs::Run;

/// Accumulates documents into one stream.
#[derive(Debug)]
pub struct StreamWriter<W: Write> {
    out: W,
    documents: usize,
    bytes: u64,
}

impl<W: Write> StreamWriter<W> {
    /// A stream written to `out`.
    pub fn new(out: W) -> Self {
        StreamWriter {
            out,
            documents: 0,
            bytes: 0,
        }
    }

    /// Writes the rendered documents of one file's bytes; returns how many it wrote.
    pub fn write_file(&mut self, bytes: &[u8], format: Format) -> io::Result<usize> {
        let mut written = 0;
        for document in documents(bytes, format) {
            if !document.is_rendered() {
                continue;
            }
            if self.documents > 0 {
                self.out.write_all(b"---\n")?;
                self.bytes += 4;
            }
            self.out.write_all(document.bytes)?;
            self.bytes += document.bytes.len() as u64;
            if !document.bytes.ends_with(b"\n") {
                self.out.write_all(b"\n")?;
                self.bytes += 1;
            }
            self.documents += 1;
            written += 1;
        }
        Ok(written)
    }

    /// Writes the [`Run`]s of `file` (computed from its bytes when they were read) by
    /// copying from the file: with `W` a `BufWriter` over stdout or a file, the kernel
    /// copies (`copy_file_range`, `sendfile`, `splice`) and the bytes never pass through
    /// this process. Returns how many documents it wrote.
    pub fn copy_runs(&mut self, file: &File, runs: &[Run]) -> io::Result<usize> {
        let mut written = 0;
        for run in runs {
            if self.documents > 0 {
                self.out.write_all(b"---\n")?;
                self.bytes += 4;
            }
            let mut reader = file;
            reader.seek(SeekFrom::Start(run.range.start as u64))?;
            let len = (run.range.end - run.range.start) as u64;
            let copied = io::copy(&mut reader.take(len), &mut self.out)?;
            if copied != len {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file became shorter while it was rendered",
                ));
            }
            self.bytes += len;
            if run.newline {
                self.out.write_all(b"\n")?;
                self.bytes += 1;
            }
            self.documents += run.documents;
            written += run.documents;
        }
        Ok(written)
    }

    /// How many documents were written.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// How many bytes were written.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream() {
        let mut stream = StreamWriter::new(Vec::new());
        let files: &[(&str, Format, usize)] = &[
            ("apiVersion: v1\nkind: A\n", Format::Yaml, 1),
            ("image: x\n", Format::Yaml, 0),
            (
                "---\napiVersion: v1\nkind: B\n--- # c\nkind: Kustomization\napiVersion: v1\n---\napiVersion: v1\nkind: C",
                Format::Yaml,
                2,
            ),
            ("apiVersion: v1\r\nkind: D\r\n", Format::Yaml, 1),
            ("{\"apiVersion\": \"v1\", \"kind\": \"E\"}", Format::Json, 1),
        ];
        for (bytes, format, count) in files {
            assert_eq!(
                stream.write_file(bytes.as_bytes(), *format).unwrap(),
                *count,
                "{bytes:?}"
            );
        }
        assert_eq!(stream.documents(), 5);
        let bytes = stream.bytes();
        let out = stream.finish().unwrap();
        assert_eq!(bytes, out.len() as u64);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n---\napiVersion: v1\nkind: C\n\
             ---\napiVersion: v1\r\nkind: D\r\n---\n{\"apiVersion\": \"v1\", \"kind\": \"E\"}\n"
        );
    }
}
