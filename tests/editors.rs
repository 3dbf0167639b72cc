//! The TextMate grammar (`editors/vscode/syntaxes/onus.tmLanguage.json`)
//! read by a real TextMate engine (vscode-textmate over vscode-oniguruma,
//! as VS Code reads it), over every shipped `.onus` file: every keyword,
//! zone name, name, string, comment and punctuation mark gets its scope.
//! The engine is pinned in `tests/editors/package-lock.json` and installed
//! by `bash tests/editors/setup` (which `.ci/run` runs); without it this
//! test fails and says so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.onus` file under `policies/` and the fmt fixtures.
fn shipped_files() -> Vec<PathBuf> {
    fn walk(folder: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "onus") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("policies"), &mut files);
    walk(&root().join("tests/fixtures/fmt"), &mut files);
    files.sort();
    files
}

fn check(grammar: &Path) -> std::process::Output {
    let modules = root().join("tests/editors/node_modules/vscode-textmate");
    assert!(
        modules.is_dir(),
        "the grammar test needs vscode-textmate and vscode-oniguruma in tests/editors/node_modules: run `bash tests/editors/setup` first (Node.js and npm)"
    );
    Command::new("node")
        .arg(root().join("tests/editors/check-grammar.js"))
        .arg(grammar)
        .args(shipped_files())
        .output()
        .expect("node runs (Node.js is needed for the grammar test)")
}

#[test]
fn every_token_of_the_shipped_files_gets_its_scope() {
    let output = check(&root().join("editors/vscode/syntaxes/onus.tmLanguage.json"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files = shipped_files();
    assert!(files.len() >= 15);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len()
    );
    let counts: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    for kind in [
        "keyword",
        "declaration",
        "zone",
        "name",
        "string",
        "comment",
        "punctuation",
    ] {
        assert!(counts[kind].as_u64().unwrap() > 50, "{kind}: {counts}");
    }
}

/// The check can fail: a grammar without its keyword rule leaves keywords
/// unscoped, and the check says where.
#[test]
fn a_grammar_missing_a_rule_fails_the_check() {
    let text = std::fs::read_to_string(root().join("editors/vscode/syntaxes/onus.tmLanguage.json"))
        .unwrap();
    let broken = text.replace(
        "(always|when|unless|because|enabled-by-default|expect|controls)",
        "(nothing-matches-this)",
    );
    assert_ne!(
        broken, text,
        "the keyword rule is where the test expects it"
    );
    let scratch = common::Scratch::new("grammar");
    let path = scratch.file("broken.tmLanguage.json", broken);
    let output = check(Path::new(&path));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("`always`") && stdout.contains("tokens without their scope"),
        "{stdout}"
    );
}

/// The VS Code extension's files are JSON and name each other rightly.
#[test]
fn the_vscode_extension_holds_together() {
    let dir = root().join("editors/vscode");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["extensions"][0], ".onus");
    for relative in [
        contributes["languages"][0]["configuration"]
            .as_str()
            .unwrap(),
        contributes["grammars"][0]["path"].as_str().unwrap(),
        contributes["snippets"][0]["path"].as_str().unwrap(),
    ] {
        let text = std::fs::read_to_string(dir.join(relative)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{relative}: {e}"));
    }
    let grammar: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("syntaxes/onus.tmLanguage.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        grammar["scopeName"],
        contributes["grammars"][0]["scopeName"]
    );
    // The extension's code: it parses, and starts `onus lsp` through the
    // language client the manifest depends on.
    let main = dir.join(manifest["main"].as_str().unwrap());
    let parsed = std::process::Command::new("node")
        .arg("--check")
        .arg(&main)
        .output()
        .expect("node runs: the editors' tests need Node.js");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let code = std::fs::read_to_string(&main).unwrap();
    assert!(code.contains("args: [\"lsp\"]") && code.contains("vscode-languageclient/node"));
    assert!(manifest["dependencies"]["vscode-languageclient"].is_string());
}
