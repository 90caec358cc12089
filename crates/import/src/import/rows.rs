//! Row reading: a sheet read in one pass, its cells parsed, each row checked and kept or left out.

use std::ops::ControlFlow;
use std::sync::Arc;

use chrono::NaiveDate;
use substation_dga::{GasReadings, OilPreservation, Sample};

use super::dates::ColumnOrder;
use super::kept::{NameplateEntry, NameplateValue, Pending, blank_bit};
use super::plan::{SheetPlan, plan_sheet};
use super::run::Run;
use crate::error::ImportError;
use crate::headers::Field;
use crate::issue::{Issue, Severity, column_letter};
use crate::outcome::{BlankColumn, SheetRole};
use crate::values::{self, Cell, DateCandidate, DayOrder, Unit, ValueProblem};

use super::kept::RepeatedNameplate;

/// How many rows from the top of a sheet are searched for its header row.
const HEADER_SEARCH_ROWS: usize = 30;

/// Earliest plausible sample date; earlier ones are flagged.
const EARLIEST_PLAUSIBLE: (i32, u32, u32) = (1950, 1, 1);

/// Reads one sheet in a single pass: the first [`HEADER_SEARCH_ROWS`] rows are kept to find
/// the header row, then they and every later row are parsed against the sheet's plan and
/// checked as they come. Kept until the sheet ends: the rows of a transformers sheet (a few
/// thousand; what they say is kept only if the whole sheet can be read) and the sample rows
/// whose date waits for the column's day/month order.
pub(super) struct SheetReader<'n> {
    name: &'n str,
    preview: Vec<(u32, Vec<Cell>)>,
    pub(super) plan: Option<SheetPlan>,
    asset_rows: Vec<RowRecord>,
    /// Rows whose date waits, with their place among the kept rows.
    waiting: Vec<(u32, RowRecord)>,
    /// Why the walk was stopped (cancellation, the sink), to return once it is over.
    pub(super) failure: Option<ImportError>,
}

impl<'n> SheetReader<'n> {
    pub(super) fn new(name: &'n str) -> Self {
        SheetReader {
            name,
            preview: Vec::new(),
            plan: None,
            asset_rows: Vec::new(),
            waiting: Vec::new(),
            failure: None,
        }
    }

    pub(super) fn push(
        &mut self,
        run: &mut Run<'_, '_>,
        row: u32,
        cells: Vec<Cell>,
    ) -> ControlFlow<()> {
        if self.plan.is_none() {
            self.preview.push((row, cells));
            if self.preview.len() < HEADER_SEARCH_ROWS {
                return ControlFlow::Continue(());
            }
            return self.settle(run);
        }
        self.data_row(run, row, &cells)
    }

    /// Plans the sheet from the rows seen so far and reads those below the header. Breaks
    /// off the walk for a sheet that is not read.
    fn settle(&mut self, run: &mut Run<'_, '_>) -> ControlFlow<()> {
        let plan = plan_sheet(self.name, &self.preview, run.options);
        let ignored = plan.role == SheetRole::Ignored;
        self.plan = Some(plan);
        let preview = std::mem::take(&mut self.preview);
        if ignored {
            return ControlFlow::Break(());
        }
        for (row, cells) in preview {
            self.data_row(run, row, &cells)?;
        }
        ControlFlow::Continue(())
    }

