//! Results to text: tables, Markdown, CSV, JSON, the diagram, estates and
//! compliance documents. Pure functions from results to strings (and
//! `NdjsonSink`, which writes a streamed estate's records to the writer it
//! is given); front ends decide where the strings go. The diagnostics'
//! renderers live beside `Diagnostic`, in the diagnostic layer.
//!
//! May import: `base`, `diagnostic`, `syntax`, `model`, `engine`,
//! `compliance`, `estate`.

pub(crate) mod compare;
pub(crate) mod decisions;
pub(crate) mod diagram;
pub(crate) mod diff;
pub(crate) mod estate;
mod export;
pub(crate) mod matrix;
pub(crate) mod partial;
pub(crate) mod test_run;

pub use crate::base::text::terminal_safe;
pub use crate::compliance::grids::{fedramp_control_id, CAIQ_COLUMNS, CRM_COLUMNS};
pub use crate::compliance::oscal::{ExportOptions, DEFAULT_PROFILE, OSCAL_VERSION};
pub use crate::diagnostic::render::{
    json_document as diagnostics_json, text as diagnostics_text, Colour,
};
pub use crate::diagnostic::sarif::sarif;
pub use decisions::{
    decision_bytes, explain as eval_explained, json as eval_json, table as eval_table,
    DecisionFields, Detail,
};
pub use diagram::{html as matrix_html, svg as matrix_svg};
pub use diff::{
    policies_json as diff_policies_json, policies_text as diff_policies_text,
    scenarios_json as diff_scenarios_json, scenarios_text as diff_scenarios_text,
};
pub use estate::{
    csv as estate_csv, html as estate_html, json as estate_json, ndjson as estate_ndjson,
    parts_csv as estates_csv, parts_html as estates_html, parts_json as estates_json,
    parts_ndjson as estates_ndjson, parts_table as estates_table, table as estate_table,
    EstatePart, Estates,
};
pub use export::{grid_csv, grid_xlsx, oscal_component_definition, oscal_customer, oscal_provider};
pub use matrix::{
    csv as matrix_csv, json as matrix_json, markdown as matrix_markdown, table as matrix_table,
};
pub use partial::{json as partial_json, table as partial_table};
pub use test_run::{json as tests_json, text as tests_text, CoverageListing, FileRun, TestReport};

use comfy_table::{ContentArrangement, Table};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::model::policy::{Policy, Scenario};

/// A scenario as a JSON object in dimension order.
#[derive(Debug)]
pub struct ScenarioJson<'a>(pub &'a Policy, pub &'a Scenario);

impl schemars::JsonSchema for ScenarioJson<'_> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scenario".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::diagnostic::render::scenario_schema(generator)
    }
}

impl Serialize for ScenarioJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.1.values.len()))?;
        for (dimension, value) in self.0.scenario_pairs(self.1) {
            map.serialize_entry(dimension, value)?;
        }
        map.end()
    }
}

/// Some of a policy's dimensions with a value each, as a JSON object in
/// declaration order (a JSON object's order is otherwise its reader's).
#[derive(Debug)]
pub struct DimensionsJson<'a, V>(pub Vec<(&'a str, V)>);

impl<V: schemars::JsonSchema> schemars::JsonSchema for DimensionsJson<'_, V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Dimensions_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<V>();
        schemars::json_schema!({
            "description": "Dimensions of the policy, in declaration order.",
            "type": "object",
            "additionalProperties": value
        })
    }
}

impl<V: Serialize> Serialize for DimensionsJson<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (dimension, value) in &self.0 {
            map.serialize_entry(dimension, value)?;
        }
        map.end()
    }
}

/// No borders; one rule under the header.
const PLAIN_TABLE: &str = "     ──            ";

/// A table for a terminal, laid out the same whatever the terminal's width.
fn text_table(header: Vec<String>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(PLAIN_TABLE)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    table
}

/// A rendered table without the padding at the end of each line.
fn trimmed(table: &Table) -> String {
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The policy's title and how it was named, for the line above a table.
fn heading(policy: &Policy) -> String {
    match &policy.title {
        Some(title) => format!("{title} ({})", policy.name),
        None => policy.name.clone(),
    }
}

pub use crate::base::text::to_json;
