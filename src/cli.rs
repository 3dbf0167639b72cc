//! The command line: arguments to one library call, results to stdout,
//! diagnostics to stderr, an exit code. Every rule (where a policy is
//! found, how settings read, what a default is) lives in the library.

use std::io::{IsTerminal, Write};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};

use onus::command::{
    self, CheckFormat, Choice, EstateFormat, Explanation, ExportFormat, ExportRequest, Failing,
    Format, InventoryChoice, MatrixFormat, Output, TestFormat, Unmapped,
};
use onus::render::{self, Colour, CoverageListing};
use onus::{BatchOptions, DecisionFields, FmtMode, Policy, Report};

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
    /// Write compliance documents: OSCAL SSPs, CSA CAIQ ownership, FedRAMP
    /// CRM; control by control of a mapping, for one scenario.
    Export(ExportArgs),
    /// Evaluate a cloud inventory (Terraform plan or state, Azure resource
    /// list, AWS Config, CloudFormation) resource by resource.
    Estate(EstateArgs),
    /// Start the language server over stdio (`onus-lsp`, installed beside
    /// `onus`; `ONUS_LSP` names another).
    Lsp,
    /// Serve the HTTP API and the playground (`onus-serve`, installed beside
    /// `onus`; `ONUS_SERVE` names another). `onus serve --help` lists its
    /// options: `--listen`, `--policy`, the limits.
    #[command(disable_help_flag = true)]
    Serve {
        /// The server's options, passed on as they are.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        options: Vec<String>,
    },
    /// Print a shell's completion script: `onus completions bash >
    /// /etc/bash_completion.d/onus`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), as `docs/onus.1` holds it.
    #[command(hide = true)]
    Man,
}

#[derive(clap::Args, Debug)]
struct EstateArgs {
    /// A policy file, or a built-in policy's name.
    policy: String,
    /// Inventory files (`-` for stdin).
    #[arg(required = true)]
    inventories: Vec<String>,
    /// A resource map of your own, tried before the built-in one
    /// (repeatable).
    #[arg(long, value_name = "FILE")]
    map: Vec<String>,
    /// What the inventories are.
    #[arg(long, value_parser = choice::<InventoryChoice>(), default_value = InventoryChoice::NAMES[0])]
    input_format: InventoryChoice,
    #[arg(long, value_parser = choice::<EstateFormat>(), default_value = EstateFormat::NAMES[0])]
    format: EstateFormat,
    /// `--deny unmapped`: a resource whose type no map knows fails (exit 1).
    #[arg(long, value_name = "unmapped", value_parser = PossibleValuesParser::new(["unmapped"]).map(|_| Unmapped::Denied))]
    deny: Option<Unmapped>,
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
    /// With `batch-record`: the records of `eval --batch --fields ...`.
    #[arg(long, value_delimiter = ',', value_parser = DecisionFields::NAMES)]
    fields: Vec<String>,
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
    #[arg(long, value_parser = choice::<Format>(), default_value = Format::NAMES[0])]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct FmtArgs {
    /// Policy, test, mapping or resource-map files, or folders of them
    /// (every `.onus` file below); `-` formats stdin to stdout.
    #[arg(required = true)]
    paths: Vec<String>,
    /// Change nothing; list the files that would change and exit 1 if any.
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args, Debug)]
struct TestArgs {
    /// Policy files with tests, test files (`tests for "<policy>"`), or
    /// folders of them (every `.onus` file below; maps are skipped).
    #[arg(required = true)]
    paths: Vec<String>,
    /// List the rules no test exercised and the rule coverage.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit 1) when a file's rule coverage is below this percentage.
    #[arg(long, value_name = "PERCENT", value_parser = percentage)]
    threshold: Option<f64>,
    #[arg(long, value_parser = choice::<TestFormat>(), default_value = TestFormat::NAMES[0])]
    format: TestFormat,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Policy files, built-in policy names, mappings and resource maps, or
    /// folders of them (every `.onus` file below).
    #[arg(required = true)]
    policies: Vec<String>,
    #[arg(long, value_parser = choice::<CheckFormat>(), default_value = CheckFormat::NAMES[0])]
    format: CheckFormat,
    /// `--deny warnings`: warnings fail the check too (exit 1).
    #[arg(long, value_name = "warnings", value_parser = PossibleValuesParser::new(["warnings"]).map(|_| Failing::Warnings))]
    deny: Option<Failing>,
    /// Also check each policy against a mapping from zones to controls (a
    /// file or built-in mapping name; repeatable).
    #[arg(long, value_name = "MAPPING")]
    map: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct ExportArgs {
    /// What to write.
    #[arg(value_parser = choice::<ExportFormat>())]
    format: ExportFormat,
    /// A policy file, or a built-in policy's name.
    policy: String,
    /// The mapping from zones to controls: a file or a built-in mapping
    /// [default: nist-sp-800-53-rev5, or csa-ccm-v4 for the CAIQ].
    #[arg(long, value_name = "MAPPING")]
    map: Option<String>,
    /// Set a dimension: `--set model=paas` (repeatable); every dimension
    /// needs a value.
    #[arg(long = "set", value_name = "DIM=VALUE")]
    set: Vec<String>,
    /// The documents' date, YYYY-MM-DD [default: 1970-01-01, so the same
    /// input gives the same bytes].
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// The OSCAL profile the SSPs import.
    #[arg(long, value_name = "HREF", default_value = render::DEFAULT_PROFILE)]
    profile: String,
    /// Write to this file (atomically) instead of stdout; needed for XLSX
    /// when stdout is a terminal.
    #[arg(long, short, value_name = "FILE")]
    output: Option<String>,
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
    #[arg(long, value_parser = choice::<Format>(), default_value = Format::NAMES[0])]
    format: Format,
    /// Show, for each zone, every rule considered and whether it matched.
    #[arg(long)]
    explain: bool,
    /// Allow dimensions to be left open: each zone is then definite, or
    /// says which answer holds under which values of the open dimensions.
    #[arg(long, conflicts_with_all = ["batch", "explain"])]
    partial: bool,
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
    /// With `--batch`: write only these fields of each decision besides its
    /// zone, for compact records (`--fields party,status`).
    #[arg(long, value_delimiter = ',', requires = "batch", value_parser = DecisionFields::NAMES)]
    fields: Vec<String>,
}

fn decision_fields(names: &[String]) -> DecisionFields {
    DecisionFields::from_names(names.iter().map(String::as_str)).expect("clap allows only fields")
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
    #[arg(long, value_parser = choice::<MatrixFormat>(), default_value = MatrixFormat::NAMES[0])]
    format: MatrixFormat,
}

/// A number from 0 to 100.
fn percentage(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}

/// The names of a library choice (an output format) as clap's values.
fn choice<T: Choice + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::NAMES).map(|name| T::from_name(&name).expect("one of T::NAMES"))
}

