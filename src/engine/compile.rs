//! A policy compiled for fast evaluation, built once per batch run.
//!
//! Each zone's answer depends only on the dimensions its rules test. Where
//! the product of those dimensions' sizes is small beside the zone's rules
//! (the usual case), the compiled zone is a decision table indexed by their
//! values, and every answer it can give is precomputed with its encoding
//! (the caller's: batch output gives its JSON): evaluating is a few
//! multiplies and one load per zone, and writing the answer is copying
//! bytes. Tables are built rule by rule over bitsets of their entries, so a
//! zone costs its rules times its entries over 64; at most
//! [`ENTRIES_PER_RULE`] entries and [`MATCHES_PER_RULE`] matches a rule keep
//! memory linear in the policy.
//! Any other zone keeps its rules and is decided when asked, with the
//! answers of no rule and of each rule alone precomputed.

use std::borrow::Cow;

use crate::engine::eval::decide;
use crate::model::answers::Decision;
use crate::model::policy::{Cond, DimensionId, Policy, RuleId, ZoneId};

/// The largest decision table a zone gets, in entries.
const MAX_TABLE: usize = 1 << 16;
/// A zone's table has at most this many entries per rule (a zone with few
/// rules over many combinations is quicker to decide when asked).
const ENTRIES_PER_RULE: usize = 256;
/// A zone's rules match at most this many entries each, on average, for a
/// table: building one holds every match.
const MATCHES_PER_RULE: usize = 1024;

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
        table: Table,
        answers: Vec<CompiledAnswer>,
    },
    /// Too many combinations for a table: test the rules when asked.
    Rules {
        /// The answer when no rule matches, then when only the zone's
        /// `i`th rule does.
        alone: Vec<CompiledAnswer>,
    },
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
            } => {
                let index: usize = dimensions
                    .iter()
                    .map(|&(d, stride)| values[d] * stride)
                    .sum();
                Cow::Borrowed(&answers[table.get(index)])
            }
            ZoneCode::Rules { alone } => {
                let rules = self.policy.rules_of(zone);
                let mut matching = (0..rules.len())
                    .filter(|&i| self.policy.rules[rules[i]].condition.holds_for(values));
                let Some(first) = matching.next() else {
                    return Cow::Borrowed(&alone[0]);
                };
                let Some(second) = matching.next() else {
                    return Cow::Borrowed(&alone[first + 1]);
                };
                let matched = [first, second]
                    .into_iter()
                    .chain(matching)
                    .map(|i| rules[i])
                    .collect();
                Cow::Owned(self.encoded(decide(self.policy, zone, matched)))
            }
        }
    }

    /// The length of the longest answer precomputed for `zone`: about the
    /// most its encoding takes (a zone decided when asked may give longer
    /// ones, where several rules match).
    pub fn longest_answer(&self, zone: ZoneId) -> usize {
        let answers = match &self.zones[zone] {
            ZoneCode::Table { answers, .. } => answers,
            ZoneCode::Rules { alone } => alone,
        };
        answers.iter().map(|a| a.encoded.len()).max().unwrap_or(0)
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
    let limit = MAX_TABLE.min(ENTRIES_PER_RULE * (rules.len() + 1));
    let product = sizes
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n).filter(|&p| p <= limit));
    let answer = |matched: Vec<RuleId>| {
        let decision = decide(policy, zone, matched);
        CompiledAnswer {
            encoded: encode(&decision),
            decision,
        }
    };
    let by_rules = || {
        let alone = std::iter::once(Vec::new())
            .chain(rules.iter().map(|&r| vec![r]))
            .map(answer)
            .collect();
        ZoneCode::Rules { alone }
    };
    let Some(product) = product else {
        return by_rules();
    };
    let mut strides = vec![0; dimensions.len()];
    let mut stride = 1;
    for i in (0..dimensions.len()).rev() {
        strides[i] = stride;
        stride *= sizes[i];
    }
    let entries = Entries::new(policy, &dimensions, &strides, &sizes, product);
    let sets: Vec<Vec<u64>> = rules
        .iter()
        .map(|&rule| entries.of(&policy.rules[rule].condition))
        .collect();
    // Each match is held until the table is built: rules that overlap on
    // most entries would hold rules times entries.
    let matches: usize = sets
        .iter()
        .flatten()
        .map(|bits| bits.count_ones() as usize)
        .sum();
    if matches > MATCHES_PER_RULE * (rules.len() + 1) {
        return by_rules();
    }
    let mut matched: Vec<Vec<RuleId>> = vec![Vec::new(); product];
    for (&rule, set) in rules.iter().zip(&sets) {
        for (word, bits) in set.iter().enumerate() {
            let mut bits = *bits;
            while bits != 0 {
                matched[word * 64 + bits.trailing_zeros() as usize].push(rule);
                bits &= bits - 1;
            }
        }
    }
    // Most entries match no rule or one: those answers are numbered by rule
    // without hashing; only entries where several rules match are looked up.
    let mut answers: Vec<CompiledAnswer> = Vec::new();
    let mut number = |matched: Vec<RuleId>| {
        answers.push(answer(matched));
        (answers.len() - 1) as u32
    };
    let mut none = None;
    let mut alone: std::collections::HashMap<RuleId, u32> = std::collections::HashMap::new();
    let mut several: std::collections::HashMap<Vec<RuleId>, u32> = std::collections::HashMap::new();
    let ids: Vec<u32> = matched
        .into_iter()
        .map(|matched| match matched[..] {
            [] => *none.get_or_insert_with(|| number(Vec::new())),
            [rule] => *alone.entry(rule).or_insert_with(|| number(matched)),
            _ => match several.get(&matched) {
                Some(&id) => id,
                None => {
                    let id = number(matched.clone());
                    several.insert(matched, id);
                    id
                }
            },
        })
        .collect();
    ZoneCode::Table {
        dimensions: dimensions.into_iter().zip(strides).collect(),
        table: Table::new(ids, answers.len()),
        answers,
    }
}

