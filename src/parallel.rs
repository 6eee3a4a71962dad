//! Bounded concurrency: N worker threads take jobs from a shared queue — so that a
//! configuration with hundreds of images opens at most N registry connections at once,
//! and render reads files on every core. Results come back in the order of the jobs.
//! No I/O of its own.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Runs `work` on every job with at most `workers` threads (at least one), returning
/// the results in the order of `jobs`.
pub fn run_bounded<T, R, F>(jobs: Vec<T>, workers: usize, work: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let count = jobs.len();
    let workers = workers.clamp(1, count.max(1));
    if workers == 1 {
        return jobs.into_iter().map(work).collect();
    }
    let queue = Mutex::new(jobs.into_iter().enumerate().collect::<VecDeque<_>>());
    let results = Mutex::new((0..count).map(|_| None).collect::<Vec<Option<R>>>());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some((index, job)) = next else { break };
                    let result = work(job);
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran: a panicking job propagates out of the scope"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn keeps_order_and_bounds_parallelism() {
        for (jobs, workers) in [(0usize, 4usize), (1, 4), (10, 1), (50, 3), (7, 100)] {
            let running = AtomicUsize::new(0);
            let peak = AtomicUsize::new(0);
            let out = run_bounded((0..jobs).collect(), workers, |n| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(2));
                running.fetch_sub(1, Ordering::SeqCst);
                n * 2
            });
            assert_eq!(out, (0..jobs).map(|n| n * 2).collect::<Vec<_>>());
            assert!(
                peak.load(Ordering::SeqCst) <= workers.max(1),
                "jobs={jobs} workers={workers}"
            );
        }
    }
}
