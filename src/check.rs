//! The checker: proves, over every scenario, that a policy has no conflicts,
//! no dead or redundant rules, and that its assertions hold. Exact: each
//! finding comes with a scenario that shows it, and no finding is missed.

use crate::analysis::{bounded, Region, Space};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::{evaluate, Decision, Status};
use crate::policy::{PartyId, Policy, RuleId, Scenario, ZoneId};
use crate::span::Span;

/// Something the checker found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// `os: provider when paas` and `os: customer unless saas` both match
    /// `model=paas`.
    Conflict {
        first: RuleId,
        second: RuleId,
        scenario: Scenario,
    },
    /// `assert data: customer always` where a rule gives `data` to the
    /// provider in some scenario.
    AssertFailed {
        assertion: usize,
        scenario: Scenario,
        decision: Decision,
    },
    /// `os: provider when iaas and saas`: holds in no scenario.
    DeadRule { rule: RuleId },
    /// `os: provider when paas` beside `os: provider when model in [paas, saas]`.
    RedundantRule { rule: RuleId, covering: Vec<RuleId> },
    /// `zone backups` with no rule that ever matches.
    DefaultOnlyZone { zone: ZoneId },
    /// `x: customer unless (a and b) or (c and d) or ...` with so many terms
    /// that its negation has more cases than the checker will weigh.
    TooComplex { span: Span },
}

/// Every finding, in source order.
pub fn check(policy: &Policy) -> Vec<Finding> {
    let space = Space::of(policy);
    let mut findings = Vec::new();
    let regions: Vec<Option<Region>> = policy
        .rules
        .iter()
        .map(|r| bounded(|| space.region(&r.condition)))
        .collect();
    for (id, region) in regions.iter().enumerate() {
        match region {
            None => findings.push(Finding::TooComplex {
                span: policy.rules[id].span,
            }),
            Some(region) if region.is_empty() => findings.push(Finding::DeadRule { rule: id }),
            Some(_) => {}
        }
    }
    // Zones with a rule too complex to analyse are left unproven.
    let analysable: Vec<bool> = (0..policy.zones.len())
        .map(|zone| policy.rules_for(zone).all(|(id, _)| regions[id].is_some()))
        .collect();
    let regions: Vec<Region> = regions.into_iter().map(Option::unwrap_or_default).collect();
    for (zone, _) in analysable.iter().enumerate().filter(|(_, &ok)| ok) {
        let rules: Vec<RuleId> = policy.rules_for(zone).map(|(id, _)| id).collect();
        let zone_findings = bounded(|| {
            let mut found = Vec::new();
            conflicts(policy, &space, &regions, &rules, &mut found);
            redundancies(policy, &space, &regions, &rules, &mut found);
            found
        });
        match zone_findings {
            Some(found) => findings.extend(found),
            None => findings.push(Finding::TooComplex {
                span: policy.zones[zone].span,
            }),
        }
        if policy.zones[zone].declared && rules.iter().all(|&r| regions[r].is_empty()) {
            findings.push(Finding::DefaultOnlyZone { zone });
        }
    }
    for (index, assertion) in policy.assertions.iter().enumerate() {
        if !analysable[assertion.zone] {
            findings.push(Finding::TooComplex {
                span: assertion.span,
            });
            continue;
        }
        let outcome = bounded(|| {
            let claimed = space.region(&assertion.condition);
            counterexample(
                policy,
                &space,
                &regions,
                assertion.zone,
                assertion.party,
                &claimed,
            )
        });
        match outcome {
            None => findings.push(Finding::TooComplex {
                span: assertion.span,
            }),
            Some(Some(scenario)) => {
                let decision = evaluate(policy, &scenario).swap_remove(assertion.zone);
                findings.push(Finding::AssertFailed {
                    assertion: index,
                    scenario,
                    decision,
                });
            }
            Some(None) => {}
        }
    }
    findings.sort_by_key(|f| (f.span_start(policy), f.rank()));
    findings
}

