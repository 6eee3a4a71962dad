use std::fs;
use std::path::{Path, PathBuf};

use super::{AppRender, Reads, is_remote};

/// A repository under a temporary directory (`outside/` beside it, for escapes).
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let root = base.join("repo");
        fs::create_dir_all(&root).unwrap();
        for (path, text) in files {
            let path = base.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        Tree { _dir: dir, root }
    }

    fn reads(&self, app: &str, render: AppRender<'_>) -> Reads {
        Reads::of_app(&self.root.join(app), &self.root, render)
    }

    /// The files read, relative to the root, and the directories read whole (ending in
    /// `/`).
    fn listed(&self, reads: &Reads) -> Vec<String> {
        let rel = |p: &Path| p.strip_prefix(&self.root).unwrap().display().to_string();
        let mut out: Vec<String> = reads.files().map(rel).collect();
        out.extend(reads.dirs().map(|d| format!("{}/", rel(d))));
        out
    }
}

#[test]
fn an_overlay_reads_its_base_and_nothing_of_other_apps() {
    let tree = Tree::new(&[
        (
            "repo/base/kustomization.yaml",
            "resources:\n- deployment.yaml\n- service.yaml\n",
        ),
        ("repo/base/deployment.yaml", "kind: Deployment\n"),
        ("repo/base/service.yaml", "kind: Service\n"),
        ("repo/base/unused.yaml", "kind: ConfigMap\n"),
        (
            "repo/apps/a/kustomization.yaml",
            "resources: [../../base]\npatches:\n- path: replicas.yaml\n",
        ),
        ("repo/apps/a/replicas.yaml", "kind: Deployment\n"),
        (
            "repo/apps/b/kustomization.yaml",
            "resources: [../../base]\n",
        ),
    ]);
    let reads = tree.reads("apps/a", AppRender::Kustomize);
    assert_eq!(reads.unfollowed(), None);
    assert_eq!(
        tree.listed(&reads),
        [
            "apps/a/kustomization.yaml",
            "apps/a/replicas.yaml",
            "base/deployment.yaml",
            "base/kustomization.yaml",
            "base/service.yaml",
        ]
    );
    let root = &tree.root;
    assert!(reads.wants(root));
    assert!(reads.wants(&root.join("apps")));
    assert!(!reads.wants(&root.join("apps/b")));
    assert!(!reads.wants(&root.join("base/unused.yaml")));
    assert!(reads.config_applies(&root.join("base")));
    assert!(!reads.config_applies(&root.join("apps/b")));
}

#[test]
fn every_kind_of_reference_is_followed() {
    let tree = Tree::new(&[
        (
            "repo/app/kustomization.yaml",
            "\
bases: [../legacy]
components: [../components/tls]
crds: [crds/crd.yaml]
configurations: [config/names.yaml]
openapi:
  path: schema.json
patchesStrategicMerge:
- smp.yaml
- |-
  kind: Deployment
  metadata: {name: inline}
patchesJson6902:
- path: json6902.yaml
  target: {kind: Deployment, name: x}
replacements:
- path: replacement.yaml
configMapGenerator:
- name: settings
  files: [app.properties, renamed=../shared/other.properties]
  envs: [settings.env]
secretGenerator:
- name: creds
  env: secret.env
transformers: [transformer.yaml, ../plugins]
generators:
- |
  apiVersion: builtin
  kind: ConfigMapGenerator
validators: [validator.yaml]
helmGlobals:
  chartHome: ../charts
helmCharts:
- name: web
  valuesFile: web-values.yaml
  additionalValuesFiles: [more-values.yaml]
",
        ),
        (
            "repo/legacy/kustomization.yml",
            "resources: [legacy.yaml]\n",
        ),
        ("repo/legacy/legacy.yaml", "x: 1\n"),
        (
            "repo/components/tls/kustomization.yaml",
            "kind: Component\npatches:\n- path: tls.yaml\n",
        ),
        ("repo/components/tls/tls.yaml", "x: 1\n"),
        ("repo/app/crds/crd.yaml", "x: 1\n"),
        ("repo/app/config/names.yaml", "x: 1\n"),
        ("repo/app/schema.json", "{}\n"),
        ("repo/app/smp.yaml", "x: 1\n"),
        ("repo/app/json6902.yaml", "x: 1\n"),
        ("repo/app/replacement.yaml", "x: 1\n"),
        ("repo/app/app.properties", "a=1\n"),
        ("repo/shared/other.properties", "b=2\n"),
        ("repo/app/settings.env", "A=1\n"),
        ("repo/app/secret.env", "S=1\n"),
        ("repo/app/transformer.yaml", "x: 1\n"),
        ("repo/plugins/Kustomization", "resources: [plugin.yaml]\n"),
        ("repo/plugins/plugin.yaml", "x: 1\n"),
        ("repo/app/validator.yaml", "x: 1\n"),
        ("repo/charts/web/Chart.yaml", "name: web\n"),
        ("repo/app/web-values.yaml", "x: 1\n"),
        ("repo/app/more-values.yaml", "x: 1\n"),
    ]);
    let reads = tree.reads("app", AppRender::Kustomize);
    assert_eq!(reads.unfollowed(), None);
    assert_eq!(
        tree.listed(&reads),
        [
            "app/app.properties",
            "app/config/names.yaml",
            "app/crds/crd.yaml",
            "app/json6902.yaml",
            "app/kustomization.yaml",
            "app/more-values.yaml",
            "app/replacement.yaml",
            "app/schema.json",
            "app/secret.env",
            "app/settings.env",
            "app/smp.yaml",
            "app/transformer.yaml",
            "app/validator.yaml",
            "app/web-values.yaml",
            "components/tls/kustomization.yaml",
            "components/tls/tls.yaml",
            "legacy/kustomization.yml",
            "legacy/legacy.yaml",
            "plugins/Kustomization",
            "plugins/plugin.yaml",
            "shared/other.properties",
            "charts/",
        ]
    );
}

