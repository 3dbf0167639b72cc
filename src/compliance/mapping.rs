//! Mappings: which controls of a compliance framework each zone carries.
//!
//! A mapping is a file in the Onus language that starts `mapping
//! FRAMEWORK` and has one `ZONE: controls ID, ID ... because "..."` line a
//! zone. It names zones, not a policy, so one mapping serves every policy
//! that uses the same zone names; a policy with other names brings its own.
//! Control ids are checked against the framework's catalog, which Onus
//! carries (`policies/catalogs/`).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use crate::base::assets::{
    CCM_V4_CATALOG, NIST_800_53_HIGH_CATALOG, NIST_800_53_LOW_BASELINE,
    NIST_800_53_MODERATE_BASELINE,
};
use crate::base::names::closest;
use crate::base::span::Span;
use crate::compliance::responsibility::is_not_applicable;
use crate::diagnostic::code::Code;
use crate::diagnostic::{Diagnostic, Source, ToDiagnostic};
use crate::engine::analysis::{Region, Space, Undecided, Witness};
use crate::model::answers::Holder;
use crate::model::policy::{Policy, ZoneId};
use crate::model::resolve::{NameKind, ResolveError};
use crate::syntax::{Name, PolicyFile, StatementKind};

/// A compliance framework whose control ids Onus knows.
#[derive(Debug)]
pub struct Framework {
    /// Its name in a `mapping` line: `nist-sp-800-53-rev5`.
    pub name: &'static str,
    /// Its full name, for exports.
    pub title: &'static str,
    /// Which family of exports it feeds.
    pub kind: FrameworkKind,
    catalog_text: &'static str,
    catalog: OnceLock<Vec<Control>>,
    /// Its baselines, the first the default; none where every control
    /// is the baseline (CCM).
    pub baselines: &'static [Baseline],
}

/// A baseline of a framework: the controls an export covers, every one,
/// carried by some zone or not.
#[derive(Debug)]
pub struct Baseline {
    /// Its name for `--baseline`: `high`.
    pub name: &'static str,
    /// Its full name, for exports.
    pub title: &'static str,
    /// The OSCAL profile that selects it, which SSPs import.
    pub profile: &'static str,
    /// Its controls, as the catalog's list is written (`id\ttitle`
    /// lines); `None` for the whole catalog.
    ids_text: Option<&'static str>,
}

/// NIST SP 800-53 rev. 5's baselines (SP 800-53B), each within the one
/// before; the profiles are NIST's, whose resolved catalogs are vendored in
/// `tests/fixtures/oscal/`.
static NIST_BASELINES: [Baseline; 3] = [
    Baseline {
        name: "high",
        title: "HIGH baseline",
        profile: crate::compliance::oscal::DEFAULT_PROFILE,
        ids_text: None,
    },
    Baseline {
        name: "moderate",
        title: "MODERATE baseline",
        profile: "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json",
        ids_text: Some(NIST_800_53_MODERATE_BASELINE),
    },
    Baseline {
        name: "low",
        title: "LOW baseline",
        profile: "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_LOW-baseline_profile.json",
        ids_text: Some(NIST_800_53_LOW_BASELINE),
    },
];

/// Which exports a framework's controls can go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameworkKind {
    /// NIST SP 800-53: OSCAL system security plans and FedRAMP's CRM.
    Nist80053,
    /// CSA's Cloud Controls Matrix: the CAIQ's SSRM ownership.
    CsaCcm,
}

/// One control of a framework's catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Control {
    /// Its id as the catalog writes it: `ac-2.1`, `A&A-01`.
    pub id: String,
    /// Its title: NIST's own, or Onus's short paraphrase for CSA's.
    pub title: String,
}

impl Framework {
    /// Every control, in catalog order.
    pub fn controls(&self) -> &[Control] {
        self.catalog.get_or_init(|| {
            self.catalog_text
                .lines()
                .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
                .map(|line| {
                    let (id, title) = line.split_once('\t').unwrap_or((line, ""));
                    Control {
                        id: id.to_string(),
                        title: title.to_string(),
                    }
                })
                .collect()
        })
    }

    /// The catalog index of a control id, if the catalog has it.
    pub fn control_index(&self, id: &str) -> Option<usize> {
        self.controls().iter().position(|c| c.id == id)
    }

