//! Finding the markers of a ResourceList's items while the list is being read: kpt and
//! kustomize write each item as a `- ` line in column 0 under `items:`, and nothing the
//! marker finder looks at reaches across such a line (no block scalar or line below a
//! marker does: the items region holds no `---` line, and an item's keys are indented),
//! so each item is searched as soon as it has wholly arrived, while it is in the
//! processor's cache.
//!
//! This is only a head start: the items region found here must be the one
//! [`super::ResourceList::read`] finds afterwards, else the markers are looked for again
//! in the region read (and on any marker problem, for the messages of the whole search).
//! The column-0 lines walked here are kept ([`ReadAhead`]): the list's structure is read
//! from them ([`super::ResourceList::read_lines`]) without a second pass over the text.

use std::ops::Range;

use memchr::{memchr, memrchr};

use super::text::{Column0Line, unindented_lines};
use crate::marker::{Marker, find_markers, line_breaks};

/// Where the reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the `items:` line.
    Header,
    /// In the items region.
    Items,
    /// Past it.
    Done,
    /// Not a list read this way, or a marker problem.
    Failed,
}

/// The markers of the items read so far, and the lines not starting with a space.
#[derive(Debug)]
pub struct ItemWindows {
    phase: Phase,
    /// The line start up to which column-0 lines were looked at, and its line number.
    scanned: usize,
    scanned_line: usize,
    /// The lines before `scanned` not starting with a space: (start, 1-based number).
    unindented: Vec<Column0Line>,
    /// The items region (its end once known), and the number of its first line.
    region: Range<usize>,
    region_line: usize,
    /// How far the region was searched, and how many lines that holds.
    done: usize,
    lines: usize,
    markers: Vec<Marker>,
}

/// What was found while a list arrived ([`ItemWindows::finish`]).
#[derive(Debug)]
pub struct ReadAhead {
    /// Every line of the text not starting with a space, as [`unindented_lines`] gives
    /// them: what [`super::ResourceList::read_lines`] reads the list's structure from.
    pub unindented: Vec<Column0Line>,
    /// The items region and its markers (relative to the region's start); `None` when
    /// the list was not read this way or a marker has a problem.
    pub items: Option<(Range<usize>, Vec<Marker>)>,
}

impl Default for ItemWindows {
    fn default() -> Self {
        ItemWindows {
            phase: Phase::Header,
            scanned: 0,
            scanned_line: 1,
            unindented: Vec::new(),
            region: 0..0,
            region_line: 0,
            done: 0,
            lines: 0,
            markers: Vec::new(),
        }
    }
}

