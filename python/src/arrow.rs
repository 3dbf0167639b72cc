//! `Policy.eval_arrow`: every row of an Arrow stream evaluated, columns in
//! and columns out, through the Arrow C data interface (pyarrow, Polars and
//! pandas through pyarrow all speak it).
//!
//! A row is a scenario: one text column per dimension, and an optional id
//! column copied through. The answer is one row per input row, in order:
//! the id, `error_code` and `error` (null unless the row's values are not a
//! scenario: then every decision column is null), and for each zone, in
//! the policy's order, a column `<zone>.<field>` for each chosen field
//! (`label`, `party`, `status`, `rules`, `because`). An estate repeats few
//! scenarios: each distinct one is evaluated once, its answers read from
//! the same JSON the CLI writes (so the two cannot differ), and the output
//! columns are dictionary-encoded indices into them.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, StructBuilder, UInt32Builder};
use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::types::{Int16Type, Int32Type};
use arrow_array::RecordBatchReader;
use arrow_array::{
    Array, ArrayRef, DictionaryArray, Int16Array, Int32Array, RecordBatch, StringArray,
};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};
use onus::{Code, DecisionFields, Diagnostic, Policy, Report, Scenario, Source};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Evaluates every row of `data` (any object with `__arrow_c_stream__`)
/// and returns a `pyarrow.Table`.
pub fn eval<'py>(
    py: Python<'py>,
    policy: &Policy,
    data: &Bound<'py, PyAny>,
    id_column: Option<&str>,
    id_required: bool,
    fields: DecisionFields,
) -> PyResult<Bound<'py, PyAny>> {
    let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let plan = Plan::new(policy, &reader.schema(), id_column, id_required, fields)
        .map_err(|report| crate::failure(py, "ScenarioError", &[report]))?;
    let batches = py
        .detach(|| {
            let mut answers = Answers::new(policy);
            let mut batches = Vec::new();
            for batch in reader {
                batches.push(plan.evaluate(&batch?, &mut answers)?);
            }
            Ok::<_, ArrowError>(batches)
        })
        .map_err(|error| PyValueError::new_err(error.to_string()))?;
    Table::try_new(batches, plan.output.clone())
        .map_err(|error| PyValueError::new_err(error.to_string()))?
        .into_pyarrow(py)
}

/// Where each dimension and the id are in the input, and the output's
/// schema.
struct Plan<'p> {
    policy: &'p Policy,
    /// Per dimension: its column.
    columns: Vec<usize>,
    /// Per dimension: the weight of its value in a scenario's key.
    strides: Vec<u128>,
    /// Per dimension: its values by name.
    values: Vec<HashMap<&'p str, usize>>,
    id: Option<usize>,
    fields: Vec<&'static str>,
    output: SchemaRef,
}

/// The input's column names, for diagnostics: `a, b, c`.
fn columns_source(schema: &Schema) -> Source {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    Source::new("columns", names.join(", "))
}

