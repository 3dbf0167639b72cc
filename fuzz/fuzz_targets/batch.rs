//! Batch input: arbitrary bytes as NDJSON. Exactly one record per non-blank
//! line, in order, whatever the thread count, and the same bytes either way;
//! every id echoed is one a strict JSON reader reads as meant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn azure() -> &'static onus::Policy {
    static AZURE: OnceLock<onus::Policy> = OnceLock::new();
    AZURE.get_or_init(|| {
        let b = onus::builtin("azure").unwrap();
        onus::load(b.name, b.text).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let policy = azure();
    let none = onus::PartialScenario::empty(policy);
    let run_with = |jobs, fields| {
        let options = onus::BatchOptions { jobs, overrides: &none, fields };
        let mut out = Vec::new();
        let summary = onus::run_batch(policy, data, &mut out, &options, |_| {}).expect("memory I/O cannot fail");
        (summary, out)
    };
    let run = |jobs| run_with(jobs, onus::DecisionFields::ALL);
    let (summary, out) = run(1);
    let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len() as u64, summary.records);
    let mut expected = 0u64;
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        let line = if i == 0 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line) } else { line };
        // Blank as JSON counts it: a form feed is not whitespace there.
        if !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
            expected += 1;
        }
    }
    assert_eq!(summary.records, expected, "one record per non-blank line");
    let mut previous = 0;
    for line in &lines {
        let record: serde_json::Value = serde_json::from_slice(line).expect("records are JSON");
        let number = record["line"].as_u64().expect("records carry their line");
        assert!(number > previous);
        previous = number;
        #[derive(serde::Deserialize)]
        struct WithId {
            id: Option<Box<serde_json::value::RawValue>>,
        }
        let with_id: WithId = serde_json::from_slice(line).expect("records are JSON");
        if let Some(id) = with_id.id {
            assert!(onus::Id::new(id).is_ok(), "only strict ids are echoed");
        }
    }
    assert_eq!(run(3).1, out, "threads change nothing");
    // Compact records: the same records, line for line, each cut down.
    let compact = onus::DecisionFields::from_names(["party", "status"]).unwrap();
    let (cut_summary, cut) = run_with(2, compact);
    assert_eq!(cut_summary, summary);
    let cut_lines: Vec<&[u8]> = cut.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(cut_lines.len(), lines.len());
    for (whole, cut) in lines.iter().zip(&cut_lines) {
        let whole: serde_json::Value = serde_json::from_slice(whole).unwrap();
        let cut: serde_json::Value = serde_json::from_slice(cut).unwrap();
        assert_eq!(whole["line"], cut["line"]);
        assert_eq!(whole["id"], cut["id"]);
        assert_eq!(whole.get("errors").is_some(), cut.get("errors").is_some());
    }
});
