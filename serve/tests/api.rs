//! The API over real HTTP: every answer is the CLI's for the same input
//! (the same `onus::command` call the CLI prints), errors are JSON with
//! codes, limits hold, and the OpenAPI document names every route.

mod common;

use std::io::{BufRead, BufReader, Read, Write};

use common::{code, Server};
use onus::command::{self, Explanation, Format, MatrixFormat};
use serde_json::Value;

fn azure() -> onus::Policy {
    onus::load_builtin("azure").unwrap()
}

#[test]
fn answers_are_the_clis() {
    let server = Server::start(&[]);
    let policy = azure();
    for (name, format, content_type) in [
        ("json", MatrixFormat::Json, "application/json"),
        ("table", MatrixFormat::Table, "text/plain; charset=utf-8"),
        (
            "markdown",
            MatrixFormat::Markdown,
            "text/markdown; charset=utf-8",
        ),
        ("csv", MatrixFormat::Csv, "text/csv; charset=utf-8"),
        ("svg", MatrixFormat::Svg, "image/svg+xml"),
        ("html", MatrixFormat::Html, "text/html; charset=utf-8"),
    ] {
        let (status, typ, body) = server.get(&format!("/v1/policies/azure/matrix?format={name}"));
        assert_eq!((status, typ.as_str()), (200, content_type), "{name}");
        let cli = command::matrix(&policy, None, &[], &[], format)
            .unwrap()
            .text;
        assert_eq!(body, cli, "matrix --format {name}");
    }
    // A posted policy, another dimension swept, one fixed.
    let two = "dimension model: iaas, paas\ndimension tier: gold, silver\nos: provider when paas and gold\n";
    let (status, _, swept) = server.post("/v1/matrix?over=tier&set=model=paas&format=csv", two);
    assert_eq!(status, 200, "{swept}");
    let posted = onus::load("policy.onus", two).unwrap();
    let settings = ["model=paas".to_string()];
    let cli = command::matrix(&posted, Some("tier"), &[], &settings, MatrixFormat::Csv);
    assert_eq!(swept, cli.unwrap().text);
    assert!(swept.contains("os,os,provider,customer"), "{swept}");

    // One scenario, with its id echoed and every rule considered.
    let scenario = r#"{"id": "web-1", "model": "paas"}"#;
    let (status, typ, body) = server.post("/v1/policies/azure/eval?explain=true", scenario);
    assert_eq!((status, typ.as_str()), (200, "application/json"));
    let (parsed, id) = policy
        .scenario_from_text(onus::Source::new("scenario", scenario), &[])
        .unwrap();
    let cli = command::eval(
        &policy,
        &parsed,
        id.as_ref(),
        Format::Json,
        Explanation::Shown,
    );
    assert_eq!(body, cli.text);
    assert!(body.contains("\"id\": \"web-1\""), "{body}");
    let (_, _, table) = server.post("/v1/policies/azure/eval?format=table&set=model=iaas", "{}");
    let iaas = policy
        .scenario_from_settings("--set", &["model=iaas".to_string()])
        .unwrap();
    assert_eq!(
        table,
        command::eval(&policy, &iaas, None, Format::Table, Explanation::Hidden).text
    );

    // check of a served policy, and of a posted one with a conflict.
    let (status, _, checked) = server.get("/v1/policies/azure/check");
    assert_eq!(status, 200);
    let text = onus::builtin("azure").unwrap().text;
    assert_eq!(
        checked,
        onus::render::diagnostics_json(&[onus::check("azure", text)])
    );
    let conflicting = "os: provider when paas\nos: customer unless saas\n";
    let response = server
        .agent
        .post(&server.url("/v1/check?name=mine.onus"))
        .send(conflicting)
        .unwrap();
    assert_eq!(response.headers()["onus-outcome"], "findings");
    let (_, _, body) = common::answer(response);
    assert_eq!(
        body,
        onus::render::diagnostics_json(&[onus::check("mine.onus", conflicting)])
    );
    assert!(
        body.contains("\"code\": \"conflict\"") && body.contains("\"path\": \"mine.onus\""),
        "{body}"
    );

    // A typo hides nothing else (issue 29): the posted file's conflict is
    // reported beside its misspelt value, and the zone that lost its rule
    // is named as not analysed.
    let typo =
        "x: customer when iaas\nx: provider when iaas or paas\nhost: provider unless on-prme\n";
    let (_, _, body) = server.post("/v1/check?name=typo.onus", typo);
    let codes: Vec<String> = (serde_json::from_str::<Value>(&body).unwrap()["diagnostics"])
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        codes,
        ["unknown-name", "not-analysed", "conflict"],
        "{body}"
    );

    // A POST with no body at all is refused (the document requires one);
    // an empty text sent as text is a text.
    for path in [
        "/v1/check",
        "/v1/fmt",
        "/v1/describe",
        "/v1/matrix",
        "/v1/eval",
    ] {
        let response = server.agent.post(&server.url(path)).send_empty().unwrap();
        let (status, _, body) = common::answer(response);
        assert_eq!(
            (status, common::code(&body)),
            (400, "missing-body".into()),
            "{path}"
        );
    }
    let response = (server.agent.post(&server.url("/v1/check")))
        .header("content-type", "text/plain")
        .send("")
        .unwrap();
    let (status, _, body) = common::answer(response);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("no-rules"), "{body}");

    // fmt, describe and eval of a posted text.
    let messy = "os:   provider   when paas\n";
    let (status, _, formatted) = server.post("/v1/fmt", messy);
    assert_eq!(
        (status, formatted.as_str()),
        (200, "os: provider when paas\n")
    );
    let (_, _, described) = server.post("/v1/describe", conflicting);
    let described: Value = serde_json::from_str(&described).unwrap();
    assert_eq!(
        described["dimensions"][0]["values"],
        serde_json::json!(["on-prem", "iaas", "paas", "saas"])
    );
    assert_eq!(described["zones"][0]["name"], "os");
    let request =
        serde_json::json!({"policy": "os: provider when paas\n", "scenario": {"model": "paas"}});
    let (status, _, evaluated) = server.post("/v1/eval", &request.to_string());
    assert_eq!(status, 200, "{evaluated}");
    let posted = onus::load("policy.onus", "os: provider when paas\n").unwrap();
    let paas = posted
        .scenario_from_settings("--set", &["model=paas".to_string()])
        .unwrap();
    assert_eq!(
        evaluated,
        command::eval(&posted, &paas, None, Format::Json, Explanation::Hidden).text
    );

    // An export, byte for byte, and the same bytes twice.
    let (status, typ, exported) =
        server.get("/v1/policies/azure/export?format=crm-csv&set=model=paas");
    assert_eq!((status, typ.as_str()), (200, "text/csv; charset=utf-8"));
    let request = command::ExportRequest {
        date: None,
        profile: None,
        baseline: None,
    };
    let bytes = command::export(
        &policy,
        None,
        &["model=paas".to_string()],
        command::ExportFormat::CrmCsv,
        request,
    )
    .unwrap();
    assert_eq!(exported.as_bytes(), bytes.as_slice());
    assert_eq!(
        server
            .get("/v1/policies/azure/export?format=crm-csv&set=model=paas")
            .2,
        exported
    );

    // The policies served, and a policy's text.
    let (_, _, listed) = server.get("/v1/policies");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let names: Vec<&str> = (listed["policies"].as_array().unwrap().iter())
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let builtins: Vec<&str> = onus::BUILTINS.iter().map(|b| b.name).collect();
    assert_eq!(names, builtins);
    assert_eq!(server.get("/v1/policies/azure/source").2, text);
}

