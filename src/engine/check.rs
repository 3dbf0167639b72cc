//! The checker: proves, over every scenario, that a policy has no conflicts,
//! no dead or redundant rules, and that its assertions hold. Exact: each
//! finding comes with a scenario that shows it, and no finding is missed.

use crate::base::span::Span;
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::analysis::{Region, Space, Undecided, Witness};
use crate::engine::eval::decide;
use crate::model::answers::{Decision, Status};
use crate::model::policy::{PartyId, Policy, RuleId, ZoneId};

/// Something the checker found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// `os: provider when paas` and `os: customer unless saas` both match
    /// `model=paas`.
    Conflict {
        /// The earlier rule.
        first: RuleId,
        /// The later rule.
        second: RuleId,
        /// A scenario that shows it.
        witness: Witness,
    },
    /// `assert data: customer always` where a rule gives `data` to the
    /// provider in some scenario.
    AssertFailed {
        /// Index into the policy's assertions.
        assertion: usize,
        /// A scenario that shows it.
        witness: Witness,
        /// What the zone resolves to there.
        decision: Decision,
    },
    /// `os: provider when iaas and saas`: holds in no scenario.
    DeadRule {
        /// The rule.
        rule: RuleId,
    },
    /// `os: provider when paas` beside `os: provider when model in [paas, saas]`.
    RedundantRule {
        /// The rule.
        rule: RuleId,
        /// The rules of the same party that cover it.
        covering: Vec<RuleId>,
    },
    /// `zone backups` with no rule that ever matches.
    DefaultOnlyZone {
        /// The zone.
        zone: ZoneId,
    },
    /// A question the analysis could not answer within its guard, such as
    /// the region of `x: customer when (d0 is a and d30 is a) or (d1 is a
    /// and d31 is a) or ...` over 60 dimensions. Only that question is left
    /// open: every other finding is still decided and reported.
    Undecided {
        /// Where it is in the source.
        span: Span,
        /// What is left open.
        question: Question,
    },
}

impl Finding {
    /// The zone the finding is about: the zone of its rule, assertion or
    /// own; for an undecided question, of the rule or assertion it is at.
    pub fn zone(&self, policy: &Policy) -> Option<ZoneId> {
        match self {
            Finding::Conflict { first, .. } => Some(policy.rules[*first].zone),
            Finding::AssertFailed { assertion, .. } => Some(policy.assertions[*assertion].zone),
            Finding::DeadRule { rule } | Finding::RedundantRule { rule, .. } => {
                Some(policy.rules[*rule].zone)
            }
            Finding::DefaultOnlyZone { zone } => Some(*zone),
            Finding::Undecided { span, .. } => (policy.rules.iter().map(|r| (r.span, r.zone)))
                .chain(policy.assertions.iter().map(|a| (a.span, a.zone)))
                .find(|(at, _)| at.start <= span.start && span.end <= at.end)
                .map(|(_, zone)| zone),
        }
    }
}

/// What [`Finding::Undecided`] leaves open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    /// Where the rule holds, and so whether it is dead.
    Rule,
    /// Whether the rule conflicts with this other rule.
    Conflict {
        /// The other rule of the pair.
        other: RuleId,
    },
    /// Whether the rule is redundant.
    Redundancy,
    /// Whether the assertion holds.
    Assertion,
}

/// Every finding, in source order. Each question is analysed on its own
/// budget, so one that cannot be decided hides no other.
pub fn check(policy: &Policy) -> Vec<Finding> {
    check_forcing(policy, &[])
}

/// [`check`] as if the regions of the rules `undecided` could not be built:
/// how tests reach the paths that work around such rules on policies small
/// enough to enumerate.
pub fn check_forcing(policy: &Policy, undecided: &[RuleId]) -> Vec<Finding> {
    let every_zone: Vec<ZoneId> = (0..policy.zones.len()).collect();
    let mut findings = check_zones(policy, &every_zone, undecided);
    sort(policy, &mut findings);
    findings
}

fn sort(policy: &Policy, findings: &mut [Finding]) {
    findings.sort_by_key(|f| (f.span_start(policy), f.rank()));
}

/// The findings about `zones` (their rules, and the assertions about
/// them), in no particular order. Rules interact only within their zone,
/// so these are exactly the findings [`check`] gives about those zones.
fn check_zones(policy: &Policy, zones: &[ZoneId], undecided: &[RuleId]) -> Vec<Finding> {
    let mut zone_check = ZoneCheck::new(policy);
    (zones.iter())
        .flat_map(|&zone| zone_check.findings(zone, undecided))
        .collect()
}

