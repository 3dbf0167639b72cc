//! What a provider publishes about its controls, and how a policy's answers
//! compare with it.
//!
//! Four forms are read, from their published names:
//! - FedRAMP's customer responsibility matrix (SSP Appendix J,
//!   GSA/fedramp-gov
//!   `assets/resources/templates/SSP-Appendix-J-CSO-CIS-and-CRM-Workbook.xlsx`:
//!   `Control ID` and `Can Be Inherited from CSP`, `Yes`, `Partial` or
//!   `No`), as a workbook or CSV;
//! - CSA's CAIQ v4 (`CCM Control ID` or a question id, and `SSRM Control
//!   Ownership`: `CSP-owned`, `CSC-owned`, `Shared CSP and CSC`, `3rd-party
//!   outsourced`, `Shared CSP and 3rd-party`, `N/A`), as a workbook or CSV:
//!   CCM controls;
//! - an OSCAL system security plan (JSON): each implemented requirement's
//!   `control-id` and FedRAMP's `control-origination` props
//!   (GSA/fedramp-automation `fedramp_values.xml`);
//! - a plain CSV of a control column and an owner column (`provider`,
//!   `customer`, `shared`).
//!
//! A control published in parts (`AC-02 (a)`, `AC-02 (b)`, or a CAIQ's
//! questions `A&A-01.1`, `A&A-01.2`) is one control: the provider's or the
//! customer's where every part says so, shared otherwise.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader};

use crate::compliance::responsibility::{Export, HolderKind, Ownership, Side};
use crate::diagnostic::code::Code;
use crate::diagnostic::{Diagnostic, Report, Source};

/// Who is responsible for a control, in the words every publication can
/// be read into.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The provider alone (the CRM's `Yes`: fully inheritable).
    Provider,
    /// Both (`Partial`).
    Shared,
    /// The customer alone (`No`).
    Customer,
}

/// One control as published.
#[derive(Clone, Debug)]
pub struct PublishedControl {
    /// The control in the catalog's spelling: `ac-2`, `ac-2.1`.
    pub id: String,
    /// As the file first writes it: `AC-02 (a)`.
    pub written: String,
    /// Its class, its parts' combined.
    pub class: Class,
    /// The row (from 1) of its first part.
    pub row: usize,
}

/// A provider's published responsibility, control by control, in the
/// order the file gives them.
#[derive(Clone, Debug)]
pub struct Published {
    /// The file's name.
    pub name: String,
    /// Which form it is: `fedramp-crm`, `caiq`, `oscal-ssp` or
    /// `owner-csv`.
    pub form: &'static str,
    /// Where in the file: the sheet of a workbook.
    pub sheet: Option<String>,
    /// Each control once.
    pub controls: Vec<PublishedControl>,
    /// Rows that name a control but leave its ownership blank (the CRM's
    /// way of saying not applicable): counted, not compared.
    pub blank: Vec<usize>,
}

impl Published {
    /// The framework its controls belong to: CCM for a CAIQ, NIST SP
    /// 800-53 for the others.
    pub fn framework(&self) -> crate::compliance::mapping::FrameworkKind {
        match self.form {
            "caiq" => crate::compliance::mapping::FrameworkKind::CsaCcm,
            _ => crate::compliance::mapping::FrameworkKind::Nist80053,
        }
    }
}

