//! Real estates: the inventories people already have (Terraform plans and
//! states, Azure resource lists, AWS Config inventories, CloudFormation
//! templates) evaluated resource by resource, through resource maps that
//! say which scenario of a policy each resource type means.
//!
//! The estate layer reads and evaluates; it writes nothing: a stream hands
//! its records to an [`EstateSink`], which `render` implements.
//! May import: `base`, `diagnostic`, `syntax`, `model`, `engine`.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde_json::Value;

use crate::base::names::closest;
use crate::base::span::Span;
use crate::diagnostic::code::Code;
use crate::diagnostic::{Diagnostic, Report, Source};
use crate::engine::partial::PartialAnswer;
use crate::model::answers::Decision;
use crate::model::policy::{DimensionId, Policy, Scenario, ValueSet, ZoneId};
use crate::model::resolve::{NameKind, ResolveError};
use crate::syntax::{PolicyFile, StatementKind, Text};

pub(crate) mod summary;

/// A resource map: resource types to scenarios of one policy.
#[derive(Clone, Debug)]
pub struct ResourceMap {
    /// What the user called it: a built-in map's name or a path.
    pub name: String,
    /// Its text, for locating diagnostics.
    pub source: Source,
    /// The policy its `resources for` line names.
    pub policy: String,
    /// One entry a resource type, in source order.
    pub entries: Vec<ResourceType>,
}

/// One `resource "TYPE" { dimension: value, ... }` line.
#[derive(Clone, Debug)]
pub struct ResourceType {
    /// The type as written.
    pub name: String,
    /// `when "kind" is "functionapp"`: the attribute path and the value a
    /// resource must have for the line to hold; `None` holds for any.
    pub when: Option<(String, String)>,
    /// The values each dimension may take for resources of the type: one
    /// where the map gives it, those listed, or all where it is left out.
    pub allowed: Vec<ValueSet>,
    /// The reason after `because`, if any.
    pub because: Option<String>,
}

impl ResourceType {
    /// Whether the line holds for a resource of its type.
    pub fn holds_for(&self, resource: &Resource) -> bool {
        self.holds_given(&resource.attributes)
    }

    /// Whether the line holds for a resource with these attributes.
    fn holds_given(&self, attributes: &BTreeMap<String, String>) -> bool {
        match &self.when {
            None => true,
            Some((path, value)) => attributes.get(path) == Some(value),
        }
    }

    /// The one value of dimension `d`, if the map gives one.
    pub fn value(&self, d: DimensionId) -> Option<usize> {
        let set = self.allowed[d];
        (set.count_ones() == 1).then(|| set.trailing_zeros() as usize)
    }

    /// The scenario, if every dimension has one value.
    pub fn scenario(&self) -> Option<Scenario> {
        let values: Option<Vec<usize>> = (0..self.allowed.len()).map(|d| self.value(d)).collect();
        values.map(|values| Scenario { values })
    }

    /// Each zone's decision, or its answers over the open values.
    pub fn evaluate(&self, policy: &Policy) -> Evaluated {
        match self.scenario() {
            Some(scenario) => Evaluated::Complete(policy.evaluate(&scenario)),
            None => Evaluated::Partial(crate::engine::partial::evaluate_within(
                policy,
                &self.allowed,
            )),
        }
    }
}

/// The policy a resource map file names, if it is one.
pub fn resources_for(file: &PolicyFile) -> Option<&Text> {
    file.statements.iter().find_map(|s| match &s.kind {
        StatementKind::ResourcesFor(policy) => Some(policy),
        _ => None,
    })
}

