//! Generates the built-in `azure-baselines` policy from Microsoft's security
//! baseline workbooks:
//!
//! ```sh
//! cargo run --example azure-baselines -- policies/catalogs/azure-security-baselines/v3 > policies/azure-baselines.onus
//! ```
//!
//! The folder's parent holds `SOURCE`, the repository, commit, path,
//! version and licence the header cites.

mod generate;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

/// A message on stderr (a generator's only output besides the policy).
fn complain(message: &str) {
    let _ = writeln!(std::io::stderr(), "azure-baselines: {message}");
}

fn main() -> ExitCode {
    let Some(folder) = std::env::args().nth(1) else {
        complain("usage: azure-baselines <folder of workbooks>");
        return ExitCode::from(2);
    };
    let folder = Path::new(&folder);
    let source = folder.parent().unwrap_or(Path::new(".")).join("SOURCE");
    let text = std::fs::read_to_string(&source)
        .map_err(|e| format!("{}: {e}", source.display()))
        .and_then(|source| generate::generate(&generate::read_folder(folder)?, &source));
    match text {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    complain(&e.to_string());
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            complain(&e);
            ExitCode::from(2)
        }
    }
}
