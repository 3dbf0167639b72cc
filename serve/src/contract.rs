//! The OpenAPI document, exact for what is served: `serve/openapi.json`
//! with the CLI's own JSON Schemas as components, and each
//! `/v1/policies/{name}/...` operation written out once per served policy,
//! its scenario, settings and values that policy's own, so that a request
//! the document calls valid is one the service answers (schemathesis
//! checks both ways in CI: `serve/tests/contract/`).

use serde_json::{json, Value};

use crate::policies::Policies;

/// The schemas of the CLI's JSON the document refers to, by `onus schema`
/// name.
const SCHEMAS: [&str; 5] = ["check", "eval", "matrix", "scenario", "batch-record"];

/// The file declares each guarded operation's token as optional and its
/// 401: with tokens, the token is required; without, neither is said.
fn require_tokens(document: &mut Value, tokens: bool) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for operation in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in operation.values_mut().filter_map(Value::as_object_mut) {
            if !operation.contains_key("security") {
                continue;
            }
            if tokens {
                operation.insert("security".to_string(), json!([{"bearer": []}]));
            } else {
                operation.remove("security");
                if let Some(responses) = operation["responses"].as_object_mut() {
                    responses.remove("401");
                }
            }
        }
    }
}

/// The document for the policies served now, written once a set;
/// `tokens` when a bearer token is required.
pub fn document(policies: &Policies, tokens: bool) -> &str {
    policies.document.get_or_init(|| write(policies, tokens))
}

fn write(policies: &Policies, tokens: bool) -> String {
    let mut document: Value =
        serde_json::from_str(include_str!("../openapi.json")).expect("openapi.json is JSON");
    require_tokens(&mut document, tokens);
    for name in SCHEMAS {
        let text = onus::schema(name).expect("a schema the CLI has");
        let mut schema: Value = serde_json::from_str(&text).expect("schemas are JSON");
        if let Some(object) = schema.as_object_mut() {
            // Its own id would make its references relative to it.
            object.remove("$id");
        }
        rebase(&mut schema, &format!("#/components/schemas/{name}"));
        document["components"]["schemas"][name] = schema;
    }
    document["components"]["schemas"]["Id"] = id_schema();
    let paths = document["paths"].as_object_mut().expect("paths");
    let templates: Vec<(String, Value)> = (paths.iter())
        .filter(|(path, _)| path.starts_with("/v1/policies/{name}"))
        .map(|(path, item)| (path.clone(), item.clone()))
        .collect();
    for (path, _) in &templates {
        paths.remove(path);
    }
    let mut suffixes = std::collections::BTreeSet::new();
    for (index, entry) in policies.entries.iter().enumerate() {
        // Operation ids must differ: `a-b` and `a_b` would not.
        let mut suffix = entry
            .name
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        if !suffixes.insert(suffix.clone()) {
            suffix = format!("{suffix}_{index}");
            suffixes.insert(suffix.clone());
        }
        for (path, item) in &templates {
            let concrete = path.replace("{name}", &path_segment(&entry.name));
            paths.insert(concrete, for_policy(item, path, &suffix, &entry.policy));
        }
    }
    serde_json::to_string_pretty(&document).expect("JSON") + "\n"
}

/// A policy's name as a path segment: every byte but the unreserved ones
/// escaped, so a file stem with `{`, `#` or `%` makes no template or query.
fn path_segment(name: &str) -> String {
    let mut segment = String::new();
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                segment.push(byte as char)
            }
            _ => segment.push_str(&format!("%{byte:02X}")),
        }
    }
    segment
}

/// The id a scenario may carry, as the service reads it: any string (raw
/// control and bidirectional characters must be escaped in the JSON text,
/// which is the encoding's business, not the value's), a number within
/// ±(2^53−1), true, false, null, or an array or object of those.
fn id_schema() -> Value {
    json!({
        "description": "Travels to the answer byte for byte",
        "anyOf": [
            {"type": "string"},
            {"type": "number", "minimum": -9007199254740991i64, "maximum": 9007199254740991i64},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "array", "items": {"$ref": "#/components/schemas/Id"}},
            {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Id"}}
        ]
    })
}

/// A scenario of `policy`: each dimension's value (required where it has
/// more than one), and the optional id.
fn scenario(policy: &onus::Policy) -> Value {
    let mut scenario: Value =
        serde_json::from_str(&onus::scenario_schema(policy)).expect("a schema is JSON");
    if let Some(object) = scenario.as_object_mut() {
        object.remove("$schema");
        object.remove("$id");
    }
    scenario["properties"]["id"] = json!({"$ref": "#/components/schemas/Id"});
    scenario
}

/// `dimension=value` for every value of `policy`'s dimensions.
fn settings(policy: &onus::Policy) -> Vec<String> {
    (policy.dimensions.iter())
        .flat_map(|d| d.values.iter().map(move |v| format!("{}={v}", d.name)))
        .collect()
}