#[test]
fn a_cycle_ends_and_escapes_and_remote_entries_are_left_out() {
    let tree = Tree::new(&[
        (
            "repo/a/kustomization.yaml",
            "resources:\n- ../b\n- ../../outside\n- ../../../../../../etc/passwd\n- /etc/hostname\n\
             - https://github.com/org/repo//deploy?ref=v1\n- github.com/org/repo/base\n\
             - git::https://example.com/x.git\n- missing.yaml\n- link.yaml\n",
        ),
        ("repo/b/kustomization.yaml", "resources: [../a, b.yaml]\n"),
        ("repo/b/b.yaml", "x: 1\n"),
        ("outside/kustomization.yaml", "resources: [secret.yaml]\n"),
        ("outside/secret.yaml", "x: 1\n"),
    ]);
    std::os::unix::fs::symlink(
        tree.root.join("../outside/secret.yaml"),
        tree.root.join("a/link.yaml"),
    )
    .unwrap();
    let reads = tree.reads("a", AppRender::Kustomize);
    assert_eq!(reads.unfollowed(), None);
    assert_eq!(
        tree.listed(&reads),
        ["a/kustomization.yaml", "b/b.yaml", "b/kustomization.yaml"]
    );
    assert!(!reads.wants(&tree.root.join("../outside/secret.yaml")));
}

#[test]
fn a_symlinked_file_is_read_under_both_names() {
    let tree = Tree::new(&[
        ("repo/app/kustomization.yaml", "resources: [deploy.yaml]\n"),
        ("repo/shared/deploy.yaml", "x: 1\n"),
    ]);
    std::os::unix::fs::symlink("../shared/deploy.yaml", tree.root.join("app/deploy.yaml")).unwrap();
    let reads = tree.reads("app", AppRender::Kustomize);
    assert_eq!(
        tree.listed(&reads),
        [
            "app/deploy.yaml",
            "app/kustomization.yaml",
            "shared/deploy.yaml"
        ]
    );
}

