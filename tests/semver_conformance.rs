//! The upstream Masterminds/semver v3 test tables, loaded as they are from
//! testdata/conformance/masterminds/, and every row checked against our implementation.
//! Each test collects all disagreeing rows before failing, so one run shows them all.

use std::cmp::Ordering;
use std::path::PathBuf;

use imagescan::policy::semver::{Constraints, Version};

fn table_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/conformance/masterminds")
        .join(name)
}

/// Undoes the tables' two escapes: `\n` (newline) and `\\` (backslash).
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('\\') => out.push('\\'),
                other => panic!("unknown escape \\{other:?} in {field:?}"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Rows of a TSV table after its header, checking the header and the column count.
fn rows(name: &str, header: &[&str]) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(table_path(name)).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    assert_eq!(head, header, "{name}: header");
    let rows: Vec<Vec<String>> = lines
        .map(|line| {
            let fields: Vec<String> = line.split('\t').map(unescape).collect();
            assert_eq!(fields.len(), header.len(), "{name}: row {line:?}");
            fields
        })
        .collect();
    assert!(!rows.is_empty(), "{name} has no rows");
    rows
}

fn boolean(field: &str) -> bool {
    match field {
        "true" => true,
        "false" => false,
        other => panic!("not a boolean: {other:?}"),
    }
}

fn finish(name: &str, total: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{name}: {} of {total} rows disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_table(name: &str, include_prerelease: bool) {
    let rows = rows(name, &["constraint", "version", "expected"]);
    let mut failures = Vec::new();
    for row in &rows {
        let (constraint, version, expected) = (&row[0], &row[1], boolean(&row[2]));
        let constraints = match Constraints::parse(constraint) {
            Ok(c) => c.with_include_prerelease(include_prerelease),
            Err(e) => {
                failures.push(format!("{constraint:?}: does not parse: {e}"));
                continue;
            }
        };
        let version = match Version::parse(version) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{version:?}: does not parse: {e}"));
                continue;
            }
        };
        let got = constraints.matches(&version);
        if got != expected {
            failures.push(format!(
                "{constraint:?} / {version}: got {got}, want {expected}"
            ));
        }
    }
    finish(name, rows.len(), &failures);
}

#[test]
fn check() {
    check_table("masterminds_check.tsv", false);
}

#[test]
fn check_include_prerelease() {
    check_table("masterminds_check_include_prerelease.tsv", true);
}

#[test]
fn bad_constraints() {
    let text = std::fs::read_to_string(table_path("masterminds_bad_constraints.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8);
    let accepted: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| Constraints::parse(line).is_ok())
        .collect();
    assert!(
        accepted.is_empty(),
        "accepted bad constraints: {accepted:?}"
    );
}

fn versions_table(name: &str, parse: fn(&str) -> Option<String>) {
    let rows = rows(name, &["input", "parses", "canonical"]);
    let mut failures = Vec::new();
    for row in &rows {
        let (input, parses, canonical) = (&row[0], boolean(&row[1]), &row[2]);
        let want = parses.then(|| canonical.clone());
        let got = parse(input);
        if got != want {
            failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
        }
    }
    finish(name, rows.len(), &failures);
}

#[test]
fn versions_loose() {
    versions_table("masterminds_versions.tsv", |s| {
        Version::parse(s).ok().map(|v| v.to_string())
    });
}

#[test]
fn versions_strict() {
    versions_table("masterminds_versions_strict.tsv", |s| {
        Version::parse_strict(s).ok().map(|v| v.to_string())
    });
}

#[test]
fn versions_nocoerce() {
    versions_table("masterminds_versions_nocoerce.tsv", |s| {
        Version::parse_no_coerce(s).ok().map(|v| v.to_string())
    });
}

#[test]
fn compare() {
    let rows = rows("masterminds_compare.tsv", &["v1", "v2", "op", "expected"]);
    let mut failures = Vec::new();
    for row in &rows {
        let (a, b) = (
            Version::parse(&row[0]).unwrap(),
            Version::parse(&row[1]).unwrap(),
        );
        let ord = a.precedence(&b);
        let got = match row[2].as_str() {
            "cmp" => match ord {
                Ordering::Less => "-1",
                Ordering::Equal => "0",
                Ordering::Greater => "1",
            }
            .to_owned(),
            op => {
                let holds = match op {
                    "lt" => ord.is_lt(),
                    "le" => ord.is_le(),
                    "gt" => ord.is_gt(),
                    "ge" => ord.is_ge(),
                    "eq" => ord.is_eq(),
                    other => panic!("unknown op {other:?}"),
                };
                holds.to_string()
            }
        };
        if got != row[3] {
            failures.push(format!(
                "{} {} {}: got {got}, want {}",
                row[0], row[2], row[1], row[3]
            ));
        }
    }
    finish("masterminds_compare.tsv", rows.len(), &failures);
}

#[test]
fn constraint_strings() {
    let rows = rows(
        "masterminds_constraint_strings.tsv",
        &["constraint", "string"],
    );
    let mut failures = Vec::new();
    for row in &rows {
        match Constraints::parse(&row[0]) {
            Ok(c) if c.to_string() == row[1] => {}
            Ok(c) => failures.push(format!(
                "{:?}: got {:?}, want {:?}",
                row[0],
                c.to_string(),
                row[1]
            )),
            Err(e) => failures.push(format!("{:?}: does not parse: {e}", row[0])),
        }
    }
    finish("masterminds_constraint_strings.tsv", rows.len(), &failures);
}
