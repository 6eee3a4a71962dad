//! The Masterminds/semver v3 constraint grammar: `||` between AND groups, comparators
//! separated by commas or spaces, hyphen ranges, and the group-level prerelease rule.
//!
//! Grammar of one AND group (`ws` is ASCII space, tab, CR, LF or FF, as Go's `\s`):
//!
//! ```text
//! group      = ws* comparator ws* ( (ws+ | "," ws*) comparator ws* )*
//! comparator = op? ws* version
//! op         = "!=" | ">=" | "=>" | "<=" | "=<" | "~>" | "=" | ">" | "<" | "~" | "^"
//! version    = "v"? part ("." part)? ("." part)? ("-" ids)? ("+" ids)?
//! part       = [0-9xX*|]+      (then: digits, or exactly one of x X *)
//! ids        = [0-9A-Za-z-]+ ("." [0-9A-Za-z-]+)*
//! ```
//!
//! Hyphen ranges (`1.2 - 1.5`) are rewritten to `>= 1.2, <= 1.5 ` over the whole text
//! before it is split on `||`, exactly where upstream rewrites them, so the same odd
//! inputs fail (`>=1 1.2 - 2` glues the rewrite to the previous comparator). This module
//! parses and checks; it knows nothing about tags.

use std::fmt;
use std::sync::LazyLock;

use super::comparator::{Comparator, Op, RawVersion};
use super::version::Version;

/// Why a constraint does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstraintError {
    /// A `||` group is not a list of comparators.
    #[error("improper constraint {group_q}: {reason}", group_q = crate::text::quoted(.group))]
    Improper {
        /// The group, after hyphen ranges were rewritten.
        group: String,
        /// What is wrong in it.
        reason: String,
    },
}

/// A comparator group joined by AND.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    comparators: Vec<Comparator>,
    /// Some comparator names a prerelease: the group then admits prerelease versions.
    names_prerelease: bool,
}

/// A parsed constraint such as `>=1.2 <2 || ~3.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraints {
    written: String,
    groups: Vec<Group>,
    include_prerelease: bool,
}

/// Go's `\s`: ASCII only, and no vertical tab.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Characters upstream allows in a version number inside a constraint, `|` included
/// (its character class says `[0-9|x|X|\*]`); anything but digits or a lone wildcard is
/// rejected later, when the version is resolved.
fn is_part_byte(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'x' | b'X' | b'*' | b'|')
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// The hyphen-range pattern, with upstream's leftmost-first matching.
static HYPHEN_RANGE: LazyLock<regex::Regex> = LazyLock::new(|| {
    let ws = r"[\t\n\x0C\r ]";
    let part = r"[0-9|xX*]+";
    let ids = r"[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*";
    let cv = format!(r"v?{part}(?:\.{part})?(?:\.{part})?(?:-{ids})?(?:\+{ids})?");
    regex::Regex::new(&format!(r"{ws}*({cv}){ws}+-{ws}+({cv}){ws}*"))
        .expect("the hyphen-range pattern is valid")
});

/// Rewrites `A - B` into `>= A, <= B `, replacing the first occurrence of each matched
/// text in turn, as upstream does.
fn rewrite_ranges(text: &str) -> String {
    let mut out = text.to_owned();
    // Every hyphen range holds a '-': without one, the pattern is not even compiled
    // (that costs a command like `scan` more than the whole policy run).
    if !text.contains('-') {
        return out;
    }
    for caps in HYPHEN_RANGE.captures_iter(text) {
        let whole = &caps[0];
        let replacement = format!(">= {}, <= {} ", &caps[1], &caps[2]);
        out = out.replacen(whole, &replacement, 1);
    }
    out
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while b.get(pos).copied().is_some_and(is_ws) {
        pos += 1;
    }
    pos
}

fn take_while(b: &[u8], mut pos: usize, pred: fn(u8) -> bool) -> usize {
    while b.get(pos).copied().is_some_and(pred) {
        pos += 1;
    }
    pos
}

/// `"." part` or `"-" ids` style continuation: the separator counts only when followed
/// by at least one byte of the class.
fn starts_with_then(b: &[u8], pos: usize, sep: u8, pred: fn(u8) -> bool) -> bool {
    b.get(pos) == Some(&sep) && b.get(pos + 1).copied().is_some_and(pred)
}

