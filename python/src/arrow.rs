//! `Policy.eval_arrow`: every row of an Arrow stream evaluated, columns in
//! and columns out, through the Arrow C data interface (pyarrow, Polars and
//! pandas through pyarrow all speak it).
//!
//! A row is a scenario: one text column per dimension, and an optional id
//! column copied through. The answer is one row per input row, in order:
//! the id, `error_code` and `error` (null unless the row's values are not a
//! scenario: then every decision column is null), and for each zone, in
//! the policy's order, a column `<zone>.<field>` for each chosen field. An
//! estate repeats few scenarios: each distinct one is evaluated once, its
//! answers read from the same JSON the CLI writes (so the two cannot
//! differ), and the text columns are dictionary-encoded indices into
//! dictionaries built once for the whole policy (every party, status and
//! rule's reason), shared by every batch.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, StructBuilder, UInt32Builder};
use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::types::{
    ArrowDictionaryKeyType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, DictionaryArray, Int16Array, Int32Array, RecordBatch, RecordBatchReader,
    StringArray,
};
use arrow_buffer::ArrowNativeType;
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
        .map_err(|error| PyValueError::new_err(format!("reading the Arrow stream: {error}")))?;
    Table::try_new(batches, plan.output.clone())
        .map_err(|error| PyValueError::new_err(error.to_string()))?
        .into_pyarrow(py)
}

/// A decision field as a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Label,
    Party,
    Status,
    Rules,
    Because,
}

impl Column {
    /// The columns `fields` chooses, in [`DecisionFields::NAMES`]' order.
    fn chosen(fields: DecisionFields) -> Vec<Column> {
        let all = [
            ("label", Column::Label),
            ("party", Column::Party),
            ("status", Column::Status),
            ("rules", Column::Rules),
            ("because", Column::Because),
        ];
        debug_assert_eq!(all.map(|(name, _)| name), DecisionFields::NAMES);
        (all.into_iter())
            .filter(|(name, _)| fields.has(name))
            .map(|(_, column)| column)
            .collect()
    }

    fn name(self) -> &'static str {
        match self {
            Column::Label => "label",
            Column::Party => "party",
            Column::Status => "status",
            Column::Rules => "rules",
            Column::Because => "because",
        }
    }

    fn data_type(self) -> DataType {
        let dictionary =
            |key: DataType| DataType::Dictionary(Box::new(key), Box::new(DataType::Utf8));
        match self {
            Column::Rules => DataType::List(Arc::new(rule_item())),
            Column::Because => dictionary(DataType::Int32),
            Column::Label | Column::Party | Column::Status => dictionary(DataType::Int16),
        }
    }
}

/// What a rule in a `rules` list holds: where it is and its text.
fn rule_fields() -> Fields {
    Fields::from(vec![
        Field::new("line", DataType::UInt32, false),
        Field::new("column", DataType::UInt32, false),
        Field::new("text", DataType::Utf8, false),
    ])
}

/// A rule in a `rules` list.
fn rule_item() -> Field {
    Field::new_struct("item", rule_fields(), false)
}

/// Where each dimension and the id are in the input, and the output's
/// schema.
struct Plan<'p> {
    policy: &'p Policy,
    /// Per dimension: its column.
    columns: Vec<usize>,
    /// Per dimension: the weight of its value in a scenario's number.
    strides: Vec<u128>,
    /// Per dimension: its values by name.
    values: Vec<HashMap<&'p str, usize>>,
    id: Option<usize>,
    fields: Vec<Column>,
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

/// Whether a column holds text a dimension's values can be read from.
fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

