//! Parse-stage fixtures: each `tests/fixtures/parse/*.onus` snapshots its
//! syntax tree, or its rendered syntax errors.

use onus::{parse, render, Report, Source};

#[test]
fn parse_fixtures() {
    insta::glob!("fixtures/parse/*.onus", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let output = match parse::parse(&text) {
            Ok(tree) => format!("{tree:#?}"),
            Err(errors) => {
                let name = path.file_name().unwrap().to_string_lossy();
                let report = Report::new(
                    Source::new(name, text.as_str()),
                    errors.iter().map(|e| e.to_diagnostic()).collect(),
                );
                render::diagnostics::plain(&report)
            }
        };
        insta::assert_snapshot!(format!("{text}\n=====\n{output}"));
    });
}

#[test]
fn spans_do_not_affect_equality() {
    let spaced = parse::parse("data:   customer   always   # note").unwrap();
    let tight = parse::parse("data: customer always # note").unwrap();
    assert_eq!(spaced, tight);
}

#[test]
fn precedence_is_not_then_and_then_or() {
    use onus::syntax::{ConditionKind, Qualifier, StatementKind};
    let tree = parse::parse("x: customer when a or not b and c").unwrap();
    let StatementKind::Rule(rule) = &tree.statements[0].kind else {
        panic!("a rule")
    };
    let Qualifier::When(condition) = &rule.qualifier else {
        panic!("a when")
    };
    let ConditionKind::Or(left, right) = &condition.kind else {
        panic!("or at the top: {condition:?}")
    };
    assert!(matches!(left.kind, ConditionKind::Bare(_)));
    let ConditionKind::And(not_b, _) = &right.kind else {
        panic!("and under or")
    };
    assert!(matches!(not_b.kind, ConditionKind::Not(_)));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let parens = format!(
        "x: customer when {}iaas{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert!(matches!(
        parse::parse(&parens).unwrap_err()[0],
        parse::ParseError::TooDeep { .. }
    ));
    let nots = format!("x: customer when {}iaas\n", "not ".repeat(depth));
    assert!(matches!(
        parse::parse(&nots).unwrap_err()[0],
        parse::ParseError::TooDeep { .. }
    ));
}
