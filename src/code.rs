//! Every diagnostic code: its name, its default severity and its page.
//!
//! The codes are an enum so that nothing can emit a code without a page:
//! `tests/docs.rs` walks [`Code::ALL`] and requires `docs/codes/<name>.md`
//! for each, and a snapshot that shows it.

use std::fmt;

use crate::diagnostic::Severity;

/// A stable diagnostic code, printed as `error[<name>]` and documented in
/// `docs/codes/<name>.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// `ambiguous-value`
    AmbiguousValue,
    /// `analysis-limit`
    AnalysisLimit,
    /// `assert-failed`
    AssertFailed,
    /// `conflict`
    Conflict,
    /// `dead-rule`
    DeadRule,
    /// `default-only-zone`
    DefaultOnlyZone,
    /// `duplicate-declaration`
    DuplicateDeclaration,
    /// `duplicate-field`
    DuplicateField,
    /// `file-too-large`
    FileTooLarge,
    /// `incomparable-policies`
    IncomparablePolicies,
    /// `invalid-json`
    InvalidJson,
    /// `invalid-scenario`
    InvalidScenario,
    /// `invalid-setting`
    InvalidSetting,
    /// `invalid-utf8`
    InvalidUtf8,
    /// `line-too-long`
    LineTooLong,
    /// `missing-dimension`
    MissingDimension,
    /// `missing-scenario`
    MissingScenario,
    /// `no-rules`
    NoRules,
    /// `not-a-test`
    NotATest,
    /// `redundant-rule`
    RedundantRule,
    /// `reserved-name`
    ReservedName,
    /// `syntax-error`
    SyntaxError,
    /// `test-file`
    TestFile,
    /// `too-many-values`
    TooManyValues,
    /// `unknown-field`
    UnknownField,
    /// `unknown-name`
    UnknownName,
    /// `unknown-policy`
    UnknownPolicy,
    /// `unreadable-file`
    UnreadableFile,
    /// `unwritable-file`
    UnwritableFile,
    /// `unwritable-output`
    UnwritableOutput,
}

impl Code {
    /// Every code, in name order.
    pub const ALL: &'static [Code] = &[
        Code::AmbiguousValue,
        Code::AnalysisLimit,
        Code::AssertFailed,
        Code::Conflict,
        Code::DeadRule,
        Code::DefaultOnlyZone,
        Code::DuplicateDeclaration,
        Code::DuplicateField,
        Code::FileTooLarge,
        Code::IncomparablePolicies,
        Code::InvalidJson,
        Code::InvalidScenario,
        Code::InvalidSetting,
        Code::InvalidUtf8,
        Code::LineTooLong,
        Code::MissingDimension,
        Code::MissingScenario,
        Code::NoRules,
        Code::NotATest,
        Code::RedundantRule,
        Code::ReservedName,
        Code::SyntaxError,
        Code::TestFile,
        Code::TooManyValues,
        Code::UnknownField,
        Code::UnknownName,
        Code::UnknownPolicy,
        Code::UnreadableFile,
        Code::UnwritableFile,
        Code::UnwritableOutput,
    ];

    /// The kebab-case name: `conflict`, `unknown-name`.
    pub fn name(self) -> &'static str {
        match self {
            Code::AmbiguousValue => "ambiguous-value",
            Code::AnalysisLimit => "analysis-limit",
            Code::AssertFailed => "assert-failed",
            Code::Conflict => "conflict",
            Code::DeadRule => "dead-rule",
            Code::DefaultOnlyZone => "default-only-zone",
            Code::DuplicateDeclaration => "duplicate-declaration",
            Code::DuplicateField => "duplicate-field",
            Code::FileTooLarge => "file-too-large",
            Code::IncomparablePolicies => "incomparable-policies",
            Code::InvalidJson => "invalid-json",
            Code::InvalidScenario => "invalid-scenario",
            Code::InvalidSetting => "invalid-setting",
            Code::InvalidUtf8 => "invalid-utf8",
            Code::LineTooLong => "line-too-long",
            Code::MissingDimension => "missing-dimension",
            Code::MissingScenario => "missing-scenario",
            Code::NoRules => "no-rules",
            Code::NotATest => "not-a-test",
            Code::RedundantRule => "redundant-rule",
            Code::ReservedName => "reserved-name",
            Code::SyntaxError => "syntax-error",
            Code::TestFile => "test-file",
            Code::TooManyValues => "too-many-values",
            Code::UnknownField => "unknown-field",
            Code::UnknownName => "unknown-name",
            Code::UnknownPolicy => "unknown-policy",
            Code::UnreadableFile => "unreadable-file",
            Code::UnwritableFile => "unwritable-file",
            Code::UnwritableOutput => "unwritable-output",
        }
    }

    /// How serious a diagnostic with this code is.
    pub fn severity(self) -> Severity {
        match self {
            Code::DeadRule | Code::RedundantRule => Severity::Warning,
            Code::DefaultOnlyZone => Severity::Note,
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
