//! The language server's answer to a keystroke in a 5,000-rule policy: the
//! library's `Checker`, which the server calls on every change, after an
//! edit of one rule's party. The first answer (syntax, names and the
//! findings of every zone the edit left alone) is published at once; the
//! edited zone's findings follow.
//!
//! Run: `cargo bench -p onus-bench --bench keystroke`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// The policy, and the same with the party of its middle rule changed: two
/// texts a keystroke apart.
fn texts(text: String) -> (String, String) {
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let edited = lines[middle]
        .replacen(": customer ", ": provider ", 1)
        .replacen(": shared ", ": customer ", 1)
        .replacen(": provider ", ": shared ", 1);
    assert_ne!(edited, lines[middle], "the middle line is a rule");
    let mut changed: Vec<&str> = lines.clone();
    changed[middle] = &edited;
    (text.clone(), changed.join("\n") + "\n")
}

fn keystroke(c: &mut Criterion) {
    let mut group = c.benchmark_group("keystroke in a 5,000-rule policy");
    group.sample_size(10);
    let cases = [
        // Consistent: 100 rules a zone, each on its own cell of 50 x 50.
        (
            "family, 50 zones",
            onus_bench::family_policy(5000, 50, false),
        ),
        // The check's worst case: conflicts almost everywhere.
        (
            "scale, 50 zones",
            onus_bench::scale_policy(16, 8, 5000, 50, 2),
        ),
        (
            "scale, 500 zones",
            onus_bench::scale_policy(16, 8, 5000, 500, 2),
        ),
    ];
    for (name, text) in cases {
        let (before, after) = texts(text);
        let mut checker = onus::Checker::default();
        checker.begin("p.onus", &before, usize::MAX);
        let findings = checker
            .begin("p.onus", &before, usize::MAX)
            .diagnostics
            .len();
        eprintln!("{name}: {findings} diagnostics");
        let mut toggle = false;
        let mut next = || {
            toggle = !toggle;
            if toggle {
                after.as_str()
            } else {
                before.as_str()
            }
        };
        group.bench_function(format!("{name}: the first answer"), |b| {
            b.iter(|| {
                let report = checker.begin("p.onus", black_box(next()), 0);
                black_box(report);
            })
        });
        group.bench_function(format!("{name}: the whole answer"), |b| {
            b.iter(|| {
                let report = checker.begin("p.onus", black_box(next()), usize::MAX);
                black_box(report);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, keystroke);
criterion_main!(benches);
