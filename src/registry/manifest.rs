//! Digests of tags (SPEC §5): `HEAD /v2/<name>/manifests/<tag>` with the four manifest
//! media types in `Accept`, reading `Docker-Content-Digest`; a GET and a SHA-256 of the
//! body only when the registry omits the header; with a platform, one GET of the index
//! and the matching entry's digest.
//!
//! At most one manifest GET per lookup, and none for a plain digest on a registry that
//! sends the header: Docker Hub counts manifest GETs as pulls.

use sha2::{Digest as _, Sha256};

use super::client::{Exchange, Method, RegistryClient};
use super::error::{RegistryError, json_detail, registry_text};
use crate::platform::Platform;

/// The manifest media types sent in `Accept`: OCI index, OCI manifest, Docker manifest
/// list, Docker v2 manifest. All four are needed: a registry converts or refuses what
/// the client does not accept (distribution 2.8 answers a Docker-v2-only request for a
/// manifest list with the amd64 child's digest).
pub const MANIFEST_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// The most platforms of an index an error lists.
const MAX_PLATFORMS_SHOWN: usize = 32;

/// The parts of a manifest or index that matter here.
#[derive(serde::Deserialize)]
struct ManifestBody {
    /// Present on an index / manifest list only.
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

#[derive(serde::Deserialize)]
struct Descriptor {
    digest: String,
    #[serde(default)]
    platform: Option<DescriptorPlatform>,
}

#[derive(serde::Deserialize)]
struct DescriptorPlatform {
    os: String,
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

impl RegistryClient {
    /// The digest of `repository:tag`: the one the registry returns for the tag (an
    /// index's own digest for a multi-arch image) or, with `platform`, that platform's
    /// manifest digest. A single-platform image has one manifest, whose digest is
    /// returned whatever the platform.
    pub fn manifest_digest(
        &self,
        repository: &str,
        tag: &str,
        platform: Option<&Platform>,
    ) -> Result<String, RegistryError> {
        let url = self.api_url(repository, &format!("manifests/{tag}"));
        let Some(platform) = platform else {
            let head = self.manifest_request(Method::Head, &url, repository, tag)?;
            if let Some(digest) = head.header("docker-content-digest") {
                return self.checked_digest(digest, repository, tag);
            }
            let get = self.manifest_request(Method::Get, &url, repository, tag)?;
            return self.own_digest(&get, repository, tag);
        };
        let get = self.manifest_request(Method::Get, &url, repository, tag)?;
        let body: ManifestBody =
            serde_json::from_slice(&get.body).map_err(|source| RegistryError::InvalidJson {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                what: "image manifest",
                detail: json_detail(&source),
            })?;
        let Some(manifests) = body.manifests else {
            return self.own_digest(&get, repository, tag);
        };
        let found = manifests.iter().find(|m| {
            m.platform
                .as_ref()
                .is_some_and(|p| platform.matches(&p.os, &p.architecture, p.variant.as_deref()))
        });
        match found {
            Some(descriptor) => self.checked_digest(&descriptor.digest, repository, tag),
            None => Err(RegistryError::PlatformNotFound {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                tag: tag.to_owned(),
                platform: platform.to_string(),
                available: manifests
                    .iter()
                    .filter_map(|m| m.platform.as_ref())
                    .take(MAX_PLATFORMS_SHOWN)
                    .map(|p| {
                        registry_text(&match &p.variant {
                            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                            None => format!("{}/{}", p.os, p.architecture),
                        })
                    })
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            }),
        }
    }

    fn manifest_request(
        &self,
        method: Method,
        url: &str,
        repository: &str,
        tag: &str,
    ) -> Result<Exchange, RegistryError> {
        let exchange = self.fetch(method, url, ACCEPT, repository)?;
        match exchange.status {
            200 => Ok(exchange),
            404 => Err(RegistryError::NotFound {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                tag: Some(tag.to_owned()),
            }),
            status => Err(RegistryError::Status {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                status,
                attempts: 1,
            }),
        }
    }

