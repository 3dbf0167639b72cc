//! The README's examples run: every `$ onus ...` line exits as documented,
//! and the error example is exactly what the binary prints.

mod common;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_command_in_the_readme_runs() {
    let readme = readme();
    let commands: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("$ onus "))
        .collect();
    assert!(commands.len() >= 4);
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().collect();
        let run = common::onus(&args, b"");
        let expected = if args[1].starts_with("tests/fixtures/errors/") {
            2
        } else if args[0] == "diff" || args[0] == "compare" {
            1 // the examples show real changes and disagreements
        } else {
            0
        };
        assert_eq!(run.code, expected, "onus {command}: {}", run.stderr);
    }
}

#[test]
fn the_error_example_is_real() {
    let readme = readme();
    let start = readme.find("$ onus eval tests/fixtures/errors/").unwrap();
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    let (command, shown) = block.split_once('\n').unwrap();
    let args: Vec<&str> = command
        .trim_start_matches("$ onus ")
        .split_whitespace()
        .collect();
    let run = common::onus(&args, b"");
    assert_eq!(run.stderr.trim_end(), shown.trim_end());
}

#[test]
fn the_json_example_matches_the_output() {
    let run = common::onus(&["eval", "--set", "model=iaas", "--format", "json"], b"");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let host = serde_json::to_string(&json["decisions"][10]).unwrap();
    let readme = readme();
    for field in [
        "\"zone\":\"virtualization host\"",
        "\"line\":90",
        "\"because\":\"In IaaS Microsoft secures the virtualization platform and updates the virtualization hosts [AZ500]\"",
    ] {
        assert!(host.contains(field), "{field} in {host}");
    }
    assert!(readme.contains("\"rules\": [{\"line\": 90, \"column\": 1,"));
}
