//! Every file embedded in the binary, listed in this one place: the
//! built-in policies, mappings and resource maps, and the control catalogs
//! the mappings are checked against.

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
        text: include_str!("../../policies/aws.onus"),
    },
    Builtin {
        name: "azure",
        text: include_str!("../../policies/azure.onus"),
    },
    Builtin {
        name: "azure-2026",
        text: include_str!("../../policies/azure-2026.onus"),
    },
    Builtin {
        name: "azure-ai",
        text: include_str!("../../policies/azure-ai.onus"),
    },
    Builtin {
        name: "azure-baselines",
        text: include_str!("../../policies/azure-baselines.onus"),
    },
    Builtin {
        name: "azure-services",
        text: include_str!("../../policies/azure-services.onus"),
    },
    Builtin {
        name: "gcp",
        text: include_str!("../../policies/gcp.onus"),
    },
    Builtin {
        name: "kubernetes",
        text: include_str!("../../policies/kubernetes.onus"),
    },
];

/// The built-in policy of that name.
pub fn builtin(name: &str) -> Option<Builtin> {
    BUILTINS.iter().copied().find(|b| b.name == name)
}

/// A built-in mapping: its name and its source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinMapping {
    /// The name to give to `--map`, such as `nist-sp-800-53-rev5`.
    pub name: &'static str,
    /// The mapping's source text.
    pub text: &'static str,
}

/// Every built-in mapping, by name: one a framework, covering every zone
/// name of the built-in policies.
pub const BUILTIN_MAPPINGS: &[BuiltinMapping] = &[
    BuiltinMapping {
        name: "nist-sp-800-53-rev5",
        text: include_str!("../../policies/mappings/nist-sp-800-53-rev5.onus"),
    },
    BuiltinMapping {
        name: "csa-ccm-v4",
        text: include_str!("../../policies/mappings/csa-ccm-v4.onus"),
    },
];

/// A built-in resource map: its name, the policy it is for and its source
/// text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinResourceMap {
    /// Its file's stem under `policies/resources/`, such as `aws` or
    /// `aws-families`.
    pub name: &'static str,
    /// The built-in policy it maps to.
    pub policy: &'static str,
    /// Whether it is a generated families map: a fallback, tried after the
    /// hand-written maps of every policy an estate is routed to.
    pub fallback: bool,
    /// The map's source text.
    pub text: &'static str,
}

/// The resource maps of the built-in policies, a policy's in the order they
/// are tried: the hand-written map, then its generated families (one
/// pattern a family of the providers' catalogs, for the types the
/// hand-written maps leave out).
pub const BUILTIN_RESOURCE_MAPS: &[BuiltinResourceMap] = &[
    BuiltinResourceMap {
        name: "aws",
        policy: "aws",
        fallback: false,
        text: include_str!("../../policies/resources/aws.onus"),
    },
    BuiltinResourceMap {
        name: "aws-families",
        policy: "aws",
        fallback: true,
        text: include_str!("../../policies/resources/aws-families.onus"),
    },
    BuiltinResourceMap {
        name: "azure",
        policy: "azure",
        fallback: false,
        text: include_str!("../../policies/resources/azure.onus"),
    },
    BuiltinResourceMap {
        name: "azure-families",
        policy: "azure",
        fallback: true,
        text: include_str!("../../policies/resources/azure-families.onus"),
    },
    BuiltinResourceMap {
        name: "azure-baselines",
        policy: "azure-baselines",
        fallback: false,
        text: include_str!("../../policies/resources/azure-baselines.onus"),
    },
    BuiltinResourceMap {
        name: "azure-ai",
        policy: "azure-ai",
        fallback: false,
        text: include_str!("../../policies/resources/azure-ai.onus"),
    },
    BuiltinResourceMap {
        name: "azure-services",
        policy: "azure-services",
        fallback: false,
        text: include_str!("../../policies/resources/azure-services.onus"),
    },
    BuiltinResourceMap {
        name: "gcp",
        policy: "gcp",
        fallback: false,
        text: include_str!("../../policies/resources/gcp.onus"),
    },
    BuiltinResourceMap {
        name: "gcp-families",
        policy: "gcp",
        fallback: true,
        text: include_str!("../../policies/resources/gcp-families.onus"),
    },
    BuiltinResourceMap {
        name: "kubernetes",
        policy: "kubernetes",
        fallback: false,
        text: include_str!("../../policies/resources/kubernetes.onus"),
    },
];

/// NIST SP 800-53 rev. 5's HIGH baseline, a control id and title a line
/// (its origin is in the file's header).
pub(crate) const NIST_800_53_HIGH_CATALOG: &str =
    include_str!("../../policies/catalogs/nist-sp-800-53-rev5-high.tsv");
/// The LOW baseline's controls (a subset of the HIGH catalog's).
pub(crate) const NIST_800_53_LOW_BASELINE: &str =
    include_str!("../../policies/catalogs/nist-sp-800-53-rev5-low.tsv");
/// The MODERATE baseline's controls (a subset of the HIGH catalog's).
pub(crate) const NIST_800_53_MODERATE_BASELINE: &str =
    include_str!("../../policies/catalogs/nist-sp-800-53-rev5-moderate.tsv");

/// CSA's Cloud Controls Matrix v4, a control id and title a line (its
/// origin is in the file's header).
pub(crate) const CCM_V4_CATALOG: &str = include_str!("../../policies/catalogs/csa-ccm-v4.tsv");