fn conflicts(
    policy: &Policy,
    space: &Space,
    regions: &[Region],
    rules: &[RuleId],
    findings: &mut Vec<Finding>,
) {
    for (i, &first) in rules.iter().enumerate() {
        for &second in &rules[i + 1..] {
            if policy.rules[first].party == policy.rules[second].party {
                continue;
            }
            if let Some(scenario) = space.witness(&regions[first].intersect(&regions[second])) {
                findings.push(Finding::Conflict {
                    first,
                    second,
                    scenario,
                });
            }
        }
    }
}

/// Rules whose every scenario other rules of the same zone and party
/// already match. Walks from the last rule back and measures each against
/// the rules not yet found redundant, so removing every reported rule
/// together keeps the policy's meaning.
fn redundancies(
    policy: &Policy,
    space: &Space,
    regions: &[Region],
    rules: &[RuleId],
    findings: &mut Vec<Finding>,
) {
    let mut redundant: Vec<RuleId> = Vec::new();
    for &rule in rules.iter().rev() {
        if regions[rule].is_empty() {
            continue;
        }
        let party = policy.rules[rule].party;
        let others: Vec<RuleId> = rules
            .iter()
            .copied()
            .filter(|&r| r != rule && policy.rules[r].party == party && !redundant.contains(&r))
            .collect();
        let cover = others
            .iter()
            .fold(Region::default(), |acc, &r| acc.union(&regions[r]));
        if space.escape(&regions[rule], &cover).is_none() {
            let covering = others
                .into_iter()
                .filter(|&r| !regions[r].intersect(&regions[rule]).is_empty())
                .collect();
            findings.push(Finding::RedundantRule { rule, covering });
            redundant.push(rule);
        }
    }
}

/// A scenario in `claimed` where `zone` does not resolve to `party`.
fn counterexample(
    policy: &Policy,
    space: &Space,
    regions: &[Region],
    zone: ZoneId,
    party: PartyId,
    claimed: &Region,
) -> Option<Scenario> {
    let rules: Vec<RuleId> = policy.rules_for(zone).map(|(id, _)| id).collect();
    let union_of = |keep: &dyn Fn(RuleId) -> bool| {
        rules
            .iter()
            .filter(|&&r| keep(r))
            .fold(Region::default(), |acc, &r| acc.union(&regions[r]))
    };
    // Another party's rule matches: the zone goes to it, or to a conflict.
    let others = union_of(&|r| policy.rules[r].party != party);
    if let Some(scenario) = space.witness(&claimed.intersect(&others)) {
        return Some(scenario);
    }
    // No rule matches and the default is someone else.
    if policy.default_party != party {
        return space.escape(claimed, &union_of(&|_| true));
    }
    None
}

impl Finding {
    fn span_start(&self, policy: &Policy) -> usize {
        match self {
            Finding::Conflict { second, .. } => policy.rules[*second].span.start,
            Finding::AssertFailed { assertion, .. } => policy.assertions[*assertion].span.start,
            Finding::DeadRule { rule } | Finding::RedundantRule { rule, .. } => {
                policy.rules[*rule].span.start
            }
            Finding::DefaultOnlyZone { zone } => policy.zones[*zone].span.start,
            Finding::TooComplex { span } => span.start,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Finding::Conflict { .. } => 0,
            Finding::AssertFailed { .. } => 1,
            Finding::DeadRule { .. } => 2,
            Finding::RedundantRule { .. } => 3,
            Finding::DefaultOnlyZone { .. } => 4,
            Finding::TooComplex { .. } => 5,
        }
    }

