//! `onus-lsp`: the Onus language server over stdio (`onus lsp` starts it).
//! A thin layer on the library's public API: every answer is what the CLI
//! would say (`check`'s diagnostics, `fmt`'s layout, the matrix).
//!
//! It lives in its own workspace member so that the library and the `onus`
//! binary do not carry an LSP framework.

mod analysis;
mod complete;
mod names;
mod server;
mod workspace;

fn main() {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let result = server::run(&connection);
    drop(connection);
    let joined = io_threads.join();
    if let Err(error) = result.and(joined.map_err(|e| e.to_string())) {
        eprintln!("onus-lsp: {error}");
        std::process::exit(1);
    }
}