fn take_ids(b: &[u8], mut pos: usize) -> usize {
    pos = take_while(b, pos, is_id_byte);
    while starts_with_then(b, pos, b'.', is_id_byte) {
        pos = take_while(b, pos + 1, is_id_byte);
    }
    pos
}

/// Reads a version at `start` (greedily, which is the only reading that can be followed
/// by a separator); returns it and the position after it.
fn read_version(s: &str, start: usize) -> Option<(RawVersion<'_>, usize)> {
    let b = s.as_bytes();
    let mut pos = start + usize::from(b.get(start) == Some(&b'v'));
    let major_end = take_while(b, pos, is_part_byte);
    if major_end == pos {
        return None;
    }
    let major = &s[pos..major_end];
    pos = major_end;
    let mut parts = [None, None];
    for slot in &mut parts {
        if !starts_with_then(b, pos, b'.', is_part_byte) {
            break;
        }
        let end = take_while(b, pos + 1, is_part_byte);
        *slot = Some(&s[pos + 1..end]);
        pos = end;
    }
    let mut pre = None;
    if starts_with_then(b, pos, b'-', is_id_byte) {
        let end = take_ids(b, pos + 1);
        pre = Some(&s[pos + 1..end]);
        pos = end;
    }
    if starts_with_then(b, pos, b'+', is_id_byte) {
        pos = take_ids(b, pos + 1);
    }
    let raw = RawVersion {
        text: &s[start..pos],
        major,
        minor: parts[0],
        patch: parts[1],
        pre,
    };
    Some((raw, pos))
}

fn read_op(s: &str, pos: usize) -> (Op, &'static str, usize) {
    let rest = &s[pos..];
    Op::SPELLINGS
        .iter()
        .find(|(spelling, _)| rest.starts_with(spelling))
        .map_or((Op::TildeOrEqual, "", pos), |&(spelling, op)| {
            (op, spelling, pos + spelling.len())
        })
}

fn describe(s: &str, pos: usize) -> String {
    match s.get(pos..) {
        Some("") | None => "the end".to_owned(),
        Some(rest) => format!("{rest:?}"),
    }
}

fn parse_group(group: &str) -> Result<Group, String> {
    let b = group.as_bytes();
    let mut comparators = Vec::new();
    let mut pos = skip_ws(b, 0);
    loop {
        let (op, op_text, after_op) = read_op(group, pos);
        let at = skip_ws(b, after_op);
        let Some((raw, after)) = read_version(group, at) else {
            return Err(format!("expected a version at {}", describe(group, at)));
        };
        comparators.push(Comparator::new(op, op_text, raw).map_err(|e| e.to_string())?);
        let next = skip_ws(b, after);
        match b.get(next) {
            None => break,
            Some(b',') => pos = skip_ws(b, next + 1),
            Some(_) if next > after => pos = next,
            Some(_) => {
                return Err(format!(
                    "expected a space, a comma or `||` before {}",
                    describe(group, next)
                ));
            }
        }
    }
    let names_prerelease = comparators.iter().any(Comparator::has_prerelease);
    Ok(Group {
        comparators,
        names_prerelease,
    })
}