/// Scenarios of the azure policy, one a line, some of them bad.
fn scenario_lines(count: usize) -> String {
    let models = ["on-prem", "iaas", "paas", "saas"];
    (0..count)
        .map(|i| match i % 97 {
            13 => format!("{{\"id\": {i}, \"model\": \"pass\"}}\n"),
            41 => "not json\n".to_string(),
            _ => format!("{{\"id\": {i}, \"model\": \"{}\"}}\n", models[i % 4]),
        })
        .collect()
}

/// What `onus eval azure --batch` writes for these lines.
fn cli_batch(lines: &str, fields: onus::DecisionFields) -> Vec<u8> {
    let policy = azure();
    let overrides = policy.settings("--set", &[]).unwrap();
    let options = onus::BatchOptions {
        jobs: 1,
        overrides: &overrides,
        fields,
    };
    let mut out = Vec::new();
    onus::run_batch(&policy, lines.as_bytes(), &mut out, &options, |_| {}).unwrap();
    out
}

#[test]
fn a_batch_streams_the_clis_records_in_order() {
    let server = Server::start(&[]);
    let lines = scenario_lines(20_000);
    let response = server
        .agent
        .post(&server.url("/v1/policies/azure/batch"))
        .send(lines.as_str())
        .unwrap();
    let (status, typ, body) = common::answer(response);
    assert_eq!((status, typ.as_str()), (200, "application/x-ndjson"));
    assert_eq!(body.lines().count(), 20_000, "one record a line, none lost");
    assert!(
        body.as_bytes() == cli_batch(&lines, onus::DecisionFields::ALL),
        "the CLI's bytes"
    );
    let (_, _, fewer) = server.post("/v1/policies/azure/batch?fields=party", &lines);
    let fields = onus::DecisionFields::from_names(["party"]).unwrap();
    assert!(fewer.as_bytes() == cli_batch(&lines, fields));
}

