//! A resolved policy: every name checked and turned into an index.
//!
//! Built by [`crate::model::resolve`]; read by evaluation, checking and rendering.

use crate::base::span::Span;
use crate::diagnostic::Source;

/// Index into [`Policy::dimensions`].
pub type DimensionId = usize;
/// Index into [`Policy::parties`].
pub type PartyId = usize;
/// Index into [`Policy::zones`].
pub type ZoneId = usize;
/// Index into [`Policy::rules`].
pub type RuleId = usize;

/// The most values one dimension may declare: a value set is one `u128`.
pub const MAX_VALUES: usize = 128;

/// A set of values of one dimension, bit `i` for value `i`.
pub type ValueSet = u128;

/// The built-in parties, always present, in this order.
pub const CUSTOMER: PartyId = 0;
/// The built-in party `provider`.
pub const PROVIDER: PartyId = 1;
/// The built-in party `shared`.
pub const SHARED: PartyId = 2;

#[derive(Clone, Debug)]
/// A policy whose every name is checked and turned into an index: what evaluation, checking and rendering read.
pub struct Policy {
    /// What the user called it: a built-in policy's name or a path.
    pub name: String,
    /// Its text, for locating diagnostics.
    pub source: Source,
    /// The `policy "..."` title, if any.
    pub title: Option<String>,
    /// In declaration order (the prelude's `model` first if used).
    pub dimensions: Vec<Dimension>,
    /// The built-in parties, then the declared ones.
    pub parties: Vec<Party>,
    /// Who holds a zone no rule decides.
    pub default_party: PartyId,
    /// In output order: declared order, then order of first mention.
    pub zones: Vec<Zone>,
    /// In source order.
    pub rules: Vec<Rule>,
    /// Each zone's rules, in source order: `zone_rules[zone]`. An index of
    /// `rules` built by the resolver; read it through [`Policy::rules_of`].
    pub(crate) zone_rules: Vec<Vec<RuleId>>,
    /// Whether some rule is marked `enabled-by-default`, found once by the
    /// resolver: an estate asks it for every resource.
    pub(crate) marks_enabled_by_default: bool,
    /// The `assert` lines, in source order.
    pub assertions: Vec<Assertion>,
    /// The tests written in the policy, in source order.
    pub tests: Vec<Test>,
}

#[derive(Clone, Debug)]
/// Something a scenario fixes, with its finite set of values.
pub struct Dimension {
    /// Its name.
    pub name: String,
    /// Its values, in declaration order.
    pub values: Vec<String>,
    /// `None` for the prelude's `model`.
    pub span: Option<Span>,
}

impl Dimension {
    /// The set of all this dimension's values.
    pub fn all(&self) -> ValueSet {
        if self.values.len() == ValueSet::BITS as usize {
            ValueSet::MAX
        } else {
            (1 << self.values.len()) - 1
        }
    }

    /// The index of a value, if it is one of this dimension's.
    pub fn value_index(&self, value: &str) -> Option<usize> {
        self.values.iter().position(|v| v == value)
    }
}

#[derive(Clone, Debug)]
/// Who can hold a zone.
pub struct Party {
    /// Its name.
    pub name: String,
    /// How output shows it, if declared.
    pub label: Option<String>,
}

impl Party {
    /// The label if one was declared, else the name.
    pub fn display(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Clone, Debug)]
/// A part of a workload's security that someone holds.
pub struct Zone {
    /// Its name.
    pub name: String,
    /// How output shows it, if declared.
    pub label: Option<String>,
    /// The declaration, or the first rule that mentions it.
    pub span: Span,
    /// Whether a `zone` line declared it.
    pub declared: bool,
}

impl Zone {
    /// The label if one was declared, else the name.
    pub fn display(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Clone, Debug)]
/// A resolved rule: who holds a zone, and when.
pub struct Rule {
    /// The zone it decides.
    pub zone: ZoneId,
    /// The party it gives the zone to.
    pub party: PartyId,
    /// When the rule holds: `always` is [`Cond::True`], `unless c` is `not c`.
    pub condition: Cond,
    /// Marked `enabled-by-default`: where it holds, the zone's protection
    /// is on without anyone configuring it, so it is on no to-do list.
    pub enabled_by_default: bool,
    /// The reason written after `because`, if any.
    pub because: Option<String>,
    /// The whole rule statement.
    pub span: Span,
    /// Where the qualifier starts, for diagnostics about when it holds.
    pub qualifier_span: Span,
}

/// A claim: wherever `condition` holds, `zone` resolves to `party`.
#[derive(Clone, Debug)]
pub struct Assertion {
    /// The zone it decides.
    pub zone: ZoneId,
    /// The party it gives the zone to.
    pub party: PartyId,
    /// Where the claim applies.
    pub condition: Cond,
    /// Where it is written.
    pub span: Span,
}

/// A scenario and the parties some zones must resolve to in it.
#[derive(Clone, Debug)]
pub struct Test {
    /// Its name.
    pub name: String,
    /// The scenario it evaluates.
    pub scenario: Scenario,
    /// Each zone it checks, the party expected, and where that is written.
    pub expect: Vec<(ZoneId, PartyId, Span)>,
    /// Where it is written.
    pub span: Span,
}

/// A resolved condition over the dimensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// `always`.
    True,
    /// The dimension's value is in the set.
    In(DimensionId, ValueSet),
    /// `not c`, and `unless c`.
    Not(Box<Cond>),
    /// Every one holds.
    And(Vec<Cond>),
    /// At least one holds.
    Or(Vec<Cond>),
}

