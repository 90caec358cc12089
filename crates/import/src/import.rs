//! From an opened workbook to typed assets and samples with their issues.
//!
//! 1. Each sheet's header row is found by content among its first rows (title rows above it
//!    are common), and the sheet classified: samples (asset id, date, gases), assets (asset id
//!    and nameplate), or neither.
//! 2. Rows are read and parsed cell by cell; every problem becomes an issue at its cell. A row
//!    with an error is left out whole, never half-imported.
//! 3. Dates written day/month or month/day are settled per column; exact duplicate samples are
//!    merged, conflicting ones are left out.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use substation_dga::{Asset, GasReadings, OilPreservation, Sample};

use crate::error::ImportError;
use crate::headers::{Field, Mapping};
use crate::issue::{Issue, Severity, column_letter};
use crate::memory::MappingMemory;
use crate::source::{DEFAULT_MAX_FILE_BYTES, Format, Source, TextEncoding};
use crate::values::{
    self, Cell, DateCandidate, DateSystem, DayOrder, Unit, ValueProblem, column_day_order,
};

/// How many rows from the top of a sheet are searched for its header row.
const HEADER_SEARCH_ROWS: usize = 30;
/// Progress is reported (and cancellation checked) every this many rows.
const PROGRESS_EVERY: u64 = 2_000;
/// Earliest plausible sample date; earlier ones are flagged.
const EARLIEST_PLAUSIBLE: (i32, u32, u32) = (1950, 1, 1);

/// Progress of a running import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub sheet: String,
    pub rows_read: u64,
}

/// How to import.
pub struct ImportOptions<'a> {
    pub max_file_bytes: u64,
    /// Forces the CSV text encoding instead of detecting it.
    pub encoding: Option<TextEncoding>,
    /// Explicit header mapping, for workbooks the aliases do not cover.
    pub mapping: Mapping,
    /// Mappings remembered for earlier workbooks, used when a header row's signature matches.
    pub remembered: Option<&'a MappingMemory>,
    /// Settles day/month order for every date column.
    pub day_order: Option<DayOrder>,
    /// Dates after this are flagged as in the future.
    pub today: NaiveDate,
    pub cancel: Option<&'a AtomicBool>,
    pub progress: Option<&'a dyn Fn(&Progress)>,
}

impl ImportOptions<'_> {
    pub fn new(today: NaiveDate) -> Self {
        ImportOptions {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            encoding: None,
            mapping: Mapping::default(),
            remembered: None,
            day_order: None,
            today,
            cancel: None,
            progress: None,
        }
    }
}

/// What a sheet was used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetRole {
    /// Transformers and their nameplates.
    Assets,
    /// Gas samples (possibly with the nameplate repeated on each row).
    Samples,
    /// Not recognised; not read.
    Ignored,
}

/// One mapped column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappedColumn {
    pub column: String,
    pub header: String,
    pub field: Field,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

/// How a sheet was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetMapping {
    pub sheet: String,
    pub role: SheetRole,
    /// 1-based header row, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u32>,
    pub columns: Vec<MappedColumn>,
    /// Headers that matched no field.
    pub unrecognised: Vec<String>,
    /// Normalised header signature, to remember a mapping for workbooks of this shape.
    pub signature: String,
}

/// A sample and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedSample {
    pub asset_id: String,
    pub sample: Sample,
    pub sheet: String,
    /// 1-based row.
    pub row: u32,
}

/// Counts for the summary line.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub assets: usize,
    pub samples: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_sample: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sample: Option<NaiveDate>,
    pub rows_read: u64,
    pub rows_left_out: u64,
    pub duplicates_merged: u64,
    pub errors: usize,
    pub warnings: usize,
    /// Issues by code.
    pub issues_by_code: BTreeMap<String, usize>,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex: the same file imported twice is recognisable.
    pub content_sha256: String,
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<TextEncoding>,
    pub sheets: Vec<SheetMapping>,
    pub assets: Vec<Asset>,
    pub samples: Vec<ImportedSample>,
    pub issues: Vec<Issue>,
    pub summary: Summary,
}

impl Import {
    /// True when at least one sample was imported.
    pub fn is_usable(&self) -> bool {
        !self.samples.is_empty()
    }
}

