//! The playground in a real browser: Debian's Chromium, headless, driven by
//! `tests/playground/drive.js` (playwright-core, pinned; `bash
//! tests/playground/setup` installs both). It types a rule with a typo and
//! sees the diagnostic, fixes it and sees the matrix change, evaluates a
//! scenario, opens the shared link, and checks the keyboard order, labels,
//! contrast and a narrow screen; a screenshot of each step is written to
//! the target folder (`playground/`). Without Chromium or the driver the
//! test fails, saying so.

mod common;

use common::Server;
use serde_json::{json, Value};

/// What the script `tests/playground/SCRIPT` saw, driving Chromium with
/// `args`; fails, naming the setup, when Chromium or the driver is missing.
fn drive(script: &str, args: &[&str]) -> Value {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let installed =
        std::path::Path::new(root).join("tests/playground/node_modules/playwright-core");
    assert!(
        installed.is_dir(),
        "the browser test needs its driver: run `bash tests/playground/setup` (Chromium from \
         Debian's packages, playwright-core from npm)"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    assert!(
        std::path::Path::new(&chromium).is_file(),
        "Chromium is needed at {chromium}: run `bash tests/playground/setup` (apt-get install chromium)"
    );
    let run = std::process::Command::new("node")
        .arg(format!("{root}/tests/playground/{script}"))
        .args(args)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs: the browser test needs Node.js");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the browser could not drive the playground:\n{}\n{stdout}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn the_playground_in_chromium() {
    let server = Server::start(&[]);
    let out = concat!(env!("CARGO_TARGET_TMPDIR"), "/playground");
    let seen = drive("drive.js", &[&format!("{}/", server.base), out]);

    // Loaded with azure: its 15 zones and the diagram.
    assert_eq!(seen["loaded"]["title"], "Onus playground");
    assert_eq!(seen["loaded"]["builtin"], "azure");
    assert_eq!(seen["loaded"]["zones"], 15);
    // The matrix names each party as the diagram beside it does (azure's
    // provider is "Microsoft"), and every text of the diagram, its title
    // first, is inside the image; no width from 800 to 1,920 px overflows.
    let cells: Vec<&str> = (seen["loaded"]["cells"].as_array().unwrap().iter())
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        cells.contains(&"Microsoft") && !cells.contains(&"provider"),
        "{cells:?}"
    );
    let texts: Vec<&str> = (seen["loaded"]["svg"]["texts"].as_array().unwrap().iter())
        .map(|t| t.as_str().unwrap())
        .collect();
    for cell in &cells {
        assert!(
            texts.contains(cell),
            "the diagram says {cell:?} too: {texts:?}"
        );
    }
    assert_eq!(seen["loaded"]["svg"]["overflowing"], json!([]));
    assert_eq!(
        seen["widths"],
        json!({"1920": false, "1400": false, "1024": false, "800": false})
    );
    let diagram = seen["loaded"]["diagram"].as_str().unwrap_or("");
    assert!(
        diagram.starts_with("The responsibility diagram"),
        "the diagram shows: {diagram:?}"
    );
    // The typo: said, with its fix, and underlined where it is.
    let typo = &seen["typo"];
    assert_eq!(
        typo["diagnostic"],
        "error [unknown-name] line 2, column 19: unknown value `pass`\nhelp: did you mean `paas`?"
    );
    assert_eq!(typo["underlined"], json!(["pass"]));
    // The rule it breaks is set aside, and its zone not analysed: a note
    // on the rule (issue 29: the other zones are still checked).
    assert!(
        typo["noted"].as_array().unwrap().contains(&json!("os")),
        "{typo}"
    );
    // Fixed: the rule's row; then another rule changes it.
    let row = |m: &Value| m[0].clone();
    assert_eq!(
        row(&seen["fixed"]["matrix"]),
        json!(["os", "customer", "customer", "provider", "customer"])
    );
    assert_eq!(
        row(&seen["changed"]["matrix"]),
        json!(["os", "customer", "customer", "provider", "shared"])
    );
    // A scenario: each zone's answer and the rules considered.
    let answers = seen["scenario"]["answers"].as_str().unwrap();
    assert!(
        answers.starts_with("os: provider\nline 2: os: provider when paas (matches)"),
        "{answers}"
    );
    // The shared link: the same policy, the same matrix.
    assert_eq!(seen["shared"]["fragment"], true);
    assert_eq!(
        seen["shared"]["text"],
        "zone os\nos: provider when paas\nos: shared when saas"
    );
    assert_eq!(seen["shared"]["matrix"], seen["changed"]["matrix"]);
    // Keyboard order follows the page; every control has a label.
    assert_eq!(
        seen["keyboard"],
        json!(["builtin", "share", "policy", "matrix"])
    );
    assert_eq!(seen["unlabelled"], json!([]));
    // Text contrast at least WCAG AA's 4.5:1.
    for pair in seen["contrast"].as_array().unwrap() {
        assert!(pair[1].as_f64().unwrap() >= 4.5, "contrast of {pair}");
    }
    assert!(seen["contrast"].as_array().unwrap().len() >= 10);
    // A phone's width: one column, nothing wider than the screen.
    assert_eq!(seen["narrow"], json!({"columns": 1, "overflow": false}));
    // Self-contained: no request left the service; no script error.
    assert_eq!(seen["foreign"], json!([]));
    assert_eq!(seen["errors"], json!([]));
    for shot in [
        "1-azure",
        "1-azure-1400",
        "2-typo",
        "3-fixed",
        "4-shared-link",
        "5-narrow",
    ] {
        assert!(
            std::path::Path::new(&format!("{out}/{shot}.png")).is_file(),
            "{shot}"
        );
    }
}

/// A service started with `--token-file`: the page asks for the token,
/// says so when one is refused, and with the right one loads as it does
/// without tokens (`tests/playground/token.js`).
#[test]
fn the_playground_asks_for_the_token() {
    let tokens =
        std::env::temp_dir().join(format!("onus-playground-tokens-{}", std::process::id()));
    std::fs::write(&tokens, "playground-5e1d\n").unwrap();
    let server = Server::start(&["--token-file", tokens.to_str().unwrap()]);
    let seen = drive(
        "token.js",
        &[&format!("{}/", server.base), "playground-5e1d"],
    );
    assert_eq!(seen["asked"], "This service needs a token.");
    assert_eq!(seen["focused"], "token");
    assert_eq!(seen["refused"], "That token is not one this service takes.");
    assert_eq!(seen["zones"], 15);
    assert_eq!(seen["builtin"], "azure");
    assert_eq!(seen["formHidden"], true);
    assert_eq!(seen["errors"], json!([]));
    std::fs::remove_file(&tokens).unwrap();
}
