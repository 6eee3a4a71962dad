//! `imagescan argocd` as Argo CD runs it: plugin/argocd/install/plugin.yaml under the
//! plugin server reproduction (tests/support/argocd.rs) — a fresh `_cmp_server/<uuid>` unpack
//! with and without `.git`, uid 999, a read-only HOME, the sidecar environment of the
//! kustomize Component, Argo CD's variables and parameters — on the layouts people have:
//! a plain directory, a kustomize overlay whose base holds the marker, a Helm chart (helm
//! 4 and helm 3) with markers in values files and a template, an app path several levels
//! deep, a marker error, and a registry failure with a warm and a cold cache.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::argocd::{CommandRun, Generated, ParamValue, PluginServer, Request};
use support::kube_tools;
use support::registry::{Pusher, Registry};
use support::yaml::load_one;

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A directory readable by the plugin user holding `imagescan` (and `helm` when
/// `helm` is given), first in the sidecar's PATH.
fn bin_dir(scratch: &Path, helm: Option<PathBuf>) -> PathBuf {
    let bin = scratch.join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::set_permissions(scratch, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_imagescan"), bin.join("imagescan")).unwrap();
    if let Some(helm) = helm {
        std::os::unix::fs::symlink(helm, bin.join("helm")).unwrap();
    }
    bin
}

/// The plugin server for plugin/argocd/install/plugin.yaml with the sidecar's
/// environment taken from the kustomize Component (paths below /tmp moved into the server's /tmp, the
/// cache and secrets directories onto volumes of the server); `helm` is helm 4 unless
/// another binary is given.
fn plugin_server(scratch: &Path, helm: Option<PathBuf>) -> PluginServer {
    let bin = bin_dir(scratch, helm);
    let path = std::env::join_paths([
        bin,
        kube_tools::tools_bin(),
        "/usr/local/bin".into(),
        "/usr/bin".into(),
        "/bin".into(),
    ])
    .unwrap();
    kube_tools::kustomize();
    kube_tools::helm();
    let mut server = PluginServer::new(
        &crate_root().join("plugin/argocd/install/plugin.yaml"),
        &path,
    );
    let patch = load_one(
        &fs::read_to_string(crate_root().join("plugin/argocd/install/repo-server-patch.yaml"))
            .unwrap(),
    );
    let sidecar = &patch["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(sidecar["name"], "imagescan");
    let tmp = server.tmp_dir().to_str().unwrap().to_owned();
    for var in sidecar["env"].as_array().unwrap() {
        let name = var["name"].as_str().unwrap();
        let value = var["value"].as_str().unwrap();
        let value = match name {
            "PATH" => continue,
            "IMAGESCAN_CACHE_DIR" => server.volume("cache").to_str().unwrap().to_owned(),
            "IMAGESCAN_SECRETS_DIR" => server.volume("secrets").to_str().unwrap().to_owned(),
            _ => match value.strip_prefix("/tmp/") {
                Some(rest) => format!("{tmp}/{rest}"),
                None => value.to_owned(),
            },
        };
        server = server.sidecar_env(name, value);
    }
    server
}

const SCANS: &str = "\
imageScans:
- tagName: web
  image: registry.example.com/team/web
  policy:
    semver: {range: '>=1.0.0'}
registries:
- host: registry.example.com
  layout: oci
";

/// A repository with `files`, the scans above at its root and the OCI layout of
/// registry.example.com/team/web (1.0.0, 1.2.0, 1.5.0, 2.0.0) inside it.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    support::tree::write(dir.path(), "imagescan.yaml", SCANS);
    support::tree::write_layout(
        &dir.path().join("oci"),
        "team/web",
        &["1.0.0", "1.2.0", "1.5.0", "2.0.0"],
    );
    for (path, content) in files {
        support::tree::write(dir.path(), path, content);
    }
    fs::create_dir_all(dir.path().join(".git/refs")).unwrap();
    fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    dir
}

fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {objects:#?}"))
}

fn images(deployment: &Value) -> Vec<String> {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["image"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_ok(generated: &Generated) -> Vec<Value> {
    let objects = generated.ok().to_vec();
    let run = generated.generate.as_ref().unwrap();
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    objects
}

/// The generate run of a failed generate: exit `code`, nothing on stdout, and each of
/// `needles` on stderr.
fn assert_failed<'g>(generated: &'g Generated, code: i32, needles: &[&str]) -> &'g CommandRun {
    let run = generated.generate.as_ref().unwrap();
    assert_eq!(run.code, Some(code), "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout");
    for needle in needles {
        assert!(run.stderr.contains(needle), "{needle:?} in: {}", run.stderr);
    }
    run
}

/// A repository with the app `apps/web/overlays/prod` (its kustomization `overlay`) over
/// `apps/web/base` (`deployment`, and its kustomization `base`).
fn web_overlay(deployment: &str, base: &str, overlay: &str) -> tempfile::TempDir {
    repo(&[
        ("apps/web/base/deployment.yaml", deployment),
        ("apps/web/base/kustomization.yaml", base),
        ("apps/web/overlays/prod/kustomization.yaml", overlay),
    ])
}

/// The app path of [`web_overlay`].
const PROD: &str = "apps/web/overlays/prod";

const BASE_DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}
";

#[test]
fn kustomize_overlay_whose_base_holds_the_marker() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = web_overlay(
        BASE_DEPLOYMENT,
        "resources: [deployment.yaml]\n",
        "resources: [../../base]\nnamePrefix: prod-\nnamespace: web-prod\n",
    );
    for send_git in [true, false] {
        let mut request = Request::new(repo.path(), PROD);
        request.send_git = send_git;
        assert!(
            server.matches(&request).unwrap(),
            "discovery (git={send_git})"
        );
        let generated = server.generate(&request);
        let objects = assert_ok(&generated);
        assert_eq!(objects.len(), 1, "{objects:#?}");
        let deployment = object(&objects, "Deployment", "prod-web");
        assert_eq!(deployment["metadata"]["namespace"], "web-prod");
        assert_eq!(images(deployment), ["registry.example.com/team/web:2.0.0"]);
        // Resolved in place, in Argo CD's copy: the base's marker stays, its value moved.
        let base =
            String::from_utf8(generated.files_after["apps/web/base/deployment.yaml"].clone())
                .unwrap();
        assert!(
            base.contains("image: registry.example.com/team/web:2.0.0 # {\"$imagescan\": \"web\"}"),
            "{base}"
        );
    }
    // The repository itself is untouched.
    let original = fs::read_to_string(repo.path().join("apps/web/base/deployment.yaml")).unwrap();
    assert_eq!(original, BASE_DEPLOYMENT);
}

