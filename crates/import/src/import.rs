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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use substation_dga::{Asset, Gas, GasReadings, GasValue, OilPreservation, Sample};

use crate::error::ImportError;
use crate::headers::{Field, Mapping};
use crate::issue::{Issue, Severity, column_letter};
use crate::memory::MappingMemory;
use crate::source::{DEFAULT_MAX_FILE_BYTES, Format, Source, TextEncoding};
use crate::values::{
    self, BlankGas, Cell, DateCandidate, DateSystem, DayOrder, Unit, ValueProblem,
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
    /// What a blank fault-gas cell means; `None`: the choice remembered for the workbook's
    /// header row, else not measured.
    pub blank_gas: Option<BlankGas>,
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
            blank_gas: None,
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
    /// What blank fault-gas cells were read as (the import batch keeps it with its samples).
    #[serde(default)]
    pub blank_gas: BlankGas,
}

/// Who chose the reading of blank gas cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankGasChoice {
    /// Nobody: blank means not measured.
    #[default]
    Default,
    /// An earlier import of a workbook with the same header row.
    Remembered,
    /// This import's options.
    Option,
}

/// A fault-gas column with blank cells beside values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlankColumn {
    pub sheet: String,
    /// Column letter.
    pub column: String,
    pub header: String,
    pub gas: Gas,
    /// Rows whose cell is blank.
    pub blank: u64,
    /// Rows whose cell holds a value (measured or below detection).
    pub values: u64,
}

/// The blank gas cells of a workbook and how they were read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BlankGasReport {
    pub applied: BlankGas,
    pub chosen_by: BlankGasChoice,
    /// Columns with blank cells beside values. A column with no value at all is a gas the
    /// laboratory did not analyse: not measured whatever the choice, and not listed.
    pub columns: Vec<BlankColumn>,
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
    #[serde(default)]
    pub blank_gas: BlankGasReport,
}

impl Import {
    /// True when at least one sample was imported.
    pub fn is_usable(&self) -> bool {
        !self.samples.is_empty()
    }
}

/// Imports a workbook or CSV file.
///
/// A panic inside the spreadsheet reader (calamine on a malformed file) is caught and becomes
/// [`ImportError::NotAWorkbook`]; a panic in the caller's progress callback is passed on
/// unchanged. An allocation failure aborts the process and cannot be caught: the checks in
/// [`Source::open`] refuse the known ways a small file makes the reader allocate without bound.
pub fn import_file(path: &Path, options: &ImportOptions<'_>) -> Result<Import, ImportError> {
    let mut callback_panic = None;
    let result = guarded(path, || {
        import_unguarded(path, options, &mut callback_panic)
    });
    if let Some(payload) = callback_panic {
        std::panic::resume_unwind(payload);
    }
    result
}

/// Runs `body`, turning a panic inside it into [`ImportError::NotAWorkbook`].
fn guarded<T>(
    path: &Path,
    body: impl FnOnce() -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".to_owned());
            Err(ImportError::NotAWorkbook {
                path: path.to_owned(),
                detail: format!("the reader failed on malformed content ({reason})"),
            })
        }
    }
}

type PanicPayload = Box<dyn std::any::Any + Send + 'static>;

