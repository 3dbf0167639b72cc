//! Random policies for property tests.

use proptest::prelude::*;

/// How large the generated policies are.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    dimensions: (usize, usize),
    values: (usize, usize),
    /// Nesting depth and number of atoms of one condition.
    depth: u32,
    atoms: u32,
}

/// 1 to 3 dimensions of 1 to 7 values (so several codes of the analysis's
/// encoding stand for one value), conditions of up to 12 atoms.
pub const SMALL: Shape = Shape {
    dimensions: (1, 3),
    values: (1, 7),
    depth: 3,
    atoms: 12,
};

/// 6 to 10 dimensions of 2 or 3 values, conditions of up to 40 atoms
/// nested 6 deep: many `and`, `or` and `not` terms, still few enough
/// scenarios (at most 3^10) to enumerate.
pub const WIDE: Shape = Shape {
    dimensions: (6, 10),
    values: (2, 3),
    depth: 6,
    atoms: 40,
};

/// Dimension `i` has values `d{i}v0`, `d{i}v1`, ...: no value is shared.
fn dimension_sizes(shape: Shape) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        shape.values.0..=shape.values.1,
        shape.dimensions.0..=shape.dimensions.1,
    )
}

fn condition(sizes: Vec<usize>, shape: Shape) -> impl Strategy<Value = String> {
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
    atom.prop_recursive(shape.depth, shape.atoms, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not {c}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} or {b})")),
        ]
    })
}

fn qualifier(sizes: Vec<usize>, shape: Shape) -> impl Strategy<Value = String> {
    prop_oneof![
        Just("always".to_string()),
        condition(sizes.clone(), shape).prop_map(|c| format!("when {c}")),
        condition(sizes, shape).prop_map(|c| format!("unless {c}")),
    ]
}

fn party() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("customer"), Just("provider"), Just("shared")]
}

/// Policy text: dimensions, up to 3 declared zones, rules and assertions.
pub fn policy_text(shape: Shape) -> impl Strategy<Value = String> {
    (dimension_sizes(shape), 1usize..=3, party())
        .prop_flat_map(move |(sizes, zones, default)| policy_over(sizes, zones, default, shape))
}

/// Two policies over the same dimensions, each with its own zones, rules
/// and default.
pub fn policy_pair(shape: Shape) -> impl Strategy<Value = (String, String)> {
    dimension_sizes(shape).prop_flat_map(move |sizes| {
        (
            (1usize..=3, party()).prop_flat_map({
                let sizes = sizes.clone();
                move |(zones, default)| policy_over(sizes.clone(), zones, default, shape)
            }),
            (1usize..=3, party()).prop_flat_map(move |(zones, default)| {
                policy_over(sizes.clone(), zones, default, shape)
            }),
        )
    })
}

fn policy_over(
    sizes: Vec<usize>,
    zones: usize,
    default: &'static str,
    shape: Shape,
) -> impl Strategy<Value = String> {
    let rule = (0..zones, party(), qualifier(sizes.clone(), shape));
    let assertion = (0..zones, party(), qualifier(sizes.clone(), shape));
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
    policy_text(SMALL).prop_flat_map(|text| {
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

/// `x: provider when a is aI and b is bJ` for every cell of an
/// `rows` by `columns` grid: disjoint rules, no finding.
pub fn grid(rows: usize, columns: usize) -> String {
    let values = |name: &str, n: usize| {
        (0..n)
            .map(|i| format!("{name}{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "dimension a: {}\ndimension b: {}\n",
        values("a", rows),
        values("b", columns)
    );
    for i in 0..rows {
        for j in 0..columns {
            text.push_str(&format!("x: provider when a is a{i} and b is b{j}\n"));
        }
    }
    text
}

/// `clauses` dimensions `dI: aI, bI` and three rules: two that conflict
/// wherever `d0 is a0`, and one `unless` a ring of two-literal clauses
/// `(d0 is a0 or d1 is a1) and ... and (dN is aN or d0 is a0)`.
pub fn ring(clauses: usize) -> String {
    let mut text: String = (0..clauses)
        .map(|i| format!("dimension d{i}: a{i}, b{i}\n"))
        .collect();
    let ring: Vec<String> = (0..clauses)
        .map(|i| {
            let j = (i + 1) % clauses;
            format!("(d{i} is a{i} or d{j} is a{j})")
        })
        .collect();
    text.push_str(&format!(
        "x: provider when d0 is a0\nx: customer when d0 is a0\nx: provider unless {}\n",
        ring.join(" and ")
    ));
    text
}

/// A map's line with or without a reason, laid out one of four ways: a
/// comment above it, a comment after it, a blank line before it, or bare.
fn laid_out(mut line: String, because: bool, layout: u8) -> String {
    if because {
        line.push_str(" because \"a reason\"");
    }
    match layout {
        0 => format!("# about it\n{line}\n"),
        1 => format!("{line}   # after it\n"),
        2 => format!("\n{line}\n"),
        _ => format!("{line}\n"),
    }
}

/// A mapping: its `mapping` line and `controls` lines in any order, with
/// comments and blank lines scattered over them. Not necessarily valid
/// (a zone or id may repeat): formatting must keep it as it is.
pub fn messy_mapping_text() -> impl Strategy<Value = String> {
    let zone = prop_oneof![
        Just("data"),
        Just("operating system"),
        Just("\"Audit logs\"")
    ];
    let ids = prop::collection::vec(
        prop_oneof![Just("sc-28"), Just("ac-2.1"), Just("A&A-01")],
        1..4,
    );
    let line = (zone, ids, any::<bool>(), 0u8..4).prop_map(|(zone, ids, because, layout)| {
        laid_out(
            format!("{zone}:controls {}", ids.join(" ,")),
            because,
            layout,
        )
    });
    prop::collection::vec(line, 0..8)
        .prop_map(|lines| format!("mapping  nist-sp-800-53-rev5 \"m\"\n{}", lines.concat()))
}

/// A resource map: its `resources for` line and `resource` lines in any
/// order, with comments and blank lines scattered over them. Not
/// necessarily valid (a type or value may repeat): formatting must keep it
/// as it is.
pub fn messy_resource_map_text() -> impl Strategy<Value = String> {
    let resource_type = prop_oneof![
        Just("aws_instance"),
        Just("AWS::EC2::Instance"),
        Just("Microsoft.Compute/virtualMachines")
    ];
    let setting = (
        prop_oneof![Just("service"), Just("model")],
        prop::collection::vec(prop_oneof![Just("iaas"), Just("container")], 1..3),
        any::<bool>(),
    )
        .prop_map(
            |(dimension, values, listed)| match listed || values.len() > 1 {
                true => format!("{dimension}:[{}]", values.join(" ,")),
                false => format!("{dimension} :{}", values[0]),
            },
        );
    let line = (
        resource_type,
        prop::option::of(prop_oneof![Just("kind"), Just("sku.name")]),
        prop::collection::vec(setting, 0..3),
        any::<bool>(),
        0u8..4,
    )
        .prop_map(|(resource_type, when, settings, because, layout)| {
            let when = when.map_or(String::new(), |path| format!("when \"{path}\"  is \"x\""));
            let line = format!(
                "resource \"{resource_type}\"{when}{{{}}}",
                settings.join(",")
            );
            laid_out(line, because, layout)
        });
    prop::collection::vec(line, 0..8)
        .prop_map(|lines| format!("resources  for \"aws\"\n{}", lines.concat()))
}