#[test]
fn plain_directory_app_two_levels_deep() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = repo(&[
        ("apps/web/deployment.yaml", BASE_DEPLOYMENT),
        (
            "apps/web/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  mode: prod\n",
        ),
        // Not an object: left out, as Argo CD's directory apps would not apply it either.
        ("apps/web/notes.yaml", "owner: team-web\n"),
        (
            "apps/api/deployment.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
        ),
    ]);
    for send_git in [true, false] {
        let mut request = Request::new(repo.path(), "apps/web");
        request.send_git = send_git;
        let objects = assert_ok(&server.generate(&request));
        assert_eq!(objects.len(), 2, "{objects:#?}");
        assert_eq!(
            images(object(&objects, "Deployment", "web")),
            ["registry.example.com/team/web:2.0.0"]
        );
        object(&objects, "ConfigMap", "web-config");
    }
}

const CHART: &str = "apiVersion: v2\nname: web\nversion: 0.1.0\n";
const VALUES: &str = "\
replicas: 1
image:
  repository: registry.example.com/team/web
  tag: 1.0.0 # {\"$imagescan\": \"web:tag\"}
";
const TEMPLATE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
  annotations:
    kube-version: {{ .Capabilities.KubeVersion.Version | quote }}
    has-batch: {{ .Capabilities.APIVersions.Has \"batch/v1\" | quote }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
      - name: proxy
        image: registry.example.com/team/web:1.2.0 # {\"$imagescan\": \"web\"}
{{- with .Values.metrics }}
      - name: metrics
        image: {{ .image }}
{{- end }}
";

fn helm_repo() -> tempfile::TempDir {
    repo(&[
        ("deploy/charts/web/Chart.yaml", CHART),
        ("deploy/charts/web/values.yaml", VALUES),
        ("deploy/charts/web/templates/deployment.yaml", TEMPLATE),
        (
            "deploy/charts/web/values-prod.yaml",
            "replicas: 3\nmetrics:\n  image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\n",
        ),
    ])
}

fn helm_case(helm: Option<PathBuf>) {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), helm);
    let repo = helm_repo();
    let request = Request::new(repo.path(), "deploy/charts/web").parameter(
        "values-files",
        ParamValue::Array(vec!["values.yaml".into(), "values-prod.yaml".into()]),
    );
    let generated = server.generate(&request);
    let objects = assert_ok(&generated);
    assert_eq!(objects.len(), 1, "{objects:#?}");
    // Release name = the app's name, namespace = the app's.
    let deployment = object(&objects, "Deployment", "web");
    assert_eq!(deployment["metadata"]["namespace"], "web-prod");
    assert_eq!(
        deployment["metadata"]["annotations"]["kube-version"],
        "v1.35.2"
    );
    assert_eq!(deployment["metadata"]["annotations"]["has-batch"], "true");
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(
        images(deployment),
        [
            "registry.example.com/team/web:2.0.0",
            "registry.example.com/team/web:2.0.0",
            "registry.example.com/team/web:2.0.0",
        ]
    );

    // release-name, inline values and helm-parameters, in Argo CD's precedence.
    let request = Request::new(repo.path(), "deploy/charts/web")
        .parameter("release-name", ParamValue::String("web-canary".into()))
        .parameter("values", ParamValue::String("replicas: 5\n".into()))
        .parameter(
            "helm-parameters",
            ParamValue::Map([("replicas".to_owned(), "7".to_owned())].into()),
        );
    let objects = assert_ok(&server.generate(&request));
    let deployment = object(&objects, "Deployment", "web-canary");
    assert_eq!(deployment["spec"]["replicas"], 7);
    assert_eq!(
        images(deployment).len(),
        2,
        "no metrics without values-prod.yaml"
    );
}

