//! One comparator of a constraint (`>=1.2`, `~1.4.x`, `!=2.0.0-rc.1`) and how it checks a
//! version, with Masterminds/semver v3 semantics.
//!
//! Wildcards are kept as "dirty" levels rather than rewritten into ranges, because
//! upstream gives each operator its own reading of them (`>1.2` means "minor above 2",
//! `<=1.2` means "up to any 1.2.x", `!=1.x` excludes every 1.y.z). The prerelease rule is
//! decided by the caller (the AND group) and passed in. This module does not tokenize.

use std::cmp::Ordering;
use std::fmt;

use super::version::{Version, compare_prerelease};

/// What an operator does; several spellings share one (`>=` and `=>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `=` or nothing: equality, or tilde when a part is a wildcard.
    TildeOrEqual,
    /// `!=`.
    NotEqual,
    /// `>`.
    Greater,
    /// `<`.
    Less,
    /// `>=` or `=>`.
    GreaterEqual,
    /// `<=` or `=<`.
    LessEqual,
    /// `~` or `~>`.
    Tilde,
    /// `^`.
    Caret,
}

impl Op {
    /// The operators as they may be written, longest first so that a prefix scan picks
    /// `>=` over `>`. None of the second characters can start a version, so longest-first
    /// is the only reading that can succeed.
    pub(crate) const SPELLINGS: [(&'static str, Op); 11] = [
        ("!=", Op::NotEqual),
        (">=", Op::GreaterEqual),
        ("=>", Op::GreaterEqual),
        ("<=", Op::LessEqual),
        ("=<", Op::LessEqual),
        ("~>", Op::Tilde),
        ("=", Op::TildeOrEqual),
        (">", Op::Greater),
        ("<", Op::Less),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ];
}

/// Which part of the constraint's version was a wildcard (`x`, `X`, `*`) or missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wildcard {
    /// `1.2.3`: no wildcard.
    None,
    /// `*`, `x.1.2`: everything from the major on (upstream "dirty" alone).
    Major,
    /// `1`, `1.x`: minor and patch (upstream "minorDirty").
    Minor,
    /// `1.2`, `1.2.x`: patch (upstream "patchDirty").
    Patch,
}

/// The pieces of a version as written in a constraint, before wildcards are resolved.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawVersion<'a> {
    /// The whole text, `v` prefix and metadata included.
    pub text: &'a str,
    pub major: &'a str,
    pub minor: Option<&'a str>,
    pub patch: Option<&'a str>,
    /// Without the leading `-`.
    pub pre: Option<&'a str>,
}

/// Why a comparator's version is unusable (e.g. `1.2.3-beta.01`, `1x.2`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text_q} is not a valid version: {reason}", text_q = crate::text::quoted(.text))]
pub(crate) struct BadVersion {
    text: String,
    reason: super::version::VersionError,
}

/// One parsed comparator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comparator {
    op: Op,
    /// The operator as written, for display (`=>` stays `=>`).
    op_text: &'static str,
    /// The version as written, for display.
    text: String,
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    wildcard: Wildcard,
}

fn is_wildcard(part: &str) -> bool {
    matches!(part, "x" | "X" | "*")
}

impl Comparator {
    /// Resolves wildcards the way upstream does: the first wildcard or missing part
    /// zeroes itself and everything after it (keeping only the prerelease), and the
    /// result must then parse as a loose version.
    pub(crate) fn new(
        op: Op,
        op_text: &'static str,
        raw: RawVersion<'_>,
    ) -> Result<Self, BadVersion> {
        let pre = raw.pre.map(|p| format!("-{p}")).unwrap_or_default();
        let (resolved, wildcard) = if is_wildcard(raw.major) {
            (format!("0.0.0{pre}"), Wildcard::Major)
        } else if raw.minor.is_none_or(is_wildcard) {
            (format!("{}.0.0{pre}", raw.major), Wildcard::Minor)
        } else if raw.patch.is_none_or(is_wildcard) {
            let minor = raw.minor.unwrap_or_default();
            (format!("{}.{minor}.0{pre}", raw.major), Wildcard::Patch)
        } else {
            (raw.text.to_owned(), Wildcard::None)
        };
        let version = Version::parse(&resolved).map_err(|reason| BadVersion {
            text: raw.text.to_owned(),
            reason,
        })?;
        Ok(Comparator {
            op,
            op_text,
            text: raw.text.to_owned(),
            major: version.major,
            minor: version.minor,
            patch: version.patch,
            pre: version.pre.to_owned(),
            wildcard,
        })
    }

