//! The HTTP API, versioned under `/v1`, and the playground page at `/`.
//! Each answer is the CLI's output for the same input, from the same
//! `onus::command` call; errors are JSON with a code. Policies sent in a
//! request are read from the request alone, never from the file system.

use std::io::{BufReader, Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State as Shared};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures_util::StreamExt;
use onus::command::{self, Choice, Explanation, ExportRequest, Outcome};
use onus::{Policy, Report};
use serde_json::{json, Value};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::listen::log;
use crate::policies::{self, Policies, Stamp};

/// What one request may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_body: usize,
    pub timeout: Duration,
    pub max_rules: usize,
    pub max_concurrent: usize,
    pub max_connections: usize,
    /// Whether other machines may connect: if not, a request must name
    /// this machine in its `Host` (no DNS rebinding from a web page).
    pub allow_remote: bool,
}

/// What every request shares: the served policies (swapped whole on
/// reload), what their files looked like when read, and the limits.
pub struct State {
    specs: Vec<String>,
    policies: RwLock<Arc<Policies>>,
    stamps: Mutex<Vec<Stamp>>,
    /// Held through a whole reload, so two never interleave.
    reloading: Mutex<()>,
    limits: Limits,
    /// Requests being answered, their streamed bodies included.
    requests: Arc<Semaphore>,
    /// Work off the async threads, held until it ends, even past the time
    /// limit (which stops the answer, not the work).
    work: Arc<Semaphore>,
    /// The bearer tokens `/v1` requires, if any (`--token-file`).
    tokens: Option<crate::auth::Tokens>,
}

impl State {
    pub fn new(
        specs: Vec<String>,
        loaded: Policies,
        limits: Limits,
        tokens: Option<crate::auth::Tokens>,
    ) -> State {
        State {
            tokens,
            stamps: Mutex::new(policies::stamps(&specs)),
            specs,
            policies: RwLock::new(Arc::new(loaded)),
            reloading: Mutex::new(()),
            requests: Arc::new(Semaphore::new(limits.max_concurrent)),
            work: Arc::new(Semaphore::new(limits.max_concurrent)),
            limits,
        }
    }

    /// The policies now: a request holds this one set from start to end,
    /// whatever reloads meanwhile.
    fn current(&self) -> Arc<Policies> {
        Arc::clone(
            &self
                .policies
                .read()
                .expect("never poisoned: swaps do not panic"),
        )
    }

    /// Loads every policy again and serves the new set, or, if any fails
    /// to load, keeps the old one and logs why.
    fn reload(&self, why: &str) {
        let _one_at_a_time = self.reloading.lock().expect("never poisoned");
        self.reload_now(why);
    }

    fn reload_now(&self, why: &str) {
        let stamps = policies::stamps(&self.specs);
        match Policies::load(&self.specs) {
            Ok(loaded) => {
                let count = loaded.entries.len();
                *self.policies.write().expect("never poisoned") = Arc::new(loaded);
                log(&json!({"event": "reload", "why": why, "policies": count}));
            }
            Err(reports) => {
                let diagnostics = policies::reports_text(&reports);
                log(
                    &json!({"event": "reload-failed", "why": why, "kept": "the policies loaded before", "diagnostics": diagnostics}),
                );
            }
        }
        *self.stamps.lock().expect("never poisoned") = stamps;
    }

    /// Reloads if a policy file changed since it was read.
    fn reload_if_changed(&self) {
        let _one_at_a_time = self.reloading.lock().expect("never poisoned");
        let now = policies::stamps(&self.specs);
        let changed = *self.stamps.lock().expect("never poisoned") != now;
        if changed {
            self.reload_now("a policy file changed");
        }
    }
}

