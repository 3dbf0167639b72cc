//! The commands as every front end runs them: a typed request in; out, the
//! exact text the command prints and how it went. The CLI prints these
//! texts, and the service and the editor send the same ones, so their
//! outputs cannot drift apart.

pub mod batch;
pub mod schema;

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

/// `eval`'s two optional arguments, the policy and the scenario file: a
/// single argument that is `-` or ends in `.json` is the scenario (`onus
/// eval scenario.json` evaluates the default policy).
pub fn eval_arguments(
    policy: Option<String>,
    scenario: Option<String>,
) -> (Option<String>, Option<String>) {
    let is_scenario = |p: &String| p == "-" || p.ends_with(".json");
    match (policy, scenario) {
        (Some(p), None) if is_scenario(&p) => (None, Some(p)),
        other => other,
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
        .any(|d| d.status == crate::model::answers::Status::Conflict);
    Output::result(text, conflict)
}

/// `onus eval --partial`: each zone definite or depending on the
/// dimensions `given` leaves open; a possible conflict is a finding, and a
/// zone the analysis could not decide a problem.
pub fn eval_partial(
    policy: &Policy,
    given: &crate::model::scenario::PartialScenario,
    id: Option<&Id>,
    format: Format,
) -> Output {
    let answers = policy.evaluate_partial(given);
    let open = policy.open_dimensions(given);
    let text = match format {
        Format::Json => render::partial_json(policy, given, &open, id, &answers),
        Format::Table => safe(render::partial_table(policy, given, &open, id, &answers)),
    };
    let conflict = (answers.iter())
        .filter_map(|a| a.cases.as_ref())
        .flatten()
        .any(|c| c.holder == crate::model::answers::Holder::Conflict);
    let undecided: Vec<Diagnostic> = (answers.iter())
        .filter(|a| a.cases.is_none())
        .map(|a| {
            Diagnostic::new(
                Code::AnalysisLimit,
                format!(
                    "zone `{}`: could not decide within the analysis budget what it depends on",
                    policy.zones[a.zone].name
                ),
            )
        })
        .collect();
    let mut output = Output::result(text, conflict);
    if !undecided.is_empty() {
        output
            .problems
            .push(Report::new(Source::new(&policy.name, ""), undecided));
    }
    output
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
/// With `maps` (paths or built-in names), each policy is also checked
/// against each mapping: its zones without a control, the mapping's zones
/// it lacks (where a near name suggests a typo), and controls its zones'
/// holders share.
pub fn check(
    names: &[String],
    maps: &[String],
    format: CheckFormat,
    failing: Failing,
    colour: Colour,
) -> Output {
    let (mut reports, mut problems) = (Vec::new(), Vec::new());
    let mut policies = 0;
    let mut mappings = Vec::new();
    for map in maps {
        // A mapping that cannot be read is a problem (exit 2); one read
        // with errors in it is checked like any file (its errors count).
        match crate::api::mapping_source(map) {
            Ok(source) => match crate::api::load_mapping_text(&source.name, &source.text) {
                Ok(mapping) => mappings.push(mapping),
                Err(report) => reports.push(report),
            },
            Err(report) => problems.push(report),
        }
    }
    let (files, unreadable) = crate::io::expand_paths(names);
    problems.extend(unreadable);
    for (name, from_folder) in &files {
        // A folder's test files are run by `onus test`, not checked.
        if *from_folder && crate::api::is_test_file(name) {
            continue;
        }
        let source = match crate::io::policy_source(name) {
            Ok(source) => source,
            Err(report) => {
                problems.push(report);
                continue;
            }
        };
        let mut report = crate::api::check(&source.name, &source.text);
        let policy = match mappings.is_empty() {
            true => None,
            false => crate::api::load(&source.name, &source.text).ok(),
        };
        let mut mapping_reports = Vec::new();
        for mapping in policy
            .iter()
            .flat_map(|p| mappings.iter().map(move |m| (p, m)))
        {
            let (policy, mapping) = mapping;
            let mut about_mapping = Vec::new();
            for finding in crate::compliance::mapping::mapping_findings(policy, mapping) {
                let diagnostic = crate::diagnostic::ToDiagnostic::to_diagnostic(&finding);
                match finding {
                    crate::compliance::mapping::MappingFinding::UnmappedZone { .. } => {
                        report.diagnostics.push(diagnostic)
                    }
                    _ => about_mapping.push(diagnostic),
                }
            }
            if !about_mapping.is_empty() {
                mapping_reports.push(Report::new(mapping.source.clone(), about_mapping));
            }
        }
        reports.push(report);
        policies += 1;
        reports.extend(mapping_reports);
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
                counted(policies, "policy", "policies"),
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
) -> impl Iterator<Item = crate::base::span::Span> + 'a {
    let mut start = 0;
    settings.iter().filter_map(move |setting| {
        let span = crate::base::span::Span::new(start, start + setting.len());
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
    let (files, unreadable) = crate::io::expand_paths(paths);
    output.problems.extend(unreadable);
    for (path, _) in &files {
        match crate::api::format_path(path, mode) {
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
    let (files, unreadable) = crate::io::expand_paths(paths);
    problems.extend(unreadable);
    for (path, from_folder) in &files {
        // A folder's mappings and resource maps hold no tests.
        if *from_folder && crate::api::is_map_file(path) {
            continue;
        }
        match crate::api::load_suite(path) {
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
    let report = crate::api::run_suites(&suites, threshold);
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
    for b in crate::base::assets::BUILTINS {
        let title = crate::api::load(b.name, b.text)
            .ok()
            .and_then(|p| p.title)
            .unwrap_or_default();
        text.push_str(&format!("{:<16} {title}\n", b.name));
    }
    Output::result(text, false)
}

choice! {
    /// How `estate` prints.
    EstateFormat {
        /// Each resource's holders, then the summary, for people.
        Table => "table",
        /// One JSON document: resources and summary.
        Json => "json",
        /// One JSON record a resource.
        Ndjson => "ndjson",
        /// One row a resource and zone.
        Csv => "csv",
        /// One self-contained page: the summary and every resource's zones.
        Html => "html",
    }
}

choice! {
    /// What kind of file an inventory is.
    InventoryChoice {
        /// Detected from the content.
        Auto => "auto",
        /// `terraform show -json` of a plan.
        TerraformPlan => "terraform-plan",
        /// `terraform show -json` of a state.
        TerraformState => "terraform-state",
        /// `az resource list` or Azure Resource Graph output.
        Azure => "azure",
        /// An AWS Config inventory.
        AwsConfig => "aws-config",
        /// A CloudFormation template, JSON or YAML.
        Cloudformation => "cloudformation",
        /// One resource a line (`type` or `resourceType`, and an address or
        /// id), streamed: with `--format ndjson`, in bounded memory.
        Ndjson => "ndjson",
    }
}

impl InventoryChoice {
    /// The format forced, if any.
    pub fn forced(self) -> Option<crate::estate::InventoryFormat> {
        use crate::estate::InventoryFormat as F;
        match self {
            InventoryChoice::Auto => None,
            InventoryChoice::TerraformPlan => Some(F::TerraformPlan),
            InventoryChoice::TerraformState => Some(F::TerraformState),
            InventoryChoice::Azure => Some(F::Azure),
            InventoryChoice::AwsConfig => Some(F::AwsConfig),
            InventoryChoice::Cloudformation => Some(F::CloudFormation),
            InventoryChoice::Ndjson => None,
        }
    }
}

/// Whether an unmapped resource fails `estate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmapped {
    /// Listed and counted only.
    Allowed,
    /// Also a finding (exit 1): `--deny unmapped`.
    Denied,
}

/// `onus estate --input-format ndjson --format ndjson`: the inventories
/// streamed, one record a line to `output`, in memory bounded by the number
/// of resource types; the counts go to the caller (for stderr). A line
/// that is not a resource is an error record and bad input (exit 2); a
/// conflict, or with [`Unmapped::Denied`] an unmapped resource, a finding.
pub fn estate_stream(
    policy: &Policy,
    maps: &[String],
    inventories: &[String],
    unmapped: Unmapped,
    output: impl std::io::Write,
) -> Result<(crate::estate::StreamSummary, Outcome), Report> {
    let maps = crate::api::resource_maps(policy, maps)?;
    let summary = crate::api::stream_estate_files(policy, &maps, inventories, output)?;
    let denied = unmapped == Unmapped::Denied && summary.mapped < summary.resources;
    let outcome = match (summary.errors, summary.conflicts > 0 || denied) {
        (0, findings) => Outcome::findings_if(findings),
        _ => Outcome::BadInput,
    };
    Ok((summary, outcome))
}

/// `onus estate`: every resource of the inventories through the policy's
/// resource maps (the files given, then the built-in one); a conflict, or
/// with [`Unmapped::Denied`] an unmapped resource, is a finding.
pub fn estate(
    policy: &Policy,
    maps: &[String],
    inventories: &[String],
    forced: InventoryChoice,
    format: EstateFormat,
    unmapped: Unmapped,
) -> Result<Output, Report> {
    if forced == InventoryChoice::Ndjson {
        let diagnostic = Diagnostic::new(
            Code::InvalidSetting,
            "an NDJSON inventory streams to NDJSON records only",
        )
        .with_help(Some("add `--format ndjson`".into()));
        return Err(Report::new(
            Source::new("--input-format", ""),
            vec![diagnostic],
        ));
    }
    let maps = crate::api::resource_maps(policy, maps)?;
    let wanted = crate::estate::wanted_attributes(&maps);
    let inventories = inventories
        .iter()
        .map(|path| crate::api::read_inventory(path, forced.forced(), &wanted))
        .collect::<Result<Vec<_>, _>>()?;
    let answers = crate::estate::evaluate(policy, &maps, &inventories);
    // Only the formats with a summary need the analysis.
    let somewhere = || crate::estate::provider_somewhere(policy);
    let text = match format {
        EstateFormat::Table => safe(render::estate_table(
            policy,
            &inventories,
            &answers,
            &somewhere(),
        )),
        EstateFormat::Json => render::estate_json(policy, &inventories, &answers, &somewhere()),
        EstateFormat::Html => render::estate_html(policy, &inventories, &answers, &somewhere()),
        EstateFormat::Ndjson => render::estate_ndjson(policy, &answers),
        EstateFormat::Csv => render::estate_csv(policy, &answers),
    };
    let conflict = (answers.iter()).any(|a| a.answer.as_ref().is_ok_and(|(_, e)| e.has_conflict()));
    let denied = unmapped == Unmapped::Denied && answers.iter().any(|a| a.answer.is_err());
    Ok(Output::result(text, conflict || denied))
}

choice! {
    /// What `export` writes.
    ExportFormat {
        /// The provider's OSCAL SSP: what it provides, what it leaves to
        /// customers (NIST SP 800-53).
        OscalSsp => "oscal-ssp",
        /// A customer's OSCAL SSP, inheriting from the provider's.
        OscalSspCustomer => "oscal-ssp-customer",
        /// CSA CAIQ SSRM ownership as CSV (CCM v4).
        CaiqCsv => "caiq-csv",
        /// CSA CAIQ SSRM ownership as an XLSX workbook.
        CaiqXlsx => "caiq-xlsx",
        /// FedRAMP's customer responsibility matrix as CSV (800-53).
        CrmCsv => "crm-csv",
        /// FedRAMP's customer responsibility matrix as an XLSX workbook.
        CrmXlsx => "crm-xlsx",
    }
}

impl ExportFormat {
    /// The framework whose controls it speaks of.
    pub fn framework(self) -> crate::compliance::mapping::FrameworkKind {
        match self {
            ExportFormat::CaiqCsv | ExportFormat::CaiqXlsx => {
                crate::compliance::mapping::FrameworkKind::CsaCcm
            }
            ExportFormat::OscalSsp
            | ExportFormat::OscalSspCustomer
            | ExportFormat::CrmCsv
            | ExportFormat::CrmXlsx => crate::compliance::mapping::FrameworkKind::Nist80053,
        }
    }

    /// The built-in mapping used when none is given.
    pub fn default_mapping(self) -> &'static str {
        match self.framework() {
            crate::compliance::mapping::FrameworkKind::CsaCcm => "csa-ccm-v4",
            crate::compliance::mapping::FrameworkKind::Nist80053 => "nist-sp-800-53-rev5",
        }
    }

    /// Whether it writes a binary file rather than text.
    pub fn is_binary(self) -> bool {
        matches!(self, ExportFormat::CaiqXlsx | ExportFormat::CrmXlsx)
    }

    /// Why this format is not written to a terminal, if it is not: a
    /// workbook's bytes would only garble the screen.
    pub fn refused_on_terminal(self) -> Option<&'static str> {
        self.is_binary()
            .then_some("a workbook is binary: give `--output FILE`, or redirect stdout")
    }
}

/// What `onus export` is told beyond the policy, mapping and scenario.
#[derive(Clone, Copy, Debug)]
pub struct ExportRequest<'a> {
    /// `YYYY-MM-DD`: the documents' date (OSCAL's `last-modified`); the
    /// Unix epoch's day when `None`, so that the same input gives the same
    /// bytes whatever day it runs.
    pub date: Option<&'a str>,
    /// The OSCAL profile the SSPs import.
    pub profile: &'a str,
}

/// A `YYYY-MM-DD` date, checked, or the Unix epoch's day.
fn export_date(date: Option<&str>) -> Result<&str, Report> {
    let Some(date) = date else {
        return Ok("1970-01-01");
    };
    if is_calendar_date(date) {
        return Ok(date);
    }
    let diagnostic = Diagnostic::new(Code::InvalidSetting, format!("`{date}` is not a date"))
        .with_label(
            crate::base::span::Span::new(0, date.len()),
            "not a day of the calendar, as YYYY-MM-DD",
        )
        .with_help(Some(
            "write the date as YYYY-MM-DD, such as `--date 2026-11-29`".into(),
        ));
    Err(Report::new(Source::new("--date", date), vec![diagnostic]))
}

/// Whether `date` is `YYYY-MM-DD` and a day of the Gregorian calendar.
fn is_calendar_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && (bytes.iter().enumerate()).all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return false;
    }
    let number = |range: std::ops::Range<usize>| date[range].parse::<u16>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok());
    let day = u8::try_from(day).unwrap_or(0);
    month.is_some_and(|month| time::Date::from_calendar_date(i32::from(year), month, day).is_ok())
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

/// Writes an export to `path`, atomically: a reader sees the old file or
/// the new, never a part.
pub fn write_export(path: &str, bytes: &[u8]) -> Result<(), Report> {
    crate::io::write_atomically(std::path::Path::new(path), bytes).map_err(|error| {
        let message = format!("cannot write `{path}`: {}", crate::io::io_reason(&error));
        Report::new(
            Source::new(path, ""),
            vec![Diagnostic::new(Code::UnwritableFile, message)],
        )
    })
}

/// `onus export`: the policy's answers in the scenario `settings` give,
/// control by control of `mapping` (a path or built-in name; the format's
/// default when `None`), in `format`. Bytes, since XLSX is binary.
pub fn export(
    policy: &Policy,
    mapping: Option<&str>,
    settings: &[String],
    format: ExportFormat,
    request: ExportRequest,
) -> Result<Vec<u8>, Report> {
    let mapping = crate::api::load_mapping(mapping.unwrap_or(format.default_mapping()))?;
    if mapping.framework.kind != format.framework() {
        let expected = format.default_mapping();
        let diagnostic = Diagnostic::new(
            Code::FrameworkMismatch,
            format!(
                "mapping `{}` maps to {}, which this export does not speak of",
                mapping.name, mapping.framework.title
            ),
        )
        .with_help(Some(format!(
            "give a mapping to the export's framework, such as `--map {expected}`"
        )));
        return Err(Report::new(
            Source::new(&mapping.name, ""),
            vec![diagnostic],
        ));
    }
    let scenario = policy.scenario_from_settings("--set", settings)?;
    let export = crate::compliance::responsibility::Export::new(policy, &mapping, &scenario)?;
    let options = render::ExportOptions {
        date: export_date(request.date)?,
        profile: request.profile,
    };
    let options = &options;
    let sheet = |rows: Vec<Vec<String>>, name: &str| {
        render::grid_xlsx(&rows, name, options.date).map_err(|reason| {
            let diagnostic = Diagnostic::new(
                Code::UnwritableOutput,
                format!("cannot build the workbook: {reason}"),
            );
            Report::new(Source::new(&mapping.name, ""), vec![diagnostic])
        })
    };
    Ok(match format {
        ExportFormat::OscalSsp => render::oscal_provider(&export, options).into_bytes(),
        ExportFormat::OscalSspCustomer => render::oscal_customer(&export, options).into_bytes(),
        ExportFormat::CaiqCsv => render::grid_csv(&export.caiq_grid()).into_bytes(),
        ExportFormat::CaiqXlsx => sheet(export.caiq_grid(), "CAIQ SSRM")?,
        ExportFormat::CrmCsv => render::grid_csv(&export.crm_grid()).into_bytes(),
        ExportFormat::CrmXlsx => sheet(export.crm_grid(), "CRM")?,
    })
}
