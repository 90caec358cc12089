//! The desktop shell: each command hands its work to `substation-app` (blocking work on a
//! blocking thread) and turns errors into `{code, message}`. Workbook bytes never cross IPC:
//! the web side sends a path and pages through what the Rust side parsed.

pub mod logging;
pub mod rendering;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use substation_app::{
    App, AppError, AppInfo, AssetView, CacheHistory, DuvalZones, ErrorView, ExportFormat,
    ExportResult, FieldChoice, FleetFilter, FleetPage, HeaderChoice, IssueView, LogEntryView,
    NewLogEntry, OpenProgress, OpenedWorkbook, ProfileTestView, ProfileView, ReportResult,
    RunEvent, RunRequest, RunSummary, Settings, SyncEvent, SyncStatusView, SyncSummary,
};
use tauri::ipc::Channel;
use tauri::{Builder, Emitter, Manager, Runtime, State};

type Shared = Arc<App>;
type Reply<T> = Result<T, ErrorView>;

/// An error on its way to the window, written to the log first (by code and message, which
/// never hold a token).
fn shown(error: AppError) -> ErrorView {
    let view = ErrorView::from(error);
    tracing::warn!(code = %view.code, message = %view.message, "error shown");
    view
}

/// Runs blocking work off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| shown(AppError::Internal(e.to_string())))?
        .map_err(shown)
}

#[tauri::command]
async fn app_info(app: State<'_, Shared>, system_language: String) -> Reply<AppInfo> {
    let app = app.inner().clone();
    blocking(move || app.info(&system_language)).await
}

#[tauri::command]
async fn save_settings(app: State<'_, Shared>, settings: Settings) -> Reply<Settings> {
    let app = app.inner().clone();
    blocking(move || app.save_settings(settings)).await
}

#[tauri::command]
async fn open_workbook(
    app: State<'_, Shared>,
    path: String,
    mapping: Vec<HeaderChoice>,
    blank_gas: Option<String>,
    on_progress: Channel<OpenProgress>,
) -> Reply<OpenedWorkbook> {
    let app = app.inner().clone();
    blocking(move || {
        // A closed channel (the window went away) only loses progress, never the import.
        let report = |p: OpenProgress| {
            let _ = on_progress.send(p);
        };
        app.open_workbook_cancellable(Path::new(&path), &mapping, blank_gas.as_deref(), &report)
    })
    .await
}

#[tauri::command]
fn cancel_open(app: State<'_, Shared>) -> bool {
    app.cancel_open()
}

#[tauri::command]
async fn import_issues(app: State<'_, Shared>, offset: u32, limit: u32) -> Reply<Vec<IssueView>> {
    Ok(app.issues(offset, limit))
}

#[tauri::command]
fn header_fields() -> Vec<FieldChoice> {
    App::header_fields()
}

#[tauri::command]
async fn fleet(app: State<'_, Shared>, filter: FleetFilter) -> Reply<FleetPage> {
    let app = app.inner().clone();
    blocking(move || app.fleet(&filter)).await
}

#[tauri::command]
async fn asset(app: State<'_, Shared>, id: String) -> Reply<AssetView> {
    let app = app.inner().clone();
    blocking(move || app.asset(&id)).await
}

/// Adds an entry to a transformer's logbook (stored and queued for sync); the UI then runs the
/// diagnosis of that transformer when the entry changes its history.
#[tauri::command]
async fn add_log_entry(app: State<'_, Shared>, entry: NewLogEntry) -> Reply<LogEntryView> {
    let app = app.inner().clone();
    blocking(move || app.add_log_entry(&entry)).await
}

#[tauri::command]
fn duval_zones() -> DuvalZones {
    App::duval_zones()
}

#[tauri::command]
async fn history(app: State<'_, Shared>) -> Reply<CacheHistory> {
    let app = app.inner().clone();
    blocking(move || app.history()).await
}

#[tauri::command]
async fn diagnose(
    app: State<'_, Shared>,
    request: RunRequest,
    on_event: Channel<RunEvent>,
) -> Reply<RunSummary> {
    let app = app.inner().clone();
    app.diagnose(&request, move |event| {
        let _ = on_event.send(event);
    })
    .await
    .map_err(shown)
}

#[tauri::command]
fn cancel_run(app: State<'_, Shared>) -> bool {
    app.cancel_run()
}

#[tauri::command]
async fn export_fleet(
    app: State<'_, Shared>,
    path: String,
    format: ExportFormat,
    filter: FleetFilter,
) -> Reply<ExportResult> {
    let app = app.inner().clone();
    blocking(move || app.export(&PathBuf::from(path), format, &filter)).await
}

