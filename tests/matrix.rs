//! Matrix fixtures: each `tests/fixtures/matrix/*.onus` in every format.

mod common;

use common::{onus, relative, show, transcript};

#[test]
fn matrix_fixtures() {
    insta::glob!("fixtures/matrix/*.onus", |path| {
        let file = relative(path);
        let input = show(path);
        let mut snapshot = String::new();
        for format in ["table", "markdown", "csv", "json"] {
            let args = ["matrix", file.as_str(), "--format", format];
            snapshot.push_str(&transcript(&args, &input, &onus(&args, b"")));
        }
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn other_dimensions_are_fixed_with_set() {
    let args = [
        "matrix",
        "tests/fixtures/matrix/tiers.onus",
        "--over",
        "tier",
        "--set",
        "model=paas",
    ];
    let run = onus(&args, b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn unfixed_dimension_is_an_error() {
    let run = onus(&["matrix", "tests/fixtures/matrix/tiers.onus"], b"");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}
