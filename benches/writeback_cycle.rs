//! Measurement harness of bench/writeback.sh in library mode (a `harness = false` bench
//! target, run by the script, not by the tests): runs the writeback cycle with the test
//! suite's fake resolver against the repository the script serves, resetting the remote
//! branch to the base commit before each run, and prints one `writeback_seconds N` line
//! per run.

#![allow(clippy::print_stdout)]

#[path = "../tests/support/fake_resolver.rs"]
mod fake_resolver;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use fake_resolver::FakeResolver;
use imagescan::git::Credentials;
use imagescan::writeback::run::{Outcome, run_with};
use imagescan::writeback::settings::{Flags, Settings};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by bench/writeback.sh"))
}

/// Runs `git ARGS` in `dir`.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn main() {
    // Only bench/writeback.sh sets the variables; run otherwise (`cargo bench`, a test
    // runner listing targets), it measures nothing and says nothing.
    if std::env::var_os("BENCH_URL").is_none() {
        return;
    }
    let url = env("BENCH_URL");
    let bare = PathBuf::from(env("BENCH_BARE"));
    let base = env("BENCH_BASE");
    let secret = PathBuf::from(env("BENCH_SECRET_DIR"));
    let runs: usize = env("BENCH_RUNS").parse().unwrap();
    let flags = Flags {
        repo: Some(url),
        branch: Some("main".into()),
        ..Flags::default()
    };
    let settings = Settings::resolve(flags, None).unwrap();
    for _ in 0..runs {
        git(&bare, &["update-ref", "refs/heads/main", &base]);
        let mut resolver = FakeResolver::new("1.26.1");
        let started = Instant::now();
        let creds = Credentials::from_secret_dir(&secret).unwrap();
        let (outcome, _) = run_with(
            &settings,
            creds,
            &mut |root: &Path, paths: &[PathBuf]| resolver.resolve(root, paths),
            &mut Vec::new(),
        )
        .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        assert!(matches!(outcome, Outcome::Pushed { ref changes, .. } if changes.len() == 100));
        // The script reads this line from the harness's stdout.
        println!("writeback_seconds {seconds:.4}");
    }
}
