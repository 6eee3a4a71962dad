//! How many files `render` may keep open between its two passes. Keeping a file open
//! saves opening it again (a path walk) in the second pass; the number is bounded by the
//! process's open-file limit, which is first raised to its hard maximum — as Go's runtime
//! does at start-up — since the soft default (often 1024) is a historical artefact.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// File descriptors left for everything else (registry connections, cache files, …).
const RESERVED: u64 = 128;

/// How many files may be held open at once.
pub fn open_file_budget() -> usize {
    let limit = getrlimit(Resource::Nofile);
    let soft = match (limit.current, limit.maximum) {
        (Some(current), Some(maximum)) if current < maximum => {
            let raised = Rlimit {
                current: Some(maximum),
                maximum: Some(maximum),
            };
            if setrlimit(Resource::Nofile, raised).is_ok() {
                maximum
            } else {
                current
            }
        }
        (Some(current), _) => current,
        // No limit at all.
        (None, _) => 1 << 16,
    };
    usize::try_from(soft.saturating_sub(RESERVED).min(1 << 16)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_below_the_limit() {
        let budget = open_file_budget() as u64;
        let limit = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        assert!(
            budget + RESERVED <= limit.max(RESERVED),
            "{budget} vs {limit}"
        );
    }
}
