//! `imagescan fn` under the real clients: kpt (`fn eval --exec`, `fn render` with a
//! Kptfile pipeline) with comment markers, and kubectl's kustomize running it as a
//! container function (a `docker` shim first on PATH runs our binary in place of the
//! container runtime; kustomize itself is real) with image rules. Scans read OCI layouts
//! written by the test, so no network is needed. Also the binary alone on ResourceLists
//! kpt and kustomize do not send (JSON, invalid functionConfig).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::cli::{Imagescan, assert_exit, assert_failed, stderr, stdout};
use support::kube_tools;
use support::tree::{write, write_layout};

const BIN: &str = env!("CARGO_BIN_EXE_imagescan");

/// A temporary directory with OCI layouts of `registry.example.com/team/{web,api}` and
/// an isolated home (cache, Docker config) for the clients to pass on to the function.
struct Fixture {
    temp: tempfile::TempDir,
    api_digests: Vec<String>,
}

impl Fixture {
    fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let layouts = temp.path().join("oci/registry.example.com");
        write_layout(
            &layouts,
            "team/web",
            &["1.0.0", "1.4.2", "1.5.0", "2.0.0-rc.1"],
        );
        let api_digests = write_layout(&layouts, "team/api", &["v1.0.0", "v1.2.0", "v2.0.0"]);
        fs::create_dir_all(temp.path().join("home")).unwrap();
        Fixture { temp, api_digests }
    }

    fn path(&self) -> &Path {
        self.temp.path()
    }

    /// The `spec` of a functionConfig defining scans `web` (>=1.0.0: 1.5.0) and `api`
    /// (^1.0.0: v1.2.0) read from the layouts.
    fn spec(&self) -> String {
        format!(
            "spec:\n  imageScans:\n  - tagName: web\n    image: registry.example.com/team/web\n  - tagName: api\n    image: registry.example.com/team/api\n    policy: {{semver: {{range: \"^1.0.0\"}}}}\n  registries:\n  - host: registry.example.com\n    layout: {}\n",
            self.path().join("oci/registry.example.com").display()
        )
    }

    /// A client command whose children (the function) see an isolated environment.
    fn client(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let home = self.path().join("home");
        let mut command = Command::new(program);
        command
            .env("HOME", &home)
            .env("IMAGESCAN_CACHE_DIR", home.join("cache"))
            .env("DOCKER_CONFIG", home.join("docker"))
            .env("IMAGESCAN_SECRETS_DIR", home.join("secrets"))
            .env_remove("IMAGESCAN_LOG")
            .env_remove("KUBECONFIG");
        command
    }
}

fn output(command: &mut Command) -> Output {
    command.output().expect("run client")
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # the web tier
spec:
  template:
    spec:
      containers:
      - name: web
        # {"$imagescan": "web"}
        image: registry.example.com/team/web:1.0.0
      - name: api
        image: "v1.0.0" # {"$imagescan": "api:tag"}
---
# second document
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  digest: 'old' # {"$imagescan": "api:digest-only"}
  other: value # a comment that stays
"#;

fn package(fixture: &Fixture, deployment: &str) -> PathBuf {
    let pkg = fixture.path().join("pkg");
    write(&pkg, "app.yaml", deployment);
    write(
        fixture.path(),
        "fn-config.yaml",
        format!(
            "apiVersion: imagescan.dev/v1alpha1\nkind: ImageScan\nmetadata:\n  name: images\n{}",
            fixture.spec()
        ),
    );
    pkg
}

/// Makes `pkg` run the function from its Kptfile pipeline, with the fixture's
/// functionConfig in the package (marked local, so kpt does not render it).
fn kptfile_pipeline(fixture: &Fixture, pkg: &Path) {
    write(
        pkg,
        "fn-config.yaml",
        fs::read_to_string(fixture.path().join("fn-config.yaml"))
            .unwrap()
            .replace(
                "name: images\n",
                "name: images\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
            ),
    );
    write(
        pkg,
        "Kptfile",
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - exec: \"{BIN} fn\"\n    configPath: fn-config.yaml\n"
        ),
    );
}

