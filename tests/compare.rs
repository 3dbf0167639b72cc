//! `onus compare`: a policy's answers against what a provider publishes,
//! on a real published CRM (cloud.gov's, `tests/fixtures/compare/SOURCE.md`),
//! on Onus's own export read back, and on bad input.

mod common;

use common::onus;
use serde_json::Value;

const CLOUD_GOV: &str = "tests/fixtures/compare/cloud.gov-CIS-Worksheet.xlsx";

fn json(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let run = onus(&all, b"");
    assert!(run.code <= 1, "{all:?}: {}", run.stderr);
    (run.code, serde_json::from_str(&run.stdout).unwrap())
}

/// cloud.gov's PaaS CRM: every control part read (616 rows, 325 controls
/// with their enhancements), each compared; the agreement per class is
/// recorded (and in docs/COMPARE.md), and disagreement exits 1.
#[test]
fn a_real_published_crm_is_compared_control_by_control() {
    let mut report = String::new();
    for (policy, scenario) in [
        ("azure", "model=paas"),
        ("azure-2026", "model=paas"),
        ("azure-services", "service=app-service"),
        ("aws", "service=container"),
        ("gcp", "service=app-engine-standard"),
    ] {
        let (code, out) = json(&["compare", policy, CLOUD_GOV, "--set", scenario]);
        assert_eq!(out["published"]["form"], "fedramp-crm");
        assert_eq!(out["published"]["sheet"], "PaaS CRM");
        let controls = out["controls"].as_array().unwrap();
        assert_eq!(controls.len(), 325, "every control once");
        let all = &out["counts"]["all"];
        let total = all["agree"].as_u64().unwrap()
            + all["disagree"].as_u64().unwrap()
            + all["no_answer"].as_u64().unwrap();
        assert_eq!(total, 325);
        assert_eq!(code, i32::from(all["disagree"].as_u64().unwrap() > 0));
        for class in ["provider", "shared", "customer"] {
            let c = &out["counts"][class];
            report.push_str(&format!(
                "{policy} {scenario} {class}: {} controls, {} agree, {} disagree, {} no answer\n",
                c["controls"], c["agree"], c["disagree"], c["no_answer"]
            ));
        }
    }
    // Physical access is the provider's in both.
    let (_, azure) = json(&["compare", "azure", CLOUD_GOV, "--set", "model=paas"]);
    let pe3 = (azure["controls"].as_array().unwrap().iter())
        .find(|c| c["control"] == "pe-3")
        .unwrap();
    assert_eq!(
        (pe3["published"].as_str(), pe3["result"].as_str()),
        (Some("provider"), Some("agree"))
    );
    assert_eq!(pe3["written"], "PE-03 (a)");
    // A CRM says what the customer can inherit: AC-1 is "No", where Onus
    // has each party write its own policy (shared).
    let ac1 = (azure["controls"].as_array().unwrap().iter())
        .find(|c| c["control"] == "ac-1")
        .unwrap();
    assert_eq!(
        (ac1["published"].as_str(), ac1["onus"].as_str()),
        (Some("customer"), Some("shared"))
    );
    // cloud.gov Pages' rev. 5 Low CRM: the template's example sheet is
    // skipped for the provider's own.
    let pages = "tests/fixtures/compare/cloud.gov-Pages-CIS-and-CRM-Workbook.xlsx";
    let (_, out) = json(&["compare", "azure", pages, "--set", "model=saas"]);
    assert_eq!(out["published"]["sheet"], "Low CRM Worksheet");
    let all = &out["counts"]["all"];
    report.push_str(&format!(
        "pages: {} controls, {} agree, {} disagree, {} no answer\n",
        all["controls"], all["agree"], all["disagree"], all["no_answer"]
    ));
    for class in ["provider", "shared", "customer"] {
        let c = &out["counts"][class];
        report.push_str(&format!(
            "azure model=saas against pages {class}: {} controls, {} agree, {} disagree, {} no answer\n",
            c["controls"], c["agree"], c["disagree"], c["no_answer"]
        ));
    }
    insta::assert_snapshot!(report);
}

