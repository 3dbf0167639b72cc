//! Printing a command's output: results to stdout, diagnostics to stderr
//! (in colour on a terminal), and the exit code.

use std::io::{IsTerminal, Write};

use onus::command::{self, Output};
use onus::render::{self, Colour};
use onus::Report;

/// Prints a command's output, then its problems; returns the exit code.
/// A closed stdout (`onus ... | head -1`) ends the output quietly, but the
/// exit code is still the command's.
pub(super) fn finish(output: Output) -> u8 {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(output.text.as_bytes());
    match written.and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            // A full disk must not pass for success: nothing reached the reader.
            to_stderr(&[command::unwritable_output(&error)]);
            return 2;
        }
        _ => {}
    }
    to_stderr(&output.problems);
    output.exit_code()
}

/// Writes reports to stderr; a closed stderr leaves nobody to tell.
pub(super) fn to_stderr(reports: &[Report]) {
    let colour = Colour::when(std::io::stderr().is_terminal());
    let text: String = reports
        .iter()
        .map(|report| render::diagnostics_text(report, colour))
        .collect();
    let _ = std::io::stderr().write_all(text.as_bytes());
}
