//! A semantic version as Masterminds/semver v3 parses and orders it.
//!
//! Three parsers, as upstream has them: [`Version::parse`] (upstream `NewVersion` with its
//! default coercion: `v` prefix, `1.2` = 1.2.0, leading zeros dropped),
//! [`Version::parse_no_coerce`] (`NewVersion` with `CoerceNewVersion = false`: the same
//! loose shape but no leading zeros) and [`Version::parse_strict`] (`StrictNewVersion`:
//! exactly `X.Y.Z[-pre][+meta]`). A [`Version`] borrows its prerelease and metadata from
//! the input, so parsing a tag allocates nothing; selection parses tens of thousands.
//!
//! This module knows nothing about constraints or tags.

use std::cmp::Ordering;
use std::fmt;

/// Why a string is not a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not the shape `[v]X[.Y[.Z]][-pre][+meta]` (or `X.Y.Z…` when strict).
    #[error("invalid semantic version")]
    Invalid,
    /// A numeric part does not fit in 64 bits.
    #[error("version number too large")]
    Overflow,
    /// A numeric part or numeric prerelease identifier has a leading zero.
    #[error("version segment starts with 0")]
    LeadingZero,
    /// The prerelease has an empty identifier or a character outside `[0-9A-Za-z-]`.
    #[error("invalid prerelease string")]
    InvalidPrerelease,
    /// The build metadata has an empty identifier or a character outside `[0-9A-Za-z-]`.
    #[error("invalid metadata string")]
    InvalidMetadata,
}

/// A parsed version. Prerelease and metadata borrow from the parsed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version<'a> {
    /// Major number.
    pub major: u64,
    /// Minor number (0 when not written).
    pub minor: u64,
    /// Patch number (0 when not written).
    pub patch: u64,
    /// Prerelease identifiers without the leading `-`; empty when none.
    pub pre: &'a str,
    /// Build metadata without the leading `+`; empty when none. Ignored by ordering.
    pub meta: &'a str,
}

/// Which leading-zero rule a loose parse applies to the numeric parts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Zeros {
    Coerce,
    Reject,
}

impl<'a> Version<'a> {
    /// Upstream `NewVersion` with its defaults: `v1`, `1.2`, `01.2.3` are accepted.
    pub fn parse(s: &'a str) -> Result<Self, VersionError> {
        parse_loose(s, Zeros::Coerce)
    }

    /// Upstream `NewVersion` with `CoerceNewVersion = false`: `v1` and `1.2` are
    /// accepted, leading zeros are not.
    pub fn parse_no_coerce(s: &'a str) -> Result<Self, VersionError> {
        parse_loose(s, Zeros::Reject)
    }

    /// Upstream `StrictNewVersion`: exactly `X.Y.Z[-pre][+meta]`, no `v`, no leading zeros.
    pub fn parse_strict(s: &'a str) -> Result<Self, VersionError> {
        if s.is_empty() {
            return Err(VersionError::Invalid);
        }
        let mut parts = s.splitn(3, '.');
        let (Some(major), Some(minor), Some(mut rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(VersionError::Invalid);
        };
        // Metadata and prerelease can only follow the patch number: split them off it.
        let mut meta = "";
        if let Some((head, m)) = rest.split_once('+') {
            validate_identifiers(m, VersionError::InvalidMetadata)?;
            meta = m;
            rest = head;
        }
        let mut pre = "";
        if let Some((head, p)) = rest.split_once('-') {
            validate_prerelease(p)?;
            pre = p;
            rest = head;
        }
        for part in [major, minor, rest] {
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(VersionError::Invalid);
            }
            if part.len() > 1 && part.starts_with('0') {
                return Err(VersionError::LeadingZero);
            }
        }
        Ok(Version {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(rest)?,
            pre,
            meta,
        })
    }

    /// Whether this is a prerelease.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// Precedence per semver 2.0 as upstream implements it: numbers, then a version
    /// without prerelease above one with, then prerelease identifiers; metadata ignored.
    pub fn precedence(&self, other: &Version<'_>) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(self.pre, other.pre),
            })
    }
}

/// Canonical form, as upstream `Version.String()`: no `v`, all three numbers.
impl fmt::Display for Version<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.meta.is_empty() {
            write!(f, "+{}", self.meta)?;
        }
        Ok(())
    }
}

/// Orders two prerelease strings (both non-empty or one empty) identifier by identifier.
/// A missing identifier sorts first; numeric identifiers sort below alphanumeric ones and
/// compare as numbers; `-2` is alphanumeric (the spec has no negative numbers).
pub(crate) fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = compare_identifier(x, y);
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

fn compare_identifier(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    // Upstream treats an identifier as numeric when it parses as a u64; a numeric
    // identifier too large for that compares as text, as there.
    match (x.parse::<u64>().ok(), y.parse::<u64>().ok()) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => x.as_bytes().cmp(y.as_bytes()),
    }
}

