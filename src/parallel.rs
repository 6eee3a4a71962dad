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
    run_bounded_with(jobs, workers, || (), |(), job| work(job)).0
}

/// Like [`run_bounded`], with a state per worker: `init` makes one for each worker, which
/// hands it to `work` with each job it takes. Returns the results in the order of `jobs`
/// and the workers' states (one per worker that ran), e.g. the memory they filled.
pub fn run_bounded_with<T, R, S, I, F>(
    jobs: Vec<T>,
    workers: usize,
    init: I,
    work: F,
) -> (Vec<R>, Vec<S>)
where
    T: Send,
    R: Send,
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, T) -> R + Sync,
{
    let count = jobs.len();
    let workers = workers.clamp(1, count.max(1));
    if workers == 1 {
        let mut state = init();
        let results = jobs.into_iter().map(|job| work(&mut state, job)).collect();
        return (results, vec![state]);
    }
    let queue = Mutex::new(jobs.into_iter().enumerate().collect::<VecDeque<_>>());
    let results = Mutex::new((0..count).map(|_| None).collect::<Vec<Option<R>>>());
    let states = Mutex::new(Vec::with_capacity(workers));
    let worker = || {
        let mut state = init();
        loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
            let Some((index, job)) = next else { break };
            let result = work(&mut state, job);
            results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
        }
        states.lock().unwrap_or_else(|e| e.into_inner()).push(state);
    };
    std::thread::scope(|scope| {
        // The calling thread is one of the workers: quick jobs (a warm cache, a few small
        // files) are often all done before the other threads are even scheduled.
        for _ in 1..workers {
            scope.spawn(worker);
        }
        worker();
    });
    let results = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran: a panicking job propagates out of the scope"))
        .collect();
    (
        results,
        states.into_inner().unwrap_or_else(|e| e.into_inner()),
    )
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

    #[test]
    fn states_are_returned_and_see_every_job_once() {
        for workers in [1, 2, 5] {
            let (out, states) = run_bounded_with(
                (0..100).collect(),
                workers,
                Vec::new,
                |seen: &mut Vec<i32>, n| {
                    seen.push(n);
                    n + 1
                },
            );
            assert_eq!(out, (1..=100).collect::<Vec<_>>());
            assert!(!states.is_empty() && states.len() <= workers);
            let mut all: Vec<i32> = states.into_iter().flatten().collect();
            all.sort_unstable();
            assert_eq!(all, (0..100).collect::<Vec<_>>(), "workers={workers}");
        }
    }
}
