//! The one shape every stage's errors and findings take before rendering.
//!
//! Each stage keeps its own error enum (the facts); `to_diagnostic` turns one
//! into a [`Diagnostic`], which [`render`] prints as text or
//! JSON (and [`sarif`] as SARIF). Nothing else formats an error.
//!
//! May import: `base`.

use std::fmt;

use serde::Serialize;

pub(crate) mod code;
pub(crate) mod render;
pub(crate) mod sarif;

use crate::base::span::Span;
pub use code::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
/// How serious a diagnostic is.
pub enum Severity {
    /// Wrong: the command fails.
    Error,
    /// Suspicious: fails `check` only under `--deny warnings`.
    Warning,
    /// Worth knowing: never fails.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// A span of the source with what to say about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where, in the report's source.
    pub span: Span,
    /// What to say there.
    pub message: String,
}

/// A located message with a stable code.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable code, documented in `docs/codes/`.
    pub code: Code,
    /// How serious it is; the code's own severity.
    pub severity: Severity,
    /// Lowercase, no final period, names in backticks.
    pub message: String,
    /// Where it happened; `None` only for a problem with a whole file that
    /// has no text to point into (unreadable, not UTF-8).
    pub primary: Option<Label>,
    /// Other places involved, such as the other rule of a conflict.
    pub related: Vec<Label>,
    /// What to do about it, such as a did-you-mean.
    pub help: Option<String>,
    /// What the primary label's text should be, where the fix is known (a
    /// did-you-mean): for tools that offer it as an edit.
    pub replacement: Option<String>,
    /// A scenario that shows the problem: dimension and value, in the
    /// policy's dimension order.
    pub scenario: Option<Vec<(String, String)>>,
    /// Dimensions of the scenario whose value does not matter: any value
    /// shows the problem as well.
    pub any_value: Vec<String>,
}

impl Diagnostic {
    /// The scenario that shows the problem as `onus check` writes it,
    /// `model=paas region=us (any value of tier)`, if there is one.
    pub fn witness_text(&self) -> Option<String> {
        render::witness_text(self)
    }

    /// A diagnostic with the code's own severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: None,
            related: Vec::new(),
            help: None,
            replacement: None,
            scenario: None,
            any_value: Vec::new(),
        }
    }

    /// Says what the primary label's text should be, if known.
    pub fn with_replacement(mut self, replacement: Option<String>) -> Self {
        self.replacement = replacement;
        self
    }

    /// Points at where the problem is.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds another place involved.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Says what to do about it.
    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Adds a scenario that shows the problem, and the dimensions whose value does not matter in it.
    pub fn with_scenario(
        mut self,
        scenario: Vec<(String, String)>,
        any_value: Vec<String>,
    ) -> Self {
        self.scenario = Some(scenario);
        self.any_value = any_value;
        self
    }
}

/// A named text that diagnostics point into: a policy file, a scenario file,
/// or a command-line argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// How output names it: a path, a built-in policy, `--set`.
    pub name: String,
    /// The text itself.
    pub text: String,
    /// Where each line starts, so locating an offset is a binary search.
    line_starts: Vec<usize>,
}

impl Source {
    /// A source of this name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, column + 1)
    }

    /// The byte offset of a one-based line and column (in characters), as
    /// parsers report positions; clamped to the text.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let within = (rest.char_indices())
            .take_while(|(_, c)| *c != '\n')
            .nth(column.saturating_sub(1))
            .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
        start + within
    }
}

/// Diagnostics about one source. The error type of every fallible step of
/// the public API.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The text the diagnostics point into.
    pub source: Source,
    /// Every diagnostic, in order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// A report of these diagnostics about `source`.
    pub fn new(source: Source, diagnostics: Vec<Diagnostic>) -> Self {
        Report {
            source,
            diagnostics,
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

impl Report {
    /// The diagnostics of a stage's errors about one source.
    pub fn from_errors<E: ToDiagnostic>(source: Source, errors: &[E]) -> Self {
        Report::new(
            source,
            errors.iter().map(ToDiagnostic::to_diagnostic).collect(),
        )
    }
}

/// A stage's error (the facts) becomes a [`Diagnostic`] (what to print)
/// through this: each stage implements it for its error enum. (A few
/// one-off I/O failures, such as a file fmt cannot write, build their
/// diagnostic where they happen.)
pub trait ToDiagnostic {
    /// The error as a located, coded message.
    fn to_diagnostic(&self) -> Diagnostic;
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render::text(self, render::Colour::Never))
    }
}

impl std::error::Error for Report {}
