//! Answers for a scenario that leaves dimensions open ("PaaS or SaaS, not
//! decided yet"): each zone's answer is definite, the same whatever the open
//! dimensions take, or depends on them, with the exact condition of each
//! answer. Exact, from the analysis over every value of the open
//! dimensions, never by sampling.

use crate::engine::analysis::{Cube, Region, Space, Undecided};
use crate::model::answers::Holder;
use crate::model::policy::{Cond, DimensionId, Policy, RuleId, ValueSet, ZoneId};
use crate::model::scenario::PartialScenario;

/// One answer a zone can have under the open dimensions, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Who holds the zone, or a conflict.
    pub holder: Holder,
    /// Where, over the open dimensions only, as few cubes as the
    /// description finds; `None` if describing it would take past the
    /// analysis budget (the case itself is proven).
    pub when: Option<Vec<Cube>>,
    /// The zone's rules that decide in some scenario of the case, in source
    /// order; empty where only the default decides.
    pub rules: Vec<RuleId>,
}

/// A zone's answers over the open dimensions: one case when definite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialAnswer {
    /// The zone.
    pub zone: ZoneId,
    /// Each answer it can have, holders in name order, a conflict last;
    /// `None` if the analysis could not decide within its budget.
    pub cases: Option<Vec<Case>>,
}

impl PartialAnswer {
    /// Whether the zone has one answer whatever the open dimensions take.
    pub fn is_definite(&self) -> bool {
        self.cases.as_ref().is_some_and(|c| c.len() == 1)
    }
}

/// Every zone's answers where the given dimensions take their values and
/// the others any, in zone order.
pub fn evaluate(policy: &Policy, given: &PartialScenario) -> Vec<PartialAnswer> {
    let allowed: Vec<ValueSet> = (policy.dimensions.iter().enumerate())
        .map(|(d, dimension)| given.value(d).map_or(dimension.all(), |v| 1 << v))
        .collect();
    evaluate_within(policy, &allowed)
}

/// Every zone's answers where dimension `d` takes a value of `allowed[d]`,
/// in zone order; the conditions speak of the dimensions with several
/// values only.
pub fn evaluate_within(policy: &Policy, allowed: &[ValueSet]) -> Vec<PartialAnswer> {
    let zones: Vec<ZoneId> = (0..policy.zones.len()).collect();
    answers_within(policy, allowed, &zones)
}

/// One zone's answers over every scenario, each with its condition: what
/// an editor shows on a rule, without analysing the other zones.
pub fn zone_answers(policy: &Policy, zone: ZoneId) -> PartialAnswer {
    let every: Vec<ValueSet> = policy.dimensions.iter().map(|d| d.all()).collect();
    let mut answers = answers_within(policy, &every, &[zone]);
    answers.pop().expect("one zone asked, one answered")
}

/// [`evaluate_within`] of some zones only, in the order given.
fn answers_within(policy: &Policy, allowed: &[ValueSet], zones: &[ZoneId]) -> Vec<PartialAnswer> {
    let space = Space::of(policy);
    let fixed: Vec<DimensionId> = (0..policy.dimensions.len())
        .filter(|&d| allowed[d].count_ones() == 1)
        .collect();
    let care = Cond::And(
        (allowed.iter().enumerate())
            .filter(|(d, set)| **set != policy.dimensions[*d].all())
            .map(|(d, &set)| Cond::In(d, set))
            .collect(),
    );
    (zones.iter())
        .map(|&zone| PartialAnswer {
            zone,
            cases: space
                .bounded(|| {
                    space
                        .region(&care)
                        .and_then(|care| holders(&space, policy, zone, &care))
                })
                .ok()
                .map(|cases| {
                    cases
                        .into_iter()
                        .map(|(holder, region, rules)| Case {
                            holder,
                            when: space
                                .bounded(|| space.description(&region))
                                .ok()
                                .map(|cubes| open_only(policy, &fixed, cubes)),
                            rules,
                        })
                        .collect()
                }),
        })
        .collect()
}

/// The dimensions a partial scenario leaves open, in order.
pub fn open_dimensions(policy: &Policy, given: &PartialScenario) -> Vec<DimensionId> {
    (0..policy.dimensions.len())
        .filter(|&d| given.value(d).is_none())
        .collect()
}

/// One answer a zone can have, where it has it, and the rules that decide
/// there.
pub(crate) type AnswerRegion = (Holder, Region, Vec<RuleId>);

/// Each answer a zone can have within `care` (a party, by a rule or by
/// default, or a conflict), where it has it and which rules decide there;
/// holders in name order, a conflict last, none with an empty region. The
/// one place the answer regions of a zone are built: `diff`, mappings and
/// estates read them too.
pub(crate) fn holders(
    space: &Space,
    policy: &Policy,
    zone: ZoneId,
    care: &Region,
) -> Result<Vec<AnswerRegion>, Undecided> {
    let mut regions = Vec::new();
    for (id, rule) in policy.rules_for(zone) {
        regions.push((id, rule.party, space.region_within(&rule.condition, care)?));
    }
    let rules: Vec<_> = regions.iter().map(|(_, p, r)| (*p, r.clone())).collect();
    let answers = space.answers(&rules, care)?;
    let mut out = Vec::new();
    for party in 0..policy.parties.len() {
        let region = answers.held_by(space, party, policy.default_party)?;
        if region.is_empty() {
            continue;
        }
        let mut deciding = Vec::new();
        for (id, rule_party, rule_region) in &regions {
            if *rule_party == party && !space.intersect(rule_region, &region)?.is_empty() {
                deciding.push(*id);
            }
        }
        out.push((
            Holder::Party(policy.parties[party].name.clone()),
            region,
            deciding,
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    if !answers.conflict.is_empty() {
        let mut deciding = Vec::new();
        for (id, _, rule_region) in &regions {
            if !space.intersect(rule_region, &answers.conflict)?.is_empty() {
                deciding.push(*id);
            }
        }
        out.push((Holder::Conflict, answers.conflict, deciding));
    }
    Ok(out)
}

/// The cubes with the given dimensions let free, so that a description
/// speaks of the open dimensions only (within the given values, the
/// region is the same).
fn open_only(policy: &Policy, fixed: &[DimensionId], mut cubes: Vec<Cube>) -> Vec<Cube> {
    for cube in &mut cubes {
        for &d in fixed {
            cube.0[d] = policy.dimensions[d].all();
        }
    }
    cubes.dedup();
    cubes
}
