//! `messy`: the two-sheet layout with a known list of deliberate problems, and the list itself
//! (`OUT.expected.json`) so the importer's report can be checked against it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rand::{SeedableRng, rngs::StdRng};
use serde::Serialize;

use crate::gases::{build_units, recent_dates};
use crate::model::{Gas, column_letter, ymd};
use crate::names::{NameplateOptions, Naming, nameplates};
use crate::xlsx::{
    ASSET_HEADERS, ASSET_WIDTHS, Formats, SAMPLE_HEADERS, SAMPLE_WIDTHS, new_workbook, start_sheet,
    write_transformer,
};

const TRANSFORMERS: usize = 12;
const SAMPLES_EACH: usize = 4;
pub const SHEET: &str = "Samples";

// Columns of the Samples sheet (0-based).
const ASSET: usize = 0;
const DATE: usize = 1;
const H2: usize = 2;
const CH4: usize = 3;
const C2H2: usize = 6;
const CO2: usize = 8;

/// One cell of the Samples sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Cell {
    fn text(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }

    fn shown(&self) -> String {
        match self {
            Cell::Empty => "(empty)".to_owned(),
            Cell::Text(text) => format!("\"{text}\""),
            Cell::Number(number) => format!("{number}"),
            Cell::Date(date) => format!("{date} (date cell)"),
        }
    }
}

/// One expected issue, as the importer should report it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expected {
    pub sheet: String,
    /// 1-based, as Excel shows it (the header is row 1).
    pub row: u32,
    /// Column letter; `null` for issues about a whole row (duplicates, unknown asset).
    pub column: Option<String>,
    pub code: String,
}

/// The workbook's content and the problems planted in it.
pub struct Messy {
    pub transformers: Vec<crate::model::Transformer>,
    /// Samples sheet rows, without the header (index 0 is Excel row 2).
    pub rows: Vec<Vec<Cell>>,
    pub expected: Vec<Expected>,
    /// A line per planted cell (including the valid oddities), for stdout.
    pub notes: Vec<String>,
}

fn excel_row(index: usize) -> u32 {
    index as u32 + 2
}

/// Builds the messy data set.
pub fn generate(seed: u64) -> Result<Messy> {
    let mut rng = StdRng::seed_from_u64(seed);
    let fleet = nameplates(
        &mut rng,
        TRANSFORMERS,
        NameplateOptions {
            naming: Naming::Mixed,
            latest_year: 2015,
        },
    );
    let dates: Vec<Vec<NaiveDate>> = fleet
        .iter()
        .map(|t| recent_dates(&mut rng, t, SAMPLES_EACH))
        .collect();
    let units = build_units(&mut rng, fleet, dates, vec![None; TRANSFORMERS]);

    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for unit in &units {
        for sample in &unit.samples {
            let mut row = vec![
                Cell::Text(unit.transformer.id.clone()),
                Cell::Date(sample.date),
            ];
            row.extend(sample.gases.iter().map(|gas| match gas {
                Gas::Ppm(value) => Cell::Number(*value),
                Gas::Below(_) => Cell::Text(gas.text()),
            }));
            rows.push(row);
        }
    }
    anyhow::ensure!(
        rows.len() == TRANSFORMERS * SAMPLES_EACH,
        "every unit has {SAMPLES_EACH} samples"
    );

    let mut messy = Messy {
        transformers: units.into_iter().map(|u| u.transformer).collect(),
        rows,
        expected: Vec::new(),
        notes: Vec::new(),
    };
    let at = |unit: usize, sample: usize| unit * SAMPLES_EACH + sample;

    // Errors and warnings, one per row, each on an otherwise clean row.
    messy.plant(at(1, 2), H2, Cell::Number(-3.0), Some("negative_value"));
    messy.plant(at(2, 0), CH4, Cell::text("abc"), Some("not_numeric"));
    messy.plant(
        at(3, 1),
        CO2,
        Cell::Number(2_500_000.0),
        Some("absurd_value"),
    );
    messy.plant(at(4, 2), ASSET, Cell::Empty, Some("missing_asset_id"));
    messy.plant(at(5, 1), DATE, Cell::Empty, Some("missing_date"));
    messy.plant(at(6, 3), DATE, Cell::text("sometime"), Some("not_a_date"));
    messy.plant(
        at(7, 0),
        DATE,
        Cell::Date(ymd(1949, 12, 31)),
        Some("implausible_date"),
    );
    messy.plant(
        at(8, 3),
        DATE,
        Cell::Date(ymd(2031, 1, 1)),
        Some("future_date"),
    );
    // Valid oddities that must import.
    messy.plant(at(0, 1), H2, Cell::text("12,5"), None);
    messy.plant(at(9, 1), CO2, Cell::text("1,234"), None);
    messy.plant(at(10, 0), H2, Cell::text("< 5"), None);
    messy.plant(at(10, 2), C2H2, Cell::text("N.D."), None);
    messy.plant(at(11, 1), C2H2, Cell::text("tr"), None);

    // (g) An exact copy of an earlier clean row, further down: the warning goes on the copy.
    let original = at(1, 0);
    let copy = messy.rows[original].clone();
    messy.rows.push(copy);
    let row = messy.rows.len() - 1;
    messy.expect(row, None, "duplicate_sample");
    messy.notes.push(format!(
        "{SHEET} row {}: exact copy of row {} → duplicate_sample (on the later row)",
        excel_row(row),
        excel_row(original)
    ));

    // (h) Same asset and date as an earlier row, different H2: both rows conflict.
    let original = at(2, 2);
    let mut conflict = messy.rows[original].clone();
    conflict[H2] = match &conflict[H2] {
        Cell::Number(h2) => Cell::Number((h2 * 1.6).round() + 5.0),
        _ => Cell::Number(23.0),
    };
    let h2_was = messy.rows[original][H2].shown();
    let h2_now = conflict[H2].shown();
    messy.rows.push(conflict);
    let row = messy.rows.len() - 1;
    messy.expect(original, None, "conflicting_samples");
    messy.expect(row, None, "conflicting_samples");
    messy.notes.push(format!(
        "{SHEET} rows {} and {}: same asset and date, H2 {h2_was} vs {h2_now} → conflicting_samples (both rows)",
        excel_row(original),
        excel_row(row)
    ));

    // (j) A sample of an asset that is not on the Transformers sheet.
    let mut unknown = messy.rows[at(11, 3)].clone();
    unknown[ASSET] = Cell::text("TR-9999");
    messy.rows.push(unknown);
    let row = messy.rows.len() - 1;
    messy.expect(row, None, "unknown_asset");
    messy.notes.push(format!(
        "{SHEET} row {}: asset TR-9999 is not on Transformers → unknown_asset",
        excel_row(row)
    ));

    messy
        .expected
        .sort_by(|a, b| (a.row, &a.code).cmp(&(b.row, &b.code)));
    Ok(messy)
}

