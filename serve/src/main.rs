//! `onus-serve`: the Onus evaluation service and playground (`onus serve`
//! starts it). A thin layer on the library's public API, like the CLI:
//! every answer is what the CLI would print for the same input.
//!
//! It lives in its own workspace member so that the library and the `onus`
//! binary carry no async runtime or HTTP stack.

mod api;
mod auth;
mod contract;
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
    /// Listen on an address other machines can reach. Without
    /// `--token-file`, anyone who can connect can evaluate, check and
    /// format with the API, and read the loaded policies: said at every
    /// start.
    #[arg(long)]
    allow_remote: bool,
    /// Require `Authorization: Bearer <token>` on every request but the page, the
    /// token one of this file's lines (blank lines and `#` comments
    /// skipped); others get 401.
    #[arg(long, value_name = "FILE")]
    token_file: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (with `--tls-key`).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<String>,
    /// The PEM private key of `--tls-cert`.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<String>,
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
            "onus serve: {} is not a loopback address; listening there needs \
             `--allow-remote` (and `--token-file` to require a token)",
            args.listen
        );
        return std::process::ExitCode::from(2);
    }
    let tokens = match args
        .token_file
        .as_deref()
        .map(auth::Tokens::read)
        .transpose()
    {
        Ok(tokens) => tokens,
        Err(message) => {
            eprintln!("onus serve: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    if args.allow_remote && tokens.is_none() {
        eprintln!(
            "onus serve: warning: remote listening with no authentication: anyone who can \
             connect to {} can use the API and read the policies; give `--token-file`",
            args.listen
        );
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match auth::tls(cert, key) {
            Ok(acceptor) => Some(acceptor),
            Err(message) => {
                eprintln!("onus serve: {message}");
                return std::process::ExitCode::from(2);
            }
        },
        _ => None,
    };
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
    let state = Arc::new(api::State::new(specs, loaded, limits, tokens));
    let served = runtime.block_on(api::serve(args.listen, state, tls));
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