/// Names in backquotes, joined: `` `a`, `b` ``.
fn quoted<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    quoted.join(", ")
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
        let named = |name: &str| {
            (schema.fields().iter().enumerate())
                .filter(|(_, f)| f.name() == name)
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        // A name given twice would have one of its columns silently unread.
        for (i, field) in schema.fields().iter().enumerate() {
            if let Some(&first) = named(field.name()).first().filter(|&&first| first < i) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateField,
                        format!("column `{}` is given twice", field.name()),
                    )
                    .with_label(column_span(schema, i), "again")
                    .with_related(column_span(schema, first), "first here"),
                );
            }
        }
        let id = id_column.and_then(|name| named(name).first().copied());
        if let (Some(name), None, true) = (id_column, id, id_required) {
            diagnostics.push(
                Diagnostic::new(Code::InvalidSetting, format!("no id column `{name}`")).with_help(
                    Some("name the id column with `id=`, or give `id=None`".into()),
                ),
            );
        }
        let columns = Column::chosen(fields);
        let output_names: Vec<String> = ["error_code", "error"]
            .map(String::from)
            .into_iter()
            .chain((policy.zones.iter()).flat_map(|z| {
                columns
                    .iter()
                    .map(move |c| format!("{}.{}", z.name, c.name()))
            }))
            .collect();
        if let Some(i) = id.filter(|&i| output_names.contains(schema.field(i).name())) {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidSetting,
                    format!(
                        "the id column `{}` has the name of an answer column",
                        schema.field(i).name()
                    ),
                )
                .with_label(
                    column_span(schema, i),
                    "the answer has a column of this name",
                )
                .with_help(Some("rename the id column".into())),
            );
        }
        let mut dimension_columns = Vec::new();
        for dimension in &policy.dimensions {
            match named(&dimension.name).first() {
                Some(&i) if is_text(schema.field(i).data_type()) => dimension_columns.push(i),
                Some(&i) => diagnostics.push(
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
        // Parties are written as 16-bit dictionary keys.
        if policy.parties.len() > i16::MAX as usize {
            diagnostics.push(Diagnostic::new(
                Code::TooManyValues,
                format!(
                    "the policy has {} parties; `eval_arrow` takes up to {}: use `eval_many`",
                    policy.parties.len(),
                    i16::MAX
                ),
            ));
        }
        let mut strides = Vec::new();
        let mut scenarios: u128 = 1;
        for dimension in &policy.dimensions {
            strides.push(scenarios);
            match scenarios.checked_mul(dimension.values.len() as u128) {
                Some(product) => scenarios = product,
                None => {
                    diagnostics.push(Diagnostic::new(
                        Code::TooManyValues,
                        "the policy has too many scenarios to number: use `eval_many`",
                    ));
                    break;
                }
            }
        }
        if !diagnostics.is_empty() {
            return Err(Report::new(columns_source(schema), diagnostics));
        }
        let values = (policy.dimensions.iter())
            .map(|d| {
                (d.values.iter().enumerate())
                    .map(|(i, v)| (v.as_str(), i))
                    .collect()
            })
            .collect();
        let mut output = Vec::new();
        if let Some(i) = id {
            output.push(schema.field(i).clone());
        }
        output.push(Field::new("error_code", DataType::Utf8, true));
        output.push(Field::new("error", DataType::Utf8, true));
        for zone in &policy.zones {
            for column in &columns {
                output.push(Field::new(
                    format!("{}.{}", zone.name, column.name()),
                    column.data_type(),
                    true,
                ));
            }
        }
        Ok(Plan {
            policy,
            columns: dimension_columns,
            strides,
            values,
            id,
            fields: columns,
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
        let mut numbers = vec![0u128; rows];
        let mut errors: Vec<Option<(Code, String)>> = vec![None; rows];
        for (d, &column) in self.columns.iter().enumerate() {
            let dimension = &self.policy.dimensions[d];
            let indices = value_indices(batch.column(column), &self.values[d])?;
            for (row, index) in indices.into_iter().enumerate() {
                match index {
                    Ok(value) => numbers[row] += value as u128 * self.strides[d],
                    Err(written) if errors[row].is_none() => {
                        errors[row] = Some(row_error(dimension, written));
                    }
                    Err(_) => {}
                }
            }
        }
        // Each row's scenario, numbered in the order first seen.
        let slots: Vec<Option<usize>> = (numbers.iter().zip(&errors))
            .map(|(&number, error)| match error {
                Some(_) => None,
                None => Some(answers.slot(number, &self.strides)),
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
            for &field in &self.fields {
                columns.push(answers.column(zone, field, &slots)?);
            }
        }
        RecordBatch::try_new(self.output.clone(), columns)
    }
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

/// A row's value: its index among the dimension's values, or what was
/// written (`None` for null) if it is none of them.
type Read = Result<usize, Option<String>>;

/// Per row of a text column, its value.
fn value_indices(array: &ArrayRef, values: &HashMap<&str, usize>) -> Result<Vec<Read>, ArrowError> {
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
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => dictionary_indices::<Int8Type>(array, values)?,
            DataType::Int16 => dictionary_indices::<Int16Type>(array, values)?,
            DataType::Int32 => dictionary_indices::<Int32Type>(array, values)?,
            DataType::Int64 => dictionary_indices::<Int64Type>(array, values)?,
            DataType::UInt8 => dictionary_indices::<UInt8Type>(array, values)?,
            DataType::UInt16 => dictionary_indices::<UInt16Type>(array, values)?,
            DataType::UInt32 => dictionary_indices::<UInt32Type>(array, values)?,
            DataType::UInt64 => dictionary_indices::<UInt64Type>(array, values)?,
            other => {
                return Err(ArrowError::InvalidArgumentError(format!(
                    "a dictionary's keys are integers, not {other}"
                )))
            }
        },
        other => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "a dimension's column is text, not {other}"
            )))
        }
    })
}

