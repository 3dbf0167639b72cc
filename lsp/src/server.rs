//! The requests and notifications the server answers, each from the
//! library: diagnostics from `onus::check` (every syntax error, name error
//! and finding, with its related places and help), formatting from
//! `onus::format_source`, symbols and definitions from the syntax tree,
//! hover on a zone from the matrix.

use std::collections::HashMap;

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DocumentSymbol, Hover,
    HoverContents, Location, MarkupContent, MarkupKind, NumberOrString, OneOf, Position,
    PublishDiagnosticsParams, Range, ServerCapabilities, SymbolKind, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Uri,
};
use onus::syntax::{PolicyFile, StatementKind};
use onus::{Source, Span};

/// Serves until the client asks to shut down.
pub fn run(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp_types::CompletionOptions::default()),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let capabilities = serde_json::to_value(capabilities).map_err(|e| e.to_string())?;
    connection
        .initialize(capabilities)
        .map_err(|e| e.to_string())?;
    let mut documents: HashMap<String, String> = HashMap::new();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = answer(&documents, request);
                send(connection, Message::Response(response))?;
            }
            Message::Notification(notification) => {
                if let Some(uri) = update(&mut documents, notification) {
                    let text = documents.get(uri.as_str()).cloned();
                    publish(connection, &uri, text.as_deref())?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection.sender.send(message).map_err(|e| e.to_string())
}

/// A document's text as the server keeps it: a byte-order mark, which the
/// CLI drops when it reads a file, becomes a space, one UTF-16 unit as the
/// mark is, so every position the editor sends or gets stays the same.
fn kept(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => format!(" {rest}"),
        None => text,
    }
}

/// Keeps the open documents' text; the document whose text changed.
fn update(documents: &mut HashMap<String, String>, notification: Notification) -> Option<Uri> {
    use lsp_types::notification::{
        DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument,
    };
    match notification.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let params: lsp_types::DidOpenTextDocumentParams =
                serde_json::from_value(notification.params).ok()?;
            let uri = params.text_document.uri;
            documents.insert(uri.as_str().to_string(), kept(params.text_document.text));
            Some(uri)
        }
        DidChangeTextDocument::METHOD => {
            let params: lsp_types::DidChangeTextDocumentParams =
                serde_json::from_value(notification.params).ok()?;
            // Full sync: the last change is the whole text.
            let text = params.content_changes.into_iter().last()?.text;
            let uri = params.text_document.uri;
            documents.insert(uri.as_str().to_string(), kept(text));
            Some(uri)
        }
        DidCloseTextDocument::METHOD => {
            let params: lsp_types::DidCloseTextDocumentParams =
                serde_json::from_value(notification.params).ok()?;
            documents.remove(params.text_document.uri.as_str());
            Some(params.text_document.uri)
        }
        _ => None,
    }
}

