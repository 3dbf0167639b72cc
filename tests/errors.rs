//! Bad input, end to end: each `tests/fixtures/errors/*.onus` is a policy
//! evaluated with `--set model=iaas`; each `*.json` is a scenario for the
//! built-in `azure`. Every one must exit 2 with a located message.

mod common;

use common::{onus, relative, show, transcript};

/// Runs onus on a bad file: exit 2, nothing on stdout, and a message on
/// stderr that names the file with a line and column.
fn rejected_with_location(args: &[&str], file: &str) -> common::Run {
    let run = onus(args, b"");
    assert_eq!(run.code, 2, "{file}: {}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains(&format!("{file}:")),
        "located: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
    run
}

#[test]
fn bad_policies() {
    insta::glob!("fixtures/errors/*.onus", |path| {
        let file = relative(path);
        let args = ["eval", file.as_str(), "--set", "model=iaas"];
        let run = rejected_with_location(&args, &file);
        insta::assert_snapshot!(transcript(&args, &show(path), &run));
    });
}

#[test]
fn bad_scenarios() {
    insta::glob!("fixtures/errors/*.json", |path| {
        let file = relative(path);
        let args = ["eval", "azure", file.as_str()];
        let run = rejected_with_location(&args, &file);
        insta::assert_snapshot!(transcript(&args, &show(path), &run));
    });
}

#[test]
fn missing_file() {
    let run = onus(&["eval", "no/such/policy.onus", "--set", "model=iaas"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr, @"error[unreadable-file]: cannot read `no/such/policy.onus`: no such file");
}

#[test]
fn unknown_builtin_policy_suggests_the_closest() {
    let run = onus(&["matrix", "azur"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `azure`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_settings() {
    let run = onus(
        &["eval", "azure", "--set", "model=iass", "--set", "tier"],
        b"",
    );
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn no_scenario_at_all() {
    let run = onus(&["eval", "azure"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn unknown_matrix_dimension() {
    let run = onus(&["matrix", "azure", "--over", "modle"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(onus(&["eval", "--format", "yaml"], b"").code, 2);
    assert_eq!(onus(&["frobnicate"], b"").code, 2);
    assert_eq!(onus(&["--help"], b"").code, 0);
}
