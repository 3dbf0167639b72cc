//! `onus test`: the tests of policies and test files, with coverage.

use super::*;

choice! {
    /// How `test` prints.
    TestFormat {
        /// Failures and a summary line, for people.
        Text => "text",
        /// JSON, as the `test` schema describes.
        Json => "json",
    }
}

/// `onus test`: runs the tests of each policy or test file; a failure, or
/// a file's rule coverage below `threshold` percent, is a finding. A file
/// that does not load stops the run before any test.
pub fn test(
    paths: &[String],
    threshold: Option<f64>,
    format: TestFormat,
    coverage: CoverageListing,
) -> Output {
    let (mut suites, mut problems) = (Vec::new(), Vec::new());
    let (files, unreadable) = crate::io::expand_paths(paths);
    problems.extend(unreadable);
    for (path, from_folder) in &files {
        // A folder's mappings and resource maps hold no tests.
        if *from_folder && crate::api::is_map_file(path) {
            continue;
        }
        match crate::api::load_suite(path) {
            Ok(suite) => suites.push(suite),
            Err(report) => problems.push(report),
        }
    }
    if !problems.is_empty() {
        return Output {
            problems,
            ..Output::default()
        };
    }
    let report = crate::api::run_suites(&suites, threshold);
    let text = match format {
        TestFormat::Json => render::tests_json(&report),
        TestFormat::Text => safe(render::tests_text(&report, coverage)),
    };
    Output::result(text, !report.passed())
}
