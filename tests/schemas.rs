//! The JSON Schemas in `schemas/` are current, and every JSON output the
//! test suite produces (snapshots included) validates against its schema.

mod common;

use common::onus;
use serde_json::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join(format!("schemas/{name}.json"))).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_valid(name: &str, document: &Value, origin: &str) {
    let validator = validator(name);
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{origin} against schemas/{name}.json: {errors:?}"
    );
}

#[test]
fn committed_schemas_are_what_onus_prints() {
    for name in onus::SCHEMA_NAMES {
        let run = onus(&["schema", name], b"");
        assert_eq!(run.code, 0);
        let committed =
            std::fs::read_to_string(root().join(format!("schemas/{name}.json"))).unwrap();
        assert_eq!(
            run.stdout, committed,
            "regenerate with: onus schema {name} > schemas/{name}.json"
        );
    }
}

/// Which schema a command's JSON output follows.
fn schema_of(args: &[&str]) -> Option<&'static str> {
    let json = args.windows(2).any(|w| w == ["--format", "json"]);
    match *args.first()? {
        _ if args.contains(&"--batch") => Some("batch-record"),
        "eval" if json && args.contains(&"--partial") => Some("partial"),
        "eval" if json => Some("eval"),
        "matrix" if json => Some("matrix"),
        "check" if json => Some("check"),
        "test" if json => Some("test"),
        "diff" if json => Some("diff"),
        // With no policy named, an estate is answered policy by policy.
        "estate" if json && !names_a_policy(args.get(1)?) => Some("estates"),
        "estate" if json => Some("estate"),
        "estate" if args.windows(2).any(|w| w == ["--format", "ndjson"]) => Some("estate-record"),
        _ => None,
    }
}

/// Whether `onus estate`'s first argument names a policy.
fn names_a_policy(argument: &str) -> bool {
    argument.ends_with(".onus") || onus::builtin(argument).is_some()
}

/// Every `$ onus ... --format json` transcript in the snapshots, and the
/// named JSON snapshots, checked against their schemas.
#[test]
fn every_json_snapshot_validates() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("tests/snapshots")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let origin = path.file_name().unwrap().to_string_lossy().into_owned();
        for block in text.split("\n$ onus ").skip(1) {
            let command = block.lines().next().unwrap();
            let args: Vec<&str> = command.split_whitespace().collect();
            let Some(schema) = schema_of(&args) else {
                continue;
            };
            let Some(stdout) = block.split("--- stdout\n").nth(1) else {
                continue;
            };
            let stdout = stdout.split("\n--- stderr").next().unwrap();
            if schema == "estate-record" {
                for line in stdout.lines() {
                    let record: Value =
                        serde_json::from_str(line).unwrap_or_else(|e| panic!("{origin}: {e}"));
                    assert_valid(schema, &record, &origin);
                    checked += 1;
                }
                continue;
            }
            let document: Value =
                serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{origin}: {e}"));
            assert_valid(schema, &document, &origin);
            checked += 1;
        }
        let body = text.splitn(3, "---\n").nth(2).unwrap_or("");
        let named = if origin.starts_with("diff__") && body.trim_start().starts_with('{') {
            Some("diff")
        } else if origin.starts_with("batch__") {
            Some("batch-record")
        } else {
            None
        };
        match named {
            Some("batch-record") => {
                for line in body.lines().filter(|l| l.starts_with('{')) {
                    assert_valid(
                        "batch-record",
                        &serde_json::from_str(line).unwrap(),
                        &origin,
                    );
                    checked += 1;
                }
            }
            Some(schema) => {
                assert_valid(schema, &serde_json::from_str(body).unwrap(), &origin);
                checked += 1;
            }
            None => {}
        }
    }
    assert!(checked >= 30, "validated {checked} documents");
}

