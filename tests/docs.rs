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
                if code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    codes.insert(code.to_string());
                }
            }
        }
    }
    codes
}

/// Every code the library can emit has its page, with an example, and a
/// snapshot that shows it (as `error[code]` or as a JSON `"code"`).
#[test]
fn every_code_has_a_page_and_a_snapshot() {
    let snapshots: Vec<String> = read_dir_texts("tests/snapshots")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(onus::Code::ALL.len() >= 30);
    for code in onus::Code::ALL {
        let page = std::fs::read_to_string(root().join(code.docs_page()))
            .unwrap_or_else(|_| panic!("{} is missing", code.docs_page()));
        assert!(
            page.starts_with(&format!("# `{code}` ({})", code.severity())),
            "{} opens with its code and severity",
            code.docs_page()
        );
        let shown = snapshots.iter().any(|text| {
            codes_in(text).contains(code.name())
                || text.contains(&format!("\"code\": \"{code}\""))
                || text.contains(&format!("\"code\":\"{code}\""))
        });
        assert!(shown, "no snapshot shows `{code}`");
    }
}

/// Every code a snapshot shows is one of the library's.
#[test]
fn every_code_in_the_snapshots_is_known() {
    let known: BTreeSet<&str> = onus::Code::ALL.iter().map(|c| c.name()).collect();
    for (name, text) in read_dir_texts("tests/snapshots") {
        for code in codes_in(&text) {
            assert!(
                known.contains(code.as_str()),
                "{name} shows unknown code `{code}`"
            );
        }
    }
}

#[test]
fn every_page_names_a_code_the_library_emits() {
    for (name, text) in read_dir_texts("docs/codes") {
        let Some(code) = name.strip_suffix(".md") else {
            continue;
        };
        if code == "README" {
            continue;
        }
        assert!(
            onus::Code::ALL.iter().any(|c| c.name() == code),
            "{code} is not a code of the library"
        );
        assert!(text.contains("## Example"), "{name} has an example");
    }
}
