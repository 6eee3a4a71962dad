//! When and how long to wait before retrying a request: exponential backoff with
//! jitter, and `Retry-After` (seconds or an HTTP date) capped so a registry cannot park
//! a scan for hours. Pure code apart from reading the clock and a random seed.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// How many times a request is tried and how long to wait in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub base_delay: Duration,
    /// The longest computed backoff.
    pub max_delay: Duration,
    /// The longest wait a `Retry-After` header may impose.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `failed + 1`, after `failed` failures (1-based). A
    /// `Retry-After` from the server wins over the backoff, up to `max_retry_after`.
    pub(crate) fn delay(&self, failed: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        self.backoff(failed, random_u64())
    }

    /// "Equal jitter": half the exponential delay, plus a random part of the other half,
    /// so that many scans failing together do not retry in lockstep.
    fn backoff(&self, failed: u32, random: u64) -> Duration {
        let exponent = failed.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let half_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if half_nanos == 0 {
            0
        } else {
            random % (half_nanos + 1)
        };
        half + Duration::from_nanos(jitter)
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3). A
/// date in the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A random number from the standard library's per-process hash keys: enough for
/// jitter, without a dependency on `rand`.
fn random_u64() -> u64 {
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_retry_after() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        for (value, expected) in [
            ("0", Some(0)),
            ("7", Some(7)),
            (" 120 ", Some(120)),
            ("Sun, 06 Nov 1994 08:49:47 GMT", Some(10)),
            ("Sun, 06 Nov 1994 08:49:00 GMT", Some(0)),
            ("Sunday, 06-Nov-94 08:49:39 GMT", Some(2)),
            ("Sun Nov  6 08:49:40 1994", Some(3)),
            ("-1", None),
            ("soon", None),
            ("1.5", None),
        ] {
            assert_eq!(
                parse_retry_after(value, now),
                expected.map(Duration::from_secs),
                "{value:?}"
            );
        }
    }

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(2),
        };
        for (failed, random, expected_ms) in [
            (1, 0, 50),
            (1, u64::MAX, 50 + (u64::MAX % 50_000_001) / 1_000_000),
            (2, 0, 100),
            (3, 0, 200),
            (4, 0, 400),
            (5, 0, 500),
            (30, 0, 500),
            (2, 100_000_000, 200),
            (2, 30_000_000, 130),
        ] {
            assert_eq!(
                policy.backoff(failed, random).as_millis(),
                u128::from(expected_ms),
                "failed={failed} random={random}"
            );
        }
        for failed in 1..8 {
            let d = policy.delay(failed, None);
            assert!(d <= Duration::from_millis(1000), "{d:?}");
        }
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            policy.max_retry_after
        );
        assert_eq!(policy.delay(3, Some(Duration::ZERO)), Duration::ZERO);
    }
}