/// Resolves a resource map against the policy it is used with: every
/// dimension and value named must be the policy's.
pub fn resolve_resource_map(
    file: &PolicyFile,
    name: &str,
    source: &Source,
    policy: &Policy,
) -> Result<ResourceMap, Vec<ResolveError>> {
    let mut errors = Vec::new();
    let Some(named) = resources_for(file) else {
        return Err(vec![ResolveError::NoResourcesFor {
            span: file.statements.first().map(|s| s.span),
        }]);
    };
    let mut entries = Vec::new();
    let mut seen: HashMap<(String, Option<(String, String)>), Span> = HashMap::new();
    for statement in &file.statements {
        let entry = match &statement.kind {
            StatementKind::ResourcesFor(_) => continue,
            StatementKind::Resource(entry) => entry,
            _ => {
                errors.push(ResolveError::NotAResourceLine {
                    span: statement.span,
                });
                continue;
            }
        };
        let when =
            (entry.when.as_ref()).map(|(path, value)| (path.text.clone(), value.text.clone()));
        let key = (entry.resource_type.text.to_lowercase(), when.clone());
        match seen.get(&key) {
            Some(&first) => errors.push(ResolveError::Duplicate {
                what: "resource type",
                name: match &when {
                    Some((path, value)) => {
                        format!("{} when {path} is {value}", entry.resource_type.text)
                    }
                    None => entry.resource_type.text.clone(),
                },
                span: entry.resource_type.span,
                first,
            }),
            None => {
                seen.insert(key, entry.resource_type.span);
            }
        }
        let mut allowed: Vec<ValueSet> = policy.dimensions.iter().map(|d| d.all()).collect();
        let mut dimensions_seen: HashMap<usize, Span> = HashMap::new();
        for setting in &entry.settings {
            let dimension = &setting.dimension;
            let Some(d) = policy
                .dimensions
                .iter()
                .position(|x| x.name == dimension.text)
            else {
                let names = policy.dimensions.iter().map(|x| x.name.as_str());
                errors.push(ResolveError::unknown(NameKind::Dimension, dimension, names));
                continue;
            };
            if let Some(&first) = dimensions_seen.get(&d) {
                errors.push(ResolveError::Duplicate {
                    what: "dimension",
                    name: dimension.text.clone(),
                    span: dimension.span,
                    first,
                });
                continue;
            }
            dimensions_seen.insert(d, dimension.span);
            let mut set: ValueSet = 0;
            let mut value_spans: HashMap<usize, Span> = HashMap::new();
            for value in &setting.values {
                match policy.dimensions[d].value_index(&value.text) {
                    Some(v) => match value_spans.get(&v) {
                        Some(&first) => errors.push(ResolveError::Duplicate {
                            what: "value",
                            name: value.text.clone(),
                            span: value.span,
                            first,
                        }),
                        None => {
                            value_spans.insert(v, value.span);
                            set |= 1 << v;
                        }
                    },
                    None => {
                        let values = policy.dimensions[d].values.iter().map(String::as_str);
                        errors.push(ResolveError::unknown(NameKind::Value, value, values));
                    }
                }
            }
            if set != 0 {
                allowed[d] = set;
            }
        }
        entries.push(ResourceType {
            name: entry.resource_type.text.clone(),
            when,
            allowed,
            because: entry.because.as_ref().map(|b| b.text.clone()),
        });
    }
    if errors.is_empty() {
        Ok(ResourceMap {
            name: name.to_string(),
            source: source.clone(),
            policy: named.text.clone(),
            entries,
        })
    } else {
        Err(errors)
    }
}

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
        value = value.get(key)?;
    }
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The attributes of `wanted` that `object` has.
fn attributes_of(object: &Value, wanted: &[String]) -> BTreeMap<String, String> {
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
                    value = &value[key];
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
        Value::Object(_) if value.get("data").is_some_and(Value::is_array) => {
            Some(InventoryFormat::Azure)
        }
        Value::Object(_) if value.get("value").is_some_and(Value::is_array) => {
            Some(InventoryFormat::Azure)
        }
        Value::Array(items) => match items.first() {
            Some(first) if first.get("resourceType").is_some() => Some(InventoryFormat::AwsConfig),
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

/// What a resource's type means for the policy.
#[derive(Clone, Debug)]
pub enum Evaluated {
    /// Every dimension given: each zone's decision.
    Complete(Vec<Decision>),
    /// Some dimension left open by the map: each zone's answers over it.
    Partial(Vec<PartialAnswer>),
}

impl Evaluated {
    /// Whether a zone is in conflict (or can be, for some value of an open
    /// dimension).
    pub fn has_conflict(&self) -> bool {
        match self {
            Evaluated::Complete(decisions) => decisions.iter().any(|d| d.party.is_none()),
            Evaluated::Partial(answers) => (answers.iter())
                .filter_map(|a| a.cases.as_ref())
                .flatten()
                .any(|c| c.holder == crate::model::answers::Holder::Conflict),
        }
    }
}

/// One resource and its answer.
#[derive(Clone, Debug)]
pub struct ResourceAnswer<'m> {
    /// The resource.
    pub resource: Resource,
    /// Its map entry and answer (shared by every resource of the type), or
    /// `None` with the closest known type.
    pub answer: Result<(&'m ResourceType, Rc<Evaluated>), Option<String>>,
}

/// The attribute paths the maps' `when` tests read, each once, in order.
pub fn wanted_attributes(maps: &[ResourceMap]) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for (path, _) in maps
        .iter()
        .flat_map(|m| &m.entries)
        .filter_map(|e| e.when.as_ref())
    {
        if !paths.contains(path) {
            paths.push(path.clone());
        }
    }
    paths
}

/// The maps' lines by type (without regard to case), each type's lines in
/// map order and then written order: a user's map before the built-in one.
struct Lines<'m> {
    by_type: HashMap<String, Vec<(usize, &'m ResourceType)>>,
    /// Every type a map knows, sorted, for suggestions.
    names: Vec<&'m str>,
}

impl<'m> Lines<'m> {
    fn of(maps: &'m [ResourceMap]) -> Self {
        let mut by_type: HashMap<String, Vec<(usize, &'m ResourceType)>> = HashMap::new();
        for (i, entry) in maps.iter().flat_map(|m| &m.entries).enumerate() {
            by_type
                .entry(entry.name.to_lowercase())
                .or_default()
                .push((i, entry));
        }
        let mut names: Vec<&str> = by_type
            .values()
            .map(|lines| lines[0].1.name.as_str())
            .collect();
        names.sort_unstable();
        Lines { by_type, names }
    }

    /// The first line that holds for the resource, with its index; else
    /// the closest known type when the type is unknown.
    fn find(&self, resource: &Resource) -> Result<(usize, &'m ResourceType), Option<String>> {
        let key = resource.resource_type.to_lowercase();
        match self.first_holding(&key, &resource.attributes) {
            Some(found) => Ok(found),
            None => Err(self.suggestion(&key, &resource.resource_type)),
        }
    }

    /// The first line of the type (`key`, in lower case) that holds for
    /// these attributes.
    fn first_holding(
        &self,
        key: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Option<(usize, &'m ResourceType)> {
        let lines = self.by_type.get(key)?;
        lines
            .iter()
            .find(|(_, line)| line.holds_given(attributes))
            .copied()
    }

    /// For a resource no line holds for: the closest known type, if its own
    /// type is unknown.
    fn suggestion(&self, key: &str, resource_type: &str) -> Option<String> {
        match self.by_type.contains_key(key) {
            true => None,
            false => closest(resource_type, self.names.iter().copied()).map(str::to_string),
        }
    }

    /// Whether some line of the type (`key`) tests an attribute.
    fn tests_attributes(&self, key: &str) -> bool {
        (self.by_type.get(key))
            .is_some_and(|lines| lines.iter().any(|(_, line)| line.when.is_some()))
    }
}

/// Evaluates every resource of the inventories through the maps: the first
/// line for its type that holds wins, a user's map (given first) before the
/// built-in one. Types are compared without regard to case, as Azure
/// compares its own. Each line is evaluated once.
pub fn evaluate<'m>(
    policy: &Policy,
    maps: &'m [ResourceMap],
    inventories: &[Inventory],
) -> Vec<ResourceAnswer<'m>> {
    let lines = Lines::of(maps);
    let mut answers: HashMap<usize, Rc<Evaluated>> = HashMap::new();
    let mut out = Vec::new();
    for resource in inventories.iter().flat_map(|i| &i.resources) {
        let answer = lines.find(resource).map(|(i, entry)| {
            let evaluated = answers
                .entry(i)
                .or_insert_with(|| Rc::new(entry.evaluate(policy)));
            (entry, Rc::clone(evaluated))
        });
        out.push(ResourceAnswer {
            resource: resource.clone(),
            answer,
        });
    }
    out
}

/// Zones a user might think the provider holds: the provider holds or
/// shares them in some scenario of the policy. Where the customer holds one
/// alone for a resource, the summary lists the resource.
pub fn provider_somewhere(policy: &Policy) -> Vec<bool> {
    let space = crate::engine::analysis::Space::of(policy);
    let providers = [
        &policy.parties[crate::model::policy::PROVIDER],
        &policy.parties[crate::model::policy::SHARED],
    ]
    .map(|p| crate::model::answers::Holder::Party(p.name.clone()));
    (0..policy.zones.len())
        .map(|zone: ZoneId| {
            space
                .bounded(|| {
                    crate::engine::partial::holders(&space, policy, zone, &space.everything())
                })
                .map_or(true, |holders| {
                    holders.iter().any(|(h, _, _)| providers.contains(h))
                })
        })
        .collect()
}

/// One line of an NDJSON inventory: a resource with its type (`type`, or
/// AWS Config's `resourceType`) and its address (`address`, `id`, `arn`,
/// `resourceId` or `name`, the first present), as `jq -c '.data[]'` makes
/// of a Resource Graph result or a Config query.
#[derive(serde::Deserialize)]
struct LineResource<'a> {
    #[serde(borrow, rename = "type")]
    type_: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "resourceType")]
    resource_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    address: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    arn: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "resourceId")]
    resource_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<std::borrow::Cow<'a, str>>,
}

