//! Why a scan failed. Every error names the scan and where it is defined.

use std::path::PathBuf;

use crate::policy::NoTagSelected;
use crate::source::SourceError;

/// A scan that produced no value.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The source could not list tags or resolve the digest.
    #[error("scan {scan} ({path}:{line}): {image}: {source}", path = .path.display())]
    Source {
        /// The scan's `tagName`.
        scan: String,
        /// The file defining it.
        path: PathBuf,
        /// The line defining it.
        line: usize,
        /// The image scanned.
        image: String,
        /// The cause.
        source: SourceError,
    },
    /// The policy kept no tag.
    #[error("scan {scan} ({path}:{line}): {image}: {source}", path = .path.display())]
    NoTag {
        /// The scan's `tagName`.
        scan: String,
        /// The file defining it.
        path: PathBuf,
        /// The line defining it.
        line: usize,
        /// The image scanned.
        image: String,
        /// How many tags were seen and kept.
        source: NoTagSelected,
    },
}
