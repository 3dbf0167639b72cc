//! `onus estate` output: each resource's scenario and every zone's holder,
//! as a table, JSON, NDJSON or CSV, and the estate's summary.

use std::collections::BTreeMap;

use serde::Serialize;

use super::decisions::{decision_json, DecisionJson, Detail};
use super::partial::{decision_json as partial_json, PartialDecisionJson};
use super::{heading, text_table, trimmed, DimensionsJson};
use crate::engine::diff::describe;
use crate::model::answers::Holder;
use std::io::Write;

use crate::estate::summary::{summary, SummaryJson};
use crate::estate::{EstateSink, Evaluated, Inventory, ResourceAnswer};
use crate::model::policy::Policy;

/// One resource's record, as JSON and NDJSON write it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstateResource")]
pub struct ResourceJson<'a> {
    /// In an estate answered by several policies, the policy that answers
    /// this resource (none where no policy's map knows its type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<&'a str>,
    pub address: &'a str,
    #[serde(rename = "type")]
    pub resource_type: &'a str,
    /// Whether a resource map knows the type.
    pub mapped: bool,
    /// For an unmapped type, the closest type a map knows, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<&'a str>,
    /// The dimensions the map gives one value, in declaration order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<DimensionsJson<'a, &'a str>>,
    /// The dimensions the map leaves open, in declaration order, each with
    /// the values it may take.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<DimensionsJson<'a, Vec<&'a str>>>,
    /// With no dimension open: each zone's decision, as `eval` has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisions: Option<Vec<DecisionJson<'a>>>,
    /// With a dimension open: each zone's answers over it, as
    /// `eval --partial` has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<Vec<PartialDecisionJson<'a>>>,
    /// For a policy that marks protections `enabled-by-default`: the zones
    /// the customer holds, alone or shared, that are not on by themselves,
    /// in zone order; where a dimension is open, those on the list
    /// whichever value it takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_do: Option<Vec<&'a str>>,
}

/// The record of an NDJSON inventory line that is not a resource.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstateLineError")]
pub struct LineErrorJson<'a> {
    /// The line's number, from 1.
    pub line: u64,
    /// What is wrong with it.
    pub error: &'a str,
}

/// `onus estate --format json`'s document.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstateOutput")]
pub struct EstateJson<'a> {
    pub policy: &'a str,
    pub inventories: Vec<InventoryJson<'a>>,
    pub resources: Vec<ResourceJson<'a>>,
    pub summary: SummaryJson<'a>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstateInventory")]
pub struct InventoryJson<'a> {
    pub name: &'a str,
    pub format: &'static str,
    pub resources: usize,
}

pub fn resource_json<'a>(policy: &'a Policy, answer: &'a ResourceAnswer) -> ResourceJson<'a> {
    let resource = &answer.resource;
    let mut json = ResourceJson {
        policy: None,
        address: &resource.address,
        resource_type: &resource.resource_type,
        mapped: answer.answer.is_ok(),
        suggestion: None,
        scenario: None,
        open: None,
        decisions: None,
        partial: None,
        to_do: None,
    };
    match &answer.answer {
        Err(_) => return unmapped_json(answer),
        Ok((entry, evaluated)) => {
            let dimensions = policy.dimensions.iter().enumerate();
            json.scenario = Some(DimensionsJson(
                (dimensions.clone())
                    .filter_map(|(d, dimension)| {
                        (entry.value(d))
                            .map(|v| (dimension.name.as_str(), dimension.values[v].as_str()))
                    })
                    .collect(),
            ));
            json.open = Some(DimensionsJson(
                dimensions
                    .filter(|&(d, _)| entry.value(d).is_none())
                    .map(|(d, dimension)| {
                        let values = (0..dimension.values.len())
                            .filter(|v| entry.allowed[d] >> v & 1 == 1)
                            .map(|v| dimension.values[v].as_str())
                            .collect();
                        (dimension.name.as_str(), values)
                    })
                    .collect(),
            ));
            json.to_do = (evaluated.to_do(policy)).map(|zones| {
                zones
                    .iter()
                    .map(|&z| policy.zones[z].name.as_str())
                    .collect()
            });
            match evaluated.as_ref() {
                Evaluated::Complete(decisions) => {
                    json.decisions = Some(
                        (decisions.iter())
                            .map(|d| decision_json(policy, d, Detail::Decisions))
                            .collect(),
                    )
                }
                Evaluated::Partial(answers) => {
                    json.partial = Some(answers.iter().map(|a| partial_json(policy, a)).collect())
                }
            }
        }
    }
    json
}

