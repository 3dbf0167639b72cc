//! `onus fmt`: fixtures show the canonical layout; properties hold over the
//! shipped policies, every fixture and generated policies.

mod common;

use common::generate::{messy_mapping_text, messy_policy_text, messy_resource_map_text};
use common::{onus, relative};
use onus::syntax::PolicyFile;

fn parse(text: &str) -> Result<PolicyFile, onus::Report> {
    onus::parse("fmt.onus", text)
}

fn format(tree: &PolicyFile) -> String {
    tree.formatted()
}
use proptest::prelude::*;

#[test]
fn fmt_fixtures() {
    insta::glob!("fixtures/fmt/*.onus", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let formatted = format(&parse(&text).unwrap());
        insta::assert_snapshot!(format!("{text}\n===== formatted\n{formatted}"));
    });
}

/// What must hold for any policy text that parses.
fn assert_fmt_properties(text: &str) -> Result<(), TestCaseError> {
    let tree = parse(text).unwrap();
    let formatted = format(&tree);
    let reparsed = parse(&formatted).unwrap();
    prop_assert_eq!(format(&reparsed), formatted.clone(), "idempotent");
    prop_assert!(
        reparsed.same_shape(&tree.in_canonical_order()),
        "same tree, spans aside"
    );
    let before: Vec<&str> = tree.comments().iter().map(|c| c.text.as_str()).collect();
    let mut before_sorted = before.clone();
    before_sorted.sort_unstable();
    let mut after: Vec<&str> = reparsed
        .comments()
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    after.sort_unstable();
    prop_assert_eq!(after, before_sorted, "no comment lost");
    if let (Ok(original), Ok(again)) = (onus::load("a", text), onus::load("b", &formatted)) {
        prop_assert_eq!(original.zones.len(), again.zones.len());
        for scenario in original.all_scenarios().take(4096) {
            let names = |p: &onus::Policy| -> Vec<(String, Option<String>, onus::Status)> {
                p.evaluate(&scenario)
                    .iter()
                    .map(|d| {
                        (
                            p.zones[d.zone].name.clone(),
                            d.party.map(|x| p.parties[x].name.clone()),
                            d.status,
                        )
                    })
                    .collect()
            };
            prop_assert_eq!(names(&original), names(&again), "same answers");
        }
    }
    Ok(())
}

#[test]
fn shipped_policies_and_fixtures_keep_their_meaning() {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in [
        "policies",
        "tests/fixtures/fmt",
        "tests/fixtures/eval",
        "tests/fixtures/parse",
        "tests/fixtures/check",
        "tests/fixtures/test",
    ] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "onus") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        if parse(&text).is_ok() {
            assert_fmt_properties(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            checked += 1;
        }
    }
    assert!(checked >= 15, "checked {checked} files");
}

#[test]
fn shipped_policies_are_formatted() {
    for builtin in onus::BUILTINS {
        assert_eq!(
            format(&parse(builtin.text).unwrap()),
            builtin.text,
            "{}",
            builtin.name
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_mappings_keep_their_meaning(text in messy_mapping_text()) {
        assert_fmt_properties(&text)?;
    }

    #[test]
    fn generated_resource_maps_keep_their_meaning(text in messy_resource_map_text()) {
        assert_fmt_properties(&text)?;
    }

    #[test]
    fn generated_policies_keep_their_meaning(text in messy_policy_text()) {
        assert_fmt_properties(&text)?;
    }
}

#[test]
fn check_lists_files_that_would_change_and_exits_1() {
    let messy = "tests/fixtures/fmt/messy.onus";
    let run = onus(&["fmt", "--check", messy, "policies/azure.onus"], b"");
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, format!("would reformat {messy}\n"));
    let before = std::fs::read_to_string(messy).unwrap();
    assert_eq!(
        before,
        std::fs::read_to_string(messy).unwrap(),
        "--check changes nothing"
    );
}

#[test]
fn rewrites_in_place() {
    let scratch = common::Scratch::new("fmt");
    let dir = scratch.0.clone();
    let path = dir.join("policy.onus");
    std::fs::write(
        &path,
        "b:   provider   always\nzone a\nzone b\na: customer always # keep me\n",
    )
    .unwrap();
    let path_text = path.to_string_lossy().into_owned();
    let run = onus(&["fmt", &path_text], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        after,
        "zone a\nzone b\n\na: customer always # keep me\n\nb: provider always\n"
    );
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary file left behind");
    assert_eq!(onus(&["fmt", "--check", &path_text], b"").code, 0);
}

#[test]
fn stdin_to_stdout_and_syntax_errors() {
    let run = onus(&["fmt", "-"], b"data:customer    always");
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, "data: customer always\n");
    let broken = relative(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/errors/missing-colon.onus"),
    );
    let run = onus(&["fmt", "--check", &broken], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("missing-colon.onus:1:21"),
        "{}",
        run.stderr
    );
}

/// fmt changes layout, not how the file was saved: CRLF line endings and a
/// byte-order mark are kept, and a formatted CRLF file is left alone.
#[test]
fn keeps_line_endings_and_a_byte_order_mark() {
    let scratch = common::Scratch::new("fmt-crlf");
    let path = scratch.0.join("windows.onus");
    std::fs::write(
        &path,
        "\u{feff}b:   provider   always\r\nzone a\r\na: customer always # keep me\r\n",
    )
    .unwrap();
    let path_text = path.to_string_lossy().into_owned();
    let run = onus(&["fmt", &path_text], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "\u{feff}zone a\r\n\r\na: customer always # keep me\r\n\r\nb: provider always\r\n"
    );
    assert_eq!(onus(&["fmt", "--check", &path_text], b"").code, 0);
    let run = onus(&["fmt", "-"], b"data:customer    always\r\n");
    assert_eq!(run.stdout, "data: customer always\r\n");
    let run = onus(&["fmt", "-"], b"data:customer    always\n");
    assert_eq!(run.stdout, "data: customer always\n");
}