/// How long a shutdown waits for the requests in flight; a second signal
/// ends it at once.
const GRACE: Duration = Duration::from_secs(30);

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight
/// (for at most [`GRACE`]).
pub async fn serve(
    addr: SocketAddr,
    state: Arc<State>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    // The handlers are in place before the address is printed: a signal
    // sent as soon as it is seen does not end the process.
    use tokio::signal::unix::{signal, SignalKind};
    let (hangups, mut terminations) = (
        signal(SignalKind::hangup())?,
        signal(SignalKind::terminate())?,
    );
    tokio::spawn(reload_on_hangup(Arc::clone(&state), hangups));
    tokio::spawn(reload_on_change(Arc::clone(&state)));
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("onus serve: listening on {scheme}://{local}/");
    std::io::stdout().flush()?;
    let listener = crate::listen::Limited {
        listener,
        permits: Arc::new(Semaphore::new(state.limits.max_connections)),
        max: state.limits.max_connections,
        tls,
        ready: mpsc::channel(64),
    };
    let (stopping, stop) = tokio::sync::oneshot::channel::<()>();
    let app = router(state);
    let server = axum::serve(listener, app).with_graceful_shutdown(async {
        let _ = stop.await;
    });
    let mut server = std::pin::pin!(std::future::IntoFuture::into_future(server));
    tokio::select! {
        result = &mut server => return result,
        _ = tokio::signal::ctrl_c() => {}
        _ = terminations.recv() => {}
    }
    log(&json!({"event": "stopping", "why": "a signal; finishing the requests in flight"}));
    let _ = stopping.send(());
    tokio::select! {
        result = &mut server => result?,
        _ = tokio::time::sleep(GRACE) => {
            log(&json!({"event": "stopped-early", "why": "requests still in flight after the grace period"}));
        }
        _ = tokio::signal::ctrl_c() => {
            log(&json!({"event": "stopped-early", "why": "a second signal"}));
        }
        _ = terminations.recv() => {
            log(&json!({"event": "stopped-early", "why": "a second signal"}));
        }
    }
    Ok(())
}

async fn reload_on_hangup(state: Arc<State>, mut hangups: tokio::signal::unix::Signal) {
    while hangups.recv().await.is_some() {
        let state = Arc::clone(&state);
        let _ = tokio::task::spawn_blocking(move || state.reload("SIGHUP")).await;
    }
}

/// How often policy files are looked at for changes.
const WATCH_EVERY: Duration = Duration::from_millis(500);

async fn reload_on_change(state: Arc<State>) {
    let mut ticks = tokio::time::interval(WATCH_EVERY);
    loop {
        ticks.tick().await;
        let state = Arc::clone(&state);
        let _ = tokio::task::spawn_blocking(move || state.reload_if_changed()).await;
    }
}

/// Every route. `tests/api.rs` checks this list against the OpenAPI
/// document, both ways.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(crate::page::page))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/policies", get(list))
        .route("/v1/policies/{name}", get(describe_named))
        .route("/v1/policies/{name}/source", get(source_named))
        .route("/v1/policies/{name}/matrix", get(matrix_named))
        .route("/v1/policies/{name}/check", get(check_named))
        .route("/v1/policies/{name}/eval", post(eval_named))
        .route("/v1/policies/{name}/batch", post(batch_named))
        .route("/v1/policies/{name}/export", get(export_named))
        .route("/v1/check", post(check_text))
        .route("/v1/fmt", post(fmt_text))
        .route("/v1/describe", post(describe_text))
        .route("/v1/matrix", post(matrix_text))
        .route("/v1/eval", post(eval_text))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

/// Whether a `Host` names this machine: what a request to a loopback
/// service must say, so that a web page whose name resolves here (DNS
/// rebinding) cannot use it.
fn local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// Around every request: the `Host` check, the concurrency limit (held
/// until the whole body is sent, streams included), `nosniff`, and one
/// access-log line.
async fn guard(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let host = (request.headers().get(header::HOST))
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let authorization = (request.headers().get(header::AUTHORIZATION)).map(|v| v.as_bytes());
    let mut response = if !state.limits.allow_remote && !local_host(host) {
        ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host-not-allowed",
            format!("this service answers requests to localhost only, not to `{host}`"),
        )
        .into_response()
    } else if let Some(unauthorized) = unauthorized(&state, &path, authorization) {
        unauthorized
    } else {
        match Arc::clone(&state.requests).try_acquire_owned() {
            Ok(permit) => json_errors(next.run(request).await).await.map(|body| {
                Body::new(Holding {
                    body,
                    _permit: permit,
                })
            }),
            Err(_) => {
                let mut refused = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    format!(
                        "more than {} requests at once: try again shortly",
                        state.limits.max_concurrent
                    ),
                )
                .into_response();
                (refused.headers_mut()).insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                refused
            }
        }
    };
    (response.headers_mut()).insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    log(&json!({
        "method": method.as_str(),
        "path": path,
        "status": response.status().as_u16(),
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
    }));
    response
}