/// What a streamed estate counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// Lines read as resources.
    pub resources: u64,
    /// Of those, the ones a map knows.
    pub mapped: u64,
    /// Of those, the ones with a zone in conflict (possibly, where a
    /// dimension is open).
    pub conflicts: u64,
    /// Lines that were not a resource: each has an error record.
    pub errors: u64,
}

impl StreamSummary {
    /// `onus: 4 resources, 3 mapped, 1 unmapped, 0 with conflicts, 0
    /// errors`: the line a front end shows on stderr when a stream ends.
    pub fn finished_line(&self) -> String {
        format!(
            "onus: {} resources, {} mapped, {} unmapped, {} with conflicts, {} errors\n",
            self.resources,
            self.mapped,
            self.resources - self.mapped,
            self.conflicts,
            self.errors
        )
    }
}

/// The most resource types whose records are kept ready: past it, records
/// are built for each line, so memory stays bounded whatever the input.
const CACHED_TYPES: usize = 65_536;

/// Where a streamed estate's records go, one a line, in input order:
/// `render` writes them as NDJSON. The stream encodes each distinct answer
/// once ([`EstateSink::encode`]) and hands the encoding back for every
/// resource that has it, so a sink spends its work once per type.
pub trait EstateSink {
    /// An answer as the sink will write it, kept for every resource with
    /// the same map line (or the same unknown type).
    type Encoded;
    /// Encodes `answer`, whose resource's address and type are empty: they
    /// differ for each resource and come with [`EstateSink::resource`].
    fn encode(&mut self, policy: &Policy, answer: &ResourceAnswer) -> Self::Encoded;
    /// Writes one resource's record.
    fn resource(
        &mut self,
        address: &str,
        resource_type: &str,
        answer: &Self::Encoded,
    ) -> std::io::Result<()>;
    /// Writes the record of a line that is not a resource (`line` from 1).
    fn line_error(&mut self, line: u64, reason: &str) -> std::io::Result<()>;
    /// Everything written reaches the output.
    fn flush(&mut self) -> std::io::Result<()>;
}