/// A PDF report where the save dialog said, then opened in the system's PDF viewer: one
/// transformer (`asset`), or the fleet as `filter` selects it.
#[tauri::command]
async fn report<R: Runtime>(
    handle: tauri::AppHandle<R>,
    app: State<'_, Shared>,
    path: String,
    asset: Option<String>,
    filter: FleetFilter,
    lang: String,
) -> Reply<ReportResult> {
    use tauri_plugin_opener::OpenerExt as _;
    let app = app.inner().clone();
    let written =
        blocking(move || app.report(&PathBuf::from(path), asset.as_deref(), &filter, &lang))
            .await?;
    // The report is written; a computer with no PDF viewer only misses the opening.
    if let Err(error) = handle
        .opener()
        .open_path(written.path.clone(), None::<&str>)
    {
        tracing::warn!(%error, path = written.path, "the report could not be opened");
    }
    Ok(written)
}

#[tauri::command]
async fn profiles(app: State<'_, Shared>) -> Reply<Vec<ProfileView>> {
    let app = app.inner().clone();
    blocking(move || app.profiles()).await
}

/// A profile file the user chose in the open dialog: read, checked and kept.
#[tauri::command]
async fn add_profile(app: State<'_, Shared>, path: String) -> Reply<ProfileView> {
    let app = app.inner().clone();
    blocking(move || app.add_profile(Path::new(&path))).await
}

/// A kept profile written where the save dialog said (a `.toml` file only).
#[tauri::command]
async fn export_profile(app: State<'_, Shared>, sha256: String, path: String) -> Reply<()> {
    let app = app.inner().clone();
    blocking(move || app.export_profile(&sha256, &PathBuf::from(path))).await
}

#[tauri::command]
async fn remove_profile(app: State<'_, Shared>, sha256: String) -> Reply<()> {
    let app = app.inner().clone();
    blocking(move || app.remove_profile(&sha256)).await
}

/// One transformer through a profile (or the built-in contract): request, answer, summary.
#[tauri::command]
async fn test_profile(
    app: State<'_, Shared>,
    sha256: Option<String>,
    function: Option<String>,
    asset_id: String,
) -> Reply<ProfileTestView> {
    let app = app.inner().clone();
    app.test_profile(sha256, function, &asset_id)
        .await
        .map_err(shown)
}

#[tauri::command]
async fn sync_status(app: State<'_, Shared>) -> Reply<SyncStatusView> {
    let app = app.inner().clone();
    blocking(move || app.sync_status()).await
}

/// The token goes from the settings field straight to the OS credential store.
#[tauri::command]
async fn set_sync_token(app: State<'_, Shared>, token: String) -> Reply<SyncStatusView> {
    let app = app.inner().clone();
    blocking(move || app.set_sync_token(&token)).await
}

/// Rejected items back in the queue: these outbox rows, or all when `ids` is absent.
#[tauri::command]
async fn requeue_rejected(app: State<'_, Shared>, ids: Option<Vec<i64>>) -> Reply<SyncStatusView> {
    let app = app.inner().clone();
    blocking(move || app.requeue_rejected(ids)).await
}

/// Shows the log folder in the system's file manager.
#[tauri::command]
async fn open_log_folder<R: Runtime>(
    handle: tauri::AppHandle<R>,
    app: State<'_, Shared>,
) -> Reply<()> {
    use tauri_plugin_opener::OpenerExt as _;
    let Some(dir) = app.log_dir().map(Path::to_path_buf) else {
        return Err(shown(AppError::Internal("this app keeps no log".into())));
    };
    handle
        .opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| {
            shown(AppError::Write {
                path: dir.display().to_string(),
                message: e.to_string(),
            })
        })
}

#[tauri::command]
async fn forget_sync_token(app: State<'_, Shared>) -> Reply<SyncStatusView> {
    let app = app.inner().clone();
    blocking(move || app.forget_sync_token()).await
}

#[tauri::command]
async fn sync_now(app: State<'_, Shared>, on_event: Channel<SyncEvent>) -> Reply<SyncSummary> {
    let app = app.inner().clone();
    app.sync_now(move |event| {
        let _ = on_event.send(event);
    })
    .await
    .map_err(shown)
}

#[tauri::command]
fn cancel_sync(app: State<'_, Shared>) -> bool {
    app.cancel_sync()
}

/// The event the background sync's progress is emitted as (the UI's sync panel listens).
pub const BACKGROUND_SYNC_EVENT: &str = "background-sync";
/// A workbook a second launch handed over (its path); the window opens it.
pub const OPEN_FILE_EVENT: &str = "open-file";

