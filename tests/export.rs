//! Compliance exports and mappings, end to end: each
//! `tests/fixtures/export/*.args` is one `onus` command line; each
//! `tests/fixtures/mappings/*.onus` is a mapping checked against `azure`.
//! The key facts of the documents are asserted plainly too, and the
//! catalogs Onus carries are compared with their vendored sources.

mod common;

use std::collections::BTreeSet;

use common::{onus, relative, run_args_file, show, transcript, Scratch};
use serde_json::Value;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn exports() {
    insta::glob!("fixtures/export/*.args", |path| {
        let (run, shown) = run_args_file(path);
        assert_ne!(run.code, 1, "{}: {}", relative(path), run.stderr);
        if run.code == 0 {
            assert!(run.stderr.is_empty(), "{}", run.stderr);
        } else {
            assert!(run.stdout.is_empty() && run.stderr.contains("error["));
        }
        insta::assert_snapshot!(shown);
    });
}

#[test]
fn mappings_checked_against_azure() {
    insta::glob!("fixtures/mappings/*.onus", |path| {
        let file = relative(path);
        let args = ["check", "azure", "--map", file.as_str()];
        let run = onus(&args, b"");
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        insta::assert_snapshot!(transcript(&args, &show(path), &run));
    });
}

/// The control list Onus embeds is the vendored NIST catalog's, id for id
/// and title for title, in catalog order.
#[test]
fn the_nist_controls_are_the_vendored_catalogs() {
    let path = root().join(
        "tests/fixtures/oscal/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json",
    );
    let catalog: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fn walk(controls: &Value, out: &mut Vec<(String, String)>) {
        for control in controls.as_array().into_iter().flatten() {
            out.push((
                control["id"].as_str().unwrap().to_string(),
                control["title"].as_str().unwrap().to_string(),
            ));
            walk(&control["controls"], out);
        }
    }
    let mut expected = Vec::new();
    for group in catalog["catalog"]["groups"].as_array().unwrap() {
        walk(&group["controls"], &mut expected);
    }
    let nist = &onus::unstable::FRAMEWORKS[0];
    assert_eq!(nist.name, "nist-sp-800-53-rev5");
    let carried: Vec<(String, String)> = (nist.controls().iter())
        .map(|c| (c.id.clone(), c.title.clone()))
        .collect();
    assert_eq!(carried.len(), 370);
    assert_eq!(carried, expected);
    // The LOW and MODERATE baselines are NIST's resolved profiles, vendored
    // beside the HIGH one, control for control and in catalog order.
    for (name, file, count) in [
        ("low", "LOW", 149),
        ("moderate", "MODERATE", 287),
        ("high", "HIGH", 370),
    ] {
        let path = root().join(format!(
            "tests/fixtures/oscal/NIST_SP-800-53_rev5_{file}-baseline-resolved-profile_catalog-min.json"
        ));
        let catalog: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut expected = Vec::new();
        for group in catalog["catalog"]["groups"].as_array().unwrap() {
            walk(&group["controls"], &mut expected);
        }
        let baseline = nist.baseline(Some(name)).unwrap();
        let listed: Vec<(String, String)> = (nist.baseline_controls(Some(baseline)).iter())
            .map(|&c| {
                (
                    nist.controls()[c].id.clone(),
                    nist.controls()[c].title.clone(),
                )
            })
            .collect();
        assert_eq!(listed.len(), count, "{name}");
        assert_eq!(listed, expected, "{name}");
    }
}

