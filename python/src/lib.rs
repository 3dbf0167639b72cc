//! The native half of the Python package `onus`: a thin layer over the
//! library's public API, as the service and the language server are. Every
//! answer is the text the CLI prints (its JSON), which the Python half
//! (`onus/__init__.py`) reads into immutable objects, so Python and the CLI
//! cannot drift apart. Rust runs with the GIL released; a failure raises
//! the Python exception classes of `onus._errors`, carrying the located
//! diagnostics.

mod arrow;

use std::sync::Arc;

use onus::command::{self, Choice, Explanation, ExportRequest};
use onus::{Policy, Report};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The JSON of the reports' diagnostics: `onus check --format json`'s
/// fields, with each one's replacement (the quick fix) and where its
/// marked span ends.
fn diagnostics_json(reports: &[Report]) -> String {
    let document = onus::render::diagnostics_json(reports);
    let mut document: serde_json::Value =
        serde_json::from_str(&document).expect("the diagnostics' JSON is valid");
    let written = document["diagnostics"].as_array_mut();
    let each = reports
        .iter()
        .flat_map(|report| report.diagnostics.iter().map(move |d| (report, d)));
    for (json, (report, diagnostic)) in written.into_iter().flatten().zip(each) {
        json["replacement"] = diagnostic.replacement.clone().into();
        let end = (diagnostic.primary.as_ref()).map(|l| report.source.line_column(l.span.end));
        json["end_line"] = end.map(|e| e.0).into();
        json["end_column"] = end.map(|e| e.1).into();
    }
    document["diagnostics"].to_string()
}

/// The exception `onus.<kind>` (a subclass of `onus.OnusError`) for
/// reports: its message the diagnostics as the CLI renders them.
fn failure(py: Python<'_>, kind: &str, reports: &[Report]) -> PyErr {
    let rendered: String = (reports.iter())
        .map(|r| onus::render::diagnostics_text(r, onus::render::Colour::Never))
        .collect();
    let error = py
        .import("onus._errors")
        .and_then(|module| module.getattr(kind))
        .and_then(|class| class.call1((rendered.trim_end(), diagnostics_json(reports))));
    match error {
        Ok(error) => PyErr::from_value(error),
        Err(error) => error,
    }
}

/// The problems a command met beyond its result (an undecided zone, an
/// unreadable file among several), as an exception that carries the
/// result too (`error.result`, the CLI's JSON): nothing is dropped.
fn no_problems(py: Python<'_>, output: &command::Output) -> PyResult<()> {
    if output.problems.is_empty() {
        return Ok(());
    }
    let error = failure(py, "OnusError", &output.problems);
    error.value(py).setattr("result", output.text.as_str())?;
    Err(error)
}

/// A named choice of the CLI (`json`, `oscal-ssp`, ...), or a `ValueError`
/// that lists the choices.
fn choice<C: Choice>(what: &str, name: &str) -> PyResult<C> {
    C::from_name(name).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "`{name}` is not a {what}: one of {}",
            C::NAMES.join(", ")
        ))
    })
}

/// A loaded policy. Immutable, so one may serve many threads at once.
#[pyclass(frozen, module = "onus._native")]
#[derive(Debug)]
struct NativePolicy {
    policy: Arc<Policy>,
}

impl NativePolicy {
    fn new(policy: Policy) -> NativePolicy {
        NativePolicy {
            policy: Arc::new(policy),
        }
    }
}

/// A policy just loaded, or the `PolicyError` that says why not.
fn loaded(py: Python<'_>, loaded: Result<Policy, Report>) -> PyResult<NativePolicy> {
    loaded
        .map(NativePolicy::new)
        .map_err(|report| failure(py, "PolicyError", &[report]))
}

#[pymethods]
impl NativePolicy {
    /// A built-in policy by name.
    #[staticmethod]
    fn builtin(py: Python<'_>, name: &str) -> PyResult<NativePolicy> {
        loaded(py, py.detach(|| onus::load_builtin(name)))
    }

    /// A policy file, or a built-in policy's name, as the CLI takes them.
    #[staticmethod]
    fn load(py: Python<'_>, path: &str) -> PyResult<NativePolicy> {
        loaded(py, py.detach(|| onus::load_policy(path)))
    }

