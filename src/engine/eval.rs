//! Evaluation: who holds each zone in a scenario, and which rules decided.
//!
//! Evaluation never fails: a resolved policy and a complete scenario always
//! have an answer, a conflict included (only naming the matrix's dimension
//! can be wrong). Does no I/O.

use crate::base::span::Span;
use crate::diagnostic::{Report, Source};
use crate::model::answers::{Decision, Status};
use crate::model::policy::{DimensionId, PartyId, Policy, RuleId, Scenario, ZoneId};
use crate::model::resolve::{NameKind, ResolveError};
use crate::syntax::Name;

/// Decides every zone, in the policy's zone order.
pub fn evaluate(policy: &Policy, scenario: &Scenario) -> Vec<Decision> {
    (0..policy.zones.len())
        .map(|zone| {
            let matched = policy
                .rules_of(zone)
                .iter()
                .copied()
                .filter(|&r| policy.rules[r].condition.holds(scenario))
                .collect();
            decide(policy, zone, matched)
        })
        .collect()
}

/// Sets of scenarios where rules match: a region of every scenario for the
/// analysis, or a yes or no for one scenario (`bool`, in the test that ties
/// [`decide`] to it). The decision rule, [`answers`], is written once over
/// any of them.
pub(crate) trait Scenarios {
    /// A set of scenarios.
    type Set: Clone;
    /// Why an operation could not be done (nothing, for `bool`).
    type Error;
    /// The empty set.
    fn nothing(&self) -> Self::Set;
    /// Both sets together.
    fn union(&self, a: &Self::Set, b: &Self::Set) -> Result<Self::Set, Self::Error>;
    /// What the sets share.
    fn intersect(&self, a: &Self::Set, b: &Self::Set) -> Result<Self::Set, Self::Error>;
    /// `a` without `b`.
    fn minus(&self, a: &Self::Set, b: &Self::Set) -> Result<Self::Set, Self::Error>;
}

/// Where each answer of a zone holds.
#[derive(Clone, Debug)]
pub(crate) struct Answers<S> {
    /// Where rules of one party, and of no other, match; in order of the
    /// parties' first rules.
    pub parties: Vec<(PartyId, S)>,
    /// Where rules of different parties match: nobody holds the zone.
    pub conflict: S,
    /// Where no rule matches: the default party holds the zone.
    pub default: S,
}

/// The decision rule, the one definition of it: within `care`, where no
/// rule matches the zone goes to the default, where the matching rules
/// agree on a party it goes to that party, and where they name different
/// parties it is a conflict. `rules` are the zone's rules with their
/// parties and where they match (within `care`).
pub(crate) fn answers<S: Scenarios>(
    scenarios: &S,
    rules: &[(PartyId, S::Set)],
    care: &S::Set,
) -> Result<Answers<S::Set>, S::Error> {
    let mut by_party: Vec<(PartyId, S::Set)> = Vec::new();
    for (party, matched) in rules {
        match by_party.iter_mut().find(|(p, _)| p == party) {
            Some((_, existing)) => *existing = scenarios.union(existing, matched)?,
            None => by_party.push((*party, matched.clone())),
        }
    }
    let mut any = scenarios.nothing();
    let mut conflict = scenarios.nothing();
    for (_, matched) in &by_party {
        conflict = scenarios.union(&conflict, &scenarios.intersect(&any, matched)?)?;
        any = scenarios.union(&any, matched)?;
    }
    let mut parties = Vec::with_capacity(by_party.len());
    for (party, matched) in &by_party {
        parties.push((*party, scenarios.minus(matched, &conflict)?));
    }
    Ok(Answers {
        parties,
        conflict,
        default: scenarios.minus(care, &any)?,
    })
}

/// The decision for a zone given the rules that match: [`answers`] for one
/// scenario, written without allocating because evaluation runs it for every
/// zone of every scenario. A test checks the two agree on every combination
/// of matching parties.
pub(crate) fn decide(policy: &Policy, zone: ZoneId, rules: Vec<RuleId>) -> Decision {
    let mut parties = rules.iter().map(|&r| policy.rules[r].party);
    let (party, status) = match parties.next() {
        None => (Some(policy.default_party), Status::Default),
        Some(first) if parties.all(|p| p == first) => (Some(first), Status::Rule),
        Some(_) => (None, Status::Conflict),
    };
    Decision {
        zone,
        party,
        status,
        rules,
    }
}

