//! A policy's answers for one scenario, control by control: the model that
//! every compliance export (OSCAL, CAIQ, FedRAMP CRM) is rendered from.

use crate::compliance::mapping::{Baseline, Control, Mapping};
use crate::diagnostic::code::Code;
use crate::diagnostic::{Diagnostic, Report};
use crate::model::policy::{PartyId, Policy, RuleId, Scenario, ZoneId, CUSTOMER, PROVIDER, SHARED};

/// Parties that say a zone does not apply (`none`, as `azure-services` has
/// it for Kubernetes zones outside AKS; `not-applicable`, as `gcp` and
/// `azure-baselines` have it) or that the source says nothing of it
/// (`not-listed`, `azure-baselines`' features a service's workbook has no
/// row for): exports leave such zones out, on every side.
pub const NOT_APPLICABLE_PARTIES: [&str; 3] = ["none", "not-applicable", "not-listed"];

/// Whether a party of that name says a zone does not apply.
pub fn is_not_applicable(party: &str) -> bool {
    NOT_APPLICABLE_PARTIES.contains(&party)
}

/// Who implements a control, from the holders of the zones that carry it.
/// A party a policy declares (other than `none`) is a third party to which
/// the provider outsources, as CSA's SSRM means it: the provider stays
/// accountable, so its zones are on the provider's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Only the provider.
    Provider,
    /// Only the customer.
    Customer,
    /// The customer, and the provider or its third parties.
    Shared,
    /// Only third parties.
    ThirdParty,
    /// The provider and third parties, not the customer.
    ProviderAndThirdParty,
    /// Every zone carrying it is held by `none`.
    NotApplicable,
    /// No zone of the policy carries it: the mapping says nothing of it,
    /// and the export lists it as such rather than drop it.
    Uncovered,
}

/// What holding a zone means for an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderKind {
    /// `provider`.
    Provider,
    /// `customer`.
    Customer,
    /// `shared`: the provider and the customer.
    Both,
    /// A declared party: a third party of the provider's.
    ThirdParty,
    /// The party `none`: the zone does not apply.
    NotApplicable,
}

impl HolderKind {
    /// The kind of a policy's party.
    pub fn of(policy: &Policy, party: PartyId) -> Self {
        match party {
            PROVIDER => HolderKind::Provider,
            CUSTOMER => HolderKind::Customer,
            SHARED => HolderKind::Both,
            _ if is_not_applicable(&policy.parties[party].name) => HolderKind::NotApplicable,
            _ => HolderKind::ThirdParty,
        }
    }
}

/// One zone carrying a control, and who holds it in the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    /// The zone.
    pub zone: ZoneId,
    /// Who holds it.
    pub party: PartyId,
    /// The rules that decided, in source order; empty where the default did.
    pub rules: Vec<RuleId>,
    /// The mapping's reason for giving the zone this control.
    pub reason: Option<String>,
}

/// One control of the mapping, as the policy answers it in the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlAnswer {
    /// The control's index in the framework's catalog.
    pub control: usize,
    /// Every zone of the policy that carries it, in the policy's zone order.
    pub holdings: Vec<Holding>,
    /// Who implements it.
    pub ownership: Ownership,
}

/// What an export is made of: the policy, the mapping, the scenario and
/// each mapped control's answer, in catalog order.
#[derive(Clone, Debug)]
pub struct Export<'a> {
    /// The policy evaluated.
    pub policy: &'a Policy,
    /// The mapping from its zones to controls.
    pub mapping: &'a Mapping,
    /// The scenario evaluated.
    pub scenario: &'a Scenario,
    /// The baseline whose controls it covers (none for a framework without
    /// baselines: all its controls).
    pub baseline: Option<&'static Baseline>,
    /// Every control of the baseline, in catalog order, carried or not.
    pub answers: Vec<ControlAnswer>,
}

impl<'a> Export<'a> {
    /// Evaluates `policy` in `scenario` and gathers the answers control by
    /// control. A zone the mapping carries that has no single holder here
    /// (a conflict) is an error: an export must not guess.
    pub fn new(
        policy: &'a Policy,
        mapping: &'a Mapping,
        scenario: &'a Scenario,
        baseline: Option<&'static Baseline>,
    ) -> Result<Self, Report> {
        let decisions = policy.evaluate(scenario);
        let mut conflicts = Vec::new();
        let mut by_control: Vec<Vec<Holding>> =
            vec![Vec::new(); mapping.framework.controls().len()];
        for decision in &decisions {
            let zone = &policy.zones[decision.zone];
            let mut entries = mapping.carried_by(&zone.name).peekable();
            if entries.peek().is_none() {
                continue;
            }
            let Some(party) = decision.party else {
                conflicts.push(conflict(policy, scenario, decision.zone, &decision.rules));
                continue;
            };
            // A control on the zone's line and on an `every zone` line is
            // carried once, with the zone's own reason.
            let mut carried = std::collections::HashSet::new();
            for entry in entries {
                for &(control, _) in &entry.controls {
                    if !carried.insert(control) {
                        continue;
                    }
                    by_control[control].push(Holding {
                        zone: decision.zone,
                        party,
                        rules: decision.rules.clone(),
                        reason: entry.because.clone(),
                    });
                }
            }
        }
        if !conflicts.is_empty() {
            return Err(Report::new(policy.source.clone(), conflicts));
        }
        let answers = (mapping.framework.baseline_controls(baseline).into_iter())
            .map(|control| {
                let holdings = std::mem::take(&mut by_control[control]);
                ControlAnswer {
                    control,
                    ownership: ownership(policy, &holdings),
                    holdings,
                }
            })
            .collect();
        Ok(Export {
            policy,
            mapping,
            scenario,
            baseline,
            answers,
        })
    }

