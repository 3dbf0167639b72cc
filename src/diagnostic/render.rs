//! The one place diagnostics become text (with the source line marked) or
//! JSON.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

use crate::base::text::{terminal_safe, to_json, unsafe_on_a_terminal};
use crate::diagnostic::{Code, Diagnostic, Report, Severity};

/// Whether rendered diagnostics are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// ANSI colour, for a terminal.
    Always,
    /// Plain text.
    Never,
}

impl Colour {
    /// Colour only on a terminal, and never with `NO_COLOR` set and not
    /// empty (<https://no-color.org>).
    pub fn when(is_terminal: bool) -> Colour {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if is_terminal && !no_color {
            Colour::Always
        } else {
            Colour::Never
        }
    }
}

/// Renders a report's diagnostics with the source marked. A diagnostic
/// that cannot be laid out (a span past the text's end) is still shown, as
/// one plain line.
pub fn text(report: &Report, colour: Colour) -> String {
    let shown = Shown::new(&report.source.text);
    let name = terminal_safe(&report.source.name);
    let file = SimpleFile::new(name.as_ref(), shown.text.as_str());
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        let diagnostic = &shown.diagnostic(diagnostic);
        let mut buffer = match colour {
            Colour::Always => termcolor::Buffer::ansi(),
            Colour::Never => termcolor::Buffer::no_color(),
        };
        let rendered =
            term::emit_to_write_style(&mut buffer, &config(), &file, &to_codespan(diagnostic))
                .ok()
                .and_then(|()| String::from_utf8(buffer.into_inner()).ok());
        out.push_str(&rendered.unwrap_or_else(|| fallback(report, diagnostic)));
    }
    out
}

/// `error[code]: message` with the file's name, for when the layout fails.
fn fallback(report: &Report, diagnostic: &Diagnostic) -> String {
    format!(
        "{}[{}]: {} ({})\n",
        diagnostic.severity,
        diagnostic.code,
        diagnostic.message,
        terminal_safe(&report.source.name)
    )
}

/// The related locations a diagnostic shows as text; JSON and SARIF carry
/// them all.
const RELATED_SHOWN: usize = 5;

/// A source as it is shown: characters unsafe on a terminal escaped, and a
/// carriage return before a line feed dropped; with the shifts needed to
/// move the diagnostics' spans onto the shown text.
struct Shown {
    text: String,
    /// `(offset in the source just after a change, total shift so far)`,
    /// in source order.
    shifts: Vec<(usize, isize)>,
}

impl Shown {
    fn new(source: &str) -> Shown {
        let mut shown = Shown {
            text: String::with_capacity(source.len()),
            shifts: Vec::new(),
        };
        let mut shift = 0isize;
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let end = at + c.len_utf8();
            let replacement = match c {
                '\r' if chars.peek().map(|&(_, next)| next) == Some('\n') => String::new(),
                c if unsafe_on_a_terminal(c) => c.escape_unicode().to_string(),
                c => {
                    shown.text.push(c);
                    continue;
                }
            };
            shown.text.push_str(&replacement);
            shift += replacement.len() as isize - c.len_utf8() as isize;
            shown.shifts.push((end, shift));
        }
        shown
    }

    /// Where `offset` in the source is in the shown text.
    fn offset(&self, offset: usize) -> usize {
        let changes_before = self.shifts.partition_point(|&(end, _)| end <= offset);
        let shift = changes_before
            .checked_sub(1)
            .map_or(0, |last| self.shifts[last].1);
        offset.saturating_add_signed(shift)
    }

    /// The diagnostic as shown: its text made safe, its spans moved.
    fn diagnostic(&self, diagnostic: &Diagnostic) -> Diagnostic {
        let mut shown = diagnostic.clone();
        let span = |span: crate::base::span::Span| {
            crate::base::span::Span::new(self.offset(span.start), self.offset(span.end))
        };
        shown.message = terminal_safe(&diagnostic.message).into_owned();
        shown.help = diagnostic
            .help
            .as_deref()
            .map(|h| terminal_safe(h).into_owned());
        if shown.related.len() > RELATED_SHOWN {
            // A rule in conflict with thousands: the text shows a few, the
            // JSON every one.
            let hidden = shown.related.len() - RELATED_SHOWN;
            shown.related.truncate(RELATED_SHOWN);
            let more = match hidden {
                1 => "1 more related line is not shown here; `--format json` lists all".into(),
                n => {
                    format!("{n} more related lines are not shown here; `--format json` lists all")
                }
            };
            shown.help = Some(match shown.help.take() {
                Some(help) => format!("{help}\n{more}"),
                None => more,
            });
        }
        for label in shown.primary.iter_mut().chain(&mut shown.related) {
            label.span = span(label.span);
            label.message = terminal_safe(&label.message).into_owned();
        }
        if let Some(scenario) = &mut shown.scenario {
            for (dimension, value) in scenario.iter_mut() {
                *dimension = terminal_safe(dimension).into_owned();
                *value = terminal_safe(value).into_owned();
            }
        }
        shown
    }
}