/// The document's name in diagnostics: its path, from its URI, percent
/// escapes decoded (a resource map finds its policy beside it by this
/// path).
fn name_of(uri: &Uri) -> String {
    let text = uri.as_str();
    let path = text.strip_prefix("file://").unwrap_or(text).as_bytes();
    let mut bytes = Vec::with_capacity(path.len());
    let mut i = 0;
    while i < path.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            path[i],
            path.get(i + 1).copied().and_then(hex),
            path.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                bytes.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                bytes.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Publishes what `onus check` says of the document (nothing once closed).
fn publish(connection: &Connection, uri: &Uri, text: Option<&str>) -> Result<(), String> {
    let diagnostics = match text {
        Some(text) => diagnostics(uri, &name_of(uri), text),
        None => Vec::new(),
    };
    let params = PublishDiagnosticsParams {
        uri: uri.clone(),
        diagnostics,
        version: None,
    };
    let notification = Notification::new(
        lsp_types::notification::PublishDiagnostics::METHOD.to_string(),
        params,
    );
    send(connection, Message::Notification(notification))
}

/// `onus check`'s diagnostics as the protocol's.
fn diagnostics(uri: &Uri, name: &str, text: &str) -> Vec<Diagnostic> {
    let report = onus::check(name, text);
    let source = &report.source;
    if source.name != name {
        // Another file's errors: the policy a resource map names. They are
        // said at the top of the map, pointing at that file.
        let first = report
            .diagnostics
            .first()
            .map_or(String::new(), |d| d.message.clone());
        return vec![Diagnostic {
            range: Range::default(),
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("onus".to_string()),
            message: format!("`{}` does not load: {first}", source.name),
            ..Diagnostic::default()
        }];
    }
    report
        .diagnostics
        .iter()
        .map(|d| to_protocol(uri, source, d))
        .collect()
}

/// One of the library's diagnostics as the protocol's: the primary label
/// and the help join the message, related labels become related places.
fn to_protocol(uri: &Uri, source: &Source, d: &onus::Diagnostic) -> Diagnostic {
    let primary = d
        .primary
        .as_ref()
        .map_or(Range::default(), |label| range(source, label.span));
    let mut message = d.message.clone();
    if let Some(label) = d.primary.as_ref().filter(|l| !l.message.is_empty()) {
        message.push_str(&format!(": {}", label.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    Diagnostic {
        range: primary,
        severity: Some(match d.severity {
            onus::Severity::Error => DiagnosticSeverity::ERROR,
            onus::Severity::Warning => DiagnosticSeverity::WARNING,
            onus::Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.name().to_string())),
        source: Some("onus".to_string()),
        message,
        related_information: Some(
            d.related
                .iter()
                .map(|label| DiagnosticRelatedInformation {
                    location: Location {
                        uri: uri.clone(),
                        range: range(source, label.span),
                    },
                    message: label.message.clone(),
                })
                .collect(),
        ),
        ..Diagnostic::default()
    }
}

/// A byte span as a protocol range: lines from 0, columns in UTF-16 code
/// units, as the protocol counts them by default.
fn range(source: &Source, span: Span) -> Range {
    Range {
        start: position(source, span.start),
        end: position(source, span.end),
    }
}

fn position(source: &Source, offset: usize) -> Position {
    let offset = offset.min(source.text.len());
    let line_start = source.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = source.text[..line_start].matches('\n').count();
    let column: usize = (source.text[line_start..offset].chars())
        .map(char::len_utf16)
        .sum();
    Position {
        line: line as u32,
        character: column as u32,
    }
}

/// The byte offset of a protocol position in `text`.
fn offset_of(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, c) in text[line_start..].char_indices() {
        if units >= position.character as usize || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn answer(documents: &HashMap<String, String>, request: Request) -> Response {
    use lsp_types::request::{
        CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition,
        HoverRequest,
    };
    let id = request.id.clone();
    let result = match request.method.as_str() {
        Formatting::METHOD => {
            serde_json::from_value(request.params).map(|p: lsp_types::DocumentFormattingParams| {
                formatting(documents, &p.text_document.uri)
            })
        }
        DocumentSymbolRequest::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::DocumentSymbolParams| symbols(documents, &p.text_document.uri)),
        GotoDefinition::METHOD => {
            serde_json::from_value(request.params).map(|p: lsp_types::GotoDefinitionParams| {
                definition(documents, &p.text_document_position_params)
            })
        }
        HoverRequest::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::HoverParams| hover(documents, &p.text_document_position_params)),
        Completion::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::CompletionParams| completion(documents, &p.text_document_position)),
        CodeActionRequest::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::CodeActionParams| code_actions(documents, &p)),
        _ => {
            return Response::new_err(
                id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("onus-lsp does not answer `{}`", request.method),
            )
        }
    };
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err(error) => Response::new_err(
            id,
            lsp_server::ErrorCode::InvalidParams as i32,
            error.to_string(),
        ),
    }
}

/// `onus fmt`'s layout as one edit of the whole text; nothing while the
/// text does not parse (the diagnostics say why).
fn formatting(documents: &HashMap<String, String>, uri: &Uri) -> serde_json::Value {
    let Some(text) = documents.get(uri.as_str()) else {
        return serde_json::Value::Null;
    };
    let source = Source::new(name_of(uri), text.as_str());
    match onus::format_source(&source) {
        Ok(formatted) if &formatted != text => {
            let whole = Range {
                start: Position::new(0, 0),
                end: position(&source, text.len()),
            };
            serde_json::json!([TextEdit::new(whole, formatted)])
        }
        _ => serde_json::json!([]),
    }
}

