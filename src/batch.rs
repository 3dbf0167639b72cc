//! Batch evaluation: NDJSON scenarios in, one NDJSON result per record out,
//! in input order, in memory bounded by one chunk of lines.
//!
//! A line that is not a valid scenario gives an error record for that line
//! and the batch goes on: no record is lost, duplicated or reordered. Blank
//! lines are not records and are skipped; each record carries its line
//! number, so output joins back to input.
//!
//! The fast path reads a line straight into value indices (no intermediate
//! JSON tree) and writes the record from the compiled policy's precomputed
//! JSON through one reused buffer per thread. Anything unusual (an escape in
//! a name, an error) takes the slow path, which writes the same bytes.

use std::io::{self, BufRead, Write};

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::command::{counted, Outcome};
use crate::compile::Compiled;
use crate::diagnostic::{Code, Diagnostic, Report, Source, ToDiagnostic};
use crate::eval::Decision;
use crate::eval::{evaluate, Status};
use crate::load::io_reason;
use crate::policy::Policy;
use crate::render::decisions::{decision_bytes, decision_json, DecisionJson, Detail};
use crate::render::ScenarioJson;
use crate::scenario::Id;
use crate::scenario::{self, PartialScenario};

/// Lines read, evaluated and written at a time; bounds memory.
const CHUNK: usize = 8192;

/// What a batch run saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records written (every non-blank line).
    pub records: u64,
    /// Records that were errors.
    pub errors: u64,
    /// Records with at least one zone in conflict.
    pub conflicts: u64,
}

impl std::ops::AddAssign for Summary {
    fn add_assign(&mut self, other: Summary) {
        self.records += other.records;
        self.errors += other.errors;
        self.conflicts += other.conflicts;
    }
}

/// How to run a batch.
#[derive(Debug)]
pub struct Options<'a> {
    /// Worker threads; order is kept whatever the number.
    pub jobs: usize,
    /// Values that override every record's (from `--set`).
    pub overrides: &'a PartialScenario,
    /// What is written for each record.
    pub work: Work,
}

/// What a batch writes for each record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Each zone's decision in the record's scenario.
    Evaluate,
    /// Each zone's longest answer whatever the scenario, without
    /// evaluating: the I/O-only baseline of the batch benchmark, which
    /// writes at least as many bytes. Never what a user asks for.
    LongestAnswers,
}

/// A compiled policy and the JSON pieces of a result record, so the fast
/// path writes a record by copying bytes.
struct RecordWriter<'p> {
    compiled: Compiled<'p>,
    /// Per dimension and value, `"dimension":"value"` as JSON.
    scenario_json: Vec<Vec<Vec<u8>>>,
}

impl<'p> RecordWriter<'p> {
    fn new(policy: &'p Policy, encode: &'p (dyn Fn(&Decision) -> Vec<u8> + Sync)) -> Self {
        let quoted = |s: &str| serde_json::to_vec(s).expect("a string serializes");
        let scenario_json = policy
            .dimensions
            .iter()
            .map(|d| {
                d.values
                    .iter()
                    .map(|v| [quoted(&d.name), b":".to_vec(), quoted(v)].concat())
                    .collect()
            })
            .collect();
        RecordWriter {
            compiled: Compiled::new(policy, encode),
            scenario_json,
        }
    }

    fn policy(&self) -> &'p Policy {
        self.compiled.policy()
    }

    /// Appends one result record (without the newline); returns whether a
    /// zone is in conflict.
    fn write_record(
        &self,
        out: &mut Vec<u8>,
        line: u64,
        id: Option<&[u8]>,
        values: &[usize],
        work: Work,
    ) -> bool {
        out.extend_from_slice(b"{\"line\":");
        out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
        if let Some(id) = id {
            out.extend_from_slice(b",\"id\":");
            out.extend_from_slice(id);
        }
        out.extend_from_slice(b",\"scenario\":{");
        for (d, &v) in values.iter().enumerate() {
            if d > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&self.scenario_json[d][v]);
        }
        out.extend_from_slice(b"},\"decisions\":[");
        let mut conflict = false;
        for zone in 0..self.policy().zones.len() {
            if zone > 0 {
                out.push(b',');
            }
            let answer = match work {
                Work::Evaluate => self.compiled.answer(zone, values),
                Work::LongestAnswers => self.compiled.longest_answer(zone, values),
            };
            conflict |= answer.decision.status == Status::Conflict;
            out.extend_from_slice(&answer.encoded);
        }
        out.extend_from_slice(b"]}");
        conflict
    }
}