/// One policy's zones analysed one at a time, sharing the diagrams already
/// built: a caller can stop between two zones.
struct ZoneCheck<'p> {
    policy: &'p Policy,
    space: Space,
    /// Each rule's region, by rule id, once its zone is analysed.
    regions: Vec<Option<Region>>,
}

impl<'p> ZoneCheck<'p> {
    fn new(policy: &'p Policy) -> Self {
        ZoneCheck {
            policy,
            space: Space::of(policy),
            regions: (0..policy.rules.len()).map(|_| None).collect(),
        }
    }

    /// The findings about `zone`: its rules, and the assertions about it.
    fn findings(&mut self, zone: ZoneId, undecided: &[RuleId]) -> Vec<Finding> {
        let (policy, space) = (self.policy, &self.space);
        let rules = policy.rules_of(zone);
        for &id in rules {
            if !undecided.contains(&id) {
                let rule = &policy.rules[id];
                self.regions[id] = space.bounded(|| space.region(&rule.condition)).ok();
            }
        }
        let regions = &self.regions;
        let mut findings = Vec::new();
        for &id in rules {
            match &regions[id] {
                None => findings.push(Finding::Undecided {
                    span: policy.rules[id].span,
                    question: Question::Rule,
                }),
                Some(region) if region.is_empty() => findings.push(Finding::DeadRule { rule: id }),
                Some(_) => {}
            }
        }
        let analysis = Analysis {
            policy,
            space,
            regions,
        };
        analysis.conflicts(rules, &mut findings);
        analysis.redundancies(rules, &mut findings);
        let never = rules
            .iter()
            .all(|&r| regions[r].as_ref().is_some_and(Region::is_empty));
        if policy.zones[zone].declared && never {
            findings.push(Finding::DefaultOnlyZone { zone });
        }
        for index in assertions_of(policy, zone) {
            let assertion = &policy.assertions[index];
            match space.bounded(|| analysis.counterexample(assertion)) {
                Err(Undecided) => findings.push(Finding::Undecided {
                    span: assertion.span,
                    question: Question::Assertion,
                }),
                Ok(Some((witness, decision))) => {
                    findings.push(Finding::AssertFailed {
                        assertion: index,
                        witness,
                        decision,
                    });
                }
                Ok(None) => {}
            }
        }
        findings
    }
}

/// Each zone's findings from earlier checks, kept by everything they
/// depend on (the dimensions, the parties, the zone's rules and its
/// assertions, wherever they sit in the text): an editor's keystroke
/// changes one zone, and only that zone is analysed again.
#[derive(Debug, Default)]
pub struct CheckCache {
    /// What the cached findings were found in (see [`context_key`]); a
    /// change to it makes every zone new.
    context: String,
    zones: std::collections::HashMap<String, CachedZone>,
}

/// One zone's findings, and the rules and assertions they were about then.
#[derive(Debug)]
struct CachedZone {
    rules: Vec<(RuleId, Span)>,
    assertions: Vec<(usize, Span)>,
    findings: Vec<Finding>,
}

/// What each zone of one policy is cached by, worked out once for all
/// the cache's questions about that policy.
#[derive(Debug)]
pub struct ZoneKeys {
    context: String,
    zones: Vec<String>,
}

impl ZoneKeys {
    /// The keys of every zone of `policy`.
    pub fn of(policy: &Policy) -> ZoneKeys {
        ZoneKeys {
            context: context_key(policy),
            zones: (0..policy.zones.len())
                .map(|zone| zone_key(policy, zone))
                .collect(),
        }
    }
}

impl CheckCache {
    fn cached(&self, keys: &ZoneKeys, zone: ZoneId) -> Option<&CachedZone> {
        (self.context == keys.context)
            .then(|| self.zones.get(&keys.zones[zone]))
            .flatten()
    }

    /// The zones not analysed before, in order.
    pub fn stale(&self, keys: &ZoneKeys) -> Vec<ZoneId> {
        (0..keys.zones.len())
            .filter(|&zone| self.cached(keys, zone).is_none())
            .collect()
    }

    /// The findings of the zones analysed before, renumbered to `policy`.
    pub fn known(&self, policy: &Policy, keys: &ZoneKeys) -> Vec<Finding> {
        let mut findings = Vec::new();
        for zone in 0..policy.zones.len() {
            if let Some(cached) = self.cached(keys, zone) {
                findings.extend(cached.renumbered(policy, zone));
            }
        }
        sort(policy, &mut findings);
        findings
    }