impl Cond {
    /// The condition over fewer values: dimension `d` keeps `keep[d]` (old
    /// value indices, in their new order).
    fn restricted(&self, keep: &[Vec<usize>]) -> Cond {
        match self {
            Cond::True => Cond::True,
            Cond::In(d, set) => Cond::In(
                *d,
                (keep[*d].iter().enumerate())
                    .filter(|(_, &old)| set >> old & 1 == 1)
                    .fold(0, |acc, (new, _)| acc | 1 << new),
            ),
            Cond::Not(inner) => Cond::Not(Box::new(inner.restricted(keep))),
            Cond::And(all) => Cond::And(all.iter().map(|c| c.restricted(keep)).collect()),
            Cond::Or(any) => Cond::Or(any.iter().map(|c| c.restricted(keep)).collect()),
        }
    }

    /// Whether the condition holds in the scenario.
    pub fn holds(&self, scenario: &Scenario) -> bool {
        self.holds_for(&scenario.values)
    }

    /// Whether the condition holds where dimension `i` takes `values[i]`.
    pub fn holds_for(&self, values: &[usize]) -> bool {
        match self {
            Cond::True => true,
            Cond::In(dimension, set) => set >> values[*dimension] & 1 == 1,
            Cond::Not(inner) => !inner.holds_for(values),
            Cond::And(all) => all.iter().all(|c| c.holds_for(values)),
            Cond::Or(any) => any.iter().any(|c| c.holds_for(values)),
        }
    }
}

/// One value for every dimension of a policy, by index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scenario {
    /// The value of dimension `i` is `values[i]`, an index into its values.
    pub values: Vec<usize>,
}

impl Policy {
    /// The policy's text at `span`.
    pub fn source_text(&self, span: Span) -> &str {
        &self.source.text[span.range()]
    }

    /// The rules that decide `zone`, in source order.
    pub fn rules_for(&self, zone: ZoneId) -> impl Iterator<Item = (RuleId, &Rule)> {
        self.zone_rules[zone]
            .iter()
            .map(|&id| (id, &self.rules[id]))
    }

    /// Whether some rule is marked `enabled-by-default`: the policy says
    /// which protections are on by themselves, so it has a to-do list.
    pub fn marks_enabled_by_default(&self) -> bool {
        self.marks_enabled_by_default
    }

    /// The policy over fewer values, for comparing it with a policy that
    /// has only those: dimension `d` keeps the values `keep[d]` (indices,
    /// in the order given). Rules and assertions hold where they held;
    /// tests, which may name a dropped value, are left out.
    pub fn restricted(&self, keep: &[Vec<usize>]) -> Policy {
        let mut policy = self.clone();
        for (d, keep) in keep.iter().enumerate() {
            let values = &self.dimensions[d].values;
            policy.dimensions[d].values = keep.iter().map(|&v| values[v].clone()).collect();
        }
        for rule in &mut policy.rules {
            rule.condition = rule.condition.restricted(keep);
        }
        for assertion in &mut policy.assertions {
            assertion.condition = assertion.condition.restricted(keep);
        }
        policy.tests.clear();
        policy
    }

    /// The ids of the rules that decide `zone`, in source order.
    pub fn rules_of(&self, zone: ZoneId) -> &[RuleId] {
        &self.zone_rules[zone]
    }

    /// The dimension of that name, if any.
    pub fn dimension_index(&self, name: &str) -> Option<DimensionId> {
        self.dimensions.iter().position(|d| d.name == name)
    }

    /// The policy's name without folders or `.onus`: `azure` for both the
    /// built-in policy and `policies/azure.onus`. What exports derive
    /// identities from, and what a resource map's `resources for` names.
    pub fn stem(&self) -> &str {
        stem_of(&self.name)
    }

    /// The zone of that name, if any.
    pub fn zone_index(&self, name: &str) -> Option<ZoneId> {
        self.zones.iter().position(|z| z.name == name)
    }

    /// A scenario as `dimension=value` pairs in declaration order, joined
    /// by `separator`: `model=iaas tier=gold` with `" "`.
    pub fn scenario_text(&self, scenario: &Scenario, separator: &str) -> String {
        let pairs: Vec<String> = (self.scenario_pairs(scenario))
            .map(|(d, v)| format!("{d}={v}"))
            .collect();
        pairs.join(separator)
    }

    /// The scenario as dimension name to value name, in dimension order.
    pub fn scenario_pairs<'a>(
        &'a self,
        scenario: &'a Scenario,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.dimensions
            .iter()
            .zip(&scenario.values)
            .map(|(d, &v)| (d.name.as_str(), d.values[v].as_str()))
    }

    /// Every scenario, in order (the first dimension varies slowest).
    /// Only for small policies: the count is the product of the dimensions.
    pub fn all_scenarios(&self) -> impl Iterator<Item = Scenario> + '_ {
        let sizes: Vec<usize> = self.dimensions.iter().map(|d| d.values.len()).collect();
        let mut next = Some(vec![0; sizes.len()]);
        std::iter::from_fn(move || {
            let current = next.take()?;
            let mut following = current.clone();
            for i in (0..sizes.len()).rev() {
                following[i] += 1;
                if following[i] < sizes[i] {
                    next = Some(following);
                    break;
                }
                following[i] = 0;
            }
            Some(Scenario { values: current })
        })
    }
}

/// A policy's name without folders or `.onus` (`azure` for `azure` and for
/// `policies/azure.onus`): how a policy and a `resources for` line that
/// names it are compared.
pub(crate) fn stem_of(name: &str) -> &str {
    let name = name.rsplit(['/', '\\']).next().unwrap_or("");
    name.strip_suffix(".onus").unwrap_or(name)
}
