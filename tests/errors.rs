//! Every cause is printed once: the binary prints an error's chain with `{:#}`, so an
//! error that also writes its cause into its own message shows it twice. These run the
//! real binary on the inputs a user reported.

mod support;

use support::cli::{assert_failed, run, stderr};

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

/// A git work tree with a configuration whose scan names a secret that is not mounted,
/// and one marker.
fn checkout_with_missing_secret() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    support::tree::write(
        root,
        "imagescan.yaml",
        "imageScans:\n- tagName: app\n  image: 127.0.0.1:1/team/app\n  secretRef: {name: absent}\n  policy: {semver: {range: \"*\"}}\n",
    );
    support::tree::write(
        root,
        "deploy.yaml",
        "image: 127.0.0.1:1/team/app:1.0.0 # {\"$imagescan\": \"app\"}\n",
    );
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"][..],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "init",
        ][..],
    ] {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }
    dir
}

/// One cause, one exit code: a secret that is not mounted is the environment's state
/// (exit 1) in every command that meets it, whether a scan's `secretRef` or writeback's
/// git client secret names it.
#[test]
fn a_missing_secret_exits_1_from_every_command() {
    let dir = checkout_with_missing_secret();
    for args in [
        &["render", "."][..],
        &["resolve", "."][..],
        &["scan", "."][..],
        &["writeback", "--dry-run", "."][..],
        &["writeback", "--dry-run", "--client-secret", "absent", "."][..],
    ] {
        let out = run(dir.path(), args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("secret \"absent\" not found"),
            "{args:?}: {err}"
        );
        assert_once(&err, "not found");
    }
}

/// A secret name that could leave the secrets directory is invalid input (exit 2) for
/// git client secrets too, as it is for `secretRef` (which `check` already rejects).
#[test]
fn a_client_secret_name_with_a_path_is_invalid_input() {
    let dir = checkout_with_missing_secret();
    let out = run(
        dir.path(),
        &[
            "writeback",
            "--dry-run",
            "--client-secret",
            "../secrets",
            ".",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid secret name \"../secrets\""), "{err}");
}
