//! Onus says, for a cloud workload, who holds each part of its security:
//! the customer, the provider, or both, and which rule decided.
//!
//! A policy is text in the Onus language (see `grammar/REFERENCE.md`). It
//! is parsed into a [`syntax`] tree, resolved into a [`Policy`] (names to
//! indices), then evaluated against a [`Scenario`], or checked over every
//! scenario at once. [`render`] turns results and diagnostics into text,
//! JSON, SARIF or a diagram. Every fallible step returns a [`Report`]:
//! located diagnostics, each with a stable [`Code`]. [`command`] runs each
//! command as the CLI does and returns the exact text it prints, for any
//! front end that must answer the same.
//!
//! ```
//! let policy = onus::load("example.onus", "\
//! data: customer always
//! virtualization host: provider unless on-prem
//! ").unwrap();
//! let scenario = policy.scenario_from_json(r#"{"model": "iaas"}"#).unwrap();
//! let decisions = policy.evaluate(&scenario);
//! let host = &decisions[1];
//! assert_eq!(policy.zones[host.zone].name, "virtualization host");
//! assert_eq!(policy.parties[host.party.unwrap()].name, "provider");
//! assert_eq!(host.status, onus::Status::Rule);
//! ```
//!
//! Checking proves a policy over every scenario; each finding carries a
//! scenario that shows it:
//!
//! ```
//! let policy = onus::load("os.onus", "\
//! os: provider when paas
//! os: customer unless saas
//! ").unwrap();
//! let findings = policy.findings();
//! let [onus::Finding::Conflict { witness, .. }] = findings.as_slice() else {
//!     panic!("one conflict: {findings:?}");
//! };
//! let scenario: Vec<_> = policy.scenario_pairs(&witness.scenario).collect();
//! assert_eq!(scenario, [("model", "paas")]);
//! ```
//!
//! A matrix evaluates every value of one dimension:
//!
//! ```
//! let azure = onus::load_policy("azure").unwrap();
//! let model = azure.sweep_dimension(None).unwrap();
//! let base = azure.scenario_from_settings("--set", &["model=iaas".into()]).unwrap();
//! let matrix = azure.matrix(model, &base);
//! assert_eq!(matrix.columns.len(), 4);
//! assert!(onus::render::matrix_markdown(&azure, &matrix).contains("| Information and data "));
//! ```

//! A command's output is the CLI's, byte for byte:
//!
//! ```
//! use onus::command::{self, MatrixFormat, Outcome};
//! let azure = onus::load_policy("azure").unwrap();
//! let output = command::matrix(&azure, None, &[], MatrixFormat::Csv).unwrap();
//! assert!(output.text.starts_with("zone,"));
//! assert_eq!((output.outcome, output.exit_code()), (Outcome::Clean, 0));
//! ```

#![warn(missing_docs)]

mod analysis;
mod batch;
mod builtin;
mod check;
mod code;
pub mod command;
mod compile;
mod diagnostic;
mod diff;
mod estate;
mod eval;
mod export;
mod format;
mod load;
mod mapping;
mod parse;
mod partial;
mod policy;
pub mod render;
mod resolve;
mod scenario;
mod schema;
mod span;
pub mod syntax;
mod testing;

