//! Exact reasoning over every scenario at once, without enumerating them.
//!
//! A [`Region`] is a set of scenarios held as a reduced ordered binary
//! decision diagram (the `biodivine-lib-bdd` crate). Each dimension of `n`
//! values takes `ceil(log2 n)` variables, most significant bit first,
//! dimensions in declaration order. Codes past the last value stand for the
//! last value too, so every valuation of the variables is a scenario and a
//! region holds every code of each of its values: the empty region is the
//! `false` diagram and the whole space the `true` one, with no validity
//! constraint to carry. Conditions become regions; emptiness, equality and
//! inclusion are then exact, and a diagram's size depends on the structure
//! of the rules, not on the product of the dimensions.
//!
//! The guard: a diagram can still grow exponentially on adversarial shapes
//! (an `or` of `and`s pairing dimensions declared far apart). Every
//! operation is paid for in diagram steps from a budget of [`WORK_LIMIT`]
//! per analysis ([`Space::bounded`]); past it the analysis answers
//! [`Undecided`]. Steps are counted, not timed, so the same input is
//! undecided on every machine. `docs/codes/analysis-limit.md` lists the
//! shapes that reach it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use biodivine_lib_bdd::{op_function, Bdd, BddPartialValuation, BddVariable, BddVariableSet};

use crate::model::policy::{Cond, DimensionId, PartyId, Policy, Scenario, ValueSet};

/// Diagram steps one bounded analysis may take: about a second and a few
/// hundred megabytes at worst. Policies people write stay far below.
pub const WORK_LIMIT: u64 = 1 << 21;

/// Operations whose operands' sizes multiply to at most this cannot take
/// more steps than that, so they run without first counting their steps.
const SMALL_OPERATION: usize = 1 << 16;

/// The most diagram variables a policy's dimensions may need: the crate
/// numbers variables with `u16` and takes at most 65,533 (a two-valued
/// dimension takes one). Past it every question is undecided.
const MAX_VARIABLES: usize = u16::MAX as usize - 2;

/// A binary operation on diagrams, by its truth table (`op_function::and`).
type Operation = fn(Option<bool>, Option<bool>) -> Option<bool>;

/// An analysis that would take more than [`WORK_LIMIT`] steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Undecided;

/// A set of scenarios. Only meaningful with the [`Space`] that made it.
#[derive(Clone, Debug)]
pub struct Region(Bdd);

impl Region {
    /// Whether no scenario is in the region: constant time.
    pub fn is_empty(&self) -> bool {
        self.0.is_false()
    }
}

/// How one dimension's values are written in diagram variables.
#[derive(Debug)]
struct Encoding {
    /// Most significant first; empty for a dimension with one value.
    bits: Vec<BddVariable>,
    values: usize,
}

impl Encoding {
    /// The value a code stands for: codes past the last value stand for it.
    fn value_of(&self, code: usize) -> usize {
        code.min(self.values - 1)
    }
}

/// The scenarios of one policy: the encoding of its dimensions and the
/// budget of the analysis under way.
#[derive(Debug)]
pub struct Space {
    variables: BddVariableSet,
    encodings: Vec<Encoding>,
    /// `false` when the dimensions need more variables than the crate has:
    /// every analysis is then undecided.
    representable: bool,
    work_left: Cell<u64>,
    /// Each `dimension in [values]` test's diagram, built once.
    value_sets: RefCell<HashMap<(DimensionId, ValueSet), Bdd>>,
}

impl Space {
    pub fn of(policy: &Policy) -> Self {
        let widths: Vec<usize> = policy
            .dimensions
            .iter()
            .map(|d| bits_for(d.values.len()))
            .collect();
        let total: usize = widths.iter().sum();
        let representable = total <= MAX_VARIABLES;
        let variables = BddVariableSet::new_anonymous(if representable { total as u16 } else { 0 });
        let all_variables = variables.variables();
        let mut next = 0usize;
        let encodings = policy
            .dimensions
            .iter()
            .zip(&widths)
            .map(|(dimension, &width)| {
                let bits = if representable {
                    all_variables[next..next + width].to_vec()
                } else {
                    Vec::new()
                };
                next += width;
                Encoding {
                    bits,
                    values: dimension.values.len(),
                }
            })
            .collect();
        Space {
            variables,
            encodings,
            representable,
            work_left: Cell::new(u64::MAX),
            value_sets: RefCell::default(),
        }
    }

