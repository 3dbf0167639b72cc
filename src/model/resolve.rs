//! Syntax tree to [`Policy`]: applies the prelude, checks every name, and
//! turns names into indices. Reports every error it finds, not the first.

use std::collections::HashMap;

use crate::base::names::closest;
use crate::base::span::Span;
use crate::diagnostic::{Code, Diagnostic, Source, ToDiagnostic};
use crate::model::policy::{
    Assertion, Cond, Dimension, DimensionId, Party, PartyId, Policy, Rule, Scenario, Test,
    ValueSet, Zone, ZoneId, CUSTOMER, MAX_VALUES,
};
use crate::syntax::{self, Condition, ConditionKind, Name, PolicyFile, Qualifier, StatementKind};

/// Why a parsed policy does not make sense.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ResolveError {
    /// `data: custmer always`, `x: customer when modle is iaas`, `x: customer when on-perm`.
    #[error("unknown {kind} `{}`", name.text)]
    UnknownName {
        /// What kind of name it is.
        kind: NameKind,
        /// The name as written.
        name: Name,
        /// The closest known name, if close enough to be a typo.
        suggestion: Option<String>,
        /// The names that are allowed here, when few enough to list.
        known: Vec<String>,
    },
    /// `x: customer when prod` where two dimensions have the value `prod`.
    #[error("value `{}` is ambiguous: it belongs to {}", name.text, backticked(dimensions))]
    AmbiguousValue {
        /// The name as written.
        name: Name,
        /// The dimensions that declare the value.
        dimensions: Vec<String>,
    },
    /// Two `zone data` lines, two `default:` lines, `dimension tier: a, a`.
    /// `name` is empty for the one-of-a-kind declarations (title, default).
    #[error("{what}{} is declared twice", if name.is_empty() { String::new() } else { format!(" `{name}`") })]
    Duplicate {
        /// What is declared twice, such as `zone`.
        what: &'static str,
        /// The name as written.
        name: String,
        /// Where it is in the source.
        span: Span,
        /// Where it was first given.
        first: Span,
    },
    /// `dimension big: v1, ..., v65`.
    #[error("dimension `{}` has {count} values; at most {MAX_VALUES} are allowed", name.text)]
    TooManyValues {
        /// The name as written.
        name: Name,
        /// How many values it declares.
        count: usize,
    },
    /// `dimension id: a, b`: batch input uses `id` for the record's identifier.
    #[error("a dimension cannot be named `id`")]
    ReservedDimension {
        /// The name as written.
        name: Name,
    },
    /// `party conflict "X"`: outputs use `conflict` where no party holds a zone.
    #[error("a party cannot be named `conflict`")]
    ReservedParty {
        /// The name as written.
        name: Name,
    },
    /// A file with no rules (an empty file, or only comments and declarations).
    #[error("policy has no rules")]
    NoRules,
    /// `onus eval` on a file that starts `tests for "azure"`.
    #[error("this is a test file for `{policy}`, not a policy")]
    TestFile {
        /// The policy it names.
        policy: String,
        /// Where it is in the source.
        span: Span,
    },
    /// `onus eval nist.onus`: a file that starts `mapping ...` where a
    /// policy was expected, or a `controls` line in a policy.
    #[error("{}", if *whole_file { "this is a mapping file, not a policy" } else { "a `controls` line belongs in a mapping file" })]
    MappingFile {
        /// Whether the whole file is a mapping (else one line of a policy).
        whole_file: bool,
        /// Where it is in the source.
        span: Span,
    },
    /// `onus eval aws-resources.onus`: a resource map where a policy was
    /// expected, or a `resource` line in a policy.
    #[error("{}", match policy { Some(policy) => format!("this is a resource map for `{policy}`, not a policy"), None => "a `resource` line belongs in a resource map".to_string() })]
    ResourceMapFile {
        /// The policy a whole resource map names; `None` for one line.
        policy: Option<String>,
        /// Where it is in the source.
        span: Span,
    },
    /// A resource map without its `resources for` line.
    #[error("not a resource map: it has no `resources for` line")]
    NoResourcesFor {
        /// Its first statement, if it has one.
        span: Option<Span>,
    },
    /// A rule or declaration in a resource map.
    #[error("a resource map holds only its `resources for` line and `resource` lines")]
    NotAResourceLine {
        /// The statement that does not belong.
        span: Span,
    },
    /// `resource "aws_*_policy"`: a `*` anywhere but at the end of a type.
    #[error("a resource type pattern is a prefix followed by `*`: `{pattern}`")]
    BadPattern {
        /// The type as written.
        pattern: String,
        /// Where it is in the source.
        span: Span,
    },
    /// `--map azure.onus`: a file without a `mapping` line.
    #[error("not a mapping: it has no `mapping` line")]
    NoMappingLine {
        /// Its first statement, if it has one.
        span: Option<Span>,
    },
    /// A rule or declaration in a mapping.
    #[error("a mapping holds only its `mapping` line and `controls` lines")]
    NotAMappingLine {
        /// The statement that does not belong.
        span: Span,
    },
    /// `data: customer always` in a file that starts `tests for "azure"`.
    #[error("a test file holds only tests")]
    NotATest {
        /// Where it is in the source.
        span: Span,
    },
    /// `test "t" { model: iaas } expect {...}` in a policy that also has `tier`.
    #[error("test `{test}` gives no value for dimension `{dimension}`")]
    TestMissingDimension {
        /// The test's name.
        test: String,
        /// The dimension.
        dimension: String,
        /// Where it is in the source.
        span: Span,
    },
}