/// Why a command could not run: exit 2.
enum Failure {
    /// Bad input, located and explained by its report.
    Input(Report),
    /// Bad arguments, as clap describes them (help and version included).
    Usage(clap::Error),
}

impl From<Report> for Failure {
    fn from(report: Report) -> Self {
        Failure::Input(report)
    }
}

/// A usage error, as clap prints its own.
fn usage(kind: ErrorKind, message: &str) -> Failure {
    Failure::Usage(Cli::command().error(kind, message))
}

/// Runs the command line; returns the exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> u8 {
    let result = Cli::try_parse_from(args)
        .map_err(Failure::Usage)
        .and_then(|cli| match cli.command {
            Command::Eval(args) => eval(args),
            Command::Matrix(a) => {
                let policy = load(a.policy.as_deref())?;
                Ok(command::matrix(
                    &policy,
                    a.over.as_deref(),
                    &a.set,
                    a.format,
                )?)
            }
            Command::Policies => Ok(command::policies()),
            Command::Check(a) => {
                let failing = a.deny.unwrap_or(Failing::Errors);
                let colour = Colour::when(std::io::stdout().is_terminal());
                Ok(command::check(
                    &a.policies,
                    &a.map,
                    a.format,
                    failing,
                    colour,
                ))
            }
            Command::Fmt(a) => {
                let mode = if a.check {
                    FmtMode::Check
                } else {
                    FmtMode::Write
                };
                Ok(command::fmt(&a.paths, mode))
            }
            Command::Test(a) => {
                let coverage = match a.coverage {
                    true => CoverageListing::Shown,
                    false => CoverageListing::Hidden,
                };
                Ok(command::test(&a.paths, a.threshold, a.format, coverage))
            }
            Command::Diff(args) => diff(args),
            Command::Schema(args) => schema(args),
            Command::Export(args) => export(args),
            Command::Estate(a) => estate(a),
            Command::Lsp => companion(Companion::LanguageServer, &[]),
            Command::Serve { options } => companion(Companion::Service, &options),
            Command::Completions { shell } => {
                let mut script = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "onus", &mut script);
                Ok(Output {
                    text: String::from_utf8_lossy(&script).into_owned(),
                    ..Output::default()
                })
            }
            Command::Man => {
                let mut page = Vec::new();
                clap_mangen::Man::new(Cli::command())
                    .render(&mut page)
                    .expect("rendering to memory");
                Ok(Output {
                    text: String::from_utf8_lossy(&page).into_owned(),
                    ..Output::default()
                })
            }
        });
    match result {
        Ok(output) => finish(output),
        Err(Failure::Input(report)) => finish(Output {
            problems: vec![report],
            ..Output::default()
        }),
        Err(Failure::Usage(error)) => {
            // clap repeats the arguments it refuses: shown safe, since they
            // may hold terminal escapes.
            let text = render::terminal_safe(&error.to_string()).into_owned();
            let _ = match error.use_stderr() {
                true => std::io::stderr().write_all(text.as_bytes()),
                false => std::io::stdout().write_all(text.as_bytes()),
            };
            u8::from(error.use_stderr()) * 2
        }
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

fn eval(mut args: EvalArgs) -> Result<Output, Failure> {
    let policy_is_scenario = |p: &String| p == "-" || p.ends_with(".json");
    if args.scenario.is_none() && args.policy.as_ref().is_some_and(policy_is_scenario) {
        args.scenario = args.policy.take();
    }
    let policy = load(args.policy.as_deref())?;
    if args.partial {
        let (given, id) = policy.read_partial_scenario(args.scenario.as_deref(), &args.set)?;
        return Ok(command::eval_partial(
            &policy,
            &given,
            id.as_ref(),
            args.format,
        ));
    }
    let Some(input) = &args.batch else {
        let (scenario, id) = policy.read_scenario(args.scenario.as_deref(), &args.set)?;
        let explain = match args.explain {
            true => Explanation::Shown,
            false => Explanation::Hidden,
        };
        let (format, id) = (args.format, id.as_ref());
        return Ok(command::eval(&policy, &scenario, id, format, explain));
    };
    if let Some(scenario) = &args.scenario {
        let message = format!("`--batch` reads its scenarios from `{input}`; drop `{scenario}`");
        return Err(usage(ErrorKind::ArgumentConflict, &message));
    }
    // The records stream to stdout as they are evaluated; the summary goes
    // to stderr.
    let overrides = policy.settings("--set", &args.set)?;
    let options = BatchOptions {
        jobs: usize::from(args.jobs),
        overrides: &overrides,
        fields: decision_fields(&args.fields),
    };
    let show_progress = std::io::stderr().is_terminal();
    let progress = |records: u64| {
        if show_progress {
            let _ = write!(std::io::stderr(), "\r{records} records");
        }
    };
    let output = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let result = onus::run_batch_from(&policy, input, output, &options, progress);
    if show_progress {
        let _ = write!(std::io::stderr(), "\r");
    }
    let (summary, closed) = match result {
        // A closed stdout (`onus ... | head`) ends the run early, and the
        // records evaluated by then set the exit code.
        Err(onus::BatchError::ClosedOutput(summary)) => (summary, " (output closed early)"),
        Err(onus::BatchError::Failed(report)) => return Err(report.into()),
        Ok(summary) => (summary, ""),
    };
    let _ = writeln!(std::io::stderr(), "onus: {}{closed}", summary.describe());
    Ok(Output {
        outcome: summary.outcome(),
        ..Output::default()
    })
}

fn diff(args: DiffArgs) -> Result<Output, Failure> {
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
        return Ok(command::diff_policies(&old, &new, args.format));
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
    let (set, from, to) = (&args.set, &args.from, &args.to);
    Ok(command::diff_scenarios(
        &policy,
        set,
        from,
        to,
        args.format,
    )?)
}

fn schema(args: SchemaArgs) -> Result<Output, Failure> {
    if !args.fields.is_empty() && args.name != "batch-record" {
        let message = "`--fields` goes with the `batch-record` schema only";
        return Err(usage(ErrorKind::ArgumentConflict, message));
    }
    let text = match (&args.policy, args.name.as_str()) {
        (Some(policy), "scenario") => onus::scenario_schema(&load(Some(policy))?),
        (Some(_), _) => {
            let message = "`--policy` goes with the `scenario` schema only";
            return Err(usage(ErrorKind::ArgumentConflict, message));
        }
        (None, "batch-record") => onus::batch_record_schema(decision_fields(&args.fields)),
        (None, name) => onus::schema(name).expect("clap allows only known names"),
    };
    Ok(Output {
        text,
        ..Output::default()
    })
}

/// Prints a command's output, then its problems; returns the exit code.
/// A closed stdout (`onus ... | head -1`) ends the output quietly, but the
/// exit code is still the command's.
fn finish(output: Output) -> u8 {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(output.text.as_bytes());
    match written.and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            // A full disk must not pass for success: nothing reached the reader.
            to_stderr(&[command::unwritable_output(&error)]);
            return 2;
        }
        _ => {}
    }
    to_stderr(&output.problems);
    output.exit_code()
}

