//! The documentation lists every diagnostic code and no stale one: docs/configuration.md
//! the configuration codes, docs/markers.md the marker codes, each in its `| code |`
//! table.

use std::collections::BTreeSet;
use std::path::Path;

use imagescan::diagnostic::{Area, Code};

/// The codes in the first column of every `| code | meaning |` table of `page`.
fn documented(page: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(page);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut codes = BTreeSet::new();
    let mut in_table = false;
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 3 || !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if cells[1] == "code" {
            in_table = true;
            continue;
        }
        if !in_table || cells[1].starts_with("---") {
            continue;
        }
        // `a`, `b` (warning): every backticked word of the first cell.
        for (i, part) in cells[1].split('`').enumerate() {
            if i % 2 == 1 {
                codes.insert(part.to_owned());
            }
        }
    }
    assert!(!codes.is_empty(), "{page} has no `| code |` table");
    codes
}

fn codes_of(area: Area) -> BTreeSet<String> {
    Code::ALL
        .iter()
        .filter(|c| c.area() == area)
        .map(|c| c.as_str().to_owned())
        .collect()
}

fn assert_lists(page: &str, area: Area) {
    let docs = documented(page);
    let code = codes_of(area);
    let missing: Vec<_> = code.difference(&docs).collect();
    let stale: Vec<_> = docs.difference(&code).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "{page}: codes missing from the docs: {missing:?}; documented codes that do not exist: {stale:?}"
    );
}

#[test]
fn configuration_page_lists_every_configuration_code() {
    assert_lists("docs/configuration.md", Area::Config);
}

#[test]
fn markers_page_lists_every_marker_code() {
    assert_lists("docs/markers.md", Area::Marker);
}
