//! One deadline for all the registry work of a command (issue 13, item 3): every
//! request's timeouts are cut to the time left, no retry waits past it, and a
//! `Retry-After` longer than what is left fails at once instead of sleeping.
//!
//! Argo CD kills a config management plugin after 90 s by default; the command-line
//! default (60 s) leaves room for rendering and for the stale-cache fallback. Pure
//! code apart from reading the monotonic clock.

use std::time::{Duration, Instant};

/// The instant by which all registry work must be over, and the budget it came from
/// (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }

    /// The budget it was set with.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The time left, `None` once it has passed.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
    }
}

/// `limit`, cut to what the deadline leaves (`None` once it has passed).
pub(crate) fn within(limit: Duration, deadline: Option<&Deadline>) -> Option<Duration> {
    match deadline {
        None => Some(limit),
        Some(deadline) => deadline.remaining().map(|left| left.min(limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_limits_to_the_time_left() {
        let far = Deadline::after(Duration::from_secs(3600));
        assert_eq!(far.budget(), Duration::from_secs(3600));
        let left = far.remaining().unwrap();
        assert!(left > Duration::from_secs(3590) && left <= Duration::from_secs(3600));
        assert_eq!(
            within(Duration::from_secs(30), Some(&far)),
            Some(Duration::from_secs(30))
        );
        let near = Deadline::after(Duration::from_millis(200));
        assert!(
            within(Duration::from_secs(30), Some(&near)).unwrap() <= Duration::from_millis(200)
        );
        assert_eq!(
            within(Duration::from_secs(7), None),
            Some(Duration::from_secs(7))
        );
        let past = Deadline::after(Duration::ZERO);
        assert_eq!(past.remaining(), None);
        assert_eq!(within(Duration::from_secs(30), Some(&past)), None);
    }
}
