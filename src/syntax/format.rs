//! The canonical layout of a policy, printed from its syntax tree.
//!
//! Declarations come first in a fixed order (title, parties, dimensions,
//! default, zones), then rules grouped by zone in zone order (declared
//! order, then first mention), then assertions, then tests; one blank line
//! between groups, one space around keywords. A mapping's `mapping` line
//! (a resource map's `resources for` line) comes first, then its
//! `controls` (`resource`) lines as written, a blank line before each that
//! a comment heads. Comments stay with the
//! statement they were attached to. Statements keep their relative order
//! within a group, so the meaning never changes.

use crate::diagnostic::{Report, Source};
use crate::syntax::{
    Comment, Condition, ConditionKind, Name, PolicyFile, Qualifier, Statement, StatementKind, Text,
};

/// The policy in canonical layout.
fn format(file: &PolicyFile) -> String {
    let mut out = String::new();
    for comment in &file.header_comments {
        out.push_str(&format!("#{}\n", comment.text));
    }
    if !file.header_comments.is_empty() {
        out.push('\n');
    }
    let mut group_of_last: Option<Group> = None;
    let ranks = ZoneRanks::of(file);
    let ordered = canonical_order(file, &ranks);
    for statement in &ordered.statements {
        let group = group(&ranks, statement);
        // A mapping's lines are one group; a comment above one opens a
        // section of it.
        let new_section = matches!(group, Group::Controls | Group::Resources)
            && !statement.leading_comments.is_empty();
        if group_of_last.is_some() && (group_of_last != Some(group) || new_section) {
            out.push('\n');
        }
        group_of_last = Some(group);
        for comment in &statement.leading_comments {
            out.push_str(&format!("#{}\n", comment.text));
        }
        out.push_str(&statement_text(&statement.kind));
        if let Some(comment) = &statement.trailing_comment {
            out.push_str(&format!(" #{}", comment.text));
        }
        out.push('\n');
    }
    if !file.trailing_comments.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        for comment in &file.trailing_comments {
            out.push_str(&format!("#{}\n", comment.text));
        }
    }
    out
}

/// The statements in the order [`format`] prints them.
fn canonical_order(file: &PolicyFile, ranks: &ZoneRanks) -> PolicyFile {
    let mut statements = file.statements.clone();
    statements.sort_by_key(|s| group(ranks, s));
    PolicyFile {
        header_comments: file.header_comments.clone(),
        statements,
        trailing_comments: file.trailing_comments.clone(),
    }
}

/// Where a statement goes; groups print in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    TestsFor,
    ResourcesFor,
    Mapping,
    Title,
    Parties,
    Dimensions,
    Default,
    Zones,
    /// The rules of the n-th zone in zone order.
    Rules(usize),
    Assertions,
    Tests,
    /// A mapping's lines keep their written order.
    Controls,
    /// So do a resource map's.
    Resources,
}

fn group(ranks: &ZoneRanks, statement: &Statement) -> Group {
    match &statement.kind {
        StatementKind::TestsFor(_) => Group::TestsFor,
        StatementKind::Title(_) => Group::Title,
        StatementKind::Party { .. } => Group::Parties,
        StatementKind::Dimension { .. } => Group::Dimensions,
        StatementKind::Default(_) => Group::Default,
        StatementKind::Zone { .. } => Group::Zones,
        StatementKind::Rule(rule) => Group::Rules(ranks.rank(&rule.zone.text)),
        StatementKind::Assert(_) => Group::Assertions,
        StatementKind::Test(_) => Group::Tests,
        StatementKind::Mapping { .. } => Group::Mapping,
        StatementKind::Controls(_) => Group::Controls,
        StatementKind::ResourcesFor(_) => Group::ResourcesFor,
        StatementKind::Resource(_) => Group::Resources,
    }
}

