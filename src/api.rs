//! The public façade: loading policies, mappings, resource maps and test
//! suites from text or files, checking, the editor's incremental checker,
//! running test suites, and the entry points on [`Policy`] every front end
//! calls. Each is one call into the stages below; no rule lives only here
//! that a stage could own.
//!
//! May import: `base`, `diagnostic`, `syntax`, `model`, `engine`,
//! `compliance`, `estate`, `render`, `io`.

use std::path::Path;
use std::sync::Arc;

use crate::base::assets::{builtin, BUILTIN_RESOURCE_MAPS};
use crate::compliance::mapping::{self, Mapping};
use crate::diagnostic::{Code, Diagnostic, Report, Source};
use crate::engine::check::{self, Finding};
use crate::engine::diff::{self, PolicyDiff, ScenarioChange};
use crate::engine::eval::{self, Matrix};
use crate::engine::partial::{self, PartialAnswer};
use crate::engine::testing::{self, TestRun};
use crate::estate::{self, Inventory, InventoryFormat, ResourceMap, StreamSummary};
use crate::io::{self, policy_source, read_source, LoadError};
use crate::model::answers::Decision;
use crate::model::policy::{stem_of, DimensionId, Policy, RuleId, Scenario, Test, ZoneId};
use crate::model::resolve;
use crate::model::scenario::{self, Id, IdField, PartialScenario, ScenarioError};
use crate::render;
use crate::render::estate::NdjsonSink;
use crate::syntax::format::{format_source, with_line_endings_of};
use crate::syntax::{self, parse};

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

/// What [`load_lenient`] gives: a policy with its broken statements set
/// aside.
#[derive(Debug)]
pub struct LenientPolicy {
    /// The policy without the rules, assertions and tests that do not
    /// resolve.
    pub policy: Policy,
    /// Their errors (none when every statement resolves).
    pub errors: Report,
    /// The zones a rule that does not resolve belongs to, each once, with
    /// the line of its first such rule: their answers lack that rule, so a
    /// tool says so rather than answer for them.
    pub unresolved_zones: Vec<(ZoneId, usize)>,
}

/// [`load`] for a tool that keeps working in a file with errors (an
/// editor's hover while the author types). `Err` when the text does not
/// parse, or an error is not a rule's, assertion's or test's alone.
pub fn load_lenient(name: &str, text: &str) -> Result<LenientPolicy, Report> {
    let source = Source::new(name, text);
    let file = parse::parse(text).map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    let mut lenient = resolve::resolve_lenient(&file, name, &source);
    match lenient.policy.take() {
        Some(policy) => Ok(lenient_policy(source, &lenient, policy)),
        None => Err(Report::from_errors(source, &lenient.errors)),
    }
}

