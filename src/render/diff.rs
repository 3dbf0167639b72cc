//! `onus diff` output.

use std::collections::BTreeMap;

use serde::Serialize;

use super::decisions::{outcome_json, OutcomeJson};
use super::ScenarioJson;
use crate::engine::diff::{describe, PolicyChange, PolicyDiff, ScenarioChange};
use crate::model::answers::Holder;
use crate::model::answers::{Decision, Status};
use crate::model::policy::{Policy, Scenario};

fn answer_text(answer: &Holder) -> &str {
    match answer {
        Holder::Party(name) => name,
        Holder::Conflict => "conflict",
    }
}

fn holder(policy: &Policy, decision: &Decision) -> String {
    match decision.party {
        Some(p) if decision.status != Status::Conflict => policy.parties[p].name.clone(),
        _ => "conflict".into(),
    }
}

fn deciders(policy: &Policy, decision: &Decision) -> String {
    if decision.status == Status::Default {
        return "by default".into();
    }
    decision
        .rules
        .iter()
        .map(|&r| {
            let line = policy.source.line_column(policy.rules[r].span.start).0;
            format!("line {line}: {}", policy.source_text(policy.rules[r].span))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `zone: from -> to`, each with what decided it.
pub fn scenarios_text(
    policy: &Policy,
    from: &Scenario,
    to: &Scenario,
    changes: &[ScenarioChange],
) -> String {
    let mut out = format!(
        "{}: {} -> {}\n",
        policy.name,
        policy.scenario_text(from, " "),
        policy.scenario_text(to, " ")
    );
    if changes.is_empty() {
        out.push_str("no zone changes holder\n");
    }
    for change in changes {
        out.push_str(&format!(
            "{}: {} -> {}\n  from: {}\n  to:   {}\n",
            policy.zones[change.zone].name,
            holder(policy, &change.from),
            holder(policy, &change.to),
            deciders(policy, &change.from),
            deciders(policy, &change.to)
        ));
    }
    out
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ScenarioDiff")]
pub(crate) struct ScenariosJson<'a> {
    kind: &'static str,
    policy: &'a str,
    from: ScenarioJson<'a>,
    to: ScenarioJson<'a>,
    changes: Vec<ScenarioChangeJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ScenarioChange")]
pub(crate) struct ScenarioChangeJson<'a> {
    zone: &'a str,
    from: OutcomeJson<'a>,
    to: OutcomeJson<'a>,
}

/// `onus diff --from --to --format json`.
pub fn scenarios_json(
    policy: &Policy,
    from: &Scenario,
    to: &Scenario,
    changes: &[ScenarioChange],
) -> String {
    super::to_json(&ScenariosJson {
        kind: "scenarios",
        policy: &policy.name,
        from: ScenarioJson(policy, from),
        to: ScenarioJson(policy, to),
        changes: changes
            .iter()
            .map(|c| ScenarioChangeJson {
                zone: &policy.zones[c.zone].name,
                from: outcome_json(policy, &c.from),
                to: outcome_json(policy, &c.to),
            })
            .collect(),
    })
}

/// Zones added and removed, then `zone: from -> to when <condition>`.
pub fn policies_text(old: &Policy, new: &Policy, diff: &PolicyDiff) -> String {
    let mut out = format!("{} -> {}\n", old.name, new.name);
    if diff.is_empty() {
        out.push_str("equivalent: every zone has the same answer in every scenario\n");
    }
    for (dimension, values) in &diff.removed_values {
        out.push_str(&format!(
            "values removed: {dimension}: {} (not compared)\n",
            values.join(", ")
        ));
    }
    for (dimension, values) in &diff.added_values {
        out.push_str(&format!(
            "values added: {dimension}: {} (not compared)\n",
            values.join(", ")
        ));
    }
    for zone in &diff.removed_zones {
        out.push_str(&format!("zone removed: {zone}\n"));
    }
    for zone in &diff.added_zones {
        out.push_str(&format!("zone added: {zone}\n"));
    }
    for change in &diff.changes {
        out.push_str(&format!(
            "{}: {} -> {} when {}\n",
            change.zone,
            answer_text(&change.from),
            answer_text(&change.to),
            when(old, change)
        ));
    }
    for zone in &diff.undecided_zones {
        out.push_str(&format!("zone not compared: {zone} (analysis-limit)\n"));
    }
    out
}

/// Where a change happens, as a condition; one scenario of it where the
/// region is too complex to describe.
fn when(policy: &Policy, change: &PolicyChange) -> String {
    match &change.region {
        Some(cubes) => describe(policy, cubes),
        None => format!(
            "in scenarios too many to describe, such as {}",
            policy.scenario_text(&change.witness, " ")
        ),
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PolicyDiff")]
pub(crate) struct PoliciesJson<'a> {
    kind: &'static str,
    old: &'a str,
    new: &'a str,
    equivalent: bool,
    added_zones: &'a [String],
    removed_zones: &'a [String],
    changes: Vec<PolicyChangeJson<'a>>,
    /// Zones too complex to compare within the analysis budget.
    #[serde(skip_serializing_if = "<[_]>::is_empty", default)]
    undecided_zones: &'a [String],
    /// Values only the new policy's dimensions have, by dimension: its
    /// scenarios with them are not compared.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    added_values: BTreeMap<&'a str, &'a [String]>,
    /// Values only the old policy's dimensions have, likewise.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    removed_values: BTreeMap<&'a str, &'a [String]>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PolicyChange")]
pub(crate) struct PolicyChangeJson<'a> {
    zone: &'a str,
    from: &'a str,
    to: &'a str,
    /// The scenarios where the answer changes, as a condition.
    when: String,
    /// One such scenario.
    scenario: ScenarioJson<'a>,
}

/// `onus diff OLD NEW --format json`.
pub fn policies_json(old: &Policy, new: &Policy, diff: &PolicyDiff) -> String {
    super::to_json(&PoliciesJson {
        kind: "policies",
        old: &old.name,
        new: &new.name,
        equivalent: diff.is_empty(),
        added_zones: &diff.added_zones,
        removed_zones: &diff.removed_zones,
        undecided_zones: &diff.undecided_zones,
        added_values: (diff.added_values.iter())
            .map(|(d, v)| (d.as_str(), v.as_slice()))
            .collect(),
        removed_values: (diff.removed_values.iter())
            .map(|(d, v)| (d.as_str(), v.as_slice()))
            .collect(),
        changes: diff
            .changes
            .iter()
            .map(|c| PolicyChangeJson {
                zone: &c.zone,
                from: answer_text(&c.from),
                to: answer_text(&c.to),
                when: when(old, c),
                scenario: ScenarioJson(old, &c.witness),
            })
            .collect(),
    })
}
