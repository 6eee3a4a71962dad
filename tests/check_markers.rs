//! Marker errors end to end on the real binary (SPEC §3, §7): an undefined scan, an unknown
//! form, malformed marker JSON and a marker on a nested mapping each make `render`,
//! `resolve` and `check` exit 2 naming file and line, with nothing on stdout and nothing
//! written; with several broken files every problem is listed.

mod support;

use support::cli::{assert_exit, assert_failed, crate_root, run, stderr};
use support::tree::{DemoCopy, snapshot, write};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\nspec:\n  containers:\n";

/// One broken file per kind of problem: (file, content, the diagnostic line expected).
fn broken_files() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "a-undefined.yaml",
            format!("{POD}  - image: x:1 # {{\"$imagescan\": \"nope\"}}\n"),
            "demo/a-undefined.yaml:7: marker names scan \"nope\", which no imagescan.yaml or fleet.yaml for this file defines [undefined-scan]",
        ),
        (
            "b-form.yaml",
            format!("{POD}  - image: x:1 # {{\"$imagescan\": \"web:bogus\"}}\n"),
            "demo/b-form.yaml:7: marker {\"$imagescan\": \"web:bogus\"} has unknown form \"bogus\" (expected one of: name, tag, digest, tag-digest, digest-only) [unknown-form]",
        ),
        (
            "c-json.yaml",
            format!("{POD}  - image: x:1 # {{\"$imagescan\": web}}\n"),
            "demo/c-json.yaml:7: malformed marker \"{\\\"$imagescan\\\": web}\": expected value at line 1 column 16; expected {\"$imagescan\": \"NAME[:FORM]\"} [malformed-marker]",
        ),
        (
            "d-nested.yaml",
            format!(
                "{POD}  - name: web\n    resources: # {{\"$imagescan\": \"web\"}}\n      limits: {{}}\n"
            ),
            "demo/d-nested.yaml:8: marker {\"$imagescan\": \"web\"} is not on a scalar value: the key's value is on the lines below it (a nested mapping or sequence) [marker-without-scalar]",
        ),
    ]
}

/// `render`, every `resolve` mode and `check` on `demo/` all fail with exit 2 listing
/// exactly `expected` (in order), print nothing on stdout and change no file.
fn assert_refused_everywhere(repo: &DemoCopy, expected: &[&str]) {
    let before = snapshot(repo.root());
    let n = expected.len();
    let plural = if n == 1 { "" } else { "s" };
    let listed = expected.join("\n");
    for args in [
        &["render", "demo"][..],
        &["render", "demo", "--", "cat", "deployment.yaml"],
        &[
            "render",
            "demo",
            "--in-place",
            "--",
            "cat",
            "deployment.yaml",
        ],
        &["resolve", "demo", "--write"],
        &["resolve", "demo", "--diff"],
        &["resolve", "demo", "--check"],
    ] {
        let out = run(repo.root(), args);
        assert_failed(&out, 2);
        assert_eq!(
            stderr(&out),
            format!("imagescan: error: {n} problem{plural} found:\n{listed}\n"),
            "{args:?}"
        );
        assert_eq!(snapshot(repo.root()), before, "{args:?} changed files");
    }
    let out = run(repo.root(), &["check", "demo"]);
    assert_failed(&out, 2);
    assert_eq!(
        stderr(&out),
        format!("{listed}\nimagescan: {n} problem{plural} found\n")
    );
}

#[test]
fn each_kind_of_marker_error_alone() {
    for (name, content, diagnostic) in broken_files() {
        let repo = DemoCopy::new();
        write(&repo.demo(), name, content);
        assert_refused_everywhere(&repo, &[diagnostic]);
    }
}

#[test]
fn several_broken_files_list_every_problem() {
    let repo = DemoCopy::new();
    let files = broken_files();
    for (name, content, _) in &files {
        write(&repo.demo(), name, content);
    }
    let expected: Vec<&str> = files.iter().map(|(_, _, d)| *d).collect();
    assert_refused_everywhere(&repo, &expected);
}