/// A zone's table of answer numbers, each in the fewest bytes that hold
/// them all: most zones have a few answers, and a policy thousands of zones.
#[derive(Clone, Debug)]
enum Table {
    Small(Vec<u8>),
    Medium(Vec<u16>),
    Large(Vec<u32>),
}

impl Table {
    fn new(ids: Vec<u32>, answers: usize) -> Self {
        if answers <= 1 << 8 {
            Table::Small(ids.into_iter().map(|id| id as u8).collect())
        } else if answers <= 1 << 16 {
            Table::Medium(ids.into_iter().map(|id| id as u16).collect())
        } else {
            Table::Large(ids)
        }
    }

    fn get(&self, index: usize) -> usize {
        match self {
            Table::Small(ids) => ids[index] as usize,
            Table::Medium(ids) => ids[index] as usize,
            Table::Large(ids) => ids[index] as usize,
        }
    }
}

/// The entries of one zone's table as bitsets, one bit an entry.
struct Entries {
    /// Per tested dimension (by policy id) and value: the entries where the
    /// dimension takes the value.
    with_value: std::collections::HashMap<DimensionId, Vec<Vec<u64>>>,
    words: usize,
    product: usize,
}

impl Entries {
    fn new(
        policy: &Policy,
        dimensions: &[DimensionId],
        strides: &[usize],
        sizes: &[usize],
        product: usize,
    ) -> Self {
        let words = product.div_ceil(64);
        let mut with_value = std::collections::HashMap::new();
        for (i, &d) in dimensions.iter().enumerate() {
            let mut sets = vec![vec![0u64; words]; policy.dimensions[d].values.len()];
            for entry in 0..product {
                sets[entry / strides[i] % sizes[i]][entry / 64] |= 1 << (entry % 64);
            }
            with_value.insert(d, sets);
        }
        Entries {
            with_value,
            words,
            product,
        }
    }

