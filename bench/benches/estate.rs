//! Estate throughput: 1,000,000 generated NDJSON resources of an AWS estate
//! streamed through `aws`'s built-in resource map to NDJSON records, beside
//! `eval --batch` on 1,000,000 `azure` scenarios in the same run. The
//! issue's target: the estate at no less than a third of the batch's rate.
//!
//! Run: `cargo bench -p onus-bench --bench estate`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::io::Write;

const RECORDS: usize = 1_000_000;

/// Counts what is written, and keeps none of it.
#[derive(Default)]
struct Sink(u64);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len() as u64;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn estate_beside_batch(c: &mut Criterion) {
    let aws = onus::load_builtin("aws").unwrap();
    let maps = onus::resource_maps(&aws, &[]).unwrap();
    let resources = onus_bench::estate_inventory(RECORDS, 7);
    let azure = onus::load_builtin("azure").unwrap();
    let scenarios = onus_bench::inventory(RECORDS, 7);
    let none = onus::PartialScenario::empty(&azure);
    let options = onus::BatchOptions {
        jobs: 1,
        overrides: &none,
        fields: onus::DecisionFields::ALL,
    };

    let summary = onus::stream_estate(&aws, &maps, resources.as_bytes(), Sink::default()).unwrap();
    assert_eq!((summary.resources, summary.errors), (RECORDS as u64, 0));
    assert!(
        summary.mapped < summary.resources,
        "some types are unmapped"
    );

    let mut group = c.benchmark_group("1,000,000 records");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("estate aws, NDJSON resources streamed", |b| {
        b.iter(|| onus::stream_estate(&aws, &maps, resources.as_bytes(), Sink::default()).unwrap())
    });
    group.bench_function("eval azure --batch --jobs 1", |b| {
        b.iter(|| {
            onus::run_batch(
                &azure,
                scenarios.as_bytes(),
                Sink::default(),
                &options,
                |_| {},
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, estate_beside_batch);
criterion_main!(benches);
