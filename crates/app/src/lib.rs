//! The desktop app's core, free of any UI toolkit: the Tauri shell in `src-tauri/` turns each
//! method into a command, and tests drive it directly.
//!
//! One [`App`] per process. Workbook parsing and store reads are blocking (the shell runs them
//! on a blocking thread); a diagnosis run is async and streams [`RunEvent`]s, coalesced to
//! about ten a second, to whatever sink the host gives it.

mod background;
pub mod bindings;
pub mod error;
mod error_code;
pub mod explain;
pub mod export;
mod file_name;
mod logbook;
mod open_sinks;
pub mod profiles;
mod report;
mod review;
pub mod run;
pub mod settings;
pub mod sync;
pub mod views;
mod workbook;

use std::path::{Path, PathBuf};

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use substation_import::Issue;
use substation_store::{FleetQuery, Store};
use tokio_util::sync::CancellationToken;

pub use error::{AppError, ErrorCode, ErrorView, Result};
pub use profiles::{ProfileTestView, ProfileView, SummaryView};
pub use settings::{EngineChoice, Language, Settings};
pub use sync::{AUTO_SYNC_EVERY, OsCredentialStore, TokenStore};
pub use views::*;

/// Extensions the app opens; anything else is refused before a byte is read.
pub const WORKBOOK_EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xlsb", "xls", "ods", "csv"];
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
    last_sync_error: Mutex<Option<ErrorCode>>,
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

/// Counts shown in the UI fit in 32 bits; saturate rather than wrap if one ever did not.
fn count<T: TryInto<u32>>(n: T) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}