    /// The baseline of that name (the default where `None`); `None` for a
    /// name the framework has no baseline of, or any name where it has no
    /// baselines at all.
    pub fn baseline(&self, name: Option<&str>) -> Option<&'static Baseline> {
        match name {
            None => self.baselines.first(),
            Some(name) => self.baselines.iter().find(|b| b.name == name),
        }
    }

    /// The catalog indices of a baseline's controls, in catalog order:
    /// every control where `baseline` is `None`.
    pub fn baseline_controls(&self, baseline: Option<&Baseline>) -> Vec<usize> {
        match baseline.and_then(|b| b.ids_text) {
            None => (0..self.controls().len()).collect(),
            Some(text) => (text.lines())
                .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
                .filter_map(|line| self.control_index(line.split('\t').next().unwrap_or(line)))
                .collect(),
        }
    }
}

/// The frameworks Onus carries a catalog of.
pub static FRAMEWORKS: [Framework; 2] = [
    Framework {
        name: "nist-sp-800-53-rev5",
        title: "NIST SP 800-53 Rev. 5",
        kind: FrameworkKind::Nist80053,
        catalog_text: NIST_800_53_HIGH_CATALOG,
        catalog: OnceLock::new(),
        baselines: &NIST_BASELINES,
    },
    Framework {
        name: "csa-ccm-v4",
        title: "CSA Cloud Controls Matrix v4",
        kind: FrameworkKind::CsaCcm,
        catalog_text: CCM_V4_CATALOG,
        catalog: OnceLock::new(),
        baselines: &[],
    },
];

/// A resolved mapping: every control id found in its framework's catalog.
#[derive(Clone, Debug)]
pub struct Mapping {
    /// What the user called it: a built-in mapping's name or a path.
    pub name: String,
    /// Its text, for locating diagnostics.
    pub source: Source,
    /// The framework its controls belong to.
    pub framework: &'static Framework,
    /// The quoted title of its `mapping` line, if any.
    pub title: Option<String>,
    /// Where its `mapping` line is.
    pub span: Span,
    /// One entry a zone, in source order.
    pub entries: Vec<MapEntry>,
}

/// One `ZONE: controls ...` line, or one `every zone: controls ...` line.
#[derive(Clone, Debug)]
pub struct MapEntry {
    /// The zone's name, with where it is written (`every zone` for an
    /// every-zone line).
    pub zone: Name,
    /// Every zone of a policy carries these controls, each party for its
    /// own part.
    pub every_zone: bool,
    /// Indices into the framework's controls, as written, with their spans.
    pub controls: Vec<(usize, Span)>,
    /// The reason after `because`, if any.
    pub because: Option<String>,
}

impl Mapping {
    /// The entry of a zone name, if the mapping has one.
    pub fn entry(&self, zone: &str) -> Option<&MapEntry> {
        (self.entries.iter()).find(|e| !e.every_zone && e.zone.text == zone)
    }

    /// The lines that give a zone controls: its own, if any, then every
    /// `every zone` line. A control on both is the zone's by its own line
    /// (whose reason is the more specific): take the first of each.
    pub fn carried_by(&self, zone: &str) -> impl Iterator<Item = &MapEntry> {
        let own = self.entry(zone);
        own.into_iter()
            .chain(self.entries.iter().filter(|e| e.every_zone))
    }
}

