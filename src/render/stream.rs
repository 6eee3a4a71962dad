//! Writing the rendered documents of many files as one `---`-separated stream.
//!
//! Each kept document is written with its bytes unchanged, followed by a newline when it
//! lacks one; documents are separated by `---\n` (none before the first, none after the
//! last). The writer is the caller's: give it a large buffer (`BufWriter` of ~1 MiB) for
//! speed, or a `Vec<u8>` to emit nothing until everything succeeded.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::Range;
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;

use super::documents::{Format, documents};
use super::runs::Run;

/// Accumulates documents into one stream.
#[derive(Debug)]
pub struct StreamWriter<W: Write> {
    out: W,
    documents: usize,
    bytes: u64,
    /// Whether the output takes `sendfile` (until it refuses once).
    sendfile: bool,
}

impl<W: Write> StreamWriter<W> {
    /// A stream written to `out`.
    pub fn new(out: W) -> Self {
        StreamWriter {
            out,
            documents: 0,
            bytes: 0,
            sendfile: true,
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

/// Copying from files straight to the output, when the output is a file descriptor.
impl<T: Write + AsFd> StreamWriter<BufWriter<T>> {
    /// Writes the [`Run`]s of `file` (computed from its bytes when they were read) by
    /// copying from the file, with `patches` — (range of the file, bytes written instead),
    /// sorted, not overlapping — applied on the way. The kernel copies (`sendfile`): the
    /// file's bytes never pass through this process. Returns how many documents it wrote.
    pub fn copy_runs(
        &mut self,
        file: &File,
        runs: &[Run],
        patches: &[(Range<usize>, &[u8])],
    ) -> io::Result<usize> {
        let mut written = 0;
        let mut patches = patches.iter().peekable();
        for run in runs {
            if self.documents > 0 {
                self.out.write_all(b"---\n")?;
                self.bytes += 4;
            }
            let mut at = run.range.start;
            // Patches of documents that are not rendered are passed over.
            while patches.next_if(|(range, _)| range.start < at).is_some() {}
            while let Some((range, bytes)) =
                patches.next_if(|(range, _)| range.end <= run.range.end)
            {
                self.copy_range(file, at..range.start)?;
                self.out.write_all(bytes)?;
                self.bytes += bytes.len() as u64;
                at = range.end;
            }
            self.copy_range(file, at..run.range.end)?;
            if run.newline {
                self.out.write_all(b"\n")?;
                self.bytes += 1;
            }
            self.documents += run.documents;
            written += run.documents;
        }
        Ok(written)
    }

    /// Copies `range` of `file` to the output: `sendfile` from the file's page cache
    /// (after flushing what is buffered), or reading and writing where the output does
    /// not take `sendfile` (a terminal, say).
    fn copy_range(&mut self, file: &File, range: Range<usize>) -> io::Result<()> {
        let mut offset = range.start as u64;
        let end = range.end as u64;
        if offset < end && self.sendfile {
            self.out.flush()?;
            while offset < end {
                let count = usize::try_from(end - offset).unwrap_or(usize::MAX);
                match rustix::fs::sendfile(self.out.get_ref(), file, Some(&mut offset), count) {
                    Ok(0) => return Err(shrunk()),
                    Ok(_) => {}
                    Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                    Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                        self.sendfile = false;
                        break;
                    }
                    Err(errno) => return Err(errno.into()),
                }
            }
        }
        let mut chunk = [0u8; 64 * 1024];
        while offset < end {
            let want = usize::try_from(end - offset)
                .unwrap_or(usize::MAX)
                .min(chunk.len());
            let n = file.read_at(&mut chunk[..want], offset)?;
            if n == 0 {
                return Err(shrunk());
            }
            self.out.write_all(&chunk[..n])?;
            offset += n as u64;
        }
        self.bytes += (range.end - range.start) as u64;
        Ok(())
    }
}

fn shrunk() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the file became shorter while it was rendered",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::runs;

    /// Copying runs from files with patches gives the bytes that writing the patched
    /// text would: through `sendfile` into a file, and through the read/write fallback.
    #[test]
    fn copied_runs_with_patches_equal_written_documents() {
        let files: &[(&str, &[(&str, &str)])] = &[
            (
                "apiVersion: v1\nkind: A\nimage: a:1\n---\napiVersion: v1\nkind: B\n",
                &[("a:1", "a:22")],
            ),
            ("image: x:1\n", &[("x:1", "x:2")]),
            (
                "kind: Kustomization\napiVersion: v1\nnewTag: t1\n---\napiVersion: v1\nkind: C\ntag: t1",
                &[("t1\n", "XX\n"), ("tag: t1", "tag: t2")],
            ),
            (
                "{\"apiVersion\": \"v1\", \"kind\": \"E\", \"image\": \"e:1\"}",
                &[("e:1", "e:10")],
            ),
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut expected = StreamWriter::new(Vec::new());
        let out_path = dir.path().join("out");
        let mut copied = StreamWriter::new(BufWriter::new(File::create(&out_path).unwrap()));
        let mut fallback_out = Vec::new();
        for (i, (text, edits)) in files.iter().enumerate() {
            let format = if text.starts_with('{') {
                Format::Json
            } else {
                Format::Yaml
            };
            let path = dir.path().join(format!("{i}"));
            std::fs::write(&path, text).unwrap();
            let mut patched = text.to_string();
            let mut patches = Vec::new();
            for (old, new) in *edits {
                let at = text.find(old).unwrap();
                patches.push((at..at + old.len(), new.as_bytes()));
                patched = patched.replacen(old, new, 1);
            }
            expected.write_file(patched.as_bytes(), format).unwrap();
            let file = File::open(&path).unwrap();
            let runs = runs(text.as_bytes(), format);
            copied.copy_runs(&file, &runs, &patches).unwrap();
            // The same through the fallback (`sendfile` refused), into a second stream.
            let mut fallback =
                StreamWriter::new(BufWriter::new(File::create(dir.path().join("fb")).unwrap()));
            fallback.sendfile = false;
            fallback.documents = usize::from(!fallback_out.is_empty());
            fallback.copy_runs(&file, &runs, &patches).unwrap();
            fallback.finish().unwrap();
            fallback_out.extend(std::fs::read(dir.path().join("fb")).unwrap());
        }
        copied.finish().unwrap();
        let expected = String::from_utf8(expected.finish().unwrap()).unwrap();
        assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected);
        assert_eq!(String::from_utf8(fallback_out).unwrap(), expected);
    }

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
