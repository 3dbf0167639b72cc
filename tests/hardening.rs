//! Inputs an independent review found mishandled, kept as regressions.

mod common;

use common::{onus, Scratch};

/// `(d0 is a0 and d28 is a28) or (d1 is a1 and d29 is a29) or ...`: each
/// term pairs dimensions declared far apart, so the diagram doubles with
/// every term. Only that rule's questions are left open: the conflict and
/// the dead rule beside it are still reported, and `diff` refuses with the
/// same code.
#[test]
fn exponential_conditions_end_with_analysis_limit() {
    let n = 28;
    let mut text: String = (0..2 * n)
        .map(|i| format!("dimension d{i}: a{i}, b{i}\n"))
        .collect();
    let terms: Vec<String> = (0..n)
        .map(|i| format!("(d{i} is a{i} and d{} is a{})", i + n, i + n))
        .collect();
    text.push_str(&format!(
        "x: customer unless {}\nx: provider always\ny: provider when d0 is a0\ny: customer when d1 is a1\ny: shared when d0 is a0 and d0 is b0\n",
        terms.join(" or ")
    ));
    let scratch = Scratch::new("blow");
    let path = scratch.file("blow.onus", text);
    let run = onus(&["check", &path, "--format", "json"], b"");
    assert_eq!(run.code, 1);
    let parsed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found: Vec<(&str, u64)> = parsed["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    let first_rule = 2 * n as u64 + 1;
    assert_eq!(
        found,
        [
            ("analysis-limit", first_rule),
            ("analysis-limit", first_rule + 1),
            ("conflict", first_rule + 3),
            ("dead-rule", first_rule + 4),
        ],
        "{}",
        run.stdout
    );
    let diff = onus(&["diff", &path, &path], b"");
    assert_eq!(diff.code, 2);
    assert!(
        diff.stderr.contains("error[analysis-limit]"),
        "{}",
        diff.stderr
    );
}

#[test]
fn rule_text_stops_before_the_spaces_of_a_comment() {
    let scratch = Scratch::new("text");
    let path = scratch.file("p.onus", "data: customer when iaas     # why\n");
    let run = onus(
        &["eval", &path, "--set", "model=iaas", "--format", "json"],
        b"",
    );
    assert!(
        run.stdout
            .contains("\"text\": \"data: customer when iaas\""),
        "{}",
        run.stdout
    );
}

#[test]
fn a_byte_order_mark_on_the_first_batch_line_is_accepted() {
    let run = onus(
        &["eval", "azure", "--batch"],
        b"\xEF\xBB\xBF{\"model\":\"iaas\"}\n",
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// `tests for` names a `.onus` file beside the test file, or a built-in
/// policy: never a file found from wherever onus runs, nor one elsewhere.
#[test]
fn tests_for_names_a_policy_beside_the_test_file_or_a_built_in() {
    let scratch = Scratch::new("beside");
    let dir = scratch.0.clone();
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let run_test = |test_file: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
            .args(["test", test_file])
            .current_dir(&dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code().unwrap(), stdout + &stderr)
    };
    let customer_test = "test \"x\" { model: iaas } expect { data: customer }\n";
    // Files named like the built-in, where onus runs and beside the test
    // file, are not taken for it: a name without `.onus` is a built-in.
    std::fs::write(dir.join("azure"), "data: provider always\n").unwrap();
    std::fs::write(sub.join("azure"), "data: provider always\n").unwrap();
    let test_file = format!("tests for \"azure\"\n{customer_test}");
    std::fs::write(sub.join("t.onus"), test_file).unwrap();
    let (code, output) = run_test("sub/t.onus");
    assert_eq!(code, 0, "{output}");
    // A `.onus` name is the file beside the test file.
    std::fs::write(sub.join("mine.onus"), "data: provider always\n").unwrap();
    let test_file = format!("tests for \"mine.onus\"\n{customer_test}");
    std::fs::write(sub.join("t.onus"), test_file).unwrap();
    let (code, output) = run_test("sub/t.onus");
    assert_eq!(code, 1, "the file beside the test file: {output}");
}

/// A test file cannot make onus read, or show a line of, a file outside its
/// folder or one that is not a policy: absolute paths, `..`, other names
/// and symbolic links out of the folder are refused before reading.
#[test]
fn tests_for_cannot_reach_outside_the_test_files_folder() {
    let scratch = Scratch::new("confined");
    let dir = scratch.0.clone();
    let inner = dir.join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    let secret = "SECRET first line: data: provider always\n";
    std::fs::write(dir.join("outside.onus"), secret).unwrap();
    std::fs::write(inner.join("notes.txt"), secret).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("outside.onus"), inner.join("link.onus")).unwrap();
    let absolute = dir.join("outside.onus").display().to_string();
    let mut targets = vec![
        (
            absolute.as_str(),
            "is not a file name in the test file's folder",
        ),
        (
            "../outside.onus",
            "is not a file name in the test file's folder",
        ),
        ("/etc/passwd", "names neither a policy file"),
        ("notes.txt", "names neither a policy file"),
        ("./x.onus", "is not a file name in the test file's folder"),
    ];
    if cfg!(unix) {
        targets.push(("link.onus", "leads outside the test file's folder"));
    }
    for (target, why) in targets {
        let test_file = format!("tests for \"{target}\"\ntest \"x\" {{ }} expect {{ }}\n");
        std::fs::write(inner.join("t.onus"), &test_file).unwrap();
        let path = inner.join("t.onus").display().to_string();
        let run = onus(&["test", &path], b"");
        assert_eq!(run.code, 2, "{target}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[unknown-policy]"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(why), "{target}: {}", run.stderr);
        assert!(run.stderr.contains(":1:11"), "located: {}", run.stderr);
        assert!(!run.stderr.contains("SECRET"), "{target}: {}", run.stderr);
        assert!(!run.stderr.contains("root:"), "{target}: {}", run.stderr);
    }
}

#[cfg(unix)]
#[test]
fn fmt_rewrites_the_target_of_a_symbolic_link() {
    let scratch = Scratch::new("link");
    let dir = scratch.0.clone();
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
}

#[test]
fn markdown_cells_escape_pipes_and_angle_brackets() {
    let scratch = Scratch::new("md");
    let path = scratch.file("p.onus", "zone data \"a | <b>\"\ndata: customer always\n");
    let run = onus(&["matrix", &path, "--format", "markdown"], b"");
    assert!(run.stdout.contains("a \\| &lt;b&gt;"), "{}", run.stdout);
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
    let scratch = Scratch::new("conflict");
    let path = scratch.file(
        "p.onus",
        "os: customer when iaas\nos: provider when iaas\nos: customer always\n",
    );
    let run = onus(&["eval", &path, "--set", "model=iaas"], b"");
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("CONFLICT (customer vs provider)"),
        "{}",
        run.stdout
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_not_a_success() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .args([
            "check",
            "tests/fixtures/check/conflict.onus",
            "--format",
            "sarif",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[test]
fn both_batch_readers_keep_any_id_as_written() {
    // The second line of each pair has an escape, which takes the general reader.
    let input = concat!(
        "{\"model\":\"iaas\",\"id\":null}\n",
        "{\"model\":\"ia\\u0061s\",\"id\":null}\n",
        "{\"id\":[1, {\"a\" : \"\\u00e9\"}],\"model\":\"iaas\"}\n",
        "{\"id\":[1, {\"a\" : \"\\u00e9\"}],\"model\":\"ia\\u0061s\"}\n",
        "{\"id\":1e400,\"model\":\"iaas\"}\n",
        "{\"id\":1e400,\"model\":\"ia\\u0061s\"}\n",
    );
    let run = onus(&["eval", "azure", "--batch"], input.as_bytes());
    assert_eq!(run.code, 2, "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let rest = |l: &str| l.split_once(',').unwrap().1.to_string();
    assert_eq!(rest(lines[0]), rest(lines[1]));
    assert_eq!(rest(lines[2]), rest(lines[3]));
    assert_eq!(rest(lines[4]), rest(lines[5]));
    assert!(lines[0].contains("\"id\":null"));
    assert!(lines[2].contains("\"id\":[1, {\"a\" : \"\\u00e9\"}]"));
    // An id a strict reader would refuse is refused by both readers alike.
    assert!(lines[4].contains("\"errors\""), "{}", lines[4]);
    assert!(!lines[4].contains("1e400"), "{}", lines[4]);
}

/// A client that writes a scenario and waits for its answer before writing
/// the next gets each answer while stdin stays open, whatever the jobs.
#[test]
fn batch_answers_each_line_as_it_arrives() {
    use std::io::{BufRead, BufReader, Write};
    for jobs in ["1", "2"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
            .args(["eval", "azure", "--batch", "-", "--jobs", jobs])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let (lines, answers) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let _ = lines.send(line.unwrap());
            }
        });
        for (i, model) in ["iaas", "paas", "saas"].into_iter().enumerate() {
            writeln!(stdin, "{{\"model\": \"{model}\"}}").unwrap();
            stdin.flush().unwrap();
            // With the input still open, the answer must already come back.
            // Not a timing: a bound so that a batch that waits for more
            // input fails the test instead of hanging it.
            let line = answers
                .recv_timeout(std::time::Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("--jobs {jobs}: no answer to line {}", i + 1));
            assert!(line.starts_with(&format!("{{\"line\":{}", i + 1)), "{line}");
            assert!(line.contains(&format!("\"model\":\"{model}\"")), "{line}");
        }
        drop(stdin);
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
}

#[test]
fn more_argument_checks() {
    assert_eq!(
        onus(&["eval", "azure", "--batch", "--jobs", "0"], b"").code,
        2
    );
    assert_eq!(
        onus(&["eval", "azure", "--batch", "--jobs", "4000000000"], b"").code,
        2
    );
    assert_eq!(
        onus(&["diff", "azure", "azure-2026", "--set", "bogus=1"], b"").code,
        2
    );
}

#[test]
fn sarif_paths_are_uris_and_columns_are_code_points() {
    let scratch = Scratch::new("sarif");
    let path = scratch.file("my #1.onus", "\"\u{1F600}\": custmer always\n");
    let run = onus(&["check", &path, "--format", "sarif"], b"");
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let run0 = &log["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let location = &run0["results"][0]["locations"][0]["physicalLocation"];
    assert!(location["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("my%20%231.onus"));
    assert_eq!(location["region"]["startColumn"], 6);
}

#[test]
fn markdown_escapes_ampersands() {
    let scratch = Scratch::new("amp");
    let path = scratch.file("p.onus", "zone data \"a &lt; b\"\ndata: customer always\n");
    let run = onus(&["matrix", &path, "--format", "markdown"], b"");
    assert!(run.stdout.contains("a &amp;lt; b"), "{}", run.stdout);
}

/// Found by the batch fuzz target: only JSON's whitespace makes a line
/// blank; a form feed makes it a (bad) record.
#[test]
fn a_form_feed_line_is_a_record() {
    let run = onus(
        &["eval", "azure", "--batch"],
        b"{\"model\":\"iaas\"}\n\x0c\n \t\r\n",
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "onus: 2 records, 1 error, 0 conflicts\n");
}

/// The most dimensions the analysis can encode, and one more: no panic
/// (the decision-diagram crate takes at most 65,533 variables). Past the
/// limit every question is undecided, and says so.
#[test]
fn the_widest_policies_are_undecided_not_a_crash() {
    for dimensions in [65_533, 65_534] {
        let mut text: String = (0..dimensions)
            .map(|i| format!("dimension d{i}: a{i}, b{i}\n"))
            .collect();
        text.push_str("x: provider when d0 is a0\n");
        let scratch = Scratch::new("wide");
        let path = scratch.file("wide.onus", text);
        let run = onus(&["check", &path, "--format", "json"], b"");
        let parsed: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|_| panic!("{dimensions}: {}", run.stderr));
        let codes: Vec<&str> = parsed["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        // One variable each: 65,533 fit, 65,534 do not.
        let expected: &[&str] = if dimensions == 65_533 {
            &[]
        } else {
            &["analysis-limit"]
        };
        assert_eq!(codes, expected, "{dimensions} dimensions");
    }
}

/// A policy whose dimensions all have one value still has a matrix (over
/// its first dimension), and `--over` is blamed only when it was given.
#[test]
fn a_matrix_of_single_valued_dimensions_needs_no_over() {
    let scratch = Scratch::new("single");
    let path = scratch.file("p.onus", "dimension cloud: azure\nx: customer always\n");
    let run = onus(&["matrix", &path], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("azure"), "{}", run.stdout);
}

/// Settings given with `--from` are named so in their errors.
#[test]
fn setting_errors_name_their_flag() {
    let run = onus(
        &[
            "diff",
            "--from",
            "model=iaas model=paas",
            "--to",
            "model=paas",
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`--from` takes `dimension=value`"),
        "{}",
        run.stderr
    );
}

/// Without a policy argument the built-in `azure` is used, even where the
/// working folder holds a folder or file called `azure`.
#[test]
fn the_default_policy_is_the_built_in_one() {
    let scratch = Scratch::new("default-policy");
    std::fs::create_dir_all(scratch.0.join("azure")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["eval", "--set", "model=iaas"])
        .current_dir(&scratch.0)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("customer"), "{stdout}");
}

/// A batch that cannot write its output says so, with the output's code.
#[cfg(target_os = "linux")]
#[test]
fn a_batch_to_a_full_disk_is_an_output_error() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["eval", "azure", "--batch"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all("{\"model\": \"iaas\"}\n".repeat(1000).as_bytes());
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("error[unwritable-output]"), "{stderr}");
}

/// Terminal escapes in user text (a scenario value, a setting, a comment,
/// an argument clap refuses, a file name) are shown escaped, never sent to
/// the terminal: no ESC, NUL, C1 control or bidirectional override reaches
/// stdout or stderr raw.
#[test]
fn control_characters_never_reach_the_terminal() {
    let raw = |text: &str| {
        text.chars().any(|c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
    };
    let scratch = Scratch::new("escapes");
    let commented = scratch.file(
        "commented.onus",
        "data: customer always\nhost: provider when paas # \u{1b}[2J\u{1b}[31mred \u{9b}31m\nhost: customer unless saas\n",
    );
    let escaped_name = scratch.file("\u{1b}[31mname.onus", "data:   customer always\n");
    let runs = [
        (
            vec!["eval", "azure", "--set", "model=\u{1b}[31mX"],
            Vec::new(),
        ),
        (
            vec!["eval", "azure", "-"],
            br#"{"model": "\u001b[31mX\u0000\u009b"}"#.to_vec(),
        ),
        (
            vec!["eval", "azure", "--set", "model=\u{202e}saas"],
            Vec::new(),
        ),
        (vec!["check", commented.as_str()], Vec::new()),
        (vec!["eval", "--format", "\u{9b}31m"], Vec::new()),
        (vec!["fmt", escaped_name.as_str()], Vec::new()),
        (
            vec!["eval", "\u{1b}[31mmissing.onus", "--set", "model=iaas"],
            Vec::new(),
        ),
        (
            vec!["matrix", escaped_name.as_str(), "--format", "markdown"],
            Vec::new(),
        ),
        (
            vec!["eval", "azure", "--batch"],
            "{\"model\": \"\u{9b}31m\\u009b\"}\n".as_bytes().to_vec(),
        ),
        (
            vec!["eval", "azure", "--batch"],
            "{\"model\": \"iaas\", \"id\": \"\u{202e}x\"}\n"
                .as_bytes()
                .to_vec(),
        ),
    ];
    for (args, stdin) in runs {
        let run = onus(&args, &stdin);
        assert!(
            run.code != 0 || ["fmt", "matrix"].contains(&args[0]),
            "{args:?}"
        );
        let shown = format!("{}{}", run.stdout, run.stderr);
        assert!(!raw(&shown), "{args:?} printed a raw control: {shown:?}");
        let escapes = ["\\u{1b}", "\\u{9b}", "\\u{202e}", "\\u009b", "\\u202e"];
        assert!(
            escapes.iter().any(|e| shown.contains(e)),
            "{args:?} shows the escape: {shown}"
        );
    }
}

/// A reader that goes away (`onus ... | head -1`) ends the output early
/// and quietly, but never turns a failure into success: the exit code is
/// still that of what had been evaluated.
#[test]
fn a_closed_stdout_keeps_the_exit_code() {
    let scratch = Scratch::new("closed");
    let conflicting = scratch.file(
        "conflict.onus",
        "dimension model: iaas, paas\nx: provider when paas\nx: customer always\n",
    );
    let closed_stdout_run = |args: &[&str], stdin: &[u8]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before any output
        let mut input = child.stdin.take().unwrap();
        let _ = std::io::Write::write_all(&mut input, stdin);
        drop(input);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        (output.status.code().unwrap(), stderr)
    };
    // Far more output than a pipe holds (about 300 KB): a child another test
    // forks at the same moment holds a copy of the pipe's read end until it
    // runs its program, and a write that falls in that window succeeds. The
    // writes after the pipe fills find the reader gone.
    let lines = |first: &str| format!("{first}\n{}", "{\"model\": \"iaas\"}\n".repeat(2000));
    for (first, code) in [
        ("{\"model\": \"saas\"}", 2),
        ("{\"model\": \"paas\"}", 1),
        ("{\"model\": \"iaas\"}", 0),
    ] {
        let args = ["eval", conflicting.as_str(), "--batch"];
        let (exit, stderr) = closed_stdout_run(&args, lines(first).as_bytes());
        assert_eq!(exit, code, "{first}: {stderr}");
        assert!(stderr.contains("(output closed early)"), "{stderr}");
    }
    let (exit, stderr) = closed_stdout_run(&["matrix", conflicting.as_str()], b"");
    assert_eq!(exit, 1, "a conflict in the matrix: {stderr}");
    assert!(stderr.is_empty(), "quietly: {stderr}");
    let (exit, _) = closed_stdout_run(&["check", conflicting.as_str()], b"");
    assert_eq!(exit, 1, "check's finding");
}

/// A dimension is given once: a repeated `--set` is refused like a
/// duplicate JSON field, and in `diff` a dimension `--set` shares cannot
/// also be set by `--from` or `--to` (one would silently win).
#[test]
fn settings_are_given_once() {
    let run = onus(
        &[
            "eval",
            "azure",
            "--set",
            "model=iaas",
            "--set",
            "model=paas",
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error[duplicate-field]: `--set` sets `model` twice"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--set:1:12"), "{}", run.stderr);
    let run = onus(
        &[
            "diff",
            "--from",
            "model=iaas",
            "--from",
            "model=paas",
            "--to",
            "model=saas",
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`--from` sets `model` twice"),
        "{}",
        run.stderr
    );
    let scratch = Scratch::new("given-once");
    let policy = scratch.file(
        "two.onus",
        "dimension model: iaas, paas\ndimension tier: gold, silver\nx: provider when paas\n",
    );
    for (flag, from, to) in [
        ("--from", "tier=silver", "model=paas"),
        ("--to", "model=iaas", "tier=silver"),
    ] {
        let args = [
            "diff",
            &policy,
            "--set",
            "tier=gold",
            "--from",
            from,
            "--to",
            to,
        ];
        let run = onus(&args, b"");
        assert_eq!(run.code, 2, "{args:?}");
        let expected =
            format!("error[invalid-setting]: `tier` is set by both `--set` and `{flag}`");
        assert!(run.stderr.starts_with(&expected), "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("{flag}:1:1")),
            "{}",
            run.stderr
        );
    }
    // Shared and moving dimensions apart: accepted.
    let args = [
        "diff",
        &policy,
        "--set",
        "tier=gold",
        "--from",
        "model=iaas",
        "--to",
        "model=paas",
    ];
    let run = onus(&args, b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// Whether `text` is JSON a strict reader takes as it is meant (RFC 8259
/// and I-JSON, RFC 7493): it parses, no object has a key twice, every
/// string is valid Unicode, every integer is one a double holds exactly.
fn strict_json(text: &str) -> Result<(), String> {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Strict;
    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
            d.deserialize_any(Strict)
        }
    }
    impl<'de> Visitor<'de> for Strict {
        type Value = Strict;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
            Ok(Strict)
        }
        fn visit_unit<E>(self) -> Result<Strict, E> {
            Ok(Strict)
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Strict, E> {
            match n.unsigned_abs() < 1 << 53 {
                true => Ok(Strict),
                false => Err(E::custom("inexact integer")),
            }
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Strict, E> {
            match n < 1 << 53 {
                true => Ok(Strict),
                false => Err(E::custom("inexact integer")),
            }
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Strict, E> {
            match n.is_finite() && (n.fract() != 0.0 || n.abs() < 2f64.powi(53)) {
                true => Ok(Strict),
                false => Err(E::custom("inexact number")),
            }
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Strict, E> {
            let noncharacter = |c: char| {
                (0xFDD0..=0xFDEF).contains(&u32::from(c)) || u32::from(c) % 0x10000 >= 0xFFFE
            };
            match text.chars().any(noncharacter) {
                true => Err(E::custom("a noncharacter")),
                false => Ok(Strict),
            }
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
            while seq.next_element::<Strict>()?.is_some() {}
            Ok(Strict)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
            let mut keys = std::collections::BTreeSet::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<Strict>()?;
                if !keys.insert(key) {
                    return Err(serde::de::Error::custom("a key twice"));
                }
            }
            Ok(Strict)
        }
    }
    serde_json::from_str::<Strict>(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Every record a batch writes, and every `eval` JSON document, is JSON a
/// strict reader takes as meant, whatever id the input carries: an id that
/// could not be echoed so is refused with a located error, never echoed.
#[test]
fn ids_are_echoed_only_as_strict_json() {
    let echoed = [
        "\"vm-1\"",
        "\"caf\\u00e9 \\ud83d\\ude00\"",
        "9007199254740991",
        "-9007199254740991",
        "0",
        "null",
        "true",
        "[1, \"a\", {\"k\": [false]}]",
        "{\"account\": \"a\", \"region\": \"eu\"}",
        "1.5",
        "2e3",
        "-0.25e-3",
    ];
    let refused = [
        "1e400",
        "\"\\ud800\"",
        "\"x\\udc00y\"",
        "9007199254740992",
        "-9007199254740992",
        "123456789012345678901234567890",
        "1e300",
        "\"\\uffff\"",
        "\"\u{fdd0}\"",
        "{\"a\": 1, \"a\": 2}",
        "[{\"b\": 1, \"b\": 1}]",
        "[\"\\ud800\"]",
    ];
    let line = |id: &str| format!("{{\"model\": \"iaas\", \"id\": {id}}}\n");
    let input: String = echoed.iter().chain(&refused).map(|id| line(id)).collect();
    for jobs in ["1", "2"] {
        let run = onus(
            &["eval", "azure", "--batch", "--jobs", jobs],
            input.as_bytes(),
        );
        assert_eq!(run.code, 2);
        let records: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(records.len(), echoed.len() + refused.len());
        for (record, id) in records.iter().zip(echoed.iter().chain(&refused)) {
            strict_json(record).unwrap_or_else(|e| panic!("{e}: {record}"));
            let echoes = record.contains(&format!("\"id\":{id}"));
            assert_eq!(echoes, echoed.contains(id), "{id}: {record}");
            if refused.contains(id) {
                assert!(record.contains("`id` cannot be echoed"), "{record}");
            }
        }
    }
    let scratch = Scratch::new("ids");
    for id in echoed {
        let file = scratch.file("s.json", line(id));
        let run = onus(&["eval", "azure", &file, "--format", "json"], b"");
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        strict_json(&run.stdout).unwrap();
        assert!(
            run.stdout.contains(&format!("\"id\": {id}")) || id.contains(' '),
            "{id}"
        );
    }
    for id in refused {
        let file = scratch.file("s.json", line(id));
        let run = onus(&["eval", "azure", &file], b"");
        assert_eq!(run.code, 2, "{id}");
        assert!(
            run.stderr.contains("`id` cannot be echoed"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("s.json:1:"), "located: {}", run.stderr);
    }
}

/// A policy whose dimensions each have one value has one scenario: `eval`
/// needs no scenario argument for it.
#[test]
fn a_policy_with_one_scenario_needs_no_scenario_argument() {
    let scratch = Scratch::new("one-scenario");
    let policy = scratch.file(
        "one.onus",
        "dimension cloud: azure\ndata: customer always\n",
    );
    let run = onus(&["eval", &policy, "--format", "json"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"cloud\": \"azure\""),
        "{}",
        run.stdout
    );
    let run = onus(&["eval", "azure"], b"");
    assert_eq!(run.code, 2, "azure has four scenarios");
    assert!(run.stderr.contains("missing-scenario"), "{}", run.stderr);
}

/// `onus lsp` hands its stdio to the language server binary and returns
/// its exit code; a server that cannot start is a clear error.
#[test]
fn onus_lsp_runs_the_server_with_its_stdio() {
    let run = |server: &str, stdin: &[u8]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
            .arg("lsp")
            .env("ONUS_LSP", server)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    };
    // `cat` stands in for a server: what goes in comes out.
    let echoed = run("cat", b"Content-Length: 2\r\n\r\n{}");
    assert_eq!(echoed.status.code(), Some(0));
    assert_eq!(echoed.stdout, b"Content-Length: 2\r\n\r\n{}");
    let missing = run("/no/such/onus-lsp", b"");
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("cannot start `/no/such/onus-lsp`") && stderr.contains("ONUS_LSP"),
        "{stderr}"
    );
}

/// `onus serve` passes its options to the service's binary as they are,
/// `--help` included.
#[test]
fn onus_serve_passes_its_options_on() {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["serve", "--listen", "127.0.0.1:0", "--help"])
        .env("ONUS_SERVE", "echo")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(run.stdout, b"--listen 127.0.0.1:0 --help\n");
}
