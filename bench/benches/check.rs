//! `onus check` on the scale case: 16 dimensions of 8 values (8^16, about
//! 2.8e14 scenarios), 500 rules over 50 zones.

use criterion::{criterion_group, criterion_main, Criterion};
use onus_bench::scale_policy;

fn check_scale(c: &mut Criterion) {
    let text = scale_policy(16, 8, 500, 50, 1);
    let policy = onus::load("scale.onus", &text).expect("the scale policy loads");
    let findings = onus::check::check(&policy);
    eprintln!("scale case: {} findings", findings.len());
    c.bench_function("check 16x8 dimensions, 500 rules, 50 zones", |b| {
        b.iter(|| onus::check::check(std::hint::black_box(&policy)))
    });
    c.bench_function("load and check the scale case", |b| {
        b.iter(|| {
            onus::check(
                std::hint::black_box("scale.onus"),
                std::hint::black_box(&text),
            )
        })
    });
}

criterion_group!(benches, check_scale);
criterion_main!(benches);