/// One operation of a `/v1/policies/{name}/...` template, for one policy.
fn for_policy(item: &Value, template: &str, suffix: &str, policy: &onus::Policy) -> Value {
    let mut item = item.clone();
    let dimensions = policy.dimensions.len();
    let swept: Vec<&onus::Dimension> = (policy.dimensions.iter())
        .filter(|d| d.values.len() > 1)
        .collect();
    for operation in item.as_object_mut().expect("a path item").values_mut() {
        let Some(operation) = operation.as_object_mut() else {
            continue;
        };
        if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
            let id = format!("{id}_{suffix}");
            operation.insert("operationId".into(), id.into());
        }
        let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        parameters.retain(|p| p["$ref"] != "#/components/parameters/name");
        match template.rsplit('/').next() {
            // The body carries the whole scenario.
            Some("eval") => {
                parameters.retain(|p| p["$ref"] != "#/components/parameters/set");
                operation.insert(
                    "requestBody".into(),
                    json!({"required": true, "description": "A scenario: each dimension's value, and an optional `id` echoed back",
                           "content": {"application/json": {"schema": scenario(policy)}}}),
                );
            }
            // Lines the settings complete; each dimension set once.
            Some("batch") => {
                for parameter in parameters.iter_mut().filter(|p| p["name"] == "fields") {
                    parameter["style"] = "form".into();
                    parameter["explode"] = false.into();
                    parameter["schema"] = json!({
                        "type": "array", "minItems": 1,
                        "items": {"enum": onus::DecisionFields::NAMES}
                    });
                }
                set_parameter(
                    parameters,
                    json!({
                        "type": "array", "uniqueItems": true, "maxItems": dimensions,
                        "items": {"enum": settings(policy)}
                    }),
                );
                // Any body is answered, line by line: a line that is no
                // scenario gets an error record in its place. So the body's
                // schema is open, and each line's is given beside it.
                operation.insert(
                    "requestBody".into(),
                    json!({"required": true,
                           "description": "NDJSON: one scenario a line (`x-onus-line` is a line's schema), as `onus eval --batch` reads them; each line is answered with one `batch-record` line, a line that is no scenario with an error record in its place: the stream is never refused for its lines",
                           "content": {"application/x-ndjson": {
                               "schema": {},
                               "x-onus-line": scenario(policy)
                           }}}),
                );
            }
            // A complete scenario from the settings alone.
            Some("export") => {
                let needed = swept.len();
                set_parameter(
                    parameters,
                    json!({
                        "type": "array", "uniqueItems": true, "minItems": needed, "maxItems": needed,
                        "items": {"enum": settings(policy)}
                    }),
                );
                mark_required(parameters, "set", needed > 0);
                enumerate(
                    parameters,
                    "mapping",
                    onus::BUILTIN_MAPPINGS.iter().map(|m| m.name).collect(),
                );
            }
            // The swept dimension, the values shown, the others fixed.
            Some("matrix") => {
                enumerate(
                    parameters,
                    "over",
                    swept.iter().map(|d| d.name.as_str()).collect(),
                );
                if let [only] = swept.as_slice() {
                    let values: Vec<&str> = only.values.iter().map(String::as_str).collect();
                    replace_schema(
                        parameters,
                        "only",
                        json!({
                            "type": "array", "uniqueItems": true, "minItems": 1,
                            "items": {"enum": values}
                        }),
                    );
                    for parameter in parameters.iter_mut().filter(|p| p["name"] == "only") {
                        parameter["style"] = "form".into();
                        parameter["explode"] = false.into();
                    }
                }
                // With one dimension to sweep there is nothing else to set.
                if swept.len() <= 1 {
                    parameters.retain(|p| p["$ref"] != "#/components/parameters/set");
                }
            }
            _ => {}
        }
    }
    item
}

/// The `set` parameter with this schema.
fn set_parameter(parameters: &mut [Value], schema: Value) {
    for parameter in parameters.iter_mut() {
        if parameter["$ref"] == "#/components/parameters/set" {
            *parameter = json!({
                "name": "set", "in": "query", "style": "form", "explode": true,
                "description": "Fix a dimension, `dimension=value` (`--set`); each dimension once",
                "schema": schema
            });
        }
    }
}

fn mark_required(parameters: &mut [Value], name: &str, required: bool) {
    for parameter in parameters.iter_mut().filter(|p| p["name"] == name) {
        parameter["required"] = required.into();
    }
}

fn enumerate(parameters: &mut [Value], name: &str, values: Vec<&str>) {
    for parameter in parameters.iter_mut().filter(|p| p["name"] == name) {
        parameter["schema"] = json!({"type": "string", "enum": values});
    }
}

fn replace_schema(parameters: &mut [Value], name: &str, schema: Value) {
    for parameter in parameters.iter_mut().filter(|p| p["name"] == name) {
        parameter["schema"] = schema.clone();
    }
}

/// A schema's `#/$defs/...` references, made to point into the document at
/// `base`.
fn rebase(schema: &mut Value, base: &str) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match (key.as_str(), value.as_str()) {
                    ("$ref", Some(target)) if target.starts_with("#/") => {
                        *value = Value::String(format!("{base}{}", &target[1..]));
                    }
                    _ => rebase(value, base),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rebase(v, base)),
        _ => {}
    }
}
