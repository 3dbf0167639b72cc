//! Real estates: the inventories people already have (Terraform plans and
//! states, Azure resource lists, AWS Config inventories, CloudFormation
//! templates) evaluated resource by resource, through resource maps that
//! say which scenario of a policy each resource type means.
//!
//! The estate layer reads and evaluates; it writes nothing: a stream hands
//! its records to an [`EstateSink`], which `render` implements.
//! May import: `base`, `diagnostic`, `syntax`, `model`, `engine`.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde_json::Value;

use crate::base::names::closest;
use crate::base::span::Span;
use crate::diagnostic::code::Code;
use crate::diagnostic::{Diagnostic, Report, Source};
use crate::engine::partial::PartialAnswer;
use crate::model::answers::{customer_acts, Decision, Holder};
use crate::model::policy::{DimensionId, Policy, Scenario, ValueSet, ZoneId};
use crate::model::resolve::{NameKind, ResolveError};
use crate::syntax::{PolicyFile, StatementKind, Text};

mod inventory;
mod map;
mod stream;
pub(crate) mod summary;

use inventory::attributes_of;
pub use inventory::{read_inventory, Inventory, InventoryFormat, Resource};
pub use map::{resolve_resource_map, resources_for};
pub use stream::{stream, EstateSink, StreamSummary};

/// A resource map: resource types to scenarios of one policy.
#[derive(Clone, Debug)]
pub struct ResourceMap {
    /// What the user called it: a built-in map's name or a path.
    pub name: String,
    /// Its text, for locating diagnostics.
    pub source: Source,
    /// The policy its `resources for` line names.
    pub policy: String,
    /// One entry a resource type, in source order.
    pub entries: Vec<ResourceType>,
    /// A generated families map: with no policy named, a type it matches
    /// goes to its policy only when no policy's other maps know the type.
    pub fallback: bool,
}

/// One `resource "TYPE" { dimension: value, ... }` line.
#[derive(Clone, Debug)]
pub struct ResourceType {
    /// The type as written.
    pub name: String,
    /// `when "kind" is "functionapp"`: the attribute path and the value a
    /// resource must have for the line to hold; `None` holds for any.
    pub when: Option<(String, String)>,
    /// The values each dimension may take for resources of the type: one
    /// where the map gives it, those listed, or all where it is left out.
    pub allowed: Vec<ValueSet>,
    /// The reason after `because`, if any.
    pub because: Option<String>,
}

impl ResourceType {
    /// Whether the line holds for a resource with these attributes.
    fn holds_given(&self, attributes: &BTreeMap<String, String>) -> bool {
        match &self.when {
            None => true,
            Some((path, value)) => attributes.get(path) == Some(value),
        }
    }

    /// The one value of dimension `d`, if the map gives one.
    pub fn value(&self, d: DimensionId) -> Option<usize> {
        let set = self.allowed[d];
        (set.count_ones() == 1).then(|| set.trailing_zeros() as usize)
    }

    /// The scenario, if every dimension has one value.
    pub fn scenario(&self) -> Option<Scenario> {
        let values: Option<Vec<usize>> = (0..self.allowed.len()).map(|d| self.value(d)).collect();
        values.map(|values| Scenario { values })
    }

    /// Each zone's decision, or its answers over the open values.
    pub fn evaluate(&self, policy: &Policy) -> Evaluated {
        match self.scenario() {
            Some(scenario) => Evaluated::Complete(policy.evaluate(&scenario)),
            None => Evaluated::Partial(crate::engine::partial::evaluate_within(
                policy,
                &self.allowed,
            )),
        }
    }
}

/// What a resource's type means for the policy.
#[derive(Clone, Debug)]
pub enum Evaluated {
    /// Every dimension given: each zone's decision.
    Complete(Vec<Decision>),
    /// Some dimension left open by the map: each zone's answers over it.
    Partial(Vec<PartialAnswer>),
}

