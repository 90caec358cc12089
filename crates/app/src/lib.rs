//! The desktop app's core, free of any UI toolkit: the Tauri shell in `src-tauri/` turns each
//! method into a command, and tests drive it directly.
//!
//! One [`App`] per process. Workbook parsing and store reads are blocking (the shell runs them
//! on a blocking thread); a diagnosis run is async and streams [`RunEvent`]s, coalesced to
//! about ten a second, to whatever sink the host gives it.

mod background;
pub mod bindings;
pub mod error;
pub mod explain;
pub mod export;
pub mod profiles;
pub mod run;
pub mod settings;
pub mod sync;
pub mod views;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use substation_import::headers::{Field, MappedColumn, Mapping};
use substation_import::{BlankGas, ImportOptions, Issue, MappingMemory, Severity, import_file};
use substation_store::{FleetOrder, FleetQuery, Store};
use tokio_util::sync::CancellationToken;

pub use error::{AppError, ErrorView, Result};
pub use profiles::{ProfileTestView, ProfileView, SummaryView};
pub use settings::{EngineChoice, Language, Settings};
pub use sync::{AUTO_SYNC_EVERY, OsCredentialStore, TokenStore};
pub use views::*;

/// Extensions the app opens; anything else is refused before a byte is read.
pub const WORKBOOK_EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xlsb", "xls", "ods", "csv"];
/// Issues sent with an opened workbook; the rest are paged.
const FIRST_ISSUES: usize = 200;
/// The largest page a caller can ask for.
const MAX_PAGE: u32 = 1_000;

