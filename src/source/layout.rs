//! OCI image layouts on disk as a tag source (SPEC §5, `registries[].layout`).
//!
//! A registry host served by a layouts directory `DIR` maps repository `team/app` to the
//! OCI image layout `DIR/team/app/` (`oci-layout`, `index.json`, `blobs/sha256/…`). Tags
//! are the `org.opencontainers.image.ref.name` annotations of `index.json`; the digest of
//! a tag is its descriptor's digest (an index's own digest for a multi-arch image); with a
//! platform, the matching manifest of the nested index, or the tag's single manifest when
//! its platform (the descriptor's `platform`, else its config's `os`/`architecture`/
//! `variant`) matches. Matching is [`Platform::matches`] (containerd's normalisation).
//!
//! This module reads only below `DIR`: repository names with `.`/`..`/empty components are
//! refused before any path is built, and every file is opened through its canonical path,
//! which must stay inside the canonical `DIR` (a symlink out of it is an error, one that
//! stays inside is fine). Every read is bounded, and every blob read is checked against
//! its sha256 digest. It never writes.
//!
//! Choices where the image spec leaves room:
//! - a ref name that is not a valid tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, e.g. a full
//!   reference `registry/app:1.0`) is skipped, as are descriptors without a ref name;
//! - a ref name listed twice is listed once (first position); asking its digest is fine
//!   when every entry has the same digest and an [`LayoutError::AmbiguousTag`] otherwise;
//! - in a nested index, the first entry whose platform matches wins, and entries without
//!   a platform (e.g. attestations) are never picked.

use crate::text::ShowPath as _;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::{SourceError, TagSource, Tags};
use crate::platform::Platform;
use crate::reference::Reference;

/// The annotation holding a tag in `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

/// Largest `index.json` read (a layout with ~100,000 tags fits).
pub const MAX_INDEX_BYTES: u64 = 64 << 20;

/// Largest manifest, nested index or config blob read.
pub const MAX_BLOB_BYTES: u64 = 4 << 20;

/// Tags and digests of the repositories of one registry host, read from OCI image layouts
/// below one directory.
#[derive(Debug, Clone)]
pub struct LayoutSource {
    dir: PathBuf,
    /// The canonical `dir`, resolved once by the first successful read.
    root: OnceLock<PathBuf>,
}

impl LayoutSource {
    /// A source serving repository `R` from the layout `dir/R/`. Nothing is read until a
    /// tag or digest is asked for; `dir` is resolved against the current directory then
    /// (once: the scans of one run share a source per directory).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LayoutSource {
            dir: dir.into(),
            root: OnceLock::new(),
        }
    }

    /// The layouts directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every tag of `repository`, in `index.json` order, each once.
    pub fn tags(&self, repository: &str) -> Result<Tags, LayoutError> {
        let layout = self.open(repository)?;
        let mut tags = Tags::new();
        for descriptor in &layout.index.manifests {
            if let Some(tag) = descriptor.tag()
                && !tags.contains(tag)
            {
                tags.push(tag);
            }
        }
        Ok(tags)
    }

    /// The digest of `tag` in `repository`: the descriptor's own digest, or with
    /// `platform`, that platform's manifest digest.
    pub fn tag_digest(
        &self,
        repository: &str,
        tag: &str,
        platform: Option<&Platform>,
    ) -> Result<String, LayoutError> {
        let layout = self.open(repository)?;
        let mut found = layout
            .index
            .manifests
            .iter()
            .filter(|descriptor| descriptor.tag() == Some(tag));
        let Some(descriptor) = found.next() else {
            return Err(LayoutError::UnknownTag {
                repository: repository.to_owned(),
                tag: tag.to_owned(),
                path: layout.index_path.clone(),
            });
        };
        let mut digests = vec![descriptor.digest.clone()];
        for other in found {
            if !digests.contains(&other.digest) {
                digests.push(other.digest.clone());
            }
        }
        if digests.len() > 1 {
            return Err(LayoutError::AmbiguousTag {
                repository: repository.to_owned(),
                tag: tag.to_owned(),
                path: layout.index_path.clone(),
                digests,
            });
        }
        match platform {
            None => {
                layout.check_digest(&descriptor.digest, &layout.index_path)?;
                Ok(descriptor.digest.clone())
            }
            Some(platform) => layout.platform_digest(tag, descriptor, platform),
        }
    }

    /// Resolves and checks the layout directory of `repository` and reads its index.
    fn open(&self, repository: &str) -> Result<Layout, LayoutError> {
        check_repository_name(repository)?;
        let root = match self.root.get() {
            Some(root) => root.clone(),
            None => {
                let root = self
                    .dir
                    .canonicalize()
                    .map_err(|source| LayoutError::LayoutsDir {
                        dir: self.dir.clone(),
                        source,
                    })?;
                self.root.get_or_init(|| root).clone()
            }
        };
        let repo_dir = match resolve_below(&root, Path::new(repository)) {
            Ok(path) => path,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(LayoutError::MissingRepository {
                    repository: repository.to_owned(),
                    dir: self.dir.clone(),
                });
            }
            Err(source) => {
                return Err(LayoutError::Read {
                    path: self.dir.join(repository),
                    source,
                });
            }
        };
        if !repo_dir.starts_with(&root) {
            return Err(LayoutError::PathEscape {
                path: self.dir.join(repository),
                resolved: repo_dir,
                dir: self.dir.clone(),
            });
        }
        let mut layout = Layout {
            repository: repository.to_owned(),
            root,
            shown: self.dir.join(repository),
            index_path: self.dir.join(repository).join("index.json"),
            repo_dir,
            index: ImageIndex::default(),
        };
        let index_path = layout.index_path.clone();
        let bytes = layout.read_inside(Path::new("index.json"), MAX_INDEX_BYTES)?;
        layout.index = parse_json(&bytes, &index_path)?;
        Ok(layout)
    }
}

