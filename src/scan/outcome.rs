//! What a scan found.

use serde::Serialize;

/// Where a scan's tags came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Read from an OCI image layout on disk (no cache involved).
    Layout,
    /// A fresh cache entry.
    Cache,
    /// Listed from the registry just now (and cached).
    Registry,
    /// A stale cache entry, served because the refresh failed.
    Stale,
}

impl Origin {
    /// A word for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Layout => "layout",
            Origin::Cache => "cache",
            Origin::Registry => "registry",
            Origin::Stale => "stale-cache",
        }
    }
}

/// The result of one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanOutcome {
    /// How many tags the source listed.
    pub tags_seen: usize,
    /// How many survived exclusion, filtering and parsing.
    pub tags_kept: usize,
    /// The selected tag.
    pub tag: String,
    /// Its digest, when asked for.
    pub digest: Option<String>,
    /// Where the tags came from.
    pub origin: Origin,
    /// Something the user should know (e.g. stale tags served because a refresh failed).
    pub warning: Option<String>,
}
