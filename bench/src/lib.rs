//! Generated policies for the benchmarks, the same on every run.

use std::io::Write as _;

/// A small deterministic generator (SplitMix64), so the inputs need no
/// random-number crate and never change between runs.
#[derive(Debug)]
pub struct Generator(u64);

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The scale case of `onus check`: `dimensions` dimensions of `values`
/// values each, `rules` rules over `zones` zones, each rule testing 2 to 4
/// dimensions with `in`, `is`, `is not`, `not`, `and` and `or`.
pub fn scale_policy(
    dimensions: usize,
    values: usize,
    rules: usize,
    zones: usize,
    seed: u64,
) -> String {
    let mut g = Generator::new(seed);
    let mut text = String::from("policy \"generated scale case\"\n");
    for d in 0..dimensions {
        let names: Vec<String> = (0..values).map(|v| format!("d{d}v{v}")).collect();
        text.push_str(&format!("dimension d{d}: {}\n", names.join(", ")));
    }
    for z in 0..zones {
        text.push_str(&format!("zone z{z}\n"));
    }
    let parties = ["customer", "provider", "shared"];
    for _ in 0..rules {
        let zone = g.below(zones);
        let party = parties[g.below(parties.len())];
        let tested = 2 + g.below(3);
        let mut dims: Vec<usize> = Vec::new();
        while dims.len() < tested {
            let d = g.below(dimensions);
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let atoms: Vec<String> = dims
            .iter()
            .map(|&d| match g.below(4) {
                0 => format!("d{d} is d{d}v{}", g.below(values)),
                1 => format!("d{d} is not d{d}v{}", g.below(values)),
                2 => {
                    let a = g.below(values);
                    let b = (a + 1 + g.below(values - 1)) % values;
                    format!("d{d} in [d{d}v{a}, d{d}v{b}]")
                }
                _ => format!("not d{d} is d{d}v{}", g.below(values)),
            })
            .collect();
        let mut condition = atoms[0].clone();
        for atom in &atoms[1..] {
            let op = if g.below(3) == 0 { "or" } else { "and" };
            condition = format!("({condition}) {op} {atom}");
        }
        text.push_str(&format!("z{zone}: {party} when {condition}\n"));
    }
    text
}

/// `n` NDJSON scenarios for the `azure` policy, each with an `id`.
pub fn inventory(n: usize, seed: u64) -> String {
    let models = ["on-prem", "iaas", "paas", "saas"];
    let mut g = Generator::new(seed);
    let mut text = String::with_capacity(n * 40);
    for i in 0..n {
        text.push_str(&format!(
            "{{\"id\":{i},\"model\":\"{}\"}}\n",
            models[g.below(4)]
        ));
    }
    text
}

/// `n` NDJSON resources of an AWS estate, one a line (`{"id", "type"}`):
/// types the built-in map gives a service, leaves open, or does not know.
pub fn estate_inventory(n: usize, seed: u64) -> String {
    let types = [
        "aws_instance",
        "aws_s3_bucket",
        "aws_db_instance",
        "aws_security_group",
        "AWS::Lambda::Function",
        "aws_lb",
        "aws_iam_role",
        "aws_neptune_cluster",
    ];
    let mut g = Generator::new(seed);
    let mut text = String::with_capacity(n * 48);
    for i in 0..n {
        let resource_type = types[g.below(types.len())];
        text.push_str(&format!(
            "{{\"id\":\"r-{i}\",\"type\":\"{resource_type}\"}}\n"
        ));
    }
    text
}

/// `name0, name1, ...`: the `n` values of a generated dimension.
fn values(name: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{name}{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The grid family of `onus check`: dimensions `a` and `b` of `n` values
/// and one rule `x: provider when a is aI and b is bJ` per cell: `n * n`
/// disjoint rules in one zone.
pub fn grid_policy(n: usize) -> String {
    let mut text = format!(
        "dimension a: {}\ndimension b: {}\n",
        values("a", n),
        values("b", n)
    );
    for i in 0..n {
        for j in 0..n {
            text.push_str(&format!("x: provider when a is a{i} and b is b{j}\n"));
        }
    }
    text
}

/// The ring family: `n` two-valued dimensions, two rules that conflict
/// where `d0 is a0`, and a rule `unless` a ring of `n` two-literal clauses
/// `(d0 is a0 or d1 is a1) and ... and (dN is aN or d0 is a0)`.
pub fn ring_policy(n: usize) -> String {
    let mut text: String = (0..n)
        .map(|i| format!("dimension d{i}: a{i}, b{i}\n"))
        .collect();
    let clauses: Vec<String> = (0..n)
        .map(|i| {
            let j = (i + 1) % n;
            format!("(d{i} is a{i} or d{j} is a{j})")
        })
        .collect();
    text.push_str(&format!(
        "x: provider when d0 is a0\nx: customer when d0 is a0\nx: provider unless {}\n",
        clauses.join(" and ")
    ));
    text
}

/// The least a batch of `azure` scenarios can do, the measure `onus eval
/// --batch` is held to: read each line with serde_json, take its `id` and
/// `model`, and write the record from a table of precomputed bytes through
/// one buffered writer. No engine, no threads, no chunks.
#[derive(Debug)]
pub struct IoOnly {
    /// Per value of `model`: a record's bytes after its id, newline included.
    tails: Vec<(String, Vec<u8>)>,
}

#[derive(serde::Deserialize)]
struct AzureLine<'a> {
    #[serde(borrow)]
    id: &'a serde_json::value::RawValue,
    model: &'a str,
}

impl IoOnly {
    /// Precomputes each model's record with Onus itself, outside any timing.
    pub fn new(policy: &onus::Policy) -> Self {
        let model = &policy.dimensions[0];
        let none = onus::PartialScenario::empty(policy);
        let options = onus::BatchOptions {
            jobs: 1,
            overrides: &none,
            fields: onus::DecisionFields::ALL,
        };
        let tails = model
            .values
            .iter()
            .map(|value| {
                let line = format!("{{\"model\":\"{value}\"}}\n");
                let mut out = Vec::new();
                onus::run_batch(policy, line.as_bytes(), &mut out, &options, |_| {}).unwrap();
                let tail = out.strip_prefix(b"{\"line\":1".as_slice()).unwrap();
                (value.clone(), tail.to_vec())
            })
            .collect();
        IoOnly { tails }
    }

    /// Writes one record a line; returns how many.
    pub fn run(
        &self,
        mut input: impl std::io::BufRead,
        output: impl std::io::Write,
    ) -> std::io::Result<u64> {
        let mut output = std::io::BufWriter::with_capacity(1 << 16, output);
        let mut line = Vec::new();
        let mut number = 0u64;
        while {
            line.clear();
            input.read_until(b'\n', &mut line)? > 0
        } {
            number += 1;
            let record: AzureLine = serde_json::from_slice(&line)?;
            let tail = &self
                .tails
                .iter()
                .find(|(v, _)| v == record.model)
                .unwrap()
                .1;
            output.write_all(b"{\"line\":")?;
            output.write_all(itoa::Buffer::new().format(number).as_bytes())?;
            output.write_all(b",\"id\":")?;
            output.write_all(record.id.get().as_bytes())?;
            output.write_all(tail)?;
        }
        output.flush()?;
        Ok(number)
    }
}

/// `n` NDJSON scenarios of `policy`, each dimension's value drawn at
/// random, each with an `id`.
pub fn scale_inventory(policy: &onus::Policy, n: usize, seed: u64) -> String {
    let mut g = Generator::new(seed);
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("{{\"id\":{i}"));
        for d in &policy.dimensions {
            let value = &d.values[g.below(d.values.len())];
            text.push_str(&format!(",\"{}\":\"{value}\"", d.name));
        }
        text.push_str("}\n");
    }
    text
}