fn import_unguarded(
    path: &Path,
    options: &ImportOptions<'_>,
    callback_panic: &mut Option<PanicPayload>,
) -> Result<Import, ImportError> {
    let mut source = Source::open(path, options.max_file_bytes, options.encoding)?;
    let mut run = Run::new(options, source.date_system());

    // Each sheet is read once: its first rows find the header and classify it, then the rest
    // is read (or not, for a sheet that holds neither samples nor assets).
    let names = source.sheet_names().to_vec();
    let mut plans: Vec<SheetPlan> = Vec::new();
    let mut sheets: Vec<SheetMapping> = Vec::new();
    let mut first_unreadable: Option<ImportError> = None;
    let mut samples_sheets = 0usize;
    for name in &names {
        let (issues_before, rows_before) = (run.issues.len(), run.rows_read);
        let mut reader = SheetReader::new(name);
        let read = source.for_each_row(name, |row, cells| reader.push(&mut run, row, cells));
        if let Some(error) = reader.failure.take() {
            *callback_panic = run.callback_panic.take();
            return Err(error);
        }
        if let Err(error) = read {
            // One sheet that cannot be read costs that sheet, not the import: nothing of it is
            // kept, not even the issues of the rows read before the failure.
            run.issues.truncate(issues_before);
            run.rows_read = rows_before;
            run.issues.push(Issue {
                severity: Severity::Warning,
                code: "sheet_unreadable".into(),
                sheet: name.clone(),
                row: None,
                column: None,
                header: None,
                raw: None,
                message_en: format!("this sheet cannot be read and was skipped: {error}"),
                message_ko: format!(
                    "이 시트를 읽을 수 없어 건너뛰었습니다: {}",
                    error.message_ko()
                ),
            });
            let mut mapping = reader.plan.map_or_else(
                || SheetMapping {
                    sheet: name.clone(),
                    role: SheetRole::Ignored,
                    header_row: None,
                    columns: Vec::new(),
                    unrecognised: Vec::new(),
                    signature: String::new(),
                },
                |plan| plan.mapping,
            );
            mapping.role = SheetRole::Ignored;
            sheets.push(mapping);
            first_unreadable.get_or_insert(error);
            continue;
        }
        let (mut plan, rows) = match reader.finish(&mut run) {
            Ok(read) => read,
            Err(error) => {
                *callback_panic = run.callback_panic.take();
                return Err(error);
            }
        };
        if plan.role != SheetRole::Ignored {
            run.issues.append(&mut plan.issues);
            run.finish_sheet(&plan, rows);
        }
        if plan.role == SheetRole::Samples {
            samples_sheets += 1;
        }
        sheets.push(plan.mapping.clone());
        plans.push(plan);
    }

    if samples_sheets == 0 {
        return Err(first_unreadable.unwrap_or_else(|| unmapped(&plans)));
    }
    let two_sheet_layout = plans.iter().any(|p| p.role == SheetRole::Assets);

    let (applied, chosen_by) = match options.blank_gas {
        Some(choice) => (choice, BlankGasChoice::Option),
        None => sheets
            .iter()
            .filter(|sheet| sheet.role != SheetRole::Ignored)
            .find_map(|sheet| {
                options
                    .remembered
                    .and_then(|memory| memory.lookup(&sheet.signature))
                    .and_then(|mapping| mapping.blank_gas)
            })
            .map_or((BlankGas::NotMeasured, BlankGasChoice::Default), |choice| {
                (choice, BlankGasChoice::Remembered)
            }),
    };
    let blank_columns = run.read_blanks(applied);
    let (assets, samples) = run.assemble(two_sheet_layout);
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
        blank_gas: applied,
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
        blank_gas: BlankGasReport {
            applied,
            chosen_by,
            columns: blank_columns,
        },
    })
}

/// Reads one sheet in a single pass: the first [`HEADER_SEARCH_ROWS`] rows are kept to find
/// the header row, then they and every later row are parsed against the sheet's plan.
struct SheetReader<'n> {
    name: &'n str,
    preview: Vec<(u32, Vec<Cell>)>,
    plan: Option<SheetPlan>,
    rows: Vec<RowRecord>,
    /// Why the walk was stopped (cancellation), to return once it is over.
    failure: Option<ImportError>,
}

impl<'n> SheetReader<'n> {
    fn new(name: &'n str) -> Self {
        SheetReader {
            name,
            preview: Vec::new(),
            plan: None,
            rows: Vec::new(),
            failure: None,
        }
    }

    fn push(&mut self, run: &mut Run<'_, '_>, row: u32, cells: Vec<Cell>) -> ControlFlow<()> {
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
        self.rows.push(run.read_row(plan, row, cells));
        ControlFlow::Continue(())
    }

