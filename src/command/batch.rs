//! Batch evaluation: NDJSON scenarios in, one NDJSON result per record out,
//! in input order, in memory bounded by a few batches of lines and their
//! records, whatever the input's length.
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
use crate::diagnostic::{Code, Diagnostic, Report, Source, ToDiagnostic};
use crate::engine::compile::Compiled;
use crate::engine::eval::evaluate;
use crate::io::io_reason;
use crate::model::answers::Decision;
use crate::model::answers::Status;
use crate::model::policy::Policy;
use crate::model::scenario::Id;
use crate::model::scenario::{self, PartialScenario, RawId};
use crate::render::decisions::{chosen_json, decision_bytes, DecisionFields, DecisionJson};
use crate::render::ScenarioJson;

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
    /// What each decision carries besides its zone (from `--fields`).
    pub fields: DecisionFields,
}

/// A compiled policy and the JSON pieces of a result record, so the fast
/// path writes a record by copying bytes.
struct RecordWriter<'p> {
    compiled: Compiled<'p>,
    /// Per dimension and value, `"dimension":"value"` as JSON.
    scenario_json: Vec<Vec<Vec<u8>>>,
    /// When the policy has at most [`MAX_TAILS`] scenarios and their
    /// records fit [`TAILS_BYTES`]: per scenario (indexed by `strides`), the
    /// record after its id and whether a zone is in conflict, built when
    /// first needed. A record is then its line, its id and one copy.
    tails: Vec<std::sync::OnceLock<(Vec<u8>, bool)>>,
    strides: Vec<usize>,
    /// About how long a record is: its zones' longest precomputed answers.
    record_bytes: usize,
}

/// The most scenarios whose records are kept whole.
const MAX_TAILS: usize = 1024;
/// The most memory whole records may take.
const TAILS_BYTES: usize = 16 << 20;
/// About how much output a batch of lines makes, at most: with many zones a
/// record is long, and a batch holds fewer lines.
const BATCH_BYTES: usize = 1 << 20;

impl<'p> RecordWriter<'p> {
    fn new(policy: &'p Policy, encode: &'p (dyn Fn(&Decision) -> Vec<u8> + Sync)) -> Self {
        let quoted = |s: &str| serde_json::to_vec(s).expect("a string serializes");
        let scenario_json: Vec<Vec<Vec<u8>>> = policy
            .dimensions
            .iter()
            .map(|d| {
                d.values
                    .iter()
                    .map(|v| [quoted(&d.name), b":".to_vec(), quoted(v)].concat())
                    .collect()
            })
            .collect();
        let mut strides = Vec::with_capacity(policy.dimensions.len());
        let scenarios = policy.dimensions.iter().try_fold(1usize, |product, d| {
            strides.push(product);
            product
                .checked_mul(d.values.len())
                .filter(|&p| p <= MAX_TAILS)
        });
        let compiled = Compiled::new(policy, encode);
        let record_bytes = 64
            + scenario_json
                .iter()
                .map(|d| d.iter().map(Vec::len).max().unwrap_or(0) + 1)
                .sum::<usize>()
            + (0..policy.zones.len())
                .map(|zone| compiled.longest_answer(zone) + 1)
                .sum::<usize>();
        let scenarios = scenarios
            .filter(|&n| n.saturating_mul(record_bytes) <= TAILS_BYTES)
            .unwrap_or(0);
        let tails = std::iter::repeat_with(std::sync::OnceLock::new)
            .take(scenarios)
            .collect();
        RecordWriter {
            compiled,
            scenario_json,
            tails,
            strides,
            record_bytes,
        }
    }

    /// How many lines a batch holds: up to [`BATCH`], fewer when records
    /// are long.
    fn batch_lines(&self) -> usize {
        (BATCH_BYTES / self.record_bytes).clamp(1, BATCH)
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
    ) -> bool {
        out.extend_from_slice(b"{\"line\":");
        out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
        if let Some(id) = id {
            out.extend_from_slice(b",\"id\":");
            out.extend_from_slice(id);
        }
        if self.tails.is_empty() {
            return self.write_tail(out, values);
        }
        let scenario: usize = values.iter().zip(&self.strides).map(|(v, s)| v * s).sum();
        let (tail, conflict) = self.tails[scenario].get_or_init(|| {
            let mut tail = Vec::new();
            let conflict = self.write_tail(&mut tail, values);
            (tail, conflict)
        });
        out.extend_from_slice(tail);
        *conflict
    }

