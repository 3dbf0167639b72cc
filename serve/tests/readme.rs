//! The README's `curl` examples, run as written against a running service
//! (its address in place of the default port's): each succeeds and
//! answers.

mod common;

use common::Server;

#[test]
fn the_readmes_curl_examples_work() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## The evaluation service").unwrap()..];
    let section = &section[..section[3..].find("\n## ").unwrap()];
    let commands: Vec<&str> = (section.lines())
        .filter(|l| l.starts_with("curl ") || l.starts_with("printf "))
        .collect();
    assert!(commands.len() >= 8, "{commands:?}");
    let server = Server::start(&[]);
    for command in commands {
        // -f: an HTTP error fails the command.
        let run = command
            .replace("http://127.0.0.1:8787", &server.base)
            .replace("curl -s ", "curl -sSf ");
        let out = std::process::Command::new("bash")
            .args(["-o", "pipefail", "-c", &run])
            .output()
            .expect("bash and curl run");
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "{command}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