/// Two more real published forms: an OSCAL SSP whose every requirement
/// carries FedRAMP's `control-origination` (GSA-TTS's cloud sandbox, which
/// writes `hybrid` for shared), and a CAIQ v4.0.3's ownership column (the
/// CCM id only on a control's first question, as CSA's template merges
/// it). Their agreement is recorded in docs/COMPARE.md.
#[test]
fn a_real_oscal_ssp_and_a_real_caiq_are_compared() {
    let mut report = String::new();
    let ssp = "tests/fixtures/compare/gsa-tts-cloud-sandbox-ssp.json";
    let caiq = "tests/fixtures/compare/whitepact-caiq-v4.0.3-ownership.csv";
    for (file, form, controls, policy, scenario) in [
        (ssp, "oscal-ssp", 326, "azure", "model=iaas"),
        (ssp, "oscal-ssp", 326, "azure", "model=paas"),
        (caiq, "caiq", 197, "azure", "model=saas"),
    ] {
        let (code, out) = json(&["compare", policy, file, "--set", scenario]);
        assert_eq!(out["published"]["form"], form);
        let all = &out["counts"]["all"];
        assert_eq!(all["controls"], controls, "{file}: every control once");
        assert_eq!(code, i32::from(all["disagree"].as_u64().unwrap() > 0));
        for class in ["provider", "shared", "customer"] {
            let c = &out["counts"][class];
            report.push_str(&format!(
                "{form} {policy} {scenario} {class}: {} controls, {} agree, {} disagree, {} no answer\n",
                c["controls"], c["agree"], c["disagree"], c["no_answer"]
            ));
        }
        if form == "oscal-ssp" {
            let ac2 = (out["controls"].as_array().unwrap().iter())
                .find(|c| c["control"] == "ac-2")
                .unwrap();
            assert_eq!(ac2["published"], "shared", "`hybrid` is shared");
        } else {
            // SEF-07's second question has no CCM id of its own.
            let sef7 = (out["controls"].as_array().unwrap().iter())
                .find(|c| c["control"] == "SEF-07")
                .unwrap();
            assert_eq!(sef7["published"], "provider");
        }
    }
    insta::assert_snapshot!(report);
}

