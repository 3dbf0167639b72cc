//! `check` agrees with brute force: on random policies, every finding the
//! symbolic checker reports is exactly what enumerating every scenario
//! finds, every witness scenario really shows the finding (whatever value
//! its free dimensions take), and no generated policy reaches the guard.

use std::collections::{BTreeMap, BTreeSet};

use onus::Status;
use onus::Witness;
use onus::{Cond, Finding, Question};
use onus::{Policy, Scenario};
use proptest::prelude::*;

mod common;

use common::generate::{grid, policy_pair, policy_text, ring, SMALL, WIDE};

/// Which scenarios each rule matches, by enumeration.
fn matches(policy: &Policy, scenarios: &[Scenario]) -> Vec<Vec<bool>> {
    policy
        .rules
        .iter()
        .map(|r| scenarios.iter().map(|s| r.condition.holds(s)).collect())
        .collect()
}

/// The rules brute force finds redundant, walking back as the checker
/// does, and for each the rules that cover it. Rules in `never` are never
/// flagged (the checker cannot weigh a rule whose region it lacks).
fn brute_redundant(
    policy: &Policy,
    matched: &[Vec<bool>],
    never: &[usize],
) -> BTreeMap<usize, Vec<usize>> {
    let mut flagged = BTreeMap::new();
    for zone in 0..policy.zones.len() {
        let rules: Vec<usize> = policy.rules_for(zone).map(|(id, _)| id).collect();
        for &rule in rules.iter().rev() {
            if !matched[rule].contains(&true) || never.contains(&rule) {
                continue;
            }
            let party = policy.rules[rule].party;
            let others: Vec<usize> = rules
                .iter()
                .copied()
                .filter(|&r| {
                    r != rule && policy.rules[r].party == party && !flagged.contains_key(&r)
                })
                .collect();
            let scenarios = (0..matched[rule].len()).filter(|&s| matched[rule][s]);
            let covered = scenarios
                .clone()
                .all(|s| others.iter().any(|&o| matched[o][s]));
            if covered {
                // The first rule that covers it alone, else, in rule
                // order, each rule that matches a scenario the ones before
                // it left, until none is left.
                let mut left: Vec<usize> = scenarios.collect();
                let alone = others
                    .iter()
                    .find(|&&o| left.iter().all(|&s| matched[o][s]));
                let mut covering: Vec<usize> = alone.into_iter().copied().collect();
                if !covering.is_empty() {
                    left.clear();
                }
                for o in others {
                    if left.iter().any(|&s| matched[o][s]) {
                        covering.push(o);
                        left.retain(|&s| !matched[o][s]);
                    }
                    if left.is_empty() {
                        break;
                    }
                }
                flagged.insert(rule, covering);
            }
        }
    }
    flagged
}

/// The dimensions a condition tests.
fn mentioned(cond: &Cond, out: &mut BTreeSet<usize>) {
    match cond {
        Cond::True => {}
        Cond::In(d, _) => {
            out.insert(*d);
        }
        Cond::Not(inner) => mentioned(inner, out),
        Cond::And(all) | Cond::Or(all) => all.iter().for_each(|c| mentioned(c, out)),
    }
}

/// A witness is as small as cheap: every dimension of several values that
/// none of `conditions` tests is marked free.
fn assert_minimal(
    policy: &Policy,
    witness: &Witness,
    conditions: &[&Cond],
) -> Result<(), TestCaseError> {
    let mut tested = BTreeSet::new();
    for cond in conditions {
        mentioned(cond, &mut tested);
    }
    for (d, dimension) in policy.dimensions.iter().enumerate() {
        if dimension.values.len() > 1 && !tested.contains(&d) {
            prop_assert!(
                witness.free.contains(&d),
                "{} is free in {:?}",
                dimension.name,
                witness
            );
        }
    }
    Ok(())
}

/// Scenarios the witness stands for: its scenario with each free dimension
/// set to each of its values in turn. All combinations where they are few;
/// else each free dimension changed alone, and all of them at their last
/// value together.
fn variants(policy: &Policy, witness: &Witness) -> Vec<Scenario> {
    let size = |d: usize| policy.dimensions[d].values.len();
    let combinations = witness
        .free
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(size(d)))
        .unwrap_or(usize::MAX);
    if combinations > 256 {
        let mut all = vec![witness.scenario.clone()];
        let mut last = witness.scenario.clone();
        for &d in &witness.free {
            last.values[d] = size(d) - 1;
            for v in 0..size(d) {
                let mut changed = witness.scenario.clone();
                changed.values[d] = v;
                all.push(changed);
            }
        }
        all.push(last);
        return all;
    }
    let mut all = vec![witness.scenario.clone()];
    for &d in &witness.free {
        all = all
            .into_iter()
            .flat_map(|s| {
                (0..size(d)).map(move |v| {
                    let mut changed = s.clone();
                    changed.values[d] = v;
                    changed
                })
            })
            .collect();
    }
    all
}