/// Resolves a parsed mapping file. `name` is what the user called it.
pub fn resolve_mapping(
    file: &PolicyFile,
    name: &str,
    source: &Source,
) -> Result<Mapping, Vec<ResolveError>> {
    let mut errors = Vec::new();
    let mut header: Option<(&Name, Option<String>, Span)> = None;
    for statement in &file.statements {
        if let StatementKind::Mapping { framework, title } = &statement.kind {
            match &header {
                None => {
                    header = Some((
                        framework,
                        title.as_ref().map(|t| t.text.clone()),
                        statement.span,
                    ))
                }
                Some((_, _, first)) => errors.push(ResolveError::Duplicate {
                    what: "`mapping` line",
                    name: String::new(),
                    span: statement.span,
                    first: *first,
                }),
            }
        }
    }
    let Some((framework_name, title, header_span)) = header else {
        return Err(vec![ResolveError::NoMappingLine {
            span: file.statements.first().map(|s| s.span),
        }]);
    };
    let framework = FRAMEWORKS.iter().find(|f| f.name == framework_name.text);
    if framework.is_none() {
        errors.push(ResolveError::unknown(
            NameKind::Framework,
            framework_name,
            FRAMEWORKS.iter().map(|f| f.name),
        ));
    }
    let mut entries = Vec::new();
    let mut zones_seen: HashMap<&str, Span> = HashMap::new();
    for statement in &file.statements {
        let line = match &statement.kind {
            StatementKind::Mapping { .. } => continue,
            StatementKind::Controls(line) => line,
            _ => {
                errors.push(ResolveError::NotAMappingLine {
                    span: statement.span,
                });
                continue;
            }
        };
        // A repeated zone is an error, and its line's ids are still
        // checked, so that no error waits behind another. `every zone` may
        // have several lines (one a family, say).
        let repeated = match line.every_zone {
            true => None,
            false => zones_seen.get(line.zone.text.as_str()).copied(),
        };
        if repeated.is_none() && !line.every_zone {
            zones_seen.insert(&line.zone.text, line.zone.span);
        }
        if let Some(first) = repeated {
            errors.push(ResolveError::Duplicate {
                what: "zone",
                name: line.zone.text.clone(),
                span: line.zone.span,
                first,
            });
        }
        let Some(framework) = framework else { continue };
        let mut controls: Vec<(usize, Span)> = Vec::new();
        for control in &line.controls {
            match framework.control_index(&control.text) {
                Some(index) => match controls.iter().find(|(i, _)| *i == index) {
                    Some((_, first)) => errors.push(ResolveError::Duplicate {
                        what: "control",
                        name: control.text.clone(),
                        span: control.span,
                        first: *first,
                    }),
                    None => controls.push((index, control.span)),
                },
                None => errors.push(unknown_control(framework, control)),
            }
        }
        if repeated.is_some() {
            continue;
        }
        entries.push(MapEntry {
            zone: line.zone.clone(),
            every_zone: line.every_zone,
            controls,
            because: line.because.as_ref().map(|b| b.text.clone()),
        });
    }
    // A control on two `every zone` lines is written twice.
    let mut everywhere: HashMap<usize, Span> = HashMap::new();
    for entry in entries.iter().filter(|e| e.every_zone) {
        for &(control, span) in &entry.controls {
            if let Some(&first) = everywhere.get(&control) {
                if let Some(framework) = framework {
                    errors.push(ResolveError::Duplicate {
                        what: "control",
                        name: framework.controls()[control].id.clone(),
                        span,
                        first,
                    });
                }
            }
            everywhere.entry(control).or_insert(span);
        }
    }
    match framework {
        Some(framework) if errors.is_empty() => Ok(Mapping {
            name: name.to_string(),
            source: source.clone(),
            framework,
            title,
            span: header_span,
            entries,
        }),
        _ => Err(errors),
    }
}

/// An unknown control id, with the catalog's id of another case (`AC-2`
/// for `ac-2`) or the closest one as the suggestion.
fn unknown_control(framework: &Framework, control: &Name) -> ResolveError {
    let ids = framework.controls().iter().map(|c| c.id.as_str());
    let same_but_case = ids
        .clone()
        .find(|id| id.eq_ignore_ascii_case(&control.text));
    let mut error = ResolveError::unknown(NameKind::Control, control, ids);
    if let (
        Some(id),
        ResolveError::UnknownName {
            suggestion, known, ..
        },
    ) = (same_but_case, &mut error)
    {
        *suggestion = Some(id.to_string());
        known.clear();
    }
    if let ResolveError::UnknownName { known, .. } = &mut error {
        // A catalog of hundreds of ids is no help listed in full.
        known.clear();
    }
    error
}

/// What `onus check POLICY --map MAPPING` finds: how a mapping fits a
/// policy.
#[derive(Clone, Debug, PartialEq)]
pub enum MappingFinding {
    /// A zone of the policy the mapping gives no control: exports leave it
    /// out. Located in the policy.
    UnmappedZone {
        /// The mapping's name.
        mapping: String,
        /// The zone.
        zone: ZoneId,
        /// Its name.
        name: String,
        /// Its declaration or first rule.
        span: Span,
    },
    /// A zone of the mapping the policy does not have, close to a zone of
    /// the policy the mapping does not map: most likely a typo. Located in
    /// the mapping.
    UnknownZone {
        /// The policy's name.
        policy: String,
        /// The zone as the mapping writes it.
        name: Name,
        /// The policy's zone it is close to.
        suggestion: String,
    },
    /// A control carried by zones that different parties hold in some
    /// scenario: there it is shared. Located in the mapping.
    SharedControl {
        /// The policy's name.
        policy: String,
        /// The control's id.
        control: String,
        /// Each zone that carries it: the control's place in its line, the
        /// zone's name, and who holds it in the witness.
        zones: Vec<(Span, String, String)>,
        /// A scenario where the holders differ: dimension and value.
        scenario: Vec<(String, String)>,
        /// Its dimensions whose value does not matter.
        any_value: Vec<String>,
    },
    /// Controls of the framework's default baseline (its whole catalog
    /// where it has none) that no zone of the policy carries: exports list
    /// them as not covered. Located at the mapping's `mapping` line.
    UncoveredControls {
        /// The policy's name.
        policy: String,
        /// The baseline's title, or the framework's.
        baseline: &'static str,
        /// How many controls the baseline has.
        of: usize,
        /// The controls, in catalog order.
        controls: Vec<String>,
        /// The `mapping` line.
        span: Span,
    },
    /// The analysis could not decide within its budget whether a control's
    /// zones can differ: nothing is claimed about it.
    Undecided {
        /// The policy's name.
        policy: String,
        /// The control's id.
        control: String,
        /// Its first place in the mapping.
        span: Span,
    },
}

