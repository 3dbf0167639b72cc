//! What fits where the cursor is: after a rule's colon a party, after
//! `when` a value or a dimension, after `model is` that dimension's values,
//! in a test's scenario its dimensions and then their values, at the start
//! of a line a zone or a statement's keyword. Read from the text before the
//! cursor, which is half-typed and so seldom parses.

use onus::syntax::{PolicyFile, StatementKind};

/// The names a document declares or uses, in the order written.
#[derive(Debug, Default)]
pub struct Vocabulary {
    pub zones: Vec<String>,
    pub parties: Vec<String>,
    /// Each dimension and its values.
    pub dimensions: Vec<(String, Vec<String>)>,
}

/// What a completion offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Zone,
    Party,
    Dimension,
    Value,
    Keyword,
}

/// The built-in parties, which every policy has.
pub const BUILT_IN_PARTIES: [&str; 3] = ["customer", "provider", "shared"];

/// The words that begin a statement, as completion offers them: the
/// language's declaration keywords, with `tests` and `resources` followed
/// by the `for` they take.
fn statement_keywords() -> Vec<(String, Kind)> {
    (onus::DECLARATION_KEYWORDS.iter())
        .map(|&word| match word {
            "tests" | "resources" => format!("{word} for"),
            word => word.to_string(),
        })
        .map(|word| (word, Kind::Keyword))
        .collect()
}

impl Vocabulary {
    /// The names of a tree: declared ones and those rules use.
    pub fn of(tree: &PolicyFile) -> Vocabulary {
        let mut vocabulary = Vocabulary {
            parties: BUILT_IN_PARTIES.map(String::from).to_vec(),
            ..Vocabulary::default()
        };
        let add = |list: &mut Vec<String>, name: &str| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        };
        for statement in &tree.statements {
            match &statement.kind {
                StatementKind::Zone { name, .. } => add(&mut vocabulary.zones, &name.text),
                StatementKind::Rule(rule) => add(&mut vocabulary.zones, &rule.zone.text),
                StatementKind::Party { name, .. } => add(&mut vocabulary.parties, &name.text),
                StatementKind::Dimension { name, values } => vocabulary.dimensions.push((
                    name.text.clone(),
                    values.iter().map(|v| v.text.clone()).collect(),
                )),
                _ => {}
            }
        }
        if vocabulary.dimensions.is_empty() {
            let model = onus::PRELUDE_MODEL.map(String::from).to_vec();
            vocabulary.dimensions.push(("model".to_string(), model));
        }
        vocabulary
    }

    fn values_of(&self, dimension: &str) -> Vec<(String, Kind)> {
        (self.dimensions.iter())
            .filter(|(name, _)| name == dimension)
            .flat_map(|(_, values)| values.iter().map(|v| (v.clone(), Kind::Value)))
            .collect()
    }

    fn all_values(&self) -> impl Iterator<Item = (String, Kind)> + '_ {
        (self.dimensions.iter())
            .flat_map(|(_, values)| values.iter().map(|v| (v.clone(), Kind::Value)))
    }

    fn names(list: &[String], kind: Kind) -> Vec<(String, Kind)> {
        list.iter().map(|n| (n.clone(), kind)).collect()
    }
}

fn keywords(words: &[&str]) -> Vec<(String, Kind)> {
    words
        .iter()
        .map(|w| (w.to_string(), Kind::Keyword))
        .collect()
}