    /// The catalog entry of an answer's control.
    pub fn control(&self, answer: &ControlAnswer) -> &'a Control {
        &self.mapping.framework.controls()[answer.control]
    }

    /// The policy's name without folders or `.onus`: what identifies it in
    /// UUIDs, so that `azure` and `policies/azure.onus` give the same ones.
    pub fn policy_id(&self) -> &str {
        self.policy.stem()
    }

    /// One line per holding of `party`'s side of a control ("Physical
    /// datacenter: Microsoft runs the datacenters."), from the deciding
    /// rules' `because` (or the default), then the mapping's reason.
    pub fn describe(&self, answer: &ControlAnswer, side: Side) -> Vec<String> {
        (answer.holdings.iter())
            .filter(|h| side.includes(HolderKind::of(self.policy, h.party)))
            .map(|h| self.describe_holding(h))
            .collect()
    }

    /// "Zone label (held by P): why; carries the control because ..."
    pub fn describe_holding(&self, holding: &Holding) -> String {
        let policy = self.policy;
        let zone = policy.zones[holding.zone].display();
        let party = policy.parties[holding.party].display();
        let why: Vec<&str> = (holding.rules.iter())
            .filter_map(|&r| policy.rules[r].because.as_deref())
            .collect();
        let why = match (holding.rules.is_empty(), why.is_empty()) {
            (true, _) => "no rule decides; the policy's default holds".to_string(),
            (false, true) => format!(
                "decided by the rule at line {}",
                policy
                    .source
                    .line_column(policy.rules[holding.rules[0]].span.start)
                    .0
            ),
            (false, false) => why.join(" "),
        };
        match &holding.reason {
            Some(reason) => format!("{zone} ({party}): {why} (zone carries the control: {reason})"),
            None => format!("{zone} ({party}): {why}"),
        }
    }
}

/// Which side of a control a description is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// What the provider answers for: zones it holds alone or shares, and
    /// its third parties' zones.
    Provider,
    /// What the customer must do: zones it holds alone or shares.
    Customer,
    /// What third parties do, on the provider's behalf.
    ThirdParty,
}

impl Side {
    /// Whether a holder of this kind does something on this side.
    pub fn includes(self, kind: HolderKind) -> bool {
        use HolderKind::*;
        match self {
            Side::Provider => matches!(kind, Provider | Both | ThirdParty),
            Side::Customer => matches!(kind, Customer | Both),
            Side::ThirdParty => kind == ThirdParty,
        }
    }
}

fn ownership(policy: &Policy, holdings: &[Holding]) -> Ownership {
    if holdings.is_empty() {
        return Ownership::Uncovered;
    }
    let any = |kinds: &[HolderKind]| {
        (holdings.iter()).any(|h| kinds.contains(&HolderKind::of(policy, h.party)))
    };
    let provider = any(&[HolderKind::Provider, HolderKind::Both]);
    let customer = any(&[HolderKind::Customer, HolderKind::Both]);
    let third = any(&[HolderKind::ThirdParty]);
    match (customer, provider, third) {
        (true, false, false) => Ownership::Customer,
        (true, _, _) => Ownership::Shared,
        (false, true, false) => Ownership::Provider,
        (false, true, true) => Ownership::ProviderAndThirdParty,
        (false, false, true) => Ownership::ThirdParty,
        (false, false, false) => Ownership::NotApplicable,
    }
}

fn conflict(policy: &Policy, scenario: &Scenario, zone: ZoneId, rules: &[RuleId]) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(
        Code::Conflict,
        format!(
            "zone `{}` has no single holder in {}: an export cannot say who implements its controls",
            policy.zones[zone].name,
            policy.scenario_text(scenario, ", ")
        ),
    );
    for (i, &rule) in rules.iter().enumerate() {
        let party = policy.parties[policy.rules[rule].party].name.as_str();
        let (span, label) = (policy.rules[rule].span, format!("gives it to `{party}`"));
        diagnostic = match i {
            0 => diagnostic.with_label(span, label),
            _ => diagnostic.with_related(span, label),
        };
    }
    diagnostic.with_help(Some(
        "run `onus check` on the policy, and make one rule win or mark the zone `shared`".into(),
    ))
}
