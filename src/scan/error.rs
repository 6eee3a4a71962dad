//! Why a scan failed. Every error names the scan and where it is defined.

use crate::text::ShowPath as _;
use std::fmt;
use std::path::PathBuf;

use crate::cache::{CacheError, FetchError};
use crate::class::{Class, Classified as _};
use crate::credentials::CredentialError;
use crate::policy::NoTagSelected;
use crate::source::SourceError;

/// A scan that produced no value: which scan, and why.
#[derive(Debug, thiserror::Error)]
#[error("scan {scan} ({path}:{line}), image {image}", path = .path.shown())]
pub struct ScanError {
    /// The scan's `tagName`.
    pub scan: String,
    /// The file defining it.
    pub path: PathBuf,
    /// The line defining it.
    pub line: usize,
    /// The image scanned.
    pub image: String,
    /// Why it failed.
    #[source]
    pub cause: ScanFailure,
}

/// The reasons a scan fails.
#[derive(Debug, thiserror::Error)]
pub enum ScanFailure {
    /// The source could not list tags or resolve the digest.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The cache failed, or the refresh failed with nothing usable cached.
    #[error(transparent)]
    Fetch(#[from] FetchError<SourceError>),
    /// The cache directory could not be opened.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The scan's credentials could not be read.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// The policy kept no tag.
    #[error(transparent)]
    NoTag(#[from] NoTagSelected),
}

impl ScanError {
    /// Whether the failure is the user's input (exit 2) rather than operational (exit 1).
    pub fn is_invalid_input(&self) -> bool {
        matches!(&self.cause, ScanFailure::Credentials(e) if e.class() == Class::Invalid)
    }
}

/// Several scan failures, reported together.
#[derive(Debug, thiserror::Error)]
pub struct ScanErrors(pub Vec<ScanError>);

impl fmt::Display for ScanErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                write!(f, ": {cause}")?;
                source = cause.source();
            }
        }
        Ok(())
    }
}
