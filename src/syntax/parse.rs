//! Text to syntax tree. The only module that knows pest.

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

use crate::base::span::Span;
use crate::base::text::is_bidi_control;
use crate::diagnostic::{Code, Diagnostic, ToDiagnostic};
use crate::syntax::{
    AssertStatement, Comment, Condition, ConditionKind, ControlsStatement, Name, PolicyFile,
    Qualifier, ResourceSetting, ResourceStatement, RuleStatement, Statement, StatementKind,
    TestCase, Text,
};

/// How deep parentheses and `not`s may nest in one condition.
pub const MAX_NESTING: usize = 64;
/// Words of the language that cannot be names.
pub const RESERVED: [&str; 10] = [
    "and",
    "or",
    "not",
    "is",
    "in",
    "always",
    "when",
    "unless",
    "because",
    "enabled-by-default",
];

/// The words that begin a declaration (the grammar's
/// `declaration_keyword`): a bare zone name cannot begin with one, so a
/// zone that does is written quoted.
pub const DECLARATION_KEYWORDS: [&str; 11] = [
    "policy",
    "party",
    "zone",
    "dimension",
    "default",
    "assert",
    "tests",
    "test",
    "mapping",
    "resources",
    "resource",
];

/// How many `and`/`or` operators one condition may hold.
pub const MAX_OPERATORS: usize = 1024;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/onus.pest"]
struct OnusParser;

/// Why a policy text is not a policy.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// `data: customer` (no qualifier), `data customer always` (no colon).
    #[error("expected {}, found {found}", or_list(expected))]
    Syntax {
        /// Where it is in the source.
        span: Span,
        /// What the grammar allowed there.
        expected: Vec<&'static str>,
        /// What was found instead.
        found: String,
    },
    /// `data: customer always because "no closing quote`
    #[error("unterminated string")]
    UnterminatedString {
        /// Where it is in the source.
        span: Span,
    },
    /// `because "line\nbreak"`: only `\"` and `\\` are escapes.
    #[error("unknown escape `{escape}` in a string")]
    BadEscape {
        /// Where it is in the source.
        span: Span,
        /// The escape as written, such as `\n`.
        escape: String,
    },
    /// A string holding a control character other than tab (C0, DEL, C1),
    /// or a bidirectional override or isolate.
    #[error("{} U+{code:04X} in a string", match char::from_u32(*code).is_some_and(is_bidi_control) {
        true => "bidirectional control character",
        false => "control character",
    })]
    ControlCharacter {
        /// Where it is in the source.
        span: Span,
        /// The character's code point.
        code: u32,
    },
    /// `x: customer when and`, `dimension in: a, b`: a reserved word where a
    /// name goes.
    #[error("`{word}` is a reserved word, not a name")]
    ReservedWord {
        /// Where it is in the source.
        span: Span,
        /// The reserved word.
        word: String,
    },
    /// `x: customer when ((((... iaas ...))))` nested deeper than 64 levels.
    #[error("condition nested deeper than {limit} levels")]
    TooDeep {
        /// Where it is in the source.
        span: Span,
        /// The limit it passes.
        limit: usize,
    },
    /// `x: customer when a or b or ...` with more than 1,024 operators in one group.
    #[error("condition has more than {limit} operators")]
    TooLong {
        /// Where it is in the source.
        span: Span,
        /// The limit it passes.
        limit: usize,
    },
}

impl ParseError {
    /// The same error `by` bytes further on: found in a part of a text,
    /// placed in the whole.
    fn moved(mut self, by: usize) -> Self {
        match &mut self {
            ParseError::Syntax { span, .. }
            | ParseError::UnterminatedString { span }
            | ParseError::BadEscape { span, .. }
            | ParseError::ControlCharacter { span, .. }
            | ParseError::ReservedWord { span, .. }
            | ParseError::TooDeep { span, .. }
            | ParseError::TooLong { span, .. } => *span = Span::new(span.start + by, span.end + by),
        }
        self
    }