    /// Runs an analysis with a fresh budget of [`WORK_LIMIT`] steps.
    pub fn bounded<T>(
        &self,
        analysis: impl FnOnce() -> Result<T, Undecided>,
    ) -> Result<T, Undecided> {
        if !self.representable {
            return Err(Undecided);
        }
        let outer = self.work_left.replace(WORK_LIMIT);
        let result = analysis();
        self.work_left.set(outer);
        result
    }

    fn spend(&self, steps: u64) -> Result<(), Undecided> {
        let left = self.work_left.get();
        if steps > left {
            self.work_left.set(0);
            return Err(Undecided);
        }
        self.work_left.set(left - steps);
        Ok(())
    }

    /// Pays for and runs one binary operation. Large operations are first
    /// counted exactly with the crate's dry run, so a blow-up stops at the
    /// budget instead of after it.
    fn apply(&self, left: &Bdd, right: &Bdd, op: Operation) -> Result<Bdd, Undecided> {
        if left.size().saturating_mul(right.size()) <= SMALL_OPERATION {
            self.spend((left.size() + right.size()) as u64)?;
        } else {
            self.dry_run(left, right, op)?;
        }
        Ok(Bdd::binary_op(left, right, op))
    }

    /// Whether the operation's result would be non-empty, without building it.
    fn nonempty(&self, left: &Bdd, right: &Bdd, op: Operation) -> Result<bool, Undecided> {
        self.dry_run(left, right, op)
    }

    /// Counts (and pays for) the steps an operation takes, stopping at what
    /// is left of the budget; says whether its result is non-empty.
    fn dry_run(&self, left: &Bdd, right: &Bdd, op: Operation) -> Result<bool, Undecided> {
        let left_steps = usize::try_from(self.work_left.get()).unwrap_or(usize::MAX);
        let Some((nonempty, steps)) = Bdd::check_binary_op(left_steps, left, right, op) else {
            self.work_left.set(0);
            return Err(Undecided);
        };
        self.spend(steps as u64)?;
        Ok(nonempty)
    }

    /// The values of `set` for dimension `d`, any value elsewhere: every
    /// code that stands for one of them.
    fn value_set(&self, d: DimensionId, set: ValueSet) -> Bdd {
        if let Some(known) = self.value_sets.borrow().get(&(d, set)) {
            return known.clone();
        }
        let built = self.build_value_set(d, set);
        self.value_sets.borrow_mut().insert((d, set), built.clone());
        built
    }

    fn build_value_set(&self, d: DimensionId, set: ValueSet) -> Bdd {
        let encoding = &self.encodings[d];
        let codes = 1usize << encoding.bits.len();
        let clauses: Vec<BddPartialValuation> = (0..codes)
            .filter(|&code| set >> encoding.value_of(code) & 1 == 1)
            .map(|code| BddPartialValuation::from_values(&self.code(d, code)))
            .collect();
        if clauses.len() == codes {
            return self.variables.mk_true();
        }
        self.variables.mk_dnf(&clauses)
    }

    /// The variable assignment that writes `code` for dimension `d`.
    fn code(&self, d: DimensionId, code: usize) -> Vec<(BddVariable, bool)> {
        let bits = &self.encodings[d].bits;
        bits.iter()
            .enumerate()
            .map(|(j, &var)| (var, code >> (bits.len() - 1 - j) & 1 == 1))
            .collect()
    }

    pub fn everything(&self) -> Region {
        Region(self.variables.mk_true())
    }

