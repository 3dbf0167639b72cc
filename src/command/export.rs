//! `onus export`: compliance documents for one scenario, control by
//! control of a mapping.

use super::*;

choice! {
    /// What `export` writes.
    ExportFormat {
        /// The provider's OSCAL SSP: what it provides, what it leaves to
        /// customers (NIST SP 800-53).
        OscalSsp => "oscal-ssp",
        /// A customer's OSCAL SSP, inheriting from the provider's.
        OscalSspCustomer => "oscal-ssp-customer",
        /// The provider's offering as an OSCAL component definition: its
        /// control implementations and the customer's responsibilities.
        OscalComponentDefinition => "oscal-component-definition",
        /// CSA CAIQ SSRM ownership as CSV (CCM v4).
        CaiqCsv => "caiq-csv",
        /// CSA CAIQ SSRM ownership as an XLSX workbook.
        CaiqXlsx => "caiq-xlsx",
        /// FedRAMP's customer responsibility matrix as CSV (800-53).
        CrmCsv => "crm-csv",
        /// FedRAMP's customer responsibility matrix as an XLSX workbook.
        CrmXlsx => "crm-xlsx",
    }
}

impl ExportFormat {
    /// The framework whose controls it speaks of.
    pub fn framework(self) -> crate::compliance::mapping::FrameworkKind {
        match self {
            ExportFormat::CaiqCsv | ExportFormat::CaiqXlsx => {
                crate::compliance::mapping::FrameworkKind::CsaCcm
            }
            ExportFormat::OscalSsp
            | ExportFormat::OscalSspCustomer
            | ExportFormat::OscalComponentDefinition
            | ExportFormat::CrmCsv
            | ExportFormat::CrmXlsx => crate::compliance::mapping::FrameworkKind::Nist80053,
        }
    }

    /// The built-in mapping used when none is given.
    pub fn default_mapping(self) -> &'static str {
        match self.framework() {
            crate::compliance::mapping::FrameworkKind::CsaCcm => "csa-ccm-v4",
            crate::compliance::mapping::FrameworkKind::Nist80053 => "nist-sp-800-53-rev5",
        }
    }

    /// Whether it writes a binary file rather than text.
    pub fn is_binary(self) -> bool {
        matches!(self, ExportFormat::CaiqXlsx | ExportFormat::CrmXlsx)
    }

    /// Why this format is not written to a terminal, if it is not: a
    /// workbook's bytes would only garble the screen.
    pub fn refused_on_terminal(self) -> Option<&'static str> {
        self.is_binary()
            .then_some("a workbook is binary: give `--output FILE`, or redirect stdout")
    }
}

/// What `onus export` is told beyond the policy, mapping and scenario.
#[derive(Clone, Copy, Debug)]
pub struct ExportRequest<'a> {
    /// `YYYY-MM-DD`: the documents' date (OSCAL's `last-modified`); the
    /// Unix epoch's day when `None`, so that the same input gives the same
    /// bytes whatever day it runs.
    pub date: Option<&'a str>,
    /// The OSCAL profile the SSPs import; the baseline's own where `None`.
    pub profile: Option<&'a str>,
    /// The baseline whose every control the export lists (`low`,
    /// `moderate`, `high`; the framework's first where `None`).
    pub baseline: Option<&'a str>,
}

/// A `YYYY-MM-DD` date, checked, or the Unix epoch's day.
fn export_date(date: Option<&str>) -> Result<&str, Report> {
    let Some(date) = date else {
        return Ok("1970-01-01");
    };
    if is_calendar_date(date) {
        return Ok(date);
    }
    let diagnostic = Diagnostic::new(Code::InvalidSetting, format!("`{date}` is not a date"))
        .with_label(
            crate::base::span::Span::new(0, date.len()),
            "not a day of the calendar, as YYYY-MM-DD",
        )
        .with_help(Some(
            "write the date as YYYY-MM-DD, such as `--date 2026-11-29`".into(),
        ));
    Err(Report::new(Source::new("--date", date), vec![diagnostic]))
}

/// Whether `date` is `YYYY-MM-DD` and a day of the Gregorian calendar.
fn is_calendar_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && (bytes.iter().enumerate()).all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return false;
    }
    let number = |range: std::ops::Range<usize>| date[range].parse::<u16>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok());
    let day = u8::try_from(day).unwrap_or(0);
    month.is_some_and(|month| time::Date::from_calendar_date(i32::from(year), month, day).is_ok())
}