impl Evaluated {
    /// The customer's to-do list, for a policy that marks some rule
    /// `enabled-by-default` (none for one that marks nothing: every zone the
    /// customer holds would be on it): the zones the customer holds, alone
    /// or shared, that are not on by themselves, in zone order. Where a
    /// dimension is open, the zones on it whichever value it takes.
    pub fn to_do(&self, policy: &Policy) -> Option<Vec<ZoneId>> {
        if !policy.marks_enabled_by_default() {
            return None;
        }
        Some(match self {
            Evaluated::Complete(decisions) => (decisions.iter())
                .filter(|d| d.customer_to_do(policy))
                .map(|d| d.zone)
                .collect(),
            Evaluated::Partial(answers) => (answers.iter())
                .filter(|a| {
                    (a.cases.as_ref()).is_some_and(|cases| {
                        cases.iter().all(|case| {
                            let customer_acts = match &case.holder {
                                Holder::Party(name) => (policy.parties.iter())
                                    .position(|p| &p.name == name)
                                    .is_some_and(customer_acts),
                                Holder::Conflict => false,
                            };
                            let on =
                                (case.rules.iter()).any(|&r| policy.rules[r].enabled_by_default);
                            customer_acts && !on
                        })
                    })
                })
                .map(|a| a.zone)
                .collect(),
        })
    }

    /// Whether a zone is in conflict (or can be, for some value of an open
    /// dimension).
    pub fn has_conflict(&self) -> bool {
        match self {
            Evaluated::Complete(decisions) => decisions.iter().any(|d| d.party.is_none()),
            Evaluated::Partial(answers) => (answers.iter())
                .filter_map(|a| a.cases.as_ref())
                .flatten()
                .any(|c| c.holder == Holder::Conflict),
        }
    }
}

/// One resource and its answer.
#[derive(Clone, Debug)]
pub struct ResourceAnswer<'m> {
    /// The resource.
    pub resource: Resource,
    /// Its map entry and answer (shared by every resource of the type), or
    /// `None` with the closest known type.
    pub answer: Result<(&'m ResourceType, Rc<Evaluated>), Option<String>>,
}

/// The attribute paths the maps' `when` tests read, each once, in order.
pub fn wanted_attributes(maps: &[ResourceMap]) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for (path, _) in maps
        .iter()
        .flat_map(|m| &m.entries)
        .filter_map(|e| e.when.as_ref())
    {
        if !paths.contains(path) {
            paths.push(path.clone());
        }
    }
    paths
}

/// The maps' lines by type (without regard to case), map by map: a user's
/// map before the built-in one. A type ending in `*` is a pattern, a
/// prefix. Within a map a type's own lines come before any pattern's, and
/// a longer prefix before a shorter one; lines of one type or prefix keep
/// their written order.
struct Lines<'m> {
    maps: Vec<MapLines<'m>>,
    /// Every type a map names exactly, sorted, for suggestions.
    names: Vec<&'m str>,
    /// How each type looked up was found.
    memo: std::cell::RefCell<HashMap<String, Lookup<'m>>>,
}

/// The most resource types whose lookups (and, in a stream, records) are
/// kept: past it, they are worked out for each resource, so memory stays
/// bounded whatever the input.
const CACHED_TYPES: usize = 65_536;

