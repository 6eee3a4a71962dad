//! Unit tests of the cache protocol on real files in temp directories, with a fixed
//! clock, and single-flight across threads that each open their own `Cache` (each with
//! its own lock file descriptions, so `flock` treats them like separate processes).

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::*;
use crate::credentials::Credential;
use crate::source::Tags;

const T0: u64 = 1_700_000_000;
const INTERVAL: Duration = Duration::from_secs(300);
const ONLINE: Mode = Mode::Online {
    max_stale: Duration::from_secs(3600),
};

#[derive(Debug, thiserror::Error)]
#[error("registry reg.example is down")]
struct Down;

fn key() -> CacheKey {
    CacheKey::new("reg.example", "team/app", None)
}

fn tags(list: &[&str]) -> Tags {
    list.iter().collect()
}

fn never<T>() -> Result<T, Down> {
    panic!("refresh must not be called")
}

fn fill(cache: &Cache, key: &CacheKey, list: &[&str]) {
    let got = cache
        .tags(key, INTERVAL, ONLINE, || Ok::<_, Down>(tags(list)))
        .unwrap();
    assert_eq!(got.status, CacheStatus::Refreshed);
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn dir_from_the_environment() {
    type Vars = &'static [(&'static str, &'static str)];
    let table: &[(Vars, Option<&str>)] = &[
        (
            &[
                ("IMAGESCAN_CACHE_DIR", "/c"),
                ("XDG_CACHE_HOME", "/x"),
                ("HOME", "/h"),
            ],
            Some("/c"),
        ),
        (
            &[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")],
            Some("/x/imagescan"),
        ),
        (
            &[("XDG_CACHE_HOME", "relative"), ("HOME", "/h")],
            Some("/h/.cache/imagescan"),
        ),
        (
            &[("IMAGESCAN_CACHE_DIR", ""), ("HOME", "/h")],
            Some("/h/.cache/imagescan"),
        ),
        (&[], None),
    ];
    for (vars, expected) in table {
        let got = dir_from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        });
        assert_eq!(got, expected.map(PathBuf::from), "{vars:?}");
    }
}

#[test]
fn missing_then_fresh_then_stale() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    fill(&cache, &key(), &["1.0", "1.1"]);

    let later = cache.clone().with_clock(T0 + 299);
    let got = later.tags(&key(), INTERVAL, ONLINE, never).unwrap();
    assert_eq!(
        got.status,
        CacheStatus::Fresh {
            age: Duration::from_secs(299)
        }
    );
    assert_eq!(got.value.tags, tags(&["1.0", "1.1"]));
    assert_eq!(got.value.fetched_at, T0);

    let stale = cache.clone().with_clock(T0 + 300);
    let got = stale
        .tags(&key(), INTERVAL, ONLINE, || {
            Ok::<_, Down>(tags(&["1.2", "1.0"]))
        })
        .unwrap();
    assert_eq!(got.status, CacheStatus::Refreshed);
    // Registry order is kept.
    assert_eq!(got.value.tags, tags(&["1.2", "1.0"]));
    assert_eq!(got.value.fetched_at, T0 + 300);
    let entry = cache.read(&key()).unwrap().unwrap();
    assert_eq!(entry.tags.unwrap().tags, tags(&["1.2", "1.0"]));
}

#[test]
fn fresh_answers_alone_are_served_without_the_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    assert!(
        cache.session(&key()).fresh_tags(INTERVAL).is_none(),
        "missing"
    );
    fill(&cache, &key(), &["1.0", "1.1"]);
    let got = cache.session(&key()).fresh_digest("1.1", None, INTERVAL);
    assert!(got.is_none(), "no digest cached");
    cache
        .digest(&key(), "1.1", None, INTERVAL, ONLINE, || {
            Ok::<_, Down>("sha256:aa".to_owned())
        })
        .unwrap();

    let later = cache.clone().with_clock(T0 + 299);
    let mut session = later.session(&key());
    let got = session.fresh_tags(INTERVAL).unwrap();
    assert_eq!(got.value.tags, tags(&["1.0", "1.1"]));
    assert_eq!(
        got.status,
        CacheStatus::Fresh {
            age: Duration::from_secs(299)
        }
    );
    let got = session.fresh_digest("1.1", None, INTERVAL).unwrap();
    assert_eq!(got.value, "sha256:aa");
    assert!(session.fresh_digest("1.0", None, INTERVAL).is_none());
    session.finish().unwrap();

    let stale = cache.clone().with_clock(T0 + 300);
    let mut session = stale.session(&key());
    assert!(session.fresh_tags(INTERVAL).is_none(), "stale");
    assert!(session.fresh_digest("1.1", None, INTERVAL).is_none());
}

