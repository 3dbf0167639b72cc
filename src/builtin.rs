//! The policies embedded in the binary.

/// A built-in policy: its name and its source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    /// The name to give on the command line, such as `azure`.
    pub name: &'static str,
    /// The policy's source text.
    pub text: &'static str,
}

/// Every built-in policy, by name.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "aws",
        text: include_str!("../policies/aws.onus"),
    },
    Builtin {
        name: "azure",
        text: include_str!("../policies/azure.onus"),
    },
    Builtin {
        name: "azure-2026",
        text: include_str!("../policies/azure-2026.onus"),
    },
    Builtin {
        name: "azure-services",
        text: include_str!("../policies/azure-services.onus"),
    },
    Builtin {
        name: "kubernetes",
        text: include_str!("../policies/kubernetes.onus"),
    },
];

/// The built-in policy of that name.
pub fn builtin(name: &str) -> Option<Builtin> {
    BUILTINS.iter().copied().find(|b| b.name == name)
}