fn tree(documents: &HashMap<String, String>, uri: &Uri) -> Option<(Source, PolicyFile)> {
    let text = documents.get(uri.as_str())?;
    let source = Source::new(name_of(uri), text.as_str());
    let tree = onus::parse(&source.name, text).ok()?;
    Some((source, tree))
}

/// Zones, rules, tests and the other statements, as a flat outline.
fn symbols(documents: &HashMap<String, String>, uri: &Uri) -> serde_json::Value {
    let Some((source, tree)) = tree(documents, uri) else {
        return serde_json::json!([]);
    };
    let symbols: Vec<DocumentSymbol> = tree
        .statements
        .iter()
        .filter_map(|s| {
            let (name, kind, selection) = match &s.kind {
                StatementKind::Zone { name, .. } => {
                    (format!("zone {}", name.text), SymbolKind::STRUCT, name.span)
                }
                StatementKind::Party { name, .. } => (
                    format!("party {}", name.text),
                    SymbolKind::CONSTANT,
                    name.span,
                ),
                StatementKind::Dimension { name, .. } => (
                    format!("dimension {}", name.text),
                    SymbolKind::ENUM,
                    name.span,
                ),
                StatementKind::Rule(rule) => (
                    format!("{}: {}", rule.zone.text, rule.party.text),
                    SymbolKind::FIELD,
                    rule.zone.span,
                ),
                StatementKind::Test(test) => (
                    format!("test {}", test.name.text),
                    SymbolKind::METHOD,
                    test.name.span,
                ),
                StatementKind::Controls(line) => (
                    format!("{}: controls", line.zone.text),
                    SymbolKind::FIELD,
                    line.zone.span,
                ),
                StatementKind::Resource(entry) => (
                    format!("resource {}", entry.resource_type.text),
                    SymbolKind::FIELD,
                    entry.resource_type.span,
                ),
                _ => return None,
            };
            #[allow(deprecated)]
            Some(DocumentSymbol {
                name,
                detail: None,
                kind,
                tags: None,
                deprecated: None,
                range: range(&source, s.span),
                selection_range: range(&source, selection),
                children: None,
            })
        })
        .collect();
    serde_json::to_value(symbols).unwrap_or(serde_json::Value::Null)
}

/// The zone name under the cursor (in a rule, assertion, mapping line or
/// declaration), by the syntax tree.
fn zone_at(tree: &PolicyFile, offset: usize) -> Option<String> {
    tree.statements.iter().find_map(|s| {
        let name = match &s.kind {
            StatementKind::Zone { name, .. } => name,
            StatementKind::Rule(rule) => &rule.zone,
            StatementKind::Assert(assertion) => &assertion.zone,
            StatementKind::Controls(line) => &line.zone,
            _ => return None,
        };
        (name.span.start <= offset && offset <= name.span.end).then(|| name.text.clone())
    })
}

/// The document's source and tree, and the zone name under the position.
fn zone_under(
    documents: &HashMap<String, String>,
    at: &lsp_types::TextDocumentPositionParams,
) -> Option<(Source, PolicyFile, String)> {
    let (source, tree) = tree(documents, &at.text_document.uri)?;
    let zone = zone_at(&tree, offset_of(&source.text, at.position))?;
    Some((source, tree, zone))
}

/// From a zone's use to its `zone` declaration, or its first rule.
fn definition(
    documents: &HashMap<String, String>,
    at: &lsp_types::TextDocumentPositionParams,
) -> serde_json::Value {
    let uri = &at.text_document.uri;
    let Some((source, tree, zone)) = zone_under(documents, at) else {
        return serde_json::Value::Null;
    };
    let declared = tree.statements.iter().find_map(|s| match &s.kind {
        StatementKind::Zone { name, .. } if name.text == zone => Some(name.span),
        _ => None,
    });
    let first_rule = tree.statements.iter().find_map(|s| match &s.kind {
        StatementKind::Rule(rule) if rule.zone.text == zone => Some(rule.zone.span),
        _ => None,
    });
    match declared.or(first_rule) {
        Some(span) => serde_json::to_value(Location {
            uri: uri.clone(),
            range: range(&source, span),
        })
        .unwrap_or(serde_json::Value::Null),
        None => serde_json::Value::Null,
    }
}

