//! `imagescan check` on the configurations under testdata/config/: exit 0 and silence on
//! stdout for valid ones; exit 2 and every problem as `path:line: field: … [code]` on
//! stderr for broken ones.

mod support;

use std::process::Output;

use support::cli::Imagescan;

/// Runs `imagescan check ARGS` from the crate root, so paths read `testdata/config/…`.
fn check(args: &[&str]) -> Output {
    let mut run = Imagescan::at_root(&["check"]);
    for arg in args {
        run = run.arg(arg);
    }
    run.output()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Asserts exit 2 and that every expected line prefix (`path:line: field: `) and code
/// appears on one stderr line, and that there are exactly that many diagnostics.
fn assert_problems(out: &Output, expected: &[(&str, &str)]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr:\n{err}");
    assert!(out.stdout.is_empty(), "stdout must stay empty");
    for (prefix, code) in expected {
        assert!(
            err.lines()
                .any(|l| l.starts_with(prefix) && l.ends_with(&format!("[{code}]"))),
            "missing `{prefix} … [{code}]` in:\n{err}"
        );
    }
    let diagnostics = err.lines().filter(|l| l.ends_with(']')).count();
    assert_eq!(diagnostics, expected.len(), "stderr:\n{err}");
}

#[test]
fn valid_configuration_exits_0_with_nothing_on_stdout() {
    for dir in [
        "testdata/config/valid",
        "testdata/config/valid/apps/web",
        "testdata/config/registries-only",
    ] {
        let out = check(&[dir]);
        assert_eq!(out.status.code(), Some(0), "{dir}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{dir}");
        assert!(stderr(&out).contains("configuration ok"), "{dir}");
    }
}

#[test]
fn broken_configuration_reports_every_problem_with_file_and_line() {
    let f = "testdata/config/broken/imagescan.yaml";
    let sub = "testdata/config/broken/sub/fleet.yaml";
    let expected = [
        (format!("{f}:3: imageScans[0].image: "), "invalid-image"),
        (
            format!("{f}:6: imageScans[0].policy.alphabetical: "),
            "conflicting-policies",
        ),
        (
            format!("{f}:7: imageScans[0].interval: "),
            "invalid-duration",
        ),
        (format!("{f}:8: imageScans[1].tagName: "), "missing-field"),
        (
            format!("{f}:10: imageScans[1].policy.numerical.order: "),
            "invalid-order",
        ),
        (
            format!("{f}:11: imageScans[1].platform: "),
            "invalid-platform",
        ),
        (
            format!("{f}:12: imageScans[1].secretRef.name: "),
            "invalid-secret-ref",
        ),
        (
            format!("{f}:13: imageScans[2].tagName: "),
            "invalid-tag-name",
        ),
        (
            format!("{f}:15: imageScans[2].imagePolicy: "),
            "unknown-field",
        ),
        (format!("{f}:16: imageScans[2].suspend: "), "wrong-type"),
        (
            format!("{f}:17: imageScans[2].filterTags.pattern: "),
            "invalid-pattern",
        ),
        (
            format!("{f}:18: imageScans[2].exclude[0]: "),
            "invalid-pattern",
        ),
        (format!("{f}:19: imageScans[3].image: "), "missing-field"),
        (
            format!("{f}:21: imageScans[3].policy.semver.range: "),
            "missing-field",
        ),
        (
            format!("{f}:22: imageScans[3].interval: "),
            "invalid-duration",
        ),
        (format!("{f}:24: registries[0].host: "), "invalid-host"),
        (
            format!("{f}:25: registries[0].endpoint: "),
            "invalid-endpoint",
        ),
        (format!("{f}:26: registries[0].caFile: "), "missing-path"),
        (format!("{f}:27: registries[1].host: "), "missing-field"),
        (
            format!("{f}:28: registries[1].layout: "),
            "path-outside-repository",
        ),
        (format!("{f}:29: commmit: "), "unknown-field"),
        (
            format!("{sub}:4: imageScans[0].interval: "),
            "invalid-duration",
        ),
        (format!("{sub}:5: "), "duplicate-scan"),
    ];
    let expected: Vec<_> = expected.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let out = check(&["testdata/config/broken"]);
    assert_problems(&out, &expected);
    assert!(stderr(&out).contains("23 problems found"));
}

#[test]
fn same_tag_name_in_imagescan_and_fleet_yaml_names_both_places() {
    let out = check(&["testdata/config/duplicate"]);
    assert_problems(
        &out,
        &[("testdata/config/duplicate/fleet.yaml:2: ", "duplicate-scan")],
    );
    assert!(stderr(&out).contains("testdata/config/duplicate/imagescan.yaml:2"));
}

#[test]
fn fleet_yaml_keeps_semver_over_alphabetical_with_a_warning() {
    let out = check(&["testdata/config/fleet-compat"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "warning: testdata/config/fleet-compat/fleet.yaml:17: imageScans[0].policy.alphabetical: "
        ),
        "{err}"
    );
    assert!(err.contains("[policy-ignored]"), "{err}");
}

#[test]
fn config_files_are_checked_too() {
    let out = check(&[
        "testdata/config/valid",
        "--config",
        "testdata/config/extra/scans.yaml",
    ]);
    assert_problems(
        &out,
        &[(
            "testdata/config/extra/scans.yaml:4: imageScans[0].interval: ",
            "invalid-duration",
        )],
    );
}

#[test]
fn missing_directory_is_invalid_input() {
    let out = check(&["testdata/config/does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("testdata/config/does-not-exist"));
}

/// `--config <(…)`: a pipe behind /dev/fd/N is read as the user named it (it has no path
/// to resolve), and its problems are named by that name.
#[test]
fn a_config_given_through_a_pipe_is_read_as_named() {
    let script = format!(
        "{} check testdata/demo --config <(printf 'imageScans:\\n- tagName: zz\\n  image: x\\n  bogus: 1\\n')",
        env!("CARGO_BIN_EXE_imagescan")
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("IMAGESCAN_LOG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(":4: imageScans[0].bogus: unknown key `bogus`") && err.contains("/dev/fd/"),
        "{err}"
    );
}
