//! Locating markers in a file's bytes: which scalars are controlled by which scan and form.
//!
//! Cost model: a file without `$imagescan` costs one `memmem` pass and no allocation. With
//! candidates, only their lines are parsed, plus one forward pass from the `---` opening
//! the first candidate's document to the last candidate, to tell block scalar content
//! (never a marker) from comments; it jumps between lines holding `|` or `>` and walks
//! lines only inside block scalars. Every step moves forward through the text, so the work
//! is linear in its size whatever the number of markers. No recursion. This module does no
//! I/O and knows nothing about scans' configuration.

use std::ops::Range;
use std::sync::LazyLock;

use memchr::{memchr, memchr_iter, memchr2, memmem, memrchr};
use serde::Deserialize;

use super::error::{MarkerError, MarkerErrorKind, NoScalar};
use super::form::{Form, split_marker_name};
use super::line::{Content, ScalarSpan, ScalarStyle, parse_line};
use super::quoting::{unquote_double, unquote_single};

/// The text every marker contains; lines without it are never looked at.
pub const NEEDLE: &[u8] = b"$imagescan";

/// The searcher for [`NEEDLE`], built once rather than once per file.
static FINDER: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(NEEDLE));

/// One marker and the scalar it controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// 1-based line of the controlled scalar.
    pub line: usize,
    /// 1-based line of the marker comment: `line` for a line comment, `line - 1` for a
    /// head comment.
    pub comment_line: usize,
    /// The scan named by the marker (`app` in `app:tag`).
    pub scan: String,
    /// The form named by the marker's suffix.
    pub form: Form,
    /// Byte range in the text of the scalar as written, quotes included; for an empty
    /// (null) value, the empty range where the new value is inserted.
    pub span: Range<usize>,
    /// How the scalar is written.
    pub style: ScalarStyle,
    /// The scalar's current value without quotes or escapes (`""` for an empty value).
    pub value: String,
}

impl Marker {
    /// The marker as found in a text that starts `bytes` bytes and `lines` lines later:
    /// for markers found in one window of a larger text.
    pub fn shifted(mut self, bytes: usize, lines: usize) -> Marker {
        self.line += lines;
        self.comment_line += lines;
        self.span = self.span.start + bytes..self.span.end + bytes;
        self
    }
}

/// The start (never 0) of the last `---` line of `text` that is complete (its line
/// break is in `text`), if any. Nothing [`find_markers`] looks at reaches across such a
/// line (block scalars and the lines below a marker end there), so the markers of the
/// text are those of the parts before and from it, found separately: a text too large
/// to hold can be read a window at a time.
pub fn last_document_start(text: &[u8]) -> Option<usize> {
    let finder = memmem::FinderRev::new(b"\n---");
    let mut end = text.len();
    while let Some(at) = finder.rfind(&text[..end]) {
        let start = at + 1;
        if let Some(newline) = memchr(b'\n', &text[start..]) {
            let line = line_at(&text[..start + newline + 1], start, 0);
            if is_document_marker(&text[line.start..line.end]) {
                return Some(start);
            }
        }
        end = at;
    }
    None
}

/// One line of the text: byte offsets of its content (without `\n` or `\r`) and of the
/// next line.
#[derive(Debug, Clone, Copy)]
struct LineRef {
    start: usize,
    end: usize,
    next: usize,
    number: usize,
}

fn line_at(text: &[u8], start: usize, number: usize) -> LineRef {
    let (mut end, next) = match memchr(b'\n', &text[start..]) {
        Some(i) => (start + i, start + i + 1),
        None => (text.len(), text.len()),
    };
    if end > start && text[end - 1] == b'\r' {
        end -= 1;
    }
    LineRef {
        start,
        end,
        next,
        number,
    }
}

fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

fn is_document_marker(line: &[u8]) -> bool {
    (line.starts_with(b"---") || line.starts_with(b"..."))
        && line.get(3).is_none_or(|&b| b == b' ' || b == b'\t')
}

