//! Policy load: parse, resolve and compile; and the scaling family's two
//! cases that once grew faster than the policy (compiling 100,000 rules;
//! 10,000 zones with tests of every zone).
//!
//! Run: `cargo bench -p onus-bench --bench load`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn load_and_compile(text: &str) {
    let policy = onus::load("p", black_box(text)).unwrap();
    let encode =
        |d: &onus::Decision| onus::render::decision_bytes(&policy, d, onus::DecisionFields::ALL);
    let compiled = onus::unstable::Compiled::new(&policy, &encode);
    black_box(&compiled);
}

fn load(c: &mut Criterion) {
    let azure = onus::builtin("azure").unwrap().text;
    // The largest built-in: 4,149 rules, 118 tests, about 1 MB of text.
    let baselines = onus::builtin("azure-baselines").unwrap().text;
    let large = onus_bench::scale_policy(16, 8, 5000, 50, 2);
    for (name, text) in [
        ("azure", azure),
        ("azure-baselines", baselines),
        ("generated 5,000 rules", large.as_str()),
    ] {
        c.bench_function(&format!("load {name}: parse, resolve, compile"), |b| {
            b.iter(|| load_and_compile(text))
        });
    }
}

fn family(c: &mut Criterion) {
    let mut group = c.benchmark_group("load the scaling family");
    group.sample_size(10);
    let rules = onus_bench::family_policy(100_000, 50, false);
    group.bench_function("100,000 rules over 50 zones", |b| {
        b.iter(|| load_and_compile(&rules))
    });
    // The tests in the policy itself, so that loading resolves them.
    let tests = onus_bench::family_tests(10_000, 10_000);
    let zones = onus_bench::family_policy(10_000, 10_000, false)
        + tests.split_once('\n').expect("a `tests for` line").1;
    group.bench_function(
        "10,000 rules over 10,000 zones, ten tests of every zone",
        |b| b.iter(|| load_and_compile(&zones)),
    );
    group.finish();
}

criterion_group!(benches, load, family);
criterion_main!(benches);