    /// Where it is in the source.
    pub fn span(&self) -> Span {
        match self {
            ParseError::Syntax { span, .. }
            | ParseError::UnterminatedString { span }
            | ParseError::BadEscape { span, .. }
            | ParseError::ControlCharacter { span, .. }
            | ParseError::ReservedWord { span, .. }
            | ParseError::TooDeep { span, .. }
            | ParseError::TooLong { span, .. } => *span,
        }
    }
}

impl ToDiagnostic for ParseError {
    fn to_diagnostic(&self) -> Diagnostic {
        let (span, label, help) = match self {
            ParseError::Syntax {
                span,
                expected,
                found,
            } => (
                *span,
                format!("expected {}", or_list(expected)),
                syntax_help(expected, found),
            ),
            ParseError::UnterminatedString { span } => (
                *span,
                "this string is not closed".to_string(),
                Some("close it with `\"` on the same line".to_string()),
            ),
            ParseError::BadEscape { span, .. } => (
                *span,
                "unknown escape".to_string(),
                Some("a string may escape only `\"` and `\\`".to_string()),
            ),
            ParseError::ControlCharacter { span, .. } => (
                *span,
                "control character".to_string(),
                Some("remove it: strings hold printable text and tabs, so that they show as they read".to_string()),
            ),
            ParseError::ReservedWord { span, .. } => (
                *span,
                "reserved".to_string(),
                Some(format!(
                    "the reserved words are {}",
                    RESERVED.map(|w| format!("`{w}`")).join(", ")
                )),
            ),
            ParseError::TooDeep { span, .. } => (
                *span,
                "nested too deep".to_string(),
                Some("split the condition into several rules".to_string()),
            ),
            ParseError::TooLong { span, .. } => (
                *span,
                "too many operators".to_string(),
                Some("use `in [...]` or split the condition into several rules".to_string()),
            ),
        };
        Diagnostic::new(Code::SyntaxError, self.to_string())
            .with_label(span, label)
            .with_help(help)
    }
}

/// How a carriage return that ends no line is named: lines end with a
/// line feed or CRLF, and a lone CR would otherwise read as "end of line".
const LONE_CR: &str = "a carriage return without a line feed";