/// Sends a request with a chunked body, chunk by chunk, over a raw
/// connection, as a client streaming its scenarios does.
struct Streaming {
    stream: std::net::TcpStream,
    reader: BufReader<std::net::TcpStream>,
}

impl Streaming {
    fn start(server: &Server, path: &str) -> Streaming {
        let address = server.base.strip_prefix("http://").unwrap();
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(stream, "POST {path} HTTP/1.1\r\nHost: {address}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Streaming { stream, reader }
    }

    fn send(&mut self, text: &str) {
        write!(self.stream, "{:x}\r\n{text}\r\n", text.len()).unwrap();
        self.stream.flush().unwrap();
    }

    fn end(&mut self) {
        write!(self.stream, "0\r\n\r\n").unwrap();
    }

    /// The status line and headers.
    fn head(&mut self) -> String {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            head.push_str(&line);
            if line == "\r\n" {
                return head;
            }
        }
    }

    /// The next chunk of the response's body; empty at its end.
    fn chunk(&mut self) -> String {
        let mut size = String::new();
        self.reader.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        self.reader.read_exact(&mut chunk).unwrap();
        chunk.truncate(size);
        String::from_utf8(chunk).unwrap()
    }
}

/// Each line is answered as it comes: a client that waits for one answer
/// before sending the next line gets it.
#[test]
fn a_batch_answers_each_line_as_it_comes() {
    let server = Server::start(&[]);
    let mut client = Streaming::start(&server, "/v1/policies/azure/batch?fields=party");
    client.send("{\"id\": 1, \"model\": \"iaas\"}\n");
    assert!(client.head().starts_with("HTTP/1.1 200"));
    let first = client.chunk();
    assert!(
        first.contains("\"id\":1,") && first.ends_with('\n'),
        "{first:?}"
    );
    client.send("{\"id\": 2, \"model\": \"saas\"}\n");
    let second = client.chunk();
    assert!(second.contains("\"id\":2,"), "{second:?}");
    client.end();
    assert_eq!(client.chunk(), "");
}

#[test]
fn errors_are_json_with_a_code() {
    let server = Server::start(&["--max-body", "4096", "--max-rules", "3"]);
    let (status, typ, body) = server.get("/v1/policies/azur/matrix");
    assert_eq!(
        (status, typ.as_str(), code(&body).as_str()),
        (404, "application/json", "unknown-policy")
    );
    assert!(body.contains("did you mean `azure`?"), "{body}");
    let (status, _, body) = server.get("/v1/nothing");
    assert_eq!((status, code(&body).as_str()), (404, "not-found"));
    let (status, _, body) = server.post("/v1/policies", "");
    assert_eq!((status, code(&body).as_str()), (405, "method-not-allowed"));
    // A path the framework cannot decode is a JSON error too.
    let (status, typ, body) = server.get("/v1/policies/%FF/matrix");
    assert_eq!(
        (status, typ.as_str(), code(&body).as_str()),
        (400, "application/json", "bad-request"),
        "{body}"
    );
    let (status, _, body) = server.get("/v1/policies/azure/matrix?fromat=csv");
    assert_eq!((status, code(&body).as_str()), (400, "unknown-parameter"));
    let (status, _, body) = server.get("/v1/policies/azure/matrix?format=pdf");
    assert_eq!((status, code(&body).as_str()), (400, "unknown-choice"));
    let (status, _, body) = server.get("/v1/policies/azure/matrix?over=model&over=model");
    assert_eq!((status, code(&body).as_str()), (400, "repeated-parameter"));
    // Input that does not load: the diagnostics, located.
    let (status, _, body) = server.post("/v1/policies/azure/eval", "{\"model\": \"pass\"}");
    assert_eq!((status, code(&body).as_str()), (422, "invalid-input"));
    let error: Value = serde_json::from_str(&body).unwrap();
    let diagnostic = &error["error"]["diagnostics"]["diagnostics"][0];
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(1), Some(11))
    );
    assert!(
        diagnostic["help"].as_str().unwrap().contains("`paas`"),
        "{body}"
    );
    let (status, _, body) = server.post("/v1/describe", "os: provider when pass\n");
    assert_eq!((status, code(&body).as_str()), (422, "invalid-input"));
    // The limits.
    let (status, _, body) = server.post("/v1/check", &"# padding\n".repeat(500));
    assert_eq!((status, code(&body).as_str()), (413, "body-too-large"));
    let four_rules =
        "a: customer always\nb: customer always\nc: customer always\nd: customer always\n";
    for path in ["/v1/check", "/v1/describe", "/v1/matrix"] {
        let (status, _, body) = server.post(path, four_rules);
        assert_eq!(
            (status, code(&body).as_str()),
            (422, "too-many-rules"),
            "{path}"
        );
    }
    // Nothing in a request makes the service read a file.
    let map = "resources for \"azure\"\nresource \"vm\" { model: iaas }\n";
    let (status, _, body) = server.post("/v1/check", map);
    assert_eq!((status, code(&body).as_str()), (422, "resource-map"));
    let (status, _, body) = server.get("/v1/policies/azure/export?mapping=/etc/passwd");
    assert_eq!((status, code(&body).as_str()), (422, "unknown-mapping"));
    let (status, _, body) = server.post("/v1/check?name=../x.onus", "");
    assert_eq!((status, code(&body).as_str()), (400, "invalid-name"));
    let (status, _, body) = server.post("/v1/eval", "{\"policy\": 3}");
    assert_eq!((status, code(&body).as_str()), (400, "invalid-request"));
}

