//! `filterTags` (a pattern tags must match, and an optional `extract` template giving the
//! value the policy orders) and `exclude` patterns.
//!
//! `extract` follows Flux: the value is the tag with every match of the pattern replaced
//! by the template, `$name`, `${name}` and `$1` naming groups and `$$` a literal `$`.
//! With an anchored pattern (`^main-(?P<ts>[0-9]+)$`) that is just the group. The common
//! case — the whole tag matches and the template is one group — borrows the group from
//! the tag instead of building a string. Templates are checked when built: a name or
//! number that is not a group of the pattern is an error, not a silent empty value.
//! This module decides which tags pass and what value they carry; it does not order.

use std::borrow::Cow;

use super::PolicyError;

/// A compiled `filterTags`.
#[derive(Debug, Clone)]
pub struct TagFilter {
    pattern: regex::Regex,
    extract: Option<Extract>,
}

#[derive(Debug, Clone)]
struct Extract {
    template: String,
    /// Set when the template is exactly one group reference.
    single_group: Option<usize>,
}

/// A group reference found in a template.
#[derive(Debug, PartialEq, Eq)]
enum GroupRef<'a> {
    Index(usize),
    Name(&'a str),
}

/// The references of a template, with the regex crate's (and Go's) expansion rules: a
/// name is the longest run of `[_0-9A-Za-z]` after `$`, or the text inside `${…}`;
/// `$$` and a `$` followed by nothing name-like are literal.
fn group_refs(template: &str) -> Vec<(GroupRef<'_>, std::ops::Range<usize>)> {
    let b = template.as_bytes();
    let is_name = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    let mut refs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        let (name, end) = if b.get(i + 1) == Some(&b'{') {
            match template[i + 2..].find('}') {
                Some(len) if len > 0 && b[i + 2..i + 2 + len].iter().all(|&c| is_name(c)) => {
                    (&template[i + 2..i + 2 + len], i + 3 + len)
                }
                _ => {
                    i += 1;
                    continue;
                }
            }
        } else {
            let mut end = i + 1;
            while b.get(end).copied().is_some_and(is_name) {
                end += 1;
            }
            if end == i + 1 {
                i += 1;
                continue;
            }
            (&template[i + 1..end], end)
        };
        let group = match name.parse::<usize>() {
            Ok(index) => GroupRef::Index(index),
            Err(_) => GroupRef::Name(name),
        };
        refs.push((group, i..end));
        i = end;
    }
    refs
}

/// Compiles a user-supplied regular expression (for `filterTags.pattern` or `exclude`).
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, PolicyError> {
    regex::Regex::new(pattern).map_err(|e| PolicyError::InvalidPattern {
        pattern: pattern.to_owned(),
        reason: e.to_string(),
    })
}

impl TagFilter {
    /// Compiles the pattern and checks that every group `extract` names exists.
    pub fn new(pattern: &str, extract: Option<&str>) -> Result<Self, PolicyError> {
        let regex = compile_pattern(pattern)?;
        let extract = extract
            .map(|template| {
                let refs = group_refs(template);
                let mut indices = Vec::with_capacity(refs.len());
                for (group, _) in &refs {
                    let index = match group {
                        GroupRef::Index(i) => (*i < regex.captures_len()).then_some(*i),
                        GroupRef::Name(name) => {
                            regex.capture_names().position(|n| n == Some(*name))
                        }
                    };
                    let Some(index) = index else {
                        return Err(PolicyError::InvalidExtract {
                            extract: template.to_owned(),
                            pattern: pattern.to_owned(),
                        });
                    };
                    indices.push(index);
                }
                let single_group = match refs.as_slice() {
                    [(_, span)] if *span == (0..template.len()) => Some(indices[0]),
                    _ => None,
                };
                Ok(Extract {
                    template: template.to_owned(),
                    single_group,
                })
            })
            .transpose()?;
        Ok(TagFilter {
            pattern: regex,
            extract,
        })
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        self.pattern.as_str()
    }

