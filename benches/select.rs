//! Selection over 100,000 generated tags (issue 2, target ≤ 50 ms per selection with a
//! semver range). Run with `cargo bench --bench select`; docs/benchmarks.md records the
//! figures. The tag mix imitates a busy repository: plain and `v`-prefixed releases,
//! prereleases, build metadata, signatures and non-version tags.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use imagescan::policy::{Order, Policy, TagFilter, TagPolicy, compile_pattern};
use imagescan::source::Tags;

/// 100,000 distinct tags, deterministic (no RNG needed for a fixed mix).
fn tags() -> Vec<String> {
    let mut tags = Vec::with_capacity(100_000);
    let mut i: u64 = 0;
    while tags.len() < 100_000 {
        let (major, minor, patch) = (i % 7, (i / 7) % 40, i / 280);
        let tag = match i % 10 {
            0 => format!("v{major}.{minor}.{patch}"),
            1 => format!("{major}.{minor}.{patch}-rc.{}", i % 5),
            2 => format!("{major}.{minor}.{patch}+build.{i}"),
            3 => format!("sha256-{i:064x}.sig"),
            4 => format!("main-{i:07x}-{}", 1_700_000_000 + i),
            5 => format!("{major}.{minor}"),
            _ => format!("{major}.{minor}.{patch}"),
        };
        tags.push(tag);
        i += 1;
    }
    tags
}

fn policy(policy: Policy, filter: Option<(&str, Option<&str>)>, exclude: &[&str]) -> TagPolicy {
    TagPolicy {
        policy,
        filter: filter.map(|(p, e)| TagFilter::new(p, e).expect("valid filter")),
        exclude: exclude
            .iter()
            .map(|p| compile_pattern(p).expect("valid regex"))
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let tags: Tags = tags().iter().collect();
    let cases = [
        (
            "semver >=1.2 <5",
            policy(Policy::semver(">=1.2 <5").unwrap(), None, &[]),
        ),
        (
            "semver ~3.4 || ^5 || 1.2 - 2, exclude .sig",
            policy(
                Policy::semver("~3.4 || ^5 || 1.2 - 2").unwrap(),
                None,
                &[r"\.sig$"],
            ),
        ),
        (
            "alphabetical asc",
            policy(Policy::Alphabetical(Order::Asc), None, &[]),
        ),
        (
            "numerical asc (mostly non-numbers)",
            policy(Policy::Numerical(Order::Asc), None, &[]),
        ),
        (
            "numerical asc, filter + extract $ts",
            policy(
                Policy::Numerical(Order::Asc),
                Some((r"^main-[0-9a-f]+-(?P<ts>[0-9]+)$", Some("$ts"))),
                &[],
            ),
        ),
    ];
    let mut group = c.benchmark_group("select 100k tags");
    for (name, policy) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| policy.select(black_box(&tags)).expect("a tag is selected"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