/// How a resource type is found in the maps.
#[derive(Clone, Copy)]
enum Lookup<'m> {
    /// No line for the type tests an attribute: its line, if any.
    Found(Option<(usize, &'m ResourceType)>),
    /// Some line tests an attribute: each resource is looked up.
    TestsAttributes,
}

/// One map's lines, each with its index among all the maps' lines.
#[derive(Default)]
struct MapLines<'m> {
    /// Whether the map is a generated families map.
    fallback: bool,
    by_type: HashMap<String, Vec<(usize, &'m ResourceType)>>,
    /// The patterns' prefixes (lower case) and lines, longest first.
    patterns: Vec<(String, Vec<(usize, &'m ResourceType)>)>,
}

impl<'m> MapLines<'m> {
    /// The lines that could hold for a type (`key`, in lower case), each
    /// with whether its map is a fallback: its own, then the matching
    /// patterns'.
    fn candidates<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = (bool, (usize, &'m ResourceType))> + 'a {
        let own = self.by_type.get(key).into_iter().flatten();
        let patterns = (self.patterns.iter())
            .filter(move |(prefix, _)| key.starts_with(prefix.as_str()))
            .flat_map(|(_, lines)| lines);
        own.chain(patterns).map(|&line| (self.fallback, line))
    }
}

impl<'m> Lines<'m> {
    fn of(maps: impl IntoIterator<Item = &'m ResourceMap>) -> Self {
        let mut index = 0;
        let mut names: Vec<&str> = Vec::new();
        let mut named: std::collections::HashSet<String> = std::collections::HashSet::new();
        let maps = (maps.into_iter())
            .map(|map| {
                let mut lines = MapLines {
                    fallback: map.fallback,
                    ..MapLines::default()
                };
                for entry in &map.entries {
                    let key = entry.name.to_lowercase();
                    match key.strip_suffix('*') {
                        Some(prefix) => {
                            match lines.patterns.iter_mut().find(|(p, _)| p == prefix) {
                                Some((_, found)) => found.push((index, entry)),
                                None => lines
                                    .patterns
                                    .push((prefix.to_string(), vec![(index, entry)])),
                            }
                        }
                        None => {
                            if named.insert(key.clone()) {
                                names.push(&entry.name);
                            }
                            lines.by_type.entry(key).or_default().push((index, entry));
                        }
                    }
                    index += 1;
                }
                // Stable: patterns of one length keep their written order.
                (lines.patterns).sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
                lines
            })
            .collect();
        names.sort_unstable();
        Lines {
            maps,
            names,
            memo: Default::default(),
        }
    }

    /// Every line that could hold for a type (`key`), in the order tried.
    fn candidates<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = (bool, (usize, &'m ResourceType))> + 'a {
        self.maps.iter().flat_map(move |map| map.candidates(key))
    }

    /// The first line that holds for the resource, with its index; else
    /// the closest known type when the type is unknown.
    fn find(&self, resource: &Resource) -> Result<(usize, &'m ResourceType), Option<String>> {
        let key = resource.resource_type.to_lowercase();
        let found = match self.lookup(&key) {
            Lookup::Found(found) => found,
            Lookup::TestsAttributes => self.first_holding(&key, &resource.attributes),
        };
        found.ok_or_else(|| self.suggestion(&key, &resource.resource_type))
    }

    /// How a type (`key`, in lower case) is found: worked out once per
    /// type (for the first [`CACHED_TYPES`] types), so a resource costs a
    /// hash lookup, not a walk over every pattern.
    fn lookup(&self, key: &str) -> Lookup<'m> {
        if let Some(&known) = self.memo.borrow().get(key) {
            return known;
        }
        let lookup = match self.tests_attributes(key) {
            true => Lookup::TestsAttributes,
            false => Lookup::Found(self.first_holding(key, &BTreeMap::new())),
        };
        let mut memo = self.memo.borrow_mut();
        if memo.len() < CACHED_TYPES {
            memo.insert(key.to_string(), lookup);
        }
        lookup
    }

    /// The first line of the type (`key`, in lower case) that holds for
    /// these attributes: map by map, its own lines first, then the
    /// patterns', the most specific first.
    fn first_holding(
        &self,
        key: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Option<(usize, &'m ResourceType)> {
        self.holding(key, attributes).map(|(_, found)| found)
    }

    /// [`Lines::first_holding`], and whether its map is a fallback.
    fn holding(
        &self,
        key: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Option<(bool, (usize, &'m ResourceType))> {
        self.candidates(key)
            .find(|(_, (_, line))| line.holds_given(attributes))
    }

    /// For a resource no line holds for: the closest known type, if no
    /// line names or matches its type.
    fn suggestion(&self, key: &str, resource_type: &str) -> Option<String> {
        match self.candidates(key).next() {
            Some(_) => None,
            None => closest(resource_type, self.names.iter().copied()).map(str::to_string),
        }
    }

    /// Whether some line that could hold for the type (`key`) tests an
    /// attribute.
    fn tests_attributes(&self, key: &str) -> bool {
        self.candidates(key)
            .any(|(_, (_, line))| line.when.is_some())
    }
}

/// Evaluates every resource of the inventories through the maps: the first
/// line for its type that holds wins, a user's map (given first) before the
/// built-in one. Types are compared without regard to case, as Azure
/// compares its own. Each line is evaluated once.
pub fn evaluate<'m>(
    policy: &Policy,
    maps: &'m [ResourceMap],
    inventories: &[Inventory],
) -> Vec<ResourceAnswer<'m>> {
    let lines = Lines::of(maps);
    let mut answers: HashMap<usize, Rc<Evaluated>> = HashMap::new();
    let mut out = Vec::new();
    for resource in inventories.iter().flat_map(|i| &i.resources) {
        let answer = lines.find(resource).map(|(i, entry)| {
            let evaluated = answers
                .entry(i)
                .or_insert_with(|| Rc::new(entry.evaluate(policy)));
            (entry, Rc::clone(evaluated))
        });
        out.push(ResourceAnswer {
            resource: resource.clone(),
            answer,
        });
    }
    out
}

/// For an estate answered by several policies: which of `candidates`
/// (each a policy's resource maps, in the order a type known to several is
/// given, each saying whether the user preferred it) answers each resource
/// of the inventories, in order: the first with a line that holds for it
/// in a hand-written map (or any map of a preferred policy), else the
/// first whose generated families map holds, or `None` where none does.
pub fn route(
    candidates: &[(&[ResourceMap], bool)],
    inventories: &[Inventory],
) -> Vec<Option<usize>> {
    let lines: Vec<(Lines, bool)> = (candidates.iter())
        .map(|(maps, preferred)| (Lines::of(maps.iter()), *preferred))
        .collect();
    let choose = |key: &str, attributes: &BTreeMap<String, String>| {
        (lines.iter().enumerate())
            .filter_map(|(at, (l, preferred))| {
                let (fallback, _) = l.holding(key, attributes)?;
                Some((fallback && !preferred, at))
            })
            .min()
            .map(|(_, at)| at)
    };
    // A type no candidate tests an attribute of is routed once.
    let mut routed: HashMap<String, Option<usize>> = HashMap::new();
    (inventories.iter().flat_map(|i| &i.resources))
        .map(|resource| {
            let key = resource.resource_type.to_lowercase();
            if let Some(&known) = routed.get(&key) {
                return known;
            }
            let chosen = choose(&key, &resource.attributes);
            if !lines.iter().any(|(l, _)| l.tests_attributes(&key)) {
                routed.insert(key, chosen);
            }
            chosen
        })
        .collect()
}

/// The answers of resources no candidate's maps know, each with the
/// closest type any of `maps` (every candidate's, in order) knows.
pub fn unmapped<'m>(
    maps: &[Vec<ResourceMap>],
    resources: Vec<Resource>,
) -> Vec<ResourceAnswer<'m>> {
    let lines = Lines::of(maps.iter().flatten());
    (resources.into_iter())
        .map(|resource| {
            let key = resource.resource_type.to_lowercase();
            let suggestion = lines.suggestion(&key, &resource.resource_type);
            ResourceAnswer {
                resource,
                answer: Err(suggestion),
            }
        })
        .collect()
}

/// Zones a user might think the provider holds: the provider holds or
/// shares them in some scenario of the policy. Where the customer holds one
/// alone for a resource, the summary lists the resource.
pub fn provider_somewhere(policy: &Policy) -> Vec<bool> {
    let space = crate::engine::analysis::Space::of(policy);
    let providers = [
        &policy.parties[crate::model::policy::PROVIDER],
        &policy.parties[crate::model::policy::SHARED],
    ]
    .map(|p| crate::model::answers::Holder::Party(p.name.clone()));
    (0..policy.zones.len())
        .map(|zone: ZoneId| {
            space
                .bounded(|| {
                    crate::engine::partial::holders(&space, policy, zone, &space.everything())
                })
                .map_or(true, |holders| {
                    holders.iter().any(|(h, _, _)| providers.contains(h))
                })
        })
        .collect()
}
