//! `onus eval`: one scenario's answers, in full or with dimensions left
//! open, and how its arguments read.

use super::*;

/// `eval`'s two optional arguments, the policy and the scenario file: a
/// single argument that is `-` or ends in `.json` is the scenario (`onus
/// eval scenario.json` evaluates the default policy).
pub fn eval_arguments(
    policy: Option<String>,
    scenario: Option<String>,
) -> (Option<String>, Option<String>) {
    let is_scenario = |p: &String| p == "-" || p.ends_with(".json");
    match (policy, scenario) {
        (Some(p), None) if is_scenario(&p) => (None, Some(p)),
        other => other,
    }
}

/// `onus eval`: who holds each zone in `scenario` (echoing its `id`); a
/// conflict is a finding.
pub fn eval(
    policy: &Policy,
    scenario: &Scenario,
    id: Option<&Id>,
    format: Format,
    explain: Explanation,
) -> Output {
    let decisions = policy.evaluate(scenario);
    let text = match (format, explain) {
        (Format::Json, Explanation::Hidden) => {
            render::eval_json(policy, scenario, id, &decisions, Detail::Decisions)
        }
        (Format::Json, Explanation::Shown) => render::eval_json(
            policy,
            scenario,
            id,
            &decisions,
            Detail::Explained(scenario),
        ),
        (Format::Table, Explanation::Hidden) => {
            safe(render::eval_table(policy, scenario, id, &decisions))
        }
        (Format::Table, Explanation::Shown) => {
            safe(render::eval_explained(policy, scenario, id, &decisions))
        }
    };
    let conflict = decisions
        .iter()
        .any(|d| d.status == crate::model::answers::Status::Conflict);
    Output::result(text, conflict)
}

/// `onus eval --partial`: each zone definite or depending on the
/// dimensions `given` leaves open; a possible conflict is a finding, and a
/// zone the analysis could not decide a problem.
pub fn eval_partial(
    policy: &Policy,
    given: &crate::model::scenario::PartialScenario,
    id: Option<&Id>,
    format: Format,
) -> Output {
    let answers = policy.evaluate_partial(given);
    let open = policy.open_dimensions(given);
    let text = match format {
        Format::Json => render::partial_json(policy, given, &open, id, &answers),
        Format::Table => safe(render::partial_table(policy, given, &open, id, &answers)),
    };
    let conflict = (answers.iter())
        .filter_map(|a| a.cases.as_ref())
        .flatten()
        .any(|c| c.holder == crate::model::answers::Holder::Conflict);
    let undecided: Vec<Diagnostic> = (answers.iter())
        .filter(|a| a.cases.is_none())
        .map(|a| {
            Diagnostic::new(
                Code::AnalysisLimit,
                format!(
                    "zone `{}`: could not decide within the analysis budget what it depends on",
                    policy.zones[a.zone].name
                ),
            )
        })
        .collect();
    let mut output = Output::result(text, conflict);
    if !undecided.is_empty() {
        output
            .problems
            .push(Report::new(Source::new(&policy.name, ""), undecided));
    }
    output
}
