//! Every name a document writes, by the syntax tree: what it names (a zone,
//! party, dimension or value, and a value's dimension), where, and whether
//! it is the declaration. Definition, references and hover all read this.

use onus::syntax::{ConditionKind, Name, PolicyFile, Qualifier, StatementKind};
use onus::Span;

/// What a name names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    Zone(String),
    Party(String),
    Dimension(String),
    /// A value and its dimension: the one whose declaration has it, else
    /// the prelude's `model` if it is one of its values, else empty (a
    /// typo).
    Value {
        dimension: String,
        value: String,
    },
}

/// One place a name is written.
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub named: Named,
    pub span: Span,
    /// Whether this is its `zone`, `party` or `dimension` declaration.
    pub declares: bool,
}

/// Every name of the document, in the order written.
pub fn occurrences(tree: &PolicyFile) -> Vec<Occurrence> {
    let mut found = Found {
        tree,
        occurrences: Vec::new(),
    };
    for statement in &tree.statements {
        match &statement.kind {
            StatementKind::Zone { name, .. } => {
                found.name(Named::Zone(name.text.clone()), name, true)
            }
            StatementKind::Party { name, .. } => {
                found.name(Named::Party(name.text.clone()), name, true)
            }
            StatementKind::Dimension { name, values } => found.setting(name, values, true),
            StatementKind::Default(party) => {
                found.name(Named::Party(party.text.clone()), party, false)
            }
            StatementKind::Rule(rule) => {
                found.zone_and_party(&rule.zone, &rule.party);
                found.qualifier(&rule.qualifier);
            }
            StatementKind::Assert(assertion) => {
                found.zone_and_party(&assertion.zone, &assertion.party);
                found.qualifier(&assertion.qualifier);
            }
            StatementKind::Test(test) => {
                for (dimension, value) in &test.scenario {
                    found.setting(dimension, std::slice::from_ref(value), false);
                }
                for (zone, party) in &test.expect {
                    found.zone_and_party(zone, party);
                }
            }
            StatementKind::Controls(line) if !line.every_zone => {
                found.name(Named::Zone(line.zone.text.clone()), &line.zone, false)
            }
            StatementKind::Controls(_) => {}
            StatementKind::Resource(entry) => {
                for setting in &entry.settings {
                    found.setting(&setting.dimension, &setting.values, false);
                }
            }
            StatementKind::Title(_)
            | StatementKind::TestsFor(_)
            | StatementKind::Mapping { .. }
            | StatementKind::ResourcesFor(_) => {}
        }
    }
    found.occurrences
}

/// The names found so far in a tree.
struct Found<'t> {
    tree: &'t PolicyFile,
    occurrences: Vec<Occurrence>,
}

impl Found<'_> {
    fn name(&mut self, named: Named, name: &Name, declares: bool) {
        self.occurrences.push(Occurrence {
            named,
            span: name.span,
            declares,
        });
    }

    fn zone_and_party(&mut self, zone: &Name, party: &Name) {
        self.name(Named::Zone(zone.text.clone()), zone, false);
        self.name(Named::Party(party.text.clone()), party, false);
    }

    /// A dimension and values of it: a declaration, a test's or a
    /// resource's setting, `dimension is value`, `dimension in [...]`.
    fn setting(&mut self, dimension: &Name, values: &[Name], declares: bool) {
        self.name(
            Named::Dimension(dimension.text.clone()),
            dimension,
            declares,
        );
        for value in values {
            let named = Named::Value {
                dimension: dimension.text.clone(),
                value: value.text.clone(),
            };
            self.name(named, value, declares);
        }
    }

    /// The dimension a bare value belongs to: the one whose declaration
    /// has it, else the prelude's `model` if it is one of its values.
    fn dimension_of(&self, value: &str) -> String {
        (self.tree.statements.iter())
            .find_map(|s| match &s.kind {
                StatementKind::Dimension { name, values }
                    if values.iter().any(|v| v.text == value) =>
                {
                    Some(name.text.clone())
                }
                _ => None,
            })
            .or_else(|| (onus::PRELUDE_MODEL.contains(&value)).then(|| "model".to_string()))
            .unwrap_or_default()
    }

    fn qualifier(&mut self, qualifier: &Qualifier) {
        let condition = match qualifier {
            Qualifier::Always => return,
            Qualifier::When(c) | Qualifier::Unless(c) => c,
        };
        let mut pending = vec![condition];
        while let Some(condition) = pending.pop() {
            match &condition.kind {
                ConditionKind::Bare(value) => {
                    let named = Named::Value {
                        dimension: self.dimension_of(&value.text),
                        value: value.text.clone(),
                    };
                    self.name(named, value, false);
                }
                ConditionKind::Is {
                    dimension, value, ..
                } => self.setting(dimension, std::slice::from_ref(value), false),
                ConditionKind::In { dimension, values } => self.setting(dimension, values, false),
                ConditionKind::Not(inner) | ConditionKind::Group(inner) => pending.push(inner),
                ConditionKind::And(a, b) | ConditionKind::Or(a, b) => {
                    // Right first, so the stack gives them in the order written.
                    pending.push(b);
                    pending.push(a);
                }
            }
        }
    }
}

/// The name written at a byte offset (its end included, as a cursor just
/// after a word is on it).
pub fn at(occurrences: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    (occurrences.iter()).find(|o| o.span.start <= offset && offset <= o.span.end)
}