    pub fn nothing(&self) -> Region {
        Region(self.variables.mk_false())
    }

    /// The scenarios where `cond` holds.
    pub fn region(&self, cond: &Cond) -> Result<Region, Undecided> {
        self.region_within(cond, &self.everything())
    }

    /// The scenarios of `care` where `cond` holds. Often far smaller to
    /// build than the whole region, which is how a rule too large to build
    /// alone is still compared with another.
    pub fn region_within(&self, cond: &Cond, care: &Region) -> Result<Region, Undecided> {
        if !self.representable {
            return Err(Undecided);
        }
        self.build(cond, &care.0).map(Region)
    }

    /// `care` and `cond`: each step stays inside `care`, and an `and`
    /// narrows it term by term.
    fn build(&self, cond: &Cond, care: &Bdd) -> Result<Bdd, Undecided> {
        match cond {
            Cond::True => Ok(care.clone()),
            Cond::In(d, set) => self.apply(care, &self.value_set(*d, *set), op_function::and),
            Cond::Not(inner) => {
                let holds = self.build(inner, care)?;
                self.apply(care, &holds, op_function::and_not)
            }
            Cond::And(all) => all
                .iter()
                .try_fold(care.clone(), |narrowed, c| self.build(c, &narrowed)),
            Cond::Or(any) => any.iter().try_fold(self.variables.mk_false(), |acc, c| {
                let holds = self.build(c, care)?;
                self.apply(&acc, &holds, op_function::or)
            }),
        }
    }

    pub fn union(&self, a: &Region, b: &Region) -> Result<Region, Undecided> {
        self.apply(&a.0, &b.0, op_function::or).map(Region)
    }

    pub fn intersect(&self, a: &Region, b: &Region) -> Result<Region, Undecided> {
        self.apply(&a.0, &b.0, op_function::and).map(Region)
    }

    /// The scenarios of `a` not in `b`.
    pub fn minus(&self, a: &Region, b: &Region) -> Result<Region, Undecided> {
        self.apply(&a.0, &b.0, op_function::and_not).map(Region)
    }

    fn same(&self, a: &Bdd, b: &Bdd) -> Result<bool, Undecided> {
        Ok(!self.nonempty(a, b, op_function::xor)?)
    }

    /// What is left of `region` once dimension `d` takes value `v`.
    fn cofactor(&self, region: &Bdd, d: DimensionId, v: usize) -> Result<Bdd, Undecided> {
        self.spend(region.size() as u64)?;
        Ok(region.restrict(&self.code(d, v)))
    }

    /// A scenario in `region`, if it has any, with the dimensions whose
    /// value does not matter: any values of those give a scenario of the
    /// region as well. The scenario is the region's first in dimension
    /// order (each dimension's first value that works).
    pub fn witness(&self, region: &Region) -> Option<Witness> {
        // A reduced diagram's first path to `true` is its least valuation;
        // a dimension with no variable on that path may take any code.
        let path = region.0.first_clause()?;
        let mut values = Vec::with_capacity(self.encodings.len());
        let mut free = Vec::new();
        for (d, encoding) in self.encodings.iter().enumerate() {
            let code = encoding.bits.iter().fold(0, |code, &var| {
                code << 1 | usize::from(path.get_value(var).unwrap_or(false))
            });
            if encoding.values > 1 && encoding.bits.iter().all(|&var| !path.has_value(var)) {
                free.push(d);
            }
            values.push(encoding.value_of(code));
        }
        Some(Witness {
            scenario: Scenario { values },
            free,
        })
    }

    /// The region as cubes, for describing it to a person: split on each
    /// dimension in turn, values that leave the same rest grouped into one
    /// set. The cubes are disjoint and cover the region exactly.
    pub fn cubes(&self, region: &Region) -> Result<Vec<Cube>, Undecided> {
        let mut cubes = Vec::new();
        let mut prefix = Vec::with_capacity(self.encodings.len());
        self.split(&region.0, &mut prefix, &mut cubes)?;
        Ok(cubes)
    }