#[test]
fn zero_interval_always_refreshes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    fill(&cache, &key(), &["a"]);
    let calls = AtomicUsize::new(0);
    for _ in 0..2 {
        let got = cache
            .tags(&key(), Duration::ZERO, ONLINE, || {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<_, Down>(tags(&["b"]))
            })
            .unwrap();
        assert_eq!(got.status, CacheStatus::Refreshed);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn stale_if_error_within_max_stale_then_error_after() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    fill(&cache, &key(), &["1.0"]);

    let within = cache.clone().with_clock(T0 + 3600);
    let got = within
        .tags(&key(), INTERVAL, ONLINE, || Err::<Tags, _>(Down))
        .unwrap();
    assert_eq!(
        got.status,
        CacheStatus::Stale {
            age: Duration::from_secs(3600),
            reason: "registry reg.example is down".into()
        }
    );
    assert_eq!(got.value.tags, tags(&["1.0"]));

    // Past the failure hold, the registry is tried again; the entry is now too old.
    let after = cache.clone().with_clock(T0 + 3601 + 10);
    let err = after
        .tags(&key(), INTERVAL, ONLINE, || Err::<Tags, _>(Down))
        .unwrap_err();
    assert!(matches!(err, FetchError::TooStale { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot refresh tags of reg.example/team/app, and the cached copy is 1h0m old (more than --max-stale 1h)"
    );
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "registry reg.example is down"
    );
    // The stale entry is kept for offline use.
    let got = after.tags(&key(), INTERVAL, Mode::Offline, never).unwrap();
    assert_eq!(got.value.tags, tags(&["1.0"]));
}

#[test]
fn refresh_error_with_nothing_cached_is_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    let err = cache
        .tags(&key(), INTERVAL, ONLINE, || Err::<Tags, _>(Down))
        .unwrap_err();
    assert!(matches!(err, FetchError::Refresh(Down)), "{err:?}");
    assert_eq!(err.to_string(), "registry reg.example is down");
}

#[test]
fn a_recent_failure_is_not_retried_until_the_hold_passes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    assert!(
        cache
            .tags(&key(), INTERVAL, ONLINE, || Err::<Tags, _>(Down))
            .is_err()
    );

    let soon = cache.clone().with_clock(T0 + 9);
    let err = soon
        .tags(&key(), INTERVAL, ONLINE, never::<Tags>)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot refresh tags of reg.example/team/app: registry reg.example is down (failed 9s ago; not retried yet)"
    );

    let later = cache.clone().with_clock(T0 + 10);
    let got = later
        .tags(&key(), INTERVAL, ONLINE, || Ok::<_, Down>(tags(&["1.0"])))
        .unwrap();
    assert_eq!(got.status, CacheStatus::Refreshed);
    // Success clears the failure record.
    assert!(cache.read(&key()).unwrap().unwrap().failures.is_empty());
}

#[test]
fn offline_reads_only() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    let err = cache
        .tags(&key(), INTERVAL, Mode::Offline, never)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "offline: no cached tags for reg.example/team/app; run once online to fill the cache"
    );
    fill(&cache, &key(), &["1.0"]);
    // However old.
    let much_later = cache.clone().with_clock(T0 + 365 * 86400);
    let got = much_later
        .tags(&key(), INTERVAL, Mode::Offline, never)
        .unwrap();
    assert_eq!(
        got.status,
        CacheStatus::Offline {
            age: Duration::from_secs(365 * 86400)
        }
    );
    let err = much_later
        .digest(&key(), "1.0", None, INTERVAL, Mode::Offline, never)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "offline: no cached digest of tag 1.0 for reg.example/team/app; run once online to fill the cache"
    );
}