    /// Every finding of `policy`, as [`check`] gives them, analysing only
    /// the zones not seen before; `None` when `stop` says so between two
    /// zones (an editor's newer text has come), the zones analysed by
    /// then kept for the next call. Zones the policy no longer has are
    /// forgotten once a call completes.
    pub fn check_until(
        &mut self,
        policy: &Policy,
        keys: ZoneKeys,
        stop: &dyn Fn() -> bool,
    ) -> Option<Vec<Finding>> {
        if self.context != keys.context {
            self.zones.clear();
            self.context.clone_from(&keys.context);
        }
        let mut zone_check = ZoneCheck::new(policy);
        for zone in self.stale(&keys) {
            if stop() {
                return None;
            }
            // Zones alike share a key: the first one's findings serve both.
            if !self.zones.contains_key(&keys.zones[zone]) {
                let findings = zone_check.findings(zone, &[]);
                let cached = CachedZone::of(policy, zone, findings);
                self.zones.insert(keys.zones[zone].clone(), cached);
            }
        }
        let mut every = Vec::new();
        for (zone, key) in keys.zones.iter().enumerate() {
            every.extend(self.zones[key].renumbered(policy, zone));
        }
        let current: std::collections::HashSet<&String> = keys.zones.iter().collect();
        self.zones.retain(|key, _| current.contains(key));
        sort(policy, &mut every);
        Some(every)
    }
}

impl CachedZone {
    fn of(policy: &Policy, zone: ZoneId, findings: Vec<Finding>) -> CachedZone {
        CachedZone {
            rules: (policy.rules_of(zone).iter())
                .map(|&r| (r, policy.rules[r].span))
                .collect(),
            assertions: assertions_of(policy, zone)
                .map(|a| (a, policy.assertions[a].span))
                .collect(),
            findings,
        }
    }

    /// The findings about the same rules and assertions where `policy` has
    /// them: the zone's key says they are the same, in the same order.
    fn renumbered(&self, policy: &Policy, zone: ZoneId) -> Vec<Finding> {
        let rules: Vec<RuleId> = policy.rules_of(zone).to_vec();
        let assertions: Vec<usize> = assertions_of(policy, zone).collect();
        // A zone's rules are in source order, so their old ids ascend.
        let rule = |old: RuleId| {
            let position =
                (self.rules.binary_search_by_key(&old, |&(r, _)| r)).expect("a rule of the zone");
            rules[position]
        };
        let assertion = |old: usize| {
            assertions[(self.assertions.iter())
                .position(|&(a, _)| a == old)
                .expect("an assertion of the zone")]
        };
        let span = |old: Span| {
            let of_rule = (self.rules.iter().position(|&(_, s)| s == old))
                .map(|i| policy.rules[rules[i]].span);
            let of_assertion = (self.assertions.iter().position(|&(_, s)| s == old))
                .map(|i| policy.assertions[assertions[i]].span);
            of_rule.or(of_assertion).expect("a span of the zone")
        };
        (self.findings.iter())
            .map(|finding| match finding.clone() {
                Finding::Conflict {
                    first,
                    second,
                    witness,
                } => Finding::Conflict {
                    first: rule(first),
                    second: rule(second),
                    witness,
                },
                Finding::AssertFailed {
                    assertion: old,
                    witness,
                    mut decision,
                } => {
                    decision.zone = zone;
                    decision.rules = decision.rules.into_iter().map(rule).collect();
                    Finding::AssertFailed {
                        assertion: assertion(old),
                        witness,
                        decision,
                    }
                }
                Finding::DeadRule { rule: old } => Finding::DeadRule { rule: rule(old) },
                Finding::RedundantRule {
                    rule: old,
                    covering,
                } => Finding::RedundantRule {
                    rule: rule(old),
                    covering: covering.into_iter().map(rule).collect(),
                },
                Finding::DefaultOnlyZone { .. } => Finding::DefaultOnlyZone { zone },
                Finding::Undecided {
                    span: old,
                    question,
                } => Finding::Undecided {
                    span: span(old),
                    question: match question {
                        Question::Conflict { other } => Question::Conflict { other: rule(other) },
                        question => question,
                    },
                },
            })
            .collect()
    }
}

fn assertions_of(policy: &Policy, zone: ZoneId) -> impl Iterator<Item = usize> + '_ {
    (policy.assertions.iter().enumerate())
        .filter(move |(_, a)| a.zone == zone)
        .map(|(i, _)| i)
}

/// What every zone's findings depend on beside its own rules: the
/// dimensions and their values, the parties and the default.
fn context_key(policy: &Policy) -> String {
    format!(
        "{:?}|{:?}|{}",
        policy
            .dimensions
            .iter()
            .map(|d| (&d.name, &d.values))
            .collect::<Vec<_>>(),
        policy.parties,
        policy.default_party
    )
}

