//! The pipeline over one text held in memory (the stdin of `post-render` and `fn`): plan
//! the text's markers, run the scans they need, and give the byte replacements — nothing
//! is replaced when anything fails. The text is one "file" for scoping: its scans come
//! from configuration that applies everywhere ([`STDIN_SCOPE`]).

use std::path::Path;

use crate::config::ConfigSet;
use crate::scan::Scanner;

use super::{Error, Plan, Replacement, Warning};

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

/// Resolves the markers of `text`, named `shown` in diagnostics.
pub fn resolve_text(
    config: &ConfigSet,
    shown: &Path,
    text: &[u8],
    scanner: &Scanner,
) -> Result<ResolvedText, Error> {
    let mut plan = Plan::new(config);
    let file = plan.add_file(shown, Path::new(STDIN_SCOPE), text);
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
