//! `check` agrees with brute force: on small random policies, every finding
//! the symbolic checker reports is exactly what enumerating every scenario
//! finds, and every witness scenario really shows the finding.

use std::collections::BTreeSet;

use onus::check::{check, Finding};
use onus::policy::{Policy, Scenario};
use onus::Status;
use proptest::prelude::*;

mod common;

use common::generate::policy_text;

/// Which scenarios each rule matches, by enumeration.
fn matches(policy: &Policy, scenarios: &[Scenario]) -> Vec<Vec<bool>> {
    policy
        .rules
        .iter()
        .map(|r| scenarios.iter().map(|s| r.condition.holds(s)).collect())
        .collect()
}

fn brute_redundant(policy: &Policy, matched: &[Vec<bool>]) -> BTreeSet<usize> {
    let mut flagged = BTreeSet::new();
    for zone in 0..policy.zones.len() {
        let rules: Vec<usize> = policy.rules_for(zone).map(|(id, _)| id).collect();
        for &rule in rules.iter().rev() {
            if !matched[rule].contains(&true) {
                continue;
            }
            let party = policy.rules[rule].party;
            let others: Vec<usize> = rules
                .iter()
                .copied()
                .filter(|&r| r != rule && policy.rules[r].party == party && !flagged.contains(&r))
                .collect();
            let covered = (0..matched[rule].len())
                .filter(|&s| matched[rule][s])
                .all(|s| others.iter().any(|&o| matched[o][s]));
            if covered {
                flagged.insert(rule);
            }
        }
    }
    flagged
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn check_agrees_with_enumeration(text in policy_text()) {
        let policy = onus::load("random.onus", &text).expect("generated policies resolve");
        let scenarios: Vec<Scenario> = policy.all_scenarios().collect();
        let matched = matches(&policy, &scenarios);
        let findings = check(&policy);

        let dead: BTreeSet<usize> = (0..policy.rules.len())
            .filter(|&r| !matched[r].contains(&true))
            .collect();
        let reported_dead: BTreeSet<usize> = findings.iter().filter_map(|f| match f {
            Finding::DeadRule { rule } => Some(*rule),
            _ => None,
        }).collect();
        prop_assert_eq!(&reported_dead, &dead);

        let mut conflicts = BTreeSet::new();
        for a in 0..policy.rules.len() {
            for b in a + 1..policy.rules.len() {
                let (ra, rb) = (&policy.rules[a], &policy.rules[b]);
                if ra.zone == rb.zone && ra.party != rb.party
                    && (0..scenarios.len()).any(|s| matched[a][s] && matched[b][s]) {
                    conflicts.insert((a, b));
                }
            }
        }
        let mut reported_conflicts = BTreeSet::new();
        for f in &findings {
            if let Finding::Conflict { first, second, scenario } = f {
                prop_assert!(policy.rules[*first].condition.holds(scenario));
                prop_assert!(policy.rules[*second].condition.holds(scenario));
                reported_conflicts.insert((*first, *second));
            }
        }
        prop_assert_eq!(&reported_conflicts, &conflicts);

        let reported_redundant: BTreeSet<usize> = findings.iter().filter_map(|f| match f {
            Finding::RedundantRule { rule, .. } => Some(*rule),
            _ => None,
        }).collect();
        prop_assert_eq!(&reported_redundant, &brute_redundant(&policy, &matched));

        for (index, assertion) in policy.assertions.iter().enumerate() {
            let fails = scenarios.iter().any(|s| {
                assertion.condition.holds(s) && {
                    let decision = &onus::eval::evaluate(&policy, s)[assertion.zone];
                    decision.status == Status::Conflict || decision.party != Some(assertion.party)
                }
            });
            let reported = findings.iter().find_map(|f| match f {
                Finding::AssertFailed { assertion: a, scenario, .. } if *a == index => Some(scenario),
                _ => None,
            });
            prop_assert_eq!(reported.is_some(), fails, "assertion {}", index);
            if let Some(scenario) = reported {
                prop_assert!(assertion.condition.holds(scenario));
                let decision = &onus::eval::evaluate(&policy, scenario)[assertion.zone];
                prop_assert!(decision.status == Status::Conflict || decision.party != Some(assertion.party));
            }
        }

        for zone in 0..policy.zones.len() {
            let never = policy.rules_for(zone).all(|(id, _)| dead.contains(&id));
            let reported = findings.contains(&Finding::DefaultOnlyZone { zone });
            prop_assert_eq!(reported, never);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The compiled form (decision tables) answers exactly as the
    /// interpreter does, for every scenario of random policies.
    #[test]
    fn compiled_evaluation_agrees_with_the_interpreter(text in policy_text()) {
        let policy = onus::load("random.onus", &text).expect("generated policies resolve");
        let compiled = onus::compile::Compiled::new(&policy);
        for scenario in policy.all_scenarios() {
            let decisions = policy.evaluate(&scenario);
            prop_assert_eq!(&decisions, &policy.evaluate(&scenario), "deterministic");
            for (zone, decision) in decisions.iter().enumerate() {
                prop_assert_eq!(&compiled.answer(zone, &scenario.values).decision, decision);
            }
        }
    }
}