    /// The digest of a fetched manifest: the header if sent, else SHA-256 of its bytes
    /// — only of a non-empty body of one of [`MANIFEST_MEDIA_TYPES`] (by `Content-Type`
    /// or the body's `mediaType`): the hash of anything else names nothing pullable.
    fn own_digest(
        &self,
        exchange: &Exchange,
        repository: &str,
        tag: &str,
    ) -> Result<String, RegistryError> {
        if let Some(digest) = exchange.header("docker-content-digest") {
            return self.checked_digest(digest, repository, tag);
        }
        let no_digest = |reason| RegistryError::NoDigest {
            host: self.host().to_owned(),
            repository: repository.to_owned(),
            tag: tag.to_owned(),
            reason,
        };
        if exchange.body.iter().all(u8::is_ascii_whitespace) {
            return Err(no_digest(
                "no Docker-Content-Digest header and an empty manifest body",
            ));
        }
        if !known_media_type(exchange.header("content-type"), &exchange.body) {
            return Err(no_digest(
                "no Docker-Content-Digest header and a body that is not a manifest of a \
                 known media type",
            ));
        }
        Ok(sha256_digest(&exchange.body))
    }

    fn checked_digest(
        &self,
        digest: &str,
        repository: &str,
        tag: &str,
    ) -> Result<String, RegistryError> {
        let digest = digest.trim();
        if is_digest(digest) {
            Ok(digest.to_owned())
        } else {
            Err(RegistryError::InvalidDigest {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                tag: tag.to_owned(),
                digest: registry_text(digest),
            })
        }
    }
}

/// Whether a manifest body is of one of [`MANIFEST_MEDIA_TYPES`]: by its `Content-Type`
/// (parameters ignored), else by the `mediaType` field of the JSON body.
fn known_media_type(content_type: Option<&str>, body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct MediaType {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
    }
    let known = |value: &str| {
        MANIFEST_MEDIA_TYPES
            .iter()
            .any(|t| t.eq_ignore_ascii_case(value.trim()))
    };
    if content_type.is_some_and(|v| known(v.split(';').next().unwrap_or_default())) {
        return serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    }
    serde_json::from_slice::<MediaType>(body)
        .ok()
        .and_then(|m| m.media_type)
        .is_some_and(|m| known(&m))
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hash.iter() {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// The OCI digest grammar: `algorithm:encoded`, with sha256/sha512 lengths checked.
fn is_digest(value: &str) -> bool {
    let Some((algorithm, encoded)) = value.split_once(':') else {
        return false;
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
    let encoded_ok = !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
    let length_ok = match algorithm {
        "sha256" => {
            encoded.len() == 64
                && encoded
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }
        "sha512" => {
            encoded.len() == 128
                && encoded
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }
        _ => true,
    };
    algorithm_ok && encoded_ok && length_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_bodies() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn validates_digests() {
        let hex64 = "a".repeat(64);
        for (value, expected) in [
            (format!("sha256:{hex64}"), true),
            (format!("sha256:{}", "A".repeat(64)), false),
            (format!("sha256:{}", "a".repeat(63)), false),
            (format!("sha512:{}", "b".repeat(128)), true),
            ("blake3:abc".to_owned(), true),
            ("sha256".to_owned(), false),
            (":abc".to_owned(), false),
            ("sha256:".to_owned(), false),
            ("SHA256:abc".to_owned(), false),
        ] {
            assert_eq!(is_digest(&value), expected, "{value}");
        }
    }

    #[test]
    fn only_manifests_of_known_media_types_are_hashed() {
        let oci = MANIFEST_MEDIA_TYPES[1];
        let body = format!(r#"{{"schemaVersion":2,"mediaType":"{oci}"}}"#);
        for (content_type, body, expected) in [
            (Some(oci), "{}", true),
            (
                Some("application/vnd.oci.image.index.v1+json; charset=utf-8"),
                "{}",
                true,
            ),
            (Some(oci), "not json", false),
            (Some("application/json"), body.as_str(), true),
            (None, body.as_str(), true),
            (Some("text/html"), "<html></html>", false),
            (None, r#"{"schemaVersion":1}"#, false),
            (
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
                r#"{"schemaVersion":1}"#,
                false,
            ),
        ] {
            assert_eq!(
                known_media_type(content_type, body.as_bytes()),
                expected,
                "{content_type:?} {body}"
            );
        }
    }

    #[test]
    fn accept_lists_the_four_media_types() {
        let listed: Vec<&str> = ACCEPT.split(',').map(str::trim).collect();
        assert_eq!(listed, MANIFEST_MEDIA_TYPES);
    }
}
