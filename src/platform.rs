//! Platforms (`os/arch[/variant]`) and containerd-style matching (SPEC §5), pure code.
//!
//! Matching is exact after normalisation, as containerd's `platforms.NewMatcher`
//! does: `linux/arm64` matches `arm64` with variant `v8` or none, `linux/arm` is
//! `linux/arm/v7`, `amd64` with variant `v1` is plain `amd64`. A platform without a variant
//! does not match an entry with a different variant (`linux/amd64` vs `amd64/v3`): a digest
//! pin must name exactly one manifest.

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
        let (architecture, variant) = normalize_arch(
            &architecture.to_ascii_lowercase(),
            variant
                .filter(|v| !v.is_empty())
                .map(str::to_ascii_lowercase)
                .as_deref(),
        );
        self.os == normalize_os(os) && self.architecture == architecture && self.variant == variant
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

/// containerd's normalisation of operating system names.
fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".to_owned()
    } else {
        os
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
#[error("invalid platform {v0_q}: expected os/arch[/variant], e.g. linux/arm64", v0_q = crate::text::quoted(.0))]
pub struct PlatformError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
        Platform {
            os: os.to_owned(),
            architecture: architecture.to_owned(),
            variant: variant.map(str::to_owned),
        }
    }

    #[test]
    fn matches_like_containerd() {
        // (wanted, entry os, entry arch, entry variant, expected)
        let cases: &[(Platform, &str, &str, Option<&str>, bool)] = &[
            (
                platform("linux", "arm64", None),
                "linux",
                "arm64",
                None,
                true,
            ),
            (
                platform("linux", "arm64", None),
                "linux",
                "arm64",
                Some("v8"),
                true,
            ),
            (
                platform("linux", "arm64", None),
                "linux",
                "arm64",
                Some("8"),
                true,
            ),
            (
                platform("linux", "arm64", None),
                "linux",
                "aarch64",
                None,
                true,
            ),
            (
                platform("linux", "arm64", None),
                "linux",
                "arm64",
                Some(""),
                true,
            ),
            (
                platform("linux", "arm64", None),
                "linux",
                "arm64",
                Some("v9"),
                false,
            ),
            (
                platform("linux", "arm64", None),
                "linux",
                "amd64",
                None,
                false,
            ),
            (
                platform("linux", "arm64", None),
                "windows",
                "arm64",
                None,
                false,
            ),
            (
                platform("linux", "amd64", None),
                "linux",
                "amd64",
                None,
                true,
            ),
            (
                platform("linux", "amd64", None),
                "linux",
                "x86_64",
                None,
                true,
            ),
            (
                platform("linux", "amd64", None),
                "linux",
                "amd64",
                Some("v1"),
                true,
            ),
            (
                platform("linux", "amd64", None),
                "linux",
                "amd64",
                Some("v3"),
                false,
            ),
            (
                platform("linux", "amd64", None),
                "Linux",
                "AMD64",
                None,
                true,
            ),
            (
                platform("linux", "arm", Some("v7")),
                "linux",
                "arm",
                Some("v7"),
                true,
            ),
            (
                platform("linux", "arm", Some("v7")),
                "linux",
                "arm",
                None,
                true,
            ),
            (
                platform("linux", "arm", Some("v7")),
                "linux",
                "arm",
                Some("7"),
                true,
            ),
            (
                platform("linux", "arm", Some("v7")),
                "linux",
                "armhf",
                None,
                true,
            ),
            (
                platform("linux", "arm", Some("v7")),
                "linux",
                "arm",
                Some("v6"),
                false,
            ),
            (
                platform("linux", "arm", Some("v6")),
                "linux",
                "armel",
                None,
                true,
            ),
            (
                platform("linux", "arm", Some("v6")),
                "linux",
                "arm",
                Some("v7"),
                false,
            ),
            (platform("linux", "386", None), "linux", "i386", None, true),
            (
                platform("darwin", "arm64", None),
                "macos",
                "arm64",
                None,
                true,
            ),
        ];
        for (wanted, os, arch, variant, expected) in cases {
            assert_eq!(
                wanted.matches(os, arch, *variant),
                *expected,
                "{wanted} vs {os}/{arch}/{variant:?}"
            );
        }
    }

    #[test]
    fn parsed_platforms_match_their_entries() {
        let cases = [
            ("linux/arm64", "arm64", Some("v8")),
            ("linux/arm64/v8", "arm64", None),
            ("linux/arm", "arm", Some("v7")),
            ("linux/arm/v7", "arm", None),
            ("linux/amd64", "amd64", None),
        ];
        for (text, arch, variant) in cases {
            let wanted: Platform = text.parse().expect(text);
            assert!(wanted.matches("linux", arch, variant), "{text}");
        }
    }
}
