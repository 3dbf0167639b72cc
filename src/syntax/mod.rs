//! The syntax tree: what a policy file says, before any name is resolved.
//!
//! Nodes carry [`Span`]s, and equality includes them;
//! [`PolicyFile::same_shape`] compares two trees by structure alone (a
//! formatted policy has the same shape as the original, in canonical
//! order). Comments are kept (attached to the statement they precede or
//! follow on the same line) so the formatter can reproduce them.
//!
//! The syntax layer owns the tree (this file), the parser (`parse`, the
//! only code that knows pest) and the formatter (`format`, a pure printer).
//! May import: `base`, `diagnostic`.

pub(crate) mod format;
pub(crate) mod parse;

use crate::base::span::Span;

/// A whole policy file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PolicyFile {
    /// Comments at the top of the file set off from the first statement by
    /// a blank line: a file header, which stays first whatever statement
    /// comes first in canonical order.
    pub header_comments: Vec<Comment>,
    /// Every statement, in source order.
    pub statements: Vec<Statement>,
    /// Comments after the last statement.
    pub trailing_comments: Vec<Comment>,
}

/// One statement and the comments that belong to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Whole-line comments directly above the statement.
    pub leading_comments: Vec<Comment>,
    /// What the statement says.
    pub kind: StatementKind,
    /// A comment at the end of the statement's (last) line.
    pub trailing_comment: Option<Comment>,
    /// Where it is.
    pub span: Span,
}

/// `# text`: the text after `#`, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The text, without its delimiters.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
/// A statement of a policy or test file.
pub enum StatementKind {
    /// `policy "Microsoft shared-responsibility model"`
    Title(Text),
    /// `party provider "Microsoft"`
    Party {
        /// The name as written.
        name: Name,
        /// The quoted label, if any.
        label: Option<Text>,
    },
    /// `zone data "Information and data"`
    Zone {
        /// The name as written.
        name: Name,
        /// The quoted label, if any.
        label: Option<Text>,
    },
    /// `dimension model: on-prem, iaas, paas, saas`
    Dimension {
        /// The name as written.
        name: Name,
        /// The values, in order.
        values: Vec<Name>,
    },
    /// `default: customer`
    Default(Name),
    /// `data: customer always because "you always keep your data"`
    Rule(RuleStatement),
    /// `assert data: customer always`
    Assert(AssertStatement),
    /// `test "vm in iaas" { model: iaas } expect { operating system: customer }`
    Test(TestCase),
    /// `tests for "azure"`: makes the file a test file for that policy.
    TestsFor(Text),
    /// `mapping nist-sp-800-53-rev5 "..."`: makes the file a mapping from
    /// zones to the controls of that framework.
    Mapping {
        /// The framework, by its name in Onus (`nist-sp-800-53-rev5`).
        framework: Name,
        /// The quoted title, if any.
        title: Option<Text>,
    },
    /// `physical datacenter: controls pe-2, pe-3 because "..."`
    Controls(ControlsStatement),
    /// `resources for "azure-services"`: makes the file a resource map for
    /// that policy.
    ResourcesFor(Text),
    /// `resource "aws_instance" { service: infrastructure } because "..."`
    Resource(ResourceStatement),
}

/// `service: infrastructure`, or `service: [container, abstracted]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceSetting {
    /// The dimension.
    pub dimension: Name,
    /// Its value, or the values it may take.
    pub values: Vec<Name>,
    /// Whether the values are written as a list, `[...]`.
    pub listed: bool,
}

/// `resource "aws_instance" { service: infrastructure } because "EC2"`:
/// the scenario a resource type means, dimensions left out left open.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceStatement {
    /// The resource type, as the inventory writes it.
    pub resource_type: Text,
    /// `when "kind" is "functionapp"`: the attribute path and the value it
    /// must have for the line to hold.
    pub when: Option<(Text, Text)>,
    /// The dimensions it gives, in order.
    pub settings: Vec<ResourceSetting>,
    /// The reason after `because`, if any.
    pub because: Option<Text>,
}

/// `physical datacenter: controls pe-2, pe-3 because "physical access"`:
/// the controls of a framework a zone carries.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlsStatement {
    /// The zone, as written (`every zone` for an every-zone line).
    pub zone: Name,
    /// `every zone: controls ...`: every zone of a policy carries them.
    pub every_zone: bool,
    /// The control ids, in order.
    pub controls: Vec<Name>,
    /// The reason after `because`, if any.
    pub because: Option<Text>,
}

impl PolicyFile {
    /// Whether two trees say the same thing in the same order, wherever
    /// their nodes sit in their texts.
    pub fn same_shape(&self, other: &PolicyFile) -> bool {
        self.without_spans() == other.without_spans()
    }

    /// The tree with every span empty.
    pub fn without_spans(&self) -> PolicyFile {
        let mut tree = self.clone();
        for statement in &mut tree.statements {
            statement.erase_spans();
        }
        (tree.header_comments.iter_mut())
            .chain(&mut tree.trailing_comments)
            .for_each(Comment::erase_spans);
        tree
    }

    /// The policy a test file names, if this is a test file.
    pub fn tests_for(&self) -> Option<&Text> {
        self.statements.iter().find_map(|s| match &s.kind {
            StatementKind::TestsFor(policy) => Some(policy),
            _ => None,
        })
    }
}

/// A name as written: a zone, party, dimension or value.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    /// The text, without its delimiters.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A double-quoted string, unescaped.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    /// The text, without its delimiters.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// `<zone>: <party> <qualifier> [enabled-by-default] [because "<text>"]`
#[derive(Clone, Debug, PartialEq)]
pub struct RuleStatement {
    /// The zone.
    pub zone: Name,
    /// The party.
    pub party: Name,
    /// When it applies.
    pub qualifier: Qualifier,
    /// `enabled-by-default`: the zone's protection is on where the rule
    /// holds without anyone configuring it.
    pub enabled_by_default: bool,
    /// The reason after `because`, if any.
    pub because: Option<Text>,
}

