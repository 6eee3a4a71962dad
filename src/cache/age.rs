//! Short human-readable ages (`45s`, `12m`, `2h5m`, `3d4h`) for tables and messages.

use std::fmt;
use std::time::Duration;

/// Displays a duration in at most two units, rounded down; the second unit is shown
/// whenever anything is left over, so `1h0m` (not `1h`) is more than an hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age(pub Duration);

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_secs();
        let (m, h, d) = (s / 60, s / 3600, s / 86400);
        match s {
            0..60 => write!(f, "{s}s"),
            60..3600 if s.is_multiple_of(60) => write!(f, "{m}m"),
            60..3600 => write!(f, "{m}m{}s", s % 60),
            3600..86400 if s.is_multiple_of(3600) => write!(f, "{h}h"),
            3600..86400 => write!(f, "{h}h{}m", m % 60),
            _ if s.is_multiple_of(86400) => write!(f, "{d}d"),
            _ => write!(f, "{d}d{}h", h % 24),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        let table = [
            (0, "0s"),
            (59, "59s"),
            (60, "1m"),
            (61, "1m1s"),
            (3599, "59m59s"),
            (3600, "1h"),
            (3601, "1h0m"),
            (3600 + 5 * 60 + 9, "1h5m"),
            (86399, "23h59m"),
            (86400, "1d"),
            (86401, "1d0h"),
            (3 * 86400 + 4 * 3600 + 59, "3d4h"),
        ];
        for (secs, expected) in table {
            assert_eq!(
                Age(Duration::from_secs(secs)).to_string(),
                expected,
                "{secs}"
            );
        }
    }
}
