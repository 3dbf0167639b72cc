//! Writes the scale policy to stdout: `cargo run -p onus-bench --example scale`.
fn main() {
    print!("{}", onus_bench::scale_policy(16, 8, 500, 50, 1));
}