/// Every control of the baseline is a row, covered or not, in catalog
/// order; `--baseline` picks NIST's baseline and the SSPs import its
/// profile; the CAIQ lists all of CCM and has no baselines.
#[test]
fn exports_list_every_control_of_the_baseline() {
    for (baseline, rows) in [("low", 149), ("moderate", 287), ("high", 370)] {
        let run = onus(
            &[
                "export",
                "crm-csv",
                "azure",
                "--set",
                "model=iaas",
                "--baseline",
                baseline,
            ],
            b"",
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(run.stdout.as_bytes());
        let records: Vec<csv::StringRecord> =
            reader.records().skip(2).map(|r| r.unwrap()).collect();
        assert_eq!(records.len(), rows, "{baseline}");
        // The built-in mapping covers azure whole.
        assert!(
            records.iter().all(|r| !r[2].starts_with("Not covered")),
            "{baseline}"
        );
        let ssp = onus(
            &[
                "export",
                "oscal-ssp",
                "azure",
                "--set",
                "model=iaas",
                "--baseline",
                baseline,
            ],
            b"",
        );
        let ssp: Value = serde_json::from_str(&ssp.stdout).unwrap();
        let plan = &ssp["system-security-plan"];
        assert_eq!(
            plan["control-implementation"]["implemented-requirements"]
                .as_array()
                .unwrap()
                .len(),
            rows
        );
        let href = plan["import-profile"]["href"].as_str().unwrap();
        assert!(
            href.ends_with(&format!(
                "_{}-baseline_profile.json",
                baseline.to_uppercase()
            )),
            "{href}"
        );
    }
    // azure-ai has no physical zone: the physical and environmental
    // controls are listed, not covered, with no answer.
    let ai = onus(
        &[
            "export",
            "crm-csv",
            "azure-ai",
            "--set",
            "deployment=paas",
            "--baseline",
            "low",
        ],
        b"",
    );
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(ai.stdout.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().skip(2).map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 149);
    let uncovered: Vec<&str> = (records.iter())
        .filter(|r| r[2].starts_with("Not covered: no zone of policy `azure-ai`"))
        .map(|r| {
            assert_eq!(&r[1], "", "no answer where no zone carries it");
            r.get(0).unwrap()
        })
        .collect();
    assert!(
        !uncovered.is_empty() && uncovered.iter().all(|c| c.starts_with("PE-")),
        "{uncovered:?}"
    );
    let caiq = onus(&["export", "caiq-csv", "azure", "--set", "model=iaas"], b"");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(caiq.stdout.as_bytes());
    assert_eq!(reader.records().skip(2).count(), 197, "every CCM control");
    let refused = onus(
        &[
            "export",
            "caiq-csv",
            "azure",
            "--set",
            "model=iaas",
            "--baseline",
            "low",
        ],
        b"",
    );
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("has no baselines"),
        "{}",
        refused.stderr
    );
}

/// CCM v4.0: 197 controls in 17 domains, numbered from 01 without gaps.
#[test]
fn the_ccm_controls_are_v4_0s() {
    let ccm = &onus::unstable::FRAMEWORKS[1];
    assert_eq!(ccm.name, "csa-ccm-v4");
    let counts = [
        ("A&A", 6),
        ("AIS", 7),
        ("BCR", 11),
        ("CCC", 9),
        ("CEK", 21),
        ("DCS", 15),
        ("DSP", 19),
        ("GRC", 8),
        ("HRS", 13),
        ("IAM", 16),
        ("IPY", 4),
        ("IVS", 9),
        ("LOG", 13),
        ("SEF", 8),
        ("STA", 14),
        ("TVM", 10),
        ("UEM", 14),
    ];
    let expected: Vec<String> = (counts.iter())
        .flat_map(|(domain, n)| (1..=*n).map(move |i| format!("{domain}-{i:02}")))
        .collect();
    let ids: Vec<&str> = ccm.controls().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 197);
    assert_eq!(ids, expected);
    assert!(ccm.controls().iter().all(|c| !c.title.is_empty()));
}

/// Every zone of every built-in policy carries controls of both built-in
/// mappings, and every line of a mapping serves some built-in policy.
#[test]
fn the_builtin_mappings_cover_the_builtin_policies() {
    for mapping in onus::BUILTIN_MAPPINGS {
        let mapping = onus::unstable::load_mapping(mapping.name).unwrap();
        let mut used = BTreeSet::new();
        for builtin in onus::BUILTINS {
            let policy = onus::load_builtin(builtin.name).unwrap();
            // Shared controls are the truth, not a fault; how much of the
            // baseline the mapping covers is recorded below.
            let unmapped: Vec<_> = onus::unstable::mapping_findings(&policy, &mapping)
                .into_iter()
                .filter(|f| {
                    !matches!(
                        f,
                        onus::unstable::MappingFinding::SharedControl { .. }
                            | onus::unstable::MappingFinding::UncoveredControls { .. }
                    )
                })
                .collect();
            assert_eq!(unmapped, [], "{} with {}", builtin.name, mapping.name);
            used.extend(policy.zones.iter().map(|z| z.name.clone()));
        }
        for entry in mapping.entries.iter().filter(|e| !e.every_zone) {
            assert!(
                used.contains(&entry.zone.text),
                "{}: `{}` is no built-in policy's zone",
                mapping.name,
                entry.zone.text
            );
            assert!(
                entry.because.is_some(),
                "{} gives a reason",
                entry.zone.text
            );
        }
    }
}

