//! `onus check`: each `tests/fixtures/check/*.onus` in text and JSON, with
//! its exit code. One fixture per diagnostic code at least.

mod common;

use common::{onus, relative, show, transcript};

#[test]
fn check_fixtures() {
    insta::glob!("fixtures/check/*.onus", |path| {
        let file = relative(path);
        let input = show(path);
        let text_args = ["check", file.as_str()];
        let text = onus(&text_args, b"");
        let json_args = ["check", file.as_str(), "--format", "json"];
        let json = onus(&json_args, b"");
        assert_eq!(text.code, json.code, "formats agree on the exit code");
        let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let errors = parsed["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .count();
        assert_eq!(json.code, if errors > 0 { 1 } else { 0 });
        insta::assert_snapshot!(format!(
            "{}{}",
            transcript(&text_args, &input, &text),
            transcript(&json_args, &input, &json)
        ));
    });
}

/// Each fixture named after a code reports that code.
#[test]
fn every_code_has_a_fixture_that_reports_it() {
    let codes = [
        "conflict",
        "assert-failed",
        "unknown-name",
        "ambiguous-value",
        "dead-rule",
        "redundant-rule",
        "default-only-zone",
        "analysis-limit",
    ];
    for code in codes {
        let file = format!("tests/fixtures/check/{code}.onus");
        let run = onus(&["check", &file, "--format", "json"], b"");
        let parsed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let reported: Vec<&str> = parsed["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(reported.contains(&code), "{file} reports {reported:?}");
    }
}

#[test]
fn built_in_policies_check_clean() {
    for builtin in onus::BUILTINS {
        let run = onus(&["check", builtin.name, "--deny", "warnings"], b"");
        assert_eq!(run.code, 0, "{}: {}", builtin.name, run.stdout);
        assert!(
            run.stdout.ends_with("0 errors, 0 warnings, 0 notes\n"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn deny_warnings_fails_on_warnings() {
    let file = "tests/fixtures/check/dead-rule.onus";
    assert_eq!(onus(&["check", file], b"").code, 0);
    assert_eq!(onus(&["check", file, "--deny", "warnings"], b"").code, 1);
}

#[test]
fn several_policies_and_an_unreadable_one() {
    let run = onus(
        &[
            "check",
            "tests/fixtures/check/conflict.onus",
            "no/such.onus",
            "azure",
        ],
        b"",
    );
    assert_eq!(run.code, 2, "unreadable input wins");
    assert!(
        run.stdout.contains("checked 2 policies: 1 error"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("cannot read `no/such.onus`"));
}

/// A rule in conflict with many earlier rules is one diagnostic: the text
/// shows the first five, the JSON relates every one; a rule with few
/// keeps one diagnostic a pair.
#[test]
fn a_rule_in_conflict_with_many_is_reported_once() {
    let file = "tests/fixtures/check/conflicts-with-many.onus";
    let json = onus(&["check", file, "--format", "json"], b"");
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let conflicts: Vec<&serde_json::Value> = parsed["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "conflict")
        .collect();
    let lines: Vec<u64> = conflicts
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        [5, 5, 5, 6, 7, 8],
        "line 8's six pairs are one diagnostic"
    );
    let related: Vec<u64> = conflicts[5]["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(related, [2, 3, 4, 5, 6, 7]);
    let text = onus(&["check", file], b"");
    assert!(text
        .stdout
        .contains("1 more related line is not shown here"));
    // One related line for each of the five pairs before, five for the merged one.
    assert_eq!(text.stdout.matches("gives it to").count(), 5 + 5);
}

/// A redundant rule's cover is short: the rule that covers it alone when
/// there is one, not every rule that touches it.
#[test]
fn a_cover_names_the_rule_that_covers_alone() {
    let policy = onus::load(
        "cover.onus",
        "dimension a: x, y\ndimension b: x, y\ndimension c: x, y\n\
         z: provider when a is x\nz: provider when b is x\nz: provider when c is x\nz: provider always\n",
    )
    .unwrap();
    let covers: Vec<(usize, Vec<usize>)> = policy
        .findings()
        .into_iter()
        .filter_map(|f| match f {
            onus::Finding::RedundantRule { rule, covering } => Some((rule, covering)),
            _ => None,
        })
        .collect();
    assert_eq!(covers, [(0, vec![3]), (1, vec![3]), (2, vec![3])]);
}

/// An editor's checker keeps a zone's open questions and moves them with
/// their rules: a rule added before them re-analyses its own zone only, and
/// the answer is still what `check` says.
#[test]
fn an_incremental_check_moves_undecided_questions_with_their_rules() {
    let text = std::fs::read_to_string("tests/fixtures/check/analysis-limit.onus").unwrap();
    let whole = |t: &str| format!("{:?}", onus::check("p.onus", t).diagnostics);
    let mut checker = onus::Checker::default();
    let first = checker.begin("p.onus", &text, usize::MAX);
    assert!(first
        .diagnostics
        .iter()
        .any(|d| d.code == onus::Code::AnalysisLimit));
    let moved = text.replacen(
        "x: customer unless",
        "y: shared when d2 is a2\nx: customer unless",
        1,
    );
    let known = checker.begin("p.onus", &moved, 0);
    assert!(checker.is_pending(), "zone y changed");
    // Zone x was kept: its open questions are known at once, moved a line.
    let limits = |r: &onus::Report| {
        (r.diagnostics.iter())
            .filter(|d| d.code == onus::Code::AnalysisLimit)
            .count()
    };
    assert_eq!(limits(&known), limits(&first));
    let finished = checker.finish().unwrap();
    assert_eq!(format!("{:?}", finished.diagnostics), whole(&moved));
}

/// An editor's checker stops between two zones when told (a newer text
/// has come), keeps the zones it analysed by then, and the next check
/// still says what `check` says.
#[test]
fn a_stopped_check_keeps_the_zones_it_analysed() {
    let text = "a: customer when iaas\na: provider when iaas or paas\nb: provider always\nc: shared when saas\nc: customer when saas\n";
    let whole = |t: &str| format!("{:?}", onus::check("p.onus", t).diagnostics);
    let mut checker = onus::Checker::default();
    let known = checker.begin("p.onus", text, 0);
    assert!(known.diagnostics.is_empty(), "nothing analysed yet");
    let asked = std::cell::Cell::new(0);
    let after_one_zone = || {
        asked.set(asked.get() + 1);
        asked.get() > 1
    };
    assert!(checker.finish_until(&after_one_zone).is_none(), "stopped");
    assert_eq!(
        asked.get(),
        2,
        "asked before each zone, stopped at the second"
    );
    // The same text again: zone `a` is known, `b` and `c` are not.
    let again = checker.begin("p.onus", text, 0);
    let conflicts = (again.diagnostics.iter())
        .filter(|d| d.code == onus::Code::Conflict)
        .count();
    assert_eq!(conflicts, 1, "zone a's conflict was kept");
    assert!(checker.is_pending(), "zones b and c are left");
    let finished = checker.finish_until(&|| false).unwrap();
    assert_eq!(format!("{:?}", finished.diagnostics), whole(text));
    assert_eq!(
        (finished.diagnostics.iter())
            .filter(|d| d.code == onus::Code::Conflict)
            .count(),
        2
    );
}

/// A dimension may have 128 values: the analysis finds the conflict at the
/// last one and evaluation decides every value, past the 64th included.
#[test]
fn a_dimension_of_128_values_is_analysed_and_evaluated() {
    let file = "tests/fixtures/check/values-128.onus";
    let run = common::onus(&["check", file, "--format", "json"], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"code\": \"conflict\"")
            || run.stdout.contains("\"code\":\"conflict\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("v127"),
        "the witness is the last value: {}",
        run.stdout
    );
    let text = std::fs::read_to_string(file).unwrap();
    let policy = onus::load("values-128", &text).unwrap();
    assert_eq!(policy.dimensions[0].values.len(), 128);
    let holder = |value: &str, zone: usize| {
        let scenario = (policy.scenario_from_settings("--set", &[format!("big={value}")])).unwrap();
        let decision = &policy.evaluate(&scenario)[zone];
        decision.party.map(|p| policy.parties[p].name.clone())
    };
    assert_eq!(holder("v0", 0).as_deref(), Some("provider"));
    assert_eq!(holder("v63", 0).as_deref(), Some("provider"));
    assert_eq!(holder("v64", 1).as_deref(), Some("provider"));
    assert_eq!(holder("v100", 1).as_deref(), Some("customer"));
    assert_eq!(holder("v127", 1), None, "a conflict at the last value");
}
