//! A policy compiled for fast evaluation, built once at load.
//!
//! Each zone's answer depends only on the dimensions its rules test. Where
//! the product of those dimensions' sizes is small (the usual case), the
//! compiled zone is a decision table indexed by their values, and every
//! answer it can give is precomputed with its JSON: evaluating is a few
//! multiplies and one load per zone, and writing the answer is copying
//! bytes. A zone whose rules test too many combinations keeps its rules and
//! is decided, and serialized, when asked.

use std::borrow::Cow;

use crate::eval::{decide, Decision, Status};
use crate::policy::{Cond, DimensionId, Policy, RuleId, Scenario, ZoneId};
use crate::render::decisions::decision_json;

/// The largest decision table a zone gets, in entries.
const MAX_TABLE: usize = 1 << 16;

/// A decision and its JSON, as `eval` writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub decision: Decision,
    pub json: Vec<u8>,
}

#[derive(Clone, Debug)]
enum ZoneCode {
    /// `answers[table[sum of value * stride over the tested dimensions]]`.
    Table {
        dimensions: Vec<(DimensionId, usize)>,
        table: Vec<u32>,
        answers: Vec<Answer>,
        /// The answer with the longest JSON, for the I/O-only baseline.
        longest: usize,
    },
    /// Too many combinations for a table: test the rules when asked.
    Rules,
}

/// A policy compiled for evaluation.
#[derive(Clone, Debug)]
pub struct Compiled<'p> {
    policy: &'p Policy,
    zones: Vec<ZoneCode>,
    /// Per dimension and value, `"dimension":"value"` as JSON.
    scenario_json: Vec<Vec<Vec<u8>>>,
}

impl<'p> Compiled<'p> {
    pub fn new(policy: &'p Policy) -> Self {
        let mut by_zone: Vec<Vec<RuleId>> = vec![Vec::new(); policy.zones.len()];
        for (id, rule) in policy.rules.iter().enumerate() {
            by_zone[rule.zone].push(id);
        }
        let zones = by_zone
            .iter()
            .enumerate()
            .map(|(zone, rules)| compile_zone(policy, zone, rules))
            .collect();
        let quoted = |s: &str| serde_json::to_vec(s).expect("a string serializes");
        let scenario_json = policy
            .dimensions
            .iter()
            .map(|d| {
                d.values
                    .iter()
                    .map(|v| [quoted(&d.name), b":".to_vec(), quoted(v)].concat())
                    .collect()
            })
            .collect();
        Compiled {
            policy,
            zones,
            scenario_json,
        }
    }

    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The answer of `zone` where dimension `i` takes `values[i]`.
    pub fn answer(&self, zone: ZoneId, values: &[usize]) -> Cow<'_, Answer> {
        match &self.zones[zone] {
            ZoneCode::Table {
                dimensions,
                table,
                answers,
                ..
            } => {
                let index: usize = dimensions
                    .iter()
                    .map(|&(d, stride)| values[d] * stride)
                    .sum();
                Cow::Borrowed(&answers[table[index] as usize])
            }
            ZoneCode::Rules => {
                let matched = self
                    .policy
                    .rules_for(zone)
                    .filter(|(_, r)| r.condition.holds_for(values))
                    .map(|(id, _)| id)
                    .collect();
                Cow::Owned(answer(self.policy, decide(self.policy, zone, matched)))
            }
        }
    }

    /// Appends one `eval --batch` result record (without the newline);
    /// returns whether a zone is in conflict. Without `evaluate`, every
    /// zone gets its longest answer, whatever the scenario: the I/O-only
    /// baseline of the batch benchmark, writing at least as much.
    pub fn write_record(
        &self,
        out: &mut Vec<u8>,
        line: u64,
        id: Option<&[u8]>,
        values: &[usize],
        evaluate: bool,
    ) -> bool {
        out.extend_from_slice(b"{\"line\":");
        out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
        if let Some(id) = id {
            out.extend_from_slice(b",\"id\":");
            out.extend_from_slice(id);
        }
        out.extend_from_slice(b",\"scenario\":{");
        for (d, &v) in values.iter().enumerate() {
            if d > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&self.scenario_json[d][v]);
        }
        out.extend_from_slice(b"},\"decisions\":[");
        let mut conflict = false;
        for (zone, code) in self.zones.iter().enumerate() {
            if zone > 0 {
                out.push(b',');
            }
            let answer = match (code, evaluate) {
                (
                    ZoneCode::Table {
                        answers, longest, ..
                    },
                    false,
                ) => Cow::Borrowed(&answers[*longest]),
                _ => self.answer(zone, values),
            };
            conflict |= answer.decision.status == Status::Conflict;
            out.extend_from_slice(&answer.json);
        }
        out.extend_from_slice(b"]}");
        conflict
    }
}

fn answer(policy: &Policy, decision: Decision) -> Answer {
    let scenario = Scenario { values: Vec::new() };
    let json = serde_json::to_vec(&decision_json(policy, &scenario, &decision, false))
        .expect("decisions serialize");
    Answer { decision, json }
}

fn tested(cond: &Cond, out: &mut Vec<DimensionId>) {
    match cond {
        Cond::True => {}
        Cond::In(d, _) => {
            if !out.contains(d) {
                out.push(*d);
            }
        }
        Cond::Not(inner) => tested(inner, out),
        Cond::And(all) | Cond::Or(all) => all.iter().for_each(|c| tested(c, out)),
    }
}

fn compile_zone(policy: &Policy, zone: ZoneId, rules: &[RuleId]) -> ZoneCode {
    let mut dimensions = Vec::new();
    for &rule in rules {
        tested(&policy.rules[rule].condition, &mut dimensions);
    }
    dimensions.sort_unstable();
    let sizes: Vec<usize> = dimensions
        .iter()
        .map(|&d| policy.dimensions[d].values.len())
        .collect();
    let product = sizes.iter().try_fold(1usize, |acc, &n| {
        acc.checked_mul(n).filter(|&p| p <= MAX_TABLE)
    });
    // Building a table tests every rule at every entry: past this much
    // work, deciding when asked is cheaper.
    const MAX_BUILD: usize = 1 << 24;
    let Some(product) = product.filter(|p| p.saturating_mul(rules.len().max(1)) <= MAX_BUILD)
    else {
        return ZoneCode::Rules;
    };
    let mut strides = vec![0; dimensions.len()];
    let mut stride = 1;
    for i in (0..dimensions.len()).rev() {
        strides[i] = stride;
        stride *= sizes[i];
    }
    let mut answers: Vec<Answer> = Vec::new();
    let mut table = Vec::with_capacity(product);
    // The other dimensions do not matter to this zone: any value will do.
    let mut values = vec![0; policy.dimensions.len()];
    for index in 0..product {
        for (i, &d) in dimensions.iter().enumerate() {
            values[d] = index / strides[i] % sizes[i];
        }
        let matched = rules
            .iter()
            .copied()
            .filter(|&r| policy.rules[r].condition.holds_for(&values))
            .collect();
        let decision = decide(policy, zone, matched);
        let id = match answers.iter().position(|a| a.decision == decision) {
            Some(i) => i,
            None => {
                answers.push(answer(policy, decision));
                answers.len() - 1
            }
        };
        table.push(id as u32);
    }
    let longest = (0..answers.len())
        .max_by_key(|&a| answers[a].json.len())
        .unwrap_or(0);
    ZoneCode::Table {
        dimensions: dimensions.into_iter().zip(strides).collect(),
        table,
        answers,
        longest,
    }
}