fn export(args: &[&str]) -> String {
    let run = onus(args, b"");
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

/// Rows of a CSV export after its provenance and header rows, by first cell.
fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert!(records[0][0].starts_with("Generated by Onus "));
    records[2..].to_vec()
}

fn cell<'a>(rows: &'a [Vec<String>], id: &str, column: usize) -> &'a str {
    let row = rows.iter().find(|r| r[0] == id);
    &row.unwrap_or_else(|| panic!("no row {id}"))[column]
}

#[test]
fn crm_inheritance_follows_the_holders() {
    let iaas = rows(&export(&[
        "export",
        "crm-csv",
        "azure",
        "--set",
        "model=iaas",
    ]));
    // Physical datacenter: Microsoft's in IaaS.
    assert_eq!(cell(&iaas, "PE-3", 1), "Yes");
    assert_eq!(cell(&iaas, "PE-3", 2), "");
    // AC-2: every party manages the accounts of the layers it holds, so it
    // is shared in the cloud (the customer's accounts, Microsoft's
    // platform), and the customer's alone on premises.
    assert_eq!(cell(&iaas, "AC-2", 1), "Partial");
    assert!(cell(&iaas, "AC-2", 2).contains("Accounts and identities (customer)"));
    assert!(cell(&iaas, "AC-2", 2).contains("Physical datacenter (Microsoft)"));
    let on_prem = rows(&export(&[
        "export",
        "crm-csv",
        "azure",
        "--set",
        "model=on-prem",
    ]));
    assert_eq!(cell(&on_prem, "AC-2", 1), "No");
    assert_eq!(cell(&on_prem, "PE-3", 1), "No");
    // SI-2 spans the customer's OS and Microsoft's hypervisor in IaaS.
    assert_eq!(cell(&iaas, "SI-2", 1), "Partial");
    assert!(cell(&iaas, "SI-2", 2).contains("Operating system (customer)"));
    assert!(cell(&iaas, "SI-2", 2).contains("Virtualization host (Microsoft)"));
    // In PaaS Microsoft patches the OS too.
    let paas = rows(&export(&[
        "export",
        "crm-csv",
        "azure",
        "--set",
        "model=paas",
    ]));
    // ... and the customer its applications: still shared, with the
    // operating system now on Microsoft's side; the hypervisor's isolation
    // of tenants is Microsoft's alone.
    assert_eq!(cell(&paas, "SI-2", 1), "Partial");
    assert!(cell(&paas, "SI-2", 3).contains("Operating system (Microsoft)"));
    assert!(!cell(&paas, "SI-2", 4).contains("Operating system"));
    assert_eq!(cell(&paas, "SC-4", 1), "Yes");
    // Enhancements are written the CRM's way.
    assert_eq!(onus::render::fedramp_control_id("ac-2.1"), "AC-2(1)");
}

#[test]
fn caiq_ownership_follows_the_holders() {
    let args = ["export", "caiq-csv", "aws", "--set", "service=abstracted"];
    let abstracted = rows(&export(&args));
    assert_eq!(cell(&abstracted, "DCS-03", 2), "CSP-owned");
    assert_eq!(cell(&abstracted, "DSP-04", 2), "CSC-owned");
    // Server-side encryption: shared for abstracted services.
    assert_eq!(cell(&abstracted, "CEK-04", 2), "Shared CSP and CSC");
    let args = [
        "export",
        "caiq-csv",
        "aws",
        "--set",
        "service=infrastructure",
    ];
    let infrastructure = rows(&export(&args));
    // The guest OS is the customer's on EC2.
    assert_eq!(cell(&infrastructure, "IVS-04", 2), "Shared CSP and CSC");
    // Threat and vulnerability management: each party for its layers, so
    // shared, the guest OS on the customer's side.
    assert_eq!(cell(&infrastructure, "TVM-04", 2), "Shared CSP and CSC");
    assert!(cell(&infrastructure, "TVM-04", 4)
        .contains("Operating system (guest OS), updates and security patches (customer)"));
    // Datacenter security stays the provider's.
    assert_eq!(cell(&infrastructure, "DCS-08", 2), "CSP-owned");
}