/// The policy of the analysis-limit fixture: about a second of analysis.
fn slow_policy() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/check/analysis-limit.onus"
    ))
    .unwrap()
}

#[test]
fn a_request_past_the_time_limit_is_refused() {
    let server = Server::start(&["--timeout", "50"]);
    let (status, _, body) = server.post("/v1/check", &slow_policy());
    assert_eq!((status, code(&body).as_str()), (503, "timeout"), "{body}");
    // The service still answers.
    assert_eq!(server.get("/v1/policies").0, 200);
}

#[test]
fn requests_past_the_concurrency_limit_are_refused() {
    let server = Server::start(&["--max-concurrent", "1", "--timeout", "120000"]);
    let slow = slow_policy();
    let url = server.url("/v1/check");
    let agent = server.agent.clone();
    let busy =
        std::thread::spawn(move || common::answer(agent.post(&url).send(slow.as_str()).unwrap()).0);
    // While it runs, the one permit is taken.
    let refused = (0..200).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        let response = server
            .agent
            .get(&server.url("/v1/policies"))
            .call()
            .unwrap();
        (response.status() == 503).then(|| {
            let retry = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .to_string();
            (retry, common::answer(response).2)
        })
    });
    let (retry, body) = refused.expect("a request refused while the slow one runs");
    assert_eq!((retry.as_str(), code(&body).as_str()), ("1", "busy"));
    assert_eq!(busy.join().unwrap(), 200);
    assert_eq!(server.get("/v1/policies").0, 200);
}

