//! The registry as a [`TagSource`]: the bridge between the scan pipeline, which speaks
//! in [`Reference`]s, and [`RegistryClient`], which speaks in repository paths.

use super::client::RegistryClient;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::source::{SourceError, TagSource, Tags};

impl TagSource for RegistryClient {
    fn list_tags(&self, reference: &Reference) -> Result<Tags, SourceError> {
        Ok(self.list_tags_of(&reference.repository)?)
    }

    fn digest(
        &self,
        reference: &Reference,
        tag: &str,
        platform: Option<&Platform>,
    ) -> Result<String, SourceError> {
        Ok(self.manifest_digest(&reference.repository, tag, platform)?)
    }
}