/// What a zone's findings depend on beside the context: whether it is
/// declared, its rules' parties and conditions and its assertions, in
/// order.
fn zone_key(policy: &Policy, zone: ZoneId) -> String {
    use std::fmt::Write as _;
    let mut key = format!("{}", policy.zones[zone].declared);
    for &r in policy.rules_of(zone) {
        let rule = &policy.rules[r];
        let _ = write!(key, "|r{}:{:?}", rule.party, rule.condition);
    }
    for a in assertions_of(policy, zone) {
        let assertion = &policy.assertions[a];
        let _ = write!(key, "|a{}:{:?}", assertion.party, assertion.condition);
    }
    key
}

/// Two groups of rules whose unions meet and that have at most this many
/// pairs are weighed pair by pair.
const PAIRS_ASKED_ALONE: usize = 256;

/// Two parties' rules with at most this many pairs are weighed pair by pair
/// from the start: most zones have a few rules.
const PAIRS_ASKED_AT_ONCE: usize = 16;

/// Positions of a zone's rules, and the union of their regions.
type Group<'g> = (&'g [usize], Region);

/// The rule regions of one policy, `None` where a rule's region could not
/// be built within the guard.
struct Analysis<'a> {
    policy: &'a Policy,
    space: &'a Space,
    regions: &'a [Option<Region>],
}

