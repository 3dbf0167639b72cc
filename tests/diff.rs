//! `onus diff`: between scenarios and between policies, exact.

mod common;

use common::generate::{policy_pair, SMALL, WIDE};
use common::onus;
use onus::Holder;
use onus::Status;
use proptest::prelude::*;

#[test]
fn azure_to_azure_2026_shows_what_microsoft_changed() {
    let run = onus(&["diff", "azure", "azure-2026"], b"");
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .contains("applications: provider -> shared when model is saas\n"));
    assert!(run
        .stdout
        .contains("endpoints: customer -> shared when model is saas\n"));
    insta::assert_snapshot!(run.stdout);
    let json = onus(&["diff", "azure", "azure-2026", "--format", "json"], b"");
    assert_eq!(json.code, 1);
    insta::assert_snapshot!("azure_to_azure_2026_json", json.stdout);
}

#[test]
fn moving_a_workload_from_iaas_to_paas() {
    let args = [
        "diff",
        "azure",
        "--from",
        "model=iaas",
        "--to",
        "model=paas",
    ];
    let run = onus(&args, b"");
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .contains("operating system: customer -> provider\n"));
    insta::assert_snapshot!(run.stdout);
    let json = onus(&[&args[..], &["--format", "json"]].concat(), b"");
    insta::assert_snapshot!("moving_json", json.stdout);
}

#[test]
fn same_scenario_and_equivalent_policies_exit_0() {
    let run = onus(
        &[
            "diff",
            "azure",
            "--from",
            "model=iaas",
            "--to",
            "model=iaas",
        ],
        b"",
    );
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("no zone changes holder"));
    // The matrix fixture is the azure policy in an older layout: same meaning.
    let run = onus(
        &["diff", "azure", "tests/fixtures/matrix/azure-copy.onus"],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("equivalent"));
}