/// On a zone: who holds it for each value of the policy's matrix dimension
/// (the other dimensions at their first values), with the deciding rules'
/// reasons: the zone's row of `onus matrix`.
fn hover(
    documents: &HashMap<String, String>,
    at: &lsp_types::TextDocumentPositionParams,
) -> serde_json::Value {
    let Some((source, _, zone_name)) = zone_under(documents, at) else {
        return serde_json::Value::Null;
    };
    let Ok(policy) = onus::load(&source.name, &source.text) else {
        return serde_json::Value::Null;
    };
    let (Some(zone), Ok(over)) = (policy.zone_index(&zone_name), policy.sweep_dimension(None))
    else {
        return serde_json::Value::Null;
    };
    let base = onus::Scenario {
        values: vec![0; policy.dimensions.len()],
    };
    let matrix = policy.matrix(over, &base);
    let dimension = &policy.dimensions[over];
    let mut lines = vec![format!(
        "**{}**, by {}:",
        policy.zones[zone].display(),
        dimension.name
    )];
    for (value, column) in dimension.values.iter().zip(&matrix.columns) {
        let decision = &column[zone];
        let holder = match decision.party {
            Some(p) => policy.parties[p].display().to_string(),
            None => "CONFLICT".to_string(),
        };
        let why = decision
            .because(&policy)
            .map_or(String::new(), |b| format!(": {b}"));
        lines.push(format!("- `{value}`: {holder}{why}"));
    }
    let hover = Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: lines.join("\n"),
        }),
        range: None,
    };
    serde_json::to_value(hover).unwrap_or(serde_json::Value::Null)
}

/// The language's words beyond its reserved and declaration words.
const OTHER_KEYWORDS: [&str; 3] = ["for", "expect", "controls"];

/// Zones, parties, dimensions and values of the document (from its tree,
/// so they are offered while the policy does not yet resolve), then the
/// keywords; in the document's order, each once.
fn completion(
    documents: &HashMap<String, String>,
    at: &lsp_types::TextDocumentPositionParams,
) -> serde_json::Value {
    use lsp_types::{CompletionItem, CompletionItemKind};
    let mut items: Vec<CompletionItem> = Vec::new();
    let mut offer = |label: &str, kind: CompletionItemKind, detail: &str| {
        if !items.iter().any(|i| i.label == label) {
            items.push(CompletionItem {
                label: label.to_string(),
                kind: Some(kind),
                detail: Some(detail.to_string()),
                ..CompletionItem::default()
            });
        }
    };
    for party in ["customer", "provider", "shared"] {
        offer(party, CompletionItemKind::CONSTANT, "party");
    }
    let text = documents.get(at.text_document.uri.as_str());
    // While the text does not parse, its finished lines still name things.
    let tree = text.and_then(|text| {
        onus::parse("", text).ok().or_else(|| {
            let finished: String = text
                .lines()
                .filter(|l| onus::parse("", l).is_ok())
                .map(|l| format!("{l}\n"))
                .collect();
            onus::parse("", &finished).ok()
        })
    });
    for statement in tree.iter().flat_map(|t| &t.statements) {
        match &statement.kind {
            StatementKind::Zone { name, .. } => {
                offer(&name.text, CompletionItemKind::STRUCT, "zone")
            }
            StatementKind::Rule(rule) => offer(&rule.zone.text, CompletionItemKind::STRUCT, "zone"),
            StatementKind::Party { name, .. } => {
                offer(&name.text, CompletionItemKind::CONSTANT, "party")
            }
            StatementKind::Dimension { name, values } => {
                offer(&name.text, CompletionItemKind::ENUM, "dimension");
                for value in values {
                    offer(
                        &value.text,
                        CompletionItemKind::ENUM_MEMBER,
                        &format!("value of {}", name.text),
                    );
                }
            }
            _ => {}
        }
    }
    let keywords = (onus::RESERVED.iter())
        .chain(&onus::DECLARATION_KEYWORDS)
        .chain(&OTHER_KEYWORDS);
    for keyword in keywords {
        offer(keyword, CompletionItemKind::KEYWORD, "keyword");
    }
    serde_json::to_value(items).unwrap_or(serde_json::Value::Null)
}

