//! Scalar quoting: whether a value may be written plain, and the quote / unquote of single-
//! and double-quoted scalars.
//!
//! A plain scalar must read back as the same *string* under YAML 1.2 (core schema) and
//! under YAML 1.1 as Kubernetes' and Python's parsers implement it; otherwise it is written
//! double-quoted. The YAML 1.1 float regex of the spec text (`[0-9.]*` after the dot) would
//! make every `1.5.0` tag a float; no parser implements that (PyYAML, SnakeYAML and go-yaml
//! all read `1.5.0` as a string), so the implemented one (`[0-9_]*`) is used. This module
//! knows nothing about lines or markers.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::RegexSet;

/// Plain values that YAML 1.1 or 1.2 resolve to something other than a string.
static NON_STRING: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        // null (1.1 and 1.2)
        r"^(?:~|null|Null|NULL)$",
        // bool: 1.2 core, plus 1.1's y/n/yes/no/on/off
        r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        // int: 1.2 decimal, octal, hex
        r"^[-+]?[0-9]+$",
        r"^[-+]?0[oO][0-7_]+$",
        r"^[-+]?0[xX][0-9a-fA-F_]+$",
        // int: 1.1 binary, octal with leading 0, decimal with underscores, sexagesimal
        r"^[-+]?0[bB][01_]+$",
        r"^[-+]?0[0-7_]+$",
        r"^[-+]?(?:0|[1-9][0-9_]*)$",
        r"^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$",
        // float: 1.2 core
        r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$",
        r"^[-+]?\.(?:inf|Inf|INF)$",
        r"^\.(?:nan|NaN|NAN)$",
        // float: 1.1 with underscores, leading dot, sexagesimal
        r"^[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?$",
        r"^[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?$",
        r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$",
        // timestamp (1.1)
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$",
        // merge key and value key (1.1)
        r"^(?:<<|=)$",
    ])
    .expect("the resolution patterns are valid")
});

/// Whether `value`, written as a plain scalar in block context, would fail to read back as
/// the same string: not a valid plain scalar, or resolved as null, bool, int, float or
/// timestamp by YAML 1.1 or 1.2.
pub fn needs_quotes(value: &str) -> bool {
    !is_valid_plain(value) || resolves_to_non_string(value)
}

/// Whether YAML 1.1 or 1.2 resolves this plain text to a non-string.
fn resolves_to_non_string(value: &str) -> bool {
    // Every non-string starts with one of these bytes; image references rarely do, which
    // keeps the regex set off the common path.
    let Some(&first) = value.as_bytes().first() else {
        return true;
    };
    // Version tags such as `1.5.0` hold two dots; no number or timestamp does.
    if value.bytes().filter(|&b| b == b'.').nth(1).is_some() {
        return false;
    }
    matches!(
        first,
        b'0'..=b'9'
            | b'-'
            | b'+'
            | b'.'
            | b'~'
            | b'<'
            | b'='
            | b'n'
            | b'N'
            | b'y'
            | b'Y'
            | b't'
            | b'T'
            | b'f'
            | b'F'
            | b'o'
            | b'O'
    ) && NON_STRING.is_match(value)
}

/// Whether `value` can be written as a plain scalar in block context at all (YAML 1.2
/// `ns-plain` with no line breaks), independent of how it resolves.
fn is_valid_plain(value: &str) -> bool {
    let bytes = value.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let last = bytes[bytes.len() - 1];
    if matches!(first, b' ' | b'\t') || matches!(last, b' ' | b'\t' | b':') {
        return false;
    }
    match first {
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => return false,
        // `-`, `?`, `:` start a plain scalar only when a non-space follows.
        b'-' | b'?' | b':' if bytes.len() == 1 || matches!(bytes[1], b' ' | b'\t') => return false,
        _ => {}
    }
    if value
        .chars()
        .any(|c| c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}')
    {
        return false;
    }
    !(value.contains(": ")
        || value.contains(":\t")
        || value.contains(" #")
        || value.contains("\t#"))
}

/// `value` as a double-quoted scalar, quotes included.
pub fn double_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as a single-quoted scalar, quotes included; `None` when single quotes cannot
/// hold it (line breaks and other control characters need double-quote escapes).
pub fn single_quote(value: &str) -> Option<String> {
    if value
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}' || c == '\u{feff}')
    {
        return None;
    }
    Some(format!("'{}'", value.replace('\'', "''")))
}

/// The value of a single-quoted scalar's inner text (between the quotes).
pub fn unquote_single(inner: &str) -> Cow<'_, str> {
    if inner.contains("''") {
        Cow::Owned(inner.replace("''", "'"))
    } else {
        Cow::Borrowed(inner)
    }
}

