//! Inventories: the formats Onus reads (Terraform plans and states, Azure
//! resource lists and Resource Graph results, AWS Config, CloudFormation in
//! JSON and YAML, Google Cloud Asset Inventory), detected from their
//! content, read into resources in written order.

use super::*;

/// The kinds of inventory Onus reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InventoryFormat {
    /// `terraform show -json` of a plan: `planned_values.root_module`.
    TerraformPlan,
    /// `terraform show -json` of a state: `values.root_module`.
    TerraformState,
    /// `az resource list`, or Azure Resource Graph results (`data`), or an
    /// ARM list response (`value`): objects with `id` and `type`.
    Azure,
    /// AWS Config: `list-discovered-resources` (`resourceIdentifiers`), an
    /// aggregator's (`ResourceIdentifiers`), configuration items
    /// (`configurationItems`, `batch-get-resource-config`'s
    /// `baseConfigurationItems`, `select-resource-config`'s `Results`), an
    /// array of items with `resourceType`, or one configuration item.
    AwsConfig,
    /// A CloudFormation template, JSON or YAML: `Resources.<id>.Type`.
    CloudFormation,
    /// Google Cloud Asset Inventory: `gcloud asset search-all-resources`
    /// or `gcloud asset list` (`--format=json`, an array of `assetType`
    /// and `name`), the REST responses (`results`, `assets`), or `gcloud
    /// asset export` (one asset a line, `asset_type` and `name`, or an
    /// array of them).
    CloudAssetInventory,
}

impl InventoryFormat {
    /// How output names it.
    pub fn name(self) -> &'static str {
        match self {
            InventoryFormat::TerraformPlan => "terraform-plan",
            InventoryFormat::TerraformState => "terraform-state",
            InventoryFormat::Azure => "azure",
            InventoryFormat::AwsConfig => "aws-config",
            InventoryFormat::CloudFormation => "cloudformation",
            InventoryFormat::CloudAssetInventory => "cloud-asset-inventory",
        }
    }
}

/// One resource of an inventory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Its address (Terraform), id (Azure), ARN or id (AWS Config), or
    /// logical id (CloudFormation).
    pub address: String,
    /// Its type, as the inventory writes it.
    pub resource_type: String,
    /// The attributes the maps' `when` tests read, by path, where the
    /// resource has them as a string, number or boolean.
    pub attributes: BTreeMap<String, String>,
}

/// The value at a dotted path (`sku.name`) of a JSON object, as a string,
/// if it is a string, number or boolean.
fn attribute(object: &Value, path: &str) -> Option<String> {
    let mut value = object;
    for key in path.split('.') {
        // A number steps into an array: Terraform writes a block as a list
        // (`compute_config.0.enabled`).
        value = match (value, key.parse::<usize>()) {
            (Value::Array(items), Ok(index)) => items.get(index)?,
            _ => value.get(key)?,
        };
    }
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The attributes of `wanted` that `object` has.
pub(super) fn attributes_of(object: &Value, wanted: &[String]) -> BTreeMap<String, String> {
    (wanted.iter())
        .filter_map(|path| attribute(object, path).map(|v| (path.clone(), v)))
        .collect()
}

/// An inventory's resources, in the order it lists them.
#[derive(Clone, Debug)]
pub struct Inventory {
    /// Where it came from.
    pub name: String,
    /// What kind of file it is.
    pub format: InventoryFormat,
    /// Its resources; data sources and such are not resources.
    pub resources: Vec<Resource>,
    /// Terraform data sources read and left out.
    pub data_sources: usize,
}

/// Why an inventory could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// Not JSON, and not YAML where YAML may be.
    #[error("{what} is not valid {language}: {reason}")]
    Syntax {
        /// `inventory`.
        what: &'static str,
        /// `JSON` or `YAML`.
        language: &'static str,
        /// The parser's words.
        reason: String,
        /// Where.
        span: Span,
    },
    /// JSON of no kind Onus knows.
    #[error("not an inventory Onus knows")]
    UnknownKind {
        /// The start of the document.
        span: Span,
    },
    /// `"format_version": "2.0"`.
    #[error("Terraform JSON format version `{version}` is not one Onus reads")]
    FormatVersion {
        /// The version found.
        version: String,
        /// Where it is.
        span: Span,
    },
    /// A resource without a type, or of the wrong shape.
    #[error("{path}: {problem}")]
    Shape {
        /// Where in the document, as a JSON path.
        path: String,
        /// What is wrong.
        problem: String,
        /// The start of the document (the JSON reader keeps no positions).
        span: Span,
    },
}