/// A front end that lives in its own binary, so that `onus` carries no
/// LSP framework or async runtime.
#[derive(Clone, Copy)]
enum Companion {
    LanguageServer,
    Service,
}

impl Companion {
    /// Its binary's name, and the variable that names another binary.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Companion::LanguageServer => ("onus-lsp", "ONUS_LSP"),
            Companion::Service => ("onus-serve", "ONUS_SERVE"),
        }
    }
}

/// Runs a companion binary with this process's stdio: the one its variable
/// names, else the one beside `onus`, else one on the `PATH`. Run from a
/// source tree by `cargo run`, which builds only `onus`, it is built first
/// (into the same target folder), so `cargo run -- serve` works from a
/// fresh clone. Exit 0 if it exits 0, else 2.
fn companion(which: Companion, options: &[String]) -> Result<Output, Failure> {
    let (binary, variable) = which.names();
    let file = format!("{binary}{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe().ok();
    let beside = exe
        .as_ref()
        .and_then(|e| e.parent())
        .map(|dir| dir.join(&file));
    let program = match (std::env::var_os(variable), &beside) {
        (Some(path), _) => std::path::PathBuf::from(path),
        (None, Some(beside)) if beside.is_file() => beside.clone(),
        (None, Some(beside)) if build_beside(binary, exe.as_deref()) && beside.is_file() => {
            beside.clone()
        }
        _ => binary.into(),
    };
    match std::process::Command::new(&program).args(options).status() {
        Ok(status) => Ok(Output {
            outcome: match status.code() {
                Some(0) => command::Outcome::Clean,
                _ => command::Outcome::BadInput,
            },
            ..Output::default()
        }),
        Err(error) => Err(Failure::Input(command::missing_companion(
            binary,
            variable,
            &program.to_string_lossy(),
            &error,
        ))),
    }
}

/// Under `cargo run` in the source tree (cargo sets `CARGO` and
/// `CARGO_MANIFEST_DIR`), builds the companion `package` with the profile
/// `onus` was built with; whether that worked. Cargo's progress goes to
/// stderr.
fn build_beside(package: &str, exe: Option<&std::path::Path>) -> bool {
    let (Some(cargo), Some(manifest_dir), Some(exe)) = (
        std::env::var_os("CARGO"),
        std::env::var_os("CARGO_MANIFEST_DIR"),
        exe,
    ) else {
        return false;
    };
    let manifest = std::path::Path::new(&manifest_dir).join("Cargo.toml");
    let release = exe.parent().and_then(|d| d.file_name()) == Some("release".as_ref());
    let mut build = std::process::Command::new(cargo);
    build
        .args(["build", "--package", package, "--manifest-path"])
        .arg(manifest);
    if release {
        build.arg("--release");
    }
    let _ = writeln!(
        std::io::stderr(),
        "onus: building {package}, which `cargo run` does not build"
    );
    build.stdout(std::process::Stdio::null());
    build.status().is_ok_and(|s| s.success())
}

fn estate(args: EstateArgs) -> Result<Output, Failure> {
    let policy = onus::load_policy(&args.policy)?;
    let unmapped = args.deny.unwrap_or(Unmapped::Allowed);
    if args.input_format == InventoryChoice::Ndjson && args.format == EstateFormat::Ndjson {
        let output = std::io::stdout().lock();
        let (summary, outcome) =
            command::estate_stream(&policy, &args.map, &args.inventories, unmapped, output)?;
        let _ = writeln!(
            std::io::stderr(),
            "onus: {} resources, {} mapped, {} unmapped, {} with conflicts, {} errors",
            summary.resources,
            summary.mapped,
            summary.resources - summary.mapped,
            summary.conflicts,
            summary.errors
        );
        return Ok(Output {
            outcome,
            ..Output::default()
        });
    }
    let (maps, inventories) = (&args.map, &args.inventories);
    Ok(command::estate(
        &policy,
        maps,
        inventories,
        args.input_format,
        args.format,
        unmapped,
    )?)
}

fn export(args: ExportArgs) -> Result<Output, Failure> {
    let policy = onus::load_policy(&args.policy)?;
    let request = ExportRequest {
        date: args.date.as_deref(),
        profile: &args.profile,
    };
    let bytes = command::export(
        &policy,
        args.map.as_deref(),
        &args.set,
        args.format,
        request,
    )?;
    if let Some(path) = &args.output {
        command::write_export(path, &bytes)?;
        return Ok(Output::default());
    }
    if args.format.is_binary() && std::io::stdout().is_terminal() {
        let message = "a workbook is binary: give `--output FILE`, or redirect stdout";
        return Err(usage(ErrorKind::ArgumentConflict, message));
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Input(command::unwritable_output(&error)))
        }
        _ => Ok(Output::default()),
    }
}

/// Writes reports to stderr; a closed stderr leaves nobody to tell.
fn to_stderr(reports: &[Report]) {
    let colour = Colour::when(std::io::stderr().is_terminal());
    let text: String = reports
        .iter()
        .map(|report| render::diagnostics_text(report, colour))
        .collect();
    let _ = std::io::stderr().write_all(text.as_bytes());
}
