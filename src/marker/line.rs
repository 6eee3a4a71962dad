//! One line of YAML split into its parts: indentation, sequence dashes, key, the value's
//! byte range and quoting style, and the comment.
//!
//! Only single lines are looked at, so that Helm templates and other not-quite-YAML files
//! work: the caller decides which lines matter (those holding a marker, and candidate block
//! scalar headers). Offsets are within the line, which excludes its `\n` and `\r`. The
//! parser walks the line once, left to right, and never recurses.

use std::ops::Range;

use super::error::NoScalar;

/// How a scalar value is written on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    /// `key: value`.
    Plain,
    /// `key: 'value'`.
    SingleQuoted,
    /// `key: "value"`.
    DoubleQuoted,
    /// `key:` with no value (a null scalar): the new value is inserted after `:`.
    Empty,
}

/// A scalar value found on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScalarSpan {
    /// The value as written, quotes included; for [`ScalarStyle::Empty`], the empty range
    /// right after the `:`, `-` or property where a value is inserted.
    pub range: Range<usize>,
    /// How it is written.
    pub style: ScalarStyle,
    /// The column of the key (or of the dash for `- value`) the value belongs to: lines
    /// indented more than it below an empty value make the value a nested collection.
    pub node_col: usize,
    /// `key: value` rather than `- value` (a key's value may also be a sequence at the
    /// key's own column).
    pub keyed: bool,
}

/// What a line holds, as far as markers care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Content {
    /// Only whitespace, perhaps followed by a comment.
    Blank,
    /// A `---` or `...` document marker line (`--- |` is a [`Content::BlockHeader`]).
    Document,
    /// A single-line scalar value.
    Scalar(ScalarSpan),
    /// A block scalar header (`key: |`, `- >-`, `--- |`). Its content is the following
    /// lines that are blank or indented at least as much as its content indentation: given
    /// by an indentation indicator (`|2`: `parent + 2`), else by its first non-blank line,
    /// which must be indented more than `parent` (the key's or dash's column, -1 for `--- |`).
    BlockHeader {
        /// Column of the node owning the block scalar.
        parent: isize,
        /// The indentation indicator's value, if any.
        explicit: Option<usize>,
    },
    /// Something else (a nested collection, an alias, a continuation line…).
    Other(NoScalar),
}

/// A line split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedLine {
    /// Offset of the `#` starting the line's comment, if there is one.
    pub comment: Option<usize>,
    /// What the line holds.
    pub content: Content,
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && is_ws(line[i]) {
        i += 1;
    }
    i
}

/// Whether `line[i]` is an indicator (`-`, `?`, `:`) standing alone: followed by
/// whitespace or the end of the line.
fn lone_indicator(line: &[u8], i: usize, indicator: u8) -> bool {
    line.get(i) == Some(&indicator) && line.get(i + 1).is_none_or(|&b| is_ws(b))
}

