//! Fuzz target: the marker finder and line parser (`find_markers`), then `apply` of an
//! edit to every marker found; the edited text must read back with the new values.
#![no_main]

use imagescan::marker::{Edit, apply, find_markers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(markers) = find_markers(data) else {
        return;
    };
    for m in &markers {
        assert!(m.span.start <= m.span.end && m.span.end <= data.len());
    }
    let new_value = "fuzz-1.2.3";
    let edits: Vec<Edit<'_>> = markers
        .iter()
        .map(|marker| Edit { marker, new_value })
        .collect();
    let mut out = Vec::new();
    if apply(data, &edits, &mut out).is_err() {
        return;
    }
    let again = find_markers(&out).expect("edited text must still parse");
    assert_eq!(
        again.len(),
        markers.len(),
        "marker count changed by editing"
    );
    for m in &again {
        assert_eq!(
            m.value, new_value,
            "line {}: value does not read back",
            m.line
        );
    }
});
