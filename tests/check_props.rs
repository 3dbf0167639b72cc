//! `check` agrees with brute force: on small random policies, every finding
//! the symbolic checker reports is exactly what enumerating every scenario
//! finds, and every witness scenario really shows the finding.

use std::collections::BTreeSet;

use onus::check::{check, Finding};
use onus::policy::{Policy, Scenario};
use onus::Status;
use proptest::prelude::*;

/// Dimension `i` has values `d{i}v0`, `d{i}v1`, ...: no value is shared.
fn dimension_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(2usize..=4, 1..=3)
}

fn condition(sizes: Vec<usize>) -> impl Strategy<Value = String> {
    let dims = sizes.len();
    let atom = (0..dims, any::<u64>(), 0u8..4).prop_map(move |(d, bits, form)| {
        let n = sizes[d];
        let value = |i: u64| format!("d{d}v{}", i as usize % n);
        match form {
            0 => value(bits),
            1 => format!("d{d} is {}", value(bits)),
            2 => format!("d{d} is not {}", value(bits)),
            _ => {
                let values: Vec<String> = (0..n)
                    .filter(|i| bits >> i & 1 == 1)
                    .map(|i| format!("d{d}v{i}"))
                    .collect();
                if values.is_empty() {
                    value(bits)
                } else {
                    format!("d{d} in [{}]", values.join(", "))
                }
            }
        }
    });
    atom.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not {c}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} or {b})")),
        ]
    })
}

fn qualifier(sizes: Vec<usize>) -> impl Strategy<Value = String> {
    prop_oneof![
        Just("always".to_string()),
        condition(sizes.clone()).prop_map(|c| format!("when {c}")),
        condition(sizes).prop_map(|c| format!("unless {c}")),
    ]
}

fn party() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("customer"), Just("provider"), Just("shared")]
}

/// Policy text: dimensions, up to 3 declared zones, rules and assertions.
fn policy_text() -> impl Strategy<Value = String> {
    (dimension_sizes(), 1usize..=3, party()).prop_flat_map(|(sizes, zones, default)| {
        let rule = (0..zones, party(), qualifier(sizes.clone()));
        let assertion = (0..zones, party(), qualifier(sizes.clone()));
        (
            prop::collection::vec(rule, 1..=7),
            prop::collection::vec(assertion, 0..=2),
        )
            .prop_map(move |(rules, assertions)| {
                let mut text = String::new();
                for (d, n) in sizes.iter().enumerate() {
                    let values: Vec<String> = (0..*n).map(|i| format!("d{d}v{i}")).collect();
                    text.push_str(&format!("dimension d{d}: {}\n", values.join(", ")));
                }
                text.push_str(&format!("dimension model: m\ndefault: {default}\n"));
                for z in 0..zones {
                    text.push_str(&format!("zone z{z}\n"));
                }
                for (z, p, q) in &rules {
                    text.push_str(&format!("z{z}: {p} {q}\n"));
                }
                for (z, p, q) in &assertions {
                    text.push_str(&format!("assert z{z}: {p} {q}\n"));
                }
                text
            })
    })
}

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