fn ssp(text: &str) -> Value {
    let document: Value = serde_json::from_str(text).unwrap();
    document["system-security-plan"].clone()
}

/// Every `uuid`-named string at any depth, by key.
fn uuids_under(value: &Value, key: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if k == key => out.push(s.clone()),
                    _ => uuids_under(v, key, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| uuids_under(v, key, out)),
        _ => {}
    }
}

fn all(value: &Value, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    uuids_under(value, key, &mut out);
    out
}

/// The customer's SSP points at the provider's provided items and
/// responsibilities, every reference resolves, no UUID repeats, and each
/// document is the same bytes however often it is made.
#[test]
fn the_two_ssps_reference_each_other() {
    let provider_args = ["export", "oscal-ssp", "azure", "--set", "model=paas"];
    let customer_args = [
        "export",
        "oscal-ssp-customer",
        "azure",
        "--set",
        "model=paas",
    ];
    let provider_text = export(&provider_args);
    let customer_text = export(&customer_args);
    assert_eq!(provider_text, export(&provider_args), "deterministic");
    assert_eq!(customer_text, export(&customer_args), "deterministic");
    let (provider, customer) = (ssp(&provider_text), ssp(&customer_text));

    let provided: BTreeSet<String> = (provider["control-implementation"]
        ["implemented-requirements"]
        .as_array()
        .unwrap()
        .iter())
    .flat_map(|r| r["by-components"].as_array().unwrap().iter())
    .flat_map(|b| b["export"]["provided"].as_array().into_iter().flatten())
    .map(|p| p["uuid"].as_str().unwrap().to_string())
    .collect();
    let responsibilities: BTreeSet<String> = (provider["control-implementation"]
        ["implemented-requirements"]
        .as_array()
        .unwrap()
        .iter())
    .flat_map(|r| r["by-components"].as_array().unwrap().iter())
    .flat_map(|b| {
        b["export"]["responsibilities"]
            .as_array()
            .into_iter()
            .flatten()
    })
    .map(|p| p["uuid"].as_str().unwrap().to_string())
    .collect();
    assert!(provided.len() > 10 && responsibilities.len() > 10);
    for reference in all(&provider, "provided-uuid") {
        assert!(provided.contains(&reference), "{reference} resolves");
    }
    let inherited = all(&customer, "provided-uuid");
    assert_eq!(
        inherited.len(),
        provided.len(),
        "every provided item inherited"
    );
    for reference in &inherited {
        assert!(provided.contains(reference), "{reference} resolves");
    }
    let satisfied = all(&customer, "responsibility-uuid");
    assert_eq!(satisfied.len(), responsibilities.len());
    for reference in &satisfied {
        assert!(responsibilities.contains(reference), "{reference} resolves");
    }
    let leveraged = &customer["system-implementation"]["components"][1];
    let inherited_uuid = leveraged["props"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "inherited-uuid")
        .unwrap();
    assert_eq!(
        inherited_uuid["value"],
        provider["system-implementation"]["components"][0]["uuid"]
    );
    for document in [&provider, &customer] {
        let mut uuids = all(document, "uuid");
        let count = uuids.len();
        uuids.sort();
        uuids.dedup();
        assert_eq!(uuids.len(), count, "no UUID repeats");
    }
    // Another scenario is another document, with other UUIDs.
    let iaas = ssp(&export(&[
        "export",
        "oscal-ssp",
        "azure",
        "--set",
        "model=iaas",
    ]));
    assert_ne!(iaas["uuid"], provider["uuid"]);
}