/// Finds every marker in `text`, or every problem with them (sorted by line). Markers are
/// returned in text order; no two control the same scalar.
pub fn find_markers(text: &[u8]) -> Result<Vec<Marker>, Vec<MarkerError>> {
    let mut hits = FINDER.find_iter(text);
    let Some(first) = hits.next() else {
        return Ok(Vec::new());
    };
    let candidates = candidate_lines(text, std::iter::once(first).chain(hits));
    let candidates = outside_block_scalars(text, &candidates);

    let mut markers: Vec<Marker> = Vec::new();
    let mut errors = Vec::new();
    for line in candidates {
        let bytes = &text[line.start..line.end];
        let parsed = parse_line(bytes);
        let Some(hash) = parsed.comment else {
            continue; // `$imagescan` in a key or a value, not in a comment
        };
        let comment = &bytes[hash + 1..];
        if FINDER.find(comment).is_none() {
            continue;
        }
        let (scan, form) = match parse_marker(comment) {
            Ok(parsed) => parsed,
            Err(kind) => {
                errors.push(MarkerError {
                    line: line.number,
                    kind,
                });
                continue;
            }
        };
        let target = match parsed.content {
            Content::Scalar(span) => Ok((line, span)),
            Content::Blank => head_comment_target(text, line),
            Content::BlockHeader { .. } => Err(NoScalar::BlockScalar),
            Content::Document => Err(NoScalar::Unsupported),
            Content::Other(reason) => Err(reason),
        }
        .and_then(|(target, span)| {
            if span.style == ScalarStyle::Empty && nested_below(text, target, &span) {
                Err(NoScalar::NestedBelow)
            } else {
                Ok((target, span))
            }
        });
        match target {
            Ok((target, span)) => markers.push(marker(text, target, span, line.number, scan, form)),
            Err(reason) => errors.push(MarkerError {
                line: line.number,
                kind: MarkerErrorKind::NoScalar {
                    marker: match form.suffix() {
                        Some(suffix) => format!("{scan}:{suffix}"),
                        None => scan,
                    },
                    reason,
                },
            }),
        }
    }
    // A head comment and a line comment on the line below it control the same scalar; they
    // are found one after the other.
    for pair in markers.windows(2) {
        if pair[0].span == pair[1].span {
            errors.push(MarkerError {
                line: pair[1].comment_line,
                kind: MarkerErrorKind::Duplicate {
                    target: pair[1].line,
                },
            });
        }
    }
    if errors.is_empty() {
        Ok(markers)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The lines holding the hits, once each, in order. Line numbers are counted forward from
/// the previous candidate, so the whole text is scanned at most twice.
fn candidate_lines(text: &[u8], hits: impl Iterator<Item = usize>) -> Vec<LineRef> {
    let mut lines: Vec<LineRef> = Vec::new();
    let mut counted_to = 0;
    let mut number = 1;
    for hit in hits {
        if lines.last().is_some_and(|l| hit < l.next) {
            continue;
        }
        let start =
            memrchr(b'\n', &text[counted_to..hit]).map_or(counted_to, |i| counted_to + i + 1);
        number += memchr_iter(b'\n', &text[counted_to..start]).count();
        counted_to = start;
        lines.push(line_at(text, start, number));
    }
    lines
}

/// The candidates that are not content of a block scalar (`key: |`).
///
/// The forward pass starts at the `---` line opening the document that holds the first
/// candidate (or at the start of the text): no block scalar opened before it reaches past
/// it. Outside block scalars it jumps from one line holding `|` or `>` to the next (a
/// `memchr2` pass); inside one it walks the lines to find where it ends. It stops at the
/// last candidate.
fn outside_block_scalars(text: &[u8], candidates: &[LineRef]) -> Vec<LineRef> {
    let mut pos = document_start(text, candidates[0].start);
    let last = candidates[candidates.len() - 1].next;
    let mut kept = Vec::with_capacity(candidates.len());
    let mut next_candidate = candidates.iter().peekable();
    let mut block: Option<Block> = None;
    while pos < last {
        if block.is_none() {
            // Outside block scalars only headers and candidates matter: jump to the nearer
            // of the next candidate's line and the next line holding `|` or `>`.
            let Some(candidate) = next_candidate.peek() else {
                break;
            };
            pos = match memchr2(b'|', b'>', &text[pos..candidate.start]) {
                Some(hit) => memrchr(b'\n', &text[pos..pos + hit]).map_or(pos, |i| pos + i + 1),
                None => candidate.start,
            };
        } else if let Some(Block {
            content: Some(m), ..
        }) = block
            && m > 0
        {
            // Inside a block scalar whose indentation is known: pass over its lines (blank
            // or indented at least `m`) in one newline search, up to the next candidate;
            // the first other line is looked at below.
            let until = next_candidate.peek().map_or(last, |c| c.start);
            pos = block_content_end(text, pos, until, m);
        }
        let line = line_at(text, pos, 0);
        let bytes = &text[line.start..line.end];
        let in_block = match &mut block {
            None => false,
            Some(_) if is_blank(bytes) => true,
            Some(_) if is_document_marker(bytes) => false,
            Some(Block {
                content: Some(m), ..
            }) => indentation(bytes) >= *m,
            Some(Block { parent, content }) => {
                let indent = indentation(bytes);
                let opens = indent as isize > *parent;
                if opens {
                    *content = Some(indent);
                }
                opens
            }
        };
        if !in_block {
            block = None;
        }
        if let Some(candidate) = next_candidate.next_if(|c| c.start == pos)
            && !in_block
        {
            kept.push(*candidate);
        }
        if !in_block
            && memchr2(b'|', b'>', bytes).is_some()
            && let Content::BlockHeader { parent, explicit } = parse_line(bytes).content
        {
            block = Some(Block {
                parent,
                content: explicit.map(|m| (parent + m as isize).max(0) as usize),
            });
        }
        pos = line.next;
    }
    kept
}

/// The first line start in `pos..until` (`pos` a line start) of a line that is neither
/// blank nor indented by at least `m` spaces, or `until`.
///
/// Block scalars can be most of a file (a ConfigMap's data): [`BLOCK`] bytes are looked
/// at together (loops the compiler turns into vector instructions), and only blocks
/// holding a line break not followed by `m` spaces are looked at line by line.
fn block_content_end(text: &[u8], pos: usize, until: usize, m: usize) -> usize {
    let inside = |start: usize| {
        let line = &text[start..until];
        let spaces = line.iter().take(m).take_while(|&&b| b == b' ').count();
        spaces == m
            || line[spaces..]
                .iter()
                .take_while(|&&b| b != b'\n')
                .all(|&b| b == b' ' || b == b'\t' || b == b'\r')
    };
    if pos >= until || !inside(pos) {
        return pos;
    }
    // The first line start after a line break in `from..to` that is not inside.
    let first_outside = |from: usize, to: usize| {
        memchr_iter(b'\n', &text[from..to])
            .map(|newline| from + newline + 1)
            .find(|&start| start >= until || !inside(start))
            .map(|start| start.min(until))
    };
    let mut at = pos;
    if m <= MAX_VECTOR_INDENT {
        let mut gap = [0u8; BLOCK];
        while at + BLOCK + m <= until {
            let block = &text[at..at + BLOCK + m];
            // gap[j]: a byte other than a space among the `m` after byte `j`.
            gap.fill(0);
            for k in 1..=m {
                for (g, &b) in gap.iter_mut().zip(&block[k..k + BLOCK]) {
                    *g |= u8::from(b != b' ');
                }
            }
            let mut hit = 0u8;
            for (g, &b) in gap.iter().zip(&block[..BLOCK]) {
                hit |= u8::from(b == b'\n') & g;
            }
            if hit != 0
                && let Some(start) = first_outside(at, at + BLOCK)
            {
                return start;
            }
            at += BLOCK;
        }
    }
    first_outside(at, until).unwrap_or(until)
}

/// How many bytes [`block_content_end`] looks at together.
const BLOCK: usize = 64;

/// Past this content indentation, [`block_content_end`] goes line by line.
const MAX_VECTOR_INDENT: usize = 16;

/// An open block scalar: its owner's column and, once known, its content indentation.
#[derive(Debug)]
struct Block {
    parent: isize,
    content: Option<usize>,
}

/// The searcher for the start of a `---` line (built once).
static DOCUMENT_FINDER: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"\n---"));

