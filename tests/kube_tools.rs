//! The Kubernetes clients installed by scripts/install-test-deps are the pinned versions
//! and run here: kubectl with its kustomize, helm 4, helm 3, the kustomize wrapper, kpt.

mod support;

use std::fs;
use std::process::Command;

use support::kube_tools;

fn run_ok(command: &mut Command) -> String {
    let out = command.output().expect("run tool");
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn pinned_versions_are_installed() {
    let kubectl = run_ok(Command::new(kube_tools::kubectl()).args(["version", "--client"]));
    assert!(kubectl.contains("Client Version: v1.35.2"), "{kubectl}");
    assert!(kubectl.contains("Kustomize Version: v5.7.1"), "{kubectl}");
    let helm = run_ok(Command::new(kube_tools::helm()).args(["version", "--short"]));
    assert!(helm.starts_with("v4.1.4"), "{helm}");
    let helm3 = run_ok(Command::new(kube_tools::helm3()).args(["version", "--short"]));
    assert!(helm3.starts_with("v3.19.0"), "{helm3}");
    let kpt = run_ok(Command::new(kube_tools::kpt()).arg("version"));
    assert!(kpt.contains("1.0.0"), "{kpt}");
}

#[test]
fn kustomize_wrapper_builds_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [cm.yaml]\nnamePrefix: p-\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n",
    )
    .unwrap();
    let out = run_ok(
        Command::new(kube_tools::kustomize())
            .arg("build")
            .arg(dir.path()),
    );
    assert!(out.contains("name: p-c"), "{out}");
    // `kustomize build` with no directory builds the current one, as kustomize does.
    let out = run_ok(
        Command::new(kube_tools::kustomize())
            .arg("build")
            .current_dir(dir.path()),
    );
    assert!(out.contains("name: p-c"), "{out}");
    let bad = Command::new(kube_tools::kustomize())
        .arg("edit")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