/// How a mapping fits a policy: unmapped zones, zones the policy lacks
/// (where an unmapped policy zone is close), and controls whose zones can be held by
/// different parties, each with a scenario that shows it. Ordered: the
/// policy's zones in order, then the mapping's lines and controls in order.
pub fn mapping_findings(policy: &Policy, mapping: &Mapping) -> Vec<MappingFinding> {
    let mut findings = Vec::new();
    for (zone, z) in policy.zones.iter().enumerate() {
        if mapping.carried_by(&z.name).next().is_none() {
            findings.push(MappingFinding::UnmappedZone {
                mapping: mapping.name.clone(),
                zone,
                name: z.name.clone(),
                span: z.span,
            });
        }
    }
    // A typo shows as a policy zone without a line and a mapping zone the
    // policy lacks, close to it; other zones the policy lacks belong to
    // the other policies the mapping serves.
    let unmapped: Vec<&str> = (policy.zones.iter())
        .map(|z| z.name.as_str())
        .filter(|z| mapping.entry(z).is_none())
        .collect();
    // Control (catalog index) to the zones carrying it, with their places.
    let mut carriers: BTreeMap<(usize, usize), Vec<(ZoneId, Span)>> = BTreeMap::new();
    let mut first_seen: HashMap<usize, usize> = HashMap::new();
    // Controls every zone carries are shared by design: not findings.
    for entry in mapping.entries.iter().filter(|e| !e.every_zone) {
        let Some(zone) = policy.zone_index(&entry.zone.text) else {
            if let Some(close) = closest(&entry.zone.text, unmapped.iter().copied()) {
                findings.push(MappingFinding::UnknownZone {
                    policy: policy.name.clone(),
                    name: entry.zone.clone(),
                    suggestion: close.to_string(),
                });
            }
            continue;
        };
        for &(control, span) in &entry.controls {
            let order = first_seen.len();
            let order = *first_seen.entry(control).or_insert(order);
            carriers
                .entry((order, control))
                .or_default()
                .push((zone, span));
        }
    }
    let carried: std::collections::HashSet<usize> = (policy.zones.iter())
        .flat_map(|z| mapping.carried_by(&z.name))
        .flat_map(|e| e.controls.iter().map(|&(c, _)| c))
        .collect();
    // The default baseline's controls, or the whole catalog's.
    let baseline = mapping.framework.baseline(None);
    let controls = mapping.framework.baseline_controls(baseline);
    let uncovered: Vec<String> = (controls.iter())
        .filter(|c| !carried.contains(c))
        .map(|&c| mapping.framework.controls()[c].id.clone())
        .collect();
    if !uncovered.is_empty() {
        findings.push(MappingFinding::UncoveredControls {
            policy: policy.name.clone(),
            baseline: baseline.map_or(mapping.framework.title, |b| b.title),
            of: controls.len(),
            controls: uncovered,
            span: mapping.span,
        });
    }
    let space = Space::of(policy);
    for ((_, control), zones) in carriers {
        if zones.len() < 2 {
            continue;
        }
        let id = mapping.framework.controls()[control].id.clone();
        match space.bounded(|| differing_holders(policy, &space, &zones)) {
            Ok(None) => {}
            Ok(Some(witness)) => {
                let decisions = policy.evaluate(&witness.scenario);
                let holder = |zone: ZoneId| match decisions[zone].party {
                    Some(p) => policy.parties[p].name.clone(),
                    None => "a conflict".to_string(),
                };
                let scenario = (policy.scenario_pairs(&witness.scenario))
                    .map(|(d, v)| (d.to_string(), v.to_string()))
                    .collect();
                let any_value = (witness.free.iter())
                    .map(|&d| policy.dimensions[d].name.clone())
                    .collect();
                findings.push(MappingFinding::SharedControl {
                    policy: policy.name.clone(),
                    control: id,
                    zones: zones
                        .iter()
                        .map(|&(z, span)| (span, policy.zones[z].name.clone(), holder(z)))
                        .collect(),
                    scenario,
                    any_value,
                });
            }
            Err(Undecided) => findings.push(MappingFinding::Undecided {
                policy: policy.name.clone(),
                control: id,
                span: zones[0].1,
            }),
        }
    }
    findings
}