impl Messy {
    /// Puts `cell` at (`row`, `col`) and records the expected issue (if any).
    fn plant(&mut self, row: usize, col: usize, cell: Cell, code: Option<&str>) {
        let shown = cell.shown();
        self.rows[row][col] = cell;
        let place = format!(
            "{SHEET}!{}{} ({})",
            column_letter(col),
            excel_row(row),
            SAMPLE_HEADERS[col]
        );
        match code {
            Some(code) => {
                self.expect(row, Some(col), code);
                self.notes.push(format!("{place} = {shown} → {code}"));
            }
            None => self
                .notes
                .push(format!("{place} = {shown} → valid, must import")),
        }
    }

    fn expect(&mut self, row: usize, col: Option<usize>, code: &str) {
        self.expected.push(Expected {
            sheet: SHEET.to_owned(),
            row: excel_row(row),
            column: col.map(column_letter),
            code: code.to_owned(),
        });
    }
}

/// Writes the workbook.
pub fn write(messy: &Messy, path: &Path) -> Result<()> {
    let mut workbook = new_workbook();
    let formats = Formats::new();
    let sheet = workbook.add_worksheet();
    start_sheet(
        sheet,
        "Transformers",
        &ASSET_HEADERS,
        &ASSET_WIDTHS,
        &formats,
    )?;
    for (index, t) in messy.transformers.iter().enumerate() {
        write_transformer(sheet, index as u32 + 1, t)?;
    }
    let sheet = workbook.add_worksheet();
    start_sheet(sheet, SHEET, &SAMPLE_HEADERS, &SAMPLE_WIDTHS, &formats)?;
    for (index, row) in messy.rows.iter().enumerate() {
        let r = excel_row(index) - 1;
        for (col, cell) in row.iter().enumerate() {
            let c = col as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    sheet.write_string(r, c, text)?;
                }
                Cell::Number(number) => {
                    sheet.write_number(r, c, *number)?;
                }
                Cell::Date(date) => {
                    sheet.write_date_with_format(r, c, date, &formats.date)?;
                }
            }
        }
    }
    workbook
        .save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// `OUT.xlsx` → `OUT.expected.json`.
pub fn expected_path(out: &Path) -> PathBuf {
    out.with_extension("expected.json")
}