/// The longest line read; a longer one is an error record, and is skipped
/// without being held in memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// A non-blank input line, read ahead by the reading thread.
enum Item {
    Line {
        number: u64,
        bytes: Vec<u8>,
    },
    /// Longer than [`MAX_LINE_BYTES`]: read past, not kept.
    TooLong {
        number: u64,
    },
}

/// Appends one line (with its newline) to `buffer`: `None` at the end of
/// the input, `Some(false)` if the line was too long (then only part of it
/// was kept, and the rest was read past).
fn read_line(input: &mut impl BufRead, buffer: &mut Vec<u8>) -> io::Result<Option<bool>> {
    let start = buffer.len();
    let mut any = false;
    let mut whole = true;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(any.then_some(whole));
        }
        any = true;
        let (taken, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if whole {
            // The limit is on the line's content: its newline is extra.
            let room = (MAX_LINE_BYTES + 2).saturating_sub(buffer.len() - start);
            if taken <= room {
                buffer.extend_from_slice(&available[..taken]);
            } else {
                whole = false;
            }
        }
        input.consume(taken);
        if done {
            return Ok(Some(whole));
        }
    }
}

/// Reads NDJSON scenarios from `input` and writes one result line per
/// record to `output`. `progress` is called after each chunk with the
/// records written so far.
///
/// A thread reads ahead; the records of whatever lines have arrived are
/// evaluated and written (and flushed) at once, up to a chunk at a time, so
/// a client that waits for each answer gets it, and a file streams in
/// chunks.
pub fn run(
    policy: &Policy,
    input: impl BufRead + Send,
    output: impl Write,
    options: &Options,
    progress: impl FnMut(u64),
) -> Result<Summary, Stopped> {
    let encode = |decision: &Decision| decision_bytes(policy, decision);
    let compiled = RecordWriter::new(policy, &encode);
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(CHUNK);
        scope.spawn(move || read_lines(input, sender));
        // `receiver` is dropped when this returns, even early, which ends
        // the reading thread.
        write_records(&compiled, receiver, output, options, progress)
    })
}

/// Sends every non-blank line of `input`, in order, until the input ends
/// or nobody listens.
fn read_lines(mut input: impl BufRead, sender: std::sync::mpsc::SyncSender<io::Result<Item>>) {
    let mut number = 0u64;
    loop {
        let mut bytes = Vec::new();
        let whole = match read_line(&mut input, &mut bytes) {
            Ok(Some(whole)) => whole,
            Ok(None) => return,
            Err(error) => {
                let _ = sender.send(Err(error));
                return;
            }
        };
        number += 1;
        while matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        let item = if !whole || bytes.len() > MAX_LINE_BYTES {
            Item::TooLong { number }
        } else {
            if number == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
                bytes.drain(..3); // a byte-order mark
            }
            // Blank as JSON counts it: space, tab, CR, LF.
            if bytes
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            {
                continue;
            }
            Item::Line { number, bytes }
        };
        if sender.send(Ok(item)).is_err() {
            return;
        }
    }
}

/// Why a batch stopped before the end of its input, and what it had
/// evaluated by then.
#[derive(Debug)]
pub struct Stopped {
    /// The input could not be read, or the output not written.
    pub error: io::Error,
    /// Every record evaluated before it stopped: all those written, and
    /// those of the chunk being written when the output failed.
    pub summary: Summary,
}

