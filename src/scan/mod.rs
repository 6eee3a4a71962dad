//! Running scans: for each scan a command needs, list the image's tags (from an OCI
//! layout, or a registry behind the cache), select one by the scan's policy, and look up
//! the digest when a marker needs it. Scans run concurrently, a bounded number at a time.
//!
//! This module decides *what* to fetch and in which order; fetching itself is
//! [`crate::source`] and [`crate::registry`], freshness is [`crate::cache`], choosing is
//! [`crate::policy`]. It never prints: outcomes and errors are returned per scan.

mod error;
mod outcome;
mod quotas;
mod runner;

pub use error::{ScanError, ScanErrors, ScanFailure};
pub use outcome::{Origin, ScanOutcome};
pub use runner::{ScanJob, ScanOptions, Scanner};