impl Analysis<'_> {
    /// Where `rule` holds within `care`: from its region when that is
    /// known, else built inside `care`, which is often far smaller.
    fn rule_within(&self, rule: RuleId, care: &Region) -> Result<Region, Undecided> {
        match &self.regions[rule] {
            Some(region) => self.space.intersect(region, care),
            None => self
                .space
                .region_within(&self.policy.rules[rule].condition, care),
        }
    }

    /// Every pair of rules of the zone that give different parties and
    /// both match some scenario, each pair decided on its own budget.
    ///
    /// Only rules of other parties can conflict, and a zone's rules rarely
    /// do: the rules of each two parties are weighed as two groups, by the
    /// unions of their regions, and a group is halved only where its union
    /// meets the other's. Disjoint parties cost a union of each, not a
    /// question a pair; the pairs found cost a logarithm each.
    fn conflicts(&self, rules: &[RuleId], findings: &mut Vec<Finding>) {
        let rules_of = &self.policy.rules;
        // Positions of each party's rules whose regions are known, in order.
        let mut by_party: Vec<(PartyId, Vec<usize>)> = Vec::new();
        let mut unbuilt = Vec::new();
        for (position, &rule) in rules.iter().enumerate() {
            if self.regions[rule].is_none() {
                unbuilt.push(position);
                continue;
            }
            let party = rules_of[rule].party;
            match by_party.iter_mut().find(|(p, _)| *p == party) {
                Some((_, positions)) => positions.push(position),
                None => by_party.push((party, vec![position])),
            }
        }
        // (earlier, later) positions, and what the pair's question found.
        let mut pairs: Vec<(usize, usize, Result<Option<Witness>, Undecided>)> = Vec::new();
        let mut ask = |a: usize, b: usize| {
            let (first, second) = (a.min(b), a.max(b));
            let found = self
                .space
                .bounded(|| self.conflict(rules[first], rules[second]));
            if !matches!(found, Ok(None)) {
                pairs.push((first, second, found));
            }
        };
        for (i, (_, a)) in by_party.iter().enumerate() {
            for (_, b) in &by_party[i + 1..] {
                self.meeting(rules, a, b, &mut ask);
            }
        }
        // A rule too large to build alone is weighed against each rule of
        // another party: few rules are, if any.
        for (k, &u) in unbuilt.iter().enumerate() {
            let others = (0..rules.len()).filter(|&v| {
                rules_of[rules[v]].party != rules_of[rules[u]].party
                    && (self.regions[rules[v]].is_some() || unbuilt[..k].contains(&v))
            });
            others.for_each(|v| ask(u, v));
        }
        pairs.sort_unstable_by_key(|&(first, second, _)| (first, second));
        for (first, second, found) in pairs {
            let (first, second) = (rules[first], rules[second]);
            match found {
                Ok(Some(witness)) => findings.push(Finding::Conflict {
                    first,
                    second,
                    witness,
                }),
                Ok(None) => {}
                Err(Undecided) => findings.push(Finding::Undecided {
                    span: rules_of[second].span,
                    question: Question::Conflict { other: first },
                }),
            }
        }
    }

    /// Asks about every pair of a rule at a position in `a` and one in `b`
    /// whose regions may meet: none where the two groups' unions do not;
    /// else the larger group is halved. A union or a meeting past its
    /// budget leaves every pair of the two groups to be asked alone.
    fn meeting(
        &self,
        rules: &[RuleId],
        a: &[usize],
        b: &[usize],
        ask: &mut impl FnMut(usize, usize),
    ) {
        if a.len() * b.len() <= PAIRS_ASKED_AT_ONCE {
            // Unions would cost as much as the pairs.
            a.iter().for_each(|&p| b.iter().for_each(|&q| ask(p, q)));
            return;
        }
        let groups = self
            .union_of(rules, a)
            .and_then(|ua| Ok((ua, self.union_of(rules, b)?)));
        match groups {
            Ok((ua, ub)) => self.meeting_of(rules, (a, ua), (b, ub), ask),
            Err(Undecided) => a.iter().for_each(|&p| b.iter().for_each(|&q| ask(p, q))),
        }
    }

    fn meeting_of(
        &self,
        rules: &[RuleId],
        (a, ua): Group,
        (b, ub): Group,
        ask: &mut impl FnMut(usize, usize),
    ) {
        let disjoint = self
            .space
            .bounded(|| Ok(self.space.intersect(&ua, &ub)?.is_empty()));
        // Whether the two groups' pairs are all accounted for; if not (a
        // budget spent, or groups small enough), each pair is asked.
        let accounted = match disjoint {
            Ok(true) => true,
            // Halving small groups costs more unions than it saves pairs.
            Ok(false) if a.len() * b.len() <= PAIRS_ASKED_ALONE => false,
            Ok(false) if a.len() >= b.len() => self
                .halves(rules, a)
                .map(|(x, y)| {
                    self.meeting_of(rules, x, (b, ub.clone()), ask);
                    self.meeting_of(rules, y, (b, ub), ask);
                })
                .is_ok(),
            Ok(false) => self
                .halves(rules, b)
                .map(|(x, y)| {
                    self.meeting_of(rules, (a, ua.clone()), x, ask);
                    self.meeting_of(rules, (a, ua), y, ask);
                })
                .is_ok(),
            Err(Undecided) => false,
        };
        if !accounted {
            a.iter().for_each(|&p| b.iter().for_each(|&q| ask(p, q)));
        }
    }

    /// The two halves of a group, each with its union.
    fn halves<'g>(
        &self,
        rules: &[RuleId],
        group: &'g [usize],
    ) -> Result<(Group<'g>, Group<'g>), Undecided> {
        let (x, y) = group.split_at(group.len() / 2);
        Ok(((x, self.union_of(rules, x)?), (y, self.union_of(rules, y)?)))
    }

    /// The union of the regions of the rules at `positions`, each step on
    /// its own budget.
    fn union_of(&self, rules: &[RuleId], positions: &[usize]) -> Result<Region, Undecided> {
        positions.iter().try_fold(self.space.nothing(), |acc, &p| {
            let region = self.regions[rules[p]]
                .as_ref()
                .expect("grouped rules are built");
            self.space.bounded(|| self.space.union(&acc, region))
        })
    }

    fn conflict(&self, first: RuleId, second: RuleId) -> Result<Option<Witness>, Undecided> {
        let both = match (&self.regions[first], &self.regions[second]) {
            (Some(a), Some(b)) => self.space.intersect(a, b)?,
            (Some(known), None) => self.rule_within(second, known)?,
            (None, Some(known)) => self.rule_within(first, known)?,
            // Building either alone already failed on a full budget:
            // trying again would only spend another.
            (None, None) => return Err(Undecided),
        };
        Ok(self.space.witness(&both))
    }

    /// Rules whose every scenario other rules of the same zone and party
    /// already match. Walks from the last rule back and measures each
    /// against the rules not yet found redundant, so removing every
    /// reported rule together keeps the policy's meaning.
    fn redundancies(&self, rules: &[RuleId], findings: &mut Vec<Finding>) {
        let mut parties: Vec<PartyId> = rules.iter().map(|&r| self.policy.rules[r].party).collect();
        parties.sort_unstable();
        parties.dedup();
        for party in parties {
            let same: Vec<RuleId> = rules
                .iter()
                .copied()
                .filter(|&r| self.policy.rules[r].party == party)
                .collect();
            self.redundancies_of_party(&same, findings);
        }
    }

    fn redundancies_of_party(&self, rules: &[RuleId], findings: &mut Vec<Finding>) {
        // before[i]: the union of the known regions of rules[..i]. Rules
        // before the one weighed are never yet found redundant.
        let mut before = Vec::with_capacity(rules.len());
        let mut union = Some(self.space.nothing());
        for &rule in rules {
            before.push(union.clone());
            union = match (union, &self.regions[rule]) {
                (Some(acc), Some(region)) => {
                    self.space.bounded(|| self.space.union(&acc, region)).ok()
                }
                (acc, None) => acc,
                (None, _) => None,
            };
        }
        // The union of the known regions of later rules not found redundant.
        let mut after = Some(self.space.nothing());
        // redundant[i]: whether rules[i] was found redundant.
        let mut redundant = vec![false; rules.len()];
        // The positions of rules too large to build alone: few, if any.
        let unbuilt: Vec<usize> = (0..rules.len())
            .filter(|&j| self.regions[rules[j]].is_none())
            .collect();
        for (i, &rule) in rules.iter().enumerate().rev() {
            let Some(region) = &self.regions[rule] else {
                continue;
            };
            if region.is_empty() {
                continue;
            }
            // The rules it is measured against, in rule order, lazily: a
            // rule covered by the first of a thousand copies of it costs
            // one step, not a thousand.
            let others = || {
                (0..rules.len())
                    .filter(|&j| j != i && !redundant[j])
                    .map(|j| rules[j])
            };
            let verdict = self.space.bounded(|| {
                let known = match (&before[i], &after) {
                    (Some(b), Some(a)) => self.space.union(b, a)?,
                    _ => return Err(Undecided),
                };
                let mut uncovered = self.space.minus(region, &known)?;
                // Rules too large to build alone are measured inside what is
                // left uncovered.
                for &j in unbuilt.iter().filter(|&&j| j != i && !redundant[j]) {
                    if uncovered.is_empty() {
                        break;
                    }
                    let covered = self.rule_within(rules[j], &uncovered)?;
                    uncovered = self.space.minus(&uncovered, &covered)?;
                }
                Ok(uncovered.is_empty())
            });
            match verdict {
                Ok(true) => {
                    // The cover to show, on its own budget: a proven
                    // redundancy is reported even if naming it runs out.
                    let covering = self
                        .space
                        .bounded(|| self.cover(region, others()))
                        .unwrap_or_default();
                    findings.push(Finding::RedundantRule { rule, covering });
                    redundant[i] = true;
                    continue;
                }
                Ok(false) => {}
                Err(Undecided) => findings.push(Finding::Undecided {
                    span: self.policy.rules[rule].span,
                    question: Question::Redundancy,
                }),
            }
            // Not redundant, or not known to be: it stays in the cover.
            after = after.and_then(|a| self.space.bounded(|| self.space.union(&a, region)).ok());
        }
    }

    /// The rules to name as covering `region`, which they do: the first
    /// that covers it alone, else, in rule order, each that matches some of
    /// what the ones before it left, until nothing is.
    fn cover(
        &self,
        region: &Region,
        others: impl Iterator<Item = RuleId> + Clone,
    ) -> Result<Vec<RuleId>, Undecided> {
        for other in others.clone() {
            let covered = self.rule_within(other, region)?;
            if self.space.minus(region, &covered)?.is_empty() {
                return Ok(vec![other]);
            }
        }
        let mut covering = Vec::new();
        let mut left = region.clone();
        for other in others {
            if left.is_empty() {
                break;
            }
            let covered = self.rule_within(other, &left)?;
            if !covered.is_empty() {
                covering.push(other);
                left = self.space.minus(&left, &covered)?;
            }
        }
        Ok(covering)
    }

    /// A scenario where the assertion's condition holds and its zone does
    /// not resolve to its party.
    ///
    /// The witness's free dimensions keep the same rules matching, so the
    /// decision reported holds wherever they go.
    fn counterexample(
        &self,
        assertion: &crate::model::policy::Assertion,
    ) -> Result<Option<(Witness, Decision)>, Undecided> {
        let claimed = self.space.region(&assertion.condition)?;
        let mut rules = Vec::new();
        for (id, rule) in self.policy.rules_for(assertion.zone) {
            rules.push((rule.party, self.rule_within(id, &claimed)?));
        }
        let answers = self.space.answers(&rules, &claimed)?;
        let held = answers.held_by(self.space, assertion.party, self.policy.default_party)?;
        let failing = self.space.minus(&claimed, &held)?;
        let Some(first) = self.space.witness(&failing) else {
            return Ok(None);
        };
        let zone_rules = self.policy.rules_of(assertion.zone);
        let matched = zone_rules
            .iter()
            .copied()
            .filter(|&r| self.policy.rules[r].condition.holds(&first.scenario))
            .collect();
        let decision = decide(self.policy, assertion.zone, matched);
        let mut same = failing;
        for (&id, (_, region)) in zone_rules.iter().zip(&rules) {
            same = if decision.rules.contains(&id) {
                self.space.intersect(&same, region)?
            } else {
                self.space.minus(&same, region)?
            };
        }
        let witness = self
            .space
            .witness(&same)
            .expect("the first failing scenario has these matching rules");
        Ok(Some((witness, decision)))
    }
}

