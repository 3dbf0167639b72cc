//! The requests and notifications the server answers, each from the
//! library: diagnostics from an `onus::Checker` per document (every syntax
//! error, name error and finding, with its related places, scenario and
//! help), formatting from `onus::format_source`, symbols from the syntax
//! tree, definition and references from [`names`], hover from the matrix
//! and the analysis, completion from [`complete`], quick fixes from the
//! diagnostics' replacements, code lenses from the tests.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DocumentSymbol, Hover,
    HoverContents, Location, MarkupContent, MarkupKind, NumberOrString, OneOf, Position, Range,
    ServerCapabilities, SymbolKind, TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit,
    Uri,
};
use onus::syntax::{PolicyFile, StatementKind};
use onus::{Source, Span};

use crate::analysis::{self, Analysed, Generation, Job, States};
use crate::complete::{self, Kind, Vocabulary, BUILT_IN_PARTIES};
use crate::names::{self, Named, Occurrence};

/// Serves until the client asks to shut down.
pub fn run(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        // Completion pops up where a name is due: after a rule's colon, in
        // a list, at a block's start.
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some([":", "[", ",", "{", "("].map(String::from).to_vec()),
            ..lsp_types::CompletionOptions::default()
        }),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(lsp_types::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(lsp_types::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(lsp_types::ExecuteCommandOptions {
            commands: vec![RUN_TEST.to_string()],
            ..lsp_types::ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    };
    let capabilities = serde_json::to_value(capabilities).map_err(|e| e.to_string())?;
    let initialized = connection
        .initialize(capabilities)
        .map_err(|e| e.to_string())?;
    let workspace = crate::workspace::Workspace::of(&initialized);
    let states = States::default();
    let (jobs, worker) = analysis::start(connection, states.clone());
    let mut server = Server {
        documents: Documents::new(),
        states,
        jobs,
        changes: 0,
    };
    let result = server.serve(connection, &workspace);
    // Every analysis stops at its next step, and the worker ends.
    server.stop_analyses();
    drop(server);
    let _ = worker.join();
    result
}

/// What the reading thread holds: the open documents, the worker's latest
/// analysed states, and the way to the worker.
struct Server {
    documents: Documents,
    states: States,
    jobs: std::sync::mpsc::Sender<Job>,
    /// Changes and closes of every document so far: each document's
    /// generation is the count at its last change, so no two texts, even
    /// of a document closed and opened again, share one.
    changes: u64,
}

impl Server {
    fn serve(
        &mut self,
        connection: &Connection,
        workspace: &crate::workspace::Workspace,
    ) -> Result<(), String> {
        // lsp-server hands over one message at a time (its channel holds
        // none), so a thread takes each as it is read: everything the
        // client sent is here to see while a request is answered.
        let (read, incoming) = crossbeam_channel::unbounded();
        let from_client = connection.receiver.clone();
        std::thread::spawn(move || {
            for message in from_client {
                if read.send(message).is_err() {
                    break;
                }
            }
        });
        // Messages read but not yet handled: a request still here when its
        // `$/cancelRequest` comes is answered as cancelled.
        let mut waiting: VecDeque<Message> = VecDeque::new();
        loop {
            let message = match waiting.pop_front() {
                Some(message) => message,
                None => match incoming.recv() {
                    Ok(message) => message,
                    Err(_) => return Ok(()),
                },
            };
            waiting.extend(incoming.try_iter());
            match message {
                Message::Request(request) => {
                    if cancelled(&mut waiting, &request.id) {
                        let refused = Response::new_err(
                            request.id,
                            lsp_server::ErrorCode::RequestCanceled as i32,
                            "cancelled by the client".to_string(),
                        );
                        send(connection, Message::Response(refused))?;
                        continue;
                    }
                    if request.method == lsp_types::request::Shutdown::METHOD {
                        // Nothing more is published: every analysis stops
                        // at its next step.
                        self.stop_analyses();
                        send(
                            connection,
                            Message::Response(Response::new_ok(request.id, ())),
                        )?;
                        return until_exit(connection, waiting.into_iter().chain(incoming));
                    }
                    let response = self.answer(connection, workspace, request);
                    send(connection, Message::Response(response))?;
                }
                Message::Notification(notification) => {
                    if notification.method == lsp_types::notification::Exit::METHOD {
                        return Err("`exit` came before `shutdown`".to_string());
                    }
                    self.update(notification)?;
                }
                Message::Response(_) => {}
            }
        }
    }

    fn answer(
        &self,
        connection: &Connection,
        workspace: &crate::workspace::Workspace,
        request: Request,
    ) -> Response {
        if request.method != lsp_types::request::ExecuteCommand::METHOD {
            return answer(&self.documents, &self.states, workspace, request);
        }
        let params = serde_json::from_value(request.params);
        let result = (params.map_err(|e| e.to_string()))
            .and_then(|p| run_test(connection, &self.documents, &p));
        match result {
            Ok(value) => Response::new_ok(request.id, value),
            Err(message) => Response::new_err(
                request.id,
                lsp_server::ErrorCode::InvalidParams as i32,
                message,
            ),
        }
    }

    /// Keeps the open documents' text, and hands each change and close to
    /// the worker; an error if the worker has stopped.
    fn update(&mut self, notification: Notification) -> Result<(), String> {
        use lsp_types::notification::{
            DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument,
        };
        let (uri, version) = match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(
                    notification.params,
                ) else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                // Opened again without a close: the old text's analysis stops.
                if let Some(old) = self.documents.get(uri.as_str()) {
                    supersede(&mut self.changes, &old.generation);
                }
                let document = Document {
                    uri: uri.clone(),
                    text: kept(params.text_document.text),
                    generation: Generation::default(),
                };
                self.documents.insert(uri.as_str().to_string(), document);
                (uri, params.text_document.version)
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(
                    notification.params,
                ) else {
                    return Ok(());
                };
                // Full sync: the last change is the whole text.
                let Some(change) = params.content_changes.into_iter().last() else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                let Some(document) = self.documents.get_mut(uri.as_str()) else {
                    return Ok(());
                };
                document.text = kept(change.text);
                (uri, params.text_document.version)
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(
                    notification.params,
                ) else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                if let Some(document) = self.documents.remove(uri.as_str()) {
                    supersede(&mut self.changes, &document.generation);
                }
                return self.hand_over(Job::Close { uri });
            }
            _ => return Ok(()),
        };
        let Some(document) = self.documents.get(uri.as_str()) else {
            return Ok(());
        };
        let generation = supersede(&mut self.changes, &document.generation);
        let job = Job::Analyse {
            uri,
            version: Some(version),
            text: Arc::from(document.text.as_str()),
            generation,
            latest: document.generation.clone(),
        };
        self.hand_over(job)
    }

    /// Makes every document's text older than any analysis of it.
    fn stop_analyses(&mut self) {
        for document in self.documents.values() {
            supersede(&mut self.changes, &document.generation);
        }
    }

    fn hand_over(&self, job: Job) -> Result<(), String> {
        (self.jobs.send(job)).map_err(|_| "the analysis thread has stopped".to_string())
    }
}

