//! Exact reasoning over every scenario at once, without enumerating them.
//!
//! A [`Cube`] is a set of scenarios given by one value set per dimension
//! (their product). A [`Region`] is a union of cubes. Conditions become
//! regions; emptiness, intersection and inclusion are then exact and cost
//! depends on the rules' shapes, not on the product of the dimensions.

use std::cell::Cell;

use crate::policy::{Cond, Policy, Scenario, ValueSet};

/// Cube comparisons one bounded analysis may spend. Some conditions expand
/// to exponentially many cubes (the negation of a long `or` of `and`s); past
/// this budget the analysis gives up rather than run for hours.
const BUDGET: u64 = 5_000_000;

thread_local! {
    static WORK_LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Takes `n` from the budget; false once it is spent. After that every
/// operation returns at once with a meaningless result, which [`bounded`]
/// discards.
fn spend(n: u64) -> bool {
    WORK_LEFT.with(|left| {
        let remaining = left.get();
        if remaining == 0 || remaining < n {
            left.set(0);
            false
        } else {
            left.set(remaining - n);
            true
        }
    })
}

/// Runs an analysis within the budget: `None` if it ran out.
pub fn bounded<T>(analysis: impl FnOnce() -> T) -> Option<T> {
    let outer = WORK_LEFT.with(|left| left.replace(BUDGET));
    let result = analysis();
    let remaining = WORK_LEFT.with(|left| left.replace(outer));
    (remaining > 0).then_some(result)
}

/// The scenarios whose value for dimension `i` is in `self.0[i]`, for all `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cube(pub Vec<ValueSet>);

/// A union of cubes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Region(pub Vec<Cube>);

/// The dimensions' full value sets: what a cube is cut from.
#[derive(Clone, Debug)]
pub struct Space {
    full: Vec<ValueSet>,
}

impl Space {
    pub fn of(policy: &Policy) -> Self {
        Space {
            full: policy.dimensions.iter().map(|d| d.all()).collect(),
        }
    }

    pub fn everything(&self) -> Region {
        Region(vec![Cube(self.full.clone())])
    }

    /// The scenarios where `cond` holds.
    pub fn region(&self, cond: &Cond) -> Region {
        match cond {
            Cond::True => self.everything(),
            Cond::In(dimension, set) => {
                let mut cube = self.full.clone();
                cube[*dimension] &= set;
                Region::from_cubes(vec![Cube(cube)])
            }
            Cond::Not(inner) => self.complement(&self.region(inner)),
            Cond::And(all) => all
                .iter()
                .fold(self.everything(), |acc, c| acc.intersect(&self.region(c))),
            Cond::Or(any) => {
                let mut cubes = Vec::new();
                for c in any {
                    cubes.extend(self.region(c).0);
                }
                Region::from_cubes(cubes)
            }
        }
    }

    /// The scenarios not in `region`.
    pub fn complement(&self, region: &Region) -> Region {
        region.0.iter().fold(self.everything(), |acc, cube| {
            acc.intersect(&self.complement_cube(cube))
        })
    }

    /// A cube's complement as disjoint cubes: differ first in dimension `i`.
    fn complement_cube(&self, cube: &Cube) -> Region {
        let mut cubes = Vec::new();
        let mut prefix = self.full.clone();
        for (i, &set) in cube.0.iter().enumerate() {
            if set != self.full[i] {
                let mut piece = prefix.clone();
                piece[i] = self.full[i] & !set;
                cubes.push(Cube(piece));
                prefix[i] = set;
            }
        }
        Region::from_cubes(cubes)
    }

    /// A scenario in `region`, if it has any: a region is empty exactly
    /// when it has no cube.
    pub fn witness(&self, region: &Region) -> Option<Scenario> {
        region.0.first().map(Cube::first_scenario)
    }

    /// A scenario in `inner` but outside `outer`, if any: `None` means
    /// `inner` is included in `outer`.
    pub fn escape(&self, inner: &Region, outer: &Region) -> Option<Scenario> {
        inner
            .0
            .iter()
            .find_map(|cube| uncovered(cube.clone(), &outer.0))
    }
}

impl Cube {
    fn is_empty(&self) -> bool {
        self.0.contains(&0)
    }

    fn intersect(&self, other: &Cube) -> Cube {
        Cube(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }

    fn contains(&self, other: &Cube) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| b & !a == 0)
    }

    /// The scenario taking each dimension's first value in the cube.
    fn first_scenario(&self) -> Scenario {
        Scenario {
            values: self
                .0
                .iter()
                .map(|set| set.trailing_zeros() as usize)
                .collect(),
        }
    }
}