    /// The region as few, large cubes for a person to read: the disjoint
    /// cubes of [`Space::cubes`], merged where two differ in one dimension,
    /// then each widened to every value of a dimension wherever it stays
    /// inside the region (so `d is a or e is a` reads so, not as
    /// `d is a or (d is not a and e is a)`), and cubes inside another
    /// dropped. Exact: the cubes cover the region and nothing else.
    pub fn description(&self, region: &Region) -> Result<Vec<Cube>, Undecided> {
        /// Past this many cubes, merging and widening (quadratic) are left
        /// out: the description is exact, only longer.
        const MOST_TO_SIMPLIFY: usize = 256;
        let cubes = self.cubes(region)?;
        if cubes.len() > MOST_TO_SIMPLIFY {
            return Ok(cubes);
        }
        let mut cubes = merge(cubes);
        for cube in &mut cubes {
            for d in 0..self.encodings.len() {
                let all = all_values(self.encodings[d].values);
                if cube.0[d] == all {
                    continue;
                }
                let mut wider = cube.clone();
                wider.0[d] = all;
                if self.minus(&self.cube_region(&wider)?, region)?.is_empty() {
                    *cube = wider;
                }
            }
        }
        let mut kept: Vec<Cube> = Vec::with_capacity(cubes.len());
        for (i, cube) in cubes.iter().enumerate() {
            let inside_another = cubes
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && other.includes(cube) && (other != cube || j < i));
            if !inside_another {
                kept.push(cube.clone());
            }
        }
        Ok(kept)
    }

    /// The scenarios of a cube.
    fn cube_region(&self, cube: &Cube) -> Result<Region, Undecided> {
        let mut region = self.variables.mk_true();
        for (d, &set) in cube.0.iter().enumerate() {
            region = self.apply(&region, &self.value_set(d, set), op_function::and)?;
        }
        Ok(Region(region))
    }

    fn split(
        &self,
        region: &Bdd,
        prefix: &mut Vec<ValueSet>,
        cubes: &mut Vec<Cube>,
    ) -> Result<(), Undecided> {
        if region.is_false() {
            return Ok(());
        }
        let d = prefix.len();
        if d == self.encodings.len() {
            cubes.push(Cube(prefix.clone()));
            return Ok(());
        }
        let mut groups: Vec<(ValueSet, Bdd)> = Vec::new();
        for v in 0..self.encodings[d].values {
            let rest = self.cofactor(region, d, v)?;
            if rest.is_false() {
                continue;
            }
            let mut grouped = false;
            for (set, existing) in &mut groups {
                if self.same(existing, &rest)? {
                    *set |= 1 << v;
                    grouped = true;
                    break;
                }
            }
            if !grouped {
                groups.push((1 << v, rest));
            }
        }
        for (set, rest) in groups {
            prefix.push(set);
            self.split(&rest, prefix, cubes)?;
            prefix.pop();
        }
        Ok(())
    }

    /// Where each answer of one zone holds within `care`, from the regions
    /// (within `care`) of the zone's rules with their parties: the decision
    /// rule, [`crate::engine::eval::answers`], over regions.
    pub fn answers(
        &self,
        rules: &[(PartyId, Region)],
        care: &Region,
    ) -> Result<AnswerRegions, Undecided> {
        crate::engine::eval::answers(self, rules, care)
    }
}

impl crate::engine::eval::Scenarios for Space {
    type Set = Region;
    type Error = Undecided;
    fn nothing(&self) -> Region {
        Space::nothing(self)
    }
    fn union(&self, a: &Region, b: &Region) -> Result<Region, Undecided> {
        Space::union(self, a, b)
    }
    fn intersect(&self, a: &Region, b: &Region) -> Result<Region, Undecided> {
        Space::intersect(self, a, b)
    }
    fn minus(&self, a: &Region, b: &Region) -> Result<Region, Undecided> {
        Space::minus(self, a, b)
    }
}

