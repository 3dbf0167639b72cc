//! Reloading: a changed file or SIGHUP swaps the policies whole; one that
//! fails to load keeps the old serving; under a storm of reloads every
//! request is answered once, by the old policy or the new, never a mix;
//! SIGTERM finishes the requests in flight.

mod common;

use std::time::{Duration, Instant};

use common::Server;

const OLD: &str = "policy \"old\"\nos: provider when paas\n";
const NEW: &str = "policy \"new\"\nos: customer when paas\n";

fn folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("onus-serve-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Waits until `check` holds, for at most 10 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what} within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn holder(server: &Server) -> String {
    let (status, _, body) = server.post("/v1/policies/mine/eval", "{\"model\": \"paas\"}");
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    answer["decisions"][0]["party"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_changed_file_or_a_hangup_reloads_and_a_bad_file_keeps_the_old() {
    let folder = folder("reload");
    let path = folder.join("mine.onus");
    std::fs::write(&path, OLD).unwrap();
    let server = Server::start(&["--policy", path.to_str().unwrap()]);
    assert_eq!(holder(&server), "provider");
    // Edited: picked up without a signal.
    std::fs::write(&path, NEW).unwrap();
    eventually("the edit served", || holder(&server) == "customer");
    // Broken: the old one keeps serving.
    std::fs::write(&path, "os: provider when pass\n").unwrap();
    server.signal("HUP");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(holder(&server), "customer");
    // Fixed, then a hangup: served again.
    std::fs::write(&path, OLD).unwrap();
    server.signal("HUP");
    eventually("the fix served", || holder(&server) == "provider");
    let (status, log) = server.stop();
    assert!(status.success());
    let events: Vec<serde_json::Value> = (log.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e.get("event").is_some())
        .collect();
    let failed = (events.iter())
        .find(|e| e["event"] == "reload-failed")
        .expect("the bad file's reload is logged");
    let diagnostics = failed["diagnostics"].as_str().unwrap();
    assert!(
        diagnostics.contains("unknown value `pass`") && diagnostics.contains("mine.onus:1:"),
        "{diagnostics}"
    );
    assert!(events
        .iter()
        .any(|e| e["event"] == "reload" && e["why"] == "SIGHUP"));
    assert!(events
        .iter()
        .any(|e| e["event"] == "reload" && e["why"] == "a policy file changed"));
    std::fs::remove_dir_all(&folder).unwrap();
}

/// Eight clients evaluate while the file flips between two policies and
/// hangups come every few milliseconds: every request is answered once,
/// with 200, by one policy or the other whole.
#[test]
fn a_storm_of_reloads_loses_no_request_and_mixes_no_policy() {
    let folder = folder("storm");
    let path = folder.join("mine.onus");
    std::fs::write(&path, OLD).unwrap();
    let server = Server::start(&["--policy", path.to_str().unwrap()]);
    let answer = |text: &str| {
        let policy = onus::load(path.to_str().unwrap(), text).unwrap();
        let scenario = policy
            .scenario_from_settings("--set", &["model=paas".to_string()])
            .unwrap();
        let explained = onus::command::Explanation::Shown;
        onus::command::eval(
            &policy,
            &scenario,
            None,
            onus::command::Format::Json,
            explained,
        )
        .text
    };
    let (old, new) = (answer(OLD), answer(NEW));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (agent, url) = (
                server.agent.clone(),
                server.url("/v1/policies/mine/eval?explain=true"),
            );
            let (old, new, stop) = (old.clone(), new.clone(), stop.clone());
            std::thread::spawn(move || {
                let (mut answered, mut seen_new) = (0, 0);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || answered < 100 {
                    let response = agent.post(&url).send("{\"model\": \"paas\"}").unwrap();
                    let (status, _, body) = common::answer(response);
                    assert_eq!(status, 200, "{body}");
                    assert!(
                        body == old || body == new,
                        "a whole policy's answer: {body}"
                    );
                    answered += 1;
                    seen_new += usize::from(body == new);
                }
                (answered, seen_new)
            })
        })
        .collect();
    for flip in 0..60 {
        std::fs::write(&path, if flip % 2 == 0 { NEW } else { OLD }).unwrap();
        server.signal("HUP");
        std::thread::sleep(Duration::from_millis(15));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let results: Vec<(usize, usize)> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let answered: usize = results.iter().map(|r| r.0).sum();
    let (status, log) = server.stop();
    assert!(status.success());
    // Each request logged once, each answered once: the counts agree.
    let logged = (log.lines())
        .filter(|l| l.contains("\"path\":\"/v1/policies/mine/eval\""))
        .count();
    assert_eq!(logged, answered);
    assert!(
        results.iter().any(|r| r.1 > 0),
        "some answers came from the new policy"
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

/// SIGTERM while a batch streams: the batch is finished, then the service
/// exits 0.
#[test]
fn a_termination_finishes_the_requests_in_flight() {
    let server = Server::start(&[]);
    let address = server.base.strip_prefix("http://").unwrap().to_string();
    use std::io::{BufRead, BufReader, Read, Write};
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(stream, "POST /v1/policies/azure/batch?fields=party HTTP/1.1\r\nHost: {address}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").unwrap();
    let line = "{\"model\": \"iaas\"}\n";
    write!(stream, "{:x}\r\n{line}\r\n", line.len()).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    assert!(status_line.starts_with("HTTP/1.1 200"), "{status_line}");
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    // Still in flight: more lines, then the end.
    for _ in 0..3 {
        write!(stream, "{:x}\r\n{line}\r\n", line.len()).unwrap();
    }
    write!(stream, "0\r\n\r\n").unwrap();
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    assert_eq!(
        rest.matches("\"line\":").count(),
        4,
        "every line answered: {rest}"
    );
    let (status, log) = server.stop_after_signal();
    assert!(status.success(), "{status}: {log}");
    assert!(log.contains("\"event\":\"stopping\""), "{log}");
}
