//! Workbook helpers shared by the generators: fixed document properties (byte-stable output),
//! the importer's two-sheet headers, and cell writers.

use anyhow::Result;
use chrono::NaiveDate;
use rust_xlsxwriter::{DocProperties, Format, FormatBorder, Workbook, Worksheet};

use crate::model::{CREATED, Gas, Transformer};

/// The importer's own two-sheet headers: generated workbooks use exactly the template's.
pub use substation_dga::layout::{ASSET_HEADERS, SAMPLE_HEADERS};

pub const ASSET_WIDTHS: [f64; 10] = [10.0, 26.0, 22.0, 13.0, 11.0, 11.0, 11.0, 11.0, 16.0, 12.0];
pub const SAMPLE_WIDTHS: [f64; 11] = [10.0, 12.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0];

/// A workbook whose document properties never change, so the same data gives the same bytes.
pub fn new_workbook() -> Workbook {
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_author("Substation Bulk sample generator")
        .set_creation_datetime(&CREATED);
    workbook.set_properties(&properties);
    workbook
}

/// Cell formats used across the generated workbooks.
pub struct Formats {
    pub header: Format,
    pub date: Format,
}

impl Default for Formats {
    fn default() -> Self {
        Self::new()
    }
}

impl Formats {
    pub fn new() -> Self {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(0xDDEBF7)
                .set_border_bottom(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// Names the sheet, sets column widths (before any row, for constant-memory sheets) and writes
/// the header row with frozen panes.
pub fn start_sheet(
    sheet: &mut Worksheet,
    name: &str,
    headers: &[&str],
    widths: &[f64],
    formats: &Formats,
) -> Result<()> {
    sheet.set_name(name)?;
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &formats.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Writes one nameplate row of the "Transformers" sheet.
pub fn write_transformer(sheet: &mut Worksheet, row: u32, t: &Transformer) -> Result<()> {
    sheet.write_string(row, 0, &t.id)?;
    sheet.write_string(row, 1, &t.name)?;
    sheet.write_string(row, 2, &t.substation)?;
    sheet.write_string(row, 3, &t.manufacturer)?;
    sheet.write_number(row, 4, f64::from(t.year))?;
    sheet.write_number(row, 5, t.rated_kv)?;
    sheet.write_number(row, 6, t.rated_mva)?;
    sheet.write_number(row, 7, f64::from(t.oil_litres))?;
    sheet.write_string(row, 8, t.preservation.as_str())?;
    sheet.write_string(row, 9, t.oltc_text())?;
    Ok(())
}

/// Writes a gas value: a number, or `<limit>` text when below detection.
pub fn write_gas(sheet: &mut Worksheet, row: u32, col: u16, gas: Gas) -> Result<()> {
    match gas {
        Gas::Ppm(value) => sheet.write_number(row, col, value)?,
        Gas::Below(_) => sheet.write_string(row, col, gas.text())?,
    };
    Ok(())
}

/// Writes one row of the "Samples" sheet.
pub fn write_sample(
    sheet: &mut Worksheet,
    row: u32,
    asset_id: &str,
    date: NaiveDate,
    gases: &[Gas],
    formats: &Formats,
) -> Result<()> {
    sheet.write_string(row, 0, asset_id)?;
    sheet.write_date_with_format(row, 1, date, &formats.date)?;
    for (index, gas) in gases.iter().enumerate() {
        write_gas(sheet, row, 2 + index as u16, *gas)?;
    }
    Ok(())
}