#[test]
fn helm_chart_with_markers_in_values_and_a_template_helm4() {
    helm_case(None);
}

#[test]
fn helm_chart_with_markers_in_values_and_a_template_helm3() {
    helm_case(Some(kube_tools::helm3()));
}

/// A chart reads its directory and the values files given: one elsewhere in the
/// repository has its marker resolved; another chart's broken marker is not this app's.
#[test]
fn helm_values_file_elsewhere_in_the_repository_is_resolved() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = repo(&[
        ("deploy/charts/web/Chart.yaml", CHART),
        ("deploy/charts/web/values.yaml", VALUES),
        ("deploy/charts/web/templates/deployment.yaml", TEMPLATE),
        (
            "deploy/envs/prod.yaml",
            "metrics:\n  image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\n",
        ),
        (
            "deploy/charts/other/values.yaml",
            "image: x:1 # {\"$imagescan\": \"missing\"}\n",
        ),
    ]);
    let request = Request::new(repo.path(), "deploy/charts/web").parameter(
        "values-files",
        ParamValue::Array(vec!["../../envs/prod.yaml".into()]),
    );
    let generated = server.generate(&request);
    let objects = assert_ok(&generated);
    assert_eq!(
        images(object(&objects, "Deployment", "web")),
        ["registry.example.com/team/web:2.0.0"; 3]
    );
    assert!(
        !generated.stderr().contains("missing"),
        "{}",
        generated.stderr()
    );
}

#[test]
fn helm_values_file_outside_the_repository_is_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = helm_repo();
    let request = Request::new(repo.path(), "deploy/charts/web").parameter(
        "values-files",
        ParamValue::Array(vec!["../../../../../../etc/passwd".into()]),
    );
    let generated = server.generate(&request);
    assert_failed(&generated, 2, &["values-files", "outside the repository"]);
}

#[test]
fn marker_error_fails_with_file_line_and_scan_and_no_output() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = web_overlay(
        BASE_DEPLOYMENT,
        "resources: [deployment.yaml]\n",
        "resources: [../../base]\nimages:\n- name: registry.example.com/team/web\n  newTag: 1.0.0 # {\"$imagescan\": \"wbe:tag\"}\n",
    );
    let generated = server.generate(&Request::new(repo.path(), PROD));
    let err = generated.objects.as_ref().unwrap_err();
    assert_failed(&generated, 2, &["kustomization.yaml:4", "wbe"]);
    // Argo CD shows the plugin's stderr in its error.
    assert!(err.contains("wbe"), "{err}");
}

