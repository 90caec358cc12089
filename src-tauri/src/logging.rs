//! The desktop app's log: one file a day in the platform's log folder (`SUBSTATION_LOG_DIR`
//! overrides it), the last two weeks kept, written off the UI's threads. What goes in is what
//! support needs to see why a background sync or a run failed (events of `substation-app` and
//! the errors the window was shown, by code and message); no token or credential is ever
//! logged: the token travels only from the settings field to the credential store.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tauri::{Manager, Runtime};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;

/// Log files are named `substation-bulk.YYYY-MM-DD.log`.
pub const FILE_PREFIX: &str = "substation-bulk";
/// Daily files kept.
const KEEP_FILES: usize = 14;

/// `SUBSTATION_LOG_DIR`, else the platform's folder for the app's logs (Linux:
/// `~/.local/share/<identifier>/logs`; macOS: `~/Library/Logs/<identifier>`; Windows:
/// `%LOCALAPPDATA%\<identifier>\logs`).
pub fn dir<R: Runtime>(app: &tauri::App<R>) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SUBSTATION_LOG_DIR") {
        return Some(PathBuf::from(dir));
    }
    app.path().app_log_dir().ok()
}

/// Starts writing the log into `dir`; the guard flushes it when the app ends. `RUST_LOG`
/// chooses what is written (`info` by default).
pub fn start(dir: &Path) -> Result<WorkerGuard, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| e.to_string())?;
    // A panic is written down before the process goes.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "the app panicked");
        previous(info);
    }));
    Ok(guard)
}

/// The writer's guard: while it lives, lines are written; dropping it writes what is queued.
static GUARD: Mutex<Option<WorkerGuard>> = Mutex::new(None);

/// Keeps the log writing until [`flush`].
pub fn keep_until_exit(guard: WorkerGuard) {
    if let Ok(mut slot) = GUARD.lock() {
        *slot = Some(guard);
    }
}

/// Writes what is queued and stops the log's writer: the app is ending (Tauri ends the process
/// without dropping what it manages).
pub fn flush() {
    tracing::info!("Substation Bulk exiting");
    if let Ok(mut slot) = GUARD.lock() {
        slot.take();
    }
}