pub use analysis::{Cube, Witness};
pub use batch::{
    run as run_batch, run_from as run_batch_from, BatchError, Options as BatchOptions,
    Stopped as BatchStopped, Summary as BatchSummary, MAX_LINE_BYTES,
};
pub use builtin::{builtin, Builtin, BUILTINS};
pub use check::{Finding, Question};
pub use code::Code;
pub use diagnostic::{
    closest, did_you_mean, Diagnostic, Label, Report, Severity, Source, ToDiagnostic,
};
pub use diff::{describe, DiffError, Holder, PolicyChange, PolicyDiff, ScenarioChange};
/// Streams an NDJSON inventory to estate records; for benchmarks and front
/// ends that hold their own reader and writer.
pub use estate::stream as stream_estate;
/// The attribute paths resource maps' `when` tests read.
pub use estate::wanted_attributes as estate_attributes;
pub use estate::{
    BuiltinResourceMap, Evaluated, Inventory, InventoryError, InventoryFormat, Resource,
    ResourceAnswer, ResourceMap, ResourceType, StreamSummary, BUILTIN_RESOURCE_MAPS,
};
pub use eval::{Decision, Matrix, Status};
pub use export::{
    ControlAnswer, Export, HolderKind, Holding, Ownership, Side, NOT_APPLICABLE_PARTY,
};
pub use format::{format_path, format_source, zone_as_written, FmtMode, Formatted};
pub use load::{
    expand_paths, load_builtin, load_policy, load_suite, load_suite_text, policy_source,
    read_source, LoadError, Suite, MAX_FILE_BYTES,
};
pub use mapping::{
    mapping_findings, BuiltinMapping, Control, Framework, FrameworkKind, MapEntry, Mapping,
    MappingFinding, BUILTIN_MAPPINGS, FRAMEWORKS,
};
pub use parse::{ParseError, DECLARATION_KEYWORDS, RESERVED};
pub use partial::{Case, PartialAnswer};
pub use policy::{
    Assertion, Cond, Dimension, DimensionId, Party, PartyId, Policy, Rule, RuleId, Scenario, Test,
    ValueSet, Zone, ZoneId, CUSTOMER, MAX_VALUES, PROVIDER, SHARED,
};
pub use render::DecisionFields;
pub use resolve::{NameKind, ResolveError, PRELUDE_MODEL};
pub use scenario::{Id, IdField, PartialScenario, ScenarioError};
pub use schema::{
    batch_record as batch_record_schema, scenario_for as scenario_schema, schema,
    NAMES as SCHEMA_NAMES,
};
pub use span::Span;
pub use testing::{Mismatch, TestOutcome, TestRun};

/// The compiled form behind batch evaluation, for benchmarks and property
/// tests that compare it with the interpreter; not a stable API.
#[doc(hidden)]
pub use compile::{Compiled, CompiledAnswer};

/// Parses a policy or test file into its syntax tree.
pub fn parse(name: &str, text: &str) -> Result<syntax::PolicyFile, Report> {
    parse::parse(text).map_err(|errors| Report::from_errors(Source::new(name, text), &errors))
}

/// Parses and resolves a policy. `name` is how it is shown in output and
/// diagnostics: a path, or a built-in policy's name.
pub fn load(name: &str, text: &str) -> Result<Policy, Report> {
    let source = Source::new(name, text);
    let file = parse::parse(text).map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    resolve::resolve(&file, name, &source)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))
}

/// Parses and resolves a mapping (a file that starts `mapping FRAMEWORK`):
/// every control id checked against the framework's catalog.
pub fn load_mapping_text(name: &str, text: &str) -> Result<Mapping, Report> {
    let source = Source::new(name, text);
    let file = parse::parse(text).map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    mapping::resolve_mapping(&file, name, &source)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))
}

/// A mapping by path or built-in name (`nist-sp-800-53-rev5`,
/// `csa-ccm-v4`), parsed and resolved.
pub fn load_mapping(name: &str) -> Result<Mapping, Report> {
    let source = mapping_source(name)?;
    load_mapping_text(&source.name, &source.text)
}

/// A mapping's text: the file at `name` if there is one, else the built-in
/// mapping of that name.
pub fn mapping_source(name: &str) -> Result<Source, Report> {
    if !std::path::Path::new(name).is_file() {
        if let Some(b) = BUILTIN_MAPPINGS.iter().find(|b| b.name == name) {
            return Ok(Source::new(b.name, b.text));
        }
        if !name.contains(['/', '\\', '.']) {
            return Err(load::unknown_mapping(name));
        }
    }
    read_source(name)
}

