//! A repository's tag list as one text buffer and the offsets where each tag ends.
//!
//! A registry lists up to tens of thousands of tags per repository, and every one passes
//! through the same steps: parsed from the registry's JSON, kept in the cache entry,
//! offered to the policy, written back out. As `Vec<String>` that is one allocation (and
//! one free) per tag; here it is two for the whole list, and tags are appended straight
//! from the JSON parser's borrowed strings. Serialised, it is the same JSON array of
//! strings as a `Vec<String>`, so cache entries are unchanged on disk and in Redis.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};

/// Tags in order: one string holding them all back to back, and where each ends.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tags {
    text: String,
    ends: Vec<usize>,
}

impl Tags {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `tags` tags of `text` bytes in all.
    pub fn with_capacity(text: usize, tags: usize) -> Self {
        Self {
            text: String::with_capacity(text),
            ends: Vec::with_capacity(tags),
        }
    }

    /// Appends the tags of the array of strings `deserializer` reads; the parser lends
    /// each string, none is built.
    pub fn extend_from_seq<'de, D: Deserializer<'de>>(
        &mut self,
        deserializer: D,
    ) -> Result<(), D::Error> {
        deserializer.deserialize_seq(AppendAll(self))
    }

    /// Appends `tag`.
    pub fn push(&mut self, tag: &str) {
        self.text.push_str(tag);
        self.ends.push(self.text.len());
    }

    /// How many tags there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The tags, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            tags: self,
            start: 0,
            front: 0,
            back: self.ends.len(),
        }
    }

    /// Whether `tag` is one of them.
    pub fn contains(&self, tag: &str) -> bool {
        self.iter().any(|t| t == tag)
    }
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The same tags in the same order as a list of strings (`tags == ["1.0", "1.1"]`).
impl<S: AsRef<str>> PartialEq<[S]> for Tags {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Tags {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Tags {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> FromIterator<S> for Tags {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut tags = Tags::new();
        for tag in iter {
            tags.push(tag.as_ref());
        }
        tags
    }
}

impl<'t> IntoIterator for &'t Tags {
    type Item = &'t str;
    type IntoIter = Iter<'t>;

    fn into_iter(self) -> Iter<'t> {
        self.iter()
    }
}

/// The tags of a [`Tags`], in order.
#[derive(Debug, Clone)]
pub struct Iter<'t> {
    tags: &'t Tags,
    /// Where the tag at `front` starts in the text.
    start: usize,
    /// The next tag from the front, and one past the next from the back.
    front: usize,
    back: usize,
}

impl<'t> Iterator for Iter<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        (self.front < self.back).then(|| {
            let end = self.tags.ends[self.front];
            let tag = &self.tags.text[self.start..end];
            (self.start, self.front) = (end, self.front + 1);
            tag
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 1;
            let start = self
                .back
                .checked_sub(1)
                .map_or(0, |prev| self.tags.ends[prev]);
            &self.tags.text[start..self.tags.ends[self.back]]
        })
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl serde::Serialize for Tags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for tag in self {
            seq.serialize_element(tag)?;
        }
        seq.end()
    }
}

impl<'de> serde::Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut tags = Tags::new();
        tags.extend_from_seq(deserializer)?;
        Ok(tags)
    }
}

/// Appends every string of an array to a [`Tags`].
struct AppendAll<'a>(&'a mut Tags);

impl<'de> Visitor<'de> for AppendAll<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of tags")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some(hint) = seq.size_hint() {
            self.0.ends.reserve(hint);
        }
        while seq.next_element_seed(Append(self.0))?.is_some() {}
        Ok(())
    }
}

/// One element of the array, appended where the parser lends it (no `String` built).
struct Append<'a>(&'a mut Tags);

impl<'de> DeserializeSeed<'de> for Append<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Append<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tag (a string)")
    }

    fn visit_str<E: de::Error>(self, tag: &str) -> Result<(), E> {
        self.0.push(tag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_reads_back_each_tag() {
        let tags: Tags = ["1.0", "", "latest", "v2.0.0-rc.1"].into_iter().collect();
        assert_eq!(tags.len(), 4);
        assert_eq!(
            tags.iter().collect::<Vec<_>>(),
            ["1.0", "", "latest", "v2.0.0-rc.1"]
        );
        assert_eq!(
            tags.iter().rev().collect::<Vec<_>>(),
            ["v2.0.0-rc.1", "latest", "", "1.0"]
        );
        let mut both = tags.iter();
        assert_eq!(both.next(), Some("1.0"));
        assert_eq!(both.next_back(), Some("v2.0.0-rc.1"));
        assert_eq!(both.len(), 2);
        assert_eq!(both.next(), Some(""));
        assert_eq!(both.next_back(), Some("latest"));
        assert_eq!((both.next(), both.next_back()), (None, None));
        assert!(tags.contains("latest") && tags.contains(""));
        assert!(!tags.contains("1") && !tags.contains("1.0latest"));
        assert!(Tags::new().is_empty());
        assert_eq!(tags, ["1.0", "", "latest", "v2.0.0-rc.1"]);
        assert_ne!(tags, ["1.0", "", "latest"]);
        assert_ne!(tags, ["1.0", "", "latest", "v2.0.0"]);
        assert_eq!(
            tags,
            vec![
                "1.0".to_owned(),
                "".into(),
                "latest".into(),
                "v2.0.0-rc.1".into()
            ]
        );
    }

    #[test]
    fn json_is_the_same_array_as_a_vec_of_strings() {
        let json = r#"["1.0","with \"quote\"","\u00e9t\u00e9","tab\t"]"#;
        let tags: Tags = serde_json::from_str(json).unwrap();
        let strings: Vec<String> = serde_json::from_str(json).unwrap();
        assert_eq!(tags.iter().collect::<Vec<_>>(), strings);
        assert_eq!(
            serde_json::to_string(&tags).unwrap(),
            serde_json::to_string(&strings).unwrap()
        );
        assert_eq!(format!("{tags:?}"), format!("{strings:?}"));
    }

    #[test]
    fn extends_from_a_json_array() {
        let mut tags = Tags::with_capacity(16, 4);
        tags.push("0.9");
        let mut json = serde_json::Deserializer::from_str(r#"["1.0", "1.1"]"#);
        tags.extend_from_seq(&mut json).unwrap();
        assert_eq!(tags, ["0.9", "1.0", "1.1"]);
    }

    #[test]
    fn anything_but_an_array_of_strings_is_refused() {
        for json in [r#"["1.0", 2]"#, r#"{"a": "b"}"#, r#""1.0""#, r#"[null]"#] {
            let error = serde_json::from_str::<Tags>(json).unwrap_err();
            assert!(error.to_string().contains("expected"), "{json}: {error}");
        }
    }
}
