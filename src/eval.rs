//! Evaluation: who holds each zone in a scenario, and which rules decided.
//!
//! Evaluation never fails: a resolved policy and a complete scenario always
//! have an answer, a conflict included (only naming the matrix's dimension
//! can be wrong). Does no I/O.

use crate::diagnostic::{Report, Source};
use crate::policy::{DimensionId, PartyId, Policy, RuleId, Scenario, ZoneId};
use crate::resolve::{NameKind, ResolveError};
use crate::span::Span;
use crate::syntax::Name;

/// How a zone's holder was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Matching rules agree on one party.
    Rule,
    /// No rule matches: the policy's default party holds the zone.
    Default,
    /// Matching rules name different parties: nobody is chosen.
    Conflict,
}

/// The answer for one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The zone decided.
    pub zone: ZoneId,
    /// `None` exactly when the status is [`Status::Conflict`].
    pub party: Option<PartyId>,
    /// How it was decided.
    pub status: Status,
    /// The matching rules, in source order.
    pub rules: Vec<RuleId>,
}

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

/// The decision for a zone given the rules that match.
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

impl Decision {
    /// The first `because` among the deciding rules; none for a conflict.
    pub fn because<'p>(&self, policy: &'p Policy) -> Option<&'p str> {
        if self.status == Status::Conflict {
            return None;
        }
        self.rules
            .iter()
            .find_map(|&r| policy.rules[r].because.as_deref())
    }
}

/// Decisions for every value of one dimension, the others fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    /// The dimension whose values are the columns.
    pub over: DimensionId,
    /// The scenario the columns vary; its `over` value is irrelevant.
    pub base: Scenario,
    /// `columns[value][zone]`.
    pub columns: Vec<Vec<Decision>>,
}

/// Evaluates `base` once for each value of dimension `over`.
pub fn matrix(policy: &Policy, over: DimensionId, base: &Scenario) -> Matrix {
    let columns = (0..policy.dimensions[over].values.len())
        .map(|value| {
            let mut scenario = base.clone();
            scenario.values[over] = value;
            evaluate(policy, &scenario)
        })
        .collect();
    Matrix {
        over,
        base: base.clone(),
        columns,
    }
}

impl Matrix {
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