#[test]
fn registry_failure_serves_a_warm_cache_and_fails_a_cold_one() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let registry = Registry::anonymous();
    Pusher::new(&registry).tags("team/app", &["1.0.0".to_owned(), "1.1.0".to_owned()]);
    let host = registry.host();
    let repo = tempfile::tempdir().unwrap();
    fs::set_permissions(repo.path(), fs::Permissions::from_mode(0o755)).unwrap();
    support::tree::write(
        repo.path(),
        "imagescan.yaml",
        format!(
            "imageScans:\n- tagName: app\n  image: {host}/team/app\n  interval: 0s\n  policy:\n    semver: {{range: '>=1.0.0'}}\nregistries:\n- host: {host}\n  insecure: true\n"
        ),
    );
    support::tree::write(
        repo.path(),
        "apps/app/deployment.yaml",
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {host}/team/app:1.0.0 # {{\"$imagescan\": \"app\"}}\n"
        ),
    );
    let request = Request::new(repo.path(), "apps/app");
    let objects = assert_ok(&server.generate(&request));
    assert_eq!(
        objects[0]["spec"]["template"]["spec"]["containers"][0]["image"],
        format!("{host}/team/app:1.1.0")
    );
    drop(registry);

    // Warm: the cache volume holds the tags; the refresh fails; stale tags are served.
    let generated = server.generate(&request);
    let objects = assert_ok(&generated);
    assert_eq!(
        objects[0]["spec"]["template"]["spec"]["containers"][0]["image"],
        format!("{host}/team/app:1.1.0")
    );
    let stderr = generated.stderr();
    assert!(stderr.contains("stale"), "a warning: {stderr}");
    assert!(stderr.contains("app"), "{stderr}");

    // Cold: another sidecar (an empty cache volume) fails, naming the scan and registry.
    let cold_scratch = tempfile::tempdir().unwrap();
    let cold = plugin_server(cold_scratch.path(), None);
    let generated = cold.generate(&request);
    assert_failed(&generated, 1, &[&host, "app"]);
}

/// An app reads its own files and its base's, nothing else: another app's broken marker
/// and a broken imagescan.yaml beside it neither fail this app nor are reported, and
/// those files stay as they are.
#[test]
fn another_apps_broken_marker_and_configuration_are_not_this_apps() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let broken_marker = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x:1 # {\"$imagescan\": \"missing\"}\n";
    let repo = repo(&[
        ("apps/web/deployment.yaml", BASE_DEPLOYMENT),
        (
            "apps/web/kustomization.yaml",
            "resources: [deployment.yaml]\n",
        ),
        ("apps/other/deployment.yaml", broken_marker),
        (
            "apps/other/imagescan.yaml",
            "imageScans:\n- tagName: [broken\n",
        ),
    ]);
    let generated = server.generate(&Request::new(repo.path(), "apps/web"));
    let objects = assert_ok(&generated);
    assert_eq!(
        images(object(&objects, "Deployment", "web")),
        ["registry.example.com/team/web:2.0.0"]
    );
    let stderr = generated.stderr();
    assert!(!stderr.contains("missing"), "{stderr}");
    assert!(!stderr.contains("apps/other"), "{stderr}");
    assert_eq!(
        generated.files_after["apps/other/deployment.yaml"],
        broken_marker.as_bytes()
    );

    // The other app itself fails, on its configuration (shown from its app path).
    let generated = server.generate(&Request::new(repo.path(), "apps/other"));
    assert_failed(&generated, 2, &["imagescan.yaml:3: not valid YAML"]);
}

/// A marker error in an overlay's base fails the overlay, naming the base's file and
/// line, with nothing on stdout.
#[test]
fn a_marker_error_in_the_base_fails_the_overlay() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = web_overlay(
        &BASE_DEPLOYMENT.replace("\"web\"}", "\"wbe\"}"),
        "resources: [deployment.yaml]\n",
        "resources: [../../base]\nnamePrefix: prod-\n",
    );
    let generated = server.generate(&Request::new(repo.path(), PROD));
    assert_failed(&generated, 2, &["apps/web/base/deployment.yaml:14", "wbe"]);
}

