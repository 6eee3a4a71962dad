//! `imagescan render` (and `scan`) end to end on the real binary: the offline demo
//! against its golden stream, `render -- CMD` in a temporary copy or in place, a symlink
//! leaving DIR refused, an unreachable registry. Every failure leaves stdout empty.

mod support;

use std::fs;
use std::path::Path;

use support::cli::{Imagescan, assert_exit, assert_failed, crate_root, run, stderr, stdout};
use support::golden::assert_golden;
use support::tree::{DemoCopy, snapshot, write};

/// The values of the demo's README table, as the resolved manifests spell them.
const RESOLVED: [&str; 4] = [
    "image: registry.example.com/team/web:1.5.0 # {\"$imagescan\": \"web\"}",
    "image: \"registry.example.com/team/api:v1.2.0@sha256:81ad9048b163098a4c8681edade97c04dcf4a7d2028c8d18617126d8b25438f4\"",
    "image: registry.example.com/team/migrate:101",
    "registry.example.com/team/worker",
];

#[test]
fn demo_renders_its_golden_stream() {
    let out = run(&crate_root(), &["render", "testdata/demo"]);
    assert_exit(&out, 0);
    assert_golden("demo-render.yaml", &out.stdout);
    // Nothing to say on success: no warning, no secret, no progress.
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    for value in &RESOLVED {
        assert!(text.contains(value), "{value} missing from:\n{text}");
    }
    // Helm values (no kind) and the kustomization are not objects of the stream.
    assert!(!text.contains("replicaCount"));
    assert!(!text.contains("kind: Kustomization"));
}

/// Past `--memory-limit`, files are read a second time instead of held: same stream.
#[test]
fn demo_renders_the_same_past_the_memory_limit() {
    for limit in ["0", "1KiB", "4KiB"] {
        let out = run(
            &crate_root(),
            &["render", "--memory-limit", limit, "testdata/demo"],
        );
        assert_exit(&out, 0);
        assert_golden("demo-render.yaml", &out.stdout);
    }
    let out = run(
        &crate_root(),
        &["render", "--memory-limit", "12MB", "testdata/demo"],
    );
    assert_exit(&out, 2);
    assert_eq!(out.stdout, b"");
    assert!(stderr(&out).contains("--memory-limit"), "{}", stderr(&out));
}

#[test]
fn demo_renders_the_same_from_inside_the_directory() {
    let out = run(&crate_root().join("testdata/demo"), &["render"]);
    assert_exit(&out, 0);
    assert_golden("demo-render.yaml", &out.stdout);
}

/// The demo after resolving, as `resolve --write` leaves it (testdata/golden/demo-resolved/).
fn assert_resolved_demo(dir: &Path) {
    for name in [
        "cronjob.yaml",
        "deployment.yaml",
        "kustomization.yaml",
        "values.yaml",
    ] {
        assert_golden(
            &format!("demo-resolved/{name}"),
            &fs::read(dir.join(name)).unwrap(),
        );
    }
    for name in ["worker.yaml", "imagescan.yaml", "README.md"] {
        assert_eq!(
            fs::read(dir.join(name)).unwrap(),
            fs::read(crate_root().join("testdata/demo").join(name)).unwrap(),
            "{name} must not change"
        );
    }
}