#[test]
fn digests_per_tag_and_platform() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    fill(&cache, &key(), &["1.0", "1.1"]);
    let arm: crate::platform::Platform = "linux/arm64".parse().unwrap();
    let got = cache
        .digest(&key(), "1.0", None, INTERVAL, ONLINE, || {
            Ok::<_, Down>("sha256:index".into())
        })
        .unwrap();
    assert_eq!(
        (got.value.as_str(), got.status),
        ("sha256:index", CacheStatus::Refreshed)
    );
    let got = cache
        .digest(&key(), "1.0", Some(&arm), INTERVAL, ONLINE, || {
            Ok::<_, Down>("sha256:arm".into())
        })
        .unwrap();
    assert_eq!(got.value, "sha256:arm");
    let soon = cache.clone().with_clock(T0 + 1);
    let got = soon
        .digest(&key(), "1.0", Some(&arm), INTERVAL, ONLINE, never)
        .unwrap();
    assert_eq!(
        (got.value.as_str(), got.status),
        (
            "sha256:arm",
            CacheStatus::Fresh {
                age: Duration::from_secs(1)
            }
        )
    );
    let got = soon
        .digest(&key(), "1.0", None, INTERVAL, ONLINE, never)
        .unwrap();
    assert_eq!(got.value, "sha256:index");

    // Digests survive a tag refresh while their tag exists, with their own times.
    let later = cache.clone().with_clock(T0 + 400);
    later
        .tags(&key(), INTERVAL, ONLINE, || {
            Ok::<_, Down>(tags(&["1.0", "1.2"]))
        })
        .unwrap();
    let entry = cache.read(&key()).unwrap().unwrap();
    assert_eq!(entry.digests.len(), 2);
    assert!(entry.digests.iter().all(|d| d.fetched_at == T0));
    // A stale digest is refreshed on its own.
    let got = later
        .digest(&key(), "1.0", None, INTERVAL, ONLINE, || {
            Ok::<_, Down>("sha256:moved".into())
        })
        .unwrap();
    assert_eq!(
        (got.value.as_str(), got.status),
        ("sha256:moved", CacheStatus::Refreshed)
    );
    assert_eq!(
        later
            .read(&key())
            .unwrap()
            .unwrap()
            .tags
            .unwrap()
            .fetched_at,
        T0 + 400
    );
}

#[test]
fn corrupt_and_foreign_version_entries_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    let path = dir.path().join(format!("{}.json", key().file_stem()));
    let other_version = format!(
        r#"{{"version": 99, "host": "reg.example", "repository": "team/app", "tags": {{"fetched_at": {T0}, "tags": ["old"]}}}}"#
    );
    for content in [
        "",
        "{not json",
        "{\"version\": 1, \"host\": 5}",
        "\0\0\0",
        &other_version,
    ] {
        std::fs::write(&path, content).unwrap();
        assert_eq!(cache.read(&key()).unwrap(), None, "{content:?}");
        assert!(matches!(
            cache.tags(&key(), INTERVAL, Mode::Offline, never),
            Err(FetchError::Cache(CacheError::OfflineMiss { .. }))
        ));
        let got = cache
            .tags(&key(), INTERVAL, ONLINE, || Ok::<_, Down>(tags(&["new"])))
            .unwrap();
        assert_eq!(got.value.tags, tags(&["new"]), "{content:?}");
        assert!(cache.read(&key()).unwrap().is_some());
    }
}

#[test]
fn entry_of_another_key_in_the_file_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    let other = CacheKey::new("reg.example", "team/other", None);
    fill(&cache, &other, &["x"]);
    std::fs::rename(
        dir.path().join(format!("{}.json", other.file_stem())),
        dir.path().join(format!("{}.json", key().file_stem())),
    )
    .unwrap();
    assert_eq!(cache.read(&key()).unwrap(), None);
}

