//! `onus serve` under load, on loopback, as a user's load test would drive
//! it, bounded in count and time: single evaluations by 1, 16 and 256
//! clients on kept-alive connections (requests per second, latency
//! percentiles); a 1,000,000-record batch streamed through one request
//! beside `onus eval --batch` on the same lines; and a reload storm under
//! load, counting that every request is answered once.
//!
//! Run: `cargo build --release -p onus-serve && cargo bench -p onus-bench
//! --bench serve` (the release `onus` and `onus-serve` are run as they are
//! installed).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A release binary beside this benchmark's folder (`target/release/`).
fn binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --release -p onus -p onus-serve` first",
        path.display()
    );
    path
}

struct Service {
    child: Child,
    address: String,
}

impl Service {
    fn start(options: &[&str]) -> Service {
        let mut child = Command::new(binary("onus-serve"))
            .args(["--listen", "127.0.0.1:0", "--max-concurrent", "1024"])
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .trim_start_matches("onus serve: listening on http://");
        Service {
            address: address.trim_end_matches('/').to_string(),
            child,
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One kept-alive connection that posts a body and reads the answer.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    address: String,
}

impl Connection {
    fn open(address: &str) -> Connection {
        let writer = TcpStream::connect(address).unwrap();
        writer.set_nodelay(true).unwrap();
        Connection {
            reader: BufReader::new(writer.try_clone().unwrap()),
            writer,
            address: address.to_string(),
        }
    }

    /// The status and body of one POST.
    fn post(&mut self, path: &str, body: &str) -> (u16, Vec<u8>) {
        write!(
            self.writer,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .unwrap();
        let mut status = String::new();
        self.reader.read_line(&mut status).unwrap();
        let code = status
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length: ") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut answer = vec![0; length];
        self.reader.read_exact(&mut answer).unwrap();
        (code, answer)
    }
}

/// What a load run saw: requests per second, every latency (sorted), the
/// answers that were not 200, and the requests sent.
struct Seen {
    rate: f64,
    latencies: Vec<Duration>,
    failed: usize,
    sent: usize,
}

/// `clients` connections posting one scenario each in turn for `period`.
fn load(address: &str, clients: usize, period: Duration) -> Seen {
    let scenarios = ["on-prem", "iaas", "paas", "saas"];
    let start = Instant::now() + Duration::from_millis(200);
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let address = address.to_string();
            std::thread::spawn(move || {
                let mut connection = Connection::open(&address);
                let mut latencies = Vec::new();
                let (mut failed, mut sent) = (0, 0);
                while Instant::now() < start {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let mut i = c;
                while start.elapsed() < period {
                    let body = format!("{{\"model\":\"{}\"}}", scenarios[i % 4]);
                    let at = Instant::now();
                    sent += 1;
                    let (status, _) = connection.post("/v1/policies/azure/eval", &body);
                    latencies.push(at.elapsed());
                    failed += usize::from(status != 200);
                    i += 1;
                }
                (latencies, failed, sent)
            })
        })
        .collect();
    let mut seen = Seen {
        rate: 0.0,
        latencies: Vec::new(),
        failed: 0,
        sent: 0,
    };
    for thread in threads {
        let (latencies, failed, sent) = thread.join().unwrap();
        seen.latencies.extend(latencies);
        seen.failed += failed;
        seen.sent += sent;
    }
    seen.latencies.sort();
    seen.rate = seen.latencies.len() as f64 / period.as_secs_f64();
    seen
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// The scenarios of the batch: `lines` of the azure policy's four models.
fn batch_lines(lines: usize) -> String {
    let models = ["on-prem", "iaas", "paas", "saas"];
    (0..lines)
        .map(|i| format!("{{\"id\":{i},\"model\":\"{}\"}}\n", models[i % 4]))
        .collect()
}

/// Streams `text` through one batch request; the time and the bytes back.
fn batch_through_service(address: &str, text: &str, fields: &str) -> (Duration, usize) {
    let mut stream = TcpStream::connect(address).unwrap();
    let started = Instant::now();
    let query = match fields {
        "" => String::new(),
        fields => format!("?fields={fields}"),
    };
    write!(
        stream,
        "POST /v1/policies/azure/batch{query} HTTP/1.1\r\nHost: {address}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let reader = stream.try_clone().unwrap();
    let receiving = std::thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let mut body = 0usize;
        let mut head = String::new();
        loop {
            head.clear();
            reader.read_line(&mut head).unwrap();
            if head == "\r\n" {
                break;
            }
        }
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                return body;
            }
            body += size;
        }
    });
    for piece in text.as_bytes().chunks(1 << 16) {
        write!(stream, "{:x}\r\n", piece.len()).unwrap();
        stream.write_all(piece).unwrap();
        stream.write_all(b"\r\n").unwrap();
    }
    stream.write_all(b"0\r\n\r\n").unwrap();
    let bytes = receiving.join().unwrap();
    (started.elapsed(), bytes)
}

/// `onus eval azure --batch FILE [--fields F]`: the time and the bytes,
/// read through a pipe as the service's are through a socket; or written
/// to /dev/null (no bytes counted).
fn batch_through_cli(path: &std::path::Path, fields: &str, piped: bool) -> (Duration, usize) {
    let started = Instant::now();
    let mut command = Command::new(binary("onus"));
    command
        .args(["eval", "azure", "--batch"])
        .arg(path)
        .stderr(Stdio::null());
    if !fields.is_empty() {
        command.args(["--fields", fields]);
    }
    if !piped {
        command.stdout(std::fs::File::create("/dev/null").unwrap());
        command.status().unwrap();
        return (started.elapsed(), 0);
    }
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buffer = vec![0; 1 << 16];
    let mut bytes = 0;
    loop {
        match out.read(&mut buffer).unwrap() {
            0 => break,
            n => bytes += n,
        }
    }
    child.wait().unwrap();
    (started.elapsed(), bytes)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not supported here.
    let service = Service::start(&[]);
    println!("## single evaluations, POST /v1/policies/azure/eval, 3 s each");
    println!("| clients | requests/s | p50 | p90 | p99 | max | failed |");
    println!("|---|---|---|---|---|---|---|");
    for clients in [1, 16, 256] {
        let seen = load(&service.address, clients, Duration::from_secs(3));
        let latencies = &seen.latencies;
        println!(
            "| {clients} | {:.0} | {:?} | {:?} | {:?} | {:?} | {} |",
            seen.rate,
            percentile(latencies, 0.50),
            percentile(latencies, 0.90),
            percentile(latencies, 0.99),
            latencies.last().unwrap(),
            seen.failed
        );
    }

    println!("\n## 1,000,000 records, one streamed request beside `onus eval --batch`");
    let text = batch_lines(1_000_000);
    let path = std::env::temp_dir().join(format!("onus-serve-bench-{}.ndjson", std::process::id()));
    std::fs::write(&path, &text).unwrap();
    let rate = |d: Duration| 1.0 / d.as_secs_f64();
    for (fields, what) in [
        ("", "every field (about 4.2 KB a record)"),
        ("party", "`fields=party`"),
    ] {
        println!("\n{what}:\n");
        println!("| round | service, read from its socket | CLI, read from its pipe | CLI to /dev/null | service / CLI piped | service / CLI to /dev/null |");
        println!("|---|---|---|---|---|---|");
        for round in 1..=3 {
            let (null, _) = batch_through_cli(&path, fields, false);
            let (piped, cli_bytes) = batch_through_cli(&path, fields, true);
            let (served, served_bytes) = batch_through_service(&service.address, &text, fields);
            assert_eq!(served_bytes, cli_bytes, "the same records");
            println!(
                "| {round} | {served:.2?} ({:.2} M/s) | {piped:.2?} ({:.2} M/s) | {null:.2?} ({:.2} M/s) | {:.0}% | {:.0}% |",
                rate(served),
                rate(piped),
                rate(null),
                100.0 * piped.as_secs_f64() / served.as_secs_f64(),
                100.0 * null.as_secs_f64() / served.as_secs_f64()
            );
        }
    }
    std::fs::remove_file(&path).unwrap();
    drop(service);

    println!("\n## a reload storm under load: 16 clients, the file changed and SIGHUP sent every 10 ms, 3 s");
    let folder = std::env::temp_dir().join(format!("onus-serve-storm-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let policy = folder.join("azure.onus");
    let azure = onus::builtin("azure").unwrap().text;
    std::fs::write(&policy, azure).unwrap();
    let service = Service::start(&["--policy", policy.to_str().unwrap()]);
    let pid = service.child.id().to_string();
    let storming = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let signals = {
        let (storming, policy) = (storming.clone(), policy.clone());
        std::thread::spawn(move || {
            let mut sent = 0;
            while storming.load(std::sync::atomic::Ordering::Relaxed) {
                // A real change each time: the same rules, a comment more or less.
                let text = match sent % 2 {
                    0 => format!("# changed\n{azure}"),
                    _ => azure.to_string(),
                };
                std::fs::write(&policy, text).unwrap();
                Command::new("kill").args(["-HUP", &pid]).status().unwrap();
                sent += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            sent
        })
    };
    let seen = load(&service.address, 16, Duration::from_secs(3));
    storming.store(false, std::sync::atomic::Ordering::Relaxed);
    let hangups = signals.join().unwrap();
    println!(
        "{} requests sent, {} answered ({} not 200), {:.0}/s, p99 {:?}, under {hangups} changes each signalled (the service may merge signals that come together)",
        seen.sent,
        seen.latencies.len(),
        seen.failed,
        seen.rate,
        percentile(&seen.latencies, 0.99)
    );
    assert_eq!(seen.sent, seen.latencies.len(), "every request answered");
    assert_eq!(seen.failed, 0, "every answer a 200");
    std::fs::remove_dir_all(&folder).unwrap();
}
