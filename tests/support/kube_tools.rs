//! The Kubernetes clients the tests run — kubectl (and its kustomize), helm 4, helm 3 —
//! installed by `scripts/install-test-deps` (scripts/install-kube-tools) into the
//! project's tools directory, and kpt from the machine image. A missing tool fails the
//! test with the command that installs it: CI installs them, so a skip would hide a
//! broken install step.

use std::path::{Path, PathBuf};

/// `$IMAGESCAN_TOOLS_DIR/bin`, default `.tools/bin` at the crate root.
pub fn tools_bin() -> PathBuf {
    match std::env::var_os("IMAGESCAN_TOOLS_DIR") {
        Some(dir) => PathBuf::from(dir).join("bin"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin"),
    }
}

fn installed(name: &str) -> PathBuf {
    let path = tools_bin().join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/install-test-deps (it installs kubectl, helm, helm3 and \
         the kustomize wrapper into {})",
        path.display(),
        tools_bin().display()
    );
    path
}

/// kubectl v1.35.2 (`kubectl kustomize` is kustomize v5.7.1).
pub fn kubectl() -> PathBuf {
    installed("kubectl")
}

/// helm v4.1.4.
pub fn helm() -> PathBuf {
    installed("helm")
}

/// helm v3.19.0.
pub fn helm3() -> PathBuf {
    installed("helm3")
}

/// A `kustomize` executable for `kustomize build DIR`: a wrapper running `kubectl kustomize`.
pub fn kustomize() -> PathBuf {
    kubectl();
    installed("kustomize")
}

/// kpt from the machine image (not installable from a registry reachable here).
pub fn kpt() -> PathBuf {
    let path = PathBuf::from("/usr/lib/google-cloud-sdk/bin/kpt");
    assert!(
        path.is_file(),
        "{} is missing: kpt comes with the machine image's google-cloud-sdk and cannot be \
         installed from a registry reachable here",
        path.display()
    );
    path
}

/// A `PATH` value with the tools directory first, then the caller's `PATH`.
pub fn path_with_tools() -> std::ffi::OsString {
    let mut dirs = vec![tools_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries")
}
