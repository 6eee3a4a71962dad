//! Small byte-level helpers over YAML text: line starts and numbers, the lines not
//! starting with a space, the end of a flow collection or quoted scalar, and the YAML
//! parser's character positions as byte offsets.

use std::ops::Range;

use memchr::memchr_iter;

/// The start of every line that begins inside `range`.
pub fn line_starts(input: &[u8], range: Range<usize>) -> impl Iterator<Item = usize> + '_ {
    let end = range.end;
    std::iter::once(range.start)
        .chain(memchr_iter(b'\n', &input[range.clone()]).map(move |i| range.start + i + 1))
        .filter(move |&s| s < end)
}

/// A line not starting with a space, with its first bytes: what the ResourceList reader
/// looks at for each (for the thousands of item lines, no more), kept by
/// [`super::ItemWindows`] while the line is in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column0Line {
    /// Where it starts.
    pub start: usize,
    /// Its 1-based number.
    pub number: usize,
    /// Its first four bytes; line breaks past its end.
    pub head: [u8; 4],
}

impl Column0Line {
    /// The line of `text` starting at `start`, numbered `number`.
    pub fn at(text: &[u8], start: usize, number: usize) -> Self {
        let mut head = [b'\n'; 4];
        let bytes = &text[start..text.len().min(start + 4)];
        let line = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes, |i| &bytes[..i]);
        head[..line.len()].copy_from_slice(line);
        Column0Line {
            start,
            number,
            head,
        }
    }
}

/// [`unindented_lines`] of `text`, each with its head ([`Column0Line`]).
pub fn column0_lines(text: &[u8]) -> impl Iterator<Item = Column0Line> + '_ {
    unindented_lines(text).map(|(start, number)| Column0Line::at(text, start, number))
}

/// The start and 1-based number of every line of `text` whose first byte is not a space
/// (blank lines included), in order.
///
/// Most lines of a ResourceList are indented: 64 bytes are looked at together (a loop the
/// compiler turns into vector instructions), and only blocks where a line break is
/// followed by something else than a space are looked at byte by byte.
pub fn unindented_lines(text: &[u8]) -> UnindentedLines<'_> {
    UnindentedLines {
        text,
        scan: 0,
        scan_end: 0,
        line: 1,
        started: false,
    }
}

/// See [`unindented_lines`].
#[derive(Debug, Clone)]
pub struct UnindentedLines<'a> {
    text: &'a [u8],
    /// The next byte to look at.
    scan: usize,
    /// The end of the block being looked at byte by byte.
    scan_end: usize,
    /// The number of the line holding `scan`.
    line: usize,
    started: bool,
}

/// How many bytes are looked at together.
const BLOCK: usize = 64;

impl UnindentedLines<'_> {
    /// The number of the line being looked at: once the iterator has ended, 1 + the
    /// number of line breaks in the text.
    pub fn line(&self) -> usize {
        self.line
    }
}

impl Iterator for UnindentedLines<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let text = self.text;
        if !self.started {
            self.started = true;
            if text.first().is_some_and(|&b| b != b' ') {
                return Some((0, 1));
            }
        }
        loop {
            while self.scan < self.scan_end {
                let at = self.scan;
                self.scan += 1;
                if text[at] == b'\n' {
                    self.line += 1;
                    if text.get(at + 1).is_some_and(|&b| b != b' ') {
                        return Some((at + 1, self.line));
                    }
                }
            }
            let start = self.scan;
            if start >= text.len() {
                return None;
            }
            // A block and the byte after it (the first byte of a line starting in it).
            match text.get(start..=start + BLOCK) {
                Some(block) => {
                    let (mut hit, mut newlines) = (0u8, 0u8);
                    for j in 0..BLOCK {
                        let newline = u8::from(block[j] == b'\n');
                        hit |= newline & u8::from(block[j + 1] != b' ');
                        newlines += newline;
                    }
                    if hit == 0 {
                        self.line += usize::from(newlines);
                        self.scan = start + BLOCK;
                    } else {
                        self.scan_end = start + BLOCK;
                    }
                }
                None => self.scan_end = text.len(),
            }
        }
    }
}

/// The 1-based line of byte `offset`, counting from `from` (a line start on line
/// `from_line`).
pub fn line_at(input: &[u8], from: usize, from_line: usize, offset: usize) -> usize {
    from_line + memchr_iter(b'\n', &input[from..offset]).count()
}

