//! Scenario input (a JSON object, or `--set dim=value` arguments) to a
//! [`Scenario`] of a policy: every dimension given exactly one declared value.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::base::names::closest;
use crate::base::span::Span;
use crate::diagnostic::{Code, Diagnostic, Report, Source, ToDiagnostic};
use crate::model::policy::{Policy, Scenario};

/// Why a scenario does not fit its policy.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// `{"model": "iaas",}`, or an empty file.
    #[error("scenario is not valid JSON: {message}")]
    Json {
        /// Where it is in the source.
        span: Span,
        /// What the JSON reader said.
        message: String,
    },
    /// `["iaas"]`
    #[error("scenario must be a JSON object, found {found}")]
    NotAnObject {
        /// Where it is in the source.
        span: Span,
        /// What was found instead.
        found: &'static str,
    },
    /// `{}` under a policy with dimension `model`.
    /// `span` is `None` when the scenario came from `--set` alone.
    #[error("scenario gives no value for dimension `{dimension}`")]
    MissingDimension {
        /// The dimension.
        dimension: String,
        /// The dimension's values.
        allowed: Vec<String>,
        /// Where it is in the source.
        span: Option<Span>,
    },
    /// `{"modle": "iaas"}`
    #[error("unknown field `{name}`")]
    UnknownField {
        /// The name as written.
        name: String,
        /// Where it is in the source.
        span: Span,
        /// The closest known name, if close enough to be a typo.
        suggestion: Option<String>,
        /// The names allowed there.
        known: Vec<String>,
    },
    /// `{"model": 3}`
    #[error("field `{name}` must be a string, found {found}")]
    WrongType {
        /// The name as written.
        name: String,
        /// Where it is in the source.
        span: Span,
        /// What was found instead.
        found: &'static str,
    },
    /// `{"model": "iass"}`
    #[error("`{value}` is not a value of dimension `{dimension}`")]
    UnknownValue {
        /// The dimension.
        dimension: String,
        /// The value as written.
        value: String,
        /// Where it is in the source.
        span: Span,
        /// The closest known name, if close enough to be a typo.
        suggestion: Option<String>,
        /// The dimension's values.
        allowed: Vec<String>,
    },
    /// `{"model": "iaas", "model": "paas"}`
    #[error("field `{name}` is given twice")]
    DuplicateField {
        /// The name as written.
        name: String,
        /// Where it is in the source.
        span: Span,
        /// Where it was first given.
        first: Span,
    },
    /// `{"id": 1e400}`, `{"id": "\ud800"}`: an id a strict JSON reader
    /// would refuse or misread, so it cannot be echoed.
    #[error("`id` cannot be echoed: {reason}")]
    InvalidId {
        /// Where the id is.
        span: Span,
        /// What is wrong with it.
        reason: String,
    },
    /// `--set model=iaas --set model=paas`: refused like a duplicate JSON
    /// field, rather than the last one silently winning.
    #[error("`{flag}` sets `{name}` twice")]
    SetTwice {
        /// The flag: `--set`, `--from`, `--to`.
        flag: String,
        /// The dimension as written.
        name: String,
        /// Where it is set again.
        span: Span,
        /// Where it was first set.
        first: Span,
    },
    /// `--set model`, `--from "model=iaas model=paas"`
    #[error("`{flag}` takes `dimension=value`, found `{found}`")]
    BadSetting {
        /// The flag it was given with: `--set`, `--from`, `--to`.
        flag: String,
        /// What was found instead.
        found: String,
        /// Where it is in the source.
        span: Span,
    },
}