impl crate::diagnostic::ToDiagnostic for InventoryError {
    fn to_diagnostic(&self) -> Diagnostic {
        let message = self.to_string();
        match self {
            InventoryError::Syntax { span, .. } => Diagnostic::new(Code::InvalidInventory, message)
                .with_label(*span, "here"),
            InventoryError::UnknownKind { span } => Diagnostic::new(Code::InvalidInventory, message)
                .with_label(*span, "not a Terraform plan or state, Azure resource list, AWS Config inventory or CloudFormation template")
                .with_help(Some("give `--input-format` if it is one of those".into())),
            InventoryError::FormatVersion { span, .. } => Diagnostic::new(Code::InvalidInventory, message)
                .with_label(*span, "this version")
                .with_help(Some("Onus reads format versions 0.x and 1.x, as `terraform show -json` writes them".into())),
            InventoryError::Shape { span, .. } => Diagnostic::new(Code::InvalidInventory, message)
                .with_label(*span, "in this document"),
        }
    }
}

/// Reads an inventory: its kind detected from its content unless `forced`.
pub fn read_inventory(
    source: &Source,
    forced: Option<InventoryFormat>,
    wanted: &[String],
) -> Result<Inventory, Report> {
    let fail = |error: InventoryError| Report::from_errors(source.clone(), &[error]);
    let text = &source.text;
    let start = Span::new(0, text.len().min(1));
    let json: Result<Value, _> = serde_json::from_str(text);
    let value = match json {
        Ok(value) => value,
        Err(error) => {
            let cai_allowed = matches!(forced, None | Some(InventoryFormat::CloudAssetInventory));
            if cai_allowed && is_asset_lines(text) {
                return read_asset_lines(source, wanted);
            }
            let looks_like_json = text.trim_start().starts_with(['{', '[']);
            let yaml_allowed = matches!(forced, None | Some(InventoryFormat::CloudFormation));
            if yaml_allowed && !looks_like_json {
                return read_cloudformation_yaml(source, wanted);
            }
            let (span, reason) = crate::model::scenario::json_error_at(text, &error);
            return Err(fail(InventoryError::Syntax {
                what: "inventory",
                language: "JSON",
                reason,
                span,
            }));
        }
    };
    let format = match forced {
        Some(format) => format,
        None => detect(&value).ok_or_else(|| fail(InventoryError::UnknownKind { span: start }))?,
    };
    let mut inventory = Inventory {
        name: source.name.clone(),
        format,
        resources: Vec::new(),
        data_sources: 0,
    };
    let shape = |path: &str, problem: &str| {
        fail(InventoryError::Shape {
            path: path.to_string(),
            problem: problem.to_string(),
            span: start,
        })
    };
    match format {
        InventoryFormat::TerraformPlan | InventoryFormat::TerraformState => {
            let Some(version) = value["format_version"].as_str() else {
                return Err(shape(
                    "format_version",
                    "missing: not `terraform show -json` output",
                ));
            };
            // 0.1 and 0.2 (Terraform before 1.0) have the same shape.
            if !matches!(version.split('.').next(), Some("0" | "1")) {
                let at = text.find("\"format_version\"").unwrap_or(0);
                return Err(fail(InventoryError::FormatVersion {
                    version: version.to_string(),
                    span: Span::new(at, at + "\"format_version\"".len().min(text.len() - at)),
                }));
            }
            let key = match format {
                InventoryFormat::TerraformPlan => "planned_values",
                _ => "values",
            };
            let root = &value[key]["root_module"];
            let empty_state = format == InventoryFormat::TerraformState && value.get(key).is_none();
            if empty_state {
                return Ok(inventory);
            }
            if !root.is_object() {
                return Err(shape(&format!("{key}.root_module"), "missing"));
            }
            terraform_module(root, &format!("{key}.root_module"), wanted, &mut inventory)
                .map_err(|(path, problem)| shape(&path, &problem))?;
        }
        InventoryFormat::Azure => {
            let (items, path) = match &value {
                Value::Array(items) => (items, String::new()),
                _ => match (value.get("data"), value.get("value")) {
                    (Some(Value::Array(items)), _) => (items, "data".to_string()),
                    (_, Some(Value::Array(items))) => (items, "value".to_string()),
                    _ => return Err(shape("", "no `data` or `value` array of resources")),
                },
            };
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                let resource_type =
                    string_field(item, "type").ok_or_else(|| shape(&at, "no `type`"))?;
                let address = string_field(item, "id")
                    .or_else(|| string_field(item, "name"))
                    .ok_or_else(|| shape(&at, "no `id` or `name`"))?;
                inventory.resources.push(Resource {
                    address,
                    resource_type,
                    attributes: attributes_of(item, wanted),
                });
            }
        }
        InventoryFormat::AwsConfig => {
            // `select-resource-config` gives each item as a JSON string.
            let selected: Vec<Value>;
            let single;
            let (items, path): (&Vec<Value>, &str) = match &value {
                Value::Array(items) => (items, ""),
                Value::Object(_) if value.get("resourceType").is_some() => {
                    single = vec![value.clone()];
                    (&single, "")
                }
                _ => {
                    let keys = [
                        "resourceIdentifiers",
                        "ResourceIdentifiers",
                        "configurationItems",
                        "baseConfigurationItems",
                    ];
                    let found = keys.iter().find_map(|&k| match value.get(k) {
                        Some(Value::Array(items)) => Some((items, k)),
                        _ => None,
                    });
                    match (found, value.get("Results")) {
                        (Some(found), _) => found,
                        (None, Some(Value::Array(results))) => {
                            selected = (results.iter().enumerate())
                                .map(|(i, r)| match r {
                                    Value::String(text) => serde_json::from_str(text)
                                        .map_err(|_| shape(&format!("Results[{i}]"), "not a JSON configuration item")),
                                    other => Ok(other.clone()),
                                })
                                .collect::<Result<_, _>>()?;
                            (&selected, "Results")
                        }
                        _ => {
                            return Err(shape(
                                "",
                                "no `resourceIdentifiers`, `configurationItems`, `baseConfigurationItems` or `Results`",
                            ))
                        }
                    }
                }
            };
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                // The aggregator's identifiers capitalize their keys.
                let field = |keys: &[&str]| keys.iter().find_map(|k| string_field(item, k));
                let resource_type = field(&["resourceType", "ResourceType"])
                    .ok_or_else(|| shape(&at, "no `resourceType`"))?;
                let address = field(&["arn", "ARN", "resourceId", "ResourceId"])
                    .ok_or_else(|| shape(&at, "no `arn` or `resourceId`"))?;
                inventory.resources.push(Resource {
                    address,
                    resource_type,
                    attributes: attributes_of(item, wanted),
                });
            }
        }
        InventoryFormat::CloudAssetInventory => {
            let single;
            let (items, path) = match &value {
                Value::Array(items) => (items, ""),
                _ => match (value.get("results"), value.get("assets")) {
                    (Some(Value::Array(items)), _) => (items, "results"),
                    (_, Some(Value::Array(items))) => (items, "assets"),
                    _ if value.get("asset_type").or(value.get("assetType")).is_some() => {
                        single = vec![value.clone()];
                        (&single, "")
                    }
                    _ => {
                        return Err(shape(
                            "",
                            "no `results` or `assets` array of assets, and not one asset",
                        ))
                    }
                },
            };
            for (i, item) in items.iter().enumerate() {
                let resource = asset(item, wanted)
                    .map_err(|problem| shape(&format!("{path}[{i}]"), problem))?;
                inventory.resources.push(resource);
            }
        }
        InventoryFormat::CloudFormation => {
            if !value.get("Resources").is_some_and(Value::is_object) {
                return Err(shape("Resources", "missing, or not an object"));
            }
            // Read again for the resources in the template's order, which a
            // JSON object does not keep.
            let template: OrderedTemplate = serde_json::from_str(text).map_err(|e| {
                shape(
                    "Resources",
                    &crate::model::scenario::json_error_at(text, &e).1,
                )
            })?;
            for (logical, body) in template.resources.0 {
                let resource_type = string_field(&body, "Type")
                    .ok_or_else(|| shape(&format!("Resources.{logical}"), "no `Type`"))?;
                inventory.resources.push(Resource {
                    address: logical,
                    resource_type,
                    attributes: attributes_of(&body["Properties"], wanted),
                });
            }
        }
    }
    Ok(inventory)
}