/// Where column `i`'s name is in [`columns_source`]'s text.
fn column_span(schema: &Schema, i: usize) -> onus::Span {
    let start: usize = (schema.fields().iter().take(i))
        .map(|f| f.name().len() + 2)
        .sum();
    onus::Span::new(start, start + schema.field(i).name().len())
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

impl<'p> Plan<'p> {
    fn new(
        policy: &'p Policy,
        schema: &Schema,
        id_column: Option<&str>,
        id_required: bool,
        fields: DecisionFields,
    ) -> Result<Plan<'p>, Report> {
        let mut diagnostics = Vec::new();
        let position = |name: &str| schema.fields().iter().position(|f| f.name() == name);
        let id = id_column.and_then(position);
        if let (Some(name), None, true) = (id_column, id, id_required) {
            diagnostics.push(
                Diagnostic::new(Code::MissingDimension, format!("no id column `{name}`"))
                    .with_help(Some(
                        "name the id column with `id=`, or give `id=None`".into(),
                    )),
            );
        }
        let mut columns = Vec::new();
        for dimension in &policy.dimensions {
            match position(&dimension.name) {
                Some(i) if is_text(schema.field(i).data_type()) => columns.push(i),
                Some(i) => diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidScenario,
                        format!(
                            "column `{}` is {}, not text",
                            dimension.name,
                            schema.field(i).data_type()
                        ),
                    )
                    .with_label(column_span(schema, i), "a dimension's values are text")
                    .with_help(Some(
                        "cast it to a string (or dictionary of strings) column".into(),
                    )),
                ),
                None => diagnostics.push(
                    Diagnostic::new(
                        Code::MissingDimension,
                        format!("no column for dimension `{}`", dimension.name),
                    )
                    .with_help(Some(format!(
                        "add a column `{}` of text: one of {}",
                        dimension.name,
                        quoted(&dimension.values)
                    ))),
                ),
            }
        }
        // A column that is neither a dimension nor the id is most likely a
        // misspelt dimension: refused, as `eval --batch` refuses a field.
        let names: Vec<&str> = policy.dimensions.iter().map(|d| d.name.as_str()).collect();
        for (i, field) in schema.fields().iter().enumerate() {
            if Some(i) == id || names.contains(&field.name().as_str()) {
                continue;
            }
            let help = match onus::closest(field.name(), names.iter().copied()) {
                Some(near) => {
                    format!("did you mean `{near}`? Select only the dimensions and the id")
                }
                None => format!(
                    "the dimensions are {}; select only them and the id",
                    quoted(&names)
                ),
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownField,
                    format!("unknown column `{}`", field.name()),
                )
                .with_label(column_span(schema, i), "not a dimension of the policy")
                .with_help(Some(help)),
            );
        }
        if !diagnostics.is_empty() {
            return Err(Report::new(columns_source(schema), diagnostics));
        }
        let mut strides = Vec::new();
        let mut scenarios: u128 = 1;
        for dimension in &policy.dimensions {
            strides.push(scenarios);
            scenarios = scenarios
                .checked_mul(dimension.values.len() as u128)
                .ok_or_else(|| {
                    let message = "the policy has too many scenarios to number: use `eval_many`";
                    Report::new(
                        Source::new(&policy.name, ""),
                        vec![Diagnostic::new(Code::TooManyValues, message)],
                    )
                })?;
        }
        let values = (policy.dimensions.iter())
            .map(|d| {
                (d.values.iter().enumerate())
                    .map(|(i, v)| (v.as_str(), i))
                    .collect()
            })
            .collect();
        let fields: Vec<&'static str> = (DecisionFields::NAMES.iter().copied())
            .filter(|name| fields.has(name))
            .collect();
        let mut output = Vec::new();
        if let Some(i) = id {
            output.push(schema.field(i).clone());
        }
        output.push(Field::new("error_code", DataType::Utf8, true));
        output.push(Field::new("error", DataType::Utf8, true));
        for zone in &policy.zones {
            for field in &fields {
                let name = format!("{}.{field}", zone.name);
                output.push(Field::new(name, field_type(field), true));
            }
        }
        Ok(Plan {
            policy,
            columns,
            strides,
            values,
            id,
            fields,
            output: Arc::new(Schema::new(output)),
        })
    }

    /// One input batch's answers.
    fn evaluate(
        &self,
        batch: &RecordBatch,
        answers: &mut Answers,
    ) -> Result<RecordBatch, ArrowError> {
        let rows = batch.num_rows();
        let mut keys = vec![0u128; rows];
        let mut errors: Vec<Option<(Code, String)>> = vec![None; rows];
        for (d, &column) in self.columns.iter().enumerate() {
            let dimension = &self.policy.dimensions[d];
            let indices = value_indices(batch.column(column), &self.values[d])?;
            for (row, index) in indices.into_iter().enumerate() {
                match index {
                    Ok(value) => keys[row] += value as u128 * self.strides[d],
                    Err(written) if errors[row].is_none() => {
                        errors[row] = Some(row_error(dimension, written));
                    }
                    Err(_) => {}
                }
            }
        }
        // Each row's scenario, numbered in the order first seen.
        let slots: Vec<Option<usize>> = (keys.iter().zip(&errors))
            .map(|(&key, error)| match error {
                Some(_) => None,
                None => Some(answers.slot(key, &self.strides)),
            })
            .collect();
        let mut columns: Vec<ArrayRef> = Vec::new();
        if let Some(i) = self.id {
            columns.push(batch.column(i).clone());
        }
        let code: StringArray = errors
            .iter()
            .map(|e| e.as_ref().map(|(c, _)| c.name()))
            .collect();
        let message: StringArray = errors
            .iter()
            .map(|e| e.as_ref().map(|(_, m)| m.as_str()))
            .collect();
        columns.push(Arc::new(code));
        columns.push(Arc::new(message));
        for zone in 0..self.policy.zones.len() {
            for field in &self.fields {
                columns.push(answers.column(zone, field, &slots));
            }
        }
        RecordBatch::try_new(self.output.clone(), columns)
    }
}

