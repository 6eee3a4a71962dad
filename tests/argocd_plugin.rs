//! plugin/argocd/install/plugin.yaml under the reproduction of Argo CD's plugin server
//! (tests/support/argocd.rs): its schema, its discovery on the layouts people have, and
//! the contract the harness reproduces (environment, user, work directory, timeout,
//! output parsing), checked with small shell plugins.

mod support;

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::argocd::{ParamValue, PluginConfig, PluginServer, Request};
use support::kube_tools;

fn plugin_yaml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin/argocd/install/plugin.yaml")
}

/// The sidecar's PATH: a directory holding `imagescan`, then the kube tools and the system.
fn sidecar_path(bin: &Path) -> OsString {
    fs::create_dir_all(bin).unwrap();
    fs::set_permissions(bin, fs::Permissions::from_mode(0o755)).unwrap();
    let link = bin.join("imagescan");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_imagescan"), &link).unwrap();
    }
    std::env::join_paths([
        bin.to_path_buf(),
        kube_tools::tools_bin(),
        "/usr/local/bin".into(),
        "/usr/bin".into(),
        "/bin".into(),
    ])
    .unwrap()
}

/// Writes `files` (path → content) below a fresh directory, made readable for the plugin
/// user; with `git`, a `.git` directory marks it as a git root.
fn repo(files: &[(&str, &str)], git: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    if git {
        fs::create_dir_all(dir.path().join(".git/refs")).unwrap();
        fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    }
    dir
}

fn server(scratch: &Path) -> PluginServer {
    PluginServer::new(&plugin_yaml(), &sidecar_path(&scratch.join("bin")))
}

const SCANS: &str = "imageScans:\n- tagName: web\n  image: registry.example.com/team/web\n  policy:\n    semver: {range: '>=1.0.0'}\n";
const MARKED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/team/web:1.0.0 # {\"$imagescan\": \"web\"}\n";
const PLAIN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  image: registry.example.com/team/web:1.0.0\n";

#[test]
fn plugin_yaml_follows_argo_cds_schema() {
    let config = PluginConfig::read(&plugin_yaml()).unwrap();
    assert_eq!(config.plugin_name(), "imagescan");
    assert_eq!(config.spec.generate.command, ["imagescan", "argocd"]);
    assert!(!config.spec.discover.find.command.is_empty());
    let announced: Vec<(&str, &str)> = config
        .spec
        .parameters
        .static_
        .iter()
        .map(|p| (p.name.as_str(), p.collection_type.as_str()))
        .collect();
    assert!(
        announced.contains(&("values-files", "array")),
        "{announced:?}"
    );
    assert!(
        announced.contains(&("release-name", "string")),
        "{announced:?}"
    );
    for p in &config.spec.parameters.static_ {
        assert!(!p.title.is_empty() && !p.tooltip.is_empty(), "{p:?}");
    }
}

/// The harness refuses what Argo CD would silently ignore or reject.
#[test]
fn harness_schema_refuses_bad_plugin_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = fs::read_to_string(plugin_yaml()).unwrap();
    let cases = [
        (good.replace("generate:", "generat:"), "generat"),
        (
            good.replace("kind: ConfigManagementPlugin", "kind: Plugin"),
            "kind",
        ),
        (
            good.replace("name: imagescan\n", "name: ''\n"),
            "metadata.name",
        ),
        (
            good.replace("collectionType: array", "collectionType: list"),
            "collectionType",
        ),
        (
            good.replace("preserveFileMode", "preserveFilemode"),
            "preserveFilemode",
        ),
    ];
    for (text, expected) in cases {
        assert_ne!(text, good, "the case must change the file ({expected})");
        let path = dir.path().join("plugin.yaml");
        fs::write(&path, text).unwrap();
        let err = PluginConfig::read(&path).expect_err(expected);
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

/// Files (path, content), app path, whether discovery must match.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, bool);

/// Discovery matches exactly the apps imagescan applies to, with and without `.git`
/// in the unpacked repository.
#[test]
fn discovery_matches_apps_under_a_scan_configuration_or_holding_markers() {
    let scratch = tempfile::tempdir().unwrap();
    let server = server(scratch.path());
    let fleet_scans = format!("defaultNamespace: web\n{SCANS}");
    // (files, app path, expected)
    let cases: Vec<Case<'_>> = vec![
        // imagescan.yaml at the root, app two levels deep, no markers in the app.
        (
            vec![
                ("imagescan.yaml", SCANS),
                ("apps/web/overlays/prod/cm.yaml", PLAIN),
            ],
            "apps/web/overlays/prod",
            true,
        ),
        // fleet.yaml with imageScans in an ancestor.
        (
            vec![
                ("apps/fleet.yaml", &fleet_scans),
                ("apps/web/cm.yaml", PLAIN),
            ],
            "apps/web",
            true,
        ),
        // fleet.yaml without imageScans, no markers: not ours.
        (
            vec![
                ("fleet.yaml", "defaultNamespace: web\n"),
                ("apps/web/cm.yaml", PLAIN),
            ],
            "apps/web",
            false,
        ),
        // A marker in the app and no configuration anywhere.
        (vec![("apps/web/deploy.yaml", MARKED)], "apps/web", true),
        // A marker in a nested directory of the app.
        (
            vec![("apps/web/base/deploy.yaml", MARKED)],
            "apps/web",
            true,
        ),
        // Configuration and markers only in a sibling app.
        (
            vec![
                ("apps/api/imagescan.yaml", SCANS),
                ("apps/api/deploy.yaml", MARKED),
                ("apps/web/cm.yaml", PLAIN),
            ],
            "apps/web",
            false,
        ),
        // A plain repository.
        (vec![("cm.yaml", PLAIN)], ".", false),
        // The configuration at the app path itself.
        (
            vec![("imagescan.yaml", SCANS), ("cm.yaml", PLAIN)],
            ".",
            true,
        ),
    ];
    for git in [true, false] {
        for (files, app, expected) in &cases {
            let repo = repo(files, git);
            let mut request = Request::new(repo.path(), app);
            request.send_git = git;
            let matched = server.matches(&request).unwrap();
            assert_eq!(matched, *expected, "git={git} app={app} files={files:?}");
        }
    }
}