/// Reads a published responsibility file: a workbook (XLSX), CSV, or an
/// OSCAL SSP (JSON).
pub fn read_published(name: &str, bytes: &[u8]) -> Result<Published, Report> {
    let fail = |message: String, help: &str| {
        Report::new(
            Source::new(name, ""),
            vec![Diagnostic::new(Code::InvalidPublished, message).with_help(Some(help.into()))],
        )
    };
    let help = "give FedRAMP's CRM (a `Control ID` and a `Can Be Inherited from CSP` column) or CSA's CAIQ (`SSRM Control Ownership`) as XLSX or CSV, an OSCAL SSP as JSON, or a CSV of a control and an owner column (provider, customer, shared)";
    let text_start = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if text_start == Some(&b'{') {
        return read_oscal(name, bytes).map_err(|message| fail(message, help));
    }
    // Each sheet: its name, the spreadsheet row of its first row (a range
    // starts at its first used cell), and its rows.
    let sheets: Vec<(Option<String>, usize, Vec<Vec<String>>)> = match bytes.starts_with(b"PK") {
        true => {
            let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
                .map_err(|e| fail(format!("`{name}` is not a readable workbook: {e}"), help))?;
            let names = book.sheet_names().to_vec();
            names
                .into_iter()
                .filter_map(|sheet| {
                    let range = book.worksheet_range(&sheet).ok()?;
                    let first = range.start().map_or(0, |(row, _)| row as usize);
                    let rows = range
                        .rows()
                        .map(|r| r.iter().map(cell_text).collect())
                        .collect();
                    Some((Some(sheet), first, rows))
                })
                .collect()
        }
        false => {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                fail(
                    format!("`{name}` is neither a workbook nor UTF-8 text"),
                    help,
                )
            })?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes());
            let rows = reader
                .records()
                .map(|r| r.map(|r| r.iter().map(|c| c.trim().to_string()).collect()))
                .collect::<Result<Vec<Vec<String>>, _>>()
                .map_err(|e| fail(format!("`{name}` is not valid CSV: {e}"), help))?;
            vec![(None, 0, rows)]
        }
    };
    // FedRAMP's template ships an "Example CRM Worksheet Responses" sheet
    // beside the provider's own: examples are not the provider's word.
    let examples = |sheet: &Option<String>| {
        (sheet.as_deref()).is_some_and(|s| s.to_lowercase().starts_with("example"))
    };
    // The first sheet that states an ownership for some control; a sheet
    // with the columns but no statement (an untouched template) is passed
    // over, and said so if no sheet has one.
    let mut unstated = None;
    for (sheet, first, rows) in sheets.iter().filter(|(sheet, _, _)| !examples(sheet)) {
        if let Some(found) = read_rows(name, sheet.clone(), *first, rows)? {
            match found.controls.is_empty() {
                true => unstated = unstated.or(Some(found)),
                false => return Ok(found),
            }
        }
    }
    if let Some(found) = unstated {
        let where_ = found
            .sheet
            .map_or(String::new(), |s| format!(" (sheet `{s}`)"));
        return Err(fail(
            format!("`{name}`{where_} has the columns but states no control's ownership"),
            help,
        ));
    }
    Err(fail(
        format!("`{name}` has no sheet with a control column and an ownership column"),
        help,
    ))
}

/// The controls read so far, each once in the order first read: a control
/// published in parts keeps its first part's place, and parts that differ
/// make it shared.
#[derive(Default)]
struct Parts {
    controls: Vec<PublishedControl>,
    by_id: BTreeMap<String, usize>,
}

impl Parts {
    fn add(&mut self, id: String, written: &str, class: Class, row: usize) {
        match self.by_id.get(&id) {
            Some(&k) if self.controls[k].class != class => self.controls[k].class = Class::Shared,
            Some(_) => {}
            None => {
                self.by_id.insert(id.clone(), self.controls.len());
                self.controls.push(PublishedControl {
                    id,
                    written: written.to_string(),
                    class,
                    row,
                });
            }
        }
    }
}

fn cell_text(cell: &Data) -> String {
    cell.to_string().trim().to_string()
}

