//! Batch evaluation: order kept, nothing lost or duplicated, whatever the
//! number of threads, with bad lines mixed in.

mod common;

use common::onus;
use serde_json::Value;

fn records(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect()
}

#[test]
fn mixed_input_snapshot_and_summary() {
    let run = onus(
        &[
            "eval",
            "azure",
            "--batch",
            "tests/fixtures/batch/mixed.ndjson",
        ],
        b"",
    );
    assert_eq!(run.code, 2, "bad records make the exit code 2");
    assert_eq!(run.stderr, "onus: 8 records, 4 errors, 0 conflicts\n");
    let lines: Vec<u64> = records(&run.stdout)
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        [1, 2, 4, 5, 6, 7, 8, 9],
        "one record per non-blank line, in order"
    );
    insta::assert_snapshot!(run.stdout);
}

/// A generated inventory: `n` lines, every 17th bad, some blank.
fn inventory(n: usize) -> String {
    let models = ["on-prem", "iaas", "paas", "saas"];
    let mut text = String::new();
    for i in 0..n {
        match i % 17 {
            5 => text.push_str(&format!("{{\"id\": {i}, \"model\": \"nope\"}}\n")),
            11 => text.push_str("{broken\n"),
            13 => text.push('\n'),
            _ => text.push_str(&format!(
                "{{\"id\": {i}, \"model\": \"{}\"}}\n",
                models[i % 4]
            )),
        }
    }
    text
}

#[test]
fn same_output_for_every_job_count_across_chunks() {
    let input = inventory(10_000);
    let expected_records = input.lines().filter(|l| !l.trim().is_empty()).count();
    let first = onus(&["eval", "azure", "--batch"], input.as_bytes());
    assert_eq!(first.code, 2);
    let parsed = records(&first.stdout);
    assert_eq!(parsed.len(), expected_records, "nothing lost or duplicated");
    let mut previous = 0;
    for record in &parsed {
        let line = record["line"].as_u64().unwrap();
        assert!(line > previous, "in input order");
        previous = line;
        if let Some(id) = record.get("id") {
            assert_eq!(
                id.as_u64().unwrap() + 1,
                line,
                "the id travels with its line"
            );
        }
    }
    for jobs in ["2", "3", "8"] {
        let run = onus(
            &["eval", "azure", "--batch", "-", "--jobs", jobs],
            input.as_bytes(),
        );
        assert_eq!(
            run.stdout, first.stdout,
            "--jobs {jobs} gives byte-identical output"
        );
        assert_eq!(run.stderr, first.stderr);
    }
}

/// A batch record's decisions are `eval --format json`'s, field for field:
/// `enabled_by_default` too (azure-baselines' API Management encrypts data
/// in transit by default), which travels with the rules when `--fields`
/// cuts a record.
#[test]
fn batch_equals_one_by_one_eval() {
    for (policy, dimension, values) in [
        ("azure", "model", ["paas", "saas"]),
        ("azure-baselines", "service", ["api-management", "storage"]),
    ] {
        let input: String = (values.iter())
            .map(|v| format!("{{\"{dimension}\": \"{v}\"}}\n"))
            .collect();
        let batch = records(&onus(&["eval", policy, "--batch"], input.as_bytes()).stdout);
        let cut = onus(
            &["eval", policy, "--batch", "--fields", "party,rules"],
            input.as_bytes(),
        );
        let cut = records(&cut.stdout);
        for ((record, cut), value) in batch.iter().zip(&cut).zip(values) {
            let setting = format!("{dimension}={value}");
            let single = onus(
                &["eval", policy, "--set", &setting, "--format", "json"],
                b"",
            );
            let single: Value = serde_json::from_str(&single.stdout).unwrap();
            assert_eq!(record["decisions"], single["decisions"]);
            assert_eq!(record["scenario"], single["scenario"]);
            for (cut, full) in (cut["decisions"].as_array().unwrap().iter())
                .zip(single["decisions"].as_array().unwrap())
            {
                assert_eq!(cut["enabled_by_default"], full["enabled_by_default"]);
            }
        }
    }
    let single = onus(
        &[
            "eval",
            "azure-baselines",
            "--set",
            "service=api-management",
            "--format",
            "json",
        ],
        b"",
    );
    let marked = single
        .stdout
        .matches("\"enabled_by_default\": true")
        .count();
    assert!(marked > 0, "api-management has features on by default");
}

#[test]
fn conflicts_exit_1_and_set_applies_to_every_record() {
    let run = onus(
        &[
            "eval",
            "tests/fixtures/eval/conflict.onus",
            "--batch",
            "--set",
            "model=paas",
        ],
        b"{\"model\": \"iaas\"}\n{}\n",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, "onus: 2 records, 0 errors, 2 conflicts\n");
}

