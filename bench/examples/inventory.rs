//! Writes N generated NDJSON scenarios for `azure` to stdout:
//! `cargo run --release -p onus-bench --example inventory -- 1000000`.
use std::io::Write;

fn main() {
    let n = std::env::args()
        .nth(1)
        .map_or(1000, |n| n.parse().expect("a count"));
    let text = onus_bench::inventory(n, 7);
    std::io::stdout()
        .write_all(text.as_bytes())
        .expect("stdout is writable");
}
