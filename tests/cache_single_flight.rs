//! Single-flight across real processes: eight copies of this test binary ask for the
//! same missing (or stale, with the registry down) cache entry at once; exactly one of
//! them may run the refresh. Each child is this binary re-run with `--ignored --exact
//! child_lookup`; it is given its directory and role through the environment.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use imagescan::cache::{Cache, CacheKey, Mode};

const CHILDREN: usize = 8;
const DIR_VAR: &str = "IMAGESCAN_TEST_SINGLE_FLIGHT_DIR";
const FAIL_VAR: &str = "IMAGESCAN_TEST_SINGLE_FLIGHT_FAIL";

#[derive(Debug, thiserror::Error)]
#[error("registry is down")]
struct Down;

fn key() -> CacheKey {
    CacheKey::new("reg.example", "team/app", None)
}

fn interval() -> Duration {
    Duration::from_secs(900)
}

/// Spawns the children, releases them together, and returns (refresh count, results).
fn run_children(dir: &Path, fail: bool) -> (usize, Vec<String>) {
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..CHILDREN)
        .map(|i| {
            Command::new(&exe)
                .args(["--ignored", "--exact", "child_lookup", "--test-threads=1"])
                .env(DIR_VAR, dir)
                .env(FAIL_VAR, if fail { "1" } else { "0" })
                .env("CHILD_INDEX", i.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    fs::write(dir.join("go"), "").unwrap();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let refreshes = fs::read_to_string(dir.join("refreshes")).unwrap_or_default();
    let mut results: Vec<String> = (0..CHILDREN)
        .map(|i| fs::read_to_string(dir.join(format!("result-{i}"))).unwrap())
        .collect();
    results.sort();
    (refreshes.lines().count(), results)
}

#[test]
fn single_flight_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("cache")).unwrap();
    let (refreshes, results) = run_children(dir.path(), false);
    assert_eq!(refreshes, 1, "{results:?}");
    for result in &results {
        assert!(
            result == "fresh 1.0,2.0" || result == "refreshed 1.0,2.0",
            "{result}"
        );
    }
    assert!(results.iter().any(|r| r.starts_with("refreshed")));
}

#[test]
fn a_failed_refresh_is_shared_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path().join("cache")).unwrap();
    cache
        .tags(&key(), Duration::ZERO, Mode::default(), || {
            Ok::<_, Down>(["0.9"].into_iter().collect())
        })
        .unwrap();
    // Make the entry stale by rewriting its fetch time one hour back.
    let path = dir
        .path()
        .join("cache")
        .join(format!("{}.json", key().file_stem()));
    let mut entry: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let at = entry["tags"]["fetched_at"].as_u64().unwrap();
    entry["tags"]["fetched_at"] = (at - 3600).into();
    fs::write(&path, serde_json::to_vec(&entry).unwrap()).unwrap();

    let (refreshes, results) = run_children(dir.path(), true);
    assert_eq!(refreshes, 1, "{results:?}");
    for result in &results {
        assert_eq!(result, "stale 0.9");
    }
}

/// The child's side; runs only when started by the tests above.
#[test]
#[ignore = "a child process of single_flight_across_processes"]
fn child_lookup() {
    // Not a test of its own: under `--include-ignored` without a parent, do nothing.
    let Some(dir) = std::env::var_os(DIR_VAR) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let fail = std::env::var(FAIL_VAR).unwrap() == "1";
    let index = std::env::var("CHILD_INDEX").unwrap();
    let cache = Cache::open(dir.join("cache")).unwrap();
    while !dir.join("go").exists() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let lookup = cache
        .tags(&key(), interval(), Mode::default(), || {
            let mut log = OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("refreshes"))
                .unwrap();
            writeln!(log, "refresh by {}", std::process::id()).unwrap();
            // Long enough for the others to queue on the lock; the count does not
            // depend on it.
            std::thread::sleep(Duration::from_millis(300));
            if fail {
                Err(Down)
            } else {
                Ok(["1.0", "2.0"].into_iter().collect())
            }
        })
        .unwrap();
    fs::write(
        dir.join(format!("result-{index}")),
        format!(
            "{} {}",
            lookup.status.label(),
            lookup.value.tags.iter().collect::<Vec<_>>().join(",")
        ),
    )
    .unwrap();
}
