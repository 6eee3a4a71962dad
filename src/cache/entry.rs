//! What one cache file holds: the tags of one repository and the digests looked up for
//! some of its tags, each with the time it was fetched, plus recent refresh failures.
//! Nothing identifying a credential is stored here: the key holds that, hashed.

use serde::{Deserialize, Serialize};

use super::CacheKey;
use crate::source::Tags;

/// Bumped when the file format changes; files of another version count as missing.
pub const FORMAT_VERSION: u32 = 1;

/// The content of one cache file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// [`FORMAT_VERSION`] when written.
    pub version: u32,
    /// The registry host.
    pub host: String,
    /// The repository path.
    pub repository: String,
    /// The tag list, once fetched.
    #[serde(default)]
    pub tags: Option<TagList>,
    /// Digests looked up, one per (tag, platform).
    #[serde(default)]
    pub digests: Vec<DigestRecord>,
    /// Recent failed refreshes, so that processes waiting on the same refresh share its
    /// failure instead of each retrying a registry that is down.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FailureRecord>,
}

/// The tags of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagList {
    /// When fetched, in seconds since the Unix epoch.
    pub fetched_at: u64,
    /// The tags, in the order the registry listed them.
    pub tags: Tags,
}

/// One digest lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRecord {
    /// The tag.
    pub tag: String,
    /// The platform (`os/arch[/variant]`), or none for the tag's own digest.
    pub platform: Option<String>,
    /// The digest, e.g. `sha256:…`.
    pub digest: String,
    /// When fetched, in seconds since the Unix epoch.
    pub fetched_at: u64,
}

/// A refresh that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// What was refreshed: the tag list, or a digest.
    pub item: Item,
    /// When it failed, in seconds since the Unix epoch.
    pub at: u64,
    /// The error, as displayed (errors never carry credentials).
    pub message: String,
}

/// A refreshable part of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Item {
    /// The tag list.
    Tags,
    /// The digest of a tag, for a platform or not.
    Digest {
        /// The tag.
        tag: String,
        /// The platform.
        platform: Option<String>,
    },
}

impl std::fmt::Display for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Item::Tags => f.write_str("tags"),
            Item::Digest {
                tag,
                platform: None,
            } => write!(f, "digest of tag {tag}"),
            Item::Digest {
                tag,
                platform: Some(platform),
            } => write!(f, "digest of tag {tag} for {platform}"),
        }
    }
}

impl Entry {
    /// An empty entry for `key`.
    pub fn new(key: &CacheKey) -> Self {
        Self {
            version: FORMAT_VERSION,
            host: key.host().to_owned(),
            repository: key.repository().to_owned(),
            tags: None,
            digests: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// The digest recorded for `tag` and `platform`.
    pub fn digest(&self, tag: &str, platform: Option<&str>) -> Option<&DigestRecord> {
        self.digests
            .iter()
            .find(|d| d.tag == tag && d.platform.as_deref() == platform)
    }

    /// When `item` was fetched, if it is in the entry.
    pub(crate) fn fetched_at(&self, item: &Item) -> Option<u64> {
        match item {
            Item::Tags => self.tags.as_ref().map(|t| t.fetched_at),
            Item::Digest { tag, platform } => {
                self.digest(tag, platform.as_deref()).map(|d| d.fetched_at)
            }
        }
    }

    /// The recorded failure of `item`.
    pub(crate) fn failure(&self, item: &Item) -> Option<&FailureRecord> {
        self.failures.iter().find(|f| f.item == *item)
    }

    /// Replaces the tag list; digests of tags that are gone are dropped.
    pub(crate) fn set_tags(&mut self, tags: Tags, now: u64) {
        // A few digests against many tags: a scan per digest beats hashing every tag.
        self.digests.retain(|d| tags.contains(&d.tag));
        self.tags = Some(TagList {
            fetched_at: now,
            tags,
        });
        self.clear_failure(&Item::Tags);
    }

    /// Records a digest, replacing an older one of the same tag and platform.
    pub(crate) fn set_digest(
        &mut self,
        tag: &str,
        platform: Option<&str>,
        digest: String,
        now: u64,
    ) {
        self.digests
            .retain(|d| !(d.tag == tag && d.platform.as_deref() == platform));
        self.digests.push(DigestRecord {
            tag: tag.to_owned(),
            platform: platform.map(str::to_owned),
            digest,
            fetched_at: now,
        });
        self.clear_failure(&Item::Digest {
            tag: tag.to_owned(),
            platform: platform.map(str::to_owned),
        });
    }

    /// Records a failed refresh of `item`.
    pub(crate) fn set_failure(&mut self, item: Item, message: String, now: u64) {
        self.clear_failure(&item);
        self.failures.push(FailureRecord {
            item,
            at: now,
            message,
        });
    }

    fn clear_failure(&mut self, item: &Item) {
        self.failures.retain(|f| f.item != *item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_tags_drop_digests_of_vanished_tags_and_failures() {
        let mut entry = Entry::new(&CacheKey::new("h", "r", None));
        entry.set_digest("1.0", None, "sha256:a".into(), 5);
        entry.set_digest("1.1", Some("linux/arm64"), "sha256:b".into(), 5);
        entry.set_digest("1.1", Some("linux/arm64"), "sha256:c".into(), 6);
        entry.set_failure(Item::Tags, "down".into(), 7);
        assert_eq!(entry.digests.len(), 2);
        assert_eq!(entry.failure(&Item::Tags).map(|f| f.at), Some(7));
        entry.set_tags(["1.1", "1.2"].into_iter().collect(), 10);
        assert_eq!(entry.failure(&Item::Tags), None);
        assert_eq!(entry.digest("1.0", None), None);
        assert_eq!(
            entry
                .digest("1.1", Some("linux/arm64"))
                .map(|d| d.digest.as_str()),
            Some("sha256:c")
        );
        assert_eq!(entry.fetched_at(&Item::Tags), Some(10));
        let item = Item::Digest {
            tag: "1.1".into(),
            platform: Some("linux/arm64".into()),
        };
        assert_eq!(entry.fetched_at(&item), Some(6));
        assert_eq!(item.to_string(), "digest of tag 1.1 for linux/arm64");
    }
}
