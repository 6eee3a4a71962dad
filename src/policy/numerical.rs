//! The numerical policy's notion of a number: a tag (or extracted value) such as `42`,
//! `007`, `-3` or `1.25`, compared exactly.
//!
//! Accepted: an optional `-`, one or more ASCII digits, and optionally `.` followed by
//! one or more digits. Everything else is not a number and the tag is skipped: `+1`,
//! `1.`, `.5`, `1e3`, `0x1F`, `1_000`, `inf`, `NaN`, ` 1`. Numbers are compared as
//! decimal strings, not floats, so 20-digit build numbers and timestamps never collide
//! through rounding, and `1`, `01` and `1.0` are equal (the caller breaks that tie).
//! Parsing borrows from the input and allocates nothing. No tag logic lives here.

use std::cmp::Ordering;

/// A parsed decimal number, normalised: no leading zeros in the integer part, no
/// trailing zeros in the fraction, and zero is never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number<'a> {
    negative: bool,
    integer: &'a str,
    fraction: &'a str,
}

impl<'a> Number<'a> {
    /// Parses `-?[0-9]+(\.[0-9]+)?`; `None` for anything else.
    pub fn parse(s: &'a str) -> Option<Self> {
        let (negative, unsigned) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (integer, fraction) = match unsigned.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (unsigned, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(integer) || fraction.is_some_and(|f| !all_digits(f)) {
            return None;
        }
        let integer = integer.trim_start_matches('0');
        let fraction = fraction.unwrap_or("").trim_end_matches('0');
        let zero = integer.is_empty() && fraction.is_empty();
        Some(Number {
            negative: negative && !zero,
            integer,
            fraction,
        })
    }

    fn magnitude_cmp(&self, other: &Self) -> Ordering {
        self.integer
            .len()
            .cmp(&other.integer.len())
            .then_with(|| self.integer.cmp(other.integer))
            // Without trailing zeros, byte order of fractions is numeric order.
            .then_with(|| self.fraction.cmp(other.fraction))
    }
}

impl Ord for Number<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.magnitude_cmp(other),
            (true, true) => other.magnitude_cmp(self),
        }
    }
}

impl PartialOrd for Number<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_and_rejected_forms() {
        for ok in [
            "0",
            "-0",
            "42",
            "007",
            "-3",
            "1.25",
            "1.0",
            "00.00",
            "123456789012345678901234",
        ] {
            assert!(Number::parse(ok).is_some(), "{ok:?} should parse");
        }
        for bad in [
            "", "-", "+1", "1.", ".5", "1e3", "0x1F", "1_000", "inf", "NaN", " 1", "1 ", "1.2.3",
            "--1", "v1", "١",
        ] {
            assert!(Number::parse(bad).is_none(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn ordering() {
        let ascending = [
            "-10",
            "-9.5",
            "-1",
            "0",
            "0.001",
            "0.01",
            "0.1",
            "0.5",
            "1",
            "1.05",
            "1.5",
            "2",
            "10",
            "99",
            "100",
            "20240101120000",
            "123456789012345678901234",
        ];
        for pair in ascending.windows(2) {
            let (a, b) = (
                Number::parse(pair[0]).unwrap(),
                Number::parse(pair[1]).unwrap(),
            );
            assert_eq!(a.cmp(&b), Ordering::Less, "{} < {}", pair[0], pair[1]);
            assert_eq!(b.cmp(&a), Ordering::Greater, "{} > {}", pair[1], pair[0]);
        }
        for (a, b) in [
            ("1", "01"),
            ("1", "1.0"),
            ("0", "-0"),
            ("-0.0", "000"),
            ("2.50", "2.5"),
        ] {
            assert_eq!(
                Number::parse(a).unwrap().cmp(&Number::parse(b).unwrap()),
                Ordering::Equal,
                "{a} = {b}"
            );
        }
    }
}
