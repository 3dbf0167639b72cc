//! JSON Schemas for scenario input and for every JSON output, generated from
//! the types that write them, so a schema cannot drift from its output.

use schemars::{schema_for, JsonSchema};

use crate::command::batch::{ErrorJson, ResultJson};
use crate::diagnostic::render::CheckJson;
use crate::model::policy::Policy;
use crate::render::compare::CompareJson;
use crate::render::decisions::EvalJson;
use crate::render::diff::{PoliciesJson, ScenariosJson};
use crate::render::estate::{EstateJson, EstatesJson, LineErrorJson, ResourceJson};
use crate::render::matrix::MatrixJson;
use crate::render::partial::PartialJson;
use crate::render::test_run::TestsJson;
use crate::render::DecisionFields;

/// The schemas `onus schema` prints, by name.
pub const NAMES: [&str; 12] = [
    "scenario",
    "eval",
    "partial",
    "batch-record",
    "matrix",
    "check",
    "diff",
    "test",
    "estate",
    "estate-record",
    "estates",
    "compare",
];

/// One line of `onus eval --batch` output: a result or an error record.
#[derive(JsonSchema)]
#[schemars(rename = "BatchRecord")]
#[serde(untagged)]
#[allow(dead_code)]
enum BatchRecordJson<'a> {
    Result(ResultJson<'a>),
    Error(ErrorJson<'a>),
}

/// One line of `onus estate --format ndjson`: a resource, or the error
/// record of an NDJSON inventory line that is not one.
#[derive(JsonSchema)]
#[schemars(rename = "EstateRecord")]
#[serde(untagged)]
#[allow(dead_code)]
enum EstateRecordJson<'a> {
    Resource(ResourceJson<'a>),
    Error(LineErrorJson<'a>),
}

/// `onus diff --format json`: between two scenarios, or two policies.
#[derive(JsonSchema)]
#[schemars(rename = "DiffOutput")]
#[serde(untagged)]
#[allow(dead_code)]
enum DiffJson<'a> {
    Scenarios(ScenariosJson<'a>),
    Policies(PoliciesJson<'a>),
}

/// The named schema as pretty JSON; `None` for an unknown name.
pub fn schema(name: &str) -> Option<String> {
    let mut schema = match name {
        "scenario" => return Some(crate::render::to_json(&generic_scenario())),
        "eval" => schema_for!(EvalJson<'static>),
        "partial" => schema_for!(PartialJson<'static>),
        "batch-record" => schema_for!(BatchRecordJson<'static>),
        "matrix" => schema_for!(MatrixJson<'static>),
        "check" => schema_for!(CheckJson<'static>),
        "diff" => schema_for!(DiffJson<'static>),
        "test" => schema_for!(TestsJson<'static>),
        "estate" => schema_for!(EstateJson<'static>),
        "estate-record" => schema_for!(EstateRecordJson<'static>),
        "estates" => schema_for!(EstatesJson<'static>),
        "compare" => schema_for!(CompareJson<'static>),
        _ => return None,
    };
    schema.insert("$id".into(), format!("onus/{name}.json").into());
    Some(crate::render::to_json(&schema))
}

/// The records of `eval --batch --fields ...`: the batch-record schema
/// with each decision cut to its zone and the chosen fields, all of which
/// are then always written (so, unlike the full schema, they are required
/// and nothing else is allowed), under an `$id` of its own.
pub fn batch_record(fields: DecisionFields) -> String {
    let full = schema("batch-record").expect("a known schema");
    if fields == DecisionFields::ALL {
        return full;
    }
    let mut schema: serde_json::Value = serde_json::from_str(&full).expect("schemas are JSON");
    let decision = &mut schema["$defs"]["Decision"];
    let properties = decision["properties"]
        .as_object_mut()
        .expect("a decision has properties");
    // `enabled_by_default` travels with the rules it describes.
    let kept = |name: &str| match name {
        "zone" => true,
        "enabled_by_default" => fields.has("rules"),
        name => fields.has(name),
    };
    properties.retain(|name, _| kept(name));
    let mut required = vec!["zone"];
    required.extend(DecisionFields::NAMES.iter().filter(|name| fields.has(name)));
    decision["required"] = serde_json::json!(required);
    decision["additionalProperties"] = false.into();
    let chosen = required[1..].join(",");
    schema["description"] = format!("One line of `onus eval --batch --fields {chosen}`.").into();
    schema["$id"] = format!("onus/batch-record.{}.json", required[1..].join("-")).into();
    crate::render::to_json(&schema)
}

/// Scenario input for any policy: an object of strings, with an optional
/// `id` echoed in the answer.
fn generic_scenario() -> serde_json::Value {
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "onus/scenario.json",
        "title": "Scenario",
        "description": "A workload: one value for every dimension of the policy. An optional \"id\" travels to the answer, byte for byte: a string, a number (whole numbers within ±(2^53−1)), true, false, null, or an array or object of those (each key once, no raw control or bidirectional characters).",
        "type": "object",
        "properties": { "id": {} },
        "additionalProperties": { "type": "string" }
    })
}

/// Scenario input for one policy: its dimensions, their allowed values, and
/// which are required (a dimension with one value may be left out).
pub fn scenario_for(policy: &Policy) -> String {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "id".into(),
        serde_json::json!({ "description": "travels to the answer, byte for byte: a string, a number (whole numbers within ±(2^53−1)), true, false, null, or an array or object of those" }),
    );
    let mut required = Vec::new();
    for dimension in &policy.dimensions {
        properties.insert(
            dimension.name.clone(),
            serde_json::json!({ "enum": dimension.values }),
        );
        if dimension.values.len() > 1 {
            required.push(dimension.name.clone());
        }
    }
    crate::render::to_json(&serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("Scenario for {}", policy.name),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    }))
}