/// The words of a condition or a list, with brackets, parentheses and
/// commas as words of their own.
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let separate = matches!(c, '[' | ']' | '(' | ')' | ',' | '{' | '}');
        if c.is_whitespace() || separate {
            if let Some(s) = start.take() {
                words.push(&text[s..i]);
            }
            if separate {
                words.push(&text[i..i + 1]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

/// What fits at the end of `before`, the document's text up to the cursor.
pub fn offers(vocabulary: &Vocabulary, before: &str) -> Vec<(String, Kind)> {
    // The word being typed is the client's to filter: look before it.
    let typed = before
        .rfind(|c: char| c.is_whitespace() || "[](),{}:".contains(c))
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    let settled = &before[..typed];
    if let Some(block) = open_block(settled) {
        return in_block(vocabulary, settled, block);
    }
    let line = settled.rsplit('\n').next().unwrap_or("");
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return Vec::new();
    }
    let Some((head, after)) = trimmed.split_once(':') else {
        return match trimmed {
            "" => {
                let mut offers = Vocabulary::names(&vocabulary.zones, Kind::Zone);
                offers.extend(statement_keywords());
                offers
            }
            "assert " => Vocabulary::names(&vocabulary.zones, Kind::Zone),
            _ => Vec::new(),
        };
    };
    let head = head.trim();
    if head == "default" {
        return match after.trim() {
            "" => Vocabulary::names(&vocabulary.parties, Kind::Party),
            _ => Vec::new(),
        };
    }
    let first_word = head.split_whitespace().next().unwrap_or("");
    if [
        "dimension",
        "zone",
        "party",
        "policy",
        "mapping",
        "resource",
        "resources",
        "tests",
    ]
    .contains(&first_word)
    {
        return Vec::new();
    }
    after_colon(vocabulary, after)
}

/// What fits after a rule's or an assertion's colon.
fn after_colon(vocabulary: &Vocabulary, after: &str) -> Vec<(String, Kind)> {
    let words = words(after);
    let Some(&last) = words.last() else {
        return Vocabulary::names(&vocabulary.parties, Kind::Party);
    };
    if words.contains(&"because") || words.first() == Some(&"controls") {
        return Vec::new();
    }
    if words.len() == 1 {
        return keywords(&["always", "when", "unless"]);
    }
    // The word `back` words before the last, if there is one.
    let dimension_before =
        |back: usize| (words.len().checked_sub(back + 1)).map_or("", |k| words[k]);
    // Inside `dimension in [...`: that dimension's values.
    if let Some(open) = words.iter().rposition(|w| *w == "[") {
        if !words[open..].contains(&"]") {
            // `dimension in [`: two words before the bracket.
            let dimension = open.checked_sub(2).map_or("", |k| words[k]);
            return vocabulary.values_of(dimension);
        }
    }
    let condition_start = || {
        let mut offers: Vec<(String, Kind)> = vocabulary.all_values().collect();
        offers.extend((vocabulary.dimensions.iter()).map(|(d, _)| (d.clone(), Kind::Dimension)));
        offers.extend(keywords(&["not"]));
        offers
    };
    let is_dimension = |w: &str| vocabulary.dimensions.iter().any(|(d, _)| d == w);
    let n = words.len();
    match last {
        "when" | "unless" | "and" | "or" | "(" => condition_start(),
        "not" if n >= 2 && words[n - 2] == "is" => vocabulary.values_of(dimension_before(2)),
        "not" => condition_start(),
        "is" => {
            let mut offers = vocabulary.values_of(dimension_before(1));
            offers.extend(keywords(&["not"]));
            offers
        }
        "in" => keywords(&["["]),
        "always" => keywords(&["enabled-by-default", "because"]),
        "enabled-by-default" => keywords(&["because"]),
        word if is_dimension(word) => keywords(&["is", "in"]),
        _ => keywords(&["and", "or", "enabled-by-default", "because"]),
    }
}

/// A brace block still open at the end of `settled`, in the test or
/// resource statement the cursor is in: the text before its `{`, trimmed.
fn open_block(settled: &str) -> Option<&str> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(settled.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let statement_start = (line_starts.into_iter().rev()).find(|&start| {
        let line = settled[start..].trim_start();
        line.starts_with("test ") || line.starts_with("resource ")
    })?;
    // Only the last statement: a line after it that begins another ends it.
    let later_lines = settled[statement_start..].lines().skip(1);
    let others = later_lines.filter(|l| !l.trim().is_empty() && !l.starts_with([' ', '\t']));
    if others
        .clone()
        .any(|l| !l.trim_start().starts_with(['}', '{']) && !l.trim_start().starts_with("expect"))
    {
        return None;
    }
    let mut depth = 0i32;
    let mut opened_at = None;
    let mut in_string = false;
    for (i, c) in settled
        .char_indices()
        .skip_while(|&(i, _)| i < statement_start)
    {
        match c {
            '"' => in_string = !in_string,
            '\n' => in_string = false,
            '{' if !in_string => {
                depth += 1;
                opened_at = Some(i);
            }
            '}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    let opened_at = opened_at?;
    (depth > 0).then(|| settled[..opened_at].trim_end())
}

/// In `{ dimension: value, ... }` (a test's scenario or a resource's
/// settings) or a test's `expect { zone: party, ... }`.
fn in_block(vocabulary: &Vocabulary, settled: &str, block: &str) -> Vec<(String, Kind)> {
    let inside = &settled[block.len()..];
    let inside = inside.trim_start().strip_prefix('{').unwrap_or(inside);
    let expect = block.ends_with("expect");
    // In a resource's `dimension: [value, ...`: that dimension's values.
    if let Some(open) = inside.rfind('[').filter(|&i| !inside[i..].contains(']')) {
        let setting = inside[..open].rsplit([',', '{']).next().unwrap_or("");
        let dimension = setting.trim().trim_end_matches(':').trim();
        return vocabulary.values_of(dimension);
    }
    let item = inside.rsplit(',').next().unwrap_or("");
    match item.split_once(':') {
        None if expect => Vocabulary::names(&vocabulary.zones, Kind::Zone),
        None => (vocabulary.dimensions.iter())
            .map(|(d, _)| (d.clone(), Kind::Dimension))
            .collect(),
        Some(_) if expect => Vocabulary::names(&vocabulary.parties, Kind::Party),
        Some((dimension, _)) => vocabulary.values_of(dimension.trim()),
    }
}