#[test]
fn missing_batch_file_and_conflicting_arguments() {
    assert_eq!(
        onus(&["eval", "azure", "--batch", "no/such.ndjson"], b"").code,
        2
    );
    assert_eq!(onus(&["eval", "azure", "x.json", "--batch"], b"").code, 2);
    assert_eq!(
        onus(&["eval", "azure", "--jobs", "2"], b"").code,
        2,
        "--jobs needs --batch"
    );
}

#[test]
fn closed_stdout_ends_quietly() {
    let input = inventory(50_000);
    let script = format!(
        "{} eval azure --batch | head -1",
        env!("CARGO_BIN_EXE_onus")
    );
    let output = std::process::Command::new("sh")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(input.as_bytes());
            drop(stdin);
            child.wait_with_output()
        })
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
}

#[test]
fn fast_and_general_readers_write_the_same_bytes() {
    // An escape in a name sends a line through the general reader.
    let input = concat!(
        "{\"id\": [1, 2e3], \"model\": \"paas\"}\n",
        "{\"id\": [1, 2e3], \"mod\\u0065l\": \"paas\"}\n",
        "{\"model\": \"saas\", \"id\": 18446744073709551616}\n",
        "{\"mod\\u0065l\": \"saas\", \"id\": 18446744073709551616}\n",
    );
    let run = onus(&["eval", "azure", "--batch"], input.as_bytes());
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let without_line = |l: &str| l.split_once(',').unwrap().1.to_string();
    assert_eq!(without_line(lines[0]), without_line(lines[1]));
    // The same error, at the column of each line's own spelling.
    let without_column = |l: &str| {
        let mut record: serde_json::Value = serde_json::from_str(l).unwrap();
        record["errors"][0]["column"] = serde_json::Value::Null;
        record["line"] = serde_json::Value::Null;
        record
    };
    assert_eq!(without_column(lines[2]), without_column(lines[3]));
    assert!(
        lines[0].contains("\"id\":[1, 2e3]"),
        "ids are echoed as written: {}",
        lines[0]
    );
    // 2^64 is beyond the integers a double holds exactly: a strict reader
    // could round it, so both readers refuse it rather than echo it.
    assert!(
        lines[2].contains("`id` cannot be echoed") && !lines[2].contains("18446744073709551616"),
        "{}",
        lines[2]
    );
}

/// `--fields` cuts each decision to its zone and the fields chosen, with
/// the values of the full record; naming every field gives the full bytes,
/// on the fast path and the general one alike.
#[test]
fn fields_choose_what_each_decision_carries() {
    // The second line spells a key with an escape: the general reader.
    let input = "{\"id\":1,\"model\":\"paas\"}\n{\"id\":2,\"mod\\u0065l\":\"saas\"}\n";
    let full = onus(&["eval", "azure", "--batch"], input.as_bytes());
    assert_eq!(full.code, 0, "{}", full.stderr);
    let every = onus(
        &[
            "eval",
            "azure",
            "--batch",
            "-",
            "--fields",
            "label,party,status,rules,because",
        ],
        input.as_bytes(),
    );
    assert_eq!(every.stdout, full.stdout, "every field is the full record");
    let compact = onus(
        &["eval", "azure", "--batch", "-", "--fields", "status,party"],
        input.as_bytes(),
    );
    assert_eq!(compact.code, 0, "{}", compact.stderr);
    assert!(
        compact.stdout.len() * 4 < full.stdout.len(),
        "compact records"
    );
    let (full, compact) = (records(&full.stdout), records(&compact.stdout));
    assert_eq!(full.len(), 2);
    for (whole, cut) in full.iter().zip(&compact) {
        assert_eq!(whole["id"], cut["id"]);
        assert_eq!(whole["scenario"], cut["scenario"]);
        let (whole, cut) = (
            whole["decisions"].as_array().unwrap(),
            cut["decisions"].as_array().unwrap(),
        );
        assert_eq!(whole.len(), cut.len(), "every zone");
        for (whole, cut) in whole.iter().zip(cut) {
            // In any order: serde_json keeps the record's own order only
            // when another crate of the build asks it to.
            let mut keys: Vec<&String> = cut.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, ["party", "status", "zone"]);
            for key in ["zone", "party", "status"] {
                assert_eq!(whole[key], cut[key]);
            }
        }
    }
    let unknown = onus(&["eval", "azure", "--batch", "--fields", "prty"], b"");
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("a similar value exists: 'party'"),
        "{}",
        unknown.stderr
    );
}