/// A rule in conflict with more earlier rules than this is reported once,
/// with all of them, instead of once a pair: output grows with the rules,
/// not with the pairs.
const PAIRS_SHOWN_APART: usize = 3;

/// Every finding as a diagnostic, in order; the conflicts of a rule with
/// more than [`PAIRS_SHOWN_APART`] earlier rules merged into one, which
/// relates every one of them (the JSON keeps them all; the text shows the
/// first few).
pub fn diagnostics(policy: &Policy, findings: &[Finding]) -> Vec<Diagnostic> {
    let mut pairs_of: std::collections::HashMap<RuleId, Vec<&Finding>> = Default::default();
    for finding in findings {
        if let Finding::Conflict { second, .. } = finding {
            pairs_of.entry(*second).or_default().push(finding);
        }
    }
    let mut diagnostics = Vec::with_capacity(findings.len());
    for finding in findings {
        let Finding::Conflict { second, .. } = finding else {
            diagnostics.push(finding.to_diagnostic(policy));
            continue;
        };
        let Some(pairs) = pairs_of.get(second) else {
            continue; // merged into the diagnostic of its first pair
        };
        if pairs.len() <= PAIRS_SHOWN_APART {
            diagnostics.push(finding.to_diagnostic(policy));
            continue;
        }
        let pairs = pairs_of.remove(second).expect("just found");
        diagnostics.push(merged_conflicts(policy, *second, &pairs));
    }
    diagnostics
}

