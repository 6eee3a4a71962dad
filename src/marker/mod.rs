//! Markers (SPEC §3): find `$imagescan` comments, compute edits, apply them byte-exactly.