/// The columns found in a header row: the control's, the one to read the
/// control from where that cell is empty, the class's, and how the class
/// is written.
fn header(row: &[String]) -> Option<(usize, Option<usize>, usize, &'static str)> {
    // The names in order of preference: an exact header before one that
    // merely starts with the name, the first name before the next.
    let find = |names: &[&str]| {
        let lower: Vec<String> = row.iter().map(|c| c.to_lowercase()).collect();
        (names.iter())
            .find_map(|n| lower.iter().position(|c| c == n))
            .or_else(|| (names.iter()).find_map(|n| lower.iter().position(|c| c.starts_with(n))))
    };
    if let Some(ssrm) = find(&["ssrm control ownership"]) {
        let control = find(&["ccm control id", "question id", "control id"])?;
        // CSA's template gives the CCM id on a control's first question
        // only (the cells are merged); every question row has its own id.
        let question = find(&["question id"]).filter(|&q| q != control);
        return Some((control, question, ssrm, "caiq"));
    }
    let control = find(&["control id", "control"])?;
    if let Some(crm) = find(&["can be inherited from csp"]) {
        return Some((control, None, crm, "fedramp-crm"));
    }
    let owner = find(&["owner", "ownership", "responsibility", "responsible party"])?;
    Some((control, None, owner, "owner-csv"))
}

/// A sheet's controls, if it has the columns.
fn read_rows(
    name: &str,
    sheet: Option<String>,
    first: usize,
    rows: &[Vec<String>],
) -> Result<Option<Published>, Report> {
    // The header is in the first rows (a title may come first).
    let Some((at, (control, fallback, class, form))) =
        (rows.iter().take(10).enumerate()).find_map(|(i, row)| header(row).map(|h| (i, h)))
    else {
        return Ok(None);
    };
    let mut controls = Parts::default();
    let mut blank = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(at + 1) {
        let cell = |column: usize| row.get(column).map(String::as_str).unwrap_or("");
        let written = match (cell(control), fallback) {
            ("", Some(fallback)) => cell(fallback),
            (written, _) => written,
        };
        let value = row.get(class).map(String::as_str).unwrap_or("");
        if written.is_empty() && value.is_empty() {
            continue;
        }
        let id_of = |written: &str| match form {
            "caiq" => ccm_id(written),
            _ => catalog_id(written),
        };
        let stated = !value.is_empty() && !value.eq_ignore_ascii_case("n/a");
        // A row that states no ownership is a control left blank, or, when
        // it names no control, a note (CSA's `End of Standard` and
        // copyright rows): neither says who owns anything.
        if !stated {
            if id_of(written).is_some() {
                blank.push(first + i + 1);
            }
            continue;
        }
        let Some(id) = id_of(written) else {
            errors.push(format!(
                "row {}: `{written}` is not a control id",
                first + i + 1
            ));
            continue;
        };
        let Some(parsed) = class_of(form, value) else {
            errors.push(format!(
                "row {}: `{value}` is not an ownership this form uses",
                first + i + 1
            ));
            continue;
        };
        controls.add(id, written, parsed, first + i + 1);
    }
    if !errors.is_empty() {
        let where_ = sheet
            .as_deref()
            .map_or(String::new(), |s| format!(" (sheet `{s}`)"));
        let diagnostics = errors
            .into_iter()
            .map(|e| {
                Diagnostic::new(Code::InvalidPublished, format!("{name}{where_}: {e}")).with_help(
                    Some(match form {
                        "fedramp-crm" => "the CRM's values are Yes, Partial and No".into(),
                        "caiq" => "the SSRM ownership values are CSP-owned, CSC-owned, Shared CSP and CSC, 3rd-party outsourced, Shared CSP and 3rd-party and N/A".into(),
                        _ => "an owner is provider (or CSP), customer (or CSC) or shared".into(),
                    }),
                )
            })
            .collect();
        return Err(Report::new(Source::new(name, ""), diagnostics));
    }
    Ok(Some(Published {
        name: name.to_string(),
        form,
        sheet,
        controls: controls.controls,
        blank,
    }))
}

