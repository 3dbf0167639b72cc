//! The built-in Azure policy gives exactly the classic matrix.

mod common;

use onus::builtin;
use onus::Status;

/// Zones in order, and the holder per model: on-prem, iaas, paas, saas.
const EXPECTED: &[(&str, &str)] = &[
    ("data", "CCCC"),
    ("endpoints", "CCCC"),
    ("accounts", "CCCC"),
    ("access management", "CCCC"),
    ("identity and directory infrastructure", "CCSS"),
    ("applications", "CCSP"),
    ("network controls", "CCSP"),
    ("virtual network", "CCCP"),
    ("public endpoints", "CCSP"),
    ("operating system", "CCPP"),
    ("virtualization host", "CPPP"),
    ("physical storage", "CPPP"),
    ("physical hosts", "CPPP"),
    ("physical network", "CPPP"),
    ("physical datacenter", "CPPP"),
];

fn letter(party: &str) -> char {
    match party {
        "customer" => 'C',
        "provider" => 'P',
        "shared" => 'S',
        other => panic!("unexpected party {other}"),
    }
}

#[test]
fn library_gives_the_matrix_cell_by_cell() {
    let azure = builtin("azure").unwrap();
    let policy = onus::load(azure.name, azure.text).unwrap();
    let zones: Vec<&str> = policy.zones.iter().map(|z| z.name.as_str()).collect();
    let expected_zones: Vec<&str> = EXPECTED.iter().map(|(z, _)| *z).collect();
    assert_eq!(zones, expected_zones);
    for (column, model) in ["on-prem", "iaas", "paas", "saas"].iter().enumerate() {
        let scenario = policy
            .scenario_from_json(&format!(r#"{{"model": "{model}"}}"#))
            .unwrap();
        for decision in policy.evaluate(&scenario) {
            let (zone, cells) = EXPECTED[decision.zone];
            assert_ne!(decision.status, Status::Conflict, "{zone} in {model}");
            let party = &policy.parties[decision.party.unwrap()].name;
            let want = cells.chars().nth(column).unwrap();
            assert_eq!(letter(party), want, "{zone} in {model}");
        }
    }
}

#[test]
fn cli_eval_json_gives_the_matrix_cell_by_cell() {
    for (column, model) in ["on-prem", "iaas", "paas", "saas"].iter().enumerate() {
        let run = common::onus(
            &[
                "eval",
                "--set",
                &format!("model={model}"),
                "--format",
                "json",
            ],
            b"",
        );
        assert_eq!(run.code, 0);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let decisions = json["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), EXPECTED.len());
        for (decision, (zone, cells)) in decisions.iter().zip(EXPECTED) {
            assert_eq!(decision["zone"], *zone);
            let party = decision["party"].as_str().unwrap();
            assert_eq!(
                letter(party),
                cells.chars().nth(column).unwrap(),
                "{zone} in {model}"
            );
        }
    }
}

#[test]
fn every_rule_says_why() {
    let azure = builtin("azure").unwrap();
    let policy = onus::load(azure.name, azure.text).unwrap();
    assert!(policy.rules.iter().all(|r| r.because.is_some()));
    assert_eq!(policy.parties[onus::PROVIDER].display(), "Microsoft");
    let label = |z: &str| {
        policy.zones[policy.zone_index(z).unwrap()]
            .display()
            .to_string()
    };
    assert_eq!(label("data"), "Information and data");
    assert_eq!(label("endpoints"), "Devices (mobile and PCs)");
    assert_eq!(label("accounts"), "Accounts and identities");
}

#[test]
fn default_matrix_command_prints_the_azure_matrix() {
    let run = common::onus(&["matrix"], b"");
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}
