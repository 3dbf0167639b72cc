//! A real editor's LSP client against the server: Neovim, headless, opens
//! a policy with a misspelt value and a conflict, shows the misspelling
//! (a policy that does not resolve is not checked), applies the quick fix
//! through its own code, and then shows the conflict; finds references,
//! renames a zone across the policy and its test file and searches the
//! workspace's symbols, each by its own command (`lsp/tests/neovim-
//! client.lua`, with the client set up by `editors/neovim/onus.lua`, the
//! file the docs give users). Neovim comes from Debian's packages (`bash
//! tests/editors/setup` installs it); without it the test fails, saying so.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn neovim_shows_the_diagnostics_and_applies_a_quick_fix() {
    let found = Command::new("nvim").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "Neovim (`nvim`) is needed for this test: run `bash tests/editors/setup` \
         (it installs Debian's `neovim` package)"
    );
    let folder = std::env::temp_dir().join(format!("onus-neovim-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let policy = folder.join("policy.onus");
    std::fs::write(
        &policy,
        "os: provider when paas\nos: customer unless saas\ndata: customer when iaass\n",
    )
    .unwrap();
    // Beside it, its tests, and another policy no one opens: workspace
    // symbols find it by walking the folder Neovim started in.
    let tests = folder.join("policy-tests.onus");
    std::fs::write(
        &tests,
        "tests for \"policy.onus\"\ntest \"on-prem os\" { model: on-prem } expect { os: customer }\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("other.onus"),
        "zone osmosis\nosmosis: customer always\n",
    )
    .unwrap();
    let out = folder.join("seen.jsonl");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/neovim-client.lua");
    let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/../editors/neovim/onus.lua");
    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {script}"))
        .env("ONUS_LSP", env!("CARGO_BIN_EXE_onus-lsp"))
        .env("ONUS_SETUP", setup)
        .env("ONUS_POLICY", &policy)
        .env("ONUS_TESTS", &tests)
        .current_dir(&folder)
        .env("ONUS_OUT", &out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim starts");
    // The script exits on every error; a hang is killed, not waited on.
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = nvim.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            nvim.kill().unwrap();
            panic!("Neovim did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    nvim.stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let seen = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        status.success(),
        "Neovim's client failed ({status}):\n{seen}\n{stderr}"
    );
    let steps: Vec<serde_json::Value> = (seen.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let step = |name: &str| {
        (steps.iter())
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("no step `{name}` in:\n{seen}"))["value"]
            .clone()
    };
    // Opened: the misspelt value on line 3, as Neovim holds it (lines from
    // 0; severity 1 is an error), and, since a typo hides nothing else
    // (issue 29), the conflict on line 2 and a note that line 3's zone is
    // not analysed.
    let opened = step("opened");
    let shown: Vec<(u64, u64)> = (opened.as_array().unwrap().iter())
        .map(|d| (d["line"].as_u64().unwrap(), d["severity"].as_u64().unwrap()))
        .collect();
    assert_eq!(shown, [(1, 1), (2, 3), (2, 1)], "{opened}");
    assert!(
        opened[0]["message"].as_str().unwrap().contains("conflict"),
        "{opened}"
    );
    let message = opened[2]["message"].as_str().unwrap();
    assert!(message.contains("did you mean `iaas`?"), "{message}");
    assert_eq!(step("action"), "Change to `iaas`");
    // The fix, applied by the editor and saved: the file itself is right.
    assert_eq!(
        std::fs::read_to_string(&policy).unwrap(),
        "os: provider when paas\nos: customer unless saas\ndata: customer when iaas\n"
    );
    // Now the policy resolves and is checked: the conflict on line 2, with
    // the scenario that shows it.
    let after = step("after");
    assert_eq!(after[0]["line"], 1, "{after}");
    let message = after[0]["message"].as_str().unwrap();
    assert!(
        message.contains("conflict") && message.contains("scenario: model=paas"),
        "{message}"
    );
    // References of `os`: both rules and the test file's expectation, on
    // disk; quickfix lines count from 1.
    let references: Vec<(String, u64)> = (step("references").as_array().unwrap().iter())
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        references,
        [
            ("policy-tests.onus".to_string(), 2),
            ("policy.onus".to_string(), 1),
            ("policy.onus".to_string(), 2)
        ]
    );
    // Renamed by the editor, in both files.
    let renamed = step("renamed");
    assert_eq!(
        renamed["policy"],
        serde_json::json!([
            "system: provider when paas",
            "system: customer unless saas",
            "data: customer when iaas"
        ]),
        "{renamed}"
    );
    assert_eq!(
        renamed["tests"][1], "test \"on-prem os\" { model: on-prem } expect { system: customer }",
        "{renamed}"
    );
    // The workspace's symbols: the zone of the file no one opened.
    let symbols = step("symbols");
    assert_eq!(symbols[0]["file"], "other.onus", "{symbols}");
    assert!(
        symbols[0]["text"].as_str().unwrap().contains("osmosis"),
        "{symbols}"
    );
    assert_eq!(symbols.as_array().unwrap().len(), 1, "{symbols}");
    std::fs::remove_dir_all(&folder).unwrap();
}