fn config() -> term::Config {
    term::Config {
        start_context_lines: 0,
        end_context_lines: 0,
        ..term::Config::default()
    }
}

fn to_codespan(diagnostic: &Diagnostic) -> cs::Diagnostic<()> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        labels.push(cs::Label::primary((), primary.span.range()).with_message(&primary.message));
    }
    for related in &diagnostic.related {
        labels.push(cs::Label::secondary((), related.span.range()).with_message(&related.message));
    }
    let mut notes = Vec::new();
    if let Some(scenario) = witness_text(diagnostic) {
        notes.push(format!("scenario: {scenario}"));
    }
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.name())
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// `model=paas region=us (any value of tier)`, if the diagnostic has a
/// scenario: the dimensions that matter, then those whose value does not.
pub(crate) fn witness_text(diagnostic: &Diagnostic) -> Option<String> {
    let scenario = diagnostic.scenario.as_ref()?;
    let pairs: Vec<String> = scenario
        .iter()
        .filter(|(d, _)| !diagnostic.any_value.contains(d))
        .map(|(d, v)| format!("{d}={v}"))
        .collect();
    let mut text = pairs.join(" ");
    if !diagnostic.any_value.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&format!(
            "(any value of {})",
            diagnostic.any_value.join(", ")
        ));
    }
    Some(text)
}

/// A diagnostic as JSON: `{"code", "severity", "message", "path", "line",
/// "column", "scenario"?, "any_value"?, "related"?, "help"?}`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Diagnostic")]
pub struct JsonDiagnostic<'a> {
    pub code: Code,
    pub severity: Severity,
    pub message: &'a str,
    pub path: &'a str,
    pub line: Option<usize>,
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scenario: Option<Pairs<'a>>,
    /// Dimensions of `scenario` whose value does not matter: any value
    /// shows the problem as well.
    #[serde(skip_serializing_if = "<[_]>::is_empty", default)]
    pub any_value: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<JsonLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub help: Option<&'a str>,
}

/// Name-value pairs as a JSON object, in their order.
#[derive(Debug)]
pub struct Pairs<'a>(&'a [(String, String)]);

impl schemars::JsonSchema for Pairs<'_> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scenario".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        scenario_schema(generator)
    }
}

impl Serialize for Pairs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RelatedLocation")]
pub struct JsonLocation<'a> {
    pub line: usize,
    pub column: usize,
    pub message: &'a str,
}

/// `onus check --format json`: every diagnostic of every policy checked.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CheckOutput")]
pub(crate) struct CheckJson<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// `{"diagnostics": [...]}` for several reports.
pub fn json_document(reports: &[Report]) -> String {
    to_json(&CheckJson {
        diagnostics: reports.iter().flat_map(json).collect(),
    })
}

/// The report's diagnostics in JSON form.
pub fn json(report: &Report) -> Vec<JsonDiagnostic<'_>> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let position = d
                .primary
                .as_ref()
                .map(|l| report.source.line_column(l.span.start));
            JsonDiagnostic {
                code: d.code,
                severity: d.severity,
                message: &d.message,
                path: &report.source.name,
                line: position.map(|p| p.0),
                column: position.map(|p| p.1),
                scenario: d.scenario.as_deref().map(Pairs),
                any_value: &d.any_value,
                related: d
                    .related
                    .iter()
                    .map(|l| {
                        let (line, column) = report.source.line_column(l.span.start);
                        JsonLocation {
                            line,
                            column,
                            message: &l.message,
                        }
                    })
                    .collect(),
                help: d.help.as_deref(),
            }
        })
        .collect()
}

/// The JSON Schema of a scenario: an object of dimension names and values,
/// in declaration order.
pub(crate) fn scenario_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "A scenario: every dimension of the policy and its value, in declaration order.",
        "type": "object",
        "additionalProperties": { "type": "string" }
    })
}
