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

/// `--only` keeps the columns it names, in the dimension's order, in every
/// format; each column is the one the full matrix has.
#[test]
fn only_some_columns() {
    let base = [
        "matrix",
        "tests/fixtures/matrix/tiers.onus",
        "--over",
        "tier",
        "--set",
        "model=paas",
    ];
    let with = |more: &[&'static str]| -> Vec<&'static str> { [&base[..], more].concat() };
    let full = onus(&with(&["--format", "csv"]), b"");
    let mut snapshot = String::new();
    for format in ["table", "csv", "json", "svg"] {
        let args = with(&["--only", "bronze,gold", "--format", format]);
        let run = onus(&args, b"");
        assert_eq!(run.code, 0, "{}", run.stderr);
        snapshot.push_str(&transcript(&args, "", &run));
    }
    let some = onus(
        &with(&["--only", "bronze", "--only", "gold", "--format", "csv"]),
        b"",
    );
    // zone,label,gold,silver,bronze against zone,label,gold,bronze.
    for (full, some) in full.stdout.lines().zip(some.stdout.lines()) {
        let full: Vec<&str> = full.split(',').collect();
        let some: Vec<&str> = some.split(',').collect();
        assert_eq!(some, [full[0], full[1], full[2], full[4]]);
    }
    let wrong = onus(&with(&["--only", "gold,silverr,gold"]), b"");
    assert_eq!(wrong.code, 2);
    snapshot.push_str(&transcript(&["--only", "gold,silverr,gold"], "", &wrong));
    insta::assert_snapshot!(snapshot);
}
