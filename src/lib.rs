//! Onus says, for a cloud workload, who holds each part of its security:
//! the customer, the provider, or both, and which rule decided.
//!
//! A policy is text in the Onus language (see `grammar/REFERENCE.md`). It
//! is parsed into a [`syntax`] tree, resolved into a [`Policy`] (names to
//! indices), then evaluated against a [`Scenario`], or checked over every
//! scenario at once. [`render`] turns results and diagnostics into text,
//! JSON, SARIF or a diagram. Every fallible step returns a [`Report`]:
//! located diagnostics, each with a stable [`Code`]. [`command`] runs each
//! command as the CLI does and returns the exact text it prints, for any
//! front end that must answer the same.
//!
//! ```
//! let policy = onus::load("example.onus", "\
//! data: customer always
//! virtualization host: provider unless on-prem
//! ").unwrap();
//! let scenario = policy.scenario_from_json(r#"{"model": "iaas"}"#).unwrap();
//! let decisions = policy.evaluate(&scenario);
//! let host = &decisions[1];
//! assert_eq!(policy.zones[host.zone].name, "virtualization host");
//! assert_eq!(policy.parties[host.party.unwrap()].name, "provider");
//! assert_eq!(host.status, onus::Status::Rule);
//! ```
//!
//! Checking proves a policy over every scenario; each finding carries a
//! scenario that shows it:
//!
//! ```
//! let policy = onus::load("os.onus", "\
//! os: provider when paas
//! os: customer unless saas
//! ").unwrap();
//! let findings = policy.findings();
//! let [onus::Finding::Conflict { witness, .. }] = findings.as_slice() else {
//!     panic!("one conflict: {findings:?}");
//! };
//! let scenario: Vec<_> = policy.scenario_pairs(&witness.scenario).collect();
//! assert_eq!(scenario, [("model", "paas")]);
//! ```
//!
//! A matrix evaluates every value of one dimension:
//!
//! ```
//! let azure = onus::load_policy("azure").unwrap();
//! let model = azure.sweep_dimension(None).unwrap();
//! let base = azure.scenario_from_settings("--set", &["model=iaas".into()]).unwrap();
//! let matrix = azure.matrix(model, &base);
//! assert_eq!(matrix.columns.len(), 4);
//! assert!(onus::render::matrix_markdown(&azure, &matrix).contains("| Information and data "));
//! ```

//! A command's output is the CLI's, byte for byte:
//!
//! ```
//! use onus::command::{self, MatrixFormat, Outcome};
//! let azure = onus::load_policy("azure").unwrap();
//! let output = command::matrix(&azure, None, &[], &[], MatrixFormat::Csv).unwrap();
//! assert!(output.text.starts_with("zone,"));
//! assert_eq!((output.outcome, output.exit_code()), (Outcome::Clean, 0));
//! ```

#![warn(missing_docs)]

mod api;
mod base;
pub mod command;
mod compliance;
mod diagnostic;
mod engine;
mod estate;
mod io;
mod model;
pub mod render;
pub mod syntax;

pub use api::{
    check, load, load_builtin, load_lenient, load_policy, load_suite_text, parse, resource_maps,
    run_suites, stream_estate, Checker, FmtMode, LenientPolicy, Loaded, Suite,
};
pub use base::assets::{builtin, Builtin, BuiltinMapping, BUILTINS, BUILTIN_MAPPINGS};
pub use base::names::closest;
pub use base::span::Span;
pub use command::batch::{
    run as run_batch, run_from as run_batch_from, BatchError, Options as BatchOptions,
    Stopped as BatchStopped, Summary as BatchSummary,
};
pub use command::schema::{
    batch_record as batch_record_schema, scenario_for as scenario_schema, schema,
    NAMES as SCHEMA_NAMES,
};
pub use diagnostic::{Code, Diagnostic, Label, Report, Severity, Source, ToDiagnostic};
pub use engine::analysis::{Cube, Witness};
pub use engine::check::{Finding, Question};
pub use engine::diff::{describe, PolicyChange, PolicyDiff, ScenarioChange};
pub use engine::eval::Matrix;
pub use engine::partial::{Case, PartialAnswer};
pub use engine::testing::{Mismatch, TestOutcome, TestRun};
pub use estate::{
    Evaluated, Inventory, InventoryFormat, Resource, ResourceAnswer, ResourceMap, ResourceType,
    StreamSummary,
};
pub use io::policy_source;
pub use model::answers::{Decision, Holder, Status};
pub use model::policy::{
    Assertion, Cond, Dimension, DimensionId, Party, PartyId, Policy, Rule, RuleId, Scenario, Test,
    ValueSet, Zone, ZoneId, CUSTOMER, MAX_VALUES, PROVIDER, SHARED,
};
pub use model::resolve::PRELUDE_MODEL;
pub use model::scenario::{Id, PartialScenario};
pub use render::DecisionFields;
pub use syntax::format::{format_source, zone_as_written};
pub use syntax::parse::DECLARATION_KEYWORDS;

/// Hooks for the project's own tests and benchmarks: the compiled form
/// behind batch evaluation, the mapping internals, the built-in resource
/// maps. Not a stable API (regorus keeps its test hooks the same way).
#[doc(hidden)]
pub mod unstable {
    pub use crate::api::load_mapping;
    pub use crate::base::assets::{BuiltinResourceMap, BUILTIN_RESOURCE_MAPS};
    pub use crate::compliance::mapping::{
        mapping_findings, Control, Framework, FrameworkKind, MapEntry, Mapping, MappingFinding,
        FRAMEWORKS,
    };
    pub use crate::compliance::published::{catalog_id, ccm_id};
    pub use crate::engine::compile::{Compiled, CompiledAnswer};
}