/// Parses and resolves a resource map for `policy`: its `resources for`
/// line must name the policy, and its dimensions and values be the
/// policy's.
pub fn load_resource_map_text(
    name: &str,
    text: &str,
    policy: &Policy,
) -> Result<ResourceMap, Report> {
    let source = Source::new(name, text);
    let file = parse::parse(text).map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    // Said first: a map for another policy would only show its names as
    // unknown here.
    let target = file.statements.iter().find_map(|s| match &s.kind {
        syntax::StatementKind::ResourcesFor(target) => Some((target, s.span)),
        _ => None,
    });
    if let Some((target, span)) = target {
        let stem = target.text.rsplit(['/', '\\']).next().unwrap_or("");
        let stem = stem.strip_suffix(".onus").unwrap_or(stem);
        if stem != policy.stem() {
            let diagnostic = Diagnostic::new(
                Code::ResourceMapMismatch,
                format!(
                    "this resource map is for `{}`, not `{}`",
                    target.text,
                    policy.stem()
                ),
            )
            .with_label(span, "names another policy")
            .with_help(Some(format!(
                "give it with `onus estate {} ...`, or name `{}` here",
                target.text,
                policy.stem()
            )));
            return Err(Report::new(source, vec![diagnostic]));
        }
    }
    estate::resolve_resource_map(&file, name, &source, policy)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))
}

/// The resource maps `onus estate` uses for `policy`: the files given, in
/// order, then the built-in map of a built-in policy (so a user's entry for
/// a type wins over the built-in one).
pub fn resource_maps(policy: &Policy, files: &[String]) -> Result<Vec<ResourceMap>, Report> {
    let mut maps = Vec::new();
    for file in files {
        let source = read_source(file)?;
        maps.push(load_resource_map_text(&source.name, &source.text, policy)?);
    }
    if let Some(builtin) = BUILTIN_RESOURCE_MAPS
        .iter()
        .find(|b| b.policy == policy.stem())
    {
        let name = format!("{} resource map", builtin.policy);
        maps.push(load_resource_map_text(&name, builtin.text, policy)?);
    }
    Ok(maps)
}

/// Whether the file at `path` is a test file (it has a `tests for` line).
pub fn is_test_file(path: &str) -> bool {
    read_source(path)
        .is_ok_and(|source| parse::parse(&source.text).is_ok_and(|file| file.tests_for().is_some()))
}

/// Whether the file at `path` is a mapping or a resource map (it has a
/// `mapping` or `resources for` line), which hold no tests.
pub fn is_map_file(path: &str) -> bool {
    let Ok(source) = read_source(path) else {
        return false;
    };
    parse::parse(&source.text).is_ok_and(|file| {
        (file.statements.iter()).any(|s| {
            matches!(
                s.kind,
                syntax::StatementKind::Mapping { .. } | syntax::StatementKind::ResourcesFor(_)
            )
        })
    })
}

/// Reads an inventory file (`-` for stdin): a Terraform plan or state, an
/// Azure resource list, an AWS Config inventory or a CloudFormation
/// template, detected from its content unless `forced`.
/// `wanted` are the attribute paths the maps' `when` tests read (see
/// [`estate_attributes`]).
pub fn read_inventory(
    path: &str,
    forced: Option<InventoryFormat>,
    wanted: &[String],
) -> Result<Inventory, Report> {
    estate::read_inventory(&read_source(path)?, forced, wanted)
}

/// Loads a policy and checks it: its syntax and name errors if it does not
/// load, else every finding of [`Policy::findings`] as a diagnostic (the
/// conflicts of a rule with more than three earlier rules as one). A
/// mapping file is checked as a mapping: its framework and control ids; a
/// resource map against the policy it names: its dimensions and values.
pub fn check(name: &str, text: &str) -> Report {
    let source = Source::new(name, text);
    let file = match parse::parse(text) {
        Ok(file) => file,
        Err(errors) => return Report::from_errors(source, &errors),
    };
    if let Some(report) = check_map(&source, &file) {
        return report;
    }
    match resolve::resolve(&file, name, &source) {
        Err(errors) => Report::from_errors(source, &errors),
        Ok(policy) => {
            let diagnostics = check::diagnostics(&policy, &policy.findings());
            Report::new(policy.source.clone(), diagnostics)
        }
    }
}

/// [`check`] of a file that is a resource map (against the policy it
/// names) or a mapping (its framework and control ids); `None` for a
/// policy.
fn check_map(source: &Source, file: &syntax::PolicyFile) -> Option<Report> {
    let (name, text) = (&source.name, &source.text);
    if let Some(target) = estate::resources_for(file) {
        let checked = load::resource_map_policy(source, target)
            .and_then(|policy| load_resource_map_text(name, text, &policy));
        return Some(match checked {
            Ok(map) => Report::new(map.source, Vec::new()),
            Err(report) => report,
        });
    }
    if is_mapping(file) {
        return Some(match load_mapping_text(name, text) {
            Ok(mapping) => Report::new(mapping.source, Vec::new()),
            Err(report) => report,
        });
    }
    None
}

