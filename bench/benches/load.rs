//! Policy load: parse, resolve and compile.
//!
//! Run: `cargo bench -p onus-bench --bench load`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn load(c: &mut Criterion) {
    let azure = onus::builtin("azure").unwrap().text;
    let large = onus_bench::scale_policy(16, 8, 5000, 50, 2);
    for (name, text) in [("azure", azure), ("generated 5,000 rules", large.as_str())] {
        c.bench_function(&format!("load {name}: parse, resolve, compile"), |b| {
            b.iter(|| {
                let policy = onus::load("p", black_box(text)).unwrap();
                let encode = |d: &onus::Decision| {
                    onus::render::decision_bytes(&policy, d, onus::DecisionFields::ALL)
                };
                let compiled = onus::Compiled::new(&policy, &encode);
                black_box(&compiled);
            })
        });
    }
}

criterion_group!(benches, load);
criterion_main!(benches);
