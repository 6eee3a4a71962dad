//! The container image: built by scripts/build-image as an OCI image layout, pushed with
//! skopeo to the real test registry (Debian's docker-registry), pulled back, and its
//! binary run in an empty root — `--version`, and `install-to` as the Argo CD plugin's
//! init container runs it (no shell, no /proc).
//!
//! Cost: the image needs a static binary. Unless IMAGESCAN_BINARY names one, the test
//! builds it with the dev profile for x86_64-unknown-linux-musl in the crate's target
//! directory (minutes the first time, then only the crate itself); the release image is
//! the same script with its default profile.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::registry::{Registry, require};

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory the test binary was built in (…/target/debug/deps/image-… →
/// …/target).
fn target_dir() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_imagescan"));
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

fn run_ok(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn blob(layout: &Path, digest: &str) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
    fs::read(layout.join("blobs/sha256").join(hex)).unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The manifest of tag `latest` in an OCI layout.
fn latest_manifest(layout: &Path) -> Value {
    let index = json(&fs::read(layout.join("index.json")).unwrap());
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "latest")
        .expect("a latest tag");
    json(&blob(layout, entry["digest"].as_str().unwrap()))
}

#[test]
fn image_builds_pushes_and_runs_in_an_empty_root() {
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("image");
    let mut build = Command::new(crate_root().join("scripts/build-image"));
    build
        .arg(&layout)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("IMAGESCAN_BUILD_PROFILE", "dev");
    run_ok(&mut build);

    // The image: one layer with /imagescan, entrypoint and default command.
    let manifest = latest_manifest(&layout);
    let config = json(&blob(
        &layout,
        manifest["config"]["digest"].as_str().unwrap(),
    ));
    assert_eq!(config["os"], "linux");
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!(["/imagescan"])
    );
    assert_eq!(config["config"]["Cmd"], serde_json::json!(["fn"]));
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);

    // A binary that is not static is refused.
    let refused = Command::new(crate_root().join("scripts/build-image"))
        .arg(work.path().join("refused"))
        .env("IMAGESCAN_BINARY", "/bin/sh")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("dynamically linked"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Push to the real registry, then pull it back into a fresh layout.
    let registry = Registry::anonymous();
    let skopeo = require("skopeo");
    let remote = format!("docker://{}/imagescan:latest", registry.host());
    run_ok(Command::new(&skopeo).args([
        "copy",
        "--quiet",
        &format!("oci:{}:latest", layout.display()),
        &remote,
        "--dest-tls-verify=false",
    ]));
    let pulled = work.path().join("pulled");
    run_ok(Command::new(&skopeo).args([
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        &remote,
        &format!("oci:{}:latest", pulled.display()),
    ]));
    let pulled_manifest = latest_manifest(&pulled);
    let layer = &pulled_manifest["layers"][0];
    assert_eq!(layer["digest"], manifest["layers"][0]["digest"]);

    // The layer unpacked is the whole root file system: /imagescan and nothing else.
    let rootfs = work.path().join("rootfs");
    fs::create_dir(&rootfs).unwrap();
    let tarball = pulled.join("blobs/sha256").join(
        layer["digest"]
            .as_str()
            .unwrap()
            .strip_prefix("sha256:")
            .unwrap(),
    );
    run_ok(
        Command::new("tar")
            .arg("-xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(&rootfs),
    );
    let entries: Vec<_> = fs::read_dir(&rootfs)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["imagescan"]);

    // build.rs: the package version and, when known, the commit.
    let version = format!("imagescan {}\n", env!("IMAGESCAN_VERSION"));
    if rustix::process::geteuid().is_root() {
        // chroot into the image's root: no libc, no /proc, no /tmp, empty environment.
        fs::create_dir(rootfs.join("shared")).unwrap();
        let out = run_ok(
            Command::new("/usr/sbin/chroot")
                .arg(&rootfs)
                .args(["/imagescan", "--version"])
                .env_clear(),
        );
        assert_eq!(out, version);
        // The init container's step: copy itself into a shared volume.
        run_ok(
            Command::new("/usr/sbin/chroot")
                .arg(&rootfs)
                .args(["/imagescan", "install-to", "/shared"])
                .env_clear(),
        );
        assert_eq!(
            fs::read(rootfs.join("shared/imagescan")).unwrap(),
            fs::read(rootfs.join("imagescan")).unwrap()
        );
    } else {
        // Without root: from an empty directory with an empty environment.
        let empty = work.path().join("empty");
        fs::create_dir(&empty).unwrap();
        let out = run_ok(
            Command::new(rootfs.join("imagescan"))
                .arg("--version")
                .current_dir(&empty)
                .env_clear(),
        );
        assert_eq!(out, version);
    }
}
