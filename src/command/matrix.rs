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

/// `onus matrix`: every value of dimension `over` (or the default sweep)
/// with the other dimensions fixed by `settings`; a conflict is a finding.
pub fn matrix(
    policy: &Policy,
    over: Option<&str>,
    settings: &[String],
    format: MatrixFormat,
) -> Result<Output, Report> {
    let over = policy.sweep_dimension(over)?;
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
    let matrix = policy.matrix(over, &base);
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