fn syntax_help(expected: &[&'static str], found: &str) -> Option<String> {
    if found == LONE_CR {
        Some("end each line with a line feed (LF) or CRLF".into())
    } else if found.starts_with("U+") {
        Some("remove it: a policy holds no control character but tab, and no bidirectional override, so that it reads as it is shown".into())
    } else if found.chars().any(|c| c.is_ascii_uppercase()) {
        Some(format!(
            "names are lowercase letters, digits and `-`; only a zone name may be quoted to use other characters, as in `\"{}\"`",
            found.trim_matches('`')
        ))
    } else if expected.contains(&"`always`") {
        Some("a rule reads `<zone>: <party> always`, `... when <condition>` or `... unless <condition>`".into())
    } else if expected == ["`:`"] {
        Some("a rule reads `<zone>: <party> <qualifier>`; a zone name is lowercase words separated by single spaces, or a quoted string".into())
    } else {
        None
    }
}

fn or_list(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Parses a policy file. Returns every syntax error of the file: after the
/// first, each statement that follows is parsed on its own, so that one
/// bad line hides no other.
pub fn parse(source: &str) -> Result<PolicyFile, Vec<ParseError>> {
    check_paren_depth(source)?;
    let mut pairs = OnusParser::parse(Rule::policy_file, source).map_err(|e| {
        let first = syntax_error(source, e);
        let after = first.span().start;
        let mut errors = vec![first];
        errors.extend(later_syntax_errors(source, after));
        errors
    })?;
    let file = pairs.next().expect("policy_file always yields one pair");
    let reserved: Vec<ParseError> = file
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| p.as_rule() == Rule::name && RESERVED.contains(&p.as_str()))
        .map(|p| ParseError::ReservedWord {
            span: span_of(&p),
            word: p.as_str().to_string(),
        })
        .collect();
    if !reserved.is_empty() {
        return Err(reserved);
    }
    build_file(file.into_inner(), source)
}

/// The syntax errors of the statements that start after the line holding
/// `after`: each statement (a line, or the lines a test block spans) parsed
/// on its own, its errors placed and worded in the whole source.
fn later_syntax_errors(source: &str, after: usize) -> Vec<ParseError> {
    let mut errors = Vec::new();
    for (start, end) in statements(source) {
        if start <= after {
            continue;
        }
        let text = &source[start..end];
        if let Err(too_deep) = check_paren_depth(text) {
            errors.extend(too_deep.into_iter().map(|e| e.moved(start)));
            continue;
        }
        if let Err(error) = OnusParser::parse(Rule::policy_file, text) {
            errors.push(syntax_error_at(source, start, error));
        }
    }
    errors
}

/// The byte ranges of a file's statements, line ends (`\n` or `\r\n`)
/// left out: each line, except that a `test` or `resource` statement goes
/// on while its braces (outside strings and comments) stay open, and a
/// test goes on to an `expect` that starts the next line.
fn statements(source: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let (mut start, mut depth) = (0, 0i64);
    let (mut in_string, mut in_comment, mut escaped) = (false, false, false);
    let spans_lines = |start: usize| {
        let first = source[start..].trim_start_matches([' ', '\t']);
        ["test ", "test\t", "resource ", "resource\t"]
            .iter()
            .any(|k| first.starts_with(k))
    };
    let end_of = |offset: usize| match offset > 0 && source.as_bytes()[offset - 1] == b'\r' {
        true => offset - 1,
        false => offset,
    };
    for (offset, c) in source.char_indices() {
        match c {
            '\n' => {
                in_string = false;
                in_comment = false;
                let rest = source[offset + 1..].trim_start_matches([' ', '\t']);
                let open = depth > 0 && spans_lines(start);
                let expect_follows = rest.starts_with("expect") && spans_lines(start);
                if !open && !expect_follows {
                    ranges.push((start, end_of(offset)));
                    start = offset + 1;
                    depth = 0;
                }
            }
            _ if in_comment => {}
            _ if in_string => match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            },
            '"' => in_string = true,
            '#' => in_comment = true,
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
    }
    if start < source.len() {
        ranges.push((start, source.len()));
    }
    ranges
}

/// Rejects deep parentheses before pest recurses into them.
fn check_paren_depth(source: &str) -> Result<(), Vec<ParseError>> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    for (offset, c) in source.char_indices() {
        match c {
            '\n' => {
                in_comment = false;
                in_string = false;
                depth = 0;
            }
            _ if in_comment => {}
            _ if in_string => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            }
            '"' => in_string = true,
            '#' => in_comment = true,
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let span = Span::new(offset, offset + 1);
                    return Err(vec![ParseError::TooDeep {
                        span,
                        limit: MAX_NESTING,
                    }]);
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn syntax_error(source: &str, error: pest::error::Error<Rule>) -> ParseError {
    syntax_error_at(source, 0, error)
}

/// The error of a part of `source` that starts at byte `base` and was
/// parsed alone, placed and described in the whole source (so the end of
/// the part reads as the end of its line, not of the file).
fn syntax_error_at(source: &str, base: usize, error: pest::error::Error<Rule>) -> ParseError {
    use pest::error::{ErrorVariant, InputLocation};
    let offset = base
        + match error.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let mut expected: Vec<&'static str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| rule_name(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    let (found, end) = token_at(source, offset);
    if found == "`\"`" {
        if let Some(problem) = string_problem(source, offset) {
            return problem;
        }
    }
    ParseError::Syntax {
        span: Span::new(offset, end),
        expected,
        found,
    }
}

/// What is wrong with the string that starts at `quote`, if anything: a
/// closed, clean string leaves the error to the grammar.
fn string_problem(source: &str, quote: usize) -> Option<ParseError> {
    let mut chars = source[quote + 1..]
        .char_indices()
        .map(|(i, c)| (quote + 1 + i, c));
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return None,
            '\\' => match chars.next() {
                Some((_, '"' | '\\')) => {}
                Some((j, '\n')) | Some((j, '\r')) => {
                    return Some(ParseError::UnterminatedString {
                        span: Span::new(quote, j),
                    })
                }
                Some((j, other)) => {
                    return Some(ParseError::BadEscape {
                        span: Span::new(i, j + other.len_utf8()),
                        escape: format!("\\{other}"),
                    })
                }
                None => break,
            },
            '\n' | '\r' => {
                return Some(ParseError::UnterminatedString {
                    span: Span::new(quote, i),
                })
            }
            c if (c.is_control() && c != '\t') || is_bidi_control(c) => {
                return Some(ParseError::ControlCharacter {
                    span: Span::new(i, i + c.len_utf8()),
                    code: c as u32,
                })
            }
            _ => {}
        }
    }
    Some(ParseError::UnterminatedString {
        span: Span::new(quote, source.len()),
    })
}