impl ToDiagnostic for ScenarioError {
    fn to_diagnostic(&self) -> Diagnostic {
        let message = self.to_string();
        let error = |code| Diagnostic::new(code, message.clone());
        match self {
            ScenarioError::Json { span, .. } => error(Code::InvalidJson).with_label(*span, "here"),
            ScenarioError::NotAnObject { span, .. } => error(Code::InvalidScenario)
                .with_label(*span, "expected an object")
                .with_help(Some("a scenario reads `{\"model\": \"iaas\"}`".into())),
            ScenarioError::MissingDimension {
                dimension,
                allowed,
                span,
            } => match span {
                Some(span) => error(Code::MissingDimension)
                    .with_label(*span, format!("`{dimension}` is missing"))
                    .with_help(Some(format!(
                        "add `\"{dimension}\": ...`, one of {}",
                        quoted_list(allowed)
                    ))),
                None => error(Code::MissingDimension).with_help(Some(format!(
                    "add `--set {dimension}=...`, one of {}",
                    quoted_list(allowed)
                ))),
            },
            ScenarioError::UnknownField {
                span,
                suggestion,
                known,
                ..
            } => error(Code::UnknownField)
                .with_label(*span, "not a dimension of this policy")
                .with_help(Some(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the dimensions are {}", quoted_list(known)),
                }))
                .with_replacement(suggestion.clone()),
            ScenarioError::InvalidId { span, .. } => error(Code::InvalidScenario)
                .with_label(*span, "this id")
                .with_help(Some(ID_RULE.into())),
            ScenarioError::WrongType { span, .. } => {
                error(Code::InvalidScenario).with_label(*span, "expected a string")
            }
            ScenarioError::UnknownValue {
                span,
                suggestion,
                allowed,
                ..
            } => error(Code::UnknownName)
                .with_label(*span, "no such value")
                .with_help(Some(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("allowed values: {}", quoted_list(allowed)),
                }))
                .with_replacement(suggestion.clone()),
            ScenarioError::DuplicateField { span, first, .. } => error(Code::DuplicateField)
                .with_label(*span, "given again here")
                .with_related(*first, "first given here"),
            ScenarioError::SetTwice { span, first, .. } => error(Code::DuplicateField)
                .with_label(*span, "set again here")
                .with_related(*first, "first set here")
                .with_help(Some("give each dimension one value".into())),
            ScenarioError::BadSetting { span, flag, .. } => error(Code::InvalidSetting)
                .with_label(*span, "expected `dimension=value`")
                .with_help(Some(format!(
                    "for example `{flag} model=iaas`, one setting each"
                ))),
        }
    }
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Values found so far, one slot per dimension of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialScenario {
    values: Vec<Option<usize>>,
}

impl PartialScenario {
    /// No dimension given yet.
    pub fn empty(policy: &Policy) -> Self {
        PartialScenario {
            values: vec![None; policy.dimensions.len()],
        }
    }

    /// Whether a dimension has a value.
    pub fn has(&self, dimension: usize) -> bool {
        self.values[dimension].is_some()
    }

    /// A dimension's value (its index), if given (the readers of partial
    /// scenarios give a dimension with a single value that value).
    pub fn value(&self, dimension: usize) -> Option<usize> {
        self.values[dimension]
    }

    /// Sets a dimension's value by index.
    pub fn set_index(&mut self, dimension: usize, value: usize) {
        self.values[dimension] = Some(value);
    }

    /// Writes this scenario's values over `values` (indices per dimension).
    pub fn apply(&self, values: &mut [usize]) {
        for (slot, value) in values.iter_mut().zip(&self.values) {
            if let Some(v) = value {
                *slot = *v;
            }
        }
    }

    /// Fills in `other`'s values over this one's.
    pub fn overlay(&mut self, other: &PartialScenario) {
        for (mine, theirs) in self.values.iter_mut().zip(&other.values) {
            if theirs.is_some() {
                *mine = *theirs;
            }
        }
    }

    /// The scenario, if every dimension has a value; else which are missing,
    /// reported at `span` (`None` for `--set` alone). A dimension with one
    /// value may be left out: it can only take that value.
    pub fn complete(
        &self,
        policy: &Policy,
        span: Option<Span>,
    ) -> Result<Scenario, Vec<ScenarioError>> {
        let missing: Vec<ScenarioError> = self
            .values
            .iter()
            .zip(&policy.dimensions)
            .filter(|(v, d)| v.is_none() && d.values.len() > 1)
            .map(|(_, d)| ScenarioError::MissingDimension {
                dimension: d.name.clone(),
                allowed: d.values.clone(),
                span,
            })
            .collect();
        if missing.is_empty() {
            Ok(Scenario {
                values: self.values.iter().map(|v| v.unwrap_or(0)).collect(),
            })
        } else {
            Err(missing)
        }
    }