/// The end (exclusive) of the flow collection (`{…}`, `[…]`) or quoted scalar starting
/// at `start`; the input's end when it is not closed.
pub fn flow_end(input: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < input.len() {
        match input[i] {
            b'"' => i = double_quoted_end(input, i) - 1,
            b'\'' => i = single_quoted_end(input, i) - 1,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        if depth == 0 {
            return i + 1; // a scalar
        }
        i += 1;
    }
    input.len()
}

/// The end (exclusive) of the `"…"` scalar starting at `start`.
pub fn double_quoted_end(input: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < input.len() {
        match input[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    input.len()
}

/// The end (exclusive) of the `'…'` scalar starting at `start` (`''` is an escaped quote).
pub fn single_quoted_end(input: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < input.len() {
        if input[i] == b'\'' {
            if input.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    input.len()
}

/// Character positions (what the YAML parser reports) as byte offsets in one text.
#[derive(Debug)]
pub struct ByteOffsets {
    /// Byte offset of every character; empty when the text is ASCII (identity).
    table: Vec<usize>,
    len: usize,
}

/// The offsets table of `text`.
pub fn byte_offsets(text: &str) -> ByteOffsets {
    let table = if text.is_ascii() {
        Vec::new()
    } else {
        text.char_indices().map(|(i, _)| i).collect()
    };
    ByteOffsets {
        table,
        len: text.len(),
    }
}

impl ByteOffsets {
    /// The byte offset of character `index`.
    pub fn byte(&self, index: usize) -> usize {
        if self.table.is_empty() {
            index.min(self.len)
        } else {
            self.table.get(index).copied().unwrap_or(self.len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_of_flow_and_scalars() {
        let cases = [
            (
                r#"{"a": "}", 'b': ['x']} tail"#,
                r#"{"a": "}", 'b': ['x']}"#,
            ),
            (r#"[1, [2], {"c": "\""}]x"#, r#"[1, [2], {"c": "\""}]"#),
            (r#""a\"b" x"#, r#""a\"b""#),
            ("'it''s' x", "'it''s'"),
            ("{unclosed", "{unclosed"),
        ];
        for (input, want) in cases {
            assert_eq!(&input[..flow_end(input.as_bytes(), 0)], want, "{input}");
        }
    }

    #[test]
    fn character_positions_become_byte_offsets() {
        let ascii = byte_offsets("abc");
        assert_eq!((ascii.byte(2), ascii.byte(9)), (2, 3));
        let text = "é: ü\nx";
        let offsets = byte_offsets(text);
        assert_eq!(&text[offsets.byte(3)..], "ü\nx");
        assert_eq!(&text[offsets.byte(5)..], "x");
        assert_eq!(offsets.byte(99), text.len());
    }

    #[test]
    fn unindented_lines_are_found_across_blocks() {
        // Lines of every length around the block size, some indented, some blank.
        let mut text = String::new();
        for n in 0..300 {
            let indent = if n % 3 == 0 { "" } else { "  " };
            text.push_str(&format!("{indent}{}\n", "x".repeat(n % 97)));
            if n % 7 == 0 {
                text.push('\n');
            }
        }
        text.push_str("last-without-newline");
        // Texts ending at, before and after a block's end, with a line break last.
        let edges: Vec<String> = [63, 64, 65, 127, 128, 129]
            .iter()
            .map(|&n| format!("{}\n", " ".repeat(n - 1)))
            .collect();
        let inputs = [text.as_str(), " a\nb", "\n", "", " ", "a", "  \n \n"];
        for input in inputs.into_iter().chain(edges.iter().map(String::as_str)) {
            let bytes = input.as_bytes();
            let mut want = Vec::new();
            for (number, start) in line_starts(bytes, 0..bytes.len()).enumerate() {
                if bytes[start] != b' ' {
                    want.push((start, number + 1));
                }
            }
            let mut lines = unindented_lines(bytes);
            assert_eq!(lines.by_ref().collect::<Vec<_>>(), want, "{input:?}");
            let breaks = bytes.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(lines.line(), breaks + 1, "{input:?}");
            assert_eq!(lines.next(), None);
        }
    }

    #[test]
    fn lines() {
        let input = b"a\nbb\n\nc";
        assert_eq!(
            line_starts(input, 0..input.len()).collect::<Vec<_>>(),
            [0, 2, 5, 6]
        );
        assert_eq!(line_starts(input, 2..5).collect::<Vec<_>>(), [2]);
        assert_eq!(line_at(input, 0, 1, 6), 4);
        assert_eq!(line_at(input, 2, 2, 5), 3);
    }
}
