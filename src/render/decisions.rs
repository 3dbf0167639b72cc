//! `onus eval` output.

use serde::Serialize;

use super::{heading, text_table, trimmed, ScenarioJson};
use crate::model::answers::{Decision, Status};
use crate::model::policy::{Policy, RuleId, Scenario};
use crate::model::scenario::Id;

/// eval's JSON document. Stable: see README.md, "JSON output".
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EvalOutput")]
pub struct EvalJson<'a> {
    pub policy: &'a str,
    /// The scenario file's `"id"`, exactly as written, as a batch record
    /// echoes it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<crate::model::scenario::RawId<'a>>,
    pub scenario: ScenarioJson<'a>,
    pub decisions: Vec<DecisionJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Decision")]
pub struct DecisionJson<'a> {
    pub zone: &'a str,
    pub label: &'a str,
    #[serde(flatten)]
    pub outcome: OutcomeJson<'a>,
    pub because: Option<&'a str>,
    /// With `--explain`: every rule for the zone and whether it matched.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub considered: Option<Vec<ConsideredJson<'a>>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RuleRef")]
pub struct RuleJson<'a> {
    pub line: usize,
    pub column: usize,
    pub text: &'a str,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ConsideredRule")]
pub struct ConsideredJson<'a> {
    #[serde(flatten)]
    pub rule: RuleJson<'a>,
    pub matched: bool,
}

/// Who holds a zone and why, as every output that shows a decision has it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Outcome")]
pub struct OutcomeJson<'a> {
    /// The party's name; `null` exactly when the status is `conflict`.
    pub party: Option<&'a str>,
    pub status: Status,
    /// The matching rules, in source order.
    pub rules: Vec<RuleJson<'a>>,
    /// Present (and true) when every matching rule is marked
    /// `enabled-by-default`: the protection is on without configuration.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub enabled_by_default: bool,
}

pub fn outcome_json<'a>(policy: &'a Policy, decision: &Decision) -> OutcomeJson<'a> {
    OutcomeJson {
        party: decision.party.map(|p| policy.parties[p].name.as_str()),
        status: decision.status,
        rules: decision
            .rules
            .iter()
            .map(|&r| rule_json(policy, r))
            .collect(),
        enabled_by_default: decision.enabled_by_default(policy),
    }
}

pub fn rule_json(policy: &Policy, rule: RuleId) -> RuleJson<'_> {
    let span = policy.rules[rule].span;
    let (line, column) = policy.source.line_column(span.start);
    RuleJson {
        line,
        column,
        text: policy.source_text(span),
    }
}

/// How much a decision's JSON says.
#[derive(Clone, Copy, Debug)]
pub enum Detail<'s> {
    /// Who holds the zone, how, and which rules decided.
    Decisions,
    /// Also every rule of the zone and whether it matched this scenario
    /// (`--explain`).
    Explained(&'s Scenario),
}

pub fn decision_json<'a>(
    policy: &'a Policy,
    decision: &Decision,
    detail: Detail,
) -> DecisionJson<'a> {
    let zone = &policy.zones[decision.zone];
    DecisionJson {
        zone: &zone.name,
        label: zone.display(),
        outcome: outcome_json(policy, decision),
        because: decision.because(policy),
        considered: match detail {
            Detail::Decisions => None,
            Detail::Explained(scenario) => Some(
                policy
                    .rules_for(decision.zone)
                    .map(|(id, rule)| ConsideredJson {
                        rule: rule_json(policy, id),
                        matched: rule.condition.holds(scenario),
                    })
                    .collect(),
            ),
        },
    }
}

/// `onus eval --format json`; [`Detail::Explained`] adds every rule
/// considered.
pub fn json(
    policy: &Policy,
    scenario: &Scenario,
    id: Option<&Id>,
    decisions: &[Decision],
    detail: Detail,
) -> String {
    super::to_json(&EvalJson {
        policy: &policy.name,
        id: id.map(|id| crate::model::scenario::RawId(id.json())),
        scenario: ScenarioJson(policy, scenario),
        decisions: decisions
            .iter()
            .map(|d| decision_json(policy, d, detail))
            .collect(),
    })
}

/// Which fields a batch record's decisions carry besides the zone
/// (`--fields`): full records name every deciding rule and are most of a
/// batch's bytes, while an inventory may need only who holds what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecisionFields {
    /// Bit `i` set: [`Self::NAMES`]`[i]` is chosen.
    chosen: u8,
}

impl DecisionFields {
    /// Every field, as `eval --format json` writes a decision.
    pub const ALL: DecisionFields = DecisionFields {
        chosen: (1 << Self::NAMES.len()) - 1,
    };

    /// The fields that may be chosen, in the order they are written.
    pub const NAMES: [&'static str; 5] = ["label", "party", "status", "rules", "because"];

    /// The fields named, or every field if none is (as without
    /// `--fields`); `None` if a name is not one of [`Self::NAMES`].
    pub fn from_names<'n>(names: impl IntoIterator<Item = &'n str>) -> Option<DecisionFields> {
        let mut chosen = 0;
        for name in names {
            chosen |= 1 << Self::NAMES.iter().position(|n| *n == name)?;
        }
        Some(match chosen {
            0 => DecisionFields::ALL,
            chosen => DecisionFields { chosen },
        })
    }