/// The 401 a request gets without one of the tokens, when the service has
/// tokens; `None` when it may go on. The playground's page (`/`) holds no
/// data and stays open.
fn unauthorized(state: &State, path: &str, authorization: Option<&[u8]>) -> Option<Response> {
    let tokens = state.tokens.as_ref()?;
    // Everything but the page needs the token: a path the router would
    // read differently cannot slip past a prefix test.
    if path == "/" || tokens.allows(authorization) {
        return None;
    }
    let (challenge, message) = match authorization {
        None => (
            "Bearer realm=\"onus\"",
            "this service needs a bearer token: `Authorization: Bearer <token>`",
        ),
        Some(_) => (
            "Bearer realm=\"onus\", error=\"invalid_token\"",
            "the bearer token is not one this service takes",
        ),
    };
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message.into()).into_response();
    (response.headers_mut()).insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    Some(response)
}

/// An error the framework answered itself (a path it could not decode, a
/// query it could not read) in plain text, made JSON with a code as every
/// error of the API is.
async fn json_errors(response: Response) -> Response {
    let is_json = (response.headers().get(header::CONTENT_TYPE))
        .is_some_and(|t| t.as_bytes().starts_with(JSON.as_bytes()));
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad-request",
        StatusCode::PAYLOAD_TOO_LARGE => "body-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        _ => "internal",
    };
    ApiError::new(status, code, text.trim().to_string()).into_response()
}

/// A response's body and the request permit it holds until sent.
struct Holding {
    body: Body,
    _permit: OwnedSemaphorePermit,
}

impl http_body::Body for Holding {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// An error as the API answers it: `{"error": {"code", "message",
/// "diagnostics"?}}`, the diagnostics as `onus check --format json` writes
/// them.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    diagnostics: Option<Value>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: String) -> ApiError {
        ApiError {
            status,
            code,
            message,
            diagnostics: None,
        }
    }
}

impl From<Report> for ApiError {
    fn from(report: Report) -> ApiError {
        let message = (report.diagnostics.first()).map_or(String::new(), |d| d.message.clone());
        let diagnostics = serde_json::from_str(&onus::render::diagnostics_json(&[report])).ok();
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid-input",
            message,
            diagnostics,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(diagnostics) = self.diagnostics {
            error["diagnostics"] = diagnostics;
        }
        let body =
            serde_json::to_string_pretty(&json!({ "error": error })).unwrap_or_default() + "\n";
        (self.status, [(header::CONTENT_TYPE, JSON)], body).into_response()
    }
}

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

type Answer = Result<Response, ApiError>;

/// A command's output as a response: its text with the format's type, and
/// its outcome (the CLI's exit code) in the `Onus-Outcome` header.
fn output(out: command::Output, content_type: &'static str) -> Answer {
    if let Some(report) = out.problems.into_iter().next() {
        return Err(report.into());
    }
    Ok(bytes_answer(
        out.text.into_bytes(),
        content_type,
        out.outcome,
    ))
}

fn bytes_answer(bytes: Vec<u8>, content_type: &'static str, outcome: Outcome) -> Response {
    let outcome = match outcome {
        Outcome::Clean => "clean",
        Outcome::Findings => "findings",
        Outcome::BadInput => "bad-input",
    };
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::HeaderName::from_static("onus-outcome"), outcome),
    ];
    (StatusCode::OK, headers, bytes).into_response()
}

/// Runs `work` off the async threads, within the time limit. The work
/// holds a work permit until it ends, even when the answer has gone as a
/// timeout: work past its time still counts against `--max-concurrent`.
async fn within_limits<T: Send + 'static>(
    state: &State,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let permit = work_permit(state)?;
    let limit = state.limits.timeout;
    let task = tokio::task::spawn_blocking(move || {
        let _held = permit;
        work()
    });
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the request's work failed: {error}"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} ms", limit.as_millis()),
        )),
    }
}

fn work_permit(state: &State) -> Result<OwnedSemaphorePermit, ApiError> {
    Arc::clone(&state.work).try_acquire_owned().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!(
                "{} requests' work is still running (some past their time): try again shortly",
                state.limits.max_concurrent
            ),
        )
    })
}