/// The offset just past the closing quote of the quoted scalar opening at `start`, or
/// `None` when it does not close on this line.
fn quoted_end(line: &[u8], start: usize) -> Option<usize> {
    let quote = line[start];
    let mut i = start + 1;
    while i < line.len() {
        match line[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && line.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The offset of the comment's `#` at or after `from`: a `#` at the start of the line or
/// after whitespace, outside quoted scalars.
pub(crate) fn find_comment(line: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < line.len() {
        let b = line[i];
        let after_gap = i == 0 || is_ws(line[i - 1]);
        match b {
            b'#' if after_gap => return Some(i),
            b'"' | b'\'' if i == 0 || matches!(line[i - 1], b' ' | b'\t' | b'[' | b'{' | b',') => {
                match quoted_end(line, i) {
                    Some(end) => i = end,
                    None => return None,
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Splits one line (without its line break).
pub(crate) fn parse_line(line: &[u8]) -> ParsedLine {
    // A byte order mark opens the first line of some files; it is not part of any token.
    let bom = if line.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let start = skip_ws(line, bom);
    if start == line.len() || line[start] == b'#' {
        return ParsedLine {
            comment: (start < line.len()).then_some(start),
            content: Content::Blank,
        };
    }
    if start == 0
        && (line.starts_with(b"---") || line.starts_with(b"..."))
        && line.get(3).is_none_or(|&b| is_ws(b))
    {
        let rest = skip_ws(line, 3);
        return ParsedLine {
            comment: find_comment(line, rest),
            content: match line.get(rest) {
                Some(b'|' | b'>') => block_header(line, rest, -1),
                _ => Content::Document,
            },
        };
    }

    // Sequence entries, including compact nested ones (`- - x`).
    let mut i = start;
    let mut dash = None;
    while lone_indicator(line, i, b'-') {
        dash = Some(i);
        i = skip_ws(line, i + 1);
    }
    if let Some(d) = dash
        && (i == line.len() || line[i] == b'#')
    {
        return value_at(line, d + 1, d, false);
    }

    // A key: quoted or plain, ended by `:` and whitespace (or the end of the line).
    let key_col = i;
    match line[i] {
        b'?' if lone_indicator(line, i, b'?') => return other(line, i, NoScalar::Unsupported),
        b'"' | b'\'' => {
            let Some(end) = quoted_end(line, i) else {
                return other(line, line.len(), NoScalar::MultiLineQuoted);
            };
            let colon = skip_ws(line, end);
            if lone_indicator(line, colon, b':') {
                return value_at(line, colon + 1, key_col, true);
            }
        }
        // `{{` opens a template expression (Helm), which may be a key like any plain text.
        b'{' if line[i..].starts_with(b"{{") => {
            if let Some(colon) = plain_key_end(line, i) {
                return value_at(line, colon + 1, key_col, true);
            }
        }
        b'[' | b'{' | b'|' | b'>' | b'*' | b'&' | b'!' => {}
        _ => {
            if let Some(colon) = plain_key_end(line, i) {
                return value_at(line, colon + 1, key_col, true);
            }
        }
    }
    match dash {
        Some(d) => value_at(line, d + 1, d, false),
        None => other(line, i, NoScalar::NotKeyOrEntry),
    }
}

/// The offset of the `:` ending a plain key starting at `i`: the first `:` followed by
/// whitespace or the end of the line, before any comment.
fn plain_key_end(line: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < line.len() {
        match line[j] {
            b':' if line.get(j + 1).is_none_or(|&b| is_ws(b)) => return Some(j),
            b'#' if j > 0 && is_ws(line[j - 1]) => return None,
            _ => j += 1,
        }
    }
    None
}

fn other(line: &[u8], from: usize, reason: NoScalar) -> ParsedLine {
    ParsedLine {
        comment: find_comment(line, from),
        content: Content::Other(reason),
    }
}

/// Parses the value that starts after the indicator ending at `after` (a key's `:` or an
/// entry's `-`), owned by the node at column `node_col`.
fn value_at(line: &[u8], after: usize, node_col: usize, keyed: bool) -> ParsedLine {
    let mut insert_at = after;
    let mut p = skip_ws(line, after);
    // Properties (`&anchor`, `!tag`) stay in place before the value.
    while p < line.len() && matches!(line[p], b'&' | b'!') {
        let mut end = p;
        while end < line.len() && !is_ws(line[end]) {
            end += 1;
        }
        insert_at = end;
        p = skip_ws(line, end);
    }
    let scalar = |range: Range<usize>, style: ScalarStyle, comment: Option<usize>| ParsedLine {
        comment,
        content: Content::Scalar(ScalarSpan {
            range,
            style,
            node_col,
            keyed,
        }),
    };
    if p == line.len() || (line[p] == b'#' && p > insert_at) {
        let comment = (p < line.len()).then_some(p);
        return scalar(insert_at..insert_at, ScalarStyle::Empty, comment);
    }
    match line[p] {
        b'|' | b'>' => ParsedLine {
            comment: find_comment(line, p),
            content: block_header(line, p, node_col as isize),
        },
        b'[' | b'{' if !line[p..].starts_with(b"{{") => other(line, p, NoScalar::FlowCollection),
        b'*' => other(line, p, NoScalar::Alias),
        b'"' | b'\'' => {
            let Some(end) = quoted_end(line, p) else {
                return other(line, line.len(), NoScalar::MultiLineQuoted);
            };
            let after = skip_ws(line, end);
            let style = if line[p] == b'"' {
                ScalarStyle::DoubleQuoted
            } else {
                ScalarStyle::SingleQuoted
            };
            if after == line.len() {
                scalar(p..end, style, None)
            } else if line[after] == b'#' && after > end {
                scalar(p..end, style, Some(after))
            } else {
                other(line, after, NoScalar::TrailingText)
            }
        }
        _ if lone_indicator(line, p, b'-')
            || lone_indicator(line, p, b'?')
            || lone_indicator(line, p, b':') =>
        {
            other(line, p, NoScalar::InvalidPlain)
        }
        _ => {
            let comment = find_plain_comment(line, p);
            let mut end = comment.unwrap_or(line.len());
            while end > p && is_ws(line[end - 1]) {
                end -= 1;
            }
            let value = &line[p..end];
            // A template expression (`{{ … }}`) may hold anything; the marker says it is
            // the value to replace.
            let template = value.starts_with(b"{{");
            let colon_gap = value.windows(2).any(|w| w[0] == b':' && is_ws(w[1]));
            if !template && (colon_gap || value.ends_with(b":")) {
                return ParsedLine {
                    comment,
                    content: Content::Other(NoScalar::InvalidPlain),
                };
            }
            scalar(p..end, ScalarStyle::Plain, comment)
        }
    }
}

/// The header whose `|` or `>` is at `at`, with its indicators (`|-2`, `>+`, `|2-`).
fn block_header(line: &[u8], at: usize, parent: isize) -> Content {
    let explicit = line[at + 1..]
        .iter()
        .take(2)
        .take_while(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'))
        .find(|b| b.is_ascii_digit())
        .map(|b| usize::from(b - b'0'));
    Content::BlockHeader { parent, explicit }
}

/// The comment after a plain scalar: the first `#` after whitespace (quotes inside a plain
/// scalar are ordinary characters).
fn find_plain_comment(line: &[u8], from: usize) -> Option<usize> {
    (from + 1..line.len()).find(|&i| line[i] == b'#' && is_ws(line[i - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, value as written or a shape tag, style, comment text).
    fn show(line: &str) -> String {
        let parsed = parse_line(line.as_bytes());
        let comment = parsed.comment.map(|c| &line[c..]).unwrap_or("");
        let shape = match &parsed.content {
            Content::Blank => "blank".to_owned(),
            Content::Document => "document".to_owned(),
            Content::Scalar(s) => format!(
                "{:?} {:?} @{} node={} keyed={}",
                s.style,
                &line[s.range.clone()],
                s.range.start,
                s.node_col,
                s.keyed
            ),
            Content::BlockHeader { parent, explicit } => {
                format!("block parent={parent} explicit={explicit:?}")
            }
            Content::Other(reason) => format!("other {reason:?}"),
        };
        format!("{shape} | {comment}")
    }

    #[test]
    fn shapes() {
        let cases = [
            (
                "image: nginx:1.0 # m",
                r#"Plain "nginx:1.0" @7 node=0 keyed=true | # m"#,
            ),
            (
                "  image: nginx:1.0\t# m",
                r#"Plain "nginx:1.0" @9 node=2 keyed=true | # m"#,
            ),
            (
                "- nginx:1.0 # m",
                r#"Plain "nginx:1.0" @2 node=0 keyed=false | # m"#,
            ),
            (
                "  - image: nginx # m",
                r#"Plain "nginx" @11 node=4 keyed=true | # m"#,
            ),
            (
                "- - nginx # m",
                r#"Plain "nginx" @4 node=2 keyed=false | # m"#,
            ),
            (
                "key: &a nginx # m",
                r#"Plain "nginx" @8 node=0 keyed=true | # m"#,
            ),
            (
                "key: !!str &a 1.10 # m",
                r#"Plain "1.10" @14 node=0 keyed=true | # m"#,
            ),
            (
                r#"key: "a # b" # m"#,
                r#"DoubleQuoted "\"a # b\"" @5 node=0 keyed=true | # m"#,
            ),
            (r#"key: "a \" # b"#, "other MultiLineQuoted | "),
            (
                r#"key: "a \\" # b"#,
                r#"DoubleQuoted "\"a \\\\\"" @5 node=0 keyed=true | # b"#,
            ),
            (
                "key: 'it''s' # m",
                r#"SingleQuoted "'it''s'" @5 node=0 keyed=true | # m"#,
            ),
            (
                r#""my key": v # m"#,
                r#"Plain "v" @10 node=0 keyed=true | # m"#,
            ),
            ("'k: #x': v #m", r#"Plain "v" @9 node=0 keyed=true | #m"#),
            ("my key: v", r#"Plain "v" @8 node=0 keyed=true | "#),
            ("key: a#b # m", r#"Plain "a#b" @5 node=0 keyed=true | # m"#),
            ("key: value#m", r#"Plain "value#m" @5 node=0 keyed=true | "#),
            (
                "key: http://x:80/y   ",
                r#"Plain "http://x:80/y" @5 node=0 keyed=true | "#,
            ),
            ("digest: # m", r#"Empty "" @7 node=0 keyed=true | # m"#),
            ("digest:", r#"Empty "" @7 node=0 keyed=true | "#),
            ("digest: &a # m", r#"Empty "" @10 node=0 keyed=true | # m"#),
            ("- # m", r#"Empty "" @1 node=0 keyed=false | # m"#),
            (
                "newTag: 1.0 #{\"$imagescan\":\"a\"}",
                r#"Plain "1.0" @8 node=0 keyed=true | #{"$imagescan":"a"}"#,
            ),
            ("key: | # m", "block parent=0 explicit=None | # m"),
            ("  key: >-2", "block parent=2 explicit=Some(2) | "),
            ("  key: |2+ # c", "block parent=2 explicit=Some(2) | # c"),
            ("- |", "block parent=0 explicit=None | "),
            ("- key: |+", "block parent=2 explicit=None | "),
            ("--- |", "block parent=-1 explicit=None | "),
            ("--- >1", "block parent=-1 explicit=Some(1) | "),
            ("--- # x", "document | # x"),
            ("---", "document | "),
            ("...", "document | "),
            ("----: x", r#"Plain "x" @6 node=0 keyed=true | "#),
            ("key: [a, b] # m", "other FlowCollection | # m"),
            ("key: {a: b} # m", "other FlowCollection | # m"),
            (
                "key: {{ .Values.x }} # m",
                r#"Plain "{{ .Values.x }}" @5 node=0 keyed=true | # m"#,
            ),
            (
                "image: {{ .Values.repo }}:{{ .Values.tag | default \"a: b\" }} # m",
                r#"Plain "{{ .Values.repo }}:{{ .Values.tag | default \"a: b\" }}" @7 node=0 keyed=true | # m"#,
            ),
            (
                "{{ .Values.key }}: v # m",
                r#"Plain "v" @19 node=0 keyed=true | # m"#,
            ),
            (
                "- {{ .Values.x }} # m",
                r#"Plain "{{ .Values.x }}" @2 node=0 keyed=false | # m"#,
            ),
            ("key: {a: {{ x }}} # m", "other FlowCollection | # m"),
            ("key: *ref # m", "other Alias | # m"),
            ("key: \"open # m", "other MultiLineQuoted | "),
            ("key: \"a\"b # m", "other TrailingText | # m"),
            ("key: a: b # m", "other InvalidPlain | # m"),
            ("key: - x # m", "other InvalidPlain | # m"),
            ("continued text # m", "other NotKeyOrEntry | # m"),
            ("? complex # m", "other Unsupported | # m"),
            ("   # only a comment", "blank | # only a comment"),
            ("\t# tab comment", "blank | # tab comment"),
            ("", "blank | "),
            ("    ", "blank | "),
            ("{{- if .Values.x }}", "other NotKeyOrEntry | "),
            (
                "\u{feff}# {\"$imagescan\": \"a\"}",
                "blank | # {\"$imagescan\": \"a\"}",
            ),
            ("\u{feff}k: v", r#"Plain "v" @6 node=3 keyed=true | "#),
        ];
        for (line, want) in cases {
            assert_eq!(show(line), want, "{line:?}");
        }
    }

    #[test]
    fn comments_outside_quotes() {
        let cases = [
            ("a # b", Some(2)),
            ("a#b", None),
            ("# b", Some(0)),
            (r#"- "x # y" # z"#, Some(10)),
            (r#"- 'x '' # y' # z"#, Some(13)),
            (r#"- "open # z"#, None),
            ("a\t#b", Some(2)),
        ];
        for (line, want) in cases {
            assert_eq!(find_comment(line.as_bytes(), 0), want, "{line:?}");
        }
    }
}