/// Streams an NDJSON inventory to a sink, one line in, one record out, in
/// order, in memory bounded by the number of resource types (and at most
/// 65,536 of them kept ready). A line that is not a resource is handed to
/// the sink as an error and the stream goes on.
pub fn stream<S: EstateSink>(
    policy: &Policy,
    maps: &[ResourceMap],
    input: impl std::io::BufRead,
    sink: &mut S,
) -> std::io::Result<StreamSummary> {
    let lines = Lines::of(maps);
    let wanted = wanted_attributes(maps);
    // Each distinct answer is encoded once, with what the summary counts.
    let encode = |sink: &mut S, found: Result<(usize, &ResourceType), Option<String>>| {
        let answer = found.map(|(_, entry)| (entry, Rc::new(entry.evaluate(policy))));
        let mapped = answer.is_ok();
        let conflict = answer
            .as_ref()
            .is_ok_and(|(_, evaluated)| evaluated.has_conflict());
        let probe = ResourceAnswer {
            resource: Resource {
                address: String::new(),
                resource_type: String::new(),
                attributes: BTreeMap::new(),
            },
            answer,
        };
        (mapped, conflict, sink.encode(policy, &probe))
    };
    // Keyed by the line found, or by the unknown type's lower case.
    let mut tails: HashMap<Result<usize, String>, (bool, bool, S::Encoded)> = HashMap::new();
    let mut summary = StreamSummary::default();
    for (number, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<LineResource, String> = serde_json::from_str(&line)
            .map_err(|e| crate::model::scenario::json_error_at(&line, &e).1);
        let fields = parsed.and_then(|r| {
            let resource_type = r
                .type_
                .or(r.resource_type)
                .ok_or("no `type` or `resourceType`")?;
            let address = (r.address.or(r.id).or(r.arn).or(r.resource_id).or(r.name))
                .ok_or("no `address`, `id`, `arn`, `resourceId` or `name`")?;
            Ok((address, resource_type))
        });
        let (address, resource_type) = match fields {
            Ok(fields) => fields,
            Err(reason) => {
                summary.errors += 1;
                sink.line_error(number as u64 + 1, &reason)?;
                continue;
            }
        };
        // One lower-casing a line; the attributes read only for a type
        // whose lines test some; a suggestion only for a new unknown type.
        let type_key = resource_type.to_lowercase();
        let attributes = match lines.tests_attributes(&type_key) {
            true => serde_json::from_str::<Value>(&line)
                .map(|object| attributes_of(&object, &wanted))
                .unwrap_or_default(),
            false => BTreeMap::new(),
        };
        let found = lines.first_holding(&type_key, &attributes);
        let key = found.map_or(Err(type_key), |(i, _)| Ok(i));
        let uncached;
        let (mapped, conflict, tail) = match tails.get(&key) {
            Some(known) => known,
            None => {
                let answer = found.ok_or_else(|| match &key {
                    Err(type_key) => lines.suggestion(type_key, &resource_type),
                    Ok(_) => None,
                });
                match tails.len() < CACHED_TYPES {
                    true => tails.entry(key).or_insert_with(|| encode(sink, answer)),
                    false => {
                        uncached = encode(sink, answer);
                        &uncached
                    }
                }
            }
        };
        summary.resources += 1;
        summary.mapped += u64::from(*mapped);
        summary.conflicts += u64::from(*conflict);
        sink.resource(&address, &resource_type, tail)?;
    }
    sink.flush()?;
    Ok(summary)
}