impl ItemWindows {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks at the complete lines of `text` (everything read so far: the same bytes
    /// as before, and more) not looked at yet, and searches the complete items.
    pub fn feed(&mut self, text: &[u8]) {
        let (from, from_line) = (self.scanned, self.scanned_line);
        let mut found = unindented_lines(&text[from..]);
        for (start, number) in found.by_ref() {
            let (start, number) = (from + start, from_line + number - 1);
            let Some(newline) = memchr(b'\n', &text[start..]) else {
                // Not complete yet.
                (self.scanned, self.scanned_line) = (start, number);
                return;
            };
            self.unindented.push(Column0Line::at(text, start, number));
            let line = &text[start..start + newline];
            self.scanned = start + newline + 1;
            match self.phase {
                Phase::Header if is_items_key(line) => {
                    self.phase = Phase::Items;
                    self.region = self.scanned..self.scanned;
                    self.region_line = number + 1;
                    self.done = self.scanned;
                }
                Phase::Items => match line.first() {
                    Some(b'-') if line.get(1).is_none_or(|&b| b == b' ') => {
                        self.search(text, start, Some(number));
                    }
                    None | Some(b'#' | b'\t' | b'\r') => {}
                    Some(_) => {
                        self.search(text, start, Some(number));
                        self.region.end = start;
                        if self.phase == Phase::Items {
                            self.phase = Phase::Done;
                        }
                    }
                },
                _ => {}
            }
        }
        // Up to the last line break: the line after it may be incomplete. The iterator
        // has counted every line break after `from`.
        if let Some(newline) = memrchr(b'\n', &text[self.scanned..]) {
            self.scanned += newline + 1;
        }
        self.scanned_line = from_line + found.line() - 1;
    }

    /// What was found, once `text` is read to its end.
    pub fn finish(mut self, text: &[u8]) -> ReadAhead {
        self.feed(text);
        // The last line, without a line break.
        if text.get(self.scanned).is_some_and(|&b| b != b' ') {
            self.unindented
                .push(Column0Line::at(text, self.scanned, self.scanned_line));
        }
        if self.phase == Phase::Items {
            self.search(text, text.len(), None);
            self.region.end = text.len();
        }
        let items = (self.phase != Phase::Header && self.phase != Phase::Failed)
            .then_some((self.region, self.markers));
        ReadAhead {
            unindented: self.unindented,
            items,
        }
    }

    /// Searches the region from where it was left to `end`, a line start whose number
    /// is `end_line` when known (the line breaks are counted otherwise).
    fn search(&mut self, text: &[u8], end: usize, end_line: Option<usize>) {
        if self.phase == Phase::Failed || end <= self.done {
            return;
        }
        let window = &text[self.done..end];
        match find_markers(window) {
            Ok(found) => {
                let (bytes, lines) = (self.done - self.region.start, self.lines);
                self.lines = match end_line {
                    Some(number) => number - self.region_line,
                    None => lines + line_breaks(window, &found),
                };
                self.markers
                    .extend(found.into_iter().map(|m| m.shifted(bytes, lines)));
            }
            Err(_) => self.phase = Phase::Failed,
        }
        self.done = end;
    }
}

/// `items:` alone on its line (spaces or a comment may follow).
fn is_items_key(line: &[u8]) -> bool {
    line.strip_prefix(b"items:").is_some_and(|rest| {
        let rest = rest.trim_ascii();
        rest.is_empty() || rest.starts_with(b"#")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::krm::ResourceList;

    fn column0_lines(text: &[u8]) -> Vec<Column0Line> {
        crate::krm::text::column0_lines(text).collect()
    }

    /// What [`ItemWindows`] finds in `bytes` arriving `piece` bytes at a time.
    fn fed_in_pieces(bytes: &[u8], piece: usize) -> ReadAhead {
        let mut windows = ItemWindows::new();
        let mut read = 0;
        while read < bytes.len() {
            read = (read + piece).min(bytes.len());
            windows.feed(&bytes[..read]);
        }
        windows.finish(bytes)
    }

    fn list() -> String {
        let mut text =
            String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
        for n in 0..400 {
            text.push_str(&format!(
                "- apiVersion: v1\n  kind: A\n  image: x:{n} # {{\"$imagescan\": \"s{}\"}}\n  data: |\n    - not an item\n    # {{\"$imagescan\": \"no\"}}\n{}",
                n % 7,
                "    filler\n".repeat(n % 9)
            ));
            if n % 100 == 0 {
                text.push_str("# a comment in column 0\n\n");
            }
        }
        text.push_str("functionConfig:\n  kind: ImageScan # {\"$imagescan\": \"not-in-items\"}\n");
        text
    }

    #[test]
    fn markers_found_as_the_list_arrives_are_those_of_its_items() {
        let text = list();
        let bytes = text.as_bytes();
        let list = ResourceList::read(bytes).unwrap();
        let whole = find_markers(&bytes[list.items_region.clone()]).unwrap();
        assert_eq!(whole.len(), 400);
        let column0 = column0_lines(bytes);
        assert_eq!(column0.len(), 400 + 4 * 2 + 4);
        for piece in [1, 5, 64, 999, 65_536, bytes.len()] {
            let ahead = fed_in_pieces(bytes, piece);
            assert_eq!(ahead.unindented, column0, "pieces of {piece}");
            let (region, markers) = ahead.items.expect("read as items");
            assert_eq!(region, list.items_region, "pieces of {piece}");
            assert_eq!(markers, whole, "pieces of {piece}");
        }
        // The last item at the end of the input, without a line break.
        let short = "kind: ResourceList\nitems:\n- a: 1 # {\"$imagescan\": \"s\"}\n- b: 2";
        let ahead = fed_in_pieces(short.as_bytes(), short.len());
        assert_eq!(ahead.unindented, column0_lines(short.as_bytes()));
        let (region, markers) = ahead.items.unwrap();
        assert_eq!(
            &short[region.clone()],
            "- a: 1 # {\"$imagescan\": \"s\"}\n- b: 2"
        );
        assert_eq!(
            region,
            ResourceList::read(short.as_bytes()).unwrap().items_region
        );
        assert_eq!(markers.len(), 1);
    }

    #[test]
    fn other_lists_and_marker_problems_are_left_to_the_whole_search() {
        let broken = list().replacen("\"s5\"}", "\"s5\"", 1);
        for text in [
            broken.as_str(),
            "{\"kind\": \"ResourceList\", \"items\": []}",
            "kind: ResourceList\nitems: []\n",
        ] {
            let ahead = fed_in_pieces(text.as_bytes(), text.len());
            assert!(ahead.items.is_none(), "{text:.40}");
            // The lines are found all the same, for the reader.
            let column0 = column0_lines(text.as_bytes());
            assert_eq!(ahead.unindented, column0, "{text:.40}");
        }
    }

    #[test]
    fn the_lines_found_as_the_list_arrives_are_those_of_the_whole_text() {
        // Other shapes, blank and indented lines, a last line without a line break,
        // and a list read no further than its header.
        for text in [
            "",
            "\n",
            " ",
            "a",
            "  \n \n",
            "kind: ResourceList\n\n  x: 1\nitems:\n  - a\n- b\n#c\nfunctionConfig:\n  k: v\nresults: []",
            "kind: ResourceList\nitems:\n- a\n---\nkind: Other\n...\n",
            "kind: ResourceList\nfoo: bar\n",
        ] {
            let bytes = text.as_bytes();
            let column0 = column0_lines(bytes);
            for piece in 1..=bytes.len().max(1) {
                let ahead = fed_in_pieces(bytes, piece);
                assert_eq!(ahead.unindented, column0, "{text:?} in pieces of {piece}");
                assert_eq!(
                    format!("{:?}", ResourceList::read_lines(bytes, ahead.unindented)),
                    format!("{:?}", ResourceList::read(bytes)),
                    "{text:?}"
                );
            }
        }
    }
}
