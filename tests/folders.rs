//! Folders as arguments: `check`, `fmt` and `test` take a folder as every
//! `.onus` file below it, in path order, hidden folders and `target/`
//! skipped; an empty folder is a clear error.

mod common;

use common::{onus, Scratch};

#[test]
fn onus_test_policies_runs_every_builtin_policys_tests() {
    let run = onus(&["test", "policies"], b"");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let expected: usize = onus::BUILTINS
        .iter()
        .map(|b| onus::load(b.name, b.text).unwrap().tests.len())
        .sum();
    assert!(expected > 0);
    let last = run.stdout.lines().last().unwrap();
    assert_eq!(last, format!("{expected} passed, 0 failed"));
}

#[test]
fn onus_check_policies_checks_policies_and_maps() {
    fn count(folder: &std::path::Path) -> usize {
        std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| match p.is_dir() {
                true => count(&p),
                false => usize::from(p.extension().is_some_and(|e| e == "onus")),
            })
            .sum()
    }
    let files = count(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"));
    assert!(files >= 11, "policies, mappings and resource maps");
    let run = onus(&["check", "policies"], b"");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with(&format!("checked {files} policies: 0 errors")),
        "{}",
        run.stdout
    );
}

#[test]
fn a_folder_is_read_in_path_order() {
    let scratch = Scratch::new("folder-order");
    std::fs::create_dir_all(scratch.0.join("a")).unwrap();
    for file in ["b.onus", "a/z.onus", "a.onus"] {
        std::fs::write(scratch.0.join(file), "data: custmer always\n").unwrap();
    }
    let root = scratch.0.to_string_lossy().into_owned();
    let run = onus(&["check", &root], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Each file's error, and the note that its zone is not analysed.
    let located: Vec<&str> = (run.stdout.lines())
        .filter(|l| l.contains("┌─"))
        .step_by(2)
        .collect();
    assert_eq!(located.len(), 3, "{}", run.stdout);
    assert_eq!(run.stdout.matches("note[not-analysed]").count(), 3);
    assert!(
        located[0].contains("/a.onus:")
            && located[1].contains("/a/z.onus:")
            && located[2].contains("/b.onus:"),
        "{located:?}"
    );
}

#[test]
fn hidden_folders_and_target_are_skipped() {
    let scratch = Scratch::new("folders");
    for folder in ["a", ".hidden", "target", "a/b"] {
        std::fs::create_dir_all(scratch.0.join(folder)).unwrap();
    }
    let messy = "data:   customer always\n";
    for file in [
        "a/one.onus",
        ".hidden/two.onus",
        "target/three.onus",
        "a/b/four.onus",
        "a/notes.txt",
    ] {
        std::fs::write(scratch.0.join(file), messy).unwrap();
    }
    let root = scratch.0.to_string_lossy().into_owned();
    let run = onus(&["fmt", "--check", &root], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let named: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(
        named[0].ends_with("a/b/four.onus") && named[1].ends_with("a/one.onus"),
        "{named:?}"
    );
}

#[test]
fn an_empty_folder_is_an_error_not_silence() {
    let scratch = Scratch::new("empty-folder");
    std::fs::create_dir_all(scratch.0.join(".git")).unwrap();
    std::fs::write(scratch.0.join(".git/x.onus"), "data: customer always\n").unwrap();
    let root = scratch.0.to_string_lossy().into_owned();
    for command in ["check", "fmt", "test"] {
        let run = onus(&[command, &root], b"");
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[empty-folder]"),
            "{command}: {}",
            run.stderr
        );
        if command == "test" {
            insta::assert_snapshot!(run.stderr.replace(&root, "EMPTY"));
        }
    }
}

/// `check` over a folder skips its test files (`onus test` runs them), and
/// a file named both itself and through its folder is checked once.
#[test]
fn check_skips_test_files_and_counts_each_file_once() {
    let scratch = Scratch::new("folder-check");
    std::fs::write(scratch.0.join("p.onus"), "data: customer always\n").unwrap();
    std::fs::write(
        scratch.0.join("p-tests.onus"),
        "tests for \"p.onus\"\ntest \"t\" { model: iaas } expect { data: customer }\n",
    )
    .unwrap();
    let root = scratch.0.to_string_lossy().into_owned();
    let file = scratch.0.join("p.onus").to_string_lossy().into_owned();
    let run = onus(&["check", &root, &file], b"");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("checked 1 policy: 0 errors"),
        "{}",
        run.stdout
    );
    let run = onus(&["test", &root], b"");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.lines().last(), Some("1 passed, 0 failed"));
}