    /// Appends the record after its id: the scenario and every decision.
    fn write_tail(&self, out: &mut Vec<u8>, values: &[usize]) -> bool {
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
            let answer = self.compiled.answer(zone, values);
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

/// Lines read together: their bytes end to end, and where each begins.
#[derive(Default)]
struct Lines {
    bytes: Vec<u8>,
    lines: Vec<Line>,
}

/// A non-blank input line in a [`Lines`].
struct Line {
    number: u64,
    /// Its bytes in [`Lines::bytes`]; `None` if it was longer than
    /// [`MAX_LINE_BYTES`], read past and not kept.
    range: Option<std::ops::Range<usize>>,
}

/// Appends one line (with its newline) to `buffer`. `None` at the end of
/// the input; else whether the line was whole (a too long one is kept only
/// in part, the rest read past) and whether the reader's buffer is now
/// empty, so that reading on may wait for the input.
fn read_line(input: &mut impl BufRead, buffer: &mut Vec<u8>) -> io::Result<Option<(bool, bool)>> {
    let start = buffer.len();
    let mut any = false;
    let mut whole = true;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(any.then_some((whole, true)));
        }
        any = true;
        let (taken, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let drained = taken == available.len();
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
            return Ok(Some((whole, drained)));
        }
    }
}

/// Reads NDJSON scenarios from `input` and writes one result line per
/// record to `output`. `progress` is called after each flush with the
/// records written so far.
///
/// Lines are read in batches of up to 256 (fewer when records are long),
/// cut short when the reader's buffer runs dry (reading on may wait for the
/// input), and what has been
/// evaluated is flushed then, so a client that waits for each answer gets it
/// at once. With one job the records are written as they are evaluated,
/// through a buffer small enough to stay in cache; with more, a thread
/// reads ahead and batches go round the workers and come back in order.
pub fn run(
    policy: &Policy,
    mut input: impl BufRead + Send,
    output: impl Write,
    options: &Options,
    progress: impl FnMut(u64),
) -> Result<Summary, Stopped> {
    let encode = |decision: &Decision| decision_bytes(policy, decision, options.fields);
    let compiled = RecordWriter::new(policy, &encode);
    let jobs = options.jobs.clamp(1, 256);
    let mut writer = Writer {
        output,
        summary: Summary::default(),
        progress,
    };
    if jobs == 1 {
        writer.one_job(&compiled, &mut input, options)?;
        return Ok(writer.summary);
    }
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(2 * jobs + 2);
        let lines = compiled.batch_lines();
        scope.spawn(move || read_ahead(input, lines, sender));
        // `receiver` is dropped when this returns, even early: the reading
        // thread ends at its next send, so after an early stop on input that
        // is still open (a terminal, a pipe) the run returns when the next
        // line or the end of the input arrives.
        writer.jobs(scope, &compiled, &receiver, options, jobs)
    })?;
    Ok(writer.summary)
}

/// Lines read at most at a time.
const BATCH: usize = 256;
/// Output gathered before it is written.
const WRITE_AT: usize = 1 << 16;

/// Reads non-blank lines into `batch` until it holds `lines`, the reader's
/// buffer runs dry, or the input ends (then `false`). On an error the lines
/// read before it stay in `batch`.
fn read_batch(
    input: &mut impl BufRead,
    number: &mut u64,
    batch: &mut Lines,
    lines: usize,
) -> io::Result<bool> {
    loop {
        let start = batch.bytes.len();
        let Some((whole, drained)) = read_line(input, &mut batch.bytes)? else {
            return Ok(false);
        };
        *number += 1;
        let bytes = &mut batch.bytes;
        while bytes.len() > start && matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        if !whole || bytes.len() - start > MAX_LINE_BYTES {
            bytes.truncate(start);
            batch.lines.push(Line {
                number: *number,
                range: None,
            });
        } else {
            if *number == 1 && bytes[start..].starts_with(b"\xEF\xBB\xBF") {
                bytes.drain(start..start + 3); // a byte-order mark
            }
            // Blank as JSON counts it: space, tab, CR, LF.
            if bytes[start..]
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            {
                bytes.truncate(start);
            } else {
                let range = Some(start..bytes.len());
                batch.lines.push(Line {
                    number: *number,
                    range,
                });
            }
        }
        if drained || batch.lines.len() >= lines {
            return Ok(true);
        }
    }
}