impl Constraints {
    /// Parses a constraint (upstream `NewConstraint`).
    pub fn parse(text: &str) -> Result<Self, ConstraintError> {
        let rewritten = rewrite_ranges(text);
        let groups = rewritten
            .split("||")
            .map(|group| {
                parse_group(group).map_err(|reason| ConstraintError::Improper {
                    group: group.to_owned(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Constraints {
            written: text.to_owned(),
            groups,
            include_prerelease: false,
        })
    }

    /// Upstream `IncludePrerelease`: when true, every group admits prereleases, not only
    /// the groups that name one. Off by default.
    #[must_use]
    pub fn with_include_prerelease(mut self, include: bool) -> Self {
        self.include_prerelease = include;
        self
    }

    /// The constraint as the user wrote it.
    pub fn as_written(&self) -> &str {
        &self.written
    }

    /// Upstream `Check`: some group whose every comparator accepts `version`. A group
    /// that names no prerelease rejects prerelease versions (unless
    /// [`with_include_prerelease`](Self::with_include_prerelease)).
    pub fn matches(&self, version: &Version<'_>) -> bool {
        self.groups.iter().any(|group| {
            let include = self.include_prerelease || group.names_prerelease;
            group
                .comparators
                .iter()
                .all(|c| c.matches(version, include))
        })
    }
}

/// Upstream `Constraints.String()`: comparators as written without inner spaces, joined
/// by a space, groups joined by ` || `.
impl fmt::Display for Constraints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.groups.iter().enumerate() {
            if i > 0 {
                f.write_str(" || ")?;
            }
            for (j, comparator) in group.comparators.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{comparator}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(constraint: &str, version: &str) -> bool {
        let c = Constraints::parse(constraint).unwrap_or_else(|e| panic!("{constraint}: {e}"));
        c.matches(&Version::parse(version).unwrap())
    }

    #[test]
    fn hyphen_ranges() {
        let cases = [
            ("1.2 - 1.5", "1.5.9", true),
            ("1.2 - 1.5", "1.6.0", false),
            ("1.2.3 - 2", "2.9.0", true),
            ("1.0, 1.2 - 1.5", "1.0.0", false),
            ("1 || 2.1 - 2.3", "2.2.0", true),
            ("v1.2 - v1.4 , !=1.3.1", "1.3.1", false),
            ("v1.2 - v1.4 , !=1.3.1", "1.3.2", true),
        ];
        for (c, v, want) in cases {
            assert_eq!(check(c, v), want, "{c} / {v}");
        }
    }

    /// Number of comparators in each `||` group.
    fn shape(text: &str) -> Vec<usize> {
        let c = Constraints::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        c.groups.iter().map(|g| g.comparators.len()).collect()
    }

    #[test]
    fn groups_and_comparators() {
        let cases: &[(&str, &[usize])] = &[
            (">= 1.1", &[1]),
            (">40.50.60, < 50.70", &[2]),
            ("v2.3.5-20161202202307-sha.e8fc5e5", &[1]),
            (">= 1.2.3 < 2.0 || => 3.0 < 4", &[2, 2]),
            (">= 1.2.3, < 2.0 || => 3.0, < 4", &[2, 2]),
            ("3 - 4 || => 3.0, < 4", &[2, 2]),
            ("12.3.34 ~1.2.3", &[2]),
            ("1.0.0 - 2.0.0, <=2.0.0", &[3]),
            ("1.0.0 - 2.0.0 <=2.0.0", &[3]),
            ("2 - 3 4.0.0 - 5.1", &[4]),
            ("1.1-3", &[1]),
        ];
        for (text, want) in cases {
            assert_eq!(shape(text), *want, "{text}");
        }
    }

    #[test]
    fn range_rewrite() {
        let cases = [
            ("2 - 3", ">= 2, <= 3 "),
            ("2 - 3, 2 - 3", ">= 2, <= 3 ,>= 2, <= 3 "),
            ("2 - 3 4.0.0 - 5.1", ">= 2, <= 3 >= 4.0.0, <= 5.1 "),
            ("1.0.0 - 2.0.0 <=2.0.0", ">= 1.0.0, <= 2.0.0 <=2.0.0"),
            ("no range", "no range"),
        ];
        for (text, want) in cases {
            assert_eq!(rewrite_ranges(text), want, "{text}");
        }
    }

    #[test]
    fn rejected() {
        for bad in [
            "",
            " ",
            "||",
            "1 ||",
            ">=1.0 1.2 - 1.5",
            ">1.2 - 1.5",
            "1,",
            "1,,2",
            "1|2",
            "1x",
            "1.2.3.4",
            "=> =1",
            "1 - >2",
            "V1.2",
            "1.2.3-",
            "18446744073709551616",
        ] {
            assert!(Constraints::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn display_and_written() {
        let c = Constraints::parse(" =>1.2 , ~> 2.x || 1.2 - 1.4").unwrap();
        assert_eq!(c.to_string(), "=>1.2 ~>2.x || >=1.2 <=1.4");
        assert_eq!(c.as_written(), " =>1.2 , ~> 2.x || 1.2 - 1.4");
    }

    #[test]
    fn prerelease_rule_is_per_group() {
        assert!(!check(">=1.0", "1.5.0-rc.1"));
        assert!(check(">=1.0-0", "1.5.0-rc.1"));
        assert!(!check(">=1.0 || <0.5-0", "1.5.0-rc.1"));
        assert!(check(">=1.0-0 <2", "1.5.0-rc.1"));
        let c = Constraints::parse(">=1.0")
            .unwrap()
            .with_include_prerelease(true);
        assert!(c.matches(&Version::parse("1.5.0-rc.1").unwrap()));
    }
}
