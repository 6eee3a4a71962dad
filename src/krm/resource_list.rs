//! Reading a `ResourceList` (KRM Functions Specification v1) without building a tree of
//! its items: where each item's bytes are, where the `functionConfig` and `results` are,
//! and where new keys go.
//!
//! kpt and kustomize write the list in block style (`items:` then `- ` entries), so the
//! top-level keys are the lines starting in column 0 and the items are the `- ` lines at
//! the items' indentation; one forward pass over the lines not starting with a space
//! finds them ([`unindented_lines`](super::text::unindented_lines) skips the indented
//! ones 64 bytes at a time). Any other shape (JSON, flow style) is read with a YAML
//! parser instead, bounded like every YAML input.

use std::ops::Range;

use memchr::memchr;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::text::{Column0Line, byte_offsets, column0_lines, flow_end, line_starts};

/// How the list is written, which decides how results are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Block-style YAML (what kpt and kustomize send).
    Block,
    /// JSON or flow-style YAML: `{...}`.
    Flow,
}

/// Where things are in a ResourceList's bytes.
#[derive(Debug, Clone)]
pub struct ResourceList {
    /// How the list is written.
    pub format: Format,
    /// Each item's bytes, in order (for block style, from its `- ` to the next item).
    pub items: Vec<Range<usize>>,
    /// The bytes holding all items (block style), where markers are looked for.
    pub items_region: Range<usize>,
    /// The functionConfig's text, if any.
    pub function_config: Option<Section>,
    /// The existing `results` value, if any.
    pub results: Option<Section>,
    /// Where a new top-level key is inserted: the end of the list's document (block
    /// style), or its closing `}` (flow style).
    pub end: usize,
}

/// A top-level value's bytes and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The value's bytes.
    pub range: Range<usize>,
    /// The line of its first byte.
    pub line: usize,
    /// Whether the value starts on the key's line (`key: value`, or flow style).
    pub inline: bool,
}

/// The input is not a ResourceList this function can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not UTF-8.
    #[error("the input is not UTF-8 text")]
    NotUtf8,
    /// Not YAML (or JSON).
    #[error("the input is not valid YAML: line {line}: {reason}")]
    Syntax {
        /// Where the parser stopped.
        line: usize,
        /// What it said.
        reason: String,
    },
    /// Nested deeper than imagescan reads ([`crate::yaml_depth`]).
    #[error("the input is not read: line {line}: {deep}", line = .0.line, deep = .0)]
    TooDeep(crate::yaml_depth::TooDeep),
    /// Valid YAML, but not `kind: ResourceList`.
    #[error(
        "the input is not a KRM ResourceList (expected `apiVersion: config.kubernetes.io/v1`, \
         `kind: ResourceList`, found kind {found:?}); `imagescan fn` is run by kpt or kustomize"
    )]
    NotResourceList {
        /// The `kind` found, if any.
        found: Option<String>,
    },
}

impl ResourceList {
    /// Reads the structure of `input`.
    ///
    /// The block-style reader looks only at line starts and keys, so the items' bytes
    /// are not validated as UTF-8 here (an item is when it is parsed); everything else
    /// must be UTF-8.
    pub fn read(input: &[u8]) -> Result<Self, ReadError> {
        Self::read_lines(input, column0_lines(input))
    }

    /// [`ResourceList::read`] when the lines of `input` not starting with a space are
    /// known already (`lines`: what `unindented_lines` gives, e.g. found by
    /// [`super::ItemWindows`] while the input arrived).
    pub fn read_lines(
        input: &[u8],
        lines: impl IntoIterator<Item = Column0Line>,
    ) -> Result<Self, ReadError> {
        if let Some(list) = read_block(input, lines) {
            return Ok(list);
        }
        read_flow(std::str::from_utf8(input).map_err(|_| ReadError::NotUtf8)?)
    }
}

/// One top-level key of a block mapping.
struct Key<'a> {
    name: &'a [u8],
    line_start: usize,
    line: usize,
    /// The value's first byte after `:` and spaces, on the key's line.
    after_colon: usize,
    /// The key line's end (before `\n`).
    line_end: usize,
}