fn class_of(form: &str, value: &str) -> Option<Class> {
    let value = value.trim().to_lowercase();
    match form {
        // CSA's SSRM: a third party is the provider's (it stays accountable).
        "caiq" => match value.as_str() {
            "csp-owned" | "3rd-party outsourced" | "shared csp and 3rd-party" => {
                Some(Class::Provider)
            }
            "shared csp and csc" => Some(Class::Shared),
            "csc-owned" => Some(Class::Customer),
            _ => None,
        },
        "fedramp-crm" => match value.as_str() {
            "yes" => Some(Class::Provider),
            "partial" => Some(Class::Shared),
            "no" => Some(Class::Customer),
            _ => None,
        },
        _ => match value.as_str() {
            "provider" | "csp" | "csp-owned" | "service provider" => Some(Class::Provider),
            "customer" | "csc" | "csc-owned" => Some(Class::Customer),
            "shared" | "shared csp and csc" | "hybrid" => Some(Class::Shared),
            _ => None,
        },
    }
}

/// A CCM control id as CSA writes it (`A&A-01`, `IAM-14`), from a
/// control id or a CAIQ question id (`A&A-01.1`); `None` for other text.
pub fn ccm_id(written: &str) -> Option<String> {
    let text = written.trim().to_uppercase();
    let control = text.split('.').next()?;
    let (domain, number) = control.split_once('-')?;
    let domain_ok = (2..=3).contains(&domain.len())
        && domain.chars().all(|c| c.is_ascii_uppercase() || c == '&');
    let number_ok = number.len() == 2 && number.chars().all(|c| c.is_ascii_digit());
    (domain_ok && number_ok).then(|| control.to_string())
}

/// An OSCAL SSP's controls and their origination.
fn read_oscal(name: &str, bytes: &[u8]) -> Result<Published, String> {
    let document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("`{name}` is not valid JSON: {e}"))?;
    let requirements = document["system-security-plan"]["control-implementation"]
        ["implemented-requirements"]
        .as_array()
        .ok_or_else(|| format!("`{name}` is not an OSCAL SSP with implemented requirements"))?;
    let mut controls = Parts::default();
    let mut blank = Vec::new();
    for (i, requirement) in requirements.iter().enumerate() {
        let written = requirement["control-id"].as_str().unwrap_or("");
        let id = catalog_id(written).ok_or_else(|| {
            format!(
                "`{name}`: requirement {}: `{written}` is not a control id",
                i + 1
            )
        })?;
        let mut provider = false;
        let mut customer = false;
        for prop in requirement["props"].as_array().into_iter().flatten() {
            if prop["name"] != "control-origination" {
                continue;
            }
            match prop["value"].as_str().unwrap_or("") {
                "sp-corporate" | "sp-system" | "inherited" => provider = true,
                "customer-configured" | "customer-provided" => customer = true,
                // `hybrid` is how some SSPs write FedRAMP's "shared"
                // (GSA-TTS/cloud-sandbox's, tests/fixtures/compare).
                "shared" | "hybrid" => (provider, customer) = (true, true),
                other => {
                    return Err(format!(
                        "`{name}`: requirement {} (`{written}`): `{other}` is not a control origination",
                        i + 1
                    ))
                }
            }
        }
        let class = match (provider, customer) {
            (false, false) => {
                blank.push(i + 1);
                continue;
            }
            (true, false) => Class::Provider,
            (false, true) => Class::Customer,
            (true, true) => Class::Shared,
        };
        controls.add(id, written, class, i + 1);
    }
    Ok(Published {
        name: name.to_string(),
        form: "oscal-ssp",
        sheet: None,
        controls: controls.controls,
        blank,
    })
}

