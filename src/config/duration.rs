//! Go duration syntax (`time.ParseDuration`) for `interval`, pure code.
//!
//! Accepts what Go accepts, minus negative durations (an interval cannot be negative):
//! a sequence of decimal numbers, each with an optional fraction and a unit (`ns`, `us`,
//! `µs`, `μs`, `ms`, `s`, `m`, `h`), e.g. `300ms`, `1.5h`, `1h30m`; a leading `+`; and
//! the bare number `0`. Units Go does not know (`d`, `w`, `y`) are errors, as in Go.

use std::time::Duration;

/// Why a string is not a Go duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input_q} is not a Go duration ({reason}); use e.g. 30s, 5m, 1h30m", input_q = crate::text::quoted(.input))]
pub struct DurationError {
    /// The text as written.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's own limit: a duration is an int64 of nanoseconds.
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a Go duration such as `1h30m`.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let fail = |reason| DurationError {
        input: input.to_owned(),
        reason,
    };
    let mut rest = input;
    if let Some(stripped) = rest.strip_prefix('+') {
        rest = stripped;
    } else if rest.starts_with('-') {
        return Err(fail("negative durations are not allowed"));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(fail("empty"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_digits, after) = rest.split_at(int_len);
        let (frac_digits, after) = match after.strip_prefix('.') {
            Some(after_dot) => {
                let n = after_dot.bytes().take_while(u8::is_ascii_digit).count();
                after_dot.split_at(n)
            }
            None => ("", after),
        };
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(fail("expected a number"));
        }
        let unit_len = after
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(fail("missing unit (a bare number is allowed only as 0)"));
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(fail(
                "unknown unit; valid units are ns, us, µs, ms, s, m, h",
            ));
        };
        let too_large = || fail("too large");
        let mut value: u128 = 0;
        for b in int_digits.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u128::from(b - b'0')))
                .filter(|v| *v <= MAX_NANOS)
                .ok_or_else(too_large)?;
        }
        value = value.checked_mul(scale).ok_or_else(too_large)?;
        // The fraction: digits beyond nanosecond precision cannot change the result.
        let mut frac_scale = scale;
        for b in frac_digits.bytes() {
            if frac_scale < 10 {
                break;
            }
            frac_scale /= 10;
            value += u128::from(b - b'0') * frac_scale;
        }
        total = total
            .checked_add(value)
            .filter(|t| *t <= MAX_NANOS)
            .ok_or_else(too_large)?;
        rest = after;
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| fail("too large"))?;
    let nanos = u32::try_from(total % 1_000_000_000).map_err(|_| fail("too large"))?;
    Ok(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn valid_durations() {
        let cases: &[(&str, u64)] = &[
            ("15s", 15 * S),
            ("5m", 300 * S),
            ("2h", 7200 * S),
            ("1h30m", 5400 * S),
            ("300ms", 300_000_000),
            ("1.5h", 5400 * S),
            ("100µs", 100_000),
            ("100μs", 100_000),
            ("100us", 100_000),
            ("7ns", 7),
            ("0", 0),
            ("0s", 0),
            ("+5m", 300 * S),
            ("1h1m1s1ms1us1ns", 3661 * S + 1_001_001),
            (".5s", S / 2),
            ("1.s", S),
            ("1.0000000001s", S),
            ("2562047h", 2_562_047 * 3600 * S),
        ];
        for &(input, nanos) in cases {
            let got = parse_duration(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got, Duration::from_nanos(nanos), "{input}");
        }
    }

    #[test]
    fn invalid_durations() {
        for input in [
            "1d", "1w", "1y", "7d12h", "abc", "5x", "-1h", "-0", "", "5", "1.5", ".", "s",
            "1h 30m", " 1h", "1H", "3000000h", "1e3s", "+",
        ] {
            assert!(
                parse_duration(input).is_err(),
                "{input:?} should be invalid"
            );
        }
    }

    #[test]
    fn error_names_the_input_and_the_fix() {
        let err = parse_duration("1d").unwrap_err();
        assert_eq!(err.input, "1d");
        assert!(err.to_string().contains("1h30m"), "{err}");
    }
}
