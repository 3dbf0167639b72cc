//! What changes: between two scenarios under one policy, or between two
//! policies over every scenario (exact, with the checker's set reasoning).

use crate::diagnostic::{Code, Diagnostic, Report, Source, ToDiagnostic};
use crate::engine::analysis::{Cube, Region, Space, Undecided};
use crate::engine::eval::evaluate;
use crate::model::answers::{Decision, Holder, Status};
use crate::model::policy::{Policy, Scenario, ZoneId};

/// A zone whose holder differs between two scenarios.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioChange {
    /// The zone.
    pub zone: ZoneId,
    /// Its decision in the first scenario.
    pub from: Decision,
    /// Its decision in the second.
    pub to: Decision,
}

/// The zones whose holder (or conflict) differs from `from` to `to`.
pub fn scenarios(policy: &Policy, from: &Scenario, to: &Scenario) -> Vec<ScenarioChange> {
    evaluate(policy, from)
        .into_iter()
        .zip(evaluate(policy, to))
        .filter(|(a, b)| {
            (a.party, a.status == Status::Conflict) != (b.party, b.status == Status::Conflict)
        })
        .map(|(from, to)| ScenarioChange {
            zone: from.zone,
            from,
            to,
        })
        .collect()
}

/// Where, over all scenarios, a zone's answer goes from one to another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyChange {
    /// The zone, by name (the same in both policies).
    pub zone: String,
    /// Its answer under the old policy.
    pub from: Holder,
    /// Its answer under the new policy.
    pub to: Holder,
    /// The scenarios where it changes, as few cubes as the description
    /// finds; `None` when describing them would take past the analysis
    /// budget (the change itself is proven, and `witness` shows it).
    pub region: Option<Vec<Cube>>,
    /// One scenario where it changes.
    pub witness: Scenario,
}

/// The difference between two policies over the same dimensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDiff {
    /// Zones only the new policy has.
    pub added_zones: Vec<String>,
    /// Zones only the old policy has.
    pub removed_zones: Vec<String>,
    /// Every change of a zone both have, zone by zone.
    pub changes: Vec<PolicyChange>,
    /// Zones of both policies whose answers could not be built within the
    /// analysis budget: not compared. Every other zone is.
    pub undecided_zones: Vec<String>,
    /// Values only the new policy's dimensions have, dimension by
    /// dimension: scenarios with them are not compared.
    pub added_values: Vec<(String, Vec<String>)>,
    /// Values only the old policy's dimensions have, likewise.
    pub removed_values: Vec<(String, Vec<String>)>,
}

impl PolicyDiff {
    /// Whether the policies are proven equivalent: nothing added, removed,
    /// changed or left undecided.
    pub fn is_empty(&self) -> bool {
        self.added_zones.is_empty()
            && self.removed_zones.is_empty()
            && self.added_values.is_empty()
            && self.removed_values.is_empty()
            && self.changes.is_empty()
            && self.undecided_zones.is_empty()
    }
}

/// Why two policies cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// A zone whose answers in one of the policies cannot be built within
    /// the analysis budget (see `docs/codes/analysis-limit.md`).
    #[error("zone `{zone}` is too complex to compare: its answers could not be built within the analysis budget, so whether it changes is not proven")]
    TooComplex {
        /// The zone.
        zone: String,
    },
    /// `onus diff azure aws`: they name other dimensions, or a dimension
    /// has no value in common.
    #[error("the policies must declare the same dimensions, in the same order and with some values in common: `{old}` has {old_dimensions}, `{new}` has {new_dimensions}")]
    DifferentDimensions {
        /// The old policy's name.
        old: String,
        /// The new policy's name.
        new: String,
        /// The old policy's dimensions and values.
        old_dimensions: String,
        /// The new policy's dimensions and values.
        new_dimensions: String,
    },
}