/// [`check`] for an editor, which checks the same document at every
/// keystroke: each zone's findings are kept between calls, so an edit
/// re-analyses only the zones whose rules or assertions it changed (all of
/// them when it changes a dimension, a party or the default).
/// [`Checker::begin`] answers at once with what is known; [`Checker::finish`]
/// analyses the rest.
#[derive(Debug, Default)]
pub struct Checker {
    cache: check::CheckCache,
    /// The policy [`Checker::begin`] loaded and its zones' keys, while
    /// some of its zones are not analysed yet.
    pending: Option<(Policy, check::ZoneKeys)>,
}

impl Checker {
    /// The syntax and name errors of the text, if it does not load; else
    /// its findings: all of them when the zones not analysed before have
    /// at most `analyse_up_to` rules between them (they are analysed now),
    /// else those of the zones analysed before, the others left for
    /// [`Checker::finish`]. Mappings and resource maps are checked whole.
    pub fn begin(&mut self, name: &str, text: &str, analyse_up_to: usize) -> Report {
        self.pending = None;
        let source = Source::new(name, text);
        let file = match parse::parse(text) {
            Ok(file) => file,
            Err(errors) => return Report::from_errors(source, &errors),
        };
        if let Some(report) = check_map(&source, &file) {
            return report;
        }
        let policy = match resolve::resolve(&file, name, &source) {
            Ok(policy) => policy,
            Err(errors) => return Report::from_errors(source, &errors),
        };
        let keys = check::ZoneKeys::of(&policy);
        let stale = self.cache.stale(&keys);
        let unanalysed: usize = stale.iter().map(|&z| policy.rules_of(z).len()).sum();
        if unanalysed <= analyse_up_to {
            let findings = self.cache.check(&policy, keys);
            return Report::new(
                policy.source.clone(),
                check::diagnostics(&policy, &findings),
            );
        }
        let findings = self.cache.known(&policy, &keys);
        let report = Report::new(
            policy.source.clone(),
            check::diagnostics(&policy, &findings),
        );
        self.pending = Some((policy, keys));
        report
    }

    /// Whether the last [`Checker::begin`] left zones to analyse.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Every finding of the text the last [`Checker::begin`] loaded, as
    /// [`check`] gives them, if it left zones to analyse.
    pub fn finish(&mut self) -> Option<Report> {
        let (policy, keys) = self.pending.take()?;
        let findings = self.cache.check(&policy, keys);
        let diagnostics = check::diagnostics(&policy, &findings);
        Some(Report::new(policy.source.clone(), diagnostics))
    }
}

fn is_mapping(file: &syntax::PolicyFile) -> bool {
    (file.statements.iter()).any(|s| matches!(s.kind, syntax::StatementKind::Mapping { .. }))
}

/// Runs each suite's tests; `threshold` is the least rule coverage, in
/// percent, every file must reach.
pub fn run_suites(suites: &[Suite], threshold: Option<f64>) -> render::TestReport<'_> {
    let files = suites
        .iter()
        .map(|s| render::FileRun {
            path: &s.path,
            text: &s.text,
            policy: &s.policy,
            tests: &s.tests,
            run: testing::run(&s.policy, &s.tests),
        })
        .collect();
    render::TestReport { files, threshold }
}

impl Policy {
    /// Reads a complete scenario from a JSON object, such as
    /// `{"model": "iaas"}`.
    pub fn scenario_from_json(&self, text: &str) -> Result<Scenario, Report> {
        let report = |errors: Vec<ScenarioError>| {
            Report::from_errors(Source::new("scenario", text), &errors)
        };
        let (partial, _) = scenario::from_json(self, text, IdField::Refused).map_err(report)?;
        partial
            .complete(self, Some(scenario::object_span(text)))
            .map_err(report)
    }

    /// Settings given as arguments (`--set model=iaas`), one
    /// `dimension=value` each; `origin` names them in diagnostics. Every
    /// front end reads settings through here.
    pub fn settings(&self, origin: &str, arguments: &[String]) -> Result<PartialScenario, Report> {
        scenario::from_arguments(self, origin, arguments)
    }