/// Sends every non-blank line of `input`, in order, in batches, until the
/// input ends or nobody listens.
fn read_ahead(
    mut input: impl BufRead,
    lines: usize,
    sender: std::sync::mpsc::SyncSender<io::Result<Lines>>,
) {
    let mut number = 0u64;
    loop {
        let mut batch = Lines::default();
        let read = read_batch(&mut input, &mut number, &mut batch, lines);
        if !batch.lines.is_empty() && sender.send(Ok(batch)).is_err() {
            return;
        }
        match read {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                let _ = sender.send(Err(error));
                return;
            }
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
    /// those of the batch being written when the output failed.
    pub summary: Summary,
}

/// The output and what has been evaluated for it.
struct Writer<W, P> {
    output: W,
    summary: Summary,
    progress: P,
}

impl<W: Write, P: FnMut(u64)> Writer<W, P> {
    fn stopped(&self, error: io::Error) -> Stopped {
        Stopped {
            error,
            summary: self.summary,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Stopped> {
        self.output.write_all(bytes).map_err(|e| self.stopped(e))
    }

    /// Flushes: nothing more is at hand for now.
    fn flush(&mut self) -> Result<(), Stopped> {
        self.output.flush().map_err(|e| self.stopped(e))?;
        (self.progress)(self.summary.records);
        Ok(())
    }

    /// Reads and evaluates on this thread, writing as it goes.
    fn one_job(
        &mut self,
        compiled: &RecordWriter,
        input: &mut impl BufRead,
        options: &Options,
    ) -> Result<(), Stopped> {
        let mut out = Vec::with_capacity(2 * WRITE_AT);
        let mut values = Vec::new();
        let mut number = 0u64;
        let mut batch = Lines::default();
        loop {
            batch.bytes.clear();
            batch.lines.clear();
            let read = read_batch(input, &mut number, &mut batch, compiled.batch_lines());
            for line in &batch.lines {
                self.summary += line_record(compiled, &batch, line, options, &mut out, &mut values);
                if out.len() >= WRITE_AT {
                    self.write(&out)?;
                    out.clear();
                }
            }
            self.write(&out)?;
            out.clear();
            self.flush()?;
            match read {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(error) => return Err(self.stopped(error)),
            }
        }
    }

    /// Sends batches round `jobs` worker threads and writes their records
    /// back in input order.
    fn jobs<'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        compiled: &'scope RecordWriter,
        receiver: &std::sync::mpsc::Receiver<io::Result<Lines>>,
        options: &'scope Options,
        jobs: usize,
    ) -> Result<(), Stopped> {
        use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
        // A batch and a buffer for its records; the records and their summary.
        type Work = (Lines, Vec<u8>);
        type Done = (Vec<u8>, Summary);
        // Each worker holds at most two batches, in and out, so memory is
        // bounded by the number of jobs.
        // Output buffers go back and forth, so that none is allocated anew
        // (a fresh megabyte costs more in page faults than its records).
        let workers: Vec<(SyncSender<Work>, Receiver<Done>)> = (0..jobs)
            .map(|_| {
                let (to_worker, work) = sync_channel::<Work>(2);
                let (send_done, done) = sync_channel::<Done>(2);
                scope.spawn(move || {
                    let mut values = Vec::new();
                    for (batch, mut out) in work {
                        let mut summary = Summary::default();
                        for line in &batch.lines {
                            summary +=
                                line_record(compiled, &batch, line, options, &mut out, &mut values);
                        }
                        if send_done.send((out, summary)).is_err() {
                            return;
                        }
                    }
                });
                (to_worker, done)
            })
            .collect();
        let mut in_flight = std::collections::VecDeque::new();
        let mut next = 0;
        let mut spare: Vec<Vec<u8>> = Vec::new();
        let collect = |this: &mut Self, worker: usize, spare: &mut Vec<_>| {
            let (mut bytes, summary) = workers[worker].1.recv().expect("a worker answers");
            this.summary += summary;
            this.write(&bytes)?;
            (this.progress)(this.summary.records);
            bytes.clear();
            spare.push(bytes);
            Ok(())
        };
        loop {
            let batch = match receiver.try_recv() {
                Ok(batch) => batch,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    match receiver.recv_timeout(std::time::Duration::from_millis(1)) {
                        Ok(batch) => batch,
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                            // The input has nothing more for now: write all
                            // that is under way before waiting for it.
                            while let Some(worker) = in_flight.pop_front() {
                                collect(self, worker, &mut spare)?;
                            }
                            self.flush()?;
                            match receiver.recv() {
                                Ok(batch) => batch,
                                Err(_) => break,
                            }
                        }
                    }
                }
            };
            let batch = match batch {
                Ok(batch) => batch,
                Err(error) => {
                    // Every line read before the error is written, as with
                    // one job.
                    while let Some(worker) = in_flight.pop_front() {
                        collect(self, worker, &mut spare)?;
                    }
                    self.flush()?;
                    return Err(self.stopped(error));
                }
            };
            if in_flight.len() == 2 * jobs {
                let worker = in_flight.pop_front().expect("in flight");
                collect(self, worker, &mut spare)?;
            }
            let out = spare.pop().unwrap_or_default();
            workers[next]
                .0
                .send((batch, out))
                .expect("a worker listens");
            in_flight.push_back(next);
            next = (next + 1) % jobs;
        }
        while let Some(worker) = in_flight.pop_front() {
            collect(self, worker, &mut spare)?;
        }
        self.flush()
    }
}

