//! Batch throughput: 1,000,000 generated NDJSON scenarios for `azure`, JSON
//! in and out, beside the least any program doing the same job can do
//! (`onus_bench::IoOnly`: read each line with serde_json, look its record
//! up, write it). Both write byte-identical output, checked before timing.
//! Then `--jobs 1` against `--jobs 2` on a policy whose evaluation
//! dominates.
//!
//! Run: `cargo bench -p onus-bench --bench batch`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use onus::{run_batch as run, BatchOptions as Options, PartialScenario, Policy};
use std::hash::Hasher;
use std::io::Write;

const RECORDS: usize = 1_000_000;

/// Hashes what is written, so two 4 GB outputs can be compared.
#[derive(Default)]
struct Digest(std::collections::hash_map::DefaultHasher, u64);

impl Write for Digest {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes);
        self.1 += bytes.len() as u64;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn onus_batch(policy: &Policy, input: &[u8], jobs: usize, output: impl Write) -> u64 {
    let none = PartialScenario::empty(policy);
    let options = Options {
        jobs,
        overrides: &none,
        fields: onus::DecisionFields::ALL,
    };
    run(policy, input, output, &options, |_| {})
        .unwrap()
        .records
}

fn against_io_only(c: &mut Criterion) {
    let azure = onus::builtin("azure").unwrap();
    let policy = onus::load(azure.name, azure.text).unwrap();
    let input = onus_bench::inventory(RECORDS, 7);
    let io_only = onus_bench::IoOnly::new(&policy);

    let (mut ours, mut theirs) = (Digest::default(), Digest::default());
    onus_batch(&policy, input.as_bytes(), 1, &mut ours);
    io_only.run(input.as_bytes(), &mut theirs).unwrap();
    assert_eq!(
        (ours.0.finish(), ours.1),
        (theirs.0.finish(), theirs.1),
        "onus and the I/O-only program write the same bytes"
    );
    eprintln!("both write the same {} bytes", ours.1);

    let mut group = c.benchmark_group("batch 1,000,000 azure scenarios");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("onus eval --batch, 1 thread", |b| {
        b.iter(|| {
            assert_eq!(
                onus_batch(&policy, input.as_bytes(), 1, std::io::sink()),
                RECORDS as u64
            )
        })
    });
    group.bench_function("I/O-only program", |b| {
        b.iter(|| {
            assert_eq!(
                io_only.run(input.as_bytes(), std::io::sink()).unwrap(),
                RECORDS as u64
            )
        })
    });
    group.finish();
}

fn jobs(c: &mut Criterion) {
    let text = onus_bench::heavy_policy(10_000, 5);
    let policy = onus::load("heavy", &text).unwrap();
    let input = onus_bench::scale_inventory(&policy, 10_000, 11);
    let mut group = c.benchmark_group("batch 10,000 scenarios, 10,000 rules over 50 zones");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    for jobs in [1, 2] {
        group.bench_function(format!("--jobs {jobs}"), |b| {
            b.iter(|| onus_batch(&policy, input.as_bytes(), jobs, std::io::sink()))
        });
    }
    group.finish();
}

criterion_group!(benches, against_io_only, jobs);
criterion_main!(benches);
