//! The I/O-only program of the batch benchmark from the command line, to
//! set beside `onus eval azure --batch FILE`:
//! `cargo run --release -p onus-bench --example io_only -- FILE > out`.
fn main() {
    let path = std::env::args().nth(1).expect("an NDJSON file");
    let azure = onus::builtin("azure").unwrap();
    let policy = onus::load(azure.name, azure.text).unwrap();
    let io_only = onus_bench::IoOnly::new(&policy);
    let input = std::io::BufReader::new(std::fs::File::open(path).expect("readable"));
    io_only
        .run(input, std::io::stdout().lock())
        .expect("stdout is writable");
}
