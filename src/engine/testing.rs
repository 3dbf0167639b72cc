//! Running a policy's tests, and which rules they exercise.

use crate::engine::eval::evaluate;
use crate::model::answers::{Decision, Status};
use crate::model::policy::{PartyId, Policy, Test, ZoneId};

/// A zone whose holder is not the one a test expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The zone.
    pub zone: ZoneId,
    /// The party the test expects.
    pub expected: PartyId,
    /// What the zone resolved to.
    pub got: Decision,
}

/// How one test went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestOutcome {
    /// Index into the tests run.
    pub test: usize,
    /// Empty when the test passed.
    pub mismatches: Vec<Mismatch>,
}

impl TestOutcome {
    /// Whether the test passed: no zone was wrong.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Every test's outcome, and per rule whether a test exercised it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRun {
    /// Each test's outcome, in the order run.
    pub outcomes: Vec<TestOutcome>,
    /// `exercised[rule]`: some test's scenario matches the rule and the test
    /// states what the rule's zone must resolve to.
    pub exercised: Vec<bool>,
}

impl TestRun {
    /// How many tests passed.
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed()).count()
    }

    /// How many tests failed.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }

    /// Exercised rules over all rules, as a percentage; 100 with no rules.
    pub fn coverage(&self) -> f64 {
        if self.exercised.is_empty() {
            return 100.0;
        }
        let covered = self.exercised.iter().filter(|&&e| e).count();
        100.0 * covered as f64 / self.exercised.len() as f64
    }
}

/// Runs `tests` against `policy`.
pub fn run(policy: &Policy, tests: &[Test]) -> TestRun {
    let mut exercised = vec![false; policy.rules.len()];
    let outcomes = tests
        .iter()
        .enumerate()
        .map(|(index, test)| {
            let decisions = evaluate(policy, &test.scenario);
            let mut mismatches = Vec::new();
            for &(zone, expected, _) in &test.expect {
                let got = &decisions[zone];
                for &rule in &got.rules {
                    exercised[rule] = true;
                }
                if got.status == Status::Conflict || got.party != Some(expected) {
                    mismatches.push(Mismatch {
                        zone,
                        expected,
                        got: got.clone(),
                    });
                }
            }
            TestOutcome {
                test: index,
                mismatches,
            }
        })
        .collect();
    TestRun {
        outcomes,
        exercised,
    }
}