#[test]
fn workbooks_are_the_same_bytes_every_time() {
    let scratch = Scratch::new("export-xlsx");
    let mut made = Vec::new();
    for name in ["a.xlsx", "b.xlsx"] {
        let path = scratch.file(name, "");
        let args = [
            "export",
            "crm-xlsx",
            "azure",
            "--set",
            "model=iaas",
            "-o",
            &path,
        ];
        let run = onus(&args, b"");
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
        made.push(std::fs::read(&path).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    assert!(made[0].starts_with(b"PK"), "a zip archive");
    assert_eq!(made[0], made[1]);
}

/// The shipped mappings check clean on their own and are in canonical
/// layout.
#[test]
fn the_mapping_files_check_and_are_formatted() {
    for file in [
        "policies/mappings/nist-sp-800-53-rev5.onus",
        "policies/mappings/csa-ccm-v4.onus",
    ] {
        let run = onus(&["check", file], b"");
        assert_eq!(run.code, 0, "{file}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("0 errors, 0 warnings"),
            "{}",
            run.stdout
        );
        let run = onus(&["fmt", "--check", file], b"");
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
    }
}

/// A zone held by `none` applies to no side: a control only such zones
/// carry is not applicable, never "No" (not inheritable).
#[test]
fn zones_that_do_not_apply_are_left_out() {
    // A mapping that gives AU-2 to the Kubernetes control plane alone.
    let scratch = Scratch::new("export-not-applicable");
    let map = scratch.file(
        "control-plane.onus",
        "mapping nist-sp-800-53-rev5 \"The control plane\"\n\
         control plane: controls au-2 because \"the API server's audit log\"\n",
    );
    let args = [
        "export",
        "crm-csv",
        "azure-services",
        "--set",
        "service=app-service",
        "--map",
        &map,
    ];
    let app_service = rows(&export(&args));
    // No control plane outside AKS: AU-2 is not applicable, never "No".
    assert_eq!(cell(&app_service, "AU-2", 1), "");
    assert!(cell(&app_service, "AU-2", 2).starts_with("Not applicable in this scenario"));
    let args = [
        "export",
        "crm-csv",
        "azure-services",
        "--set",
        "service=aks",
        "--map",
        &map,
    ];
    let aks = rows(&export(&args));
    assert_eq!(cell(&aks, "AU-2", 1), "Yes");
}

#[test]
fn a_date_is_a_day_of_the_calendar() {
    for (date, code) in [
        ("2024-02-29", 0),
        ("2026-12-31", 0),
        ("0000-01-01", 0),
        ("2023-02-29", 2),
        ("2026-02-30", 2),
        ("2026-04-31", 2),
        ("2026-13-01", 2),
        ("2026-1-01", 2),
    ] {
        let args = [
            "export",
            "crm-csv",
            "azure",
            "--set",
            "model=iaas",
            "--date",
            date,
        ];
        assert_eq!(onus(&args, b"").code, code, "--date {date}");
    }
}

/// How much of its framework's default baseline each built-in mapping
/// covers for each built-in policy (NIST's HIGH baseline; all of CCM):
/// recorded, so that the coverage can be followed as the mappings grow.
#[test]
fn the_builtin_mappings_coverage_is_recorded() {
    let mut report = String::new();
    for mapping in onus::BUILTIN_MAPPINGS {
        let mapping = onus::unstable::load_mapping(mapping.name).unwrap();
        let baseline = mapping.framework.baseline(None);
        let all = mapping.framework.baseline_controls(baseline).len();
        for builtin in onus::BUILTINS {
            let policy = onus::load_builtin(builtin.name).unwrap();
            let uncovered = (onus::unstable::mapping_findings(&policy, &mapping).iter())
                .find_map(|f| match f {
                    onus::unstable::MappingFinding::UncoveredControls { controls, of, .. } => {
                        assert_eq!(*of, all);
                        Some(controls.len())
                    }
                    _ => None,
                })
                .unwrap_or(0);
            report.push_str(&format!(
                "{} for {}: {} of {all} controls carried\n",
                mapping.name,
                builtin.name,
                all - uncovered
            ));
        }
    }
    insta::assert_snapshot!(report);
}
