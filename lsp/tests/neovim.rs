//! A real editor's LSP client against the server: Neovim, headless, opens
//! a policy with a misspelt value and a conflict, shows the misspelling
//! (a policy that does not resolve is not checked), applies the quick fix
//! through its own code, and then shows the conflict (`lsp/tests/neovim-
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
    let out = folder.join("seen.jsonl");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/neovim-client.lua");
    let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/../editors/neovim/onus.lua");
    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {script}"))
        .env("ONUS_LSP", env!("CARGO_BIN_EXE_onus-lsp"))
        .env("ONUS_SETUP", setup)
        .env("ONUS_POLICY", &policy)
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
    std::fs::remove_dir_all(&folder).unwrap();
}
