//! Writes the scaling family of `bench/scaling.sh` into a folder:
//! `cargo run --release -p onus-bench --example family -- DIR RULES ZONES`.
//!
//! `policy.onus`: two dimensions `a` and `b` of 50 values each and RULES
//! rules over ZONES zones, each rule one cell (`a is aI and b is bJ`), no
//! two rules of a zone on the same cell: no conflict, no redundant rule.
//! `changed.onus`: the same with every hundredth rule's party changed, for
//! `diff`. `policy.tests.onus`: ten tests, each expecting every zone.
//! `scenarios.ndjson`: 1,000 scenarios.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, rules, zones] = &args[..] else {
        panic!("usage: family DIR RULES ZONES");
    };
    let (rules, zones): (usize, usize) = (rules.parse().unwrap(), zones.parse().unwrap());
    let dir = std::path::Path::new(dir);
    std::fs::create_dir_all(dir).unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    write(
        "policy.onus",
        onus_bench::family_policy(rules, zones, false),
    );
    write(
        "changed.onus",
        onus_bench::family_policy(rules, zones, true),
    );
    write("policy.tests.onus", onus_bench::family_tests(rules, zones));
    write("scenarios.ndjson", onus_bench::family_scenarios(1000));
}