/// The query's parameters, each of those `allowed` once at most except
/// `set`, which repeats; any other is an error, so a typo is not ignored.
struct Params(Vec<(String, String)>);

impl Params {
    fn new(pairs: Vec<(String, String)>, allowed: &[&str]) -> Result<Params, ApiError> {
        for (key, value) in &pairs {
            if !allowed.contains(&key.as_str()) {
                let known = allowed.join(", ");
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unknown-parameter",
                    format!("unknown query parameter `{key}`: this endpoint takes {known}"),
                ));
            }
            // A bare flag (`?explain`) is the flag set, as it always was.
            if value.is_empty() && key != "explain" {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "empty-parameter",
                    format!("query parameter `{key}` is empty: give it a value, or leave it out"),
                ));
            }
            if key != "set" && pairs.iter().filter(|(k, _)| k == key).count() > 1 {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "repeated-parameter",
                    format!("query parameter `{key}` is given twice"),
                ));
            }
        }
        Ok(Params(pairs))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn settings(&self) -> Vec<String> {
        (self.0.iter())
            .filter(|(k, _)| k == "set")
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A named choice (a format), `default` when absent.
    fn choice<C: Choice>(&self, key: &str, default: &str) -> Result<C, ApiError> {
        let name = self.get(key).unwrap_or(default);
        C::from_name(name).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown-choice",
                format!("`{key}={name}` is not one of {}", C::NAMES.join(", ")),
            )
        })
    }

    fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key) {
            None | Some("false") => Ok(false),
            Some("true") | Some("") => Ok(true),
            Some(other) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown-choice",
                format!("`{key}={other}` is not true or false"),
            )),
        }
    }
}

/// The request's body as text, within the size limit.
async fn body_text(state: &State, body: Body) -> Result<String, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("the request's body is over {} bytes", state.limits.max_body),
        )
    };
    let reading = axum::body::to_bytes(body, state.limits.max_body);
    let read = tokio::time::timeout(state.limits.timeout, reading)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "the request's body did not arrive within {} ms",
                    state.limits.timeout.as_millis()
                ),
            )
        })?;
    let bytes = read.map_err(|error| {
        let over = std::error::Error::source(&error)
            .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
        match over {
            true => too_large(),
            false => ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable-body",
                format!("the request's body could not be read: {error}"),
            ),
        }
    })?;
    String::from_utf8(bytes.to_vec()).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "not-utf8",
            format!("the request's body is not UTF-8 text: {error}"),
        )
    })
}

/// A served policy, found by name in the set served now: a request holds
/// this one set from start to end, whatever reloads meanwhile.
struct Served {
    policies: Arc<Policies>,
    index: usize,
}

impl Served {
    fn entry(&self) -> &policies::Entry {
        &self.policies.entries[self.index]
    }

    fn policy(&self) -> &Policy {
        &self.entry().policy
    }
}

/// The served policy called `name`, or a 404 naming the nearest.
fn served(state: &State, name: &str) -> Result<Served, ApiError> {
    let policies = state.current();
    if let Some(index) = policies.entries.iter().position(|e| e.name == name) {
        return Ok(Served { policies, index });
    }
    let names = policies.entries.iter().map(|e| e.name.as_str());
    let suggestion = onus::closest(name, names)
        .map_or(String::new(), |near| format!(" (did you mean `{near}`?)"));
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown-policy",
        format!("no policy `{name}` is served{suggestion}; GET /v1/policies lists them"),
    ))
}

/// A text sent in a request, with the query's parameters and the name it
/// goes by in diagnostics.
struct Posted {
    params: Params,
    name: String,
    text: String,
}

/// Reads a posted text: the parameters `allowed` (`name` among them),
/// and the body within the size and time limits.
async fn posted(
    state: &State,
    query: Vec<(String, String)>,
    allowed: &[&str],
    headers: &HeaderMap,
    body: Body,
) -> Result<Posted, ApiError> {
    let params = Params::new(query, allowed)?;
    let name = posted_name(&params)?;
    let text = body_text(state, body).await?;
    // No body at all (no content, no type) is a request that forgot it;
    // an empty text sent as one is a text, and answered as such.
    if text.is_empty() && !headers.contains_key(header::CONTENT_TYPE) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing-body",
            "this endpoint needs a body: the policy's text (or, for /v1/eval, its JSON request)"
                .into(),
        ));
    }
    Ok(Posted { params, name, text })
}

