//! `onus matrix` output: zones as rows, the values of one dimension as
//! columns.

use comfy_table::presets;
use serde::Serialize;

use super::decisions::{holder, outcome_json, OutcomeJson};
use super::{heading, text_table, trimmed, ScenarioJson};
use crate::engine::eval::Matrix;
use crate::model::answers::Decision;
use crate::model::policy::Policy;

/// The scenario's other dimensions, as shown above a matrix.
pub(super) fn fixed_text(policy: &Policy, matrix: &Matrix) -> Option<String> {
    if policy.dimensions.len() == 1 {
        return None;
    }
    let mut others = matrix.base.clone();
    others.values.remove(matrix.over);
    let mut reduced = policy.clone();
    reduced.dimensions.remove(matrix.over);
    Some(reduced.scenario_text(&others, " "))
}

fn rows(policy: &Policy, matrix: &Matrix) -> Vec<Vec<String>> {
    (0..policy.zones.len())
        .map(|zone| {
            let mut row = vec![policy.zones[zone].display().to_string()];
            row.extend(
                matrix
                    .columns
                    .iter()
                    .map(|column| holder(policy, &column[zone])),
            );
            row
        })
        .collect()
}

fn header(policy: &Policy, matrix: &Matrix) -> Vec<String> {
    let mut header = vec!["Zone".to_string()];
    header.extend(matrix.column_names(policy).into_iter().map(str::to_string));
    header
}

/// The matrix as a table for a terminal.
pub fn table(policy: &Policy, matrix: &Matrix) -> String {
    let mut table = text_table(header(policy, matrix));
    for row in rows(policy, matrix) {
        table.add_row(row);
    }
    let mut out = heading(policy);
    if let Some(fixed) = fixed_text(policy, matrix) {
        out.push_str(&format!("\nwith: {fixed}"));
    }
    out.push_str("\n\n");
    out.push_str(&trimmed(&table));
    out
}

/// Text that reads as itself in a Markdown table cell.
fn markdown_cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The matrix as a Markdown table, with a heading.
pub fn markdown(policy: &Policy, matrix: &Matrix) -> String {
    let escape = |row: Vec<String>| row.iter().map(|c| markdown_cell(c)).collect::<Vec<_>>();
    let mut table = text_table(escape(header(policy, matrix)));
    table.load_preset(presets::ASCII_MARKDOWN);
    for row in rows(policy, matrix) {
        table.add_row(escape(row));
    }
    let mut out = format!("## {}\n\n", markdown_cell(&heading(policy)));
    if let Some(fixed) = fixed_text(policy, matrix) {
        out.push_str(&format!("With `{fixed}`.\n\n"));
    }
    out.push_str(&trimmed(&table));
    out
}

/// CSV: a `zone` column of zone names, a `label` column, then one column per
/// value holding the party's name, or `conflict`.
pub fn csv(policy: &Policy, matrix: &Matrix) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["zone", "label"];
    header.extend(matrix.column_names(policy));
    let io = "writing CSV to memory cannot fail";
    writer.write_record(&header).expect(io);
    for (zone, z) in policy.zones.iter().enumerate() {
        let mut record = vec![z.name.as_str(), z.display()];
        record.extend(matrix.columns.iter().map(|column| {
            column[zone]
                .party
                .map_or("conflict", |p| policy.parties[p].name.as_str())
        }));
        writer.write_record(&record).expect(io);
    }
    String::from_utf8(writer.into_inner().expect(io)).expect("CSV of UTF-8 fields is UTF-8")
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MatrixOutput")]
pub struct MatrixJson<'a> {
    pub policy: &'a str,
    pub title: Option<&'a str>,
    /// The dimension the columns vary.
    pub over: &'a str,
    pub columns: Vec<&'a str>,
    /// The full scenario of the first column; the others differ only in `over`.
    pub scenario: ScenarioJson<'a>,
    pub rows: Vec<RowJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MatrixRow")]
pub struct RowJson<'a> {
    pub zone: &'a str,
    pub label: &'a str,
    pub cells: Vec<CellJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MatrixCell")]
pub struct CellJson<'a> {
    pub value: &'a str,
    #[serde(flatten)]
    pub outcome: OutcomeJson<'a>,
}

fn cell<'a>(policy: &'a Policy, value: &'a str, decision: &Decision) -> CellJson<'a> {
    CellJson {
        value,
        outcome: outcome_json(policy, decision),
    }
}

/// `onus matrix --format json`.
pub fn json(policy: &Policy, matrix: &Matrix) -> String {
    let mut first = matrix.base.clone();
    first.values[matrix.over] = matrix.values.first().copied().unwrap_or(0);
    let values = matrix.column_names(policy);
    super::to_json(&MatrixJson {
        policy: &policy.name,
        title: policy.title.as_deref(),
        over: &policy.dimensions[matrix.over].name,
        columns: values.clone(),
        scenario: ScenarioJson(policy, &first),
        rows: policy
            .zones
            .iter()
            .enumerate()
            .map(|(zone, z)| RowJson {
                zone: &z.name,
                label: z.display(),
                cells: values
                    .iter()
                    .zip(&matrix.columns)
                    .map(|(&value, column)| cell(policy, value, &column[zone]))
                    .collect(),
            })
            .collect(),
    })
}
