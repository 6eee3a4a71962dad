//! A bound on how deeply YAML collections nest, checked before a document is loaded
//! into a tree: loading, walking and dropping a tree recurse once per level, so block
//! style nested some 30,000 levels deep (in `imagescan.yaml`, or in a key of a
//! `fleet.yaml` that imagescan otherwise ignores) would overflow the stack. The check
//! runs the event parser, which keeps its own stack on the heap, and stops at the first
//! collection past [`MAX_DEPTH`], reporting its line.

use saphyr_parser::{Event, Parser};

/// The deepest nesting of mappings and sequences accepted; real configuration and
/// Kubernetes objects stay far below it.
pub const MAX_DEPTH: usize = 128;

/// A collection nested past [`MAX_DEPTH`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "YAML nested more than {} levels deep; imagescan reads no deeper",
    MAX_DEPTH
)]
pub struct TooDeep {
    /// The 1-based line of the first collection past the limit.
    pub line: usize,
}

/// Checks that no collection in `source` nests deeper than [`MAX_DEPTH`]. Syntax errors
/// are left for the loader to report: this only looks at nesting.
pub fn check(source: &str) -> Result<(), TooDeep> {
    let mut parser = Parser::new_from_str(source);
    let mut depth = 0usize;
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(TooDeep {
                        line: span.start.line(),
                    });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => break,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(levels: usize) -> String {
        let mut text = String::new();
        for i in 0..levels {
            text.push_str(&" ".repeat(i));
            text.push_str("k:\n");
        }
        text
    }

    #[test]
    fn bounds_block_and_flow_nesting() {
        assert_eq!(check(&block(MAX_DEPTH)), Ok(()));
        assert_eq!(
            check(&block(MAX_DEPTH + 1)),
            Err(TooDeep {
                line: MAX_DEPTH + 1
            })
        );
        assert_eq!(
            check(&block(30_000)),
            Err(TooDeep {
                line: MAX_DEPTH + 1
            })
        );
        let seq: String = (0..5_000)
            .map(|i| format!("{}-\n", " ".repeat(i * 2)))
            .collect();
        assert!(check(&seq).is_err());
        let compact = format!("a:\n  {}x\n", "- ".repeat(30_000));
        assert_eq!(check(&compact), Err(TooDeep { line: 2 }));
        assert!(check(&"[".repeat(MAX_DEPTH + 1)).is_err());
        assert_eq!(check("a: {b: [1, 2]}\nc: [x]\n"), Ok(()));
        assert_eq!(
            check("a: [unclosed"),
            Ok(()),
            "syntax is the loader's to report"
        );
    }
}
