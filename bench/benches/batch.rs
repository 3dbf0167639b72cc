//! Batch throughput: 1,000,000 generated NDJSON scenarios for `azure`, JSON
//! in and out, beside an I/O-only baseline that reads and writes the same
//! records with each zone's answer replaced by a constant.
//!
//! Run: `cargo bench -p onus-bench --bench batch`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use onus::{run_batch as run, BatchOptions as Options, BatchWork, PartialScenario};

const RECORDS: usize = 1_000_000;

fn batch(c: &mut Criterion) {
    let azure = onus::builtin("azure").unwrap();
    let policy = onus::load(azure.name, azure.text).unwrap();
    let input = onus_bench::inventory(RECORDS, 7);
    let none = PartialScenario::empty(&policy);
    let mut group = c.benchmark_group("batch 1,000,000 scenarios");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (name, jobs, work) in [
        ("evaluate, 1 thread", 1, BatchWork::Evaluate),
        ("I/O-only baseline, 1 thread", 1, BatchWork::LongestAnswers),
        ("evaluate, 2 threads", 2, BatchWork::Evaluate),
    ] {
        let options = Options {
            jobs,
            overrides: &none,
            work,
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let summary =
                    run(&policy, input.as_bytes(), std::io::sink(), &options, |_| {}).unwrap();
                assert_eq!(summary.records, RECORDS as u64);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, batch);
criterion_main!(benches);
