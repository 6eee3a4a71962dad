//! `imagescan cache ls|clear` on the real binary, with entries written through the
//! library API into a temp directory named by `IMAGESCAN_CACHE_DIR` (or found through
//! `XDG_CACHE_HOME` / `HOME`).

mod support;

use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use support::cli::Imagescan;

use imagescan::cache::{Cache, CacheKey, Mode};
use imagescan::credentials::Credential;

#[derive(Debug, thiserror::Error)]
#[error("unused")]
struct Never;

/// The binary with a clean cache environment: only the variables given.
fn imagescan(args: &[&str], vars: &[(&str, &Path)]) -> Output {
    let mut run = Imagescan::at_root(args)
        .env_remove("IMAGESCAN_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME");
    for (name, value) in vars {
        run = run.env(name, value);
    }
    run.output()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Writes three entries: two tenants of one repository and a Docker Hub image with two
/// digests.
fn populate(dir: &Path) {
    let cache = Cache::open(dir).unwrap();
    let hour = Duration::from_secs(3600);
    let ok = |tags: &[&str]| Ok::<_, Never>(tags.iter().map(|t| (*t).to_owned()).collect());
    let alice = Credential::password("alice", "pw-a");
    let bob = Credential::password("bob", "pw-b");
    for credential in [&alice, &bob] {
        let key = CacheKey::new("reg.example:5000", "team/app", Some(credential));
        cache
            .tags(&key, hour, Mode::default(), || ok(&["1.0", "1.1", "2.0"]))
            .unwrap();
    }
    let hub = CacheKey::new("registry-1.docker.io", "library/nginx", None);
    cache
        .tags(&hub, hour, Mode::default(), || ok(&["1.27", "1.28"]))
        .unwrap();
    for (platform, digest) in [(None, "sha256:aa"), (Some("linux/arm64"), "sha256:bb")] {
        let platform = platform.map(|p| p.parse().unwrap());
        cache
            .digest(
                &hub,
                "1.28",
                platform.as_ref(),
                hour,
                Mode::default(),
                || Ok::<_, Never>(digest.to_owned()),
            )
            .unwrap();
    }
}

#[test]
fn ls_prints_a_table_of_entries() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path());
    let output = imagescan(&["cache", "ls"], &[("IMAGESCAN_CACHE_DIR", dir.path())]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let text = stdout(&output);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert_eq!(rows[0], ["HOST", "REPOSITORY", "TAGS", "AGE", "DIGESTS"]);
    let without_age: Vec<[&str; 4]> = rows[1..].iter().map(|r| [r[0], r[1], r[2], r[4]]).collect();
    assert_eq!(
        without_age,
        [
            ["reg.example:5000", "team/app", "3", "0"],
            ["reg.example:5000", "team/app", "3", "0"],
            ["registry-1.docker.io", "library/nginx", "2", "2"],
        ]
    );
    // Written just now: seconds old.
    for row in &rows[1..] {
        assert!(
            row[3].ends_with('s') && row[3][..row[3].len() - 1].parse::<u64>().is_ok(),
            "{text}"
        );
    }
    // Columns are aligned: every row's second column starts at the same offset.
    let second_column = |line: &str| {
        let rest = &line[line.find(' ').unwrap()..];
        line.len() - rest.trim_start().len()
    };
    let offsets: Vec<usize> = text.lines().map(second_column).collect();
    assert!(offsets.windows(2).all(|w| w[0] == w[1]), "{text}");
}

#[test]
fn ls_json_for_programs() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path());
    let output = imagescan(
        &["cache", "ls", "--output", "json"],
        &[("IMAGESCAN_CACHE_DIR", dir.path())],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let hub = &rows[2];
    assert_eq!(hub["host"], "registry-1.docker.io");
    assert_eq!(hub["repository"], "library/nginx");
    assert_eq!(hub["tags"], 2);
    assert_eq!(hub["digests"], 2);
    assert!(hub["fetched_at"].as_u64().unwrap() > 1_700_000_000);
    assert!(hub["age_seconds"].as_u64().unwrap() < 600);
    let file = hub["file"].as_str().unwrap();
    assert_eq!(
        file,
        format!(
            "{}.json",
            CacheKey::new("registry-1.docker.io", "library/nginx", None).file_stem()
        )
    );
    assert!(dir.path().join(file).is_file());
    // Two tenants, two files.
    assert_ne!(rows[0]["file"], rows[1]["file"]);
}

