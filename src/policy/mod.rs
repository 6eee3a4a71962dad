//! Tag policies (SPEC §4), pure code: given the tags a registry lists, pick one.
//!
//! A [`TagPolicy`] is built once from validated configuration (or `imagescan select`
//! flags) and then applied to tag lists: exclusions, then the `filterTags` pattern and
//! `extract`, then the ordering policy. No I/O happens here.
//!
//! STUB: the public surface is fixed; the policy work fills in the bodies.

use std::fmt;

/// Which end of the order a policy selects. `Asc` selects the greatest (Flux's meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending order; the last (greatest) tag is selected.
    Asc,
    /// Descending order; the last in that order (the least) is selected.
    Desc,
}

impl std::str::FromStr for Order {
    type Err = PolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "asc" => Ok(Order::Asc),
            "desc" => Ok(Order::Desc),
            _ => Err(PolicyError::InvalidOrder(s.to_owned())),
        }
    }
}

/// The ordering policy of a scan.
#[derive(Debug, Clone)]
pub enum Policy {
    /// Masterminds semver constraint (the range as the user wrote it).
    Semver(String),
    /// Byte-wise order.
    Alphabetical(Order),
    /// Numeric order.
    Numerical(Order),
}

impl Policy {
    /// A semver policy; fails with the reason when the range does not parse.
    pub fn semver(range: &str) -> Result<Self, PolicyError> {
        Ok(Policy::Semver(range.to_owned()))
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Semver(range) => write!(f, "semver {range:?}"),
            Policy::Alphabetical(order) => write!(f, "alphabetical {order:?}"),
            Policy::Numerical(order) => write!(f, "numerical {order:?}"),
        }
    }
}

/// `filterTags`: a pattern tags must match, and optionally the value the policy orders.
#[derive(Debug, Clone)]
pub struct TagFilter {
    pattern: regex::Regex,
    extract: Option<String>,
}

impl TagFilter {
    /// Compiles the pattern; `extract` uses `$name` / `$1` group references.
    pub fn new(pattern: &str, extract: Option<&str>) -> Result<Self, PolicyError> {
        let pattern = regex::Regex::new(pattern).map_err(|e| PolicyError::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            pattern,
            extract: extract.map(str::to_owned),
        })
    }
}

/// A complete, compiled tag policy.
#[derive(Debug, Clone)]
pub struct TagPolicy {
    /// How the kept tags are ordered.
    pub policy: Policy,
    /// `filterTags`, if any.
    pub filter: Option<TagFilter>,
    /// `exclude`: tags matching any of these are dropped first.
    pub exclude: Vec<regex::Regex>,
}

/// The outcome of a selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'t> {
    /// The selected tag, as listed (never the extracted value).
    pub tag: &'t str,
    /// How many tags were given.
    pub seen: usize,
    /// How many survived exclusion, filtering and parsing.
    pub kept: usize,
}

impl TagPolicy {
    /// Selects one tag, or says why none could be.
    pub fn select<'t>(&self, tags: &'t [String]) -> Result<Selection<'t>, NoTagSelected> {
        let _ = tags;
        unimplemented!("policy selection")
    }
}

/// No tag was left to select.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no tag matches {policy}: {seen} tags seen, {kept} kept after filtering")]
pub struct NoTagSelected {
    /// The policy, described for people.
    pub policy: String,
    /// How many tags were given.
    pub seen: usize,
    /// How many survived exclusion and filtering.
    pub kept: usize,
}

/// An invalid policy definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The semver range does not parse.
    #[error("invalid semver range {range:?}: {reason}")]
    InvalidConstraint {
        /// The range as written.
        range: String,
        /// Why it does not parse.
        reason: String,
    },
    /// A regular expression does not compile.
    #[error("invalid pattern {pattern:?}: {reason}")]
    InvalidPattern {
        /// The pattern as written.
        pattern: String,
        /// The regex compiler's reason.
        reason: String,
    },
    /// `extract` names a group the pattern does not have.
    #[error("extract {extract:?} names no group of pattern {pattern:?}")]
    InvalidExtract {
        /// The template as written.
        extract: String,
        /// The pattern it refers to.
        pattern: String,
    },
    /// Order is neither `asc` nor `desc`.
    #[error("invalid order {0:?}: expected asc or desc")]
    InvalidOrder(String),
}
