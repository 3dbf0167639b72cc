//! Shell conveniences generated from the clap definitions: completion
//! scripts (`onus completions SHELL`) and the man page, committed as
//! `docs/onus.1` and kept current here.

mod common;

use common::onus;

#[test]
fn completions_name_every_command_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = onus(&["completions", shell], b"");
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for command in [
            "eval", "matrix", "check", "fmt", "test", "diff", "export", "estate", "lsp",
        ] {
            assert!(
                run.stdout.contains(command),
                "{shell} completes `{command}`"
            );
        }
    }
    let run = onus(&["completions", "tcsh"], b"");
    assert_eq!(run.code, 2, "an unknown shell is a usage error");
}

#[test]
fn the_committed_man_page_is_what_onus_prints() {
    let run = onus(&["man"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(".ie \\n(.g .ds Aq"), "roff");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/onus.1"))
        .unwrap_or_default();
    assert!(
        committed == run.stdout,
        "docs/onus.1 is stale: regenerate it with `cargo run -- man > docs/onus.1`"
    );
}
