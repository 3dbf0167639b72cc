//! `onus eval --partial`: dimensions left open. Each
//! `tests/fixtures/partial/*.args` is one command line; the answers are
//! compared with brute-force enumeration of every completion.

mod common;

use common::generate::{policy_text, SMALL};
use common::run_args_file;
use proptest::prelude::*;

#[test]
fn partial_fixtures() {
    insta::glob!("fixtures/partial/*.args", |path| {
        let (_, shown) = run_args_file(path);
        insta::assert_snapshot!(shown);
    });
}

#[test]
fn azure_without_a_model_says_what_depends_on_it() {
    let azure = onus::load_builtin("azure").unwrap();
    let (given, _) = azure.read_partial_scenario(None, &[]).unwrap();
    let answers = azure.evaluate_partial(&given);
    let zone = |name: &str| {
        let z = azure.zone_index(name).unwrap();
        answers.iter().find(|a| a.zone == z).unwrap()
    };
    // The customer keeps its data whatever the model.
    assert!(zone("data").is_definite());
    // The OS is Microsoft's exactly in PaaS and SaaS.
    let os = zone("operating system").cases.as_ref().unwrap();
    assert_eq!(os.len(), 2);
    let provider = os
        .iter()
        .find(|c| c.holder == onus::Holder::Party("provider".into()))
        .unwrap();
    assert_eq!(
        onus::describe(&azure, provider.when.as_ref().unwrap()),
        "model in [paas, saas]"
    );
}

/// Every answer a zone can have, found by evaluating every completion of
/// the given dimensions: the holders, and for each the completions.
fn enumerated(
    policy: &onus::Policy,
    given: &[Option<usize>],
    zone: usize,
) -> std::collections::BTreeMap<onus::Holder, Vec<onus::Scenario>> {
    let mut out: std::collections::BTreeMap<onus::Holder, Vec<onus::Scenario>> = Default::default();
    for scenario in policy.all_scenarios() {
        let fits = given
            .iter()
            .zip(&scenario.values)
            .all(|(g, v)| g.is_none_or(|g| g == *v));
        if !fits {
            continue;
        }
        let decision = &policy.evaluate(&scenario)[zone];
        let holder = match decision.party {
            Some(p) => onus::Holder::Party(policy.parties[p].name.clone()),
            None => onus::Holder::Conflict,
        };
        out.entry(holder).or_default().push(scenario);
    }
    out
}

fn partial_agrees_with_enumeration(text: &str, pick: &[u8]) -> Result<(), TestCaseError> {
    let policy = onus::load("generated.onus", text).unwrap();
    // Each dimension given or open, as `pick` says.
    let settings: Vec<String> = (policy.dimensions.iter().enumerate())
        .filter_map(|(d, dimension)| {
            let choice = *pick.get(d).unwrap_or(&0) as usize;
            (!choice.is_multiple_of(3)).then(|| {
                let value = &dimension.values[choice % dimension.values.len()];
                format!("{}={}", dimension.name, value)
            })
        })
        .collect();
    let (given, _) = policy.read_partial_scenario(None, &settings).unwrap();
    let values: Vec<Option<usize>> = (0..policy.dimensions.len())
        .map(|d| given.value(d))
        .collect();
    for answer in policy.evaluate_partial(&given) {
        let expected = enumerated(&policy, &values, answer.zone);
        let cases = answer.cases.expect("small policies are decided");
        let holders: Vec<&onus::Holder> = cases.iter().map(|c| &c.holder).collect();
        let expected_holders: Vec<&onus::Holder> = expected.keys().collect();
        prop_assert_eq!(holders, expected_holders, "{}", text);
        for case in &cases {
            // The description holds exactly on the completions with that
            // answer, once the given values are put back.
            let cubes = case.when.as_ref().expect("small regions are described");
            // A description speaks of the open dimensions only.
            for cube in cubes {
                for (d, value) in values.iter().enumerate() {
                    if value.is_some() {
                        prop_assert_eq!(cube.0[d], policy.dimensions[d].all(), "{}", text);
                    }
                }
            }
            for scenario in policy.all_scenarios() {
                let fits = values
                    .iter()
                    .zip(&scenario.values)
                    .all(|(g, v)| g.is_none_or(|g| g == *v));
                if !fits {
                    continue;
                }
                let described = cubes.iter().any(|cube| cube.contains(&scenario));
                let has_it = expected[&case.holder].contains(&scenario);
                prop_assert_eq!(described, has_it, "{} {:?}", text, scenario);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn partial_answers_agree_with_enumeration(
        text in policy_text(SMALL),
        pick in prop::collection::vec(any::<u8>(), 3),
    ) {
        partial_agrees_with_enumeration(&text, &pick)?;
    }
}