impl Region {
    /// A region of these cubes, without empty ones or ones another contains.
    fn from_cubes(cubes: Vec<Cube>) -> Region {
        let mut kept: Vec<Cube> = Vec::with_capacity(cubes.len());
        for cube in cubes {
            if !spend(kept.len() as u64 + 1) {
                return Region::default();
            }
            if cube.is_empty() || kept.iter().any(|k| k.contains(&cube)) {
                continue;
            }
            kept.retain(|k| !cube.contains(k));
            kept.push(cube);
        }
        Region(kept)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the scenario is in the region.
    pub fn contains(&self, scenario: &Scenario) -> bool {
        self.0.iter().any(|cube| {
            cube.0
                .iter()
                .zip(&scenario.values)
                .all(|(set, &value)| set >> value & 1 == 1)
        })
    }

    pub fn intersect(&self, other: &Region) -> Region {
        if !spend((self.0.len() * other.0.len()) as u64) {
            return Region::default();
        }
        let mut cubes = Vec::new();
        for a in &self.0 {
            for b in &other.0 {
                cubes.push(a.intersect(b));
            }
        }
        Region::from_cubes(cubes)
    }

    /// The same scenarios in fewer cubes where two differ in one dimension
    /// only, for describing a region to a person.
    pub fn merged(&self) -> Region {
        let mut cubes = self.0.clone();
        'again: loop {
            for i in 0..cubes.len() {
                for j in i + 1..cubes.len() {
                    let differing: Vec<usize> = (0..cubes[i].0.len())
                        .filter(|&d| cubes[i].0[d] != cubes[j].0[d])
                        .collect();
                    if !spend(1) {
                        return Region(cubes);
                    }
                    if let [d] = differing[..] {
                        let other = cubes.remove(j);
                        cubes[i].0[d] |= other.0[d];
                        cubes = Region::from_cubes(cubes).0;
                        continue 'again;
                    }
                }
            }
            return Region(cubes);
        }
    }

    pub fn union(&self, other: &Region) -> Region {
        Region::from_cubes(self.0.iter().chain(&other.0).cloned().collect())
    }
}

/// A scenario of `cube` that no cube of `cover` holds, if any. Splits the
/// cube along a dimension where a covering cube cuts it, so each branch is
/// either wholly inside that cube or wholly outside it.
fn uncovered(cube: Cube, cover: &[Cube]) -> Option<Scenario> {
    if !spend(cover.len() as u64 + 1) {
        return None;
    }
    let touching: Vec<Cube> = cover
        .iter()
        .map(|c| c.intersect(&cube))
        .filter(|c| !c.is_empty())
        .collect();
    if touching.contains(&cube) {
        return None;
    }
    let Some(cutter) = touching.first() else {
        return Some(cube.first_scenario());
    };
    let dimension = (0..cube.0.len())
        .find(|&i| cutter.0[i] != cube.0[i])
        .expect("a touching cube that is not the whole cube cuts it somewhere");
    let mut inside = cube.clone();
    inside.0[dimension] = cutter.0[dimension];
    let mut outside = cube;
    outside.0[dimension] &= !cutter.0[dimension];
    uncovered(outside, &touching).or_else(|| uncovered(inside, &touching))
}