/// `assert <zone>: <party> <qualifier>`: a claim the checker proves.
#[derive(Clone, Debug, PartialEq)]
pub struct AssertStatement {
    /// The zone.
    pub zone: Name,
    /// The party.
    pub party: Name,
    /// When it applies.
    pub qualifier: Qualifier,
}

/// `test "<name>" { <dimension>: <value>, ... } expect { <zone>: <party>, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct TestCase {
    /// The test's name.
    pub name: Text,
    /// The scenario: dimension and value, as written.
    pub scenario: Vec<(Name, Name)>,
    /// The zones checked and the parties expected, as written.
    pub expect: Vec<(Name, Name)>,
}

#[derive(Clone, Debug, PartialEq)]
/// When a rule or an assertion applies.
pub enum Qualifier {
    /// `always`
    Always,
    /// `when <condition>`
    When(Condition),
    /// `unless <condition>`: holds where the condition does not.
    Unless(Condition),
}

#[derive(Clone, Debug, PartialEq)]
/// A condition over the dimensions, as written.
pub struct Condition {
    /// Its form.
    pub kind: ConditionKind,
    /// Where it is.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
/// The forms of a condition.
pub enum ConditionKind {
    /// `on-prem`: the one dimension that has this value takes it.
    Bare(Name),
    /// `model is iaas`, or `model is not iaas` when `negated`.
    Is {
        /// The dimension.
        dimension: Name,
        /// The value as written.
        value: Name,
        /// Whether it reads `is not`.
        negated: bool,
    },
    /// `model in [paas, saas]`
    In {
        /// The dimension.
        dimension: Name,
        /// The values, in order.
        values: Vec<Name>,
    },
    /// `not <condition>`
    Not(Box<Condition>),
    /// `<condition> and <condition>`
    And(Box<Condition>, Box<Condition>),
    /// `<condition> or <condition>`
    Or(Box<Condition>, Box<Condition>),
    /// `( <condition> )`: kept so the formatter can keep the author's grouping.
    Group(Box<Condition>),
}

impl Statement {
    fn erase_spans(&mut self) {
        self.span = Span::default();
        self.leading_comments
            .iter_mut()
            .for_each(Comment::erase_spans);
        self.trailing_comment
            .iter_mut()
            .for_each(Comment::erase_spans);
        match &mut self.kind {
            StatementKind::Title(text)
            | StatementKind::TestsFor(text)
            | StatementKind::ResourcesFor(text) => text.span = Span::default(),
            StatementKind::Resource(entry) => {
                entry.resource_type.span = Span::default();
                if let Some((path, value)) = &mut entry.when {
                    path.span = Span::default();
                    value.span = Span::default();
                }
                for setting in &mut entry.settings {
                    setting.dimension.span = Span::default();
                    (setting.values.iter_mut()).for_each(|v| v.span = Span::default());
                }
                entry
                    .because
                    .iter_mut()
                    .for_each(|b| b.span = Span::default());
            }
            StatementKind::Mapping { framework, title } => {
                framework.span = Span::default();
                title.iter_mut().for_each(|t| t.span = Span::default());
            }
            StatementKind::Controls(line) => {
                line.zone.span = Span::default();
                line.controls
                    .iter_mut()
                    .for_each(|c| c.span = Span::default());
                line.because
                    .iter_mut()
                    .for_each(|b| b.span = Span::default());
            }
            StatementKind::Party { name, label } | StatementKind::Zone { name, label } => {
                name.span = Span::default();
                label.iter_mut().for_each(|l| l.span = Span::default());
            }
            StatementKind::Dimension { name, values } => {
                name.span = Span::default();
                values.iter_mut().for_each(|v| v.span = Span::default());
            }
            StatementKind::Default(name) => name.span = Span::default(),
            StatementKind::Rule(rule) => {
                rule.zone.span = Span::default();
                rule.party.span = Span::default();
                rule.qualifier.erase_spans();
                rule.because
                    .iter_mut()
                    .for_each(|b| b.span = Span::default());
            }
            StatementKind::Assert(assertion) => {
                assertion.zone.span = Span::default();
                assertion.party.span = Span::default();
                assertion.qualifier.erase_spans();
            }
            StatementKind::Test(test) => {
                test.name.span = Span::default();
                for (a, b) in test.scenario.iter_mut().chain(&mut test.expect) {
                    a.span = Span::default();
                    b.span = Span::default();
                }
            }
        }
    }
}

impl Comment {
    fn erase_spans(&mut self) {
        self.span = Span::default();
    }
}

impl Qualifier {
    fn erase_spans(&mut self) {
        match self {
            Qualifier::Always => {}
            Qualifier::When(condition) | Qualifier::Unless(condition) => condition.erase_spans(),
        }
    }
}

impl Condition {
    fn erase_spans(&mut self) {
        self.span = Span::default();
        match &mut self.kind {
            ConditionKind::Bare(name) => name.span = Span::default(),
            ConditionKind::Is {
                dimension, value, ..
            } => {
                dimension.span = Span::default();
                value.span = Span::default();
            }
            ConditionKind::In { dimension, values } => {
                dimension.span = Span::default();
                values.iter_mut().for_each(|v| v.span = Span::default());
            }
            ConditionKind::Not(inner) | ConditionKind::Group(inner) => inner.erase_spans(),
            ConditionKind::And(a, b) | ConditionKind::Or(a, b) => {
                a.erase_spans();
                b.erase_spans();
            }
        }
    }
}
