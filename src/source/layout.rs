//! OCI image layouts on disk as a tag source (SPEC §5, `registries[].layout`).
//!
//! STUB: the layout work fills this in.

use std::path::PathBuf;

/// A failure reading an OCI image layout.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The repository has no layout directory.
    #[error("no OCI layout for repository {repository} in {}", dir.display())]
    MissingRepository {
        /// The repository asked for.
        repository: String,
        /// The layouts directory searched.
        dir: PathBuf,
    },
}