/// Each zone's place: declared zones first, then zones by first mention.
/// Computed once per file, so ordering n statements costs n log n, not the
/// n^2 per statement of looking each zone up again.
struct ZoneRanks<'a>(std::collections::HashMap<&'a str, usize>);

impl<'a> ZoneRanks<'a> {
    fn of(file: &'a PolicyFile) -> Self {
        let declared = file.statements.iter().filter_map(|s| match &s.kind {
            StatementKind::Zone { name, .. } => Some(name.text.as_str()),
            _ => None,
        });
        let mentioned = file.statements.iter().filter_map(|s| match &s.kind {
            StatementKind::Rule(rule) => Some(rule.zone.text.as_str()),
            _ => None,
        });
        let mut ranks = std::collections::HashMap::new();
        for name in declared.chain(mentioned) {
            let next = ranks.len();
            ranks.entry(name).or_insert(next);
        }
        ZoneRanks(ranks)
    }

    fn rank(&self, zone: &str) -> usize {
        self.0.get(zone).copied().unwrap_or(self.0.len())
    }
}

fn statement_text(kind: &StatementKind) -> String {
    match kind {
        StatementKind::TestsFor(policy) => format!("tests for {}", text(policy)),
        StatementKind::ResourcesFor(policy) => format!("resources for {}", text(policy)),
        StatementKind::Resource(entry) => {
            let settings: Vec<String> = (entry.settings.iter())
                .map(|setting| {
                    let values: Vec<&str> =
                        setting.values.iter().map(|v| v.text.as_str()).collect();
                    match setting.listed {
                        true => format!("{}: [{}]", setting.dimension.text, values.join(", ")),
                        false => format!("{}: {}", setting.dimension.text, values.join(", ")),
                    }
                })
                .collect();
            let block = match settings.is_empty() {
                true => "{}".to_string(),
                false => format!("{{ {} }}", settings.join(", ")),
            };
            let mut out = format!("resource {}", text(&entry.resource_type));
            if let Some((path, value)) = &entry.when {
                out.push_str(&format!(" when {} is {}", text(path), text(value)));
            }
            out.push_str(&format!(" {block}"));
            if let Some(because) = &entry.because {
                out.push_str(&format!(" because {}", text(because)));
            }
            out
        }
        StatementKind::Title(title) => format!("policy {}", text(title)),
        StatementKind::Mapping { framework, title } => {
            with_label(format!("mapping {}", framework.text), title)
        }
        StatementKind::Controls(line) => {
            let controls: Vec<&str> = line.controls.iter().map(|c| c.text.as_str()).collect();
            let carrier = match line.every_zone {
                true => "every zone".to_string(),
                false => zone(&line.zone),
            };
            let mut out = format!("{carrier}: controls {}", controls.join(", "));
            if let Some(because) = &line.because {
                out.push_str(&format!(" because {}", text(because)));
            }
            out
        }
        StatementKind::Party { name, label } => with_label(format!("party {}", name.text), label),
        StatementKind::Zone { name, label } => with_label(format!("zone {}", zone(name)), label),
        StatementKind::Dimension { name, values } => {
            let values: Vec<&str> = values.iter().map(|v| v.text.as_str()).collect();
            format!("dimension {}: {}", name.text, values.join(", "))
        }
        StatementKind::Default(party) => format!("default: {}", party.text),
        StatementKind::Rule(rule) => {
            let mut line = format!(
                "{}: {} {}",
                zone(&rule.zone),
                rule.party.text,
                qualifier(&rule.qualifier)
            );
            if rule.enabled_by_default {
                line.push_str(" enabled-by-default");
            }
            if let Some(because) = &rule.because {
                line.push_str(&format!(" because {}", text(because)));
            }
            line
        }
        StatementKind::Assert(assertion) => format!(
            "assert {}: {} {}",
            zone(&assertion.zone),
            assertion.party.text,
            qualifier(&assertion.qualifier)
        ),
        StatementKind::Test(test) => {
            let scenario: Vec<String> = test
                .scenario
                .iter()
                .map(|(d, v)| format!("{}: {}", d.text, v.text))
                .collect();
            let expect: Vec<String> = test
                .expect
                .iter()
                .map(|(z, p)| format!("{}: {}", zone(z), p.text))
                .collect();
            format!(
                "test {} {{ {} }} expect {{ {} }}",
                text(&test.name),
                scenario.join(", "),
                expect.join(", ")
            )
        }
    }
}