/// The block-style reader over the lines of `input` not starting with a space; `None`
/// when the input is not in block style.
fn read_block(input: &[u8], lines: impl IntoIterator<Item = Column0Line>) -> Option<ResourceList> {
    let mut keys: Vec<Key<'_>> = Vec::new();
    // Starts of the `- ` lines in column 0 under `items:` (how kpt and kustomize write
    // items), found in the same pass as the keys.
    let mut column0_items = Vec::new();
    let mut doc_start = None;
    let mut doc_end = input.len();
    // Only lines not starting with a space can be top-level keys or column-0 items.
    for Column0Line {
        start: this_start,
        number: line,
        head,
    } in lines
    {
        // The next line's start is looked for only where it is needed (not for items),
        // and the line's bytes read only for keys: the head tells the rest.
        let next_line =
            || memchr(b'\n', &input[this_start..]).map_or(input.len(), |i| this_start + i + 1);
        let first = head[0];
        if first == b' ' || first == b'\t' || first == b'#' || first == b'\n' || first == b'\r' {
            continue;
        }
        if is_document_marker(&head) {
            if doc_start.is_none() && keys.is_empty() {
                doc_start = Some(next_line());
                continue;
            }
            doc_end = this_start;
            break;
        }
        if first == b'-' || first == b'{' || first == b'[' {
            if keys.is_empty() {
                return None; // flow style, or not a mapping
            }
            // An entry of a sequence in column 0: an item when under `items:`.
            if keys.last().is_some_and(|k| k.name == b"items") {
                column0_items.push(this_start);
            }
            continue;
        }
        let bytes = &input[this_start..next_line()];
        let trimmed_end = this_start + bytes.trim_ascii_end().len();
        let colon = key_colon(bytes)?;
        let mut after = this_start + colon + 1;
        while after < trimmed_end && matches!(input[after], b' ' | b'\t') {
            after += 1;
        }
        let raw_name = &bytes[..colon];
        let name = raw_name
            .strip_prefix(b"\"")
            .and_then(|n| n.strip_suffix(b"\""))
            .or_else(|| {
                raw_name
                    .strip_prefix(b"'")
                    .and_then(|n| n.strip_suffix(b"'"))
            })
            .unwrap_or(raw_name);
        keys.push(Key {
            name,
            line_start: this_start,
            line,
            after_colon: after,
            line_end: trimmed_end,
        });
    }
    if keys.is_empty() {
        return None;
    }
    let value = |i: usize| -> Section {
        let key = &keys[i];
        let end = keys.get(i + 1).map_or(doc_end, |k| k.line_start);
        let inline = key.after_colon < key.line_end && input[key.after_colon] != b'#';
        if inline {
            Section {
                range: key.after_colon..end,
                line: key.line,
                inline,
            }
        } else {
            let body = (key.line_end..end)
                .find(|&i| input[i] == b'\n')
                .map_or(end, |i| i + 1);
            Section {
                range: body..end,
                line: key.line + 1,
                inline,
            }
        }
    };
    let find = |name: &[u8]| keys.iter().position(|k| k.name == name);
    let mut list = ResourceList {
        format: Format::Block,
        items: Vec::new(),
        items_region: 0..0,
        function_config: find(b"functionConfig").map(value),
        results: find(b"results").map(value),
        end: doc_end,
    };
    let kind = find(b"kind").map(|i| {
        let section = value(i);
        let text = String::from_utf8_lossy(&input[section.range]);
        unquote(text.lines().next().unwrap_or_default()).to_owned()
    });
    if kind.as_deref() != Some("ResourceList") {
        // Let the YAML reader give the precise error (or read a flow-style kind).
        return None;
    }
    if let Some(i) = find(b"items") {
        let section = value(i);
        if section.inline {
            let rest = input[section.range.clone()].trim_ascii();
            if !rest.starts_with(b"[]") {
                return None;
            }
        } else {
            list.items_region = section.range.clone();
            list.items = if column0_items.is_empty() {
                block_items(input, section.range)? // `items:` indented under the key
            } else {
                column0_items
                    .iter()
                    .zip(column0_items.iter().skip(1).chain([&section.range.end]))
                    .map(|(&start, &end)| start..end)
                    .collect()
            };
        }
    }
    Some(list)
}

