//! Times one load (parse, resolve, compile) of a policy file:
//! `cargo run --release -p onus-bench --example load -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("a policy file");
    let text = std::fs::read_to_string(&path).expect("readable");
    let start = std::time::Instant::now();
    let policy = onus::load(&path, &text).expect("loads");
    let loaded = start.elapsed();
    let encode =
        |d: &onus::Decision| onus::render::decision_bytes(&policy, d, onus::DecisionFields::ALL);
    let compiled = onus::unstable::Compiled::new(&policy, &encode);
    let total = start.elapsed();
    println!(
        "{} rules: load {loaded:?}, load and compile {total:?}",
        policy.rules.len()
    );
    drop(compiled);
}
