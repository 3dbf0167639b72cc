//! `onus test` output.

use serde::Serialize;

use super::decisions::{rule_json, RuleJson};
use crate::base::span::line_column;
use crate::engine::testing::TestRun;
use crate::model::answers::{Decision, Status};
use crate::model::policy::{Policy, Test};

/// One file's tests: where they came from and how they went.
#[derive(Debug)]
pub struct FileRun<'a> {
    /// The file the tests are in.
    pub path: &'a str,
    /// Its text, to locate the tests.
    pub text: &'a str,
    /// The policy the tests ran against.
    pub policy: &'a Policy,
    /// The tests run.
    pub tests: &'a [Test],
    /// How they went.
    pub run: TestRun,
}

fn got_text(policy: &Policy, got: &Decision) -> String {
    let rules: Vec<String> = got
        .rules
        .iter()
        .map(|&r| {
            let rule = &policy.rules[r];
            let line = policy.source.line_column(rule.span.start).0;
            format!("{}:{line}: {}", policy.name, policy.source_text(rule.span))
        })
        .collect();
    match (got.status, got.party) {
        (Status::Conflict, _) => format!("a conflict between {}", rules.join(" and ")),
        (Status::Default, Some(p)) => format!("`{}` by default", policy.parties[p].name),
        (_, Some(p)) => format!("`{}` by {}", policy.parties[p].name, rules.join(" and ")),
        (_, None) => "nobody".to_string(),
    }
}

/// The files' runs and the coverage every file must reach.
#[derive(Debug)]
pub struct TestReport<'a> {
    /// Each file's run, in the order given.
    pub files: Vec<FileRun<'a>>,
    /// `--threshold`: the least rule coverage, in percent, a file may have.
    pub threshold: Option<f64>,
}

impl TestReport<'_> {
    /// The files whose coverage is below the threshold.
    pub fn below_threshold(&self) -> impl Iterator<Item = &FileRun<'_>> {
        self.files
            .iter()
            .filter(|f| self.threshold.is_some_and(|t| f.run.coverage() < t))
    }

    /// Whether every test passed and every file reached the threshold.
    pub fn passed(&self) -> bool {
        self.files.iter().all(|f| f.run.failed() == 0) && self.below_threshold().next().is_none()
    }
}

/// Whether the text output lists each file's coverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoverageListing {
    /// List each file's coverage and the rules no test exercised.
    Shown,
    /// Only failures and the closing line.
    Hidden,
}

/// Failures, coverage if asked, the closing `N passed, N failed` line, and
/// the files below the threshold.
pub fn text(report: &TestReport, coverage: CoverageListing) -> String {
    let files = &report.files;
    let mut out = String::new();
    for file in files {
        for outcome in file.run.outcomes.iter().filter(|o| !o.passed()) {
            let test = &file.tests[outcome.test];
            let line = line_column(file.text, test.span.start).0;
            out.push_str(&format!("FAIL \"{}\" at {}:{line}\n", test.name, file.path));
            for m in &outcome.mismatches {
                out.push_str(&format!(
                    "  {}: expected `{}`, got {}\n",
                    file.policy.zones[m.zone].name,
                    file.policy.parties[m.expected].name,
                    got_text(file.policy, &m.got)
                ));
            }
        }
        if coverage == CoverageListing::Shown {
            let covered = file.run.exercised.iter().filter(|&&e| e).count();
            let whose = if file.policy.name == file.path {
                file.path.to_string()
            } else {
                format!("{} by {}", file.policy.name, file.path)
            };
            out.push_str(&format!(
                "coverage of {whose}: {covered} of {} rules exercised ({:.1}%)\n",
                file.run.exercised.len(),
                file.run.coverage()
            ));
            for (rule, _) in file.run.exercised.iter().enumerate().filter(|(_, &e)| !e) {
                let r = &file.policy.rules[rule];
                let line = file.policy.source.line_column(r.span.start).0;
                out.push_str(&format!(
                    "  not exercised: {}:{line}: {}\n",
                    file.policy.name,
                    file.policy.source_text(r.span)
                ));
            }
        }
    }
    let passed: usize = files.iter().map(|f| f.run.passed()).sum();
    let failed: usize = files.iter().map(|f| f.run.failed()).sum();
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    for file in report.below_threshold() {
        out.push_str(&format!(
            "coverage of {} by {} is {:.1}%, below the threshold {}%\n",
            file.policy.name,
            file.path,
            file.run.coverage(),
            report.threshold.unwrap_or_default()
        ));
    }
    out
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "TestOutput")]
pub(crate) struct TestsJson<'a> {
    files: Vec<FileJson<'a>>,
    passed: usize,
    failed: usize,
    /// `--threshold`, when given: the least rule coverage in percent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    threshold: Option<f64>,
    /// `pass` when every test passed and every file reached the
    /// threshold (the exit code is then 0), else `fail`.
    verdict: Verdict,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Verdict {
    Pass,
    Fail,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "TestFile")]
pub(crate) struct FileJson<'a> {
    path: &'a str,
    policy: &'a str,
    tests: Vec<TestJson<'a>>,
    coverage: CoverageJson<'a>,
    /// With `--threshold`: whether this file's coverage is below it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    below_threshold: Option<bool>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "TestResult")]
pub(crate) struct TestJson<'a> {
    name: &'a str,
    line: usize,
    passed: bool,
    mismatches: Vec<MismatchJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Mismatch")]
pub(crate) struct MismatchJson<'a> {
    zone: &'a str,
    expected: &'a str,
    party: Option<&'a str>,
    status: Status,
    rules: Vec<RuleJson<'a>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Coverage")]
pub(crate) struct CoverageJson<'a> {
    exercised: usize,
    rules: usize,
    percent: f64,
    not_exercised: Vec<RuleJson<'a>>,
}

/// `onus test --format json`.
pub fn json(report: &TestReport) -> String {
    let files = &report.files;
    let files_json = files
        .iter()
        .map(|file| {
            let policy = file.policy;
            FileJson {
                path: file.path,
                policy: &policy.name,
                tests: file
                    .run
                    .outcomes
                    .iter()
                    .map(|o| {
                        let test = &file.tests[o.test];
                        TestJson {
                            name: &test.name,
                            line: line_column(file.text, test.span.start).0,
                            passed: o.passed(),
                            mismatches: o
                                .mismatches
                                .iter()
                                .map(|m| MismatchJson {
                                    zone: &policy.zones[m.zone].name,
                                    expected: &policy.parties[m.expected].name,
                                    party: m.got.party.map(|p| policy.parties[p].name.as_str()),
                                    status: m.got.status,
                                    rules: m
                                        .got
                                        .rules
                                        .iter()
                                        .map(|&r| rule_json(policy, r))
                                        .collect(),
                                })
                                .collect(),
                        }
                    })
                    .collect(),
                coverage: CoverageJson {
                    exercised: file.run.exercised.iter().filter(|&&e| e).count(),
                    rules: file.run.exercised.len(),
                    percent: (file.run.coverage() * 10.0).round() / 10.0,
                    not_exercised: file
                        .run
                        .exercised
                        .iter()
                        .enumerate()
                        .filter(|(_, &e)| !e)
                        .map(|(r, _)| rule_json(policy, r))
                        .collect(),
                },
                below_threshold: report.threshold.map(|t| file.run.coverage() < t),
            }
        })
        .collect();
    super::to_json(&TestsJson {
        files: files_json,
        passed: files.iter().map(|f| f.run.passed()).sum(),
        failed: files.iter().map(|f| f.run.failed()).sum(),
        threshold: report.threshold,
        verdict: if report.passed() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
    })
}
