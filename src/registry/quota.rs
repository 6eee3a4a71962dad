//! [`HostQuota`]: what one registry host allows this process — a bound on concurrent
//! requests, an optional request rate (`registries[].rateLimit`), and the quota the host
//! announces (`RateLimit-Limit` / `RateLimit-Remaining`, Docker Hub's `N;w=SECONDS`
//! form, `RateLimit-Reset`, and `Retry-After` on a 429). A host that said it is out of
//! quota is not called until the window it named ends: a request then waits for the
//! window when it ends soon (within the retry policy's `Retry-After` cap and the
//! deadline), else fails at once so that the cache serves what it has. The window is
//! also handed to the caller ([`HostQuota::take_new_window`]) to be shared through the
//! cache with every other process.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use ureq::http::HeaderMap;

use super::retry::parse_retry_after;

/// Concurrent requests to one host, across all the scans of a process.
pub const DEFAULT_MAX_CONCURRENT: usize = 8;

/// What a host announced about its quota, as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announced {
    /// Requests left in the window (`RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// Requests allowed per window (`RateLimit-Limit`).
    pub limit: Option<u64>,
    /// The window, when the host named it (`;w=SECONDS`).
    pub window: Option<Duration>,
}

/// The limits of one registry host, shared by every client of the host in a process.
#[derive(Debug)]
pub struct HostQuota {
    max_concurrent: usize,
    spacing: Option<Duration>,
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    in_flight: usize,
    next_slot: Option<Instant>,
    /// No request before this time: the host said it is out of quota.
    closed_until: Option<SystemTime>,
    /// A window learnt from the host by this process, not yet handed to the cache.
    new_window: Option<SystemTime>,
    announced: Option<Announced>,
}

/// Why no request may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed {
    /// When the host's window ends.
    pub(crate) until: SystemTime,
}

/// A request slot, given back when dropped.
#[derive(Debug)]
pub(crate) struct Permit<'a>(&'a HostQuota);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.lock().in_flight -= 1;
        self.0.freed.notify_one();
    }
}