fn party_name<'a>(policy: &'a Policy, holder: &Holder) -> Option<&'a str> {
    holder.party(policy).map(|p| p.name.as_str())
}

/// The party's display name, or `CONFLICT`.
fn holder_display<'a>(policy: &'a Policy, holder: &Holder) -> &'a str {
    holder.party(policy).map_or("CONFLICT", |p| p.display())
}

/// `onus estate --format json`.
pub fn json(
    policy: &Policy,
    inventories: &[Inventory],
    answers: &[ResourceAnswer],
    provider_somewhere: &[bool],
) -> String {
    super::to_json(&document(policy, inventories, answers, provider_somewhere))
}

/// The estate of one policy as `--format json` writes it.
fn document<'a>(
    policy: &'a Policy,
    inventories: &'a [Inventory],
    answers: &'a [ResourceAnswer],
    provider_somewhere: &[bool],
) -> EstateJson<'a> {
    EstateJson {
        policy: &policy.name,
        inventories: inventories.iter().map(inventory_json).collect(),
        resources: answers.iter().map(|a| resource_json(policy, a)).collect(),
        summary: summary(policy, inventories, answers, provider_somewhere),
    }
}

/// `onus estate --format ndjson`: one resource record a line.
pub fn ndjson(policy: &Policy, answers: &[ResourceAnswer]) -> String {
    let mut out = String::new();
    for answer in answers {
        out.push_str(
            &serde_json::to_string(&resource_json(policy, answer)).expect("JSON of strings"),
        );
        out.push('\n');
    }
    out
}

/// `onus estate --format csv`: one row a resource and zone.
pub fn csv(policy: &Policy, answers: &[ResourceAnswer]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).expect("writing to memory");
    csv_rows(policy, answers, |row| {
        writer.write_record(row).expect("writing to memory")
    });
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of strings")
}

/// The columns of `--format csv`.
const CSV_HEADER: [&str; 7] = [
    "address", "type", "scenario", "zone", "holder", "status", "rules",
];

/// Each row of `--format csv` for these answers, header aside.
fn csv_rows(policy: &Policy, answers: &[ResourceAnswer], mut row: impl FnMut([&str; 7])) {
    for answer in answers {
        let resource = &answer.resource;
        let (address, kind) = (resource.address.as_str(), resource.resource_type.as_str());
        let Ok((entry, evaluated)) = &answer.answer else {
            row([address, kind, "", "", "", "unmapped", ""]);
            continue;
        };
        let scenario = map_line_text(policy, entry);
        match evaluated.as_ref() {
            Evaluated::Complete(decisions) => {
                for d in decisions {
                    let holder = match d.party {
                        Some(p) => policy.parties[p].name.as_str(),
                        None => "conflict",
                    };
                    let status = d.status.name();
                    let zone = policy.zones[d.zone].name.as_str();
                    row([
                        address,
                        kind,
                        &scenario,
                        zone,
                        holder,
                        status,
                        &rule_lines(policy, &d.rules),
                    ]);
                }
            }
            Evaluated::Partial(partial) => {
                for a in partial.iter() {
                    let zone = policy.zones[a.zone].name.as_str();
                    let Some(cases) = &a.cases else {
                        row([address, kind, &scenario, zone, "", "undecided", ""]);
                        continue;
                    };
                    for case in cases {
                        let holder = party_name(policy, &case.holder).unwrap_or("conflict");
                        let status = match (cases.len(), &case.when) {
                            (1, _) => "definite".to_string(),
                            (_, Some(when)) => format!("when {}", describe(policy, when)),
                            (_, None) => "depends".to_string(),
                        };
                        row([
                            address,
                            kind,
                            &scenario,
                            zone,
                            holder,
                            &status,
                            &rule_lines(policy, &case.rules),
                        ]);
                    }
                }
            }
        }
    }
}