/// A component and a patch file outside the app path (the base's: kustomize reads a
/// kustomization's files from its own directory) are read by kustomize: their markers
/// are resolved.
#[test]
fn a_component_and_a_patch_outside_the_app_are_resolved() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = repo(&[
        ("base/deployment.yaml", BASE_DEPLOYMENT),
        (
            "base/kustomization.yaml",
            "resources: [deployment.yaml]\npatches:\n- path: patches/init.yaml\n",
        ),
        (
            "components/sidecar/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: sidecar.yaml\n",
        ),
        (
            "components/sidecar/sidecar.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\n",
        ),
        (
            "base/patches/init.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: registry.example.com/team/web:1.2.0 # {\"$imagescan\": \"web\"}\n",
        ),
        (
            "apps/web/kustomization.yaml",
            "resources: [../../base]\ncomponents: [../../components/sidecar]\n",
        ),
    ]);
    let generated = server.generate(&Request::new(repo.path(), "apps/web"));
    let objects = assert_ok(&generated);
    let deployment = object(&objects, "Deployment", "web");
    let mut all = images(deployment);
    all.push(
        deployment["spec"]["template"]["spec"]["initContainers"][0]["image"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(
        all, ["registry.example.com/team/web:2.0.0"; 3],
        "{deployment:#?}"
    );
}

/// A kustomization cycle ends (kustomize reports it), and a base reached by `../..`
/// past the repository root is neither resolved nor reported: nothing outside the root
/// is read by imagescan.
#[test]
fn a_cycle_and_a_base_outside_the_root() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = repo(&[
        ("apps/a/kustomization.yaml", "resources: [../b]\n"),
        ("apps/b/kustomization.yaml", "resources: [../a]\n"),
        (
            "apps/c/kustomization.yaml",
            "resources: [../../../../outside]\n",
        ),
    ]);
    let generated = server.generate(&Request::new(repo.path(), "apps/a"));
    let run = generated.generate.as_ref().unwrap();
    assert_ne!(run.code, Some(0), "kustomize refuses the cycle");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("kustomize"), "{}", run.stderr);

    // `<tmp>/_cmp_server/<uuid>/apps/c/../../../../outside` is `<tmp>/outside`.
    let outside = server.tmp_dir().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::set_permissions(&outside, fs::Permissions::from_mode(0o755)).unwrap();
    let marked = BASE_DEPLOYMENT.replace("\"web\"}", "\"nowhere\"}");
    fs::write(outside.join("deployment.yaml"), &marked).unwrap();
    fs::write(
        outside.join("kustomization.yaml"),
        "resources: [deployment.yaml]\n",
    )
    .unwrap();
    let generated = server.generate(&Request::new(repo.path(), "apps/c"));
    let objects = assert_ok(&generated);
    assert_eq!(
        images(object(&objects, "Deployment", "web")),
        ["registry.example.com/team/web:1.0.0"],
        "left as it is"
    );
    assert!(
        !generated.stderr().contains("nowhere"),
        "{}",
        generated.stderr()
    );
    assert_eq!(
        fs::read_to_string(outside.join("deployment.yaml")).unwrap(),
        marked
    );
}

/// A kustomization imagescan cannot follow (kustomize can) falls back to resolving the
/// whole repository, with a warning naming it.
#[test]
fn an_unfollowable_kustomization_resolves_the_whole_repository() {
    let scratch = tempfile::tempdir().unwrap();
    let server = plugin_server(scratch.path(), None);
    let repo = web_overlay(
        BASE_DEPLOYMENT,
        // kustomize takes the last of duplicated keys; imagescan's YAML parser refuses
        // them.
        "resources: [deployment.yaml]\nnamePrefix: a-\nnamePrefix: b-\n",
        "resources: [../../base]\n",
    );
    let generated = server.generate(&Request::new(repo.path(), PROD));
    let objects = assert_ok(&generated);
    assert_eq!(
        images(object(&objects, "Deployment", "b-web")),
        ["registry.example.com/team/web:2.0.0"]
    );
    let run = generated.generate.as_ref().unwrap();
    assert!(
        run.stderr
            .contains("apps/web/base/kustomization.yaml: cannot tell which files"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("duplicated key"), "{}", run.stderr);
    // Resolved before the tool ran, as every file of the repository is.
    let base =
        String::from_utf8(generated.files_after["apps/web/base/deployment.yaml"].clone()).unwrap();
    assert!(base.contains("team/web:2.0.0"), "{base}");
}
