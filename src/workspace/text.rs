//! The pipeline over one text held in memory (the stdin of `post-render` and `fn`): plan
//! the text's markers, run the scans they need, and give the byte replacements — nothing
//! is replaced when anything fails. The text is one "file" for scoping: its scans come
//! from configuration that applies everywhere ([`STDIN_SCOPE`]).

use std::io::{self, IoSlice, Write};
use std::path::Path;

use crate::config::ConfigSet;
use crate::marker::Marker;
use crate::scan::Scanner;

use super::{Error, Found, Plan, Replacement, Warning};

/// Where text read from stdin is placed for scoping: configuration loaded with
/// [`ConfigSet::load_files`] or [`ConfigSet::from_document`] applies to it.
pub const STDIN_SCOPE: &str = "/dev/stdin";

/// A resolved text: its replacements, and what the user should know.
#[derive(Debug, Clone, Default)]
pub struct ResolvedText {
    /// Byte replacements in text order (none when nothing changes).
    pub replacements: Vec<Replacement>,
    /// What the scans warned about.
    pub warnings: Vec<Warning>,
}

/// Resolves the markers of `text`, named `shown` in diagnostics: `found`, its markers
/// when they were found while it was read ([`crate::marker::DocumentWindows`]), else
/// they are looked for now.
pub fn resolve_text(
    config: &ConfigSet,
    shown: &Path,
    text: &[u8],
    found: Option<Vec<Marker>>,
    scanner: &Scanner,
) -> Result<ResolvedText, Error> {
    let mut plan = Plan::new(config);
    let found = match found {
        Some(markers) => Found::Markers(markers),
        None => Found::in_text(text),
    };
    let file = plan.add_found(shown, Path::new(STDIN_SCOPE), found);
    plan.problems().map_err(Error::Problems)?;
    let Some(file) = file else {
        return Ok(ResolvedText::default());
    };
    let scanned = plan.run(scanner)?;
    Ok(ResolvedText {
        replacements: scanned.replacements(&file)?,
        warnings: scanned.warnings(),
    })
}

/// `text` with `replacements` (sorted, not overlapping) applied, appended to `out`.
pub fn apply_replacements(text: &[u8], replacements: &[Replacement], out: &mut Vec<u8>) {
    out.reserve(text.len() + replacements.iter().map(|r| r.bytes.len()).sum::<usize>());
    let mut copied = 0;
    for r in replacements {
        out.extend_from_slice(&text[copied..r.range.start]);
        out.extend_from_slice(&r.bytes);
        copied = r.range.end;
    }
    out.extend_from_slice(&text[copied..]);
}

/// `writev` takes at most this many slices per call (`IOV_MAX` on Linux).
const SLICES_PER_WRITE: usize = 1024;

/// Writes `text` with `replacements` (sorted, not overlapping) applied to `out`, as
/// slices of `text` and of the replacements (`writev`): nothing is copied.
pub fn write_replaced(
    text: &[u8],
    replacements: &[Replacement],
    out: &mut impl Write,
) -> io::Result<()> {
    let mut slices = Vec::with_capacity(2 * replacements.len() + 1);
    let mut copied = 0;
    for r in replacements {
        slices.push(IoSlice::new(&text[copied..r.range.start]));
        slices.push(IoSlice::new(&r.bytes));
        copied = r.range.end;
    }
    slices.push(IoSlice::new(&text[copied..]));
    slices.retain(|s| !s.is_empty());
    for mut batch in slices.chunks_mut(SLICES_PER_WRITE) {
        while !batch.is_empty() {
            match out.write_vectored(batch) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut batch, n),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most 5 bytes per call, as a pipe may.
    struct Trickle(Vec<u8>);

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(5);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Replacements of one text: (range, new bytes).
    type Case<'a> = &'a [(std::ops::Range<usize>, &'a [u8])];

    #[test]
    fn written_and_applied_replacements_agree() {
        let text = b"image: a:1 # m\ntag: '2' # m\nend";
        let cases: &[Case<'_>] = &[
            &[],
            &[(7..10, b"a:9")],
            &[
                (0..0, b"x"),
                (7..10, b"a:10"),
                (20..23, b"'3'"),
                (31..31, b"\nresults: []"),
            ],
        ];
        for replacements in cases {
            let replacements: Vec<Replacement> = replacements
                .iter()
                .map(|(range, bytes)| Replacement {
                    range: range.clone(),
                    bytes: (*bytes).into(),
                })
                .collect();
            let mut applied = Vec::new();
            apply_replacements(text, &replacements, &mut applied);
            let mut written = Trickle(Vec::new());
            write_replaced(text, &replacements, &mut written).unwrap();
            assert_eq!(written.0, applied);
        }
    }
}
