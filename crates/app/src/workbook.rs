//! Opening a workbook: checks on the path, reading and importing it (cancellable, with
//! progress), the mapping assistant when headers are not recognised, and its issues by page.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use substation_import::headers::{Field, Mapping, MappingEntry};
use substation_import::{BlankGas, ImportOptions, Issue, MappingMemory, Severity, import_into};

use crate::error::{AppError, Result};
use crate::open_sinks::{Destination, RowAssets};
use crate::views::*;
use crate::{App, MAX_PAGE, WORKBOOK_EXTENSIONS, count, explain, lock};

/// Issues sent with an opened workbook; the rest are paged.
const FIRST_ISSUES: usize = 200;

impl App {
    /// Checks that a path names a workbook the app opens and that it can be read.
    pub fn check_workbook_path(path: &Path) -> Result<()> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if !WORKBOOK_EXTENSIONS.contains(&extension.as_str()) {
            return Err(AppError::UnsupportedFile {
                path: path.display().to_string(),
            });
        }
        if !path.is_file() {
            return Err(AppError::Unreadable {
                path: path.display().to_string(),
            });
        }
        Ok(())
    }

    /// Reads a workbook, validates it row by row and stores what is usable as one import
    /// (opening the same file again duplicates nothing). `mapping` is the header-mapping
    /// assistant's answer, remembered for workbooks with the same header row.
    pub fn open_workbook(
        &self,
        path: &Path,
        mapping: &[HeaderChoice],
        progress: &dyn Fn(OpenProgress),
        cancel: &AtomicBool,
    ) -> Result<OpenedWorkbook> {
        self.open_workbook_with(path, mapping, None, progress, cancel)
    }

    /// [`App::open_workbook`] with the reader's choice of what a blank gas cell means
    /// (`not_detected` or `not_measured`; `None`: the choice remembered for the workbook's
    /// header row, else not measured). A choice made here is remembered for that header row.
    pub fn open_workbook_with(
        &self,
        path: &Path,
        mapping: &[HeaderChoice],
        blank_gas: Option<&str>,
        progress: &dyn Fn(OpenProgress),
        cancel: &AtomicBool,
    ) -> Result<OpenedWorkbook> {
        let opened = self.read_and_import(path, mapping, blank_gas, progress, cancel);
        match &opened {
            Ok(o) => tracing::info!(
                file = %o.path,
                format = %o.format,
                batch_id = o.batch_id,
                assets = o.assets,
                samples = o.samples,
                rows_read = o.rows_read,
                rows_left_out = o.rows_left_out,
                errors = o.errors,
                warnings = o.warnings,
                needs_mapping = o.needs_mapping,
                millis = o.millis,
                "workbook opened"
            ),
            Err(error) => tracing::warn!(
                file = %path.display(),
                code = %error.code(),
                error = %error,
                "workbook not opened"
            ),
        }
        opened
    }

    fn read_and_import(
        &self,
        path: &Path,
        mapping: &[HeaderChoice],
        blank_gas: Option<&str>,
        progress: &dyn Fn(OpenProgress),
        cancel: &AtomicBool,
    ) -> Result<OpenedWorkbook> {
        let started = Instant::now();
        let blank_gas = blank_gas
            .map(|key| {
                BlankGas::from_key(key).ok_or_else(|| {
                    AppError::InvalidSettings(format!(
                        "`{key}` is not a reading of blank gas cells (not_detected, not_measured)"
                    ))
                })
            })
            .transpose()?;
        Self::check_workbook_path(path)?;
        let memory_path = self.data_dir.join("header-mappings.json");
        // A memory file that cannot be read costs the convenience, never the import.
        let mut memory = MappingMemory::load(&memory_path).unwrap_or_default();
        let explicit = Mapping {
            columns: mapping
                .iter()
                .map(|choice| {
                    Field::from_key(&choice.field)
                        .map(|field| MappingEntry {
                            header: choice.header.clone(),
                            field,
                            unit: None,
                        })
                        .ok_or_else(|| {
                            AppError::InvalidSettings(format!(
                                "`{}` is not a field the importer knows",
                                choice.field
                            ))
                        })
                })
                .collect::<Result<_>>()?,
            blank_gas: None,
        };
        let report = |p: &substation_import::Progress| {
            progress(OpenProgress {
                sheet: p.sheet.clone(),
                rows_read: u32::try_from(p.rows_read).unwrap_or(u32::MAX),
            })
        };
        // The samples go into the store as they are read (its writer inserts on its own thread
        // while this one parses) and are committed only once the workbook proves usable. A
        // store that cannot be opened does not stop the preview: the samples are then held
        // and the store's error comes where they would be stored. The import goes to the
        // database the open began with, even if the settings move it meanwhile.
        let store = self.store().ok();
        let mut destination = Destination::new(store.as_deref());
        let read = {
            let mut rows = RowAssets::new(&mut destination);
            let mut options = ImportOptions::new(chrono::Local::now().date_naive());
            options.mapping = explicit.clone();
            options.remembered = Some(&memory);
            options.blank_gas = blank_gas;
            options.cancel = Some(cancel);
            options.progress = Some(&report);
            import_into(path, &options, &mut rows).map(|import| {
                // Which transformer each issue's row went to, when the row was imported.
                let located: HashSet<(&str, u32)> = import
                    .issues
                    .iter()
                    .filter_map(|i| Some((i.sheet.as_str(), i.row?)))
                    .collect();
                let row_assets = rows.find(|sheet, row| located.contains(&(sheet, row)));
                (import, row_assets)
            })
        };
        let (mut import, row_assets) = match read {
            Ok(read) => read,
            Err(error) => {
                let stored = destination.abandon();
                // The user's cancel is what they see, whatever else went wrong meanwhile.
                if cancel.load(Ordering::Relaxed) {
                    return Err(substation_import::ImportError::Cancelled.into());
                }
                return match (error, stored) {
                    // The writer's own failure (a full disk) when it was what stopped the read.
                    (substation_import::ImportError::Cancelled, Some(stored)) => Err(stored.into()),
                    (error, stored) => {
                        if let Some(stored) = stored {
                            tracing::warn!(code = stored.code(), %stored, "the store failed too");
                        }
                        Self::read_failed(path, error, started)
                    }
                };
            }
        };
        // Cancelled after the last rows were read: nothing is stored either.
        if cancel.load(Ordering::Relaxed) {
            destination.abandon();
            return Err(substation_import::ImportError::Cancelled.into());
        }
        let usable = import.is_usable();
        let mut issues: Vec<(Issue, Option<String>)> = import
            .issues
            .iter()
            .map(|i| {
                let asset = i
                    .row
                    .and_then(|row| row_assets.get(&(i.sheet.clone(), row)).cloned());
                (i.clone(), asset)
            })
            .collect();
        // Errors (rows left out) first, each in workbook order.
        issues.sort_by(|(a, _), (b, _)| {
            (a.severity != Severity::Error, &a.sheet, a.row).cmp(&(
                b.severity != Severity::Error,
                &b.sheet,
                b.row,
            ))
        });
        let summary = &import.summary;
        let opened = OpenedWorkbook {
            batch_id: None,
            file_name: import.file_name.clone(),
            path: path.display().to_string(),
            format: explain::code(&import.format),
            assets: count(summary.assets),
            samples: count(summary.samples),
            first_sample: summary.first_sample.map(|d| d.to_string()),
            last_sample: summary.last_sample.map(|d| d.to_string()),
            rows_read: count(summary.rows_read),
            rows_left_out: count(summary.rows_left_out),
            duplicates_merged: count(summary.duplicates_merged),
            errors: count(summary.errors),
            warnings: count(summary.warnings),
            issues: issues
                .iter()
                .take(FIRST_ISSUES)
                .map(|(i, a)| issue_view(i, a))
                .collect(),
            issues_total: count(issues.len()),
            sheets: import
                .sheets
                .iter()
                .map(|sheet| SheetView {
                    name: sheet.sheet.clone(),
                    role: explain::code(&sheet.role),
                    header_row: sheet.header_row,
                    columns: sheet
                        .columns
                        .iter()
                        .map(|c| MappedColumnView {
                            column: c.column.clone(),
                            header: c.header.clone(),
                            field: c.field.key().to_owned(),
                        })
                        .collect(),
                    unrecognised: sheet.unrecognised.clone(),
                })
                .collect(),
            needs_mapping: !usable,
            blank_gas: import.blank_gas.applied.key().to_owned(),
            blank_gas_chosen_by: explain::code(&import.blank_gas.chosen_by),
            blank_gas_columns: import
                .blank_gas
                .columns
                .iter()
                .map(|c| BlankColumnView {
                    sheet: c.sheet.clone(),
                    column: c.column.clone(),
                    header: c.header.clone(),
                    gas: explain::code(&c.gas),
                    blank: u32::try_from(c.blank).unwrap_or(u32::MAX),
                    values: u32::try_from(c.values).unwrap_or(u32::MAX),
                })
                .collect(),
            assets_new: 0,
            samples_new: 0,
            samples_updated: 0,
            millis: 0,
        };
        let mut opened = opened;
        if usable {
            if !explicit.columns.is_empty() || blank_gas.is_some() {
                memory.remember(&import, &explicit);
                if let Some(choice) = blank_gas {
                    memory.remember_blank_gas(&import, choice);
                }
                // Losing the memory only means asking again next time: said in the log.
                if let Err(error) = memory.save(&memory_path) {
                    tracing::warn!(code = error.code(), %error, "the header mapping was not remembered");
                }
            }
            let stored = match destination.into_session() {
                Ok(session) => session.finish(import)?,
                // No sample came, or they were held because the store could not be opened
                // (its error now, unless it opens this time).
                Err(held) => {
                    import.samples = held.into_samples();
                    self.store()?.import(import)?
                }
            };
            opened.batch_id = Some(stored.batch_id);
            opened.assets_new = count(stored.assets_new);
            opened.samples_new = count(stored.samples_new);
            opened.samples_updated = count(stored.samples_updated);
            self.wake_sync();
        } else {
            destination.abandon();
        }
        opened.millis = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        *lock(&self.last_issues) = issues;
        Ok(opened)
    }

    /// [`App::open_workbook`] that [`App::cancel_open`] can stop (the shell's command uses
    /// this). A cancelled open stores nothing and fails with `import.cancelled`.
    pub fn open_workbook_cancellable(
        &self,
        path: &Path,
        mapping: &[HeaderChoice],
        blank_gas: Option<&str>,
        progress: &dyn Fn(OpenProgress),
    ) -> Result<OpenedWorkbook> {
        let cancel = Arc::new(AtomicBool::new(false));
        *lock(&self.opening) = Some(cancel.clone());
        let opened = self.open_workbook_with(path, mapping, blank_gas, progress, &cancel);
        let mut slot = lock(&self.opening);
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, &cancel)) {
            *slot = None;
        }
        opened
    }

    /// Asks the workbook being opened to stop; `false` when none is.
    pub fn cancel_open(&self) -> bool {
        match lock(&self.opening).as_ref() {
            Some(cancel) => {
                cancel.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// A read that failed: the mapping assistant when no sheet had what samples need,
    /// else the error.
    fn read_failed(
        path: &Path,
        error: substation_import::ImportError,
        started: Instant,
    ) -> Result<OpenedWorkbook> {
        match error {
            error @ substation_import::ImportError::Unmapped { .. } => {
                Ok(Self::needs_mapping(path, error, started))
            }
            error => Err(error.into()),
        }
    }

    /// What the preview shows for a workbook whose headers nothing matched: its sheets and
    /// their headers for the mapping assistant, and the reason as the one issue.
    fn needs_mapping(
        path: &Path,
        error: substation_import::ImportError,
        started: Instant,
    ) -> OpenedWorkbook {
        let headers: &[(String, Vec<String>)] = match &error {
            substation_import::ImportError::Unmapped { headers, .. } => headers,
            _ => &[],
        };
        let sheets = headers
            .iter()
            .map(|(name, headers)| SheetView {
                name: name.clone(),
                role: "ignored".into(),
                header_row: None,
                columns: Vec::new(),
                unrecognised: headers.clone(),
            })
            .collect();
        let issue = IssueView {
            severity: "error".into(),
            asset_id: None,
            code: error.code().to_owned(),
            sheet: headers.first().map(|(n, _)| n.clone()).unwrap_or_default(),
            row: None,
            column: None,
            header: None,
            raw: None,
            message_en: error.to_string(),
            message_ko: error.message_ko(),
        };
        OpenedWorkbook {
            batch_id: None,
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: path.display().to_string(),
            format: path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default(),
            assets: 0,
            samples: 0,
            first_sample: None,
            last_sample: None,
            rows_read: 0,
            rows_left_out: 0,
            duplicates_merged: 0,
            errors: 1,
            warnings: 0,
            issues: vec![issue],
            issues_total: 1,
            sheets,
            needs_mapping: true,
            blank_gas: BlankGas::default().key().to_owned(),
            blank_gas_chosen_by: "default".to_owned(),
            blank_gas_columns: Vec::new(),
            assets_new: 0,
            samples_new: 0,
            samples_updated: 0,
            millis: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        }
    }

    /// A page of the last opened workbook's issues.
    pub fn issues(&self, offset: u32, limit: u32) -> Vec<IssueView> {
        lock(&self.last_issues)
            .iter()
            .skip(offset as usize)
            .take(limit.clamp(1, MAX_PAGE) as usize)
            .map(|(i, a)| issue_view(i, a))
            .collect()
    }

    /// The fields the header-mapping assistant offers.
    pub fn header_fields() -> Vec<FieldChoice> {
        Field::ALL
            .iter()
            .map(|f| FieldChoice {
                key: f.key().to_owned(),
                label_en: f.label_en().to_owned(),
                label_ko: f.label_ko().to_owned(),
                required_for_samples: f.is_required_for_samples(),
            })
            .collect()
    }
}

fn issue_view(issue: &Issue, asset_id: &Option<String>) -> IssueView {
    IssueView {
        severity: explain::code(&issue.severity),
        asset_id: asset_id.clone(),
        code: issue.code.clone(),
        sheet: issue.sheet.clone(),
        row: issue.row,
        column: issue.column.clone(),
        header: issue.header.clone(),
        raw: issue.raw.clone(),
        message_en: issue.message_en.clone(),
        message_ko: issue.message_ko.clone(),
    }
}
