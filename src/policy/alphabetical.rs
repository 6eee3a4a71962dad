//! The alphabetical policy's order: plain byte-wise comparison of the tag (or extracted
//! value), with no locale, case folding or natural-number ordering — `v10` sorts before
//! `v9`. Use `numerical` or `semver` when numbers matter. No tag logic lives here.

use std::cmp::Ordering;

/// Byte-wise order of two values.
pub fn compare(a: &str, b: &str) -> Ordering {
    a.as_bytes().cmp(b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_wise() {
        let cases = [
            ("a", "b", Ordering::Less),
            ("B", "a", Ordering::Less),
            ("v10", "v9", Ordering::Less),
            ("1.0", "1.0-rc", Ordering::Less),
            ("é", "z", Ordering::Greater),
            ("same", "same", Ordering::Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
        }
    }
}
