//! Inputs an independent review found mishandled, kept as regressions.

mod common;

use common::onus;

#[test]
fn exponential_conditions_end_with_analysis_limit() {
    let n = 16;
    let mut text: String = (0..2 * n)
        .map(|i| format!("dimension d{i}: a{i}, b{i}\n"))
        .collect();
    let terms: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "(d{} is a{} and d{} is a{})",
                2 * i,
                2 * i,
                2 * i + 1,
                2 * i + 1
            )
        })
        .collect();
    text.push_str(&format!(
        "x: customer unless {}\nx: provider always\nassert x: provider always\n",
        terms.join(" or ")
    ));
    let dir = std::env::temp_dir().join(format!("onus-blow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("blow.onus");
    std::fs::write(&path, text).unwrap();
    let path = path.to_string_lossy().into_owned();
    let run = onus(&["check", &path, "--format", "json"], b"");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("\"analysis-limit\""), "{}", run.stdout);
    let diff = onus(&["diff", &path, &path], b"");
    assert_eq!(diff.code, 2);
    assert!(
        diff.stderr.contains("error[analysis-limit]"),
        "{}",
        diff.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rule_text_stops_before_the_spaces_of_a_comment() {
    let dir = std::env::temp_dir().join(format!("onus-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.onus");
    std::fs::write(&path, "data: customer when iaas     # why\n").unwrap();
    let run = onus(
        &[
            "eval",
            &path.to_string_lossy(),
            "--set",
            "model=iaas",
            "--format",
            "json",
        ],
        b"",
    );
    assert!(
        run.stdout
            .contains("\"text\": \"data: customer when iaas\""),
        "{}",
        run.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_byte_order_mark_on_the_first_batch_line_is_accepted() {
    let run = onus(
        &["eval", "azure", "--batch"],
        b"\xEF\xBB\xBF{\"model\":\"iaas\"}\n",
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn tests_for_looks_beside_the_test_file_then_at_the_built_ins() {
    let dir = std::env::temp_dir().join(format!("onus-beside-{}", std::process::id()));
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    // A file named like the built-in, in the directory onus runs from, must
    // not be taken for it.
    std::fs::write(dir.join("azure"), "data: provider always\n").unwrap();
    std::fs::write(
        sub.join("t.onus"),
        "tests for \"azure\"\ntest \"x\" { model: iaas } expect { data: customer }\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["test", "sub/t.onus"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    std::fs::write(sub.join("azure"), "data: provider always\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["test", "sub/t.onus"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "the file beside the test file wins"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn fmt_rewrites_the_target_of_a_symbolic_link() {
    let dir = std::env::temp_dir().join(format!("onus-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("real.onus"), "data:customer   always\n").unwrap();
    std::os::unix::fs::symlink(dir.join("real.onus"), dir.join("link.onus")).unwrap();
    let run = onus(&["fmt", &dir.join("link.onus").to_string_lossy()], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::symlink_metadata(dir.join("link.onus"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(dir.join("real.onus")).unwrap(),
        "data: customer always\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn markdown_cells_escape_pipes_and_angle_brackets() {
    let dir = std::env::temp_dir().join(format!("onus-md-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.onus");
    std::fs::write(&path, "zone data \"a | <b>\"\ndata: customer always\n").unwrap();
    let run = onus(
        &["matrix", &path.to_string_lossy(), "--format", "markdown"],
        b"",
    );
    assert!(run.stdout.contains("a \\| &lt;b&gt;"), "{}", run.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn conflicting_or_meaningless_arguments_are_usage_errors() {
    assert_eq!(
        onus(&["matrix", "azure", "--set", "model=iaas"], b"").code,
        2
    );
    assert_eq!(
        onus(&["eval", "azure", "--batch", "--explain"], b"").code,
        2
    );
    assert_eq!(
        onus(&["eval", "azure", "--batch", "--format", "table"], b"").code,
        2
    );
    assert_eq!(
        onus(&["eval", "azure", "--set", "model=iaas model=paas"], b"").code,
        2
    );
    assert_eq!(
        onus(&["test", "policies/azure.onus", "--threshold", "nan"], b"").code,
        2
    );
    assert_eq!(
        onus(&["test", "policies/azure.onus", "--threshold", "101"], b"").code,
        2
    );
    assert_eq!(
        onus(&["diff", "azure", "--from", "model=iaas"], b"").code,
        2
    );
}

#[test]
fn a_conflict_names_each_party_once() {
    let dir = std::env::temp_dir().join(format!("onus-conflict-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.onus");
    std::fs::write(
        &path,
        "os: customer when iaas\nos: provider when iaas\nos: customer always\n",
    )
    .unwrap();
    let run = onus(
        &["eval", &path.to_string_lossy(), "--set", "model=iaas"],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("CONFLICT (customer vs provider)"),
        "{}",
        run.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