#[test]
fn permissions_and_no_temp_files_left() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("nested/cache");
    let cache = Cache::open(&dir).unwrap().with_clock(T0);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for i in 0..5 {
        let later = cache.clone().with_clock(T0 + 1000 * i);
        later
            .tags(&key(), INTERVAL, ONLINE, || Ok::<_, Down>(tags(&["1"])))
            .unwrap();
        later
            .digest(&key(), "1", None, INTERVAL, ONLINE, || {
                Ok::<_, Down>("sha256:1".into())
            })
            .unwrap();
    }
    let stem = key().file_stem();
    assert_eq!(
        names(&dir),
        [format!("{stem}.json"), format!("{stem}.lock")]
    );
    assert_eq!(mode(&dir.join(format!("{stem}.json"))), 0o600);
    assert_eq!(mode(&dir.join(format!("{stem}.lock"))), 0o600);
}

#[test]
fn credentials_separate_entries_and_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    let alice = Credential::password("alice", "alice-secret-pw");
    let bob = Credential::password("bob", "bob-secret-pw");
    let key_a = CacheKey::new("reg.example", "team/app", Some(&alice));
    let key_b = CacheKey::new("reg.example", "team/app", Some(&bob));
    fill(&cache, &key_a, &["a-only"]);
    fill(&cache, &key_b, &["b-only"]);
    assert_eq!(
        cache.read(&key_a).unwrap().unwrap().tags.unwrap().tags,
        tags(&["a-only"])
    );
    assert_eq!(
        cache.read(&key_b).unwrap().unwrap().tags.unwrap().tags,
        tags(&["b-only"])
    );
    assert_eq!(cache.read(&key()).unwrap(), None);
    for name in names(dir.path()) {
        let content = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        for needle in ["alice", "bob", "secret", &alice.identity(), &bob.identity()] {
            assert!(!content.contains(needle), "{name} contains {needle}");
        }
    }
}

