//! `onus lsp` and `onus serve`: front ends that live in their own
//! binaries, so that `onus` carries no LSP framework or async runtime,
//! found and run with this process's standard streams.

use std::io::Write;

use onus::command::{self, Output};

use super::Failure;

/// A front end that lives in its own binary, so that `onus` carries no
/// LSP framework or async runtime.
#[derive(Clone, Copy)]
pub(super) enum Companion {
    LanguageServer,
    Service,
}

impl Companion {
    /// Its binary's name, and the variable that names another binary.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Companion::LanguageServer => ("onus-lsp", "ONUS_LSP"),
            Companion::Service => ("onus-serve", "ONUS_SERVE"),
        }
    }
}

/// Runs a companion binary with this process's stdio: the one its variable
/// names, else the one beside `onus`, else one on the `PATH`. Run from a
/// source tree by `cargo run`, which builds only `onus`, it is built first
/// (into the same target folder), so `cargo run -- serve` works from a
/// fresh clone. Exit 0 if it exits 0, else 2.
pub(super) fn companion(which: Companion, options: &[String]) -> Result<Output, Failure> {
    let (binary, variable) = which.names();
    let file = format!("{binary}{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe().ok();
    let beside = exe
        .as_ref()
        .and_then(|e| e.parent())
        .map(|dir| dir.join(&file));
    let program = match (std::env::var_os(variable), &beside) {
        (Some(path), _) => std::path::PathBuf::from(path),
        (None, Some(beside)) if beside.is_file() => beside.clone(),
        (None, Some(beside)) if build_beside(binary, exe.as_deref()) && beside.is_file() => {
            beside.clone()
        }
        _ => binary.into(),
    };
    match std::process::Command::new(&program).args(options).status() {
        Ok(status) => Ok(Output {
            outcome: match status.code() {
                Some(0) => command::Outcome::Clean,
                _ => command::Outcome::BadInput,
            },
            ..Output::default()
        }),
        Err(error) => Err(Failure::Input(command::missing_companion(
            binary,
            variable,
            &program.to_string_lossy(),
            &error,
        ))),
    }
}

/// Under `cargo run` in the source tree (cargo sets `CARGO` and
/// `CARGO_MANIFEST_DIR`), builds the companion `package` with the profile
/// `onus` was built with; whether that worked. Cargo's progress goes to
/// stderr.
fn build_beside(package: &str, exe: Option<&std::path::Path>) -> bool {
    let (Some(cargo), Some(manifest_dir), Some(exe)) = (
        std::env::var_os("CARGO"),
        std::env::var_os("CARGO_MANIFEST_DIR"),
        exe,
    ) else {
        return false;
    };
    let manifest = std::path::Path::new(&manifest_dir).join("Cargo.toml");
    let release = exe.parent().and_then(|d| d.file_name()) == Some("release".as_ref());
    let mut build = std::process::Command::new(cargo);
    build
        .args(["build", "--package", package, "--manifest-path"])
        .arg(manifest);
    if release {
        build.arg("--release");
    }
    let _ = writeln!(
        std::io::stderr(),
        "onus: building {package}, which `cargo run` does not build"
    );
    build.stdout(std::process::Stdio::null());
    build.status().is_ok_and(|s| s.success())
}