    pub fn to_diagnostic(&self, policy: &Policy) -> Diagnostic {
        let line = |rule: RuleId| policy.source.line_column(policy.rules[rule].span.start).0;
        let party = |p: PartyId| policy.parties[p].name.as_str();
        let pairs = |scenario: &Scenario| {
            policy
                .scenario_pairs(scenario)
                .map(|(d, v)| (d.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        match self {
            Finding::Conflict {
                first,
                second,
                scenario,
            } => {
                let (a, b) = (&policy.rules[*first], &policy.rules[*second]);
                let zone = &policy.zones[a.zone].name;
                Diagnostic::new(
                    "conflict",
                    Severity::Error,
                    format!(
                        "rules for `{zone}` conflict: `{}` (line {}) and `{}` (line {}) both match",
                        party(a.party),
                        line(*first),
                        party(b.party),
                        line(*second)
                    ),
                )
                .with_label(b.span, format!("gives `{zone}` to `{}`", party(b.party)))
                .with_related(a.span, format!("gives it to `{}`", party(a.party)))
                .with_scenario(pairs(scenario))
                .with_help(Some(
                    "make the conditions exclusive, or give the zone to `shared` where both hold"
                        .into(),
                ))
            }
            Finding::AssertFailed {
                assertion,
                scenario,
                decision,
            } => {
                let claim = &policy.assertions[*assertion];
                let zone = &policy.zones[claim.zone].name;
                let got = match (decision.status, decision.party) {
                    (Status::Conflict, _) => "a conflict".to_string(),
                    (Status::Default, Some(p)) => format!("`{}` by default", party(p)),
                    (_, Some(p)) => format!("`{}`", party(p)),
                    (_, None) => "nobody".to_string(),
                };
                let mut diagnostic = Diagnostic::new(
                    "assert-failed",
                    Severity::Error,
                    format!(
                        "assertion does not hold: `{zone}` resolves to {got}, not `{}`",
                        party(claim.party)
                    ),
                )
                .with_label(claim.span, "does not hold in the scenario below")
                .with_scenario(pairs(scenario));
                for &rule in &decision.rules {
                    let r = &policy.rules[rule];
                    diagnostic = diagnostic.with_related(
                        r.span,
                        format!("gives `{zone}` to `{}` here", party(r.party)),
                    );
                }
                diagnostic
            }
            Finding::DeadRule { rule } => {
                let r = &policy.rules[*rule];
                Diagnostic::new(
                    "dead-rule",
                    Severity::Warning,
                    "rule never matches: its condition holds in no scenario",
                )
                .with_label(r.qualifier_span, "holds in no scenario")
                .with_help(Some(
                    "a dimension takes one value at a time: `when iaas and saas` never holds"
                        .into(),
                ))
            }
            Finding::RedundantRule { rule, covering } => {
                let r = &policy.rules[*rule];
                let lines: Vec<String> = covering.iter().map(|&c| line(c).to_string()).collect();
                let mut diagnostic = Diagnostic::new(
                    "redundant-rule",
                    Severity::Warning,
                    format!(
                        "rule is redundant: every scenario it matches is matched by {}, which also give{} `{}`",
                        if lines.len() == 1 { format!("line {}", lines[0]) } else { format!("lines {}", lines.join(", ")) },
                        if lines.len() == 1 { "s" } else { "" },
                        party(r.party)
                    ),
                )
                .with_label(r.span, "redundant")
                .with_help(Some("remove it, or narrow the rules that cover it".into()));
                for &c in covering {
                    diagnostic = diagnostic.with_related(policy.rules[c].span, "covers it");
                }
                diagnostic
            }
            Finding::TooComplex { span } => Diagnostic::new(
                "analysis-limit",
                Severity::Error,
                "too complex to analyse: this expands to more cases than the checker weighs, so nothing about it is proven",
            )
            .with_label(*span, "not analysed")
            .with_help(Some(
                "split the condition into several rules, or write `in [...]` instead of chains of `or`".into(),
            )),
            Finding::DefaultOnlyZone { zone } => {
                let z = &policy.zones[*zone];
                Diagnostic::new(
                    "default-only-zone",
                    Severity::Note,
                    format!(
                        "no rule decides `{}` in any scenario: it always falls to the default, `{}`",
                        z.name,
                        party(policy.default_party)
                    ),
                )
                .with_label(z.span, "never decided by a rule")
                .with_help(Some(format!(
                    "add a rule, as in `{}: {} always`",
                    z.name,
                    party(policy.default_party)
                )))
            }
        }
    }
}
