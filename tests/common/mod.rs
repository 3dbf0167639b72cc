//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod generate;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What a run of the `onus` binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `onus` with `args` from the crate root, feeding `stdin`.
pub fn onus(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the onus binary runs");
    // Feed stdin from another thread, so a child that writes much output
    // before reading all its input cannot deadlock against us.
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("onus finishes");
    feeder.join().expect("the feeder thread finishes");
    Run {
        code: output.status.code().expect("onus exits with a code"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A fixture's path relative to the crate root, with `/` separators.
pub fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .expect("fixtures live in the crate")
        .to_string_lossy()
        .replace('\\', "/")
}

/// The fixture's text, or a note that it is not UTF-8; control characters
/// (but line feed and tab) and bidirectional overrides escaped, so that a
/// snapshot shows them.
pub fn show(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("fixture is readable");
    let visible = |c: char| match c {
        '\n' | '\t' => c.to_string(),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => c.escape_unicode().to_string(),
        c if c.is_control() => c.escape_unicode().to_string(),
        c => c.to_string(),
    };
    match String::from_utf8(bytes) {
        Ok(text) => text.chars().map(visible).collect(),
        Err(e) => format!(
            "<{} bytes, not UTF-8: {:?}>",
            e.as_bytes().len(),
            e.as_bytes()
        ),
    }
}

/// Runs the command line an `.args` fixture holds; never a panic. Returns
/// the run and its transcript, for a snapshot.
#[allow(dead_code)]
pub fn run_args_file(path: &Path) -> (Run, String) {
    let line = std::fs::read_to_string(path).expect("fixture is readable");
    let args: Vec<&str> = line.split_whitespace().collect();
    let run = onus(&args, b"");
    assert!(
        !run.stderr.contains("panicked"),
        "{}: {}",
        relative(path),
        run.stderr
    );
    let shown = transcript(&args, &line, &run);
    (run, shown)
}

/// A snapshot body: the command, the input, the exit code and both streams.
pub fn transcript(args: &[&str], input: &str, run: &Run) -> String {
    let mut out = format!("$ onus {}\n", args.join(" "));
    out.push_str(&format!("--- input\n{input}"));
    if !input.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("--- exit code {}\n", run.code));
    if !run.stdout.is_empty() {
        out.push_str(&format!("--- stdout\n{}", run.stdout));
    }
    if !run.stderr.is_empty() {
        out.push_str(&format!("--- stderr\n{}", run.stderr));
    }
    out
}

/// A folder of one test's own, removed when dropped.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("onus-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
        Scratch(dir)
    }

    /// Writes `contents` to `name` in the folder; returns the file's path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("the temporary folder is writable");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
