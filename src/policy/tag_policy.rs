//! Applying a complete policy to a tag list: `exclude` first, then `filterTags` (and its
//! `extract`), then the ordering policy, with one deterministic tie-break.
//!
//! Tie-break: when two tags order equal — `1.2.3` and `v1.2.3` or `1.2.3+b1` under
//! semver, `1` and `01` under numerical, or equal extracted values — the byte-wise
//! greater tag wins, whatever the order direction. The result therefore never depends
//! on the order the registry listed the tags in.
//!
//! Tags are borrowed throughout and ordered in one pass; the only allocations are the
//! extracted strings when `extract` is more than one group covering the whole tag.

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
    /// Counts `value` as kept when it parses, and makes `tag` the best when it is a
    /// candidate that beats the current best (ties: the byte-wise greater tag).
    fn consider<'t, 'v>(
        &self,
        tag: &'t str,
        value: &'v str,
        best: &mut Option<(&'t str, Key<'v>)>,
        kept: &mut usize,
    ) {
        let (parsed, key) = self.policy.key(value);
        *kept += usize::from(parsed);
        let Some(key) = key else { return };
        let better = match best {
            None => true,
            Some((best_tag, best_key)) => self
                .policy
                .prefer(&key, best_key)
                .then_with(|| alphabetical::compare(tag, best_tag))
                .is_gt(),
        };
        if better {
            *best = Some((tag, key));
        }
    }

    /// Selects one of `tags` (a [`crate::source::Tags`], lines borrowed from stdin, …),
    /// or says why none could be.
    pub fn select<'t>(
        &self,
        tags: impl IntoIterator<Item = &'t str>,
    ) -> Result<Selection<'t>, NoTagSelected> {
        // Values borrowed from the tags are ordered on the fly; extracted values that had
        // to be built are set aside and ordered afterwards, once they no longer move.
        let mut built: Vec<(&'t str, String)> = Vec::new();
        let mut kept = 0;
        let mut best: Option<(&'t str, Key<'t>)> = None;
        let mut seen = 0;
        let mut locations = self.filter.as_ref().map(TagFilter::locations);
        for tag in tags {
            seen += 1;
            if self.exclude.iter().any(|re| re.is_match(tag)) {
                continue;
            }
            let value = match (&self.filter, &mut locations) {
                (Some(filter), Some(locations)) => match filter.apply_with(tag, locations) {
                    Some(Cow::Borrowed(value)) => value,
                    Some(Cow::Owned(value)) => {
                        built.push((tag, value));
                        continue;
                    }
                    None => continue,
                },
                _ => tag,
            };
            self.consider(tag, value, &mut best, &mut kept);
        }
        let mut best: Option<(&'t str, Key<'_>)> = best;
        for &(tag, ref value) in &built {
            self.consider(tag, value, &mut best, &mut kept);
        }
        match best {
            Some((tag, _)) => Ok(Selection { tag, seen, kept }),
            None => Err(NoTagSelected {
                policy: self.policy.to_string(),
                seen,
                kept,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::compile_pattern;
    use crate::source::Tags;

    fn policy(policy: Policy, filter: Option<(&str, Option<&str>)>, exclude: &[&str]) -> TagPolicy {
        TagPolicy {
            policy,
            filter: filter.map(|(p, e)| TagFilter::new(p, e).unwrap()),
            exclude: exclude
                .iter()
                .map(|p| compile_pattern(p).unwrap())
                .collect(),
        }
    }

    fn tags(list: &str) -> Tags {
        list.split_whitespace().collect()
    }

    fn semver(range: &str) -> Policy {
        Policy::semver(range).unwrap()
    }

    #[test]
    fn selections() {
        let asc = || Policy::Alphabetical(Order::Asc);
        let desc = || Policy::Alphabetical(Order::Desc);
        let num_asc = || Policy::Numerical(Order::Asc);
        let num_desc = || Policy::Numerical(Order::Desc);
        let cases: Vec<(TagPolicy, &str, &str, usize)> = vec![
            // semver: greatest in range, unparsable skipped, prereleases per group rule
            (
                policy(semver(">=1.2 <2"), None, &[]),
                "1.1.0 1.2.0 1.9.3 2.0.0 latest",
                "1.9.3",
                4,
            ),
            (
                policy(semver("*"), None, &[]),
                "1.0.0 1.1.0-rc.1 latest",
                "1.0.0",
                2,
            ),
            (
                policy(semver(">=1.0.0-0"), None, &[]),
                "1.0.0 1.1.0-rc.1",
                "1.1.0-rc.1",
                2,
            ),
            (
                policy(semver("^1"), None, &[]),
                "v1.2.0 1.10.0 1.9.0",
                "1.10.0",
                3,
            ),
            // semver ties: byte-wise greater tag, whatever the listing order
            (
                policy(semver("1.2.3"), None, &[]),
                "1.2.3 v1.2.3",
                "v1.2.3",
                2,
            ),
            (
                policy(semver("1.2.3"), None, &[]),
                "v1.2.3 1.2.3",
                "v1.2.3",
                2,
            ),
            (
                policy(semver("1.2.3"), None, &[]),
                "1.2.3+b.2 1.2.3+b.10 1.2.3",
                "1.2.3+b.2",
                3,
            ),
            (
                policy(semver("1.2.3"), None, &[]),
                "01.2.3 1.2.3",
                "1.2.3",
                2,
            ),
            // alphabetical: asc = greatest, desc = least, byte-wise
            (policy(asc(), None, &[]), "a b C", "b", 3),
            (policy(desc(), None, &[]), "a b C", "C", 3),
            (policy(asc(), None, &[]), "v9 v10", "v9", 2),
            // numerical: numbers only, asc = greatest
            (policy(num_asc(), None, &[]), "9 10 1.5 latest", "10", 3),
            (policy(num_desc(), None, &[]), "9 10 -1 latest", "-1", 3),
            (policy(num_asc(), None, &[]), "1 01 1.0", "1.0", 3),
            (policy(num_desc(), None, &[]), "01 1", "1", 2),
            // filterTags + extract: the tag is selected, the value is ordered
            (
                policy(
                    num_asc(),
                    Some((r"^main-[a-f0-9]+-(?P<ts>\d+)$", Some("$ts"))),
                    &[],
                ),
                "main-abc-100 main-def-99 dev-x-500 main-0a1-100",
                "main-abc-100",
                3,
            ),
            (
                policy(
                    semver("~1.4"),
                    Some((r"^app-(?P<v>.+)$", Some("${v}"))),
                    &[],
                ),
                "app-1.4.2 app-1.5.0 1.4.9 app-v1.4.3",
                "app-v1.4.3",
                3,
            ),
            (
                policy(asc(), Some((r"^rc-", None)), &[]),
                "rc-1 rc-2 zz",
                "rc-2",
                2,
            ),
            // exclude runs first
            (
                policy(asc(), None, &[r"\.sig$", "^sha256-"]),
                "1 2 2.sig sha256-ff",
                "2",
                2,
            ),
            (
                policy(semver(">=1"), None, &["^1.3"]),
                "1.2.0 1.3.0",
                "1.2.0",
                1,
            ),
        ];
        for (i, (policy, list, want, kept)) in cases.iter().enumerate() {
            let tags = tags(list);
            let got = policy
                .select(&tags)
                .unwrap_or_else(|e| panic!("case {i}: {e}"));
            assert_eq!(got.tag, *want, "case {i} ({})", policy.policy);
            assert_eq!(got.kept, *kept, "case {i} kept");
            assert_eq!(got.seen, tags.len(), "case {i} seen");
            assert_eq!(
                policy.select(tags.iter().rev()).unwrap().tag,
                *want,
                "case {i} reversed"
            );
        }
    }

    #[test]
    fn nothing_selected() {
        let cases = [
            (
                policy(semver(">=2"), None, &[]),
                "1.0.0 latest 1.9.9",
                "semver \">=2\"",
                2,
            ),
            (
                policy(Policy::Numerical(Order::Asc), None, &[]),
                "latest main",
                "numerical asc",
                0,
            ),
            (
                policy(Policy::Alphabetical(Order::Desc), None, &["."]),
                "a b",
                "alphabetical desc",
                0,
            ),
            (
                policy(
                    Policy::Alphabetical(Order::Asc),
                    Some(("^main-", None)),
                    &[],
                ),
                "dev-1",
                "alphabetical asc",
                0,
            ),
            (policy(semver("*"), None, &[]), "", "semver \"*\"", 0),
        ];
        for (policy, list, name, kept) in cases {
            let tags = tags(list);
            let err = policy.select(&tags).unwrap_err();
            assert_eq!(
                err,
                NoTagSelected {
                    policy: name.to_owned(),
                    seen: tags.len(),
                    kept
                }
            );
        }
        let err = policy(semver(">=2"), None, &[])
            .select(&tags("1.0.0 x"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no tag matches semver \">=2\": 2 tags seen, 1 left after exclude, filterTags and parsing"
        );
    }

    #[test]
    fn policy_errors() {
        assert!(matches!(
            Policy::semver(">= bar"),
            Err(crate::policy::PolicyError::InvalidConstraint { .. })
        ));
        assert!(matches!(
            "up".parse::<Order>(),
            Err(crate::policy::PolicyError::InvalidOrder(_))
        ));
        assert_eq!("DESC".parse::<Order>().unwrap(), Order::Desc);
        assert_eq!(semver(">=1.2 <2").to_string(), "semver \">=1.2 <2\"");
    }
}
