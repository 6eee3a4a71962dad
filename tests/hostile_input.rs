//! Hostile input files (issue 13, items 1, 8 and 9) on the real binary: a huge value is
//! quoted only by a bounded prefix, a newline in a file name cannot split or forge a
//! diagnostic line, and YAML nested past the depth limit is an error naming the file
//! and line instead of a stack overflow. Each asserts exit 2, an empty stdout and
//! unchanged files.

mod support;

use std::fs;

use support::cli::{assert_failed, run, stderr};
use support::tree::{DemoCopy, snapshot};

#[test]
fn a_huge_value_is_quoted_by_a_bounded_prefix() {
    let repo = DemoCopy::new();
    let huge = "x".repeat(3 << 20);
    support::tree::write(
        repo.root(),
        "huge/imagescan.yaml",
        format!(
            "imageScans:\n- tagName: app\n  image: {huge}\n  policy:\n    semver: {{range: \">=1.0.0\"}}\n"
        ),
    );
    let before = snapshot(repo.root());
    for command in ["check", "render", "resolve"] {
        let out = run(repo.root(), &[command, "huge"]);
        assert_failed(&out, 2);
        let err = stderr(&out);
        assert!(
            err.len() < 4_096,
            "{command}: {} bytes of stderr",
            err.len()
        );
        assert!(
            err.contains("imagescan.yaml:3") && err.contains("bytes in all"),
            "{command}: {err}"
        );
    }
    assert_eq!(snapshot(repo.root()), before);
}

#[test]
fn a_newline_in_a_file_name_cannot_split_a_diagnostic_line() {
    let repo = DemoCopy::new();
    let name = "evil\nimagescan: error: forged.yaml";
    support::tree::write(
        repo.root(),
        &format!("demo/{name}"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1 # {\"$imagescan\": \"nope:bogus\"}\n",
    );
    let before = snapshot(repo.root());
    let out = run(repo.root(), &["check", "demo"]);
    assert_failed(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("evil\\nimagescan: error: forged.yaml"),
        "the name is escaped: {err}"
    );
    assert!(
        !err.lines()
            .any(|l| l.starts_with("imagescan: error: forged.yaml")),
        "no forged line: {err}"
    );
    assert_eq!(snapshot(repo.root()), before);
    fs::remove_file(repo.demo().join(name)).unwrap();
}

/// `levels` block sequences, one inside the other (`- - - … x`), under `key`.
fn nested(key: &str, levels: usize) -> String {
    format!("{key}:\n  {}x\n", "- ".repeat(levels))
}

#[test]
fn deep_nesting_is_an_error_with_file_and_line_not_a_crash() {
    let repo = DemoCopy::new();
    // In imagescan.yaml, and in a key of fleet.yaml that imagescan otherwise ignores.
    support::tree::write(
        repo.root(),
        "deep/imagescan.yaml",
        nested("imageScans", 30_000),
    );
    support::tree::write(
        repo.root(),
        "fleet/fleet.yaml",
        format!("defaultNamespace: x\n{}", nested("helm", 30_000)),
    );
    let before = snapshot(repo.root());
    for (dir, file) in [("deep", "imagescan.yaml"), ("fleet", "fleet.yaml")] {
        for command in ["check", "render", "resolve"] {
            let out = run(repo.root(), &[command, dir]);
            assert_failed(&out, 2);
            let err = stderr(&out);
            assert!(
                err.contains(&format!("{file}:")) && err.contains("nested more than 128 levels"),
                "{command} {dir}: {err}"
            );
        }
    }
    assert_eq!(snapshot(repo.root()), before);
}
