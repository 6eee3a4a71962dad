//! Trees the integration tests build: temporary copies of the demo repository, files
//! written under a root, tiny OCI image layouts, and snapshots that prove a run changed
//! nothing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::cli::crate_root;

/// A temporary repository `TMP/` holding `.git/`, `demo/` and `oci/` copied from
/// testdata (the demo's `layout: ../oci/registry.example.com` resolves inside it).
pub struct DemoCopy {
    pub temp: tempfile::TempDir,
}

impl DemoCopy {
    pub fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        fs::create_dir(temp.path().join(".git")).unwrap();
        copy_dir(
            &crate_root().join("testdata/demo"),
            &temp.path().join("demo"),
        );
        copy_dir(&crate_root().join("testdata/oci"), &temp.path().join("oci"));
        DemoCopy { temp }
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        self.temp.path()
    }

    /// The demo directory inside it.
    pub fn demo(&self) -> PathBuf {
        self.temp.path().join("demo")
    }
}

/// Copies a directory tree of regular files.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Writes `relative` under `root`, creating parent directories.
pub fn write(root: &Path, relative: &str, content: impl AsRef<[u8]>) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// Every file under `dir` (symlinks not followed) with its bytes and modification time.
pub type Snapshot = BTreeMap<PathBuf, (Vec<u8>, SystemTime)>;

pub fn snapshot(dir: &Path) -> Snapshot {
    let mut files = BTreeMap::new();
    snapshot_into(dir, dir, &mut files);
    files
}

fn snapshot_into(root: &Path, dir: &Path, files: &mut Snapshot) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            snapshot_into(root, &entry.path(), files);
            continue;
        }
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        let bytes = if kind.is_symlink() {
            fs::read_link(entry.path())
                .unwrap()
                .into_os_string()
                .into_encoded_bytes()
        } else {
            fs::read(entry.path()).unwrap()
        };
        files.insert(
            entry.path().strip_prefix(root).unwrap().to_owned(),
            (bytes, meta.modified().unwrap()),
        );
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::from("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Writes a minimal valid OCI image layout of `repository` under `layouts_dir`: one
/// linux/amd64 manifest (no layers) per tag, blobs named by their sha256. Returns each
/// tag's manifest digest, in `tags` order.
pub fn write_layout(layouts_dir: &Path, repository: &str, tags: &[&str]) -> Vec<String> {
    let dir = layouts_dir.join(repository);
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let blob = |bytes: &[u8]| -> (String, usize) {
        let digest = sha256(bytes);
        fs::write(blobs.join(&digest["sha256:".len()..]), bytes).unwrap();
        (digest, bytes.len())
    };
    let mut entries = Vec::new();
    let mut digests = Vec::new();
    for tag in tags {
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}},"config":{{"Labels":{{"version":"{tag}"}}}}}}"#
        );
        let (config_digest, config_size) = blob(config.as_bytes());
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{config_size}}},"layers":[]}}"#
        );
        let (digest, size) = blob(manifest.as_bytes());
        entries.push(format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":{size},"annotations":{{"org.opencontainers.image.ref.name":"{tag}"}}}}"#
        ));
        digests.push(digest);
    }
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    fs::write(
        dir.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
            entries.join(",")
        ),
    )
    .unwrap();
    digests
}
