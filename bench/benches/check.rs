//! `onus check` on the scale case: 16 dimensions of 8 values (8^16, about
//! 2.8e14 scenarios), 500 rules over 50 zones.
//!
//! Run: `cargo bench -p onus-bench --bench check`

use criterion::{criterion_group, criterion_main, Criterion};
use onus_bench::scale_policy;
use std::hint::black_box;

fn check_scale(c: &mut Criterion) {
    let text = scale_policy(16, 8, 500, 50, 1);
    let policy = onus::load("scale.onus", &text).expect("the scale policy loads");
    let findings = onus::check::check(&policy);
    eprintln!("scale case: {} findings", findings.len());
    c.bench_function("scale: load (parse and resolve)", |b| {
        b.iter(|| onus::load(black_box("scale.onus"), black_box(&text)))
    });
    c.bench_function("scale: check (the analysis alone)", |b| {
        b.iter(|| onus::check::check(black_box(&policy)))
    });
    c.bench_function("scale: load, check and build every diagnostic", |b| {
        b.iter(|| onus::check(black_box("scale.onus"), black_box(&text)))
    });
}

criterion_group!(benches, check_scale);
criterion_main!(benches);