    /// A policy from its text; `name` names it in diagnostics.
    #[staticmethod]
    fn from_text(py: Python<'_>, text: &str, name: &str) -> PyResult<NativePolicy> {
        loaded(py, py.detach(|| onus::load(name, text)))
    }

    /// Its name, title, dimensions, parties and zones, as JSON.
    fn describe(&self) -> String {
        let policy = &self.policy;
        let dimensions: Vec<serde_json::Value> = (policy.dimensions.iter())
            .map(|d| serde_json::json!({"name": d.name, "values": d.values}))
            .collect();
        let named = |name: &str, label: &Option<String>| serde_json::json!({"name": name, "label": label.as_deref().unwrap_or(name)});
        let parties: Vec<_> = (policy.parties.iter())
            .map(|p| named(&p.name, &p.label))
            .collect();
        let zones: Vec<_> = (policy.zones.iter())
            .map(|z| named(&z.name, &z.label))
            .collect();
        serde_json::json!({
            "name": policy.name,
            "title": policy.title,
            "dimensions": dimensions,
            "parties": parties,
            "default_party": policy.parties[policy.default_party].name,
            "zones": zones,
        })
        .to_string()
    }

    /// The policy's source text.
    fn text(&self) -> String {
        self.policy.source.text.clone()
    }

    /// `onus eval --format json` of a JSON scenario (with an optional
    /// `"id"`), with every rule considered if `explain`.
    fn eval(&self, py: Python<'_>, scenario: &str, explain: bool) -> PyResult<String> {
        let policy = &self.policy;
        let source = onus::Source::new("scenario", scenario);
        let (scenario, id) = (policy.scenario_from_text(source, &[]))
            .map_err(|report| failure(py, "ScenarioError", &[report]))?;
        let explain = match explain {
            true => Explanation::Shown,
            false => Explanation::Hidden,
        };
        let output = py.detach(|| {
            command::eval(
                policy,
                &scenario,
                id.as_ref(),
                command::Format::Json,
                explain,
            )
        });
        Ok(output.text)
    }

    /// `onus eval --partial --format json` of settings.
    fn eval_partial(&self, py: Python<'_>, settings: Vec<String>) -> PyResult<String> {
        let policy = &self.policy;
        let given = (policy.settings("scenario", &settings))
            .map_err(|report| failure(py, "ScenarioError", &[report]))?;
        let output =
            py.detach(|| command::eval_partial(policy, &given, None, command::Format::Json));
        no_problems(py, &output)?;
        Ok(output.text)
    }

    /// `onus matrix` in `format` (JSON for the Python objects).
    fn matrix(
        &self,
        py: Python<'_>,
        over: Option<String>,
        only: Vec<String>,
        settings: Vec<String>,
        format: &str,
    ) -> PyResult<String> {
        let format: command::MatrixFormat = choice("matrix format", format)?;
        let policy = &self.policy;
        let output = py
            .detach(|| command::matrix(policy, over.as_deref(), &only, &settings, format))
            .map_err(|report| failure(py, "ScenarioError", &[report]))?;
        no_problems(py, &output)?;
        Ok(output.text)
    }

    /// `onus check --format json` of the policy's text: every finding,
    /// each with the scenario that shows it, as a diagnostics list.
    fn check(&self, py: Python<'_>) -> String {
        let source = &self.policy.source;
        let report = py.detach(|| onus::check(&source.name, &source.text));
        diagnostics_json(&[report])
    }

    /// `onus diff --format json` of this policy against `new`.
    fn diff(&self, py: Python<'_>, new: &NativePolicy) -> PyResult<String> {
        let (old, new) = (&self.policy, &new.policy);
        let output = py.detach(|| command::diff_policies(old, new, command::Format::Json));
        no_problems(py, &output)?;
        Ok(output.text)
    }

    /// `onus diff --from .. --to .. --format json`.
    fn diff_scenarios(
        &self,
        py: Python<'_>,
        from_: Vec<String>,
        to: Vec<String>,
    ) -> PyResult<String> {
        let policy = &self.policy;
        let output = py
            .detach(|| command::diff_scenarios(policy, &[], &from_, &to, command::Format::Json))
            .map_err(|report| failure(py, "ScenarioError", &[report]))?;
        no_problems(py, &output)?;
        Ok(output.text)
    }

