//! `onus test`: each `tests/fixtures/test/*.onus` (a policy with tests, or
//! a test file) with `--coverage` and in JSON, with its exit code.

mod common;

use common::{onus, relative, show, transcript};

#[test]
fn test_fixtures() {
    insta::glob!("fixtures/test/*.onus", |path| {
        let file = relative(path);
        let input = show(path);
        let text_args = ["test", file.as_str(), "--coverage"];
        let text = onus(&text_args, b"");
        let json_args = ["test", file.as_str(), "--format", "json"];
        let json = onus(&json_args, b"");
        assert_eq!(text.code, json.code);
        insta::assert_snapshot!(format!(
            "{}{}",
            transcript(&text_args, &input, &text),
            transcript(&json_args, &input, &json)
        ));
    });
}

#[test]
fn closing_line_counts_every_file() {
    let run = onus(
        &[
            "test",
            "tests/fixtures/test/passing.onus",
            "tests/fixtures/test/failing.onus",
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.ends_with("3 passed, 2 failed\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn threshold_fails_below_and_passes_at() {
    let file = "tests/fixtures/test/separate-file.onus";
    let below = onus(&["test", file, "--threshold", "100"], b"");
    assert_eq!(below.code, 1, "{}", below.stdout);
    assert!(below.stdout.contains("below the threshold 100%"));
    let at = onus(&["test", file, "--threshold", "50"], b"");
    assert_eq!(at.code, 0, "{}", at.stdout);
}

#[test]
fn built_in_policies_have_full_rule_coverage() {
    for builtin in onus::BUILTINS {
        let policy = onus::load(builtin.name, builtin.text).unwrap();
        assert!(!policy.tests.is_empty(), "{} has tests", builtin.name);
        let run = policy.run_tests(&policy.tests);
        assert_eq!(run.failed(), 0, "{}", builtin.name);
        assert_eq!(run.coverage(), 100.0, "{}", builtin.name);
    }
    let run = onus(&["test", "policies/azure.onus", "--threshold", "100"], b"");
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn missing_policy_of_a_test_file() {
    let scratch = common::Scratch::new("test");
    let dir = scratch.0.clone();
    let path = dir.join("t.onus");
    std::fs::write(
        &path,
        "tests for \"nowhere.onus\"\ntest \"x\" { model: iaas } expect { data: customer }\n",
    )
    .unwrap();
    let run = onus(&["test", &path.to_string_lossy()], b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nowhere.onus"), "{}", run.stderr);
}

#[test]
fn a_test_file_is_not_a_policy() {
    let run = onus(
        &[
            "eval",
            "tests/fixtures/test/separate-file.onus",
            "--set",
            "model=iaas",
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error[test-file]"), "{}", run.stderr);
    let _ = relative;
}
