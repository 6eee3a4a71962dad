//! Golden tests of the marker engine: every `testdata/golden/markers/<case>/` holds an input file
//! `in.*` and either the expected output `out.*` (compared byte for byte) with the expected
//! `changes.txt`, or the expected `errors.txt`. Values come from the case's `values.json`
//! or the shared `testdata/golden/markers/values.json` (scan → image, tag, digest).
//!
//! `UPDATE_GOLDEN=1 cargo test --test markers_golden` rewrites the expected files (the
//! one update switch of every golden, tests/support/golden.rs); review the diff before
//! committing it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

mod support;

use imagescan::marker::{Edit, apply, find_markers};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resolved {
    image: String,
    tag: String,
    digest: Option<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/golden/markers")
}

fn values(case: &Path) -> BTreeMap<String, Resolved> {
    let own = case.join("values.json");
    let path = if own.exists() {
        own
    } else {
        root().join("values.json")
    };
    serde_json::from_slice(&fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The file in `case` whose name starts with `stem.`.
fn file(case: &Path, stem: &str) -> Option<PathBuf> {
    fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_stem().is_some_and(|s| s == stem) && p.extension().is_some())
}

/// Runs one case; returns the (path, expected, actual) triples to compare.
fn run(case: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let input_path = file(case, "in").unwrap_or_else(|| panic!("{}: no in.* file", case.display()));
    let input = fs::read(&input_path).unwrap();
    match find_markers(&input) {
        Err(errors) => {
            let mut text = String::new();
            for e in &errors {
                writeln!(text, "{} {} {}", e.line, e.code(), e.kind).unwrap();
            }
            vec![(case.join("errors.txt"), text.into_bytes())]
        }
        Ok(markers) => {
            let values = values(case);
            let new_values: Vec<String> = markers
                .iter()
                .map(|m| {
                    let v = values.get(&m.scan).unwrap_or_else(|| {
                        panic!(
                            "{}: line {}: undefined scan {}",
                            case.display(),
                            m.line,
                            m.scan
                        )
                    });
                    m.form.value(&v.image, &v.tag, v.digest.as_deref()).unwrap()
                })
                .collect();
            let edits: Vec<Edit<'_>> = markers
                .iter()
                .zip(&new_values)
                .map(|(marker, v)| Edit {
                    marker,
                    new_value: v,
                })
                .collect();
            let mut out = Vec::new();
            let changes = apply(&input, &edits, &mut out).unwrap();
            let mut text = String::new();
            for c in &changes {
                writeln!(
                    text,
                    "{} {}:{} {:?} -> {:?}",
                    c.line, c.scan, c.form, c.old_value, c.new_value
                )
                .unwrap();
            }
            let out_name = format!("out.{}", input_path.extension().unwrap().to_str().unwrap());
            vec![
                (case.join(out_name), out),
                (case.join("changes.txt"), text.into_bytes()),
            ]
        }
    }
}

#[test]
fn golden_cases() {
    let update = support::golden::updating();
    let mut cases: Vec<PathBuf> = fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "golden cases missing: {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        for (path, actual) in run(case) {
            if update {
                fs::write(&path, &actual).unwrap();
                continue;
            }
            match fs::read(&path) {
                Ok(expected) if expected == actual => {}
                Ok(expected) => failures.push(format!(
                    "{}: differs\n--- expected\n{}\n--- actual\n{}",
                    path.display(),
                    String::from_utf8_lossy(&expected),
                    String::from_utf8_lossy(&actual)
                )),
                Err(_) => failures.push(format!(
                    "{}: missing (expected file of the case's outcome)",
                    path.display()
                )),
            }
        }
        // An error case has no output, a resolved case no errors: a stray file means the
        // outcome flipped.
        let stray = if case.join("errors.txt").exists() && file(case, "out").is_some() {
            Some("both errors.txt and out.*")
        } else {
            None
        };
        if let Some(what) = stray {
            failures.push(format!("{}: {what}", case.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every leaf of a YAML tree with its path (keys and indexes, as text).
fn leaves(node: &saphyr::YamlOwned, path: String, out: &mut BTreeMap<String, saphyr::YamlOwned>) {
    use saphyr::YamlOwned;
    match node {
        YamlOwned::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(item, format!("{path}/{i}"), out);
            }
        }
        YamlOwned::Mapping(map) => {
            for (key, value) in map {
                leaves(value, format!("{path}/{key:?}"), out);
            }
        }
        leaf => {
            out.insert(path, leaf.clone());
        }
    }
}

fn load(path: &Path) -> Option<BTreeMap<String, saphyr::YamlOwned>> {
    use saphyr::LoadableYamlNode;
    let text = String::from_utf8(fs::read(path).ok()?).ok()?;
    let docs = saphyr::YamlOwned::load_from_str(&text).ok()?;
    let mut out = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        leaves(doc, format!("doc{i}"), &mut out);
    }
    Some(out)
}

/// Independent of the golden files' bytes: where the input is valid YAML (1.2, per saphyr),
/// the output parses too, and the only leaves that differ are strings holding the new
/// values — so nothing else moved and every new value reads back as a string.
#[test]
fn outputs_change_only_the_marked_scalars() {
    let mut checked = 0;
    let mut entries: Vec<PathBuf> = fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for case in entries.iter().filter(|p| p.is_dir()) {
        let (Some(input), Some(output)) = (file(case, "in"), file(case, "out")) else {
            continue;
        };
        let Some(before) = load(&input) else {
            continue; // Helm templates and other files that are not YAML before rendering
        };
        let after = load(&output)
            .unwrap_or_else(|| panic!("{}: output is not valid YAML", output.display()));
        let changes = fs::read_to_string(case.join("changes.txt")).unwrap();
        let new_values: Vec<String> = changes
            .lines()
            .map(|l| serde_json::from_str(l.split(" -> ").nth(1).unwrap()).unwrap())
            .collect();
        let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let mut differing = 0;
        for key in keys {
            let (old, new) = (before.get(key), after.get(key));
            if old == new {
                continue;
            }
            differing += 1;
            let new_string = new.and_then(|n| n.as_str());
            assert!(
                new_string.is_some_and(|s| new_values.iter().any(|v| v == s)),
                "{}: {key}: {old:?} -> {new:?} is not one of the new values",
                case.display()
            );
        }
        assert_eq!(
            differing > 0,
            !new_values.is_empty(),
            "{}: changes vs differing leaves",
            case.display()
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} cases were valid YAML");
}
