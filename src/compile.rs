//! A policy compiled for fast evaluation, built once per batch run.
//!
//! Each zone's answer depends only on the dimensions its rules test. Where
//! the product of those dimensions' sizes is small (the usual case), the
//! compiled zone is a decision table indexed by their values, and every
//! answer it can give is precomputed with its encoding (the caller's: batch
//! output gives its JSON): evaluating is a few multiplies and one load per
//! zone, and writing the answer is copying bytes. A zone whose rules test
//! too many combinations keeps its rules and is decided, and encoded, when
//! asked.

use std::borrow::Cow;

use crate::eval::{decide, Decision};
use crate::policy::{Cond, DimensionId, Policy, RuleId, ZoneId};

/// The largest decision table a zone gets, in entries.
const MAX_TABLE: usize = 1 << 16;

/// A decision and its encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledAnswer {
    /// The decision.
    pub decision: Decision,
    /// Its encoding, by the compiled policy's encoder.
    pub encoded: Vec<u8>,
}

/// How a compiled policy encodes each answer it precomputes.
pub type Encoder<'p> = &'p (dyn Fn(&Decision) -> Vec<u8> + Sync);

#[derive(Clone, Debug)]
enum ZoneCode {
    /// `answers[table[sum of value * stride over the tested dimensions]]`.
    Table {
        dimensions: Vec<(DimensionId, usize)>,
        table: Vec<u32>,
        answers: Vec<CompiledAnswer>,
    },
    /// Too many combinations for a table: test the rules when asked.
    Rules,
}

/// A policy compiled for evaluation.
#[derive(Clone)]
pub struct Compiled<'p> {
    policy: &'p Policy,
    encode: Encoder<'p>,
    zones: Vec<ZoneCode>,
}

impl std::fmt::Debug for Compiled<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("policy", &self.policy.name)
            .field("zones", &self.zones)
            .finish_non_exhaustive()
    }
}

impl<'p> Compiled<'p> {
    /// Compiles `policy`, encoding each answer with `encode`.
    pub fn new(policy: &'p Policy, encode: Encoder<'p>) -> Self {
        let zones = (0..policy.zones.len())
            .map(|zone| compile_zone(policy, zone, encode))
            .collect();
        Compiled {
            policy,
            encode,
            zones,
        }
    }

    /// The policy compiled.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The answer of `zone` where dimension `i` takes `values[i]`.
    pub fn answer(&self, zone: ZoneId, values: &[usize]) -> Cow<'_, CompiledAnswer> {
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
                    .rules_of(zone)
                    .iter()
                    .copied()
                    .filter(|&r| self.policy.rules[r].condition.holds_for(values))
                    .collect();
                Cow::Owned(self.encoded(decide(self.policy, zone, matched)))
            }
        }
    }

    fn encoded(&self, decision: Decision) -> CompiledAnswer {
        CompiledAnswer {
            encoded: (self.encode)(&decision),
            decision,
        }
    }
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

fn compile_zone(policy: &Policy, zone: ZoneId, encode: Encoder) -> ZoneCode {
    let rules: &[RuleId] = policy.rules_of(zone);
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
    let mut answers: Vec<CompiledAnswer> = Vec::new();
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
                answers.push(CompiledAnswer {
                    encoded: encode(&decision),
                    decision,
                });
                answers.len() - 1
            }
        };
        table.push(id as u32);
    }
    ZoneCode::Table {
        dimensions: dimensions.into_iter().zip(strides).collect(),
        table,
        answers,
    }
}
