//! Every name a document writes, by the syntax tree: what it names (a zone,
//! party, dimension or value, and a value's dimension), where, and whether
//! it is the declaration. Definition, references and hover all read this.

use onus::syntax::{ConditionKind, PolicyFile, Qualifier, StatementKind};
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
    let mut found = Vec::new();
    let dimension_of = |value: &str| -> String {
        (tree.statements.iter())
            .find_map(|s| match &s.kind {
                StatementKind::Dimension { name, values }
                    if values.iter().any(|v| v.text == value) =>
                {
                    Some(name.text.clone())
                }
                _ => None,
            })
            .or_else(|| {
                onus::PRELUDE_MODEL
                    .contains(&value)
                    .then(|| "model".to_string())
            })
            .unwrap_or_default()
    };
    let mut push = |named: Named, span: Span, declares: bool| {
        found.push(Occurrence {
            named,
            span,
            declares,
        })
    };
    for statement in &tree.statements {
        match &statement.kind {
            StatementKind::Zone { name, .. } => {
                push(Named::Zone(name.text.clone()), name.span, true)
            }
            StatementKind::Party { name, .. } => {
                push(Named::Party(name.text.clone()), name.span, true)
            }
            StatementKind::Dimension { name, values } => {
                push(Named::Dimension(name.text.clone()), name.span, true);
                for value in values {
                    let named = Named::Value {
                        dimension: name.text.clone(),
                        value: value.text.clone(),
                    };
                    push(named, value.span, true);
                }
            }
            StatementKind::Default(party) => {
                push(Named::Party(party.text.clone()), party.span, false)
            }
            StatementKind::Rule(rule) => {
                push(Named::Zone(rule.zone.text.clone()), rule.zone.span, false);
                push(
                    Named::Party(rule.party.text.clone()),
                    rule.party.span,
                    false,
                );
                condition_names(&rule.qualifier, &dimension_of, &mut push);
            }
            StatementKind::Assert(assertion) => {
                let zone = &assertion.zone;
                push(Named::Zone(zone.text.clone()), zone.span, false);
                let party = &assertion.party;
                push(Named::Party(party.text.clone()), party.span, false);
                condition_names(&assertion.qualifier, &dimension_of, &mut push);
            }
            StatementKind::Test(test) => {
                for (dimension, value) in &test.scenario {
                    push(
                        Named::Dimension(dimension.text.clone()),
                        dimension.span,
                        false,
                    );
                    let named = Named::Value {
                        dimension: dimension.text.clone(),
                        value: value.text.clone(),
                    };
                    push(named, value.span, false);
                }
                for (zone, party) in &test.expect {
                    push(Named::Zone(zone.text.clone()), zone.span, false);
                    push(Named::Party(party.text.clone()), party.span, false);
                }
            }
            StatementKind::Controls(line) => {
                push(Named::Zone(line.zone.text.clone()), line.zone.span, false)
            }
            StatementKind::Resource(entry) => {
                for setting in &entry.settings {
                    let dimension = &setting.dimension;
                    push(
                        Named::Dimension(dimension.text.clone()),
                        dimension.span,
                        false,
                    );
                    for value in &setting.values {
                        let named = Named::Value {
                            dimension: dimension.text.clone(),
                            value: value.text.clone(),
                        };
                        push(named, value.span, false);
                    }
                }
            }
            StatementKind::Title(_)
            | StatementKind::TestsFor(_)
            | StatementKind::Mapping { .. }
            | StatementKind::ResourcesFor(_) => {}
        }
    }
    found
}

fn condition_names(
    qualifier: &Qualifier,
    dimension_of: &dyn Fn(&str) -> String,
    push: &mut dyn FnMut(Named, Span, bool),
) {
    let condition = match qualifier {
        Qualifier::Always => return,
        Qualifier::When(c) | Qualifier::Unless(c) => c,
    };
    let mut pending = vec![condition];
    while let Some(condition) = pending.pop() {
        match &condition.kind {
            ConditionKind::Bare(value) => {
                let named = Named::Value {
                    dimension: dimension_of(&value.text),
                    value: value.text.clone(),
                };
                push(named, value.span, false);
            }
            ConditionKind::Is {
                dimension, value, ..
            } => {
                push(
                    Named::Dimension(dimension.text.clone()),
                    dimension.span,
                    false,
                );
                let named = Named::Value {
                    dimension: dimension.text.clone(),
                    value: value.text.clone(),
                };
                push(named, value.span, false);
            }
            ConditionKind::In { dimension, values } => {
                push(
                    Named::Dimension(dimension.text.clone()),
                    dimension.span,
                    false,
                );
                for value in values {
                    let named = Named::Value {
                        dimension: dimension.text.clone(),
                        value: value.text.clone(),
                    };
                    push(named, value.span, false);
                }
            }
            ConditionKind::Not(inner) | ConditionKind::Group(inner) => pending.push(inner),
            ConditionKind::And(a, b) | ConditionKind::Or(a, b) => {
                // Right first, so the stack gives them in the order written.
                pending.push(b);
                pending.push(a);
            }
        }
    }
}

/// The name written at a byte offset (its end included, as a cursor just
/// after a word is on it).
pub fn at(occurrences: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    (occurrences.iter()).find(|o| o.span.start <= offset && offset <= o.span.end)
}
