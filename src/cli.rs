//! The command line: arguments to one library call, results to stdout,
//! diagnostics to stderr, an exit code. Every rule (where a policy is
//! found, how settings read, what a default is) lives in the library.

use std::io::{IsTerminal, Write};

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use onus::render::{self, Colour, CoverageListing, Detail, Stream};
use onus::{BatchOptions, BatchWork, Code, Diagnostic, Policy, Report, Severity, Source};

/// Say who holds each part of a cloud workload's security: the customer,
/// the provider, or both, and which rule decided.
#[derive(Parser, Debug)]
#[command(name = "onus", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate a policy against one scenario: who holds each zone.
    Eval(EvalArgs),
    /// Evaluate a policy across every value of one dimension.
    Matrix(MatrixArgs),
    /// List the built-in policies.
    Policies,
    /// Prove policies right over every scenario: no conflicts, no dead or
    /// redundant rules, assertions that hold.
    Check(CheckArgs),
    /// Rewrite policies in the canonical layout.
    Fmt(FmtArgs),
    /// Run the tests written in policies and test files.
    Test(TestArgs),
    /// What changes: between two scenarios (`--from`, `--to`) under one
    /// policy, or between two policies over every scenario.
    Diff(DiffArgs),
    /// Print the JSON Schema of scenario input or of a JSON output.
    Schema(SchemaArgs),
}

#[derive(clap::Args, Debug)]
struct SchemaArgs {
    /// Which schema.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(onus::SCHEMA_NAMES))]
    name: String,
    /// With `scenario`: the exact scenario schema of this policy (its
    /// dimensions and their values).
    #[arg(long)]
    policy: Option<String>,
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// One policy with `--from` and `--to` [default: azure], or two policies
    /// (OLD NEW) to compare over every scenario.
    #[arg(num_args = 0..=2)]
    policies: Vec<String>,
    /// The scenario moved from: `--from model=iaas` (repeatable).
    #[arg(long, value_name = "DIM=VALUE")]
    from: Vec<String>,
    /// The scenario moved to: `--to model=paas` (repeatable).
    #[arg(long, value_name = "DIM=VALUE")]
    to: Vec<String>,
    /// Dimensions both scenarios share: `--set tier=gold` (repeatable).
    #[arg(long = "set", value_name = "DIM=VALUE")]
    set: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct FmtArgs {
    /// Policy or test files; `-` formats stdin to stdout.
    #[arg(required = true)]
    paths: Vec<String>,
    /// Change nothing; list the files that would change and exit 1 if any.
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args, Debug)]
struct TestArgs {
    /// Policy files with tests, or test files (`tests for "<policy>"`).
    #[arg(required = true)]
    paths: Vec<String>,
    /// List the rules no test exercised and the rule coverage.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit 1) when a file's rule coverage is below this percentage.
    #[arg(long, value_name = "PERCENT", value_parser = percentage)]
    threshold: Option<f64>,
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Policy files or built-in policy names.
    #[arg(required = true)]
    policies: Vec<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// `--deny warnings`: warnings fail the check too (exit 1).
    #[arg(long, value_enum)]
    deny: Option<Deny>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning tools (`check` only).
    Sarif,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TestFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Deny {
    Warnings,
}

#[derive(clap::Args, Debug)]
struct EvalArgs {
    /// A policy file, or a built-in policy's name [default: azure]. A single
    /// argument ending in `.json`, or `-`, is taken as the scenario.
    policy: Option<String>,
    /// A JSON scenario file, or `-` for stdin.
    scenario: Option<String>,
    /// Set a dimension: `--set model=iaas` (repeatable; overrides the file).
    #[arg(long = "set", value_name = "DIM=VALUE")]
    set: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Show, for each zone, every rule considered and whether it matched.
    #[arg(long)]
    explain: bool,
    /// Evaluate NDJSON scenarios (one object a line, optional "id") from a
    /// file or stdin (`-`, the default), writing one NDJSON result a line.
    #[arg(
        long,
        value_name = "FILE",
        num_args = 0..=1,
        default_missing_value = "-",
        conflicts_with_all = ["explain", "format"]
    )]
    batch: Option<String>,
    /// Worker threads for `--batch` (1 to 256); output keeps input order.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "batch", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