    /// The entries where `cond` holds.
    fn of(&self, cond: &Cond) -> Vec<u64> {
        match cond {
            Cond::True => self.all(),
            Cond::In(d, set) => {
                let mut out = vec![0; self.words];
                for (value, entries) in self.with_value[d].iter().enumerate() {
                    if set >> value & 1 == 1 {
                        out.iter_mut().zip(entries).for_each(|(o, e)| *o |= e);
                    }
                }
                out
            }
            Cond::Not(inner) => {
                let mut out = self.of(inner);
                out.iter_mut()
                    .zip(self.all())
                    .for_each(|(o, a)| *o = !*o & a);
                out
            }
            Cond::And(all) => all.iter().fold(self.all(), |mut out, c| {
                out.iter_mut().zip(self.of(c)).for_each(|(o, e)| *o &= e);
                out
            }),
            Cond::Or(any) => any.iter().fold(vec![0; self.words], |mut out, c| {
                out.iter_mut().zip(self.of(c)).for_each(|(o, e)| *o |= e);
                out
            }),
        }
    }

    fn all(&self) -> Vec<u64> {
        let mut all = vec![u64::MAX; self.words];
        if !self.product.is_multiple_of(64) {
            all[self.words - 1] = (1 << (self.product % 64)) - 1;
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dimension a: a0, a1, ...` with `n` values.
    fn dimension(name: &str, n: usize) -> String {
        let values: Vec<String> = (0..n).map(|v| format!("{name}{v}")).collect();
        format!("dimension {name}: {}\n", values.join(", "))
    }

    /// Every zone of every scenario answers as the interpreter does, by
    /// table and by rules (a zone with two rules over 1,024 combinations is
    /// past its table's limit), with no rule, one or several matching.
    #[test]
    fn tables_and_rules_answer_as_the_interpreter() {
        let text = format!(
            "{}{}\
             few: provider when a is a1 or (b in [b2, b3] and not a is a4)\n\
             few: shared when b is b2\n\
             table: customer always\n\
             {}",
            dimension("a", 32),
            dimension("b", 32),
            (0..12)
                .map(|i| format!("table: provider when a is a{i} and not b is b{i}\n"))
                .collect::<String>()
        );
        let policy = crate::api::load("p.onus", &text).unwrap();
        let encode = |d: &Decision| format!("{d:?}").into_bytes();
        let compiled = Compiled::new(&policy, &encode);
        assert!(matches!(compiled.zones[0], ZoneCode::Rules { .. }));
        assert!(matches!(compiled.zones[1], ZoneCode::Table { .. }));
        let mut matches_seen = [false; 3];
        for scenario in policy.all_scenarios() {
            for decision in crate::engine::eval::evaluate(&policy, &scenario) {
                let answer = compiled.answer(decision.zone, &scenario.values);
                assert_eq!(answer.decision, decision, "{scenario:?}");
                assert_eq!(answer.encoded, encode(&decision));
                matches_seen[decision.rules.len().min(2)] = true;
            }
        }
        assert_eq!(matches_seen, [true; 3], "no rule, one and several");
    }

    /// Rules that overlap on most of a large table would hold every match
    /// while it is built: such a zone is decided when asked instead.
    #[test]
    fn overlapping_rules_over_a_large_table_are_decided_when_asked() {
        let mut text = ["a", "b", "c"].map(|d| dimension(d, 16)).concat();
        for i in 0..63 {
            text.push_str(&format!(
                "x: provider unless a is a{} and b is b{} and c is c0\n",
                i % 16,
                i / 16
            ));
        }
        let policy = crate::api::load("p.onus", &text).unwrap();
        let encode = |d: &Decision| format!("{d:?}").into_bytes();
        let compiled = Compiled::new(&policy, &encode);
        assert!(matches!(compiled.zones[0], ZoneCode::Rules { .. }));
        let scenario = [1, 0, 5];
        let decision = crate::engine::eval::evaluate(
            &policy,
            &crate::model::policy::Scenario {
                values: scenario.to_vec(),
            },
        );
        assert_eq!(compiled.answer(0, &scenario).decision, decision[0]);
    }
}
