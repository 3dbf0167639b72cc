//! The service's contract (issue 29): schemathesis, from the registry,
//! generates requests from the OpenAPI document the service serves and
//! runs every check (`--checks all`) against `onus serve`: a request the
//! document calls valid is answered, one it calls invalid is refused, and
//! every answer has a declared status and shape. The few places OpenAPI
//! cannot say what is accepted are in `contract/schemathesis.toml`, each
//! with its reason. `bash serve/tests/contract/setup` installs the tool.

mod common;

use common::Server;

#[test]
fn schemathesis_finds_no_failure() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let schemathesis = format!("{root}/.venv-contract/bin/schemathesis");
    assert!(
        std::path::Path::new(&schemathesis).is_file(),
        "the contract test runs schemathesis from {schemathesis}: run `bash serve/tests/contract/setup` first"
    );
    let server = Server::start(&[]);
    let document = server.url("/v1/openapi.json");
    let contract = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/contract");
    let run = std::process::Command::new(&schemathesis)
        .args([
            "run",
            &document,
            "--checks",
            "all",
            "--seed",
            "29",
            "--no-color",
        ])
        .current_dir(contract)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", contract)
        .output()
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(report.contains(" passed"), "{report}");
    let (status, log) = server.stop();
    assert!(status.success(), "{log}");
    assert!(!log.contains("\"status\":500"), "no server error: {log}");
}
