//! Platforms (`os/arch[/variant]`) and containerd-style matching (SPEC §5), pure code.
//!
//! STUB: `matches` is filled in by the OCI layout work.

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
        let invalid = || PlatformError(s.to_owned());
        let mut parts = s.split('/');
        let (Some(os), Some(architecture)) = (parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let variant = parts.next();
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        };
        if parts.next().is_some()
            || !valid(os)
            || !valid(architecture)
            || !variant.is_none_or(valid)
        {
            return Err(invalid());
        }
        let (architecture, variant) = normalize_arch(
            &architecture.to_ascii_lowercase(),
            variant.map(str::to_ascii_lowercase).as_deref(),
        );
        Ok(Platform {
            os: os.to_ascii_lowercase(),
            architecture,
            variant,
        })
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

/// containerd's normalisation of architecture and variant names.
pub(crate) fn normalize_arch(
    architecture: &str,
    variant: Option<&str>,
) -> (String, Option<String>) {
    let (arch, variant) = match (architecture, variant) {
        ("i386", v) => ("386", v),
        ("x86_64" | "x86-64" | "amd64", Some("v1")) => ("amd64", None),
        ("x86_64" | "x86-64", v) => ("amd64", v),
        ("aarch64" | "arm64", Some("8" | "v8")) => ("arm64", None),
        ("aarch64", v) => ("arm64", v),
        ("armhf", _) => ("arm", Some("v7")),
        ("armel", _) => ("arm", Some("v6")),
        ("arm", None | Some("7")) => ("arm", Some("v7")),
        ("arm", Some("5")) => ("arm", Some("v5")),
        ("arm", Some("6")) => ("arm", Some("v6")),
        ("arm", Some("8")) => ("arm", Some("v8")),
        (a, v) => (a, v),
    };
    (arch.to_owned(), variant.map(str::to_owned))
}

/// A platform string that is not `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid platform {0:?}: expected os/arch[/variant], e.g. linux/arm64")]
pub struct PlatformError(pub String);