#[test]
fn undefined_scans_are_listed_beside_malformed_markers_of_the_same_file() {
    let repo = DemoCopy::new();
    write(
        &repo.demo(),
        "mixed.yaml",
        format!(
            "{POD}  - image: x:1 # {{\"$imagescan\": \"nope\"}}\n  - image: x:1 # {{\"$imagescan\": \"web\"\n  - image: x:1 # {{\"$imagescan\": \"web\"}}\n  # {{\"$imagescan\": \"also-nope:tag\"}}\n  - image: x:1\n"
        ),
    );
    assert_refused_everywhere(
        &repo,
        &[
            "demo/mixed.yaml:7: marker names scan \"nope\", which no imagescan.yaml or fleet.yaml for this file defines [undefined-scan]",
            "demo/mixed.yaml:8: malformed marker \"{\\\"$imagescan\\\": \\\"web\\\"\": EOF while parsing an object at line 1 column 20; expected {\"$imagescan\": \"NAME[:FORM]\"} [malformed-marker]",
            "demo/mixed.yaml:10: marker names scan \"also-nope\", which no imagescan.yaml or fleet.yaml for this file defines [undefined-scan]",
        ],
    );
}

#[test]
fn a_scan_applies_only_to_its_own_subtree() {
    let repo = DemoCopy::new();
    write(
        &repo.demo(),
        "sub/imagescan.yaml",
        "imageScans:\n- tagName: local\n  image: registry.example.com/team/web\n",
    );
    write(
        &repo.demo(),
        "sub/ok.yaml",
        "tag: 1.0.0 # {\"$imagescan\": \"local:tag\"}\n",
    );
    write(
        &repo.demo(),
        "sibling/uses-local.yaml",
        "tag: 1.0.0 # {\"$imagescan\": \"local:tag\"}\n",
    );
    assert_refused_everywhere(
        &repo,
        &[
            "demo/sibling/uses-local.yaml:1: marker names scan \"local\", which no imagescan.yaml or fleet.yaml for this file defines [undefined-scan]",
        ],
    );
}

#[test]
fn errors_in_a_helm_template_name_file_and_line() {
    let repo = DemoCopy::new();
    write(
        &repo.demo(),
        "chart/templates/deploy.yaml",
        "{{- if .Values.enabled }}\nimage: x:1 # {\"$imagescan\": \"web:latest\"}\n{{- end }}\n",
    );
    assert_refused_everywhere(
        &repo,
        &[
            "demo/chart/templates/deploy.yaml:2: marker {\"$imagescan\": \"web:latest\"} has unknown form \"latest\" (expected one of: name, tag, digest, tag-digest, digest-only) [unknown-form]",
        ],
    );
}

#[test]
fn check_lists_configuration_and_marker_problems_together() {
    let repo = DemoCopy::new();
    let config = std::fs::read_to_string(repo.demo().join("imagescan.yaml")).unwrap();
    write(
        &repo.demo(),
        "imagescan.yaml",
        config.replace("  platform: linux/arm64", "  platfrom: linux/arm64"),
    );
    write(
        &repo.demo(),
        "c-json.yaml",
        format!("{POD}  - image: x:1 # {{\"$imagescan\": web}}\n"),
    );
    let out = run(repo.root(), &["check", "demo"]);
    assert_failed(&out, 2);
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("demo/imagescan.yaml:12: ") && l.contains("platfrom")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("demo/c-json.yaml:7: ") && l.ends_with("[malformed-marker]")),
        "{err}"
    );
    assert!(err.ends_with("imagescan: 2 problems found\n"), "{err}");
    // render refuses the configuration first, naming it.
    let out = run(repo.root(), &["render", "demo"]);
    assert_failed(&out, 2);
    assert!(
        stderr(&out).contains("demo/imagescan.yaml:12"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_accepts_the_demo() {
    let out = run(&crate_root(), &["check", "testdata/demo"]);
    assert_exit(&out, 0);
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "imagescan: configuration ok: 6 scan(s), 1 registry entry in 1 file(s); 7 marker(s)\n"
    );
}

#[test]
fn check_exclude_skips_files_that_only_show_markers() {
    let repo = DemoCopy::new();
    // Documentation quoting a marker as a YAML line: to check, a marker of an undefined scan.
    write(
        &repo.demo(),
        "docs/example.txt",
        "    image: nginx:1.0 # {\"$imagescan\": \"app\"}\n",
    );
    let refused = run(repo.root(), &["check", "demo"]);
    assert_exit(&refused, 2);
    assert!(
        stderr(&refused).contains("demo/docs/example.txt:1: "),
        "{}",
        stderr(&refused)
    );
    let out = run(repo.root(), &["check", "demo", "--exclude", "docs"]);
    assert_exit(&out, 0);
}
