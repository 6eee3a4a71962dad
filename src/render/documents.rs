//! Splitting a file's bytes into YAML documents and finding each document's top-level
//! `kind` and `apiVersion`, by line, without parsing YAML (SPEC §7: plain render needs
//! only document boundaries and the top-level `kind`). Pure code over byte slices: no
//! allocation per line or per document, and no validation — the GitOps engine validates.
//!
//! Rules (YAML 1.2 document markers, read the way a line-oriented splitter can):
//! - a line starting with `---` followed by end of line, space or tab is a document
//!   marker; what follows it on the line is dropped when it is blank or a comment
//!   (`--- # c`), and is the first line of the new document otherwise (`--- !tag`);
//! - a line starting with `...` followed by end of line, space or tab ends the document;
//!   the bytes after it up to the next marker form a document of their own (YAML allows a
//!   bare document there), usually empty;
//! - `kind:` and `apiVersion:` count only at column 0 (top-level keys; block scalar and
//!   nested content is indented, so it never matches), optionally quoted (`"kind":`), and
//!   must be followed by a space, tab or end of line; the value may be plain, single- or
//!   double-quoted, with a trailing comment; an empty value is no kind;
//! - a document whose first significant byte is `{` (JSON, or YAML flow style) is scanned
//!   for `kind`/`apiVersion` keys at nesting depth 1 instead; a JSON file is one document;
//! - a UTF-8 byte order mark at the start of the bytes is ignored for detection.

use std::sync::LazyLock;

pub use crate::files::Format;
use memchr::memchr;
use memchr::memmem::Finder;

/// Once a document's `kind` and `apiVersion` are known, the rest of it is skipped with
/// these (SIMD substring search), not line by line.
static DOCUMENT_START: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n---"));
static DOCUMENT_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n..."));

/// One document of a file: its bytes, unchanged, and what detection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document<'a> {
    /// The document's bytes, without the marker lines around it.
    pub bytes: &'a [u8],
    /// The value of the top-level `kind`, if any (quotes removed).
    pub kind: Option<&'a [u8]>,
    /// Whether a top-level `apiVersion` with a value is present.
    pub has_api_version: bool,
}

impl Document<'_> {
    /// Whether plain render emits this document: a Kubernetes object (`apiVersion` and
    /// `kind`) that is not one of kustomize's own kinds.
    pub fn is_rendered(&self) -> bool {
        match self.kind {
            Some(kind) => self.has_api_version && kind != b"Kustomization" && kind != b"Component",
            None => false,
        }
    }
}

/// The documents of `bytes`, in order (empty ones included).
pub fn documents(bytes: &[u8], format: Format) -> Documents<'_> {
    Documents {
        bytes,
        pos: 0,
        format,
        done: false,
        next_end: None,
    }
}

/// Iterator over the documents of a file, see [`documents`].
#[derive(Debug, Clone)]
pub struct Documents<'a> {
    bytes: &'a [u8],
    /// Where the next document starts.
    pos: usize,
    format: Format,
    done: bool,
    /// The next `...` line start found by [`Documents::next_marker_line`] (cached so that
    /// the search runs once per file when, as usual, there is none).
    next_end: Option<usize>,
}

impl<'a> Iterator for Documents<'a> {
    type Item = Document<'a>;

    fn next(&mut self) -> Option<Document<'a>> {
        if self.done {
            return None;
        }
        if self.format == Format::Json {
            self.done = true;
            let bytes = strip_bom(self.bytes);
            let (kind, has_api_version) = scan_flow(bytes);
            return Some(Document {
                bytes: self.bytes,
                kind,
                has_api_version,
            });
        }
        let bytes = self.bytes;
        let start = self.pos;
        let mut line = start;
        let mut kind = None;
        let mut has_api_version = false;
        // Only the very first line of the file may carry a byte order mark.
        let mut bom = if start == 0 && bytes.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        while line < bytes.len() {
            if kind.is_some() && has_api_version && line > start {
                line = self.next_marker_line(line);
                if line >= bytes.len() {
                    break;
                }
            }
            let end = memchr(b'\n', &bytes[line..]).map_or(bytes.len(), |i| line + i + 1);
            let text_start = line + bom;
            let text = &bytes[text_start..end];
            bom = 0;
            match text.first() {
                Some(b'-') if is_marker(text, b"---") => {
                    // The first line of the file being `---` opens the first document.
                    let rest = &text[3..];
                    let content = rest.iter().position(|&b| b != b' ' && b != b'\t');
                    self.pos = match content.map(|i| rest[i]) {
                        None | Some(b'#' | b'\r' | b'\n') => end,
                        Some(_) => text_start + 3 + content.unwrap_or(0),
                    };
                    if line == 0 {
                        // A leading marker: no (empty) document before it.
                        return self.next();
                    }
                    return Some(self.finish(start, line, kind, has_api_version));
                }
                Some(b'.') if is_marker(text, b"...") => {
                    self.pos = end;
                    return Some(self.finish(start, line, kind, has_api_version));
                }
                Some(b'k' | b'"' | b'\'') if kind.is_none() => {
                    if let Some(value) = key_value(text, b"kind") {
                        kind = value;
                    }
                }
                _ => {}
            }
            if !has_api_version
                && matches!(text.first(), Some(b'a' | b'"' | b'\''))
                && let Some(Some(_)) = key_value(text, b"apiVersion")
            {
                has_api_version = true;
            }
            line = end;
        }
        self.done = true;
        self.pos = bytes.len();
        Some(self.finish(start, bytes.len(), kind, has_api_version))
    }
}

