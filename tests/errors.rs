//! Bad input, end to end: each `tests/fixtures/errors/*.onus` is a policy
//! evaluated with `--set model=iaas`; each `*.json` is a scenario for the
//! built-in `azure`. Every one must exit 2 with a located message.

mod common;

use common::{onus, relative, show, transcript};

/// Runs onus on a bad file: exit 2, nothing on stdout, and a message on
/// stderr that names the file with a line and column.
fn rejected_with_location(args: &[&str], file: &str) -> common::Run {
    let run = onus(args, b"");
    assert_eq!(run.code, 2, "{file}: {}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains(&format!("{file}:")),
        "located: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
    run
}

#[test]
fn bad_policies() {
    insta::glob!("fixtures/errors/*.onus", |path| {
        let file = relative(path);
        let args = ["eval", file.as_str(), "--set", "model=iaas"];
        let run = rejected_with_location(&args, &file);
        insta::assert_snapshot!(transcript(&args, &show(path), &run));
    });
}

#[test]
fn bad_scenarios() {
    insta::glob!("fixtures/errors/*.json", |path| {
        let file = relative(path);
        let args = ["eval", "azure", file.as_str()];
        let run = rejected_with_location(&args, &file);
        insta::assert_snapshot!(transcript(&args, &show(path), &run));
    });
}

#[test]
fn missing_file() {
    let run = onus(&["eval", "no/such/policy.onus", "--set", "model=iaas"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr, @"error[unreadable-file]: cannot read `no/such/policy.onus`: no such file");
}

#[test]
fn unknown_builtin_policy_suggests_the_closest() {
    let run = onus(&["matrix", "azur"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `azure`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_settings() {
    let run = onus(
        &["eval", "azure", "--set", "model=iass", "--set", "tier"],
        b"",
    );
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn no_scenario_at_all() {
    let run = onus(&["eval", "azure"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn unknown_matrix_dimension() {
    let run = onus(&["matrix", "azure", "--over", "modle"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

/// The swept dimension takes every value: fixing it is refused, with the
/// setting marked.
#[test]
fn matrix_setting_the_swept_dimension() {
    let run = onus(&["matrix", "azure", "--set", "model=iaas"], b"");
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("--set:1:1"), "{}", run.stderr);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(onus(&["eval", "--format", "yaml"], b"").code, 2);
    assert_eq!(onus(&["frobnicate"], b"").code, 2);
    assert_eq!(onus(&["--help"], b"").code, 0);
}

/// A file under `target/` with a path that stays the same from run to
/// run, so snapshots can show it.
fn stable_file(name: &str, contents: impl AsRef<[u8]>) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/code-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), contents).unwrap();
    format!("target/code-fixtures/{name}")
}

/// The codes no fixture folder reaches, each shown once end to end: what
/// the user sees, and exit 2.
#[test]
fn file_and_output_codes() {
    let big = stable_file("big.onus", vec![b'#'; 17 * 1024 * 1024]);
    let long = format!(
        "{{\"model\": \"iaas\", \"pad\": \"{}\"}}\n",
        "z".repeat(17 * 1024 * 1024)
    );
    // The temporary file fmt writes beside this one has a name past the
    // 255 bytes a file name may have, so writing it fails, even as root.
    let long_name = format!("{}.onus", "n".repeat(240));
    let unformatted = stable_file(&long_name, "data:   customer always\n");
    let cases: [(&str, Vec<&str>, Vec<u8>); 5] = [
        (
            "file-too-large",
            vec!["eval", &big, "--set", "model=iaas"],
            vec![],
        ),
        (
            "line-too-long",
            vec!["eval", "azure", "--batch"],
            long.into_bytes(),
        ),
        (
            "unknown-policy",
            vec!["eval", "azur", "--set", "model=iaas"],
            vec![],
        ),
        (
            "unreadable-file",
            vec!["eval", "missing.onus", "--set", "model=iaas"],
            vec![],
        ),
        ("unwritable-file", vec!["fmt", &unformatted], vec![]),
    ];
    for (code, args, stdin) in cases {
        let run = onus(&args, &stdin);
        assert_eq!(run.code, 2, "{code}: {}", run.stderr);
        let shown = if code == "line-too-long" {
            &run.stdout
        } else {
            &run.stderr
        };
        assert!(shown.contains(code), "{code}: {shown}");
        assert!(!run.stderr.contains("panicked"));
        insta::assert_snapshot!(
            code,
            format!(
                "$ onus {}\n{}",
                args.join(" "),
                shown.replace(&"n".repeat(240), "n…n")
            )
        );
    }
}

/// A full disk is an error with its own code, through the one renderer.
#[cfg(target_os = "linux")]
#[test]
fn unwritable_output() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["matrix", "azure"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(
        "unwritable-output",
        String::from_utf8(output.stderr).unwrap()
    );
}