#[test]
fn outputs_of_every_builtin_validate() {
    for builtin in onus::BUILTINS {
        let matrix = onus(&["matrix", builtin.name, "--format", "json"], b"");
        assert_valid(
            "matrix",
            &serde_json::from_str(&matrix.stdout).unwrap(),
            builtin.name,
        );
        let check = onus(&["check", builtin.name, "--format", "json"], b"");
        assert_valid(
            "check",
            &serde_json::from_str(&check.stdout).unwrap(),
            builtin.name,
        );
        let path = format!("policies/{}.onus", builtin.name);
        let test = onus(&["test", &path, "--format", "json", "--coverage"], b"");
        assert_valid(
            "test",
            &serde_json::from_str(&test.stdout).unwrap(),
            builtin.name,
        );
    }
    for model in ["on-prem", "iaas", "paas", "saas"] {
        let set = format!("model={model}");
        let eval = onus(
            &["eval", "--set", &set, "--format", "json", "--explain"],
            b"",
        );
        assert_valid("eval", &serde_json::from_str(&eval.stdout).unwrap(), &set);
    }
    let diff = onus(&["diff", "azure", "azure-2026", "--format", "json"], b"");
    assert_valid(
        "diff",
        &serde_json::from_str(&diff.stdout).unwrap(),
        "policy diff",
    );
}

#[test]
fn scenario_inputs_validate_and_the_policy_schema_is_exact() {
    let generic = validator("scenario");
    let run = onus(&["schema", "scenario", "--policy", "azure"], b"");
    let exact = jsonschema::validator_for(&serde_json::from_str(&run.stdout).unwrap()).unwrap();
    for entry in std::fs::read_dir(root().join("tests/fixtures/eval")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let value: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert!(generic.is_valid(&value), "{}", path.display());
        }
    }
    // What onus accepts for azure, the exact schema accepts; what it
    // rejects as a bad scenario, the exact schema rejects.
    assert!(exact.is_valid(&serde_json::json!({"model": "iaas"})));
    for bad in [
        "scenario-missing-dimension",
        "scenario-unknown-field",
        "scenario-misspelt-value",
        "scenario-number-value",
        "scenario-not-an-object",
    ] {
        let text =
            std::fs::read_to_string(root().join(format!("tests/fixtures/errors/{bad}.json")))
                .unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(
            !exact.is_valid(&value),
            "{bad} is rejected by the exact schema"
        );
    }
}

#[test]
fn sarif_has_what_code_scanning_needs() {
    let run = onus(
        &[
            "check",
            "tests/fixtures/check/conflict.onus",
            "tests/fixtures/check/redundant-rule.onus",
            "--format",
            "sarif",
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "onus");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with(".onus"));
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    insta::assert_snapshot!(run.stdout);
}

/// Each `--fields` shape has its schema, and its records validate against
/// it; the full shape's schema is the committed one.
#[test]
fn every_fields_shape_has_its_schema() {
    let full = onus(
        &[
            "schema",
            "batch-record",
            "--fields",
            "label,party,status,rules,because",
        ],
        b"",
    );
    let committed = std::fs::read_to_string(root().join("schemas/batch-record.json")).unwrap();
    assert_eq!(full.stdout, committed);
    let input = "{\"id\":1,\"model\":\"paas\"}\n{\"model\":\"nope\"}\n";
    for fields in ["party", "status,party", "rules", "because,label"] {
        let schema = onus(&["schema", "batch-record", "--fields", fields], b"");
        assert_eq!(schema.code, 0, "{}", schema.stderr);
        let schema: Value = serde_json::from_str(&schema.stdout).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let run = onus(
            &["eval", "azure", "--batch", "-", "--fields", fields],
            input.as_bytes(),
        );
        for line in run.stdout.lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&record)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "--fields {fields}: {errors:?}");
        }
        // A field not chosen is refused by the schema of the shape.
        let full = onus(&["eval", "azure", "--batch"], input.as_bytes());
        let full: Value = serde_json::from_str(full.stdout.lines().next().unwrap()).unwrap();
        assert!(
            !validator.is_valid(&full),
            "--fields {fields} refuses full records"
        );
    }
    let misplaced = onus(&["schema", "eval", "--fields", "party"], b"");
    assert_eq!(misplaced.code, 2);
    assert!(misplaced
        .stderr
        .contains("`--fields` goes with the `batch-record` schema only"));
}