impl TagSource for LayoutSource {
    fn list_tags(&self, reference: &Reference) -> Result<Tags, SourceError> {
        Ok(self.tags(&reference.repository)?)
    }

    fn digest(
        &self,
        reference: &Reference,
        tag: &str,
        platform: Option<&Platform>,
    ) -> Result<String, SourceError> {
        Ok(self.tag_digest(&reference.repository, tag, platform)?)
    }
}

/// One opened repository layout.
struct Layout {
    repository: String,
    /// The canonical layouts directory: nothing is read outside it.
    root: PathBuf,
    /// The canonical repository directory.
    repo_dir: PathBuf,
    /// The repository directory as the user would spell it (for messages).
    shown: PathBuf,
    index_path: PathBuf,
    index: ImageIndex,
}

impl Layout {
    /// Reads `relative` below the repository directory, refusing anything that resolves
    /// outside the layouts directory and anything larger than `limit`.
    fn read_inside(&self, relative: &Path, limit: u64) -> Result<Vec<u8>, LayoutError> {
        let shown = self.shown.join(relative);
        let resolved =
            resolve_below(&self.repo_dir, relative).map_err(|source| LayoutError::Read {
                path: shown.clone(),
                source,
            })?;
        if !resolved.starts_with(&self.root) {
            return Err(LayoutError::PathEscape {
                path: shown,
                resolved,
                dir: self.root.clone(),
            });
        }
        read_bounded(&resolved, limit).map_err(|err| match err {
            BoundedError::TooLarge => LayoutError::TooLarge { path: shown, limit },
            BoundedError::Io(source) => LayoutError::Read {
                path: shown,
                source,
            },
        })
    }