/// A scenario where two of the zones are held by different parties, if
/// there is one: where the first zone is held by a party and another zone
/// is not. A zone held by a not-applicable party (`none`, ...) does not apply there, so takes no part.
fn differing_holders(
    policy: &Policy,
    space: &Space,
    zones: &[(ZoneId, Span)],
) -> Result<Option<Witness>, Undecided> {
    let holders = |zone: ZoneId| -> Result<Vec<(Holder, Region)>, Undecided> {
        let all = crate::engine::partial::holders(space, policy, zone, &space.everything())?;
        // A conflict is not a holder: exports refuse it anyway.
        Ok(all
            .into_iter()
            .filter(|(holder, _, _)| *holder != Holder::Conflict)
            .map(|(holder, region, _)| (holder, region))
            .collect())
    };
    let none = |holder: &Holder| matches!(holder, Holder::Party(name) if is_not_applicable(name));
    let first = holders(zones[0].0)?;
    for &(other, _) in &zones[1..] {
        let theirs = holders(other)?;
        let mut both_apply = space.everything();
        for (holder, region) in first.iter().chain(&theirs) {
            if none(holder) {
                both_apply = space.minus(&both_apply, region)?;
            }
        }
        for (holder, mine) in first.iter().filter(|(h, _)| !none(h)) {
            let mine = space.intersect(mine, &both_apply)?;
            let differ = match theirs.iter().find(|(h, _)| h == holder) {
                Some((_, their)) => space.minus(&mine, their)?,
                None => mine,
            };
            if let Some(witness) = space.witness(&differ) {
                return Ok(Some(witness));
            }
        }
    }
    Ok(None)
}

impl ToDiagnostic for MappingFinding {
    fn to_diagnostic(&self) -> Diagnostic {
        match self {
            MappingFinding::UnmappedZone {
                mapping, name, span, ..
            } => Diagnostic::new(
                Code::UnmappedZone,
                format!("zone `{name}` carries no control of mapping `{mapping}`"),
            )
            .with_label(*span, "no `controls` line for this zone")
            .with_help(Some(format!(
                "add `{name}: controls ...` to the mapping, or exports leave the zone out"
            ))),
            MappingFinding::UnknownZone {
                policy,
                name,
                suggestion,
            } => Diagnostic::new(
                Code::UnknownMappedZone,
                format!("policy `{policy}` has no zone `{}`", name.text),
            )
            .with_label(name.span, "not a zone of the policy")
            .with_help(Some(format!("did you mean `{suggestion}`?")))
            .with_replacement(Some(suggestion.clone())),
            MappingFinding::SharedControl {
                policy,
                control,
                zones,
                scenario,
                any_value,
            } => {
                let mut diagnostic = Diagnostic::new(
                    Code::SharedControl,
                    format!("in policy `{policy}`, control `{control}` is carried by zones with different holders"),
                );
                for (i, (span, zone, holder)) in zones.iter().enumerate() {
                    let label = format!("`{zone}`: {holder}");
                    diagnostic = match i {
                        0 => diagnostic.with_label(*span, label),
                        _ => diagnostic.with_related(*span, label),
                    };
                }
                diagnostic
                    .with_help(Some(
                        "the holders shown are the scenario's: an export of it names each of them for the control".into(),
                    ))
                    .with_scenario(scenario.clone(), any_value.clone())
            }
            MappingFinding::UncoveredControls {
                policy,
                baseline,
                of,
                controls,
                span,
            } => Diagnostic::new(
                Code::UncoveredControls,
                format!(
                    "{} of the {of} controls of the {baseline} are carried by no zone of policy `{policy}`: {}",
                    controls.len(),
                    controls.join(", ")
                ),
            )
            .with_label(*span, "this mapping")
            .with_help(Some(
                "give them to the zones that implement them (`ZONE: controls ...`, or `every zone: controls ...` where each party implements its part); exports list them as not covered".into(),
            )),
            MappingFinding::Undecided {
                policy,
                control,
                span,
            } => Diagnostic::new(
                Code::AnalysisLimit,
                format!("could not decide within the analysis budget whether control `{control}` can be shared in policy `{policy}`"),
            )
            .with_label(*span, "here"),
        }
    }
}
