//! Golden files: one layout (`testdata/golden/…`, named by the test) and one update
//! switch, `UPDATE_GOLDEN=1`, which rewrites them instead of comparing (to be reviewed
//! and committed).

use std::fs;
use std::path::Path;

use super::cli::crate_root;

/// Whether goldens are being rewritten (`UPDATE_GOLDEN=1`).
pub fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

/// Compares `actual` with the golden file `testdata/golden/NAME` byte for byte. With
/// `UPDATE_GOLDEN=1` the golden is (re)written instead, to be inspected by eye and
/// committed.
pub fn assert_golden(name: &str, actual: &[u8]) {
    let path = crate_root().join("testdata/golden").join(name);
    if updating() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if expected != actual {
        panic!(
            "output differs from {}\n--- expected\n{}\n--- actual\n{}",
            path.display(),
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual)
        );
    }
}

/// Compares `actual` with the golden file at `path` (any place under testdata), or
/// rewrites it under `UPDATE_GOLDEN=1`.
pub fn assert_golden_at(path: &Path, actual: &[u8]) {
    if updating() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, actual).unwrap();
        return;
    }
    let expected = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        expected == actual,
        "output differs from {} (UPDATE_GOLDEN=1 rewrites it)\n--- expected\n{}\n--- actual\n{}",
        path.display(),
        String::from_utf8_lossy(&expected),
        String::from_utf8_lossy(actual)
    );
}
