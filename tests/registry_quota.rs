//! Registry quotas with the real binary against a loopback registry that announces its
//! quota (`RateLimit-Limit` / `RateLimit-Remaining` in Docker Hub's `N;w=SECONDS` form)
//! and then runs out (429, `Retry-After`, `RateLimit-Remaining: 0`): no process sharing
//! the cache calls it again until the window ends, cached answers are served meanwhile,
//! and `scan -v` shows the quota announced. Once with the disk cache, once with two
//! "replicas" sharing a real redis-server.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::fault_server::{FaultServer, Reply};
use support::redis_server::RedisServer;

const WINDOW: Duration = Duration::from_secs(3);

/// A registry with team/app (1.0.0, 1.1.0) that answers 429 while `out` is set.
fn registry(out: Arc<AtomicBool>) -> FaultServer {
    FaultServer::start(move |request| {
        if request.path() != "/v2/team/app/tags/list" {
            return Reply::status(404);
        }
        if out.load(Ordering::SeqCst) {
            return Reply::json(429, r#"{"errors":[{"code":"TOOMANYREQUESTS"}]}"#)
                .with_header("Retry-After", &WINDOW.as_secs().to_string())
                .with_header("RateLimit-Limit", "100;w=21600")
                .with_header("RateLimit-Remaining", "0;w=21600");
        }
        Reply::json(200, r#"{"name":"team/app","tags":["1.0.0","1.1.0"]}"#)
            .with_header("RateLimit-Limit", "100;w=21600")
            .with_header("RateLimit-Remaining", "42;w=21600")
    })
}

/// A workspace scanning team/app on `host` with `interval: 0` (every run refreshes).
fn workspace(root: &Path, host: &str) -> std::path::PathBuf {
    let dir = root.join("ws");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("imagescan.yaml"),
        format!(
            "imageScans:\n- tagName: app\n  image: {host}/team/app\n  interval: \"0\"\n  policy:\n    semver: {{range: \">=1.0.0\"}}\nregistries:\n- host: {host}\n  insecure: true\n  rateLimit: 20\n"
        ),
    )
    .unwrap();
    dir
}

/// `imagescan scan -v --output json --no-digest --deadline 2s` with the cache in
/// `cache_dir`, and `--cache redis` when given.
fn scan(dir: &Path, cache_dir: &Path, redis: Option<&RedisServer>) -> (String, String) {
    let mut command = support::cli::command(&[
        "-v",
        "scan",
        "--output",
        "json",
        "--no-digest",
        "--deadline",
        "2s",
    ]);
    command
        .arg(dir)
        .env("IMAGESCAN_CACHE_DIR", cache_dir)
        .env("HOME", cache_dir)
        .env("DOCKER_CONFIG", cache_dir.join("docker"))
        .env_remove("IMAGESCAN_LOG")
        .env_remove("IMAGESCAN_CACHE")
        .env_remove("XDG_CACHE_HOME")
        .stdin(Stdio::null());
    if let Some(redis) = redis {
        fs::write(cache_dir.join("redis-password"), &redis.password).unwrap();
        command.env("IMAGESCAN_CACHE", redis.url()).env(
            "IMAGESCAN_REDIS_PASSWORD_FILE",
            cache_dir.join("redis-password"),
        );
    }
    let output: Output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    let row = &rows[0];
    assert_eq!(row["tag"], "1.1.0", "{stdout}");
    (row["source"].as_str().unwrap().to_owned(), stderr)
}

/// The scenario, with `replicas` cache directories (each scan goes to the next one).
fn out_of_quota_scenario(redis: Option<&RedisServer>, replicas: usize) {
    let out = Arc::new(AtomicBool::new(false));
    let server = registry(Arc::clone(&out));
    let root = tempfile::tempdir().unwrap();
    let dir = workspace(root.path(), &server.host());
    let caches: Vec<_> = (0..replicas)
        .map(|i| {
            let cache = root.path().join(format!("replica-{i}"));
            fs::create_dir_all(&cache).unwrap();
            cache
        })
        .collect();
    let listings = || server.count("/tags/list");

    // Every replica fills its cache; -v shows the quota announced.
    for cache in &caches {
        let (source, stderr) = scan(&dir, cache, redis);
        assert_eq!(source, "registry");
        assert!(
            stderr.contains(&format!(
                "registry {}: quota 42 of 100 requests left per 6h",
                server.host()
            )),
            "{stderr}"
        );
    }
    assert_eq!(listings(), replicas);

    // The registry runs out: one request learns it, the cached tags are served.
    out.store(true, Ordering::SeqCst);
    let told = Instant::now();
    let (source, stderr) = scan(&dir, &caches[0], redis);
    assert_eq!(source, "stale-cache", "{stderr}");
    assert!(stderr.contains("asked to wait 3s"), "{stderr}");
    assert_eq!(listings(), replicas + 1);

    // Until the window ends, no process sharing the cache calls it.
    for cache in &caches {
        let (source, stderr) = scan(&dir, cache, redis);
        assert_eq!(source, "stale-cache", "{stderr}");
        assert!(stderr.contains("out of quota"), "{stderr}");
    }
    assert!(
        told.elapsed() < WINDOW,
        "the runs above were inside the window"
    );
    assert_eq!(listings(), replicas + 1, "no request inside the window");

    // After it, the registry is asked again.
    out.store(false, Ordering::SeqCst);
    std::thread::sleep(WINDOW.saturating_sub(told.elapsed()) + Duration::from_millis(300));
    for cache in &caches {
        let (source, _) = scan(&dir, cache, redis);
        assert_eq!(source, "registry");
    }
    assert_eq!(listings(), 2 * replicas + 1);
}

#[test]
fn out_of_quota_host_is_left_alone_until_its_window_ends_disk_cache() {
    out_of_quota_scenario(None, 1);
}

#[test]
fn out_of_quota_window_is_shared_by_replicas_through_redis() {
    let redis = RedisServer::start("pw-quota-Hs8-redis");
    out_of_quota_scenario(Some(&redis), 2);
}