/// Onus's own CRM, read back as a published file, agrees with the policy
/// on every control, and the CRM's blank rows (not covered) are counted,
/// not compared.
#[test]
fn onus_own_crm_agrees_with_itself() {
    let scratch = common::Scratch::new("compare-self");
    for (policy, scenario, baseline) in [
        ("azure", "model=iaas", "high"),
        ("azure-ai", "deployment=paas", "moderate"),
    ] {
        let file = scratch.file(&format!("{policy}.csv"), "");
        let run = onus(
            &[
                "export",
                "crm-csv",
                policy,
                "--set",
                scenario,
                "--baseline",
                baseline,
                "--output",
                &file,
            ],
            b"",
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let (code, out) = json(&["compare", policy, &file, "--set", scenario]);
        assert_eq!(code, 0, "{out}");
        assert_eq!(out["counts"]["all"]["disagree"], 0);
        assert_eq!(out["counts"]["all"]["no_answer"], 0);
        let blank = out["blank_rows"].as_array().unwrap().len();
        match policy {
            // azure-ai has no physical zone: its PE rows are not covered.
            "azure-ai" => assert!(blank > 0),
            _ => assert_eq!(blank, 0),
        }
    }
}

/// A plain CSV of control and owner; a control the catalog lacks has no
/// answer, and bad input is a located error.
#[test]
fn an_owner_csv_and_bad_input() {
    let (code, out) = json(&[
        "compare",
        "azure",
        "tests/fixtures/compare/owners.csv",
        "--set",
        "model=iaas",
    ]);
    assert_eq!(out["published"]["form"], "owner-csv");
    let results: Vec<(&str, &str)> = (out["controls"].as_array().unwrap().iter())
        .map(|c| {
            (
                c["control"].as_str().unwrap(),
                c["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("ac-2", "agree"),
            ("pe-3", "agree"),
            ("ac-21", "agree"),
            ("xy-9", "no-answer")
        ]
    );
    assert_eq!(code, 0);
    let run = onus(
        &[
            "compare",
            "azure",
            "tests/fixtures/compare/bad-owner.csv",
            "--set",
            "model=iaas",
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("error[invalid-published]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("row 3: `maybe`"), "{}", run.stderr);
    insta::assert_snapshot!(run.stderr);
    // Columns but no statement (an untouched template) is not agreement.
    let scratch = common::Scratch::new("compare-empty");
    let empty = scratch.file(
        "empty.csv",
        "Control ID,Can Be Inherited from CSP\nAC-1,\nAC-2,\n",
    );
    let run = onus(&["compare", "azure", &empty, "--set", "model=iaas"], b"");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("states no control's ownership"),
        "{}",
        run.stderr
    );
    let run = onus(
        &["compare", "azure", "Cargo.toml", "--set", "model=iaas"],
        b"",
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no sheet with a control column"),
        "{}",
        run.stderr
    );
}

#[test]
fn control_ids_are_read_as_catalogs_write_them() {
    assert_eq!(
        onus::unstable::ccm_id("A&A-01.2").as_deref(),
        Some("A&A-01")
    );
    assert_eq!(onus::unstable::ccm_id("iam-14").as_deref(), Some("IAM-14"));
    assert_eq!(onus::unstable::ccm_id("AC-2"), None);
    for (written, id) in [
        ("AC-02 (a)", Some("ac-2")),
        ("AC-2(1)", Some("ac-2.1")),
        ("AC-02 (01) (b)", Some("ac-2.1")),
        ("ac-17.2", Some("ac-17.2")),
        ("SI-4 (4)", Some("si-4.4")),
        // A number after a letter part is a sub-part, not an enhancement.
        ("PL-2(a)(1)", Some("pl-2")),
        // Two ids in one cell are not one control.
        ("AC-2, AC-3", None),
        ("Control", None),
    ] {
        assert_eq!(
            onus::unstable::catalog_id(written).as_deref(),
            id,
            "{written}"
        );
    }
}

/// The CAIQ (CCM controls, through the CCM mapping) and the OSCAL SSP
/// (`control-origination`) are read too: Onus's own, read back, agree on
/// every control; a CAIQ with a NIST mapping is refused.
#[test]
fn a_caiq_and_an_oscal_ssp_are_read() {
    let scratch = common::Scratch::new("compare-forms");
    for (format, file, form, controls) in [
        ("caiq-csv", "caiq.csv", "caiq", 197),
        ("caiq-xlsx", "caiq.xlsx", "caiq", 197),
        ("oscal-ssp", "ssp.json", "oscal-ssp", 370),
    ] {
        let path = scratch.file(file, "");
        let run = onus(
            &[
                "export",
                format,
                "azure",
                "--set",
                "model=paas",
                "--output",
                &path,
            ],
            b"",
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let (code, out) = json(&["compare", "azure", &path, "--set", "model=paas"]);
        assert_eq!(code, 0, "{format}: {out}");
        assert_eq!(out["published"]["form"], form);
        assert_eq!(out["counts"]["all"]["controls"], controls, "{format}");
        assert_eq!(out["counts"]["all"]["agree"], controls, "{format}");
    }
    let caiq = scratch.0.join("caiq.csv").to_string_lossy().into_owned();
    let run = onus(
        &[
            "compare",
            "azure",
            &caiq,
            "--set",
            "model=paas",
            "--map",
            "nist-sp-800-53-rev5",
        ],
        b"",
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[framework-mismatch]"),
        "{}",
        run.stderr
    );
}
