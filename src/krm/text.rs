//! Small byte-level helpers over YAML text: line starts and numbers, the end of a flow
//! collection or quoted scalar, and the YAML parser's character positions as byte
//! offsets.

use std::ops::Range;

use memchr::memchr_iter;

/// The start of every line that begins inside `range`.
pub fn line_starts(input: &[u8], range: Range<usize>) -> impl Iterator<Item = usize> + '_ {
    let end = range.end;
    std::iter::once(range.start)
        .chain(memchr_iter(b'\n', &input[range.clone()]).map(move |i| range.start + i + 1))
        .filter(move |&s| s < end)
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
