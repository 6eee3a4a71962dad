//! `imagescan post-render` under the real Helm 3 (`--post-renderer PATH
//! --post-renderer-args post-render …`) and Helm 4 (the `postrenderer/v1` plugin of
//! plugin/helm, found through HELM_PLUGINS), on a chart whose templates carry markers;
//! plus the binary alone on the byte-level contract (Helm 4's annotation, empty input).
//! Scans read OCI layouts written by the test: no network.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::cli::{Imagescan, assert_exit, assert_failed, crate_root, stderr, stdout};
use support::kube_tools;
use support::tree::{write, write_layout};

const BIN: &str = env!("CARGO_BIN_EXE_imagescan");

/// A chart `web` with markers in a Deployment and in a pre-install hook, the layouts
/// its scans read, the configuration, and an isolated home for helm and the
/// post-renderer.
struct Chart {
    temp: tempfile::TempDir,
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  template:
    spec:
      containers:
      - name: web
        image: registry.example.com/team/web:1.0.0 # {"$imagescan": "web"}
      - name: api
        # {"$imagescan": "api:tag"}
        image: "v1.0.0"
"#;

const HOOK: &str = r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    "helm.sh/hook": pre-install
spec:
  template:
    spec:
      containers:
      - name: migrate
        image: registry.example.com/team/web:0.1.0 # {"$imagescan": "web"}
"#;

impl Chart {
    fn new(deployment: &str) -> Self {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        let layouts = root.join("oci/registry.example.com");
        write_layout(&layouts, "team/web", &["1.0.0", "1.5.0", "2.0.0-rc.1"]);
        write_layout(&layouts, "team/api", &["v1.0.0", "v1.2.0", "v2.0.0"]);
        write(
            root,
            "chart/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        );
        write(root, "chart/templates/deployment.yaml", deployment);
        write(root, "chart/templates/migrate.yaml", HOOK);
        write(
            root,
            "imagescan.yaml",
            "imageScans:\n- tagName: web\n  image: registry.example.com/team/web\n- tagName: api\n  image: registry.example.com/team/api\n  policy: {semver: {range: \"^1.0.0\"}}\nregistries:\n- host: registry.example.com\n  layout: oci/registry.example.com\n",
        );
        fs::create_dir_all(root.join("home")).unwrap();
        Chart { temp }
    }

    fn root(&self) -> &Path {
        self.temp.path()
    }

    fn config(&self) -> String {
        format!("--config={}", self.root().join("imagescan.yaml").display())
    }

    /// A helm command run in the chart's parent directory, isolated, with our binary's
    /// directory first on PATH (where Helm 4's plugin finds `imagescan`).
    fn helm(&self, program: PathBuf) -> Command {
        let home = self.root().join("home");
        let mut path = vec![Path::new(BIN).parent().unwrap().to_path_buf()];
        path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
        let mut command = Command::new(program);
        command
            .current_dir(self.root())
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("IMAGESCAN_CACHE_DIR", home.join("imagescan-cache"))
            .env("DOCKER_CONFIG", home.join("docker"))
            .env("HELM_PLUGINS", crate_root().join("plugin"))
            .env_remove("IMAGESCAN_CONFIG")
            .env_remove("KUBECONFIG");
        command
    }
}

fn output(command: &mut Command) -> Output {
    command.output().expect("run helm")
}

#[test]
fn helm3_template_renders_the_selected_tags() {
    let chart = Chart::new(DEPLOYMENT);
    let out = output(
        chart
            .helm(kube_tools::helm3())
            .args(["template", "rel", "chart"])
            .args([
                "--post-renderer",
                BIN,
                "--post-renderer-args",
                "post-render",
                "--post-renderer-args",
                &chart.config(),
            ]),
    );
    assert_exit(&out, 0);
    let rendered = stdout(&out);
    assert!(
        rendered.contains("# Source: web/templates/deployment.yaml\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains(
            "        image: registry.example.com/team/web:1.5.0 # {\"$imagescan\": \"web\"}\n      - name: api\n        # {\"$imagescan\": \"api:tag\"}\n        image: \"v1.2.0\"\n"
        ),
        "{rendered}"
    );
}

#[test]
fn helm3_fails_with_our_message_on_a_marker_error() {
    let chart = Chart::new(&DEPLOYMENT.replace("\"api:tag\"", "\"nope:tag\""));
    let out = output(
        chart
            .helm(kube_tools::helm3())
            .args(["template", "rel", "chart"])
            .args([
                "--post-renderer",
                BIN,
                "--post-renderer-args",
                "post-render",
                "--post-renderer-args",
                &chart.config(),
            ]),
    );
    assert!(!out.status.success());
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "web/templates/deployment.yaml (rendered document 1):12: marker names scan \"nope\", which no --config file (or IMAGESCAN_CONFIG) defines [undefined-scan]"
        ),
        "{err}"
    );
}

#[test]
fn helm4_plugin_renders_the_selected_tags_and_hooks() {
    let chart = Chart::new(DEPLOYMENT);
    let out = output(
        chart
            .helm(kube_tools::helm())
            .args(["template", "rel", "chart"])
            .args([
                "--post-renderer",
                "imagescan",
                "--post-renderer-args",
                &chart.config(),
            ]),
    );
    assert_exit(&out, 0);
    let rendered = stdout(&out);
    assert!(
        rendered.contains("image: registry.example.com/team/web:1.5.0 #"),
        "{rendered}"
    );
    assert!(rendered.contains("image: \"v1.2.0\""), "{rendered}");
    // Helm regrouped the documents by its annotation, which came back unchanged.
    assert!(
        rendered.contains("# Source: web/templates/deployment.yaml\n"),
        "{rendered}"
    );
    assert!(!rendered.contains("postrenderer.helm.sh"), "{rendered}");

    let out = output(
        chart
            .helm(kube_tools::helm())
            .args(["install", "rel", "chart", "--dry-run=client"])
            .args([
                "--post-renderer",
                "imagescan",
                "--post-renderer-args",
                &chart.config(),
            ]),
    );
    assert_exit(&out, 0);
    let installed = stdout(&out);
    let hooks = &installed
        [installed.find("HOOKS:").expect("hooks")..installed.find("MANIFEST:").expect("manifest")];
    assert!(
        hooks.contains("image: registry.example.com/team/web:1.5.0 # {\"$imagescan\": \"web\"}"),
        "{installed}"
    );
}

