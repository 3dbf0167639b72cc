//! Every diagnostic code: its name, its default severity and its page.
//!
//! The codes are an enum, declared once by `codes!` so that the list of all
//! codes cannot miss one, and nothing can emit a code without a page:
//! `tests/docs.rs` walks [`Code::ALL`] and requires `docs/codes/<name>.md`
//! for each, and a snapshot that shows it.

use std::fmt;

use crate::diagnostic::Severity;

/// Declares the codes once: the enum, [`Code::ALL`] and [`Code::name`]
/// come from the same list, so no code can be missing from any of them.
macro_rules! codes {
    ($($code:ident => $name:literal,)*) => {
        /// A stable diagnostic code, printed as `error[<name>]` and
        /// documented in `docs/codes/<name>.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = concat!("`", $name, "`")]
                $code,
            )*
        }

        impl Code {
            /// Every code, in name order.
            pub const ALL: &'static [Code] = &[$(Code::$code),*];

            /// The kebab-case name: `conflict`, `unknown-name`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$code => $name,)*
                }
            }
        }
    };
}

codes! {
    AmbiguousValue => "ambiguous-value",
    AnalysisLimit => "analysis-limit",
    AssertFailed => "assert-failed",
    BadPattern => "bad-pattern",
    Conflict => "conflict",
    DeadRule => "dead-rule",
    DefaultOnlyZone => "default-only-zone",
    DuplicateDeclaration => "duplicate-declaration",
    DuplicateField => "duplicate-field",
    EmptyFolder => "empty-folder",
    FileTooLarge => "file-too-large",
    FrameworkMismatch => "framework-mismatch",
    IncomparablePolicies => "incomparable-policies",
    InvalidInventory => "invalid-inventory",
    InvalidJson => "invalid-json",
    InvalidPublished => "invalid-published",
    InvalidScenario => "invalid-scenario",
    InvalidSetting => "invalid-setting",
    InvalidUtf8 => "invalid-utf8",
    LineTooLong => "line-too-long",
    MappingFile => "mapping-file",
    MissingDimension => "missing-dimension",
    MissingScenario => "missing-scenario",
    NoRules => "no-rules",
    NotAMapping => "not-a-mapping",
    NotAResourceMap => "not-a-resource-map",
    NotATest => "not-a-test",
    NotAnalysed => "not-analysed",
    RedundantRule => "redundant-rule",
    ReservedName => "reserved-name",
    ResourceMapMismatch => "resource-map-mismatch",
    SharedControl => "shared-control",
    SyntaxError => "syntax-error",
    TestFile => "test-file",
    TooManyValues => "too-many-values",
    UncoveredControls => "uncovered-controls",
    UnknownField => "unknown-field",
    UnknownMappedZone => "unknown-mapped-zone",
    UnknownMapping => "unknown-mapping",
    UnknownName => "unknown-name",
    UnknownPolicy => "unknown-policy",
    UnmappedZone => "unmapped-zone",
    UnreadableFile => "unreadable-file",
    UnwritableFile => "unwritable-file",
    UnwritableOutput => "unwritable-output",
}

impl Code {
    /// How serious a diagnostic with this code is.
    pub fn severity(self) -> Severity {
        match self {
            Code::DeadRule | Code::RedundantRule | Code::UnmappedZone | Code::UnknownMappedZone => {
                Severity::Warning
            }
            Code::DefaultOnlyZone
            | Code::NotAnalysed
            | Code::SharedControl
            | Code::UncoveredControls => Severity::Note,
            _ => Severity::Error,
        }
    }

    /// The page that explains it, relative to the repository's root.
    pub fn docs_page(self) -> String {
        format!("docs/codes/{}.md", self.name())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl schemars::JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        schemars::json_schema!({
            "description": "A stable diagnostic code, documented in docs/codes/.",
            "type": "string",
            "enum": names
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn all_lists_every_code_once_in_name_order() {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
