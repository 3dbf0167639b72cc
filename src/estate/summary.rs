//! The estate's summary: how many resources each party holds each zone
//! for, what no map knows, and where the customer holds alone a zone the
//! provider holds elsewhere in the policy.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::estate::{Evaluated, Inventory, ResourceAnswer};
use crate::model::policy::Policy;

/// The estate's summary.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstateSummary")]
pub struct SummaryJson<'a> {
    pub resources: usize,
    pub mapped: usize,
    pub unmapped: usize,
    /// Terraform data sources read and left out.
    pub data_sources: usize,
    /// Unmapped types and how many resources have each, by type.
    pub unmapped_types: BTreeMap<&'a str, usize>,
    /// Per zone: how many resources each party holds it for, and for how
    /// many it depends on an open dimension.
    pub zones: Vec<ZoneCountJson<'a>>,
    /// Zones the provider holds or shares in some scenario of the policy,
    /// which the customer holds alone for these resources.
    pub customer_holds: Vec<CustomerHoldsJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstateZoneCount")]
pub struct ZoneCountJson<'a> {
    pub zone: &'a str,
    pub label: &'a str,
    /// Party name to count.
    pub holders: BTreeMap<&'a str, usize>,
    /// Resources for which the zone is in conflict.
    pub conflicts: usize,
    /// Resources for which it depends on an open dimension.
    pub depends: usize,
    /// Resources for which the analysis could not decide it.
    pub undecided: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EstateCustomerHolds")]
pub struct CustomerHoldsJson<'a> {
    pub zone: &'a str,
    pub resources: Vec<&'a str>,
}

/// The summary: counts per zone and party, unmapped types, and the
/// resources for which the customer holds a zone the provider holds
/// elsewhere in the policy.
pub fn summary<'a>(
    policy: &'a Policy,
    inventories: &[Inventory],
    answers: &'a [ResourceAnswer],
    provider_somewhere: &[bool],
) -> SummaryJson<'a> {
    let mut zones: Vec<ZoneCountJson> = (policy.zones.iter())
        .map(|z| ZoneCountJson {
            zone: &z.name,
            label: z.display(),
            holders: BTreeMap::new(),
            conflicts: 0,
            depends: 0,
            undecided: 0,
        })
        .collect();
    let mut customer_holds: Vec<Vec<&str>> = vec![Vec::new(); policy.zones.len()];
    let mut unmapped_types: BTreeMap<&str, usize> = BTreeMap::new();
    let mut mapped = 0;
    for answer in answers {
        let Ok((_, evaluated)) = &answer.answer else {
            *unmapped_types
                .entry(&answer.resource.resource_type)
                .or_default() += 1;
            continue;
        };
        mapped += 1;
        match evaluated.as_ref() {
            Evaluated::Complete(decisions) => {
                for d in decisions {
                    match d.party {
                        Some(p) => {
                            *zones[d.zone]
                                .holders
                                .entry(&policy.parties[p].name)
                                .or_default() += 1
                        }
                        None => zones[d.zone].conflicts += 1,
                    }
                    if d.party == Some(crate::model::policy::CUSTOMER) && provider_somewhere[d.zone]
                    {
                        customer_holds[d.zone].push(&answer.resource.address);
                    }
                }
            }
            Evaluated::Partial(partial) => {
                for a in partial.iter() {
                    match &a.cases {
                        Some(cases) if cases.len() == 1 => match cases[0].holder.party(policy) {
                            Some(party) => {
                                *zones[a.zone].holders.entry(&party.name).or_default() += 1;
                                let customer = &policy.parties[crate::model::policy::CUSTOMER];
                                if std::ptr::eq(party, customer) && provider_somewhere[a.zone] {
                                    customer_holds[a.zone].push(&answer.resource.address);
                                }
                            }
                            None => zones[a.zone].conflicts += 1,
                        },
                        Some(_) => zones[a.zone].depends += 1,
                        None => zones[a.zone].undecided += 1,
                    }
                }
            }
        }
    }
    SummaryJson {
        resources: answers.len(),
        mapped,
        unmapped: answers.len() - mapped,
        data_sources: inventories.iter().map(|i| i.data_sources).sum(),
        unmapped_types,
        customer_holds: (policy.zones.iter())
            .zip(customer_holds)
            .filter(|(_, resources)| !resources.is_empty())
            .map(|(z, resources)| CustomerHoldsJson {
                zone: &z.name,
                resources,
            })
            .collect(),
        zones,
    }
}
