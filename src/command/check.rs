//! `onus check`: policies, mappings and resource maps proven, in text,
//! JSON or SARIF.

use super::*;

choice! {
    /// How `check` prints.
    CheckFormat {
        /// Diagnostics with the source marked, and a summary line.
        Text => "text",
        /// JSON, as the `check` schema describes.
        Json => "json",
        /// SARIF 2.1.0, for code-scanning tools.
        Sarif => "sarif",
    }
}

/// Which diagnostics fail `check` (exit 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failing {
    /// Errors only.
    Errors,
    /// Warnings too (`--deny warnings`).
    Warnings,
}

/// `onus check` over policies given by path or built-in name: every
/// diagnostic is a finding when it fails (`failing`); a policy that cannot
/// be read is a problem, and the others are still checked.
/// With `maps` (paths or built-in names), each policy is also checked
/// against each mapping: its zones without a control, the mapping's zones
/// it lacks (where a near name suggests a typo), and controls its zones'
/// holders share.
pub fn check(
    names: &[String],
    maps: &[String],
    format: CheckFormat,
    failing: Failing,
    colour: Colour,
) -> Output {
    let (mut reports, mut problems) = (Vec::new(), Vec::new());
    let mut policies = 0;
    let mut mappings = Vec::new();
    for map in maps {
        // A mapping that cannot be read is a problem (exit 2); one read
        // with errors in it is checked like any file (its errors count).
        match crate::io::mapping_source(map) {
            Ok(source) => match crate::api::load_mapping_text(&source.name, &source.text) {
                Ok(mapping) => mappings.push(mapping),
                Err(report) => reports.push(report),
            },
            Err(report) => problems.push(report),
        }
    }
    let (files, unreadable) = crate::io::expand_paths(names);
    problems.extend(unreadable);
    for (name, from_folder) in &files {
        // A folder's test files are run by `onus test`, not checked.
        if *from_folder && crate::api::is_test_file(name) {
            continue;
        }
        let source = match crate::io::policy_source(name) {
            Ok(source) => source,
            Err(report) => {
                problems.push(report);
                continue;
            }
        };
        let mut report = crate::api::check(&source.name, &source.text);
        let policy = match mappings.is_empty() {
            true => None,
            false => crate::api::load(&source.name, &source.text).ok(),
        };
        let mut mapping_reports = Vec::new();
        for mapping in policy
            .iter()
            .flat_map(|p| mappings.iter().map(move |m| (p, m)))
        {
            let (policy, mapping) = mapping;
            let mut about_mapping = Vec::new();
            for finding in crate::compliance::mapping::mapping_findings(policy, mapping) {
                let diagnostic = crate::diagnostic::ToDiagnostic::to_diagnostic(&finding);
                match finding {
                    crate::compliance::mapping::MappingFinding::UnmappedZone { .. } => {
                        report.diagnostics.push(diagnostic)
                    }
                    _ => about_mapping.push(diagnostic),
                }
            }
            if !about_mapping.is_empty() {
                mapping_reports.push(Report::new(mapping.source.clone(), about_mapping));
            }
        }
        reports.push(report);
        policies += 1;
        reports.extend(mapping_reports);
    }
    let count = |severity| {
        let diagnostics = reports.iter().flat_map(|r: &Report| &r.diagnostics);
        diagnostics.filter(|d| d.severity == severity).count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let text = match format {
        CheckFormat::Json => render::diagnostics_json(&reports),
        CheckFormat::Sarif => render::sarif(&reports),
        CheckFormat::Text => {
            let mut text: String = reports
                .iter()
                .map(|r| render::diagnostics_text(r, colour))
                .collect();
            text.push_str(&format!(
                "checked {}: {}, {}, {}\n",
                counted(policies, "policy", "policies"),
                counted(errors as u64, "error", "errors"),
                counted(warnings as u64, "warning", "warnings"),
                counted(count(Severity::Note) as u64, "note", "notes")
            ));
            text
        }
    };
    let findings = errors > 0 || (failing == Failing::Warnings && warnings > 0);
    Output {
        text,
        problems,
        outcome: Outcome::findings_if(findings),
    }
}
