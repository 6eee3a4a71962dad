//! Applying a complete policy to a tag list: `exclude` first, then `filterTags` (and its
//! `extract`), then the ordering policy, with one deterministic tie-break.
//!
//! Tie-break: when two tags order equal — `1.2.3` and `v1.2.3` or `1.2.3+b1` under
//! semver, `1` and `01` under numerical, or equal extracted values — the byte-wise
//! greater tag wins, whatever the order direction. The result therefore never depends
//! on the order the registry listed the tags in.
//!
//! Tags are borrowed throughout; the only allocations are one candidate list per call
//! and, when `extract` needs more than one whole-tag group, the extracted strings.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::numerical::Number;
use super::semver::Version;
use super::{NoTagSelected, Order, Policy, TagFilter, alphabetical};

/// A complete, compiled tag policy.
#[derive(Debug, Clone)]
pub struct TagPolicy {
    /// How the kept tags are ordered.
    pub policy: Policy,
    /// `filterTags`, if any.
    pub filter: Option<TagFilter>,
    /// `exclude`: tags matching any of these are dropped first.
    pub exclude: Vec<regex::Regex>,
}

/// The outcome of a selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'t> {
    /// The selected tag, as listed (never the extracted value).
    pub tag: &'t str,
    /// How many tags were given.
    pub seen: usize,
    /// How many survived exclusion, filtering and parsing.
    pub kept: usize,
}

/// What a value is ordered by; borrowed from the value.
enum Key<'a> {
    Version(Version<'a>),
    Text(&'a str),
    Number(Number<'a>),
}

impl Policy {
    /// `None` when the value is not a candidate: not a version or a number, or a version
    /// outside the range. The flag says whether it parsed (it then counts as kept).
    fn key<'a>(&self, value: &'a str) -> (bool, Option<Key<'a>>) {
        match self {
            Policy::Semver(range) => match Version::parse(value) {
                Ok(v) => (true, range.matches(&v).then_some(Key::Version(v))),
                Err(_) => (false, None),
            },
            Policy::Alphabetical(_) => (true, Some(Key::Text(value))),
            Policy::Numerical(_) => match Number::parse(value) {
                Some(n) => (true, Some(Key::Number(n))),
                None => (false, None),
            },
        }
    }

    /// `Greater` when `a` is preferred to `b`.
    fn prefer(&self, a: &Key<'_>, b: &Key<'_>) -> Ordering {
        let (ord, order) = match (a, b) {
            (Key::Version(a), Key::Version(b)) => (a.precedence(b), Order::Asc),
            (Key::Text(a), Key::Text(b)) => (alphabetical::compare(a, b), self.order()),
            (Key::Number(a), Key::Number(b)) => (a.cmp(b), self.order()),
            _ => unreachable!("one policy produces one kind of key"),
        };
        match order {
            Order::Asc => ord,
            Order::Desc => ord.reverse(),
        }
    }

    fn order(&self) -> Order {
        match self {
            Policy::Semver(_) => Order::Asc,
            Policy::Alphabetical(order) | Policy::Numerical(order) => *order,
        }
    }
}

impl TagPolicy {
    /// Selects one tag, or says why none could be.
    pub fn select<'t>(&self, tags: &'t [String]) -> Result<Selection<'t>, NoTagSelected> {
        self.select_from(tags)
    }

    /// [`select`](Self::select) over any list of strings (e.g. lines borrowed from
    /// stdin), so callers need not build `String`s.
    pub fn select_from<'t, S: AsRef<str>>(
        &self,
        tags: &'t [S],
    ) -> Result<Selection<'t>, NoTagSelected> {
        let mut candidates: Vec<(&'t str, Cow<'t, str>)> = Vec::with_capacity(tags.len());
        for tag in tags {
            let tag = tag.as_ref();
            if self.exclude.iter().any(|re| re.is_match(tag)) {
                continue;
            }
            let value = match &self.filter {
                None => Cow::Borrowed(tag),
                Some(filter) => match filter.apply(tag) {
                    Some(value) => value,
                    None => continue,
                },
            };
            candidates.push((tag, value));
        }
        let mut kept = 0;
        let mut best: Option<(&'t str, Key<'_>)> = None;
        for (tag, value) in &candidates {
            let (parsed, key) = self.policy.key(value);
            kept += usize::from(parsed);
            let Some(key) = key else { continue };
            let better = match &best {
                None => true,
                Some((best_tag, best_key)) => self
                    .policy
                    .prefer(&key, best_key)
                    .then_with(|| alphabetical::compare(tag, best_tag))
                    .is_gt(),
            };
            if better {
                best = Some((tag, key));
            }
        }
        match best {
            Some((tag, _)) => Ok(Selection {
                tag,
                seen: tags.len(),
                kept,
            }),
            None => Err(NoTagSelected {
                policy: self.policy.to_string(),
                seen: tags.len(),
                kept,
            }),
        }
    }
}