#[test]
fn command_runs_in_a_resolved_copy_and_leaves_dir_untouched() {
    let repo = DemoCopy::new();
    let before = snapshot(repo.root());
    let tmp = tempfile::tempdir().unwrap();
    // kubectl must be on the machine (issue 3 names it): its absence fails this test.
    let out = Imagescan::new(
        &repo.demo(),
        &["render", ".", "--", "kubectl", "kustomize", "."],
    )
    .env("TMPDIR", tmp.path())
    .output();
    assert_exit(&out, 0);
    let text = stdout(&out);
    for value in [
        "image: registry.example.com/team/web:1.5.0",
        "image: registry.example.com/team/api:v1.2.0@sha256:81ad9048b163098a4c8681edade97c04dcf4a7d2028c8d18617126d8b25438f4",
        "image: registry.example.com/team/migrate:101",
        // kustomize applied the resolved newTag to the worker Deployment.
        "image: registry.example.com/team/worker:main-1700086400",
    ] {
        assert!(text.contains(value), "{value} missing from:\n{text}");
    }
    for old in ["web:1.0.0", "api:v0.9.0", "migrate:99", "main-1700000000"] {
        assert!(!text.contains(old), "{old} still in:\n{text}");
    }
    assert_eq!(snapshot(repo.root()), before, "DIR must be untouched");
    // The temporary copy is removed afterwards.
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn command_in_place_resolves_dir_itself() {
    let repo = DemoCopy::new();
    let out = run(
        &repo.demo(),
        &[
            "render",
            ".",
            "--in-place",
            "--",
            "kubectl",
            "kustomize",
            ".",
        ],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("image: registry.example.com/team/worker:main-1700086400"));
    assert_resolved_demo(&repo.demo());
}

#[test]
fn failing_command_passes_its_exit_code_and_nothing_of_its_output() {
    let repo = DemoCopy::new();
    let before = snapshot(repo.root());
    let out = run(
        &repo.demo(),
        &["render", ".", "--", "sh", "-c", "echo partial; exit 7"],
    );
    assert_failed(&out, 7);
    assert!(stderr(&out).contains("sh failed"), "{}", stderr(&out));
    assert_eq!(snapshot(repo.root()), before);
}

#[test]
fn command_that_cannot_start_is_an_operational_failure() {
    let repo = DemoCopy::new();
    let out = run(
        &repo.demo(),
        &[
            "render",
            ".",
            "--",
            "/nonexistent/imagescan-no-such-command",
        ],
    );
    assert_failed(&out, 1);
    assert!(
        stderr(&out).contains("/nonexistent/imagescan-no-such-command"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn in_place_requires_a_command() {
    let out = run(&crate_root(), &["render", "testdata/demo", "--in-place"]);
    assert_failed(&out, 2);
}

/// A demo copy holding `demo/leak.yaml`, a symlink to a file outside DIR that has a
/// marker and a recognisable secret: following it would emit or rewrite it.
fn demo_with_leak() -> (DemoCopy, std::path::PathBuf) {
    let repo = DemoCopy::new();
    let outside = repo.root().join("outside.yaml");
    write(
        repo.root(),
        "outside.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked-SECRET-7f3a\nimage: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\n",
    );
    std::os::unix::fs::symlink(&outside, repo.demo().join("leak.yaml")).unwrap();
    (repo, outside)
}

#[test]
fn symlink_out_of_dir_is_refused_by_render() {
    let (repo, _) = demo_with_leak();
    let before = snapshot(repo.root());
    {
        let args = ["render", "demo"];
        let out = run(repo.root(), &args);
        assert_failed(&out, 2);
        let err = stderr(&out);
        assert!(err.contains("demo/leak.yaml"), "{args:?}: {err}");
        assert!(!err.contains("SECRET-7f3a"), "{args:?}: {err}");
        assert_eq!(snapshot(repo.root()), before, "{args:?} changed files");
    }
    // `render -- CMD` reads the whole repository (where this link stays): a link out of
    // the repository is refused.
    let elsewhere = tempfile::tempdir().unwrap();
    write(elsewhere.path(), "secret.yaml", "name: SECRET-7f3a\n");
    fs::remove_file(repo.demo().join("leak.yaml")).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("secret.yaml"),
        repo.demo().join("leak.yaml"),
    )
    .unwrap();
    let before = snapshot(repo.root());
    for in_place in [&[][..], &["--in-place"]] {
        let args = [
            &["render", "demo"][..],
            in_place,
            &["--", "cat", "leak.yaml"],
        ]
        .concat();
        let out = run(repo.root(), &args);
        assert_failed(&out, 2);
        let err = stderr(&out);
        assert!(err.contains("demo/leak.yaml"), "{args:?}: {err}");
        assert!(!err.contains("SECRET-7f3a"), "{args:?}: {err}");
        assert_eq!(snapshot(repo.root()), before, "{args:?} changed files");
    }
    // Excluded, the link is not followed and the rest renders as usual.
    let out = run(repo.root(), &["render", "demo", "--exclude", "leak.yaml"]);
    assert_exit(&out, 0);
    assert_golden("demo-render.yaml", &out.stdout);
}

#[test]
fn symlink_to_a_directory_out_of_dir_is_refused() {
    let repo = DemoCopy::new();
    write(
        repo.root(),
        "elsewhere/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: SECRET-7f3a\n",
    );
    std::os::unix::fs::symlink(repo.root().join("elsewhere"), repo.demo().join("linked")).unwrap();
    let out = run(repo.root(), &["render", "demo"]);
    assert_failed(&out, 2);
    assert!(stderr(&out).contains("demo/linked"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("SECRET-7f3a"));
}

#[test]
fn unreachable_registry_fails_with_the_scan_and_its_definition() {
    let temp = tempfile::tempdir().unwrap();
    fs::create_dir(temp.path().join(".git")).unwrap();
    write(
        temp.path(),
        "app/imagescan.yaml",
        "imageScans:\n- tagName: unreachable\n  image: 127.0.0.1:1/x\nregistries:\n- host: 127.0.0.1:1\n  insecure: true\n",
    );
    write(
        temp.path(),
        "app/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: 127.0.0.1:1/x:1 # {\"$imagescan\": \"unreachable\"}\n",
    );
    let out = run(temp.path(), &["render", "app"]);
    assert_failed(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("scan unreachable"), "{err}");
    assert!(err.contains("app/imagescan.yaml:2"), "{err}");
    assert!(err.contains("127.0.0.1:1"), "{err}");
    // Offline, the empty cache is the failure (no connection is tried).
    let out = run(temp.path(), &["render", "app", "--offline"]);
    assert_failed(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("scan unreachable (app/imagescan.yaml:2)"),
        "{err}"
    );
    assert!(err.contains("offline"), "{err}");
    // resolve fails the same way and writes nothing.
    let before = snapshot(temp.path());
    let out = run(temp.path(), &["resolve", "app", "--write"]);
    assert_failed(&out, 1);
    assert_eq!(snapshot(temp.path()), before);
}

#[test]
fn scan_json_lists_the_demo_scans() {
    let out = run(
        &crate_root(),
        &["scan", "testdata/demo", "--output", "json"],
    );
    assert_exit(&out, 0);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let rows = rows.as_array().expect("an array of scans");
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["scan"].as_str().unwrap(),
                row["tag"].as_str().unwrap(),
                row["digest"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "web",
                "1.5.0",
                "sha256:7400dc38c3c2c50121e0f040e2cf75a48bfa1c5ebf28c1fac128ec64b7b6e85a"
            ),
            (
                "web-arm64",
                "1.5.0",
                "sha256:2d21e90a5b44f3e83d0762bc21653995394174760d05b49fb9b7dc0e9a0c6469"
            ),
            (
                "api",
                "v1.2.0",
                "sha256:81ad9048b163098a4c8681edade97c04dcf4a7d2028c8d18617126d8b25438f4"
            ),
            (
                "worker",
                "main-1700086400",
                "sha256:8aa63c72f7f5880830fb0595e7177891af1d587f28e3f865c7ba20e64800f449"
            ),
            (
                "migrate",
                "101",
                "sha256:77fff11d1935d8b6303b417624ee5babf87dee3d90c1bf52ed0946b096dbee68"
            ),
            (
                "web-channel",
                "main-1700086400",
                "sha256:853390308f46fabb4d99f871b4af00d983612076dd3a09e82c02854d14803a6f"
            ),
        ]
    );
    for row in rows {
        assert_eq!(
            row["image"].as_str().unwrap().split('/').next(),
            Some("registry.example.com")
        );
        assert_eq!(row["source"], "layout");
    }
    assert_eq!(rows[0]["tags_seen"], 7);
    assert_eq!(rows[4]["defined_at"], "testdata/demo/imagescan.yaml:24");
}

#[test]
fn scan_table_has_a_header_and_one_row_per_scan() {
    let out = run(&crate_root(), &["scan", "testdata/demo"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "SCAN", "IMAGE", "POLICY", "SEEN", "KEPT", "TAG", "DIGEST", "SOURCE"
        ]
    );
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "web",
            "web-arm64",
            "api",
            "worker",
            "migrate",
            "web-channel"
        ]
    );
    assert!(lines[4].contains("main-1700086400"));
}

