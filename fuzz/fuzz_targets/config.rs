//! Fuzz target: the configuration reader, imagescan.yaml (or a KRM functionConfig) text
//! to the validated configuration, in memory (`ConfigSet::from_document`).
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use imagescan::config::{ConfigSet, Schema};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory"));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for schema in [Schema::ImageScan, Schema::Function] {
        let _ = ConfigSet::from_document(text, schema, Path::new("imagescan.yaml"), dir.path());
    }
});
