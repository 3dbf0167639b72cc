//! Batch evaluation: NDJSON scenarios in, one NDJSON result per record out,
//! in input order, in memory bounded by one chunk of lines.
//!
//! A line that is not a valid scenario gives an error record for that line
//! and the batch goes on: no record is lost, duplicated or reordered. Blank
//! lines are not records and are skipped; each record carries its line
//! number, so output joins back to input.

use std::io::{self, BufRead, Write};

use serde::Serialize;

use crate::eval::{evaluate, Status};
use crate::policy::Policy;
use crate::render::decisions::{decision_json, DecisionJson};
use crate::render::ScenarioJson;
use crate::scenario::{self, PartialScenario};
use crate::Source;

/// Lines read, evaluated and written at a time; bounds memory.
const CHUNK: usize = 4096;

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

/// How to run a batch.
#[derive(Debug)]
pub struct Options<'a> {
    /// Worker threads; order is kept whatever the number.
    pub jobs: usize,
    /// Values that override every record's (from `--set`).
    pub overrides: &'a PartialScenario,
}

/// Reads NDJSON scenarios from `input` and writes one result line per
/// record to `output`. `progress` is called after each chunk with the
/// records written so far.
pub fn run(
    policy: &Policy,
    input: impl BufRead,
    mut output: impl Write,
    options: &Options,
    mut progress: impl FnMut(u64),
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut lines = input.split(b'\n');
    let mut line_number = 0u64;
    loop {
        let mut chunk: Vec<(u64, Vec<u8>)> = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let Some(line) = lines.next() else { break };
            line_number += 1;
            let mut line = line?;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                chunk.push((line_number, line));
            }
        }
        if chunk.is_empty() {
            break;
        }
        let results = evaluate_chunk(policy, &chunk, options);
        for result in results {
            output.write_all(&result.json)?;
            output.write_all(b"\n")?;
            summary.records += 1;
            summary.errors += u64::from(result.error);
            summary.conflicts += u64::from(result.conflict);
        }
        progress(summary.records);
    }
    output.flush()?;
    Ok(summary)
}

/// One record's output line and what it held.
struct Record {
    json: Vec<u8>,
    error: bool,
    conflict: bool,
}

fn evaluate_chunk(policy: &Policy, chunk: &[(u64, Vec<u8>)], options: &Options) -> Vec<Record> {
    let jobs = options.jobs.max(1).min(chunk.len());
    if jobs <= 1 {
        return chunk
            .iter()
            .map(|(n, line)| record(policy, *n, line, options.overrides))
            .collect();
    }
    let per_job = chunk.len().div_ceil(jobs);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .chunks(per_job)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(n, line)| record(policy, *n, line, options.overrides))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("evaluating a record does not panic"))
            .collect()
    })
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "BatchResult")]
pub(crate) struct ResultJson<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    id: Option<&'a serde_json::Value>,
    scenario: ScenarioJson<'a>,
    decisions: Vec<DecisionJson<'a>>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "BatchError")]
pub(crate) struct ErrorJson<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    id: Option<&'a serde_json::Value>,
    errors: Vec<LineError>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "LineError")]
pub(crate) struct LineError {
    code: &'static str,
    message: String,
    /// One-based column in the line, where known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    help: Option<String>,
}

fn record(policy: &Policy, line_number: u64, line: &[u8], overrides: &PartialScenario) -> Record {
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(e) => {
            let error = LineError {
                code: "invalid-utf8",
                message: format!(
                    "line is not valid UTF-8: invalid byte at offset {}",
                    e.valid_up_to()
                ),
                column: None,
                help: None,
            };
            return error_record(line_number, None, vec![error]);
        }
    };
    let (partial, id) = match scenario::from_json(policy, text, true) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let id = id_of(text);
            return error_record(line_number, id.as_ref(), line_errors(text, &errors));
        }
    };
    let mut partial = partial;
    partial.overlay(overrides);
    let scenario = match partial.complete(policy, Some(scenario::object_span(text))) {
        Ok(scenario) => scenario,
        Err(errors) => return error_record(line_number, id.as_ref(), line_errors(text, &errors)),
    };
    let decisions = evaluate(policy, &scenario);
    let conflict = decisions.iter().any(|d| d.status == Status::Conflict);
    let json = serde_json::to_vec(&ResultJson {
        line: line_number,
        id: id.as_ref(),
        scenario: ScenarioJson(policy, &scenario),
        decisions: decisions
            .iter()
            .map(|d| decision_json(policy, &scenario, d, false))
            .collect(),
    })
    .expect("results always serialize");
    Record {
        json,
        error: false,
        conflict,
    }
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

/// The `"id"` of a line that is a JSON object, even if the rest is wrong.
fn id_of(text: &str) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("id").cloned()
}

fn error_record(line: u64, id: Option<&serde_json::Value>, errors: Vec<LineError>) -> Record {
    let json =
        serde_json::to_vec(&ErrorJson { line, id, errors }).expect("errors always serialize");
    Record {
        json,
        error: true,
        conflict: false,
    }
}