/// The start of the `---` line at or before `before` (a line start), or 0.
///
/// Searched forward (vector instructions) from the text's start: the text before the
/// first marker is short when it is one item or document of a stream, and a backward
/// search went through it byte by byte when it holds no `---` line.
fn document_start(text: &[u8], before: usize) -> usize {
    DOCUMENT_FINDER
        .find_iter(&text[..before])
        .filter(|&at| is_document_marker(&text[at + 1..]))
        .last()
        .map_or(0, |at| at + 1)
}

/// The scalar on the line directly below a head comment.
fn head_comment_target(text: &[u8], comment: LineRef) -> Result<(LineRef, ScalarSpan), NoScalar> {
    if comment.next >= text.len() {
        return Err(NoScalar::NoTargetBelow);
    }
    let target = line_at(text, comment.next, comment.number + 1);
    match parse_line(&text[target.start..target.end]).content {
        Content::Scalar(span) => Ok((target, span)),
        Content::BlockHeader { .. } => Err(NoScalar::BlockScalar),
        Content::Other(reason) if reason != NoScalar::NotKeyOrEntry => Err(reason),
        Content::Blank | Content::Document | Content::Other(_) => Err(NoScalar::NoTargetBelow),
    }
}

/// Whether the empty value on `line` is really a nested mapping or sequence: the next line
/// with content is indented more than its key (or, for a key, is a `- ` entry in the key's
/// own column).
fn nested_below(text: &[u8], line: LineRef, span: &ScalarSpan) -> bool {
    let mut pos = line.next;
    while pos < text.len() {
        let next = line_at(text, pos, 0);
        let bytes = &text[next.start..next.end];
        pos = next.next;
        let indent = indentation(bytes);
        let rest = &bytes[indent..];
        if is_blank(rest) || rest.trim_ascii_start().starts_with(b"#") {
            continue;
        }
        if is_document_marker(bytes) {
            return false;
        }
        let entry = rest[0] == b'-' && rest.get(1).is_none_or(|&b| b == b' ' || b == b'\t');
        return indent > span.node_col || (span.keyed && indent == span.node_col && entry);
    }
    false
}