/// What stands at `offset`, for "found ..." and the span to underline.
fn token_at(source: &str, offset: usize) -> (String, usize) {
    let rest = &source[offset..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), offset);
    };
    if rest.starts_with('\r') && !rest.starts_with("\r\n") {
        return (LONE_CR.to_string(), offset + 1);
    }
    if first == '\n' || first == '\r' {
        return ("end of line".to_string(), offset);
    }
    if first.is_control() || is_bidi_control(first) {
        return (format!("U+{:04X}", first as u32), offset + first.len_utf8());
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let len = if is_word(first) {
        rest.find(|c: char| !is_word(c)).unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    (format!("`{}`", &rest[..len]), offset + len)
}

/// Readable names for the grammar rules that appear in "expected ..." lists.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of line",
        Rule::policy_file => "a rule or a declaration",
        Rule::comment => "a comment",
        Rule::title_decl => "`policy`",
        Rule::party_decl => "`party`",
        Rule::zone_decl => "`zone`",
        Rule::dimension_decl => "`dimension`",
        Rule::default_decl => "`default`",
        Rule::assertion => "`assert`",
        Rule::test_case => "`test`",
        Rule::rule_statement | Rule::zone_words => "a zone name",
        Rule::always => "`always`",
        Rule::when => "`when`",
        Rule::unless => "`unless`",
        Rule::because => "`because`",
        Rule::enabled_by_default | Rule::kw_enabled_by_default => "`enabled-by-default`",
        Rule::condition | Rule::group | Rule::atom => "a condition",
        Rule::in_tail => "`in`",
        Rule::is_tail => "`is`",
        Rule::op_and => "`and`",
        Rule::op_or => "`or`",
        Rule::op_not | Rule::negation | Rule::kw_not => "`not`",
        Rule::kw_policy => "`policy`",
        Rule::kw_party => "`party`",
        Rule::kw_zone => "`zone`",
        Rule::kw_dimension => "`dimension`",
        Rule::kw_default => "`default`",
        Rule::kw_assert => "`assert`",
        Rule::kw_test => "`test`",
        Rule::kw_tests | Rule::tests_for => "`tests for`",
        Rule::kw_for => "`for`",
        Rule::kw_expect => "`expect`",
        Rule::kw_mapping | Rule::mapping_decl => "`mapping`",
        Rule::kw_controls => "`controls`",
        Rule::kw_resources | Rule::resources_for => "`resources for`",
        Rule::kw_resource | Rule::resource_entry => "`resource`",
        Rule::resource_block => "`{`",
        Rule::resource_setting => "a name",
        Rule::value_list => "`[`",
        Rule::attribute_test => "`when`",
        Rule::control_id => "a control id",
        Rule::kw_always => "`always`",
        Rule::kw_when => "`when`",
        Rule::kw_unless => "`unless`",
        Rule::kw_because => "`because`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_is => "`is`",
        Rule::kw_in => "`in`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::name | Rule::setting => "a name",
        Rule::expectation => "a zone name",
        Rule::string | Rule::string_body => "a quoted string",
        Rule::scenario_block | Rule::expect_block => "`{`",
        _ => return None,
    })
}