fn quoted<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    quoted.join(", ")
}

/// A row's bad value, as `eval --batch` words it.
fn row_error(dimension: &onus::Dimension, written: Option<String>) -> (Code, String) {
    match written {
        None => (
            Code::InvalidScenario,
            format!("field `{}` must be a string, found null", dimension.name),
        ),
        Some(value) => (
            Code::UnknownName,
            format!(
                "`{value}` is not a value of dimension `{}`; allowed values: {}",
                dimension.name,
                quoted(&dimension.values)
            ),
        ),
    }
}

/// Per row of a text column: the value's index, or what was written
/// (`None` for null) if it is no value of the dimension.
fn value_indices(
    array: &ArrayRef,
    values: &HashMap<&str, usize>,
) -> Result<Vec<Result<usize, Option<String>>>, ArrowError> {
    let find = |text: Option<&str>| match text {
        Some(text) => values
            .get(text)
            .copied()
            .ok_or_else(|| Some(text.to_string())),
        None => Err(None),
    };
    Ok(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(find).collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().map(find).collect(),
        DataType::Utf8View => array.as_string_view().iter().map(find).collect(),
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            let entries = value_indices(dictionary.values(), values)?;
            let keys = dictionary.normalized_keys();
            (0..array.len())
                .map(|row| match dictionary.keys().is_null(row) {
                    true => Err(None),
                    false => entries[keys[row]].clone(),
                })
                .collect()
        }
        other => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "a dimension's column is text, not {other}"
            )))
        }
    })
}

/// The Arrow type of a decision field's column.
fn field_type(field: &str) -> DataType {
    let dictionary = |key: DataType| DataType::Dictionary(Box::new(key), Box::new(DataType::Utf8));
    match field {
        "rules" => DataType::List(Arc::new(Field::new_struct("item", rule_fields(), false))),
        "because" => dictionary(DataType::Int32),
        _ => dictionary(DataType::Int16),
    }
}

fn rule_fields() -> Fields {
    Fields::from(vec![
        Field::new("line", DataType::UInt32, false),
        Field::new("column", DataType::UInt32, false),
        Field::new("text", DataType::Utf8, false),
    ])
}

/// One zone's answer in one scenario, read from the CLI's JSON of it.
struct ZoneAnswer {
    party: Option<i16>,
    status: i16,
    rules: Vec<(u32, u32, String)>,
    because: Option<i32>,
}

/// Every distinct scenario seen so far and its answers.
struct Answers<'p> {
    policy: &'p Policy,
    /// A scenario's key to its slot.
    slots: HashMap<u128, usize>,
    /// Per slot, per zone.
    answers: Vec<Vec<ZoneAnswer>>,
    parties: Vec<String>,
    statuses: Vec<String>,
    /// Every `because` text seen, numbered.
    reasons: Vec<String>,
    reason_ids: HashMap<String, i32>,
}

