//! The command line: arguments to library calls, results to stdout,
//! diagnostics to stderr. Uses only the library's public API.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use clap::{Parser, Subcommand, ValueEnum};

use onus::builtin::{builtin, BUILTINS};
use onus::diagnostic::closest;
use onus::render;
use onus::render::diagnostics::Stream;
use onus::scenario::{self, PartialScenario, ScenarioError};
use onus::{Diagnostic, Policy, Report, Scenario, Severity, Source};

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
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(onus::schema::NAMES))]
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
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    format: EvalFormat,
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
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    format: EvalFormat,
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
enum EvalFormat {
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
                let colour = use_colour(std::io::stderr().is_terminal());
                for report in reports {
                    render::diagnostics::write(report, Stream::Stderr, colour);
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

/// Colour only on a terminal, and never with `NO_COLOR` set.
fn use_colour(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none()
}

impl From<Report> for Failure {
    fn from(report: Report) -> Self {
        Failure::Input(vec![report])
    }
}

pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Outcome, Failure> {
    let cli = Cli::try_parse_from(args).map_err(Failure::Usage)?;
    match cli.command {
        Command::Eval(args) => eval(args),
        Command::Matrix(args) => matrix(args),
        Command::Policies => policies(),
        Command::Check(args) => check(args),
        Command::Fmt(args) => fmt(args),
        Command::Test(args) => test(args),
        Command::Diff(args) => diff(args),
        Command::Schema(args) => schema(args),
    }
}

fn eval(mut args: EvalArgs) -> Result<Outcome, Failure> {
    if args.scenario.is_none()
        && args
            .policy
            .as_deref()
            .is_some_and(|p| p == "-" || p.ends_with(".json"))
    {
        args.scenario = args.policy.take();
    }
    if let Some(input) = args.batch.clone() {
        if let Some(scenario) = &args.scenario {
            let message =
                format!("`--batch` reads its scenarios from `{input}`; drop `{scenario}`");
            return Err(Failure::Usage(
                <Cli as clap::CommandFactory>::command()
                    .error(clap::error::ErrorKind::ArgumentConflict, message),
            ));
        }
        return batch(&args, &input);
    }
    let policy = load_policy(args.policy.as_deref())?;
    let scenario = read_scenario(&policy, args.scenario.as_deref(), &args.set)?;
    let decisions = policy.evaluate(&scenario);
    let text = match (args.format, args.explain) {
        (EvalFormat::Json, explain) => {
            render::decisions::json(&policy, &scenario, &decisions, explain)
        }
        (EvalFormat::Table, false) => render::decisions::table(&policy, &scenario, &decisions),
        (EvalFormat::Table, true) => render::decisions::explain(&policy, &scenario, &decisions),
    };
    print(&text);
    Ok(
        if decisions.iter().any(|d| d.status == onus::Status::Conflict) {
            Outcome::Findings
        } else {
            Outcome::Clean
        },
    )
}

fn batch(args: &EvalArgs, input: &str) -> Result<Outcome, Failure> {
    let policy = load_policy(args.policy.as_deref())?;
    let overrides = settings_scenario(&policy, &args.set)?;
    let options = onus::batch::Options {
        jobs: usize::from(args.jobs),
        overrides: &overrides,
        evaluate: true,
    };
    let show_progress = std::io::stderr().is_terminal();
    let progress = |records: u64| {
        if show_progress {
            to_stderr(&format!("\r{records} records"));
        }
    };
    let stdout = std::io::stdout();
    let output = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = if input == "-" {
        let stdin = std::io::BufReader::with_capacity(1 << 16, std::io::stdin());
        onus::batch::run(&policy, stdin, output, &options, progress)
    } else {
        let file = std::fs::File::open(input).map_err(|error| {
            let diagnostic = Diagnostic::new(
                "unreadable-file",
                Severity::Error,
                format!("cannot read `{input}`: {}", io_reason(&error)),
            );
            Failure::from(Report::new(Source::new(input, ""), vec![diagnostic]))
        })?;
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        onus::batch::run(&policy, reader, output, &options, progress)
    };
    if show_progress {
        to_stderr("\r");
    }
    let summary = match result {
        Ok(summary) => summary,
        // A closed stdout (`onus ... | head`) ends the run quietly.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(error) => {
            let diagnostic = Diagnostic::new(
                "unreadable-file",
                Severity::Error,
                format!("batch stopped: {}", io_reason(&error)),
            );
            return Err(Report::new(Source::new(input, ""), vec![diagnostic]).into());
        }
    };
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    to_stderr(&format!(
        "onus: {}, {}, {}\n",
        plural(summary.records, "record"),
        plural(summary.errors, "error"),
        plural(summary.conflicts, "conflict")
    ));
    Ok(if summary.errors > 0 {
        Outcome::BadRecords
    } else if summary.conflicts > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn matrix(args: MatrixArgs) -> Result<Outcome, Failure> {
    let policy = load_policy(args.policy.as_deref())?;
    let over_name = args.over.clone().unwrap_or_else(|| default_sweep(&policy));
    let Some(over) = policy.dimension_index(&over_name) else {
        let names = policy.dimensions.iter().map(|d| d.name.as_str());
        let source = Source::new("--over", over_name.clone());
        let help = match closest(&over_name, names.clone()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the dimensions are {}",
                names.collect::<Vec<_>>().join(", ")
            ),
        };
        let diagnostic = Diagnostic::new(
            "unknown-name",
            Severity::Error,
            format!("unknown dimension `{over_name}`"),
        )
        .with_label(
            onus::span::Span::new(0, over_name.len()),
            "no such dimension",
        )
        .with_help(Some(help));
        return Err(Report::new(source, vec![diagnostic]).into());
    };
    // The swept dimension takes every value: fixing it makes no sense.
    let mut settings = settings_scenario(&policy, &args.set)?;
    if settings.has(over) {
        let message = format!("`--set {over_name}=...` conflicts with `--over {over_name}`: the matrix shows every value of `{over_name}`");
        return Err(Failure::Usage(
            <Cli as clap::CommandFactory>::command()
                .error(clap::error::ErrorKind::ArgumentConflict, message),
        ));
    }
    settings.set_index(over, 0);
    let text = args.set.join(" ");
    let base = settings
        .complete(&policy, None)
        .map_err(|errors| scenario_failure(Source::new("--set", text), &errors))?;
    let matrix = onus::eval::matrix(&policy, over, &base);
    let text = match args.format {
        MatrixFormat::Table => render::matrix::table(&policy, &matrix),
        MatrixFormat::Markdown => render::matrix::markdown(&policy, &matrix),
        MatrixFormat::Csv => render::matrix::csv(&policy, &matrix),
        MatrixFormat::Json => render::matrix::json(&policy, &matrix),
        MatrixFormat::Svg => render::diagram::svg(&policy, &matrix),
        MatrixFormat::Html => render::diagram::html(&policy, &matrix),
    };
    print(&text);
    Ok(if matrix.has_conflict() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn check(args: CheckArgs) -> Result<Outcome, Failure> {
    let mut reports = Vec::new();
    let mut unreadable = Vec::new();
    for name in &args.policies {
        match policy_source(name) {
            Ok(source) => reports.push(onus::check(&source.name, &source.text)),
            Err(Failure::Input(failed)) => unreadable.extend(failed),
            Err(usage) => return Err(usage),
        }
    }
    let count = |severity: Severity| {
        reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .filter(|d| d.severity == severity)
            .count()
    };
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    match args.format {
        CheckFormat::Json => print(&render::diagnostics::json_document(&reports)),
        CheckFormat::Sarif => print(&render::sarif::sarif(&reports)),
        CheckFormat::Text => {
            let colour = use_colour(std::io::stdout().is_terminal());
            for report in &reports {
                render::diagnostics::write(report, Stream::Stdout, colour);
            }
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            print(&format!(
                "checked {}: {}, {}, {}\n",
                plural(reports.len(), "policy").replace("policys", "policies"),
                plural(errors, "error"),
                plural(warnings, "warning"),
                plural(notes, "note")
            ));
        }
    }
    if !unreadable.is_empty() {
        return Err(Failure::Input(unreadable));
    }
    let failed = errors > 0 || (args.deny == Some(Deny::Warnings) && warnings > 0);
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn fmt(args: FmtArgs) -> Result<Outcome, Failure> {
    let mut failures = Vec::new();
    let mut would_change = Vec::new();
    for path in &args.paths {
        let source = match read_source(path) {
            Ok(source) => source,
            Err(Failure::Input(reports)) => {
                failures.extend(reports);
                continue;
            }
            Err(usage) => return Err(usage),
        };
        let tree = match onus::parse::parse(&source.text) {
            Ok(tree) => tree,
            Err(errors) => {
                let diagnostics = errors.iter().map(|e| e.to_diagnostic()).collect();
                failures.push(Report::new(source, diagnostics));
                continue;
            }
        };
        let formatted = onus::format::format(&tree);
        if path == "-" {
            print(&formatted);
        } else if formatted != source.text {
            if !args.check {
                // Through a symbolic link, rewrite the file it points to.
                let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.into());
                if let Err(error) = write_atomically(&target, &formatted) {
                    let diagnostic = Diagnostic::new(
                        "unwritable-file",
                        Severity::Error,
                        format!("cannot write `{path}`: {}", io_reason(&error)),
                    );
                    failures.push(Report::new(
                        Source::new(path.as_str(), ""),
                        vec![diagnostic],
                    ));
                    continue;
                }
            }
            would_change.push(path.as_str());
        }
    }
    let verb = if args.check {
        "would reformat"
    } else {
        "reformatted"
    };
    let listing: String = would_change
        .iter()
        .map(|p| format!("{verb} {p}\n"))
        .collect();
    print(&listing);
    if !failures.is_empty() {
        return Err(Failure::Input(failures));
    }
    Ok(if args.check && !would_change.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Replaces a file's contents so that a reader sees the old text or the
/// new, never a mix: writes a temporary file beside it, then renames.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.onus-fmt.tmp"));
    let result = std::fs::write(&temporary, text).and_then(|_| {
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, metadata.permissions())?;
        }
        std::fs::rename(&temporary, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// A policy and the tests to run on it, loaded from one path.
struct Suite {
    path: String,
    text: String,
    policy: Policy,
    tests: Vec<onus::policy::Test>,
}

fn load_suite(path: &str) -> Result<Suite, Failure> {
    let source = read_source(path)?;
    let tree = onus::parse::parse(&source.text).map_err(|errors| {
        let diagnostics = errors.iter().map(|e| e.to_diagnostic()).collect();
        Failure::from(Report::new(source.clone(), diagnostics))
    })?;
    let Some(target) = tree.tests_for() else {
        let policy = onus::load(&source.name, &source.text)?;
        let tests = policy.tests.clone();
        return Ok(Suite {
            path: source.name.clone(),
            text: source.text,
            policy,
            tests,
        });
    };
    // A path beside the test file, else a built-in name; never a path
    // relative to wherever onus happens to run.
    let beside = Path::new(path).with_file_name(&target.text);
    let policy = if beside.is_file() {
        let source = read_source(&beside.to_string_lossy())?;
        onus::load(&source.name, &source.text)?
    } else if let Some(b) = builtin(&target.text) {
        onus::load(b.name, b.text)?
    } else {
        let diagnostic = Diagnostic::new(
            "unknown-policy",
            Severity::Error,
            format!(
                "no policy `{}` beside the test file, and no built-in policy of that name",
                target.text
            ),
        )
        .with_label(target.span, "not found")
        .with_help(Some(format!("looked for `{}`", beside.display())));
        return Err(Report::new(source.clone(), vec![diagnostic]).into());
    };
    let tests = onus::resolve::resolve_tests(&tree, &policy).map_err(|errors| {
        let diagnostics = errors.iter().map(|e| e.to_diagnostic()).collect();
        Failure::from(Report::new(source.clone(), diagnostics))
    })?;
    Ok(Suite {
        path: source.name.clone(),
        text: source.text,
        policy,
        tests,
    })
}

fn test(args: TestArgs) -> Result<Outcome, Failure> {
    let mut suites = Vec::new();
    let mut failures = Vec::new();
    for path in &args.paths {
        match load_suite(path) {
            Ok(suite) => suites.push(suite),
            Err(Failure::Input(reports)) => failures.extend(reports),
            Err(usage) => return Err(usage),
        }
    }
    if !failures.is_empty() {
        return Err(Failure::Input(failures));
    }
    let runs: Vec<render::tests::FileRun> = suites
        .iter()
        .map(|s| render::tests::FileRun {
            path: &s.path,
            text: &s.text,
            policy: &s.policy,
            tests: &s.tests,
            run: onus::testing::run(&s.policy, &s.tests),
        })
        .collect();
    let below: Vec<&render::tests::FileRun> = match args.threshold {
        Some(threshold) => runs
            .iter()
            .filter(|r| r.run.coverage() < threshold)
            .collect(),
        None => Vec::new(),
    };
    match args.format {
        TestFormat::Json => print(&render::tests::json(&runs)),
        TestFormat::Text => {
            let mut text = render::tests::text(&runs, args.coverage);
            for run in &below {
                text.push_str(&format!(
                    "coverage of {} by {} is {:.1}%, below the threshold {}%\n",
                    run.policy.name,
                    run.path,
                    run.run.coverage(),
                    args.threshold.unwrap_or_default()
                ));
            }
            print(&text);
        }
    }
    let failed = runs.iter().any(|r| r.run.failed() > 0) || !below.is_empty();
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn diff(args: DiffArgs) -> Result<Outcome, Failure> {
    let changed = if args.from.is_empty() && args.to.is_empty() {
        if !args.set.is_empty() {
            let message = "`--set` goes with `--from` and `--to`; two policies are compared over every scenario";
            return Err(Failure::Usage(
                <Cli as clap::CommandFactory>::command()
                    .error(clap::error::ErrorKind::ArgumentConflict, message),
            ));
        }
        let [old, new] = args.policies.as_slice() else {
            let message = "give two policies to compare, or one policy with `--from` and `--to`";
            return Err(Failure::Usage(
                <Cli as clap::CommandFactory>::command()
                    .error(clap::error::ErrorKind::WrongNumberOfValues, message),
            ));
        };
        let (old, new) = (load_policy(Some(old))?, load_policy(Some(new))?);
        let diff = onus::diff::policies(&old, &new).map_err(|error| {
            let (code, help) = match error {
                onus::diff::DiffError::TooComplex { .. } => (
                    "analysis-limit",
                    "split the zone's long conditions into several rules",
                ),
                onus::diff::DiffError::DifferentDimensions { .. } => (
                    "incomparable-policies",
                    "`onus diff` compares policies over the same dimensions and values",
                ),
            };
            let diagnostic = Diagnostic::new(code, Severity::Error, error.to_string())
                .with_help(Some(help.into()));
            Failure::from(Report::new(Source::new(&new.name, ""), vec![diagnostic]))
        })?;
        print(&match args.format {
            EvalFormat::Table => render::diff::policies_text(&old, &new, &diff),
            EvalFormat::Json => render::diff::policies_json(&old, &new, &diff),
        });
        !diff.is_empty()
    } else {
        if args.from.is_empty() || args.to.is_empty() {
            let message = "give both `--from` and `--to`: the two scenarios to compare";
            return Err(Failure::Usage(
                <Cli as clap::CommandFactory>::command()
                    .error(clap::error::ErrorKind::MissingRequiredArgument, message),
            ));
        }
        if args.policies.len() > 1 {
            let message = "`--from` and `--to` compare two scenarios under one policy";
            return Err(Failure::Usage(
                <Cli as clap::CommandFactory>::command()
                    .error(clap::error::ErrorKind::ArgumentConflict, message),
            ));
        }
        let policy = load_policy(args.policies.first().map(String::as_str))?;
        let side = |flags: &[String], flag: &str| -> Result<Scenario, Failure> {
            let mut words = args.set.clone();
            words.extend(flags.iter().cloned());
            let text = words.join(" ");
            let partial = scenario::from_settings(&policy, &text)
                .map_err(|errors| scenario_failure(Source::new(flag, text.clone()), &errors))?;
            partial
                .complete(&policy, None)
                .map_err(|errors| scenario_failure(Source::new(flag, text), &errors))
        };
        let from = side(&args.from, "--from")?;
        let to = side(&args.to, "--to")?;
        let changes = onus::diff::scenarios(&policy, &from, &to);
        print(&match args.format {
            EvalFormat::Table => render::diff::scenarios_text(&policy, &from, &to, &changes),
            EvalFormat::Json => render::diff::scenarios_json(&policy, &from, &to, &changes),
        });
        !changes.is_empty()
    };
    Ok(if changed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn schema(args: SchemaArgs) -> Result<Outcome, Failure> {
    let text = match (&args.policy, args.name.as_str()) {
        (Some(policy), "scenario") => onus::schema::scenario_for(&load_policy(Some(policy))?),
        (Some(_), _) => {
            let message = "`--policy` goes with the `scenario` schema only";
            return Err(Failure::Usage(
                <Cli as clap::CommandFactory>::command()
                    .error(clap::error::ErrorKind::ArgumentConflict, message),
            ));
        }
        (None, name) => onus::schema::schema(name).expect("clap allows only known names"),
    };
    print(&text);
    Ok(Outcome::Clean)
}

/// `model`, unless it has a single value and another dimension has several.
fn default_sweep(policy: &Policy) -> String {
    let model = policy.dimensions.iter().find(|d| d.name == "model");
    if model.is_some_and(|m| m.values.len() > 1) {
        return "model".into();
    }
    policy
        .dimensions
        .iter()
        .find(|d| d.values.len() > 1)
        .map_or_else(|| "model".into(), |d| d.name.clone())
}

fn policies() -> Result<Outcome, Failure> {
    let mut out = String::new();
    for b in BUILTINS {
        let title = onus::load(b.name, b.text)
            .ok()
            .and_then(|p| p.title)
            .unwrap_or_default();
        out.push_str(&format!("{:<16} {title}\n", b.name));
    }
    print(&out);
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
            to_stderr(&format!(
                "error[unwritable-output]: cannot write the output: {}\n",
                io_reason(&error)
            ));
            std::process::exit(2);
        }
    }
}

/// A policy by path or built-in name; `None` is the built-in `azure`.
fn load_policy(name: Option<&str>) -> Result<Policy, Failure> {
    let source = policy_source(name.unwrap_or("azure"))?;
    Ok(onus::load(&source.name, &source.text)?)
}

/// A policy's text: a file's, or else a built-in policy's.
fn policy_source(name: &str) -> Result<Source, Failure> {
    let path = Path::new(name);
    if !path.exists() {
        if let Some(b) = builtin(name) {
            return Ok(Source::new(b.name, b.text));
        }
        let looks_like_path = name.contains(['/', '\\', '.']);
        if !looks_like_path {
            let names = BUILTINS.iter().map(|b| b.name);
            let help = match closest(name, names.clone()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the built-in policies are {}; a policy file must exist",
                    names.collect::<Vec<_>>().join(", ")
                ),
            };
            let diagnostic = Diagnostic::new(
                "unknown-policy",
                Severity::Error,
                format!("no policy file or built-in policy named `{name}`"),
            )
            .with_help(Some(help));
            return Err(Report::new(Source::new(name, ""), vec![diagnostic]).into());
        }
    }
    read_source(name)
}

/// The largest policy or scenario file read: far beyond any real policy,
/// small enough that a wrong file is refused rather than read for minutes.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a file (or stdin for `-`) as UTF-8 text, without a byte-order mark.
fn read_source(path: &str) -> Result<Source, Failure> {
    let mut bytes = Vec::new();
    let result = if path == "-" {
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|file| {
            file.take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map(|_| ())
        })
    };
    let name = if path == "-" { "<stdin>" } else { path };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let diagnostic = Diagnostic::new(
            "file-too-large",
            Severity::Error,
            format!("`{name}` is larger than {} MiB", MAX_FILE_BYTES >> 20),
        )
        .with_help(Some("a policy or scenario file this large is almost surely the wrong file; split a policy, or use `--batch` for many scenarios".into()));
        return Err(Report::new(Source::new(name, ""), vec![diagnostic]).into());
    }
    if let Err(error) = result {
        let diagnostic = Diagnostic::new(
            "unreadable-file",
            Severity::Error,
            format!("cannot read `{name}`: {}", io_reason(&error)),
        );
        return Err(Report::new(Source::new(name, ""), vec![diagnostic]).into());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(
            name,
            text.strip_prefix('\u{feff}').unwrap_or(&text),
        )),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let diagnostic = Diagnostic::new(
                "invalid-utf8",
                Severity::Error,
                format!("`{name}` is not valid UTF-8: invalid byte at offset {offset}"),
            )
            .with_label(
                onus::span::Span::new(offset, offset + 3),
                "invalid UTF-8 here",
            )
            .with_help(Some("save the file as UTF-8".into()));
            Err(Report::new(Source::new(name, text), vec![diagnostic]).into())
        }
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => error.to_string().to_lowercase(),
    }
}

/// The `--set` arguments, as one text that diagnostics can point into.
fn settings_scenario(policy: &Policy, set: &[String]) -> Result<PartialScenario, Failure> {
    let text = set.join(" ");
    // Each argument is one `dim=value`: spaces would read as several.
    let mut offset = 0;
    let mut errors = Vec::new();
    for word in set {
        if word.contains(char::is_whitespace) {
            errors.push(ScenarioError::BadSetting {
                found: word.clone(),
                span: onus::span::Span::new(offset, offset + word.len()),
            });
        }
        offset += word.len() + 1;
    }
    if !errors.is_empty() {
        return Err(scenario_failure(Source::new("--set", text), &errors));
    }
    scenario::from_settings(policy, &text)
        .map_err(|errors| scenario_failure(Source::new("--set", text), &errors))
}

fn scenario_failure(source: Source, errors: &[ScenarioError]) -> Failure {
    let diagnostics = errors.iter().map(ScenarioError::to_diagnostic).collect();
    Report::new(source, diagnostics).into()
}

/// The scenario from a file (or stdin) and `--set`, which wins.
fn read_scenario(policy: &Policy, path: Option<&str>, set: &[String]) -> Result<Scenario, Failure> {
    let settings = settings_scenario(policy, set)?;
    if path.is_none() && set.is_empty() {
        let example: Vec<String> = policy
            .dimensions
            .iter()
            .map(|d| format!("--set {}={}", d.name, d.values[0]))
            .collect();
        let diagnostic = Diagnostic::new("missing-scenario", Severity::Error, "no scenario given")
            .with_help(Some(format!(
                "pass a JSON scenario file, `-` for stdin, or `{}`",
                example.join(" ")
            )));
        return Err(Report::new(Source::new(&policy.name, ""), vec![diagnostic]).into());
    }
    let Some(path) = path else {
        let text = set.join(" ");
        return settings
            .complete(policy, None)
            .map_err(|errors| scenario_failure(Source::new("--set", text), &errors));
    };
    let source = read_source(path)?;
    let (mut from_file, _) = scenario::from_json(policy, &source.text, false)
        .map_err(|errors| scenario_failure(source.clone(), &errors))?;
    from_file.overlay(&settings);
    from_file
        .complete(policy, Some(scenario::object_span(&source.text)))
        .map_err(|errors| scenario_failure(source, &errors))
}