#[test]
fn a_kustomization_that_cannot_be_followed_reads_the_whole_root() {
    let cases = [
        ("resources: [unclosed\n", "not YAML"),
        // kustomize takes the last; the YAML parser refuses the duplicate.
        (
            "resources: [a.yaml]\nresources: [b.yaml]\n",
            "duplicated key",
        ),
        ("resources: base\n", "resources: not a list"),
        (
            "patches:\n- patch.yaml\n",
            "patches: an entry is not a mapping",
        ),
        ("- a\n- b\n", "not a mapping"),
        (
            "configMapGenerator:\n- files: {a: b}\n",
            "configMapGenerator: not a list",
        ),
    ];
    for (text, reason) in cases {
        let tree = Tree::new(&[
            ("repo/app/kustomization.yaml", "resources: [../base]\n"),
            ("repo/base/kustomization.yaml", text),
        ]);
        let reads = tree.reads("app", AppRender::Kustomize);
        let unfollowed = reads.unfollowed().expect(text);
        assert_eq!(
            unfollowed.file,
            Path::new("base/kustomization.yaml"),
            "{text}"
        );
        assert!(
            unfollowed.reason.contains(reason),
            "{text}: {}",
            unfollowed.reason
        );
        assert_eq!(tree.listed(&reads), ["/"], "{text}");
        assert!(reads.wants(&tree.root.join("elsewhere/x.yaml")));
    }
}

#[test]
fn an_empty_kustomization_reads_itself() {
    let tree = Tree::new(&[("repo/app/kustomization.yaml", "# nothing yet\n")]);
    let reads = tree.reads("app", AppRender::Kustomize);
    assert_eq!(reads.unfollowed(), None);
    assert_eq!(tree.listed(&reads), ["app/kustomization.yaml"]);
}

#[test]
fn a_chart_reads_its_directory_values_files_and_local_dependencies() {
    let tree = Tree::new(&[
        (
            "repo/charts/web/Chart.yaml",
            "apiVersion: v2\nname: web\ndependencies:\n\
             - name: lib\n  repository: file://../../libs/lib\n\
             - name: redis\n  repository: https://charts.example.com\n\
             - name: evil\n  repository: file://../../../outside\n",
        ),
        ("repo/charts/web/values.yaml", "x: 1\n"),
        (
            "repo/libs/lib/Chart.yaml",
            "apiVersion: v2\nname: lib\ndependencies:\n- name: web\n  repository: file://../../charts/web\n",
        ),
        (
            "repo/libs/other/Chart.yaml",
            "apiVersion: v2\nname: other\n",
        ),
        ("repo/envs/prod.yaml", "x: 1\n"),
        ("outside/Chart.yaml", "apiVersion: v2\nname: outside\n"),
    ]);
    let values = [
        "../../envs/prod.yaml".to_owned(),
        "../../../outside/Chart.yaml".to_owned(),
    ];
    let reads = tree.reads(
        "charts/web",
        AppRender::Helm {
            values_files: &values,
        },
    );
    assert_eq!(reads.unfollowed(), None);
    assert_eq!(
        tree.listed(&reads),
        ["envs/prod.yaml", "charts/web/", "libs/lib/"]
    );
}

#[test]
fn a_directory_app_reads_its_directory() {
    let tree = Tree::new(&[("repo/apps/web/deploy.yaml", "x: 1\n")]);
    let reads = tree.reads("apps/web", AppRender::Directory);
    assert_eq!(tree.listed(&reads), ["apps/web/"]);
    assert!(reads.config_applies(&tree.root));
    assert!(reads.config_applies(&tree.root.join("apps/web/sub")));
    assert!(!reads.config_applies(&tree.root.join("apps/other")));
}

#[test]
fn remote_references() {
    let remote = [
        "https://github.com/org/repo//deploy?ref=v1",
        "github.com/org/repo/base?ref=main",
        "github.com/org/repo/base",
        "git::https://example.com/repo.git",
        "git@github.com:org/repo.git",
        "ssh://git@example.com/repo.git",
        "example.com/org/repo//dir?version=v1",
        "https://dev.azure.com/org/project/_git/repo",
        "oci://registry.example.com/charts",
    ];
    for entry in remote {
        assert!(is_remote(entry), "{entry}");
    }
    for entry in ["../base", "deploy.yaml", "github/base", "./x?y.yaml"] {
        assert!(!is_remote(entry), "{entry}");
    }
}

#[test]
fn only_the_first_document_is_followed_as_kustomize_does() {
    let tree = Tree::new(&[
        (
            "repo/app/kustomization.yaml",
            "resources: [a.yaml]\n---\nresources: [b.yaml]\n",
        ),
        ("repo/app/a.yaml", "x: 1\n"),
        ("repo/app/b.yaml", "x: 1\n"),
    ]);
    let reads = tree.reads("app", AppRender::Kustomize);
    assert_eq!(
        tree.listed(&reads),
        ["app/a.yaml", "app/kustomization.yaml"]
    );
}