/// What kind of name an [`ResolveError::UnknownName`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A zone.
    Zone,
    /// A party.
    Party,
    /// A dimension.
    Dimension,
    /// A value of a dimension.
    Value,
    /// A compliance framework, in a `mapping` line.
    Framework,
    /// A control id of a framework.
    Control,
}

impl std::fmt::Display for NameKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NameKind::Zone => "zone",
            NameKind::Party => "party",
            NameKind::Dimension => "dimension",
            NameKind::Value => "value",
            NameKind::Framework => "framework",
            NameKind::Control => "control",
        })
    }
}

fn backticked(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => quoted.join(""),
    }
}

impl ResolveError {
    /// `name` is not among `candidates`: the error, with the closest
    /// candidate as a suggestion and the candidates to list when few.
    pub fn unknown<'a>(
        kind: NameKind,
        name: &Name,
        candidates: impl Iterator<Item = &'a str> + Clone,
    ) -> Self {
        ResolveError::UnknownName {
            kind,
            name: name.clone(),
            suggestion: closest(&name.text, candidates.clone()).map(str::to_string),
            known: candidates.map(str::to_string).collect(),
        }
    }
}

impl ToDiagnostic for ResolveError {
    fn to_diagnostic(&self) -> Diagnostic {
        let message = self.to_string();
        match self {
            ResolveError::UnknownName {
                kind,
                name,
                suggestion,
                known,
            } => {
                let help = match suggestion {
                    Some(s) => Some(format!("did you mean `{s}`?")),
                    None if !known.is_empty() && known.len() <= 12 => {
                        let kinds = match kind {
                            NameKind::Party => "parties".to_string(),
                            other => format!("{other}s"),
                        };
                        Some(format!("known {kinds}: {}", backticked(known)))
                    }
                    None => None,
                };
                Diagnostic::new(Code::UnknownName, message)
                    .with_label(name.span, format!("no such {kind}"))
                    .with_help(help)
                    .with_replacement(suggestion.clone())
            }
            ResolveError::AmbiguousValue { name, dimensions } => {
                let example = format!("{} is {}", dimensions[0], name.text);
                Diagnostic::new(Code::AmbiguousValue, message)
                    .with_label(name.span, "ambiguous")
                    .with_help(Some(format!("name the dimension, as in `{example}`")))
            }
            ResolveError::Duplicate { span, first, .. } => {
                Diagnostic::new(Code::DuplicateDeclaration, message)
                    .with_label(*span, "declared again here")
                    .with_related(*first, "first declared here")
            }
            ResolveError::TooManyValues { name, .. } => {
                Diagnostic::new(Code::TooManyValues, message)
                    .with_label(name.span, "too many values")
            }
            ResolveError::ReservedDimension { name } => Diagnostic::new(
                Code::ReservedName,
                message,
            )
            .with_label(name.span, "reserved")
            .with_help(Some(
                "scenarios use `id` for the record's identifier; name the dimension otherwise"
                    .into(),
            )),
            ResolveError::ReservedParty { name } => Diagnostic::new(Code::ReservedName, message)
                .with_label(name.span, "reserved")
                .with_help(Some(
                    "outputs say `conflict` where rules disagree; name the party otherwise".into(),
                )),
            ResolveError::NoRules => Diagnostic::new(Code::NoRules, message)
                .with_label(Span::new(0, 0), "expected at least one rule")
                .with_help(Some(
                    "a rule reads `<zone>: <party> always`, as in `data: customer always`".into(),
                )),
            ResolveError::TestFile { span, .. } => Diagnostic::new(Code::TestFile, message)
                .with_label(*span, "makes this a test file")
                .with_help(Some("run it with `onus test`".into())),
            ResolveError::MappingFile { whole_file, span } => {
                let (label, help) = match whole_file {
                    true => (
                        "makes this a mapping file",
                        "give it to `onus export` or `onus check` with `--map`",
                    ),
                    false => (
                        "a mapping line",
                        "move it to a mapping file (one that starts `mapping FRAMEWORK`)",
                    ),
                };
                Diagnostic::new(Code::MappingFile, message)
                    .with_label(*span, label)
                    .with_help(Some(help.into()))
            }
            ResolveError::ResourceMapFile { policy, span } => {
                let (label, help) = match policy {
                    Some(_) => (
                        "makes this a resource map",
                        "give it to `onus estate` with `--map`, or check it with `onus check`",
                    ),
                    None => (
                        "a resource map's line",
                        "move it to a resource map (one that starts `resources for \"POLICY\"`)",
                    ),
                };
                Diagnostic::new(Code::MappingFile, message)
                    .with_label(*span, label)
                    .with_help(Some(help.into()))
            }
            ResolveError::NoResourcesFor { span } => {
                let mut diagnostic = Diagnostic::new(Code::NotAResourceMap, message).with_help(
                    Some("a resource map starts `resources for \"POLICY\"`".into()),
                );
                if let Some(span) = span {
                    diagnostic =
                        diagnostic.with_label(*span, "add the `resources for` line before this");
                }
                diagnostic
            }
            ResolveError::NotAResourceLine { span } => {
                Diagnostic::new(Code::NotAResourceMap, message)
                    .with_label(*span, "not a `resource` line")
                    .with_help(Some("rules and declarations belong in a policy".into()))
            }
            ResolveError::BadPattern { pattern, span } => {
                let help = match pattern.split('*').next().unwrap_or_default() {
                    "" => "a pattern needs a prefix, such as `aws_iam_*`; the most specific line wins".to_string(),
                    prefix => format!("write `{prefix}*`, and the types it should not cover on lines of their own: the most specific line wins"),
                };
                Diagnostic::new(Code::BadPattern, message)
                    .with_label(*span, "not a prefix and a `*`")
                    .with_help(Some(help))
            }
            ResolveError::NoMappingLine { span } => {
                let mut diagnostic = Diagnostic::new(Code::NotAMapping, message).with_help(Some(
                    "a mapping starts `mapping FRAMEWORK`, such as `mapping nist-sp-800-53-rev5`"
                        .into(),
                ));
                if let Some(span) = span {
                    diagnostic = diagnostic.with_label(*span, "add the `mapping` line before this");
                }
                diagnostic
            }
            ResolveError::NotAMappingLine { span } => Diagnostic::new(Code::NotAMapping, message)
                .with_label(*span, "not a `controls` line")
                .with_help(Some("rules and declarations belong in a policy".into())),
            ResolveError::NotATest { span } => Diagnostic::new(Code::NotATest, message)
                .with_label(*span, "not a test")
                .with_help(Some(
                    "put rules and declarations in the policy the test file names".into(),
                )),
            ResolveError::TestMissingDimension {
                span, dimension, ..
            } => Diagnostic::new(Code::MissingDimension, message)
                .with_label(*span, format!("add `{dimension}: ...`")),
        }
    }
}

