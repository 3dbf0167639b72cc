//! Parse-stage fixtures: each `tests/fixtures/parse/*.onus` snapshots its
//! syntax tree, or its rendered syntax errors.

use onus::{parse, render};

#[test]
fn parse_fixtures() {
    insta::glob!("fixtures/parse/*.onus", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let output = match parse(&name, &text) {
            Ok(tree) => format!("{tree:#?}"),
            Err(report) => render::diagnostics_text(&report, render::Colour::Never),
        };
        insta::assert_snapshot!(format!("{text}\n=====\n{output}"));
    });
}

#[test]
fn spans_do_not_affect_shape_but_do_affect_equality() {
    let spaced = parse("a", "data:   customer   always   # note").unwrap();
    let tight = parse("b", "data: customer always # note").unwrap();
    assert!(spaced.same_shape(&tight));
    assert_ne!(spaced, tight, "spans say where each node is");
    let other = parse("c", "data: provider always # note").unwrap();
    assert!(!other.same_shape(&tight));
}

#[test]
fn precedence_is_not_then_and_then_or() {
    use onus::syntax::{ConditionKind, Qualifier, StatementKind};
    let tree = parse("x", "x: customer when a or not b and c").unwrap();
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
    let too_deep = |text: &str| {
        let report = parse("deep.onus", text).unwrap_err();
        let first = &report.diagnostics[0];
        first.code == onus::Code::SyntaxError
            && first.primary.as_ref().unwrap().message == "nested too deep"
    };
    assert!(too_deep(&parens));
    let nots = format!("x: customer when {}iaas\n", "not ".repeat(depth));
    assert!(too_deep(&nots));
}

/// `DECLARATION_KEYWORDS` is the grammar's list: a bare zone name cannot
/// begin with any of them, a quoted one can, and fmt quotes it.
#[test]
fn declaration_keywords_are_the_grammars() {
    for keyword in onus::DECLARATION_KEYWORDS {
        // Bare, it is never read as that zone (it may read as another
        // statement: `assert x: customer always` is an assertion).
        let bare = format!("{keyword} x: customer always\n");
        let as_zone = parse("k", &bare).is_ok_and(|tree| {
            matches!(&tree.statements[0].kind,
                onus::syntax::StatementKind::Rule(rule) if rule.zone.text == format!("{keyword} x"))
        });
        assert!(!as_zone, "`{keyword} x` is not a bare zone name");
        let quoted = format!("\"{keyword} x\": customer always\n");
        assert!(parse("k", &quoted).is_ok(), "{quoted}");
        assert_eq!(
            onus::zone_as_written(&format!("{keyword} x")),
            format!("\"{keyword} x\"")
        );
    }
    // A word that only starts like one is a bare zone name.
    assert!(parse("k", "testing x: customer always\n").is_ok());
    assert_eq!(onus::zone_as_written("testing x"), "testing x");
}
