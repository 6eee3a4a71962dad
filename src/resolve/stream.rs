//! Resolving markers in text held in memory (the stdin of `post-render` and `fn`): plan
//! the text's markers, run the scans they need, and give the byte replacements — nothing
//! is replaced when anything fails. The text is one "file" for scoping: its scans come
//! from configuration that applies everywhere (scope `/`).

use std::path::Path;

use super::{Plan, Replacement, RewriteError};
use crate::config::ConfigSet;
use crate::diagnostic::Diagnostics;
use crate::scan::{ScanErrors, ScanOutcome, Scanner};

/// Where text read from stdin is placed for scoping: configuration loaded with
/// [`ConfigSet::load_files`] or [`ConfigSet::from_document`] applies to it.
pub const STDIN_SCOPE: &str = "/dev/stdin";

/// Why text in memory could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Marker problems (undefined scans, malformed markers…), lines counted in the text.
    #[error(transparent)]
    Invalid(Diagnostics),
    /// Scans that gave no value.
    #[error(transparent)]
    Scans(ScanErrors),
    /// A value could not be written.
    #[error(transparent)]
    Rewrite(RewriteError),
}

/// Something a scan warned about (e.g. a stale cache entry served).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanWarning {
    /// The scan's name.
    pub scan: String,
    /// The warning.
    pub message: String,
}

/// A resolved text: its replacements, and what the scans warned about.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Byte replacements in text order (none when nothing changes).
    pub replacements: Vec<Replacement>,
    /// What the scans warned about.
    pub warnings: Vec<ScanWarning>,
}

/// Runs the plan's scans; every failure is returned, or every outcome (indexed like
/// [`Plan::jobs`]) with the scans' warnings.
pub fn run_jobs(
    plan: &Plan<'_>,
    scanner: &Scanner,
) -> Result<(Vec<ScanOutcome>, Vec<ScanWarning>), ScanErrors> {
    let mut outcomes = Vec::with_capacity(plan.jobs.len());
    let mut errors = Vec::new();
    for result in scanner.run(&plan.jobs) {
        match result {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(ScanErrors(errors));
    }
    let warnings = plan
        .jobs
        .iter()
        .zip(&outcomes)
        .filter_map(|(job, o)| {
            Some(ScanWarning {
                scan: job.scan.name.clone(),
                message: o.warning.clone()?,
            })
        })
        .collect();
    Ok((outcomes, warnings))
}

/// Resolves the markers of `text`, named `shown` in diagnostics.
pub fn resolve_text(
    config: &ConfigSet,
    shown: &Path,
    text: &[u8],
    scanner: &Scanner,
) -> Result<Resolved, StreamError> {
    let mut plan = Plan::new(config);
    let file = plan.add_file(shown, Path::new(STDIN_SCOPE), text);
    plan.problems().map_err(StreamError::Invalid)?;
    let Some(file) = file else {
        return Ok(Resolved::default());
    };
    let (outcomes, warnings) = run_jobs(&plan, scanner).map_err(StreamError::Scans)?;
    let replacements = plan
        .replacements(&file, &outcomes)
        .map_err(StreamError::Rewrite)?;
    Ok(Resolved {
        replacements,
        warnings,
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
