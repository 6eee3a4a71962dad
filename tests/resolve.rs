//! `imagescan resolve` end to end on the real binary: the demo's diff golden, `--check`
//! (exit 3, `file:line: scan: old -> new` on stderr), `--write` against goldens and its
//! idempotence, a symlink leaving DIR refused, and the marker cases of SPEC §3 (CRLF, no
//! final newline, `---`, Helm templates, kustomization fields, Fleet's digest and
//! prerelease cases) over OCI layouts generated here.

mod support;

use std::fs;
use std::path::Path;

use support::cli::{assert_exit, assert_failed, crate_root, run, stderr, stdout};
use support::golden::assert_golden;
use support::tree::{DemoCopy, copy_dir, snapshot, write, write_layout};

#[test]
fn demo_diff_matches_its_golden() {
    let out = run(&crate_root(), &["resolve", "testdata/demo", "--diff"]);
    assert_exit(&out, 0);
    assert_golden("demo-resolve.diff", &out.stdout);
    assert_eq!(stderr(&out), "");
    // --diff is the default.
    let default = run(&crate_root(), &["resolve", "testdata/demo"]);
    assert_exit(&default, 0);
    assert_eq!(default.stdout, out.stdout);
}

const DEMO_CHECK: &str = "\
testdata/demo/cronjob.yaml:15: migrate: registry.example.com/team/migrate:99 -> registry.example.com/team/migrate:101
testdata/demo/deployment.yaml:20: web: registry.example.com/team/web:1.0.0 -> registry.example.com/team/web:1.5.0
testdata/demo/deployment.yaml:25: api: registry.example.com/team/api:v0.9.0 -> registry.example.com/team/api:v1.2.0@sha256:81ad9048b163098a4c8681edade97c04dcf4a7d2028c8d18617126d8b25438f4
testdata/demo/kustomization.yaml:9: worker: main-1700000000 -> main-1700086400
testdata/demo/values.yaml:4: web: 1.4.2 -> 1.5.0
testdata/demo/values.yaml:6: web-arm64:  -> sha256:2d21e90a5b44f3e83d0762bc21653995394174760d05b49fb9b7dc0e9a0c6469
testdata/demo/values.yaml:8: web-channel: main-1700000000 -> main-1700086400
";

#[test]
fn demo_check_exits_3_and_lists_every_stale_value() {
    let out = run(&crate_root(), &["resolve", "testdata/demo", "--check"]);
    assert_failed(&out, 3);
    assert_eq!(stderr(&out), DEMO_CHECK);
}

#[test]
fn write_matches_goldens_then_check_passes_and_a_second_write_changes_nothing() {
    let repo = DemoCopy::new();
    let out = run(repo.root(), &["resolve", "demo", "--write"]);
    assert_exit(&out, 0);
    assert!(out.stdout.is_empty(), "--write prints nothing on stdout");
    assert_eq!(stderr(&out), "imagescan: 7 value(s) changed in 4 file(s)\n");
    for name in [
        "cronjob.yaml",
        "deployment.yaml",
        "kustomization.yaml",
        "values.yaml",
    ] {
        assert_golden(
            &format!("demo-resolved/{name}"),
            &fs::read(repo.demo().join(name)).unwrap(),
        );
    }
    for name in ["worker.yaml", "imagescan.yaml", "README.md"] {
        assert_eq!(
            fs::read(repo.demo().join(name)).unwrap(),
            fs::read(crate_root().join("testdata/demo").join(name)).unwrap()
        );
    }

    let check = run(repo.root(), &["resolve", "demo", "--check"]);
    assert_exit(&check, 0);
    assert!(check.stdout.is_empty() && check.stderr.is_empty());
    let diff = run(repo.root(), &["resolve", "demo", "--diff"]);
    assert_exit(&diff, 0);
    assert!(diff.stdout.is_empty(), "{}", stdout(&diff));

    let before = snapshot(repo.root());
    let again = run(repo.root(), &["resolve", "demo", "--write"]);
    assert_exit(&again, 0);
    assert_eq!(
        stderr(&again),
        "imagescan: 0 value(s) changed in 0 file(s)\n"
    );
    assert_eq!(snapshot(repo.root()), before, "bytes and mtimes unchanged");
}