fn fails(policy: &Policy, assertion: &onus::Assertion, scenario: &Scenario) -> bool {
    assertion.condition.holds(scenario) && {
        let decision = &policy.evaluate(scenario)[assertion.zone];
        decision.status == Status::Conflict || decision.party != Some(assertion.party)
    }
}

/// Every finding of the checker, with the rules `forced` treated as too
/// complex to build, against enumeration of every scenario.
fn check_agrees_with_enumeration(text: &str, forced: &[usize]) -> Result<(), TestCaseError> {
    let policy = onus::load("random.onus", text).expect("generated policies resolve");
    let forced: Vec<usize> = forced
        .iter()
        .map(|f| f % policy.rules.len())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let scenarios: Vec<Scenario> = policy.all_scenarios().collect();
    let matched = matches(&policy, &scenarios);
    let findings = policy.findings_forcing_undecided(&forced);

    let mut expected_undecided = BTreeSet::new();
    for &rule in &forced {
        expected_undecided.insert((rule, None));
    }
    for (i, &a) in forced.iter().enumerate() {
        for &b in &forced[i + 1..] {
            let (ra, rb) = (&policy.rules[a], &policy.rules[b]);
            if ra.zone == rb.zone && ra.party != rb.party {
                expected_undecided.insert((b, Some(a)));
            }
        }
    }
    let reported_undecided: BTreeSet<(usize, Option<usize>)> = findings
        .iter()
        .filter_map(|f| match f {
            Finding::Undecided { span, question } => {
                let rule = policy.rules.iter().position(|r| r.span == *span);
                let rule = rule.expect("only rules are undecided here");
                match question {
                    Question::Rule => Some((rule, None)),
                    Question::Conflict { other } => Some((rule, Some(*other))),
                    other => panic!("undecided {other:?}"),
                }
            }
            _ => None,
        })
        .collect();
    prop_assert_eq!(
        &reported_undecided,
        &expected_undecided,
        "undecided questions"
    );

    let dead: BTreeSet<usize> = (0..policy.rules.len())
        .filter(|&r| !matched[r].contains(&true))
        .collect();
    let reported_dead: BTreeSet<usize> = findings
        .iter()
        .filter_map(|f| match f {
            Finding::DeadRule { rule } => Some(*rule),
            _ => None,
        })
        .collect();
    let expected_dead: BTreeSet<usize> = dead
        .iter()
        .copied()
        .filter(|r| !forced.contains(r))
        .collect();
    prop_assert_eq!(&reported_dead, &expected_dead);

    let mut conflicts = BTreeSet::new();
    for a in 0..policy.rules.len() {
        for b in a + 1..policy.rules.len() {
            let (ra, rb) = (&policy.rules[a], &policy.rules[b]);
            if ra.zone == rb.zone
                && ra.party != rb.party
                && !(forced.contains(&a) && forced.contains(&b))
                && (0..scenarios.len()).any(|s| matched[a][s] && matched[b][s])
            {
                conflicts.insert((a, b));
            }
        }
    }
    let mut reported_conflicts = BTreeSet::new();
    for f in &findings {
        if let Finding::Conflict {
            first,
            second,
            witness,
        } = f
        {
            let (a, b) = (&policy.rules[*first], &policy.rules[*second]);
            for scenario in variants(&policy, witness) {
                prop_assert!(a.condition.holds(&scenario));
                prop_assert!(b.condition.holds(&scenario));
            }
            assert_minimal(&policy, witness, &[&a.condition, &b.condition])?;
            reported_conflicts.insert((*first, *second));
        }
    }
    prop_assert_eq!(&reported_conflicts, &conflicts);
    // Each pair once, in order: by the later rule, then the earlier.
    let order: Vec<(usize, usize)> = findings
        .iter()
        .filter_map(|f| match f {
            Finding::Conflict { first, second, .. } => Some((*second, *first)),
            _ => None,
        })
        .collect();
    prop_assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "conflicts in order: {:?}",
        order
    );

    let reported_redundant: BTreeMap<usize, Vec<usize>> = findings
        .iter()
        .filter_map(|f| match f {
            Finding::RedundantRule { rule, covering } => Some((*rule, covering.clone())),
            _ => None,
        })
        .collect();
    prop_assert_eq!(
        &reported_redundant,
        &brute_redundant(&policy, &matched, &forced)
    );

    for (index, assertion) in policy.assertions.iter().enumerate() {
        let expected = scenarios.iter().any(|s| fails(&policy, assertion, s));
        let reported = findings.iter().find_map(|f| match f {
            Finding::AssertFailed {
                assertion: a,
                witness,
                decision,
            } if *a == index => Some((witness, decision)),
            _ => None,
        });
        prop_assert_eq!(reported.is_some(), expected, "assertion {}", index);
        if let Some((witness, decision)) = reported {
            for scenario in variants(&policy, witness) {
                prop_assert!(fails(&policy, assertion, &scenario));
                prop_assert_eq!(&policy.evaluate(&scenario)[assertion.zone], decision);
            }
            let mut conditions = vec![&assertion.condition];
            conditions.extend(policy.rules_for(assertion.zone).map(|(_, r)| &r.condition));
            assert_minimal(&policy, witness, &conditions)?;
        }
    }

    for zone in 0..policy.zones.len() {
        let never = policy
            .rules_for(zone)
            .all(|(id, _)| dead.contains(&id) && !forced.contains(&id));
        let reported = findings.contains(&Finding::DefaultOnlyZone { zone });
        prop_assert_eq!(reported, never && policy.zones[zone].declared);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn check_agrees_with_enumeration_on_small_policies(text in policy_text(SMALL)) {
        check_agrees_with_enumeration(&text, &[])?;
    }

    /// The same with some rules' regions withheld, as if too complex to
    /// build: every other finding is still exact.
    #[test]
    fn check_works_around_rules_it_cannot_build(
        text in policy_text(SMALL),
        forced in prop::collection::vec(0usize..64, 1..=3),
    ) {
        check_agrees_with_enumeration(&text, &forced)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(80))]

    /// 6 to 10 dimensions, conditions with many `and`, `or` and `not` terms.
    #[test]
    fn check_agrees_with_enumeration_on_wide_policies(text in policy_text(WIDE)) {
        check_agrees_with_enumeration(&text, &[])?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// A grid of disjoint rules checks clean; one more rule of another
    /// party on a cell conflicts with that cell's rule and nothing else.
    #[test]
    fn grids_check_exactly(rows in 2usize..=12, columns in 2usize..=12, cell in any::<(usize, usize)>()) {
        let text = grid(rows, columns);
        let policy = onus::load("grid.onus", &text).unwrap();
        prop_assert_eq!(policy.findings(), vec![]);

        let (i, j) = (cell.0 % rows, cell.1 % columns);
        let text = format!("{text}x: customer when a is a{i} and b is b{j}\n");
        let policy = onus::load("grid.onus", &text).unwrap();
        let findings = policy.findings();
        prop_assert_eq!(findings.len(), 1, "{:?}", findings);
        let Finding::Conflict { first, second, witness } = &findings[0] else {
            return Err(TestCaseError::fail(format!("not a conflict: {findings:?}")));
        };
        prop_assert_eq!((*first, *second), (i * columns + j, rows * columns));
        let (a, b) = (policy.dimension_index("a").unwrap(), policy.dimension_index("b").unwrap());
        prop_assert_eq!((witness.scenario.values[a], witness.scenario.values[b]), (i, j));
        prop_assert!(!witness.free.contains(&a) && !witness.free.contains(&b));
    }

    /// The ring's third rule is decided: it conflicts with the second rule
    /// and is neither dead nor redundant, and the trivial conflict between
    /// the first two is reported beside it.
    #[test]
    fn rings_check_exactly(clauses in 3usize..=24) {
        let policy = onus::load("ring.onus", &ring(clauses)).unwrap();
        let findings = policy.findings();
        let pairs: Vec<(usize, usize)> = findings
            .iter()
            .map(|f| match f {
                Finding::Conflict { first, second, .. } => Ok((*first, *second)),
                other => Err(TestCaseError::fail(format!("unexpected {other:?}"))),
            })
            .collect::<Result<_, _>>()?;
        prop_assert_eq!(pairs, vec![(0, 1), (1, 2)]);
        for f in &findings {
            if let Finding::Conflict { first, second, witness } = f {
                for scenario in variants(&policy, witness) {
                    prop_assert!(policy.rules[*first].condition.holds(&scenario));
                    prop_assert!(policy.rules[*second].condition.holds(&scenario));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The compiled form (decision tables) answers exactly as the
    /// interpreter does, for every scenario of random policies.
    #[test]
    fn compiled_evaluation_agrees_with_the_interpreter(text in policy_text(SMALL)) {
        let policy = onus::load("random.onus", &text).expect("generated policies resolve");
        let encode = |d: &onus::Decision| onus::render::decision_bytes(&policy, d, onus::DecisionFields::ALL);
        let compiled = onus::unstable::Compiled::new(&policy, &encode);
        for scenario in policy.all_scenarios() {
            let decisions = policy.evaluate(&scenario);
            prop_assert_eq!(&decisions, &policy.evaluate(&scenario), "deterministic");
            for (zone, decision) in decisions.iter().enumerate() {
                prop_assert_eq!(&compiled.answer(zone, &scenario.values).decision, decision);
            }
        }
    }
}

/// A value set of a six-valued dimension: mostly one value, so that a
/// crowded zone's rules overlap only here and there.
fn value_set() -> impl Strategy<Value = u64> {
    prop_oneof![3 => (0u32..6).prop_map(|k| 1u64 << k), 1 => 1u64..64]
}

/// One zone of many rules of three parties over two six-valued dimensions.
fn crowded_zone(rules: &[(usize, u64, u64, bool)]) -> String {
    let names = |d: &str, set: u64| -> String {
        let values: Vec<String> = (0..6)
            .filter(|v| set >> v & 1 == 1)
            .map(|v| format!("{d}{v}"))
            .collect();
        format!("{d} in [{}]", values.join(", "))
    };
    let mut text =
        String::from("dimension a: a0, a1, a2, a3, a4, a5\ndimension b: b0, b1, b2, b3, b4, b5\n");
    for &(party, a, b, negate) in rules {
        let party = ["provider", "customer", "shared"][party];
        let not = if negate { "not " } else { "" };
        text.push_str(&format!(
            "x: {party} when {not}{} and {}\n",
            names("a", a),
            names("b", b)
        ));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Enough rules in one zone that conflicts are found by halving
    /// groups of rules, not pair by pair: still every pair, and only them.
    #[test]
    fn crowded_zones_check_exactly(
        rules in prop::collection::vec((0usize..3, value_set(), value_set(), prop::bool::weighted(0.1)), 40..=120),
        forced in prop::collection::vec(0usize..120, 0..=2),
    ) {
        check_agrees_with_enumeration(&crowded_zone(&rules), &forced)?;
    }
}

/// What a checker says of a text once it has finished, as `check` says it:
/// in two steps (what is known, then the rest) or in one.
fn checked(checker: &mut onus::Checker, text: &str, at_once: bool) -> String {
    let report = match at_once {
        true => checker.begin("p.onus", text, usize::MAX),
        false => {
            let quick = checker.begin("p.onus", text, 0);
            checker.finish().unwrap_or(quick)
        }
    };
    format!("{:?}", report.diagnostics)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// An editor's checker, which keeps each zone's findings between edits,
    /// says of every text what `check` says: through an edit that adds
    /// another policy's rules, one that removes a line, and back.
    #[test]
    fn an_incremental_check_says_what_check_says(
        (first, second) in policy_pair(SMALL),
        removed in 0usize..40,
        at_once in any::<bool>(),
    ) {
        let added: String = (second.lines())
            .filter(|l| l.starts_with('z') || l.starts_with("assert"))
            .map(|l| format!("{l}\n"))
            .collect();
        let lines: Vec<&str> = first.lines().collect();
        let cut: String = (lines.iter().enumerate())
            .filter(|&(i, _)| i != removed % lines.len())
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let mut checker = onus::Checker::default();
        for text in [&first, &second, &format!("{added}{first}"), &cut, &first] {
            let whole = format!("{:?}", onus::check("p.onus", text).diagnostics);
            prop_assert_eq!(checked(&mut checker, text, at_once), whole, "{}", text);
        }
        // Nothing changed: the first answer is the whole one.
        let again = checker.begin("p.onus", &first, 0);
        prop_assert!(!checker.is_pending());
        prop_assert_eq!(
            format!("{:?}", again.diagnostics),
            format!("{:?}", onus::check("p.onus", &first).diagnostics)
        );
    }
}

/// `text` with its `index`-th rule broken (`how`: its party or a value of
/// its condition unknown), and the same text without that rule: the
/// broken line blanked to spaces, so every other span stays where it was.
/// `None` when the rule has nothing of that kind to break.
fn broken_and_without(text: &str, index: usize, how: bool) -> Option<(String, String, usize)> {
    let rules: Vec<usize> = (text.lines().enumerate())
        .filter(|(_, l)| l.starts_with('z') && !l.starts_with("zone "))
        .map(|(i, _)| i)
        .collect();
    // Without its only rule a policy is no policy (`no-rules`).
    if rules.len() < 2 {
        return None;
    }
    let at = rules[index % rules.len()];
    let line = text.lines().nth(at)?;
    let broken_line = match how {
        true => {
            let (zone, rest) = line.split_once(": ")?;
            let (_, condition) = rest.split_once(' ').unwrap_or((rest, ""));
            format!("{zone}: nobody {condition}").trim_end().to_string()
        }
        false => {
            // The `v` of a value such as `d1v3`: after a digit.
            let (v, _) = (line.match_indices('v'))
                .find(|&(i, _)| i > 0 && line.as_bytes()[i - 1].is_ascii_digit())?;
            format!("{}q{}", &line[..=v], &line[v + 1..])
        }
    };
    let replace = |with: &str| -> String {
        (text.lines().enumerate())
            .map(|(i, l)| format!("{}\n", if i == at { with } else { l }))
            .collect()
    };
    let zone: usize = line[1..line.find(':')?].parse().ok()?;
    let blank = " ".repeat(broken_line.len());
    Some((replace(&broken_line), replace(&blank), zone))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Errors are local (issue 29): with one rule broken, every other zone
    /// has exactly the findings of the policy without that rule; the
    /// broken rule's zone is reported as not analysed, beside the error.
    #[test]
    fn a_broken_rule_hides_no_finding_of_another_zone(
        text in policy_text(SMALL),
        index in 0usize..7,
        how in any::<bool>(),
    ) {
        let Some((broken, without, zone)) = broken_and_without(&text, index, how) else {
            return Ok(());
        };
        let loaded = onus::load_lenient("p.onus", &broken).expect("only the rule is broken");
        prop_assert!(loaded.errors.has_errors(), "{}", broken);
        let zone_id = loaded.policy.zone_index(&format!("z{zone}")).unwrap();
        prop_assert_eq!(loaded.unresolved_zones.iter().map(|z| z.0).collect::<Vec<_>>(), vec![zone_id]);
        let rest = onus::load("p.onus", &without).expect("the rest is a policy");
        let others = |policy: &Policy| -> Vec<Finding> {
            (policy.findings().into_iter())
                .filter(|f| f.zone(policy) != Some(zone_id))
                .collect()
        };
        prop_assert_eq!(others(&loaded.policy), others(&rest), "{}", broken);
        // `check` says it all: the error, the zone not analysed, and the
        // diagnostics of every other zone, as `check` of the rest gives
        // them (where a diagnostic points says whose it is).
        let report = onus::check("p.onus", &broken);
        let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code.name()).collect();
        prop_assert_eq!(codes.iter().filter(|c| **c == "not-analysed").count(), 1);
        prop_assert!(codes.contains(&"unknown-name"), "{:?}", codes);
        let of_zone = |span: onus::Span| {
            let rules = rest.rules.iter().filter(|r| r.zone == zone_id).map(|r| r.span);
            let assertions = rest.assertions.iter().filter(|a| a.zone == zone_id).map(|a| a.span);
            rules.chain(assertions).chain([rest.zones[zone_id].span])
                .any(|at| at.start <= span.start && span.end <= at.end)
        };
        let shown = |diagnostics: &[onus::Diagnostic]| -> Vec<String> {
            (diagnostics.iter())
                .filter(|d| !matches!(d.code.name(), "not-analysed" | "unknown-name"))
                .filter(|d| d.primary.as_ref().is_none_or(|l| !of_zone(l.span)))
                .map(|d| format!("{:?}", (d.code, &d.message, d.primary.as_ref().map(|l| l.span))))
                .collect()
        };
        let expected = onus::check("p.onus", &without);
        prop_assert_eq!(shown(&report.diagnostics), shown(&expected.diagnostics), "{}", broken);
    }
}
