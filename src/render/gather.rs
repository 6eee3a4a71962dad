//! The rendered stream as a list of byte slices written with `writev`: the documents of
//! files held in memory, with the new values of marked scalars in place of the old ones,
//! joined by `---` lines, assembled without copying a byte.
//!
//! Each rendered document is written with its bytes unchanged, followed by a newline when
//! it lacks one; documents are separated by `---\n` (none before the first, none after
//! the last).

use std::io::{self, IoSlice, Write};
use std::ops::Range;

use super::documents::{Format, documents};
use super::runs::Run;

/// `writev` takes at most this many slices per call (`IOV_MAX` on Linux).
const SLICES_PER_WRITE: usize = 1024;

/// Slices to write, and how many documents the stream has had so far.
#[derive(Debug, Default)]
pub struct Gather<'a> {
    slices: Vec<IoSlice<'a>>,
    documents: usize,
}

impl<'a> Gather<'a> {
    /// An empty stream.
    pub fn new() -> Self {
        Gather::default()
    }

    /// An empty gather that continues `stream` (written before it): the first document
    /// it takes gets its separator. See [`Gather::resume`].
    pub fn after(stream: &Gather<'_>) -> Self {
        Gather {
            slices: Vec::new(),
            documents: stream.documents,
        }
    }

    /// Takes up the count of `after` (made by [`Gather::after`] and written since).
    pub fn resume(&mut self, after: &Gather<'_>) {
        debug_assert!(self.slices.is_empty() && after.slices.is_empty());
        self.documents = after.documents;
    }

    /// How many documents the stream has had.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// Adds the [`Run`]s of a file's `bytes` (computed from them), with `patches` —
    /// ranges of `bytes`, sorted and not overlapping, and the bytes written instead —
    /// applied; patches outside the runs (in documents not rendered) are passed over.
    pub fn runs(
        &mut self,
        bytes: &'a [u8],
        runs: &[Run],
        patches: impl IntoIterator<Item = (Range<usize>, &'a [u8])>,
    ) {
        let mut patches = patches.into_iter().peekable();
        for run in runs {
            self.separate();
            let mut at = run.range.start;
            while patches.next_if(|(range, _)| range.start < at).is_some() {}
            while let Some((range, new)) = patches.next_if(|(range, _)| range.end <= run.range.end)
            {
                self.push(&bytes[at..range.start]);
                self.push(new);
                at = range.end;
            }
            self.push(&bytes[at..run.range.end]);
            if run.newline {
                self.push(b"\n");
            }
            self.documents += run.documents;
        }
    }

    /// Adds the rendered documents of a file's `bytes`; returns how many.
    pub fn documents_of(&mut self, bytes: &'a [u8], format: Format) -> usize {
        let before = self.documents;
        for document in documents(bytes, format).filter(|d| d.is_rendered()) {
            self.separate();
            self.push(document.bytes);
            if !document.bytes.ends_with(b"\n") {
                self.push(b"\n");
            }
            self.documents += 1;
        }
        self.documents - before
    }

    /// Writes what was added since the last write to `out`, in `writev` calls of at most
    /// [`SLICES_PER_WRITE`] slices, and flushes it.
    pub fn write_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        for batch in self.slices.chunks_mut(SLICES_PER_WRITE) {
            let mut batch = batch;
            while !batch.is_empty() {
                match out.write_vectored(batch) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => IoSlice::advance_slices(&mut batch, n),
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
        }
        self.slices.clear();
        out.flush()
    }

    fn separate(&mut self) {
        if self.documents > 0 {
            self.push(b"---\n");
        }
    }

    fn push(&mut self, bytes: &'a [u8]) {
        if !bytes.is_empty() {
            self.slices.push(IoSlice::new(bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::runs;

    /// Writes `bytes` in pieces of at most `max` bytes, as a pipe may.
    struct Trickle {
        out: Vec<u8>,
        max: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.max);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn documents_are_separated_and_end_in_newlines() {
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
        let mut gather = Gather::new();
        for (bytes, format, count) in files {
            assert_eq!(
                gather.documents_of(bytes.as_bytes(), *format),
                *count,
                "{bytes:?}"
            );
        }
        assert_eq!(gather.documents(), 5);
        let mut out = Trickle {
            out: Vec::new(),
            max: 7,
        };
        gather.write_to(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out.out).unwrap(),
            "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n---\napiVersion: v1\nkind: C\n\
             ---\napiVersion: v1\r\nkind: D\r\n---\n{\"apiVersion\": \"v1\", \"kind\": \"E\"}\n"
        );
    }

    /// Runs with patches give what the documents of the patched text give, across
    /// writes, continued gathers and many slices.
    #[test]
    fn runs_with_patches_equal_the_documents_of_the_patched_text() {
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
        let mut patched_texts = Vec::new();
        let mut inputs = Vec::new();
        for (text, edits) in files.iter().cycle().take(files.len() * 300) {
            let format = if text.starts_with('{') {
                Format::Json
            } else {
                Format::Yaml
            };
            let mut patched = text.to_string();
            let mut patches = Vec::new();
            for (old, new) in *edits {
                let at = text.find(old).unwrap();
                patches.push((at..at + old.len(), new.as_bytes()));
                patched = patched.replacen(old, new, 1);
            }
            patched_texts.push((patched, format));
            inputs.push((text.as_bytes(), runs(text.as_bytes(), format), patches));
        }
        let mut expected = Gather::new();
        for (patched, format) in &patched_texts {
            expected.documents_of(patched.as_bytes(), *format);
        }
        let mut expected_out = Vec::new();
        expected.write_to(&mut expected_out).unwrap();

        let mut out = Trickle {
            out: Vec::new(),
            max: 4000,
        };
        let mut gather = Gather::new();
        for (i, (bytes, runs, patches)) in inputs.iter().enumerate() {
            if i < inputs.len() / 2 && i % 7 == 3 {
                // As render does for a spilled file: write, continue, resume.
                gather.write_to(&mut out).unwrap();
                let mut tail = Gather::after(&gather);
                tail.runs(bytes, runs, patches.iter().cloned());
                tail.write_to(&mut out).unwrap();
                gather.resume(&tail);
            } else {
                gather.runs(bytes, runs, patches.iter().cloned());
            }
        }
        assert!(gather.slices.len() > SLICES_PER_WRITE);
        gather.write_to(&mut out).unwrap();
        assert_eq!(gather.documents(), expected.documents());
        assert_eq!(
            String::from_utf8(out.out).unwrap(),
            String::from_utf8(expected_out).unwrap()
        );
    }
}