/// `[v]D+[.D+[.D+]][-pre][+meta]`, the shape both `NewVersion` variants accept.
fn parse_loose(s: &str, zeros: Zeros) -> Result<Version<'_>, VersionError> {
    let bytes = s.as_bytes();
    let mut pos = usize::from(bytes.first() == Some(&b'v'));
    let mut numbers = [0u64; 3];
    for (i, slot) in numbers.iter_mut().enumerate() {
        if i > 0 {
            // Minor and patch are optional, but a dot must introduce digits.
            if bytes.get(pos) != Some(&b'.') || !bytes.get(pos + 1).is_some_and(u8::is_ascii_digit)
            {
                break;
            }
            pos += 1;
        }
        let start = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        let digits = &s[start..pos];
        if digits.is_empty() {
            return Err(VersionError::Invalid);
        }
        if zeros == Zeros::Reject && digits.len() > 1 && digits.starts_with('0') {
            return Err(VersionError::Invalid);
        }
        *slot = number(digits)?;
    }
    let rest = &s[pos..];
    let (pre, meta) = if let Some(r) = rest.strip_prefix('-') {
        match r.split_once('+') {
            Some((pre, meta)) => (pre, Some(meta)),
            None => (r, None),
        }
    } else if let Some(meta) = rest.strip_prefix('+') {
        ("", Some(meta))
    } else if rest.is_empty() {
        ("", None)
    } else {
        return Err(VersionError::Invalid);
    };
    if rest.starts_with('-') {
        // The shape is checked before the leading-zero rule, as upstream's regex does.
        check_identifier_shape(pre).ok_or(VersionError::Invalid)?;
        validate_prerelease(pre)?;
    }
    let meta = match meta {
        Some(meta) => {
            check_identifier_shape(meta).ok_or(VersionError::Invalid)?;
            meta
        }
        None => "",
    };
    Ok(Version {
        major: numbers[0],
        minor: numbers[1],
        patch: numbers[2],
        pre,
        meta,
    })
}

/// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`.
fn check_identifier_shape(s: &str) -> Option<()> {
    s.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(is_identifier_byte))
        .then_some(())
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn validate_identifiers(s: &str, err: VersionError) -> Result<(), VersionError> {
    check_identifier_shape(s).ok_or(err)
}

/// Identifiers as [`validate_identifiers`], and numeric ones without leading zeros.
fn validate_prerelease(s: &str) -> Result<(), VersionError> {
    for id in s.split('.') {
        if id.is_empty() {
            return Err(VersionError::InvalidPrerelease);
        }
        if id.bytes().all(|b| b.is_ascii_digit()) {
            if id.len() > 1 && id.starts_with('0') {
                return Err(VersionError::LeadingZero);
            }
        } else if !id.bytes().all(is_identifier_byte) {
            return Err(VersionError::InvalidPrerelease);
        }
    }
    Ok(())
}

fn number(digits: &str) -> Result<u64, VersionError> {
    if digits.is_empty() {
        return Err(VersionError::Invalid);
    }
    digits.parse().map_err(|_| {
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            VersionError::Overflow
        } else {
            VersionError::Invalid
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_forms() {
        let cases: &[(&str, Option<&str>)] = &[
            ("1", Some("1.0.0")),
            ("v2.3", Some("2.3.0")),
            ("007.1.02", Some("7.1.2")),
            ("1.2.3-rc.1+b.5", Some("1.2.3-rc.1+b.5")),
            ("1.2+meta", Some("1.2.0+meta")),
            ("1.2.3-", None),
            ("1.2.3+", None),
            ("1.2.", None),
            ("V1.2.3", None),
            ("vv1", None),
            ("", None),
            ("v", None),
            ("1.2.3 ", None),
            ("18446744073709551616.0.0", None),
            ("18446744073709551615.0.0", Some("18446744073709551615.0.0")),
            ("1.2.3-α", None),
        ];
        for (input, want) in cases {
            let got = Version::parse(input).ok().map(|v| v.to_string());
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
    }

    #[test]
    fn no_coerce_rejects_leading_zeros_only() {
        assert!(Version::parse_no_coerce("v1.2").is_ok());
        assert!(Version::parse_no_coerce("1.02").is_err());
        assert!(Version::parse_no_coerce("0.0.0").is_ok());
    }

    #[test]
    fn strict_forms() {
        assert!(Version::parse_strict("1.2.3-a.b+c").is_ok());
        assert!(Version::parse_strict("1.2").is_err());
        assert!(Version::parse_strict("1..3").is_err());
        assert!(Version::parse_strict("1.2.3-01").is_err());
    }

    #[test]
    fn precedence_table() {
        let cases = [
            ("1.0.0-alpha", "1.0.0-alpha.1", Ordering::Less),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta", Ordering::Less),
            ("1.0.0-beta.2", "1.0.0-beta.11", Ordering::Less),
            ("1.0.0-rc.1", "1.0.0", Ordering::Less),
            ("1.0.0+a", "1.0.0+b", Ordering::Equal),
            ("v1.0.0", "1.0.0", Ordering::Equal),
            ("1.0.0-99999999999999999999", "1.0.0-a", Ordering::Less),
        ];
        for (a, b, want) in cases {
            let (va, vb) = (Version::parse(a).unwrap(), Version::parse(b).unwrap());
            assert_eq!(va.precedence(&vb), want, "{a} vs {b}");
            assert_eq!(vb.precedence(&va), want.reverse(), "{b} vs {a}");
        }
    }
}