    fn set(
        &mut self,
        policy: &Policy,
        name: &str,
        value: &str,
        name_span: Span,
        value_span: Span,
    ) -> Result<(), ScenarioError> {
        let Some(d) = policy.dimension_index(name) else {
            let names = policy.dimensions.iter().map(|d| d.name.as_str());
            return Err(ScenarioError::UnknownField {
                name: name.to_string(),
                span: name_span,
                suggestion: closest(name, names.clone()).map(str::to_string),
                known: names.map(str::to_string).collect(),
            });
        };
        let dimension = &policy.dimensions[d];
        let Some(v) = dimension.value_index(value) else {
            let values = dimension.values.iter().map(String::as_str);
            return Err(ScenarioError::UnknownValue {
                dimension: dimension.name.clone(),
                value: value.to_string(),
                span: value_span,
                suggestion: closest(value, values).map(str::to_string),
                allowed: dimension.values.clone(),
            });
        };
        self.values[d] = Some(v);
        Ok(())
    }
}

/// Reads settings given with `flag`, as one text of `dim=value` words
/// separated by single spaces (so spans point into it).
fn from_settings(
    policy: &Policy,
    flag: &str,
    text: &str,
) -> Result<PartialScenario, Vec<ScenarioError>> {
    let mut scenario = PartialScenario::empty(policy);
    let mut errors = Vec::new();
    let mut offset = 0;
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for word in text.split(' ') {
        let span = Span::new(offset, offset + word.len());
        offset += word.len() + 1;
        if word.is_empty() && text.is_empty() {
            continue;
        }
        let Some((name, value)) = word.split_once('=') else {
            errors.push(ScenarioError::BadSetting {
                flag: flag.to_string(),
                found: word.to_string(),
                span,
            });
            continue;
        };
        let name_span = Span::new(span.start, span.start + name.len());
        let value_span = Span::new(name_span.end + 1, span.end);
        if let Some(&(_, first)) = seen.iter().find(|(seen, _)| *seen == name) {
            errors.push(ScenarioError::SetTwice {
                flag: flag.to_string(),
                name: name.to_string(),
                span: name_span,
                first,
            });
            continue;
        }
        seen.push((name, name_span));
        if let Err(e) = scenario.set(policy, name, value, name_span, value_span) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(scenario)
    } else {
        Err(errors)
    }
}

/// Whether a scenario object may carry an `"id"` (batch records do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdField {
    /// An `"id"` is allowed, checked (see [`Id`]) and returned.
    Allowed,
    /// `"id"` is an unknown field like any other.
    Refused,
}

/// Reads a scenario object.
pub fn from_json(
    policy: &Policy,
    text: &str,
    id_field: IdField,
) -> Result<(PartialScenario, Option<Id>), Vec<ScenarioError>> {
    let fields = match serde_json::from_str::<Fields>(text) {
        Ok(fields) => fields,
        Err(e) => return Err(vec![json_error(text, &e)]),
    };
    let whole = object_span(text);
    let entries = match fields {
        Fields::Object(entries) => entries,
        Fields::Other(found) => {
            let start = text.len() - text.trim_start().len();
            return Err(vec![ScenarioError::NotAnObject {
                span: Span::new(start, start + 1),
                found,
            }]);
        }
    };
    let mut scenario = PartialScenario::empty(policy);
    let mut errors = Vec::new();
    let mut id = None;
    let key_spans = top_level_keys(text);
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for (index, (name, value)) in entries.iter().enumerate() {
        let name_span = key_spans.get(index).copied().unwrap_or(whole);
        if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
            errors.push(ScenarioError::DuplicateField {
                name: name.clone(),
                span: name_span,
                first: *first,
            });
            continue;
        }
        seen.push((name, name_span));
        if id_field == IdField::Allowed && name == "id" {
            match Id::new(value.clone()) {
                Ok(valid) => id = Some(valid),
                Err(reason) => errors.push(ScenarioError::InvalidId {
                    span: value_span_after(text, name_span).unwrap_or(name_span),
                    reason,
                }),
            }
            continue;
        }
        let value_span = value_span_after(text, name_span).unwrap_or(name_span);
        let result = match serde_json::from_str::<String>(value.get()) {
            Ok(v) => scenario.set(policy, name, &v, name_span, value_span),
            Err(_) => {
                if policy.dimension_index(name).is_some() {
                    Err(ScenarioError::WrongType {
                        name: name.clone(),
                        span: value_span,
                        found: json_type(value),
                    })
                } else {
                    scenario.set(policy, name, "", name_span, value_span)
                }
            }
        };
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok((scenario, id))
    } else {
        Err(errors)
    }
}