#[test]
fn links_in_the_cache_directory_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious");
    std::fs::write(&target, "keep me").unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    let stem = key().file_stem();
    std::os::unix::fs::symlink(&target, dir.path().join(format!("{stem}.json"))).unwrap();
    assert_eq!(cache.read(&key()).unwrap(), None);
    // A link where the lock belongs is refused.
    std::os::unix::fs::symlink(&target, dir.path().join(format!("{stem}.lock"))).unwrap();
    let err = cache
        .tags(&key(), INTERVAL, ONLINE, || Ok::<_, Down>(tags(&["x"])))
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Cache(CacheError::NotRegularFile { .. })),
        "{err:?}"
    );
    std::fs::remove_file(dir.path().join(format!("{stem}.lock"))).unwrap();
    // The write replaces the entry link itself, not its target.
    fill(&cache, &key(), &["x"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    // clear leaves links alone and removes only the cache's own files.
    std::os::unix::fs::symlink(&target, dir.path().join(format!("{}.json", "f".repeat(64))))
        .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let cleared = cache.clear().unwrap();
    assert_eq!(
        cleared,
        Cleared {
            entries: 1,
            other: 1
        }
    );
    assert_eq!(
        names(dir.path()),
        [format!("{}.json", "f".repeat(64)), "notes.txt".into()]
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
}

#[test]
fn list_sorts_entries_and_reports_unreadable_ones() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    fill(&cache, &CacheKey::new("b.example", "x", None), &["1"]);
    fill(&cache, &CacheKey::new("a.example", "z", None), &["1", "2"]);
    fill(&cache, &CacheKey::new("a.example", "y", None), &[]);
    let bad = dir.path().join(format!("{}.json", "0".repeat(64)));
    std::fs::write(&bad, "garbage").unwrap();
    let listing = cache.list().unwrap();
    let rows: Vec<(&str, &str)> = listing
        .entries
        .iter()
        .map(|e| (e.entry.host.as_str(), e.entry.repository.as_str()))
        .collect();
    assert_eq!(
        rows,
        [("a.example", "y"), ("a.example", "z"), ("b.example", "x")]
    );
    assert_eq!(listing.unreadable, [bad]);
    assert_eq!(
        Cache::at(dir.path().join("absent")).list().unwrap(),
        Listing::default()
    );
    assert_eq!(
        Cache::at(dir.path().join("absent")).clear().unwrap(),
        Cleared::default()
    );
}

/// Per thread: the tags and status served, or the error.
type Outcome = Result<(Tags, CacheStatus), String>;

/// Runs `threads` lookups of one entry at once, each through its own `Cache` (its own
/// lock file descriptions), and returns how many refreshes ran and the statuses.
fn concurrent_lookups(
    dir: &std::path::Path,
    threads: usize,
    outcome: fn() -> Result<Tags, Down>,
) -> (usize, Vec<Outcome>) {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (dir, refreshes, barrier) = (dir.to_owned(), refreshes.clone(), barrier.clone());
            std::thread::spawn(move || {
                let cache = Cache::open(&dir).unwrap();
                barrier.wait();
                cache
                    .tags(&key(), INTERVAL, ONLINE, || {
                        refreshes.fetch_add(1, Ordering::SeqCst);
                        // Long enough for every other thread to queue on the lock; the
                        // count below does not depend on it.
                        std::thread::sleep(Duration::from_millis(200));
                        outcome()
                    })
                    .map(|l| (l.value.tags, l.status))
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    let results = handles.into_iter().map(|h| h.join().unwrap()).collect();
    (refreshes.load(Ordering::SeqCst), results)
}

#[test]
fn concurrent_lookups_of_a_missing_entry_refresh_once() {
    let dir = tempfile::tempdir().unwrap();
    let (refreshes, results) = concurrent_lookups(dir.path(), 8, || Ok(tags(&["1.0", "2.0"])));
    assert_eq!(refreshes, 1);
    let mut refreshed = 0;
    for result in results {
        let (list, status) = result.unwrap();
        assert_eq!(list, tags(&["1.0", "2.0"]));
        match status {
            CacheStatus::Refreshed => refreshed += 1,
            CacheStatus::Fresh { .. } => {}
            other => panic!("unexpected status {other:?}"),
        }
    }
    assert!(refreshed >= 1);
}

#[test]
fn concurrent_lookups_share_one_failed_refresh() {
    let dir = tempfile::tempdir().unwrap();
    // A stale entry: fetched 20 minutes ago by the real clock.
    let old = unix_now() - 1200;
    fill(
        &Cache::open(dir.path()).unwrap().with_clock(old),
        &key(),
        &["1.0"],
    );
    let (refreshes, results) = concurrent_lookups(dir.path(), 8, || Err(Down));
    assert_eq!(refreshes, 1);
    for result in results {
        let (list, status) = result.unwrap();
        assert_eq!(list, tags(&["1.0"]));
        assert!(
            matches!(&status, CacheStatus::Stale { reason, .. } if reason == "registry reg.example is down"),
            "{status:?}"
        );
    }
}

/// The disk store, counting what the cache protocol asks of it.
#[derive(Debug)]
struct Counting {
    disk: DiskStore,
    reads: AtomicUsize,
    writes: AtomicUsize,
    locks: AtomicUsize,
}

impl Counting {
    fn counts(&self) -> [usize; 3] {
        [&self.reads, &self.writes, &self.locks].map(|n| n.load(Ordering::SeqCst))
    }
}

impl Backend for Counting {
    fn read(&self, key: &CacheKey) -> Result<Option<Entry>, CacheError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.disk.read(key)
    }
    fn write(&self, key: &CacheKey, entry: &Entry, keep: Duration) -> Result<(), CacheError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.disk.write(key, entry, keep)
    }
    fn lock(&self, key: &CacheKey) -> Result<Locked, CacheError> {
        self.locks.fetch_add(1, Ordering::SeqCst);
        self.disk.lock(key)
    }
    fn read_window(&self, host: &str) -> Result<Option<u64>, CacheError> {
        self.disk.read_window(host)
    }
    fn write_window(&self, host: &str, until_ms: u64) -> Result<(), CacheError> {
        self.disk.write_window(host, until_ms)
    }
}

fn counting(dir: &std::path::Path) -> (Cache, Arc<Counting>) {
    let counting = Arc::new(Counting {
        disk: DiskStore::new(dir),
        reads: AtomicUsize::new(0),
        writes: AtomicUsize::new(0),
        locks: AtomicUsize::new(0),
    });
    let cache = Cache::open(dir)
        .unwrap()
        .with_clock(T0)
        .with_backend(Arc::clone(&counting) as Arc<dyn Backend>);
    (cache, counting)
}

/// A scan's lookups: the tag list, then the digest of its tag 1.0; the refreshes
/// answer `list` and `digest`. Returns what was served and the two statuses.
fn scan_session(cache: &Cache, list: &[&str], digest: &str) -> (Tags, String, [CacheStatus; 2]) {
    let mut session = cache.session(&key());
    let got = session
        .tags(INTERVAL, ONLINE, || Ok::<_, Down>(tags(list)))
        .unwrap();
    let (served_tags, tags_status) = (got.value.tags.clone(), got.status);
    let got = session
        .digest("1.0", None, INTERVAL, ONLINE, || {
            Ok::<_, Down>(digest.to_owned())
        })
        .unwrap();
    session.finish().unwrap();
    (served_tags, got.value, [tags_status, got.status])
}

#[test]
fn a_session_reads_locks_and_writes_the_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, counts) = counting(dir.path());
    // Cold: one read of the missing entry, one lock, one read under it, one write of
    // the tags and the digest together.
    let refreshed = CacheStatus::Refreshed;
    let (served, digest, statuses) = scan_session(&cache, &["1.0", "1.1"], "sha256:a");
    assert_eq!(
        (served, digest.as_str()),
        (tags(&["1.0", "1.1"]), "sha256:a")
    );
    assert_eq!(statuses, [refreshed.clone(), refreshed.clone()]);
    assert_eq!(counts.counts(), [2, 1, 1]);
    let entry = cache.read(&key()).unwrap().unwrap();
    assert_eq!(entry.tags.map(|t| t.tags), Some(tags(&["1.0", "1.1"])));
    assert_eq!(entry.digests.len(), 1);
    assert_eq!(entry.digests[0].digest, "sha256:a");
    // Warm: one read serves both, no lock, no write.
    let (cache, counts) = counting(dir.path());
    let fresh = CacheStatus::Fresh {
        age: Duration::ZERO,
    };
    let (served, digest, statuses) = scan_session(&cache, &["new"], "sha256:new");
    assert_eq!(
        (served, digest.as_str()),
        (tags(&["1.0", "1.1"]), "sha256:a")
    );
    assert_eq!(statuses, [fresh.clone(), fresh.clone()]);
    assert_eq!(counts.counts(), [1, 0, 0]);
    // Fresh tags, the digest of a tag not looked up yet: read again under the lock
    // (another process may have looked it up meanwhile), then one write.
    std::fs::remove_dir_all(dir.path()).unwrap();
    let (cache, _) = counting(dir.path());
    fill(&cache, &key(), &["1.0"]);
    let (cache, counts) = counting(dir.path());
    let (served, digest, statuses) = scan_session(&cache, &["new"], "sha256:b");
    assert_eq!((served, digest.as_str()), (tags(&["1.0"]), "sha256:b"));
    assert_eq!(statuses, [fresh, refreshed]);
    assert_eq!(counts.counts(), [2, 1, 1]);
}

#[test]
fn a_session_ended_by_a_failed_lookup_still_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap().with_clock(T0);
    {
        let mut session = cache.session(&key());
        session
            .tags(INTERVAL, ONLINE, || Ok::<_, Down>(tags(&["1.0"])))
            .unwrap();
        let error = session
            .digest("1.0", None, INTERVAL, ONLINE, || Err::<String, _>(Down))
            .unwrap_err();
        assert!(matches!(error, FetchError::Refresh(Down)), "{error:?}");
        // Dropped here, as a scan returning the error drops it.
    }
    let entry = cache.read(&key()).unwrap().unwrap();
    assert_eq!(entry.tags.map(|t| t.tags), Some(tags(&["1.0"])));
    assert_eq!(entry.failures.len(), 1);
    assert_eq!(
        names(dir.path()).len(),
        2,
        "the entry and its lock file, no temp file"
    );
}