/// Gives a document's text the next generation, which any analysis of an
/// older text sees and stops for; that generation.
fn supersede(changes: &mut u64, generation: &Generation) -> u64 {
    *changes += 1;
    generation.store(*changes, Ordering::SeqCst);
    *changes
}

/// Whether a `$/cancelRequest` for `id` waits among the messages read;
/// it is taken out.
fn cancelled(waiting: &mut VecDeque<Message>, id: &lsp_server::RequestId) -> bool {
    let cancels = |message: &Message| match message {
        Message::Notification(n) if n.method == lsp_types::notification::Cancel::METHOD => {
            let params = serde_json::from_value::<lsp_types::CancelParams>(n.params.clone());
            params.is_ok_and(|p| match p.id {
                NumberOrString::Number(n) => *id == lsp_server::RequestId::from(n),
                NumberOrString::String(s) => *id == lsp_server::RequestId::from(s),
            })
        }
        _ => false,
    };
    match waiting.iter().position(cancels) {
        Some(i) => {
            waiting.remove(i);
            true
        }
        None => false,
    }
}

/// An open document: its text, and the generation of that text (which the
/// worker's analysis of it watches, to stop when it is no longer the
/// latest).
pub(crate) struct Document {
    pub(crate) uri: Uri,
    pub(crate) text: String,
    generation: Generation,
}

/// The open documents, by URI.
pub(crate) type Documents = HashMap<String, Document>;

pub(crate) fn text_of<'d>(documents: &'d Documents, uri: &Uri) -> Option<&'d String> {
    documents.get(uri.as_str()).map(|d| &d.text)
}

