//! Tag policies (SPEC §4), pure code: given the tags a registry lists, pick one.
//!
//! A [`TagPolicy`] is built once from validated configuration (or `imagescan select`
//! flags) and then applied to tag lists: exclusions, then the `filterTags` pattern and
//! `extract`, then the ordering policy. No I/O happens here, and nothing is printed.
//!
//! Layout: [`semver`] (Masterminds/semver v3 versions and constraints), [`numerical`]
//! and [`alphabetical`] (the other orders), [`filter`] (`filterTags`, `extract`,
//! `exclude` patterns) and `tag_policy` (applying all of it to a tag list).
//! docs/policies.md describes the behaviour for users.

pub mod alphabetical;
pub mod filter;
pub mod numerical;
pub mod semver;
mod tag_policy;

use std::fmt;

pub use filter::{TagFilter, compile_pattern};
pub use tag_policy::{Selection, TagPolicy};

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

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        })
    }
}

/// The ordering policy of a scan.
#[derive(Debug, Clone)]
pub enum Policy {
    /// Masterminds semver constraint; [`semver::Constraints::as_written`] gives the text.
    Semver(semver::Constraints),
    /// Byte-wise order.
    Alphabetical(Order),
    /// Numeric order.
    Numerical(Order),
}

impl Policy {
    /// A semver policy; fails with the reason when the range does not parse.
    pub fn semver(range: &str) -> Result<Self, PolicyError> {
        semver::Constraints::parse(range)
            .map(Policy::Semver)
            .map_err(|e| PolicyError::InvalidConstraint {
                range: range.to_owned(),
                reason: e.to_string(),
            })
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Semver(range) => write!(f, "semver {:?}", range.as_written()),
            Policy::Alphabetical(order) => write!(f, "alphabetical {order}"),
            Policy::Numerical(order) => write!(f, "numerical {order}"),
        }
    }
}

/// No tag was left to select.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no tag matches {policy}: {seen} tags seen, {kept} left after exclude, filterTags and parsing"
)]
pub struct NoTagSelected {
    /// The policy, described for people.
    pub policy: String,
    /// How many tags were given.
    pub seen: usize,
    /// How many survived exclusion, filtering and parsing (as a version or number).
    pub kept: usize,
}

/// An invalid policy definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The semver range does not parse.
    #[error("invalid semver range {range_q}: {reason}", range_q = crate::text::quoted(.range))]
    InvalidConstraint {
        /// The range as written.
        range: String,
        /// Why it does not parse.
        reason: String,
    },
    /// A regular expression does not compile.
    #[error("invalid pattern `{pattern}`: {reason}")]
    InvalidPattern {
        /// The pattern as written.
        pattern: String,
        /// The regex compiler's reason.
        reason: String,
    },
    /// `extract` names a group the pattern does not have.
    #[error("extract `{extract}` names a group that pattern `{pattern}` does not have")]
    InvalidExtract {
        /// The template as written.
        extract: String,
        /// The pattern it refers to.
        pattern: String,
    },
    /// Order is neither `asc` nor `desc`.
    #[error("invalid order {v0_q}: expected asc or desc", v0_q = crate::text::quoted(.0))]
    InvalidOrder(String),
}
