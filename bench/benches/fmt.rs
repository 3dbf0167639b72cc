//! fmt on growing policies: parse and print in canonical layout. Guards the
//! ordering step, which once looked every zone up again for each statement
//! (cubic: 2,000 zones took 10 s).
//!
//! Run: `cargo bench -p onus-bench --bench fmt`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;

/// `z<i>: provider when iaas` for each zone, half of the zones declared,
/// the rules in a scrambled order (`i * 7919 mod n`), so the sort has both
/// declared and mentioned zones to rank and no run already in order.
fn zones_policy(zones: usize) -> String {
    let declared: String = (0..zones / 2).map(|i| format!("zone z{i}\n")).collect();
    let rules: String = (0..zones)
        .map(|i| format!("z{}: provider when iaas\n", i * 7919 % zones))
        .collect();
    declared + &rules
}

fn fmt(c: &mut Criterion) {
    let mut group = c.benchmark_group("fmt");
    group.sample_size(10);
    for zones in [1_000, 2_000, 4_000, 8_000] {
        let text = zones_policy(zones);
        group.bench_with_input(BenchmarkId::new("zones", zones), &text, |b, text| {
            b.iter(|| {
                let tree = onus::parse("p.onus", black_box(text)).unwrap();
                black_box(tree.formatted())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fmt);
criterion_main!(benches);
