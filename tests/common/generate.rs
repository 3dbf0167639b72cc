//! Random policies for property tests.

use proptest::prelude::*;

/// Dimension `i` has values `d{i}v0`, `d{i}v1`, ...: no value is shared.
fn dimension_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(2usize..=4, 1..=3)
}

fn condition(sizes: Vec<usize>) -> impl Strategy<Value = String> {
    let dims = sizes.len();
    let atom = (0..dims, any::<u64>(), 0u8..4).prop_map(move |(d, bits, form)| {
        let n = sizes[d];
        let value = |i: u64| format!("d{d}v{}", i as usize % n);
        match form {
            0 => value(bits),
            1 => format!("d{d} is {}", value(bits)),
            2 => format!("d{d} is not {}", value(bits)),
            _ => {
                let values: Vec<String> = (0..n)
                    .filter(|i| bits >> i & 1 == 1)
                    .map(|i| format!("d{d}v{i}"))
                    .collect();
                if values.is_empty() {
                    value(bits)
                } else {
                    format!("d{d} in [{}]", values.join(", "))
                }
            }
        }
    });
    atom.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not {c}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} or {b})")),
        ]
    })
}

fn qualifier(sizes: Vec<usize>) -> impl Strategy<Value = String> {
    prop_oneof![
        Just("always".to_string()),
        condition(sizes.clone()).prop_map(|c| format!("when {c}")),
        condition(sizes).prop_map(|c| format!("unless {c}")),
    ]
}

fn party() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("customer"), Just("provider"), Just("shared")]
}

/// Policy text: dimensions, up to 3 declared zones, rules and assertions.
pub fn policy_text() -> impl Strategy<Value = String> {
    (dimension_sizes(), 1usize..=3, party())
        .prop_flat_map(|(sizes, zones, default)| policy_over(sizes, zones, default))
}

/// Two policies over the same dimensions, each with its own zones, rules
/// and default.
pub fn policy_pair() -> impl Strategy<Value = (String, String)> {
    dimension_sizes().prop_flat_map(|sizes| {
        (
            (1usize..=3, party()).prop_flat_map({
                let sizes = sizes.clone();
                move |(zones, default)| policy_over(sizes.clone(), zones, default)
            }),
            (1usize..=3, party())
                .prop_flat_map(move |(zones, default)| policy_over(sizes.clone(), zones, default)),
        )
    })
}

fn policy_over(
    sizes: Vec<usize>,
    zones: usize,
    default: &'static str,
) -> impl Strategy<Value = String> {
    let rule = (0..zones, party(), qualifier(sizes.clone()));
    let assertion = (0..zones, party(), qualifier(sizes.clone()));
    (
        prop::collection::vec(rule, 1..=7),
        prop::collection::vec(assertion, 0..=2),
    )
        .prop_map(move |(rules, assertions)| {
            let mut text = String::new();
            for (d, n) in sizes.iter().enumerate() {
                let values: Vec<String> = (0..*n).map(|i| format!("d{d}v{i}")).collect();
                text.push_str(&format!("dimension d{d}: {}\n", values.join(", ")));
            }
            text.push_str(&format!("dimension model: m\ndefault: {default}\n"));
            for z in 0..zones {
                text.push_str(&format!("zone z{z}\n"));
            }
            for (z, p, q) in &rules {
                text.push_str(&format!("z{z}: {p} {q}\n"));
            }
            for (z, p, q) in &assertions {
                text.push_str(&format!("assert z{z}: {p} {q}\n"));
            }
            text
        })
}

/// A policy as [`policy_text`] makes it, with comments scattered over it
/// and its statements shuffled, as people write them.
pub fn messy_policy_text() -> impl Strategy<Value = String> {
    policy_text().prop_flat_map(|text| {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let n = lines.len();
        (Just(lines).prop_shuffle(), prop::collection::vec(0u8..4, n)).prop_map(
            |(lines, comments)| {
                let mut out = String::new();
                for (i, (line, comment)) in lines.iter().zip(comments).enumerate() {
                    match comment {
                        0 => out.push_str(&format!("# about line {i}\n{line}\n")),
                        1 => out.push_str(&format!("{line}   # after line {i}\n")),
                        2 => out.push_str(&format!("\n{line}\n")),
                        _ => out.push_str(&format!("{line}\n")),
                    }
                }
                out.push_str("# the end\n");
                out
            },
        )
    })
}