    /// Whether the field called `name` is chosen.
    pub fn has(&self, name: &str) -> bool {
        let bit = Self::NAMES.iter().position(|n| *n == name);
        bit.is_some_and(|bit| self.chosen >> bit & 1 == 1)
    }
}

/// A decision with only the chosen fields; with all of them, the same
/// bytes as [`DecisionJson`].
#[derive(Debug, Serialize)]
pub struct ChosenJson<'a> {
    zone: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    party: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<Vec<RuleJson<'a>>>,
    /// With the rules, as [`OutcomeJson`] writes it: present (and true)
    /// when every matching rule is marked `enabled-by-default`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    enabled_by_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<Option<&'a str>>,
}

pub fn chosen_json<'a>(
    policy: &'a Policy,
    decision: &Decision,
    fields: DecisionFields,
) -> ChosenJson<'a> {
    let zone = &policy.zones[decision.zone];
    let outcome = outcome_json(policy, decision);
    ChosenJson {
        zone: &zone.name,
        label: fields.has("label").then(|| zone.display()),
        party: fields.has("party").then_some(outcome.party),
        status: fields.has("status").then_some(outcome.status),
        enabled_by_default: fields.has("rules") && outcome.enabled_by_default,
        rules: fields.has("rules").then_some(outcome.rules),
        because: fields.has("because").then(|| decision.because(policy)),
    }
}

/// One decision's JSON with the chosen fields, as batch records write it.
pub fn decision_bytes(policy: &Policy, decision: &Decision, fields: DecisionFields) -> Vec<u8> {
    serde_json::to_vec(&chosen_json(policy, decision, fields)).expect("decisions serialize")
}

/// Who holds a zone, as a person reads it.
pub fn holder(policy: &Policy, decision: &Decision) -> String {
    match decision.party {
        Some(p) => policy.parties[p].display().to_string(),
        None => {
            let mut names: Vec<&str> = Vec::new();
            for &r in &decision.rules {
                let name = policy.parties[policy.rules[r].party].display();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            format!("CONFLICT ({})", names.join(" vs "))
        }
    }
}

fn decided_by(policy: &Policy, decision: &Decision) -> String {
    let lines: Vec<String> = decision
        .rules
        .iter()
        .map(|&r| {
            policy
                .source
                .line_column(policy.rules[r].span.start)
                .0
                .to_string()
        })
        .collect();
    let plural = if lines.len() > 1 { "s" } else { "" };
    match decision.status {
        Status::Default => "default".to_string(),
        Status::Rule if decision.enabled_by_default(policy) => format!(
            "rule{plural} at line{plural} {}, enabled by default",
            lines.join(", ")
        ),
        Status::Rule => format!("rule{plural} at line{plural} {}", lines.join(", ")),
        Status::Conflict => format!("rules at lines {}", lines.join(", ")),
    }
}

/// The table: one row per zone.
pub fn table(
    policy: &Policy,
    scenario: &Scenario,
    id: Option<&Id>,
    decisions: &[Decision],
) -> String {
    let mut table = text_table(vec!["Zone".into(), "Holder".into(), "Decided by".into()]);
    for decision in decisions {
        table.add_row(vec![
            policy.zones[decision.zone].display().to_string(),
            holder(policy, decision),
            decided_by(policy, decision),
        ]);
    }
    format!(
        "{}\n{}\n{}",
        heading(policy),
        scenario_lines(policy, scenario, id),
        trimmed(&table)
    )
}

/// `scenario: model=iaas`, and `id: "vm-1"` if the scenario has one.
fn scenario_lines(policy: &Policy, scenario: &Scenario, id: Option<&Id>) -> String {
    let mut lines = format!("scenario: {}\n", policy.scenario_text(scenario, " "));
    if let Some(id) = id {
        lines.push_str(&format!("id: {}\n", id.json().get()));
    }
    lines
}

/// `--explain`: for each zone, every rule considered and whether it matched.
pub fn explain(
    policy: &Policy,
    scenario: &Scenario,
    id: Option<&Id>,
    decisions: &[Decision],
) -> String {
    let mut out = format!(
        "{}\n{}",
        heading(policy),
        scenario_lines(policy, scenario, id)
    );
    for decision in decisions {
        let zone = &policy.zones[decision.zone];
        let status = match decision.status {
            Status::Rule => "by rule",
            Status::Default => "by default: no rule matched",
            Status::Conflict => "rules disagree",
        };
        out.push_str(&format!(
            "\n{}: {} ({status})\n",
            zone.display(),
            holder(policy, decision)
        ));
        for (id, rule) in policy.rules_for(decision.zone) {
            let mark = if rule.condition.holds(scenario) {
                "matched"
            } else {
                "no match"
            };
            let line = policy.source.line_column(rule.span.start).0;
            out.push_str(&format!(
                "  {mark:<8}  line {line}: {}\n",
                policy.source_text(policy.rules[id].span)
            ));
        }
        if let Some(because) = decision.because(policy) {
            out.push_str(&format!("  because: {because}\n"));
        }
    }
    out
}