/// Every file of `dir` (relative to the crate root), recursively.
fn files_under(dir: &str) -> Vec<String> {
    let mut found: Vec<String> = snapshot(&crate_root().join(dir))
        .into_keys()
        .map(|path| format!("{dir}/{}", path.display()))
        .collect();
    found.sort();
    found
}

#[test]
fn the_demo_runs_from_a_fresh_clone() {
    // A fresh clone holds only what git tracks: the demo, its layouts and its goldens
    // must all be tracked (an untracked layout blob would make the demo pass here only).
    for dir in ["testdata/demo", "testdata/oci", "testdata/golden"] {
        let out = std::process::Command::new("git")
            .args(["ls-files", "--", dir])
            .current_dir(crate_root())
            .output()
            .expect("run git");
        assert!(out.status.success(), "git ls-files failed");
        let mut tracked: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
        tracked.sort();
        assert_eq!(tracked, files_under(dir), "untracked files under {dir}");
    }
}

/// A marker on a top-level `kind:` value can change which documents render: that file
/// takes the slow path (rewritten in memory, split again) and the stream is what the
/// rewritten file gives. Other files are written patched, as usual; past the memory
/// limit, both are read again and give the same.
#[test]
fn a_marked_kind_renders_by_its_new_value() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    fs::create_dir(root.join(".git")).unwrap();
    support::tree::write_layout(
        &root.join("oci/example.com"),
        "kinds",
        &["Kustomization", "Deployment"],
    );
    support::tree::write_layout(&root.join("oci/example.com"), "app", &["1.0.0", "1.2.0"]);
    write(
        root,
        "t/imagescan.yaml",
        "imageScans:\n- tagName: kind\n  image: example.com/kinds\n  policy: {alphabetical: {order: desc}}\n- tagName: app\n  image: example.com/app\nregistries:\n- host: example.com\n  layout: ../oci/example.com\n",
    );
    // `desc` selects the least tag, `Deployment`: the document becomes a Deployment and
    // renders, though it was a Kustomization (not rendered) when read.
    write(
        root,
        "t/a.yaml",
        "apiVersion: v1\nkind: Kustomization # {\"$imagescan\": \"kind:tag\"}\nimage: example.com/app:0.1 # {\"$imagescan\": \"app\"}\n",
    );
    write(
        root,
        "t/b.yaml",
        "apiVersion: v1\nkind: Pod\nimage: example.com/app:0.1 # {\"$imagescan\": \"app\"}\n",
    );
    for limit in ["256MiB", "0"] {
        let out = run(root, &["render", "--memory-limit", limit, "t"]);
        assert_exit(&out, 0);
        assert_eq!(
            stdout(&out),
            "apiVersion: v1\nkind: Deployment # {\"$imagescan\": \"kind:tag\"}\nimage: example.com/app:1.2.0 # {\"$imagescan\": \"app\"}\n\
             ---\napiVersion: v1\nkind: Pod\nimage: example.com/app:1.2.0 # {\"$imagescan\": \"app\"}\n",
            "memory limit {limit}"
        );
    }
}

