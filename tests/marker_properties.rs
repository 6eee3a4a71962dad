//! Property tests of the marker engine (issue 13), in the ordinary test run: thousands
//! of values from a small deterministic generator (fragments chosen to hit YAML's
//! implicit types, indicators, quotes, escapes and non-ASCII text, glued at random).
//!
//! 1. A value written by the engine ([`encode`] for every scalar style) reads back as
//!    exactly that string under YAML 1.2 (saphyr) and under YAML 1.1: a plain scalar the
//!    engine leaves unquoted must not match any implicit type of yaml.org/type (bool,
//!    null, int, float, timestamp, merge, value), checked by patterns written here,
//!    independent of `src/marker/quoting.rs`.
//! 2. Editing a file with the engine ([`apply`]) and finding its markers again
//!    ([`find_markers`]) gives the same markers, each holding the value written.

use imagescan::marker::{Edit, ScalarStyle, apply, encode, find_markers};
use regex::Regex;
use saphyr::{LoadableYamlNode, Scalar, Yaml};

/// xorshift64*: the same values on every run, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "true",
    "True",
    "FALSE",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "N",
    "null",
    "Null",
    "~",
    "0",
    "7",
    "012",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "190:20:30",
    "1.5",
    "1.",
    ".5",
    "1e3",
    "1.5e+3",
    "-",
    "+",
    ".inf",
    "-.Inf",
    ".NaN",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "T",
    "Z",
    "<<",
    "=",
    "v1.2.3",
    "1.27.1",
    "main-1700000000",
    "nginx",
    "registry.example.com/team/app",
    "@sha256:",
    "abc123",
    ":",
    ": ",
    " #",
    "#",
    " ",
    "\t",
    "'",
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a",
    "*a",
    "!tag",
    "|",
    ">",
    "%",
    "@",
    "`",
    "?",
    "? ",
    "- ",
    "---",
    "...",
    "é",
    "日本",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "\n",
    "\r",
    "\u{7}",
    "\u{0}",
    "",
];

/// A value of 0 to 4 fragments.
fn value(rng: &mut Rng) -> String {
    (0..rng.below(5))
        .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
        .collect()
}

/// The implicit types of YAML 1.1 (yaml.org/type/{bool,null,int,float,timestamp,merge,
/// value}). Float follows the implementations (PyYAML, go-yaml v2, libyaml users) rather
/// than the page's pattern `[0-9.]*`, which would make every `1.5.0` a float — no YAML
/// 1.1 parser reads it so.
fn yaml11_non_string() -> Vec<Regex> {
    [
        r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        r"^(?:~|null|Null|NULL|)$",
        r"^[-+]?0b[0-1_]+$",
        r"^[-+]?0[0-7_]+$",
        r"^[-+]?(?:0|[1-9][0-9_]*)$",
        r"^[-+]?0x[0-9a-fA-F_]+$",
        r"^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$",
        r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$",
        r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$",
        r"^[-+]?\.(?:inf|Inf|INF)$",
        r"^\.(?:nan|NaN|NAN)$",
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*Z|[ \t]*[-+][0-9]{1,2}(?::[0-9]{2})?)?$",
        r"^(?:<<|=)$",
    ]
    .iter()
    .map(|p| Regex::new(p).unwrap())
    .collect()
}

/// The string that `key:<written>` holds under YAML 1.2, or why it is not one.
fn read_back_12(written: &str) -> Result<String, String> {
    let doc = format!("key:{written} # {{\"$imagescan\": \"app\"}}\n");
    let docs = Yaml::load_from_str(&doc).map_err(|e| format!("{doc:?}: {e}"))?;
    let Some(map) = docs.first().and_then(Yaml::as_mapping) else {
        return Err(format!("{doc:?}: not a mapping"));
    };
    match map.values().next() {
        Some(Yaml::Value(Scalar::String(s))) => Ok(s.to_string()),
        other => Err(format!("{doc:?}: {other:?}")),
    }
}

const STYLES: [(ScalarStyle, &str); 4] = [
    (ScalarStyle::Plain, " old"),
    (ScalarStyle::SingleQuoted, " 'old'"),
    (ScalarStyle::DoubleQuoted, " \"old\""),
    (ScalarStyle::Empty, ""),
];

#[test]
fn written_values_read_back_as_the_same_string_in_yaml_1_1_and_1_2() {
    let yaml11 = yaml11_non_string();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut plain = 0;
    for _ in 0..4000 {
        let value = value(&mut rng);
        for (style, _) in STYLES {
            let written = encode(style, &value);
            // Plain and empty styles write a separating space themselves when needed.
            let written = match style {
                ScalarStyle::Empty => written.into_owned(),
                _ => format!(" {written}"),
            };
            assert_eq!(
                read_back_12(&written).as_deref(),
                Ok(value.as_str()),
                "{style:?} {value:?}"
            );
            let text = written.trim_start_matches(' ');
            if !text.starts_with(['"', '\'']) {
                plain += 1;
                assert!(
                    !yaml11.iter().any(|re| re.is_match(text)),
                    "{value:?} left plain but YAML 1.1 reads it as a non-string"
                );
            }
        }
    }
    // The generator reaches both branches: the property is not vacuous.
    assert!(plain > 1000, "only {plain} plain values");
}

#[test]
fn the_yaml_1_1_patterns_know_the_classic_cases() {
    let yaml11 = yaml11_non_string();
    let is_non_string = |v: &str| yaml11.iter().any(|re| re.is_match(v));
    for v in [
        "yes",
        "Off",
        "~",
        "",
        "0x1F",
        "012",
        "190:20:30",
        "1.5",
        ".inf",
        "2001-12-14",
        "<<",
    ] {
        assert!(is_non_string(v), "{v}");
    }
    for v in [
        "1.5.0",
        "v1",
        "main-1700000000",
        "nginx",
        "0x",
        "yes please",
    ] {
        assert!(!is_non_string(v), "{v}");
    }
}

#[test]
fn editing_then_finding_again_gives_the_values_written() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for round in 0..500 {
        // A file of 1 to 6 markers, each scalar in a random style, line or head comment.
        let mut text = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
        for i in 0..1 + rng.below(6) {
            let (_, old) = STYLES[rng.below(STYLES.len())];
            if rng.below(2) == 0 {
                text.push_str(&format!("  k{i}:{old} # {{\"$imagescan\": \"s{i}\"}}\n"));
            } else {
                text.push_str(&format!(
                    "  # {{\"$imagescan\": \"s{i}:tag\"}}\n  k{i}:{old}\n"
                ));
            }
        }
        let markers = find_markers(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let values: Vec<String> = markers.iter().map(|_| value(&mut rng)).collect();
        let edits: Vec<Edit<'_>> = markers
            .iter()
            .zip(&values)
            .map(|(marker, new_value)| Edit { marker, new_value })
            .collect();
        let mut out = Vec::new();
        apply(text.as_bytes(), &edits, &mut out).unwrap();
        let again = find_markers(&out).unwrap_or_else(|e| {
            panic!("round {round}: {:?}\n{e:?}", String::from_utf8_lossy(&out))
        });
        assert_eq!(again.len(), markers.len(), "round {round}");
        for ((before, after), written) in markers.iter().zip(&again).zip(&values) {
            let what = format!("round {round}: {:?}", String::from_utf8_lossy(&out));
            assert_eq!(&after.value, written, "{what}");
            assert_eq!(
                (after.line, after.comment_line, &after.scan, after.form),
                (before.line, before.comment_line, &before.scan, before.form),
                "{what}"
            );
        }
    }
}