/// The app launched again ("Open with" on another workbook, a second double-click): the
/// second process hands its arguments over and ends; this window comes to the front and opens
/// the workbook, if one was given.
fn second_launch<R: Runtime>(app: &tauri::AppHandle<R>, argv: Vec<String>, cwd: String) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    let file = argv.get(1).map(|arg| Path::new(&cwd).join(arg));
    match file {
        Some(file) if App::check_workbook_path(&file).is_ok() => {
            tracing::info!(file = %file.display(), "a second launch handed over a workbook");
            let _ = app.emit(OPEN_FILE_EVENT, file.display().to_string());
        }
        Some(file) => {
            tracing::info!(file = %file.display(), "a second launch named no workbook this app opens");
        }
        None => tracing::info!("a second launch: this window comes to the front"),
    }
}

/// The commands, on any runtime (the real one, or the mock one in tests).
pub fn app_builder<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        app_info,
        save_settings,
        open_workbook,
        cancel_open,
        import_issues,
        header_fields,
        fleet,
        asset,
        add_log_entry,
        duval_zones,
        history,
        diagnose,
        cancel_run,
        export_fleet,
        report,
        sync_status,
        set_sync_token,
        forget_sync_token,
        requeue_rejected,
        open_log_folder,
        sync_now,
        cancel_sync,
        profiles,
        add_profile,
        export_profile,
        remove_profile,
        test_profile,
    ])
}

/// The bundled sample fleet: `SUBSTATION_SAMPLE_FLEET`, the bundle's resource, or (when run
/// from a source checkout) the repository's sample.
fn sample_fleet<R: Runtime>(app: &tauri::App<R>) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SUBSTATION_SAMPLE_FLEET") {
        return Some(PathBuf::from(path));
    }
    let bundled = app
        .path()
        .resource_dir()
        .ok()
        .map(|dir| dir.join("samples").join("sample-fleet.xlsx"));
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/fleet-two-sheets.xlsx");
    bundled
        .filter(|p| p.is_file())
        .or_else(|| checkout.is_file().then_some(checkout))
}

pub fn run() {
    let result = app_builder(tauri::Builder::default())
        // First of all: a second launch hands its file to this one and ends there.
        .plugin(tauri_plugin_single_instance::init(second_launch))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let log_dir = logging::dir(app);
            if let Some(dir) = &log_dir {
                match logging::start(dir) {
                    Ok(guard) => logging::keep_until_exit(guard),
                    Err(error) => eprintln!("Substation Bulk keeps no log: {error}"),
                }
            }
            let data_dir = substation_store::default_data_dir();
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                data_dir = %data_dir.display(),
                "Substation Bulk starting"
            );
            let database = substation_store::default_database_path();
            let database_dir = database
                .parent()
                .map_or(data_dir.clone(), Path::to_path_buf);
            let mut core = App::new(data_dir, sample_fleet(app)).with_database_dir(database_dir);
            if let Some(dir) = log_dir {
                core = core.with_log_dir(dir);
            }
            // `substation-desktop FILE`, as the OS runs it for "Open with" on a workbook.
            if let Some(file) = std::env::args_os().nth(1).map(PathBuf::from)
                && App::check_workbook_path(&file).is_ok()
            {
                core.open_at_start(file);
            }
            if let Some(window) = app.get_webview_window("main") {
                rendering::adapt(&window);
            }
            let core = Arc::new(core);
            app.manage(core.clone());
            // Sync by itself when a server and a token are set; the window hears each sync.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(core.keep_in_sync(
                substation_app::AUTO_SYNC_EVERY,
                move |event| {
                    let _ = handle.emit(BACKGROUND_SYNC_EVENT, event);
                },
            ));
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(error) => {
            eprintln!("Substation Bulk could not start: {error}");
            std::process::exit(1);
        }
    };
    app.run(|_handle, event| match event {
        // The last lines reach the file before the process ends.
        tauri::RunEvent::Exit => logging::flush(),
        // macOS hands "Open with" (at launch, or to the running app) over as an event, not as
        // arguments.
        #[cfg(target_os = "macos")]
        tauri::RunEvent::Opened { urls } => {
            for path in urls.iter().filter_map(|url| url.to_file_path().ok()) {
                opened(_handle, path);
            }
        }
        _ => {}
    });
}

/// A workbook the system asked this app to open: opened at start if the window has not asked
/// yet, and handed to the window at once.
#[cfg(target_os = "macos")]
fn opened<R: Runtime>(app: &tauri::AppHandle<R>, path: PathBuf) {
    if App::check_workbook_path(&path).is_err() {
        return;
    }
    tracing::info!(file = %path.display(), "the system asked to open a workbook");
    if let Some(core) = app.try_state::<Shared>() {
        core.open_at_start(path.clone());
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
    let _ = app.emit(OPEN_FILE_EVENT, path.display().to_string());
}
