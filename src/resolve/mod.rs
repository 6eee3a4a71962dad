//! Resolving markers across a set of files — the pipeline shared by `render`, `resolve`,
//! `check` and `writeback`: find every file's markers ([`crate::marker`]), match each to
//! the scan that applies to its file ([`crate::config`]), run each needed scan once
//! ([`crate::scan`]), then compute every file's new bytes.
//!
//! It works in two steps so that nothing is written when anything fails: [`Plan`]
//! collects markers and problems from every file (pure over the bytes given), and after
//! the scans ran, [`Plan::rewrite`] produces a file's new text. Reading and writing files
//! is the caller's.

mod plan;
mod stream;

pub use plan::{FileMarkers, Found, Plan, PlannedMarker, Replacement, RewriteError};
pub use stream::{
    Resolved, STDIN_SCOPE, ScanWarning, StreamError, apply_replacements, resolve_text, run_jobs,
};