#[test]
fn kpt_fn_eval_resolves_comment_markers_and_keeps_everything_else() {
    let fixture = Fixture::new();
    let pkg = package(&fixture, DEPLOYMENT);
    let out = output(
        fixture
            .client(kube_tools::kpt())
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", &format!("{BIN} fn"), "--fn-config"])
            .arg(fixture.path().join("fn-config.yaml")),
    );
    assert_exit(&out, 0);
    let want = DEPLOYMENT
        .replace("web:1.0.0", "web:1.5.0")
        .replace("\"v1.0.0\"", "\"v1.2.0\"")
        .replace("'old'", &format!("'{}'", fixture.api_digests[1]));
    assert_eq!(fs::read_to_string(pkg.join("app.yaml")).unwrap(), want);
}

#[test]
fn kpt_fn_render_runs_the_function_from_a_kptfile_pipeline() {
    let fixture = Fixture::new();
    let pkg = package(&fixture, DEPLOYMENT);
    kptfile_pipeline(&fixture, &pkg);
    let out = output(
        fixture
            .client(kube_tools::kpt())
            .args(["fn", "render", "--allow-exec"])
            .arg(&pkg),
    );
    assert_exit(&out, 0);
    let rendered = fs::read_to_string(pkg.join("app.yaml")).unwrap();
    assert!(
        rendered.contains("        image: registry.example.com/team/web:1.5.0\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains("# {\"$imagescan\": \"web\"}"),
        "{rendered}"
    );
}

#[test]
fn kpt_shows_an_undefined_scan_and_fails_leaving_the_package_alone() {
    let fixture = Fixture::new();
    let broken = DEPLOYMENT.replace("\"api:tag\"", "\"nope:tag\"");
    let pkg = package(&fixture, &broken);
    let out = output(
        fixture
            .client(kube_tools::kpt())
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", &format!("{BIN} fn"), "--fn-config"])
            .arg(fixture.path().join("fn-config.yaml")),
    );
    assert!(!out.status.success(), "kpt must fail: {}", stderr(&out));
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        shown.contains("[error] apps/v1/Deployment/web: app.yaml:13: marker names scan \"nope\""),
        "{shown}"
    );
    assert_eq!(fs::read_to_string(pkg.join("app.yaml")).unwrap(), broken);
}

/// `kpt fn render` gives the parent's pipeline its subpackages' items, each annotated
/// with a path relative to its own package: messages name the file from the package
/// rendered (`sub/job.yaml`), and the resolved subpackage is written back.
#[test]
fn kpt_fn_render_names_a_subpackage_file_from_the_package_rendered() {
    let fixture = Fixture::new();
    let pkg = package(&fixture, DEPLOYMENT);
    kptfile_pipeline(&fixture, &pkg);
    write(
        &pkg,
        "sub/Kptfile",
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: sub\n",
    );
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: m\n        image: registry.example.com/team/api:v1.0.0 # {\"$imagescan\": \"api\"}\n";
    write(&pkg, "sub/job.yaml", job);
    let render = || {
        output(
            fixture
                .client(kube_tools::kpt())
                .args(["fn", "render", "--allow-exec"])
                .arg(&pkg),
        )
    };
    let out = render();
    assert_exit(&out, 0);
    assert_eq!(
        fs::read_to_string(pkg.join("sub/job.yaml")).unwrap(),
        job.replace("api:v1.0.0", "api:v1.2.0")
    );

    let broken = job.replace("\"api\"", "\"nope\"");
    write(&pkg, "sub/job.yaml", &broken);
    let out = render();
    assert!(!out.status.success(), "kpt must fail: {}", stderr(&out));
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        shown.contains("[error] batch/v1/Job/migrate: sub/job.yaml:10: marker names scan \"nope\""),
        "{shown}"
    );
    assert_eq!(
        fs::read_to_string(pkg.join("sub/job.yaml")).unwrap(),
        broken
    );
}

