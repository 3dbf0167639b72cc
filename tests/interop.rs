//! The exports read by the tools auditors use, not by our own reading:
//! compliance-trestle loads and validates both OSCAL SSPs (and NIST's own
//! examples, as a control), their references resolve through trestle's
//! model, and openpyxl reads the workbooks cell for cell as the CSVs say.
//! The tools are pinned in `tests/interop/requirements.txt` and installed
//! by `bash tests/interop/setup` (which `.ci/run` runs); without them this
//! test fails and says so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{onus, Scratch};

fn interop_python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv-interop/bin/python");
    assert!(
        python.is_file(),
        "the interop tests need compliance-trestle and openpyxl in {}: run `bash tests/interop/setup` first",
        python.display()
    );
    python
}

fn export_to(scratch: &Scratch, name: &str, args: &[&str]) {
    let path = scratch.file(name, "");
    let mut all = args.to_vec();
    all.extend(["--output", path.as_str()]);
    let run = onus(&all, b"");
    assert_eq!(run.code, 0, "{all:?}: {}", run.stderr);
}

#[test]
fn trestle_and_openpyxl_read_the_exports() {
    let python = interop_python();
    let scratch = Scratch::new("interop");
    let profile = "trestle://catalogs/nist-high/catalog.json";
    let scenario = ["--set", "model=paas"];
    for (name, format) in [
        ("provider.json", "oscal-ssp"),
        ("customer.json", "oscal-ssp-customer"),
        ("component.json", "oscal-component-definition"),
    ] {
        let mut args = vec!["export", format, "azure", "--profile", profile];
        args.extend(scenario);
        export_to(&scratch, name, &args);
    }
    for (name, format) in [
        ("crm.csv", "crm-csv"),
        ("crm.xlsx", "crm-xlsx"),
        ("caiq.csv", "caiq-csv"),
        ("caiq.xlsx", "caiq-xlsx"),
    ] {
        let mut args = vec!["export", format, "azure"];
        args.extend(scenario);
        export_to(&scratch, name, &args);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = &scratch.0;
    let output = Command::new(&python)
        .arg(root.join("tests/interop/check_exports.py"))
        .arg(work)
        .arg(root.join("tests/fixtures/oscal"))
        .output()
        .expect("the interop Python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "ok trestle loads NIST's oscal_leveraged-example_ssp.json",
        "ok trestle loads NIST's oscal_leveraging-example_ssp.json",
        "ok trestle loads the provider's and the customer's SSP",
        "ok trestle validate: the provider's SSP is VALID",
        "ok trestle validate: the customer's SSP is VALID",
        "ok trestle validate refuses the SSP without its title",
        "ok trestle validate: the component definition is VALID (370 controls)",
        "ok references resolve:",
        "ok a dangling provided-uuid is caught",
        "ok openpyxl reads crm.xlsx",
        "ok openpyxl reads caiq.xlsx",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
}
