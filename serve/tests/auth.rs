//! Who may connect (issue 29): bearer tokens from a file, 401 with
//! `WWW-Authenticate` otherwise, and TLS from a certificate and key, tried
//! with curl over HTTPS; `--allow-remote` without tokens says so at start.

mod common;

use std::process::Command;

use common::Server;

/// curl, as a user would call the service: the status, the headers and the
/// body. Fails, naming the package, if curl is not there.
fn curl(args: &[&str]) -> (u16, String, String) {
    let output = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--include",
            "--write-out",
            "\n%{http_code}",
        ])
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("the TLS and token tests run curl (Debian's package curl): {error}")
        });
    assert!(
        output.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let (response, status) = text.rsplit_once('\n').unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((response, ""));
    (
        status.parse().unwrap(),
        head.to_lowercase(),
        body.to_string(),
    )
}

fn tokens_file(dir: &std::path::Path) -> String {
    let path = dir.join("tokens");
    std::fs::write(
        &path,
        "# the CI's token, then an operator's\nci-3f9a1c\n\n  operator-77b2e0  \n",
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

fn temporary(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-auth-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_token_file_guards_every_v1_request() {
    let dir = temporary("tokens");
    let tokens = tokens_file(&dir);
    let server = Server::start(&["--policy", "azure", "--token-file", &tokens]);
    let policies = server.url("/v1/policies");

    let (status, head, body) = curl(&[&policies]);
    assert_eq!(status, 401, "{body}");
    assert!(
        head.contains("www-authenticate: bearer realm=\"onus\""),
        "{head}"
    );
    assert_eq!(common::code(&body), "unauthorized");

    let (status, head, _) = curl(&["-H", "Authorization: Bearer ci-3f9a1", &policies]);
    assert_eq!(status, 401, "a prefix of a token is not the token");
    assert!(head.contains("error=\"invalid_token\""), "{head}");
    let (status, _, _) = curl(&["-H", "Authorization: Basic Y2ktM2Y5YTFj", &policies]);
    assert_eq!(status, 401, "only a bearer token");

    for token in ["ci-3f9a1c", "operator-77b2e0"] {
        let header = format!("Authorization: Bearer {token}");
        let (status, _, body) = curl(&["-H", &header, &policies]);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"azure\""), "{body}");
    }
    // The playground's page holds no data: open.
    let (status, _, _) = curl(&[&server.url("/")]);
    assert_eq!(status, 200);
    // The document says the token is required, and so the 401, on every
    // operation but the page's.
    let header = "Authorization: Bearer ci-3f9a1c";
    let (status, _, body) = curl(&["-H", header, &server.url("/v1/openapi.json")]);
    assert_eq!(status, 200);
    let document: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut guarded = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = &operation["security"];
            if path == "/" {
                assert!(security.is_null(), "{method} {path}: {security}");
                continue;
            }
            assert_eq!(
                security,
                &serde_json::json!([{"bearer": []}]),
                "{method} {path}"
            );
            assert!(!operation["responses"]["401"].is_null(), "{method} {path}");
            guarded += 1;
        }
    }
    assert!(guarded > 10, "{guarded} operations");
    let (status, log) = server.stop();
    assert!(status.success());
    assert!(log.contains("\"status\":401"), "refusals are logged: {log}");
    assert!(!log.contains("ci-3f9a1c"), "tokens are never logged");
}

#[test]
fn tls_serves_https_with_the_given_certificate() {
    let dir = temporary("tls");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let tokens = tokens_file(&dir);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let server = Server::start(&[
        "--policy",
        "azure",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--token-file",
        &tokens,
    ]);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let port = server.base.rsplit(':').next().unwrap();
    let url = format!("https://localhost:{port}/v1/policies/azure/matrix?format=csv");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let (status, _, body) = curl(&[
        "--cacert",
        cert,
        "--resolve",
        &resolve,
        "-H",
        "Authorization: Bearer ci-3f9a1c",
        &url,
    ]);
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("zone,"), "{body}");
    // Not trusted without the certificate; no plain HTTP on the port.
    let untrusted = Command::new("curl")
        .args(["--silent", "--resolve", &resolve, &url])
        .status()
        .unwrap();
    assert!(!untrusted.success());
    let plain = Command::new("curl")
        .args([
            "--silent",
            "--max-time",
            "5",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("200 OK"));
    let (status, _, _) = curl(&["--cacert", cert, "--resolve", &resolve, &url]);
    assert_eq!(status, 401, "TLS and tokens together");
    let (status, log) = server.stop();
    assert!(status.success(), "{log}");
}

#[test]
fn remote_listening_without_tokens_says_so_and_bad_files_are_refused() {
    let dir = temporary("remote");
    let serve = env!("CARGO_BIN_EXE_onus-serve");
    // Every start with --allow-remote and no token file warns.
    let server = Server::start(&["--policy", "azure", "--allow-remote"]);
    let (_, log) = server.stop();
    assert!(
        log.contains("warning: remote listening with no authentication"),
        "{log}"
    );
    let tokens = tokens_file(&dir);
    let server = Server::start(&[
        "--policy",
        "azure",
        "--allow-remote",
        "--token-file",
        &tokens,
    ]);
    let (_, log) = server.stop();
    assert!(!log.contains("warning"), "{log}");

    let empty = dir.join("empty");
    std::fs::write(&empty, "# nothing yet\n\n").unwrap();
    let spaced = dir.join("spaced");
    std::fs::write(&spaced, "two words\n").unwrap();
    for (args, said) in [
        (
            vec!["--token-file", empty.to_str().unwrap()],
            "no token in the file",
        ),
        (
            vec!["--token-file", spaced.to_str().unwrap()],
            "spaced:1: a token is one word",
        ),
        (
            vec!["--token-file", "/no/such/tokens"],
            "cannot read the token file",
        ),
        (
            vec![
                "--tls-cert",
                "/no/such/cert.pem",
                "--tls-key",
                "/no/such/key.pem",
            ],
            "cannot read the certificate",
        ),
        (vec!["--tls-cert", "/no/such/cert.pem"], "--tls-key"),
    ] {
        let output = Command::new(serve)
            .args(["--listen", "127.0.0.1:0", "--policy", "azure"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
}