/// A directory nobody may create files in, for as long as it lives: `chmod 0555`, or,
/// for root (whom modes do not stop), `chattr +i`. `None` where neither holds.
struct Unwritable(std::path::PathBuf);

impl Unwritable {
    fn make(dir: &Path) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt;
        let blocked = |dir: &Path| fs::write(dir.join(".probe"), "").is_err();
        fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
        if blocked(dir) {
            return Some(Unwritable(dir.to_owned()));
        }
        fs::remove_file(dir.join(".probe")).unwrap();
        let chattr = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status();
        let guard = Unwritable(dir.to_owned());
        (chattr.is_ok_and(|s| s.success()) && blocked(dir)).then_some(guard)
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
    }
}

/// `--write` changes every file or none: when one file's new content cannot be written,
/// the files before it (already prepared) are not replaced either.
#[test]
fn write_changes_all_files_or_none() {
    let repo = DemoCopy::new();
    write(
        &repo.demo(),
        "sub/extra.yaml",
        "image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\n",
    );
    let before = snapshot(repo.root());
    let _unwritable = Unwritable::make(&repo.demo().join("sub"))
        .expect("chmod 0555, or chattr +i (e2fsprogs) for root, makes a directory unwritable");
    let out = run(repo.root(), &["resolve", "demo", "--write"]);
    assert_failed(&out, 1);
    let message = stderr(&out);
    assert!(
        message.contains("cannot write") && message.contains("sub/extra.yaml"),
        "{message}"
    );
    assert!(message.contains("no file was changed"), "{message}");
    assert_eq!(
        snapshot(repo.root()),
        before,
        "no file changed, no temporary file left"
    );
}

#[test]
fn write_modes_are_exclusive() {
    let out = run(
        &crate_root(),
        &["resolve", "testdata/demo", "--write", "--check"],
    );
    assert_failed(&out, 2);
}

#[test]
fn symlink_out_of_dir_is_refused_and_nothing_is_written() {
    let repo = DemoCopy::new();
    let outside = repo.root().join("outside.yaml");
    let secret = "name: SECRET-7f3a\nimage: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\n";
    fs::write(&outside, secret).unwrap();
    std::os::unix::fs::symlink(&outside, repo.demo().join("leak.yaml")).unwrap();
    let before = snapshot(repo.root());
    for mode in ["--write", "--diff", "--check"] {
        let out = run(repo.root(), &["resolve", "demo", mode]);
        assert_failed(&out, 2);
        let err = stderr(&out);
        assert!(err.contains("demo/leak.yaml"), "{mode}: {err}");
        assert!(!err.contains("SECRET-7f3a"), "{mode}: {err}");
        assert_eq!(snapshot(repo.root()), before, "{mode} wrote something");
    }
    assert_eq!(fs::read_to_string(&outside).unwrap(), secret);
}

/// A repository of marker cases: `t/` (everything resolvable) and `pre/` (Fleet's
/// prerelease case with range `*`, which selects nothing), over the committed
/// registry.example.com layouts and public.ecr.aws layouts generated here.
struct Cases {
    temp: tempfile::TempDir,
    /// Digest of public.ecr.aws/nginx/nginx:1.27.0.
    nginx: String,
}