/// A pair's children without the keywords, which carry no information.
fn children(pair: Pair<Rule>) -> impl Iterator<Item = Pair<Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_policy
            | Rule::kw_party
            | Rule::kw_zone
            | Rule::kw_dimension
            | Rule::kw_default
            | Rule::kw_assert
            | Rule::kw_test
            | Rule::kw_tests
            | Rule::kw_for
            | Rule::kw_expect
            | Rule::kw_mapping
            | Rule::kw_controls
            | Rule::kw_resources
            | Rule::kw_resource
            | Rule::kw_always
            | Rule::kw_when
            | Rule::kw_unless
            | Rule::kw_because
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_not
            | Rule::kw_is
            | Rule::kw_in
            | Rule::colon
            | Rule::comma
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::lbrace
            | Rule::rbrace
    )
}

fn span_of(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

/// The comments above the first statement (at `first_line`) up to the last
/// blank line between them and it: the file's header. The rest stay the
/// statement's own.
fn header(pending: &mut Vec<Comment>, lines: &LineStarts, first_line: usize) -> Vec<Comment> {
    let next_lines = pending.iter().skip(1).map(|c| lines.line(c.span.start));
    let gaps = pending
        .iter()
        .zip(next_lines.chain([first_line]))
        .map(|(comment, next)| next > lines.line(comment.span.start) + 1);
    match gaps.collect::<Vec<bool>>().iter().rposition(|&gap| gap) {
        Some(last_gap) => pending.drain(..=last_gap).collect(),
        None => Vec::new(),
    }
}

fn build_file(pairs: Pairs<Rule>, source: &str) -> Result<PolicyFile, Vec<ParseError>> {
    let mut file = PolicyFile::default();
    let mut pending: Vec<Comment> = Vec::new();
    let mut errors = Vec::new();
    // Line of the last statement's end, to tell a trailing comment from a leading one.
    let mut last_statement_line: Option<usize> = None;
    let lines = LineStarts::of(source);
    for pair in pairs {
        match pair.as_rule() {
            Rule::comment => {
                let comment = build_comment(pair);
                let line = lines.line(comment.span.start);
                match file.statements.last_mut() {
                    Some(last)
                        if last_statement_line == Some(line) && last.trailing_comment.is_none() =>
                    {
                        last.trailing_comment = Some(comment);
                    }
                    _ => pending.push(comment),
                }
            }
            Rule::EOI => {}
            _ => {
                // A statement's span ends at its last token, not at the
                // spaces before a comment.
                let mut span = span_of(&pair);
                span.end = span.start + source[span.range()].trim_end().len();
                match build_statement(pair) {
                    Ok(kind) => {
                        if file.statements.is_empty() && errors.is_empty() {
                            file.header_comments =
                                header(&mut pending, &lines, lines.line(span.start));
                        }
                        last_statement_line = Some(lines.line(span.end));
                        file.statements.push(Statement {
                            leading_comments: std::mem::take(&mut pending),
                            kind,
                            trailing_comment: None,
                            span,
                        });
                    }
                    Err(error) => errors.push(error),
                }
            }
        }
    }
    file.trailing_comments = pending;
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

/// Where each line starts, to tell which line an offset is on.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn of(source: &str) -> Self {
        LineStarts(source.match_indices('\n').map(|(i, _)| i + 1).collect())
    }

    /// The zero-based line of `offset`.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

fn build_comment(pair: Pair<Rule>) -> Comment {
    let span = span_of(&pair);
    let text = pair.into_inner().next().map_or("", |p| p.as_str());
    Comment {
        text: text.trim_end().to_string(),
        span,
    }
}

fn build_statement(pair: Pair<Rule>) -> Result<StatementKind, ParseError> {
    let rule = pair.as_rule();
    let mut inner = children(pair);
    let mut next = || inner.next().expect("grammar guarantees this child");
    Ok(match rule {
        Rule::title_decl => StatementKind::Title(build_text(next())),
        Rule::party_decl => {
            let name = build_name(next());
            StatementKind::Party {
                name,
                label: inner.next().map(build_text),
            }
        }
        Rule::zone_decl => {
            let name = build_name(next());
            StatementKind::Zone {
                name,
                label: inner.next().map(build_text),
            }
        }
        Rule::dimension_decl => {
            let name = build_name(next());
            StatementKind::Dimension {
                name,
                values: inner.map(build_name).collect(),
            }
        }
        Rule::default_decl => StatementKind::Default(build_name(next())),
        Rule::assertion => {
            let zone = build_name(next());
            let party = build_name(next());
            let qualifier = build_qualifier(next())?;
            StatementKind::Assert(AssertStatement {
                zone,
                party,
                qualifier,
            })
        }
        Rule::test_case => {
            let name = build_text(next());
            let scenario = build_pairs(next());
            let expect = build_pairs(next());
            StatementKind::Test(TestCase {
                name,
                scenario,
                expect,
            })
        }
        Rule::tests_for => StatementKind::TestsFor(build_text(next())),
        Rule::resources_for => StatementKind::ResourcesFor(build_text(next())),
        Rule::resource_entry => {
            let resource_type = build_text(next());
            let mut block = next();
            let mut when = None;
            if block.as_rule() == Rule::attribute_test {
                let mut parts = children(block);
                let path = build_text(parts.next().expect("an attribute test has a path"));
                let value = build_text(parts.next().expect("an attribute test has a value"));
                when = Some((path, value));
                block = next();
            }
            let settings = children(block)
                .map(|setting| {
                    let mut parts = children(setting);
                    let dimension = build_name(parts.next().expect("a setting has a dimension"));
                    let value = parts.next().expect("a setting has a value");
                    let listed = value.as_rule() == Rule::value_list;
                    let values = match listed {
                        true => children(value).map(build_name).collect(),
                        false => vec![build_name(value)],
                    };
                    ResourceSetting {
                        dimension,
                        values,
                        listed,
                    }
                })
                .collect();
            let because = inner.next().map(|p| build_text(first_child(p)));
            StatementKind::Resource(ResourceStatement {
                resource_type,
                when,
                settings,
                because,
            })
        }
        Rule::mapping_decl => {
            let framework = build_name(next());
            StatementKind::Mapping {
                framework,
                title: inner.next().map(build_text),
            }
        }
        Rule::mapping_entry => {
            let first = next();
            let every_zone = first.as_rule() == Rule::every_zone;
            let zone = match every_zone {
                true => Name {
                    text: first.as_str().to_string(),
                    span: span_of(&first),
                },
                false => build_name(first),
            };
            let mut controls = Vec::new();
            let mut because = None;
            for part in inner {
                match part.as_rule() {
                    Rule::control_id => controls.push(build_name(part)),
                    _ => because = Some(build_text(first_child(part))),
                }
            }
            StatementKind::Controls(ControlsStatement {
                zone,
                every_zone,
                controls,
                because,
            })
        }
        Rule::rule_statement => {
            let zone = build_name(next());
            let party = build_name(next());
            let qualifier = build_qualifier(next())?;
            let mut enabled_by_default = false;
            let mut because = None;
            for part in inner {
                match part.as_rule() {
                    Rule::enabled_by_default => enabled_by_default = true,
                    _ => because = Some(build_text(first_child(part))),
                }
            }
            StatementKind::Rule(RuleStatement {
                zone,
                party,
                qualifier,
                enabled_by_default,
                because,
            })
        }
        other => unreachable!("not a statement: {other:?}"),
    })
}

fn build_pairs(block: Pair<Rule>) -> Vec<(Name, Name)> {
    block
        .into_inner()
        .filter(|entry| !is_keyword(entry.as_rule()))
        .map(|entry| {
            let mut parts = children(entry);
            let key = build_name(parts.next().expect("entry has a key"));
            let value = build_name(parts.next().expect("entry has a value"));
            (key, value)
        })
        .collect()
}

/// A name or a zone name; a quoted zone name loses its quotes.
fn build_name(pair: Pair<Rule>) -> Name {
    let span = span_of(&pair);
    let text = match pair.as_rule() {
        Rule::string => unescape(pair.into_inner().next().map_or("", |p| p.as_str())),
        _ => pair.as_str().to_string(),
    };
    Name { text, span }
}

fn build_text(pair: Pair<Rule>) -> Text {
    let span = span_of(&pair);
    let body = pair.into_inner().next().map_or("", |p| p.as_str());
    Text {
        text: unescape(body),
        span,
    }
}

fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn build_qualifier(pair: Pair<Rule>) -> Result<Qualifier, ParseError> {
    Ok(match pair.as_rule() {
        Rule::always => Qualifier::Always,
        Rule::when => Qualifier::When(build_condition(first_child(pair), 0)?),
        Rule::unless => Qualifier::Unless(build_condition(first_child(pair), 0)?),
        other => unreachable!("not a qualifier: {other:?}"),
    })
}

fn first_child(pair: Pair<Rule>) -> Pair<Rule> {
    children(pair).next().expect("grammar guarantees a child")
}

/// The precedence of the operators, built once.
fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: std::sync::OnceLock<PrattParser<Rule>> = std::sync::OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not))
    })
}