fn marker(
    text: &[u8],
    line: LineRef,
    span: ScalarSpan,
    comment_line: usize,
    scan: String,
    form: Form,
) -> Marker {
    let range = line.start + span.range.start..line.start + span.range.end;
    let written = String::from_utf8_lossy(&text[range.clone()]);
    let inner = || &written[1..written.len() - 1];
    let value = match span.style {
        ScalarStyle::Plain => written.to_string(),
        ScalarStyle::SingleQuoted => unquote_single(inner()).into_owned(),
        ScalarStyle::DoubleQuoted => unquote_double(inner()).into_owned(),
        ScalarStyle::Empty => String::new(),
    };
    Marker {
        line: line.number,
        comment_line,
        scan,
        form,
        span: range,
        style: span.style,
        value,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkerJson {
    #[serde(rename = "$imagescan")]
    name: String,
}

/// Parses a comment's text (after `#`) as a marker: its scan and form.
fn parse_marker(comment: &[u8]) -> Result<(String, Form), MarkerErrorKind> {
    let text = String::from_utf8_lossy(comment);
    let trimmed = text.trim();
    let malformed = |detail: String| MarkerErrorKind::Malformed {
        comment: clip(trimmed),
        detail,
    };
    if !trimmed.starts_with('{') {
        return Err(malformed("the comment is not a JSON object".to_owned()));
    }
    let json: MarkerJson;
    let name = match plain_marker_name(trimmed) {
        Some(name) => name,
        None => {
            json = serde_json::from_str(trimmed).map_err(|e| malformed(e.to_string()))?;
            &json.name
        }
    };
    let (scan, form) = split_marker_name(name).map_err(|e| MarkerErrorKind::UnknownForm {
        marker: name.to_owned(),
        suffix: e.suffix,
    })?;
    if scan.is_empty() {
        return Err(malformed("the scan name is empty".to_owned()));
    }
    Ok((scan.to_owned(), form))
}

/// The NAME of `{"$imagescan": "NAME"}` written plainly: JSON whitespace between the
/// tokens, no escape or control character in NAME. Markers are almost always written so,
/// and thousands of them in one input are read this way without a JSON parser; anything
/// else is `None`, for serde_json to read (and to word its errors).
fn plain_marker_name(json: &str) -> Option<&str> {
    fn space(text: &str) -> &str {
        text.trim_start_matches([' ', '\t', '\n', '\r'])
    }
    let rest = json.strip_prefix('{')?;
    let rest = space(rest).strip_prefix(r#""$imagescan""#)?;
    let rest = space(rest).strip_prefix(':')?;
    let rest = space(rest).strip_prefix('"')?;
    let (name, rest) = rest.split_at(rest.find(['"', '\\'])?);
    let rest = rest.strip_prefix('"')?;
    (space(rest) == "}" && !name.chars().any(char::is_control)).then_some(name)
}

/// At most 80 characters of a comment, for error messages.
fn clip(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`block_content_end`] line by line.
    fn line_by_line(text: &[u8], pos: usize, until: usize, m: usize) -> usize {
        let mut start = pos;
        while start < until {
            let line = &text[start..until];
            let line = &line[..memchr(b'\n', line).unwrap_or(line.len())];
            let indented = line.len() >= m && line[..m].iter().all(|&b| b == b' ');
            let blank = line.iter().all(|&b| b == b' ' || b == b'\t' || b == b'\r');
            if !indented && !blank {
                return start;
            }
            match memchr(b'\n', &text[start..until]) {
                Some(i) => start += i + 1,
                None => return until,
            }
        }
        until
    }

    #[test]
    fn plainly_written_markers_read_as_json_reads_them() {
        let comments = [
            r#"{"$imagescan": "web"}"#,
            r#"{"$imagescan":"web:tag"}"#,
            "{ \t\"$imagescan\"\r\n: \"a b/c\" \t}",
            r#"{"$imagescan": "wéb:digest"}"#,
            r#"{"$imagescan": ""}"#,
            r#"{"$imagescan": "w\u0065b"}"#,
            r#"{"$imagescan": "w\"eb"}"#,
            "{\"$imagescan\": \"w\teb\"}",
            "{\"$imagescan\": \"w\u{7f}eb\"}",
            r#"{"$imagescan": "web", "x": 1}"#,
            r#"{"$imagescan": "a", "$imagescan": "b"}"#,
            r#"{"$imagescan": "web"} }"#,
            r#"{"$imagescan": "web""#,
            r#"{"$imagescan ": "web"}"#,
            r#"{'$imagescan': 'web'}"#,
            r#"{"$imagescan": web}"#,
            "{\"$imagescan\":\u{a0}\"web\"}",
        ];
        let mut plain = 0;
        for comment in comments {
            let json = serde_json::from_str::<MarkerJson>(comment).map(|m| m.name);
            if let Some(name) = plain_marker_name(comment) {
                plain += 1;
                assert_eq!(json.as_deref().ok(), Some(name), "{comment}");
            }
        }
        assert_eq!(plain, 5);
    }

    #[test]
    fn document_starts_are_those_a_backward_search_finds() {
        // The search as it was: backward from `before`, byte by byte.
        fn backward(text: &[u8], before: usize) -> usize {
            let finder = memmem::FinderRev::new(b"\n---");
            let mut end = before;
            while let Some(at) = finder.rfind(&text[..end]) {
                if is_document_marker(&text[at + 1..]) {
                    return at + 1;
                }
                end = at;
            }
            0
        }
        let text =
            b"a: 1\n--- |\n  x\n---\nb: 2\n---x\n\n---\r\n...\n--- # c\nc: 3\n   ---\n---\t\nd";
        let mut found = Vec::new();
        for before in 0..=text.len() {
            let start = document_start(text, before);
            assert_eq!(start, backward(text, before), "before {before}");
            found.push(start);
        }
        found.dedup();
        // 0, `--- |`, `--- # c` and `---\t` (this check wants a space or tab after `---`).
        assert_eq!(found.len(), 4, "{found:?}");
    }

    #[test]
    fn texts_split_at_document_lines_give_the_same_markers() {
        let text = "a: x # {\"$imagescan\": \"one\"}\n---\nb: |\n  # {\"$imagescan\": \"no\"}\n\
                    --- |\n  text\n---\r\n# {\"$imagescan\": \"two:tag\"}\nc: y\n---x\n";
        let bytes = text.as_bytes();
        let whole = find_markers(bytes).unwrap();
        assert_eq!(whole.len(), 2);
        let mut end = bytes.len();
        let mut cuts = Vec::new();
        while let Some(at) = last_document_start(&bytes[..end]) {
            cuts.push(at);
            end = at;
        }
        // `---x` is no document line, and `---` without its line break is not complete.
        assert_eq!(cuts.len(), 3, "{cuts:?}");
        assert_eq!(last_document_start(&bytes[..cuts[0] + 3]), Some(cuts[1]));
        cuts.push(0);
        cuts.reverse();
        let mut pieces = Vec::new();
        for (i, &start) in cuts.iter().enumerate() {
            let piece_end = cuts.get(i + 1).copied().unwrap_or(bytes.len());
            let lines = memchr_iter(b'\n', &bytes[..start]).count();
            pieces.extend(
                find_markers(&bytes[start..piece_end])
                    .unwrap()
                    .into_iter()
                    .map(|m| m.shifted(start, lines)),
            );
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn block_content_ends_where_line_by_line_says() {
        // Content at 4 spaces with blank lines, lines at 2 and 3 spaces, tabs and `\r`,
        // lines of every length around the block size, then an outdented key.
        let mut text = String::from("data: |\n");
        for n in 0..200 {
            text.push_str(&format!("    {}\n", "x".repeat(n % 131)));
            match n % 11 {
                0 => text.push('\n'),
                3 => text.push_str("  \t \r\n"),
                5 => text.push_str("      deeper\n"),
                _ => {}
            }
        }
        let ends = [text.len(), text.len() - 3];
        text.push_str("  key: x\n    more\nnext: |\n");
        let bytes = text.as_bytes();
        let pos = 8;
        for m in [0, 1, 2, 3, 4, 5, 16, 17, 40] {
            for until in ends
                .into_iter()
                .chain([bytes.len(), pos, pos + 70, pos + 200])
            {
                assert_eq!(
                    block_content_end(bytes, pos, until, m),
                    line_by_line(bytes, pos, until, m),
                    "m {m} until {until}"
                );
            }
        }
        assert_eq!(
            &text[block_content_end(bytes, pos, bytes.len(), 4)..],
            "  key: x\n    more\nnext: |\n"
        );
    }
}