/// docs/helm.md's `HELM_PLUGINS=$PWD/plugin` (Helm 4): Helm takes every
/// `plugin/*/plugin.yaml` for a Helm plugin, so plugin/ must hold no other (Helm 4
/// warned on every command while Argo CD's plugin.yaml was there).
#[test]
fn helm4_plugins_set_to_plugin_dir_loads_our_plugin_and_nothing_else() {
    let chart = Chart::new(DEPLOYMENT);
    let out = output(chart.helm(kube_tools::helm()).args(["plugin", "list"]));
    assert_exit(&out, 0);
    let listed = stdout(&out);
    let names: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(names, ["imagescan"], "{listed}");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn helm4_fails_on_a_marker_error_and_the_same_post_render_by_hand_says_why() {
    let chart = Chart::new(&DEPLOYMENT.replace("\"api:tag\"", "\"nope:tag\""));
    let out = output(
        chart
            .helm(kube_tools::helm())
            .args(["template", "rel", "chart"])
            .args([
                "--post-renderer",
                "imagescan",
                "--post-renderer-args",
                &chart.config(),
            ]),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("plugin \"imagescan\" exited with error"),
        "{}",
        stderr(&out)
    );
    // docs/helm.md: render without the post-renderer and pipe it through by hand.
    let plain = output(
        chart
            .helm(kube_tools::helm())
            .args(["template", "rel", "chart"]),
    );
    assert_exit(&plain, 0);
    let by_hand = post_render(chart.root(), &[&chart.config()], &plain.stdout);
    assert_failed(&by_hand, 2);
    assert!(
        stderr(&by_hand).contains("marker names scan \"nope\""),
        "{}",
        stderr(&by_hand)
    );
}

/// Runs `imagescan post-render ARGS` with `input` on stdin.
fn post_render(cwd: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut all = vec!["post-render"];
    all.extend_from_slice(args);
    Imagescan::new(cwd, &all)
        .env("IMAGESCAN_CACHE_DIR", cwd.join("home/c"))
        .stdin(input)
        .output()
}

#[test]
fn post_render_of_a_large_stream_resolves_every_run_of_documents() {
    // Markers are found a run of documents at a time while stdin is read
    // (marker::DocumentWindows): a stream of many reads, block scalars holding
    // `$imagescan` (not markers), and a problem in its last document, named as usual.
    let chart = Chart::new(DEPLOYMENT);
    let config = chart.config();
    let mut input = String::new();
    for n in 0..3000 {
        input.push_str(&format!(
            "---\n# Source: web/templates/d{n}.yaml\nkind: Deployment\nspec:\n  image: registry.example.com/team/web:1.0.0 # {{\"$imagescan\": \"web\"}}\n  data: |\n    # {{\"$imagescan\": \"not-a-marker\"}}\n{}\n",
            "    line\n".repeat(n % 40)
        ));
    }
    assert!(input.len() > 1 << 20, "{}", input.len());
    let out = post_render(chart.root(), &[&config], input.as_bytes());
    assert_exit(&out, 0);
    assert!(
        stdout(&out) == input.replace("web:1.0.0", "web:1.5.0"),
        "{}",
        stderr(&out)
    );

    let broken = input
        + "---\n# Source: web/templates/last.yaml\nkind: X\nimage: a # {\"$imagescan\": \"nope\"}\n";
    let out = post_render(chart.root(), &[&config], broken.as_bytes());
    assert_failed(&out, 2);
    assert!(
        stderr(&out).contains("web/templates/last.yaml (rendered document 3001):2:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn post_render_changes_only_marked_scalars_and_passes_empty_input_through() {
    let chart = Chart::new(DEPLOYMENT);
    let config = chart.config();
    // Helm 4's stdin: no `# Source:`, its annotation in every document, CRLF kept.
    let input = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  annotations:\r\n    postrenderer.helm.sh/postrender-filename: 'web/templates/cm.yaml'\r\n  name: x\r\ndata:\r\n  tag: '1.0.0' # {\"$imagescan\": \"web:tag\"}\r\n---\nkind: Other\nimage: keep # not a marker\n";
    let out = post_render(chart.root(), &[&config], input.as_bytes());
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), input.replace("'1.0.0'", "'1.5.0'"));

    for args in [vec![config.as_str()], vec![]] {
        let out = post_render(chart.root(), &args, b"");
        assert_exit(&out, 0);
        assert!(out.stdout.is_empty());
    }
    // IMAGESCAN_CONFIG names the file when no --config is given.
    let out = Imagescan::new(chart.root(), &["post-render"])
        .env("IMAGESCAN_CONFIG", chart.root().join("imagescan.yaml"))
        .stdin(input)
        .output();
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("'1.5.0'"));

    // Markers without any configuration: exit 2, nothing on stdout.
    let out = post_render(chart.root(), &[], input.as_bytes());
    assert_failed(&out, 2);
    assert!(
        stderr(&out).contains("IMAGESCAN_CONFIG"),
        "{}",
        stderr(&out)
    );
}