/// A control id as a catalog writes it: `AC-02 (a)` is `ac-2`, `AC-2(1)`,
/// `AC-02 (01) (b)` and `ac-2.1` are `ac-2.1`; `None` for text that is no
/// control id.
pub fn catalog_id(written: &str) -> Option<String> {
    let text = written.trim().to_lowercase();
    let (family, rest) = text.split_once('-')?;
    if family.len() != 2 || !family.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits.parse().ok()?;
    let mut id = format!("{family}-{number}");
    let mut tail = &rest[digits.len()..];
    // OSCAL's own `ac-2.1`.
    if let Some(after) = tail.strip_prefix('.') {
        let enhancement: String = after.chars().take_while(char::is_ascii_digit).collect();
        if enhancement.is_empty() || !after[enhancement.len()..].trim().is_empty() {
            return None;
        }
        return Some(format!("{id}.{}", enhancement.parse::<u32>().ok()?));
    }
    // Parentheses after: a number before any letter is an enhancement, a
    // letter (and anything after it) a part of the statement. Anything
    // else after the id (`AC-2, AC-3`) is not one control id.
    let mut in_part = false;
    loop {
        tail = tail.trim_start();
        if tail.is_empty() {
            return Some(id);
        }
        let inside = tail.strip_prefix('(')?;
        let close = inside.find(')')?;
        let part = inside[..close].trim();
        match part.parse::<u32>() {
            Ok(enhancement) if !in_part => id.push_str(&format!(".{enhancement}")),
            Ok(_) => {}
            Err(_) if part.chars().all(|c| c.is_ascii_alphabetic()) && !part.is_empty() => {
                in_part = true
            }
            Err(_) => return None,
        }
        tail = &inside[close + 1..];
    }
}

/// One published control against the policy's answer for it.
#[derive(Clone, Debug)]
pub struct Compared {
    /// The control as published.
    pub published: PublishedControl,
    /// The policy's answer: its class, or `None` where it has none (a
    /// control no zone carries, one that does not apply in the scenario,
    /// or one the catalog lacks).
    pub onus: Option<Class>,
    /// Why there is no answer, where there is none.
    pub no_answer: Option<&'static str>,
    /// The zones on the provider's side, then on the customer's.
    pub provider_zones: Vec<String>,
    /// The zones on the customer's side.
    pub customer_zones: Vec<String>,
}

impl Compared {
    /// Whether the answer is the published one.
    pub fn agrees(&self) -> bool {
        self.onus == Some(self.published.class)
    }
}

/// Every published control, in the file's order, against the export's
/// answers (whose baseline should hold the published controls).
pub fn compare(export: &Export, published: &Published) -> Vec<Compared> {
    let framework = export.mapping.framework;
    let by_index: BTreeMap<usize, usize> = (export.answers.iter().enumerate())
        .map(|(i, a)| (a.control, i))
        .collect();
    (published.controls.iter())
        .map(|control| {
            let answer = (framework.control_index(&control.id))
                .and_then(|index| by_index.get(&index))
                .map(|&i| &export.answers[i]);
            let zones = |side: Side| -> Vec<String> {
                answer.map_or(Vec::new(), |a| {
                    (a.holdings.iter())
                        .filter(|h| side.includes(HolderKind::of(export.policy, h.party)))
                        .map(|h| export.policy.zones[h.zone].name.clone())
                        .collect()
                })
            };
            let (onus, no_answer) = match answer.map(|a| a.ownership) {
                None => (None, Some("not in the baseline's catalog")),
                Some(Ownership::Uncovered) => (None, Some("no zone carries it")),
                Some(Ownership::NotApplicable) => (None, Some("not applicable in the scenario")),
                Some(Ownership::Customer) => (Some(Class::Customer), None),
                Some(Ownership::Shared) => (Some(Class::Shared), None),
                Some(
                    Ownership::Provider | Ownership::ProviderAndThirdParty | Ownership::ThirdParty,
                ) => (Some(Class::Provider), None),
            };
            Compared {
                published: control.clone(),
                onus,
                no_answer,
                provider_zones: zones(Side::Provider),
                customer_zones: zones(Side::Customer),
            }
        })
        .collect()
}