/// [`value_indices`] of a dictionary column: each dictionary entry read
/// once. Data from the C interface is not validated on import, so a key
/// outside the dictionary is refused here, not read as another entry.
fn dictionary_indices<K: ArrowDictionaryKeyType>(
    array: &ArrayRef,
    values: &HashMap<&str, usize>,
) -> Result<Vec<Read>, ArrowError> {
    let dictionary = array.as_dictionary::<K>();
    let entries = value_indices(dictionary.values(), values)?;
    (dictionary.keys().iter())
        .map(|key| match key {
            None => Ok(Err(None)),
            Some(key) => (key.to_usize())
                .filter(|&k| k < entries.len())
                .map(|k| entries[k].clone())
                .ok_or_else(|| {
                    ArrowError::InvalidArgumentError(format!(
                        "dictionary key {key:?} is outside its {} entries",
                        entries.len()
                    ))
                }),
        })
        .collect()
}

/// One zone's answer in one scenario, read from the CLI's JSON of it.
struct ZoneAnswer {
    party: Option<i16>,
    status: i16,
    rules: Vec<(u32, u32, String)>,
    because: Option<i32>,
}

/// Every distinct scenario seen so far and its answers, and the
/// dictionaries every batch shares.
struct Answers<'p> {
    policy: &'p Policy,
    /// A scenario's number to its slot.
    slots: HashMap<u128, usize>,
    /// Per slot, per zone.
    answers: Vec<Vec<ZoneAnswer>>,
    parties: ArrayRef,
    statuses: ArrayRef,
    /// Every rule's reason, each once, in rule order: all a decision's
    /// `because` can be.
    reasons: ArrayRef,
    reason_ids: HashMap<&'p str, i32>,
    /// Per zone: its label as a one-entry dictionary.
    labels: Vec<ArrayRef>,
}

/// The statuses as JSON writes them, in the order of the keys.
const STATUSES: [onus::Status; 3] = [
    onus::Status::Rule,
    onus::Status::Default,
    onus::Status::Conflict,
];

