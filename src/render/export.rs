//! Compliance documents written out: the OSCAL SSPs as JSON, the CAIQ and
//! CRM grids as CSV or XLSX. What they say is `compliance`'s.

use serde::Serialize;

use crate::compliance::oscal::ExportOptions;
use crate::compliance::responsibility::Export;

/// The provider's SSP (OSCAL's leveraged system) as JSON.
pub fn oscal_provider(export: &Export, options: &ExportOptions) -> String {
    to_json(&export.provider_ssp(options))
}

/// The provider's offering as an OSCAL component definition, as JSON.
pub fn oscal_component_definition(export: &Export, options: &ExportOptions) -> String {
    to_json(&export.component_definition(options))
}

/// A customer's SSP (OSCAL's leveraging system) as JSON.
pub fn oscal_customer(export: &Export, options: &ExportOptions) -> String {
    to_json(&export.customer_ssp(options))
}

fn to_json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("export documents serialize");
    text.push('\n');
    text
}

/// A grid as CSV: RFC 4180 quoting, one record a row.
pub fn grid_csv(rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of strings")
}

/// A grid as an XLSX workbook of one sheet: the provenance row, the header
/// row in bold and frozen, the cells as text. `date` (`YYYY-MM-DD`) is the
/// workbook's creation date, which would otherwise be the clock's.
pub fn grid_xlsx(rows: &[Vec<String>], sheet: &str, date: &str) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let year = date.get(0..4).and_then(|p| p.parse::<u16>().ok());
    let part = |range: std::ops::Range<usize>| date.get(range).and_then(|p| p.parse::<u8>().ok());
    let (Some(year), Some(month), Some(day)) = (year, part(5..7), part(8..10)) else {
        return Err(format!("`{date}` is not a date"));
    };
    let created = ExcelDateTime::from_ymd(year, month, day).map_err(fail)?;
    let mut workbook = Workbook::new();
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let format = if r == 1 { &bold } else { &wrap };
            worksheet
                .write_string_with_format(r as u32, c as u16, cell, format)
                .map_err(fail)?;
        }
    }
    worksheet.set_freeze_panes(2, 0).map_err(fail)?;
    workbook.save_to_buffer().map_err(fail)
}