    /// `onus test --format json` of the policy's own tests (a suite owns
    /// its policy: this one is copied for the run).
    fn test(&self, py: Python<'_>) -> String {
        let policy = &self.policy;
        py.detach(|| {
            let suite = onus::Suite {
                path: policy.source.name.clone(),
                text: policy.source.text.clone(),
                policy: Policy::clone(policy),
                tests: policy.tests.clone(),
            };
            let suites = [suite];
            onus::render::tests_json(&onus::run_suites(&suites, None))
        })
    }

    /// `onus export` to bytes (XLSX is binary).
    #[allow(clippy::too_many_arguments)]
    fn export<'py>(
        &self,
        py: Python<'py>,
        format: &str,
        mapping: Option<String>,
        settings: Vec<String>,
        baseline: Option<String>,
        profile: Option<String>,
        date: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let format: command::ExportFormat = choice("export format", format)?;
        let policy = &self.policy;
        let request = ExportRequest {
            date: date.as_deref(),
            profile: profile.as_deref(),
            baseline: baseline.as_deref(),
        };
        let bytes = py
            .detach(|| command::export(policy, mapping.as_deref(), &settings, format, request))
            .map_err(|report| failure(py, "ExportError", &[report]))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `onus compare --format json` against a provider's published file.
    fn compare(
        &self,
        py: Python<'_>,
        file: &str,
        mapping: Option<String>,
        settings: Vec<String>,
    ) -> PyResult<String> {
        let policy = &self.policy;
        let output = py
            .detach(|| {
                command::compare(
                    policy,
                    file,
                    mapping.as_deref(),
                    &settings,
                    command::Format::Json,
                )
            })
            .map_err(|report| failure(py, "InputError", &[report]))?;
        no_problems(py, &output)?;
        Ok(output.text)
    }

    /// `onus eval --batch`: NDJSON scenarios in, NDJSON records out, with
    /// each decision's `fields` (every field if empty); and the records,
    /// errors and conflicts counted.
    fn batch<'py>(
        &self,
        py: Python<'py>,
        input: &[u8],
        fields: Vec<String>,
    ) -> PyResult<(Bound<'py, PyBytes>, u64, u64, u64)> {
        let fields = decision_fields(&fields)?;
        let policy = &self.policy;
        let (output, summary) = py.detach(|| {
            let overrides = onus::PartialScenario::empty(policy);
            let options = onus::BatchOptions {
                jobs: 1,
                overrides: &overrides,
                fields,
            };
            let mut output = Vec::with_capacity(input.len() * 4);
            let summary = onus::run_batch(policy, input, &mut output, &options, |_| {});
            (output, summary)
        });
        let summary = summary.map_err(|stopped| {
            pyo3::exceptions::PyIOError::new_err(format!("the batch stopped: {stopped:?}"))
        })?;
        Ok((
            PyBytes::new(py, &output),
            summary.records,
            summary.errors,
            summary.conflicts,
        ))
    }

    /// Each row of an Arrow stream (`__arrow_c_stream__`: a pyarrow table
    /// or reader, a Polars frame) evaluated: see `arrow.rs`.
    fn eval_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        id_column: Option<String>,
        id_required: bool,
        fields: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fields = decision_fields(&fields)?;
        arrow::eval(
            py,
            &self.policy,
            data,
            id_column.as_deref(),
            id_required,
            fields,
        )
    }

    fn __repr__(&self) -> String {
        format!("<onus policy {:?}>", self.policy.name)
    }
}

/// The decision fields named (as `--fields`), every one if none is.
fn decision_fields(names: &[String]) -> PyResult<onus::DecisionFields> {
    onus::DecisionFields::from_names(names.iter().map(String::as_str)).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "fields are among {}, not {names:?}",
            onus::DecisionFields::NAMES.join(", ")
        ))
    })
}

/// The built-in policies: name and title, as JSON.
#[pyfunction]
fn builtins(py: Python<'_>) -> PyResult<String> {
    let listed = py.detach(|| {
        (onus::BUILTINS.iter())
            .map(|builtin| {
                let policy = onus::load_builtin(builtin.name)?;
                Ok(serde_json::json!({"name": builtin.name, "title": policy.title}))
            })
            .collect::<Result<Vec<_>, Report>>()
    });
    let listed = listed.map_err(|report| failure(py, "PolicyError", &[report]))?;
    Ok(serde_json::Value::from(listed).to_string())
}

