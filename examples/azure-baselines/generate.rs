//! Writes the built-in `azure-baselines` policy from Microsoft's security
//! baseline workbooks, one cell per service and feature. Shared by the
//! example (`main.rs`) and `tests/azure_baselines.rs`, which regenerates the
//! policy and compares it with the checked-in text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};

/// The workbook names end with this; what comes before is the service.
const SUFFIX: &str = "-azure-security-benchmark-v3-latest-security-baseline.xlsx";

/// The benchmark's control domains in its own order (Microsoft cloud
/// security benchmark: network security, identity management, privileged
/// access, data protection, asset management, logging and threat
/// detection, incident response, posture and vulnerability management,
/// endpoint security, backup and recovery, DevOps security, governance).
const DOMAINS: [&str; 12] = [
    "NS", "IM", "PA", "DP", "AM", "LT", "IR", "PV", "ES", "BR", "DS", "GS",
];

/// The feature name of the rows that give a control's guidance without a
/// feature of the service.
const NO_FEATURE: &str = "No Related Feature";

/// A zone one party holds for all services but at most this many is
/// asserted so.
const MAX_EXCEPTIONS: usize = 12;

/// One row of a workbook's "Feature Summary" sheet.
#[derive(Debug, Clone)]
pub struct Row {
    /// The sheet's row number, as a spreadsheet shows it.
    pub number: usize,
    pub control: Option<String>,
    pub control_title: String,
    pub feature: String,
    pub supported: String,
    pub enabled_by_default: String,
    pub responsibility: String,
}

/// One service's workbook.
#[derive(Debug)]
pub struct Workbook {
    pub file: String,
    /// The dimension value: the file name's service, lower case, dashes.
    pub service: String,
    pub rows: Vec<Row>,
}

impl Workbook {
    /// The citation key of the workbook: the service in capitals.
    pub fn key(&self) -> String {
        self.service.to_uppercase()
    }
}

/// The service a workbook's file name names, as a dimension value.
pub fn service_of(file: &str) -> Option<String> {
    // "virtual-machines-linux virtual machines": a part after a space whose
    // words the first part already has repeats it, and is dropped.
    let stem = file.strip_suffix(SUFFIX)?;
    let (first, rest) = stem.split_once(' ').unwrap_or((stem, ""));
    let first_words: Vec<String> = first.split('-').map(str::to_lowercase).collect();
    let repeats = (rest.split([' ', '-']))
        .filter(|w| !w.is_empty())
        .all(|w| first_words.contains(&w.to_lowercase()));
    let stem = if repeats { first } else { stem };
    let mut service = String::new();
    for c in stem.chars().map(|c| c.to_ascii_lowercase()) {
        match c {
            'a'..='z' | '0'..='9' => service.push(c),
            _ if !service.is_empty() && !service.ends_with('-') => service.push('-'),
            _ => {}
        }
    }
    Some(service.trim_end_matches('-').to_string())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Bool(true) => "True".into(),
        Data::Bool(false) => "False".into(),
        other => other.to_string().trim().to_string(),
    }
}

/// Reads every workbook of the folder, in file-name order.
pub fn read_folder(folder: &Path) -> Result<Vec<Workbook>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", folder.display()))?;
    files.retain(|f| f.extension().is_some_and(|e| e == "xlsx"));
    files.sort();
    files.iter().map(|f| read_workbook(f)).collect()
}

/// Reads one workbook's "Feature Summary" rows, by their header's names.
pub fn read_workbook(path: &Path) -> Result<Workbook, String> {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let service =
        service_of(&file).ok_or_else(|| format!("{file}: not named `<service>{SUFFIX}`"))?;
    let mut book = open_workbook_auto(path).map_err(|e| format!("{file}: {e}"))?;
    let sheet = book
        .worksheet_range("Feature Summary")
        .map_err(|e| format!("{file}: {e}"))?;
    let first_row = sheet.start().map_or(0, |(row, _)| row as usize);
    let mut rows = sheet.rows().enumerate();
    let (_, header) = rows.next().ok_or_else(|| format!("{file}: empty sheet"))?;
    let header: Vec<String> = header.iter().map(cell_text).collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{file}: no column `{name}`"))
    };
    let [control, title, feature, supported, enabled, responsibility] = [
        "ASB Control ID",
        "ASB Control Title",
        "Feature Name",
        "Feature Supported",
        "Feature Enabled by Default",
        "Responsibility",
    ]
    .map(column);
    let (control, title, feature) = (control?, title?, feature?);
    let (supported, enabled, responsibility) = (supported?, enabled?, responsibility?);
    let mut out = Vec::new();
    for (index, cells) in rows {
        let text: Vec<String> = cells.iter().map(cell_text).collect();
        if text.iter().all(String::is_empty) {
            continue;
        }
        let number = first_row + index + 1;
        let control_id = match text[control].as_str() {
            "" | "None" => None,
            id => Some(id.to_string()),
        };
        out.push(Row {
            number,
            control: control_id,
            control_title: text[title].clone(),
            feature: text[feature]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            supported: text[supported].clone(),
            enabled_by_default: text[enabled].clone(),
            responsibility: text[responsibility].clone(),
        });
    }
    Ok(Workbook {
        file,
        service,
        rows: out,
    })
}