/// The app's state.
pub struct App {
    data_dir: PathBuf,
    /// Where the database is unless the settings name another file.
    database_dir: PathBuf,
    sample_fleet: Option<PathBuf>,
    settings: Mutex<Settings>,
    settings_problem: Option<String>,
    store: Mutex<Option<Arc<Store>>>,
    /// Issues of the workbook opened last, for paging, with the transformer of their row.
    last_issues: Mutex<Vec<(Issue, Option<String>)>>,
    /// The run in progress, to cancel it.
    run: Mutex<Option<CancellationToken>>,
    /// A workbook to open at start, taken once.
    open_on_start: Mutex<Option<PathBuf>>,
    /// Where the host writes its log file, if it keeps one.
    log_dir: Option<PathBuf>,
    /// The workbook being opened, to cancel it.
    opening: Mutex<Option<Arc<AtomicBool>>>,
    /// The sync in progress, to cancel it.
    sync: Mutex<Option<CancellationToken>>,
    /// The code of the last sync's error in this process, `None` after a success.
    last_sync_error: Mutex<Option<String>>,
    /// Wakes the background sync loop early (see `sync.rs`).
    sync_wake: tokio::sync::Notify,
    /// Where the sync token is kept.
    tokens: Arc<dyn sync::TokenStore>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind, still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl App {
    /// `data_dir` holds the settings, the remembered header mappings and (by default) the
    /// database; `sample_fleet` is the bundled sample workbook.
    pub fn new(data_dir: PathBuf, sample_fleet: Option<PathBuf>) -> App {
        Self::with_token_store(data_dir, sample_fleet, sync::os_tokens())
    }

    /// The database in `dir` rather than beside the settings, unless the settings name a
    /// file (the desktop keeps it in the per-user local folder:
    /// [`substation_store::default_database_dir`]).
    pub fn with_database_dir(mut self, dir: PathBuf) -> App {
        self.database_dir = dir;
        self
    }

    /// [`App::new`] keeping sync tokens in `tokens` rather than the OS credential store.
    pub fn with_token_store(
        data_dir: PathBuf,
        sample_fleet: Option<PathBuf>,
        tokens: Arc<dyn sync::TokenStore>,
    ) -> App {
        let (settings, settings_problem) = match Settings::load(&Self::settings_file(&data_dir)) {
            Ok(settings) => (settings, None),
            Err(error) => (Settings::default(), Some(error.to_string())),
        };
        App {
            database_dir: data_dir.clone(),
            data_dir,
            sample_fleet,
            settings: Mutex::new(settings),
            settings_problem,
            store: Mutex::new(None),
            last_issues: Mutex::new(Vec::new()),
            run: Mutex::new(None),
            open_on_start: Mutex::new(None),
            log_dir: None,
            opening: Mutex::new(None),
            sync: Mutex::new(None),
            last_sync_error: Mutex::new(None),
            sync_wake: tokio::sync::Notify::new(),
            tokens,
        }
    }

    /// Tells the UI where the host's log files are (Settings shows the folder).
    pub fn with_log_dir(mut self, dir: PathBuf) -> App {
        self.log_dir = Some(dir);
        self
    }

    pub fn log_dir(&self) -> Option<&Path> {
        self.log_dir.as_deref()
    }

    /// Asks the UI to open `path` once it starts (the app was launched with a file).
    pub fn open_at_start(&self, path: PathBuf) {
        *lock(&self.open_on_start) = Some(path);
    }

    fn settings_file(data_dir: &Path) -> PathBuf {
        data_dir.join("settings.json")
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// Checks and saves new settings; a changed database location takes effect at once.
    pub fn save_settings(&self, settings: Settings) -> Result<Settings> {
        let settings = settings.normalised()?;
        let mut current = lock(&self.settings);
        let new_database =
            current.database(&self.database_dir) != settings.database(&self.database_dir);
        // Refused settings never reach the file: checked first, written only when accepted.
        if new_database {
            if lock(&self.run).is_some() {
                return Err(AppError::RunInProgress);
            }
            if lock(&self.sync).is_some() {
                return Err(AppError::SyncInProgress);
            }
        }
        settings.save(&Self::settings_file(&self.data_dir))?;
        if new_database {
            *lock(&self.store) = None;
        }
        *current = settings.clone();
        Ok(settings)
    }

    pub fn database_path(&self) -> PathBuf {
        self.settings().database(&self.database_dir)
    }

    /// The store, opened (and migrated) on first use.
    pub fn store(&self) -> Result<Arc<Store>> {
        let mut slot = lock(&self.store);
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let path = self.database_path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| AppError::Write {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let store = Arc::new(Store::open(&path)?);
        *slot = Some(store.clone());
        Ok(store)
    }

    pub fn info(&self, system_language: &str) -> Result<AppInfo> {
        let cached_assets = self.store()?.reader()?.fleet_count(&FleetQuery {
            include_undiagnosed: true,
            ..FleetQuery::default()
        })?;
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.data_dir.display().to_string(),
            log_dir: self.log_dir.as_ref().map(|p| p.display().to_string()),
            database: self.database_path().display().to_string(),
            sample_fleet: self.sample_fleet.as_ref().map(|p| p.display().to_string()),
            system_language: if system_language.starts_with("ko") {
                "ko".into()
            } else {
                "en".into()
            },
            settings_problem: self.settings_problem.clone(),
            settings: self.settings(),
            cached_assets: count(cached_assets),
            // Handed out once: a reload of the window must not import the file again.
            open_on_start: lock(&self.open_on_start)
                .take()
                .map(|p| p.display().to_string()),
        })
    }

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
                        .map(|field| MappedColumn {
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
        let import = {
            let mut options = ImportOptions::new(chrono::Local::now().date_naive());
            options.mapping = explicit.clone();
            options.remembered = Some(&memory);
            options.blank_gas = blank_gas;
            options.cancel = Some(cancel);
            options.progress = Some(&report);
            match import_file(path, &options) {
                Ok(import) => import,
                // No sheet had what samples need: the assistant maps the headers by hand.
                Err(error @ substation_import::ImportError::Unmapped { .. }) => {
                    return Ok(Self::needs_mapping(path, error, started));
                }
                Err(error) => return Err(error.into()),
            }
        };
        // Cancelled after the last rows were read: nothing is stored either.
        if cancel.load(Ordering::Relaxed) {
            return Err(substation_import::ImportError::Cancelled.into());
        }
        let usable = import.is_usable();
        // Which transformer each issue's row went to, when the row was imported.
        let located: HashSet<(&str, u32)> = import
            .issues
            .iter()
            .filter_map(|i| Some((i.sheet.as_str(), i.row?)))
            .collect();
        let mut row_assets: HashMap<(String, u32), String> = HashMap::new();
        for s in &import.samples {
            if located.contains(&(s.sheet.as_str(), s.row)) {
                row_assets.insert((s.sheet.clone(), s.row), s.asset_id.clone());
            }
        }
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
                // Losing the memory only means asking again next time.
                let _ = memory.save(&memory_path);
            }
            // The import moves into the store: a big workbook is not held twice.
            let stored = self.store()?.import(import)?;
            opened.batch_id = Some(stored.batch_id);
            opened.assets_new = count(stored.assets_new);
            opened.samples_new = count(stored.samples_new);
            opened.samples_updated = count(stored.samples_updated);
            self.wake_sync();
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

    /// A page of the fleet table, with counts over the whole filter.
    pub fn fleet(&self, filter: &FleetFilter) -> Result<FleetPage> {
        let reader = self.store()?.reader()?;
        let query = fleet_query(filter);
        let rows = reader.fleet(&query)?;
        let total = reader.fleet_count(&query)?;
        let status_counts = reader.fleet_status_counts(&query)?.map(count);
        Ok(FleetPage {
            rows: rows
                .into_iter()
                .map(|r| FleetRowView {
                    asset_id: r.asset_id,
                    name: r.name,
                    substation: r.substation,
                    latest_sample: r.latest_sample_date,
                    ieee_status: r.ieee_status,
                    iec_state: r.iec_state,
                    fault: r.fault,
                    severity: r.severity,
                    diagnosed_at: r.diagnosed_at,
                    fault_label: r.fault_label,
                    score: r.score,
                    headline: r.headline,
                    profile: r.profile_name,
                })
                .collect(),
            total: count(total),
            offset: filter.offset,
            status_counts,
        })
    }

    /// One transformer: nameplate, gas history, Duval path, limits, diagnosis and history.
    pub fn asset(&self, id: &str) -> Result<AssetView> {
        let reader = self.store()?.reader()?;
        let summary = reader
            .asset(id)?
            .ok_or_else(|| AppError::NoSuchAsset(id.to_owned()))?;
        let stored = reader.samples(id)?;
        let history = reader.diagnoses(id)?;
        let diagnosis = match history.first() {
            // An answer that is not a whole diagnosis (a function of another build, say) is
            // still shown, as it came, below.
            Some(latest) => reader.diagnosis(latest.id).unwrap_or_else(|error| {
                tracing::warn!(asset = id, %error, "a stored answer is not a whole diagnosis");
                None
            }),
            None => None,
        };
        // A team's own function's answer (or one that is not a whole diagnosis): what was read
        // from it, and the answer as it came.
        let answer = match history.first() {
            Some(latest) if latest.profile_name.is_some() || diagnosis.is_none() => {
                reader.answer(latest.id)?.map(|a| CustomAnswerView {
                    summary: profiles::SummaryView::from(&a.summary),
                    answer_json: String::from_utf8_lossy(&a.json).into_owned(),
                    diagnosed_at: latest.created_at.clone(),
                })
            }
            _ => None,
        };
        let samples: Vec<substation_dga::Sample> = stored.iter().map(|s| s.sample).collect();
        // Before any run, the embedded engine (microseconds) gives the limits and a preview.
        let preview = match &diagnosis {
            Some(_) => None,
            None => substation_dga::diagnose(&substation_dga::DiagnosisRequest::new(
                summary.asset.clone(),
                samples.clone(),
            ))
            .ok(),
        };
        let limits = diagnosis
            .as_ref()
            .or(preview.as_ref())
            .map(explain::limits)
            .unwrap_or_default();
        Ok(AssetView {
            nameplate: explain::nameplate(&summary.asset),
            gases: explain::GASES.iter().map(explain::code).collect(),
            samples: stored
                .iter()
                .map(|s| SampleView {
                    date: s.sample.date.to_string(),
                    gases: explain::GASES
                        .iter()
                        .map(|g| explain::gas_cell(s.sample.gases.get(*g)))
                        .collect(),
                    sheet: s.source_sheet.clone(),
                    row: s.source_row,
                })
                .collect(),
            duval: explain::duval_path(&samples),
            limits,
            diagnosis: diagnosis.as_ref().map(explain::explain),
            answer,
            preview: preview.as_ref().map(explain::explain),
            history: history
                .into_iter()
                .map(|h| HistoryEntry {
                    id: h.id,
                    run_id: h.run_id,
                    created_at: h.created_at,
                    latest_sample: h.latest_sample_date,
                    ieee_status: h.ieee_status,
                    fault: h.fault,
                    severity: h.severity,
                })
                .collect(),
        })
    }

    pub fn duval_zones() -> DuvalZones {
        explain::duval_zones()
    }

    /// Earlier imports and runs, from the cache.
    pub fn history(&self) -> Result<CacheHistory> {
        let reader = self.store()?.reader()?;
        let batches = reader
            .batches()?
            .into_iter()
            .map(|b| BatchView {
                id: b.id,
                file_name: b.file_name,
                imported_at: b.imported_at,
                assets: count(b.assets),
                samples_new: count(b.samples_new),
                origin: b.origin,
            })
            .collect();
        let runs = reader
            .runs()?
            .into_iter()
            .map(|r| {
                // The scope the run was started with: {"scope": {"batch": 3}} or "all".
                let batch_id = serde_json::from_str::<serde_json::Value>(&r.options_json)
                    .ok()
                    .and_then(|o| o.pointer("/scope/batch").and_then(|b| b.as_i64()));
                RunView {
                    id: r.id,
                    batch_id,
                    engine: r.engine,
                    state: r.state,
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                    assets: count(r.assets_total),
                    succeeded: count(r.succeeded),
                    failed: count(r.failed),
                    reused: count(r.reused),
                    owed: count(r.owed),
                    origin: r.origin,
                }
            })
            .collect();
        Ok(CacheHistory {
            batches,
            runs,
            outbox_pending: count(reader.outbox_pending()?),
            cached_assets: count(reader.fleet_count(&FleetQuery {
                include_undiagnosed: true,
                ..FleetQuery::default()
            })?),
        })
    }

    /// Asks the run in progress to stop; what is in flight finishes and is stored.
    pub fn cancel_run(&self) -> bool {
        match lock(&self.run).as_ref() {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
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

fn fleet_query(filter: &FleetFilter) -> FleetQuery {
    let text = |t: &Option<String>| {
        t.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    FleetQuery {
        substation: text(&filter.substation),
        // Status 0: the transformers with no diagnosis yet.
        status: filter.status.filter(|s| *s != 0),
        undiagnosed_only: filter.status == Some(0),
        reverse: filter.reverse,
        fault: text(&filter.fault),
        search: text(&filter.search),
        include_undiagnosed: true,
        batch_id: filter.batch_id,
        order: match filter.sort.as_deref() {
            Some("id") => FleetOrder::Id,
            Some("name") => FleetOrder::Name,
            Some("substation") => FleetOrder::Substation,
            Some("date") => FleetOrder::LatestSample,
            _ => FleetOrder::Worst,
        },
        limit: filter.limit.clamp(1, MAX_PAGE),
        offset: filter.offset,
    }
}

/// Counts shown in the UI fit in 32 bits; saturate rather than wrap if one ever did not.
fn count<T: TryInto<u32>>(n: T) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}