/// Imports a workbook or CSV file.
pub fn import_file(path: &Path, options: &ImportOptions<'_>) -> Result<Import, ImportError> {
    let mut source = Source::open(path, options.max_file_bytes, options.encoding)?;
    let mut run = Run::new(options, source.date_system());

    // Find and classify every sheet.
    let names = source.sheet_names().to_vec();
    let mut plans = Vec::new();
    for name in &names {
        let mut preview: Vec<(u32, Vec<Cell>)> = Vec::new();
        source.for_each_row(name, |row, cells| {
            preview.push((row, cells));
            if preview.len() >= HEADER_SEARCH_ROWS {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        plans.push(plan_sheet(name, &preview, options, &mut run.issues));
    }

    let samples_sheets: Vec<&SheetPlan> = plans
        .iter()
        .filter(|p| p.role == SheetRole::Samples)
        .collect();
    if samples_sheets.is_empty() {
        return Err(unmapped(&plans));
    }
    let two_sheet_layout = plans.iter().any(|p| p.role == SheetRole::Assets);

    for plan in plans.iter().filter(|p| p.role != SheetRole::Ignored) {
        let header_row = plan.header_row.unwrap_or(0);
        let mut rows = Vec::new();
        let mut failure = None;
        source.for_each_row(&plan.name, |row, cells| {
            if row <= header_row {
                return ControlFlow::Continue(());
            }
            if let Err(error) = run.tick(&plan.name) {
                failure = Some(error);
                return ControlFlow::Break(());
            }
            rows.push(run.read_row(plan, row, &cells));
            ControlFlow::Continue(())
        })?;
        if let Some(error) = failure {
            return Err(error);
        }
        run.finish_sheet(plan, rows);
    }

    let (assets, samples) = run.assemble(two_sheet_layout);
    let sheets = plans.into_iter().map(|p| p.mapping).collect();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut summary = Summary {
        assets: assets.len(),
        samples: samples.len(),
        first_sample: samples.iter().map(|s| s.sample.date).min(),
        last_sample: samples.iter().map(|s| s.sample.date).max(),
        rows_read: run.rows_read,
        rows_left_out: run.rows_left_out,
        duplicates_merged: run.duplicates_merged,
        ..Summary::default()
    };
    for issue in &run.issues {
        match issue.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
        }
        *summary
            .issues_by_code
            .entry(issue.code.clone())
            .or_default() += 1;
    }
    let content_sha256 = file_sha256(path)?;
    Ok(Import {
        file_name,
        content_sha256,
        format: source.format(),
        encoding: source.encoding(),
        sheets,
        assets,
        samples,
        issues: run.issues,
        summary,
    })
}

fn file_sha256(path: &Path) -> Result<String, ImportError> {
    use sha2::Digest;
    use std::io::Read;
    let unreadable = |source| ImportError::Unreadable {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer).map_err(unreadable)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A sheet's header and what each column holds.
struct SheetPlan {
    name: String,
    role: SheetRole,
    header_row: Option<u32>,
    /// Column index → (field, unit, header text).
    columns: Vec<(u32, Field, Option<Unit>, String)>,
    mapping: SheetMapping,
}

impl SheetPlan {
    fn column_of(&self, field: Field) -> Option<&(u32, Field, Option<Unit>, String)> {
        self.columns.iter().find(|c| c.1 == field)
    }
}

fn header_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        _ => None,
    }
}

/// The explicit mapping, then one remembered for this header row's signature.
fn mapping_for(cells: &[Cell], options: &ImportOptions<'_>) -> Mapping {
    let mut mapping = options.mapping.clone();
    if let Some(memory) = options.remembered {
        let headers: Vec<String> = cells.iter().filter_map(header_text).collect();
        if let Some(remembered) = memory.lookup(&crate::headers::signature(&headers)) {
            mapping.columns.extend(remembered.columns.iter().cloned());
        }
    }
    mapping
}

fn plan_sheet(
    name: &str,
    preview: &[(u32, Vec<Cell>)],
    options: &ImportOptions<'_>,
    issues: &mut Vec<Issue>,
) -> SheetPlan {
    // The header row is the one whose cells name the most distinct fields.
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in preview.iter().enumerate() {
        let mapping = mapping_for(cells, options);
        let mut fields: Vec<Field> = cells
            .iter()
            .filter_map(header_text)
            .filter_map(|h| mapping.resolve(&h).map(|m| m.field))
            .collect();
        fields.sort_by_key(|f| format!("{f:?}"));
        fields.dedup();
        if fields.len() >= 2 && best.is_none_or(|(_, n)| fields.len() > n) {
            best = Some((i, fields.len()));
        }
    }
    let Some((index, _)) = best else {
        let headers: Vec<String> = preview
            .first()
            .map(|(_, cells)| cells.iter().filter_map(header_text).collect())
            .unwrap_or_default();
        return SheetPlan {
            name: name.to_owned(),
            role: SheetRole::Ignored,
            header_row: None,
            columns: Vec::new(),
            mapping: SheetMapping {
                sheet: name.to_owned(),
                role: SheetRole::Ignored,
                header_row: None,
                columns: Vec::new(),
                signature: crate::headers::signature(&headers),
                unrecognised: headers,
            },
        };
    };
    let (row, cells) = &preview[index];
    let mapping = mapping_for(cells, options);
    let mut columns: Vec<(u32, Field, Option<Unit>, String)> = Vec::new();
    let mut unrecognised = Vec::new();
    let mut headers = Vec::new();
    for (col, cell) in cells.iter().enumerate() {
        let Some(header) = header_text(cell) else {
            continue;
        };
        headers.push(header.clone());
        let col = u32::try_from(col).unwrap_or(u32::MAX);
        match mapping.resolve(&header) {
            Some(found) => {
                // Two date columns: a sampling date outranks an analysis date.
                if found.field == Field::SampleDate
                    && let Some(position) = columns.iter().position(|c| c.1 == Field::SampleDate)
                    && crate::headers::sample_date_preference(&header)
                        > crate::headers::sample_date_preference(&columns[position].3)
                {
                    let replaced = columns.remove(position);
                    unrecognised.push(replaced.3);
                    columns.push((col, found.field, found.unit, header));
                    continue;
                }
                if let Some(first) = columns.iter().find(|c| c.1 == found.field) {
                    issues.push(Issue {
                        severity: Severity::Warning,
                        code: "duplicate_column".into(),
                        sheet: name.to_owned(),
                        row: Some(row + 1),
                        column: Some(column_letter(col)),
                        header: Some(header.clone()),
                        raw: None,
                        message_en: format!(
                            "this column is also {}; column {} is used",
                            found.field.label_en(),
                            column_letter(first.0)
                        ),
                        message_ko: format!(
                            "이 열도 {}입니다. {} 열을 사용합니다",
                            found.field.label_ko(),
                            column_letter(first.0)
                        ),
                    });
                } else {
                    columns.push((col, found.field, found.unit, header));
                }
            }
            None => unrecognised.push(header),
        }
    }
    let has = |field: Field| columns.iter().any(|c| c.1 == field);
    let has_gas = columns.iter().any(|c| matches!(c.1, Field::Gas(_)));
    let nameplate = columns.iter().any(|c| {
        !matches!(
            c.1,
            Field::AssetId | Field::SampleDate | Field::LabSampleId | Field::Gas(_)
        )
    });
    let role = if has(Field::AssetId) && has(Field::SampleDate) && has_gas {
        SheetRole::Samples
    } else if has(Field::AssetId) && nameplate && !has_gas {
        SheetRole::Assets
    } else {
        SheetRole::Ignored
    };
    let mapped = columns
        .iter()
        .map(|(col, field, unit, header)| MappedColumn {
            column: column_letter(*col),
            header: header.clone(),
            field: *field,
            unit: *unit,
        })
        .collect();
    SheetPlan {
        name: name.to_owned(),
        role,
        header_row: Some(*row),
        mapping: SheetMapping {
            sheet: name.to_owned(),
            role,
            header_row: Some(row + 1),
            columns: mapped,
            unrecognised,
            signature: crate::headers::signature(&headers),
        },
        columns,
    }
}

fn unmapped(plans: &[SheetPlan]) -> ImportError {
    let found = plans
        .iter()
        .map(|p| {
            let mut headers: Vec<String> =
                p.mapping.columns.iter().map(|c| c.header.clone()).collect();
            headers.extend(p.mapping.unrecognised.iter().cloned());
            format!(
                "{}: {}",
                p.name,
                if headers.is_empty() {
                    "(no header row)".to_owned()
                } else {
                    headers.join(", ")
                }
            )
        })
        .collect();
    let mut missing = Vec::new();
    let any = |test: &dyn Fn(&SheetPlan) -> bool| plans.iter().any(test);
    if !any(&|p| p.column_of(Field::AssetId).is_some()) {
        missing.push(Field::AssetId.label_en().to_owned());
    }
    if !any(&|p| p.column_of(Field::SampleDate).is_some()) {
        missing.push(Field::SampleDate.label_en().to_owned());
    }
    if !any(&|p| p.columns.iter().any(|c| matches!(c.1, Field::Gas(_)))) {
        missing.push("gas columns (H2, CH4, …)".to_owned());
    }
    if missing.is_empty() {
        missing.push("asset id, sample date and gases on one sheet".to_owned());
    }
    ImportError::Unmapped { found, missing }
}

/// Nameplate values read from a row.
#[derive(Debug, Clone, PartialEq, Default)]
struct Nameplate {
    name: Option<String>,
    substation: Option<String>,
    manufacturer: Option<String>,
    year_of_manufacture: Option<i32>,
    rated_kv: Option<f64>,
    rated_mva: Option<f64>,
    oil_volume_litres: Option<f64>,
    oil_preservation: Option<OilPreservation>,
    communicating_oltc: Option<bool>,
}

impl Nameplate {
    fn into_asset(self, id: String) -> Asset {
        let mut asset = Asset::new(id);
        asset.name = self.name;
        asset.substation = self.substation;
        asset.manufacturer = self.manufacturer;
        asset.year_of_manufacture = self.year_of_manufacture;
        asset.rated_kv = self.rated_kv;
        asset.rated_mva = self.rated_mva;
        asset.oil_volume_litres = self.oil_volume_litres;
        asset.oil_preservation = self.oil_preservation;
        asset.communicating_oltc = self.communicating_oltc;
        asset
    }

    fn is_empty(&self) -> bool {
        *self == Nameplate::default()
    }
}

/// One parsed data row (or the reason it was left out).
struct RowRecord {
    row: u32,
    asset_id: Option<String>,
    date: Option<(DateCandidate, u32, String)>,
    /// The date cell held something that is not a date (already reported).
    date_invalid: bool,
    gases: GasReadings,
    nameplate: Nameplate,
    failed: bool,
}

/// Where a sample row came from, until duplicates are settled.
struct Pending {
    asset_id: String,
    sample: Sample,
    sheet: String,
    row: u32,
}

struct Run<'o, 'a> {
    options: &'o ImportOptions<'a>,
    date_system: DateSystem,
    issues: Vec<Issue>,
    rows_read: u64,
    rows_left_out: u64,
    duplicates_merged: u64,
    /// Asset id → nameplate and where it was read.
    nameplates: HashMap<String, (Nameplate, String, u32)>,
    asset_order: Vec<String>,
    pending: Vec<Pending>,
}

impl<'o, 'a> Run<'o, 'a> {
    fn new(options: &'o ImportOptions<'a>, date_system: DateSystem) -> Self {
        Run {
            options,
            date_system,
            issues: Vec::new(),
            rows_read: 0,
            rows_left_out: 0,
            duplicates_merged: 0,
            nameplates: HashMap::new(),
            asset_order: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn tick(&mut self, sheet: &str) -> Result<(), ImportError> {
        self.rows_read += 1;
        if self.rows_read.is_multiple_of(PROGRESS_EVERY) {
            if self
                .options
                .cancel
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                return Err(ImportError::Cancelled);
            }
            if let Some(progress) = self.options.progress {
                progress(&Progress {
                    sheet: sheet.to_owned(),
                    rows_read: self.rows_read,
                });
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn cell_issue(
        &mut self,
        severity: Severity,
        plan: &SheetPlan,
        row: u32,
        col: u32,
        header: &str,
        raw: Option<String>,
        code: &str,
        message_en: String,
        message_ko: String,
    ) {
        self.issues.push(Issue {
            severity,
            code: code.to_owned(),
            sheet: plan.name.clone(),
            row: Some(row + 1),
            column: Some(column_letter(col)),
            header: Some(header.to_owned()),
            raw,
            message_en,
            message_ko,
        });
    }

    fn problem(
        &mut self,
        severity: Severity,
        plan: &SheetPlan,
        row: u32,
        column: &(u32, Field, Option<Unit>, String),
        cell: &Cell,
        problem: &ValueProblem,
    ) {
        self.cell_issue(
            severity,
            plan,
            row,
            column.0,
            &column.3,
            Some(cell.display()),
            problem.code(),
            problem.message_en(),
            problem.message_ko(),
        );
    }

    fn read_row(&mut self, plan: &SheetPlan, row: u32, cells: &[Cell]) -> RowRecord {
        let mut record = RowRecord {
            row,
            asset_id: None,
            date: None,
            date_invalid: false,
            gases: GasReadings::default(),
            nameplate: Nameplate::default(),
            failed: false,
        };
        let empty = Cell::Empty;
        for column in &plan.columns {
            let (col, field, unit, _) = column;
            let cell = cells.get(*col as usize).unwrap_or(&empty);
            match field {
                Field::AssetId => {
                    record.asset_id = match cell {
                        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                            Some(format!("{n:.0}"))
                        }
                        _ if cell.is_blank() => None,
                        _ => Some(cell.display().trim().to_owned()),
                    };
                }
                Field::SampleDate => match values::parse_date(cell, self.date_system) {
                    Ok(Some(candidate)) => record.date = Some((candidate, *col, cell.display())),
                    Ok(None) => {}
                    Err(problem) => {
                        self.problem(Severity::Error, plan, row, column, cell, &problem);
                        record.failed = true;
                        record.date_invalid = true;
                    }
                },
                Field::Gas(gas) => match values::parse_gas(cell, unit.unwrap_or(Unit::Ppm)) {
                    Ok(value) => record.gases.set(*gas, value),
                    Err(problem) => {
                        self.problem(Severity::Error, plan, row, column, cell, &problem);
                        record.failed = true;
                    }
                },
                Field::LabSampleId => {}
                _ => {
                    if let Err(problem) = read_nameplate(&mut record.nameplate, *field, cell) {
                        // A bad nameplate value loses that value, not the row.
                        self.problem(Severity::Warning, plan, row, column, cell, &problem);
                    }
                }
            }
        }
        record
    }

    /// Settles dates, checks each row's required fields and keeps what is sound.
    fn finish_sheet(&mut self, plan: &SheetPlan, mut rows: Vec<RowRecord>) {
        let order = self.options.day_order.or_else(|| {
            column_day_order(rows.iter().filter_map(|r| r.date.as_ref().map(|d| &d.0)))
        });
        let id_column = plan.column_of(Field::AssetId).cloned();
        let date_column = plan.column_of(Field::SampleDate).cloned();
        let earliest = NaiveDate::from_ymd_opt(
            EARLIEST_PLAUSIBLE.0,
            EARLIEST_PLAUSIBLE.1,
            EARLIEST_PLAUSIBLE.2,
        );
        for record in rows.iter_mut() {
            let row = record.row;
            let Some(asset_id) = record.asset_id.clone() else {
                if let Some(column) = &id_column {
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
                continue;
            };
            if plan.role == SheetRole::Assets {
                self.keep_nameplate(plan, row, asset_id, std::mem::take(&mut record.nameplate));
                continue;
            }
            let date = match (&record.date, &date_column) {
                (Some((candidate, col, raw)), Some(column)) => match candidate.resolve(order) {
                    Some(date) => Some(date),
                    None => {
                        let (en, ko) = match candidate {
                            DateCandidate::Ambiguous {
                                day_first,
                                month_first,
                            } => (
                                format!(
                                    "“{raw}” could be {day_first} or {month_first}; nothing in the column settles the day/month order (set it with --day-first or --month-first)"
                                ),
                                format!(
                                    "“{raw}”은(는) {day_first} 또는 {month_first}일 수 있습니다. 열에서 일/월 순서를 알 수 없습니다(--day-first 또는 --month-first로 지정)"
                                ),
                            ),
                            _ => (
                                format!("“{raw}” is not a date"),
                                format!("“{raw}”은(는) 날짜가 아닙니다"),
                            ),
                        };
                        self.cell_issue(
                            Severity::Error,
                            plan,
                            row,
                            *col,
                            &column.3,
                            Some(raw.clone()),
                            "ambiguous_date",
                            en,
                            ko,
                        );
                        record.failed = true;
                        None
                    }
                },
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
            if !record.nameplate.is_empty() {
                self.keep_nameplate(
                    plan,
                    row,
                    asset_id.clone(),
                    std::mem::take(&mut record.nameplate),
                );
            }
            let Some(date) = date.filter(|_| !record.failed) else {
                self.rows_left_out += 1;
                continue;
            };
            if let (Some(column), Some(earliest)) = (&date_column, earliest)
                && (date < earliest || date > self.options.today)
            {
                let (en, ko) = if date > self.options.today {
                    (
                        format!("{date} is in the future"),
                        format!("{date}은(는) 미래 날짜입니다"),
                    )
                } else {
                    (
                        format!("{date} is before 1950"),
                        format!("{date}은(는) 1950년 이전입니다"),
                    )
                };
                let raw = record.date.as_ref().map(|d| d.2.clone());
                self.cell_issue(
                    Severity::Warning,
                    plan,
                    row,
                    column.0,
                    &column.3,
                    raw,
                    "implausible_date",
                    en,
                    ko,
                );
            }
            self.pending.push(Pending {
                asset_id,
                sample: Sample::new(date, record.gases),
                sheet: plan.name.clone(),
                row: row + 1,
            });
        }
    }

    fn keep_nameplate(
        &mut self,
        plan: &SheetPlan,
        row: u32,
        asset_id: String,
        nameplate: Nameplate,
    ) {
        match self.nameplates.get(&asset_id) {
            None => {
                self.asset_order.push(asset_id.clone());
                self.nameplates
                    .insert(asset_id, (nameplate, plan.name.clone(), row + 1));
            }
            Some((first, sheet, first_row)) if *first != nameplate => {
                let (sheet, first_row) = (sheet.clone(), *first_row);
                self.issues.push(Issue {
                    severity: Severity::Warning,
                    code: "nameplate_differs".into(),
                    sheet: plan.name.clone(),
                    row: Some(row + 1),
                    column: None,
                    header: None,
                    raw: None,
                    message_en: format!(
                        "the nameplate of {asset_id} differs from {sheet} row {first_row}; that first one is kept"
                    ),
                    message_ko: format!(
                        "{asset_id}의 명판 정보가 {sheet} {first_row}행과 다릅니다. 처음 것을 사용합니다"
                    ),
                });
            }
            Some(_) => {}
        }
    }

    /// Merges exact duplicates, leaves out conflicting ones, and builds the assets.
    fn assemble(&mut self, two_sheet_layout: bool) -> (Vec<Asset>, Vec<ImportedSample>) {
        let mut pending = std::mem::take(&mut self.pending);
        // Stable: the first occurrence of a key stays first.
        pending.sort_by(|a, b| {
            (a.asset_id.as_str(), a.sample.date).cmp(&(b.asset_id.as_str(), b.sample.date))
        });
        let mut samples: Vec<ImportedSample> = Vec::with_capacity(pending.len());
        let mut i = 0;
        while i < pending.len() {
            let mut j = i + 1;
            while j < pending.len()
                && pending[j].asset_id == pending[i].asset_id
                && pending[j].sample.date == pending[i].sample.date
            {
                j += 1;
            }
            let group = &pending[i..j];
            let first = &group[0];
            if group.iter().all(|p| p.sample == first.sample) {
                for duplicate in &group[1..] {
                    self.duplicates_merged += 1;
                    self.issues.push(Issue {
                        severity: Severity::Warning,
                        code: "duplicate_sample".into(),
                        sheet: duplicate.sheet.clone(),
                        row: Some(duplicate.row),
                        column: None,
                        header: None,
                        raw: None,
                        message_en: format!(
                            "the same sample of {} on {} is also on {} row {}; merged",
                            first.asset_id, first.sample.date, first.sheet, first.row
                        ),
                        message_ko: format!(
                            "{} {} 시료가 {} {}행에도 있습니다. 하나로 합쳤습니다",
                            first.asset_id, first.sample.date, first.sheet, first.row
                        ),
                    });
                }
                samples.push(ImportedSample {
                    asset_id: first.asset_id.clone(),
                    sample: first.sample,
                    sheet: first.sheet.clone(),
                    row: first.row,
                });
            } else {
                let rows: Vec<String> = group
                    .iter()
                    .map(|p| format!("{} row {}", p.sheet, p.row))
                    .collect();
                for conflicting in group {
                    self.rows_left_out += 1;
                    self.issues.push(Issue {
                        severity: Severity::Error,
                        code: "conflicting_samples".into(),
                        sheet: conflicting.sheet.clone(),
                        row: Some(conflicting.row),
                        column: None,
                        header: None,
                        raw: None,
                        message_en: format!(
                            "{} has different results for {} ({}); none is imported until one is corrected",
                            first.asset_id,
                            first.sample.date,
                            rows.join(", ")
                        ),
                        message_ko: format!(
                            "{}의 {} 결과가 서로 다릅니다({}). 바로잡을 때까지 가져오지 않습니다",
                            first.asset_id,
                            first.sample.date,
                            rows.join(", ")
                        ),
                    });
                }
            }
            i = j;
        }
        samples.sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));

        // Assets: nameplates in the order first seen, then ids known only from samples.
        let mut assets: Vec<Asset> = Vec::new();
        let mut seen: HashMap<&str, ()> = HashMap::new();
        for id in &self.asset_order {
            if let Some((nameplate, _, _)) = self.nameplates.get(id) {
                assets.push(nameplate.clone().into_asset(id.clone()));
                seen.insert(id, ());
            }
        }
        let mut missing: Vec<(&str, &ImportedSample)> = Vec::new();
        for sample in &samples {
            if !seen.contains_key(sample.asset_id.as_str()) {
                seen.insert(&sample.asset_id, ());
                missing.push((&sample.asset_id, sample));
            }
        }
        let mut extra_issues = Vec::new();
        for (id, sample) in missing {
            assets.push(Asset::new(id));
            if two_sheet_layout {
                extra_issues.push(Issue {
                    severity: Severity::Warning,
                    code: "unknown_asset".into(),
                    sheet: sample.sheet.clone(),
                    row: Some(sample.row),
                    column: None,
                    header: None,
                    raw: Some(id.to_owned()),
                    message_en: format!(
                        "{id} is not on the transformers sheet; imported without a nameplate"
                    ),
                    message_ko: format!(
                        "{id}이(가) 변압기 시트에 없습니다. 명판 정보 없이 가져옵니다"
                    ),
                });
            }
        }
        self.issues.extend(extra_issues);
        (assets, samples)
    }
}

fn read_nameplate(
    nameplate: &mut Nameplate,
    field: Field,
    cell: &Cell,
) -> Result<(), ValueProblem> {
    let text = || (!cell.is_blank()).then(|| cell.display().trim().to_owned());
    match field {
        Field::AssetName => nameplate.name = text(),
        Field::Substation => nameplate.substation = text(),
        Field::Manufacturer => nameplate.manufacturer = text(),
        Field::YearOfManufacture => nameplate.year_of_manufacture = values::parse_year(cell)?,
        Field::RatedKv => nameplate.rated_kv = values::parse_number(cell)?,
        Field::RatedMva => nameplate.rated_mva = values::parse_number(cell)?,
        Field::OilVolumeLitres => nameplate.oil_volume_litres = values::parse_number(cell)?,
        Field::CommunicatingOltc => nameplate.communicating_oltc = values::parse_bool(cell)?,
        Field::OilPreservation => {
            nameplate.oil_preservation = match text() {
                None => None,
                Some(t) => {
                    Some(parse_preservation(&t).ok_or(ValueProblem::NotNumeric { text: t })?)
                }
            }
        }
        Field::AssetId | Field::SampleDate | Field::LabSampleId | Field::Gas(_) => {}
    }
    Ok(())
}

/// Oil preservation as labs and asset registers write it.
pub fn parse_preservation(text: &str) -> Option<OilPreservation> {
    let t: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["nitrogen", "n2", "질소"]) {
        Some(OilPreservation::NitrogenBlanket)
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