/// A zone of the policy: a feature, or a control's guidance where the
/// baseline names no feature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ZoneKey {
    domain: usize,
    number: u32,
    control: String,
    /// The feature, or empty for the control's guidance.
    feature: String,
}

/// The party a row's Responsibility names.
pub fn party_of(responsibility: &str) -> Option<&'static str> {
    match responsibility {
        "Customer" => Some("customer"),
        "Microsoft" => Some("provider"),
        "Shared" => Some("shared"),
        "Not Applicable" => Some("not-applicable"),
        _ => None,
    }
}

fn support_phrase(row: &Row) -> Result<&'static str, String> {
    Ok(
        match (row.supported.as_str(), row.enabled_by_default.as_str()) {
            ("True", "True") => "Supported, enabled by default",
            ("True", "False") => "Supported, not enabled by default",
            ("False", "Not Applicable" | "False") => "Not supported",
            ("Not Applicable", "Not Applicable") => "Support not applicable",
            (NO_FEATURE, NO_FEATURE) => "No feature of the service: the control's guidance",
            (s, e) => return Err(format!("supported `{s}`, enabled by default `{e}`")),
        },
    )
}

fn zone_name(key: &ZoneKey) -> String {
    let words = match key.feature.as_str() {
        "" => "guidance".to_string(),
        feature => feature
            .to_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    };
    format!("{} {words}", key.control.to_lowercase())
}