impl<'a> Documents<'a> {
    /// The start of the first marker line (`---` or `...`) at or after `from`, a line start
    /// that is not the start of the bytes; the length of the bytes when there is none.
    fn next_marker_line(&mut self, from: usize) -> usize {
        let bytes = self.bytes;
        let find = |finder: &Finder<'_>, marker: &[u8]| {
            // Search from the newline ending the previous line.
            let mut pos = from - 1;
            while let Some(found) = finder.find(&bytes[pos..]) {
                let candidate = pos + found + 1;
                if is_marker(&bytes[candidate..], marker) {
                    return candidate;
                }
                pos = candidate;
            }
            bytes.len()
        };
        let end = match self.next_end {
            Some(end) if end >= from => end,
            _ => {
                let end = find(&DOCUMENT_END, b"...");
                self.next_end = Some(end);
                end
            }
        };
        let start = find(&DOCUMENT_START, b"---");
        start.min(end)
    }

    fn finish(
        &self,
        start: usize,
        end: usize,
        kind: Option<&'a [u8]>,
        has_api_version: bool,
    ) -> Document<'a> {
        let bytes = &self.bytes[start..end];
        if kind.is_none() && !has_api_version && first_significant(bytes) == Some(b'{') {
            let (kind, has_api_version) = scan_flow(bytes);
            return Document {
                bytes,
                kind,
                has_api_version,
            };
        }
        Document {
            bytes,
            kind,
            has_api_version,
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Whether `line` is the marker `---` or `...` (followed by end of line or blank).
fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    line.starts_with(marker) && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// If `line` is the top-level key `key` (plain or quoted), its scalar value: `Some(None)`
/// when the value is empty or null-looking, `Some(Some(value))` otherwise.
fn key_value<'a>(line: &'a [u8], key: &[u8]) -> Option<Option<&'a [u8]>> {
    let after_key = match line.first()? {
        quote @ (b'"' | b'\'') => {
            let inner = line.get(1..)?;
            let inner = inner.strip_prefix(key)?;
            inner.strip_prefix(&[*quote][..])?
        }
        _ => line.strip_prefix(key)?,
    };
    let after_colon = after_key.strip_prefix(b":")?;
    match after_colon.first() {
        None | Some(b' ' | b'\t' | b'\r' | b'\n') => {}
        Some(_) => return None,
    }
    Some(scalar(after_colon))
}

/// The scalar at the start of `text` (after blanks): quoted, or plain up to a comment.
fn scalar(text: &[u8]) -> Option<&[u8]> {
    let start = text.iter().position(|&b| b != b' ' && b != b'\t')?;
    let text = &text[start..];
    let value = match text[0] {
        quote @ (b'"' | b'\'') => {
            let close = memchr(quote, &text[1..])?;
            &text[1..1 + close]
        }
        b'#' | b'\r' | b'\n' => return None,
        _ => {
            let mut end = text.len();
            // A comment starts at ` #`; a `#` inside a plain scalar is content.
            for i in 1..text.len() {
                if text[i] == b'#' && matches!(text[i - 1], b' ' | b'\t') {
                    end = i;
                    break;
                }
            }
            let value = &text[..end];
            let trimmed = value
                .iter()
                .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .map_or(&value[..0], |last| &value[..=last]);
            if trimmed == b"~" || trimmed == b"null" {
                return None;
            }
            trimmed
        }
    };
    (!value.is_empty()).then_some(value)
}

