//! The policy library: every built-in policy is listed, cites its source,
//! explains every rule, states promises and is formatted. (Check-clean and
//! full test coverage are asserted in `check.rs` and `test_command.rs`.)

mod common;

use onus::BUILTINS;

#[test]
fn every_builtin_cites_explains_and_promises() {
    for builtin in BUILTINS {
        let policy = onus::load(builtin.name, builtin.text).unwrap();
        assert!(policy.title.is_some(), "{} has a title", builtin.name);
        let header: String = builtin
            .text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect();
        assert!(
            header.contains("Source"),
            "{} cites its source in its header",
            builtin.name
        );
        for rule in &policy.rules {
            assert!(
                rule.because.is_some(),
                "{}: {}",
                builtin.name,
                policy.source_text(rule.span)
            );
        }
        assert!(
            policy.assertions.len() >= 3,
            "{} states its promises",
            builtin.name
        );
    }
}

#[test]
fn policies_lists_every_builtin() {
    let run = common::onus(&["policies"], b"");
    assert_eq!(run.code, 0);
    for builtin in BUILTINS {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(builtin.name)),
            "{}",
            builtin.name
        );
    }
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn library_matrices() {
    for name in ["azure-2026", "aws", "azure-services"] {
        let run = common::onus(&["matrix", name], b"");
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        insta::assert_snapshot!(name, run.stdout);
    }
}

/// The Learn page of January 2026, cell by cell (C, P, S; columns on-prem,
/// iaas, paas, saas).
#[test]
fn azure_2026_matrix_cell_by_cell() {
    let expected = [
        ("data", "CCCC"),
        ("configurations and settings", "CCCC"),
        ("accounts", "CCCC"),
        ("endpoints", "CCCS"),
        ("applications", "CCSS"),
        ("network controls", "CCSP"),
        ("operating system", "CCPP"),
        ("physical hosts", "CPPP"),
        ("physical network", "CPPP"),
        ("physical datacenter", "CPPP"),
    ];
    let builtin = onus::builtin("azure-2026").unwrap();
    let policy = onus::load(builtin.name, builtin.text).unwrap();
    assert_eq!(policy.zones.len(), expected.len());
    for (column, model) in ["on-prem", "iaas", "paas", "saas"].iter().enumerate() {
        let scenario = policy
            .scenario_from_json(&format!(r#"{{"model": "{model}"}}"#))
            .unwrap();
        for decision in policy.evaluate(&scenario) {
            let (zone, cells) = expected[decision.zone];
            assert_eq!(policy.zones[decision.zone].name, zone);
            let letter = match policy.parties[decision.party.unwrap()].name.as_str() {
                "customer" => 'C',
                "provider" => 'P',
                "shared" => 'S',
                other => panic!("{other}"),
            };
            assert_eq!(
                letter,
                cells.chars().nth(column).unwrap(),
                "{zone} in {model}"
            );
        }
    }
}
