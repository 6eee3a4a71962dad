//! The stable codes of diagnostics: one variant per kind of problem, each with the
//! kebab-case string users see in brackets (`[invalid-duration]`), grep for, and may
//! match in CI. The strings never change once released; docs/configuration.md and
//! docs/markers.md list every one (tests/diagnostic_codes.rs checks both ways).

use std::fmt;

/// Which page documents a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Configuration files (docs/configuration.md).
    Config,
    /// Markers in manifests (docs/markers.md).
    Marker,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal in $area:ident,)*) => {
        /// The kind of a [`Diagnostic`](super::Diagnostic), with a stable kebab-case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            /// The page that documents it.
            pub fn area(self) -> Area {
                match self {
                    $(Code::$variant => Area::$area,)*
                }
            }
        }
    };
}

codes! {
    /// The file is not valid YAML.
    YamlSyntax = "yaml-syntax" in Config,
    /// More than one YAML document in a configuration file.
    MultipleDocuments = "multiple-documents" in Config,
    /// A configuration file over the size limit.
    FileTooLarge = "file-too-large" in Config,
    /// A configuration file that is not UTF-8.
    NotUtf8 = "not-utf8" in Config,
    /// A key imagescan does not know.
    UnknownField = "unknown-field" in Config,
    /// A value of the wrong YAML type.
    WrongType = "wrong-type" in Config,
    /// A required key is absent.
    MissingField = "missing-field" in Config,
    /// A `tagName` that cannot name a scan.
    InvalidTagName = "invalid-tag-name" in Config,
    /// An image reference that does not parse.
    InvalidImage = "invalid-image" in Config,
    /// An interval that is not a Go duration.
    InvalidDuration = "invalid-duration" in Config,
    /// A platform that is not os/arch[/variant].
    InvalidPlatform = "invalid-platform" in Config,
    /// A `secretRef.name` that is not a Kubernetes secret name.
    InvalidSecretRef = "invalid-secret-ref" in Config,
    /// More than one policy in imagescan.yaml.
    ConflictingPolicies = "conflicting-policies" in Config,
    /// A semver range that does not parse.
    InvalidSemverRange = "invalid-semver-range" in Config,
    /// A numerical order other than asc or desc.
    InvalidOrder = "invalid-order" in Config,
    /// A regular expression that does not compile.
    InvalidPattern = "invalid-pattern" in Config,
    /// An `extract` naming a group the pattern lacks.
    InvalidExtract = "invalid-extract" in Config,
    /// A registry host with a scheme or path.
    InvalidHost = "invalid-host" in Config,
    /// A registry endpoint that is not an http(s) URL.
    InvalidEndpoint = "invalid-endpoint" in Config,
    /// A `rateLimit` that is not a positive number of requests per second.
    InvalidRateLimit = "invalid-rate-limit" in Config,
    /// A path that is empty or otherwise unusable.
    InvalidPath = "invalid-path" in Config,
    /// A path that does not exist.
    MissingPath = "missing-path" in Config,
    /// A file where a directory is expected, or the reverse.
    WrongPathKind = "wrong-path-kind" in Config,
    /// A functionConfig whose apiVersion or kind is not imagescan.dev/v1alpha1 ImageScan.
    WrongKind = "wrong-kind" in Config,
    /// A relative path (or symlink) leading outside the repository.
    PathOutsideRepository = "path-outside-repository" in Config,
    /// One scan name defined twice for one directory.
    DuplicateScan = "duplicate-scan" in Config,
    /// One registry host defined twice for one directory.
    DuplicateRegistry = "duplicate-registry" in Config,
    /// A warning: fleet.yaml gave two policies and one is ignored.
    PolicyIgnored = "policy-ignored" in Config,
    /// A comment with `$imagescan` that is not a valid marker.
    MalformedMarker = "malformed-marker" in Marker,
    /// A `:FORM` suffix that names no form.
    UnknownForm = "unknown-form" in Marker,
    /// A marker that controls no single-line scalar.
    MarkerWithoutScalar = "marker-without-scalar" in Marker,
    /// Two markers control one scalar.
    DuplicateMarker = "duplicate-marker" in Marker,
    /// A marker naming a scan not defined for its directory.
    UndefinedScan = "undefined-scan" in Marker,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                !s.is_empty()
                    && s.split('-').all(|w| !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{s} is not kebab-case"
            );
            assert_eq!(code.to_string(), s);
        }
    }
}
