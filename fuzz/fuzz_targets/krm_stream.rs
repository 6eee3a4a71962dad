//! Fuzz target: the KRM ResourceList reader and the Helm post-render stream locator.
//! Every range the reader returns must lie inside the input.
#![no_main]

use imagescan::krm::ResourceList;
use imagescan::postrender::locate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = ResourceList::read(data) {
        let inside = |r: &std::ops::Range<usize>| r.start <= r.end && r.end <= data.len();
        assert!(list.items.iter().all(inside));
        assert!(inside(&list.items_region));
        assert!(list.function_config.iter().all(|s| inside(&s.range)));
        assert!(list.results.iter().all(|s| inside(&s.range)));
        assert!(list.end <= data.len());
    }
    let line = data.first().map_or(1, |&b| usize::from(b));
    let _ = locate(data, line).name();
    let _ = locate(data, usize::MAX).name();
});
