//! Writes the scale policy to stdout: `cargo run -p onus-bench --example scale`.
fn main() {
    print!(
        "{}",
        onus_bench::scale_policy(
            16,
            8,
            std::env::args().nth(1).map_or(500, |n| n.parse().unwrap()),
            50,
            1
        )
    );
}
