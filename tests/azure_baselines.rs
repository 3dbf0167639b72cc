//! The built-in `azure-baselines` policy against Microsoft's workbooks
//! (`policies/catalogs/azure-security-baselines/`): the checked-in text is
//! what the generator writes, and every row of every workbook is read here
//! on its own (not through the generator) and found in the policy's answer.

#[path = "../examples/azure-baselines/generate.rs"]
#[allow(dead_code)]
mod generate;

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use calamine::{open_workbook_auto, Reader};

const FOLDER: &str = "policies/catalogs/azure-security-baselines/v3";

fn policy_text() -> String {
    std::fs::read_to_string("policies/azure-baselines.onus").unwrap()
}

#[test]
fn the_policy_is_what_the_generator_writes() {
    let source =
        std::fs::read_to_string("policies/catalogs/azure-security-baselines/SOURCE").unwrap();
    let workbooks = generate::read_folder(Path::new(FOLDER)).unwrap();
    assert_eq!(workbooks.len(), 118, "the v3 baselines' 118 services");
    let generated = generate::generate(&workbooks, &source).unwrap();
    assert!(
        generated == policy_text(),
        "policies/azure-baselines.onus differs from what the generator writes: run\n  \
         cargo run --example azure-baselines -- {FOLDER} > policies/azure-baselines.onus"
    );
}

/// A row of a workbook as this test reads it: the sheet's cells by header.
struct Row {
    number: usize,
    cells: BTreeMap<String, String>,
}

impl Row {
    fn get(&self, column: &str) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }
}

fn rows_of(file: &Path) -> Vec<Row> {
    let mut book = open_workbook_auto(file).unwrap();
    let sheet = book.worksheet_range("Feature Summary").unwrap();
    let first = sheet.start().unwrap().0 as usize;
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    rows.enumerate()
        .map(|(i, cells)| Row {
            number: first + i + 2,
            cells: header
                .iter()
                .cloned()
                .zip(cells.iter().map(|c| c.to_string().trim().to_string()))
                .collect(),
        })
        .filter(|row| row.cells.values().any(|v| !v.is_empty()))
        .collect()
}

/// The workbooks the header cites, by key: `# [KEY] <path>/<file>`.
fn cited_workbooks(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("# ["))
        .filter_map(|l| l.split_once("] "))
        .filter(|(_, rest)| rest.ends_with(".xlsx"))
        .map(|(key, rest)| {
            (
                key.to_string(),
                rest.rsplit('/').next().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_workbook_row_is_a_cell_of_the_policy() {
    let text = policy_text();
    let policy = onus::load("azure-baselines", &text).unwrap();
    let cited = cited_workbooks(&text);
    let files: BTreeSet<String> = std::fs::read_dir(FOLDER)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        cited.values().cloned().collect::<BTreeSet<_>>(),
        files,
        "the header cites every vendored workbook, once"
    );
    let service = policy.dimension_index("service").unwrap();
    let (mut rows_seen, mut readings) = (0, 0);
    for (key, file) in &cited {
        let rows = rows_of(&Path::new(FOLDER).join(file));
        // The scenario of this workbook's service: the one whose rules cite
        // its key.
        let scenario = policy
            .all_scenarios()
            .find(|s| {
                let value = &policy.dimensions[service].values[s.values[service]];
                value.to_uppercase() == *key
            })
            .unwrap_or_else(|| panic!("no service for [{key}]"));
        let decisions = policy.evaluate(&scenario);
        // Each row's cell; a cell several rows give is checked for each.
        let mut by_cell: BTreeMap<usize, Vec<&Row>> = BTreeMap::new();
        for row in &rows {
            let control = row.get("ASB Control ID");
            let feature = row.get("Feature Name");
            let zone = decisions
                .iter()
                .position(|d| {
                    let label = policy.zones[d.zone].display();
                    match feature {
                        "No Related Feature" => {
                            label.starts_with(&format!("{control} "))
                                && label.ends_with("(guidance, no feature)")
                        }
                        _ if control == "None" => label.ends_with(&format!(" {feature}")),
                        _ => label == format!("{control} {feature}"),
                    }
                })
                .unwrap_or_else(|| {
                    panic!("{file} row {}: no zone for {control} {feature}", row.number)
                });
            by_cell.entry(zone).or_default().push(row);
        }
        for (zone, rows) in by_cell {
            let decision = &decisions[zone];
            assert_eq!(decision.status, onus::Status::Rule);
            let party = policy.parties[decision.party.unwrap()].name.as_str();
            let because = decision.because(&policy).unwrap();
            assert!(because.ends_with(&format!("[{key}]")), "{because}");
            let responsibilities: BTreeSet<&str> =
                rows.iter().map(|r| r.get("Responsibility")).collect();
            for row in &rows {
                rows_seen += 1;
                assert!(
                    because.contains(&format!("row {}", row.number)),
                    "{file} row {}: {because}",
                    row.number
                );
            }
            let expected = |responsibility: &str| match responsibility {
                "Customer" => "customer",
                "Microsoft" => "provider",
                "Shared" => "shared",
                "Not Applicable" => "not-applicable",
                other => panic!("{file}: responsibility {other}"),
            };
            if responsibilities.len() == 1 {
                let responsibility = *responsibilities.first().unwrap();
                assert_eq!(party, expected(responsibility), "{file}: {because}");
                assert!(!because.starts_with("Open:"), "{because}");
                let enabled = rows
                    .iter()
                    .all(|r| r.get("Feature Enabled by Default") == "True");
                assert_eq!(decision.enabled_by_default(&policy), enabled, "{because}");
                let supported = rows[0].get("Feature Supported");
                let said = match supported {
                    "True" if enabled => "Supported, enabled by default",
                    "True" => "Supported, not enabled by default",
                    "False" => "Not supported",
                    "Not Applicable" => "Support not applicable",
                    _ => "No feature of the service",
                };
                assert!(because.starts_with(said), "{file}: {supported}: {because}");
            } else {
                // Rows that disagree: a reading, said so, and never a party
                // no row names (shared only where both parties are named).
                readings += 1;
                assert!(because.starts_with("Open: "), "{because}");
                let named: BTreeSet<&str> = (responsibilities.iter())
                    .filter(|r| **r != "Not Applicable")
                    .map(|r| expected(r))
                    .collect();
                match named.len() {
                    1 => assert_eq!(party, *named.first().unwrap(), "{because}"),
                    _ => assert_eq!(party, "shared", "{because}"),
                }
            }
        }
    }
    assert_eq!(rows_seen, 4163, "every row of the v3 workbooks, once");
    assert_eq!(readings, 20, "cells whose rows disagree");
}

/// The policy's own tests and assertions pass, with every rule exercised.
#[test]
fn the_policy_is_check_clean_and_fully_tested() {
    let check = common::onus(&["check", "policies/azure-baselines.onus"], b"");
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let test = common::onus(
        &["test", "policies/azure-baselines.onus", "--coverage"],
        b"",
    );
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    assert!(
        test.stdout
            .contains("4149 of 4149 rules exercised (100.0%)"),
        "{}",
        test.stdout
    );
    assert!(
        test.stdout.contains("118 passed, 0 failed"),
        "{}",
        test.stdout
    );
}