/// Writes an export to `path`, atomically: a reader sees the old file or
/// the new, never a part.
pub fn write_export(path: &str, bytes: &[u8]) -> Result<(), Report> {
    crate::io::write_atomically(std::path::Path::new(path), bytes).map_err(|error| {
        let message = format!("cannot write `{path}`: {}", crate::io::io_reason(&error));
        Report::new(
            Source::new(path, ""),
            vec![Diagnostic::new(Code::UnwritableFile, message)],
        )
    })
}

/// `onus export`: the policy's answers in the scenario `settings` give,
/// control by control of `mapping` (a path or built-in name; the format's
/// default when `None`), in `format`. Bytes, since XLSX is binary.
pub fn export(
    policy: &Policy,
    mapping: Option<&str>,
    settings: &[String],
    format: ExportFormat,
    request: ExportRequest,
) -> Result<Vec<u8>, Report> {
    let mapping = crate::api::load_mapping(mapping.unwrap_or(format.default_mapping()))?;
    if mapping.framework.kind != format.framework() {
        let expected = format.default_mapping();
        let diagnostic = Diagnostic::new(
            Code::FrameworkMismatch,
            format!(
                "mapping `{}` maps to {}, which this export does not speak of",
                mapping.name, mapping.framework.title
            ),
        )
        .with_help(Some(format!(
            "give a mapping to the export's framework, such as `--map {expected}`"
        )));
        return Err(Report::new(
            Source::new(&mapping.name, ""),
            vec![diagnostic],
        ));
    }
    let framework = mapping.framework;
    let baseline = match (request.baseline, framework.baselines.is_empty()) {
        (Some(name), true) => {
            let diagnostic = Diagnostic::new(
                Code::InvalidSetting,
                format!(
                    "{} has no baselines: the export lists every control",
                    framework.title
                ),
            )
            .with_label(
                crate::base::span::Span::new(0, name.len()),
                "not a baseline here",
            )
            .with_help(Some("leave out `--baseline`".into()));
            return Err(Report::new(
                Source::new("--baseline", name),
                vec![diagnostic],
            ));
        }
        (name, _) => match framework.baseline(name) {
            Some(baseline) => Some(baseline),
            None if framework.baselines.is_empty() => None,
            None => {
                let name = name.unwrap_or_default();
                let names: Vec<&str> = framework.baselines.iter().map(|b| b.name).collect();
                let diagnostic = Diagnostic::new(
                    Code::InvalidSetting,
                    format!("`{name}` is not a baseline of {}", framework.title),
                )
                .with_label(
                    crate::base::span::Span::new(0, name.len()),
                    "not a baseline",
                )
                .with_help(Some(format!("the baselines: {}", names.join(", "))));
                return Err(Report::new(
                    Source::new("--baseline", name),
                    vec![diagnostic],
                ));
            }
        },
    };
    let scenario = policy.scenario_from_settings("--set", settings)?;
    let export =
        crate::compliance::responsibility::Export::new(policy, &mapping, &scenario, baseline)?;
    let options = render::ExportOptions {
        date: export_date(request.date)?,
        profile: (request.profile)
            .or(baseline.map(|b| b.profile))
            .unwrap_or(render::DEFAULT_PROFILE),
    };
    let options = &options;
    let sheet = |rows: Vec<Vec<String>>, name: &str| {
        render::grid_xlsx(&rows, name, options.date).map_err(|reason| {
            let diagnostic = Diagnostic::new(
                Code::UnwritableOutput,
                format!("cannot build the workbook: {reason}"),
            );
            Report::new(Source::new(&mapping.name, ""), vec![diagnostic])
        })
    };
    Ok(match format {
        ExportFormat::OscalSsp => render::oscal_provider(&export, options).into_bytes(),
        ExportFormat::OscalSspCustomer => render::oscal_customer(&export, options).into_bytes(),
        ExportFormat::OscalComponentDefinition => {
            render::oscal_component_definition(&export, options).into_bytes()
        }
        ExportFormat::CaiqCsv => render::grid_csv(&export.caiq_grid()).into_bytes(),
        ExportFormat::CaiqXlsx => sheet(export.caiq_grid(), "CAIQ SSRM")?,
        ExportFormat::CrmCsv => render::grid_csv(&export.crm_grid()).into_bytes(),
        ExportFormat::CrmXlsx => sheet(export.crm_grid(), "CRM")?,
    })
}
