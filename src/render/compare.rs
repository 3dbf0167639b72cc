//! `onus compare`: a policy's answers against what a provider publishes,
//! control by control, as text and JSON.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::compliance::published::{Class, Compared, Published};
use crate::model::policy::{Policy, Scenario};

/// `onus compare --format json`'s document.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CompareOutput")]
pub struct CompareJson<'a> {
    pub policy: &'a str,
    pub mapping: &'a str,
    pub scenario: super::ScenarioJson<'a>,
    /// The published file, its form (`fedramp-crm`, `caiq`, `oscal-ssp` or
    /// `owner-csv`) and sheet.
    pub published: PublishedJson<'a>,
    /// The rows that name a control and leave its ownership blank: not
    /// compared.
    pub blank_rows: &'a [usize],
    /// Per published class (and `all`): how many controls, how many agree,
    /// disagree, or have no answer from the policy.
    pub counts: BTreeMap<&'static str, CountsJson>,
    /// Every published control, in the file's order.
    pub controls: Vec<ControlJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PublishedFile")]
pub struct PublishedJson<'a> {
    pub file: &'a str,
    pub form: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<&'a str>,
}

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CompareCounts")]
pub struct CountsJson {
    pub controls: usize,
    pub agree: usize,
    pub disagree: usize,
    pub no_answer: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ComparedControl")]
pub struct ControlJson<'a> {
    /// The control in the catalog's spelling.
    pub control: &'a str,
    /// As the file writes it, and the row of its first part.
    pub written: &'a str,
    pub row: usize,
    pub published: Class,
    /// The policy's answer; `null` where it has none.
    pub onus: Option<Class>,
    /// `agree`, `disagree` or `no-answer`.
    pub result: &'static str,
    /// Why the policy has no answer, where it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_answer: Option<&'static str>,
    /// The zones on the provider's side of the policy's answer.
    pub provider_zones: &'a [String],
    /// The zones on the customer's side.
    pub customer_zones: &'a [String],
}

fn class_name(class: Class) -> &'static str {
    match class {
        Class::Provider => "provider",
        Class::Shared => "shared",
        Class::Customer => "customer",
    }
}

fn result(compared: &Compared) -> &'static str {
    match (compared.onus, compared.agrees()) {
        (None, _) => "no-answer",
        (_, true) => "agree",
        (_, false) => "disagree",
    }
}

fn counts(compared: &[Compared]) -> BTreeMap<&'static str, CountsJson> {
    // Every class, counted or not, so a reader finds the same keys.
    let mut counts: BTreeMap<&'static str, CountsJson> = ["all", "customer", "provider", "shared"]
        .into_iter()
        .map(|class| (class, CountsJson::default()))
        .collect();
    for c in compared {
        for key in [class_name(c.published.class), "all"] {
            let entry = counts.entry(key).or_default();
            entry.controls += 1;
            match result(c) {
                "agree" => entry.agree += 1,
                "disagree" => entry.disagree += 1,
                _ => entry.no_answer += 1,
            }
        }
    }
    counts
}

pub fn json(
    policy: &Policy,
    mapping: &str,
    scenario: &Scenario,
    published: &Published,
    compared: &[Compared],
) -> String {
    super::to_json(&CompareJson {
        policy: &policy.name,
        mapping,
        scenario: super::ScenarioJson(policy, scenario),
        published: PublishedJson {
            file: &published.name,
            form: published.form,
            sheet: published.sheet.as_deref(),
        },
        blank_rows: &published.blank,
        counts: counts(compared),
        controls: (compared.iter())
            .map(|c| ControlJson {
                control: &c.published.id,
                written: &c.published.written,
                row: c.published.row,
                published: c.published.class,
                onus: c.onus,
                result: result(c),
                no_answer: c.no_answer,
                provider_zones: &c.provider_zones,
                customer_zones: &c.customer_zones,
            })
            .collect(),
    })
}

/// The counts per class, then every disagreement and every control the
/// policy has no answer for.
pub fn text(
    policy: &Policy,
    scenario: &Scenario,
    published: &Published,
    compared: &[Compared],
) -> String {
    let mut out = format!(
        "{} against {}{} ({}), scenario {}\n\n",
        policy.name,
        published.name,
        published
            .sheet
            .as_deref()
            .map_or(String::new(), |s| format!(", sheet `{s}`")),
        published.form,
        policy.scenario_text(scenario, ", ")
    );
    if !published.blank.is_empty() {
        out.push_str(&format!(
            "{} rows leave the ownership blank: not compared\n",
            published.blank.len()
        ));
    }
    for (class, c) in counts(compared) {
        out.push_str(&format!(
            "{class:<9} {:>4} controls: {:>4} agree, {:>4} disagree, {:>4} no answer\n",
            c.controls, c.agree, c.disagree, c.no_answer
        ));
    }
    let disagree: Vec<&Compared> = compared
        .iter()
        .filter(|c| result(c) == "disagree")
        .collect();
    if !disagree.is_empty() {
        out.push_str("\nDisagree (published -> Onus; Onus's zones on each side):\n");
        for c in disagree {
            out.push_str(&format!(
                "  {} (row {}): {} -> {}; provider: {}; customer: {}\n",
                c.published.id,
                c.published.row,
                class_name(c.published.class),
                c.onus.map_or("none", class_name),
                list(&c.provider_zones),
                list(&c.customer_zones)
            ));
        }
    }
    let none: Vec<&Compared> = compared.iter().filter(|c| c.onus.is_none()).collect();
    if !none.is_empty() {
        out.push_str("\nNo answer from the policy:\n");
        for c in none {
            out.push_str(&format!(
                "  {} (row {}): {}\n",
                c.published.id,
                c.published.row,
                c.no_answer.unwrap_or("")
            ));
        }
    }
    out
}

fn list(zones: &[String]) -> String {
    match zones.is_empty() {
        true => "-".to_string(),
        false => zones.join(", "),
    }
}