/// Builds a condition; `depth` counts the enclosing groups and `not`s.
fn build_condition(pair: Pair<Rule>, depth: usize) -> Result<Condition, ParseError> {
    let span = span_of(&pair);
    let tokens: Vec<Pair<Rule>> = pair.into_inner().collect();
    let operators = tokens
        .iter()
        .filter(|t| matches!(t.as_rule(), Rule::op_and | Rule::op_or))
        .count();
    if operators > MAX_OPERATORS {
        return Err(ParseError::TooLong {
            span,
            limit: MAX_OPERATORS,
        });
    }
    let mut nots = 0;
    for token in &tokens {
        if token.as_rule() == Rule::op_not {
            nots += 1;
            if depth + nots > MAX_NESTING {
                return Err(ParseError::TooDeep {
                    span: span_of(token),
                    limit: MAX_NESTING,
                });
            }
        } else {
            nots = 0;
        }
    }
    pratt()
        .map_primary(|primary| build_primary(primary, depth))
        .map_prefix(|op, operand| {
            let operand = operand?;
            let span = span_of(&op).to(operand.span);
            Ok(Condition {
                kind: ConditionKind::Not(Box::new(operand)),
                span,
            })
        })
        .map_infix(|left, op, right| {
            let (left, right) = (left?, right?);
            let span = left.span.to(right.span);
            let kind = match op.as_rule() {
                Rule::op_and => ConditionKind::And(Box::new(left), Box::new(right)),
                _ => ConditionKind::Or(Box::new(left), Box::new(right)),
            };
            Ok(Condition { kind, span })
        })
        .parse(tokens.into_iter())
}

