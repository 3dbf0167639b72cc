//! `onus diff`: two scenarios under one policy, or two policies over
//! every scenario.

use super::*;

/// `onus diff OLD NEW`: where the two policies resolve a zone differently
/// over every scenario; a difference is a finding, a zone the analysis
/// could not decide a problem (after the rest is printed).
pub fn diff_policies(old: &Policy, new: &Policy, format: Format) -> Output {
    let diff = match old.diff(new) {
        Ok(diff) => diff,
        Err(report) => {
            return Output {
                problems: vec![report],
                ..Output::default()
            }
        }
    };
    let text = match format {
        Format::Table => safe(render::diff_policies_text(old, new, &diff)),
        Format::Json => render::diff_policies_json(old, new, &diff),
    };
    Output {
        text,
        problems: diff.undecided_report(new).into_iter().collect(),
        outcome: Outcome::findings_if(!diff.is_empty()),
    }
}

/// `onus diff --from .. --to ..`: the zones whose holder changes between
/// two scenarios of one policy, each given as settings (`shared` applies to
/// both); a change is a finding.
pub fn diff_scenarios(
    policy: &Policy,
    shared: &[String],
    from: &[String],
    to: &[String],
    format: Format,
) -> Result<Output, Report> {
    let common = policy.settings("--set", shared)?;
    let scenario = |flag: &str, own: &[String]| {
        let fixed = policy.settings(flag, own)?;
        // A dimension both `--set` and `--from` (or `--to`) give would
        // have one value silently win: refused, and named.
        let both: Vec<&str> = (policy.dimensions.iter().enumerate())
            .filter(|&(d, _)| fixed.has(d) && common.has(d))
            .map(|(_, dimension)| dimension.name.as_str())
            .collect();
        let diagnostics: Vec<Diagnostic> = (both.iter())
            .map(|name| {
                let message = format!("`{name}` is set by both `--set` and `{flag}`");
                let help = format!("`--set` gives what both scenarios share: set `{name}` in `--from` and `--to`, or in `--set` only");
                let spans = setting_spans(own, name);
                spans.fold(
                    Diagnostic::new(Code::InvalidSetting, message).with_help(Some(help)),
                    |diagnostic, span| diagnostic.with_label(span, "also set by `--set`"),
                )
            })
            .collect();
        if !diagnostics.is_empty() {
            return Err(Report::new(Source::new(flag, own.join(" ")), diagnostics));
        }
        let mut whole = common.clone();
        whole.overlay(&fixed);
        let source = || Source::new(flag, [shared, own].concat().join(" "));
        whole
            .complete(policy, None)
            .map_err(|errors| Report::from_errors(source(), &errors))
    };
    let (from, to) = (scenario("--from", from)?, scenario("--to", to)?);
    let changes = policy.diff_scenarios(&from, &to);
    let text = match format {
        Format::Table => safe(render::diff_scenarios_text(policy, &from, &to, &changes)),
        Format::Json => render::diff_scenarios_json(policy, &from, &to, &changes),
    };
    Ok(Output::result(text, !changes.is_empty()))
}