/// One diagnostic for the conflicts of rule `second` with many earlier
/// rules: the first pair's scenario shows one of them.
fn merged_conflicts(policy: &Policy, second: RuleId, pairs: &[&Finding]) -> Diagnostic {
    let rule = &policy.rules[second];
    let zone = &policy.zones[rule.zone].name;
    let party = |p: PartyId| policy.parties[p].name.as_str();
    let line = |r: RuleId| policy.source.line_column(policy.rules[r].span.start).0;
    let firsts: Vec<RuleId> = pairs
        .iter()
        .filter_map(|f| match f {
            Finding::Conflict { first, .. } => Some(*first),
            _ => None,
        })
        .collect();
    let listed: Vec<String> = firsts
        .iter()
        .take(PAIRS_SHOWN_APART)
        .map(|&r| line(r).to_string())
        .collect();
    let message = format!(
        "`{}` (line {}) conflicts on `{zone}` with {} earlier rules of other parties (lines {} and {} more): each pair matches a scenario together",
        party(rule.party),
        line(second),
        firsts.len(),
        listed.join(", "),
        firsts.len() - listed.len()
    );
    let first_pair = pairs[0].to_diagnostic(policy);
    let mut diagnostic = Diagnostic::new(Code::Conflict, message).with_label(
        rule.span,
        format!("gives `{zone}` to `{}`", party(rule.party)),
    );
    for &first in &firsts {
        let other = &policy.rules[first];
        diagnostic =
            diagnostic.with_related(other.span, format!("gives it to `{}`", party(other.party)));
    }
    diagnostic.scenario = first_pair.scenario;
    diagnostic.any_value = first_pair.any_value;
    diagnostic.with_help(first_pair.help)
}

impl Finding {
    fn span_start(&self, policy: &Policy) -> usize {
        match self {
            Finding::Conflict { second, .. } => policy.rules[*second].span.start,
            Finding::AssertFailed { assertion, .. } => policy.assertions[*assertion].span.start,
            Finding::DeadRule { rule } | Finding::RedundantRule { rule, .. } => {
                policy.rules[*rule].span.start
            }
            Finding::DefaultOnlyZone { zone } => policy.zones[*zone].span.start,
            Finding::Undecided { span, .. } => span.start,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Finding::Conflict { .. } => 0,
            Finding::AssertFailed { .. } => 1,
            Finding::DeadRule { .. } => 2,
            Finding::RedundantRule { .. } => 3,
            Finding::DefaultOnlyZone { .. } => 4,
            Finding::Undecided { .. } => 5,
        }
    }

