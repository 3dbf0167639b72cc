//! The commands as every front end runs them: a typed request in; out, the
//! exact text the command prints and how it went. The CLI prints these
//! texts, and the service and the editor send the same ones, so their
//! outputs cannot drift apart. One file a command; the defaults and the
//! argument rules a front end would otherwise decide are here too.
//!
//! May import: every layer (`base`, `diagnostic`, `syntax`, `model`,
//! `engine`, `compliance`, `estate`, `render`, `io`, `api`).

/// Declares a [`Choice`] enum and its names.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($(#[$variant_doc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$variant_doc])* $variant,)*
        }

        impl Choice for $name {
            const NAMES: &'static [&'static str] = &[$($text),*];

            fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

pub mod batch;
mod check;
mod compare;
mod diff;
mod estate;
mod eval;
mod export;
mod fmt;
mod matrix;
mod policies;
pub mod schema;
mod test;

pub use check::{check, CheckFormat, Failing};
pub use compare::compare;
pub use diff::{diff_policies, diff_scenarios};
pub use estate::{
    estate, estate_arguments, estate_routed, estate_stream, EstateFormat, InventoryChoice,
    Unmapped, ROUTING_ORDER,
};
pub use eval::{eval, eval_arguments, eval_partial};
pub use export::{export, write_export, ExportFormat, ExportRequest};
pub use fmt::fmt;
pub use matrix::{matrix, MatrixFormat};
pub use policies::policies;
pub use test::{test, TestFormat};

use crate::diagnostic::{Code, Diagnostic, Report, Severity, Source};
use crate::model::policy::{Policy, Scenario};
use crate::model::scenario::Id;
use crate::render::{self, Colour, CoverageListing, Detail};

pub use crate::io::unwritable_output;

/// The policy a command uses when none is named: the built-in `azure`.
pub const DEFAULT_POLICY: &str = "azure";

/// The policy a command names, by path or built-in name; without one,
/// the built-in [`DEFAULT_POLICY`] (never a file that happens to have that
/// name).
pub fn policy_or_default(name: Option<&str>) -> Result<Policy, Report> {
    match name {
        Some(name) => crate::api::load_policy(name),
        None => crate::api::load_builtin(DEFAULT_POLICY),
    }
}

use crate::api::{FmtMode, Formatted};

/// What a command printed, and what went wrong without stopping it.
#[derive(Debug, Default)]
pub struct Output {
    /// The command's result, for stdout.
    pub text: String,
    /// Input that could not be used, though the rest was (one unreadable
    /// policy among several, a question the analysis left undecided): for
    /// stderr; any makes the exit code 2.
    pub problems: Vec<Report>,
    /// How it went, problems aside.
    pub outcome: Outcome,
}

/// How a command went: what its exit code says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit code 0.
    #[default]
    Clean,
    /// The result holds a finding (a conflict, a failed test, a change):
    /// exit code 1.
    Findings,
    /// Some of the input was bad (a batch's error records): exit code 2.
    BadInput,
}

impl Outcome {
    /// [`Outcome::Findings`] if `found`, else [`Outcome::Clean`].
    pub fn findings_if(found: bool) -> Outcome {
        if found {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

impl Output {
    fn result(text: String, findings: bool) -> Output {
        Output {
            text,
            problems: Vec::new(),
            outcome: Outcome::findings_if(findings),
        }
    }

    /// 2 if there was a problem or bad input, else 1 for a finding, else 0.
    pub fn exit_code(&self) -> u8 {
        match (self.problems.is_empty(), self.outcome) {
            (false, _) | (true, Outcome::BadInput) => 2,
            (true, Outcome::Findings) => 1,
            (true, Outcome::Clean) => 0,
        }
    }
}

/// A closed set of named choices (an output format): the names are
/// declared once, here, for every front end's arguments.
pub trait Choice: Copy + 'static {
    /// Every name, in declaration order; the first is the default.
    const NAMES: &'static [&'static str];
    /// The choice of this name.
    fn from_name(name: &str) -> Option<Self>;
}

choice! {
    /// How `eval` and `diff` print.
    Format {
        /// A table for people.
        Table => "table",
        /// JSON, as the schemas describe.
        Json => "json",
    }
}

/// Whether `eval` shows every rule considered for each zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Explanation {
    /// Only each zone's decision.
    Hidden,
    /// Each zone's rules, matched or not (`--explain`).
    Shown,
}

/// Text for people, which may reach a terminal: control characters and
/// bidirectional overrides in user text it repeats (a file name) are
/// shown escaped, never acted on.
fn safe(text: String) -> String {
    match render::terminal_safe(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

/// `2 policies`, `1 policy`.
pub(crate) fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report when a companion binary (`onus-lsp`, `onus-serve`) cannot
/// be started: how to install it, or name it with `variable`.
pub fn missing_companion(
    binary: &str,
    variable: &str,
    path: &str,
    error: &std::io::Error,
) -> Report {
    let message = format!("cannot start `{path}`: {}", crate::io::io_reason(error));
    let member = binary.trim_start_matches("onus-");
    let diagnostic = Diagnostic::new(Code::UnreadableFile, message).with_help(Some(format!(
        "install it beside onus (`cargo install --path {member}`), or name it with {variable}"
    )));
    Report::new(Source::new(path, ""), vec![diagnostic])
}

/// Where the settings of dimension `name` are in `settings` joined by
/// spaces (as their diagnostics show them).
pub(crate) fn setting_spans<'a>(
    settings: &'a [String],
    name: &'a str,
) -> impl Iterator<Item = crate::base::span::Span> + 'a {
    let mut start = 0;
    settings.iter().filter_map(move |setting| {
        let span = crate::base::span::Span::new(start, start + setting.len());
        start = span.end + 1;
        (setting.split('=').next() == Some(name)).then_some(span)
    })
}