    /// Whether the comparator's own version names a prerelease.
    pub(crate) fn has_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    fn version(&self) -> Version<'_> {
        Version {
            major: self.major,
            minor: self.minor,
            patch: self.patch,
            pre: &self.pre,
            meta: "",
        }
    }

    /// Checks `v`. `include_prerelease` is the group's decision: when false, any
    /// prerelease version fails whatever the operator.
    pub(crate) fn matches(&self, v: &Version<'_>, include_prerelease: bool) -> bool {
        if v.is_prerelease() && !include_prerelease {
            return false;
        }
        let con = self.version();
        let cmp = v.precedence(&con);
        let dirty = self.wildcard != Wildcard::None;
        let minor_dirty = self.wildcard == Wildcard::Minor;
        let patch_dirty = self.wildcard == Wildcard::Patch;
        match self.op {
            Op::TildeOrEqual if dirty => self.tilde(v, cmp),
            Op::TildeOrEqual => cmp == Ordering::Equal,
            Op::Tilde => self.tilde(v, cmp),
            Op::NotEqual => {
                if dirty {
                    if v.major != con.major {
                        return true;
                    }
                    if minor_dirty {
                        return false;
                    }
                    if v.minor != con.minor {
                        return true;
                    }
                    if patch_dirty {
                        // Same major.minor: only a differing prerelease sets it apart.
                        return (v.is_prerelease() || con.is_prerelease())
                            && compare_prerelease(v.pre, con.pre) != Ordering::Equal;
                    }
                    if v.patch != con.patch {
                        return true;
                    }
                }
                cmp != Ordering::Equal
            }
            Op::Greater => {
                if !dirty || v.major > con.major {
                    return cmp == Ordering::Greater;
                }
                if v.major < con.major || minor_dirty {
                    // `>1` needs 2.0.0 or more: no 1.y.z is above "1".
                    return false;
                }
                if patch_dirty {
                    // `>1.2` needs 1.3.0 or more.
                    return v.minor > con.minor;
                }
                cmp == Ordering::Greater
            }
            Op::Less => cmp == Ordering::Less,
            Op::GreaterEqual => cmp != Ordering::Less,
            Op::LessEqual => {
                if !dirty {
                    return cmp != Ordering::Greater;
                }
                // `<=1.2` admits every 1.2.z, `<=1` every 1.y.z.
                !(v.major > con.major
                    || (v.major == con.major && v.minor > con.minor && !minor_dirty))
            }
            Op::Caret => {
                if cmp == Ordering::Less {
                    return false;
                }
                if con.major > 0 || minor_dirty {
                    return v.major == con.major;
                }
                if v.major > 0 {
                    return false;
                }
                if con.minor > 0 || patch_dirty {
                    return v.minor == con.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                v.patch == con.patch
            }
        }
    }

    fn tilde(&self, v: &Version<'_>, cmp: Ordering) -> bool {
        if cmp == Ordering::Less {
            return false;
        }
        let any_minor = self.wildcard == Wildcard::Minor;
        // `~0.0.0` and `~*` accept everything at or above 0.0.0.
        if self.major == 0
            && self.minor == 0
            && self.patch == 0
            && matches!(self.wildcard, Wildcard::None | Wildcard::Major)
        {
            return true;
        }
        v.major == self.major && (any_minor || v.minor == self.minor)
    }
}

/// The comparator as written, operator and version, with no space (upstream `string()`).
impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.op_text, self.text)
    }
}
