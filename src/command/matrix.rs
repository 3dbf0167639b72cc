//! `onus matrix`: every value of one dimension, in every format.

use super::*;

choice! {
    /// How `matrix` prints.
    MatrixFormat {
        /// A table for people.
        Table => "table",
        /// A Markdown table.
        Markdown => "markdown",
        /// Comma-separated values.
        Csv => "csv",
        /// JSON, as the `matrix` schema describes.
        Json => "json",
        /// The responsibility diagram.
        Svg => "svg",
        /// The diagram and every cell's rules, in one self-contained page.
        Html => "html",
    }
}

/// `onus matrix`: every value of dimension `over` (or the default sweep),
/// or only those `only` names (`--only a,b`, in the dimension's order),
/// with the other dimensions fixed by `settings`; a conflict is a finding.
pub fn matrix(
    policy: &Policy,
    over: Option<&str>,
    only: &[String],
    settings: &[String],
    format: MatrixFormat,
) -> Result<Output, Report> {
    let over = policy.sweep_dimension(over)?;
    let columns = columns(policy, over, only)?;
    let mut fixed = policy.settings("--set", settings)?;
    let source = || Source::new("--set", settings.join(" "));
    if fixed.has(over) {
        // The swept dimension takes every value: fixing it makes no sense.
        let name = &policy.dimensions[over].name;
        let message = format!("`--set {name}=...` conflicts with `--over {name}`");
        let mut diagnostic =
            Diagnostic::new(Code::InvalidSetting, message).with_help(Some(format!(
            "the matrix shows every value of `{name}`: drop the setting, or sweep another dimension"
        )));
        for span in setting_spans(settings, name) {
            diagnostic = diagnostic.with_label(span, "fixes the swept dimension");
        }
        return Err(Report::new(source(), vec![diagnostic]));
    }
    fixed.set_index(over, 0);
    let base = fixed
        .complete(policy, None)
        .map_err(|errors| Report::from_errors(source(), &errors))?;
    let matrix = policy.matrix_of(over, &base, columns);
    let text = match format {
        MatrixFormat::Table => safe(render::matrix_table(policy, &matrix)),
        MatrixFormat::Markdown => safe(render::matrix_markdown(policy, &matrix)),
        MatrixFormat::Csv => safe(render::matrix_csv(policy, &matrix)),
        MatrixFormat::Json => render::matrix_json(policy, &matrix),
        MatrixFormat::Svg => safe(render::matrix_svg(policy, &matrix)),
        MatrixFormat::Html => safe(render::matrix_html(policy, &matrix)),
    };
    Ok(Output::result(text, matrix.has_conflict()))
}

/// The values of `over` a matrix shows: every one, or those `only` names
/// (each argument a comma-separated list), in the dimension's order. An
/// unknown or repeated value is a located error.
fn columns(policy: &Policy, over: usize, only: &[String]) -> Result<Vec<usize>, Report> {
    let dimension = &policy.dimensions[over];
    if only.is_empty() {
        return Ok((0..dimension.values.len()).collect());
    }
    let text = only.join(",");
    let mut chosen = Vec::new();
    let mut diagnostics = Vec::new();
    let mut start = 0;
    for name in text.split(',') {
        let span = crate::base::span::Span::new(start, start + name.len());
        start = span.end + 1;
        match dimension.values.iter().position(|v| v == name) {
            Some(value) if chosen.contains(&value) => diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateField,
                    format!("`--only` names `{name}` twice"),
                )
                .with_label(span, "named again here"),
            ),
            Some(value) => chosen.push(value),
            None => diagnostics.push(crate::diagnostic::ToDiagnostic::to_diagnostic(
                &crate::model::scenario::ScenarioError::UnknownValue {
                    dimension: dimension.name.clone(),
                    value: name.to_string(),
                    span,
                    suggestion: crate::base::names::closest(
                        name,
                        dimension.values.iter().map(String::as_str),
                    )
                    .map(str::to_string),
                    allowed: dimension.values.clone(),
                },
            )),
        }
    }
    if !diagnostics.is_empty() {
        return Err(Report::new(Source::new("--only", text), diagnostics));
    }
    chosen.sort_unstable();
    Ok(chosen)
}
