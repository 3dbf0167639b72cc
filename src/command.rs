//! The commands as every front end runs them: a typed request in; out, the
//! exact text the command prints and how it went. The CLI prints these
//! texts, and the service and the editor send the same ones, so their
//! outputs cannot drift apart.

use crate::diagnostic::{Code, Diagnostic, Report, Severity, Source};
use crate::policy::{Policy, Scenario};
use crate::render::{self, Colour, CoverageListing, Detail};
use crate::scenario::Id;
use crate::{FmtMode, Formatted};

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

choice! {
    /// How `eval` and `diff` print.
    Format {
        /// A table for people.
        Table => "table",
        /// JSON, as the schemas describe.
        Json => "json",
    }
}

choice! {
    /// How `matrix` prints.
    MatrixFormat {
        /// A table for people.
        Table => "table",
        /// A Markdown table.
        Markdown => "markdown",
        /// Comma-separated values.
        Csv => "csv",
        /// JSON, as the `matrix` schema describes.
        Json => "json",
        /// The responsibility diagram.
        Svg => "svg",
        /// The diagram and every cell's rules, in one self-contained page.
        Html => "html",
    }
}

choice! {
    /// How `check` prints.
    CheckFormat {
        /// Diagnostics with the source marked, and a summary line.
        Text => "text",
        /// JSON, as the `check` schema describes.
        Json => "json",
        /// SARIF 2.1.0, for code-scanning tools.
        Sarif => "sarif",
    }
}