/// The prelude's dimension, for a policy that declares no dimension: one
/// that declares any has exactly the dimensions it declares.
pub const PRELUDE_MODEL: [&str; 4] = ["on-prem", "iaas", "paas", "saas"];

/// Resolves a parsed policy. `name` is what the user called the policy.
pub fn resolve(
    file: &PolicyFile,
    name: &str,
    source: &Source,
) -> Result<Policy, Vec<ResolveError>> {
    if let Some(errors) = other_file(file) {
        return Err(errors);
    }
    let lenient = resolve_lenient(file, name, source);
    match (lenient.policy, lenient.errors.is_empty()) {
        (Some(policy), true) => Ok(policy),
        _ => Err(lenient.errors),
    }
}

/// The error that says the file is not a policy (a test file, a resource
/// map, a mapping), if it is not: the whole answer, given before any name.
fn other_file(file: &PolicyFile) -> Option<Vec<ResolveError>> {
    // A test file is not a policy: saying so is the whole answer (its tests
    // would only be reported against zones it cannot have).
    let tests_for = file.statements.iter().find_map(|s| match &s.kind {
        StatementKind::TestsFor(policy) => Some((policy, s.span)),
        _ => None,
    });
    if let Some((policy, span)) = tests_for {
        return Some(vec![ResolveError::TestFile {
            policy: policy.text.clone(),
            span,
        }]);
    }
    let resource_map = file.statements.iter().find_map(|s| match &s.kind {
        StatementKind::ResourcesFor(policy) => Some((policy, s.span)),
        _ => None,
    });
    if let Some((policy, span)) = resource_map {
        return Some(vec![ResolveError::ResourceMapFile {
            policy: Some(policy.text.clone()),
            span,
        }]);
    }
    let mapping = file
        .statements
        .iter()
        .find(|s| matches!(s.kind, StatementKind::Mapping { .. }));
    if let Some(mapping) = mapping {
        return Some(vec![ResolveError::MappingFile {
            whole_file: true,
            span: mapping.span,
        }]);
    }
    None
}

