//! What goes to stderr besides the product: `-q`, `-v`, `IMAGESCAN_LOG` and
//! `--log-format json` (SPEC §7), on the real binary over the offline demo.

mod itest;

use itest::{Imagescan, assert_exit, crate_root, stderr};

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