/// A zone's answers over a region of scenarios.
pub type AnswerRegions = crate::engine::eval::Answers<Region>;

impl AnswerRegions {
    /// Where the zone resolves to `party`, by a rule or by default.
    pub fn held_by(
        &self,
        space: &Space,
        party: PartyId,
        default_party: PartyId,
    ) -> Result<Region, Undecided> {
        let by_rule = self
            .parties
            .iter()
            .find(|(p, _)| *p == party)
            .map_or_else(|| space.nothing(), |(_, r)| r.clone());
        if party == default_party {
            space.union(&by_rule, &self.default)
        } else {
            Ok(by_rule)
        }
    }
}

/// A scenario that shows a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// The scenario itself: complete, so it can be evaluated as it is.
    pub scenario: Scenario,
    /// Dimensions whose value does not matter, in order: the finding holds
    /// whatever they take.
    pub free: Vec<DimensionId>,
}

/// The scenarios whose value for dimension `i` is in `self.0[i]`, for all `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cube(pub Vec<ValueSet>);

impl Cube {
    /// Whether every scenario of `other` is in this cube.
    fn includes(&self, other: &Cube) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| b & !a == 0)
    }

    /// Whether the scenario is in this cube.
    pub fn contains(&self, scenario: &Scenario) -> bool {
        self.0
            .iter()
            .zip(&scenario.values)
            .all(|(set, &value)| set >> value & 1 == 1)
    }
}

/// The same scenarios in fewer cubes: two cubes that differ in one
/// dimension only become one. For describing a region to a person.
fn merge(mut cubes: Vec<Cube>) -> Vec<Cube> {
    'again: loop {
        for i in 0..cubes.len() {
            for j in i + 1..cubes.len() {
                let mut differing =
                    (0..cubes[i].0.len()).filter(|&d| cubes[i].0[d] != cubes[j].0[d]);
                if let (Some(d), None) = (differing.next(), differing.next()) {
                    let other = cubes.remove(j);
                    cubes[i].0[d] |= other.0[d];
                    continue 'again;
                }
            }
        }
        return cubes;
    }
}

/// Every value of a dimension of `values` values.
fn all_values(values: usize) -> ValueSet {
    if values >= ValueSet::BITS as usize {
        ValueSet::MAX
    } else {
        (1 << values) - 1
    }
}

