//! Where tags and digests come from: a registry over HTTP ([`crate::registry`]) or OCI
//! image layouts on disk ([`layout`]). Both sit behind the [`TagSource`] trait, and the
//! [`crate::cache`] wraps whichever is used.

pub mod layout;
pub mod tags;

pub use tags::Tags;

use crate::platform::Platform;
use crate::reference::Reference;

/// Lists tags and resolves digests for repositories of one registry host.
pub trait TagSource {
    /// Every tag of the repository, in the order the source lists them.
    fn list_tags(&self, reference: &Reference) -> Result<Tags, SourceError>;

    /// The digest of `tag`: the one the source returns for the tag (an index's own digest
    /// for a multi-arch image), or with `platform`, that platform's manifest digest.
    fn digest(
        &self,
        reference: &Reference,
        tag: &str,
        platform: Option<&Platform>,
    ) -> Result<String, SourceError>;
}

/// A failure to list tags or resolve a digest.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading an OCI image layout failed.
    #[error(transparent)]
    Layout(#[from] layout::LayoutError),
    /// Talking to a registry failed.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
}