#[test]
fn errors() {
    let run = onus(&["diff", "azure", "aws"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
    assert_eq!(
        onus(&["diff", "azure"], b"").code,
        2,
        "one policy and no scenarios"
    );
    assert_eq!(
        onus(&["diff", "azure", "aws", "--from", "model=iaas"], b"").code,
        2
    );
    let run = onus(&["diff", "--from", "model=iass", "--to", "model=paas"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `iaas`?"),
        "{}",
        run.stderr
    );
}

fn answer(policy: &onus::Policy, zone: &str, scenario: &onus::Scenario) -> Option<Holder> {
    let z = policy.zone_index(zone)?;
    let decision = &policy.evaluate(scenario)[z];
    Some(match (decision.status, decision.party) {
        (Status::Conflict, _) | (_, None) => Holder::Conflict,
        (_, Some(p)) => Holder::Party(policy.parties[p].name.clone()),
    })
}

/// Every scenario where a shared zone's answer differs is in exactly the
/// change that names those two answers, and no other scenario is.
fn diff_agrees_with_enumeration(old: &str, new: &str) -> Result<(), TestCaseError> {
    let old = onus::load("old", old).unwrap();
    let new = onus::load("new", new).unwrap();
    let diff = old
        .diff(&new)
        .expect("no generated policy reaches the analysis guard");
    for scenario in old.all_scenarios() {
        for zone in &old.zones {
            let Some(after) = answer(&new, &zone.name, &scenario) else {
                continue;
            };
            let before = answer(&old, &zone.name, &scenario).unwrap();
            let containing: Vec<_> = diff
                .changes
                .iter()
                .filter(|c| {
                    c.zone == zone.name
                        && c.region
                            .as_ref()
                            .unwrap()
                            .iter()
                            .any(|cube| cube.contains(&scenario))
                })
                .collect();
            if before == after {
                prop_assert!(
                    containing.is_empty(),
                    "{} unchanged in {:?}",
                    zone.name,
                    scenario
                );
            } else {
                prop_assert_eq!(containing.len(), 1);
                prop_assert_eq!(&containing[0].from, &before);
                prop_assert_eq!(&containing[0].to, &after);
            }
        }
    }
    for change in &diff.changes {
        let cubes = change
            .region
            .as_ref()
            .expect("generated changes are described");
        prop_assert!(cubes.iter().any(|cube| cube.contains(&change.witness)));
        prop_assert_eq!(
            answer(&old, &change.zone, &change.witness),
            Some(change.from.clone())
        );
        prop_assert_eq!(
            answer(&new, &change.zone, &change.witness),
            Some(change.to.clone())
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn policy_diff_agrees_with_enumeration((old, new) in policy_pair(SMALL)) {
        diff_agrees_with_enumeration(&old, &new)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// 6 to 10 dimensions and conditions with many terms.
    #[test]
    fn wide_policy_diff_agrees_with_enumeration((old, new) in policy_pair(WIDE)) {
        diff_agrees_with_enumeration(&old, &new)?;
    }
}

/// The scenario of `to` that names the same values as `scenario` of `from`,
/// if `to` has them all.
fn same_scenario(
    from: &onus::Policy,
    to: &onus::Policy,
    scenario: &onus::Scenario,
) -> Option<onus::Scenario> {
    let values = (from.dimensions.iter().zip(&to.dimensions))
        .zip(&scenario.values)
        .map(|((a, b), &v)| b.values.iter().position(|w| *w == a.values[v]))
        .collect::<Option<Vec<_>>>()?;
    Some(onus::Scenario { values })
}

/// Two policies whose first dimension has a value the other lacks (the old
/// one's first, so every index moves): the values are listed, and every
/// scenario both have is compared exactly, as enumeration says.
fn diff_over_shared_values_agrees(old: &str, new: &str) -> Result<(), TestCaseError> {
    let old = old.replacen("dimension d0: ", "dimension d0: d0old, ", 1);
    let new = new.replacen("\ndimension d1", ", d0new\ndimension d1", 1);
    let new = match new.contains("d0new") {
        true => new,
        false => new.replacen("\ndimension model", ", d0new\ndimension model", 1),
    };
    let old = onus::load("old", &old).unwrap();
    let new = onus::load("new", &new).unwrap();
    let diff = old.diff(&new).expect("shared values make them comparable");
    let listed = |values: &[(String, Vec<String>)]| values.to_vec();
    prop_assert_eq!(
        listed(&diff.removed_values),
        vec![("d0".to_string(), vec!["d0old".to_string()])]
    );
    prop_assert_eq!(
        listed(&diff.added_values),
        vec![("d0".to_string(), vec!["d0new".to_string()])]
    );
    for scenario in old.all_scenarios() {
        let Some(in_new) = same_scenario(&old, &new, &scenario) else {
            prop_assert_eq!(scenario.values[0], 0, "only d0old is missing from new");
            continue;
        };
        for zone in &old.zones {
            let Some(after) = answer(&new, &zone.name, &in_new) else {
                continue;
            };
            let before = answer(&old, &zone.name, &scenario).unwrap();
            let containing: Vec<_> = (diff.changes.iter())
                .filter(|c| {
                    c.zone == zone.name
                        && (c.region.as_ref().unwrap().iter()).any(|cube| cube.contains(&scenario))
                })
                .collect();
            match before == after {
                true => prop_assert!(containing.is_empty()),
                false => {
                    prop_assert_eq!(containing.len(), 1);
                    prop_assert_eq!(&containing[0].from, &before);
                    prop_assert_eq!(&containing[0].to, &after);
                }
            }
        }
    }
    for change in &diff.changes {
        let in_new = same_scenario(&old, &new, &change.witness).expect("a shared scenario");
        prop_assert_eq!(
            answer(&old, &change.zone, &change.witness),
            Some(change.from.clone())
        );
        prop_assert_eq!(answer(&new, &change.zone, &in_new), Some(change.to.clone()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn policies_with_other_values_are_compared_on_those_they_share((old, new) in policy_pair(SMALL)) {
        diff_over_shared_values_agrees(&old, &new)?;
    }
}

/// Two policies of 2,304 scenarios and 3 rules each, whose conditions are
/// long `or`s of `and`s under `unless`: compared exactly, never refused.
#[test]
fn small_policies_with_long_conditions_are_compared() {
    let dimensions = "dimension model: on-prem, iaas, paas, saas\n\
        dimension p0: a0, b0\ndimension p1: a1, b1\ndimension p2: a2, b2\n\
        dimension p3: a3, b3\ndimension p4: a4, b4\ndimension p5: a5, b5\n\
        dimension q0: x0, y0, z0\ndimension q1: x1, y1, z1\n";
    let pairs = [
        ("p0 is a0", "p3 is b3"),
        ("p1 is a1", "q0 is y0"),
        ("p2 is b2", "p5 is a5"),
        ("q1 is z1", "p4 is a4"),
        ("p0 is b0", "q1 is x1"),
        ("p1 is b1", "p2 is a2"),
        ("q0 is x0", "p5 is b5"),
        ("p3 is a3", "p4 is b4"),
        ("q0 is z0", "q1 is y1"),
        ("p2 is a2", "p0 is a0"),
        ("p5 is a5", "q1 is x1"),
        ("p4 is b4", "p1 is a1"),
    ];
    let terms = |from: usize, count: usize| {
        (0..count)
            .map(|i| {
                let (a, b) = pairs[(from + i) % pairs.len()];
                format!("({a} and {b})")
            })
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let old = format!(
        "{dimensions}x: customer unless {}\nx: provider when {}\ny: shared unless {}\n",
        terms(0, 12),
        terms(3, 6),
        terms(6, 10)
    );
    let new = format!(
        "{dimensions}x: customer unless {}\nx: shared when {}\ny: shared unless {}\n",
        terms(1, 11),
        terms(3, 7),
        terms(5, 12)
    );
    let policy = onus::load("old", &old).unwrap();
    assert_eq!(policy.all_scenarios().count(), 2_304);
    diff_agrees_with_enumeration(&old, &new).unwrap();
    let diff = policy.diff(&onus::load("new", &new).unwrap()).unwrap();
    assert!(!diff.changes.is_empty());
}

/// A zone too complex to compare is reported alone: the other zones'
/// changes are still printed, and the exit code says the answer is
/// incomplete.
#[test]
fn an_undecided_zone_hides_no_other_change() {
    let n = 28;
    let dimensions: String = (0..2 * n)
        .map(|i| format!("dimension d{i}: a{i}, b{i}\n"))
        .collect();
    let terms: Vec<String> = (0..n)
        .map(|i| format!("(d{i} is a{i} and d{} is a{})", i + n, i + n))
        .collect();
    let hard = format!("x: customer unless {}\n", terms.join(" or "));
    let scratch = common::Scratch::new("undecided-diff");
    let old = scratch.file(
        "old.onus",
        format!("{dimensions}{hard}y: provider always\n"),
    );
    let new = scratch.file(
        "new.onus",
        format!("{dimensions}{hard}y: shared when d0 is a0\n"),
    );
    let run = onus(&["diff", &old, &new], b"");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout.contains("y: provider -> shared when d0 is a0\n"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("zone not compared: x (analysis-limit)\n"));
    assert!(run
        .stderr
        .contains("error[analysis-limit]: zone `x` is too complex to compare"));
    let json = onus(&["diff", &old, &new, "--format", "json"], b"");
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["undecided_zones"], serde_json::json!(["x"]));
    assert_eq!(parsed["equivalent"], false);
}

/// A change is described by as few, as wide cubes as hold: an `or` of two
/// dimensions reads as such, not as disjoint pieces.
#[test]
fn changes_are_described_readably() {
    let scratch = common::Scratch::new("readable-diff");
    let dimensions = "dimension d: a, b, c\ndimension e: x, y\n";
    let old = scratch.file("old.onus", format!("{dimensions}z: customer always\n"));
    let new = scratch.file(
        "new.onus",
        format!(
            "{dimensions}z: provider when d is a or e is x\nz: customer unless d is a or e is x\n"
        ),
    );
    let run = onus(&["diff", &old, &new], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("z: customer -> provider when d is a or e is x\n"),
        "{}",
        run.stdout
    );
}