/// Loads a policy sent in a request: its text alone, within the limits
/// of [`posted_limits`].
fn posted_policy(name: &str, text: &str, max_rules: usize) -> Result<Policy, ApiError> {
    posted_limits(&onus::parse(name, text)?, max_rules)?;
    Ok(onus::load(name, text)?)
}

/// What a posted text may be: not a resource map (which reads its policy
/// from beside it on disk, which the service never does for a request),
/// and at most `max_rules` rules, counted before any analysis.
fn posted_limits(tree: &onus::syntax::PolicyFile, max_rules: usize) -> Result<(), ApiError> {
    use onus::syntax::StatementKind;
    let kinds = || tree.statements.iter().map(|s| &s.kind);
    if kinds().any(|k| matches!(k, StatementKind::ResourcesFor(_))) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "resource-map",
            "a resource map reads its policy from disk, which the service never does for a \
             request: check it with `onus check`"
                .to_string(),
        ));
    }
    let rules = kinds()
        .filter(|k| matches!(k, StatementKind::Rule(_)))
        .count();
    match rules > max_rules {
        true => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too-many-rules",
            format!("the policy has {rules} rules; this service takes at most {max_rules}"),
        )),
        false => Ok(()),
    }
}

/// The name a posted text goes by in diagnostics: `?name=`, else
/// `policy.onus`; never a path.
fn posted_name(params: &Params) -> Result<String, ApiError> {
    let name = params.get("name").unwrap_or("policy.onus");
    if name.contains(['/', '\\']) || name.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-name",
            format!("`name={name}` is a path; give a file name"),
        ));
    }
    Ok(name.to_string())
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        format!(
            "no such endpoint: {} {}; GET /v1/openapi.json describes them",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!(
            "{} does not take {}; GET /v1/openapi.json describes the endpoints",
            request.uri().path(),
            request.method()
        ),
    )
}

/// The OpenAPI document of what is served now (`contract.rs`).
async fn openapi(Shared(state): Shared<Arc<State>>) -> Response {
    let policies = state.current();
    let document = crate::contract::document(&policies, state.tokens.is_some()).to_string();
    ([(header::CONTENT_TYPE, JSON)], document).into_response()
}

/// `{"policies": [{"name", "title", "file"?}]}`: what is served.
async fn list(Shared(state): Shared<Arc<State>>) -> Response {
    let policies = state.current();
    let entries: Vec<Value> = (policies.entries.iter())
        .map(|e| {
            let mut entry = json!({"name": e.name, "title": e.policy.title});
            if let Some(path) = &e.path {
                entry["file"] = json!(path.to_string_lossy());
            }
            entry
        })
        .collect();
    let body =
        serde_json::to_string_pretty(&json!({ "policies": entries })).unwrap_or_default() + "\n";
    ([(header::CONTENT_TYPE, JSON)], body).into_response()
}

/// A policy's dimensions, parties and zones: what a client needs to build
/// a scenario.
fn describe(name: &str, policy: &Policy) -> String {
    let dimensions: Vec<Value> = (policy.dimensions.iter())
        .map(|d| json!({"name": d.name, "values": d.values}))
        .collect();
    let parties: Vec<Value> = (policy.parties.iter())
        .map(|p| json!({"name": p.name, "label": p.display()}))
        .collect();
    let zones: Vec<Value> = (policy.zones.iter())
        .map(|z| json!({"name": z.name, "label": z.display()}))
        .collect();
    let described = json!({
        "policy": name,
        "title": policy.title,
        "dimensions": dimensions,
        "parties": parties,
        "zones": zones,
        "rules": policy.rules.len(),
        "tests": policy.tests.len(),
    });
    serde_json::to_string_pretty(&described).unwrap_or_default() + "\n"
}

async fn describe_named(Shared(state): Shared<Arc<State>>, Path(name): Path<String>) -> Answer {
    let served = served(&state, &name)?;
    let entry = served.entry();
    Ok((
        [(header::CONTENT_TYPE, JSON)],
        describe(&name, &entry.policy),
    )
        .into_response())
}