choice! {
    /// How `test` prints.
    TestFormat {
        /// Failures and a summary line, for people.
        Text => "text",
        /// JSON, as the `test` schema describes.
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

/// Which diagnostics fail `check` (exit 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failing {
    /// Errors only.
    Errors,
    /// Warnings too (`--deny warnings`).
    Warnings,
}

/// `onus eval`: who holds each zone in `scenario` (echoing its `id`); a
/// conflict is a finding.
pub fn eval(
    policy: &Policy,
    scenario: &Scenario,
    id: Option<&Id>,
    format: Format,
    explain: Explanation,
) -> Output {
    let decisions = policy.evaluate(scenario);
    let text = match (format, explain) {
        (Format::Json, Explanation::Hidden) => {
            render::eval_json(policy, scenario, id, &decisions, Detail::Decisions)
        }
        (Format::Json, Explanation::Shown) => render::eval_json(
            policy,
            scenario,
            id,
            &decisions,
            Detail::Explained(scenario),
        ),
        (Format::Table, Explanation::Hidden) => {
            safe(render::eval_table(policy, scenario, id, &decisions))
        }
        (Format::Table, Explanation::Shown) => {
            safe(render::eval_explained(policy, scenario, id, &decisions))
        }
    };
    let conflict = decisions
        .iter()
        .any(|d| d.status == crate::Status::Conflict);
    Output::result(text, conflict)
}

/// `onus matrix`: every value of dimension `over` (or the default sweep)
/// with the other dimensions fixed by `settings`; a conflict is a finding.
pub fn matrix(
    policy: &Policy,
    over: Option<&str>,
    settings: &[String],
    format: MatrixFormat,
) -> Result<Output, Report> {
    let over = policy.sweep_dimension(over)?;
    let mut fixed = policy.settings("--set", settings)?;
    let source = || Source::new("--set", settings.join(" "));
    if fixed.has(over) {
        // The swept dimension takes every value: fixing it makes no sense.
        let name = &policy.dimensions[over].name;
        let message = format!("`--set {name}=...` conflicts with `--over {name}`");
        let mut diagnostic =
            Diagnostic::new(Code::InvalidSetting, message).with_help(Some(format!(
            "the matrix shows every value of `{name}`: drop the setting, or sweep another dimension"
        )));
        for span in setting_spans(settings, name) {
            diagnostic = diagnostic.with_label(span, "fixes the swept dimension");
        }
        return Err(Report::new(source(), vec![diagnostic]));
    }
    fixed.set_index(over, 0);
    let base = fixed
        .complete(policy, None)
        .map_err(|errors| Report::from_errors(source(), &errors))?;
    let matrix = policy.matrix(over, &base);
    let text = match format {
        MatrixFormat::Table => safe(render::matrix_table(policy, &matrix)),
        MatrixFormat::Markdown => safe(render::matrix_markdown(policy, &matrix)),
        MatrixFormat::Csv => safe(render::matrix_csv(policy, &matrix)),
        MatrixFormat::Json => render::matrix_json(policy, &matrix),
        MatrixFormat::Svg => safe(render::matrix_svg(policy, &matrix)),
        MatrixFormat::Html => safe(render::matrix_html(policy, &matrix)),
    };
    Ok(Output::result(text, matrix.has_conflict()))
}

/// `onus check` over policies given by path or built-in name: every
/// diagnostic is a finding when it fails (`failing`); a policy that cannot
/// be read is a problem, and the others are still checked.
pub fn check(names: &[String], format: CheckFormat, failing: Failing, colour: Colour) -> Output {
    let (mut reports, mut problems) = (Vec::new(), Vec::new());
    for name in names {
        match crate::policy_source(name) {
            Ok(source) => reports.push(crate::check(&source.name, &source.text)),
            Err(report) => problems.push(report),
        }
    }
    let count = |severity| {
        let diagnostics = reports.iter().flat_map(|r: &Report| &r.diagnostics);
        diagnostics.filter(|d| d.severity == severity).count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let text = match format {
        CheckFormat::Json => render::diagnostics_json(&reports),
        CheckFormat::Sarif => render::sarif(&reports),
        CheckFormat::Text => {
            let mut text: String = reports
                .iter()
                .map(|r| render::diagnostics_text(r, colour))
                .collect();
            text.push_str(&format!(
                "checked {}: {}, {}, {}\n",
                counted(reports.len() as u64, "policy", "policies"),
                counted(errors as u64, "error", "errors"),
                counted(warnings as u64, "warning", "warnings"),
                counted(count(Severity::Note) as u64, "note", "notes")
            ));
            text
        }
    };
    let findings = errors > 0 || (failing == Failing::Warnings && warnings > 0);
    Output {
        text,
        problems,
        outcome: Outcome::findings_if(findings),
    }
}

/// Where the settings of dimension `name` are in `settings` joined by
/// spaces (as their diagnostics show them).
fn setting_spans<'a>(
    settings: &'a [String],
    name: &'a str,
) -> impl Iterator<Item = crate::Span> + 'a {
    let mut start = 0;
    settings.iter().filter_map(move |setting| {
        let span = crate::Span::new(start, start + setting.len());
        start = span.end + 1;
        (setting.split('=').next() == Some(name)).then_some(span)
    })
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

/// `onus fmt`: formats each path (`-` is stdin, whose formatted text is
/// the output); lists the files that changed, or with [`FmtMode::Check`]
/// would change, which is then a finding.
pub fn fmt(paths: &[String], mode: FmtMode) -> Output {
    let mut output = Output::default();
    let mut changed = String::new();
    for path in paths {
        match crate::format_path(path, mode) {
            Ok(Formatted::Text(formatted)) => output.text.push_str(&formatted),
            Ok(Formatted::Reformatted) => {
                let path = render::terminal_safe(path);
                changed.push_str(&format!("{} {path}\n", mode.verb()));
            }
            Ok(Formatted::Unchanged) => {}
            Err(report) => output.problems.push(report),
        }
    }
    output.outcome = Outcome::findings_if(mode == FmtMode::Check && !changed.is_empty());
    output.text.push_str(&changed);
    output
}

/// `onus test`: runs the tests of each policy or test file; a failure, or
/// a file's rule coverage below `threshold` percent, is a finding. A file
/// that does not load stops the run before any test.
pub fn test(
    paths: &[String],
    threshold: Option<f64>,
    format: TestFormat,
    coverage: CoverageListing,
) -> Output {
    let (mut suites, mut problems) = (Vec::new(), Vec::new());
    for path in paths {
        match crate::load_suite(path) {
            Ok(suite) => suites.push(suite),
            Err(report) => problems.push(report),
        }
    }
    if !problems.is_empty() {
        return Output {
            problems,
            ..Output::default()
        };
    }
    let report = crate::run_suites(&suites, threshold);
    let text = match format {
        TestFormat::Json => render::tests_json(&report),
        TestFormat::Text => safe(render::tests_text(&report, coverage)),
    };
    Output::result(text, !report.passed())
}

/// `onus diff OLD NEW`: where the two policies resolve a zone differently
/// over every scenario; a difference is a finding, a zone the analysis
/// could not decide a problem (after the rest is printed).
pub fn diff_policies(old: &Policy, new: &Policy, format: Format) -> Output {
    let diff = match old.diff(new) {
        Ok(diff) => diff,
        Err(report) => {
            return Output {
                problems: vec![report],
                ..Output::default()
            }
        }
    };
    let text = match format {
        Format::Table => safe(render::diff_policies_text(old, new, &diff)),
        Format::Json => render::diff_policies_json(old, new, &diff),
    };
    Output {
        text,
        problems: diff.undecided_report(new).into_iter().collect(),
        outcome: Outcome::findings_if(!diff.is_empty()),
    }
}

/// `onus diff --from .. --to ..`: the zones whose holder changes between
/// two scenarios of one policy, each given as settings (`shared` applies to
/// both); a change is a finding.
pub fn diff_scenarios(
    policy: &Policy,
    shared: &[String],
    from: &[String],
    to: &[String],
    format: Format,
) -> Result<Output, Report> {
    let common = policy.settings("--set", shared)?;
    let scenario = |flag: &str, own: &[String]| {
        let fixed = policy.settings(flag, own)?;
        // A dimension both `--set` and `--from` (or `--to`) give would
        // have one value silently win: refused, and named.
        let both: Vec<&str> = (policy.dimensions.iter().enumerate())
            .filter(|&(d, _)| fixed.has(d) && common.has(d))
            .map(|(_, dimension)| dimension.name.as_str())
            .collect();
        let diagnostics: Vec<Diagnostic> = (both.iter())
            .map(|name| {
                let message = format!("`{name}` is set by both `--set` and `{flag}`");
                let help = format!("`--set` gives what both scenarios share: set `{name}` in `--from` and `--to`, or in `--set` only");
                let spans = setting_spans(own, name);
                spans.fold(
                    Diagnostic::new(Code::InvalidSetting, message).with_help(Some(help)),
                    |diagnostic, span| diagnostic.with_label(span, "also set by `--set`"),
                )
            })
            .collect();
        if !diagnostics.is_empty() {
            return Err(Report::new(Source::new(flag, own.join(" ")), diagnostics));
        }
        let mut whole = common.clone();
        whole.overlay(&fixed);
        let source = || Source::new(flag, [shared, own].concat().join(" "));
        whole
            .complete(policy, None)
            .map_err(|errors| Report::from_errors(source(), &errors))
    };
    let (from, to) = (scenario("--from", from)?, scenario("--to", to)?);
    let changes = policy.diff_scenarios(&from, &to);
    let text = match format {
        Format::Table => safe(render::diff_scenarios_text(policy, &from, &to, &changes)),
        Format::Json => render::diff_scenarios_json(policy, &from, &to, &changes),
    };
    Ok(Output::result(text, !changes.is_empty()))
}

/// `onus policies`: the built-in policies, one a line: name and title.
pub fn policies() -> Output {
    let mut text = String::new();
    for b in crate::BUILTINS {
        let title = crate::load(b.name, b.text)
            .ok()
            .and_then(|p| p.title)
            .unwrap_or_default();
        text.push_str(&format!("{:<16} {title}\n", b.name));
    }
    Output::result(text, false)
}

/// The diagnostic for output that could not be written (a full disk):
/// a failure, never success, since nothing reached the reader.
pub fn unwritable_output(error: &std::io::Error) -> Report {
    let message = format!("cannot write the output: {}", crate::load::io_reason(error));
    let diagnostic = Diagnostic::new(Code::UnwritableOutput, message);
    Report::new(Source::new("<stdout>", ""), vec![diagnostic])
}