/// The policy's text, formatted as `onus fmt` writes it.
pub fn generate(workbooks: &[Workbook], source: &str) -> Result<String, String> {
    let field = |name: &str| {
        source
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
            .ok_or_else(|| format!("SOURCE has no `{name}:` line"))
    };
    let (repository, commit, date) = (field("repository")?, field("commit")?, field("date")?);
    let (path, version, licence) = (field("path")?, field("version")?, field("licence")?);

    // The control each feature belongs to, from the rows that give one.
    let mut control_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for row in workbooks.iter().flat_map(|w| &w.rows) {
        if let (Some(control), false) = (&row.control, row.feature == NO_FEATURE) {
            control_of.entry(&row.feature).or_default().insert(control);
        }
    }
    // Each service's rows by zone, and each zone's label.
    let mut labels: BTreeMap<ZoneKey, String> = BTreeMap::new();
    let mut cells: Vec<BTreeMap<ZoneKey, Vec<&Row>>> = Vec::new();
    for workbook in workbooks {
        let mut by_zone: BTreeMap<ZoneKey, Vec<&Row>> = BTreeMap::new();
        for row in &workbook.rows {
            let at = || format!("{} row {}", workbook.file, row.number);
            let control = match (&row.control, control_of.get(row.feature.as_str())) {
                (Some(control), _) => control.clone(),
                (None, Some(controls)) if controls.len() == 1 => {
                    controls.first().unwrap().to_string()
                }
                _ => return Err(format!("{}: no control for `{}`", at(), row.feature)),
            };
            let (prefix, number) = control
                .split_once('-')
                .ok_or_else(|| format!("{}: control `{control}`", at()))?;
            let domain = DOMAINS
                .iter()
                .position(|d| *d == prefix)
                .ok_or_else(|| format!("{}: control domain `{prefix}`", at()))?;
            let number = number
                .parse()
                .map_err(|_| format!("{}: control `{control}`", at()))?;
            let feature = match row.feature.as_str() {
                NO_FEATURE => String::new(),
                feature => feature.to_string(),
            };
            let key = ZoneKey {
                domain,
                number,
                control: control.clone(),
                feature,
            };
            support_phrase(row).map_err(|e| format!("{}: {e}", at()))?;
            party_of(&row.responsibility)
                .ok_or_else(|| format!("{}: responsibility `{}`", at(), row.responsibility))?;
            if !labels.contains_key(&key) || row.control.is_some() {
                let label = match key.feature.as_str() {
                    "" => format!(
                        "{control} {} (guidance, no feature)",
                        row.control_title.trim_end_matches('.')
                    ),
                    feature => format!("{control} {feature}"),
                };
                if !labels.contains_key(&key) || !key.feature.is_empty() {
                    labels.insert(key.clone(), label);
                }
            }
            by_zone.entry(key).or_default().push(row);
        }
        cells.push(by_zone);
    }

    let services: Vec<&str> = workbooks.iter().map(|w| w.service.as_str()).collect();
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "# Microsoft's security baselines for Azure, service by service and feature by\n\
         # feature: which protections each service builds in and which stay the\n\
         # customer's.\n\
         #\n\
         # GENERATED by `cargo run --example azure-baselines -- \\\n\
         #   policies/catalogs/azure-security-baselines/v3 > policies/azure-baselines.onus`\n\
         # from the vendored workbooks (policies/catalogs/azure-security-baselines/):\n\
         # do not edit by hand; tests/azure_baselines.rs regenerates it and checks\n\
         # every cell against the workbooks' rows.\n\
         #\n\
         # Sources, cited at the end of each rule's `because` by their key:\n\
         # [SB] {repository}, commit {commit} ({date}),\n\
         #   `{path}`: {version}, one workbook per service.\n\
         #   Licence: {licence}.\n\
         #   Each workbook's sheet \"Feature Summary\" gives a row per security\n\
         #   feature: its control (ASB Control ID), whether the service supports it,\n\
         #   whether it is enabled by default, and its Responsibility."
    );
    for workbook in workbooks {
        let _ = writeln!(w, "# [{}] {path}/{}", workbook.key(), workbook.file);
    }
    let _ = writeln!(
        w,
        "#\n\
         # Each zone is a feature, named and labelled by its control and the feature\n\
         # (\"NS-2 Azure Private Link\"); rows with no feature (\"{NO_FEATURE}\") give a\n\
         # control's guidance, and are the zone `<control> guidance`. Each cell is its\n\
         # row's Responsibility: Microsoft is `provider`, Customer `customer`, Shared\n\
         # `shared`, Not Applicable `not-applicable`. A service whose workbook has no\n\
         # row for a zone is `not-listed`. Each `because` says whether the feature is\n\
         # supported and enabled by default, and which row of which workbook says so.\n\
         # A rule marked `enabled-by-default` is a feature the service turns on by\n\
         # itself: `onus estate` leaves it off the customer's to-do list.\n\
         #\n\
         # Where a workbook gives one feature several rows that disagree, the cell\n\
         # is a reading, marked \"Open:\": Not Applicable beside a party is read as\n\
         # not-applicable where no row says the service supports the feature, and\n\
         # as that party otherwise; Customer beside Microsoft, or Shared beside\n\
         # either, is read as shared (the rows name both). Several rows of one\n\
         # control's guidance are read the same way. A row with no control id is\n\
         # placed by its feature's control in the other workbooks, and says so."
    );
    let _ = writeln!(
        w,
        "\npolicy \"Microsoft security baselines for Azure (v3), per service and feature\"\n"
    );
    let _ = writeln!(w, "party provider \"Microsoft\"");
    let _ = writeln!(w, "party not-applicable \"Not applicable\"");
    let _ = writeln!(w, "party not-listed \"Not in the service's baseline\"\n");
    let _ = writeln!(w, "dimension service: {}\n", services.join(", "));
    let _ = writeln!(w, "default: customer\n");
    for (key, label) in &labels {
        let _ = writeln!(w, "zone {} \"{}\"", zone_name(key), label);
    }

    let mut tests: Vec<Vec<(String, &'static str)>> = vec![Vec::new(); workbooks.len()];
    for key in labels.keys() {
        let zone = zone_name(key);
        let _ = writeln!(w);
        let mut missing = Vec::new();
        for (index, workbook) in workbooks.iter().enumerate() {
            let Some(rows) = cells[index].get(key) else {
                missing.push(index);
                tests[index].push((zone.clone(), "not-listed"));
                continue;
            };
            let cell = cell(rows, &workbook.key());
            let marker = match cell.enabled_by_default {
                true => " enabled-by-default",
                false => "",
            };
            let _ = writeln!(
                w,
                "{zone}: {} when {}{marker} because \"{}\"",
                cell.party, workbook.service, cell.because
            );
            tests[index].push((zone.clone(), cell.party));
        }
        if !missing.is_empty() {
            // The shorter of the two lists: the services without a row, or
            // those with one.
            let (keyword, listed): (&str, Vec<&str>) = match missing.len() * 2 > services.len() {
                true => (
                    "unless",
                    (services.iter().enumerate())
                        .filter(|(i, _)| !missing.contains(i))
                        .map(|(_, s)| *s)
                        .collect(),
                ),
                false => ("when", missing.iter().map(|&i| services[i]).collect()),
            };
            let _ = writeln!(
                w,
                "{zone}: not-listed {keyword} service in [{}] because \"The service's workbook has no row for this feature [SB]\"",
                listed.join(", ")
            );
        }
    }

    // The promises: a zone one party holds for all services but a few.
    let _ = writeln!(w);
    for (z, key) in labels.keys().enumerate() {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for cells in &tests {
            *counts.entry(cells[z].1).or_default() += 1;
        }
        let (party, _) = (counts.iter()).max_by_key(|(_, n)| **n).unwrap();
        let exceptions: Vec<&str> = (tests.iter().zip(&services))
            .filter(|(cells, _)| cells[z].1 != *party)
            .map(|(_, s)| *s)
            .collect();
        let zone = zone_name(key);
        match exceptions.len() {
            0 => {
                let _ = writeln!(w, "assert {zone}: {party} always");
            }
            1..=MAX_EXCEPTIONS => {
                let _ = writeln!(
                    w,
                    "assert {zone}: {party} unless service in [{}]",
                    exceptions.join(", ")
                );
            }
            _ => {}
        }
    }
    // Every service's cells, as the workbook says.
    let _ = writeln!(w);
    for (index, workbook) in workbooks.iter().enumerate() {
        let expect: Vec<String> = tests[index]
            .iter()
            .map(|(zone, party)| format!("{zone}: {party}"))
            .collect();
        let _ = writeln!(
            w,
            "test \"{}\" {{ service: {} }} expect {{ {} }}",
            workbook.service,
            workbook.service,
            expect.join(", ")
        );
    }
    Ok(out)
}

