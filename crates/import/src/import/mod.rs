//! From an opened workbook to typed assets and samples with their issues.
//!
//! 1. Each sheet's header row is found by content among its first rows (title rows above it
//!    are common), and the sheet classified: samples (asset id, date, gases), assets (asset id
//!    and nameplate), or neither.
//! 2. Rows are read and parsed cell by cell; every problem becomes an issue at its cell. A row
//!    with an error is left out whole, never half-imported.
//! 3. Dates written day/month or month/day are settled per column; exact duplicate samples are
//!    merged, conflicting ones are left out.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::headers::Mapping;
use crate::issue::{Issue, Severity};
use crate::memory::MappingMemory;
use crate::sink::{Collect, SampleSink};
use crate::source::{DEFAULT_MAX_FILE_BYTES, Source, TextEncoding};
use crate::values::{BlankGas, DayOrder};

mod assemble;
mod dates;
mod guard;
mod kept;
mod plan;
mod rows;
mod run;
mod stream;

pub use crate::outcome::{
    BlankColumn, BlankGasChoice, BlankGasReport, Import, ImportedSample, MappedColumn,
    SheetMapping, SheetRole, Summary,
};
use guard::{PanicPayload, guarded};
use plan::{SheetPlan, unmapped};
use rows::SheetReader;
pub use rows::parse_preservation;
use run::Run;

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

/// Imports a workbook or CSV file.
///
/// A panic inside the spreadsheet reader (calamine on a malformed file) is caught and becomes
/// [`ImportError::NotAWorkbook`]; a panic in the caller's progress callback is passed on
/// unchanged. An allocation failure aborts the process and cannot be caught: the checks in
/// [`Source::open`] refuse the known ways a small file makes the reader allocate without bound.
pub fn import_file(path: &Path, options: &ImportOptions<'_>) -> Result<Import, ImportError> {
    let mut collect = Collect::default();
    let mut import = import_into(path, options, &mut collect)?;
    import.samples = collect.into_samples();
    Ok(import)
}

/// Imports a workbook or CSV file, handing each sample to `sink` as soon as it is settled
/// instead of collecting them: the [`Import`] returned has no `samples` (its summary counts
/// them). What the sink is given, less what it is told to take back, is exactly the samples
/// [`import_file`] returns. Errors and panics as [`import_file`]; when the sink stops the
/// import, [`ImportError::Cancelled`].
pub fn import_into(
    path: &Path,
    options: &ImportOptions<'_>,
    sink: &mut dyn SampleSink,
) -> Result<Import, ImportError> {
    let mut callback_panic = None;
    let result = guarded(path, || {
        import_unguarded(path, options, sink, &mut callback_panic)
    });
    if let Some(payload) = callback_panic {
        std::panic::resume_unwind(payload);
    }
    result
}

fn import_unguarded(
    path: &Path,
    options: &ImportOptions<'_>,
    sink: &mut dyn SampleSink,
    callback_panic: &mut Option<PanicPayload>,
) -> Result<Import, ImportError> {
    let mut source = Source::open(path, options.max_file_bytes, options.encoding)?;
    let mut run = Run::new(options, source.date_system(), sink);

    // Each sheet is read once: its first rows find the header and classify it, then the rest
    // is read (or not, for a sheet that holds neither samples nor assets).
    let names = source.sheet_names().to_vec();
    let mut plans: Vec<SheetPlan> = Vec::new();
    let mut sheets: Vec<SheetMapping> = Vec::new();
    let mut first_unreadable: Option<ImportError> = None;
    let mut samples_sheets = 0usize;
    for name in &names {
        let (issues_before, rows_before, left_out_before) =
            (run.issues.len(), run.rows_read, run.rows_left_out);
        let (kept_before, held_before) = (run.kept.len(), run.held.len());
        run.sheet = u32::try_from(run.sheet_names.len()).unwrap_or(u32::MAX);
        run.sheet_names.push(name.clone());
        run.order_votes = (0, 0);
        run.finish_issues.clear();
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
            run.rows_left_out = left_out_before;
            let sheet = run.sheet;
            run.blank_stats.retain(|(index, _), _| *index != sheet);
            if run.forget_rows(kept_before, held_before).is_break() {
                return Err(ImportError::Cancelled);
            }
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
        let mut plan = match reader.finish(&mut run) {
            Ok(plan) => plan,
            Err(error) => {
                *callback_panic = run.callback_panic.take();
                return Err(error);
            }
        };
        if plan.role != SheetRole::Ignored {
            run.issues.append(&mut plan.issues);
            // Each row's second-look issues after every cell issue of the sheet, in row order.
            let mut finished = std::mem::take(&mut run.finish_issues);
            finished.sort_by_key(|(row, _)| *row);
            run.issues
                .extend(finished.into_iter().map(|(_, issue)| issue));
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
    let (assets, kept) = match run.assemble(two_sheet_layout) {
        Some(assembled) => assembled,
        None => return Err(ImportError::Cancelled),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut summary = Summary {
        assets: assets.len(),
        samples: kept.count,
        first_sample: kept.first,
        last_sample: kept.last,
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
        samples: Vec::new(),
        issues: run.issues,
        summary,
        blank_gas: BlankGasReport {
            applied,
            chosen_by,
            columns: blank_columns,
        },
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