fn rule_lines(policy: &Policy, rules: &[crate::model::policy::RuleId]) -> String {
    let lines: Vec<String> = (rules.iter())
        .map(|&r| {
            policy
                .source
                .line_column(policy.rules[r].span.start)
                .0
                .to_string()
        })
        .collect();
    lines.join(" ")
}

/// `service=container`, `service in [a, b]`, or `service=?` where the map
/// leaves it open.
fn map_line_text(policy: &Policy, entry: &crate::estate::ResourceType) -> String {
    let pairs: Vec<String> = (policy.dimensions.iter().enumerate())
        .map(|(d, dimension)| match entry.value(d) {
            Some(v) => format!("{}={}", dimension.name, dimension.values[v]),
            None if entry.allowed[d] == dimension.all() => format!("{}=?", dimension.name),
            None => {
                let values: Vec<&str> = (0..dimension.values.len())
                    .filter(|v| entry.allowed[d] >> v & 1 == 1)
                    .map(|v| dimension.values[v].as_str())
                    .collect();
                format!("{} in [{}]", dimension.name, values.join(", "))
            }
        })
        .collect();
    pairs.join(" ")
}

/// `onus estate`: each resource with its scenario and who holds what, then
/// the summary.
pub fn table(
    policy: &Policy,
    inventories: &[Inventory],
    answers: &[ResourceAnswer],
    provider_somewhere: &[bool],
) -> String {
    let mut out = format!("{}\n", heading(policy));
    for inventory in inventories {
        out.push_str(&format!(
            "inventory: {} ({}, {})\n",
            inventory.name,
            inventory.format.name(),
            counted(inventory.resources.len(), "resource", "resources")
        ));
    }
    for answer in answers {
        let resource = &answer.resource;
        out.push_str(&format!(
            "\n{} ({})",
            resource.address, resource.resource_type
        ));
        match &answer.answer {
            Err(suggestion) => {
                out.push_str(": UNMAPPED");
                if let Some(suggestion) = suggestion {
                    out.push_str(&format!(" (did you mean `{suggestion}`?)"));
                }
                out.push('\n');
            }
            Ok((entry, evaluated)) => {
                out.push_str(&format!(": {}\n", map_line_text(policy, entry)));
                for line in holders_lines(policy, evaluated) {
                    out.push_str(&format!("  {line}\n"));
                }
                if let Some(zones) = evaluated.to_do(policy) {
                    let names: Vec<&str> = zones
                        .iter()
                        .map(|&z| policy.zones[z].name.as_str())
                        .collect();
                    out.push_str(&match names.is_empty() {
                        true => "  to do: nothing the customer must turn on\n".to_string(),
                        false => format!("  to do: {}\n", names.join(", ")),
                    });
                }
            }
        }
    }
    let summary = summary(policy, inventories, answers, provider_somewhere);
    out.push_str(&format!(
        "\n{}: {} mapped, {} unmapped{}\n",
        counted(summary.resources, "resource", "resources"),
        summary.mapped,
        summary.unmapped,
        match summary.data_sources {
            0 => String::new(),
            n => format!(" ({} left out)", counted(n, "data source", "data sources")),
        }
    ));
    let parties: Vec<&str> = policy.parties.iter().map(|p| p.name.as_str()).collect();
    let mut header: Vec<String> = vec!["Zone".into()];
    header.extend(parties.iter().map(|p| p.to_string()));
    header.extend(["conflict".into(), "depends".into(), "undecided".into()]);
    let mut counts = text_table(header);
    for zone in &summary.zones {
        let mut cells = vec![zone.label.to_string()];
        cells.extend(
            parties
                .iter()
                .map(|p| zone.holders.get(p).copied().unwrap_or(0).to_string()),
        );
        cells.extend([zone.conflicts, zone.depends, zone.undecided].map(|n| n.to_string()));
        counts.add_row(cells);
    }
    out.push_str(&trimmed(&counts));
    if !summary.customer_holds.is_empty() {
        out.push_str(
            "\nThe customer holds alone, where the provider holds or shares it elsewhere in the policy:\n",
        );
        for held in &summary.customer_holds {
            out.push_str(&format!("  {}: {}\n", held.zone, held.resources.join(", ")));
        }
    }
    if !summary.unmapped_types.is_empty() {
        out.push_str("\nUnmapped types:\n");
        for (resource_type, count) in &summary.unmapped_types {
            out.push_str(&format!("  {resource_type}: {count}\n"));
        }
    }
    out
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `customer: data, os`, `provider: hosts`, one line a holder, then with an
/// open dimension each zone that depends on it and how.
fn holders_lines(policy: &Policy, evaluated: &Evaluated) -> Vec<String> {
    let mut by_holder: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut depends = Vec::new();
    match evaluated {
        Evaluated::Complete(decisions) => {
            for d in decisions {
                let name = match d.party {
                    Some(p) => policy.parties[p].display().to_string(),
                    None => "CONFLICT".to_string(),
                };
                by_holder
                    .entry(name)
                    .or_default()
                    .push(&policy.zones[d.zone].name);
            }
        }
        Evaluated::Partial(answers) => {
            for a in answers {
                match &a.cases {
                    Some(cases) if cases.len() == 1 => {
                        let name = match party_name(policy, &cases[0].holder) {
                            Some(n) => policy
                                .parties
                                .iter()
                                .find(|p| p.name == n)
                                .map_or(n.to_string(), |p| p.display().to_string()),
                            None => "CONFLICT".to_string(),
                        };
                        by_holder
                            .entry(name)
                            .or_default()
                            .push(&policy.zones[a.zone].name);
                    }
                    Some(cases) => {
                        let how: Vec<String> = (cases.iter())
                            .map(|c| {
                                let holder = holder_display(policy, &c.holder);
                                match &c.when {
                                    Some(when) => {
                                        format!("{holder} when {}", describe(policy, when))
                                    }
                                    None => holder.to_string(),
                                }
                            })
                            .collect();
                        depends.push(format!(
                            "{}: depends: {}",
                            policy.zones[a.zone].name,
                            how.join("; ")
                        ));
                    }
                    None => depends.push(format!(
                        "{}: UNDECIDED (analysis limit)",
                        policy.zones[a.zone].name
                    )),
                }
            }
        }
    }
    let mut lines: Vec<String> = by_holder
        .into_iter()
        .map(|(holder, zones)| format!("{holder}: {}", zones.join(", ")))
        .collect();
    lines.extend(depends);
    lines
}

/// A cell's background: the holder's fill, both halves for `shared`, grey
/// where it depends on an open dimension.
fn cell_style(party: Option<crate::model::policy::PartyId>) -> String {
    use super::diagram::{fill, CONFLICT_FILL, CUSTOMER_FILL, PROVIDER_FILL};
    match party {
        Some(crate::model::policy::SHARED) => {
            format!("background: linear-gradient(135deg, {PROVIDER_FILL} 50%, {CUSTOMER_FILL} 50%)")
        }
        Some(p) => format!("background: {}", fill(p)),
        None => format!("background: {CONFLICT_FILL}"),
    }
}

/// `onus estate --format html`: one self-contained page in the diagram
/// page's style: the summary, then every resource as a row of zones, each
/// cell filled by its holder and saying who (colour is never the only
/// cue; a cell's title holds its deciding rules or its cases). Fetches
/// nothing.
pub fn html(
    policy: &Policy,
    inventories: &[Inventory],
    answers: &[ResourceAnswer],
    provider_somewhere: &[bool],
) -> String {
    let title = format!("{}: estate", heading(policy));
    let mut out = html_page_start(&title);
    out.push_str(&html_estate(
        policy,
        inventories,
        answers,
        provider_somewhere,
        1,
    ));
    out.push_str("</body>\n</html>\n");
    out
}

/// An HTML page's start, its styles, and the body's opening tag.
fn html_page_start(title: &str) -> String {
    let title = super::diagram::escape_html(title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n"
    );
    out.push_str("<style>\nbody { font-family: sans-serif; margin: 2em; color: #1a1a1a; }\ntable { border-collapse: collapse; margin-top: 1em; }\nth, td { border: 1px solid #999; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }\ntd.holder { font-size: 0.85em; white-space: nowrap; }\ntd.open { background: #e0e0e0; }\ncode { font-size: 0.9em; }\n</style>\n</head>\n<body>\n");
    out
}

/// The inventories read, a list item each: name, format and size.
fn html_inventory_list(inventories: &[Inventory]) -> String {
    use super::diagram::escape_html as e;
    let mut out = String::from("<ul>\n");
    for inventory in inventories {
        out.push_str(&format!(
            "<li><code>{}</code>: {}, {}</li>\n",
            e(&inventory.name),
            inventory.format.name(),
            counted(inventory.resources.len(), "resource", "resources")
        ));
    }
    out.push_str("</ul>\n");
    out
}

/// One policy's estate in HTML: its heading at `level` (1 for `<h1>`), its
/// inventories, summary and resources, their headings a level below.
fn html_estate(
    policy: &Policy,
    inventories: &[Inventory],
    answers: &[ResourceAnswer],
    provider_somewhere: &[bool],
    level: u8,
) -> String {
    use super::diagram::escape_html as e;
    let (h, sub) = (level, level + 1);
    let title = e(&format!("{}: estate", heading(policy)));
    let mut out = String::new();
    out.push_str(&format!("<h{h}>{title}</h{h}>\n"));
    out.push_str(&html_inventory_list(inventories));
    let summary = summary(policy, inventories, answers, provider_somewhere);
    out.push_str(&format!(
        "<h{sub}>Summary</h{sub}>\n<p>{}: {} mapped, {} unmapped.</p>\n<table>\n<thead><tr><th>Zone</th>",
        counted(summary.resources, "resource", "resources"),
        summary.mapped,
        summary.unmapped
    ));
    for party in &policy.parties {
        out.push_str(&format!("<th>{}</th>", e(party.display())));
    }
    out.push_str("<th>conflict</th><th>depends</th><th>undecided</th></tr></thead>\n<tbody>\n");
    for zone in &summary.zones {
        out.push_str(&format!("<tr><td>{}</td>", e(zone.label)));
        for party in &policy.parties {
            let count = zone.holders.get(party.name.as_str()).copied().unwrap_or(0);
            out.push_str(&format!("<td>{count}</td>"));
        }
        out.push_str(&format!(
            "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
            zone.conflicts, zone.depends, zone.undecided
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    if !summary.customer_holds.is_empty() {
        out.push_str(&format!("<h{sub}>The customer holds alone, where the provider holds or shares it elsewhere</h{sub}>\n<ul>\n"));
        for held in &summary.customer_holds {
            let resources: Vec<String> = held
                .resources
                .iter()
                .map(|r| format!("<code>{}</code>", e(r)))
                .collect();
            out.push_str(&format!(
                "<li>{}: {}</li>\n",
                e(held.zone),
                resources.join(", ")
            ));
        }
        out.push_str("</ul>\n");
    }
    if policy.marks_enabled_by_default() {
        out.push_str(&format!(
            "<h{sub}>To do: what the customer holds and the service does not turn on by itself</h{sub}>\n<ul>\n"
        ));
        for answer in answers {
            let Ok((_, evaluated)) = &answer.answer else {
                continue;
            };
            let Some(zones) = evaluated.to_do(policy) else {
                continue;
            };
            let labels: Vec<String> = (zones.iter())
                .map(|&z| e(policy.zones[z].display()))
                .collect();
            out.push_str(&format!(
                "<li><code>{}</code>: {}</li>\n",
                e(&answer.resource.address),
                match labels.is_empty() {
                    true => "nothing".to_string(),
                    false => labels.join("; "),
                }
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        &format!("<h{sub}>Resources</h{sub}>\n<table>\n<thead><tr><th>Resource</th><th>Type</th><th>Scenario</th>"),
    );
    for zone in &policy.zones {
        out.push_str(&format!("<th>{}</th>", e(zone.display())));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for answer in answers {
        let resource = &answer.resource;
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td>",
            e(&resource.address),
            e(&resource.resource_type)
        ));
        let (entry, evaluated) = match &answer.answer {
            Ok(found) => found,
            Err(suggestion) => {
                let hint = suggestion.as_ref().map_or(String::new(), |s| {
                    format!(" (did you mean <code>{}</code>?)", e(s))
                });
                out.push_str(&format!(
                    "<td colspan=\"{}\">unmapped{hint}</td></tr>\n",
                    policy.zones.len() + 1
                ));
                continue;
            }
        };
        out.push_str(&format!("<td>{}</td>", e(&map_line_text(policy, entry))));
        match evaluated.as_ref() {
            Evaluated::Complete(decisions) => {
                for d in decisions {
                    let why = rule_lines(policy, &d.rules);
                    let why = if why.is_empty() {
                        "the default".to_string()
                    } else {
                        format!("rules at lines {why}")
                    };
                    let who = d.party.map_or("CONFLICT", |p| policy.parties[p].display());
                    out.push_str(&format!(
                        "<td class=\"holder\" style=\"{}\" title=\"{}\">{}</td>",
                        cell_style(d.party),
                        e(&why),
                        e(who)
                    ));
                }
            }
            Evaluated::Partial(partial) => {
                for a in partial.iter() {
                    match &a.cases {
                        Some(cases) if cases.len() == 1 => {
                            let party = cases[0].holder.party(policy);
                            let id = party.and_then(|p| {
                                policy.parties.iter().position(|q| std::ptr::eq(q, p))
                            });
                            out.push_str(&format!(
                                "<td class=\"holder\" style=\"{}\">{}</td>",
                                cell_style(id),
                                e(holder_display(policy, &cases[0].holder))
                            ));
                        }
                        Some(cases) => {
                            let how: Vec<String> = (cases.iter())
                                .map(|c| {
                                    let when = c
                                        .when
                                        .as_ref()
                                        .map_or("(too complex to describe)".to_string(), |w| {
                                            describe(policy, w)
                                        });
                                    format!("{} when {when}", holder_display(policy, &c.holder))
                                })
                                .collect();
                            out.push_str(&format!(
                                "<td class=\"holder open\" title=\"{}\">depends</td>",
                                e(&how.join("; "))
                            ));
                        }
                        None => out.push_str("<td class=\"holder open\">undecided</td>"),
                    }
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if !summary.unmapped_types.is_empty() {
        out.push_str(&format!("<h{sub}>Unmapped types</h{sub}>\n<ul>\n"));
        for (resource_type, count) in &summary.unmapped_types {
            out.push_str(&format!(
                "<li><code>{}</code>: {count}</li>\n",
                e(resource_type)
            ));
        }
        out.push_str("</ul>\n");
    }
    out
}

/// The NDJSON records of a streamed estate (`estate --format ndjson` over
/// NDJSON input): each resource's record is `{"address":A,"type":T,`
/// followed by its answer's bytes, encoded once a type.
#[derive(Debug)]
pub struct NdjsonSink<W: std::io::Write> {
    output: std::io::BufWriter<W>,
}

impl<W: std::io::Write> NdjsonSink<W> {
    /// Writes to `output` through a 64 KiB buffer.
    pub fn new(output: W) -> Self {
        NdjsonSink {
            output: std::io::BufWriter::with_capacity(1 << 16, output),
        }
    }
}

impl<W: std::io::Write> EstateSink for NdjsonSink<W> {
    type Encoded = String;

    fn encode(&mut self, policy: &Policy, answer: &ResourceAnswer) -> String {
        let json = serde_json::to_string(&resource_json(policy, answer)).expect("JSON of strings");
        json.strip_prefix(r#"{"address":"","type":"","#)
            .expect("address and type come first")
            .to_string()
    }

    fn resource(
        &mut self,
        address: &str,
        resource_type: &str,
        tail: &String,
    ) -> std::io::Result<()> {
        let output = &mut self.output;
        output.write_all(br#"{"address":"#)?;
        serde_json::to_writer(&mut *output, address)?;
        output.write_all(br#","type":"#)?;
        serde_json::to_writer(&mut *output, resource_type)?;
        output.write_all(b",")?;
        output.write_all(tail.as_bytes())?;
        output.write_all(b"\n")
    }

    fn line_error(&mut self, line: u64, reason: &str) -> std::io::Result<()> {
        let record = LineErrorJson {
            line,
            error: reason,
        };
        serde_json::to_writer(&mut self.output, &record)?;
        self.output.write_all(b"\n")
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.output.flush()
    }
}

/// One policy's part of an estate that several policies answer: its
/// resources, in the inventories' order, and what the summary needs.
#[derive(Debug)]
pub struct EstatePart<'a> {
    /// The policy whose resource maps know these resources.
    pub policy: &'a Policy,
    /// The inventories, each holding only this policy's resources.
    pub inventories: &'a [Inventory],
    /// Each resource's answer under the policy.
    pub answers: &'a [ResourceAnswer<'a>],
    /// Which zones the provider holds or shares somewhere in the policy
    /// (`estate::provider_somewhere`), for the summary.
    pub provider_somewhere: &'a [bool],
}

/// An estate that several policies answer: every inventory read, each
/// policy's part, and the resources no policy's map knows.
#[derive(Debug)]
pub struct Estates<'a> {
    /// Every inventory, whole, in the order given.
    pub inventories: &'a [Inventory],
    /// Each answering policy's part, in routing order.
    pub parts: Vec<EstatePart<'a>>,
    /// The resources no policy's map knows, in written order.
    pub unmapped: &'a [ResourceAnswer<'a>],
}

impl Estates<'_> {
    /// Terraform data sources read and left out, over every inventory.
    fn data_sources(&self) -> usize {
        self.inventories.iter().map(|i| i.data_sources).sum()
    }
}

/// `onus estate --format json` over several policies: every inventory,
/// each policy's estate as one policy's document has it, then the
/// resources no policy's map knows.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstatesOutput")]
pub struct EstatesJson<'a> {
    pub inventories: Vec<InventoryJson<'a>>,
    pub estates: Vec<EstateJson<'a>>,
    pub unmapped: Vec<ResourceJson<'a>>,
    /// Terraform data sources read and left out, over every inventory.
    pub data_sources: usize,
}

/// An inventory as the JSON documents list it.
fn inventory_json(inventory: &Inventory) -> InventoryJson<'_> {
    InventoryJson {
        name: &inventory.name,
        format: inventory.format.name(),
        resources: inventory.resources.len(),
    }
}

/// The record of a resource no map knows.
fn unmapped_json<'a>(answer: &'a ResourceAnswer) -> ResourceJson<'a> {
    let resource = &answer.resource;
    ResourceJson {
        policy: None,
        address: &resource.address,
        resource_type: &resource.resource_type,
        mapped: false,
        suggestion: answer.answer.as_ref().err().and_then(|s| s.as_deref()),
        scenario: None,
        open: None,
        decisions: None,
        partial: None,
        to_do: None,
    }
}

/// `onus estate --format table` over several policies: each policy's
/// estate as one policy's table has it, then the resources no policy's
/// map knows.
pub fn parts_table(estates: &Estates) -> String {
    let mut out = String::new();
    for inventory in estates.inventories {
        out.push_str(&format!(
            "inventory: {} ({}, {})\n",
            inventory.name,
            inventory.format.name(),
            counted(inventory.resources.len(), "resource", "resources")
        ));
    }
    for p in &estates.parts {
        out.push('\n');
        out.push_str(&table(
            p.policy,
            p.inventories,
            p.answers,
            p.provider_somewhere,
        ));
    }
    let (unmapped, data_sources) = (estates.unmapped, estates.data_sources());
    if !unmapped.is_empty() {
        out.push('\n');
        out.push_str(&format!(
            "known to no policy's resource map: {}\n",
            counted(unmapped.len(), "resource", "resources")
        ));
        for answer in unmapped {
            let resource = &answer.resource;
            out.push_str(&format!(
                "  {} ({})",
                resource.address, resource.resource_type
            ));
            if let Err(Some(suggestion)) = &answer.answer {
                out.push_str(&format!(" (did you mean `{suggestion}`?)"));
            }
            out.push('\n');
        }
    }
    if data_sources > 0 {
        out.push_str(&format!("{}\n", data_sources_left_out(data_sources)));
    }
    out
}

/// `onus estate --format json` over several policies.
pub fn parts_json(estates: &Estates) -> String {
    super::to_json(&EstatesJson {
        inventories: estates.inventories.iter().map(inventory_json).collect(),
        estates: (estates.parts.iter())
            .map(|p| document(p.policy, p.inventories, p.answers, p.provider_somewhere))
            .collect(),
        unmapped: estates.unmapped.iter().map(unmapped_json).collect(),
        data_sources: estates.data_sources(),
    })
}

/// `onus estate --format ndjson` over several policies: one record a
/// resource in the inventories' order, each naming the policy that answers
/// it (`None`: no policy's map knows it).
pub fn parts_ndjson(records: &[(Option<&Policy>, &ResourceAnswer)]) -> String {
    let mut out = String::new();
    for (policy, answer) in records {
        let json = match policy {
            Some(policy) => ResourceJson {
                policy: Some(&policy.name),
                ..resource_json(policy, answer)
            },
            None => unmapped_json(answer),
        };
        out.push_str(&serde_json::to_string(&json).expect("JSON of strings"));
        out.push('\n');
    }
    out
}

/// `onus estate --format csv` over several policies: a `policy` column
/// first, each policy's rows as one policy's CSV has them, then the
/// resources no policy's map knows.
pub fn parts_csv(estates: &Estates) -> String {
    let (parts, unmapped) = (&estates.parts, estates.unmapped);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["policy"];
    header.extend(CSV_HEADER);
    writer.write_record(header).expect("writing to memory");
    for part in parts {
        csv_rows(part.policy, part.answers, |row| {
            let mut record = vec![part.policy.name.as_str()];
            record.extend(row);
            writer.write_record(record).expect("writing to memory")
        });
    }
    for answer in unmapped {
        let resource = &answer.resource;
        let (address, kind) = (resource.address.as_str(), resource.resource_type.as_str());
        let row = ["", address, kind, "", "", "", "unmapped", ""];
        writer.write_record(row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of strings")
}

/// `onus estate --format html` over several policies: one page, each
/// policy's estate in a section of its own, then the resources no policy's
/// map knows.
pub fn parts_html(estates: &Estates) -> String {
    use super::diagram::escape_html as e;
    let (parts, unmapped, data_sources) =
        (&estates.parts, estates.unmapped, estates.data_sources());
    let resources: usize = parts.iter().map(|p| p.answers.len()).sum::<usize>() + unmapped.len();
    let title = format!(
        "estate: {} under {}",
        counted(resources, "resource", "resources"),
        counted(parts.len(), "policy", "policies")
    );
    let mut out = html_page_start(&title);
    out.push_str(&format!("<h1>{}</h1>\n", e(&title)));
    out.push_str(&html_inventory_list(estates.inventories));
    for part in parts {
        out.push_str("<section>\n");
        let (inventories, answers) = (part.inventories, part.answers);
        out.push_str(&html_estate(
            part.policy,
            inventories,
            answers,
            part.provider_somewhere,
            2,
        ));
        out.push_str("</section>\n");
    }
    if !unmapped.is_empty() {
        out.push_str("<section>\n<h2>Known to no policy's resource map</h2>\n<ul>\n");
        for answer in unmapped {
            let resource = &answer.resource;
            let hint = match &answer.answer {
                Err(Some(s)) => format!(" (did you mean <code>{}</code>?)", e(s)),
                _ => String::new(),
            };
            out.push_str(&format!(
                "<li><code>{}</code> (<code>{}</code>){hint}</li>\n",
                e(&resource.address),
                e(&resource.resource_type)
            ));
        }
        out.push_str("</ul>\n</section>\n");
    }
    if data_sources > 0 {
        out.push_str(&format!(
            "<p>{}.</p>\n",
            data_sources_left_out(data_sources)
        ));
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// `3 Terraform data sources read and left out`, for an estate that
/// several policies answer.
fn data_sources_left_out(n: usize) -> String {
    let counted = counted(n, "Terraform data source", "Terraform data sources");
    format!("{counted} read and left out")
}
