//! The syntax tree: what a policy file says, before any name is resolved.
//!
//! Nodes carry [`Span`]s that equality ignores, so trees compare by
//! structure. Comments are kept (attached to the statement they precede or
//! follow on the same line) so the formatter can reproduce them.

use crate::span::Span;

/// A whole policy file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PolicyFile {
    pub statements: Vec<Statement>,
    /// Comments after the last statement.
    pub trailing_comments: Vec<Comment>,
}

/// One statement and the comments that belong to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Whole-line comments directly above the statement.
    pub leading_comments: Vec<Comment>,
    pub kind: StatementKind,
    /// A comment at the end of the statement's (last) line.
    pub trailing_comment: Option<Comment>,
    pub span: Span,
}

/// `# text`: the text after `#`, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StatementKind {
    /// `policy "Microsoft shared-responsibility model"`
    Title(Text),
    /// `party provider "Microsoft"`
    Party { name: Name, label: Option<Text> },
    /// `zone data "Information and data"`
    Zone { name: Name, label: Option<Text> },
    /// `dimension model: on-prem, iaas, paas, saas`
    Dimension { name: Name, values: Vec<Name> },
    /// `default: customer`
    Default(Name),
    /// `data: customer always because "you always keep your data"`
    Rule(Rule),
    /// `assert data: customer always`
    Assert(Assertion),
    /// `test "vm in iaas" { model: iaas } expect { operating system: customer }`
    Test(TestCase),
    /// `tests for "azure"`: makes the file a test file for that policy.
    TestsFor(Text),
}

impl PolicyFile {
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
    pub text: String,
    pub span: Span,
}

/// A double-quoted string, unescaped.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub text: String,
    pub span: Span,
}

/// `<zone>: <party> <qualifier> [because "<text>"]`
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub zone: Name,
    pub party: Name,
    pub qualifier: Qualifier,
    pub because: Option<Text>,
}

/// `assert <zone>: <party> <qualifier>`: a claim the checker proves.
#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    pub zone: Name,
    pub party: Name,
    pub qualifier: Qualifier,
}

/// `test "<name>" { <dimension>: <value>, ... } expect { <zone>: <party>, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct TestCase {
    pub name: Text,
    pub scenario: Vec<(Name, Name)>,
    pub expect: Vec<(Name, Name)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Qualifier {
    /// `always`
    Always,
    /// `when <condition>`
    When(Condition),
    /// `unless <condition>`: holds where the condition does not.
    Unless(Condition),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConditionKind {
    /// `on-prem`: the one dimension that has this value takes it.
    Bare(Name),
    /// `model is iaas`, or `model is not iaas` when `negated`.
    Is {
        dimension: Name,
        value: Name,
        negated: bool,
    },
    /// `model in [paas, saas]`
    In { dimension: Name, values: Vec<Name> },
    /// `not <condition>`
    Not(Box<Condition>),
    /// `<condition> and <condition>`
    And(Box<Condition>, Box<Condition>),
    /// `<condition> or <condition>`
    Or(Box<Condition>, Box<Condition>),
    /// `( <condition> )`: kept so the formatter can keep the author's grouping.
    Group(Box<Condition>),
}
