//! Eval fixtures: each `tests/fixtures/eval/<policy>.<case>.json` is a
//! scenario for `<policy>.onus` beside it; the snapshot holds the JSON, the
//! table and the `--explain` output, with exit codes.

mod common;

use common::{onus, relative, transcript};

#[test]
fn eval_fixtures() {
    insta::glob!("fixtures/eval/*.json", |path| {
        let file_name = path.file_name().unwrap().to_string_lossy();
        let policy_stem = file_name.split('.').next().unwrap();
        let policy = path.with_file_name(format!("{policy_stem}.onus"));
        let (policy, scenario) = (relative(&policy), relative(path));
        let input = std::fs::read_to_string(path).unwrap();
        let mut snapshot = String::new();
        let mut codes = Vec::new();
        for extra in [&["--format", "json"][..], &[], &["--explain"]] {
            let mut args = vec!["eval", policy.as_str(), scenario.as_str()];
            args.extend_from_slice(extra);
            let run = onus(&args, b"");
            codes.push(run.code);
            snapshot.push_str(&transcript(&args, &input, &run));
        }
        assert!(
            codes.iter().all(|&c| c == codes[0]),
            "formats agree on the exit code"
        );
        insta::assert_snapshot!(snapshot);
    });
}

/// `eval --format json` of the two fixed lines in one model; exit 0.
fn two_lines(model: &str) -> serde_json::Value {
    let set = format!("model={model}");
    let args = [
        "eval",
        "tests/fixtures/eval/two-lines.onus",
        "--set",
        &set,
        "--format",
        "json",
    ];
    let run = onus(&args, b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn fixed_two_lines_on_prem_is_default_customer() {
    let json = two_lines("on-prem");
    let host = &json["decisions"][1];
    assert_eq!(host["zone"], "virtualization host");
    assert_eq!(host["party"], "customer");
    assert_eq!(host["status"], "default");
    assert_eq!(host["rules"], serde_json::json!([]));
}

#[test]
fn fixed_two_lines_iaas_is_provider_by_line_2() {
    let json = two_lines("iaas");
    let host = &json["decisions"][1];
    assert_eq!(host["party"], "provider");
    assert_eq!(host["status"], "rule");
    assert_eq!(host["rules"][0]["line"], 2);
}

#[test]
fn conflict_exits_1_and_lists_every_matching_rule() {
    let run = onus(
        &[
            "eval",
            "tests/fixtures/eval/conflict.onus",
            "tests/fixtures/eval/conflict.paas.json",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let os = &json["decisions"][0];
    assert_eq!(os["status"], "conflict");
    assert_eq!(os["party"], serde_json::Value::Null);
    assert_eq!(os["rules"].as_array().unwrap().len(), 2);
}

#[test]
fn set_overrides_the_file_and_stdin_works() {
    let run = onus(
        &[
            "eval",
            "tests/fixtures/eval/two-lines.onus",
            "-",
            "--set",
            "model=on-prem",
            "--format",
            "json",
        ],
        br#"{"model": "iaas"}"#,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["scenario"]["model"], "on-prem");
}

#[test]
fn output_is_byte_identical_across_runs() {
    let args = [
        "eval",
        "azure",
        "--set",
        "model=paas",
        "--format",
        "json",
        "--explain",
    ];
    let first = onus(&args, b"");
    let second = onus(&args, b"");
    assert_eq!(first.stdout, second.stdout);
}