impl ToDiagnostic for DiffError {
    fn to_diagnostic(&self) -> Diagnostic {
        let (code, help) = match self {
            DiffError::TooComplex { .. } => (
                Code::AnalysisLimit,
                "split the zone's long conditions into several rules",
            ),
            DiffError::DifferentDimensions { .. } => (
                Code::IncomparablePolicies,
                "`onus diff` compares policies over the same dimensions, on the values they share",
            ),
        };
        Diagnostic::new(code, self.to_string()).with_help(Some(help.into()))
    }
}

fn dimensions_text(policy: &Policy) -> String {
    policy
        .dimensions
        .iter()
        .map(|d| format!("`{}: {}`", d.name, d.values.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Compares two policies zone by zone (zones matched by name) over every
/// scenario. Both must declare the same dimensions, in the same order; where
/// their values differ (a newer version adds a service), they are compared
/// on the values both have, and the others are listed.
pub fn policies(old: &Policy, new: &Policy) -> Result<PolicyDiff, DiffError> {
    let incomparable = || DiffError::DifferentDimensions {
        old: old.name.clone(),
        new: new.name.clone(),
        old_dimensions: dimensions_text(old),
        new_dimensions: dimensions_text(new),
    };
    let same_names = old.dimensions.len() == new.dimensions.len()
        && (old.dimensions.iter().zip(&new.dimensions)).all(|(a, b)| a.name == b.name);
    if !same_names {
        return Err(incomparable());
    }
    if (old.dimensions.iter().zip(&new.dimensions)).all(|(a, b)| a.values == b.values) {
        return Ok(same_dimensions(old, new));
    }
    // Each dimension's shared values, in the old policy's order, by their
    // index in each policy.
    let mut keep_old = Vec::new();
    let mut keep_new = Vec::new();
    let (mut added_values, mut removed_values) = (Vec::new(), Vec::new());
    for (a, b) in old.dimensions.iter().zip(&new.dimensions) {
        let shared: Vec<(usize, usize)> = (a.values.iter().enumerate())
            .filter_map(|(i, v)| Some((i, b.values.iter().position(|w| w == v)?)))
            .collect();
        if shared.is_empty() {
            return Err(incomparable());
        }
        let only = |x: &[String], y: &[String]| -> Vec<String> {
            x.iter().filter(|v| !y.contains(v)).cloned().collect()
        };
        let (added, removed) = (only(&b.values, &a.values), only(&a.values, &b.values));
        if !added.is_empty() {
            added_values.push((a.name.clone(), added));
        }
        if !removed.is_empty() {
            removed_values.push((a.name.clone(), removed));
        }
        keep_old.push(shared.iter().map(|&(i, _)| i).collect::<Vec<_>>());
        keep_new.push(shared.iter().map(|&(_, j)| j).collect::<Vec<_>>());
    }
    let mut diff = same_dimensions(&old.restricted(&keep_old), &new.restricted(&keep_new));
    // Back to the old policy's value indices, so it describes the changes.
    for change in &mut diff.changes {
        for (value, keep) in change.witness.values.iter_mut().zip(&keep_old) {
            *value = keep[*value];
        }
        for cube in change.region.iter_mut().flatten() {
            for (set, keep) in cube.0.iter_mut().zip(&keep_old) {
                *set = (keep.iter().enumerate())
                    .filter(|(shared, _)| *set >> shared & 1 == 1)
                    .fold(0, |acc, (_, &old)| acc | 1 << old);
            }
        }
    }
    diff.added_values = added_values;
    diff.removed_values = removed_values;
    Ok(diff)
}

/// Compares two policies over the same dimensions and values.
fn same_dimensions(old: &Policy, new: &Policy) -> PolicyDiff {
    // The dimensions are the same, so one space serves both policies.
    let space = Space::of(old);
    let removed_zones = old
        .zones
        .iter()
        .filter(|z| new.zone_index(&z.name).is_none())
        .map(|z| z.name.clone())
        .collect();
    let added_zones = new
        .zones
        .iter()
        .filter(|z| old.zone_index(&z.name).is_none())
        .map(|z| z.name.clone())
        .collect();
    let mut changes = Vec::new();
    let mut undecided_zones = Vec::new();
    for (old_zone, zone) in old.zones.iter().enumerate() {
        let Some(new_zone) = new.zone_index(&zone.name) else {
            continue;
        };
        match space.bounded(|| zone_changes(&space, old, new, old_zone, new_zone)) {
            Ok(found) => {
                for (from, to, region, witness) in found {
                    changes.push(PolicyChange {
                        zone: zone.name.clone(),
                        from,
                        to,
                        region: space.bounded(|| space.description(&region)).ok(),
                        witness,
                    });
                }
            }
            Err(Undecided) => undecided_zones.push(zone.name.clone()),
        }
    }
    PolicyDiff {
        added_zones,
        removed_zones,
        changes,
        undecided_zones,
        added_values: Vec::new(),
        removed_values: Vec::new(),
    }
}

impl PolicyDiff {
    /// An `analysis-limit` error for each zone left undecided, about `new`.
    pub fn undecided_report(&self, new: &Policy) -> Option<Report> {
        if self.undecided_zones.is_empty() {
            return None;
        }
        let errors: Vec<DiffError> = self
            .undecided_zones
            .iter()
            .map(|zone| DiffError::TooComplex { zone: zone.clone() })
            .collect();
        Some(Report::from_errors(Source::new(&new.name, ""), &errors))
    }
}

/// A change of one zone: its answer before and after, where, and one
/// scenario of it.
type ZoneChange = (Holder, Holder, Region, Scenario);

/// Where one zone's answer changes between the two policies.
fn zone_changes(
    space: &Space,
    old: &Policy,
    new: &Policy,
    old_zone: ZoneId,
    new_zone: ZoneId,
) -> Result<Vec<ZoneChange>, Undecided> {
    let before = answers(space, old, old_zone)?;
    let after = answers(space, new, new_zone)?;
    let mut changes = Vec::new();
    for (from, from_region) in &before {
        for (to, to_region) in &after {
            if from == to {
                continue;
            }
            let region = space.intersect(from_region, to_region)?;
            if let Some(witness) = space.witness(&region) {
                changes.push((from.clone(), to.clone(), region, witness.scenario));
            }
        }
    }
    Ok(changes)
}

/// Each answer a zone can have over every scenario, and where.
fn answers(
    space: &Space,
    policy: &Policy,
    zone: ZoneId,
) -> Result<Vec<(Holder, Region)>, Undecided> {
    let holders = crate::engine::partial::holders(space, policy, zone, &space.everything())?;
    Ok(holders
        .into_iter()
        .map(|(holder, region, _)| (holder, region))
        .collect())
}

/// A region as a condition in the language: `model is saas`,
/// `model in [paas, saas] and tier is not gold`, `always`.
pub fn describe(policy: &Policy, region: &[Cube]) -> String {
    let cubes: Vec<String> = region
        .iter()
        .map(|cube| {
            let tests: Vec<String> = cube
                .0
                .iter()
                .enumerate()
                .filter(|(d, set)| **set != policy.dimensions[*d].all())
                .map(|(d, &set)| {
                    let dimension = &policy.dimensions[d];
                    let values: Vec<&str> = (0..dimension.values.len())
                        .filter(|v| set >> v & 1 == 1)
                        .map(|v| dimension.values[v].as_str())
                        .collect();
                    let missing: Vec<&str> = (0..dimension.values.len())
                        .filter(|v| set >> v & 1 == 0)
                        .map(|v| dimension.values[v].as_str())
                        .collect();
                    match (values.as_slice(), missing.as_slice()) {
                        ([one], _) => format!("{} is {one}", dimension.name),
                        (_, [one]) => format!("{} is not {one}", dimension.name),
                        _ => format!("{} in [{}]", dimension.name, values.join(", ")),
                    }
                })
                .collect();
            tests
        })
        .map(|tests| match tests.len() {
            0 => "always".to_string(),
            _ if region.len() > 1 && tests.len() > 1 => format!("({})", tests.join(" and ")),
            _ => tests.join(" and "),
        })
        .collect();
    if cubes.iter().any(|c| c == "always") {
        return "always".into();
    }
    cubes.join(" or ")
}
