//! The built-in resource maps against the providers' published catalogs of
//! resource types (`policies/catalogs/resource-types/`, each file's origin
//! in its header): every type of every catalog is answered by some built-in
//! policy when `onus estate` is given no policy, and the coverage, what the
//! maps place and what they leave open, is recorded in a snapshot.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

const CATALOGS: [&str; 7] = [
    "terraform-aws",
    "terraform-azurerm",
    "terraform-google",
    "terraform-kubernetes",
    "cloudformation",
    "arm",
    "cloud-asset-inventory",
];

fn catalog(name: &str) -> Vec<String> {
    let path = format!("policies/catalogs/resource-types/{name}.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# "), "{path} says where it comes from");
    (text.lines())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_catalog_type_is_answered_and_the_coverage_is_recorded() {
    let dir = std::env::temp_dir().join(format!("onus-catalogs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut report = String::new();
    for name in CATALOGS {
        let types = catalog(name);
        assert!(types.len() > 50, "{name}: {} types", types.len());
        // Any type string reads as an Azure-style list item: `id` and `type`.
        let inventory: Vec<Value> = (types.iter())
            .map(|t| serde_json::json!({"id": format!("catalog/{t}"), "type": t}))
            .collect();
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string(&inventory).unwrap()).unwrap();
        let run = common::onus(
            &["estate", "--format", "ndjson", file.to_str().unwrap()],
            b"",
        );
        assert!(run.code <= 1, "{name}: {}", run.stderr);
        let records: Vec<Value> = (run.stdout.lines())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records.len(), types.len(), "{name}: every type once");
        let unmapped: Vec<&str> = (records.iter())
            .filter(|r| r["mapped"] != true)
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert!(unmapped.is_empty(), "{name}: no line covers {unmapped:?}");
        // By policy: how many types it answers with every dimension given,
        // and how many with some dimension left open.
        let mut by_policy: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for record in &records {
            let counts = by_policy
                .entry(record["policy"].as_str().unwrap())
                .or_default();
            match record["open"].as_object().is_some_and(|o| o.is_empty()) {
                true => counts.0 += 1,
                false => counts.1 += 1,
            }
        }
        let given: usize = by_policy.values().map(|c| c.0).sum();
        writeln!(
            report,
            "{name}: {} types, all answered; {given} with every dimension given, {} with some left open",
            types.len(),
            types.len() - given
        )
        .unwrap();
        for (policy, (given, open)) in by_policy {
            writeln!(report, "  {policy}: {given} given, {open} open").unwrap();
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    insta::assert_snapshot!(report);
}

/// The family maps are what `families.py` writes from the catalogs and the
/// hand-written maps: regenerating them changes nothing.
#[test]
fn the_family_maps_are_generated() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::env::temp_dir().join(format!("onus-families-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let status = std::process::Command::new(&python)
        .arg("policies/catalogs/resource-types/families.py")
        .env("ONUS_FAMILIES_OUT", &out)
        .status()
        .unwrap_or_else(|e| panic!("{python} is needed to regenerate the family maps: {e}"));
    assert!(status.success());
    for policy in ["aws", "azure", "gcp"] {
        let name = format!("{policy}-families.onus");
        let checked_in = std::fs::read_to_string(format!("policies/resources/{name}")).unwrap();
        let written = std::fs::read_to_string(out.join(&name)).unwrap();
        assert!(
            written == checked_in,
            "policies/resources/{name} is not what families.py writes: run it"
        );
    }
    std::fs::remove_dir_all(&out).unwrap();
}
