//! What goes to stderr besides the product: `-q`, `-v`, `IMAGESCAN_LOG` and
//! `--log-format json` (SPEC §7), on the real binary over the offline demo.

mod support;

use support::cli::{Imagescan, assert_exit, crate_root, stderr};

#[test]
fn quiet_says_nothing_on_success_and_errors_still_show() {
    let out = Imagescan::new(&crate_root(), &["-q", "check", "testdata/demo"]).output();
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let out = Imagescan::new(&crate_root(), &["check", "testdata/no-such-dir", "--quiet"]).output();
    assert_exit(&out, 2);
    assert!(
        stderr(&out).starts_with("imagescan: error: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_environment_sets_the_level_unless_a_flag_does() {
    let out = Imagescan::new(&crate_root(), &["check", "testdata/demo"])
        .env("IMAGESCAN_LOG", "error")
        .output();
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    let out = Imagescan::new(&crate_root(), &["render", "testdata/demo"])
        .env("IMAGESCAN_LOG", "debug")
        .output();
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("imagescan: scan web: 1.5.0 (from layout; 7 tags seen, 4 kept)\n"),
        "{}",
        stderr(&out)
    );
    let out = Imagescan::new(&crate_root(), &["-v", "render", "testdata/demo"])
        .env("IMAGESCAN_LOG", "error")
        .output();
    assert!(
        stderr(&out).contains("imagescan: scan web: 1.5.0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_lines_carry_level_and_message() {
    let out = Imagescan::new(
        &crate_root(),
        &["--log-format", "json", "-v", "render", "testdata/demo"],
    )
    .output();
    assert_exit(&out, 0);
    let lines: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each stderr line is JSON"))
        .collect();
    assert_eq!(lines.len(), 6, "one detail per scan: {lines:?}");
    assert!(lines.iter().all(|l| l["level"] == "debug"));
    assert!(lines.iter().any(|l| {
        l["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("scan api: v1.2.0 (from layout"))
    }));
    let out = Imagescan::new(
        &crate_root(),
        &["--log-format", "json", "check", "testdata/nowhere"],
    )
    .output();
    assert_exit(&out, 2);
    let line: serde_json::Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_eq!(line["level"], "error");
}

/// Under `--log-format json` every stderr line is one JSON object, the findings of
/// `check` and `resolve --check` included (they are the commands' results: said at any
/// level, with their fields).
#[test]
fn findings_are_json_lines_too() {
    let repo = support::tree::DemoCopy::new();
    support::tree::write(
        &repo.demo(),
        "broken.yaml",
        "image: x # {\"$imagescan\": \"nope\"}\n",
    );
    let json_lines = |out: &std::process::Output| -> Vec<serde_json::Value> {
        stderr(out)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
            .collect()
    };
    let out = Imagescan::new(
        repo.root(),
        &["--log-format", "json", "-q", "check", "demo"],
    )
    .output();
    assert_exit(&out, 2);
    let lines = json_lines(&out);
    let problem = lines
        .iter()
        .find(|l| l["kind"] == "problem")
        .expect("the problem");
    assert_eq!(problem["code"], "undefined-scan", "{problem}");
    assert_eq!(problem["path"], "demo/broken.yaml");
    assert_eq!(problem["line"], 1);
    assert!(lines.iter().any(|l| l["problems"] == 1), "{lines:?}");

    std::fs::remove_file(repo.demo().join("broken.yaml")).unwrap();
    let out = Imagescan::new(
        repo.root(),
        &["--log-format", "json", "resolve", "demo", "--check"],
    )
    .output();
    assert_exit(&out, 3);
    let lines = json_lines(&out);
    let changes: Vec<_> = lines
        .iter()
        .filter(|l| l["kind"] == "out-of-date")
        .collect();
    assert_eq!(changes.len(), 7, "{lines:?}");
    assert!(
        changes.iter().any(|c| c["path"] == "demo/deployment.yaml"
            && c["line"] == 20
            && c["scan"] == "web"
            && c["new_value"] == "registry.example.com/team/web:1.5.0"),
        "{changes:?}"
    );
}

/// `check --output json` and `resolve --check --output json` print their findings as one
/// JSON document on stdout (for CI annotations), the exit code unchanged.
#[test]
fn findings_as_json_on_stdout() {
    let out = Imagescan::new(
        &crate_root(),
        &["resolve", "testdata/demo", "--check", "--output", "json"],
    )
    .output();
    assert_exit(&out, 3);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 7, "{rows}");
    assert_eq!(rows[0]["path"], "testdata/demo/cronjob.yaml");
    assert_eq!(rows[0]["old_value"], "registry.example.com/team/migrate:99");

    let out = Imagescan::new(
        &crate_root(),
        &["check", "testdata/demo", "--output", "json"],
    )
    .output();
    assert_exit(&out, 0);
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings["errors"], serde_json::json!([]));
    assert_eq!(findings["summary"]["scans"], 6);
    assert_eq!(findings["summary"]["markers"], 7);
}

/// Nothing to do is said: a directory with no configuration, or no marker, exits 0 with
/// a warning naming it (a wrong path is not silent).
#[test]
fn nothing_to_do_is_a_warning() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join(".git")).unwrap();
    support::tree::write(empty.path(), "a.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    for args in [&["render", "."][..], &["resolve", "."], &["scan", "."]] {
        let out = Imagescan::new(empty.path(), args).output();
        assert_exit(&out, 0);
        assert!(
            stderr(&out).contains("warning: no configuration found for ."),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    support::tree::write(
        empty.path(),
        "imagescan.yaml",
        "imageScans:\n- tagName: web\n  image: example.com/web\n",
    );
    for args in [&["render", "."][..], &["resolve", "."]] {
        let out = Imagescan::new(empty.path(), args).output();
        assert_exit(&out, 0);
        assert!(
            stderr(&out).contains("warning: no marker found under ."),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn an_unknown_level_in_the_environment_is_invalid_input() {
    for value in ["loud", "warning", "3"] {
        let out = Imagescan::new(&crate_root(), &["check", "testdata/demo"])
            .env("IMAGESCAN_LOG", value)
            .output();
        assert_exit(&out, 2);
        assert!(out.stdout.is_empty());
        assert_eq!(
            stderr(&out),
            format!(
                "imagescan: error: IMAGESCAN_LOG=\"{value}\" is not a log level; valid values: error, warn, info, debug\n"
            )
        );
    }
    // Case and surrounding spaces are forgiven; empty means unset.
    for value in ["WARN", " info ", ""] {
        let out = Imagescan::new(&crate_root(), &["check", "testdata/demo"])
            .env("IMAGESCAN_LOG", value)
            .output();
        assert_exit(&out, 0);
    }
}