    fn data_row(&mut self, run: &mut Run<'_, '_>, row: u32, cells: &[Cell]) -> ControlFlow<()> {
        let Some(plan) = &self.plan else {
            return ControlFlow::Continue(());
        };
        if row <= plan.header_row.unwrap_or(0) {
            return ControlFlow::Continue(());
        }
        if let Err(error) = run.tick(&plan.name) {
            self.failure = Some(error);
            return ControlFlow::Break(());
        }
        let record = run.read_row(plan, row, cells);
        if let Some((DateCandidate::Settles { order, .. }, _, _)) = &record.date {
            match order {
                DayOrder::DayFirst => run.order_votes.0 += 1,
                DayOrder::MonthFirst => run.order_votes.1 += 1,
            }
        }
        if plan.role == SheetRole::Assets {
            self.asset_rows.push(record);
            return ControlFlow::Continue(());
        }
        if run.options.day_order.is_none()
            && let (Some(asset_id), Some((candidate, _, _))) = (&record.asset_id, &record.date)
            && !matches!(candidate, DateCandidate::Exact(_))
        {
            let index = run.reserve(asset_id, row);
            self.waiting.push((index, record));
            return ControlFlow::Continue(());
        }
        // Only the order the user gave matters here: a date read another way waits.
        let order = ColumnOrder::of(run.options.day_order, (0, 0));
        let Some(pending) = run.finish_row(plan, record, order) else {
            return ControlFlow::Continue(());
        };
        if run.take(pending).is_break() {
            self.failure = Some(ImportError::Cancelled);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// The plan (made now for a sheet shorter than the header search), once the rows kept
    /// until the end of the sheet are settled; or the failure (cancellation, the sink) met.
    pub(super) fn finish(mut self, run: &mut Run<'_, '_>) -> Result<SheetPlan, ImportError> {
        let plan = match self.plan.take() {
            Some(plan) => plan,
            None => {
                let _ = self.settle(run);
                match self.plan.take() {
                    Some(plan) => plan,
                    None => plan_sheet(self.name, &[], run.options),
                }
            }
        };
        if let Some(error) = self.failure.take() {
            return Err(error);
        }
        let order = ColumnOrder::of(run.options.day_order, run.order_votes);
        for record in std::mem::take(&mut self.asset_rows) {
            run.finish_row(&plan, record, order);
        }
        for (index, record) in std::mem::take(&mut self.waiting) {
            let pending = run.finish_row(&plan, record, order);
            if run.settle_waiting(index, pending).is_break() {
                return Err(ImportError::Cancelled);
            }
        }
        Ok(plan)
    }
}

/// One parsed data row (or the reason it was left out).
pub(super) struct RowRecord {
    row: u32,
    asset_id: Option<String>,
    /// The asset id cell held something that is not an id (already reported).
    asset_id_invalid: bool,
    /// The date read, its column and its cell (shown in an issue about it).
    date: Option<(DateCandidate, u32, Cell)>,
    /// The date cell held something that is not a date (already reported).
    date_invalid: bool,
    gases: GasReadings,
    /// H2 and hydrocarbons whose cell was blank, and those with a value (`blank_bit`).
    blank: u8,
    valued: u8,
    nameplate: Vec<NameplateEntry>,
    /// A samples-sheet row's nameplate, shared with the asset's previous row when equal:
    /// held for every row until the sheet ends, it must not be a copy per row.
    shared_nameplate: Option<Arc<Vec<NameplateEntry>>>,
    failed: bool,
}

impl Run<'_, '_> {
    fn read_row(&mut self, plan: &SheetPlan, row: u32, cells: &[Cell]) -> RowRecord {
        let mut record = RowRecord {
            row,
            asset_id: None,
            asset_id_invalid: false,
            date: None,
            date_invalid: false,
            gases: GasReadings::default(),
            blank: 0,
            valued: 0,
            nameplate: Vec::new(),
            shared_nameplate: None,
            failed: false,
        };
        let empty = Cell::Empty;
        let cell_at = |col: u32| cells.get(col as usize).unwrap_or(&empty);
        let samples = plan.role == SheetRole::Samples;
        // The previous row's nameplate, when this row repeats its transformer and cells.
        let repeated = self.repeated.as_ref().filter(|last| {
            samples
                && last.sheet == self.sheet
                && plan.column_of(Field::AssetId).map(|c| cell_at(c.0)) == Some(&last.asset)
                && plan
                    .columns
                    .iter()
                    .filter(|(_, field, _, _)| is_nameplate(*field))
                    .map(|(col, _, _, _)| cell_at(*col))
                    .eq(last.cells.iter())
        });
        let reused = repeated.map(|last| last.nameplate.clone());
        let mut nameplate_issues = false;
        for column in &plan.columns {
            let (col, field, unit, header) = column;
            let cell = cell_at(*col);
            if reused.is_some() && is_nameplate(*field) {
                continue;
            }
            let issues_before = self.issues.len();
            match field {
                Field::AssetId => match read_asset_id(cell) {
                    Ok(id) => {
                        record.asset_id = id
                            .map(|id| self.without_controls(plan, row, *col, header, id))
                            .filter(|id| !id.is_empty());
                    }
                    Err((en, ko)) => {
                        self.cell_issue(
                            Severity::Error,
                            plan,
                            row,
                            *col,
                            header,
                            Some(cell.display()),
                            "invalid_asset_id",
                            en,
                            ko,
                        );
                        record.asset_id_invalid = true;
                        record.failed = true;
                    }
                },
                Field::SampleDate => match values::parse_date(cell, self.date_system) {
                    Ok(Some(candidate)) => record.date = Some((candidate, *col, cell.clone())),
                    Ok(None) => {}
                    Err(problem) => {
                        self.problem(Severity::Error, plan, row, column, cell, &problem);
                        record.failed = true;
                        record.date_invalid = true;
                    }
                },
                Field::Gas(gas) => match values::parse_gas(cell, unit.unwrap_or(Unit::Ppm)) {
                    Ok(value) => {
                        if let Some(bit) = blank_bit(*gas) {
                            if cell.is_blank() {
                                record.blank |= bit;
                            } else if !value.is_not_measured() {
                                record.valued |= bit;
                            }
                        }
                        record.gases.set(*gas, value)
                    }
                    Err(problem) => {
                        self.problem(Severity::Error, plan, row, column, cell, &problem);
                        record.failed = true;
                    }
                },
                Field::LabSampleId => {}
                _ => match read_nameplate(*field, cell) {
                    Ok(Some(value)) => {
                        let value = match value {
                            NameplateValue::Text(text) => NameplateValue::Text(
                                self.without_controls(plan, row, *col, header, text),
                            ),
                            other => other,
                        };
                        if !matches!(&value, NameplateValue::Text(text) if text.is_empty()) {
                            record.nameplate.push(NameplateEntry {
                                field: *field,
                                value,
                                raw: cell.display(),
                                column: *col,
                                header: header.clone(),
                            });
                        }
                    }
                    Ok(None) => {}
                    // A bad nameplate value loses that value, not the row.
                    Err(problem) => {
                        self.problem(Severity::Warning, plan, row, column, cell, &problem);
                    }
                },
            }
            if is_nameplate(*field) && self.issues.len() > issues_before {
                nameplate_issues = true;
            }
        }
        if samples && let Some(asset_id) = &record.asset_id {
            if let Some(nameplate) = reused {
                record.shared_nameplate = nameplate;
            } else {
                let nameplate = std::mem::take(&mut record.nameplate);
                record.shared_nameplate = self.share_nameplate(asset_id, nameplate);
                self.repeated = (!nameplate_issues).then(|| RepeatedNameplate {
                    sheet: self.sheet,
                    asset: plan
                        .column_of(Field::AssetId)
                        .map_or(Cell::Empty, |c| cell_at(c.0).clone()),
                    cells: plan
                        .columns
                        .iter()
                        .filter(|(_, field, _, _)| is_nameplate(*field))
                        .map(|(col, _, _, _)| cell_at(*col).clone())
                        .collect(),
                    nameplate: record.shared_nameplate.clone(),
                });
            }
        }
        record
    }

    /// The second look at a row, once its date can be settled: required fields, the date,
    /// nameplate values of a transformers sheet kept. The row's sample when it is sound. Its
    /// issues wait in `finish_issues` for the end of the sheet.
    pub(super) fn finish_row(
        &mut self,
        plan: &SheetPlan,
        mut record: RowRecord,
        order: ColumnOrder,
    ) -> Option<Pending> {
        let start = self.issues.len();
        let pending = self.check_row(plan, &mut record, order);
        let row = record.row;
        self.finish_issues
            .extend(self.issues.drain(start..).map(|issue| (row, issue)));
        pending
    }

    fn check_row(
        &mut self,
        plan: &SheetPlan,
        record: &mut RowRecord,
        order: ColumnOrder,
    ) -> Option<Pending> {
        let id_column = plan.column_of(Field::AssetId);
        let date_column = plan.column_of(Field::SampleDate);
        let earliest = NaiveDate::from_ymd_opt(
            EARLIEST_PLAUSIBLE.0,
            EARLIEST_PLAUSIBLE.1,
            EARLIEST_PLAUSIBLE.2,
        );
        let row = record.row;
        let Some(asset_id) = record.asset_id.take() else {
            if let Some(column) = &id_column
                && !record.asset_id_invalid
            {
                self.cell_issue(
                    Severity::Error,
                    plan,
                    row,
                    column.0,
                    &column.3,
                    None,
                    "missing_asset_id",
                    "the asset id is empty".into(),
                    "설비번호가 비어 있습니다".into(),
                );
            }
            self.rows_left_out += 1;
            return None;
        };
        if plan.role == SheetRole::Assets {
            if record.failed {
                self.rows_left_out += 1;
                return None;
            }
            let nameplate = std::mem::take(&mut record.nameplate);
            self.keep_nameplate(&asset_id, nameplate, &plan.name, row + 1);
            self.registered.insert(asset_id);
            return None;
        }
        let date = match (&record.date, &date_column) {
            (Some((candidate, col, raw)), Some(column)) => {
                let date = self.settle_date(plan, row, *col, &column.3, raw, *candidate, order);
                if date.is_none() {
                    record.failed = true;
                }
                date
            }
            (None, Some(column)) if !record.date_invalid => {
                self.cell_issue(
                    Severity::Error,
                    plan,
                    row,
                    column.0,
                    &column.3,
                    None,
                    "missing_date",
                    "the sample date is empty".into(),
                    "채취일자가 비어 있습니다".into(),
                );
                record.failed = true;
                None
            }
            _ => None,
        };
        if !record.failed && record.gases.is_empty() {
            self.issues.push(Issue {
                severity: Severity::Error,
                code: "no_gas_values".into(),
                sheet: plan.name.clone(),
                row: Some(row + 1),
                column: None,
                header: None,
                raw: None,
                message_en: "the row has no gas value".into(),
                message_ko: "이 행에는 가스 값이 없습니다".into(),
            });
            record.failed = true;
        }
        // A row with an error is left out whole: its nameplate values too.
        let Some(date) = date.filter(|_| !record.failed) else {
            self.rows_left_out += 1;
            return None;
        };
        // A day of grace for the laboratory's time zone; beyond it the date cannot be the
        // day the oil was drawn, and such a sample would become the unit's latest and
        // drive its diagnosis: the row is left out.
        let latest_possible = self.options.today + chrono::Days::new(1);
        if let Some(column) = &date_column
            && date > latest_possible
        {
            let raw = record.date.as_ref().map(|d| d.2.display());
            self.cell_issue(
                Severity::Error,
                plan,
                row,
                column.0,
                &column.3,
                raw,
                "future_date",
                format!(
                    "{date} is after today ({}): a sample cannot be drawn in the future",
                    self.options.today
                ),
                format!(
                    "{date}은(는) 오늘({}) 이후 날짜입니다: 미래에 채취한 시료는 있을 수 없습니다",
                    self.options.today
                ),
            );
            self.rows_left_out += 1;
            return None;
        }
        if let (Some(column), Some(earliest)) = (&date_column, earliest)
            && date < earliest
        {
            let raw = record.date.as_ref().map(|d| d.2.display());
            self.cell_issue(
                Severity::Warning,
                plan,
                row,
                column.0,
                &column.3,
                raw,
                "implausible_date",
                format!("{date} is before 1950"),
                format!("{date}은(는) 1950년 이전입니다"),
            );
        }
        let nameplate = record.shared_nameplate.take();
        // Counted for the rows kept, and only in rows with some H2 or hydrocarbon value: the
        // report counts exactly the cells the choice decides.
        for (col, field, _, header) in &plan.columns {
            let Field::Gas(gas) = field else { continue };
            let Some(bit) = blank_bit(*gas) else { continue };
            let stats = self
                .blank_stats
                .entry((self.sheet, *gas))
                .or_insert_with(|| BlankColumn {
                    sheet: plan.name.clone(),
                    column: column_letter(*col),
                    header: header.clone(),
                    gas: *gas,
                    blank: 0,
                    values: 0,
                });
            if record.blank & bit != 0 && record.valued != 0 {
                stats.blank += 1;
            } else if record.valued & bit != 0 {
                stats.values += 1;
            }
        }
        // A row with no H2 or hydrocarbon value at all has nothing to say that its blanks
        // were "not detected" rather than "not analysed".
        let blank = if record.valued == 0 { 0 } else { record.blank };
        Some(Pending {
            asset_id,
            sample: Sample::new(date, record.gases),
            blank,
            sheet: plan.name.clone(),
            row: row + 1,
            nameplate,
        })
    }
}

/// A field of the transformer's nameplate (read by [`read_nameplate`]).
fn is_nameplate(field: Field) -> bool {
    !matches!(
        field,
        Field::AssetId | Field::SampleDate | Field::LabSampleId | Field::Gas(_)
    )
}

/// An asset id from its cell: `None` for a blank cell; an error (English, Korean) for a
/// spreadsheet error value or a yes/no value, which are never ids.
fn read_asset_id(cell: &Cell) -> Result<Option<String>, (String, String)> {
    if let Some(problem) = values::spreadsheet_error(cell) {
        return Err((
            format!("the asset id is not an id: {}", problem.message_en()),
            format!("설비번호가 아닙니다: {}", problem.message_ko()),
        ));
    }
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(Some(format!("{n:.0}"))),
        Cell::Bool(_) => Err((
            format!(
                "“{}” is a yes/no value, not an asset id; check the column",
                cell.display()
            ),
            format!(
                "“{}”은(는) 예/아니오 값이지 설비번호가 아닙니다. 열을 확인하십시오",
                cell.display()
            ),
        )),
        _ if cell.is_blank() => Ok(None),
        Cell::Text(text) => Ok(Some(text.trim().to_owned())),
        _ => Ok(Some(cell.display().trim().to_owned())),
    }
}

/// A nameplate value from its cell: `None` for a blank cell (or a placeholder), an error for a
/// value the field cannot hold, a spreadsheet error value included.
fn read_nameplate(field: Field, cell: &Cell) -> Result<Option<NameplateValue>, ValueProblem> {
    if let Some(problem) = values::spreadsheet_error(cell) {
        return Err(problem);
    }
    let text = || (!cell.is_blank()).then(|| cell.display().trim().to_owned());
    Ok(match field {
        Field::AssetName | Field::Substation | Field::Manufacturer => {
            text().map(NameplateValue::Text)
        }
        Field::YearOfManufacture => values::parse_year(cell)?.map(NameplateValue::Year),
        Field::RatedKv | Field::RatedMva | Field::OilVolumeLitres => {
            values::parse_number(cell)?.map(NameplateValue::Number)
        }
        Field::CommunicatingOltc => values::parse_bool(cell)?.map(NameplateValue::Bool),
        Field::OilPreservation => match text() {
            None => None,
            Some(t) => Some(NameplateValue::Preservation(parse_preservation(&t).ok_or(
                ValueProblem::UnknownChoice {
                    text: t,
                    allowed: "conservator (free-breathing), sealed, nitrogen blanket",
                },
            )?)),
        },
        Field::AssetId | Field::SampleDate | Field::LabSampleId | Field::Gas(_) => None,
    })
}

/// Oil preservation as labs and asset registers write it. Negations are read first:
/// "non-sealed", "unsealed", "비밀봉" and "free breathing" are a conservator, not sealed.
pub fn parse_preservation(text: &str) -> Option<OilPreservation> {
    let t: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["nitrogen", "n2", "질소"]) {
        Some(OilPreservation::NitrogenBlanket)
    } else if has(&[
        "nonsealed",
        "unsealed",
        "notsealed",
        "nonhermetic",
        "freebreath",
        "비밀봉",
        "비밀폐",
        "무밀봉",
    ]) {
        Some(OilPreservation::Conservator)
    } else if has(&["sealed", "hermetic", "밀봉", "밀폐"]) {
        Some(OilPreservation::Sealed)
    } else if has(&[
        "conservator",
        "breathing",
        "open",
        "bladder",
        "membrane",
        "콘서베이터",
        "개방",
        "브리더",
    ]) {
        Some(OilPreservation::Conservator)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negated_sealing_is_a_conservator() {
        for text in [
            "Non-sealed",
            "unsealed",
            "not sealed",
            "free breathing",
            "Free-breathing conservator",
            "비밀봉",
            "비밀폐형",
        ] {
            assert_eq!(
                parse_preservation(text),
                Some(OilPreservation::Conservator),
                "{text:?}"
            );
        }
        for text in ["Sealed", "hermetically sealed", "밀봉", "밀폐형"] {
            assert_eq!(
                parse_preservation(text),
                Some(OilPreservation::Sealed),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_preservation("Sealed, N2 cushion"),
            Some(OilPreservation::NitrogenBlanket)
        );
        assert_eq!(
            parse_preservation("conservator"),
            Some(OilPreservation::Conservator)
        );
        assert_eq!(parse_preservation("unknown"), None);
    }
}