async fn source_named(Shared(state): Shared<Arc<State>>, Path(name): Path<String>) -> Answer {
    let served = served(&state, &name)?;
    let text = served.entry().text.clone();
    Ok(([(header::CONTENT_TYPE, TEXT)], text).into_response())
}

/// The content type of each matrix format.
fn matrix_type(format: command::MatrixFormat) -> &'static str {
    use command::MatrixFormat::*;
    match format {
        Table => TEXT,
        Markdown => "text/markdown; charset=utf-8",
        Csv => "text/csv; charset=utf-8",
        Json => JSON,
        Svg => "image/svg+xml",
        Html => "text/html; charset=utf-8",
    }
}

const MATRIX_PARAMETERS: [&str; 4] = ["format", "over", "only", "set"];

fn matrix_of(policy: &Policy, params: &Params) -> Answer {
    let format: command::MatrixFormat = params.choice("format", "json")?;
    let only: Vec<String> = params.get("only").map(str::to_string).into_iter().collect();
    let out = command::matrix(
        policy,
        params.get("over"),
        &only,
        &params.settings(),
        format,
    )?;
    output(out, matrix_type(format))
}

async fn matrix_named(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Answer {
    let params = Params::new(query, &MATRIX_PARAMETERS)?;
    let served = served(&state, &name)?;
    within_limits(&state, move || matrix_of(served.policy(), &params)).await?
}

/// `onus check --format json` of one text: its diagnostics and the
/// outcome.
fn check_of(name: &str, text: &str) -> Answer {
    let report = onus::check(name, text);
    let errors = report.has_errors();
    let json = onus::render::diagnostics_json(&[report]);
    Ok(bytes_answer(
        json.into_bytes(),
        JSON,
        Outcome::findings_if(errors),
    ))
}

async fn check_named(Shared(state): Shared<Arc<State>>, Path(name): Path<String>) -> Answer {
    let served = served(&state, &name)?;
    within_limits(&state, move || {
        let entry = served.entry();
        check_of(&entry.policy.source.name, &entry.text)
    })
    .await?
}

const EVAL_PARAMETERS: [&str; 3] = ["format", "explain", "set"];

fn eval_of(policy: &Policy, scenario: &str, params: &Params) -> Answer {
    let format: command::Format = params.choice("format", "json")?;
    let explain = match params.flag("explain")? {
        true => Explanation::Shown,
        false => Explanation::Hidden,
    };
    let source = onus::Source::new("scenario", scenario);
    let (scenario, id) = policy.scenario_from_text(source, &params.settings())?;
    let content_type = match format {
        command::Format::Json => JSON,
        command::Format::Table => TEXT,
    };
    output(
        command::eval(policy, &scenario, id.as_ref(), format, explain),
        content_type,
    )
}

async fn eval_named(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    body: Body,
) -> Answer {
    let params = Params::new(query, &EVAL_PARAMETERS)?;
    let served = served(&state, &name)?;
    let scenario = body_text(&state, body).await?;
    // One scenario of a small policy loaded at start takes microseconds:
    // it runs here, in its place among the requests at work, rather than
    // on the blocking pool, whose hand-over between threads costs more
    // than the evaluation itself (BENCHMARKS §15). A larger policy goes to
    // the pool, under `--timeout`, so that it never holds up the runtime.
    if served.policy().rules.len() <= EVALUATED_IN_PLACE {
        let _held = work_permit(&state)?;
        return eval_of(served.policy(), &scenario, &params);
    }
    within_limits(&state, move || eval_of(served.policy(), &scenario, &params)).await?
}

/// The most rules a served policy may have for one evaluation of it to run
/// on the connection's own task (every built-in but `azure-baselines`,
/// generated service by service, has under 100).
const EVALUATED_IN_PLACE: usize = 1_000;

const EXPORT_PARAMETERS: [&str; 6] = ["format", "mapping", "set", "date", "profile", "baseline"];

async fn export_named(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Answer {
    let params = Params::new(query, &EXPORT_PARAMETERS)?;
    let format: command::ExportFormat = params.choice("format", "oscal-ssp")?;
    // Built-in mappings only: a request never names a file to read.
    if let Some(mapping) = params.get("mapping") {
        if !onus::BUILTIN_MAPPINGS.iter().any(|m| m.name == mapping) {
            let names: Vec<&str> = onus::BUILTIN_MAPPINGS.iter().map(|m| m.name).collect();
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-mapping",
                format!(
                    "`mapping={mapping}` is not a built-in mapping: {}",
                    names.join(", ")
                ),
            ));
        }
    }
    let served = served(&state, &name)?;
    let bytes = within_limits(&state, move || {
        let policy = served.policy();
        let request = ExportRequest {
            date: params.get("date"),
            profile: params.get("profile"),
            baseline: params.get("baseline"),
        };
        command::export(
            policy,
            params.get("mapping"),
            &params.settings(),
            format,
            request,
        )
        .map(|bytes| {
            (
                bytes,
                params.get("format").unwrap_or("oscal-ssp").to_string(),
            )
        })
    })
    .await??;
    let (bytes, format_name) = bytes;
    let content_type = match (format.is_binary(), format_name.as_str()) {
        (true, _) => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (false, name) if name.starts_with("oscal") => JSON,
        (false, _) => "text/csv; charset=utf-8",
    };
    Ok(bytes_answer(bytes, content_type, Outcome::Clean))
}