/// The first byte that is not blank and not in a `#` comment.
fn first_significant(bytes: &[u8]) -> Option<u8> {
    let mut in_comment = false;
    for &b in strip_bom(bytes) {
        match b {
            b'\n' => in_comment = false,
            _ if in_comment => {}
            b' ' | b'\t' | b'\r' => {}
            b'#' => in_comment = true,
            _ => return Some(b),
        }
    }
    None
}

/// Finds `kind` and `apiVersion` keys at depth 1 of a JSON object or YAML flow mapping.
/// Lenient: keys may be double-quoted, single-quoted or bare; strings are skipped with
/// their escapes so that braces inside them do not count.
fn scan_flow(bytes: &[u8]) -> (Option<&[u8]>, bool) {
    let mut kind = None;
    let mut has_api_version = false;
    let mut depth = 0usize;
    // At depth 1, whether the next token is a key (after `{` or `,`).
    let mut expect_key = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && bytes[i] == b'{';
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
                i += 1;
            }
            b',' => {
                expect_key = depth == 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            quote @ (b'"' | b'\'') => {
                let end = skip_string(bytes, i, quote);
                if expect_key {
                    let key = &bytes[i + 1..end.saturating_sub(1).max(i + 1)];
                    i = end;
                    expect_key = false;
                    flow_key(bytes, &mut i, key, &mut kind, &mut has_api_version);
                } else {
                    i = end;
                }
            }
            _ if expect_key => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b':' | b',' | b'}' | b'\n') {
                    i += 1;
                }
                let key = trim_blanks(&bytes[start..i]);
                expect_key = false;
                flow_key(bytes, &mut i, key, &mut kind, &mut has_api_version);
            }
            _ => i += 1,
        }
    }
    (kind, has_api_version)
}

/// After a key at depth 1: when it is `kind` or `apiVersion`, read its string value.
fn flow_key<'a>(
    bytes: &'a [u8],
    i: &mut usize,
    key: &[u8],
    kind: &mut Option<&'a [u8]>,
    has_api_version: &mut bool,
) {
    let wanted_kind = key == b"kind" && kind.is_none();
    let wanted_api = key == b"apiVersion";
    if !wanted_kind && !wanted_api {
        return;
    }
    let mut j = *i;
    while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
        j += 1;
    }
    if bytes.get(j) != Some(&b':') {
        return;
    }
    j += 1;
    while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
        j += 1;
    }
    let value = match bytes.get(j) {
        Some(&quote @ (b'"' | b'\'')) => {
            let end = skip_string(bytes, j, quote);
            *i = end;
            &bytes[j + 1..end.saturating_sub(1).max(j + 1)]
        }
        Some(_) => {
            let start = j;
            while j < bytes.len() && !matches!(bytes[j], b',' | b'}' | b'\n' | b']' | b'{' | b'[') {
                j += 1;
            }
            *i = j;
            let value = trim_blanks(&bytes[start..j]);
            if value == b"null" || value == b"~" {
                &value[..0]
            } else {
                value
            }
        }
        None => return,
    };
    if value.is_empty() {
        return;
    }
    if wanted_kind {
        *kind = Some(value);
    } else {
        *has_api_version = true;
    }
}