impl<'p> Answers<'p> {
    fn new(policy: &'p Policy) -> Answers<'p> {
        let mut reason_ids = HashMap::new();
        let mut reasons = Vec::new();
        for because in policy.rules.iter().filter_map(|r| r.because.as_deref()) {
            reason_ids.entry(because).or_insert_with(|| {
                reasons.push(because);
                reasons.len() as i32 - 1
            });
        }
        let text = |values: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(values)) };
        Answers {
            policy,
            slots: HashMap::new(),
            answers: Vec::new(),
            parties: text(policy.parties.iter().map(|p| p.name.as_str()).collect()),
            statuses: text(STATUSES.iter().map(|s| s.name()).collect()),
            reasons: text(reasons),
            reason_ids,
            labels: (policy.zones.iter())
                .map(|z| text(vec![z.label.as_deref().unwrap_or(&z.name)]))
                .collect(),
        }
    }

    /// The slot of the scenario numbered `number`, evaluated when first
    /// seen.
    fn slot(&mut self, number: u128, strides: &[u128]) -> usize {
        if let Some(&slot) = self.slots.get(&number) {
            return slot;
        }
        let policy = self.policy;
        let values = (policy.dimensions.iter().zip(strides))
            .map(|(d, &stride)| ((number / stride) % d.values.len() as u128) as usize)
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
        self.slots.insert(number, slot);
        slot
    }

    /// A decision's JSON as the indices and rules a row's columns hold.
    fn zone_answer(&self, json: &serde_json::Value) -> ZoneAnswer {
        let policy = self.policy;
        let rules = (json["rules"].as_array().into_iter().flatten())
            .map(|rule| {
                let number = |key: &str| rule[key].as_u64().unwrap_or(0) as u32;
                let text = rule["text"].as_str().unwrap_or("").to_string();
                (number("line"), number("column"), text)
            })
            .collect();
        let party = json["party"].as_str().and_then(|name| {
            (policy.parties.iter())
                .position(|p| p.name == name)
                .map(|i| i as i16)
        });
        let status = (STATUSES.iter())
            .position(|s| json["status"].as_str() == Some(s.name()))
            .expect("a decision's status is one of the three");
        ZoneAnswer {
            party,
            status: status as i16,
            rules,
            because: json["because"]
                .as_str()
                .and_then(|text| self.reason_ids.get(text).copied()),
        }
    }

    /// One zone's column of one field for the rows' slots (null where the
    /// row has none).
    fn column(
        &self,
        zone: usize,
        field: Column,
        slots: &[Option<usize>],
    ) -> Result<ArrayRef, ArrowError> {
        let at = |slot: &Option<usize>| slot.map(|s| &self.answers[s][zone]);
        let keyed = |keys: Int16Array, values: &ArrayRef| -> Result<ArrayRef, ArrowError> {
            Ok(Arc::new(DictionaryArray::<Int16Type>::try_new(
                keys,
                values.clone(),
            )?))
        };
        Ok(match field {
            Column::Label => keyed(
                slots.iter().map(|s| s.map(|_| 0)).collect(),
                &self.labels[zone],
            )?,
            Column::Party => keyed(
                slots.iter().map(|s| at(s).and_then(|a| a.party)).collect(),
                &self.parties,
            )?,
            Column::Status => keyed(
                slots.iter().map(|s| at(s).map(|a| a.status)).collect(),
                &self.statuses,
            )?,
            Column::Because => {
                let keys: Int32Array = slots
                    .iter()
                    .map(|s| at(s).and_then(|a| a.because))
                    .collect();
                Arc::new(DictionaryArray::<Int32Type>::try_new(
                    keys,
                    self.reasons.clone(),
                )?)
            }
            Column::Rules => {
                let mut list = ListBuilder::new(StructBuilder::from_fields(rule_fields(), 0))
                    .with_field(Arc::new(rule_item()));
                for slot in slots {
                    let Some(answer) = at(slot) else {
                        list.append_null();
                        continue;
                    };
                    let rules = list.values();
                    for (line, column, text) in &answer.rules {
                        (rules.field_builder::<UInt32Builder>(0).expect("line"))
                            .append_value(*line);
                        (rules.field_builder::<UInt32Builder>(1).expect("column"))
                            .append_value(*column);
                        (rules.field_builder::<StringBuilder>(2).expect("text")).append_value(text);
                        rules.append(true);
                    }
                    list.append(true);
                }
                Arc::new(list.finish())
            }
        })
    }
}