#[test]
fn ls_of_a_missing_directory_is_empty_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent");
    let output = imagescan(&["cache", "ls"], &[("IMAGESCAN_CACHE_DIR", &absent)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "HOST  REPOSITORY  TAGS  AGE  DIGESTS\n");
    let output = imagescan(
        &["cache", "ls", "--output", "json"],
        &[("IMAGESCAN_CACHE_DIR", &absent)],
    );
    assert_eq!(stdout(&output), "[]\n");
    assert!(!absent.exists());
}

#[test]
fn ls_warns_about_unreadable_entries() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path());
    fs::write(
        dir.path().join(format!("{}.json", "a".repeat(64))),
        "{truncated",
    )
    .unwrap();
    let output = imagescan(
        &["cache", "ls", "--output", "json"],
        &[("IMAGESCAN_CACHE_DIR", dir.path())],
    );
    assert!(output.status.success());
    assert_eq!(
        stderr(&output),
        "imagescan: warning: 1 unreadable cache entries (replaced on their next refresh)\n"
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);
}

#[test]
fn the_directory_comes_from_xdg_cache_home_then_home() {
    let xdg = tempfile::tempdir().unwrap();
    populate(&xdg.path().join("imagescan"));
    let output = imagescan(
        &["cache", "ls", "--output", "json"],
        &[("XDG_CACHE_HOME", xdg.path())],
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);

    let home = tempfile::tempdir().unwrap();
    populate(&home.path().join(".cache/imagescan"));
    let output = imagescan(
        &["cache", "ls", "--output", "json"],
        &[("HOME", home.path())],
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);

    // IMAGESCAN_CACHE_DIR wins over both.
    let empty = tempfile::tempdir().unwrap();
    let output = imagescan(
        &["cache", "ls", "--output", "json"],
        &[
            ("IMAGESCAN_CACHE_DIR", empty.path()),
            ("XDG_CACHE_HOME", xdg.path()),
            ("HOME", home.path()),
        ],
    );
    assert_eq!(stdout(&output), "[]\n");
}

#[test]
fn no_cache_directory_at_all_is_invalid_input() {
    let output = imagescan(&["cache", "ls"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "imagescan: error: no cache directory: set IMAGESCAN_CACHE_DIR, XDG_CACHE_HOME or HOME\n"
    );
}

#[test]
fn clear_removes_only_the_cache_files() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path());
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("target"), "keep").unwrap();
    // Things the cache did not write, some named like its files.
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    fs::create_dir(dir.path().join(format!("{}.json", "b".repeat(64)))).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("target"),
        dir.path().join(format!("{}.lock", "c".repeat(64))),
    )
    .unwrap();
    fs::write(dir.path().join(format!("{}.JSON", "d".repeat(64))), "").unwrap();
    let before = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(before, 3 + 3 + 4, "3 entries, 3 locks, 4 foreign files");

    let output = imagescan(&["cache", "clear"], &[("IMAGESCAN_CACHE_DIR", dir.path())]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        format!(
            "imagescan: removed 3 cache entries from {}\n",
            dir.path().display()
        )
    );
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            format!("{}.json", "b".repeat(64)),
            format!("{}.lock", "c".repeat(64)),
            format!("{}.JSON", "d".repeat(64)),
            "notes.txt".to_owned(),
        ]
    );
    assert_eq!(
        fs::read_to_string(outside.path().join("target")).unwrap(),
        "keep"
    );

    let output = imagescan(
        &["cache", "ls", "--output", "json"],
        &[("IMAGESCAN_CACHE_DIR", dir.path())],
    );
    assert_eq!(stdout(&output), "[]\n");
    // Clearing a missing directory is not an error.
    let output = imagescan(
        &["cache", "clear"],
        &[("IMAGESCAN_CACHE_DIR", &dir.path().join("absent"))],
    );
    assert!(output.status.success());
}
