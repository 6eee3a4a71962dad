//! Image reference parsing and Docker Hub normalisation (SPEC §5), pure code.
//!
//! STUB: the public surface is fixed; the reference work fills in the bodies.

use std::fmt;

/// A parsed image reference: `[host[:port]/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The image as the user spelled it, without tag or digest (`nginx`, `ghcr.io/a/b`).
    pub name: String,
    /// The registry domain: `docker.io` for Docker Hub, else the first component.
    pub domain: String,
    /// The repository path on that registry (`library/nginx` for `nginx`).
    pub repository: String,
    /// The tag in the reference, if any (ignored for scanning).
    pub tag: Option<String>,
    /// The digest in the reference, if any (ignored for scanning).
    pub digest: Option<String>,
}

impl Reference {
    /// Parses a reference following the distribution grammar.
    pub fn parse(input: &str) -> Result<Self, ReferenceError> {
        let _ = input;
        unimplemented!("reference parsing")
    }

    /// The host the registry API is reached at (`registry-1.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.domain == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.domain
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// An image reference that does not follow the grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference {input:?}: {reason}")]
pub struct ReferenceError {
    /// The reference as written.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}
