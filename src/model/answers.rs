//! The answer types: how a zone was decided, who holds it in one
//! scenario, and who holds it by name (so two policies compare).

use crate::model::policy::{Party, PartyId, Policy, RuleId, ZoneId, CUSTOMER, SHARED};

/// How a zone's holder was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Matching rules agree on one party.
    Rule,
    /// No rule matches: the policy's default party holds the zone.
    Default,
    /// Matching rules name different parties: nobody is chosen.
    Conflict,
}

impl Status {
    /// Its name, as JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Rule => "rule",
            Status::Default => "default",
            Status::Conflict => "conflict",
        }
    }
}

/// The answer for one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The zone decided.
    pub zone: ZoneId,
    /// `None` exactly when the status is [`Status::Conflict`].
    pub party: Option<PartyId>,
    /// How it was decided.
    pub status: Status,
    /// The matching rules, in source order.
    pub rules: Vec<RuleId>,
}

/// What a zone resolves to, by party name so two policies compare.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// This party holds it, by a rule or by default.
    Party(String),
    /// Rules disagree: nobody holds it.
    Conflict,
}

impl Holder {
    /// The party this names in `policy`; `None` for a conflict.
    pub fn party<'p>(&self, policy: &'p Policy) -> Option<&'p Party> {
        match self {
            Holder::Party(name) => policy.parties.iter().find(|p| &p.name == name),
            Holder::Conflict => None,
        }
    }
}

impl Decision {
    /// The first `because` among the deciding rules; none for a conflict.
    pub fn because<'p>(&self, policy: &'p Policy) -> Option<&'p str> {
        if self.status == Status::Conflict {
            return None;
        }
        self.rules
            .iter()
            .find_map(|&r| policy.rules[r].because.as_deref())
    }

    /// Whether the zone's protection is on by itself here: a rule decided
    /// and every deciding rule is marked `enabled-by-default`.
    pub fn enabled_by_default(&self, policy: &Policy) -> bool {
        self.status == Status::Rule
            && (self.rules.iter()).all(|&r| policy.rules[r].enabled_by_default)
    }

    /// Whether the decision is on the customer's to-do list: the customer
    /// holds the zone, alone or shared, and it is not on by itself.
    pub fn customer_to_do(&self, policy: &Policy) -> bool {
        self.party.is_some_and(customer_acts) && !self.enabled_by_default(policy)
    }
}

/// Whether holding a zone asks something of the customer: it holds it
/// alone or shares it.
pub fn customer_acts(party: PartyId) -> bool {
    matches!(party, CUSTOMER | SHARED)
}
