//! Finding the markers of a text while it is being read: each complete run of
//! documents (up to the last `---` line read so far, [`last_document_start`]) is searched
//! as soon as it has arrived, while it is still in the processor's cache, instead of
//! the whole text once it is all in memory. The markers are those [`find_markers`]
//! finds in the whole text (nothing it looks at reaches across a `---` line).

use memchr::{memchr_iter, memrchr};

use super::{Marker, find_markers, last_document_start};

/// The markers of the part of a growing text searched so far.
#[derive(Debug, Default)]
pub struct DocumentWindows {
    /// How many bytes of the text were searched.
    done: usize,
    /// How many lines they hold.
    lines: usize,
    markers: Vec<Marker>,
    /// A window had a marker problem: the whole text must be searched to report it.
    failed: bool,
}

impl DocumentWindows {
    /// Nothing searched yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Searches the complete documents of `text` (everything read so far: the same
    /// bytes as before, and more) not searched yet.
    pub fn feed(&mut self, text: &[u8]) {
        if self.failed {
            return;
        }
        if let Some(end) = last_document_start(&text[self.done..]) {
            self.search(text, self.done + end);
        }
    }

    /// Searches the rest of `text` (read to its end): its markers, or `None` when some
    /// marker has a problem ([`find_markers`] on the whole text says which).
    pub fn finish(mut self, text: &[u8]) -> Option<Vec<Marker>> {
        if !self.failed {
            self.search(text, text.len());
        }
        (!self.failed).then_some(self.markers)
    }

    fn search(&mut self, text: &[u8], end: usize) {
        let window = &text[self.done..end];
        match find_markers(window) {
            Ok(found) => {
                let (done, lines) = (self.done, self.lines);
                self.lines += line_breaks(window, &found);
                self.markers
                    .extend(found.into_iter().map(|m| m.shifted(done, lines)));
            }
            Err(_) => self.failed = true,
        }
        self.done = end;
    }
}

/// How many line breaks `window` holds, counted only after the line of the last of
/// its markers `found` (the marker finder counted those before it).
pub(crate) fn line_breaks(window: &[u8], found: &[Marker]) -> usize {
    match found.last() {
        Some(last) => {
            let line_start = memrchr(b'\n', &window[..last.span.start]).map_or(0, |i| i + 1);
            last.line - 1 + memchr_iter(b'\n', &window[line_start..]).count()
        }
        None => memchr_iter(b'\n', window).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_found_as_the_text_arrives_are_those_of_the_whole_text() {
        let mut text = String::new();
        for n in 0..300 {
            text.push_str(&format!(
                "---\nkind: A{n}\nimage: x:{n} # {{\"$imagescan\": \"s{}\"}}\ndata: |\n  # {{\"$imagescan\": \"no\"}}\n{}",
                n % 7,
                "  filler\n".repeat(n % 9)
            ));
            if n % 50 == 0 {
                text.push_str("---\r\n# {\"$imagescan\": \"head:tag\"}\r\ntag: '1'\r\n");
            }
        }
        let bytes = text.as_bytes();
        let whole = find_markers(bytes).unwrap();
        assert_eq!(whole.len(), 306);
        // Arriving in pieces of many sizes, cut anywhere (inside lines, inside `---`).
        for piece in [1, 7, 64, 1000, 4096, bytes.len()] {
            let mut windows = DocumentWindows::new();
            let mut read = 0;
            while read < bytes.len() {
                read = (read + piece).min(bytes.len());
                windows.feed(&bytes[..read]);
            }
            assert_eq!(
                windows.finish(bytes).as_ref(),
                Some(&whole),
                "pieces of {piece}"
            );
        }
        // Line breaks counted from the last marker's line are all of them.
        for end in [0, 120, 2000, bytes.len()] {
            let window = &bytes[..end];
            assert_eq!(
                line_breaks(window, &find_markers(window).unwrap()),
                memchr_iter(b'\n', window).count()
            );
        }
        // A marker problem anywhere: `None`, for the whole text to be searched.
        let broken = text.replacen("\"s5\"}", "\"s5\"", 1);
        let mut windows = DocumentWindows::new();
        for end in (0..broken.len()).step_by(500).chain([broken.len()]) {
            windows.feed(&broken.as_bytes()[..end]);
        }
        assert!(windows.finish(broken.as_bytes()).is_none());
    }
}