fn write_records(
    compiled: &RecordWriter,
    receiver: std::sync::mpsc::Receiver<io::Result<Item>>,
    mut output: impl Write,
    options: &Options,
    mut progress: impl FnMut(u64),
) -> Result<Summary, Stopped> {
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); options.jobs.clamp(1, 256)];
    let mut chunk: Vec<Item> = Vec::with_capacity(CHUNK);
    let mut summary = Summary::default();
    let stopped = |error, summary| Stopped { error, summary };
    loop {
        chunk.clear();
        match receiver.recv() {
            Ok(item) => chunk.push(item.map_err(|e| stopped(e, summary))?),
            Err(_) => break,
        }
        while chunk.len() < CHUNK {
            match receiver.try_recv() {
                Ok(item) => chunk.push(item.map_err(|e| stopped(e, summary))?),
                Err(_) => break,
            }
        }
        summary += evaluate_chunk(compiled, &chunk, options, &mut buffers);
        let written = buffers.iter().try_for_each(|b| output.write_all(b));
        written
            .and_then(|()| output.flush())
            .map_err(|e| stopped(e, summary))?;
        progress(summary.records);
    }
    output.flush().map_err(|e| stopped(e, summary))?;
    Ok(summary)
}

/// Evaluates a chunk into `buffers`, one per thread, in order.
fn evaluate_chunk(
    compiled: &RecordWriter,
    chunk: &[Item],
    options: &Options,
    buffers: &mut [Vec<u8>],
) -> Summary {
    let work = |items: &[Item], out: &mut Vec<u8>| {
        out.clear();
        let mut values = Vec::new();
        let mut summary = Summary::default();
        for item in items {
            summary += match item {
                Item::TooLong { number } => {
                    let error = LineError {
                        code: Code::LineTooLong,
                        message: format!("line is longer than {} MiB", MAX_LINE_BYTES >> 20),
                        column: None,
                        help: None,
                    };
                    write_error(out, *number, None, vec![error]);
                    Summary {
                        records: 1,
                        errors: 1,
                        conflicts: 0,
                    }
                }
                Item::Line { number, bytes } => {
                    record(compiled, *number, bytes, options, out, &mut values)
                }
            };
            out.push(b'\n');
        }
        summary
    };
    // No more threads than lines: a thread per few records costs more
    // than it saves.
    let jobs = buffers.len().min(chunk.len().div_ceil(64)).max(1);
    for buffer in buffers.iter_mut().skip(jobs) {
        buffer.clear();
    }
    if jobs == 1 {
        return work(chunk, &mut buffers[0]);
    }
    let per_job = chunk.len().div_ceil(jobs);
    std::thread::scope(|scope| {
        let handles: Vec<_> = buffers
            .iter_mut()
            .zip(chunk.chunks(per_job))
            .map(|(buffer, part)| scope.spawn(move || work(part, buffer)))
            .collect();
        let mut total = Summary::default();
        for handle in handles {
            total += handle.join().expect("evaluating a record does not panic");
        }
        total
    })
}

/// Writes one line's record to `out`; says what it was.
fn record(
    compiled: &RecordWriter,
    line: u64,
    bytes: &[u8],
    options: &Options,
    out: &mut Vec<u8>,
    values: &mut Vec<usize>,
) -> Summary {
    let overrides = options.overrides;
    let policy = compiled.policy();
    let one = Summary {
        records: 1,
        ..Summary::default()
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(invalid) => {
            let offset = invalid.valid_up_to();
            let error = LineError {
                code: Code::InvalidUtf8,
                message: format!("line is not valid UTF-8: invalid byte at offset {offset}"),
                column: None,
                help: None,
            };
            write_error(out, line, None, vec![error]);
            return Summary { errors: 1, ..one };
        }
    };
    let fast = fast_scenario(policy, text, values);
    // An id that may not be echoed goes to the general reader, which says why.
    let fast = fast.filter(|id| id.is_none_or(|id| Id::check(id).is_ok()));
    if let Some(id) = fast {
        overrides.apply(values);
        let conflict = compiled.write_record(
            out,
            line,
            id.map(|r| r.get().as_bytes()),
            values,
            options.work,
        );
        return Summary {
            conflicts: u64::from(conflict),
            ..one
        };
    }
    slow_record(policy, line, text, overrides, out)
}

/// The scenario of a plain line, straight into value indices: one object of
/// known dimensions to known values, no escapes, no duplicates. `None`
/// leaves the line to the slow path, which explains what is wrong.
fn fast_scenario<'a>(
    policy: &Policy,
    text: &'a str,
    values: &mut Vec<usize>,
) -> Option<Option<&'a RawValue>> {
    values.clear();
    values.resize(policy.dimensions.len(), usize::MAX);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let id = FastScenario { policy, values }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    for (d, value) in values.iter_mut().enumerate() {
        if *value == usize::MAX {
            if policy.dimensions[d].values.len() != 1 {
                return None;
            }
            *value = 0;
        }
    }
    Some(id)
}