/// `policy`, resolved from `source` with `lenient`'s statements set aside,
/// with their errors and the zones they withhold.
fn lenient_policy(source: Source, lenient: &resolve::Lenient, policy: Policy) -> LenientPolicy {
    let unresolved_zones: Vec<(ZoneId, usize)> = (lenient.withheld_zones().into_iter())
        .map(|(zone, spans)| (zone, source.line_column(spans[0].start).0))
        .collect();
    LenientPolicy {
        policy,
        errors: Report::from_errors(source, &lenient.errors),
        unresolved_zones,
    }
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
    let source = io::mapping_source(name)?;
    load_mapping_text(&source.name, &source.text)
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
        if stem_of(&target.text) != policy.stem() {
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

/// The policy a resource map is for, as its `resources for` line names it,
/// by stem (`aws` for `"aws"` and for `"policies/aws.onus"`).
pub fn resource_map_target(source: &Source) -> Result<String, Report> {
    let file = parse::parse(&source.text)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    let Some(target) = estate::resources_for(&file) else {
        let diagnostic = Diagnostic::new(
            Code::NotAResourceMap,
            format!(
                "`{}` is not a resource map: it has no `resources for` line",
                source.name
            ),
        )
        .with_help(Some(
            "a resource map starts `resources for \"POLICY\"`".into(),
        ));
        return Err(Report::new(source.clone(), vec![diagnostic]));
    };
    Ok(stem_of(&target.text).to_string())
}

/// The resource maps `onus estate` uses for `policy`: the files given, in
/// order, then the built-in maps of a built-in policy, the hand-written one
/// before its generated families (so a user's entry for a type wins over
/// the built-in ones).
pub fn resource_maps(policy: &Policy, files: &[String]) -> Result<Vec<ResourceMap>, Report> {
    let mut maps = Vec::new();
    for file in files {
        let source = read_source(file)?;
        maps.push(load_resource_map_text(&source.name, &source.text, policy)?);
    }
    for builtin in (BUILTIN_RESOURCE_MAPS.iter()).filter(|b| b.policy == policy.stem()) {
        let name = format!("{} resource map", builtin.name);
        let mut map = load_resource_map_text(&name, builtin.text, policy)?;
        map.fallback = builtin.fallback;
        maps.push(map);
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
/// `estate::wanted_attributes`).
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
    let lenient = resolve::resolve_lenient(&file, name, &source);
    match &lenient.policy {
        None => Report::from_errors(source, &lenient.errors),
        Some(policy) => {
            let findings = policy.findings();
            Report::new(source, lenient_diagnostics(&lenient, policy, &findings))
        }
    }
}

/// The diagnostics of a policy resolved with its broken statements set
/// aside: their errors, a note for each zone a broken rule leaves not
/// analysed, and the findings of every other zone, which the broken
/// statements cannot change.
fn lenient_diagnostics(
    lenient: &resolve::Lenient,
    policy: &Policy,
    findings: &[Finding],
) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = (lenient.errors.iter())
        .map(crate::diagnostic::ToDiagnostic::to_diagnostic)
        .collect();
    let withheld = lenient.withheld_zones();
    for (zone, spans) in &withheld {
        let zone = *zone;
        let lines: Vec<String> = (spans.iter())
            .map(|s| policy.source.line_column(s.start).0.to_string())
            .collect();
        let (rule, lines) = match lines.len() {
            1 => ("rule on line", lines.join("")),
            _ => ("rules on lines", lines.join(", ")),
        };
        let message = format!(
            "zone `{}` is not analysed: its {rule} {lines} does not resolve",
            policy.zones[zone].name
        );
        diagnostics.push(
            Diagnostic::new(Code::NotAnalysed, message)
                .with_label(spans[0], "set aside")
                .with_help(Some(
                    "fix the rule's error to analyse the zone; every other zone is analysed".into(),
                )),
        );
    }
    let kept: Vec<Finding> = (findings.iter())
        .filter(|f| {
            f.zone(policy)
                .is_none_or(|z| withheld.iter().all(|(w, _)| *w != z))
        })
        .cloned()
        .collect();
    diagnostics.extend(check::diagnostics(policy, &kept));
    diagnostics
}

/// [`check`] of a file that is a resource map (against the policy it
/// names) or a mapping (its framework and control ids); `None` for a
/// policy.
fn check_map(source: &Source, file: &syntax::PolicyFile) -> Option<Report> {
    let (name, text) = (&source.name, &source.text);
    if let Some(target) = estate::resources_for(file) {
        let checked = resource_map_policy(source, target)
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
/// [`Checker::begin`] answers at once with what is known;
/// [`Checker::finish_until`] analyses the rest, and stops between two
/// zones when a newer text has come.
#[derive(Debug, Default)]
pub struct Checker {
    cache: check::CheckCache,
    /// What the last [`Checker::begin`] loaded, shared with an editor's
    /// hovers, which answer from it while a newer text is analysed.
    loaded: Option<Arc<Loaded>>,
    /// The keys of the zones of the policy in `loaded` and its set-aside
    /// statements, while some of its zones are not analysed yet.
    pending: Option<(check::ZoneKeys, resolve::Lenient)>,
}

/// A text as [`Checker::begin`] loaded it.
#[derive(Debug)]
pub struct Loaded {
    /// Its syntax tree.
    pub file: syntax::PolicyFile,
    /// Its policy, broken rules, assertions and tests set aside; `None`
    /// for a mapping, a resource map, or a policy whose declarations do
    /// not resolve.
    pub policy: Option<LenientPolicy>,
}

impl Checker {
    /// The syntax and name errors of the text, if it does not load; else
    /// its findings: all of them when the zones not analysed before have
    /// at most `analyse_up_to` rules between them (they are analysed now),
    /// else those of the zones analysed before, the others left for
    /// [`Checker::finish_until`]. Mappings and resource maps are checked
    /// whole.
    pub fn begin(&mut self, name: &str, text: &str, analyse_up_to: usize) -> Report {
        self.pending = None;
        self.loaded = None;
        let source = Source::new(name, text);
        let file = match parse::parse(text) {
            Ok(file) => file,
            Err(errors) => return Report::from_errors(source, &errors),
        };
        if let Some(report) = check_map(&source, &file) {
            self.loaded = Some(Arc::new(Loaded { file, policy: None }));
            return report;
        }
        let mut lenient = resolve::resolve_lenient(&file, name, &source);
        let Some(policy) = lenient.policy.take() else {
            self.loaded = Some(Arc::new(Loaded { file, policy: None }));
            return Report::from_errors(source, &lenient.errors);
        };
        let loaded = lenient_policy(source, &lenient, policy);
        let policy = &loaded.policy;
        let keys = check::ZoneKeys::of(policy);
        let stale = self.cache.stale(&keys);
        let unanalysed: usize = stale.iter().map(|&z| policy.rules_of(z).len()).sum();
        let (findings, left) = if unanalysed <= analyse_up_to {
            let every = self.cache.check_until(policy, keys, &|| false);
            (every.expect("never stopped"), None)
        } else {
            (self.cache.known(policy, &keys), Some(keys))
        };
        let diagnostics = lenient_diagnostics(&lenient, policy, &findings);
        let report = Report::new(policy.source.clone(), diagnostics);
        self.pending = left.map(|keys| (keys, lenient));
        self.loaded = Some(Arc::new(Loaded {
            file,
            policy: Some(loaded),
        }));
        report
    }

    /// What the last [`Checker::begin`] loaded; `None` when its text did
    /// not parse.
    pub fn loaded(&self) -> Option<Arc<Loaded>> {
        self.loaded.clone()
    }

    /// Whether the last [`Checker::begin`] left zones to analyse.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// [`Checker::finish_until`] to the end.
    pub fn finish(&mut self) -> Option<Report> {
        self.finish_until(&|| false)
    }

    /// Every finding of the text the last [`Checker::begin`] loaded, as
    /// [`check`] gives them, if it left zones to analyse; `None` too when
    /// `stop` says so between two zones (the zones analysed by then are
    /// kept for the next text).
    pub fn finish_until(&mut self, stop: &dyn Fn() -> bool) -> Option<Report> {
        let (keys, lenient) = self.pending.take()?;
        let loaded = self.loaded.clone()?;
        let policy = &loaded.policy.as_ref()?.policy;
        let findings = self.cache.check_until(policy, keys, stop)?;
        let diagnostics = lenient_diagnostics(&lenient, policy, &findings);
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
        scenario::read(self, path, settings, io::read_source)
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
        scenario::read_partial(self, path, settings, io::read_source)
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
        let every = (0..self.dimensions[over].values.len()).collect();
        eval::matrix(self, over, base, every)
    }

    /// Evaluates `base` once for each of `values` (indices into dimension
    /// `over`'s values): a matrix of some columns only.
    pub fn matrix_of(&self, over: DimensionId, base: &Scenario, values: Vec<usize>) -> Matrix {
        eval::matrix(self, over, base, values)
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

/// The policy a resource map's `resources for "..."` names, found as a
/// test file's is: a policy file beside the map, or a built-in policy.
pub(crate) fn resource_map_policy(
    source: &Source,
    target: &crate::syntax::Text,
) -> Result<Policy, Report> {
    match io::test_target(Path::new(&source.name), &target.text, target.span) {
        Ok(io::TestTarget::File(beside)) => {
            let text = read_source(&beside.to_string_lossy())?;
            load(&text.name, &text.text)
        }
        Ok(io::TestTarget::Builtin(b)) => load(b.name, b.text),
        Err(error) => Err(io::failed(source.clone(), error)),
    }
}

/// A built-in policy by name, parsed and resolved, whatever files the
/// working folder holds.
pub fn load_builtin(name: &str) -> Result<Policy, Report> {
    match builtin(name) {
        Some(b) => load(b.name, b.text),
        None => Err(io::failed(
            Source::new(name, ""),
            LoadError::UnknownPolicy { name: name.into() },
        )),
    }
}

/// A policy by path or built-in name, parsed and resolved.
pub fn load_policy(name: &str) -> Result<Policy, Report> {
    let source = policy_source(name)?;
    load(&source.name, &source.text)
}

/// A policy and the tests to run on it, loaded from one file: a policy
/// with its own tests, or a test file (`tests for "<policy>"`).
#[derive(Debug)]
pub struct Suite {
    /// The file's path, as given.
    pub path: String,
    /// The file's text.
    pub text: String,
    /// The policy the tests run against.
    pub policy: Policy,
    /// The tests: the policy's own, or the test file's.
    pub tests: Vec<Test>,
}

/// Loads `path` as a [`Suite`]. A test file's policy is the file of that
/// name beside it, else the built-in policy of that name; never a path
/// relative to wherever the program runs.
pub fn load_suite(path: &str) -> Result<Suite, Report> {
    load_suite_text(path, read_source(path)?)
}

/// `load_suite` of a text not yet saved (an editor's): a test file's
/// policy is still read from beside `path`.
pub fn load_suite_text(path: &str, source: Source) -> Result<Suite, Report> {
    let tree = crate::syntax::parse::parse(&source.text)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    let Some(target) = tree.tests_for() else {
        let policy = load(&source.name, &source.text)?;
        let tests = policy.tests.clone();
        return Ok(Suite {
            path: source.name,
            text: source.text,
            policy,
            tests,
        });
    };
    let policy = match io::test_target(Path::new(path), &target.text, target.span) {
        Ok(io::TestTarget::File(beside)) => {
            let policy_text = read_source(&beside.to_string_lossy())?;
            load(&policy_text.name, &policy_text.text)?
        }
        Ok(io::TestTarget::Builtin(b)) => load(b.name, b.text)?,
        Err(error) => return Err(io::failed(source, error)),
    };
    let tests = crate::model::resolve::resolve_tests(&tree, &policy)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    Ok(Suite {
        path: source.name,
        text: source.text,
        policy,
        tests,
    })
}

/// Whether `onus fmt` (`format_path`) writes the formatted text back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FmtMode {
    /// Rewrite the file when its layout is not canonical.
    Write,
    /// Change nothing; only say whether it would change.
    Check,
}

impl FmtMode {
    /// How `onus fmt` lists a file whose layout was not canonical.
    pub fn verb(self) -> &'static str {
        match self {
            FmtMode::Write => "reformatted",
            FmtMode::Check => "would reformat",
        }
    }
}

/// What formatting one path did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Formatted {
    /// The file's layout was canonical already.
    Unchanged,
    /// It was not (and, with [`FmtMode::Write`], has been rewritten).
    Reformatted,
    /// The path was `-`: the text read from stdin, formatted, to print.
    Text(String),
}

/// Formats the file at `path`, or stdin for `-`, keeping its line endings
/// (CRLF if its first line ends so) and a file's byte-order mark: `fmt`
/// changes layout, not how an editor saved the file. Through a symbolic
/// link, the file it points to is rewritten, atomically.
pub fn format_path(path: &str, mode: FmtMode) -> Result<Formatted, Report> {
    if path == "-" {
        let source = io::read_source(path)?;
        let formatted = format_source(&source)?;
        return Ok(Formatted::Text(with_line_endings_of(
            &source.text,
            formatted,
        )));
    }
    format_file(path, mode).map(|changed| match changed {
        true => Formatted::Reformatted,
        false => Formatted::Unchanged,
    })
}

/// Formats the file at `path`: whether its layout was not canonical (and,
/// with [`FmtMode::Write`], has been rewritten).
fn format_file(path: &str, mode: FmtMode) -> Result<bool, Report> {
    let source = io::read_source(path)?;
    let mut formatted = with_line_endings_of(&source.text, format_source(&source)?);
    // `read_source` drops a byte-order mark; the file keeps it.
    if io::starts_with_byte_order_mark(path) {
        formatted.insert(0, '\u{feff}');
    }
    if formatted.strip_prefix('\u{feff}').unwrap_or(&formatted) == source.text {
        return Ok(false);
    }
    if mode == FmtMode::Write {
        let target = io::resolved(path);
        io::write_atomically(&target, formatted.as_bytes()).map_err(|error| {
            let message = format!("cannot write `{path}`: {}", io::io_reason(&error));
            Report::new(
                Source::new(path, ""),
                vec![Diagnostic::new(Code::UnwritableFile, message)],
            )
        })?;
    }
    Ok(true)
}

/// Streams an NDJSON inventory to NDJSON estate records on `output` (see
/// `stream_estate_files`); for benchmarks and front ends that hold their
/// own reader and writer.
pub fn stream_estate(
    policy: &Policy,
    maps: &[ResourceMap],
    input: impl std::io::BufRead,
    output: impl std::io::Write,
) -> std::io::Result<StreamSummary> {
    estate::stream(policy, maps, input, &mut NdjsonSink::new(output))
}

/// Streams NDJSON inventory files in order (`-` for stdin) to NDJSON
/// records on `output`: the bytes `estate --format ndjson` writes for the
/// same resources. A closed output ends the stream early, with what was
/// counted by then.
pub fn stream_estate_files(
    policy: &Policy,
    maps: &[ResourceMap],
    inputs: &[String],
    output: impl std::io::Write,
) -> Result<StreamSummary, Report> {
    let write_failed = std::rc::Rc::new(std::cell::Cell::new(false));
    let output = io::Watched {
        inner: output,
        failed: write_failed.clone(),
    };
    let mut sink = NdjsonSink::new(output);
    let mut total = StreamSummary::default();
    for input in inputs {
        let result = estate::stream(policy, maps, io::open_input(input)?, &mut sink);
        match result {
            Ok(summary) => {
                total.resources += summary.resources;
                total.mapped += summary.mapped;
                total.conflicts += summary.conflicts;
                total.errors += summary.errors;
            }
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(total),
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                let message = format!("`{input}` is not valid UTF-8");
                return Err(Report::new(
                    Source::new(input, ""),
                    vec![Diagnostic::new(Code::InvalidUtf8, message)],
                ));
            }
            Err(error) if write_failed.get() => return Err(io::unwritable_output(&error)),
            Err(error) => {
                let message = format!("cannot read `{input}`: {}", io::io_reason(&error));
                let diagnostic = Diagnostic::new(Code::UnreadableFile, message);
                return Err(Report::new(Source::new(input, ""), vec![diagnostic]));
            }
        }
    }
    Ok(total)
}
