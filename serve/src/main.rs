//! `onus-serve`: the Onus evaluation service and playground (`onus serve`
//! starts it). A thin layer on the library's public API, like the CLI:
//! every answer is what the CLI would print for the same input.
//!
//! It lives in its own workspace member so that the library and the `onus`
//! binary carry no async runtime or HTTP stack.

mod api;
mod listen;
mod page;
mod policies;

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;

/// Serve the Onus API and playground over HTTP.
#[derive(Debug, Parser)]
#[command(name = "onus serve", version)]
struct Args {
    /// The address to listen on: loopback unless `--allow-remote`. Port 0
    /// takes any free port; the address is printed once listening.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Listen on an address other machines can reach. The API has no
    /// authentication: anyone who can connect can evaluate, check and
    /// format with it, and read the loaded policies.
    #[arg(long)]
    allow_remote: bool,
    /// A policy to serve, by path or built-in name; repeat for more. Every
    /// built-in policy when none is given.
    #[arg(long = "policy", value_name = "FILE|NAME")]
    policies: Vec<String>,
    /// The largest request body, in bytes (a streamed batch's lines are
    /// limited one by one instead).
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_body: usize,
    /// The longest a request may take, in milliseconds (a streamed batch
    /// excepted).
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    timeout: u64,
    /// The most rules a policy sent in a request may have.
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    max_rules: usize,
    /// The most requests served at once (a streamed batch counts until
    /// its last record is sent); more are refused with 503.
    #[arg(long, default_value_t = 512, value_name = "N")]
    max_concurrent: usize,
    /// The most connections open at once; more are answered 503 and
    /// closed.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    max_connections: usize,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        eprintln!(
            "onus serve: {} is not a loopback address; the API has no authentication, so \
             listening there needs `--allow-remote`",
            args.listen
        );
        return std::process::ExitCode::from(2);
    }
    let specs = match args.policies.is_empty() {
        true => onus::BUILTINS.iter().map(|b| b.name.to_string()).collect(),
        false => args.policies.clone(),
    };
    let loaded = match policies::Policies::load(&specs) {
        Ok(loaded) => loaded,
        Err(reports) => {
            eprint!("{}", policies::reports_text(&reports));
            return std::process::ExitCode::from(2);
        }
    };
    let limits = api::Limits {
        max_body: args.max_body,
        timeout: std::time::Duration::from_millis(args.timeout),
        max_rules: args.max_rules,
        max_concurrent: args.max_concurrent,
        max_connections: args.max_connections,
        allow_remote: args.allow_remote,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("onus serve: cannot start: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let state = Arc::new(api::State::new(specs, loaded, limits));
    let served = runtime.block_on(api::serve(args.listen, state));
    // Work still running past its time is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    listen::log(&serde_json::json!({"event": "stopped"}));
    listen::flush_log();
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("onus serve: {error}");
            std::process::ExitCode::from(2)
        }
    }
}
