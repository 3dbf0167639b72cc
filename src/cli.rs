//! The command line: arguments to one library call, results to stdout,
//! diagnostics to stderr, an exit code. Every rule (where a policy is
//! found, how settings read, what a default is) lives in the library.

mod commands;
mod companion;
mod print;

use std::io::{IsTerminal, Write};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};

use onus::command::{
    self, CheckFormat, Choice, EstateFormat, ExportFormat, Failing, Format, InventoryChoice,
    MatrixFormat, Output, TestFormat, Unmapped,
};
use onus::render::{self, Colour, CoverageListing};

use companion::{companion, Companion};
use onus::{DecisionFields, FmtMode, Report};
use print::finish;

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
    /// Compare a policy's answers, control by control, with what a provider
    /// publishes (FedRAMP's CRM or CSA's CAIQ as XLSX or CSV, an OSCAL
    /// SSP, or a control and owner CSV).
    Compare(CompareArgs),
    /// Evaluate a cloud inventory (Terraform plan or state, Azure resource
    /// list, AWS Config, CloudFormation) resource by resource.
    Estate(EstateArgs),
    /// Start the language server over stdio (`onus-lsp`, installed beside
    /// `onus`; `ONUS_LSP` names another).
    Lsp,
    /// Serve the HTTP API and the playground (`onus-serve`, installed beside
    /// `onus`; `ONUS_SERVE` names another). `onus serve --help` lists its
    /// options: `--listen`, `--policy`, the limits, `--token-file`, `--tls-cert`.
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
    /// A built-in policy's name or a policy file (`.onus`); without one,
    /// the first inventory, and each resource is answered by the built-in
    /// policy whose resource map knows its type.
    #[arg(value_name = "POLICY|INVENTORY")]
    first: String,
    /// Inventory files (`-` for stdin).
    inventories: Vec<String>,
    /// With no policy named: the policy that answers a type several
    /// built-in maps know (repeatable, the first given first).
    #[arg(long, value_name = "POLICY")]
    prefer: Vec<String>,
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
    /// The NIST SP 800-53 baseline whose every control the export lists,
    /// carried by the policy's zones or not [default: high].
    #[arg(long, value_parser = ["low", "moderate", "high"])]
    baseline: Option<String>,
    /// The OSCAL profile the SSPs import [default: NIST's profile of the
    /// baseline].
    #[arg(long, value_name = "HREF")]
    profile: Option<String>,
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
struct CompareArgs {
    /// A policy file, or a built-in policy's name.
    policy: String,
    /// The provider's published responsibility: FedRAMP's CRM (a `Control
    /// ID` and a `Can Be Inherited from CSP` column) or CSA's CAIQ (`SSRM
    /// Control Ownership`) as XLSX or CSV, an OSCAL SSP (JSON) with
    /// `control-origination`, or a CSV of a control and an owner column
    /// (provider, customer, shared).
    published: String,
    /// The mapping from zones to the file's controls [default:
    /// nist-sp-800-53-rev5, or csa-ccm-v4 for a CAIQ].
    #[arg(long, value_name = "MAPPING")]
    map: Option<String>,
    /// Set a dimension: `--set model=paas` (repeatable); every dimension
    /// needs a value.
    #[arg(long = "set", value_name = "DIM=VALUE")]
    set: Vec<String>,
    #[arg(long, value_parser = choice::<Format>(), default_value = Format::NAMES[0])]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct MatrixArgs {
    /// A policy file, or a built-in policy's name [default: azure].
    policy: Option<String>,
    /// The dimension whose values become the columns [default: `model`, or
    /// if it has one value, the first dimension with several].
    #[arg(long)]
    over: Option<String>,
    /// Only these values of the swept dimension, as columns in its order:
    /// `--only storage,key-vault` (repeatable), so a dimension of many
    /// values makes a readable diagram.
    #[arg(long, value_name = "VALUE,...")]
    only: Vec<String>,
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
            Command::Eval(args) => commands::eval(args),
            Command::Matrix(a) => {
                let policy = command::policy_or_default(a.policy.as_deref())?;
                Ok(command::matrix(
                    &policy,
                    a.over.as_deref(),
                    &a.only,
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
            Command::Diff(args) => commands::diff(args),
            Command::Schema(args) => commands::schema(args),
            Command::Export(args) => commands::export(args),
            Command::Compare(a) => {
                let policy = onus::load_policy(&a.policy)?;
                Ok(command::compare(
                    &policy,
                    &a.published,
                    a.map.as_deref(),
                    &a.set,
                    a.format,
                )?)
            }
            Command::Estate(a) => commands::estate(a),
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