/// A Helm chart (Chart.yaml beside templates/) is not streamed by plain render — its
/// templates are not manifests yet — and a warning names it and says what to run.
#[test]
fn a_chart_is_not_streamed_and_is_named() {
    let repo = DemoCopy::new();
    write(
        &repo.demo(),
        "charts/api/Chart.yaml",
        "apiVersion: v2\nname: api\nversion: 0.1.0\n",
    );
    write(
        &repo.demo(),
        "charts/api/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-api\n",
    );
    let out = run(repo.root(), &["render", "demo"]);
    assert_exit(&out, 0);
    assert_golden("demo-render.yaml", &out.stdout);
    assert!(
        stderr(&out).contains(
            "warning: demo/charts/api is a Helm chart: its templates are not streamed; render it with `imagescan render demo/charts/api -- helm template .`"
        ),
        "{}",
        stderr(&out)
    );
}

/// Past `--memory-limit`, files are spilled to a private directory in TMPDIR: it is gone
/// when the render ends, and the spill directory of a render that was killed (its lock
/// free) is swept by the next render that spills. The stream is the same at every limit.
#[test]
fn spill_directories_do_not_outlive_their_render() {
    let tmp = tempfile::tempdir().unwrap();
    let dead = tmp.path().join("imagescan-spill-dead01");
    fs::create_dir(&dead).unwrap();
    fs::write(dead.join(".imagescan-run.lock"), "").unwrap();
    fs::write(dead.join("reader-0"), "bytes of a killed render").unwrap();
    let out = Imagescan::new(
        &crate_root(),
        &["render", "testdata/demo", "--memory-limit", "0"],
    )
    .env("TMPDIR", tmp.path())
    .output();
    assert_exit(&out, 0);
    assert_golden("demo-render.yaml", &out.stdout);
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}