fn build_primary(pair: Pair<Rule>, depth: usize) -> Result<Condition, ParseError> {
    let mut span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = children(pair);
    let kind = match rule {
        Rule::group => {
            let condition =
                build_condition(inner.next().expect("group holds a condition"), depth + 1)?;
            ConditionKind::Group(Box::new(condition))
        }
        Rule::atom => {
            let name = build_name(inner.next().expect("an atom starts with a name"));
            match inner.next() {
                None => {
                    // The atom's own span runs over the spaces after it.
                    span = name.span;
                    ConditionKind::Bare(name)
                }
                Some(tail) if tail.as_rule() == Rule::in_tail => {
                    span = name.span.to(span_of(&tail));
                    ConditionKind::In {
                        dimension: name,
                        values: children(tail).map(build_name).collect(),
                    }
                }
                Some(tail) => {
                    span = name.span.to(span_of(&tail));
                    let mut parts = children(tail);
                    let mut next = parts.next().expect("`is` takes a value");
                    let negated = next.as_rule() == Rule::negation;
                    if negated {
                        next = parts.next().expect("`is not` takes a value");
                    }
                    ConditionKind::Is {
                        dimension: name,
                        value: build_name(next),
                        negated,
                    }
                }
            }
        }
        other => unreachable!("not a condition: {other:?}"),
    };
    Ok(Condition { kind, span })
}
