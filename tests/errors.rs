//! Every cause is printed once: the binary prints an error's chain with `{:#}`, so an
//! error that also writes its cause into its own message shows it twice. These run the
//! real binary on the inputs a user reported.

mod itest;

use itest::{assert_failed, run, stderr};

/// Runs `imagescan ARGS` in an empty directory and returns its stderr (exit 2).
fn fails_with(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), args);
    assert_failed(&out, 2);
    stderr(&out)
}

fn assert_once(stderr: &str, cause: &str) {
    assert_eq!(
        stderr.matches(cause).count(),
        1,
        "{cause:?} must appear exactly once in:\n{stderr}"
    );
}

#[test]
fn a_missing_config_file_prints_its_cause_once() {
    let err = fails_with(&["render", "--config", "/nonexistent.yaml", "."]);
    assert!(err.contains("/nonexistent.yaml"), "{err}");
    assert_once(&err, "No such file or directory");
}

#[test]
fn an_invalid_exclude_glob_prints_its_cause_once() {
    let err = fails_with(&["render", "--exclude", "[", "."]);
    assert!(err.contains("--exclude"), "{err}");
    assert_once(&err, "unclosed character class");
}

#[test]
fn a_missing_directory_prints_its_cause_once() {
    let err = fails_with(&["render", "/nonexistent-imagescan-dir"]);
    assert!(err.contains("/nonexistent-imagescan-dir"), "{err}");
    assert_once(&err, "No such file or directory");
}

#[test]
fn a_file_given_as_directory_prints_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file.yaml"), "a: 1\n").unwrap();
    let out = run(dir.path(), &["render", "file.yaml"]);
    assert_failed(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("file.yaml"), "{err}");
    assert_once(&err, "not a directory");
}
