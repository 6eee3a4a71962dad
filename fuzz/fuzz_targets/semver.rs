//! Fuzz target: the Masterminds constraint and version parsers. The input's first line
//! is a constraint, the rest a version; both are parsed and, when valid, matched.
#![no_main]

use std::cmp::Ordering;

use imagescan::policy::semver::{Constraints, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (constraint, version) = text.split_once('\n').unwrap_or((text, text));
    let constraints = Constraints::parse(constraint).ok();
    for parsed in [
        Version::parse(version),
        Version::parse_no_coerce(version),
        Version::parse_strict(version),
    ] {
        let Ok(v) = parsed else { continue };
        assert_eq!(v.precedence(&v), Ordering::Equal);
        if let Some(c) = &constraints {
            let _ = c.matches(&v);
            let _ = c.clone().with_include_prerelease(true).matches(&v);
        }
    }
});