    /// The extract template as written, if any.
    pub fn extract(&self) -> Option<&str> {
        self.extract.as_ref().map(|e| e.template.as_str())
    }

    /// `None` when the tag does not match; otherwise the value to order: the tag itself,
    /// or the extracted value.
    pub fn apply<'t>(&self, tag: &'t str) -> Option<Cow<'t, str>> {
        self.apply_with(tag, &mut self.locations())
    }

    /// Scratch space for [`apply_with`](Self::apply_with), reusable across tags.
    pub fn locations(&self) -> regex::CaptureLocations {
        self.pattern.capture_locations()
    }

    /// [`apply`](Self::apply) reusing `locations` (from [`locations`](Self::locations)),
    /// so that filtering a long tag list does not allocate per tag.
    pub fn apply_with<'t>(
        &self,
        tag: &'t str,
        locations: &mut regex::CaptureLocations,
    ) -> Option<Cow<'t, str>> {
        // The match test alone runs on the fastest engine; most tags stop here.
        if !self.pattern.is_match(tag) {
            return None;
        }
        let Some(extract) = &self.extract else {
            return Some(Cow::Borrowed(tag));
        };
        if let Some(index) = extract.single_group {
            let whole = self.pattern.captures_read(locations, tag)?;
            if whole.start() == 0 && whole.end() == tag.len() {
                // One match covering the tag: the replacement is exactly the group.
                let group = locations
                    .get(index)
                    .map_or("", |(start, end)| &tag[start..end]);
                return Some(Cow::Borrowed(group));
            }
        }
        Some(Cow::Owned(
            self.pattern
                .replace_all(tag, extract.template.as_str())
                .into_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extract_values() {
        let cases: &[(&str, &str, &str, Option<&str>)] = &[
            (r"^main-(?P<ts>\d+)$", "$ts", "main-123", Some("123")),
            (r"^main-(?P<ts>\d+)$", "${ts}", "main-123", Some("123")),
            (r"^main-(\d+)$", "$1", "main-123", Some("123")),
            (r"^main-(\d+)$", "$1", "dev-123", None),
            (r"^(?P<a>\d+)-(?P<b>\d+)$", "${b}.${a}", "1-2", Some("2.1")),
            (r"^(\d+)-(\d+)$", "$2$$", "1-2", Some("2$")),
            // Flux semantics: unmatched text around the match stays in the value.
            (r"-(?P<n>\d+)", "$n", "rc-7-x", Some("rc7-x")),
            (r"^(?P<n>\d+)?x$", "$n", "x", Some("")),
        ];
        for (pattern, template, tag, want) in cases {
            let filter = TagFilter::new(pattern, Some(template)).unwrap();
            assert_eq!(
                filter.apply(tag).as_deref(),
                *want,
                "{pattern} {template} {tag}"
            );
        }
    }

    #[test]
    fn missing_groups_are_errors() {
        for (pattern, template) in [
            (r"^(\d+)$", "$2"),
            (r"^(\d+)$", "$ts"),
            (r"^(?P<ts>\d+)$", "${tss}"),
            (r"^(?P<ts>\d+)$", "$ts_suffix"),
            (r"^(?P<ts>\d+)$", "v$1x"),
        ] {
            assert!(
                matches!(
                    TagFilter::new(pattern, Some(template)),
                    Err(PolicyError::InvalidExtract { .. })
                ),
                "{pattern} / {template}"
            );
        }
        for (pattern, template) in [
            (r"^(\d+)$", "$0"),
            (r"^(?P<ts>\d+)$", "v${ts}x"),
            (r"^(\d+)$", "$$1"),
            (r"^x$", "lit"),
        ] {
            assert!(
                TagFilter::new(pattern, Some(template)).is_ok(),
                "{pattern} / {template}"
            );
        }
    }

    #[test]
    fn bad_pattern() {
        assert!(matches!(
            TagFilter::new("(", None),
            Err(PolicyError::InvalidPattern { .. })
        ));
    }
}