const BATCH_PARAMETERS: [&str; 2] = ["set", "fields"];

/// `eval --batch`: NDJSON scenarios streamed in, records streamed back in
/// the same order as they are evaluated, the same bytes as the CLI's.
async fn batch_named(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let params = Params::new(query, &BATCH_PARAMETERS)?;
    let served = served(&state, &name)?;
    // No body at all: no type, nothing to read, nothing streamed.
    let empty = (headers.get(header::CONTENT_LENGTH)).is_none_or(|length| length == "0");
    if empty
        && !headers.contains_key(header::CONTENT_TYPE)
        && !headers.contains_key(header::TRANSFER_ENCODING)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing-body",
            "this endpoint needs a body: NDJSON scenarios, one a line".into(),
        ));
    }
    let names: Vec<&str> = params
        .get("fields")
        .map_or(Vec::new(), |l| l.split(',').collect());
    let fields = onus::DecisionFields::from_names(names.iter().copied()).ok_or_else(|| {
        let known = onus::DecisionFields::NAMES;
        let unknown = names.iter().find(|n| !known.contains(n)).unwrap_or(&"");
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown-choice",
            format!(
                "unknown field `{unknown}`: the fields are {}",
                known.join(", ")
            ),
        )
    })?;
    // Read before the stream starts, so a bad setting is an error
    // response, not a cut stream.
    let overrides = served.policy().settings("--set", &params.settings())?;
    let permit = work_permit(&state)?;
    let (chunks_in, incoming) = mpsc::channel::<std::io::Result<Bytes>>(8);
    let (outgoing, chunks_out) = mpsc::channel::<std::io::Result<Bytes>>(8);
    let mut stream = body.into_data_stream();
    tokio::spawn(async move {
        while let Some(chunk) = stream.next().await {
            // A body cut short is an error the batch's reader returns, not
            // an end of input: a half line is never evaluated as whole.
            let failed = chunk.is_err();
            let chunk =
                chunk.map_err(|e| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, e));
            if chunks_in.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    let (runtime, stall) = (tokio::runtime::Handle::current(), state.limits.timeout);
    tokio::task::spawn_blocking(move || {
        let _held = permit;
        let started = Instant::now();
        let policy = served.policy();
        let options = onus::BatchOptions {
            jobs: 1,
            overrides: &overrides,
            fields,
        };
        let reader = ChannelReader {
            incoming,
            chunk: Bytes::new(),
            runtime: runtime.clone(),
            stall,
        };
        let writer = ChannelWriter {
            outgoing,
            runtime,
            stall,
        };
        let input = BufReader::with_capacity(1 << 16, reader);
        let output = std::io::BufWriter::with_capacity(1 << 18, writer);
        let summary = match onus::run_batch(policy, input, output, &options, |_| {}) {
            Ok(summary) => summary.describe(),
            Err(stopped) => format!("stopped: {stopped:?}"),
        };
        let ms = started.elapsed().as_millis() as u64;
        log(&json!({"event": "batch", "policy": name, "summary": summary, "ms": ms}));
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(chunks_out));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// The request's body, read by the batch's thread. A client that sends
/// nothing for the time limit ends the batch.
struct ChannelReader {
    incoming: mpsc::Receiver<std::io::Result<Bytes>>,
    chunk: Bytes,
    runtime: tokio::runtime::Handle,
    stall: Duration,
}

impl Read for ChannelReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            let next = self
                .runtime
                .block_on(tokio::time::timeout(self.stall, self.incoming.recv()));
            match next {
                Ok(Some(chunk)) => self.chunk = chunk?,
                Ok(None) => return Ok(0),
                Err(_) => return Err(stalled("sent nothing")),
            }
        }
        let n = buffer.len().min(self.chunk.len());
        buffer[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

fn stalled(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("the client {what} for the time limit"),
    )
}

/// The response's body, written by the batch's thread. A client that
/// reads nothing for the time limit ends the batch.
struct ChannelWriter {
    outgoing: mpsc::Sender<std::io::Result<Bytes>>,
    runtime: tokio::runtime::Handle,
    stall: Duration,
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let chunk = Ok(Bytes::copy_from_slice(bytes));
        let sent = self
            .runtime
            .block_on(self.outgoing.send_timeout(chunk, self.stall));
        match sent {
            Ok(()) => Ok(bytes.len()),
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => Err(stalled("read nothing")),
            Err(mpsc::error::SendTimeoutError::Closed(_)) => Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client went away",
            )),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const TEXT_PARAMETERS: [&str; 1] = ["name"];

/// `onus check --format json` of a posted policy text. A text that does
/// not parse has its errors said by `check` itself.
async fn check_text(
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let Posted { name, text, .. } = posted(&state, query, &TEXT_PARAMETERS, &headers, body).await?;
    let max_rules = state.limits.max_rules;
    within_limits(&state, move || {
        if let Ok(tree) = onus::parse(&name, &text) {
            posted_limits(&tree, max_rules)?;
        }
        check_of(&name, &text)
    })
    .await?
}

/// `onus fmt -` of a posted text: the formatted text, or its syntax errors.
async fn fmt_text(
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let Posted { name, text, .. } = posted(&state, query, &TEXT_PARAMETERS, &headers, body).await?;
    let max_rules = state.limits.max_rules;
    within_limits(&state, move || {
        posted_limits(&onus::parse(&name, &text)?, max_rules)?;
        let formatted = onus::format_source(&onus::Source::new(name, text.as_str()))?;
        let outcome = Outcome::findings_if(formatted != text);
        Ok(bytes_answer(formatted.into_bytes(), TEXT, outcome))
    })
    .await?
}

async fn describe_text(
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let Posted { name, text, .. } = posted(&state, query, &TEXT_PARAMETERS, &headers, body).await?;
    let max_rules = state.limits.max_rules;
    within_limits(&state, move || {
        let policy = posted_policy(&name, &text, max_rules)?;
        Ok(([(header::CONTENT_TYPE, JSON)], describe(&name, &policy)).into_response())
    })
    .await?
}

async fn matrix_text(
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let allowed = ["format", "over", "only", "set", "name"];
    let Posted { params, name, text } = posted(&state, query, &allowed, &headers, body).await?;
    let max_rules = state.limits.max_rules;
    within_limits(&state, move || {
        matrix_of(&posted_policy(&name, &text, max_rules)?, &params)
    })
    .await?
}

/// `{"policy": "<text>", "scenario": {...}}`: a posted policy evaluated in
/// one scenario, as `onus eval` answers.
async fn eval_text(
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let allowed = ["format", "explain", "set", "name"];
    let Posted { params, name, text } = posted(&state, query, &allowed, &headers, body).await?;
    // The scenario as sent, so that its diagnostics point into it.
    #[derive(serde::Deserialize)]
    struct EvalRequest<'a> {
        policy: String,
        #[serde(borrow)]
        scenario: &'a serde_json::value::RawValue,
    }
    let EvalRequest { policy, scenario } = serde_json::from_str(&text).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            format!(
                "give `{{\"policy\": \"<the policy's text>\", \"scenario\": {{...}}}}`: {error}"
            ),
        )
    })?;
    let scenario = scenario.get().to_string();
    let max_rules = state.limits.max_rules;
    within_limits(&state, move || {
        eval_of(
            &posted_policy(&name, &policy, max_rules)?,
            &scenario,
            &params,
        )
    })
    .await?
}