/// A cell: its party, whether it is on by default, and why.
struct Cell {
    party: &'static str,
    enabled_by_default: bool,
    because: String,
}

fn cell(rows: &[&Row], key: &str) -> Cell {
    let phrases: Vec<&str> = rows.iter().map(|r| support_phrase(r).unwrap()).collect();
    let responsibilities: BTreeSet<&str> = rows.iter().map(|r| r.responsibility.as_str()).collect();
    let enabled_by_default = rows.iter().all(|r| r.enabled_by_default == "True");
    let numbers: Vec<String> = rows.iter().map(|r| format!("row {}", r.number)).collect();
    // A row with no control id is placed by its feature: say so.
    let placed = match rows.iter().any(|r| r.control.is_none()) {
        true => {
            "; a row with no control id, placed by its feature's control in the other workbooks"
        }
        false => "",
    };
    if responsibilities.len() == 1 {
        let responsibility = rows[0].responsibility.as_str();
        let phrase = match phrases.iter().all(|p| *p == phrases[0]) {
            true => phrases[0].to_string(),
            false => phrases.join("; "),
        };
        let rows_said = match numbers.len() {
            1 => numbers[0].clone(),
            _ => format!("{}, which agree", numbers.join(" and ")),
        };
        return Cell {
            party: party_of(responsibility).unwrap(),
            enabled_by_default,
            because: format!(
                "{phrase}; Responsibility {responsibility} (Feature Summary {rows_said}){placed} [{key}]"
            ),
        };
    }
    let each: Vec<String> = rows
        .iter()
        .zip(&phrases)
        .map(|(r, p)| format!("row {}: {p}, {}", r.number, r.responsibility))
        .collect();
    // Rows with no feature are separate pieces of a control's guidance.
    if rows[0].feature == NO_FEATURE {
        let (party, reading) = combined(&responsibilities);
        return Cell {
            party,
            enabled_by_default,
            because: format!(
                "Open: the workbook gives this control {} rows of guidance ({}); {reading}{placed} [{key}]",
                rows.len(),
                each.join("; ")
            ),
        };
    }
    let supported = rows.iter().any(|r| r.supported == "True");
    let (party, reading) = match (supported, responsibilities.contains("Not Applicable")) {
        // Not Applicable beside a party, for a feature no row says the
        // service supports: nothing to turn on.
        (false, true) => (
            "not-applicable",
            "read as not-applicable: no row says the service supports the feature".to_string(),
        ),
        _ => combined(&responsibilities),
    };
    Cell {
        party,
        enabled_by_default,
        because: format!(
            "Open: the workbook gives this feature {} rows that disagree ({}); {reading}{placed} [{key}]",
            rows.len(),
            each.join("; ")
        ),
    }
}

/// The party of rows that name several: the one party besides Not
/// Applicable, or shared where the rows name both (or Shared).
fn combined(responsibilities: &BTreeSet<&str>) -> (&'static str, String) {
    let parties: BTreeSet<&str> = (responsibilities.iter())
        .filter(|r| **r != "Not Applicable")
        .map(|r| party_of(r).unwrap())
        .collect();
    match parties.len() {
        1 => {
            let party = *parties.first().unwrap();
            (
                party,
                format!("read as {party}, the row that names a party"),
            )
        }
        _ => (
            "shared",
            "read as shared: the rows name both parties".to_string(),
        ),
    }
}