/// Writes the record of one line of `batch` to `out`, with its newline.
fn line_record(
    compiled: &RecordWriter,
    batch: &Lines,
    line: &Line,
    options: &Options,
    out: &mut Vec<u8>,
    values: &mut Vec<usize>,
) -> Summary {
    let summary = match &line.range {
        None => {
            let error = LineError {
                code: Code::LineTooLong,
                message: format!("line is longer than {} MiB", MAX_LINE_BYTES >> 20),
                column: None,
                help: None,
            };
            write_error(out, line.number, None, vec![error]);
            Summary {
                records: 1,
                errors: 1,
                conflicts: 0,
            }
        }
        Some(range) => record(
            compiled,
            line.number,
            &batch.bytes[range.clone()],
            options,
            out,
            values,
        ),
    };
    out.push(b'\n');
    summary
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
        let conflict = compiled.write_record(out, line, id.map(|r| r.get().as_bytes()), values);
        return Summary {
            conflicts: u64::from(conflict),
            ..one
        };
    }
    slow_record(policy, line, text, options, out)
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
    options: &Options,
    out: &mut Vec<u8>,
) -> Summary {
    let overrides = options.overrides;
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
            .map(|d| chosen_json(policy, d, options.fields))
            .collect(),
    };
    let json = serde_json::to_string(&record).expect("records serialize");
    // User text (a value, an id) in its messages: shown safe on a terminal.
    out.extend_from_slice(crate::base::text::json_safe(json).as_bytes());
    Summary {
        conflicts: u64::from(conflict),
        ..one
    }
}

/// One result record of `eval --batch`.
// Its schema is that of full decisions; records write the fields chosen
// (`--fields`, all by default), each shape with its own schema.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "BatchResult")]
pub(crate) struct ResultJson<'a, D = DecisionJson<'a>> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    id: Option<RawId<'a>>,
    scenario: ScenarioJson<'a>,
    decisions: Vec<D>,
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
    out.extend_from_slice(crate::base::text::json_safe(json).as_bytes());
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
    let output = crate::io::Watched {
        inner: output,
        failed: write_failed.clone(),
    };
    let input_stream = crate::io::open_input(input).map_err(BatchError::Failed)?;
    let result = run(policy, input_stream, output, options, progress);
    result.map_err(|Stopped { error, summary }| match error.kind() {
        io::ErrorKind::BrokenPipe => BatchError::ClosedOutput(summary),
        _ if write_failed.get() => BatchError::Failed(crate::io::unwritable_output(&error)),
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

    /// The line a front end shows on stderr when the batch ends:
    /// `onus: 3 records, 1 error, 0 conflicts`, and whether the output was
    /// closed before the input ended.
    pub fn finished_line(&self, closed_early: bool) -> String {
        let closed = match closed_early {
            true => " (output closed early)",
            false => "",
        };
        format!("onus: {}{closed}\n", self.describe())
    }

    /// How far a batch has come, for a terminal: `\r1000 records`, drawn
    /// over itself; [`Summary::PROGRESS_CLEARED`] moves back before the
    /// last line.
    pub fn progress(records: u64) -> String {
        format!("\r{records} records")
    }

    /// Written after the last [`Summary::progress`].
    pub const PROGRESS_CLEARED: &'static str = "\r";

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
        crate::api::load(
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

    /// Input that fails after its lines: every line read before the error
    /// is written, whatever the jobs, and the error is reported.
    #[test]
    fn lines_before_an_input_error_are_written_whatever_the_jobs() {
        struct Failing(std::io::Cursor<Vec<u8>>);
        impl io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(io::Error::other("the disk went away")),
                    n => Ok(n),
                }
            }
        }
        let policy = policy();
        let none = PartialScenario::empty(&policy);
        let text: String = (0..3000)
            .map(|i| format!("{{\"id\":{i},\"model\":\"iaas\"}}\n"))
            .collect();
        let mut outputs = Vec::new();
        for jobs in [1, 2, 3] {
            let options = Options {
                jobs,
                overrides: &none,
                fields: DecisionFields::ALL,
            };
            // A small reader buffer: many batches before the error.
            let input = io::BufReader::with_capacity(
                512,
                Failing(std::io::Cursor::new(text.clone().into_bytes())),
            );
            let mut out = Vec::new();
            let stopped = run(&policy, input, &mut out, &options, |_| {}).unwrap_err();
            assert_eq!(stopped.error.to_string(), "the disk went away");
            assert_eq!(stopped.summary.records, 3000, "--jobs {jobs}");
            assert_eq!(
                out.iter().filter(|&&b| b == b'\n').count(),
                3000,
                "--jobs {jobs}"
            );
            outputs.push(out);
        }
        assert!(outputs.windows(2).all(|w| w[0] == w[1]), "the same bytes");
    }
}