/// The value of a double-quoted scalar's inner text (between the quotes). Unknown or
/// truncated escapes are kept as written: the old value is only reported, never parsed.
pub fn unquote_double(inner: &str) -> Cow<'_, str> {
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((at, e)) = chars.next() else {
            out.push('\\');
            break;
        };
        let simple = match e {
            '0' => Some('\0'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            't' | '\t' => Some('\t'),
            'n' => Some('\n'),
            'v' => Some('\u{b}'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            ' ' => Some(' '),
            '"' => Some('"'),
            '/' => Some('/'),
            '\\' => Some('\\'),
            'N' => Some('\u{85}'),
            '_' => Some('\u{a0}'),
            'L' => Some('\u{2028}'),
            'P' => Some('\u{2029}'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let width = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        let start = at + 1;
        let decoded = inner
            .get(start..start + width)
            .filter(|_| width > 0)
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(ch) => {
                out.push(ch);
                for _ in 0..width {
                    chars.next();
                }
            }
            None => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_stay_plain() {
        for v in [
            "nginx",
            "nginx:1.27.1",
            "registry.example.com/team/app:1.5.0",
            "public.ecr.aws/nginx/nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "1.5.0",
            "1.5.0-rc.1",
            "v1.10",
            "0.0.0-50",
            "1.2.3@sha256:abc",
            "latest",
            "main-20240315",
            "2024-03-15-abc",
            "-foo",
            "a#b",
            "localhost:5000/app:1",
            "nope",
            "onion",
            "y1",
            "0x1G",
            "1e",
            "10:70",
            "12:3a",
        ] {
            assert!(!needs_quotes(v), "{v:?} should stay plain");
        }
    }

    #[test]
    fn non_strings_and_invalid_plains_are_quoted() {
        for v in [
            "",
            "~",
            "null",
            "Null",
            "NULL",
            "true",
            "False",
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "N",
            "0",
            "42",
            "-7",
            "+7",
            "0o17",
            "0x1F",
            "0X1f",
            "0b1010",
            "017",
            "1_000",
            "1:20",
            "190:20:30",
            "1.10",
            "1.5",
            "1.",
            ".5",
            "1e3",
            "1E+3",
            "-1.5e-3",
            ".inf",
            "-.Inf",
            "+.INF",
            ".nan",
            ".NaN",
            "1_0.5",
            "190:20:30.15",
            "2024-03-15",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "2001-12-15T02:59:43.1Z",
            "<<",
            "=",
            "- x",
            "-",
            "? x",
            ":",
            "a: b",
            "a:\tb",
            "ends:",
            "a #b",
            "a\t#b",
            " lead",
            "trail ",
            "[x]",
            "{x}",
            "#x",
            "&a",
            "*a",
            "!t",
            "|",
            ">",
            "'q",
            "\"q",
            "%x",
            "@x",
            "`x",
            ",x",
            "a\nb",
            "a\u{7}b",
        ] {
            assert!(needs_quotes(v), "{v:?} should be quoted");
        }
    }

    #[test]
    fn double_quoting_escapes() {
        let cases = [
            ("nginx", r#""nginx""#),
            (r#"a"b"#, r#""a\"b""#),
            (r"a\b", r#""a\\b""#),
            ("a\nb\tc", r#""a\nb\tc""#),
            ("a\u{1}b", r#""a\x01b""#),
        ];
        for (v, want) in cases {
            assert_eq!(double_quote(v), want);
            let inner = &want[1..want.len() - 1];
            assert_eq!(unquote_double(inner), v, "round trip {want}");
        }
    }

    #[test]
    fn single_quoting_doubles_quotes() {
        assert_eq!(single_quote("it's").as_deref(), Some("'it''s'"));
        assert_eq!(single_quote("nginx:1").as_deref(), Some("'nginx:1'"));
        assert_eq!(single_quote("a\nb"), None);
        assert_eq!(unquote_single("it''s"), "it's");
        assert_eq!(unquote_single("plain"), "plain");
    }

    #[test]
    fn double_unquoting_handles_escapes() {
        let cases = [
            (r"\u00e9t\u00E9", "été"),
            (r"\x41\U0001F600", "A😀"),
            (r"\/\ \_", "/ \u{a0}"),
            (r"bad\q", r"bad\q"),
            (r"short\x4", r"short\x4"),
            ("trailing\\", "trailing\\"),
        ];
        for (inner, want) in cases {
            assert_eq!(unquote_double(inner), want, "{inner}");
        }
    }
}