    /// A complete scenario from settings alone.
    pub fn scenario_from_settings(
        &self,
        origin: &str,
        arguments: &[String],
    ) -> Result<Scenario, Report> {
        scenario::complete_from_arguments(self, origin, arguments)
    }

    /// The scenario of a JSON file (`-` for stdin) overridden by `--set`
    /// settings, and the file's `"id"` if it has one (echoed in the
    /// answer, as a batch echoes it). With neither file nor settings, the
    /// only scenario of a policy whose dimensions have one value each, else
    /// a diagnostic that says how to give one.
    pub fn read_scenario(
        &self,
        path: Option<&str>,
        settings: &[String],
    ) -> Result<(Scenario, Option<Id>), Report> {
        scenario::read(self, path, settings)
    }

    /// [`Policy::read_scenario`] of a JSON text in hand (a request's body),
    /// named by `source`.
    pub fn scenario_from_text(
        &self,
        source: Source,
        settings: &[String],
    ) -> Result<(Scenario, Option<Id>), Report> {
        scenario::read_text(self, source, settings)
    }

    /// The scenario of a JSON file and `--set` settings, as
    /// [`Policy::read_scenario`] reads it but with dimensions left open
    /// (`eval --partial`).
    pub fn read_partial_scenario(
        &self,
        path: Option<&str>,
        settings: &[String],
    ) -> Result<(PartialScenario, Option<Id>), Report> {
        scenario::read_partial(self, path, settings)
    }

    /// Each zone's answers where `given` fixes some dimensions and the
    /// others take any value: definite, or each answer with its exact
    /// condition over the open dimensions.
    pub fn evaluate_partial(&self, given: &PartialScenario) -> Vec<PartialAnswer> {
        partial::evaluate(self, given)
    }

    /// One zone's answers over every scenario, each with its exact
    /// condition, and the rules that decide it.
    pub fn zone_answers(&self, zone: ZoneId) -> PartialAnswer {
        partial::zone_answers(self, zone)
    }

    /// The dimensions `given` leaves open, in declaration order.
    pub fn open_dimensions(&self, given: &PartialScenario) -> Vec<DimensionId> {
        partial::open_dimensions(self, given)
    }

    /// Who holds each zone in `scenario`, in zone order.
    pub fn evaluate(&self, scenario: &Scenario) -> Vec<Decision> {
        eval::evaluate(self, scenario)
    }

    /// The dimension a matrix sweeps: `over` if given, else `model` unless
    /// it has one value and another dimension has several.
    pub fn sweep_dimension(&self, over: Option<&str>) -> Result<DimensionId, Report> {
        eval::sweep_dimension(self, over)
    }

    /// Evaluates `base` once for each value of dimension `over`.
    pub fn matrix(&self, over: DimensionId, base: &Scenario) -> Matrix {
        eval::matrix(self, over, base)
    }

    /// Every finding of the checker, in source order: conflicts, failed
    /// assertions, dead and redundant rules, zones only the default holds,
    /// and questions the analysis could not decide.
    pub fn findings(&self) -> Vec<Finding> {
        check::check(self)
    }

    /// [`Policy::findings`] as if the regions of rules `undecided` could
    /// not be built within the analysis budget: for tests of the paths that
    /// work around such rules. Not a stable API.
    #[doc(hidden)]
    pub fn findings_forcing_undecided(&self, undecided: &[RuleId]) -> Vec<Finding> {
        check::check_forcing(self, undecided)
    }

    /// Where, over every scenario, each zone of this policy and `new`
    /// resolve differently. Both must declare the same dimensions.
    pub fn diff(&self, new: &Policy) -> Result<PolicyDiff, Report> {
        diff::policies(self, new)
            .map_err(|error| Report::from_errors(Source::new(&new.name, ""), &[error]))
    }

    /// The zones whose holder differs from scenario `from` to `to`.
    pub fn diff_scenarios(&self, from: &Scenario, to: &Scenario) -> Vec<ScenarioChange> {
        diff::scenarios(self, from, to)
    }

    /// Runs tests (the policy's own, or a test file's) against it.
    pub fn run_tests(&self, tests: &[Test]) -> TestRun {
        testing::run(self, tests)
    }
}