/// After `shutdown`, until `exit`: every request is refused as the
/// protocol says (Neovim, quitting, may ask to shut down twice).
fn until_exit(
    connection: &Connection,
    messages: impl Iterator<Item = Message>,
) -> Result<(), String> {
    for message in messages {
        match message {
            Message::Request(request) => {
                let refused = Response::new_err(
                    request.id,
                    lsp_server::ErrorCode::InvalidRequest as i32,
                    "the server is shutting down".to_string(),
                );
                send(connection, Message::Response(refused))?;
            }
            Message::Notification(n) if n.method == lsp_types::notification::Exit::METHOD => {
                return Ok(())
            }
            _ => {}
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

/// The document's name in diagnostics: its path, from its URI, percent
/// escapes decoded (a resource map finds its policy beside it by this
/// path).
pub(crate) fn name_of(uri: &Uri) -> String {
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

/// A report's diagnostics as the protocol's.
pub(crate) fn diagnostics(uri: &Uri, name: &str, report: &onus::Report) -> Vec<Diagnostic> {
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

/// One of the library's diagnostics as the protocol's: the primary label,
/// the scenario that shows it and the help join the message; related
/// labels become related places.
fn to_protocol(uri: &Uri, source: &Source, d: &onus::Diagnostic) -> Diagnostic {
    let primary = d
        .primary
        .as_ref()
        .map_or(Range::default(), |label| range(source, label.span));
    let mut message = d.message.clone();
    if let Some(label) = d.primary.as_ref().filter(|l| !l.message.is_empty()) {
        message.push_str(&format!(": {}", label.message));
    }
    if let Some(scenario) = d.witness_text() {
        message.push_str(&format!("\nscenario: {scenario}"));
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
pub(crate) fn range(source: &Source, span: Span) -> Range {
    Range {
        start: position(source, span.start),
        end: position(source, span.end),
    }
}

fn position(source: &Source, offset: usize) -> Position {
    let offset = offset.min(source.text.len());
    let (line, _) = source.line_column(offset);
    let line_start = source.offset_of(line, 1);
    let column: usize = (source.text[line_start..offset].chars())
        .map(char::len_utf16)
        .sum();
    Position {
        line: (line - 1) as u32,
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

fn answer(
    documents: &Documents,
    states: &States,
    workspace: &crate::workspace::Workspace,
    request: Request,
) -> Response {
    use lsp_types::request::{
        CodeActionRequest, CodeLensRequest, Completion, DocumentSymbolRequest, Formatting,
        GotoDefinition, HoverRequest, PrepareRenameRequest, References, Rename,
        WorkspaceSymbolRequest,
    };
    if request.method == Rename::METHOD {
        return rename(documents, request);
    }
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
        HoverRequest::METHOD => {
            serde_json::from_value(request.params).map(|p: lsp_types::HoverParams| {
                hover(documents, states, &p.text_document_position_params)
            })
        }
        Completion::METHOD => {
            serde_json::from_value(request.params).map(|p: lsp_types::CompletionParams| {
                completion(documents, states, &p.text_document_position)
            })
        }
        CodeActionRequest::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::CodeActionParams| code_actions(documents, states, &p)),
        References::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::ReferenceParams| references(documents, &p)),
        CodeLensRequest::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::CodeLensParams| code_lenses(documents, &p.text_document.uri)),
        PrepareRenameRequest::METHOD => serde_json::from_value(request.params)
            .map(|p: lsp_types::TextDocumentPositionParams| prepare_rename(documents, &p)),
        WorkspaceSymbolRequest::METHOD => {
            serde_json::from_value(request.params).map(|p: lsp_types::WorkspaceSymbolParams| {
                let found = crate::workspace::symbols(documents, workspace, &p.query);
                serde_json::to_value(found).unwrap_or_default()
            })
        }
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
fn formatting(documents: &Documents, uri: &Uri) -> serde_json::Value {
    let Some(text) = text_of(documents, uri) else {
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

fn tree(documents: &Documents, uri: &Uri) -> Option<(Source, PolicyFile)> {
    let text = text_of(documents, uri)?;
    let source = Source::new(name_of(uri), text.as_str());
    let tree = onus::parse(&source.name, text).ok()?;
    Some((source, tree))
}

/// Zones, rules, tests and the other statements, as a flat outline.
fn symbols(documents: &Documents, uri: &Uri) -> serde_json::Value {
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

/// The name under the position, and every name of the document.
fn name_under(
    documents: &Documents,
    at: &lsp_types::TextDocumentPositionParams,
) -> Option<(Source, PolicyFile, Vec<Occurrence>, Occurrence)> {
    let (source, tree) = tree(documents, &at.text_document.uri)?;
    let all = names::occurrences(&tree);
    let under = names::at(&all, offset_of(&source.text, at.position))?.clone();
    Some((source, tree, all, under))
}

/// Whether two names name the same thing. A value whose dimension the
/// document does not declare (the prelude's `model`) matches by its name.
pub(crate) fn same(a: &Named, b: &Named) -> bool {
    match (a, b) {
        (
            Named::Value {
                dimension: d,
                value: v,
            },
            Named::Value {
                dimension: e,
                value: w,
            },
        ) => v == w && (d == e || d.is_empty() || e.is_empty()),
        _ => a == b,
    }
}

fn location(uri: &Uri, source: &Source, span: Span) -> Location {
    Location {
        uri: uri.clone(),
        range: range(source, span),
    }
}

/// From a name's use to its declaration: a zone's `zone` line (or its
/// first rule, if none), a party's, a dimension's, a value's in its
/// dimension's line. Built-in parties and the prelude's `model` have none.
fn definition(
    documents: &Documents,
    at: &lsp_types::TextDocumentPositionParams,
) -> serde_json::Value {
    let uri = &at.text_document.uri;
    let Some((source, _, all, under)) = name_under(documents, at) else {
        return serde_json::Value::Null;
    };
    let declared = (all.iter()).find(|o| o.declares && same(&o.named, &under.named));
    let first_use = || match under.named {
        Named::Zone(_) => all.iter().find(|o| o.named == under.named),
        _ => None,
    };
    match declared.or_else(first_use) {
        Some(o) => serde_json::to_value(location(uri, &source, o.span)).unwrap_or_default(),
        None => serde_json::Value::Null,
    }
}

/// Every place the name under the position is written, its declaration
/// first when the client asks for it: in this document, then in the rest
/// of its program (the policy a test file tests, the test files of a
/// policy).
fn references(documents: &Documents, params: &lsp_types::ReferenceParams) -> serde_json::Value {
    let at = &params.text_document_position;
    let Some((_, _, _, under)) = name_under(documents, at) else {
        return serde_json::Value::Null;
    };
    let (members, _) = crate::workspace::program(documents, &at.text_document.uri);
    let include = params.context.include_declaration;
    let locations = crate::workspace::places(&members, &under.named, include);
    serde_json::to_value(locations).unwrap_or_default()
}

/// The name under the position, if it can be renamed: its range and text.
/// Keywords, and the language's own names (the built-in parties, the
/// prelude's `model`), cannot.
fn prepare_rename(
    documents: &Documents,
    at: &lsp_types::TextDocumentPositionParams,
) -> serde_json::Value {
    let Some((source, _, _, under)) = name_under(documents, at) else {
        return serde_json::Value::Null;
    };
    let (members, _) = crate::workspace::program(documents, &at.text_document.uri);
    let all = members.iter().flat_map(|m| &m.occurrences);
    if crate::workspace::unrenamable(&under.named, all).is_some() {
        return serde_json::Value::Null;
    }
    let placeholder = source.text[under.span.start..under.span.end].to_string();
    serde_json::json!({"range": range(&source, under.span), "placeholder": placeholder})
}

/// Every place of the program that writes the name, renamed; an error
/// that says why when the name cannot be renamed, or not to that.
fn rename(documents: &Documents, request: Request) -> Response {
    let params: Result<lsp_types::RenameParams, _> = serde_json::from_value(request.params);
    let refused = |message: String| {
        Response::new_err(
            request.id.clone(),
            lsp_server::ErrorCode::InvalidParams as i32,
            message,
        )
    };
    let params = match params {
        Ok(params) => params,
        Err(error) => return refused(error.to_string()),
    };
    let at = &params.text_document_position;
    let Some((_, _, _, under)) = name_under(documents, at) else {
        return refused("no name here to rename".into());
    };
    let (members, whole) = crate::workspace::program(documents, &at.text_document.uri);
    match crate::workspace::rename((&members, whole), &under.named, &params.new_name) {
        Ok(edit) => Response::new_ok(request.id, edit),
        Err(why) => refused(why),
    }
}

/// Each test of the document, where its name is, and how it went: `✓
/// passes`, or `✗ fails: ...` with each zone it gets wrong and what the
/// zone resolved to. A test file's tests run against the policy it names,
/// beside it on disk or built in.
fn test_results(documents: &Documents, uri: &Uri) -> Vec<(Range, String, String)> {
    let Some(text) = text_of(documents, uri) else {
        return Vec::new();
    };
    let name = name_of(uri);
    let Ok(tree) = onus::parse(&name, text) else {
        return Vec::new();
    };
    let tests: Vec<&onus::syntax::TestCase> = (tree.statements.iter())
        .filter_map(|s| match &s.kind {
            StatementKind::Test(test) => Some(test),
            _ => None,
        })
        .collect();
    if tests.is_empty() {
        return Vec::new();
    }
    let source = Source::new(name.clone(), text.as_str());
    let Ok(suite) = onus::load_suite_text(&name, source.clone()) else {
        return Vec::new();
    };
    let run = suite.policy.run_tests(&suite.tests);
    let policy = &suite.policy;
    (run.outcomes.iter().zip(&tests))
        .map(|(outcome, test)| {
            let title = if outcome.passed() {
                "✓ passes".to_string()
            } else {
                let wrong: Vec<String> = (outcome.mismatches.iter())
                    .map(|m| {
                        let got = match m.got.party {
                            Some(p) => policy.parties[p].name.clone(),
                            None => "a conflict".to_string(),
                        };
                        format!(
                            "{}: expected {}, got {got}",
                            policy.zones[m.zone].name, policy.parties[m.expected].name
                        )
                    })
                    .collect();
                format!("✗ fails: {}", wrong.join("; "))
            };
            (
                range(&source, test.name.span),
                test.name.text.clone(),
                title,
            )
        })
        .collect()
}

/// The command a test's code lens runs: the test again, its result shown.
const RUN_TEST: &str = "onus.runTest";

/// A code lens on each test saying how it went; choosing it runs the test
/// again ([`RUN_TEST`]).
fn code_lenses(documents: &Documents, uri: &Uri) -> serde_json::Value {
    use lsp_types::{CodeLens, Command};
    let lenses: Vec<CodeLens> = (test_results(documents, uri).into_iter())
        .map(|(range, name, title)| CodeLens {
            range,
            command: Some(Command {
                title,
                command: RUN_TEST.to_string(),
                arguments: Some(vec![
                    serde_json::json!(uri.as_str()),
                    serde_json::json!(name),
                ]),
            }),
            data: None,
        })
        .collect();
    serde_json::to_value(lenses).unwrap_or_default()
}

/// `onus.runTest URI NAME`: runs the document's tests and shows the named
/// one's result as a message (an error if it fails).
fn run_test(
    connection: &Connection,
    documents: &Documents,
    params: &lsp_types::ExecuteCommandParams,
) -> Result<serde_json::Value, String> {
    use lsp_types::{MessageType, ShowMessageParams};
    let (Some(uri), Some(name)) = (
        params.arguments.first().and_then(|a| a.as_str()),
        params.arguments.get(1).and_then(|a| a.as_str()),
    ) else {
        return Err(format!(
            "{RUN_TEST} takes the document's URI and the test's name"
        ));
    };
    let uri: Uri = uri.parse().map_err(|_| format!("`{uri}` is not a URI"))?;
    let result = (test_results(documents, &uri).into_iter()).find(|(_, test, _)| test == name);
    let Some((_, _, title)) = result else {
        return Err(format!("no test `{name}` in {}", uri.as_str()));
    };
    let typ = match title.starts_with('✓') {
        true => MessageType::INFO,
        false => MessageType::ERROR,
    };
    let message = ShowMessageParams {
        typ,
        message: format!("test \"{name}\": {title}"),
    };
    let notification = Notification::new(
        lsp_types::notification::ShowMessage::METHOD.to_string(),
        message,
    );
    send(connection, Message::Notification(notification))?;
    Ok(serde_json::Value::Null)
}

/// The latest analysed state of the document, if any.
fn state_of(states: &States, uri: &Uri) -> Option<Arc<Analysed>> {
    analysis::lock(states).get(uri.as_str()).cloned()
}

/// The generation of the document's text.
fn generation_of(documents: &Documents, uri: &Uri) -> Option<u64> {
    (documents.get(uri.as_str())).map(|d| d.generation.load(Ordering::SeqCst))
}

/// What changed from `then` to `now`: where the change starts, where it
/// ends in `then` and where in `now` (their common start and end, on
/// character boundaries, are the same text); `None` when they are equal.
fn changed(then: &str, now: &str) -> Option<(usize, usize, usize)> {
    if then == now {
        return None;
    }
    let (a, b) = (then.as_bytes(), now.as_bytes());
    let mut start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !then.is_char_boundary(start) || !now.is_char_boundary(start) {
        start -= 1;
    }
    let most = a.len().min(b.len()) - start;
    let mut end = (a.iter().rev().zip(b.iter().rev()))
        .take(most)
        .take_while(|(x, y)| x == y)
        .count();
    while !then.is_char_boundary(a.len() - end) || !now.is_char_boundary(b.len() - end) {
        end -= 1;
    }
    Some((start, a.len() - end, b.len() - end))
}

/// Where `offset` of the text `now` is in the text `then`, and whether
/// the statement there is one the change left alone: `None` inside the
/// change, or on a statement that overlaps or touches it.
fn offset_then(then: &str, now: &str, offset: usize, tree: &PolicyFile) -> Option<usize> {
    let Some((start, then_end, now_end)) = changed(then, now) else {
        return Some(offset);
    };
    let offset = if offset <= start {
        offset
    } else if offset >= now_end {
        offset - now_end + then_end
    } else {
        return None;
    };
    let touched = (tree.statements.iter()).any(|s| {
        s.span.start <= offset
            && offset <= s.span.end
            && s.span.start <= then_end
            && start <= s.span.end
    });
    (!touched).then_some(offset)
}

/// On a zone: its row of the matrix ([`hover_zone`]). On a rule, or its
/// party: where it decides ([`hover_rule`]). On another party, a dimension
/// or a value: its declaration ([`hover_name`]). Answered from the latest
/// analysed text, so a hover never waits on an analysis: while a newer
/// text is analysed, on the statements the change since left alone.
fn hover(
    documents: &Documents,
    states: &States,
    at: &lsp_types::TextDocumentPositionParams,
) -> serde_json::Value {
    let uri = &at.text_document.uri;
    let (Some(now), Some(state)) = (text_of(documents, uri), state_of(states, uri)) else {
        return serde_json::Value::Null;
    };
    let Some(loaded) = state.loaded.as_ref() else {
        return serde_json::Value::Null;
    };
    let tree = &loaded.file;
    let Some(offset) = offset_then(&state.text, now, offset_of(now, at.position), tree) else {
        return serde_json::Value::Null;
    };
    let unresolved;
    let source = match &loaded.policy {
        Some(lenient) => &lenient.policy.source,
        None => {
            unresolved = Source::new(name_of(uri), &*state.text);
            &unresolved
        }
    };
    let all = names::occurrences(tree);
    let under = names::at(&all, offset);
    let on_rule_party = under.is_some_and(|under| {
        (tree.statements.iter())
            .any(|s| matches!(&s.kind, StatementKind::Rule(r) if r.party.span == under.span))
    });
    let policy = loaded.policy.as_ref();
    let text = match under {
        Some(Occurrence {
            named: Named::Zone(zone),
            ..
        }) => policy.and_then(|p| hover_zone(p, zone)),
        Some(under) if !on_rule_party => hover_name(source, tree, &all, under),
        _ => policy.and_then(|p| hover_rule(p, offset)),
    };
    let Some(mut value) = text else {
        return serde_json::Value::Null;
    };
    if state.generation != generation_of(documents, uri).unwrap_or_default() {
        // Other statements may have changed what this one means.
        value.push_str("\n\n_As of the last analysed text: a newer one is being analysed._");
    }
    let hover = Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    };
    serde_json::to_value(hover).unwrap_or_default()
}

/// Who holds a zone for each value of the policy's matrix dimension (the
/// other dimensions at their first values), with the deciding rules'
/// reasons: the zone's row of `onus matrix`.
fn hover_zone(loaded: &onus::LenientPolicy, zone_name: &str) -> Option<String> {
    // Rules that do not resolve yet are set aside: the rest still answers,
    // and a zone that lost a rule says so rather than answer without it.
    let policy = &loaded.policy;
    let zone = policy.zone_index(zone_name)?;
    if let Some(&(_, line)) = loaded.unresolved_zones.iter().find(|&&(z, _)| z == zone) {
        return Some(format!(
            "**{}**: not answered while its rule on line {line} does not resolve",
            policy.zones[zone].display()
        ));
    }
    let over = policy.sweep_dimension(None).ok()?;
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
            .because(policy)
            .map_or(String::new(), |b| format!(": {b}"));
        lines.push(format!("- `{value}`: {holder}{why}"));
    }
    Some(lines.join("\n"))
}

/// A party, dimension or value: its declaration's line, and how often the
/// document writes it.
fn hover_name(
    source: &Source,
    tree: &PolicyFile,
    all: &[Occurrence],
    under: &Occurrence,
) -> Option<String> {
    let declaration = (all.iter())
        .find(|o| o.declares && same(&o.named, &under.named))
        .and_then(|o| {
            (tree.statements.iter())
                .find(|s| s.span.start <= o.span.start && o.span.end <= s.span.end)
        })
        .map(|s| {
            let (line, _) = source.line_column(s.span.start);
            let text = &source.text[s.span.start..s.span.end];
            format!("```onus\n{text}\n```\ndeclared on line {line}")
        });
    let uses = (all.iter())
        .filter(|o| !o.declares && same(&o.named, &under.named))
        .count();
    let (what, name) = match &under.named {
        Named::Zone(_) => return None,
        Named::Party(name) => ("party", name.clone()),
        Named::Dimension(name) => ("dimension", name.clone()),
        Named::Value { dimension, value } if dimension.is_empty() => ("value", value.clone()),
        Named::Value { dimension, value } => ("value", format!("{dimension} is {value}")),
    };
    let declared = declaration.unwrap_or_else(|| match &under.named {
        Named::Party(_) if BUILT_IN_PARTIES.contains(&name.as_str()) => {
            "a built-in party".to_string()
        }
        Named::Dimension(d) | Named::Value { dimension: d, .. } if d == "model" => {
            format!("the prelude's `model`: {}", onus::PRELUDE_MODEL.join(", "))
        }
        _ => "not declared".to_string(),
    });
    let times = match uses {
        1 => "once".to_string(),
        n => format!("{n} times"),
    };
    Some(format!("**{what}** `{name}`, used {times}\n\n{declared}"))
}

/// Where the rule at `offset` decides: the answers of its zone, over every
/// scenario, that it takes part in, each with its condition.
fn hover_rule(loaded: &onus::LenientPolicy, offset: usize) -> Option<String> {
    // Rules that do not resolve yet are set aside: the rest still answers,
    // and a zone that lost a rule says so rather than answer without it.
    let policy = &loaded.policy;
    let (id, rule) = (policy.rules.iter().enumerate())
        .find(|(_, r)| r.span.start <= offset && offset <= r.span.end)?;
    let zone = &policy.zones[rule.zone];
    if let Some(&(_, line)) = (loaded.unresolved_zones.iter()).find(|&&(z, _)| z == rule.zone) {
        return Some(format!(
            "**{}**: not answered while its rule on line {line} does not resolve",
            zone.display()
        ));
    }
    let answer = policy.zone_answers(rule.zone);
    let mut lines = vec![format!(
        "**{}: {}**, where it decides, and what the zone then resolves to:",
        zone.name, policy.parties[rule.party].name
    )];
    match &answer.cases {
        None => lines.push("- not decided within the analysis budget".to_string()),
        Some(cases) => {
            for case in cases.iter().filter(|c| c.rules.contains(&id)) {
                let holder = match &case.holder {
                    onus::Holder::Party(party) => party.clone(),
                    onus::Holder::Conflict => "CONFLICT".to_string(),
                };
                let when = (case.when.as_ref())
                    .map_or("(too complex to describe)".to_string(), |cubes| {
                        onus::describe(policy, cubes)
                    });
                lines.push(format!("- {holder} when `{when}`"));
            }
        }
    }
    if lines.len() == 1 {
        lines.push("- nowhere: the rule never decides".to_string());
    }
    Some(lines.join("\n"))
}

/// What fits at the cursor ([`complete::offers`]), from the names the
/// document writes: its tree, or while the text does not parse, the tree of
/// its lines that do.
fn completion(
    documents: &Documents,
    states: &States,
    at: &lsp_types::TextDocumentPositionParams,
) -> serde_json::Value {
    use lsp_types::{CompletionItem, CompletionItemKind};
    let uri = &at.text_document.uri;
    let Some(text) = text_of(documents, uri) else {
        return serde_json::json!([]);
    };
    // While a newer text is analysed, the names of the last one that
    // parsed: completion never waits on a parse of a large text.
    let analysing = state_of(states, uri)
        .filter(|state| Some(state.generation) != generation_of(documents, uri))
        .and_then(|state| state.last_parsed.clone());
    let parsed;
    let tree = match &analysing {
        Some(loaded) => Some(&loaded.file),
        None => {
            parsed = onus::parse("", text).ok().or_else(|| {
                let finished: String = (text.lines())
                    .filter(|l| onus::parse("", l).is_ok())
                    .map(|l| format!("{l}\n"))
                    .collect();
                onus::parse("", &finished).ok()
            });
            parsed.as_ref()
        }
    };
    let vocabulary = tree.map(Vocabulary::of).unwrap_or_default();
    let before = &text[..offset_of(text, at.position)];
    let mut items: Vec<CompletionItem> = Vec::new();
    for (label, kind) in complete::offers(&vocabulary, before) {
        if items.iter().any(|i| i.label == label) {
            continue;
        }
        let (kind, detail) = match kind {
            Kind::Zone => (CompletionItemKind::STRUCT, "zone"),
            Kind::Party => (CompletionItemKind::CONSTANT, "party"),
            Kind::Dimension => (CompletionItemKind::ENUM, "dimension"),
            Kind::Value => (CompletionItemKind::ENUM_MEMBER, "value"),
            Kind::Keyword => (CompletionItemKind::KEYWORD, "keyword"),
        };
        items.push(CompletionItem {
            label,
            kind: Some(kind),
            detail: Some(detail.to_string()),
            ..CompletionItem::default()
        });
    }
    serde_json::to_value(items).unwrap_or_default()
}

/// Quick fixes: every known replacement (a did-you-mean) of a diagnostic
/// in the range, as the edit that makes it; and for a conflict, its rules
/// made `shared`.
/// Only from the diagnostics of the current text: while a newer text is
/// analysed, none (their places may have moved).
fn code_actions(
    documents: &Documents,
    states: &States,
    params: &lsp_types::CodeActionParams,
) -> serde_json::Value {
    use lsp_types::{CodeAction, CodeActionKind, WorkspaceEdit};
    let uri = &params.text_document.uri;
    let Some(state) = state_of(states, uri)
        .filter(|state| Some(state.generation) == generation_of(documents, uri))
    else {
        return serde_json::json!([]);
    };
    let report = &state.report;
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
    let tree = state.loaded.as_ref().map(|loaded| &loaded.file);
    let party_of = |rule: Span| -> Option<Span> {
        tree?.statements.iter().find_map(|s| match &s.kind {
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

#[cfg(test)]
mod tests {
    use super::{changed, offset_then};

    fn tree(text: &str) -> onus::syntax::PolicyFile {
        onus::parse("p.onus", text).unwrap()
    }

    #[test]
    fn a_change_is_found_on_character_boundaries() {
        assert_eq!(changed("abc", "abc"), None);
        assert_eq!(changed("abc", "abXc"), Some((2, 2, 3)));
        assert_eq!(changed("abc", ""), Some((0, 3, 0)));
        // `é` and `è` share their first byte: the change starts before it.
        assert_eq!(changed("zone é\n", "zone è\n"), Some((5, 7, 7)));
    }

    #[test]
    fn a_hover_maps_only_to_statements_the_change_left_alone() {
        let then = "zone os\nos: customer when iaas\ndata: customer always\n";
        let now = "zone os\nos: provider when iaas\ndata: customer always\n";
        let old = tree(then);
        // Before and after the changed rule: the same place, moved.
        assert_eq!(offset_then(then, now, 5, &old), Some(5));
        let data = now.find("data").unwrap();
        assert_eq!(offset_then(then, now, data, &old), then.find("data"));
        // Anywhere on the changed rule, even on its unchanged `when`: none.
        let when = now.find("when").unwrap();
        assert_eq!(offset_then(then, now, when, &old), None);
        assert_eq!(offset_then(then, now, now.find("os:").unwrap(), &old), None);
        // A name typed longer: the old name is not answered for it.
        let then = "party vendor\nos: vendor always\n";
        let now = "party vendorx\nos: vendor always\n";
        assert_eq!(offset_then(then, now, 12, &tree(then)), None);
        assert_eq!(offset_then(then, now, 8, &tree(then)), None);
        // The same text: every offset is itself.
        assert_eq!(offset_then(then, then, 8, &tree(then)), Some(8));
    }
}