struct FastScenario<'s> {
    policy: &'s Policy,
    values: &'s mut Vec<usize>,
}

impl<'de> DeserializeSeed<'de> for FastScenario<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FastScenario<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a scenario object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        while let Some(key) = map.next_key::<&'de str>()? {
            if key == "id" {
                if id.is_some() {
                    return Err(de::Error::custom("duplicate id"));
                }
                id = Some(map.next_value::<&'de RawValue>()?);
                continue;
            }
            let d = self
                .policy
                .dimensions
                .iter()
                .position(|d| d.name == key)
                .ok_or_else(|| de::Error::custom("unknown field"))?;
            let value = map.next_value::<&'de str>()?;
            let v = self.policy.dimensions[d]
                .value_index(value)
                .ok_or_else(|| de::Error::custom("unknown value"))?;
            if self.values[d] != usize::MAX {
                return Err(de::Error::custom("duplicate field"));
            }
            self.values[d] = v;
        }
        Ok(id)
    }
}

/// The record through the general reader: precise errors, and any line the
/// fast path declined. Writes the same bytes the fast path would.
fn slow_record(
    policy: &Policy,
    line: u64,
    text: &str,
    overrides: &PartialScenario,
    out: &mut Vec<u8>,
) -> Summary {
    let one = Summary {
        records: 1,
        ..Summary::default()
    };
    let (mut partial, id) = match scenario::from_json(policy, text, scenario::IdField::Allowed) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let id = scenario::id_of(text);
            write_error(
                out,
                line,
                id.as_ref().map(Id::json),
                line_errors(text, &errors),
            );
            return Summary { errors: 1, ..one };
        }
    };
    let id = id.as_ref().map(Id::json);
    partial.overlay(overrides);
    let scenario = match partial.complete(policy, Some(scenario::object_span(text))) {
        Ok(scenario) => scenario,
        Err(errors) => {
            write_error(out, line, id, line_errors(text, &errors));
            return Summary { errors: 1, ..one };
        }
    };
    let decisions = evaluate(policy, &scenario);
    let conflict = decisions.iter().any(|d| d.status == Status::Conflict);
    let record = ResultJson {
        line,
        id: id.map(RawId),
        scenario: ScenarioJson(policy, &scenario),
        decisions: decisions
            .iter()
            .map(|d| decision_json(policy, d, Detail::Decisions))
            .collect(),
    };
    let json = serde_json::to_string(&record).expect("records serialize");
    // User text (a value, an id) in its messages: shown safe on a terminal.
    out.extend_from_slice(crate::render::json_safe(json).as_bytes());
    Summary {
        conflicts: u64::from(conflict),
        ..one
    }
}

/// An `"id"` exactly as the input wrote it.
#[derive(Debug, Serialize)]
pub(crate) struct RawId<'a>(pub(crate) &'a RawValue);

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

/// One result record of `eval --batch`.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "BatchResult")]
pub(crate) struct ResultJson<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    id: Option<RawId<'a>>,
    scenario: ScenarioJson<'a>,
    decisions: Vec<DecisionJson<'a>>,
}

/// The record of a line that is not a valid scenario.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "BatchError")]
pub(crate) struct ErrorJson<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    id: Option<RawId<'a>>,
    errors: Vec<LineError>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "LineError")]
pub(crate) struct LineError {
    code: Code,
    message: String,
    /// One-based column in the line, where known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    help: Option<String>,
}

fn line_errors(text: &str, errors: &[scenario::ScenarioError]) -> Vec<LineError> {
    let source = Source::new("", text);
    errors
        .iter()
        .map(|e| {
            let d = e.to_diagnostic();
            LineError {
                code: d.code,
                message: d.message,
                column: d.primary.map(|l| source.line_column(l.span.start).1),
                help: d.help,
            }
        })
        .collect()
}

fn write_error(out: &mut Vec<u8>, line: u64, id: Option<&RawValue>, errors: Vec<LineError>) {
    let record = ErrorJson {
        line,
        id: id.map(RawId),
        errors,
    };
    let json = serde_json::to_string(&record).expect("records serialize");
    // User text (a value, an id) in its messages: shown safe on a terminal.
    out.extend_from_slice(crate::render::json_safe(json).as_bytes());
}

