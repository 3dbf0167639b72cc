//! The language server's answer to a keystroke in a 5,000-rule policy,
//! after an edit of one rule's party. First the library's `Checker`, which
//! the server's analysis thread calls on every change: its first answer
//! (syntax, names and the findings of every zone the edit left alone) is
//! published at once, the edited zone's findings follow. Then the release
//! `onus-lsp` itself, driven over its stdio as an editor drives it: a hover
//! or a completion sent with the change is answered from the latest
//! analysed state while the change is analysed; the change's first and
//! whole diagnostics are timed as the editor receives them.
//!
//! Run: `cargo build --release -p onus-lsp && cargo bench -p onus-bench
//! --bench keystroke`

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The policy, and the same with the party of its middle rule changed: two
/// texts a keystroke apart.
fn texts(text: String) -> (String, String) {
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let edited = lines[middle]
        .replacen(": customer ", ": provider ", 1)
        .replacen(": shared ", ": customer ", 1)
        .replacen(": provider ", ": shared ", 1);
    assert_ne!(edited, lines[middle], "the middle line is a rule");
    let mut changed: Vec<&str> = lines.clone();
    changed[middle] = &edited;
    (text.clone(), changed.join("\n") + "\n")
}

fn keystroke(c: &mut Criterion) {
    let mut group = c.benchmark_group("keystroke in a 5,000-rule policy");
    group.sample_size(10);
    let cases = [
        // Consistent: 100 rules a zone, each on its own cell of 50 x 50.
        (
            "family, 50 zones",
            onus_bench::family_policy(5000, 50, false),
        ),
        // The check's worst case: conflicts almost everywhere.
        (
            "scale, 50 zones",
            onus_bench::scale_policy(16, 8, 5000, 50, 2),
        ),
        (
            "scale, 500 zones",
            onus_bench::scale_policy(16, 8, 5000, 500, 2),
        ),
    ];
    for (name, text) in cases {
        let (before, after) = texts(text);
        let mut checker = onus::Checker::default();
        checker.begin("p.onus", &before, usize::MAX);
        let findings = checker
            .begin("p.onus", &before, usize::MAX)
            .diagnostics
            .len();
        eprintln!("{name}: {findings} diagnostics");
        let mut toggle = false;
        let mut next = || {
            toggle = !toggle;
            if toggle {
                after.as_str()
            } else {
                before.as_str()
            }
        };
        group.bench_function(format!("{name}: the first answer"), |b| {
            b.iter(|| {
                let report = checker.begin("p.onus", black_box(next()), 0);
                black_box(report);
            })
        });
        group.bench_function(format!("{name}: the whole answer"), |b| {
            b.iter(|| {
                let report = checker.begin("p.onus", black_box(next()), usize::MAX);
                black_box(report);
            })
        });
    }
    group.finish();
}

/// The release `onus-lsp` beside this benchmark's folder
/// (`target/release/`), over its stdio.
struct Server {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
}

impl Server {
    fn start() -> Server {
        let exe = std::env::current_exe().unwrap();
        let path = exe.parent().unwrap().parent().unwrap().join("onus-lsp");
        assert!(
            path.is_file(),
            "{} is missing: run `cargo build --release -p onus-lsp` first",
            path.display()
        );
        let mut child = Command::new(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        let mut server = Server {
            child,
            input,
            output,
            next_id: 1,
        };
        let id = server.request("initialize", json!({"capabilities": {}}));
        while server.receive()["id"] != id {}
        server.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
        server
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.flush().unwrap();
    }

    /// Sends a request; its id.
    fn request(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.output.read_line(&mut line).unwrap() > 0,
                "the server hung up"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.output.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn change(&mut self, version: i64, text: &str) {
        self.send(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": URI, "version": version},
            "contentChanges": [{"text": text}]}}),
        );
    }

    /// Reads until the diagnostics of `version` with `whole` of them: the
    /// times after `start` of the answer to `request`, of the version's
    /// first diagnostics and of its whole ones.
    fn until_whole(
        &mut self,
        start: Instant,
        request: Option<u64>,
        version: i64,
        whole: usize,
    ) -> (Option<Duration>, Duration, Duration) {
        let (mut answer, mut first) = (None, None);
        loop {
            let message = self.receive();
            if request.is_some() && message["id"] == json!(request) {
                assert!(message.get("error").is_none(), "{message}");
                assert!(!message["result"].is_null(), "answered: {message}");
                answer = Some(start.elapsed());
            }
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["version"] == version
            {
                let at = start.elapsed();
                let first = *first.get_or_insert(at);
                let count = message["params"]["diagnostics"].as_array().unwrap().len();
                if count == whole && (request.is_none() || answer.is_some()) {
                    return (answer, first, at);
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const URI: &str = "file:///bench/p.onus";

/// The conflict-everywhere policy through the server: each iteration types
/// the edit (or takes it back) and times what the editor sees.
fn through_the_server(c: &mut Criterion) {
    let mut group = c.benchmark_group("keystroke through onus-lsp");
    group.sample_size(10);
    let (before, after) = texts(onus_bench::scale_policy(16, 8, 5000, 50, 2));
    let whole = |text: &str| onus::check("p.onus", text).diagnostics.len();
    let counts = [whole(&before), whole(&after)];
    let mut server = Server::start();
    server.send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": URI, "languageId": "onus", "version": 0, "text": before}}}),
    );
    server.until_whole(Instant::now(), None, 0, counts[0]);
    // A zone's declaration, far from the edit: its hover is its matrix row.
    let line = before.lines().position(|l| l == "zone z7").unwrap();
    let at = json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": 6}});
    // After a rule's colon, where completion offers the parties.
    let rule = (before.lines())
        .position(|l| l.starts_with("z") && l.contains(": "))
        .unwrap();
    let colon = before.lines().nth(rule).unwrap().find(": ").unwrap() + 2;
    let after_colon =
        json!({"textDocument": {"uri": URI}, "position": {"line": rule, "character": colon}});
    let mut version = 0;
    let mut keystroke = |server: &mut Server, request: Option<(&str, &Value)>| {
        version += 1;
        let text = [&before, &after][version as usize % 2];
        let start = Instant::now();
        server.change(version, text);
        let id = request.map(|(method, params)| server.request(method, params.clone()));
        server.until_whole(start, id, version, counts[version as usize % 2])
    };
    let mut timed =
        |name: &str,
         request: Option<(&str, &Value)>,
         pick: fn(&(Option<Duration>, Duration, Duration)) -> Duration| {
            group.bench_function(name, |b| {
                b.iter_custom(|iterations| {
                    (0..iterations)
                        .map(|_| pick(&keystroke(&mut server, request)))
                        .sum()
                })
            });
        };
    timed(
        "a hover sent with the change, answered",
        Some(("textDocument/hover", &at)),
        |t| t.0.unwrap(),
    );
    timed(
        "a completion sent with the change, answered",
        Some(("textDocument/completion", &after_colon)),
        |t| t.0.unwrap(),
    );
    timed("the change's first diagnostics", None, |t| t.1);
    timed("the change's whole diagnostics", None, |t| t.2);
    group.finish();
}

criterion_group!(benches, keystroke, through_the_server);
criterion_main!(benches);