    /// The plan (made now for a sheet shorter than the header search) and the rows read, or
    /// the failure (cancellation) met reading the rows kept for the header search.
    fn finish(mut self, run: &mut Run<'_, '_>) -> Result<(SheetPlan, Vec<RowRecord>), ImportError> {
        let plan = match self.plan.take() {
            Some(plan) => plan,
            None => {
                let _ = self.settle(run);
                if let Some(error) = self.failure.take() {
                    return Err(error);
                }
                match self.plan.take() {
                    Some(plan) => plan,
                    None => plan_sheet(self.name, &[], run.options),
                }
            }
        };
        Ok((plan, self.rows))
    }
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
    /// Column index → (field, unit, header text), in column order.
    columns: Vec<(u32, Field, Option<Unit>, String)>,
    /// Every header of the header row (or of the most header-like row), in column order.
    headers: Vec<String>,
    mapping: SheetMapping,
    /// Sheet-wide issues (duplicate columns), reported only when the sheet is read.
    issues: Vec<Issue>,
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

/// Text that reads like a header: not blank, not a number, not a date.
fn is_header_like(cell: &Cell) -> bool {
    match cell {
        Cell::Text(text) => {
            !cell.is_blank()
                && values::parse_number_text(text).is_none()
                && !matches!(values::parse_date(cell, DateSystem::Excel1900), Ok(Some(_)))
        }
        _ => false,
    }
}

/// The gases whose blank cells the workbook's owner may read as "not detected": H2 and the
/// hydrocarbons. CO and CO2 are in every oil in service, so a blank there means "not
/// analysed" (a CO read as zero would make CO2/CO infinite); O2 and N2 neither (a blank O2 read
/// as zero would select the low-oxygen limits).
const BLANKABLE: [Gas; 5] = [Gas::H2, Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2];

/// The bit of a gas in a row's blank and value masks.
fn blank_bit(gas: Gas) -> Option<u8> {
    BLANKABLE.iter().position(|g| *g == gas).map(|i| 1u8 << i)
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

/// How many distinct fields a row's cells name.
fn recognised_fields(cells: &[Cell], options: &ImportOptions<'_>) -> usize {
    let mapping = mapping_for(cells, options);
    let fields: std::collections::HashSet<Field> = cells
        .iter()
        .filter_map(header_text)
        .filter_map(|h| mapping.resolve(&h).map(|m| m.field))
        .collect();
    fields.len()
}

fn plan_sheet(name: &str, preview: &[(u32, Vec<Cell>)], options: &ImportOptions<'_>) -> SheetPlan {
    // The header row is the one whose cells name the most distinct fields (at least two).
    let scores: Vec<usize> = preview
        .iter()
        .map(|(_, cells)| recognised_fields(cells, options))
        .collect();
    let mut best: Option<(usize, usize)> = None;
    for (i, &fields) in scores.iter().enumerate() {
        if fields >= 2 && best.is_none_or(|(_, n)| fields > n) {
            best = Some((i, fields));
        }
    }
    let Some((index, _)) = best else {
        // Nothing to read. For the error message, the most header-like row: the most
        // recognised fields, then the most header-like text, the first such row.
        let mut likeliest: Option<(usize, (usize, usize))> = None;
        for (i, (_, cells)) in preview.iter().enumerate() {
            let score = (
                scores[i],
                cells.iter().filter(|c| is_header_like(c)).count(),
            );
            if likeliest.is_none_or(|(_, s)| score > s) {
                likeliest = Some((i, score));
            }
        }
        let headers: Vec<String> = likeliest
            .map(|(i, _)| preview[i].1.iter().filter_map(header_text).collect())
            .unwrap_or_default();
        return SheetPlan {
            name: name.to_owned(),
            role: SheetRole::Ignored,
            header_row: None,
            columns: Vec::new(),
            headers: headers.clone(),
            mapping: SheetMapping {
                sheet: name.to_owned(),
                role: SheetRole::Ignored,
                header_row: None,
                columns: Vec::new(),
                signature: crate::headers::signature(&headers),
                unrecognised: headers,
            },
            issues: Vec::new(),
        };
    };
    let (row, cells) = &preview[index];
    let mapping = mapping_for(cells, options);
    let mut columns: Vec<(u32, Field, Option<Unit>, String)> = Vec::new();
    let mut unrecognised = Vec::new();
    let mut headers = Vec::new();
    let mut issues = Vec::new();
    for (col, cell) in cells.iter().enumerate() {
        let Some(header) = header_text(cell) else {
            continue;
        };
        headers.push(header.clone());
        let col = u32::try_from(col).unwrap_or(u32::MAX);
        let Some(found) = mapping.resolve(&header) else {
            unrecognised.push(header);
            continue;
        };
        let Some(position) = columns.iter().position(|c| c.1 == found.field) else {
            columns.push((col, found.field, found.unit, header));
            continue;
        };
        // Two date columns: a sampling date outranks an analysis date, whichever comes first.
        if found.field == Field::SampleDate {
            let theirs = crate::headers::sample_date_preference(&columns[position].3);
            let ours = crate::headers::sample_date_preference(&header);
            if ours > theirs {
                let replaced = std::mem::replace(
                    &mut columns[position],
                    (col, found.field, found.unit, header),
                );
                unrecognised.push(replaced.3);
                continue;
            }
            if ours < theirs {
                unrecognised.push(header);
                continue;
            }
        }
        let first = columns[position].0;
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
                column_letter(first)
            ),
            message_ko: format!(
                "이 열도 {}입니다. {} 열을 사용합니다",
                found.field.label_ko(),
                column_letter(first)
            ),
        });
    }
    columns.sort_by_key(|c| c.0);
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
        headers,
        columns,
        issues,
    }
}

/// At most this many headers per sheet are listed in [`ImportError::Unmapped`].
const LISTED_HEADERS: usize = 20;
/// Listed headers are cut to this many characters.
const LISTED_HEADER_CHARS: usize = 40;