/// A CloudFormation template's resources in written order.
#[derive(serde::Deserialize)]
struct OrderedTemplate {
    #[serde(rename = "Resources")]
    resources: InOrder,
}

/// A JSON object's entries in written order.
struct InOrder(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for InOrder {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = InOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<InOrder, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(InOrder(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// A CloudFormation template in YAML: `Resources.<id>.Type`, in order.
/// Short-form tags (`!Ref`, `!GetAtt`, `!Sub`) are read as plain values.
fn read_cloudformation_yaml(source: &Source, wanted: &[String]) -> Result<Inventory, Report> {
    use yaml_rust2::{Yaml, YamlLoader};
    let fail = |error: InventoryError| Report::from_errors(source.clone(), &[error]);
    let documents = YamlLoader::load_from_str(&source.text).map_err(|error| {
        let marker = error.marker();
        let offset = source.offset_of(marker.line(), marker.col() + 1);
        fail(InventoryError::Syntax {
            what: "inventory",
            language: "JSON or YAML",
            reason: error.info().to_string(),
            span: Span::new(offset, (offset + 1).min(source.text.len())),
        })
    })?;
    let start = Span::new(0, source.text.len().min(1));
    let shape = |path: &str, problem: &str| {
        fail(InventoryError::Shape {
            path: path.to_string(),
            problem: problem.to_string(),
            span: start,
        })
    };
    let Some(Yaml::Hash(resources)) = documents.first().map(|d| &d["Resources"]) else {
        return Err(fail(InventoryError::UnknownKind { span: start }));
    };
    let mut inventory = Inventory {
        name: source.name.clone(),
        format: InventoryFormat::CloudFormation,
        resources: Vec::new(),
        data_sources: 0,
    };
    for (logical, body) in resources {
        let logical = match logical {
            Yaml::String(s) => s.clone(),
            other => {
                return Err(shape(
                    "Resources",
                    &format!("a resource id that is not a string: {other:?}"),
                ))
            }
        };
        let Some(resource_type) = body["Type"].as_str() else {
            return Err(shape(&format!("Resources.{logical}"), "no `Type`"));
        };
        let properties = &body["Properties"];
        let attributes = (wanted.iter())
            .filter_map(|path| {
                let mut value = properties;
                for key in path.split('.') {
                    // A number steps into a list, as in JSON.
                    value = match (value, key.parse::<usize>()) {
                        (Yaml::Array(items), Ok(index)) => items.get(index)?,
                        _ => &value[key],
                    };
                }
                let text = match value {
                    Yaml::String(s) => s.clone(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Real(r) => r.clone(),
                    _ => return None,
                };
                Some((path.clone(), text))
            })
            .collect();
        inventory.resources.push(Resource {
            address: logical,
            resource_type: resource_type.to_string(),
            attributes,
        });
    }
    Ok(inventory)
}

/// One Cloud Asset Inventory asset: its full resource name and asset type,
/// in the API's camelCase (`assetType`) or the export's snake_case
/// (`asset_type`).
fn asset(item: &Value, wanted: &[String]) -> Result<Resource, &'static str> {
    let resource_type = (string_field(item, "assetType"))
        .or_else(|| string_field(item, "asset_type"))
        .ok_or("no `assetType` or `asset_type`")?;
    let address = string_field(item, "name").ok_or("no `name`")?;
    Ok(Resource {
        address,
        resource_type,
        attributes: attributes_of(item, wanted),
    })
}

/// Whether a text that is not one JSON document is `gcloud asset export`'s
/// output: its first line an asset, with `asset_type`.
fn is_asset_lines(text: &str) -> bool {
    let first = text.lines().find(|line| !line.trim().is_empty());
    first
        .and_then(|line| serde_json::from_str::<Value>(line).ok())
        .is_some_and(|value| value.get("asset_type").is_some_and(Value::is_string))
}

/// `gcloud asset export`'s output: one asset a line, in order; a line that
/// is not an asset is an error at its line.
fn read_asset_lines(source: &Source, wanted: &[String]) -> Result<Inventory, Report> {
    let mut inventory = Inventory {
        name: source.name.clone(),
        format: InventoryFormat::CloudAssetInventory,
        resources: Vec::new(),
        data_sources: 0,
    };
    let mut offset = 0;
    for (number, line) in source.text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            continue;
        }
        let span = Span::new(start, start + content.len());
        let fail = |error: InventoryError| Report::from_errors(source.clone(), &[error]);
        let item: Value = serde_json::from_str(content).map_err(|error| {
            let (at, reason) = crate::model::scenario::json_error_at(content, &error);
            fail(InventoryError::Syntax {
                what: "asset line",
                language: "JSON",
                reason,
                span: Span::new(start + at.start, start + at.end),
            })
        })?;
        let resource = asset(&item, wanted).map_err(|problem| {
            fail(InventoryError::Shape {
                path: format!("line {}", number + 1),
                problem: problem.to_string(),
                span,
            })
        })?;
        inventory.resources.push(resource);
    }
    Ok(inventory)
}

fn string_field(item: &Value, key: &str) -> Option<String> {
    item.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The kind of inventory a JSON document is, from its shape.
fn detect(value: &Value) -> Option<InventoryFormat> {
    let has = |key: &str| value.get(key).is_some();
    match value {
        Value::Object(_) if has("format_version") && has("planned_values") => {
            Some(InventoryFormat::TerraformPlan)
        }
        // A state with no resources is `{"format_version": "1.0"}` alone.
        Value::Object(_) if has("format_version") => Some(InventoryFormat::TerraformState),
        Value::Object(_) if value.get("Resources").is_some_and(Value::is_object) => {
            Some(InventoryFormat::CloudFormation)
        }
        Value::Object(_)
            if has("resourceIdentifiers")
                || has("ResourceIdentifiers")
                || has("configurationItems")
                || has("baseConfigurationItems") =>
        {
            Some(InventoryFormat::AwsConfig)
        }
        // `select-resource-config`: `Results`, each a configuration item
        // as a JSON string.
        Value::Object(_) if value.get("Results").is_some_and(Value::is_array) => {
            Some(InventoryFormat::AwsConfig)
        }
        // One configuration item, as AWS Config delivers it to a rule.
        Value::Object(_) if has("resourceType") && has("configurationItemCaptureTime") => {
            Some(InventoryFormat::AwsConfig)
        }
        // Cloud Asset Inventory's REST responses: searchAllResources and
        // assets.list.
        Value::Object(_)
            if ["results", "assets"].iter().any(|k| {
                value[*k]
                    .as_array()
                    .and_then(|items| items.first())
                    .is_some_and(|first| first.get("assetType").is_some())
            }) =>
        {
            Some(InventoryFormat::CloudAssetInventory)
        }
        // One asset: `gcloud asset export` of a single resource.
        Value::Object(_) if (has("asset_type") || has("assetType")) && has("name") => {
            Some(InventoryFormat::CloudAssetInventory)
        }
        Value::Object(_) if value.get("data").is_some_and(Value::is_array) => {
            Some(InventoryFormat::Azure)
        }
        Value::Object(_) if value.get("value").is_some_and(Value::is_array) => {
            Some(InventoryFormat::Azure)
        }
        Value::Array(items) => match items.first() {
            Some(first) if first.get("resourceType").is_some() => Some(InventoryFormat::AwsConfig),
            Some(first)
                if first.get("assetType").is_some() || first.get("asset_type").is_some() =>
            {
                Some(InventoryFormat::CloudAssetInventory)
            }
            Some(first) if first.get("type").is_some() && first.get("id").is_some() => {
                Some(InventoryFormat::Azure)
            }
            None => Some(InventoryFormat::Azure),
            _ => None,
        },
        _ => None,
    }
}

/// A Terraform module's managed resources, then its child modules', in
/// order; data sources counted and left out.
fn terraform_module(
    module: &Value,
    path: &str,
    wanted: &[String],
    inventory: &mut Inventory,
) -> Result<(), (String, String)> {
    let shape = |at: String, problem: &str| (at, problem.to_string());
    if let Some(resources) = module.get("resources") {
        let Value::Array(resources) = resources else {
            return Err(shape(format!("{path}.resources"), "not an array"));
        };
        for (i, resource) in resources.iter().enumerate() {
            let at = format!("{path}.resources[{i}]");
            if string_field(resource, "mode").as_deref() == Some("data") {
                inventory.data_sources += 1;
                continue;
            }
            let resource_type =
                string_field(resource, "type").ok_or_else(|| shape(at.clone(), "no `type`"))?;
            let address =
                string_field(resource, "address").ok_or_else(|| shape(at, "no `address`"))?;
            inventory.resources.push(Resource {
                address,
                resource_type,
                attributes: attributes_of(&resource["values"], wanted),
            });
        }
    }
    if let Some(children) = module.get("child_modules") {
        let Value::Array(children) = children else {
            return Err(shape(format!("{path}.child_modules"), "not an array"));
        };
        for (i, child) in children.iter().enumerate() {
            terraform_module(
                child,
                &format!("{path}.child_modules[{i}]"),
                wanted,
                inventory,
            )?;
        }
    }
    Ok(())
}
