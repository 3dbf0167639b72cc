//! The documentation keeps up with the code: every diagnostic code the
//! tests see has a page in `docs/codes/`, and every page is a real code.

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_dir_texts(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join(dir)).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            out.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                text,
            ));
        }
    }
    out
}

/// `error[code]`, `warning[code]` and `note[code]` in rendered output.
fn codes_in(text: &str) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for severity in ["error[", "warning[", "note["] {
        for piece in text.split(severity).skip(1) {
            if let Some(end) = piece.find(']') {
                let code = &piece[..end];
                if code.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                    codes.insert(code.to_string());
                }
            }
        }
    }
    codes
}

#[test]
fn every_code_in_the_snapshots_has_a_page() {
    let pages: BTreeSet<String> = read_dir_texts("docs/codes")
        .into_iter()
        .filter_map(|(name, _)| name.strip_suffix(".md").map(str::to_string))
        .collect();
    let mut seen = BTreeSet::new();
    for (_, text) in read_dir_texts("tests/snapshots") {
        seen.extend(codes_in(&text));
    }
    assert!(seen.len() >= 15, "snapshots show {seen:?}");
    for code in &seen {
        assert!(pages.contains(code), "docs/codes/{code}.md is missing");
    }
}

#[test]
fn every_page_names_a_code_the_source_emits() {
    let mut source = String::new();
    for dir in ["src", "src/render"] {
        for (_, text) in read_dir_texts(dir) {
            source.push_str(&text);
        }
    }
    for (name, text) in read_dir_texts("docs/codes") {
        let Some(code) = name.strip_suffix(".md") else {
            continue;
        };
        if code == "README" {
            continue;
        }
        assert!(
            source.contains(&format!("\"{code}\"")),
            "{code} is not emitted by src/"
        );
        assert!(text.contains("## Example"), "{name} has an example");
    }
}