const CONFIG: &str = "\
imageScans:
- tagName: web
  image: registry.example.com/team/web
  policy: {semver: {range: \">=1.0.0\"}}
- tagName: test-scan
  image: public.ecr.aws/nginx/nginx
  policy: {semver: {range: \"*\"}}
- tagName: pre
  image: public.ecr.aws/fleet/pre
  policy: {semver: {range: \">= 0.0.0-40\"}}
registries:
- host: registry.example.com
  layout: ../oci/registry.example.com
- host: public.ecr.aws
  layout: ../oci/public.ecr.aws
";

const CRLF: &str = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\r\n  tag: \"1.0.0\" # {\"$imagescan\": \"web:tag\"}\r\n  other: 1.0.0 # a comment\r\n";

const NO_FINAL_NEWLINE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nofinal\ndata:\n  tag: 1.0.0 # {\"$imagescan\": \"web:tag\"}";

const MULTI: &str = "\
---
apiVersion: v1
kind: Pod
metadata:
  name: one
spec:
  containers:
  # {\"$imagescan\": \"web\"}
  - image: registry.example.com/team/web:1.0.0

---
# second document
apiVersion: v1
kind: Pod
metadata:
  name: two
  annotations:
    note: |
      image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}
spec:
  containers:
  - name: fleet
    image: public.ecr.aws/nginx/nginx:latest # {\"$imagescan\": \"test-scan:digest\"}
  - name: pre
    image: public.ecr.aws/fleet/pre:0.0.0-40 # {\"$imagescan\": \"pre\"}
...
";

const TEMPLATE: &str = "\
{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"chart.fullname\" . }}
spec:
  template:
    spec:
      containers:
      - name: web
        image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}
        {{- with .Values.resources }}
        resources: {{ toYaml . | nindent 10 }}
        {{- end }}
      - name: sidecar
        image: \"{{ .Values.sidecar.repo }}:{{ .Values.sidecar.tag }}\"
{{- end }}
";

const KUSTOMIZATION: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
- name: web
  newName: example.org/old/web # {\"$imagescan\": \"web:name\"}
  newTag: \"1.0.0\" # {\"$imagescan\": \"web:tag\"}
- name: nginx
  newTag: latest # {\"$imagescan\": \"test-scan:tag-digest\"}
";

impl Cases {
    fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        fs::create_dir(root.join(".git")).unwrap();
        copy_dir(&crate_root().join("testdata/oci"), &root.join("oci"));
        let ecr = root.join("oci/public.ecr.aws");
        let nginx = write_layout(&ecr, "nginx/nginx", &["latest", "1.26.1", "1.27.0"]);
        write_layout(&ecr, "fleet/pre", &["0.0.0-40", "0.0.0-50"]);
        write(root, "t/imagescan.yaml", CONFIG);
        write(root, "t/crlf.yaml", CRLF);
        write(root, "t/nofinal.yaml", NO_FINAL_NEWLINE);
        write(root, "t/multi.yaml", MULTI);
        write(root, "t/chart/templates/deploy.yaml", TEMPLATE);
        write(root, "t/kustomization.yaml", KUSTOMIZATION);
        write(
            root,
            "pre/imagescan.yaml",
            "imageScans:\n- tagName: pre\n  image: public.ecr.aws/fleet/pre\n  policy: {semver: {range: \"*\"}}\nregistries:\n- host: public.ecr.aws\n  layout: ../oci/public.ecr.aws\n",
        );
        write(
            root,
            "pre/values.yaml",
            "image: public.ecr.aws/fleet/pre:0.0.0-40 # {\"$imagescan\": \"pre\"}\n",
        );
        Cases {
            temp,
            nginx: nginx[2].clone(),
        }
    }

    fn root(&self) -> &Path {
        self.temp.path()
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.root().join(relative)).unwrap()
    }
}

#[test]
fn generated_digest_is_a_sha256() {
    let cases = Cases::new();
    assert_eq!(cases.nginx.len(), "sha256:".len() + 64);
    assert!(
        cases.nginx["sha256:".len()..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

#[test]
fn marker_cases_are_rewritten_byte_exactly() {
    let cases = Cases::new();
    let out = run(cases.root(), &["resolve", "t", "--write"]);
    assert_exit(&out, 0);
    assert_eq!(
        stderr(&out),
        "imagescan: 10 value(s) changed in 5 file(s)\n"
    );
    let digest = &cases.nginx;

    assert_eq!(
        cases.read("t/crlf.yaml"),
        CRLF.replace("web:1.0.0 #", "web:1.5.0 #")
            .replace("\"1.0.0\"", "\"1.5.0\"")
    );
    assert_eq!(
        cases.read("t/nofinal.yaml"),
        NO_FINAL_NEWLINE.replace("1.0.0", "1.5.0")
    );
    // Fleet's case: `image: public.ecr.aws/nginx/nginx:latest # {"$imagescan":
    // "test-scan:digest"}` becomes `…nginx:<tag>@sha256:<64 hex> # {…}`. Range `>=
    // 0.0.0-40` takes the prerelease 0.0.0-50. The block scalar's text is content.
    let multi = MULTI
        .replace(
            "  - image: registry.example.com/team/web:1.0.0\n",
            "  - image: registry.example.com/team/web:1.5.0\n",
        )
        .replace(
            "nginx/nginx:latest #",
            &format!("nginx/nginx:1.27.0@{digest} #"),
        )
        .replace("pre:0.0.0-40 #", "pre:0.0.0-50 #");
    assert_eq!(cases.read("t/multi.yaml"), multi);
    assert!(multi.contains("      image: registry.example.com/team/web:1.0.0 #"));
    assert_eq!(
        cases.read("t/chart/templates/deploy.yaml"),
        TEMPLATE.replace("web:1.0.0", "web:1.5.0")
    );
    assert_eq!(
        cases.read("t/kustomization.yaml"),
        KUSTOMIZATION
            .replace("example.org/old/web", "registry.example.com/team/web")
            .replace("\"1.0.0\"", "\"1.5.0\"")
            .replace("newTag: latest", &format!("newTag: 1.27.0@{digest}"))
    );
    assert_eq!(cases.read("t/imagescan.yaml"), CONFIG);

    let check = run(cases.root(), &["resolve", "t", "--check"]);
    assert_exit(&check, 0);
}

#[test]
fn marker_cases_check_lists_file_line_scan_old_new() {
    let cases = Cases::new();
    let out = run(cases.root(), &["resolve", "t", "--check"]);
    assert_failed(&out, 3);
    let digest = &cases.nginx;
    assert_eq!(
        stderr(&out),
        format!(
            "\
t/chart/templates/deploy.yaml:11: web: registry.example.com/team/web:1.0.0 -> registry.example.com/team/web:1.5.0
t/crlf.yaml:6: web: registry.example.com/team/web:1.0.0 -> registry.example.com/team/web:1.5.0
t/crlf.yaml:7: web: 1.0.0 -> 1.5.0
t/kustomization.yaml:5: web: example.org/old/web -> registry.example.com/team/web
t/kustomization.yaml:6: web: 1.0.0 -> 1.5.0
t/kustomization.yaml:8: test-scan: latest -> 1.27.0@{digest}
t/multi.yaml:9: web: registry.example.com/team/web:1.0.0 -> registry.example.com/team/web:1.5.0
t/multi.yaml:23: test-scan: public.ecr.aws/nginx/nginx:latest -> public.ecr.aws/nginx/nginx:1.27.0@{digest}
t/multi.yaml:25: pre: public.ecr.aws/fleet/pre:0.0.0-40 -> public.ecr.aws/fleet/pre:0.0.0-50
t/nofinal.yaml:6: web: 1.0.0 -> 1.5.0
"
        )
    );
}

#[test]
fn marker_cases_render_as_a_stream() {
    let cases = Cases::new();
    let out = run(cases.root(), &["render", "t", "--exclude", "chart"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    // CRLF documents keep their line ends; the last document gets its final newline.
    assert!(text.starts_with(
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  image: registry.example.com/team/web:1.5.0 # {\"$imagescan\": \"web\"}\r\n"
    ));
    assert!(text.ends_with("  tag: 1.5.0 # {\"$imagescan\": \"web:tag\"}\n"));
    assert!(text.contains(&format!("nginx/nginx:1.27.0@{} #", cases.nginx)));
    assert!(!text.contains("kind: Kustomization"));
}

#[test]
fn prerelease_is_ignored_by_star_so_nothing_is_selected() {
    let cases = Cases::new();
    let before = snapshot(cases.root());
    for args in [
        &["resolve", "pre", "--write"][..],
        &["resolve", "pre", "--check"],
        &["render", "pre"],
    ] {
        let out = run(cases.root(), args);
        assert_failed(&out, 1);
        let err = stderr(&out);
        assert!(err.contains("scan pre (pre/imagescan.yaml:2)"), "{err}");
        assert!(err.contains("semver \"*\""), "{err}");
        assert!(err.contains("2 tags seen"), "{err}");
    }
    assert_eq!(snapshot(cases.root()), before);
}

/// The demo with values.yaml moved to shared/ and reached through `values-link.yaml`, a
/// symlink inside DIR.
fn demo_with_inner_link() -> DemoCopy {
    let repo = DemoCopy::new();
    fs::create_dir(repo.demo().join("shared")).unwrap();
    fs::rename(
        repo.demo().join("values.yaml"),
        repo.demo().join("shared/values.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("shared/values.yaml", repo.demo().join("values-link.yaml")).unwrap();
    repo
}

#[test]
fn write_through_a_symlink_inside_dir_keeps_the_link() {
    for args in [
        &["resolve", "demo", "--write"][..],
        &["render", "demo", "--in-place", "--", "true"],
    ] {
        let repo = demo_with_inner_link();
        let out = run(repo.root(), args);
        assert_exit(&out, 0);
        let link = repo.demo().join("values-link.yaml");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{args:?} replaced the link with a file"
        );
        assert_golden(
            "demo-resolved/values.yaml",
            &fs::read(repo.demo().join("shared/values.yaml")).unwrap(),
        );
        let check = run(repo.root(), &["resolve", "demo", "--check"]);
        assert_exit(&check, 0);
    }
}

#[test]
fn a_file_resolving_differently_through_a_link_is_not_written() {
    let repo = demo_with_inner_link();
    // In shared/, web-channel selects the least main-* tag; through the link, the greatest.
    write(
        &repo.demo(),
        "shared/imagescan.yaml",
        "imageScans:\n- tagName: web-channel\n  image: registry.example.com/team/web\n  filterTags: {pattern: '^main-'}\n  policy: {alphabetical: {order: desc}}\n",
    );
    let before = snapshot(repo.root());
    let out = run(repo.root(), &["resolve", "demo", "--write"]);
    assert_failed(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("demo/shared/values.yaml and demo/values-link.yaml are the same file"),
        "{err}"
    );
    assert_eq!(snapshot(repo.root()), before);
}

#[test]
fn a_suspended_scan_leaves_its_values_alone() {
    let repo = DemoCopy::new();
    let config = fs::read_to_string(repo.demo().join("imagescan.yaml")).unwrap();
    let suspended = config.replace(
        "  image: registry.example.com/team/migrate\n",
        "  image: registry.example.com/team/migrate\n  suspend: true\n",
    );
    assert_ne!(suspended, config);
    write(&repo.demo(), "imagescan.yaml", &suspended);
    let out = run(repo.root(), &["resolve", "demo", "--write"]);
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "imagescan: 6 value(s) changed in 3 file(s)\n");
    assert_eq!(
        fs::read(repo.demo().join("cronjob.yaml")).unwrap(),
        fs::read(crate_root().join("testdata/demo/cronjob.yaml")).unwrap()
    );
    assert_golden(
        "demo-resolved/deployment.yaml",
        &fs::read(repo.demo().join("deployment.yaml")).unwrap(),
    );
}