fn with_label(mut line: String, label: &Option<Text>) -> String {
    if let Some(label) = label {
        line.push(' ');
        line.push_str(&text(label));
    }
    line
}

fn qualifier(qualifier: &Qualifier) -> String {
    match qualifier {
        Qualifier::Always => "always".to_string(),
        Qualifier::When(c) => format!("when {}", condition(c)),
        Qualifier::Unless(c) => format!("unless {}", condition(c)),
    }
}

/// Prints the tree as parsed: groups are kept as written, and operators
/// need no other parentheses because the tree came from the parser.
fn condition(c: &Condition) -> String {
    match &c.kind {
        ConditionKind::Bare(value) => value.text.clone(),
        ConditionKind::Is {
            dimension,
            value,
            negated,
        } => {
            let not = if *negated { "not " } else { "" };
            format!("{} is {not}{}", dimension.text, value.text)
        }
        ConditionKind::In { dimension, values } => {
            let values: Vec<&str> = values.iter().map(|v| v.text.as_str()).collect();
            format!("{} in [{}]", dimension.text, values.join(", "))
        }
        ConditionKind::Not(inner) => format!("not {}", condition(inner)),
        ConditionKind::And(a, b) => format!("{} and {}", condition(a), condition(b)),
        ConditionKind::Or(a, b) => format!("{} or {}", condition(a), condition(b)),
        ConditionKind::Group(inner) => format!("({})", condition(inner)),
    }
}

fn zone(name: &Name) -> String {
    zone_as_written(&name.text)
}

/// A zone name as the language writes it: bare lowercase words when the
/// grammar allows, else quoted (a name that begins with a declaration
/// keyword, such as `resource x`, too, and `every zone`, which bare would
/// be a mapping's every-zone line).
pub fn zone_as_written(name: &str) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    let bare = words.iter().all(|w| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }) && !crate::syntax::parse::DECLARATION_KEYWORDS.contains(&words[0])
        && name != "every zone";
    if bare {
        name.to_string()
    } else {
        quote(name)
    }
}

fn text(t: &Text) -> String {
    quote(&t.text)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl PolicyFile {
    /// The text in canonical layout.
    pub fn formatted(&self) -> String {
        format(self)
    }

    /// The statements in the order [`PolicyFile::formatted`] prints them.
    pub fn in_canonical_order(&self) -> PolicyFile {
        canonical_order(self, &ZoneRanks::of(self))
    }

    /// Every comment, in source order: what the formatter must keep.
    pub fn comments(&self) -> Vec<&Comment> {
        let mut all: Vec<&Comment> = self.header_comments.iter().collect();
        for statement in &self.statements {
            all.extend(&statement.leading_comments);
            all.extend(&statement.trailing_comment);
        }
        all.extend(&self.trailing_comments);
        all.sort_by_key(|c| c.span.start);
        all
    }
}

/// A source in canonical layout, or its syntax errors.
pub fn format_source(source: &Source) -> Result<String, Report> {
    let tree = crate::syntax::parse::parse(&source.text)
        .map_err(|errors| Report::from_errors(source.clone(), &errors))?;
    Ok(format(&tree))
}

/// `formatted` (with line feeds) with CRLF line endings if `original`'s
/// first line ends with CRLF.
pub(crate) fn with_line_endings_of(original: &str, formatted: String) -> String {
    match original.find('\n') {
        Some(end) if original[..end].ends_with('\r') => formatted.replace('\n', "\r\n"),
        _ => formatted,
    }
}