/// Why a batch from a file or stdin stopped before its end.
#[derive(Debug)]
pub enum BatchError {
    /// The reader of the output went away (`onus ... | head`): not an
    /// error to report, but nothing more can be written. What had been
    /// evaluated still sets the exit code.
    ClosedOutput(Summary),
    /// The input could not be read (`unreadable-file`), or the output not
    /// written (`unwritable-output`, a full disk).
    Failed(Report),
}

/// A writer that remembers whether a write failed, so a batch that stops
/// on an I/O error can tell the output's fault from the input's.
struct Watched<W> {
    inner: W,
    failed: std::rc::Rc<std::cell::Cell<bool>>,
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.inner
            .write(bytes)
            .inspect_err(|_| self.failed.set(true))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().inspect_err(|_| self.failed.set(true))
    }
}

/// [`run`] on the file at `input`, or stdin for `-`.
pub fn run_from(
    policy: &Policy,
    input: &str,
    output: impl Write,
    options: &Options,
    progress: impl FnMut(u64),
) -> Result<Summary, BatchError> {
    let failed = |code: Code, message: String| {
        let diagnostic = Diagnostic::new(code, message);
        BatchError::Failed(Report::new(Source::new(input, ""), vec![diagnostic]))
    };
    let write_failed = std::rc::Rc::new(std::cell::Cell::new(false));
    let output = Watched {
        inner: output,
        failed: write_failed.clone(),
    };
    let result = if input == "-" {
        let stdin = io::BufReader::with_capacity(1 << 16, io::stdin());
        run(policy, stdin, output, options, progress)
    } else {
        let file = std::fs::File::open(input).map_err(|error| {
            let message = format!("cannot read `{input}`: {}", io_reason(&error));
            failed(Code::UnreadableFile, message)
        })?;
        run(
            policy,
            io::BufReader::with_capacity(1 << 16, file),
            output,
            options,
            progress,
        )
    };
    result.map_err(|Stopped { error, summary }| match error.kind() {
        io::ErrorKind::BrokenPipe => BatchError::ClosedOutput(summary),
        _ if write_failed.get() => BatchError::Failed(crate::command::unwritable_output(&error)),
        _ => failed(
            Code::UnreadableFile,
            format!("batch stopped: {}", io_reason(&error)),
        ),
    })
}

impl Summary {
    /// Bad input if a record was an error, else findings if one had a
    /// conflict.
    pub fn outcome(&self) -> Outcome {
        match (self.errors, self.conflicts) {
            (0, 0) => Outcome::Clean,
            (0, _) => Outcome::Findings,
            _ => Outcome::BadInput,
        }
    }

    /// `3 records, 1 error, 0 conflicts`.
    pub fn describe(&self) -> String {
        format!(
            "{}, {}, {}",
            counted(self.records, "record", "records"),
            counted(self.errors, "error", "errors"),
            counted(self.conflicts, "conflict", "conflicts")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        crate::load(
            "p.onus",
            "dimension model: iaas, paas\ndimension cloud: azure\nx: customer when iaas\n",
        )
        .unwrap()
    }

    #[test]
    fn the_fast_scanner_reads_plain_lines_and_leaves_the_rest() {
        let policy = policy();
        let mut values = Vec::new();
        let plain = fast_scenario(&policy, r#"{"model": "paas", "id": {"a": 1}}"#, &mut values);
        assert_eq!(plain.unwrap().unwrap().get(), r#"{"a": 1}"#);
        // The single-valued dimension may be left out: it can only be that.
        assert_eq!(values, [1, 0]);
        for unusual in [
            r#"{"mod\u0065l": "paas"}"#,
            r#"{"model": "saas"}"#,
            r#"{"region": "eu", "model": "paas"}"#,
            r#"{"model": "paas", "model": "iaas"}"#,
            r#"{"cloud": "azure"}"#,
            r#"{"model": "paas"} trailing"#,
            r#"{"id": 1, "id": 2, "model": "paas"}"#,
            "[1]",
        ] {
            assert!(
                fast_scenario(&policy, unusual, &mut values).is_none(),
                "{unusual}"
            );
        }
    }
}