struct MatrixArgs {
    /// A policy file, or a built-in policy's name [default: azure].
    policy: Option<String>,
    /// The dimension whose values become the columns [default: `model`, or
    /// if it has one value, the first dimension with several].
    #[arg(long)]
    over: Option<String>,
    /// Fix another dimension: `--set tier=gold` (repeatable).
    #[arg(long = "set", value_name = "DIM=VALUE")]
    set: Vec<String>,
    #[arg(long, value_enum, default_value_t = MatrixFormat::Table)]
    format: MatrixFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MatrixFormat {
    Table,
    Markdown,
    Csv,
    Json,
    /// The responsibility diagram.
    Svg,
    /// The diagram and every cell's rules, in one self-contained page.
    Html,
}

/// A number from 0 to 100.
fn percentage(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}

/// How a command that ran went.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// The answer holds a finding (a conflict): exit 1.
    Findings,
    /// A batch ran to the end, but some records were bad input: exit 2.
    BadRecords,
}

impl Outcome {
    fn findings_if(found: bool) -> Outcome {
        if found {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

/// Why a command could not run: exit 2.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: each report is already located and says what is wrong.
    Input(Vec<Report>),
    /// Bad arguments, as clap describes them (help and version included).
    Usage(clap::Error),
}

impl Failure {
    /// Prints the failure to stderr; returns whether it was really an error
    /// (`--help` and `--version` are not).
    pub fn print(&self) -> bool {
        match self {
            Failure::Input(reports) => {
                let colour = colour(std::io::stderr().is_terminal());
                for report in reports {
                    render::write_diagnostics(report, Stream::Stderr, colour);
                }
                true
            }
            Failure::Usage(error) => {
                let _ = error.print();
                error.use_stderr()
            }
        }
    }
}

impl From<Report> for Failure {
    fn from(report: Report) -> Self {
        Failure::Input(vec![report])
    }
}

/// A usage error, as clap prints its own.
fn usage(kind: ErrorKind, message: &str) -> Failure {
    Failure::Usage(Cli::command().error(kind, message))
}

/// Colour only on a terminal, and never with `NO_COLOR` set.
fn colour(is_terminal: bool) -> Colour {
    if is_terminal && std::env::var_os("NO_COLOR").is_none() {
        Colour::Always
    } else {
        Colour::Never
    }
}

pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Outcome, Failure> {
    let cli = Cli::try_parse_from(args).map_err(Failure::Usage)?;
    match cli.command {
        Command::Eval(args) => eval(args),
        Command::Matrix(args) => matrix(args),
        Command::Policies => {
            print(&onus::policies_listing());
            Ok(Outcome::Clean)
        }
        Command::Check(args) => check(args),
        Command::Fmt(args) => fmt(args),
        Command::Test(args) => test(args),
        Command::Diff(args) => diff(args),
        Command::Schema(args) => schema(args),
    }
}

/// A policy by path or built-in name; without one, the built-in `azure`
/// (never a file that happens to be called `azure`).
fn load(name: Option<&str>) -> Result<Policy, Report> {
    match name {
        Some(name) => onus::load_policy(name),
        None => onus::load_builtin("azure"),
    }
}

fn eval(mut args: EvalArgs) -> Result<Outcome, Failure> {
    let policy_is_scenario = |p: &String| p == "-" || p.ends_with(".json");
    if args.scenario.is_none() && args.policy.as_ref().is_some_and(policy_is_scenario) {
        args.scenario = args.policy.take();
    }
    if let Some(input) = &args.batch {
        if let Some(scenario) = &args.scenario {
            let message =
                format!("`--batch` reads its scenarios from `{input}`; drop `{scenario}`");
            return Err(usage(ErrorKind::ArgumentConflict, &message));
        }
        return batch(&args, input);
    }
    let policy = load(args.policy.as_deref())?;
    let scenario = policy.read_scenario(args.scenario.as_deref(), &args.set)?;
    let decisions = policy.evaluate(&scenario);
    print(&match (args.format, args.explain) {
        (Format::Json, false) => {
            render::eval_json(&policy, &scenario, &decisions, Detail::Decisions)
        }
        (Format::Json, true) => {
            render::eval_json(&policy, &scenario, &decisions, Detail::Explained(&scenario))
        }
        (Format::Table, false) => render::eval_table(&policy, &scenario, &decisions),
        (Format::Table, true) => render::eval_explained(&policy, &scenario, &decisions),
    });
    Ok(Outcome::findings_if(
        decisions.iter().any(|d| d.status == onus::Status::Conflict),
    ))
}

fn batch(args: &EvalArgs, input: &str) -> Result<Outcome, Failure> {
    let policy = load(args.policy.as_deref())?;
    let overrides = policy.settings("--set", &args.set)?;
    let options = BatchOptions {
        jobs: usize::from(args.jobs),
        overrides: &overrides,
        work: BatchWork::Evaluate,
    };
    let show_progress = std::io::stderr().is_terminal();
    let progress = |records: u64| {
        if show_progress {
            to_stderr(&format!("\r{records} records"));
        }
    };
    let output = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let result = onus::run_batch_from(&policy, input, output, &options, progress);
    if show_progress {
        to_stderr("\r");
    }
    let summary = match result {
        // A closed stdout (`onus ... | head`) ends the run quietly.
        Err(onus::BatchError::ClosedOutput) => std::process::exit(0),
        Err(onus::BatchError::Failed(report)) => return Err(report.into()),
        Ok(summary) => summary,
    };
    to_stderr(&format!("onus: {}\n", summary.describe()));
    Ok(if summary.errors > 0 {
        Outcome::BadRecords
    } else {
        Outcome::findings_if(summary.conflicts > 0)
    })
}

fn matrix(args: MatrixArgs) -> Result<Outcome, Failure> {
    let policy = load(args.policy.as_deref())?;
    let over = policy.sweep_dimension(args.over.as_deref())?;
    // The swept dimension takes every value: fixing it makes no sense.
    let mut settings = policy.settings("--set", &args.set)?;
    if settings.has(over) {
        let name = &policy.dimensions[over].name;
        let message = format!("`--set {name}=...` conflicts with `--over {name}`: the matrix shows every value of `{name}`");
        return Err(usage(ErrorKind::ArgumentConflict, &message));
    }
    settings.set_index(over, 0);
    let base = settings
        .complete(&policy, None)
        .map_err(|errors| Report::from_errors(Source::new("--set", args.set.join(" ")), &errors))?;
    let matrix = policy.matrix(over, &base);
    print(&match args.format {
        MatrixFormat::Table => render::matrix_table(&policy, &matrix),
        MatrixFormat::Markdown => render::matrix_markdown(&policy, &matrix),
        MatrixFormat::Csv => render::matrix_csv(&policy, &matrix),
        MatrixFormat::Json => render::matrix_json(&policy, &matrix),
        MatrixFormat::Svg => render::matrix_svg(&policy, &matrix),
        MatrixFormat::Html => render::matrix_html(&policy, &matrix),
    });
    Ok(Outcome::findings_if(matrix.has_conflict()))
}

fn check(args: CheckArgs) -> Result<Outcome, Failure> {
    let run = onus::CheckRun::of(&args.policies);
    match args.format {
        CheckFormat::Json => print(&render::diagnostics_json(&run.reports)),
        CheckFormat::Sarif => print(&render::sarif(&run.reports)),
        CheckFormat::Text => {
            let colour = colour(std::io::stdout().is_terminal());
            for report in &run.reports {
                render::write_diagnostics(report, Stream::Stdout, colour);
            }
            print(&run.summary());
        }
    }
    if !run.unreadable.is_empty() {
        return Err(Failure::Input(run.unreadable));
    }
    let warnings_fail = args.deny == Some(Deny::Warnings) && run.count(Severity::Warning) > 0;
    Ok(Outcome::findings_if(
        run.count(Severity::Error) > 0 || warnings_fail,
    ))
}

fn fmt(args: FmtArgs) -> Result<Outcome, Failure> {
    let (mut failures, mut changed) = (Vec::new(), String::new());
    let mode = if args.check {
        onus::FmtMode::Check
    } else {
        onus::FmtMode::Write
    };
    for path in &args.paths {
        match onus::format_path(path, mode) {
            Ok(onus::Formatted::Text(formatted)) => print(&formatted),
            Ok(onus::Formatted::Reformatted) => {
                changed.push_str(&format!("{} {path}\n", mode.verb()))
            }
            Ok(onus::Formatted::Unchanged) => {}
            Err(report) => failures.push(report),
        }
    }
    print(&changed);
    if !failures.is_empty() {
        return Err(Failure::Input(failures));
    }
    Ok(Outcome::findings_if(args.check && !changed.is_empty()))
}

fn test(args: TestArgs) -> Result<Outcome, Failure> {
    let (mut suites, mut failures) = (Vec::new(), Vec::new());
    for path in &args.paths {
        match onus::load_suite(path) {
            Ok(suite) => suites.push(suite),
            Err(report) => failures.push(report),
        }
    }
    if !failures.is_empty() {
        return Err(Failure::Input(failures));
    }
    let report = onus::run_suites(&suites, args.threshold);
    print(&match args.format {
        TestFormat::Json => render::tests_json(&report),
        TestFormat::Text if args.coverage => render::tests_text(&report, CoverageListing::Shown),
        TestFormat::Text => render::tests_text(&report, CoverageListing::Hidden),
    });
    Ok(Outcome::findings_if(!report.passed()))
}

fn diff(args: DiffArgs) -> Result<Outcome, Failure> {
    if args.from.is_empty() && args.to.is_empty() {
        if !args.set.is_empty() {
            let message = "`--set` goes with `--from` and `--to`; two policies are compared over every scenario";
            return Err(usage(ErrorKind::ArgumentConflict, message));
        }
        let [old, new] = args.policies.as_slice() else {
            let message = "give two policies to compare, or one policy with `--from` and `--to`";
            return Err(usage(ErrorKind::WrongNumberOfValues, message));
        };
        let (old, new) = (load(Some(old))?, load(Some(new))?);
        let diff = old.diff(&new)?;
        print(&match args.format {
            Format::Table => render::diff_policies_text(&old, &new, &diff),
            Format::Json => render::diff_policies_json(&old, &new, &diff),
        });
        if let Some(undecided) = diff.undecided_report(&new) {
            return Err(undecided.into());
        }
        return Ok(Outcome::findings_if(!diff.is_empty()));
    }
    if args.from.is_empty() || args.to.is_empty() {
        let message = "give both `--from` and `--to`: the two scenarios to compare";
        return Err(usage(ErrorKind::MissingRequiredArgument, message));
    }
    if args.policies.len() > 1 {
        let message = "`--from` and `--to` compare two scenarios under one policy";
        return Err(usage(ErrorKind::ArgumentConflict, message));
    }
    let policy = load(args.policies.first().map(String::as_str))?;
    let from =
        policy.scenario_from_settings("--from", &[&args.set[..], &args.from[..]].concat())?;
    let to = policy.scenario_from_settings("--to", &[&args.set[..], &args.to[..]].concat())?;
    let changes = policy.diff_scenarios(&from, &to);
    print(&match args.format {
        Format::Table => render::diff_scenarios_text(&policy, &from, &to, &changes),
        Format::Json => render::diff_scenarios_json(&policy, &from, &to, &changes),
    });
    Ok(Outcome::findings_if(!changes.is_empty()))
}

fn schema(args: SchemaArgs) -> Result<Outcome, Failure> {
    let text = match (&args.policy, args.name.as_str()) {
        (Some(policy), "scenario") => onus::scenario_schema(&load(Some(policy))?),
        (Some(_), _) => {
            let message = "`--policy` goes with the `scenario` schema only";
            return Err(usage(ErrorKind::ArgumentConflict, message));
        }
        (None, name) => onus::schema(name).expect("clap allows only known names"),
    };
    print(&text);
    Ok(Outcome::Clean)
}

/// Writes progress and summaries to stderr; a closed stderr is ignored.
fn to_stderr(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Writes to stdout; a closed pipe (`onus ... | head -1`) ends quietly.
fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        // A full disk must not pass for success: nothing reached the reader.
        Err(error) => {
            let message = format!("cannot write the output: {}", onus::io_reason(&error));
            let report = Report::new(
                Source::new("<stdout>", ""),
                vec![Diagnostic::new(Code::UnwritableOutput, message)],
            );
            render::write_diagnostics(&report, Stream::Stderr, Colour::Never);
            std::process::exit(2);
        }
    }
}