fn unmapped(plans: &[SheetPlan]) -> ImportError {
    let found = plans
        .iter()
        .map(|p| {
            let mut listed: Vec<String> = p
                .headers
                .iter()
                .take(LISTED_HEADERS)
                .map(|h| {
                    if h.chars().count() > LISTED_HEADER_CHARS {
                        let cut: String = h.chars().take(LISTED_HEADER_CHARS - 1).collect();
                        format!("{}…", cut.trim_end())
                    } else {
                        h.clone()
                    }
                })
                .collect();
            if p.headers.len() > LISTED_HEADERS {
                listed.push(format!("… (+{})", p.headers.len() - LISTED_HEADERS));
            }
            format!(
                "{}: {}",
                p.name,
                if listed.is_empty() {
                    "(no header row)".to_owned()
                } else {
                    listed.join(", ")
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
    let headers = plans
        .iter()
        .map(|p| {
            let named = p.headers.iter().filter(|h| !h.trim().is_empty()).cloned();
            (p.name.clone(), named.collect())
        })
        .collect();
    ImportError::Unmapped {
        found,
        missing,
        headers,
    }
}

/// A nameplate value as read.
#[derive(Debug, Clone, PartialEq)]
enum NameplateValue {
    Text(String),
    Number(f64),
    Year(i32),
    Bool(bool),
    Preservation(OilPreservation),
}

/// One nameplate value read from a row, with its cell.
#[derive(Debug, Clone)]
struct NameplateEntry {
    field: Field,
    value: NameplateValue,
    /// The cell as the user sees it.
    raw: String,
    column: u32,
    header: String,
}

/// A nameplate value kept for an asset, and where it was read.
struct KeptValue {
    entry: NameplateEntry,
    sheet: String,
    /// 1-based.
    row: u32,
    /// A differing value was already reported for this asset and field.
    warned: bool,
}

/// One parsed data row (or the reason it was left out).
struct RowRecord {
    row: u32,
    asset_id: Option<String>,
    /// The asset id cell held something that is not an id (already reported).
    asset_id_invalid: bool,
    date: Option<(DateCandidate, u32, String)>,
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

/// Where a sample row came from, until duplicates are settled.
struct Pending {
    asset_id: String,
    sample: Sample,
    /// Fault gases whose cell was blank, read once the whole workbook is known.
    blank: u8,
    sheet: String,
    /// 1-based.
    row: u32,
    /// The nameplate values on the row, kept only if the sample is. Rows repeating their
    /// asset's previous nameplate share it (a million-row export repeats it on every row).
    nameplate: Option<Arc<Vec<NameplateEntry>>>,
}

/// What a date column says about its day/month order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnOrder {
    /// Set by the user (`ImportOptions::day_order`).
    Told(DayOrder),
    /// Every date that settles the order settles it the same way.
    Settled(DayOrder),
    /// Some dates can only be day-first, others only month-first.
    Mixed {
        day_first: usize,
        month_first: usize,
    },
    /// No date settles it.
    Unknown,
}

impl ColumnOrder {
    fn of(told: Option<DayOrder>, candidates: impl Iterator<Item = DateCandidate>) -> Self {
        if let Some(order) = told {
            return ColumnOrder::Told(order);
        }
        let (mut day_first, mut month_first) = (0, 0);
        for candidate in candidates {
            match candidate {
                DateCandidate::Settles {
                    order: DayOrder::DayFirst,
                    ..
                } => day_first += 1,
                DateCandidate::Settles {
                    order: DayOrder::MonthFirst,
                    ..
                } => month_first += 1,
                DateCandidate::Exact(_) | DateCandidate::Ambiguous { .. } => {}
            }
        }
        match (day_first, month_first) {
            (0, 0) => ColumnOrder::Unknown,
            (_, 0) => ColumnOrder::Settled(DayOrder::DayFirst),
            (0, _) => ColumnOrder::Settled(DayOrder::MonthFirst),
            _ => ColumnOrder::Mixed {
                day_first,
                month_first,
            },
        }
    }
}

fn order_en(order: DayOrder) -> &'static str {
    match order {
        DayOrder::DayFirst => "day-first (day/month/year)",
        DayOrder::MonthFirst => "month-first (month/day/year)",
    }
}

fn order_ko(order: DayOrder) -> &'static str {
    match order {
        DayOrder::DayFirst => "일/월/연 순서",
        DayOrder::MonthFirst => "월/일/연 순서",
    }
}

fn other_order(order: DayOrder) -> DayOrder {
    match order {
        DayOrder::DayFirst => DayOrder::MonthFirst,
        DayOrder::MonthFirst => DayOrder::DayFirst,
    }
}

struct Run<'o, 'a> {
    options: &'o ImportOptions<'a>,
    date_system: DateSystem,
    issues: Vec<Issue>,
    rows_read: u64,
    rows_left_out: u64,
    duplicates_merged: u64,
    /// Asset id → the nameplate values kept, field by field.
    nameplates: HashMap<String, Vec<KeptValue>>,
    /// Asset ids in the order their nameplates were first kept.
    asset_order: Vec<String>,
    /// Asset ids on a transformers (assets) sheet.
    registered: std::collections::HashSet<String>,
    pending: Vec<Pending>,
    /// (sheet, gas) → its column's blank and filled cells.
    blank_stats: BTreeMap<(String, Gas), BlankColumn>,
    /// Asset id → the nameplate of its last sample row, to share rather than copy.
    last_nameplate: HashMap<String, Arc<Vec<NameplateEntry>>>,
    /// A panic in the progress callback, passed on once the import has stopped.
    callback_panic: Option<PanicPayload>,
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
            registered: std::collections::HashSet::new(),
            pending: Vec::new(),
            blank_stats: BTreeMap::new(),
            last_nameplate: HashMap::new(),
            callback_panic: None,
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
                let report = Progress {
                    sheet: sheet.to_owned(),
                    rows_read: self.rows_read,
                };
                // The caller's panic is the caller's: kept apart from the reader's panics,
                // and passed on by `import_file`.
                if let Err(payload) =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| progress(&report)))
                {
                    self.callback_panic = Some(payload);
                    return Err(ImportError::Cancelled);
                }
            }
        }
        Ok(())
    }

    /// `text` without control characters (NUL, line breaks, tabs, …; CP949 CSV and .xls cells
    /// can carry them, and a database refuses NUL in text), with a warning naming the cell when
    /// any were removed. Line breaks and tabs become a space.
    fn without_controls(
        &mut self,
        plan: &SheetPlan,
        row: u32,
        col: u32,
        header: &str,
        text: String,
    ) -> String {
        if !text.chars().any(char::is_control) {
            return text;
        }
        let cleaned: String = text
            .chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect::<String>()
            .split(' ')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        self.cell_issue(
            Severity::Warning,
            plan,
            row,
            col,
            header,
            Some(format!("{text:?}")),
            "control_characters",
            format!("control characters removed: read as “{cleaned}”"),
            format!("제어 문자를 제거했습니다: “{cleaned}”(으)로 읽음"),
        );
        cleaned
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
        for column in &plan.columns {
            let (col, field, unit, header) = column;
            let cell = cells.get(*col as usize).unwrap_or(&empty);
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
                    Ok(Some(candidate)) => record.date = Some((candidate, *col, cell.display())),
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
        }
        if plan.role == SheetRole::Samples
            && let Some(asset_id) = &record.asset_id
        {
            let nameplate = std::mem::take(&mut record.nameplate);
            record.shared_nameplate = self.share_nameplate(asset_id, nameplate);
        }
        record
    }

    /// Settles dates, checks each row's required fields and keeps what is sound.
    fn finish_sheet(&mut self, plan: &SheetPlan, mut rows: Vec<RowRecord>) {
        let order = ColumnOrder::of(
            self.options.day_order,
            rows.iter().filter_map(|r| r.date.as_ref().map(|d| d.0)),
        );
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
                continue;
            };
            if plan.role == SheetRole::Assets {
                if record.failed {
                    self.rows_left_out += 1;
                    continue;
                }
                let nameplate = std::mem::take(&mut record.nameplate);
                self.keep_nameplate(&asset_id, nameplate, &plan.name, row + 1);
                self.registered.insert(asset_id);
                continue;
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
                continue;
            };
            // A day of grace for the laboratory's time zone; beyond it the date cannot be the
            // day the oil was drawn, and such a sample would become the unit's latest and
            // drive its diagnosis: the row is left out.
            let latest_possible = self.options.today + chrono::Days::new(1);
            if let Some(column) = &date_column
                && date > latest_possible
            {
                let raw = record.date.as_ref().map(|d| d.2.clone());
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
                continue;
            }
            if let (Some(column), Some(earliest)) = (&date_column, earliest)
                && date < earliest
            {
                let raw = record.date.as_ref().map(|d| d.2.clone());
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
                    .entry((plan.name.clone(), *gas))
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
            self.pending.push(Pending {
                asset_id,
                sample: Sample::new(date, record.gases),
                blank,
                sheet: plan.name.clone(),
                row: row + 1,
                nameplate,
            });
        }
    }

    /// The date of one cell given what its column says about day/month order, or `None`
    /// with an error issue.
    #[allow(clippy::too_many_arguments)]
    fn settle_date(
        &mut self,
        plan: &SheetPlan,
        row: u32,
        col: u32,
        header: &str,
        raw: &str,
        candidate: DateCandidate,
        order: ColumnOrder,
    ) -> Option<NaiveDate> {
        let (code, en, ko) = match candidate {
            DateCandidate::Exact(date) => return Some(date),
            DateCandidate::Settles { date, order: own } => match order {
                ColumnOrder::Told(told) if told != own => (
                    "impossible_date",
                    format!(
                        "“{raw}” is not a real date read {}, the order the import was told to \
                         use; only read {} would it be {date}",
                        order_en(told),
                        order_en(own)
                    ),
                    format!(
                        "“{raw}”은(는) 지정된 {}로 읽으면 달력에 없는 날짜입니다. {}로 읽어야만 \
                         {date}입니다",
                        order_ko(told),
                        order_ko(own)
                    ),
                ),
                ColumnOrder::Mixed {
                    day_first,
                    month_first,
                } => {
                    let (ours, theirs) = match own {
                        DayOrder::DayFirst => (day_first, month_first),
                        DayOrder::MonthFirst => (month_first, day_first),
                    };
                    if ours > theirs {
                        return Some(date);
                    }
                    let other = other_order(own);
                    let (en_most, ko_most) = if ours < theirs {
                        (
                            format!("most dates in this column ({theirs} against {ours})"),
                            format!("이 열의 날짜 대부분({theirs}개 대 {ours}개)"),
                        )
                    } else {
                        (
                            format!("as many dates in this column ({theirs})"),
                            format!("이 열의 같은 수의 날짜({theirs}개)"),
                        )
                    };
                    (
                        "mixed_date_order",
                        format!(
                            "“{raw}” can only be read {}, as {date}, but {en_most} can only be \
                             read {}; the column mixes the two orders, so this date is not \
                             trusted. If {date} is right, write it year first",
                            order_en(own),
                            order_en(other)
                        ),
                        format!(
                            "“{raw}”은(는) {}로만 읽을 수 있어 {date}이지만, {ko_most}는 {}로만 \
                             읽을 수 있습니다. 열에 두 순서가 섞여 있어 이 날짜를 믿을 수 없습니다. \
                             {date}이(가) 맞다면 연도부터 쓰십시오",
                            order_ko(own),
                            order_ko(other)
                        ),
                    )
                }
                ColumnOrder::Told(_) | ColumnOrder::Settled(_) | ColumnOrder::Unknown => {
                    return Some(date);
                }
            },
            DateCandidate::Ambiguous {
                day_first,
                month_first,
            } => match order {
                ColumnOrder::Told(DayOrder::DayFirst)
                | ColumnOrder::Settled(DayOrder::DayFirst) => return Some(day_first),
                ColumnOrder::Told(DayOrder::MonthFirst)
                | ColumnOrder::Settled(DayOrder::MonthFirst) => return Some(month_first),
                ColumnOrder::Mixed {
                    day_first: days,
                    month_first: months,
                } => (
                    "ambiguous_date",
                    format!(
                        "“{raw}” could be {day_first} or {month_first}, and this column mixes \
                         day-first and month-first dates (day-first only: {days}, month-first \
                         only: {months}), so it cannot settle which; write the date year first \
                         (like 2023-10-25)"
                    ),
                    format!(
                        "“{raw}”은(는) {day_first} 또는 {month_first}일 수 있는데, 이 열에는 일/월 \
                         순서가 섞여 있어(일/월만 가능 {days}개, 월/일만 가능 {months}개) 알 수 \
                         없습니다. 연도부터 쓰십시오(예: 2023-10-25)"
                    ),
                ),
                ColumnOrder::Unknown => (
                    "ambiguous_date",
                    format!(
                        "“{raw}” could be {day_first} or {month_first}; nothing in the column \
                         settles the day/month order (set it with --day-first or --month-first)"
                    ),
                    format!(
                        "“{raw}”은(는) {day_first} 또는 {month_first}일 수 있습니다. 열에서 일/월 \
                         순서를 알 수 없습니다(--day-first 또는 --month-first로 지정)"
                    ),
                ),
            },
        };
        self.cell_issue(
            Severity::Error,
            plan,
            row,
            col,
            header,
            Some(raw.to_owned()),
            code,
            en,
            ko,
        );
        None
    }

    /// The row's nameplate, shared with the asset's previous row when the values are the same.
    fn share_nameplate(
        &mut self,
        asset_id: &str,
        nameplate: Vec<NameplateEntry>,
    ) -> Option<Arc<Vec<NameplateEntry>>> {
        if nameplate.is_empty() {
            return None;
        }
        let same = |a: &[NameplateEntry], b: &[NameplateEntry]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.field == y.field && x.value == y.value)
        };
        if let Some(last) = self.last_nameplate.get(asset_id)
            && same(last, &nameplate)
        {
            return Some(last.clone());
        }
        let shared = Arc::new(nameplate);
        self.last_nameplate
            .insert(asset_id.to_owned(), shared.clone());
        Some(shared)
    }

    /// Merges a row's nameplate values into the asset's, field by field: a field already
    /// kept stays (so the transformers sheet, read first, outranks sample rows), a missing one
    /// is filled, and a different value is reported once per asset and field, at the cell
    /// whose value was not kept.
    fn keep_nameplate(
        &mut self,
        asset_id: &str,
        nameplate: Vec<NameplateEntry>,
        sheet: &str,
        row: u32,
    ) {
        let kept = match self.nameplates.entry(asset_id.to_owned()) {
            std::collections::hash_map::Entry::Vacant(vacant) => {
                self.asset_order.push(asset_id.to_owned());
                vacant.insert(Vec::new())
            }
            std::collections::hash_map::Entry::Occupied(occupied) => occupied.into_mut(),
        };
        for entry in nameplate {
            let Some(first) = kept.iter_mut().find(|k| k.entry.field == entry.field) else {
                kept.push(KeptValue {
                    entry,
                    sheet: sheet.to_owned(),
                    row,
                    warned: false,
                });
                continue;
            };
            if first.entry.value == entry.value || first.warned {
                continue;
            }
            first.warned = true;
            let field = entry.field;
            self.issues.push(Issue {
                severity: Severity::Warning,
                code: "nameplate_differs".into(),
                sheet: sheet.to_owned(),
                row: Some(row),
                column: Some(column_letter(entry.column)),
                header: Some(entry.header.clone()),
                raw: Some(entry.raw.clone()),
                message_en: format!(
                    "{} of {asset_id} is “{}” here but “{}” on {} row {}; that one is kept",
                    field.label_en(),
                    entry.raw,
                    first.entry.raw,
                    first.sheet,
                    first.row
                ),
                message_ko: format!(
                    "{asset_id}의 {}이(가) 여기서는 “{}”, {} {}행에서는 “{}”입니다. 그 값을 \
                     사용합니다",
                    field.label_ko(),
                    entry.raw,
                    first.sheet,
                    first.row,
                    first.entry.raw
                ),
            });
        }
    }

    /// Reads the blank fault-gas cells as `applied` says, in columns that hold values elsewhere
    /// (before duplicates are compared), and lists those columns.
    fn read_blanks(&mut self, applied: BlankGas) -> Vec<BlankColumn> {
        let columns: Vec<BlankColumn> = std::mem::take(&mut self.blank_stats)
            .into_values()
            .filter(|c| c.blank > 0 && c.values > 0)
            .collect();
        if applied == BlankGas::NotDetected {
            for pending in self.pending.iter_mut().filter(|p| p.blank != 0) {
                for gas in BLANKABLE {
                    let blank = blank_bit(gas).is_some_and(|bit| pending.blank & bit != 0);
                    if blank
                        && columns
                            .iter()
                            .any(|c| c.gas == gas && c.sheet == pending.sheet)
                    {
                        pending
                            .sample
                            .gases
                            .set(gas, GasValue::BelowDetection { limit: None });
                    }
                }
            }
        }
        columns
    }

    /// Merges exact duplicates, leaves out conflicting ones, and builds the assets.
    fn assemble(&mut self, two_sheet_layout: bool) -> (Vec<Asset>, Vec<ImportedSample>) {
        let pending = std::mem::take(&mut self.pending);
        // Stable: the first occurrence of a key stays first.
        let mut order: Vec<usize> = (0..pending.len()).collect();
        order.sort_by(|&a, &b| {
            (pending[a].asset_id.as_str(), pending[a].sample.date)
                .cmp(&(pending[b].asset_id.as_str(), pending[b].sample.date))
        });
        let mut left_out = vec![false; pending.len()];
        let mut samples: Vec<ImportedSample> = Vec::with_capacity(pending.len());
        let mut i = 0;
        while i < order.len() {
            let first = &pending[order[i]];
            let mut j = i + 1;
            while j < order.len()
                && pending[order[j]].asset_id == first.asset_id
                && pending[order[j]].sample.date == first.sample.date
            {
                j += 1;
            }
            let group = &order[i..j];
            if group.iter().all(|&k| pending[k].sample == first.sample) {
                for &k in &group[1..] {
                    let duplicate = &pending[k];
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
                    .map(|&k| format!("{} row {}", pending[k].sheet, pending[k].row))
                    .collect();
                for &k in group {
                    let conflicting = &pending[k];
                    left_out[k] = true;
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

        // Nameplate values on the sample rows that were kept, in the order they were read,
        // after those of the transformers sheets; a shared nameplate is merged once per run of
        // rows that share it.
        let mut merged: HashMap<&str, Arc<Vec<NameplateEntry>>> = HashMap::new();
        for (k, row) in pending.iter().enumerate() {
            let Some(nameplate) = row.nameplate.as_ref().filter(|_| !left_out[k]) else {
                continue;
            };
            if merged
                .get(row.asset_id.as_str())
                .is_some_and(|m| Arc::ptr_eq(m, nameplate))
            {
                continue;
            }
            merged.insert(&row.asset_id, nameplate.clone());
            self.keep_nameplate(
                &row.asset_id,
                nameplate.as_ref().clone(),
                &row.sheet,
                row.row,
            );
        }

        // Assets: nameplates in the order first kept, then ids known only from samples.
        let mut assets: Vec<Asset> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for id in &self.asset_order {
            if let Some(kept) = self.nameplates.get(id) {
                assets.push(nameplate_asset(id, kept));
                seen.insert(id);
            }
        }
        let mut extra_issues = Vec::new();
        let mut unknown: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for sample in &samples {
            let id = sample.asset_id.as_str();
            if seen.insert(id) {
                assets.push(Asset::new(id));
            }
            if two_sheet_layout && !self.registered.contains(id) && unknown.insert(id) {
                extra_issues.push(Issue {
                    severity: Severity::Warning,
                    code: "unknown_asset".into(),
                    sheet: sample.sheet.clone(),
                    row: Some(sample.row),
                    column: None,
                    header: None,
                    raw: Some(id.to_owned()),
                    message_en: format!(
                        "{id} is not on the transformers sheet; imported with only what its \
                         sample rows say"
                    ),
                    message_ko: format!(
                        "{id}이(가) 변압기 시트에 없습니다. 시료 행에 있는 정보만으로 가져옵니다"
                    ),
                });
            }
        }
        self.issues.extend(extra_issues);
        (assets, samples)
    }
}

/// The asset a merged nameplate describes.
fn nameplate_asset(id: &str, kept: &[KeptValue]) -> Asset {
    let mut asset = Asset::new(id);
    for value in kept {
        match (&value.entry.value, value.entry.field) {
            (NameplateValue::Text(t), Field::AssetName) => asset.name = Some(t.clone()),
            (NameplateValue::Text(t), Field::Substation) => asset.substation = Some(t.clone()),
            (NameplateValue::Text(t), Field::Manufacturer) => {
                asset.manufacturer = Some(t.clone());
            }
            (NameplateValue::Year(y), Field::YearOfManufacture) => {
                asset.year_of_manufacture = Some(*y);
            }
            (NameplateValue::Number(n), Field::RatedKv) => asset.rated_kv = Some(*n),
            (NameplateValue::Number(n), Field::RatedMva) => asset.rated_mva = Some(*n),
            (NameplateValue::Number(n), Field::OilVolumeLitres) => {
                asset.oil_volume_litres = Some(*n);
            }
            (NameplateValue::Preservation(p), Field::OilPreservation) => {
                asset.oil_preservation = Some(*p);
            }
            (NameplateValue::Bool(b), Field::CommunicatingOltc) => {
                asset.communicating_oltc = Some(*b);
            }
            _ => {}
        }
    }
    asset
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

    #[test]
    fn a_panic_in_the_reader_becomes_not_a_workbook() {
        let path = Path::new("broken.xlsx");
        let result: Result<(), ImportError> = guarded(path, || {
            let huge: usize = "1000000000000000000".parse().unwrap_or(usize::MAX);
            // What calamine does with an absurd shared-string count: a capacity overflow.
            let strings: Vec<String> = Vec::with_capacity(huge);
            drop(strings);
            Ok(())
        });
        match result {
            Err(ImportError::NotAWorkbook { detail, .. }) => {
                assert!(detail.contains("capacity overflow"), "{detail}");
            }
            other => panic!("expected NotAWorkbook, got {other:?}"),
        }
        assert!(guarded(path, || Ok(1)).is_ok_and(|v| v == 1));
        assert!(matches!(
            guarded::<()>(path, || Err(ImportError::Cancelled)),
            Err(ImportError::Cancelled)
        ));
    }
}