/// Decisions for every value of one dimension, the others fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    /// The dimension whose values are the columns.
    pub over: DimensionId,
    /// The scenario the columns vary; its `over` value is irrelevant.
    pub base: Scenario,
    /// Each column's value of `over`, in the dimension's order: every
    /// value, or those a subset names.
    pub values: Vec<usize>,
    /// `columns[column][zone]`.
    pub columns: Vec<Vec<Decision>>,
}

/// Evaluates `base` once for each of `values` (indices of dimension
/// `over`'s values, in order).
pub fn matrix(policy: &Policy, over: DimensionId, base: &Scenario, values: Vec<usize>) -> Matrix {
    let columns = (values.iter())
        .map(|&value| {
            let mut scenario = base.clone();
            scenario.values[over] = value;
            evaluate(policy, &scenario)
        })
        .collect();
    Matrix {
        over,
        base: base.clone(),
        values,
        columns,
    }
}

impl Matrix {
    /// The columns' values, by name.
    pub fn column_names<'p>(&self, policy: &'p Policy) -> Vec<&'p str> {
        let names = &policy.dimensions[self.over].values;
        self.values.iter().map(|&v| names[v].as_str()).collect()
    }

    /// Whether any cell is a conflict.
    pub fn has_conflict(&self) -> bool {
        self.columns
            .iter()
            .flatten()
            .any(|d| d.status == Status::Conflict)
    }
}

/// The dimension a matrix sweeps: `over` when given (an unknown name is a
/// located error pointing into `--over`, with a suggestion); else `model`
/// if it has several values, else the first dimension with several, else
/// the first dimension.
pub fn sweep_dimension(policy: &Policy, over: Option<&str>) -> Result<DimensionId, Report> {
    let Some(name) = over else {
        let model = policy.dimension_index("model");
        let several = |d: &DimensionId| policy.dimensions[*d].values.len() > 1;
        let first_with_several = (0..policy.dimensions.len()).find(several);
        // A resolved policy has at least one dimension.
        return Ok(model.filter(several).or(first_with_several).unwrap_or(0));
    };
    policy.dimension_index(name).ok_or_else(|| {
        let candidates = policy.dimensions.iter().map(|d| d.name.as_str());
        let written = Name {
            text: name.to_string(),
            span: Span::new(0, name.len()),
        };
        let error = ResolveError::unknown(NameKind::Dimension, &written, candidates);
        Report::from_errors(Source::new("--over", name), &[error])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One scenario: a rule matches it or not.
    pub(crate) struct OneScenario;

    impl Scenarios for OneScenario {
        type Set = bool;
        type Error = std::convert::Infallible;
        fn nothing(&self) -> bool {
            false
        }
        fn union(&self, a: &bool, b: &bool) -> Result<bool, Self::Error> {
            Ok(*a || *b)
        }
        fn intersect(&self, a: &bool, b: &bool) -> Result<bool, Self::Error> {
            Ok(*a && *b)
        }
        fn minus(&self, a: &bool, b: &bool) -> Result<bool, Self::Error> {
            Ok(*a && !*b)
        }
    }

    /// `decide` is `answers` for one scenario: every sequence of up to four
    /// matching rules over three parties, with each party as the default.
    #[test]
    fn decide_agrees_with_the_decision_rule() {
        for default in 0..3 {
            let mut text = format!("party p0\nparty p1\nparty p2\ndefault: p{default}\n");
            for rule in 0..4 {
                text.push_str(&format!("x: customer always # rule {rule}\n"));
            }
            let mut policy = crate::api::load("p.onus", &text).unwrap();
            let parties: Vec<PartyId> = ["p0", "p1", "p2"]
                .iter()
                .map(|name| policy.parties.iter().position(|p| &p.name == name).unwrap())
                .collect();
            let zone = 0;
            for count in 0..=4usize {
                for choice in 0..3usize.pow(count as u32) {
                    let chosen: Vec<PartyId> = (0..count)
                        .map(|i| parties[choice / 3usize.pow(i as u32) % 3])
                        .collect();
                    for (rule, &party) in chosen.iter().enumerate() {
                        policy.rules[rule].party = party;
                    }
                    let decision = decide(&policy, zone, (0..count).collect());
                    let matched: Vec<(PartyId, bool)> = chosen.iter().map(|&p| (p, true)).collect();
                    let Ok(answers) = answers(&OneScenario, &matched, &true);
                    let expected = if answers.conflict {
                        (None, Status::Conflict)
                    } else if answers.default {
                        (Some(policy.default_party), Status::Default)
                    } else {
                        let alone = answers.parties.iter().find(|(_, alone)| *alone);
                        (alone.map(|(p, _)| *p), Status::Rule)
                    };
                    assert_eq!((decision.party, decision.status), expected, "{chosen:?}");
                }
            }
        }
    }
}