/// A policy resolved with its broken statements set aside: what
/// [`resolve_lenient`] gives.
#[derive(Debug)]
pub struct Lenient {
    /// The policy without the rules, assertions and tests that do not
    /// resolve; `None` when an error is not theirs alone (a declaration, the
    /// default, a statement that belongs in another kind of file), since
    /// then every zone's answers may be wrong.
    pub policy: Option<Policy>,
    /// Every error, in source order of discovery.
    pub errors: Vec<ResolveError>,
    /// The zones a rule that does not resolve would have decided, each
    /// with that rule's span: analysing them without it could report a
    /// finding that is not there, or miss one.
    pub withheld: Vec<(ZoneId, Span)>,
}

impl Lenient {
    /// Each zone that lost a rule, once, in the order first found, with the
    /// spans of its rules that were set aside.
    pub fn withheld_zones(&self) -> Vec<(ZoneId, Vec<Span>)> {
        let mut zones: Vec<(ZoneId, Vec<Span>)> = Vec::new();
        for &(zone, span) in &self.withheld {
            match zones.iter_mut().find(|(z, _)| *z == zone) {
                Some((_, spans)) => spans.push(span),
                None => zones.push((zone, vec![span])),
            }
        }
        zones
    }
}

/// [`resolve`], keeping what does resolve: a rule, assertion or test with
/// an error is reported and set aside, and the policy is the rest. A rule
/// whose zone is unknown is charged to the zone its name most likely
/// meant, if any.
pub fn resolve_lenient(file: &PolicyFile, name: &str, source: &Source) -> Lenient {
    let mut resolver = Resolver {
        errors: Vec::new(),
        first_seen: HashMap::new(),
        local_errors: 0,
        withheld: Vec::new(),
    };
    if let Some(errors) = other_file(file) {
        return Lenient {
            policy: None,
            errors,
            withheld: Vec::new(),
        };
    }
    let policy = resolver.policy(file, name, source);
    let global = resolver.errors.len() - resolver.local_errors;
    Lenient {
        policy: (global == 0).then_some(policy),
        errors: resolver.errors,
        withheld: resolver.withheld,
    }
}

/// Resolves the tests of a test file (one that starts `tests for "..."`)
/// against the policy it names.
pub fn resolve_tests(file: &PolicyFile, policy: &Policy) -> Result<Vec<Test>, Vec<ResolveError>> {
    let mut resolver = Resolver {
        errors: Vec::new(),
        first_seen: HashMap::new(),
        local_errors: 0,
        withheld: Vec::new(),
    };
    let scope = Scope::new(
        &policy.dimensions,
        &policy.parties,
        policy.zones.clone(),
        true,
    );
    let mut tests = Vec::new();
    for statement in &file.statements {
        match &statement.kind {
            StatementKind::Test(test) => {
                resolver.declare("test", &test.name.text, test.name.span);
                if let Some(test) = resolver.test(&scope, test, statement.span) {
                    tests.push(test);
                }
            }
            StatementKind::TestsFor(_) => {
                resolver.declare("`tests for`", "", statement.span);
            }
            _ => resolver.errors.push(ResolveError::NotATest {
                span: statement.span,
            }),
        }
    }
    if resolver.errors.is_empty() {
        Ok(tests)
    } else {
        Err(resolver.errors)
    }
}