/// Variables needed to write `values` distinct codes.
fn bits_for(values: usize) -> usize {
    (usize::BITS - values.saturating_sub(1).leading_zeros()) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy: it declares its dimensions, so it has no `model`.
    fn policy(text: &str) -> Policy {
        crate::api::load("test.onus", text).expect("test policies load")
    }

    #[test]
    fn bits_for_counts_code_widths() {
        assert_eq!(
            [1, 2, 3, 4, 5, 8, 9, 64].map(bits_for),
            [0, 1, 2, 2, 3, 3, 4, 6]
        );
    }

    #[test]
    fn codes_past_the_last_value_stand_for_it() {
        // Three values take two bits; the fourth code is `c` again.
        let p = policy("dimension d: a, b, c\nx: provider unless d is a\n");
        let space = Space::of(&p);
        let region = space.region(&p.rules[0].condition).unwrap();
        let cubes = space.cubes(&region).unwrap();
        assert_eq!(cubes, vec![Cube(vec![0b110])]);
        let everything = space.cubes(&space.everything()).unwrap();
        assert_eq!(everything, vec![Cube(vec![0b111])]);
    }

    #[test]
    fn witness_marks_the_dimensions_that_do_not_matter() {
        let p = policy(
            "dimension d: a, b, c\ndimension e: x, y\ndimension f: u, v, w\n\
             z: provider when d is b and f in [v, w]\n",
        );
        let space = Space::of(&p);
        let region = space.region(&p.rules[0].condition).unwrap();
        let witness = space.witness(&region).unwrap();
        assert_eq!(witness.scenario.values, vec![1, 0, 1]);
        assert_eq!(witness.free, vec![1]);
        assert!(space.witness(&space.nothing()).is_none());
    }

    #[test]
    fn difference_and_meeting_are_exact() {
        let p = policy(
            "dimension d: a, b, c, e, f\n\
             x: provider when d in [a, b]\nx: provider when d is a\nx: provider when d is f\n",
        );
        let space = Space::of(&p);
        let r: Vec<Region> = p
            .rules
            .iter()
            .map(|r| space.region(&r.condition).unwrap())
            .collect();
        assert!(space.minus(&r[1], &r[0]).unwrap().is_empty());
        assert!(!space.minus(&r[0], &r[1]).unwrap().is_empty());
        assert!(!space.intersect(&r[0], &r[1]).unwrap().is_empty());
        assert!(space.intersect(&r[0], &r[2]).unwrap().is_empty());
        let rest = space.minus(&space.everything(), &r[0]).unwrap();
        assert_eq!(space.cubes(&rest).unwrap(), vec![Cube(vec![0b11100])]);
    }

    #[test]
    fn answers_follow_the_decision_rule() {
        let p = policy(
            "dimension d: a, b, c\ndefault: customer\n\
             x: provider when d in [a, b]\nx: shared when d is b\n",
        );
        let space = Space::of(&p);
        let rules: Vec<(PartyId, Region)> = p
            .rules
            .iter()
            .map(|r| (r.party, space.region(&r.condition).unwrap()))
            .collect();
        let answers = space.answers(&rules, &space.everything()).unwrap();
        let cubes = |r: &Region| space.cubes(r).unwrap();
        assert_eq!(cubes(&answers.conflict), vec![Cube(vec![0b010])]);
        assert_eq!(cubes(&answers.default), vec![Cube(vec![0b100])]);
        assert_eq!(answers.parties.len(), 2);
        assert_eq!(cubes(&answers.parties[0].1), vec![Cube(vec![0b001])]);
        assert!(answers.parties[1].1.is_empty());
        let customer = answers
            .held_by(&space, crate::model::policy::CUSTOMER, p.default_party)
            .unwrap();
        assert_eq!(cubes(&customer), vec![Cube(vec![0b100])]);
    }

    #[test]
    fn descriptions_are_widened_and_exact() {
        let p = policy(
            "dimension d: a, b, c\ndimension e: a2, b2\nx: provider when d is a or e is a2\n",
        );
        let space = Space::of(&p);
        let region = space.region(&p.rules[0].condition).unwrap();
        assert_eq!(space.cubes(&region).unwrap().len(), 2);
        let described = space.description(&region).unwrap();
        assert_eq!(
            described,
            vec![Cube(vec![0b001, 0b11]), Cube(vec![0b111, 0b01])]
        );
    }

    #[test]
    fn merge_joins_cubes_that_differ_in_one_dimension() {
        let merged = merge(vec![
            Cube(vec![0b01, 0b1]),
            Cube(vec![0b10, 0b1]),
            Cube(vec![0b01, 0b10]),
        ]);
        assert_eq!(merged, vec![Cube(vec![0b11, 0b1]), Cube(vec![0b01, 0b10])]);
    }

    #[test]
    fn the_budget_stops_a_blow_up_and_is_restored() {
        // (x0 and y0) or (x1 and y1) or ... with every x declared before
        // every y: the diagram doubles with each term.
        let n = 28;
        let mut text: String = (0..2 * n)
            .map(|i| format!("dimension d{i}: a{i}, b{i}\n"))
            .collect();
        let terms: Vec<String> = (0..n)
            .map(|i| format!("(d{i} is a{i} and d{} is a{})", i + n, i + n))
            .collect();
        text.push_str(&format!("x: customer when {}\n", terms.join(" or ")));
        let p = policy(&text);
        let space = Space::of(&p);
        assert_eq!(
            space.bounded(|| space.region(&p.rules[0].condition)).err(),
            Some(Undecided)
        );
        assert!(space.bounded(|| Ok(space.everything())).is_ok());
    }
}