impl HostQuota {
    /// At most `max_concurrent` requests at once (at least 1), and with `rate` (requests
    /// per second) no two requests closer than `1 / rate`.
    pub fn new(max_concurrent: usize, rate: Option<f64>) -> Self {
        HostQuota {
            max_concurrent: max_concurrent.max(1),
            spacing: rate
                .filter(|r| r.is_finite() && *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
            state: Mutex::default(),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a slot. `max_wait` bounds a wait for the host's window to end (past it,
    /// [`Closed`] at once); the rate's spacing is waited for in any case.
    pub(crate) fn acquire(&self, max_wait: Duration) -> Result<Permit<'_>, Closed> {
        let mut state = self.lock();
        if let Some(until) = state.closed_until {
            let now = SystemTime::now();
            match until.duration_since(now) {
                Ok(wait) if wait > max_wait => return Err(Closed { until }),
                Ok(wait) => {
                    drop(state);
                    std::thread::sleep(wait);
                    state = self.lock();
                }
                Err(_) => {}
            }
        }
        while state.in_flight >= self.max_concurrent {
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.in_flight += 1;
        let pause = self.spacing.map(|spacing| {
            let now = Instant::now();
            let slot = state.next_slot.map_or(now, |next| next.max(now));
            state.next_slot = Some(slot + spacing);
            slot.saturating_duration_since(now)
        });
        drop(state);
        if let Some(pause) = pause.filter(|p| !p.is_zero()) {
            std::thread::sleep(pause);
        }
        Ok(Permit(self))
    }

    /// Reads what a response says about the quota: the announced numbers, and the end
    /// of the window when the host is out of quota (a 429, or `RateLimit-Remaining: 0`).
    pub(crate) fn observe(&self, status: u16, headers: &HeaderMap) {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let limit = header("ratelimit-limit").and_then(parse_count);
        let remaining = header("ratelimit-remaining").and_then(parse_count);
        let now = SystemTime::now();
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(v, now));
        let reset = header("ratelimit-reset")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let window = remaining.and_then(|r| r.1).or(limit.and_then(|l| l.1));
        let mut state = self.lock();
        if limit.is_some() || remaining.is_some() {
            state.announced = Some(Announced {
                remaining: remaining.map(|r| r.0),
                limit: limit.map(|l| l.0),
                window,
            });
        }
        let out = status == 429 || remaining.is_some_and(|r| r.0 == 0);
        if !out {
            return;
        }
        // The window it names: Retry-After, else RateLimit-Reset, else the `w=` window.
        let Some(wait) = retry_after.or(reset).or(window) else {
            return;
        };
        let until = now + wait;
        if state.closed_until.is_none_or(|t| t < until) {
            state.closed_until = Some(until);
            state.new_window = Some(until);
        }
    }

    /// A window learnt from another process (through the cache): no request before it.
    pub fn close_until(&self, until: SystemTime) {
        let mut state = self.lock();
        if until > SystemTime::now() && state.closed_until.is_none_or(|t| t < until) {
            state.closed_until = Some(until);
        }
    }

    /// The end of a window this process learnt from the host since the last call, to be
    /// shared with other processes.
    pub fn take_new_window(&self) -> Option<SystemTime> {
        self.lock().new_window.take()
    }

    /// What the host last announced, if it did.
    pub fn announced(&self) -> Option<Announced> {
        self.lock().announced
    }
}

/// `N` or `N;w=SECONDS` (Docker Hub); other parameters are ignored.
fn parse_count(value: &str) -> Option<(u64, Option<Duration>)> {
    let mut parts = value.split(';');
    let count = parts.next()?.trim().parse().ok()?;
    let window = parts
        .filter_map(|p| p.trim().strip_prefix("w="))
        .find_map(|w| w.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    Some((count, window))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn docker_hub_headers_are_read_and_an_exhausted_quota_closes_the_host() {
        let quota = HostQuota::new(2, None);
        quota.observe(
            200,
            &headers(&[
                ("ratelimit-limit", "100;w=21600"),
                ("ratelimit-remaining", "76;w=21600"),
            ]),
        );
        assert_eq!(
            quota.announced(),
            Some(Announced {
                remaining: Some(76),
                limit: Some(100),
                window: Some(Duration::from_secs(21600)),
            })
        );
        assert_eq!(quota.take_new_window(), None);
        assert!(quota.acquire(Duration::ZERO).is_ok());

        quota.observe(
            429,
            &headers(&[("retry-after", "120"), ("ratelimit-remaining", "0")]),
        );
        let until = quota.take_new_window().expect("a window");
        let left = until.duration_since(SystemTime::now()).unwrap();
        assert!(left > Duration::from_secs(110) && left <= Duration::from_secs(120));
        assert_eq!(quota.take_new_window(), None, "handed over once");
        assert_eq!(
            quota.acquire(Duration::from_secs(30)).unwrap_err().until,
            until
        );

        // Remaining 0 without Retry-After: the w= window.
        let quota = HostQuota::new(2, None);
        quota.observe(200, &headers(&[("ratelimit-remaining", "0;w=60")]));
        assert!(quota.take_new_window().is_some());
        // A 429 naming no window leaves the retry policy in charge.
        let quota = HostQuota::new(2, None);
        quota.observe(429, &headers(&[]));
        assert_eq!(quota.take_new_window(), None);
        assert!(quota.acquire(Duration::ZERO).is_ok());
    }

    #[test]
    fn a_short_window_is_waited_for_and_a_past_one_ignored() {
        let quota = HostQuota::new(1, None);
        quota.close_until(SystemTime::now() + Duration::from_millis(150));
        let started = Instant::now();
        drop(quota.acquire(Duration::from_secs(1)).unwrap());
        assert!(started.elapsed() >= Duration::from_millis(100));
        quota.close_until(SystemTime::now() - Duration::from_secs(1));
        assert!(quota.acquire(Duration::ZERO).is_ok());
        assert_eq!(
            quota.take_new_window(),
            None,
            "learnt from elsewhere, not new"
        );
    }

    #[test]
    fn the_rate_spaces_requests_and_concurrency_is_bounded() {
        let quota = std::sync::Arc::new(HostQuota::new(1, Some(20.0)));
        let started = Instant::now();
        for _ in 0..4 {
            drop(quota.acquire(Duration::ZERO).unwrap());
        }
        // Slots at 0, 50, 100, 150 ms.
        assert!(
            started.elapsed() >= Duration::from_millis(140),
            "{:?}",
            started.elapsed()
        );

        let quota = std::sync::Arc::new(HostQuota::new(2, None));
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let now = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..6 {
                let (quota, peak, now) = (&quota, &peak, &now);
                s.spawn(move || {
                    let _permit = quota.acquire(Duration::ZERO).unwrap();
                    let n = now.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    peak.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                });
            }
        });
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
