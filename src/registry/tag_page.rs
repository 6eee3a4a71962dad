//! One page of a tag list, `{"name": "team/app", "tags": ["1.0", …]}`, read straight into
//! the listing's [`Tags`]: each page appends to the same buffer, and the first one sizes
//! it from the page's length, so that a 10,000-tag list is neither built tag by tag nor
//! copied while it grows. `tags` is `null` or missing on some registries for an empty
//! repository; other fields are skipped.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::source::Tags;

/// Appends the tags of the page `json` to `tags`.
pub(super) fn read_page(json: &[u8], tags: &mut Tags) -> serde_json::Result<()> {
    if tags.is_empty() {
        // The text is at most the page's length; a tag with its quotes and comma takes
        // eight bytes or more in most repositories (`"1.2.3",`).
        *tags = Tags::with_capacity(json.len(), json.len() / 8);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    Page(tags).deserialize(&mut deserializer)?;
    deserializer.end()
}

/// The page object.
struct Page<'a>(&'a mut Tags);

impl<'de> DeserializeSeed<'de> for Page<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Page<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tag list (an object with `tags`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Tags if seen => return Err(de::Error::duplicate_field("tags")),
                Field::Tags => {
                    seen = true;
                    map.next_value_seed(NullableList(&mut *self.0))?;
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The page's fields that matter.
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Tags,
    #[serde(other)]
    Other,
}

/// `tags`: an array of strings, or `null`.
struct NullableList<'a>(&'a mut Tags);

impl<'de> DeserializeSeed<'de> for NullableList<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for NullableList<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of tags or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.0.extend_from_seq(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pages: &[&str]) -> serde_json::Result<Tags> {
        let mut tags = Tags::new();
        for page in pages {
            read_page(page.as_bytes(), &mut tags)?;
        }
        Ok(tags)
    }

    #[test]
    fn pages_append_in_order() {
        let tags = read(&[
            r#"{"name":"team/app","tags":["1.0","1.1"]}"#,
            r#"{"tags":["2.0"],"name":"team/app","extra":{"a":[1,null]}}"#,
        ])
        .unwrap();
        assert_eq!(tags, ["1.0", "1.1", "2.0"]);
    }

    #[test]
    fn null_or_missing_tags_are_an_empty_page() {
        for page in [r#"{"name":"a","tags":null}"#, r#"{"name":"a"}"#, "{}"] {
            assert!(read(&[page]).unwrap().is_empty(), "{page}");
        }
        assert_eq!(
            read(&[r#"{"tags":["1"]}"#, r#"{"tags":null}"#]).unwrap(),
            ["1"]
        );
    }

    #[test]
    fn what_is_not_a_tag_list_is_refused() {
        for page in [
            r#"["1.0"]"#,
            r#"{"tags":"1.0"}"#,
            r#"{"tags":[1]}"#,
            r#"{"tags":["1.0"],"tags":["2.0"]}"#,
            r#"{"tags":["1.0"]} trailing"#,
            r#"{"tags":["1.0"]"#,
        ] {
            assert!(read(&[page]).is_err(), "{page}");
        }
    }
}