struct Resolver {
    errors: Vec<ResolveError>,
    /// (what, name) to where it was first declared, to report duplicates.
    first_seen: HashMap<(&'static str, String), Span>,
    /// How many of `errors` belong to a rule, assertion or test alone, set
    /// aside without touching the rest of the policy.
    local_errors: usize,
    /// The zones whose rule was set aside, with its span.
    withheld: Vec<(ZoneId, Span)>,
}

impl Resolver {
    /// Records a declaration; false (and an error) if it was declared before.
    fn declare(&mut self, what: &'static str, name: &str, span: Span) -> bool {
        match self.first_seen.get(&(what, name.to_string())) {
            Some(first) => {
                self.errors.push(ResolveError::Duplicate {
                    what,
                    name: name.to_string(),
                    span,
                    first: *first,
                });
                false
            }
            None => {
                self.first_seen.insert((what, name.to_string()), span);
                true
            }
        }
    }

    fn policy(&mut self, file: &PolicyFile, name: &str, source: &Source) -> Policy {
        let mut title = None;
        let mut parties = vec![party("customer"), party("provider"), party("shared")];
        let mut dimensions: Vec<Dimension> = Vec::new();
        let mut zones: Vec<Zone> = Vec::new();
        let mut default_name: Option<&Name> = None;

        for statement in &file.statements {
            let span = statement.span;
            match &statement.kind {
                StatementKind::Title(text) => {
                    if self.declare("the policy title", "", span) {
                        title = Some(text.text.clone());
                    }
                }
                StatementKind::Party { name, label } => {
                    if name.text == "conflict" {
                        self.errors
                            .push(ResolveError::ReservedParty { name: name.clone() });
                    } else if self.declare("party", &name.text, name.span) {
                        let label = label.as_ref().map(|l| l.text.clone());
                        match parties.iter_mut().find(|p| p.name == name.text) {
                            Some(existing) => existing.label = label,
                            None => parties.push(Party {
                                name: name.text.clone(),
                                label,
                            }),
                        }
                    }
                }
                StatementKind::Zone { name, label } => {
                    if self.declare("zone", &name.text, name.span) {
                        zones.push(Zone {
                            name: name.text.clone(),
                            label: label.as_ref().map(|l| l.text.clone()),
                            span: name.span,
                            declared: true,
                        });
                    }
                }
                StatementKind::Dimension { name, values } => {
                    if name.text == "id" {
                        self.errors
                            .push(ResolveError::ReservedDimension { name: name.clone() });
                    } else if self.declare("dimension", &name.text, name.span) {
                        dimensions.push(self.dimension(name, values));
                    }
                }
                StatementKind::Default(party_name) => {
                    if self.declare("the default party", "", span) {
                        default_name = Some(party_name);
                    }
                }
                // `resolve` answers a test file before it gets here.
                StatementKind::Controls(_) => self.errors.push(ResolveError::MappingFile {
                    whole_file: false,
                    span,
                }),
                StatementKind::Resource(_) => self
                    .errors
                    .push(ResolveError::ResourceMapFile { policy: None, span }),
                StatementKind::TestsFor(_)
                | StatementKind::ResourcesFor(_)
                | StatementKind::Mapping { .. }
                | StatementKind::Rule(_)
                | StatementKind::Assert(_)
                | StatementKind::Test(_) => {}
            }
        }
        let declares_dimensions = file
            .statements
            .iter()
            .any(|s| matches!(s.kind, StatementKind::Dimension { .. }));
        if !declares_dimensions {
            dimensions.insert(
                0,
                Dimension {
                    name: "model".into(),
                    values: PRELUDE_MODEL.iter().map(|v| v.to_string()).collect(),
                    span: None,
                },
            );
        }

        let default_party = default_name
            .and_then(|n| self.party(&parties, n))
            .unwrap_or(CUSTOMER);
        let zones_declared = !zones.is_empty();
        let mut scope = Scope::new(&dimensions, &parties, zones, zones_declared);

        let mut rules = Vec::new();
        let mut assertions = Vec::new();
        let mut tests = Vec::new();
        for statement in &file.statements {
            if let StatementKind::Rule(rule) = &statement.kind {
                let before = self.errors.len();
                let zone = scope.rule_zone(self, &rule.zone);
                let party = self.party(scope.parties, &rule.party);
                let condition = self.qualifier(&scope, &rule.qualifier);
                if let (Some(zone), Some(party), Some(condition)) = (zone, party, condition) {
                    rules.push(Rule {
                        zone,
                        party,
                        condition,
                        enabled_by_default: rule.enabled_by_default,
                        because: rule.because.as_ref().map(|b| b.text.clone()),
                        span: statement.span,
                        qualifier_span: Span::new(rule.party.span.end, statement.span.end),
                    });
                } else {
                    self.local_errors += self.errors.len() - before;
                    let meant = zone.or_else(|| scope.closest_zone(&rule.zone.text));
                    self.withheld
                        .extend(meant.map(|zone| (zone, statement.span)));
                }
            }
        }
        // Assertions and tests last: they may name any zone a rule mentions.
        for statement in &file.statements {
            // An assertion or a test that does not resolve is set aside:
            // the rules, and so every zone's findings, are whole without it.
            let before = self.errors.len();
            match &statement.kind {
                StatementKind::Assert(assertion) => {
                    let zone = scope.existing_zone(self, &assertion.zone);
                    let party = self.party(scope.parties, &assertion.party);
                    let condition = self.qualifier(&scope, &assertion.qualifier);
                    if let (Some(zone), Some(party), Some(condition)) = (zone, party, condition) {
                        assertions.push(Assertion {
                            zone,
                            party,
                            condition,
                            span: statement.span,
                        });
                    }
                }
                StatementKind::Test(test) => {
                    // A test named twice is reported and not run twice.
                    let first = self.declare("test", &test.name.text, test.name.span);
                    if let Some(test) = self.test(&scope, test, statement.span).filter(|_| first) {
                        tests.push(test);
                    }
                }
                _ => {}
            }
            self.local_errors += self.errors.len() - before;
        }
        // No rule at all is the policy's error, whatever else is wrong (a
        // policy whose rules all fail to resolve has their errors instead).
        let writes_rules =
            (file.statements.iter()).any(|s| matches!(s.kind, StatementKind::Rule(_)));
        if rules.is_empty() && (self.errors.is_empty() || !writes_rules) {
            self.errors.push(ResolveError::NoRules);
        }
        let zones = std::mem::take(&mut scope.zones);
        let mut zone_rules = vec![Vec::new(); zones.len()];
        for (id, rule) in rules.iter().enumerate() {
            zone_rules[rule.zone].push(id);
        }
        let marks_enabled_by_default = rules.iter().any(|r| r.enabled_by_default);
        Policy {
            name: name.to_string(),
            source: source.clone(),
            title,
            dimensions,
            parties,
            default_party,
            zones,
            rules,
            zone_rules,
            marks_enabled_by_default,
            assertions,
            tests,
        }
    }

