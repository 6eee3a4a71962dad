//! Masterminds/semver v3 semantics, written for imagescan: loose and strict version
//! parsing, precedence, and the constraint grammar with its prerelease rule.
//!
//! The `semver` crate implements Cargo's rules, which differ (no `||`, hyphen ranges,
//! `!=`, space AND, `v` prefixes or loose versions, and another prerelease rule), so
//! Fleet-compatible ranges need this module. The upstream test tables live in
//! `testdata/conformance/masterminds/` and `tests/semver_conformance.rs` runs every row.
//! Nothing here knows about tags, filters or I/O.

mod comparator;
mod constraints;
mod version;

pub use constraints::{ConstraintError, Constraints};
pub use version::{Version, VersionError};
