//! Fuzz target: the `Link` header parser (and resolving its `next` target) and the
//! `WWW-Authenticate` challenge parser.
#![no_main]

use imagescan::registry::{next_link, parse_challenges, resolve_link};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Some(target)) = next_link(header) {
        let _ = resolve_link(
            "https://registry.example/v2/team/app/tags/list?n=100",
            target,
        );
        let _ = resolve_link("http://127.0.0.1:5000", target);
    }
    let _ = parse_challenges(header);
});