    fn dimension(&mut self, name: &Name, values: &[Name]) -> Dimension {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut kept = Vec::new();
        for value in values {
            if let Some(first) = seen.get(value.text.as_str()) {
                self.errors.push(ResolveError::Duplicate {
                    what: "value",
                    name: value.text.clone(),
                    span: value.span,
                    first: *first,
                });
            } else {
                seen.insert(&value.text, value.span);
                kept.push(value.text.clone());
            }
        }
        if kept.len() > MAX_VALUES {
            self.errors.push(ResolveError::TooManyValues {
                name: name.clone(),
                count: kept.len(),
            });
            kept.truncate(MAX_VALUES);
        }
        Dimension {
            name: name.text.clone(),
            values: kept,
            span: Some(name.span),
        }
    }

    fn party(&mut self, parties: &[Party], name: &Name) -> Option<PartyId> {
        let found = parties.iter().position(|p| p.name == name.text);
        if found.is_none() {
            let names = parties.iter().map(|p| p.name.as_str());
            self.errors
                .push(ResolveError::unknown(NameKind::Party, name, names));
        }
        found
    }

    fn qualifier(&mut self, scope: &Scope, qualifier: &Qualifier) -> Option<Cond> {
        match qualifier {
            Qualifier::Always => Some(Cond::True),
            Qualifier::When(c) => self.condition(scope, c),
            Qualifier::Unless(c) => self.condition(scope, c).map(|c| Cond::Not(Box::new(c))),
        }
    }