/// The index just past the string starting with `quote` at `start`.
fn skip_string(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                // YAML single quotes escape themselves as `''`.
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

fn trim_blanks(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (bytes, kind, apiVersion) of each document, as strings for readable failures.
    fn split(text: &str, format: Format) -> Vec<(String, Option<String>, bool)> {
        documents(text.as_bytes(), format)
            .map(|doc| {
                (
                    String::from_utf8(doc.bytes.to_vec()).unwrap(),
                    doc.kind.map(|k| String::from_utf8(k.to_vec()).unwrap()),
                    doc.has_api_version,
                )
            })
            .collect()
    }

    fn yaml(text: &str) -> Vec<(String, Option<String>, bool)> {
        split(text, Format::Yaml)
    }

    fn doc(bytes: &str, kind: Option<&str>, api: bool) -> (String, Option<String>, bool) {
        (bytes.to_owned(), kind.map(str::to_owned), api)
    }

    /// A document's bytes, kind and whether it has an apiVersion.
    type Expected = (&'static str, Option<&'static str>, bool);

    #[test]
    fn splits_at_markers() {
        let cases: &[(&str, &[Expected])] = &[
            ("", &[("", None, false)]),
            (
                "apiVersion: v1\nkind: A\n",
                &[("apiVersion: v1\nkind: A\n", Some("A"), true)],
            ),
            // A leading marker opens the first document.
            (
                "---\napiVersion: v1\nkind: A\n",
                &[("apiVersion: v1\nkind: A\n", Some("A"), true)],
            ),
            (
                "kind: A\n---\nkind: B\n",
                &[
                    ("kind: A\n", Some("A"), false),
                    ("kind: B\n", Some("B"), false),
                ],
            ),
            // Comments after the marker are dropped with it.
            (
                "kind: A\n--- # next\nkind: B\n",
                &[
                    ("kind: A\n", Some("A"), false),
                    ("kind: B\n", Some("B"), false),
                ],
            ),
            (
                "kind: A\n---\t# tab\nkind: B",
                &[
                    ("kind: A\n", Some("A"), false),
                    ("kind: B", Some("B"), false),
                ],
            ),
            // CRLF.
            (
                "kind: A\r\n---\r\nkind: B\r\n",
                &[
                    ("kind: A\r\n", Some("A"), false),
                    ("kind: B\r\n", Some("B"), false),
                ],
            ),
            ("---\r\nkind: A\r\n", &[("kind: A\r\n", Some("A"), false)]),
            // Empty documents are yielded (and not rendered).
            (
                "kind: A\n---\n---\nkind: B\n---\n",
                &[
                    ("kind: A\n", Some("A"), false),
                    ("", None, false),
                    ("kind: B\n", Some("B"), false),
                    ("", None, false),
                ],
            ),
            // End markers end a document; what follows is a (bare) document.
            (
                "kind: A\n...\n---\nkind: B\n...\n",
                &[
                    ("kind: A\n", Some("A"), false),
                    ("", None, false),
                    ("kind: B\n", Some("B"), false),
                    ("", None, false),
                ],
            ),
            (
                "kind: A\n...\nkind: B\n",
                &[
                    ("kind: A\n", Some("A"), false),
                    ("kind: B\n", Some("B"), false),
                ],
            ),
            // Not markers: longer dashes, indented, inside a value.
            (
                "kind: A\n----\n  ---\nx: ---\n.... \n",
                &[("kind: A\n----\n  ---\nx: ---\n.... \n", Some("A"), false)],
            ),
            // Content on the marker line is the new document's first line.
            (
                "kind: A\n--- !!map\nkind: B\n",
                &[
                    ("kind: A\n", Some("A"), false),
                    ("!!map\nkind: B\n", Some("B"), false),
                ],
            ),
            // No final newline.
            ("kind: A", &[("kind: A", Some("A"), false)]),
            // Once kind and apiVersion are known the rest is skipped by substring search:
            // near-markers must not split, real ones must.
            (
                "apiVersion: v1\nkind: A\n----\n  ---\n---x\n...x\n---\napiVersion: v1\n\
                 kind: B\n...\nkind: C\n--- # c\r\nkind: D\n...\n",
                &[
                    (
                        "apiVersion: v1\nkind: A\n----\n  ---\n---x\n...x\n",
                        Some("A"),
                        true,
                    ),
                    ("apiVersion: v1\nkind: B\n", Some("B"), true),
                    ("kind: C\n", Some("C"), false),
                    ("kind: D\n", Some("D"), false),
                    ("", None, false),
                ],
            ),
            (
                "kind: A\napiVersion: v1\n...\n",
                &[
                    ("kind: A\napiVersion: v1\n", Some("A"), true),
                    ("", None, false),
                ],
            ),
            (
                "kind: A\napiVersion: v1\nx: 1\n---",
                &[
                    ("kind: A\napiVersion: v1\nx: 1\n", Some("A"), true),
                    ("", None, false),
                ],
            ),
            (
                "kind: A\napiVersion: v1\n---\n---\nkind: B\napiVersion: v1\n",
                &[
                    ("kind: A\napiVersion: v1\n", Some("A"), true),
                    ("", None, false),
                    ("kind: B\napiVersion: v1\n", Some("B"), true),
                ],
            ),
            // Directives before the first marker form a document without kind.
            (
                "%YAML 1.2\n---\nkind: A\n",
                &[
                    ("%YAML 1.2\n", None, false),
                    ("kind: A\n", Some("A"), false),
                ],
            ),
        ];
        for (text, expected) in cases {
            let expected: Vec<_> = expected
                .iter()
                .map(|(bytes, kind, api)| doc(bytes, *kind, *api))
                .collect();
            assert_eq!(yaml(text), expected, "{text:?}");
        }
    }

    #[test]
    fn finds_top_level_kind() {
        let cases: &[(&str, Option<&str>, bool)] = &[
            (
                "apiVersion: apps/v1\nkind: Deployment\n",
                Some("Deployment"),
                true,
            ),
            (
                "kind: Deployment # the workload\n",
                Some("Deployment"),
                false,
            ),
            ("kind:\tDeployment\r\n", Some("Deployment"), false),
            ("kind: \"Deployment\"\n", Some("Deployment"), false),
            ("kind: 'Deployment' # c\n", Some("Deployment"), false),
            (
                "\"kind\": Deployment\n\"apiVersion\": v1\n",
                Some("Deployment"),
                true,
            ),
            ("'kind': Deployment\n", Some("Deployment"), false),
            ("kind: Deploy#ment\n", Some("Deploy#ment"), false),
            // Empty and null values are no kind.
            ("kind:\n", None, false),
            ("kind: # nothing\n", None, false),
            ("kind: ~\n", None, false),
            ("kind: null\n", None, false),
            ("kind: ''\n", None, false),
            ("apiVersion:\n", None, false),
            // Not top-level, or not that key.
            ("  kind: Deployment\n", None, false),
            ("spec:\n  kind: Deployment\n", None, false),
            ("- kind: Deployment\n", None, false),
            ("kinds: Deployment\n", None, false),
            ("kind:Deployment\n", None, false),
            ("kindly: yes\n", None, false),
            ("apiVersions: v1\n", None, false),
            ("# kind: Deployment\n", None, false),
            // Block scalar content is indented.
            ("data: |\n  kind: Secret\n", None, false),
            // The first top-level kind wins.
            ("kind: A\nkind: B\n", Some("A"), false),
            // A BOM at the start of the file is ignored.
            ("\u{feff}kind: A\napiVersion: v1\n", Some("A"), true),
            // Helm values: no kind.
            ("image:\n  repository: x\n  tag: 1.0.0\n", None, false),
        ];
        for (text, kind, api) in cases {
            let docs = yaml(text);
            assert_eq!(docs.len(), 1, "{text:?}");
            assert_eq!(docs[0].1.as_deref(), *kind, "kind of {text:?}");
            assert_eq!(docs[0].2, *api, "apiVersion of {text:?}");
        }
    }

    #[test]
    fn json_and_flow_documents() {
        let cases: &[(&str, Format, Option<&str>, bool)] = &[
            (
                r#"{"apiVersion": "v1", "kind": "ConfigMap", "data": {"kind": "x"}}"#,
                Format::Json,
                Some("ConfigMap"),
                true,
            ),
            (
                "{\n  \"metadata\": {\"kind\": \"Nested\"},\n  \"kind\": \"Service\"\n}\n",
                Format::Json,
                Some("Service"),
                false,
            ),
            (
                r#"{"data": {"a": "}{\"kind\": \"Fake\""}, "kind": "Real"}"#,
                Format::Json,
                Some("Real"),
                false,
            ),
            (r#"{"items": [{"kind": "Pod"}]}"#, Format::Json, None, false),
            (
                r#"{"kind": null, "apiVersion": ""}"#,
                Format::Json,
                None,
                false,
            ),
            ("[1, 2]", Format::Json, None, false),
            ("", Format::Json, None, false),
            // JSON as YAML (a `.yaml` file holding JSON) and YAML flow style.
            (
                "# c\n{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}\n",
                Format::Yaml,
                Some("Pod"),
                true,
            ),
            (
                "{apiVersion: v1, kind: Pod}\n",
                Format::Yaml,
                Some("Pod"),
                true,
            ),
            ("{ 'kind' : 'Pod' }\n", Format::Yaml, Some("Pod"), false),
        ];
        for (text, format, kind, api) in cases {
            let docs = split(text, *format);
            assert_eq!(docs.len(), 1, "{text:?}");
            assert_eq!(docs[0].0, *text, "bytes of {text:?}");
            assert_eq!(docs[0].1.as_deref(), *kind, "kind of {text:?}");
            assert_eq!(docs[0].2, *api, "apiVersion of {text:?}");
        }
        // A JSON file is one document even with `---` lines in it.
        let text = "{\"kind\": \"A\",\n\"x\": \"\n---\n\"}";
        assert_eq!(split(text, Format::Json).len(), 1);
    }

    #[test]
    fn rendered_documents() {
        let cases = [
            ("apiVersion: v1\nkind: ConfigMap\n", true),
            ("kind: ConfigMap\n", false),
            ("apiVersion: v1\n", false),
            (
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
                false,
            ),
            (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
                false,
            ),
            ("apiVersion: v1\nkind: Componentry\n", true),
            ("", false),
        ];
        for (text, rendered) in cases {
            let doc = documents(text.as_bytes(), Format::Yaml).next().unwrap();
            assert_eq!(doc.is_rendered(), rendered, "{text:?}");
        }
    }
}