/// `key: …` → the position of the `:` ending the key (plain or quoted key).
fn key_colon(line: &[u8]) -> Option<usize> {
    let mut i = 0;
    if let Some(&quote @ (b'"' | b'\'')) = line.first() {
        i = 1 + line[1..].iter().position(|&b| b == quote)? + 1;
    }
    while i < line.len() {
        if line[i] == b':' && line.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether `line` (a line, or the text from a line's start on) is `---` or `...`.
fn is_document_marker(line: &[u8]) -> bool {
    (line.starts_with(b"---") || line.starts_with(b"..."))
        && line.get(3).is_none_or(|b| b.is_ascii_whitespace())
}

/// A scalar's text without its quotes (for `kind:`).
fn unquote(text: &str) -> &str {
    let text = text.split(" #").next().unwrap_or_default().trim();
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')))
        .unwrap_or(text)
}

/// The items of a block sequence whose lines are `region`: each from its `-` line to
/// the next. `None` when the region is not a block sequence.
fn block_items(input: &[u8], region: Range<usize>) -> Option<Vec<Range<usize>>> {
    let mut indent = None;
    let mut starts = Vec::new();
    for start in line_starts(input, region.clone()) {
        let line = &input[start..];
        let spaces = line.iter().take_while(|&&b| b == b' ').count();
        let rest = &line[spaces..];
        if rest.is_empty() || matches!(rest[0], b'\n' | b'\r' | b'#') {
            continue;
        }
        let entry = rest[0] == b'-' && rest.get(1).is_none_or(|b| b.is_ascii_whitespace());
        match indent {
            None if entry => indent = Some(spaces),
            None => return None,
            Some(i) if spaces == i && entry => {}
            Some(i) if spaces > i => continue,
            Some(_) => return None,
        }
        starts.push(start);
    }
    let mut items: Vec<Range<usize>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    if let Some(&last) = starts.last() {
        items.push(last..region.end);
    }
    Some(items)
}

/// The flow-style (JSON) reader: a YAML parse of the whole input.
fn read_flow(text: &str) -> Result<ResourceList, ReadError> {
    crate::yaml_depth::check(text).map_err(ReadError::TooDeep)?;
    let docs = MarkedYaml::load_from_str(text).map_err(|e| ReadError::Syntax {
        line: e.marker().line(),
        reason: e.info().to_owned(),
    })?;
    let not_list = |found| ReadError::NotResourceList { found };
    let Some(root) = docs.first() else {
        return Err(not_list(None));
    };
    let YamlData::Mapping(map) = &root.data else {
        return Err(not_list(None));
    };
    let offsets = byte_offsets(text);
    let get = |name: &str| {
        map.iter().find_map(|(k, v)| {
            matches!(&k.data, YamlData::Value(Scalar::String(s)) if s == name).then_some(v)
        })
    };
    let kind = get("kind").and_then(|k| match &k.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        _ => None,
    });
    if kind.as_deref() != Some("ResourceList") {
        return Err(not_list(kind));
    }
    let bytes = text.as_bytes();
    let section = |node: &MarkedYaml<'_>| {
        let start = offsets.byte(node.span.start.index());
        let end = match bytes.get(start) {
            Some(b'{' | b'[') => flow_end(bytes, start),
            _ => offsets.byte(node.span.end.index()),
        };
        Section {
            range: start..end,
            line: node.span.start.line(),
            inline: true,
        }
    };
    let mut items = Vec::new();
    if let Some(YamlData::Sequence(seq)) = get("items").map(|n| &n.data) {
        for item in seq {
            items.push(section(item).range);
        }
    }
    let root_start = offsets.byte(root.span.start.index());
    let end = flow_end(bytes, root_start).saturating_sub(1);
    Ok(ResourceList {
        format: Format::Flow,
        items_region: items.first().map_or(0, |r| r.start)..items.last().map_or(0, |r| r.end),
        items,
        function_config: get("functionConfig").map(section),
        results: get("results").map(section),
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(input: &'a str, ranges: &[Range<usize>]) -> Vec<&'a str> {
        ranges.iter().map(|r| &input[r.clone()]).collect()
    }

    #[test]
    fn block_lists_as_kpt_and_kustomize_write_them() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: A\n  x: |\n    - not an item\n# comment\n- kind: B # c\nfunctionConfig:\n  kind: ImageScan\nresults: []\n";
        let list = ResourceList::read(input.as_bytes()).unwrap();
        assert_eq!(list.format, Format::Block);
        assert_eq!(
            texts(input, &list.items),
            [
                "- kind: A\n  x: |\n    - not an item\n# comment\n",
                "- kind: B # c\n"
            ]
        );
        let fc = list.function_config.unwrap();
        assert_eq!(
            (&input[fc.range], fc.line, fc.inline),
            ("  kind: ImageScan\n", 10, false)
        );
        let results = list.results.unwrap();
        assert_eq!((&input[results.range], results.inline), ("[]\n", true));
        assert_eq!(list.end, input.len());

        let indented = "---\nkind: ResourceList\nitems:\n  - a: 1\n  - b: 2\n...\n";
        let list = ResourceList::read(indented.as_bytes()).unwrap();
        assert_eq!(texts(indented, &list.items), ["  - a: 1\n", "  - b: 2\n"]);
        assert_eq!(&indented[list.end..], "...\n");

        let empty = "kind: ResourceList\nitems: []\n";
        assert!(
            ResourceList::read(empty.as_bytes())
                .unwrap()
                .items
                .is_empty()
        );
    }

    #[test]
    fn json_lists() {
        let input = r#"{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [{"kind": "A"}, {"kind": "B", "s": "}"}], "functionConfig": {"kind": "ImageScan"}}"#;
        let list = ResourceList::read(input.as_bytes()).unwrap();
        assert_eq!(list.format, Format::Flow);
        assert_eq!(
            texts(input, &list.items),
            [r#"{"kind": "A"}"#, r#"{"kind": "B", "s": "}"}"#]
        );
        assert_eq!(
            &input[list.function_config.unwrap().range],
            r#"{"kind": "ImageScan"}"#
        );
        assert_eq!(&input[list.end..], "}");
    }

    #[test]
    fn not_a_resource_list() {
        for (input, want) in [
            (
                "kind: Deployment\n",
                ReadError::NotResourceList {
                    found: Some("Deployment".into()),
                },
            ),
            ("- a\n", ReadError::NotResourceList { found: None }),
            ("", ReadError::NotResourceList { found: None }),
        ] {
            assert_eq!(
                ResourceList::read(input.as_bytes()).unwrap_err(),
                want,
                "{input:?}"
            );
        }
        assert!(matches!(
            ResourceList::read(b"kind: [\n"),
            Err(ReadError::Syntax { .. })
        ));
        assert_eq!(ResourceList::read(b"\xff").unwrap_err(), ReadError::NotUtf8);
    }
}
