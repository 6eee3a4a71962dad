//! The cache key: which registry host, repository and credential an entry belongs to,
//! serialised and hashed into the entry's file name (the way casey/just keys its cache).
//!
//! The credential enters only as [`Credential::identity`], itself a one-way digest, so
//! neither the file name nor anything derived from it reveals a secret; two tenants with
//! different credentials for one repository get two entries.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::credentials::Credential;

/// Bumped when the key material changes shape, so old files are never mistaken for new.
const KEY_FORMAT: u32 = 1;

/// Identifies one cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    host: String,
    repository: String,
    identity: Option<String>,
}

/// What is hashed: a serialised struct, so adding a field changes every key.
#[derive(Serialize)]
struct KeyMaterial<'a> {
    format: u32,
    host: &'a str,
    repository: &'a str,
    identity: Option<&'a str>,
}

impl CacheKey {
    /// The key for `repository` on registry `host` (pass the API host, e.g.
    /// `registry-1.docker.io`, so that every spelling of one registry shares entries),
    /// read with `credential` (`None`: anonymous).
    pub fn new(
        host: impl Into<String>,
        repository: impl Into<String>,
        credential: Option<&Credential>,
    ) -> Self {
        Self {
            host: host.into(),
            repository: repository.into(),
            identity: credential.map(Credential::identity),
        }
    }

    /// The registry host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The repository path.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The entry's file name without extension: 64 hex digits of SHA-256.
    pub fn file_stem(&self) -> String {
        let material = KeyMaterial {
            format: KEY_FORMAT,
            host: &self.host,
            repository: &self.repository,
            identity: self.identity.as_deref(),
        };
        hex_sha256(&serde_json::to_vec(&material).expect("key material serialises"))
    }
}

/// The name (without extension) under which a registry host's quota window is kept:
/// 64 hex digits of SHA-256 over a serialised `("quota-window", host)`, never equal to
/// an entry's.
pub(crate) fn window_stem(host: &str) -> String {
    hex_sha256(&serde_json::to_vec(&("quota-window", KEY_FORMAT, host)).expect("serialises"))
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).expect("nibble"));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).expect("nibble"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stem_is_stable_across_versions_of_the_program() {
        // A change here orphans every user's cache: bump KEY_FORMAT deliberately if so.
        let key = CacheKey::new("registry-1.docker.io", "library/nginx", None);
        assert_eq!(
            key.file_stem(),
            "474015e3bcda2fb0db0c47f0d4a792fcc575d4edaaf051d667f0a79453139c71"
        );
    }

    #[test]
    fn every_part_of_the_key_separates_entries() {
        let alice = Credential::password("alice", "pw1");
        let bob = Credential::password("bob", "pw2");
        let keys = [
            CacheKey::new("reg.example", "team/app", None),
            CacheKey::new("reg.example", "team/app", Some(&alice)),
            CacheKey::new("reg.example", "team/app", Some(&bob)),
            CacheKey::new("reg.example", "team/ap", None),
            CacheKey::new("reg.example:5000", "team/app", None),
            // Moving a slash between host and repository must not collide.
            CacheKey::new("reg.example/team", "app", None),
        ];
        let mut stems: Vec<String> = keys.iter().map(CacheKey::file_stem).collect();
        assert!(
            stems
                .iter()
                .all(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        );
        stems.sort();
        stems.dedup();
        assert_eq!(stems.len(), keys.len());
        assert_eq!(
            CacheKey::new("reg.example", "team/app", Some(&alice)).file_stem(),
            CacheKey::new(
                "reg.example",
                "team/app",
                Some(&Credential::password("alice", "pw1"))
            )
            .file_stem()
        );
    }
}