/// Discovery stops at the unpacked repository's root: a configuration file above it
/// (here: a git root below the unpacked directory, whose parent holds imagescan.yaml
/// inside the repository but outside that git root) does not apply.
#[test]
fn discovery_stops_at_a_git_root() {
    let scratch = tempfile::tempdir().unwrap();
    let server = server(scratch.path());
    let repo = repo(
        &[
            ("imagescan.yaml", SCANS),
            ("vendor/other/.git/HEAD", "ref: refs/heads/main\n"),
            ("vendor/other/app/cm.yaml", PLAIN),
        ],
        false,
    );
    let request = Request::new(repo.path(), "vendor/other/app");
    assert!(!server.matches(&request).unwrap());
    let request = Request::new(repo.path(), "vendor");
    assert!(server.matches(&request).unwrap());
}

/// A plugin file that prints what the plugin sees, to check the harness's contract.
fn probe_server(scratch: &Path, generate: &str, discover: &str) -> PluginServer {
    let path = scratch.join("probe.yaml");
    fs::write(
        &path,
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nmetadata:\n  name: probe\nspec:\n  version: v1\n  generate:\n    command: [sh, -c]\n    args:\n      - |\n{}\n  discover:\n{}\n",
            generate
                .lines()
                .map(|l| format!("        {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            discover
        ),
    )
    .unwrap();
    PluginServer::new(&path, &sidecar_path(&scratch.join("bin")))
}

#[test]
fn harness_runs_the_plugin_like_the_sidecar() {
    let scratch = tempfile::tempdir().unwrap();
    let generate = r#"set -e
{
  echo "apiVersion: v1"
  echo "kind: ConfigMap"
  echo "metadata: {name: probe}"
  echo "data:"
  echo "  uid: '$(id -u)'"
  echo "  cwd: '$(pwd -P)'"
  if touch "$HOME/x" 2>/dev/null; then echo "  home: writable"; else echo "  home: read-only"; fi
  if touch ../../written 2>/dev/null; then echo "  repo: writable"; else echo "  repo: read-only"; fi
  env | grep -E '^(ARGOCD_|PARAM_|KUBE_)' | sort | sed "s/'/''/g; s/^\([^=]*\)=\(.*\)$/  \1: '\2'/"
}"#;
    let server = probe_server(scratch.path(), generate, "    fileName: '*.yaml'");
    assert_eq!(server.config.plugin_name(), "probe-v1");
    let repo = repo(&[("apps/web/cm.yaml", PLAIN)], true);
    let request = Request::new(repo.path(), "apps/web")
        .plugin_env("REV", "r-$ARGOCD_APP_REVISION_SHORT")
        .parameter(
            "values-files",
            ParamValue::Array(vec!["a.yaml".into(), "b.yaml".into()]),
        )
        .parameter("release-name", ParamValue::String("web-x".into()))
        .parameter(
            "helm-parameters",
            ParamValue::Map([("image.tag".to_owned(), "v1".to_owned())].into()),
        );
    let generated = server.generate(&request);
    let objects = generated.ok();
    assert_eq!(objects.len(), 1);
    let data = &objects[0]["data"];
    let get = |k: &str| data[k].as_str().unwrap_or_else(|| panic!("{k} in {data}"));
    if rustix::process::geteuid().is_root() {
        assert_eq!(get("uid"), "999");
    }
    let cwd = get("cwd");
    let parts: Vec<&str> = cwd.rsplitn(4, '/').collect();
    assert_eq!(parts[0], "web");
    assert_eq!(parts[1], "apps");
    assert_eq!(parts[2].len(), 36, "uuid work directory: {cwd}");
    assert!(parts[3].ends_with("/_cmp_server"), "{cwd}");
    assert_eq!(get("home"), "read-only");
    assert_eq!(get("repo"), "writable");
    assert_eq!(get("ARGOCD_APP_NAME"), "web");
    assert_eq!(get("ARGOCD_APP_NAMESPACE"), "web-prod");
    assert_eq!(get("ARGOCD_APP_SOURCE_PATH"), "apps/web");
    assert_eq!(get("ARGOCD_APP_REVISION_SHORT"), "0123456");
    assert_eq!(get("KUBE_VERSION"), "1.35.2");
    assert_eq!(
        get("KUBE_API_VERSIONS"),
        "v1,apps/v1,batch/v1,networking.k8s.io/v1"
    );
    assert_eq!(get("ARGOCD_ENV_REV"), "r-0123456");
    assert_eq!(
        get("ARGOCD_APP_PARAMETERS"),
        r#"[{"array":["a.yaml","b.yaml"],"name":"values-files"},{"name":"release-name","string":"web-x"},{"map":{"image.tag":"v1"},"name":"helm-parameters"}]"#
    );
    assert_eq!(get("PARAM_VALUES_FILES_0"), "a.yaml");
    assert_eq!(get("PARAM_VALUES_FILES_1"), "b.yaml");
    assert_eq!(get("PARAM_RELEASE_NAME"), "web-x");
    assert_eq!(get("PARAM_HELM_PARAMETERS_IMAGE_TAG"), "v1");

    // An Application without source.plugin (found by discovery): no ARGOCD_ENV_*, no
    // parameters; with a plugin section but no parameters: `null`.
    let mut request = Request::new(repo.path(), "apps/web");
    request.plugin = None;
    let generated = server.generate(&request);
    assert!(
        generated.ok()[0]["data"]
            .get("ARGOCD_APP_PARAMETERS")
            .is_none()
    );
    let generated = server.generate(&Request::new(repo.path(), "apps/web"));
    assert_eq!(generated.ok()[0]["data"]["ARGOCD_APP_PARAMETERS"], "null");

    // fileName discovery: a glob in the app path only.
    assert!(
        server
            .matches(&Request::new(repo.path(), "apps/web"))
            .unwrap()
    );
    assert!(!server.matches(&Request::new(repo.path(), "apps")).unwrap());
}

#[test]
fn harness_discovers_with_double_star_globs() {
    let scratch = tempfile::tempdir().unwrap();
    let server = probe_server(
        scratch.path(),
        "true",
        "    find:\n      glob: '**/Chart.yaml'",
    );
    let repo = repo(
        &[
            ("apps/web/charts/web/Chart.yaml", "name: web\n"),
            ("apps/api/cm.yaml", PLAIN),
        ],
        false,
    );
    assert!(
        server
            .matches(&Request::new(repo.path(), "apps/web"))
            .unwrap()
    );
    assert!(
        !server
            .matches(&Request::new(repo.path(), "apps/api"))
            .unwrap()
    );
}

#[test]
fn harness_reports_failures_like_argo_cd() {
    let scratch = tempfile::tempdir().unwrap();
    let repo = repo(&[("cm.yaml", PLAIN)], false);
    let request = Request::new(repo.path(), ".");

    let server = probe_server(
        scratch.path(),
        "echo out; echo 'bad thing' >&2; exit 3",
        "    fileName: x",
    );
    let generated = server.generate(&request);
    let err = generated.objects.unwrap_err();
    assert!(err.contains("failed exit status 3: bad thing"), "{err}");

    let server = probe_server(scratch.path(), "printf 'a: b\\n'", "    fileName: x");
    let err = server.generate(&request).objects.unwrap_err();
    assert!(err.contains("Object 'Kind' is missing"), "{err}");

    // Empty and null documents are dropped; JSON objects are objects too.
    let server = probe_server(
        scratch.path(),
        r#"printf -- '---\n---\nnull\n---\n{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}\n'"#,
        "    fileName: x",
    );
    let objects = server.generate(&request).ok().to_vec();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["kind"], Value::from("Namespace"));

    let mut server = probe_server(scratch.path(), "sleep 30 & sleep 30", "    fileName: x");
    server.timeout = Duration::from_millis(300);
    let generated = server.generate(&request);
    let run = generated.generate.as_ref().unwrap();
    assert!(run.timed_out);
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    assert!(generated.objects.is_err());
}