    /// Resolves every part of a condition, so all its errors are reported.
    fn condition(&mut self, scope: &Scope, condition: &Condition) -> Option<Cond> {
        match &condition.kind {
            ConditionKind::Group(inner) => self.condition(scope, inner),
            ConditionKind::Not(inner) => Some(Cond::Not(Box::new(self.condition(scope, inner)?))),
            ConditionKind::And(left, right) => {
                let (left, right) = (self.condition(scope, left), self.condition(scope, right));
                Some(flatten_and(left?, right?))
            }
            ConditionKind::Or(left, right) => {
                let (left, right) = (self.condition(scope, left), self.condition(scope, right));
                Some(flatten_or(left?, right?))
            }
            ConditionKind::Bare(value) => self.bare_value(scope, value),
            ConditionKind::Is {
                dimension,
                value,
                negated,
            } => {
                let d = self.dimension_ref(scope, dimension)?;
                let bit = self.value_ref(&scope.dimensions[d], value)?;
                let dimension = &scope.dimensions[d];
                let set = if *negated {
                    dimension.all() & !bit
                } else {
                    bit
                };
                Some(Cond::In(d, set))
            }
            ConditionKind::In { dimension, values } => {
                let d = self.dimension_ref(scope, dimension)?;
                let mut set = 0;
                let mut ok = true;
                for value in values {
                    match self.value_ref(&scope.dimensions[d], value) {
                        Some(bit) => set |= bit,
                        None => ok = false,
                    }
                }
                ok.then_some(Cond::In(d, set))
            }
        }
    }

    fn bare_value(&mut self, scope: &Scope, value: &Name) -> Option<Cond> {
        let owners: Vec<DimensionId> = scope
            .dimensions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.values.contains(&value.text))
            .map(|(i, _)| i)
            .collect();
        match owners.as_slice() {
            [d] => {
                let index = scope.dimensions[*d].value_index(&value.text)?;
                Some(Cond::In(*d, 1 << index))
            }
            [] => {
                let all = scope
                    .dimensions
                    .iter()
                    .flat_map(|d| d.values.iter().map(String::as_str));
                self.errors
                    .push(ResolveError::unknown(NameKind::Value, value, all));
                None
            }
            _ => {
                self.errors.push(ResolveError::AmbiguousValue {
                    name: value.clone(),
                    dimensions: owners
                        .iter()
                        .map(|d| scope.dimensions[*d].name.clone())
                        .collect(),
                });
                None
            }
        }
    }

    fn dimension_ref(&mut self, scope: &Scope, name: &Name) -> Option<DimensionId> {
        let found = scope.dimensions.iter().position(|d| d.name == name.text);
        if found.is_none() {
            let names = scope.dimensions.iter().map(|d| d.name.as_str());
            self.errors
                .push(ResolveError::unknown(NameKind::Dimension, name, names));
        }
        found
    }

    /// The value's bit in its dimension.
    fn value_ref(&mut self, dimension: &Dimension, value: &Name) -> Option<ValueSet> {
        let found = dimension.value_index(&value.text);
        if found.is_none() {
            let names = dimension.values.iter().map(String::as_str);
            self.errors
                .push(ResolveError::unknown(NameKind::Value, value, names));
        }
        found.map(|i| (1 as ValueSet) << i)
    }