/// `/v1/openapi.json` documents every route of the router and no other,
/// each documented operation answers, and every reference resolves.
#[test]
fn the_openapi_document_names_every_route() {
    let server = Server::start(&[]);
    let (status, _, document) = server.get("/v1/openapi.json");
    assert_eq!(status, 200);
    let document: Value = serde_json::from_str(&document).unwrap();
    // Each served policy's operations are written out for it (its own
    // scenario and values): read back as the route they are.
    let (_, _, listed) = server.get("/v1/policies");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let served: Vec<&str> = (listed["policies"].as_array().unwrap().iter())
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(served.len(), 8);
    let mut documented: Vec<(String, String)> = Vec::new();
    let mut per_policy = std::collections::BTreeMap::<&str, usize>::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        let mut route = path.clone();
        for name in &served {
            let prefix = format!("/v1/policies/{name}");
            let rest = path.strip_prefix(&prefix);
            if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('/')) {
                route = format!("/v1/policies/{{name}}{rest}");
                *per_policy.entry(name).or_default() += operations.as_object().unwrap().len();
            }
        }
        for (method, operation) in operations.as_object().unwrap() {
            documented.push((method.to_uppercase(), route.clone()));
            // Without a token file, no operation asks for a token or
            // answers 401.
            assert!(operation["security"].is_null(), "{method} {path}");
            assert!(operation["responses"]["401"].is_null(), "{method} {path}");
        }
    }
    assert!(per_policy.values().all(|&n| n == 7), "{per_policy:?}");
    documented.sort();
    documented.dedup();
    // The routes, as api.rs declares them: `.route("PATH", get(...))`.
    let source = include_str!("../src/api.rs");
    let mut routes: Vec<(String, String)> = (source.match_indices(".route(\""))
        .map(|(i, _)| {
            let rest = &source[i + 8..];
            let path = &rest[..rest.find('"').unwrap()];
            let method = rest[path.len() + 3..].split('(').next().unwrap();
            (method.to_uppercase(), path.to_string())
        })
        .collect();
    routes.sort();
    assert_eq!(documented, routes);
    for (method, path) in &routes {
        let path = path.replace("{name}", "azure");
        let status = match method.as_str() {
            "GET" => server.get(&path).0,
            _ => server.post(&path, "{}").0,
        };
        assert!(![404, 405].contains(&status), "{method} {path}: {status}");
    }
    // Every `$ref` points at something in the document.
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(o) => o.iter().for_each(|(k, v)| match (k.as_str(), v.as_str()) {
                ("$ref", Some(target)) => out.push(target.to_string()),
                _ => refs(v, out),
            }),
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    refs(&document, &mut targets);
    assert!(targets.len() > 20);
    for target in targets {
        let pointer = target.strip_prefix('#').unwrap().replace("~1", "/");
        assert!(document.pointer(&pointer).is_some(), "{target} resolves");
    }
    // The CLI's schemas are the components.
    let eval = &document["components"]["schemas"]["eval"];
    assert_eq!(
        eval["title"],
        serde_json::from_str::<Value>(&onus::schema("eval").unwrap()).unwrap()["title"]
    );
}

#[test]
fn every_request_is_logged_and_remote_listening_needs_a_flag() {
    let server = Server::start(&[]);
    server.get("/v1/policies");
    server.get("/v1/policies/nope");
    let (status, log) = server.stop();
    assert!(status.success(), "{status}: {log}");
    let requests: Vec<Value> = (log.lines())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l.get("method").is_some())
        .collect();
    let seen: Vec<(String, u64)> = (requests.iter())
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("/v1/policies".to_string(), 200),
            ("/v1/policies/nope".to_string(), 404)
        ]
    );
    assert!(requests.iter().all(|r| r["ms"].is_number()));

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_onus-serve"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--allow-remote"));
}

/// Loopback means this machine: a request naming another host (a web page
/// whose name resolves here) is refused; connections past the limit are
/// answered 503 and closed; every answer says `nosniff`, and the page
/// carries its content security policy.
#[test]
fn hosts_connections_and_headers() {
    let server = Server::start(&[]);
    let rebound = server
        .agent
        .get(&server.url("/v1/policies"))
        .header("Host", "attacker.example:8787")
        .call()
        .unwrap();
    let (status, _, body) = common::answer(rebound);
    assert_eq!((status, code(&body).as_str()), (421, "host-not-allowed"));
    let page = server.agent.get(&server.url("/")).call().unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("connect-src 'self'") && policy.contains("default-src 'none'"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    // The default export is an OSCAL SSP: JSON.
    let (status, typ, ssp) = server.get("/v1/policies/azure/export?set=model=paas");
    assert_eq!((status, typ.as_str()), (200, "application/json"));
    assert!(ssp.contains("\"system-security-plan\""));
}

#[test]
fn connections_past_the_limit_are_turned_away() {
    let server = Server::start(&["--max-connections", "2"]);
    // Two connections held open: a third is turned away.
    let address = server.base.strip_prefix("http://").unwrap();
    let held: Vec<std::net::TcpStream> = (0..2)
        .map(|_| std::net::TcpStream::connect(address).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut third = std::net::TcpStream::connect(address).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut answer = String::new();
    third.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("\"code\": \"too-many-connections\""),
        "{answer}"
    );
    drop(held);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(server.get("/v1/policies").0, 200);
}

#[test]
fn formatting_keeps_to_the_rule_limit() {
    let server = Server::start(&["--max-rules", "1"]);
    let (status, _, body) = server.post("/v1/fmt", "a: customer always\nb: customer always\n");
    assert_eq!((status, code(&body).as_str()), (422, "too-many-rules"));
    let (status, _, body) = server.post("/v1/fmt", "a:   customer always\n");
    assert_eq!((status, body.as_str()), (200, "a: customer always\n"));
}