impl<'p> Answers<'p> {
    fn new(policy: &'p Policy) -> Answers<'p> {
        Answers {
            policy,
            slots: HashMap::new(),
            answers: Vec::new(),
            parties: policy.parties.iter().map(|p| p.name.clone()).collect(),
            statuses: ["rule", "default", "conflict"].map(String::from).to_vec(),
            reasons: Vec::new(),
            reason_ids: HashMap::new(),
        }
    }

    /// The slot of the scenario with `key`, evaluated when first seen.
    fn slot(&mut self, key: u128, strides: &[u128]) -> usize {
        if let Some(&slot) = self.slots.get(&key) {
            return slot;
        }
        let policy = self.policy;
        let values = (policy.dimensions.iter().zip(strides))
            .map(|(d, &stride)| ((key / stride) % d.values.len() as u128) as usize)
            .collect();
        let decisions = policy.evaluate(&Scenario { values });
        let zones = decisions
            .iter()
            .map(|decision| {
                let bytes = onus::render::decision_bytes(policy, decision, DecisionFields::ALL);
                let json: serde_json::Value =
                    serde_json::from_slice(&bytes).expect("a decision's JSON is valid");
                self.zone_answer(&json)
            })
            .collect();
        let slot = self.answers.len();
        self.answers.push(zones);
        self.slots.insert(key, slot);
        slot
    }

    fn zone_answer(&mut self, json: &serde_json::Value) -> ZoneAnswer {
        let index = |names: &[String], name: &serde_json::Value| {
            (name.as_str()).and_then(|name| names.iter().position(|n| n == name))
        };
        let rules = (json["rules"].as_array().into_iter().flatten())
            .map(|rule| {
                let number = |key: &str| rule[key].as_u64().unwrap_or(0) as u32;
                let text = rule["text"].as_str().unwrap_or("").to_string();
                (number("line"), number("column"), text)
            })
            .collect();
        let because = json["because"].as_str().map(|text| {
            let next = self.reasons.len() as i32;
            *self.reason_ids.entry(text.to_string()).or_insert_with(|| {
                self.reasons.push(text.to_string());
                next
            })
        });
        ZoneAnswer {
            party: index(&self.parties, &json["party"]).map(|i| i as i16),
            status: index(&self.statuses, &json["status"]).unwrap_or(0) as i16,
            rules,
            because,
        }
    }

    /// One zone's column of one field for the rows' slots (null where the
    /// row has none).
    fn column(&self, zone: usize, field: &str, slots: &[Option<usize>]) -> ArrayRef {
        let at = |slot: &Option<usize>| slot.map(|s| &self.answers[s][zone]);
        let dictionary16 = |keys: Int16Array, values: &[String]| -> ArrayRef {
            let values = Arc::new(StringArray::from_iter_values(values));
            Arc::new(DictionaryArray::<Int16Type>::try_new(keys, values).expect("keys in range"))
        };
        match field {
            "label" => {
                let zone = &self.policy.zones[zone];
                let label = zone.label.clone().unwrap_or_else(|| zone.name.clone());
                let keys: Int16Array = slots.iter().map(|s| s.map(|_| 0)).collect();
                dictionary16(keys, &[label])
            }
            "party" => {
                let keys: Int16Array = slots.iter().map(|s| at(s).and_then(|a| a.party)).collect();
                dictionary16(keys, &self.parties)
            }
            "status" => {
                let keys: Int16Array = slots.iter().map(|s| at(s).map(|a| a.status)).collect();
                dictionary16(keys, &self.statuses)
            }
            "because" => {
                let keys: Int32Array = slots
                    .iter()
                    .map(|s| at(s).and_then(|a| a.because))
                    .collect();
                let values = Arc::new(StringArray::from_iter_values(&self.reasons));
                Arc::new(
                    DictionaryArray::<Int32Type>::try_new(keys, values).expect("keys in range"),
                )
            }
            _ => {
                let item = StructBuilder::from_fields(rule_fields(), 0);
                let mut list = ListBuilder::new(item).with_field(Arc::new(Field::new_struct(
                    "item",
                    rule_fields(),
                    false,
                )));
                for slot in slots {
                    let Some(answer) = at(slot) else {
                        list.append_null();
                        continue;
                    };
                    let rules = list.values();
                    for (line, column, text) in &answer.rules {
                        rules
                            .field_builder::<UInt32Builder>(0)
                            .expect("line")
                            .append_value(*line);
                        rules
                            .field_builder::<UInt32Builder>(1)
                            .expect("column")
                            .append_value(*column);
                        rules
                            .field_builder::<StringBuilder>(2)
                            .expect("text")
                            .append_value(text);
                        rules.append(true);
                    }
                    list.append(true);
                }
                Arc::new(list.finish())
            }
        }
    }
}