/// The `messy` command.
pub fn run(out: &Path, seed: u64) -> Result<()> {
    let messy = generate(seed)?;
    write(&messy, out)?;
    let json_path = expected_path(out);
    let json = serde_json::to_string_pretty(&messy.expected)? + "\n";
    std::fs::write(&json_path, json).with_context(|| format!("writing {}", json_path.display()))?;
    println!(
        "wrote {}: {} transformers, {} sample rows (header row 1, data rows 2–{})",
        out.display(),
        messy.transformers.len(),
        messy.rows.len(),
        messy.rows.len() + 1
    );
    println!("planted:");
    for note in &messy.notes {
        println!("  {note}");
    }
    println!(
        "expected issues ({}), also in {}:",
        messy.expected.len(),
        json_path.display()
    );
    for e in &messy.expected {
        println!(
            "  {:<8} row {:>3}  column {:<2}  {}",
            e.sheet,
            e.row,
            e.column.as_deref().unwrap_or("-"),
            e.code
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx, open_workbook};

    use super::*;

    fn col_index(letter: &str) -> usize {
        letter
            .bytes()
            .fold(0, |n, b| n * 26 + usize::from(b - b'A' + 1))
            - 1
    }

    #[test]
    fn expected_issues_point_at_the_planted_cells() -> Result<()> {
        let messy = generate(13)?;
        // Removed when dropped, after every file in it is closed (Windows cannot delete
        // an open file).
        let scratch = tempfile::tempdir()?;
        let dir = scratch.path();
        let path = dir.join("messy.xlsx");
        write(&messy, &path)?;
        let mut workbook: Xlsx<_> = open_workbook(&path)?;
        let range = workbook.worksheet_range(SHEET)?;
        let cell = |row: u32, col: usize| {
            range
                .get_value((row - 1, col as u32))
                .cloned()
                .unwrap_or(Data::Empty)
        };
        assert_eq!(cell(1, 0), Data::String("Asset ID".into()));

        let codes: Vec<&str> = messy.expected.iter().map(|e| e.code.as_str()).collect();
        for code in [
            "negative_value",
            "not_numeric",
            "absurd_value",
            "missing_asset_id",
            "missing_date",
            "not_a_date",
            "duplicate_sample",
            "unknown_asset",
        ] {
            assert_eq!(codes.iter().filter(|c| **c == code).count(), 1, "{code}");
        }
        assert_eq!(
            codes
                .iter()
                .filter(|c| **c == "conflicting_samples")
                .count(),
            2
        );
        assert_eq!(
            codes.iter().filter(|c| **c == "implausible_date").count(),
            1
        );
        assert_eq!(codes.iter().filter(|c| **c == "future_date").count(), 1);

        for e in &messy.expected {
            let col = e.column.as_deref().map(col_index);
            let value = col.map(|c| cell(e.row, c));
            match e.code.as_str() {
                "negative_value" => assert_eq!(value, Some(Data::Float(-3.0))),
                "not_numeric" => assert_eq!(value, Some(Data::String("abc".into()))),
                "absurd_value" => assert_eq!(value, Some(Data::Float(2_500_000.0))),
                "missing_asset_id" => {
                    assert_eq!(value, Some(Data::Empty));
                    assert!(matches!(cell(e.row, H2), Data::Float(_) | Data::String(_)));
                }
                "missing_date" => assert_eq!(value, Some(Data::Empty)),
                "not_a_date" => assert_eq!(value, Some(Data::String("sometime".into()))),
                "implausible_date" | "future_date" => {
                    assert!(matches!(value, Some(Data::DateTime(_))))
                }
                "duplicate_sample" => {
                    let later: Vec<Data> = (0..11).map(|c| cell(e.row, c)).collect();
                    let earlier = (2..e.row)
                        .find(|r| (0..11).map(|c| cell(*r, c)).collect::<Vec<_>>() == later);
                    assert!(earlier.is_some(), "row {} copies an earlier row", e.row);
                }
                "conflicting_samples" | "unknown_asset" => assert!(col.is_none()),
                other => panic!("unexpected code {other}"),
            }
        }
        let conflicts: Vec<u32> = messy
            .expected
            .iter()
            .filter(|e| e.code == "conflicting_samples")
            .map(|e| e.row)
            .collect();
        let (a, b) = (conflicts[0], conflicts[1]);
        assert_eq!(cell(a, ASSET), cell(b, ASSET));
        assert_eq!(cell(a, DATE), cell(b, DATE));
        assert_ne!(cell(a, H2), cell(b, H2));

        // Only the planted rows are odd: every other row has an id, a date cell and numbers/"<x".
        let flagged: Vec<u32> = messy.expected.iter().map(|e| e.row).collect();
        for row in 2..=(messy.rows.len() as u32 + 1) {
            if flagged.contains(&row) {
                continue;
            }
            assert!(matches!(cell(row, ASSET), Data::String(_)), "row {row}");
            assert!(matches!(cell(row, DATE), Data::DateTime(_)), "row {row}");
        }
        Ok(())
    }

    #[test]
    fn expected_path_sits_next_to_the_workbook() {
        assert_eq!(
            expected_path(Path::new("samples/messy.xlsx")),
            PathBuf::from("samples/messy.expected.json")
        );
    }
}
