//! The analysis worker: every open document's `onus::Checker` runs on one
//! thread of its own, so the thread that reads the client's messages never
//! waits on an analysis. A newer text of a document stops its analysis
//! between two zones; requests are answered meanwhile from the latest
//! analysed state ([`Analysed`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use lsp_server::{Connection, Message, Notification};
use lsp_types::notification::Notification as _;
use lsp_types::notification::PublishDiagnostics;
use lsp_types::{PublishDiagnosticsParams, Uri};

use crate::server::{diagnostics, name_of};

/// A change or close of an open document makes its analysis wait at once
/// on this many rules at most (a few milliseconds); a larger one is
/// published in two steps, what is known at once and then the rest.
const ANALYSED_AT_ONCE: usize = 200;

/// A document as the worker last analysed it.
pub(crate) struct Analysed {
    /// The generation of the text analysed (see [`Generation`]).
    pub(crate) generation: u64,
    /// The text analysed.
    pub(crate) text: Arc<str>,
    /// Its tree and policy; `None` when the text did not parse.
    pub(crate) loaded: Option<Arc<onus::Loaded>>,
    /// The last tree that parsed, of this text or an earlier one: the
    /// names completion offers while the text does not parse.
    pub(crate) last_parsed: Option<Arc<onus::Loaded>>,
    /// The diagnostics last published: the whole ones once the analysis
    /// finished, else the first answer's.
    pub(crate) report: Arc<onus::Report>,
}

/// Each open document's latest analysed state, by URI.
pub(crate) type States = Arc<Mutex<HashMap<String, Arc<Analysed>>>>;

/// The generation of a document's latest text (never reused, see
/// `Server::changes`), shared with the worker: an analysis of an older one
/// stops.
pub(crate) type Generation = Arc<AtomicU64>;

pub(crate) enum Job {
    Analyse {
        uri: Uri,
        version: Option<i32>,
        text: Arc<str>,
        generation: u64,
        latest: Generation,
    },
    Close {
        uri: Uri,
    },
}

/// Starts the worker; it ends when the returned sender is dropped.
pub(crate) fn start(
    connection: &Connection,
    states: States,
) -> (mpsc::Sender<Job>, std::thread::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel::<Job>();
    let out = connection.sender.clone();
    let handle = std::thread::Builder::new()
        .name("onus-analysis".to_string())
        .spawn(move || work(&receiver, &out, &states))
        .expect("a thread for the analysis");
    (sender, handle)
}

fn work(jobs: &mpsc::Receiver<Job>, out: &crossbeam_channel::Sender<Message>, states: &States) {
    let mut checkers: HashMap<String, onus::Checker> = HashMap::new();
    while let Ok(job) = jobs.recv() {
        let uri = match &job {
            Job::Analyse { uri, .. } | Job::Close { uri } => uri.clone(),
        };
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(job, &mut checkers, out, states);
        }));
        if done.is_err() {
            // A bug: the document's checker may be half-updated, so it
            // starts afresh at the next change; the server goes on.
            checkers.remove(uri.as_str());
            let message = format!(
                "onus-lsp: the analysis of {} failed (a bug in onus-lsp; its message is in the log)",
                uri.as_str()
            );
            let params = lsp_types::ShowMessageParams {
                typ: lsp_types::MessageType::ERROR,
                message,
            };
            notify(out, lsp_types::notification::ShowMessage::METHOD, params);
        }
    }
}

fn run(
    job: Job,
    checkers: &mut HashMap<String, onus::Checker>,
    out: &crossbeam_channel::Sender<Message>,
    states: &States,
) {
    match job {
        Job::Close { uri } => {
            checkers.remove(uri.as_str());
            lock(states).remove(uri.as_str());
            publish(out, &uri, None, Vec::new());
        }
        Job::Analyse {
            uri,
            version,
            text,
            generation,
            latest,
        } => {
            let stale = || latest.load(Ordering::SeqCst) != generation;
            if stale() {
                // A newer text of the document is already on its way.
                return;
            }
            let name = name_of(&uri);
            let checker = checkers.entry(uri.as_str().to_string()).or_default();
            let report = checker.begin(&name, &text, ANALYSED_AT_ONCE);
            if stale() {
                // Superseded while loading: the newer text's answer
                // follows, and this one would only cost its sending.
                return;
            }
            let loaded = checker.loaded();
            let state = {
                let mut states = lock(states);
                let last_parsed = loaded
                    .clone()
                    .or_else(|| (states.get(uri.as_str())).and_then(|s| s.last_parsed.clone()));
                let state = Arc::new(Analysed {
                    generation,
                    text,
                    loaded,
                    last_parsed,
                    report: Arc::new(report),
                });
                states.insert(uri.as_str().to_string(), state.clone());
                state
            };
            publish(out, &uri, version, diagnostics(&uri, &name, &state.report));
            if !checker.is_pending() {
                return;
            }
            let Some(whole) = checker.finish_until(&stale) else {
                // Said in the client's log: what a stop saved.
                let message = format!(
                    "stopped analysing version {} of {}: a newer text came",
                    version.map_or("?".to_string(), |v| v.to_string()),
                    uri.as_str()
                );
                let params = lsp_types::LogMessageParams {
                    typ: lsp_types::MessageType::LOG,
                    message,
                };
                notify(out, lsp_types::notification::LogMessage::METHOD, params);
                return;
            };
            let whole = Arc::new(whole);
            let mut states = lock(states);
            // Only while no newer text has come: else its own first
            // answer is, or will be, the latest state.
            if stale() {
                return;
            }
            states.insert(
                uri.as_str().to_string(),
                Arc::new(Analysed {
                    report: whole.clone(),
                    text: state.text.clone(),
                    loaded: state.loaded.clone(),
                    last_parsed: state.last_parsed.clone(),
                    generation,
                }),
            );
            drop(states);
            publish(out, &uri, version, diagnostics(&uri, &name, &whole));
        }
    }
}

/// The states, even if a thread panicked while holding them (they are
/// replaced whole, never left half-written).
pub(crate) fn lock(states: &States) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Analysed>>> {
    states
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn publish(
    out: &crossbeam_channel::Sender<Message>,
    uri: &Uri,
    version: Option<i32>,
    diagnostics: Vec<lsp_types::Diagnostic>,
) {
    let params = PublishDiagnosticsParams {
        uri: uri.clone(),
        diagnostics,
        version,
    };
    notify(out, PublishDiagnostics::METHOD, params);
}

fn notify(out: &crossbeam_channel::Sender<Message>, method: &str, params: impl serde::Serialize) {
    let notification = Notification::new(method.to_string(), params);
    // The client gone, the reading thread ends the server.
    let _ = out.send(Message::Notification(notification));
}
