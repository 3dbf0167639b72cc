//! Onus says, for a cloud workload, who holds each part of its security:
//! the customer, the provider, or both, and which rule decided.
//!
//! A policy is text in the Onus language (see `grammar/REFERENCE.md`). It
//! goes through the stages in order: [`parse`] (text to [`syntax`] tree),
//! [`resolve`] (names to indices: a [`Policy`]), then [`eval`] against a
//! [`Scenario`], or [`check`] over every scenario at once (with the exact
//! set reasoning of [`analysis`]). [`render`] turns results and diagnostics into text or JSON.
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

pub mod analysis;
pub mod batch;
pub mod builtin;
pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod format;
pub mod parse;
pub mod policy;
pub mod render;
pub mod resolve;
pub mod scenario;
pub mod schema;
pub mod span;
pub mod syntax;
pub mod testing;

pub use diagnostic::{Diagnostic, Report, Severity, Source};
pub use eval::{Decision, Matrix, Status};
pub use policy::{Policy, Scenario};

/// Parses and resolves a policy. `name` is how it is shown in output and
/// diagnostics: a path, or a built-in policy's name.
pub fn load(name: &str, text: &str) -> Result<Policy, Report> {
    let source = Source::new(name, text);
    let file = parse::parse(text).map_err(|errors| {
        let diagnostics = errors
            .iter()
            .map(parse::ParseError::to_diagnostic)
            .collect();
        Report::new(source.clone(), diagnostics)
    })?;
    resolve::resolve(&file, name, &source).map_err(|errors| {
        let diagnostics = errors
            .iter()
            .map(resolve::ResolveError::to_diagnostic)
            .collect();
        Report::new(source.clone(), diagnostics)
    })
}

/// Loads a policy and checks it: its syntax and name errors if it does not
/// load, else every finding of [`check::check`].
pub fn check(name: &str, text: &str) -> Report {
    match load(name, text) {
        Err(report) => report,
        Ok(policy) => {
            let diagnostics = check::check(&policy)
                .iter()
                .map(|f| f.to_diagnostic(&policy))
                .collect();
            Report::new(policy.source.clone(), diagnostics)
        }
    }
}

impl Policy {
    /// Reads a complete scenario from a JSON object, such as
    /// `{"model": "iaas"}`.
    pub fn scenario_from_json(&self, text: &str) -> Result<Scenario, Report> {
        let report = |errors: Vec<scenario::ScenarioError>| {
            let diagnostics = errors.iter().map(|e| e.to_diagnostic()).collect();
            Report::new(Source::new("scenario", text), diagnostics)
        };
        let (partial, _) = scenario::from_json(self, text, false).map_err(report)?;
        partial
            .complete(self, Some(scenario::object_span(text)))
            .map_err(report)
    }

    /// Who holds each zone in `scenario`, in zone order.
    pub fn evaluate(&self, scenario: &Scenario) -> Vec<Decision> {
        eval::evaluate(self, scenario)
    }
}