/// A JSON Schema of the CLI's outputs by name (`onus schema NAME`).
#[pyfunction]
fn schema(name: &str) -> Option<String> {
    onus::schema(name)
}

/// The schemas' names.
#[pyfunction]
fn schema_names() -> Vec<&'static str> {
    onus::SCHEMA_NAMES.to_vec()
}

/// `onus estate --format json` of inventory files.
#[pyfunction]
fn estate(
    py: Python<'_>,
    policy: &NativePolicy,
    inventories: Vec<String>,
    maps: Vec<String>,
    input_format: &str,
) -> PyResult<String> {
    let forced: command::InventoryChoice = choice("inventory format", input_format)?;
    let policy = &policy.policy;
    let output = py
        .detach(|| {
            command::estate(
                policy,
                &maps,
                &inventories,
                forced,
                command::EstateFormat::Json,
                command::Unmapped::Allowed,
            )
        })
        .map_err(|report| failure(py, "InventoryError", &[report]))?;
    no_problems(py, &output)?;
    Ok(output.text)
}

/// `onus estate --format json` of inventory files with no policy named:
/// each resource to the built-in policy whose map knows its type.
#[pyfunction]
fn estate_routed(
    py: Python<'_>,
    inventories: Vec<String>,
    maps: Vec<String>,
    input_format: &str,
) -> PyResult<String> {
    let forced: command::InventoryChoice = choice("inventory format", input_format)?;
    let output = py
        .detach(|| {
            command::estate_routed(
                &maps,
                &inventories,
                forced,
                command::EstateFormat::Json,
                command::Unmapped::Allowed,
                &[],
            )
        })
        .map_err(|report| failure(py, "InventoryError", &[report]))?;
    no_problems(py, &output)?;
    Ok(output.text)
}

/// `onus estate --input-format ndjson --format ndjson`: NDJSON resources
/// in, NDJSON records out; and the resources, mapped, conflicts and errors
/// counted.
#[pyfunction]
fn estate_stream<'py>(
    py: Python<'py>,
    policy: &NativePolicy,
    maps: Vec<String>,
    input: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, u64, u64, u64, u64)> {
    let policy = &policy.policy;
    let maps = py
        .detach(|| onus::resource_maps(policy, &maps))
        .map_err(|report| failure(py, "InventoryError", &[report]))?;
    let mut output = Vec::new();
    let summary = py
        .detach(|| onus::stream_estate(policy, &maps, input, &mut output))
        .map_err(|error| pyo3::exceptions::PyIOError::new_err(error.to_string()))?;
    Ok((
        PyBytes::new(py, &output),
        summary.resources,
        summary.mapped,
        summary.conflicts,
        summary.errors,
    ))
}

/// `onus check --format json` of a text, which need not load: every
/// error, and every finding of the zones the errors leave whole.
#[pyfunction]
fn check_text(py: Python<'_>, text: &str, name: &str) -> String {
    let report = py.detach(|| onus::check(name, text));
    diagnostics_json(&[report])
}

/// `onus test --format json` of policy and test files or folders.
#[pyfunction]
fn test_files(py: Python<'_>, paths: Vec<String>) -> PyResult<String> {
    let output = py.detach(|| {
        command::test(
            &paths,
            None,
            command::TestFormat::Json,
            onus::render::CoverageListing::Hidden,
        )
    });
    no_problems(py, &output)?;
    Ok(output.text)
}

/// The module `onus._native`.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<NativePolicy>()?;
    module.add_function(wrap_pyfunction!(builtins, module)?)?;
    module.add_function(wrap_pyfunction!(schema, module)?)?;
    module.add_function(wrap_pyfunction!(schema_names, module)?)?;
    module.add_function(wrap_pyfunction!(estate, module)?)?;
    module.add_function(wrap_pyfunction!(estate_routed, module)?)?;
    module.add_function(wrap_pyfunction!(estate_stream, module)?)?;
    module.add_function(wrap_pyfunction!(test_files, module)?)?;
    module.add_function(wrap_pyfunction!(check_text, module)?)?;
    module.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