/// A policy whose evaluation dominates a batch: 16 dimensions of 8 values,
/// `rules` rules over 50 zones, each the conjunction of three `is` tests,
/// so a zone tests many rules per scenario and few match (small records).
pub fn heavy_policy(rules: usize, seed: u64) -> String {
    let mut g = Generator::new(seed);
    let mut text = String::from("policy \"evaluation-heavy batch case\"\n");
    for d in 0..16 {
        text.push_str(&format!(
            "dimension d{d}: {}\n",
            values(&format!("d{d}v"), 8)
        ));
    }
    let parties = ["provider", "customer", "shared"];
    for r in 0..rules {
        let mut tested: Vec<usize> = Vec::new();
        while tested.len() < 3 {
            let d = g.below(16);
            if !tested.contains(&d) {
                tested.push(d);
            }
        }
        let condition: Vec<String> = tested
            .iter()
            .map(|d| format!("d{d} is d{d}v{}", g.below(8)))
            .collect();
        text.push_str(&format!(
            "z{}: {} when {}\n",
            r % 50,
            parties[g.below(3)],
            condition.join(" and ")
        ));
    }
    text
}

/// Values of each of the two dimensions of the scaling family.
const FAMILY_VALUES: usize = 50;

/// The scaling family (see `examples/family.rs`): rule `r` is for zone
/// `r mod zones`, on the cell numbered `r / zones` (a zone's rules take
/// distinct cells, so `rules / zones` must stay within 2,500).
pub fn family_policy(rules: usize, zones: usize, changed: bool) -> String {
    assert!(rules.div_ceil(zones) <= FAMILY_VALUES * FAMILY_VALUES);
    let mut text = format!(
        "policy \"scaling family\"\ndimension a: {}\ndimension b: {}\ndefault: customer\n",
        values("a", FAMILY_VALUES),
        values("b", FAMILY_VALUES)
    );
    for r in 0..rules {
        let cell = r / zones;
        let provider = (r % 3 == 0) != (changed && r % 100 == 0);
        let party = if provider { "provider" } else { "shared" };
        text.push_str(&format!(
            "z{}: {party} when a is a{} and b is b{}\n",
            r % zones,
            cell % FAMILY_VALUES,
            cell / FAMILY_VALUES
        ));
    }
    text
}

/// Ten tests of the family's policy, each expecting every zone's holder in
/// its scenario (the first cells, where rules are).
pub fn family_tests(rules: usize, zones: usize) -> String {
    let mut text = String::from("tests for \"policy.onus\"\n");
    for t in 0..10 {
        let (a, b) = (t % FAMILY_VALUES, t / FAMILY_VALUES);
        let expected: Vec<String> = (0..zones)
            .map(|z| {
                let r = t * zones + z;
                let party = match r < rules {
                    true if r.is_multiple_of(3) => "provider",
                    true => "shared",
                    false => "customer",
                };
                format!("z{z}: {party}")
            })
            .collect();
        text.push_str(&format!(
            "test \"cell {t}\" {{ a: a{a}, b: b{b} }} expect {{ {} }}\n",
            expected.join(", ")
        ));
    }
    text
}

/// `n` scenarios of the family, one cell after another.
pub fn family_scenarios(n: usize) -> String {
    (0..n)
        .map(|i| {
            let cell = i % (FAMILY_VALUES * FAMILY_VALUES);
            format!(
                "{{\"id\":{i},\"a\":\"a{}\",\"b\":\"b{}\"}}\n",
                cell % FAMILY_VALUES,
                cell / FAMILY_VALUES
            )
        })
        .collect()
}
