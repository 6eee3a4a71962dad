//! The marker forms (SPEC §3): which part of the resolved reference a marked scalar holds.
//!
//! Owns parsing the `NAME:FORM` suffix and building the value to write from the resolved
//! image, tag and digest. It knows nothing about YAML or files.

use std::fmt;
use std::str::FromStr;

/// What a marked scalar holds, chosen by the suffix of the marker's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// No suffix: `image:tag`.
    Full,
    /// `name`: the image alone.
    Name,
    /// `tag`: the tag alone.
    Tag,
    /// `digest`: `image:tag@digest`.
    Digest,
    /// `tag-digest`: `tag@digest`, for charts that only have a tag field.
    TagDigest,
    /// `digest-only`: the digest alone, for charts with a separate digest field.
    DigestOnly,
}

/// The suffixes accepted after `NAME:`, in the order the docs list them.
pub const FORM_SUFFIXES: [&str; 5] = ["name", "tag", "digest", "tag-digest", "digest-only"];

/// A suffix that names no form (`app:bogus`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown marker form {suffix_q} (expected one of: name, tag, digest, tag-digest, digest-only)", suffix_q = crate::text::quoted(.suffix))]
pub struct UnknownForm {
    /// The suffix as written.
    pub suffix: String,
}

/// A digest form asked for a value while no digest was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the {form} form needs a digest, and none was resolved")]
pub struct MissingDigest {
    /// The form that needed it.
    pub form: Form,
}

impl Form {
    /// Whether values of this form contain a digest, so the caller must resolve one.
    pub fn needs_digest(self) -> bool {
        matches!(self, Form::Digest | Form::TagDigest | Form::DigestOnly)
    }

    /// The suffix naming this form in a marker, `None` for the plain form.
    pub fn suffix(self) -> Option<&'static str> {
        match self {
            Form::Full => None,
            Form::Name => Some("name"),
            Form::Tag => Some("tag"),
            Form::Digest => Some("digest"),
            Form::TagDigest => Some("tag-digest"),
            Form::DigestOnly => Some("digest-only"),
        }
    }

    /// The value to write (SPEC §3's table). `image` is the scan's image as the user spelled
    /// it, without tag or digest. Only the digest forms write a digest; they fail without one.
    pub fn value(
        self,
        image: &str,
        tag: &str,
        digest: Option<&str>,
    ) -> Result<String, MissingDigest> {
        let digest = || digest.ok_or(MissingDigest { form: self });
        Ok(match self {
            Form::Full => format!("{image}:{tag}"),
            Form::Name => image.to_owned(),
            Form::Tag => tag.to_owned(),
            Form::Digest => format!("{image}:{tag}@{}", digest()?),
            Form::TagDigest => format!("{tag}@{}", digest()?),
            Form::DigestOnly => digest()?.to_owned(),
        })
    }
}

impl FromStr for Form {
    type Err = UnknownForm;

    /// Parses a suffix (the text after `NAME:`); the plain form has no suffix.
    fn from_str(suffix: &str) -> Result<Self, Self::Err> {
        Ok(match suffix {
            "name" => Form::Name,
            "tag" => Form::Tag,
            "digest" => Form::Digest,
            "tag-digest" => Form::TagDigest,
            "digest-only" => Form::DigestOnly,
            _ => {
                return Err(UnknownForm {
                    suffix: suffix.to_owned(),
                });
            }
        })
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.suffix().unwrap_or("plain"))
    }
}

/// Splits a marker's `NAME` or `NAME:FORM` at the last `:`. Any suffix must name a form:
/// `app:bogus` is an error rather than a scan called `app:bogus`.
pub fn split_marker_name(text: &str) -> Result<(&str, Form), UnknownForm> {
    match text.rsplit_once(':') {
        None => Ok((text, Form::Full)),
        Some((name, suffix)) => Ok((name, suffix.parse()?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn values_follow_the_table() {
        let cases = [
            (Form::Full, "registry.example.com/team/app:1.5.0".to_owned()),
            (Form::Name, "registry.example.com/team/app".to_owned()),
            (Form::Tag, "1.5.0".to_owned()),
            (
                Form::Digest,
                format!("registry.example.com/team/app:1.5.0@{D}"),
            ),
            (Form::TagDigest, format!("1.5.0@{D}")),
            (Form::DigestOnly, D.to_owned()),
        ];
        for (form, want) in cases {
            let got = form.value("registry.example.com/team/app", "1.5.0", Some(D));
            assert_eq!(got.as_deref(), Ok(want.as_str()), "{form}");
        }
    }

    #[test]
    fn digest_forms_need_a_digest() {
        for form in [
            Form::Full,
            Form::Name,
            Form::Tag,
            Form::Digest,
            Form::TagDigest,
            Form::DigestOnly,
        ] {
            let got = form.value("nginx", "1.27", None);
            assert_eq!(got.is_err(), form.needs_digest(), "{form}");
        }
        assert_eq!(
            Form::Full.value("nginx", "1.27", Some(D)).unwrap(),
            "nginx:1.27"
        );
    }

    #[test]
    fn names_split_at_the_last_colon() {
        type Want = Result<(&'static str, Form), &'static str>;
        let cases: [(&str, Want); 9] = [
            ("app", Ok(("app", Form::Full))),
            ("app:name", Ok(("app", Form::Name))),
            ("app:tag", Ok(("app", Form::Tag))),
            ("app:digest", Ok(("app", Form::Digest))),
            ("test-scan:tag-digest", Ok(("test-scan", Form::TagDigest))),
            ("app:digest-only", Ok(("app", Form::DigestOnly))),
            ("app:bogus", Err("bogus")),
            ("app:", Err("")),
            ("app:Tag", Err("Tag")),
        ];
        for (input, want) in cases {
            let got = split_marker_name(input).map_err(|e| e.suffix);
            assert_eq!(got, want.map_err(str::to_owned), "{input}");
        }
    }

    #[test]
    fn suffixes_round_trip() {
        for suffix in FORM_SUFFIXES {
            let form: Form = suffix.parse().unwrap();
            assert_eq!(form.suffix(), Some(suffix));
        }
        assert_eq!(Form::Full.suffix(), None);
    }
}
