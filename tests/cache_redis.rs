//! The shared cache in a real `redis-server` (Debian's, started per test on 127.0.0.1
//! with a password from a config file, stopped by PID) in front of the real
//! docker-registry, with the real binary: three "replicas" (separate disk caches) × six
//! concurrent renders cost one listing per image; Redis stopped mid-run, restarted
//! empty, answering garbage or not answering leaves every render working (with a
//! warning); a lock holder killed with SIGKILL delays the others only until its lock
//! expires; no key or value in Redis holds a credential; and `rediss://` verifies the
//! server's certificate.

mod support;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::cli::Imagescan;
use support::fault_server::{FaultServer, Reply, Request, forward};
use support::redis_server::RedisServer;
use support::registry::{Auth, Pusher, Registry, TestCa};

const USER: &str = "replica-user";
const PASSWORD: &str = "pw-Redis-Q7v-registry-secret";
const REDIS_PASSWORD: &str = "pw-Redis-K2m-server-secret";
const SECRET: &str = "team-creds";

/// A registry behind a recording proxy, a workspace using it, and per-replica caches.
struct Setup {
    root: tempfile::TempDir,
    proxy: FaultServer,
    workspace: PathBuf,
    expected: String,
    _registry: Registry,
}

impl Setup {
    /// Images team/a (1.0.0, 1.2.0) and team/b (1.0.0, 1.5.0) on an htpasswd registry;
    /// every request passes `proxy` (`handler` may delay or refuse some first).
    fn new(handler: impl Fn(&Request, &str) -> Option<Reply> + Send + Sync + 'static) -> Setup {
        let storage = tempfile::tempdir().unwrap().keep();
        let anonymous = Registry::start(&storage, Auth::Anonymous, None);
        let pusher = Pusher::new(&anonymous);
        let a = pusher.tags("team/a", &["1.0.0".to_owned(), "1.2.0".to_owned()]);
        pusher.tags("team/b", &["1.0.0".to_owned(), "1.5.0".to_owned()]);
        drop(anonymous);
        let registry = Registry::start(
            &storage,
            Auth::Htpasswd {
                username: USER.to_owned(),
                password: PASSWORD.to_owned(),
            },
            None,
        );
        let upstream = registry.url();
        let proxy = FaultServer::start(move |request| {
            handler(request, &upstream).unwrap_or_else(|| forward(&upstream, request))
        });
        let host = proxy.host();
        let root = tempfile::tempdir().unwrap();
        let secret = root.path().join("secrets").join(SECRET);
        fs::create_dir_all(&secret).unwrap();
        fs::write(secret.join("username"), USER).unwrap();
        fs::write(secret.join("password"), PASSWORD).unwrap();
        fs::write(
            root.path().join("redis-password"),
            format!("{REDIS_PASSWORD}\n"),
        )
        .unwrap();
        let workspace = root.path().join("ws");
        fs::create_dir_all(&workspace).unwrap();
        let scan = |name: &str| {
            format!(
                "- tagName: {name}\n  image: {host}/team/{name}\n  secretRef: {{name: {SECRET}}}\n  policy:\n    semver: {{range: \">=1.0.0\"}}\n"
            )
        };
        fs::write(
            workspace.join("imagescan.yaml"),
            format!(
                "imageScans:\n{}{}registries:\n- host: {host}\n  insecure: true\n",
                scan("a"),
                scan("b")
            ),
        )
        .unwrap();
        let pod = |name: &str, value: &str, marker: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: c\n    image: {value} # {{\"$imagescan\": \"{marker}\"}}\n"
            )
        };
        fs::write(
            workspace.join("a.yaml"),
            pod("a", &format!("{host}/team/a:0.1"), "a:digest"),
        )
        .unwrap();
        fs::write(workspace.join("b.yaml"), pod("b", "0.1", "b:tag")).unwrap();
        let expected = format!(
            "{}---\n{}",
            pod(
                "a",
                &format!("{host}/team/a:1.2.0@{}", a.digest),
                "a:digest"
            ),
            pod("b", "1.5.0", "b:tag")
        );
        Setup {
            root,
            proxy,
            workspace,
            expected,
            _registry: registry,
        }
    }

    /// `imagescan render` of the workspace as replica `replica` (its own disk cache),
    /// sharing `cache` (a `--cache` URL) through IMAGESCAN_CACHE.
    fn render(&self, replica: usize, cache: &str) -> Command {
        let home = self.root.path().join(format!("replica-{replica}"));
        let mut command = support::cli::command(&["render"]);
        command
            .arg(&self.workspace)
            .env("IMAGESCAN_CACHE", cache)
            .env(
                "IMAGESCAN_REDIS_PASSWORD_FILE",
                self.root.path().join("redis-password"),
            )
            .env("IMAGESCAN_CACHE_DIR", home.join("cache"))
            .env("IMAGESCAN_SECRETS_DIR", self.root.path().join("secrets"))
            .env("DOCKER_CONFIG", home.join("docker"))
            .env("HOME", &home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Listings of team/NAME that reached the registry with credentials (the first,
    /// unauthenticated try of a process is answered 401 and lists nothing).
    fn listings(&self, name: &str) -> usize {
        let path = format!("/v2/team/{name}/tags/list");
        self.proxy
            .requests()
            .iter()
            .filter(|r| r.path() == path && r.header("authorization").is_some())
            .count()
    }

    /// Checks a finished render: exit 0, the expected output; returns its stderr.
    #[track_caller]
    fn check(&self, output: Output) -> String {
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
        assert_eq!(String::from_utf8(output.stdout).unwrap(), self.expected);
        for secret in [PASSWORD, REDIS_PASSWORD] {
            assert!(!stderr.contains(secret), "{stderr}");
        }
        stderr
    }
}

fn spawn_all(setup: &Setup, cache: &str, replicas: usize, each: usize) -> Vec<Child> {
    (0..replicas)
        .flat_map(|replica| (0..each).map(move |_| replica))
        .map(|replica| setup.render(replica, cache).spawn().unwrap())
        .collect()
}

/// Decompresses a stored value the way imagescan writes it (`j` + JSON, `z` + DEFLATE).
fn inflate(value: &[u8]) -> Vec<u8> {
    match value.split_first() {
        Some((b'z', deflated)) => {
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(deflated)
                .read_to_end(&mut out)
                .unwrap();
            out
        }
        _ => value.to_vec(),
    }
}

#[test]
fn three_replicas_six_renders_each_list_each_image_once_and_redis_holds_no_secret() {
    let redis = RedisServer::start(REDIS_PASSWORD);
    let setup = Setup::new(|_, _| None);
    let cache = format!("{}?prefix=itest:", redis.url());
    let children = spawn_all(&setup, &cache, 3, 6);
    for child in children {
        let stderr = setup.check(child.wait_with_output().unwrap());
        assert!(!stderr.contains("warning"), "{stderr}");
    }
    assert_eq!(setup.listings("a"), 1, "{:#?}", setup.proxy.requests());
    assert_eq!(setup.listings("b"), 1, "{:#?}", setup.proxy.requests());
    let heads = setup
        .proxy
        .requests()
        .iter()
        .filter(|r| r.method == "HEAD" && r.header("authorization").is_some())
        .count();
    assert_eq!(heads, 1, "one digest lookup for team/a:1.2.0");

    // Every key is prefixed; no key or value holds a credential, or the user name.
    let dump = redis.dump();
    assert_eq!(dump.len(), 2, "two entries, no lock left: {dump:?}");
    for (key, value) in &dump {
        assert!(key.starts_with("itest:entry:"), "{key}");
        let text = String::from_utf8_lossy(&inflate(value.as_deref().unwrap())).into_owned();
        assert!(text.contains("\"repository\":\"team/"), "{text}");
        for secret in [PASSWORD, REDIS_PASSWORD, USER] {
            assert!(
                !key.contains(secret) && !text.contains(secret),
                "{key}: {text}"
            );
        }
    }

    // Warm: a new replica serves every scan from Redis, with no request at all.
    let before = setup.proxy.requests().len();
    setup.check(setup.render(9, &cache).output().unwrap());
    assert_eq!(setup.proxy.requests().len(), before);
}

#[test]
fn redis_stopped_mid_run_and_restarted_empty_renders_still_succeed() {
    let mut redis = RedisServer::start(REDIS_PASSWORD);
    // Listings are slow, so that Redis is stopped while every render is using it.
    let setup = Setup::new(|request, _| {
        if request.path().ends_with("/tags/list") && request.header("authorization").is_some() {
            std::thread::sleep(Duration::from_millis(400));
        }
        None
    });
    let cache = redis.url();
    let children = spawn_all(&setup, &cache, 3, 2);
    let deadline = Instant::now() + Duration::from_secs(20);
    while setup.listings("a") + setup.listings("b") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    redis.stop();
    let mut warned = 0;
    for child in children {
        let stderr = setup.check(child.wait_with_output().unwrap());
        if stderr.contains(&format!(
            "shared cache redis://:***@127.0.0.1:{}/0 failed",
            redis.port
        )) {
            warned += 1;
        }
    }
    assert!(warned >= 1, "at least the holders saw Redis go");

    // Redis down for good: each replica's disk cache and the registry serve, with one
    // warning per render.
    for replica in 0..3 {
        let stderr = setup.check(setup.render(replica, &cache).output().unwrap());
        assert_eq!(stderr.matches("failed (connecting").count(), 1, "{stderr}");
    }
    let before = setup.proxy.requests().len();

    // Redis back, empty (it lost its data): the disk caches serve, no warning.
    redis.restart();
    for replica in 0..3 {
        let stderr = setup.check(setup.render(replica, &cache).output().unwrap());
        assert!(!stderr.contains("warning"), "{stderr}");
    }
    assert_eq!(setup.proxy.requests().len(), before, "served from disk");
}

/// A replica whose disk cache it cannot change (read-only, another user's) still shares
/// through Redis: its concurrent renders queue on the Redis lock (one listing per
/// image), and what they learn is written to Redis for the other replicas.
#[test]
fn a_disk_cache_it_cannot_change_still_locks_and_fills_redis() {
    let redis = RedisServer::start(REDIS_PASSWORD);
    // Slow listings, so that the renders overlap.
    let setup = Setup::new(|request, _| {
        if request.path().ends_with("/tags/list") && request.header("authorization").is_some() {
            std::thread::sleep(Duration::from_millis(300));
        }
        None
    });
    let cache = redis.url();
    let readonly = setup.root.path().join("replica-0");
    fs::create_dir_all(readonly.join("cache")).unwrap();
    support::cli::chmod_tree(setup.root.path(), 0o755);
    support::cli::chmod_tree(&readonly, 0o555);
    let children: Vec<Child> = (0..4)
        .map(|_| {
            support::cli::as_other_user(setup.render(0, &cache))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let stderr = setup.check(child.wait_with_output().unwrap());
        assert!(
            !stderr.contains("warning") || stderr.contains("cannot lock cache file"),
            "{stderr}"
        );
    }
    assert_eq!(setup.listings("a"), 1, "{:#?}", setup.proxy.requests());
    assert_eq!(setup.listings("b"), 1, "{:#?}", setup.proxy.requests());
    assert!(
        fs::read_dir(readonly.join("cache"))
            .unwrap()
            .next()
            .is_none(),
        "nothing written to the read-only disk cache"
    );

    // Another replica is served from Redis alone.
    let before = setup.proxy.requests().len();
    setup.check(setup.render(1, &cache).output().unwrap());
    assert_eq!(setup.proxy.requests().len(), before);
}

#[test]
fn garbage_silence_and_foreign_values_degrade_to_the_disk_cache() {
    let redis = RedisServer::start(REDIS_PASSWORD);
    let setup = Setup::new(|_, _| None);
    setup.check(setup.render(0, &redis.url()).output().unwrap());
    let before = setup.proxy.requests().len();

    // A server answering garbage to the handshake.
    let garbage = TcpListener::bind("127.0.0.1:0").unwrap();
    let garbage_port = garbage.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in garbage.incoming().flatten() {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    // One that accepts and never answers (slow past the timeout).
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    for port in [garbage_port, silent_port] {
        let started = Instant::now();
        let stderr = setup.check(
            setup
                .render(0, &format!("redis://127.0.0.1:{port}?timeout=300ms"))
                .output()
                .unwrap(),
        );
        assert!(
            stderr.contains(&format!(
                "shared cache redis://:***@127.0.0.1:{port}/0 failed"
            )),
            "{stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "bounded by the timeout"
        );
    }

    // A value that is not an entry: ignored with a warning, the disk entry served.
    let mut connection = redis.connect();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("imagescan:entry:*")
        .query(&mut connection)
        .unwrap();
    assert_eq!(keys.len(), 2);
    for key in &keys {
        let _: () = redis::cmd("SET")
            .arg(key)
            .arg("j{not an entry")
            .query(&mut connection)
            .unwrap();
    }
    let stderr = setup.check(setup.render(0, &redis.url()).output().unwrap());
    assert!(stderr.contains("is not an imagescan entry"), "{stderr}");
    assert_eq!(setup.proxy.requests().len(), before, "served from disk");
}

#[test]
fn a_killed_lock_holder_delays_the_others_only_until_its_lock_expires() {
    let redis = RedisServer::start(REDIS_PASSWORD);
    // The first authorized listing of team/a hangs: its process is killed meanwhile.
    let first = std::sync::atomic::AtomicBool::new(true);
    let setup = Setup::new(move |request, _| {
        if request.path() == "/v2/team/a/tags/list"
            && request.header("authorization").is_some()
            && first.swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            std::thread::sleep(Duration::from_secs(30));
            return Some(Reply::status(503));
        }
        None
    });
    let ttl = Duration::from_secs(2);
    let cache = format!("{}?lock-ttl=2s", redis.url());
    let started = Instant::now();
    let mut holder = setup.render(0, &cache).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while setup.listings("a") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(setup.listings("a"), 1);
    // SIGKILL: no chance to release the lock.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let others = spawn_all(&setup, &cache, 3, 2);
    for child in others {
        setup.check(child.wait_with_output().unwrap());
    }
    assert!(
        started.elapsed() >= ttl,
        "the others waited for the lock to expire"
    );
    assert_eq!(
        setup.listings("a"),
        2,
        "the killed one's, and one more after expiry"
    );
    // team/b: the holder may have listed it before it was killed, without writing the
    // result; then one of the others lists it again.
    let b = setup.listings("b");
    assert!((1..=2).contains(&b), "{b} listings of team/b");
}

#[test]
fn rediss_is_verified_against_ssl_cert_file_and_never_trusted_blindly() {
    let ca = TestCa::generate();
    let redis = RedisServer::start_tls(REDIS_PASSWORD, &ca.leaf_cert, &ca.leaf_key);
    let setup = Setup::new(|_, _| None);
    // The private CA trusted through SSL_CERT_FILE: entries go to Redis over TLS.
    let stderr = setup.check(
        setup
            .render(0, &redis.tls_url())
            .env("SSL_CERT_FILE", &ca.ca_cert)
            .output()
            .unwrap(),
    );
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(redis.dump().len(), 2);
    // Without it the certificate is not trusted: a warning, then the disk cache and the
    // registry.
    let stderr = setup.check(setup.render(1, &redis.tls_url()).output().unwrap());
    assert!(stderr.contains("failed (connecting"), "{stderr}");
    assert!(stderr.contains("rediss://:***@127.0.0.1:"), "{stderr}");
}

#[test]
fn a_bad_cache_url_is_invalid_input_and_never_shows_the_password() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("imagescan.yaml"), "imageScans: []\n").unwrap();
    for url in [
        "redis://:hunter2-secret@host:99999",
        "memcached://:hunter2-secret@host",
        "redis://:hunter2-secret@host?lock-ttl=1d",
    ] {
        let output = Imagescan::new(dir.path(), &["scan", path_str(dir.path())])
            .env("IMAGESCAN_CACHE", url)
            .output();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{url}: {stderr}");
        assert!(stderr.contains("invalid cache URL"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    let help = Imagescan::new(dir.path(), &["render", "--help"])
        .env("IMAGESCAN_CACHE", "redis://:hunter2-secret@host")
        .output();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("IMAGESCAN_CACHE") && !help.contains("hunter2"),
        "{help}"
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_lock_is_released_only_by_its_holder_and_expires_when_held_too_long() {
    use imagescan::cache::redis::{RedisConfig, RedisStore};
    use imagescan::cache::{Backend, CacheKey, DiskStore};

    let redis = RedisServer::start(REDIS_PASSWORD);
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("password"), REDIS_PASSWORD).unwrap();
    let store = |name: &str| {
        let mut config = RedisConfig::parse(
            &format!("{}?lock-ttl=300ms", redis.url()),
            Some(&root.path().join("password")),
        )
        .unwrap();
        // A holder past its longest hold: its lock is no longer extended.
        config.max_hold = Duration::from_millis(100);
        // Separate disk caches: only the Redis lock is shared.
        let dir = root.path().join(name);
        fs::create_dir_all(&dir).unwrap();
        RedisStore::new(config, DiskStore::new(dir))
    };
    let (a, b) = (store("a"), store("b"));
    let key = CacheKey::new("reg.example", "team/app", None);
    let lock_key = format!("imagescan:lock:{}", key.file_stem());
    let holder = |connection: &mut redis::Connection| -> Option<String> {
        redis::cmd("GET").arg(&lock_key).query(connection).unwrap()
    };
    let mut connection = redis.connect();

    let first = a.lock(&key).unwrap();
    assert!(!first.waited);
    let token_a = holder(&mut connection).expect("A holds the lock");
    // A holds it past its lifetime (as a holder that hangs would): B takes it after
    // waiting for the expiry.
    let started = Instant::now();
    let second = b.lock(&key).unwrap();
    assert!(second.waited);
    assert!(started.elapsed() >= Duration::from_millis(200));
    let token_b = holder(&mut connection).expect("B holds the lock");
    assert_ne!(token_a, token_b);
    // A's late release must not free B's lock.
    drop(first);
    assert_eq!(holder(&mut connection), Some(token_b));
    drop(second);
    assert_eq!(holder(&mut connection), None);
    assert!(a.take_warnings().is_empty() && b.take_warnings().is_empty());
}

#[test]
fn a_holder_slower_than_the_lock_ttl_keeps_its_lock_until_it_releases_it() {
    use imagescan::cache::redis::{RedisConfig, RedisStore};
    use imagescan::cache::{Backend, CacheKey, DiskStore};

    let redis = RedisServer::start(REDIS_PASSWORD);
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("password"), REDIS_PASSWORD).unwrap();
    let store = |name: &str| {
        let config = RedisConfig::parse(
            &format!("{}?lock-ttl=300ms", redis.url()),
            Some(&root.path().join("password")),
        )
        .unwrap();
        let dir = root.path().join(name);
        fs::create_dir_all(&dir).unwrap();
        RedisStore::new(config, DiskStore::new(dir))
    };
    let (a, b) = (store("a"), store("b"));
    let key = CacheKey::new("reg.example", "team/app", None);
    let lock_key = format!("imagescan:lock:{}", key.file_stem());
    let mut connection = redis.connect();
    let mut holder = || -> Option<String> {
        redis::cmd("GET")
            .arg(&lock_key)
            .query(&mut connection)
            .unwrap()
    };

    let first = a.lock(&key).unwrap();
    let token_a = holder().expect("A holds the lock");
    let held = Duration::from_millis(1500);
    std::thread::scope(|scope| {
        // B asks while A works for five times the lock's lifetime.
        let started = Instant::now();
        let (b, key) = (&b, &key);
        let waiter = scope.spawn(move || {
            let second = b.lock(key).unwrap();
            (started.elapsed(), second)
        });
        std::thread::sleep(held / 2);
        assert_eq!(holder(), Some(token_a.clone()), "extended past its 300 ms");
        std::thread::sleep(held / 2);
        assert_eq!(holder(), Some(token_a.clone()), "still A's");
        drop(first);
        let (waited_for, second) = waiter.join().unwrap();
        assert!(second.waited);
        assert!(waited_for >= held, "B got the lock after {waited_for:?}");
        let token_b = holder().expect("B holds the lock once A released it");
        assert_ne!(token_a, token_b);
    });
    assert_eq!(holder(), None, "B released it");
    assert!(a.take_warnings().is_empty() && b.take_warnings().is_empty());
}

#[test]
fn cache_ls_and_clear_reach_the_shared_cache_under_its_prefix_only() {
    use imagescan::cache::redis::{RedisConfig, RedisStore};
    use imagescan::cache::{Backend, CacheKey, DiskStore, Entry, TagList, unix_now, unix_now_ms};

    let redis = RedisServer::start(REDIS_PASSWORD);
    let root = tempfile::tempdir().unwrap();
    let password = root.path().join("password");
    fs::write(&password, REDIS_PASSWORD).unwrap();
    // Another machine wrote two entries and a quota window; this one's disk is empty.
    let writer = RedisStore::new(
        RedisConfig::parse(&redis.url(), Some(&password)).unwrap(),
        DiskStore::new(root.path().join("writer")),
    );
    fs::create_dir_all(root.path().join("writer")).unwrap();
    for (repository, count) in [("team/a", 3), ("team/b", 5000)] {
        let key = CacheKey::new("reg.example", repository, None);
        let mut entry = Entry::new(&key);
        entry.tags = Some(TagList {
            fetched_at: unix_now(),
            tags: (0..count).map(|i| format!("1.0.{i}")).collect(),
        });
        writer
            .write(&key, &entry, Duration::from_secs(600))
            .unwrap();
    }
    writer
        .write_window("reg.example", unix_now_ms() + 60_000)
        .unwrap();
    let mut connection = redis.connect();
    for key in ["other-app:entry:x", "imagescan:lock:held-by-someone"] {
        redis::cmd("SET")
            .arg(key)
            .arg("v")
            .query::<()>(&mut connection)
            .unwrap();
    }
    let disk = root.path().join("disk");
    let url = redis.url();
    let cli = |args: &[&str]| {
        Imagescan::at_root(args)
            .env("IMAGESCAN_CACHE_DIR", &disk)
            .env("IMAGESCAN_CACHE", &url)
            .env("IMAGESCAN_REDIS_PASSWORD_FILE", &password)
            .output()
    };

    let out = cli(&["cache", "ls", "--output", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    let seen: Vec<(&str, &str, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["store"].as_str().unwrap(),
                r["repository"].as_str().unwrap(),
                r["tags"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, [("redis", "team/a", 3), ("redis", "team/b", 5000)]);
    assert!(
        rows.iter()
            .all(|r| r["file"].as_str().unwrap().starts_with("imagescan:entry:"))
    );
    let table = cli(&["cache", "ls"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.starts_with("STORE  HOST"), "{table}");
    assert!(table.contains("redis  reg.example  team/b"), "{table}");

    let out = cli(&["cache", "clear"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("removed 2 cache entries from redis://:***@127.0.0.1:"),
        "{stderr}"
    );
    assert!(!stderr.contains(REDIS_PASSWORD));
    let mut left: Vec<String> = redis.dump().into_iter().map(|(key, _)| key).collect();
    left.sort();
    assert_eq!(
        left,
        ["imagescan:lock:held-by-someone", "other-app:entry:x"]
    );
    let out = cli(&["cache", "ls", "--output", "json"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");

    // Redis unreachable: an error naming the redacted URL, exit 1.
    drop(redis);
    let out = cli(&["cache", "ls"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("shared cache redis://"), "{stderr}");
    assert!(!stderr.contains(REDIS_PASSWORD));
}