    /// The blob path of a `sha256:<64 hex>` digest named in the file `named_in`, relative
    /// to the repository directory.
    fn blob_path(&self, digest: &str, named_in: &Path) -> Result<PathBuf, LayoutError> {
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|hex| !hex.bytes().any(|b| b.is_ascii_uppercase()))
            .ok_or_else(|| LayoutError::InvalidDigest {
                path: named_in.to_owned(),
                digest: digest.to_owned(),
            })?;
        Ok(Path::new("blobs").join("sha256").join(hex))
    }

    /// A digest is only handed out when its blob is there: a layout missing it is broken.
    fn check_digest(&self, digest: &str, named_in: &Path) -> Result<(), LayoutError> {
        let relative = self.blob_path(digest, named_in)?;
        let path = self.repo_dir.join(&relative);
        match path.symlink_metadata() {
            Ok(_) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Err(LayoutError::MissingBlob {
                repository: self.repository.clone(),
                digest: digest.to_owned(),
                path: self.shown.join(relative),
            }),
            Err(source) => Err(LayoutError::Read {
                path: self.shown.join(relative),
                source,
            }),
        }
    }

    /// Reads a blob and checks that its bytes hash to its digest.
    fn read_blob(&self, digest: &str, named_in: &Path) -> Result<(Vec<u8>, PathBuf), LayoutError> {
        let relative = self.blob_path(digest, named_in)?;
        let shown = self.shown.join(&relative);
        let bytes = match self.read_inside(&relative, MAX_BLOB_BYTES) {
            Err(LayoutError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                return Err(LayoutError::MissingBlob {
                    repository: self.repository.clone(),
                    digest: digest.to_owned(),
                    path: shown,
                });
            }
            other => other?,
        };
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(LayoutError::DigestMismatch {
                path: shown,
                expected: digest.to_owned(),
                actual,
            });
        }
        Ok((bytes, shown))
    }

    /// The digest of `platform`'s manifest for the tag whose descriptor is `descriptor`.
    fn platform_digest(
        &self,
        tag: &str,
        descriptor: &Descriptor,
        platform: &Platform,
    ) -> Result<String, LayoutError> {
        let (bytes, path) = self.read_blob(&descriptor.digest, &self.index_path)?;
        let blob: Blob = parse_json(&bytes, &path)?;
        let mut present = Vec::new();
        if let Some(manifests) = blob.manifests {
            for entry in &manifests {
                let Some(entry_platform) = &entry.platform else {
                    continue;
                };
                if entry_platform.matches(platform) {
                    self.check_digest(&entry.digest, &path)?;
                    return Ok(entry.digest.clone());
                }
                present.push(entry_platform.to_string());
            }
        } else if let Some(config) = blob.config {
            // A single-platform image: its platform is the descriptor's, else its config's.
            let entry_platform = match &descriptor.platform {
                Some(entry_platform) => Some(entry_platform.clone()),
                None => {
                    let (bytes, config_path) = self.read_blob(&config.digest, &path)?;
                    let config: ImageConfig = parse_json(&bytes, &config_path)?;
                    config.platform()
                }
            };
            match entry_platform {
                Some(entry_platform) if entry_platform.matches(platform) => {
                    return Ok(descriptor.digest.clone());
                }
                Some(entry_platform) => present.push(entry_platform.to_string()),
                None => present.push("unknown".to_owned()),
            }
        } else {
            return Err(LayoutError::NotAnImage {
                path,
                media_type: blob.media_type.unwrap_or_default(),
            });
        }
        Err(LayoutError::NoMatchingPlatform {
            repository: self.repository.clone(),
            tag: tag.to_owned(),
            platform: platform.to_string(),
            present,
        })
    }
}

/// The canonical path of `relative` (plain components only) below the canonical
/// directory `base`: `base/relative` itself when none of its components is a symbolic
/// link (one `lstat` per component of `relative`, where `canonicalize` would look at
/// every component of the whole path), else what `canonicalize` makes of it. An error
/// (e.g. `NotFound`) when a component is missing.
fn resolve_below(base: &Path, relative: &Path) -> io::Result<PathBuf> {
    let mut path = base.to_path_buf();
    for component in relative.components() {
        let Component::Normal(name) = component else {
            return base.join(relative).canonicalize();
        };
        path.push(name);
        if path.symlink_metadata()?.file_type().is_symlink() {
            return base.join(relative).canonicalize();
        }
    }
    Ok(path)
}

/// Refuses repository names that could leave the layouts directory or that the
/// distribution grammar does not allow (lowercase alphanumerics and `._-` separators).
fn check_repository_name(repository: &str) -> Result<(), LayoutError> {
    let invalid = |reason| {
        Err(LayoutError::InvalidRepository {
            repository: repository.to_owned(),
            reason,
        })
    };
    if repository.is_empty() {
        return invalid("it is empty");
    }
    for component in repository.split('/') {
        if component.is_empty() {
            return invalid("it has an empty path component (leading, trailing or double `/`)");
        }
        if component == "." || component == ".." {
            return invalid("it has a `.` or `..` path component");
        }
        let bytes = component.as_bytes();
        if !bytes.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        }) {
            return invalid("only lowercase letters, digits and `._-` are allowed");
        }
        if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
            return invalid("a path component must start and end with a letter or digit");
        }
    }
    Ok(())
}

/// Whether a ref name is a tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_valid_tag(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// `sha256:<64 lowercase hex>` of `bytes`.
fn sha256_digest(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut digest = String::with_capacity(71);
    digest.push_str("sha256:");
    for byte in Sha256::digest(bytes) {
        let _ = write!(digest, "{byte:02x}");
    }
    digest
}

