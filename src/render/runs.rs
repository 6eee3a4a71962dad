//! The rendered documents of a file as byte ranges ([`Run`]s), found in the first pass,
//! so that the second pass writes a file held in memory as a few slices of it
//! ([`super::Gather::runs`]) without splitting it into documents again.
//!
//! A run is a stretch of the file written as it is. Consecutive rendered documents
//! separated in the file by exactly `---\n` form one run: the stream writes that very
//! separator between them, so the bytes are the same.

use std::ops::Range;

use super::documents::{Format, documents};

/// A range of a file written as it is, then a newline when the last document in it lacks
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Byte range in the file.
    pub range: Range<usize>,
    /// Rendered documents in the range.
    pub documents: usize,
    /// Whether a `\n` follows (the range's last document does not end with one).
    pub newline: bool,
}

/// The runs of `bytes`, in order: what [`super::Gather::documents_of`] would write,
/// except the `---\n` before each run, which the stream writes.
pub fn runs(bytes: &[u8], format: Format) -> Vec<Run> {
    let base = bytes.as_ptr() as usize;
    let mut runs: Vec<Run> = Vec::new();
    for document in documents(bytes, format).filter(|d| d.is_rendered()) {
        let start = document.bytes.as_ptr() as usize - base;
        let end = start + document.bytes.len();
        let newline = !document.bytes.ends_with(b"\n");
        if let Some(last) = runs.last_mut()
            && !last.newline
            && last.range.end + 4 == start
            && &bytes[last.range.end..start] == b"---\n"
        {
            last.range.end = end;
            last.documents += 1;
            last.newline = newline;
            continue;
        }
        runs.push(Run {
            range: start..end,
            documents: 1,
            newline,
        });
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Gather;

    /// Writing the runs' bytes with the stream's separators gives what the stream writes.
    fn through_runs(files: &[(&str, Format)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut written = 0;
        for (text, format) in files {
            for run in runs(text.as_bytes(), *format) {
                if written > 0 {
                    out.extend_from_slice(b"---\n");
                }
                out.extend_from_slice(&text.as_bytes()[run.range.clone()]);
                if run.newline {
                    out.push(b'\n');
                }
                written += run.documents;
            }
        }
        out
    }

    #[test]
    fn runs_write_what_the_stream_writes() {
        let cases: &[&[(&str, Format)]] = &[
            &[(
                "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n",
                Format::Yaml,
            )],
            &[(
                "---\napiVersion: v1\nkind: A\n--- # c\napiVersion: v1\nkind: B",
                Format::Yaml,
            )],
            &[(
                "apiVersion: v1\nkind: A\n---\nkind: Kustomization\napiVersion: v1\n---\napiVersion: v1\nkind: C\n",
                Format::Yaml,
            )],
            &[
                (
                    "apiVersion: v1\r\nkind: D\r\n---\r\napiVersion: v1\r\nkind: E\r\n",
                    Format::Yaml,
                ),
                ("image: x\n", Format::Yaml),
                ("{\"apiVersion\": \"v1\", \"kind\": \"E\"}", Format::Json),
                (
                    "apiVersion: v1\nkind: F\n...\n---\napiVersion: v1\nkind: G\n",
                    Format::Yaml,
                ),
            ],
        ];
        for files in cases {
            let mut stream = Gather::new();
            for (text, format) in *files {
                stream.documents_of(text.as_bytes(), *format);
            }
            let mut expected = Vec::new();
            stream.write_to(&mut expected).unwrap();
            assert_eq!(
                String::from_utf8(through_runs(files)).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{files:?}"
            );
        }
    }

    #[test]
    fn adjacent_documents_form_one_run() {
        let text =
            "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n---\napiVersion: v1\nkind: C\n";
        let found = runs(text.as_bytes(), Format::Yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].range, 0..text.len());
        assert_eq!(found[0].documents, 3);
    }
}
