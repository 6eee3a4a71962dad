//! What the sweep of killed runs' temporary files costs a command that writes a tree:
//! [`imagescan::fsutil::temp::sweep`] over a tree with nothing to remove (every write
//! pays this), next to [`imagescan::files::marker_files`], the listing the same command
//! makes anyway, on the same tree.
//!
//! Run: `cargo bench --bench sweep`. The tree: 2,000 manifests in 200 directories two
//! levels deep, plus a `.git` directory the sweep does not enter.

use std::fs;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use imagescan::files::{Excludes, marker_files};
use imagescan::fsutil::temp::sweep;

const DIRS: usize = 200;
const FILES_PER_DIR: usize = 10;

fn tree(root: &Path) {
    for d in 0..DIRS {
        let dir = root.join(format!("team{}/app{d:03}", d % 10));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..FILES_PER_DIR {
            fs::write(
                dir.join(format!("m{f}.yaml")),
                "apiVersion: v1\nkind: ConfigMap\n",
            )
            .unwrap();
        }
    }
    fs::create_dir_all(root.join(".git/objects")).unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let mut group = c.benchmark_group("2000 files in 200 dirs");
    group.bench_function("sweep (nothing to remove)", |b| {
        b.iter(|| assert!(sweep(black_box(dir.path())).is_empty()));
    });
    group.bench_function("marker_files listing", |b| {
        b.iter(|| black_box(marker_files(dir.path(), &Excludes::none()).unwrap()).len());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