enum BoundedError {
    TooLarge,
    Io(io::Error),
}

/// Reads a whole file of at most `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, BoundedError> {
    let file = File::open(path).map_err(BoundedError::Io)?;
    let mut bytes = Vec::with_capacity(crate::fsutil::read_capacity(&file, limit));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(BoundedError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(BoundedError::TooLarge);
    }
    Ok(bytes)
}

fn parse_json<T: for<'de> Deserialize<'de>>(bytes: &[u8], path: &Path) -> Result<T, LayoutError> {
    serde_json::from_slice(bytes).map_err(|source| LayoutError::Json {
        path: path.to_owned(),
        source,
    })
}

/// `index.json`, or any image index.
#[derive(Debug, Default, Deserialize)]
struct ImageIndex {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

/// A content descriptor, with the fields this module uses.
#[derive(Debug, Deserialize)]
struct Descriptor {
    digest: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    platform: Option<DescriptorPlatform>,
}

impl Descriptor {
    fn tag(&self) -> Option<&str> {
        self.annotations
            .get(REF_NAME_ANNOTATION)
            .map(String::as_str)
            .filter(|name| is_valid_tag(name))
    }
}

/// The `platform` of a descriptor.
#[derive(Debug, Clone, Deserialize)]
struct DescriptorPlatform {
    os: String,
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

impl DescriptorPlatform {
    fn matches(&self, platform: &Platform) -> bool {
        platform.matches(&self.os, &self.architecture, self.variant.as_deref())
    }
}

impl std::fmt::Display for DescriptorPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        match self.variant.as_deref() {
            Some(variant) if !variant.is_empty() => write!(f, "/{variant}"),
            _ => Ok(()),
        }
    }
}

/// A blob a tag points at: an image index (`manifests`) or an image manifest (`config`),
/// told apart by content so that Docker media types and missing `mediaType`s work too.
#[derive(Debug, Deserialize)]
struct Blob {
    #[serde(default, rename = "mediaType")]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
}

/// The platform fields of an image configuration.
#[derive(Debug, Deserialize)]
struct ImageConfig {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    variant: Option<String>,
}

impl ImageConfig {
    fn platform(self) -> Option<DescriptorPlatform> {
        Some(DescriptorPlatform {
            os: self.os?,
            architecture: self.architecture?,
            variant: self.variant,
        })
    }
}