/// Where the object starts, for errors about the whole scenario.
pub fn object_span(text: &str) -> Span {
    match text.find('{') {
        Some(i) => Span::new(i, i + 1),
        None => Span::new(0, 0),
    }
}

/// The type of a raw JSON value, by its first character.
fn json_type(value: &RawValue) -> &'static str {
    match value.get().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string that is not valid Unicode",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// The `"id"` of a line that is a JSON object, even if the rest of it is
/// not a valid scenario: the first `"id"` entry, as written, if it is one
/// that may be echoed.
pub fn id_of(text: &str) -> Option<Id> {
    match serde_json::from_str::<Fields>(text).ok()? {
        Fields::Object(entries) => {
            let (_, id) = entries.into_iter().find(|(k, _)| k == "id")?;
            Id::new(id).ok()
        }
        Fields::Other(_) => None,
    }
}

/// What an id may be, so that every output line that echoes it is valid
/// for a strict reader (RFC 8259 and I-JSON, RFC 7493).
const ID_RULE: &str = "an id is a string, a number (a whole number from -9007199254740991 to 9007199254740991), true, false, null, or an array or object of those (each key once); write other numbers as strings";

/// A scenario's `"id"`, echoed byte for byte in its answer: checked to be
/// I-JSON (RFC 7493), so that a strict reader reads back exactly what was
/// sent. Strings hold no lone surrogate and no noncharacter, numbers are
/// finite (not `1e400`) and whole numbers are ones a double holds exactly
/// (an id that rounds would name another thing), and no object has a key
/// twice.
#[derive(Clone, Debug)]
pub struct Id(Box<RawValue>);

impl Id {
    /// The id, if it is one that may be echoed; else what is wrong with it.
    pub fn new(raw: Box<RawValue>) -> Result<Id, String> {
        Id::check(&raw).map(|()| Id(raw))
    }

    /// Whether `raw` may be an id, without copying it.
    pub(crate) fn check(raw: &RawValue) -> Result<(), String> {
        // Echoed byte for byte, so raw DEL, C1 and bidi characters would
        // reach a terminal: they must be written as `\u` escapes. (A raw
        // CR can only be whitespace between tokens: JSON strings hold none.)
        let unsafe_raw = |c: char| c != '\r' && crate::base::text::unsafe_on_a_terminal(c);
        if let Some(c) = raw.get().chars().find(|&c| unsafe_raw(c)) {
            return Err(format!(
                "it holds U+{:04X} as it is; write it as the escape `\\u{:04x}`",
                u32::from(c),
                u32::from(c)
            ));
        }
        serde_json::from_str::<StrictJson>(raw.get())
            .map(|StrictJson| ())
            .map_err(|error| {
                let message = error.to_string();
                let reason = message
                    .rsplit_once(" at line ")
                    .map_or(&*message, |(m, _)| m);
                match reason {
                    "number out of range" => "a number in it is beyond a double's range".into(),
                    // serde_json's words for a lone surrogate escape.
                    r if r.contains("escape") || r.contains("surrogate") => {
                        "a string in it has a lone surrogate escape, such as `\\ud800`".into()
                    }
                    r => r.to_string(),
                }
            })
    }

    /// The id as it was written.
    pub fn json(&self) -> &RawValue {
        &self.0
    }
}

/// A JSON value that is I-JSON with integer numbers: reading one checks it.
struct StrictJson;

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictJson)
    }
}

/// The largest integer a double holds exactly, with all below it.
const EXACT_INTEGER: u64 = (1 << 53) - 1;

