//! Limits and hostile input: each a clear answer or a clear error with exit
//! 2, never a crash. The bad-input document, docs/BAD-INPUTS.md, is built
//! from these cases and the error fixtures, and checked here to be current.

mod common;

use common::{onus, Run, Scratch};
use std::path::{Path, PathBuf};

/// A hostile input: what it is, the command (with `{}` for a file holding
/// `content`), stdin, and the exit code it must give.
struct Case {
    what: &'static str,
    content: Vec<u8>,
    args: &'static [&'static str],
    stdin: Vec<u8>,
    code: i32,
}

fn cases() -> Vec<Case> {
    let deep_parens = format!(
        "x: customer when {}iaas{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let deep_nots = format!("x: customer when {}iaas\n", "not ".repeat(100_000));
    let many_rules: String = (0..100_000)
        .map(|i| format!("z{}: provider when model is iaas\n", i % 50))
        .collect();
    let long_line = format!(
        "data: customer always because \"{}\"\n",
        "x".repeat(2_000_000)
    );
    let deep_json = format!(
        "{{\"model\": {}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let big_ndjson_line = format!(
        "{{\"model\": \"iaas\", \"id\": \"{}\"}}\n",
        "y".repeat(5_000_000)
    );
    let huge_line = format!(
        "{{\"model\": \"iaas\", \"pad\": \"{}\"}}\n{{\"model\": \"paas\"}}\n",
        "z".repeat(17 * 1024 * 1024)
    );
    vec![
        Case {
            what: "condition nested 100,000 parentheses deep",
            content: deep_parens.into(),
            args: &["eval", "{}", "--set", "model=iaas"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "100,000 `not`s in a row",
            content: deep_nots.into(),
            args: &["eval", "{}", "--set", "model=iaas"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "policy of 100,000 rules (works)",
            content: many_rules.into(),
            args: &["eval", "{}", "--set", "model=iaas", "--format", "json"],
            stdin: vec![],
            code: 0,
        },
        Case {
            what: "policy file over 16 MiB",
            content: vec![b'#'; 17 * 1024 * 1024],
            args: &["eval", "{}", "--set", "model=iaas"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "a 2 MB line (a long reason: works)",
            content: long_line.into(),
            args: &["eval", "{}", "--set", "model=iaas"],
            stdin: vec![],
            code: 0,
        },
        Case {
            what: "NUL byte in a policy",
            content: b"data: customer\0 always\n".to_vec(),
            args: &["eval", "{}", "--set", "model=iaas"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "invalid UTF-8 in a policy (byte offset reported)",
            content: b"data: customer always\n\xC3\x28\n".to_vec(),
            args: &["eval", "{}", "--set", "model=iaas"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "byte-order mark and CRLF line endings (accepted)",
            content: b"\xEF\xBB\xBFdata: customer always\r\nhost: provider unless on-prem # ok\r\n"
                .to_vec(),
            args: &["eval", "{}", "--set", "model=iaas"],
            stdin: vec![],
            code: 0,
        },
        Case {
            what: "scenario JSON nested 10,000 deep",
            content: deep_json.into(),
            args: &["eval", "azure", "{}"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "scenario with a number too large for JSON",
            content: b"{\"model\": 1e999}".to_vec(),
            args: &["eval", "azure", "{}"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "scenario with a huge integer",
            content: b"{\"model\": 123456789012345678901234567890}".to_vec(),
            args: &["eval", "azure", "{}"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "NDJSON line of 5 MB (works)",
            content: big_ndjson_line.into(),
            args: &["eval", "azure", "--batch", "{}"],
            stdin: vec![],
            code: 0,
        },
        Case {
            what: "NDJSON line over 16 MiB (error record, batch goes on)",
            content: huge_line.into(),
            args: &["eval", "azure", "--batch", "{}"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "batch ids a strict JSON reader would refuse or misread (error records)",
            content: b"{\"model\": \"iaas\", \"id\": 1e400}\n{\"model\": \"iaas\", \"id\": \"\\ud800\"}\n".to_vec(),
            args: &["eval", "azure", "--batch", "{}"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "a test file naming a system file (`tests for \"/etc/passwd\"`)",
            content: b"tests for \"/etc/passwd\"\n".to_vec(),
            args: &["test", "{}"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "a test file naming a policy outside its folder",
            content: b"tests for \"../policy.onus\"\n".to_vec(),
            args: &["test", "{}"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "a dimension set twice (`--set model=iaas --set model=paas`)",
            content: vec![],
            args: &["eval", "azure", "--set", "model=iaas", "--set", "model=paas"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "a terminal escape in a setting (shown escaped)",
            content: vec![],
            args: &["eval", "azure", "--set", "model=\u{1b}[31mX"],
            stdin: vec![],
            code: 2,
        },
        Case {
            what: "NUL bytes in batch input",
            content: b"{\"model\": \"iaas\"}\n\0\0\0\n".to_vec(),
            args: &["eval", "azure", "--batch", "{}"],
            stdin: vec![],
            code: 2,
        },
    ]
}

fn run_case(case: &Case, dir: &Path, index: usize) -> Run {
    let file = dir.join(format!("case-{index}"));
    std::fs::write(&file, &case.content).unwrap();
    let file = file.to_string_lossy().into_owned();
    let args: Vec<&str> = case
        .args
        .iter()
        .map(|a| if *a == "{}" { file.as_str() } else { a })
        .collect();
    onus(&args, &case.stdin)
}

/// The first line of what the run said on stderr, without the scratch path.
fn first_error(run: &Run, dir: &Path) -> String {
    let line = run.stderr.lines().next().unwrap_or("").to_string();
    line.replace(&dir.to_string_lossy().into_owned(), "…")
}

#[test]
fn hostile_inputs_give_clear_answers_and_the_document_is_current() {
    let scratch = Scratch::new("limits");
    let dir = scratch.0.clone();
    let mut document = String::from(
        "# Bad input, and what Onus answers\n\n\
         Every input here is run by `tests/limits.rs`, which rebuilds this page and\n\
         fails if it is out of date (`ONUS_BLESS=1 cargo test --test limits` rewrites it).\n\
         Exit code 2 is bad input; 0 a clear answer. None of them crashes.\n\n\
         ## Limits and hostile input\n\n| input | exit | first line on stderr |\n|---|---|---|\n",
    );
    for (index, case) in cases().iter().enumerate() {
        let run = run_case(case, &dir, index);
        assert_eq!(run.code, case.code, "{}: {}", case.what, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", case.what);
        let said = first_error(&run, &dir).replace('|', "\\|");
        document.push_str(&format!(
            "| {} | {} | {} |\n",
            case.what,
            run.code,
            if said.is_empty() {
                String::from("(nothing)")
            } else {
                format!("`` {said} ``")
            }
        ));
    }
    document.push_str("\n## Bad policies and scenarios (the error fixtures)\n\n| fixture | exit | first line on stderr |\n|---|---|---|\n");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/errors"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    fixtures.sort();
    for path in fixtures {
        let relative = common::relative(&path);
        let args: Vec<&str> = if relative.ends_with(".json") {
            vec!["eval", "azure", &relative]
        } else {
            vec!["eval", &relative, "--set", "model=iaas"]
        };
        let run = onus(&args, b"");
        assert_eq!(run.code, 2, "{relative}");
        let said = run.stderr.lines().next().unwrap_or("").replace('|', "\\|");
        document.push_str(&format!("| `{relative}` | {} | `` {said} `` |\n", run.code));
    }
    let page = root.join("docs/BAD-INPUTS.md");
    if std::env::var_os("ONUS_BLESS").is_some() {
        std::fs::write(&page, &document).unwrap();
    }
    let current = std::fs::read_to_string(&page).unwrap_or_default();
    assert_eq!(
        current, document,
        "docs/BAD-INPUTS.md is stale: run ONUS_BLESS=1 cargo test --test limits"
    );
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    for command in [
        "onus matrix azure-services --format svg | head -c 10",
        "onus eval --set model=iaas --explain | head -1",
        "onus check azure --format sarif | head -1",
    ] {
        let script = command.replacen("onus", env!("CARGO_BIN_EXE_onus"), 1);
        let output = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{command}: {stderr}");
    }
}

#[test]
fn evaluation_is_deterministic() {
    for args in [
        &["matrix", "azure-services", "--format", "json"][..],
        &["check", "azure", "--format", "sarif"],
        &["diff", "azure", "azure-2026", "--format", "json"],
        &["matrix", "aws", "--format", "html"],
    ] {
        let first = onus(args, b"");
        for _ in 0..3 {
            assert_eq!(onus(args, b"").stdout, first.stdout, "{args:?}");
        }
    }
}