    /// The finding as a located, coded diagnostic about `policy`.
    pub fn to_diagnostic(&self, policy: &Policy) -> Diagnostic {
        let line = |rule: RuleId| policy.source.line_column(policy.rules[rule].span.start).0;
        let party = |p: PartyId| policy.parties[p].name.as_str();
        let shown = |diagnostic: Diagnostic, witness: &Witness| {
            let pairs = policy
                .scenario_pairs(&witness.scenario)
                .map(|(d, v)| (d.to_string(), v.to_string()))
                .collect();
            let free = witness
                .free
                .iter()
                .map(|&d| policy.dimensions[d].name.clone())
                .collect();
            diagnostic.with_scenario(pairs, free)
        };
        match self {
            Finding::Conflict {
                first,
                second,
                witness,
            } => {
                let (a, b) = (&policy.rules[*first], &policy.rules[*second]);
                let zone = &policy.zones[a.zone].name;
                let diagnostic = Diagnostic::new(
                    Code::Conflict,
                    format!(
                        "rules for `{zone}` conflict: `{}` (line {}) and `{}` (line {}) both match",
                        party(a.party),
                        line(*first),
                        party(b.party),
                        line(*second)
                    ),
                )
                .with_label(b.span, format!("gives `{zone}` to `{}`", party(b.party)))
                .with_related(a.span, format!("gives it to `{}`", party(a.party)));
                shown(diagnostic, witness).with_help(Some(
                    "make the conditions exclusive, or give the zone to `shared` where both hold"
                        .into(),
                ))
            }
            Finding::AssertFailed {
                assertion,
                witness,
                decision,
            } => {
                let claim = &policy.assertions[*assertion];
                let zone = &policy.zones[claim.zone].name;
                let got = match (decision.status, decision.party) {
                    (Status::Conflict, _) => "a conflict".to_string(),
                    (Status::Default, Some(p)) => format!("`{}` by default", party(p)),
                    (_, Some(p)) => format!("`{}`", party(p)),
                    (_, None) => "nobody".to_string(),
                };
                let mut diagnostic = Diagnostic::new(
                    Code::AssertFailed,
                    format!(
                        "assertion does not hold: `{zone}` resolves to {got}, not `{}`",
                        party(claim.party)
                    ),
                )
                .with_label(claim.span, "does not hold in the scenario below");
                diagnostic = shown(diagnostic, witness);
                for &rule in &decision.rules {
                    let r = &policy.rules[rule];
                    diagnostic = diagnostic.with_related(
                        r.span,
                        format!("gives `{zone}` to `{}` here", party(r.party)),
                    );
                }
                diagnostic
            }
            Finding::DeadRule { rule } => {
                let r = &policy.rules[*rule];
                Diagnostic::new(
                    Code::DeadRule,
                    "rule never matches: its condition holds in no scenario",
                )
                .with_label(r.qualifier_span, "holds in no scenario")
                .with_help(Some(
                    "a dimension takes one value at a time: `when iaas and saas` never holds"
                        .into(),
                ))
            }
            Finding::RedundantRule { rule, covering } => {
                let r = &policy.rules[*rule];
                let lines: Vec<String> = covering.iter().map(|&c| line(c).to_string()).collect();
                let mut diagnostic = Diagnostic::new(
                    Code::RedundantRule,
                    format!(
                        "rule is redundant: every scenario it matches is matched by {}, which also give{} `{}`",
                        match lines.len() {
                            0 => "other rules of the zone".to_string(),
                            1 => format!("line {}", lines[0]),
                            _ => format!("lines {}", lines.join(", ")),
                        },
                        if lines.len() == 1 { "s" } else { "" },
                        party(r.party)
                    ),
                )
                .with_label(r.span, "redundant")
                .with_help(Some("remove it, or narrow the rules that cover it".into()));
                for &c in covering {
                    diagnostic = diagnostic.with_related(policy.rules[c].span, "covers it");
                }
                diagnostic
            }
            Finding::Undecided { span, question } => {
                let (message, label) = match question {
                    Question::Rule => (
                        "too complex to analyse: where this rule holds is more than the checker weighs, so whether it is dead, redundant or in conflict is not proven".to_string(),
                        "not analysed",
                    ),
                    Question::Conflict { other } => (
                        format!(
                            "too complex to analyse: whether this rule conflicts with line {} is not proven",
                            line(*other)
                        ),
                        "not compared",
                    ),
                    Question::Redundancy => (
                        "too complex to analyse: whether this rule is redundant is not proven".to_string(),
                        "not compared",
                    ),
                    Question::Assertion => (
                        "too complex to analyse: whether this assertion holds is not proven".to_string(),
                        "not decided",
                    ),
                };
                let mut diagnostic = Diagnostic::new(Code::AnalysisLimit, message)
                    .with_label(*span, label)
                    .with_help(Some(
                        "declare the dimensions that a condition pairs next to each other, or split the condition into several rules".into(),
                    ));
                if let Question::Conflict { other } = question {
                    diagnostic =
                        diagnostic.with_related(policy.rules[*other].span, "the other rule");
                }
                diagnostic
            }
            Finding::DefaultOnlyZone { zone } => {
                let z = &policy.zones[*zone];
                Diagnostic::new(
                    Code::DefaultOnlyZone,
                    format!(
                        "no rule decides `{}` in any scenario: it always falls to the default, `{}`",
                        z.name,
                        party(policy.default_party)
                    ),
                )
                .with_label(z.span, "never decided by a rule")
                .with_help(Some(format!(
                    "add a rule, as in `{}: {} always`",
                    z.name,
                    party(policy.default_party)
                )))
            }
        }
    }
}
