//! Export of the fleet table (as filtered) to xlsx or CSV, for reports and e-mail.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use crate::App;
use crate::error::{AppError, Result};
use crate::views::{ExportFormat, ExportResult, FleetFilter, FleetRowView};

const HEADERS: [&str; 9] = [
    "Asset ID",
    "Name",
    "Substation",
    "Latest sample",
    "IEEE C57.104-2019 status",
    "IEC 60599 state",
    "Fault",
    "Severity",
    "Diagnosed at",
];

/// A CSV cell that a spreadsheet would not run as a formula: text beginning with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading apostrophe, which Excel and LibreOffice
/// show as text (the usual defence against CSV injection; names come from lab workbooks and
/// other laptops). The xlsx export needs none: it writes every cell as a string cell.
fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

fn cells(row: &FleetRowView) -> [String; 9] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        row.asset_id.clone(),
        text(&row.name),
        text(&row.substation),
        text(&row.latest_sample),
        row.ieee_status.map(|s| s.to_string()).unwrap_or_default(),
        text(&row.iec_state),
        // A team's own function's label as it said it, with the tool's code when mapped.
        match (&row.fault_label, &row.fault) {
            (Some(label), Some(code)) if label != code => format!("{label} ({code})"),
            (Some(label), _) => label.clone(),
            (None, fault) => text(fault),
        },
        text(&row.severity),
        text(&row.diagnosed_at),
    ]
}

/// The rows as CSV in UTF-8 with a byte-order mark: without it, Excel on Korean Windows reads
/// the file in the ANSI code page (CP949) and shows the names as mojibake.
fn csv_bytes(rows: &[FleetRowView]) -> std::result::Result<Vec<u8>, String> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(HEADERS).map_err(|e| e.to_string())?;
    for row in rows {
        writer
            .write_record(cells(row).map(inert))
            .map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

fn xlsx_bytes(rows: &[FleetRowView]) -> std::result::Result<Vec<u8>, String> {
    let failed = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Fleet").map_err(failed)?;
    let bold = Format::new().set_bold();
    for (c, header) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *header, &bold)
            .map_err(failed)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let line = r as u32 + 1;
        for (c, value) in cells(row).iter().enumerate() {
            if c == 4
                && let Some(status) = row.ieee_status
            {
                sheet
                    .write_number(line, c as u16, f64::from(status))
                    .map_err(failed)?;
            } else if !value.is_empty() {
                sheet.write_string(line, c as u16, value).map_err(failed)?;
            }
        }
    }
    sheet.autofit();
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    workbook.save_to_buffer().map_err(failed)
}

impl App {
    /// Writes every row the filter matches (not only the page shown), worst first. The file
    /// is replaced whole or not at all (`substation_import::replace_file`).
    pub fn export(
        &self,
        path: &Path,
        format: ExportFormat,
        filter: &FleetFilter,
    ) -> Result<ExportResult> {
        crate::file_name::named_for(
            path,
            match format {
                ExportFormat::Xlsx => "xlsx",
                ExportFormat::Csv => "csv",
            },
        )?;
        let mut rows = Vec::new();
        let mut page = FleetFilter {
            offset: 0,
            limit: 1_000,
            ..filter.clone()
        };
        loop {
            let fetched = self.fleet(&page)?;
            let n = fetched.rows.len() as u32;
            rows.extend(fetched.rows);
            if n < page.limit {
                break;
            }
            page.offset += n;
        }
        let failed = |e: String| AppError::Write {
            path: path.display().to_string(),
            message: e,
        };
        let bytes = match format {
            ExportFormat::Csv => csv_bytes(&rows),
            ExportFormat::Xlsx => xlsx_bytes(&rows),
        }
        .map_err(failed)?;
        substation_import::replace_file(path, &bytes)?;
        Ok(ExportResult {
            path: path.display().to_string(),
            rows: rows.len() as u32,
        })
    }
}