/// A kustomization whose transformer is our function as a container, with image rules.
fn kustomization(fixture: &Fixture) -> PathBuf {
    let dir = fixture.path().join("kz");
    write(
        &dir,
        "kustomization.yaml",
        "resources: [app.yaml]\ntransformers: [images.yaml]\n",
    );
    write(
        &dir,
        "app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: registry.example.com/team/api:v1.0.0\n      containers:\n      - name: web\n        image: registry.example.com/team/web:1.0.0\n      - name: sidecar\n        image: busybox:1.36\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n            image: registry.example.com/team/web\n",
    );
    write(
        &dir,
        "images.yaml",
        format!(
            "apiVersion: imagescan.dev/v1alpha1\nkind: ImageScan\nmetadata:\n  name: images\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: imagescan:test\n{}  images:\n  - name: registry.example.com/team/web\n    scan: web\n  - name: registry.example.com/team/api:ignored-tag\n    scan: api:digest\n  - name: nginx\n    scan: web\n",
            fixture.spec()
        ),
    );
    // The container runtime kustomize calls: runs our binary, keeping what it wrote.
    let shim = fixture.path().join("shim");
    write(
        &shim,
        "docker",
        format!(
            "#!/bin/sh\necho \"$*\" > {log}\n{BIN} fn > {out}\nstatus=$?\ncat {out}\nexit $status\n",
            log = fixture.path().join("docker-args").display(),
            out = fixture.path().join("fn-output.yaml").display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(shim.join("docker"), fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn kustomize(fixture: &Fixture, dir: &Path) -> Output {
    let mut path = vec![fixture.path().join("shim")];
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    output(
        fixture
            .client(kube_tools::kubectl())
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(dir)
            .env("PATH", std::env::join_paths(path).unwrap()),
    )
}

#[test]
fn kustomize_image_rules_set_deployment_cronjob_and_init_container_images() {
    let fixture = Fixture::new();
    let dir = kustomization(&fixture);
    let out = kustomize(&fixture, &dir);
    assert_exit(&out, 0);
    let built = stdout(&out);
    for want in [
        "      - image: registry.example.com/team/web:1.5.0\n        name: web\n",
        "      - image: busybox:1.36\n",
        &format!(
            "      - image: registry.example.com/team/api:v1.2.0@{}\n        name: init\n",
            fixture.api_digests[1]
        ),
        "          - image: registry.example.com/team/web:1.5.0\n            name: job\n",
    ] {
        assert!(built.contains(want), "missing {want:?} in\n{built}");
    }
    // kustomize really ran a container function, with no network.
    let args = fs::read_to_string(fixture.path().join("docker-args")).unwrap();
    assert!(
        args.contains("--network none") && args.ends_with("imagescan:test\n"),
        "{args}"
    );
    // The rule for `nginx` matched nothing: a warning result, and a warning on stderr.
    let written = fs::read_to_string(fixture.path().join("fn-output.yaml")).unwrap();
    let results = &written[written.find("\nresults:\n").expect("results") + 1..];
    assert!(
        results.contains(r#""severity":"warning""#)
            && results.contains(r#"no container image named \"nginx\""#)
            && results.contains(r#""field":{"path":"spec.images[2]","currentValue":"nginx"}"#),
        "{results}"
    );
    assert!(stderr(&out).contains("spec.images[2]"), "{}", stderr(&out));
}

#[test]
fn kustomize_fails_with_our_message_when_a_rule_names_no_scan() {
    let fixture = Fixture::new();
    let dir = kustomization(&fixture);
    let config = fs::read_to_string(dir.join("images.yaml")).unwrap();
    write(
        &dir,
        "images.yaml",
        config.replace("scan: api:digest", "scan: nope"),
    );
    let out = kustomize(&fixture, &dir);
    assert!(!out.status.success());
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("spec.images[1]: image rule names scan \"nope\", which the functionConfig does not define"),
        "{err}"
    );
}

/// Runs `imagescan fn` on `input` in `cwd`.
fn function(cwd: &Path, input: &str) -> Output {
    Imagescan::new(cwd, &["fn"]).stdin(input).output()
}

#[test]
fn invalid_function_config_gives_error_results_and_unchanged_items() {
    let fixture = Fixture::new();
    let items = "items:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n  spec:\n    containers:\n    - image: nginx:1.0 # {\"$imagescan\": \"web\"}\n";
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n{items}functionConfig:\n  apiVersion: imagescan.dev/v1alpha1\n  kind: ImageScan\n  spec:\n    imageScans:\n    - tagName: web\n      image: nginx\n      interval: 1d\n"
    );
    let out = function(fixture.path(), &input);
    assert_exit(&out, 2);
    let got = stdout(&out);
    assert!(got.starts_with(&input), "{got}");
    assert!(
        got.contains("functionConfig:7: spec.imageScans[0].interval: "),
        "{got}"
    );
    assert!(
        got.contains("[invalid-duration]\",\"severity\":\"error\""),
        "{got}"
    );
    // The marker in the item was not resolved: nothing is half-applied.
    assert_eq!(got.matches("nginx:1.0 #").count(), 1, "{got}");
    // A functionConfig kpt read from a file is named by that file.
    let from_file = input.replace(
        "  kind: ImageScan\n",
        "  kind: ImageScan\n  metadata:\n    annotations:\n      internal.config.kubernetes.io/path: 'fn-config.yaml'\n",
    );
    let got = stdout(&function(fixture.path(), &from_file));
    assert!(
        got.contains("fn-config.yaml:10: spec.imageScans[0].interval: "),
        "{got}"
    );
}

#[test]
fn json_resource_lists_are_read_and_answered() {
    let fixture = Fixture::new();
    let input = format!(
        r#"{{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p"}}, "spec": {{"containers": [{{"name": "c", "image": "registry.example.com/team/web:1.0.0"}}]}}}}], "functionConfig": {}}}"#,
        serde_json::json!({
            "apiVersion": "imagescan.dev/v1alpha1",
            "kind": "ImageScan",
            "spec": {
                "imageScans": [{"tagName": "web", "image": "registry.example.com/team/web"}],
                "registries": [{"host": "registry.example.com", "layout": "oci/registry.example.com"}],
                "images": [{"name": "registry.example.com/team/web", "scan": "web:tag"}, {"name": "x", "scan": "web"}]
            }
        })
    );
    let out = function(fixture.path(), &input);
    assert_exit(&out, 0);
    let got: serde_json::Value = serde_yaml_like(&stdout(&out));
    assert_eq!(got["items"][0]["spec"]["containers"][0]["image"], "1.5.0");
    assert_eq!(got["results"][0]["severity"], "warning");
}

/// Block sequences nested `levels` deep (`- - - … x`), indented by `indent`.
fn nested(indent: &str, levels: usize) -> String {
    format!("{indent}{}x\n", "- ".repeat(levels))
}

#[test]
fn nesting_past_the_depth_limit_is_an_error_not_a_crash() {
    let fixture = Fixture::new();
    let header = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
    let pod = "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n  spec:\n    containers:\n    - name: c\n      image: registry.example.com/team/web:1.0.0\n";

    // Not a ResourceList in block style: read whole, and refused before it is loaded.
    let out = function(fixture.path(), &nested("", 30_000));
    assert_failed(&out, 2);
    assert!(
        stderr(&out).contains("line 1: YAML nested more than 128 levels deep"),
        "{}",
        stderr(&out)
    );

    // In the functionConfig: an error result naming it, items unchanged.
    let input = format!(
        "{header}items:\n{pod}functionConfig:\n  apiVersion: imagescan.dev/v1alpha1\n  kind: ImageScan\n  spec:\n    deep:\n{}",
        nested("    ", 30_000)
    );
    let out = function(fixture.path(), &input);
    assert_exit(&out, 2);
    let got = stdout(&out);
    assert!(got.starts_with(&input[..input.len() - 1]), "items changed");
    assert!(
        got.contains("functionConfig:") && got.contains("nested more than 128 levels"),
        "{}",
        &got[got.len().saturating_sub(600)..]
    );

    // In an item an image rule must look into: an error result naming its line.
    let input = format!(
        "{header}items:\n{pod}- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: image-deep\n  data:\n    x:\n{}functionConfig:\n  apiVersion: imagescan.dev/v1alpha1\n  kind: ImageScan\n  {}\n    images:\n    - name: registry.example.com/team/web\n      scan: web\n",
        nested("    ", 30_000),
        fixture.spec().replace("\n  ", "\n    ").trim_end()
    );
    let out = function(fixture.path(), &input);
    assert_exit(&out, 2);
    let got = stdout(&out);
    assert!(
        got.contains("line 18: YAML nested more than 128 levels deep")
            && got.contains("its images cannot be matched"),
        "{}",
        &got[got.len().saturating_sub(600)..]
    );
    assert_eq!(
        got.matches("team/web:1.0.0").count(),
        1,
        "nothing half-applied"
    );
}

/// JSON output parses as JSON (our results are JSON objects inside the JSON list).
fn serde_yaml_like(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}