/// Quick fixes: every known replacement (a did-you-mean) of a diagnostic
/// in the range, as the edit that makes it; and for a conflict, its rules
/// made `shared`.
fn code_actions(
    documents: &HashMap<String, String>,
    params: &lsp_types::CodeActionParams,
) -> serde_json::Value {
    use lsp_types::{CodeAction, CodeActionKind, WorkspaceEdit};
    let uri = &params.text_document.uri;
    let Some(text) = documents.get(uri.as_str()) else {
        return serde_json::json!([]);
    };
    let report = onus::check(&name_of(uri), text);
    let source = &report.source;
    let wanted = params.range;
    let overlaps = |r: &Range| !(r.end < wanted.start || wanted.end < r.start);
    let mut actions = Vec::new();
    let mut fix = |title: String,
                   edits: Vec<(Span, String)>,
                   diagnostic: &onus::Diagnostic,
                   preferred: bool| {
        let edits = (edits.into_iter())
            .map(|(span, new_text)| TextEdit::new(range(source, span), new_text))
            .collect();
        // lsp-types keys a workspace edit's changes by `Uri`, whose cached
        // parts clippy counts as interior mutability; it is never mutated.
        #[allow(clippy::mutable_key_type)]
        let changes = HashMap::from([(uri.clone(), edits)]);
        actions.push(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_protocol(uri, source, diagnostic)]),
            edit: Some(WorkspaceEdit::new(changes)),
            is_preferred: Some(preferred),
            ..CodeAction::default()
        });
    };
    // A rule's party, by the tree: the rule whose statement the label
    // marks.
    let tree = onus::parse(&source.name, &source.text).ok();
    let party_of = |rule: Span| -> Option<Span> {
        tree.as_ref()?
            .statements
            .iter()
            .find_map(|s| match &s.kind {
                StatementKind::Rule(r) if s.span == rule => Some(r.party.span),
                _ => None,
            })
    };
    // A name as the language writes it: bare lowercase words, else quoted.
    // A name as the language writes it where it replaces `old`: a zone
    // that was quoted, or that needs quotes, as fmt writes zones; else
    // bare (parties, dimensions and values are always bare).
    let written = |old: &str, name: &str| {
        let bare_word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        match old.starts_with('"') || !name.chars().all(bare_word) {
            true => onus::zone_as_written(name),
            false => name.to_string(),
        }
    };
    for diagnostic in &report.diagnostics {
        let Some(primary) = &diagnostic.primary else {
            continue;
        };
        if !overlaps(&range(source, primary.span)) {
            continue;
        }
        if let Some(suggestion) = diagnostic.replacement.clone() {
            let title = format!("Change to `{suggestion}`");
            let old = &source.text[primary.span.start..primary.span.end];
            fix(
                title,
                vec![(primary.span, written(old, &suggestion))],
                diagnostic,
                true,
            );
        }
        if diagnostic.code == onus::Code::Conflict {
            // Rules of two parties conflict wherever both match: giving
            // the zone to `shared` in every rule of the conflict ends it.
            let rules = std::iter::once(primary).chain(&diagnostic.related);
            let edits: Vec<(Span, String)> = rules
                .filter_map(|label| party_of(label.span))
                .filter(|&span| &source.text[span.start..span.end] != "shared")
                .map(|span| (span, "shared".to_string()))
                .collect();
            // Not preferred: `shared` then holds wherever each rule does,
            // not only where they overlap.
            if !edits.is_empty() {
                fix(
                    "Make these rules `shared`".to_string(),
                    edits,
                    diagnostic,
                    false,
                );
            }
        }
    }
    serde_json::to_value(actions).unwrap_or(serde_json::Value::Null)
}
