//! `onus eval --partial` output: each zone definite or depending on the
//! dimensions left open, with the condition of each answer.

use serde::Serialize;

use super::decisions::{rule_json, RuleJson};
use super::{heading, text_table, trimmed, DimensionsJson};
use crate::engine::diff::describe;
use crate::engine::partial::{Case, PartialAnswer};
use crate::model::answers::Holder;
use crate::model::policy::{DimensionId, Policy};
use crate::model::scenario::{Id, PartialScenario};

/// eval --partial's JSON document. Stable: see README.md, "JSON output".
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PartialOutput")]
pub struct PartialJson<'a> {
    pub policy: &'a str,
    /// The scenario file's `"id"`, exactly as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<crate::model::scenario::RawId<'a>>,
    /// The dimensions given, and their values, in declaration order.
    pub given: DimensionsJson<'a, &'a str>,
    /// The dimensions left open, in declaration order.
    pub open: Vec<&'a str>,
    pub decisions: Vec<PartialDecisionJson<'a>>,
}

/// A zone's answers over the open dimensions.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PartialDecision")]
pub struct PartialDecisionJson<'a> {
    pub zone: &'a str,
    pub label: &'a str,
    /// `true` when the zone has one answer whatever the open dimensions
    /// take; `false` when it depends on them (or could not be decided).
    pub definite: bool,
    /// Each answer the zone can have, holders in name order, a conflict
    /// last; `null` if the analysis could not decide within its budget.
    pub cases: Option<Vec<CaseJson<'a>>>,
}

/// One answer and when it holds.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PartialCase")]
pub struct CaseJson<'a> {
    /// The party's name; `null` for a conflict.
    pub party: Option<&'a str>,
    /// `true` when the matching rules disagree here.
    pub conflict: bool,
    /// When, over the open dimensions, in the language's condition syntax
    /// (`model in [paas, saas]`, `always`); `null` if describing it took
    /// past the analysis budget.
    pub when: Option<String>,
    /// The rules that decide in some scenario of the case; empty where only
    /// the default does.
    pub rules: Vec<RuleJson<'a>>,
}

/// A zone's answers over the open dimensions, as `eval --partial` and
/// `estate` write them.
pub fn decision_json<'a>(policy: &'a Policy, answer: &PartialAnswer) -> PartialDecisionJson<'a> {
    let zone = &policy.zones[answer.zone];
    PartialDecisionJson {
        zone: &zone.name,
        label: zone.display(),
        definite: answer.is_definite(),
        cases: (answer.cases.as_ref())
            .map(|cases| cases.iter().map(|c| case_json(policy, c)).collect()),
    }
}

fn case_json<'a>(policy: &'a Policy, case: &Case) -> CaseJson<'a> {
    let party = case.holder.party(policy).map(|p| p.name.as_str());
    CaseJson {
        party,
        conflict: case.holder == Holder::Conflict,
        when: case.when.as_ref().map(|cubes| describe(policy, cubes)),
        rules: case.rules.iter().map(|&r| rule_json(policy, r)).collect(),
    }
}

/// The dimensions given, with their values, in declaration order.
fn given_pairs<'a>(policy: &'a Policy, given: &PartialScenario) -> Vec<(&'a str, &'a str)> {
    (policy.dimensions.iter().enumerate())
        .filter_map(|(d, dimension)| {
            (given.value(d)).map(|v| (dimension.name.as_str(), dimension.values[v].as_str()))
        })
        .collect()
}

/// `onus eval --partial --format json`.
pub fn json(
    policy: &Policy,
    given: &PartialScenario,
    open: &[DimensionId],
    id: Option<&Id>,
    answers: &[PartialAnswer],
) -> String {
    let document = PartialJson {
        policy: &policy.name,
        id: id.map(|id| crate::model::scenario::RawId(id.json())),
        given: DimensionsJson(given_pairs(policy, given)),
        open: open
            .iter()
            .map(|&d| policy.dimensions[d].name.as_str())
            .collect(),
        decisions: answers.iter().map(|a| decision_json(policy, a)).collect(),
    };
    super::to_json(&document)
}

/// `onus eval --partial`: a table of zones, each holder or what it depends
/// on.
pub fn table(
    policy: &Policy,
    given: &PartialScenario,
    open: &[DimensionId],
    id: Option<&Id>,
    answers: &[PartialAnswer],
) -> String {
    let given_text: Vec<String> = (given_pairs(policy, given).into_iter())
        .map(|(d, v)| format!("{d}={v}"))
        .collect();
    let open_text: Vec<&str> = open
        .iter()
        .map(|&d| policy.dimensions[d].name.as_str())
        .collect();
    let mut out = format!("{}\n", heading(policy));
    out.push_str(&format!(
        "scenario: {}\nopen: {}\n",
        if given_text.is_empty() {
            "(nothing given)".into()
        } else {
            given_text.join(" ")
        },
        if open_text.is_empty() {
            "(none)".into()
        } else {
            open_text.join(" ")
        }
    ));
    if let Some(id) = id {
        out.push_str(&format!("id: {}\n", id.json().get()));
    }
    let mut table = text_table(vec!["Zone".into(), "Holder".into()]);
    for answer in answers {
        let zone = policy.zones[answer.zone].display().to_string();
        let holder = match &answer.cases {
            None => "UNDECIDED (analysis limit)".to_string(),
            Some(cases) if cases.len() == 1 => holder_text(policy, &cases[0]),
            Some(cases) => {
                let lines: Vec<String> = cases
                    .iter()
                    .map(|case| {
                        let when = match &case.when {
                            Some(cubes) => describe(policy, cubes),
                            None => "(too complex to describe)".to_string(),
                        };
                        format!("{} when {when}", holder_text(policy, case))
                    })
                    .collect();
                format!("depends:\n{}", lines.join("\n"))
            }
        };
        table.add_row(vec![zone, holder]);
    }
    out.push_str(&trimmed(&table));
    out
}

fn holder_text(policy: &Policy, case: &Case) -> String {
    case.holder
        .party(policy)
        .map_or("CONFLICT".to_string(), |p| p.display().to_string())
}
