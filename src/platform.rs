//! Platforms (`os/arch[/variant]`) and containerd-style matching (SPEC §5), pure code.
//!
//! STUB: the public surface is fixed; the layout work fills in the bodies.

use std::fmt;
use std::str::FromStr;

/// A normalised platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    /// Operating system, e.g. `linux`.
    pub os: String,
    /// Architecture, normalised (`aarch64` → `arm64`, `x86_64` → `amd64`).
    pub architecture: String,
    /// Variant, normalised (`arm64` has `v8` or none).
    pub variant: Option<String>,
}

impl Platform {
    /// Whether a manifest descriptor's platform matches this one, the way containerd
    /// normalises (`linux/arm64` matches `arm64` with variant `v8` or none).
    pub fn matches(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        let _ = (os, architecture, variant);
        unimplemented!("platform matching")
    }
}

impl FromStr for Platform {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let _ = s;
        unimplemented!("platform parsing")
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

/// A platform string that is not `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid platform {0:?}: expected os/arch[/variant], e.g. linux/arm64")]
pub struct PlatformError(pub String);
