//! The `onus` binary: runs the command line and exits with its code.

mod cli;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cli::run(std::env::args_os()))
}