    fn test(&mut self, scope: &Scope, test: &syntax::TestCase, span: Span) -> Option<Test> {
        let mut values: Vec<Option<usize>> = vec![None; scope.dimensions.len()];
        let mut ok = true;
        for (dimension, value) in &test.scenario {
            let Some(d) = self.dimension_ref(scope, dimension) else {
                ok = false;
                continue;
            };
            if values[d].is_some() {
                self.errors.push(ResolveError::Duplicate {
                    what: "dimension",
                    name: dimension.text.clone(),
                    span: dimension.span,
                    first: test
                        .scenario
                        .iter()
                        .find(|(n, _)| n.text == dimension.text)
                        .map_or(dimension.span, |(n, _)| n.span),
                });
                ok = false;
                continue;
            }
            match self.value_ref(&scope.dimensions[d], value) {
                Some(bit) => values[d] = Some(bit.trailing_zeros() as usize),
                None => ok = false,
            }
        }
        for (d, value) in values.iter_mut().enumerate() {
            // A dimension with one value can only take that value.
            if value.is_none() && scope.dimensions[d].values.len() == 1 {
                *value = Some(0);
            }
            if value.is_none() && ok {
                self.errors.push(ResolveError::TestMissingDimension {
                    test: test.name.text.clone(),
                    dimension: scope.dimensions[d].name.clone(),
                    span: test.name.span,
                });
                ok = false;
            }
        }
        let mut expect: Vec<(ZoneId, PartyId, Span)> = Vec::new();
        let mut first_of: HashMap<&str, Span> = HashMap::new();
        for (zone, party) in &test.expect {
            let first = *first_of.entry(&zone.text).or_insert(zone.span);
            if first.start != zone.span.start {
                self.errors.push(ResolveError::Duplicate {
                    what: "expectation for zone",
                    name: zone.text.clone(),
                    span: zone.span,
                    first,
                });
                ok = false;
                continue;
            }
            let z = scope.existing_zone(self, zone);
            let p = self.party(scope.parties, party);
            match (z, p) {
                (Some(z), Some(p)) => expect.push((z, p, zone.span.to(party.span))),
                _ => ok = false,
            }
        }
        ok.then(|| Test {
            name: test.name.text.clone(),
            scenario: Scenario {
                values: values.into_iter().map(|v| v.unwrap_or(0)).collect(),
            },
            expect,
            span,
        })
    }
}

/// The names rules may refer to.
struct Scope<'a> {
    dimensions: &'a [Dimension],
    parties: &'a [Party],
    zones: Vec<Zone>,
    /// Each zone's position by name: a policy may have thousands.
    zone_ids: HashMap<String, ZoneId>,
    zones_declared: bool,
}

impl<'a> Scope<'a> {
    fn new(
        dimensions: &'a [Dimension],
        parties: &'a [Party],
        zones: Vec<Zone>,
        zones_declared: bool,
    ) -> Self {
        let mut zone_ids = HashMap::with_capacity(zones.len());
        for (id, zone) in zones.iter().enumerate() {
            zone_ids.entry(zone.name.clone()).or_insert(id);
        }
        Scope {
            dimensions,
            parties,
            zones,
            zone_ids,
            zones_declared,
        }
    }

    /// The zone a rule names; a rule introduces a zone when the policy
    /// declares none.
    fn rule_zone(&mut self, resolver: &mut Resolver, name: &Name) -> Option<ZoneId> {
        if let Some(&i) = self.zone_ids.get(&name.text) {
            return Some(i);
        }
        if !self.zones_declared {
            self.zones.push(Zone {
                name: name.text.clone(),
                label: None,
                span: name.span,
                declared: false,
            });
            self.zone_ids
                .insert(name.text.clone(), self.zones.len() - 1);
            return Some(self.zones.len() - 1);
        }
        self.existing_zone(resolver, name)
    }

    /// The zone a misspelt zone name most likely meant.
    fn closest_zone(&self, name: &str) -> Option<ZoneId> {
        let names = self.zones.iter().map(|z| z.name.as_str());
        let near = crate::base::names::closest(name, names)?;
        self.zone_ids.get(near).copied()
    }

    fn existing_zone(&self, resolver: &mut Resolver, name: &Name) -> Option<ZoneId> {
        let found = self.zone_ids.get(&name.text).copied();
        if found.is_none() {
            let names = self.zones.iter().map(|z| z.name.as_str());
            resolver
                .errors
                .push(ResolveError::unknown(NameKind::Zone, name, names));
        }
        found
    }
}

fn party(name: &str) -> Party {
    Party {
        name: name.to_string(),
        label: None,
    }
}

fn flatten_and(left: Cond, right: Cond) -> Cond {
    let mut all = Vec::new();
    for c in [left, right] {
        match c {
            Cond::And(inner) => all.extend(inner),
            other => all.push(other),
        }
    }
    Cond::And(all)
}

fn flatten_or(left: Cond, right: Cond) -> Cond {
    let mut any = Vec::new();
    for c in [left, right] {
        match c {
            Cond::Or(inner) => any.extend(inner),
            other => any.push(other),
        }
    }
    Cond::Or(any)
}