impl<'de> Visitor<'de> for StrictJson {
    type Value = StrictJson;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<StrictJson, E> {
        Ok(StrictJson)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<StrictJson, E> {
        Ok(StrictJson)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<StrictJson, E> {
        match n <= EXACT_INTEGER {
            true => Ok(StrictJson),
            false => Err(E::custom(format!(
                "{n} is beyond ±{EXACT_INTEGER}, the integers a double holds exactly"
            ))),
        }
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<StrictJson, E> {
        match n.unsigned_abs() <= EXACT_INTEGER {
            true => Ok(StrictJson),
            false => Err(E::custom(format!(
                "{n} is beyond ±{EXACT_INTEGER}, the integers a double holds exactly"
            ))),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<StrictJson, E> {
        // Finite: serde_json has refused an overflow such as `1e400`.
        match n.fract() != 0.0 || n.abs() <= EXACT_INTEGER as f64 {
            true => Ok(StrictJson),
            false => Err(E::custom(format!(
                "a whole number in it is beyond ±{EXACT_INTEGER}, the integers a double holds exactly"
            ))),
        }
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<StrictJson, E> {
        // serde_json has already refused a lone surrogate escape; I-JSON
        // also forbids noncharacters.
        match text
            .chars()
            .find(|&c| matches!(c, '\u{FDD0}'..='\u{FDEF}') || u32::from(c) & 0xFFFE == 0xFFFE)
        {
            Some(c) => Err(E::custom(format!(
                "a string in it holds the noncharacter U+{:04X}",
                u32::from(c)
            ))),
            None => Ok(StrictJson),
        }
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<StrictJson, A::Error> {
        while seq.next_element::<StrictJson>()?.is_some() {}
        Ok(StrictJson)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictJson, A::Error> {
        let mut keys = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            StrictJson.visit_str::<A::Error>(&key)?;
            map.next_value::<StrictJson>()?;
            if !keys.insert(key) {
                return Err(serde::de::Error::custom("an object in it has a key twice"));
            }
        }
        Ok(StrictJson)
    }
}

fn json_error(text: &str, error: &serde_json::Error) -> ScenarioError {
    let (span, message) = json_error_at(text, error);
    ScenarioError::Json { span, message }
}

/// Where in `text` serde_json failed (its columns count bytes; the span is
/// one whole character), and its message without " at line L column C".
pub(crate) fn json_error_at(text: &str, error: &serde_json::Error) -> (Span, String) {
    let offset = if error.line() == 0 {
        text.len()
    } else {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(error.line() - 1)
            .map(str::len)
            .sum();
        // serde_json counts columns in bytes.
        let line = text[line_start..].split('\n').next().unwrap_or("");
        let mut column = error.column().saturating_sub(1).min(line.len());
        while !line.is_char_boundary(column) {
            column -= 1;
        }
        line_start + column
    };
    let end = text[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    let message = error.to_string();
    // serde_json appends " at line L column C"; the span says where.
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    (Span::new(offset, end), message)
}

/// The spans of the keys of the outermost object, in order: the same order
/// as its entries, so entry `i` is at span `i`, escapes and nested objects
/// notwithstanding.
fn top_level_keys(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut expecting_key = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && expecting_key {
                    keys.push(Span::new(start, (i + 1).min(bytes.len())));
                    expecting_key = false;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                expecting_key = depth == 1 && bytes[i] == b'{';
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expecting_key = true,
            _ => {}
        }
        i += 1;
    }
    keys
}

/// The span of the value that follows a key's colon.
fn value_span_after(text: &str, key: Span) -> Option<Span> {
    let after_colon = key.end + text[key.end..].find(':')? + 1;
    let rest = &text[after_colon..];
    let start = after_colon + (rest.len() - rest.trim_start().len());
    let value = &text[start..];
    let len = if let Some(body) = value.strip_prefix('"') {
        let mut escaped = false;
        body.char_indices()
            .find(|&(_, c)| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close
            })
            .map_or(value.len(), |(i, _)| i + 2)
    } else {
        value.find([',', '}', '\n']).unwrap_or(value.len())
    };
    Some(Span::new(start, start + value[..len].trim_end().len()))
}

/// A JSON document read as an object's entries in order, duplicates kept.
/// Values stay raw: a scenario reads only strings, and an `"id"` travels
/// as written, whatever its type or size.
enum Fields {
    Object(Vec<(String, Box<RawValue>)>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
            entries.push(entry);
        }
        Ok(Fields::Object(entries))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Fields, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Fields::Other("an array"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Fields, E> {
        Ok(Fields::Other("a string"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Fields, E> {
        Ok(Fields::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Fields, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Fields, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Fields, E> {
        Ok(Fields::Other("a number"))
    }

    fn visit_unit<E>(self) -> Result<Fields, E> {
        Ok(Fields::Other("null"))
    }
}

/// Reads command-line settings (`--set model=iaas`, `--from ...`), one
/// `dimension=value` per argument. `origin` names them in diagnostics,
/// which point into the arguments joined by spaces. An argument with a
/// space in it is refused, never read as two settings: every command reads
/// settings through here.
pub fn from_arguments(
    policy: &Policy,
    origin: &str,
    arguments: &[String],
) -> Result<PartialScenario, Report> {
    let text = arguments.join(" ");
    let mut offset = 0;
    let mut errors = Vec::new();
    for word in arguments {
        if word.contains(char::is_whitespace) {
            errors.push(ScenarioError::BadSetting {
                flag: origin.to_string(),
                found: word.clone(),
                span: Span::new(offset, offset + word.len()),
            });
        }
        offset += word.len() + 1;
    }
    let report =
        |errors: &[ScenarioError]| Report::from_errors(Source::new(origin, text.clone()), errors);
    if !errors.is_empty() {
        return Err(report(&errors));
    }
    from_settings(policy, origin, &text).map_err(|errors| report(&errors))
}

/// A complete scenario from command-line settings alone.
pub fn complete_from_arguments(
    policy: &Policy,
    origin: &str,
    arguments: &[String],
) -> Result<Scenario, Report> {
    from_arguments(policy, origin, arguments)?
        .complete(policy, None)
        .map_err(|errors| Report::from_errors(Source::new(origin, arguments.join(" ")), &errors))
}

/// The scenario of a JSON file (or `-` for stdin) and `--set` settings,
/// which win over the file, with the file's `"id"` if it has one. With
/// neither, the only scenario of a policy whose dimensions each have one
/// value, else a diagnostic that says how to give one. The file is read by
/// `read_file`, after the settings are checked (this layer does no I/O).
pub fn read(
    policy: &Policy,
    path: Option<&str>,
    settings: &[String],
    read_file: impl FnOnce(&str) -> Result<Source, Report>,
) -> Result<(Scenario, Option<Id>), Report> {
    let overrides = from_arguments(policy, "--set", settings)?;
    let Some(path) = path else {
        let only_one = policy.dimensions.iter().all(|d| d.values.len() == 1);
        if settings.is_empty() && !only_one {
            let example: Vec<String> = policy
                .dimensions
                .iter()
                .map(|d| format!("--set {}={}", d.name, d.values[0]))
                .collect();
            let diagnostic = Diagnostic::new(Code::MissingScenario, "no scenario given").with_help(
                Some(format!(
                    "pass a JSON scenario file, `-` for stdin, or `{}`",
                    example.join(" ")
                )),
            );
            return Err(Report::new(Source::new(&policy.name, ""), vec![diagnostic]));
        }
        let scenario = overrides.complete(policy, None).map_err(|errors| {
            Report::from_errors(Source::new("--set", settings.join(" ")), &errors)
        })?;
        return Ok((scenario, None));
    };
    read_text(policy, read_file(path)?, settings)
}

/// [`read`] of a scenario's JSON text already in hand (a request's body).
pub fn read_text(
    policy: &Policy,
    source: Source,
    settings: &[String],
) -> Result<(Scenario, Option<Id>), Report> {
    let overrides = from_arguments(policy, "--set", settings)?;
    let (mut from_file, id) = from_json(policy, &source.text, IdField::Allowed)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    from_file.overlay(&overrides);
    let scenario = from_file
        .complete(policy, Some(object_span(&source.text)))
        .map_err(|errors| Report::from_errors(source, &errors))?;
    Ok((scenario, id))
}

/// The scenario of a JSON file (`-` for stdin) overridden by `--set`
/// settings, with dimensions left open allowed (`eval --partial`); a
/// dimension with a single value takes it. Neither file nor settings
/// leaves every dimension open. The file is read by `read_file`, as in
/// [`read`].
pub fn read_partial(
    policy: &Policy,
    path: Option<&str>,
    settings: &[String],
    read_file: impl FnOnce(&str) -> Result<Source, Report>,
) -> Result<(PartialScenario, Option<Id>), Report> {
    let overrides = from_arguments(policy, "--set", settings)?;
    let (mut scenario, id) = match path {
        None => (PartialScenario::empty(policy), None),
        Some(path) => {
            let source = read_file(path)?;
            from_json(policy, &source.text, IdField::Allowed)
                .map_err(|errors| Report::from_errors(source.clone(), &errors))?
        }
    };
    scenario.overlay(&overrides);
    for (d, dimension) in policy.dimensions.iter().enumerate() {
        if dimension.values.len() == 1 && !scenario.has(d) {
            scenario.set_index(d, 0);
        }
    }
    Ok((scenario, id))
}

/// An `"id"` exactly as the input wrote it.
#[derive(Debug, serde::Serialize)]
pub(crate) struct RawId<'a>(pub(crate) &'a serde_json::value::RawValue);

impl schemars::JsonSchema for RawId<'_> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The input's \"id\", exactly as written: a string, an integer within ±(2^53−1), true, false, null, or an array or object of those (I-JSON, RFC 7493)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn azure() -> Policy {
        let b = crate::base::assets::builtin("azure").unwrap();
        crate::api::load(b.name, b.text).unwrap()
    }

    #[test]
    fn object_span_points_at_the_opening_brace() {
        assert_eq!(object_span("  {\"model\": 1}"), Span::new(2, 3));
        assert_eq!(object_span("[]"), Span::new(0, 0));
    }

    #[test]
    fn id_of_takes_the_first_id_as_written_even_from_a_bad_scenario() {
        let id = id_of(r#"{"model": 3, "id": [1, 2], "id": "second"}"#).unwrap();
        assert_eq!(id.json().get(), "[1, 2]");
        assert!(id_of(r#"{"model": "iaas"}"#).is_none());
        assert!(id_of("[1]").is_none());
        assert!(id_of("not json").is_none());
    }

    #[test]
    fn json_types_are_named_by_their_first_character() {
        let raw = |text: &str| RawValue::from_string(text.to_string()).unwrap();
        assert_eq!(json_type(&raw("null")), "null");
        assert_eq!(json_type(&raw("true")), "a boolean");
        assert_eq!(json_type(&raw("[1]")), "an array");
        assert_eq!(json_type(&raw("{}")), "an object");
        assert_eq!(json_type(&raw("-1.5e3")), "a number");
    }

    #[test]
    fn json_errors_point_at_the_byte_where_reading_failed() {
        let text = "{\n  \"model\": \"iaas\",\n}";
        let error = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let ScenarioError::Json { span, .. } = json_error(text, &error) else {
            panic!("a JSON error");
        };
        assert_eq!(&text[span.start..span.start + 1], "}");
    }

    #[test]
    fn settings_point_into_the_joined_arguments() {
        let policy = azure();
        let words = vec!["region=eu".to_string(), "model=iass".to_string()];
        let report = from_arguments(&policy, "--set", &words).unwrap_err();
        let labels: Vec<&str> = (report.diagnostics.iter())
            .map(|d| &report.source.text[d.primary.as_ref().unwrap().span.range()])
            .collect();
        assert_eq!(labels, ["region", "iass"]);
    }

    #[test]
    fn a_setting_with_a_space_is_refused_not_split() {
        let policy = azure();
        let words = vec!["model=iaas model=paas".to_string()];
        let report = from_arguments(&policy, "--from", &words).unwrap_err();
        assert_eq!(report.diagnostics[0].code, Code::InvalidSetting);
        assert_eq!(report.source.name, "--from");
    }

    #[test]
    fn an_id_is_a_field_only_where_allowed() {
        let policy = azure();
        let text = r#"{"model": "iaas", "id": 7}"#;
        let (_, id) = from_json(&policy, text, IdField::Allowed).unwrap();
        assert_eq!(id.unwrap().json().get(), "7");
        let errors = from_json(&policy, text, IdField::Refused).unwrap_err();
        assert!(matches!(&errors[0], ScenarioError::UnknownField { name, .. } if name == "id"));
    }
}
