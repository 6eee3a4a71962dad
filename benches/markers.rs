//! Micro benchmark of the marker engine: find + apply over a ~20 KB manifest, without
//! markers (the common case in `render`: one memmem pass), with a few, and with many.
//!
//! Run: `cargo bench --bench markers`. Criterion prints MB/s per case.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imagescan::marker::{Edit, apply, find_markers};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A multi-document manifest of about `size` bytes; every `marker_every`-th document
/// carries a line-comment marker and a head-comment marker (0: none).
fn manifest(size: usize, marker_every: usize) -> Vec<u8> {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < size {
        let marked = marker_every > 0 && i % marker_every == 0;
        let (line, head) = if marked {
            (
                " # {\"$imagescan\": \"app\"}",
                "        # {\"$imagescan\": \"app:tag\"}\n",
            )
        } else {
            ("", "")
        };
        out.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels:\n    app.kubernetes.io/name: app-{i}\n    app.kubernetes.io/part-of: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: app-{i}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: app-{i}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/team/app:1.4.0{line}\n        env:\n        - name: VERSION\n{head}          value: \"1.4.0\"\n        args: |\n          --listen=:8080\n          --log-level=info\n        resources:\n          limits: {{cpu: 500m, memory: 256Mi}}\n"
        ));
        i += 1;
    }
    out.into_bytes()
}

fn find_and_apply(text: &[u8], out: &mut Vec<u8>) -> usize {
    let markers = find_markers(text).expect("valid markers");
    if markers.is_empty() {
        return 0;
    }
    let values: Vec<String> = markers
        .iter()
        .map(|m| {
            m.form
                .value("registry.example.com/team/app", "1.5.0", Some(DIGEST))
                .expect("digest")
        })
        .collect();
    let edits: Vec<Edit<'_>> = markers
        .iter()
        .zip(&values)
        .map(|(marker, v)| Edit {
            marker,
            new_value: v,
        })
        .collect();
    out.clear();
    apply(text, &edits, out).expect("disjoint edits").len()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("find+apply 20KB");
    for (name, every) in [("no markers", 0), ("2 markers", 100), ("every document", 1)] {
        let text = manifest(20 * 1024, every);
        let mut out = Vec::with_capacity(text.len() * 2);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| find_and_apply(black_box(&text), &mut out))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