/// A failure reading an OCI image layout.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The layouts directory itself cannot be resolved.
    #[error("OCI layouts directory {} cannot be read", dir.shown())]
    LayoutsDir {
        /// The layouts directory.
        dir: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The repository has no layout directory.
    #[error("no OCI layout for repository {repository} in {}", dir.shown())]
    MissingRepository {
        /// The repository asked for.
        repository: String,
        /// The layouts directory searched.
        dir: PathBuf,
    },
    /// The repository name cannot name a layout below the layouts directory.
    #[error("invalid repository name {repository_q} for an OCI layout: {reason}", repository_q = crate::text::quoted(.repository))]
    InvalidRepository {
        /// The repository asked for.
        repository: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A path resolves (through a symlink) outside the layouts directory.
    #[error(
        "{} resolves to {}, outside the OCI layouts directory {}; refusing to read it",
        path.shown(), resolved.shown(), dir.shown()
    )]
    PathEscape {
        /// The path as built from the layouts directory.
        path: PathBuf,
        /// Where it resolves.
        resolved: PathBuf,
        /// The layouts directory.
        dir: PathBuf,
    },
    /// A file of the layout cannot be read.
    #[error("cannot read {}", path.shown())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file of the layout is larger than this module reads.
    #[error("{} is larger than {limit} bytes; refusing to read it", path.shown())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// `index.json` or a blob is not the JSON expected.
    #[error("invalid JSON in {}", path.shown())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error, with line and column.
        source: serde_json::Error,
    },
    /// No descriptor of `index.json` carries the tag.
    #[error("tag {tag_q} of repository {repository} not found in {}", path.shown(), tag_q = crate::text::quoted(.tag))]
    UnknownTag {
        /// The repository.
        repository: String,
        /// The tag asked for.
        tag: String,
        /// The `index.json` searched.
        path: PathBuf,
    },
    /// Several descriptors carry the tag, with different digests.
    #[error(
        "tag {tag_q} of repository {repository} names several digests in {}: {}",
        path.shown(), digests.join(", "), tag_q = crate::text::quoted(.tag))]
    AmbiguousTag {
        /// The repository.
        repository: String,
        /// The tag.
        tag: String,
        /// The `index.json`.
        path: PathBuf,
        /// The digests, in index order.
        digests: Vec<String>,
    },
    /// The tag has no manifest for the platform asked for.
    #[error(
        "tag {tag_q} of repository {repository} has no manifest for platform {platform}; \
         platforms present: {}",
        if present.is_empty() { "none".to_owned() } else { present.join(", ") }, tag_q = crate::text::quoted(.tag))]
    NoMatchingPlatform {
        /// The repository.
        repository: String,
        /// The tag.
        tag: String,
        /// The platform asked for.
        platform: String,
        /// The platforms the tag has.
        present: Vec<String>,
    },
    /// A digest is not `sha256:` followed by 64 lowercase hex digits.
    #[error("unsupported or invalid digest {digest_q} in {}", path.shown(), digest_q = crate::text::quoted(.digest))]
    InvalidDigest {
        /// The file the digest appears in.
        path: PathBuf,
        /// The digest.
        digest: String,
    },
    /// A descriptor's blob is not in the layout.
    #[error("blob {digest} of repository {repository} is missing: {}", path.shown())]
    MissingBlob {
        /// The repository.
        repository: String,
        /// The digest.
        digest: String,
        /// Where the blob should be.
        path: PathBuf,
    },
    /// A blob's bytes do not hash to its name.
    #[error("blob {} does not match its digest {expected} (its sha256 is {actual})", path.shown())]
    DigestMismatch {
        /// The blob.
        path: PathBuf,
        /// The digest it is stored under.
        expected: String,
        /// The digest of its bytes.
        actual: String,
    },
    /// A tag's blob is neither an image index nor an image manifest.
    #[error("{} is neither an image index nor an image manifest (mediaType {media_type_q})", path.shown(), media_type_q = crate::text::quoted(.media_type))]
    NotAnImage {
        /// The blob.
        path: PathBuf,
        /// Its `mediaType`, empty when absent.
        media_type: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        let cases = [
            ("team/app", true),
            ("app", true),
            ("a/b/c-d_e.f", true),
            ("", false),
            ("..", false),
            ("team/../../etc", false),
            ("./team", false),
            ("/etc/passwd", false),
            ("team//app", false),
            ("team/app/", false),
            ("Team/App", false),
            ("team/-app", false),
            ("team\\app", false),
            ("team/app\0", false),
        ];
        for (name, ok) in cases {
            assert_eq!(check_repository_name(name).is_ok(), ok, "{name:?}");
        }
    }

    #[test]
    fn tags() {
        let cases = [
            ("1.0.0", true),
            ("latest", true),
            ("_x", true),
            ("main-1700000000", true),
            ("v1.2.3+build", false),
            ("-x", false),
            (".x", false),
            ("", false),
            ("registry.example.com/team/app:1.0", false),
        ];
        for (tag, ok) in cases {
            assert_eq!(is_valid_tag(tag), ok, "{tag:?}");
        }
        assert!(is_valid_tag(&"a".repeat(128)));
        assert!(!is_valid_tag(&"a".repeat(129)));
    }

    #[test]
    fn paths_below_a_directory_resolve_as_canonicalize_does() {
        let temp = tempfile::tempdir().unwrap();
        let base = temp.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("team/app/blobs")).unwrap();
        std::fs::write(base.join("team/app/index.json"), "{}").unwrap();
        std::os::unix::fs::symlink("app", base.join("team/alias")).unwrap();
        std::os::unix::fs::symlink("../../outside", base.join("team/app/out")).unwrap();
        for relative in ["team/app", "team/app/index.json", "team/alias/index.json"] {
            let relative = Path::new(relative);
            assert_eq!(
                resolve_below(&base, relative).unwrap(),
                base.join(relative).canonicalize().unwrap(),
                "{relative:?}"
            );
        }
        // No symbolic link: the joined path itself, no further lookups.
        assert_eq!(
            resolve_below(&base, Path::new("team/app/blobs")).unwrap(),
            base.join("team/app/blobs")
        );
        for missing in ["team/none", "team/app/blobs/x", "team/app/out"] {
            let err = resolve_below(&base, Path::new(missing)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound, "{missing}");
        }
    }
}
