//! `onus check` on the scale case: 16 dimensions of 8 values (8^16, about
//! 2.8e14 scenarios), 500 rules over 50 zones; and on the grid and ring
//! families at growing sizes, to see how the cost grows.
//!
//! Run: `cargo bench -p onus-bench --bench check`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use onus_bench::{grid_policy, ring_policy, scale_policy};
use std::hint::black_box;

fn check_scale(c: &mut Criterion) {
    let text = scale_policy(16, 8, 500, 50, 1);
    let policy = onus::load("scale.onus", &text).expect("the scale policy loads");
    let findings = policy.findings();
    eprintln!("scale case: {} findings", findings.len());
    c.bench_function("scale: load (parse and resolve)", |b| {
        b.iter(|| onus::load(black_box("scale.onus"), black_box(&text)))
    });
    c.bench_function("scale: check (the analysis alone)", |b| {
        b.iter(|| black_box(&policy).findings())
    });
    c.bench_function("scale: load, check and build every diagnostic", |b| {
        b.iter(|| onus::check(black_box("scale.onus"), black_box(&text)))
    });
}

/// The largest built-in policy, `azure-baselines` (4,149 rules over one
/// dimension of 118 values): the analysis alone, and `onus check` whole.
fn check_baselines(c: &mut Criterion) {
    let text = onus::builtin("azure-baselines").unwrap().text;
    let policy = onus::load("azure-baselines", text).expect("the built-in loads");
    assert!(policy.findings().is_empty(), "the built-in checks clean");
    c.bench_function("azure-baselines: check (the analysis alone)", |b| {
        b.iter(|| black_box(&policy).findings())
    });
    c.bench_function(
        "azure-baselines: load, check and build every diagnostic",
        |b| b.iter(|| onus::check(black_box("azure-baselines"), black_box(text))),
    );
}

/// A family of policies: its name, its generator, the sizes measured.
type Family = (&'static str, fn(usize) -> String, &'static [usize]);

/// Each family's policy at each size: loaded once, then only the analysis
/// is timed. Every size must check without reaching the guard.
fn check_families(c: &mut Criterion) {
    let families: [Family; 2] = [
        ("grid", grid_policy, &[4, 8, 16, 32, 64]),
        ("ring", ring_policy, &[8, 16, 32, 64, 128]),
    ];
    for (name, make, sizes) in families {
        let mut group = c.benchmark_group(format!("check: {name}"));
        for &n in sizes {
            let policy = onus::load(name, &make(n)).expect("family policies load");
            let findings = policy.findings();
            assert!(
                !findings
                    .iter()
                    .any(|f| matches!(f, onus::Finding::Undecided { .. })),
                "{name} {n} reaches the guard"
            );
            group.bench_with_input(BenchmarkId::from_parameter(n), &policy, |b, policy| {
                b.iter(|| black_box(policy).findings())
            });
        }
        group.finish();
    }
}

/// Many copies of the same rule in each of 50 zones: each copy is
/// redundant, covered by the first. Guards the redundancy pass, which once
/// listed every earlier copy as covering each rule (quadratic: 100,000
/// rules took 398 s and printed 11 GB).
fn check_copies(c: &mut Criterion) {
    let mut group = c.benchmark_group("check: copies");
    group.sample_size(10);
    for rules in [1_000, 10_000, 100_000] {
        let text: String = (0..rules)
            .map(|i| format!("z{}: provider when model is iaas\n", i % 50))
            .collect();
        let policy = onus::load("copies.onus", &text).expect("copies load");
        let findings = policy.findings();
        assert_eq!(
            findings.len(),
            rules - 50,
            "every copy after its zone's first"
        );
        assert!(findings.iter().all(|f| matches!(
            f,
            onus::Finding::RedundantRule { covering, .. } if covering.len() == 1
        )));
        group.bench_with_input(BenchmarkId::from_parameter(rules), &policy, |b, policy| {
            b.iter(|| black_box(policy).findings())
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    check_scale,
    check_baselines,
    check_families,
    check_copies
);
criterion_main!(benches);
