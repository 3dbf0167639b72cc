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
                // no row names (shared only where both parties are named;
                // not-applicable where no row says the feature is supported).
                readings += 1;
                assert!(because.starts_with("Open: "), "{because}");
                let named: BTreeSet<&str> = (responsibilities.iter())
                    .filter(|r| **r != "Not Applicable")
                    .map(|r| expected(r))
                    .collect();
                let supported = rows.iter().any(|r| r.get("Feature Supported") == "True");
                let guidance = rows[0].get("Feature Name") == "No Related Feature";
                match named.len() {
                    _ if !guidance && !supported && responsibilities.contains("Not Applicable") => {
                        assert_eq!(party, "not-applicable", "{because}")
                    }
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

/// A scratch folder of this test process.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-baselines-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The baselines of 2023-06-22, rebuilt from the vendored ones (see
/// `tests/fixtures/azure-baselines/2023-06-22/README.md`), against today's:
/// `onus diff` lists the 16 services added since, and finds every cell of
/// the 102 services both have unchanged.
#[test]
fn a_newer_baseline_is_a_diff() {
    let fixture = Path::new("tests/fixtures/azure-baselines/2023-06-22");
    let added: Vec<String> = std::fs::read_to_string(fixture.join("added.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(added.len(), 16);
    let dir = scratch("2023-06-22");
    let old_folder = dir.join("v3");
    std::fs::create_dir_all(&old_folder).unwrap();
    for entry in std::fs::read_dir(FOLDER).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !added.contains(&name) {
            std::fs::copy(Path::new(FOLDER).join(&name), old_folder.join(&name)).unwrap();
        }
    }
    let changed = "cognitive-services-azure-security-benchmark-v3-latest-security-baseline.xlsx";
    std::fs::copy(fixture.join(changed), old_folder.join(changed)).unwrap();
    let source = std::fs::read_to_string("policies/catalogs/azure-security-baselines/SOURCE")
        .unwrap()
        .replace(
            "8b9505a618cf9aa1046eb6c589008663d42f7d4f",
            "41fb9a5a9267339a05a64420edf63e7962a41254",
        )
        .replace("date: 2023-10-10", "date: 2023-06-22");
    let workbooks = generate::read_folder(&old_folder).unwrap();
    assert_eq!(workbooks.len(), 102);
    let old = dir.join("azure-baselines-2023-06-22.onus");
    std::fs::write(&old, generate::generate(&workbooks, &source).unwrap()).unwrap();

    let run = common::onus(&["diff", old.to_str().unwrap(), "azure-baselines"], b"");
    assert_eq!(run.code, 1, "a difference is a finding: {}", run.stderr);
    let json = common::onus(
        &[
            "diff",
            old.to_str().unwrap(),
            "azure-baselines",
            "--format",
            "json",
        ],
        b"",
    );
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let services: Vec<String> = added
        .iter()
        .map(|file| generate::service_of(file).unwrap())
        .collect();
    let mut listed: Vec<String> = json["added_values"]["service"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut expected = services.clone();
    expected.sort();
    assert_eq!(listed, expected, "the services added since");
    assert!(json.get("removed_values").is_none(), "{json}");
    assert_eq!(json["changes"].as_array().unwrap().len(), 0, "{json}");
    assert_eq!(json["added_zones"].as_array().unwrap().len(), 0);
    let text = run
        .stdout
        .replace(old.to_str().unwrap(), "azure-baselines-2023-06-22");
    insta::assert_snapshot!(text);
}

/// Each resource's to-do: the zones the customer holds, alone or shared,
/// that the service does not turn on by itself; never a zone the workbook
/// says is enabled by default, and every other customer zone.
#[test]
fn the_estate_lists_each_resources_to_do() {
    let inventory = serde_json::json!([
        {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv", "type": "Microsoft.KeyVault/vaults"},
        {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st", "type": "Microsoft.Storage/storageAccounts"},
        {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.DataProtection/backupVaults/bv", "type": "Microsoft.DataProtection/backupVaults"},
        {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/natGateways/nat", "type": "Microsoft.Network/natGateways"},
        {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id", "type": "Microsoft.ManagedIdentity/userAssignedIdentities"}
    ]);
    let dir = scratch("estate");
    let file = dir.join("resources.json");
    std::fs::write(&file, inventory.to_string()).unwrap();
    let run = common::onus(
        &[
            "estate",
            "azure-baselines",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let resources = json["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 5, "every resource, once, in order");
    let mut enabled_by_default_seen = 0;
    for resource in &resources[..3] {
        let to_do: Vec<&str> = (resource["to_do"].as_array().unwrap().iter())
            .map(|z| z.as_str().unwrap())
            .collect();
        let mut expected = Vec::new();
        for decision in resource["decisions"].as_array().unwrap() {
            let customer_acts =
                ["customer", "shared"].contains(&decision["party"].as_str().unwrap());
            let on = decision["enabled_by_default"] == true;
            enabled_by_default_seen += usize::from(customer_acts && on);
            if customer_acts && !on {
                expected.push(decision["zone"].as_str().unwrap());
            }
        }
        assert_eq!(to_do, expected, "{}", resource["address"]);
        assert!(!to_do.is_empty());
    }
    // Azure Backup: shared, and on by default: not on the list.
    let backup = &resources[2];
    assert_eq!(backup["scenario"]["service"], "backup");
    let azure_backup = (backup["decisions"].as_array().unwrap().iter())
        .find(|d| d["zone"] == "br-1 azure backup")
        .unwrap();
    assert_eq!(azure_backup["party"], "shared");
    assert_eq!(azure_backup["enabled_by_default"], true);
    assert!(!backup["to_do"]
        .as_array()
        .unwrap()
        .contains(&"br-1 azure backup".into()));
    assert!(enabled_by_default_seen >= 1);
    // A NAT gateway has two baselines: answered over both; its to-do holds
    // the zones on it for both, and only those.
    let nat = &resources[3];
    let nat_to_do: Vec<&str> = (nat["to_do"].as_array().unwrap().iter())
        .map(|z| z.as_str().unwrap())
        .collect();
    let mut certain = Vec::new();
    for answer in nat["partial"].as_array().unwrap() {
        let cases = answer["cases"].as_array().unwrap();
        let on_list = cases.iter().all(|case| {
            let party = case["party"].as_str().unwrap_or("");
            let marked = (case["rules"].as_array().unwrap().iter()).any(|r| {
                r["text"]
                    .as_str()
                    .unwrap()
                    .contains(" enabled-by-default because ")
            });
            ["customer", "shared"].contains(&party) && !marked
        });
        if on_list {
            certain.push(answer["zone"].as_str().unwrap());
        }
    }
    assert_eq!(nat_to_do, certain);
    assert!(
        nat_to_do.contains(&"ns-1 virtual network integration"),
        "{nat_to_do:?}"
    );
    assert_eq!(resources[4]["mapped"], false);

    let text = common::onus(&["estate", "azure-baselines", file.to_str().unwrap()], b"");
    let key_vault = text
        .stdout
        .lines()
        .skip_while(|l| !l.contains("/vaults/kv"))
        .nth(5)
        .unwrap();
    assert!(key_vault.starts_with("  to do: "), "{}", text.stdout);
}

/// Every line of the map names a type the providers' catalogs have, or
/// says why not (a retired service, a type azurerm 4.0 removed); every
/// service it names has a baseline; and the share of catalog types it
/// answers is recorded.
#[test]
fn the_resource_map_names_real_types() {
    let map = std::fs::read_to_string("policies/resources/azure-baselines.onus").unwrap();
    let catalog = |name: &str| -> Vec<String> {
        std::fs::read_to_string(format!("policies/catalogs/resource-types/{name}.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    };
    let known: Vec<String> = [catalog("terraform-azurerm"), catalog("arm")].concat();
    let mut unknown = Vec::new();
    for line in map.lines().filter(|l| l.starts_with("resource \"")) {
        let pattern = line.split('"').nth(1).unwrap().to_lowercase();
        let found = match pattern.strip_suffix('*') {
            Some(prefix) => known.iter().any(|t| t.starts_with(prefix)),
            None => known.contains(&pattern),
        };
        if !found {
            let said = line.contains("no longer") || line.contains("removed");
            assert!(said, "not in any catalog, and not said why: {line}");
            unknown.push(pattern);
        }
    }
    let mut report = format!(
        "types the catalogs no longer have: {}\n",
        unknown.join(", ")
    );
    // The share of each Azure catalog the map answers.
    let dir = scratch("catalogs");
    for name in ["terraform-azurerm", "arm"] {
        let types = catalog(name);
        let inventory: Vec<serde_json::Value> = (types.iter())
            .map(|t| serde_json::json!({"id": format!("catalog/{t}"), "type": t}))
            .collect();
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string(&inventory).unwrap()).unwrap();
        let run = common::onus(
            &[
                "estate",
                "azure-baselines",
                file.to_str().unwrap(),
                "--format",
                "ndjson",
            ],
            b"",
        );
        let records: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records.len(), types.len(), "{name}: every type once");
        let mapped = records.iter().filter(|r| r["mapped"] == true).count();
        let open = (records.iter())
            .filter(|r| r["open"].as_object().is_some_and(|o| !o.is_empty()))
            .count();
        report.push_str(&format!(
            "{name}: {} types, {mapped} answered ({open} of them over several services)\n",
            types.len()
        ));
    }
    insta::assert_snapshot!(report);
}

/// The NIST SP 800-53 line of each `azure-baselines` zone is Microsoft's
/// own mapping: the ids the Azure Security Benchmark v3 workbook gives the
/// zone's control, those of the Rev. 5 HIGH baseline, in its order; and the
/// `because` names the ones left out.
#[test]
fn the_nist_lines_are_microsofts_mapping() {
    let workbook = "policies/catalogs/azure-security-baselines/azure-security-benchmark-v3.0.xlsx";
    let mut book = open_workbook_auto(workbook).unwrap();
    let sheet = book.worksheet_range("Azure Security Benchmark v3").unwrap();
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let id = header.iter().position(|h| h == "ASB ID").unwrap();
    let nist = header
        .iter()
        .position(|h| h == "NIST SP800-53 r4 ID(s)")
        .unwrap();
    let mut microsoft: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let control = row[id].to_string();
        if control.is_empty() {
            continue;
        }
        let ids = (row[nist].to_string().lines())
            // "AC-4: INFORMATION FLOW ENFORCEMENT", once "SI-16 MEMORY PROTECTION".
            .filter_map(|l| {
                l.trim()
                    .split(|c: char| c == ':' || c.is_whitespace())
                    .next()
            })
            .map(|i| i.replace('(', ".").replace(')', "").to_lowercase())
            .filter(|i| !i.is_empty())
            .collect();
        microsoft.insert(control, ids);
    }
    let high: BTreeSet<String> =
        std::fs::read_to_string("policies/catalogs/nist-sp-800-53-rev5-high.tsv")
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .map(str::to_lowercase)
            .collect();
    let mapping = std::fs::read_to_string("policies/mappings/nist-sp-800-53-rev5.onus").unwrap();
    let policy = onus::load("azure-baselines", &policy_text()).unwrap();
    for zone in &policy.zones {
        let control = zone.name.split(' ').next().unwrap().to_uppercase();
        let line = (mapping.lines())
            .find(|l| l.starts_with(&format!("{}: controls ", zone.name)))
            .unwrap_or_else(|| panic!("no NIST line for {}", zone.name));
        let listed = line
            .split(": controls ")
            .nth(1)
            .unwrap()
            .split(" because ")
            .next()
            .unwrap();
        let ids = &microsoft[&control];
        let kept: Vec<&str> = (ids.iter())
            .filter(|i| high.contains(*i))
            .map(String::as_str)
            .collect();
        assert_eq!(listed, kept.join(", "), "{}", zone.name);
        for left_out in ids.iter().filter(|i| !high.contains(*i)) {
            assert!(
                line.contains(&left_out.to_uppercase()),
                "{line} says {left_out} is left out"
            );
        }
    }
}

/// In the exports, a feature the service does not have (`not-applicable`)
/// or its workbook does not list (`not-listed`) is on no side: never
/// inherited from Microsoft, never the customer's. The same for `gcp`'s
/// `not-applicable`.
#[test]
fn exports_leave_out_what_does_not_apply() {
    for (policy, scenario) in [
        ("azure-baselines", "service=key-vault"),
        ("azure-baselines", "service=storage"),
        ("gcp", "service=workspace"),
    ] {
        let run = common::onus(&["export", "crm-csv", policy, "--set", scenario], b"");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut rows = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(run.stdout.as_bytes());
        let (mut sided, mut not_applicable) = (0, 0);
        // The title line, then the header, then a row a control.
        for record in rows.records().skip(2) {
            let record = record.unwrap();
            let responsibilities = &record[2];
            let mentions = ["(Not applicable)", "(Not in the service's baseline)"]
                .iter()
                .any(|party| responsibilities.contains(party));
            match &record[1] {
                // Not applicable in the scenario: listed with its zones.
                "" => not_applicable += 1,
                _ => {
                    sided += 1;
                    assert!(
                        !mentions,
                        "{policy} {scenario} {}: {responsibilities}",
                        &record[0]
                    );
                }
            }
        }
        assert!(sided > 0, "{}", run.stdout);
        if policy == "azure-baselines" {
            assert!(not_applicable > 0, "{}", run.stdout);
        }
    }
}
