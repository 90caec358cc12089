//! The desktop app's core on real workbooks and a real SQLite file: open, preview, review,
//! diagnose (embedded, and Lambda through the real SDK against the test server), export.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use substation_app::{
    App, EngineChoice, ErrorCode, ExportFormat, FleetFilter, HeaderChoice, RunEvent, RunRequest,
    Settings,
};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples")
        .join(name)
}

fn app(dir: &Path) -> App {
    App::new(dir.to_owned(), Some(sample("fleet-two-sheets.xlsx")))
}

fn open(app: &App, path: &Path) -> substation_app::OpenedWorkbook {
    app.open_workbook(path, &[], &|_| {}, &AtomicBool::new(false))
        .expect("open")
}

fn all(batch: Option<i64>) -> FleetFilter {
    FleetFilter {
        batch_id: batch,
        limit: 1_000,
        ..FleetFilter::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs a diagnosis and collects every event it streamed.
fn diagnose(
    app: &App,
    request: RunRequest,
) -> (
    substation_app::Result<substation_app::RunSummary>,
    Vec<RunEvent>,
) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let result =
        runtime().block_on(app.diagnose(&request, move |e| sink.lock().expect("lock").push(e)));
    let events = std::mem::take(&mut *events.lock().expect("lock"));
    (result, events)
}

fn embedded(batch: Option<i64>) -> RunRequest {
    RunRequest {
        batch_id: batch,
        resume_run: None,
        engine: Some(EngineChoice::Embedded),
        asset_id: None,
        concurrency: None,
        reuse: false,
    }
}

#[test]
fn opening_the_sample_fleet_previews_and_stores_it_once() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let progress = Mutex::new(Vec::new());
    let opened = app
        .open_workbook(
            &sample("fleet-two-sheets.xlsx"),
            &[],
            &|p| progress.lock().expect("lock").push(p),
            &AtomicBool::new(false),
        )
        .expect("open");
    let progress = progress.into_inner().expect("lock");
    assert!(
        progress
            .iter()
            .any(|p| p.sheet == "Samples" && p.rows_read > 0),
        "reading reports progress: {progress:?}"
    );
    assert_eq!((opened.assets, opened.samples), (170, 2164));
    assert_eq!((opened.assets_new, opened.samples_new), (170, 2164));
    assert_eq!(opened.errors, 0);
    assert!(!opened.needs_mapping);
    assert_eq!(
        opened
            .sheets
            .iter()
            .map(|s| s.role.as_str())
            .collect::<Vec<_>>(),
        ["assets", "samples"]
    );
    assert!(opened.first_sample.as_deref() < opened.last_sample.as_deref());

    let again = open(&app, &sample("fleet-two-sheets.xlsx"));
    assert_eq!(
        (again.assets_new, again.samples_new, again.samples_updated),
        (0, 0, 0)
    );

    let page = app.fleet(&all(opened.batch_id)).expect("fleet");
    assert_eq!(page.total, 170);
    assert_eq!(page.rows.len(), 170);
    // Nothing diagnosed yet: every transformer counts as undiagnosed.
    assert_eq!(page.status_counts, [0, 0, 0, 170, 0]);
    assert_eq!(app.info("ko-KR").expect("info").cached_assets, 170);
    assert_eq!(app.info("ko-KR").expect("info").system_language, "ko");
}

#[test]
fn files_the_app_does_not_open_are_refused_with_a_code() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a workbook").expect("write");
    let error = app
        .open_workbook(&text, &[], &|_| {}, &AtomicBool::new(false))
        .expect_err("refused");
    assert_eq!(error.code(), ErrorCode::UnsupportedFile);
    let missing = app
        .open_workbook(
            &dir.path().join("gone.xlsx"),
            &[],
            &|_| {},
            &AtomicBool::new(false),
        )
        .expect_err("refused");
    assert_eq!(missing.code(), ErrorCode::UnreadableFile);
    let garbage = dir.path().join("garbage.xlsx");
    std::fs::write(&garbage, b"PK\x03\x04 not really a zip").expect("write");
    let error = app
        .open_workbook(&garbage, &[], &|_| {}, &AtomicBool::new(false))
        .expect_err("refused");
    assert!(
        error.code().as_str().starts_with("import."),
        "{}",
        error.code()
    );
    let view = substation_app::ErrorView::from(&error);
    assert!(
        view.message_ko.is_some(),
        "import errors come with Korean text"
    );
}

#[test]
fn a_messy_workbook_lists_its_issues_located_errors_first_and_pages_through_them() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let opened = open(&app, &sample("messy.xlsx"));
    assert!(opened.errors > 0 && opened.warnings > 0);
    assert_eq!(opened.issues_total, opened.errors + opened.warnings);
    let first_warning = opened
        .issues
        .iter()
        .position(|i| i.severity == "warning")
        .expect("a warning");
    assert!(
        opened.issues[..first_warning]
            .iter()
            .all(|i| i.severity == "error")
    );
    let located = opened
        .issues
        .iter()
        .find(|i| i.row.is_some() && i.column.is_some())
        .expect("an issue with a cell");
    assert!(!located.sheet.is_empty() && !located.message_ko.is_empty());
    // An issue on a row that was imported names its transformer; a row left out names none.
    let on_row = |row: u32| {
        opened
            .issues
            .iter()
            .find(|i| i.sheet == "Samples" && i.row == Some(row))
            .unwrap_or_else(|| panic!("an issue on row {row}"))
    };
    assert_eq!(on_row(30).severity, "warning");
    assert_eq!(on_row(30).asset_id.as_deref(), Some("TR-0008"));
    assert_eq!(on_row(52).asset_id.as_deref(), Some("TR-9999"));
    assert_eq!(on_row(8).severity, "error");
    assert_eq!(on_row(8).asset_id, None);
    assert_eq!(
        on_row(50).asset_id,
        None,
        "a duplicate merged into another row"
    );
    let paged = app.issues(1, 2);
    assert_eq!(paged.len(), 2.min(opened.issues_total as usize - 1));
    assert_eq!(paged[0].message_en, opened.issues[1].message_en);
}

#[test]
fn a_database_that_cannot_be_opened_fails_the_import_not_the_mapping_assistant() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    // A folder where the database file goes: the store cannot be opened.
    std::fs::create_dir_all(app.database_path()).expect("folder");
    let error = app
        .open_workbook(
            &sample("fleet-two-sheets.xlsx"),
            &[],
            &|_| {},
            &AtomicBool::new(false),
        )
        .expect_err("nowhere to store the samples");
    let view = substation_app::ErrorView::from(error);
    assert_eq!(
        view.code,
        ErrorCode::StoreDatabaseUnopenable,
        "{}",
        view.message
    );
    // A workbook whose headers need mapping stores nothing: the assistant still opens.
    let csv = dir.path().join("lab.csv");
    std::fs::write(&csv, "Unit,Drawn,Hydro\nTX-1,2024-01-10,12\n").expect("write");
    let opened = open(&app, &csv);
    assert!(opened.needs_mapping);
    assert_eq!(opened.batch_id, None);
}

#[test]
fn an_unknown_header_layout_asks_for_a_mapping_and_the_answer_is_remembered() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let csv = dir.path().join("lab.csv");
    std::fs::write(
        &csv,
        "Unit,Drawn,Hydro,Methane gas,Ethane gas,Ethylene gas,Acetylene gas\n\
         TX-1,2024-01-10,12,3,2,1,0\nTX-1,2024-07-10,30,9,4,3,0\n",
    )
    .expect("write");
    let first = open(&app, &csv);
    assert!(first.needs_mapping, "nothing usable without a mapping");
    assert_eq!(first.batch_id, None);
    let unrecognised: Vec<String> = first
        .sheets
        .iter()
        .flat_map(|s| s.unrecognised.clone())
        .collect();
    assert!(
        unrecognised.contains(&"Hydro".to_owned()),
        "{unrecognised:?}"
    );

    let choice = |header: &str, field: &str| HeaderChoice {
        header: header.into(),
        field: field.into(),
    };
    let mapping = [
        choice("Unit", "asset_id"),
        choice("Drawn", "sample_date"),
        choice("Hydro", "h2"),
    ];
    let fields: Vec<String> = App::header_fields().into_iter().map(|f| f.key).collect();
    for c in &mapping {
        assert!(fields.contains(&c.field), "{} is offered", c.field);
    }
    let mapped = app
        .open_workbook(&csv, &mapping, &|_| {}, &AtomicBool::new(false))
        .expect("open");
    assert!(!mapped.needs_mapping);
    assert_eq!((mapped.assets, mapped.samples), (1, 2));
    // Remembered for the same header row: no mapping needed the second time.
    let again = open(&app, &csv);
    assert_eq!((again.assets, again.samples), (1, 2));

    let unknown = app.open_workbook(
        &csv,
        &[choice("Hydro", "unobtainium")],
        &|_| {},
        &AtomicBool::new(false),
    );
    assert_eq!(
        unknown.expect_err("unknown field").code(),
        ErrorCode::InvalidSettings
    );
}

#[test]
fn a_transformer_view_has_its_history_duval_path_limits_and_a_preview_before_any_run() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let opened = open(&app, &sample("fleet-two-sheets.xlsx"));
    let first = app.fleet(&all(opened.batch_id)).expect("fleet").rows[0]
        .asset_id
        .clone();
    let view = app.asset(&first).expect("asset");
    assert_eq!(view.nameplate.id, first);
    assert!(!view.samples.is_empty());
    assert_eq!(view.duval.len(), view.samples.len());
    assert_eq!(view.gases.len(), 9);
    assert!(
        view.samples
            .iter()
            .all(|s| s.gases.len() == 9 && s.row >= 2)
    );
    assert!(view.samples.windows(2).all(|w| w[0].date <= w[1].date));
    assert!(
        view.limits
            .iter()
            .any(|l| l.gas == "H2" && l.table1_ppm > 0.0 && l.table2_ppm >= l.table1_ppm)
    );
    assert!(view.diagnosis.is_none() && view.history.is_empty());
    let preview = view.preview.expect("a preview before any run");
    assert!(!preview.rules.is_empty() && !preview.action.is_empty());
    for point in view.duval.iter().filter_map(|p| p.triangle_1) {
        assert!((point.iter().sum::<f64>() - 100.0).abs() < 1e-6);
    }
    assert_eq!(
        app.asset("NO-SUCH").expect_err("missing").code(),
        ErrorCode::NoSuchAsset
    );

    let zones = App::duval_zones();
    assert_eq!(zones.triangle_1.len(), 7);
    assert_eq!(zones.pentagon_1.len(), 7);
    assert_eq!(zones.pentagon_outline.len(), 5);
}

#[test]
fn an_embedded_run_streams_coalesced_progress_and_every_outcome_once() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let opened = open(&app, &sample("fleet-two-sheets.xlsx"));
    let pending_before = app.history().expect("history").outbox_pending;
    let (summary, events) = diagnose(&app, embedded(opened.batch_id));
    let summary = summary.expect("run");
    assert_eq!(
        (summary.ending.as_str(), summary.diagnosed, summary.failed),
        ("finished", 170, 0)
    );

    let mut outcomes = Vec::new();
    let mut progress_messages = 0;
    for event in &events[..events.len() - 1] {
        match event {
            RunEvent::Progress {
                outcomes: landed, ..
            } => {
                progress_messages += 1;
                outcomes.extend(landed.iter().map(|o| o.asset_id.clone()));
            }
            RunEvent::Finished { .. } => panic!("finished before the end"),
        }
    }
    assert!(
        matches!(events.last(), Some(RunEvent::Finished { summary: s }) if s.run_id == summary.run_id)
    );
    outcomes.sort();
    outcomes.dedup();
    assert_eq!(
        outcomes.len(),
        170,
        "each transformer's outcome streamed once"
    );
    // Coalesced: about ten messages a second, however many results landed.
    let allowed = (summary.seconds * 10.0).ceil() as usize + 2;
    assert!(
        progress_messages <= allowed,
        "{progress_messages} messages in {:.2} s",
        summary.seconds
    );
    let last_counts = events.iter().rev().find_map(|e| match e {
        RunEvent::Progress { counts, .. } => Some(counts.clone()),
        _ => None,
    });
    assert_eq!(last_counts.map(|c| (c.done, c.total)), Some((170, 170)));

    let page = app.fleet(&all(opened.batch_id)).expect("fleet");
    assert_eq!(page.status_counts.iter().take(3).sum::<u32>(), 170);
    assert_eq!(page.status_counts[3], 0);
    // Worst first.
    let ranks: Vec<u8> = page
        .rows
        .iter()
        .map(|r| severity_rank(r.severity.as_deref()))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
    let worst = app.asset(&page.rows[0].asset_id).expect("asset");
    let explained = worst.diagnosis.expect("stored diagnosis");
    assert!(worst.preview.is_none());
    assert_eq!(worst.history.len(), 1);
    assert_eq!(
        Some(explained.severity.as_str()),
        page.rows[0].severity.as_deref()
    );
    assert_eq!(explained.methods.len(), 11);

    let history = app.history().expect("history");
    assert_eq!(history.runs.len(), 1);
    assert_eq!((history.runs[0].succeeded, history.runs[0].owed), (170, 0));
    assert_eq!(history.runs[0].batch_id, opened.batch_id);
    assert_eq!(history.batches.len(), 1);
    assert_eq!(history.batches[0].assets, 170);
    assert_eq!(history.cached_assets, 170);
    // Each diagnosis waits in the sync outbox.
    assert_eq!(history.outbox_pending - pending_before, 170);
}

fn severity_rank(severity: Option<&str>) -> u8 {
    match severity {
        Some("critical") => 4,
        Some("warning") => 3,
        Some("caution") => 2,
        Some("normal") => 1,
        _ => 0,
    }
}

#[test]
fn the_fleet_table_filters_searches_and_sorts() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let opened = open(&app, &sample("fleet-two-sheets.xlsx"));
    diagnose(&app, embedded(opened.batch_id)).0.expect("run");
    let status_3 = app
        .fleet(&FleetFilter {
            status: Some(3),
            ..all(None)
        })
        .expect("filter");
    assert!(status_3.total > 0 && status_3.rows.iter().all(|r| r.ieee_status == Some(3)));
    let by_id = app
        .fleet(&FleetFilter {
            sort: Some("id".into()),
            ..all(None)
        })
        .expect("sorted");
    assert!(by_id.rows.windows(2).all(|w| w[0].asset_id < w[1].asset_id));
    let one = by_id.rows[7].asset_id.clone();
    let found = app
        .fleet(&FleetFilter {
            search: Some(format!("  {one} ")),
            ..all(None)
        })
        .expect("search");
    assert!(found.rows.iter().any(|r| r.asset_id == one));
    let page = app
        .fleet(&FleetFilter {
            sort: Some("id".into()),
            offset: 20,
            limit: 10,
            ..FleetFilter::default()
        })
        .expect("page");
    assert_eq!(
        page.rows
            .iter()
            .map(|r| r.asset_id.clone())
            .collect::<Vec<_>>(),
        by_id.rows[20..30]
            .iter()
            .map(|r| r.asset_id.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(page.total, 170);

    // A second click on a column reverses it.
    let reversed = app
        .fleet(&FleetFilter {
            sort: Some("id".into()),
            reverse: true,
            ..all(None)
        })
        .expect("reversed");
    assert!(
        reversed
            .rows
            .windows(2)
            .all(|w| w[0].asset_id > w[1].asset_id)
    );
    // Status 0: the transformers not diagnosed yet; none after the run, and the chips agree.
    assert_eq!(page.status_counts[3], 0);
    let counted: u32 = page.status_counts[..3].iter().sum();
    assert_eq!(counted, 170);
    let none = app
        .fleet(&FleetFilter {
            status: Some(0),
            ..all(None)
        })
        .expect("undiagnosed");
    assert_eq!(none.total, 0);
}

#[test]
fn before_any_run_every_transformer_is_listed_as_not_diagnosed() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let opened = open(&app, &sample("fleet-two-sheets.xlsx"));
    let undiagnosed = app
        .fleet(&FleetFilter {
            status: Some(0),
            ..all(opened.batch_id)
        })
        .expect("undiagnosed");
    assert_eq!(undiagnosed.total, 170);
    assert_eq!(undiagnosed.status_counts, [0, 0, 0, 170, 0]);
}

/// The niceness of the calling thread (Linux: field 19 of /proc/thread-self/stat).
#[cfg(target_os = "linux")]
fn niceness() -> i64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("stat");
    // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    after
        .split(' ')
        .nth(16)
        .and_then(|n| n.parse().ok())
        .expect("nice")
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_works_below_the_window_priority() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let opened = open(&app, &sample("fleet-two-sheets.xlsx"));
    let caller = niceness();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let summary = runtime()
        .block_on(app.diagnose(&embedded(opened.batch_id), move |_| {
            record.lock().expect("lock").push(niceness());
        }))
        .expect("run");
    assert_eq!(summary.diagnosed, 170);
    let seen = seen.lock().expect("lock");
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|n| *n > caller),
        "progress came from threads at niceness {seen:?}, the caller is at {caller}"
    );
    assert!(
        seen.iter().all(|n| *n == 10),
        "runs go below normal but not to the bottom (niceness 10): {seen:?}"
    );
    assert_eq!(niceness(), caller, "the caller's own priority is untouched");
}

#[test]
fn only_one_run_at_a_time() {
    let dir = tempfile::tempdir().expect("dir");
    let app = Arc::new(app(dir.path()));
    open(&app, &sample("fleet-two-sheets.xlsx"));
    let rt = runtime();
    rt.block_on(async {
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let started_tx = Mutex::new(Some(started_tx));
        let first = {
            let app = app.clone();
            async move {
                app.diagnose(&embedded(None), move |_| {
                    if let Some(tx) = started_tx.lock().expect("lock").take() {
                        let _ = tx.send(());
                    }
                })
                .await
            }
        };
        let settings_file = dir.path().join("settings.json");
        let second = async {
            let _ = started_rx.await;
            // Moving the database during a run is refused, and the file is left as it was.
            let before = std::fs::read(&settings_file).ok();
            let mut moved = app.settings();
            moved.database_path = Some(dir.path().join("elsewhere.sqlite").display().to_string());
            let refused = app.save_settings(moved);
            assert_eq!(refused.expect_err("busy").code(), ErrorCode::RunInProgress);
            assert_eq!(
                std::fs::read(&settings_file).ok(),
                before,
                "nothing written"
            );
            assert_eq!(app.settings().database_path, None);
            app.diagnose(&embedded(None), |_| {}).await
        };
        let (first, second) = tokio::join!(first, second);
        assert!(first.is_ok());
        assert_eq!(second.expect_err("busy").code(), ErrorCode::RunInProgress);
    });
    // The slot is free again once the run ended.
    assert!(!app.cancel_run());
    assert!(diagnose(&app, embedded(None)).0.is_ok());
}

#[test]
fn settings_persist_are_checked_and_a_broken_file_falls_back_to_defaults() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let mut settings = app.settings();
    assert_eq!(settings.engine, EngineChoice::Embedded);
    settings.engine = EngineChoice::Lambda;
    settings.aws_profile = Some("  field-sso ".into());
    settings.aws_region = Some("".into());
    settings.concurrency = Some(200);
    let saved = app.save_settings(settings).expect("save");
    assert_eq!(saved.aws_profile.as_deref(), Some("field-sso"));
    assert_eq!(saved.aws_region, None);
    let reopened = App::new(dir.path().to_owned(), None);
    assert_eq!(reopened.settings(), saved);

    for bad in [
        Settings {
            concurrency: Some(0),
            ..Settings::default()
        },
        Settings {
            concurrency: Some(5_000),
            ..Settings::default()
        },
        Settings {
            timeout_seconds: 901,
            ..Settings::default()
        },
        Settings {
            endpoint_url: Some("localhost:9001".into()),
            ..Settings::default()
        },
        Settings {
            function_name: " ".into(),
            ..Settings::default()
        },
    ] {
        assert_eq!(
            reopened.save_settings(bad).expect_err("refused").code(),
            ErrorCode::InvalidSettings
        );
    }
    assert_eq!(
        App::new(dir.path().to_owned(), None).settings(),
        saved,
        "refused settings are not saved"
    );

    std::fs::write(dir.path().join("settings.json"), "{ not json").expect("write");
    let broken = App::new(dir.path().to_owned(), None);
    assert_eq!(broken.settings(), Settings::default());
    assert!(broken.info("en").expect("info").settings_problem.is_some());
}

#[test]
fn a_database_location_in_the_settings_is_used_at_once() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let elsewhere = dir.path().join("shared").join("fleet.sqlite3");
    app.save_settings(Settings {
        database_path: Some(elsewhere.display().to_string()),
        ..Settings::default()
    })
    .expect("save");
    open(&app, &sample("fleet-two-sheets.xlsx"));
    assert!(elsewhere.is_file());
    assert!(!dir.path().join("substation.sqlite3").exists());
}

#[test]
fn the_fleet_exports_to_xlsx_and_csv_in_full() {
    use calamine::Reader;
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    open(&app, &sample("fleet-two-sheets.xlsx"));
    diagnose(&app, embedded(None)).0.expect("run");
    let filter = FleetFilter::default();
    let csv_path = dir.path().join("fleet.csv");
    let written = app
        .export(&csv_path, ExportFormat::Csv, &filter)
        .expect("csv");
    assert_eq!(written.rows, 170);
    let text = std::fs::read_to_string(&csv_path).expect("read");
    assert_eq!(text.lines().count(), 171);
    // The byte-order mark makes Excel on Korean Windows read the file as UTF-8, not CP949.
    assert!(text.starts_with("\u{feff}Asset ID,Name,Substation"));

    let xlsx_path = dir.path().join("fleet.xlsx");
    app.export(&xlsx_path, ExportFormat::Xlsx, &filter)
        .expect("xlsx");
    let mut workbook = calamine::open_workbook_auto(&xlsx_path).expect("open xlsx");
    let range = workbook.worksheet_range("Fleet").expect("sheet");
    assert_eq!(range.height(), 171);
    let first = app
        .fleet(&FleetFilter {
            limit: 1,
            ..filter.clone()
        })
        .expect("fleet")
        .rows[0]
        .clone();
    assert_eq!(
        range.get((1, 0)).map(|c| c.to_string()),
        Some(first.asset_id)
    );
    assert_eq!(
        range.get((1, 4)).and_then(calamine::DataType::get_float),
        first.ieee_status.map(f64::from)
    );

    // Only a file named for its format: not the database, not a workbook of another kind.
    for wrong in ["substation.sqlite3", "fleet.xls", "fleet.csv"] {
        let error = app
            .export(&dir.path().join(wrong), ExportFormat::Xlsx, &filter)
            .expect_err(wrong);
        assert_eq!(error.code(), ErrorCode::ExportName, "{wrong}");
    }

    // Exporting again over the same files replaces them whole, with nothing left beside.
    let again = app
        .export(&csv_path, ExportFormat::Csv, &filter)
        .expect("again");
    assert_eq!(again.rows, 170);
    assert_eq!(std::fs::read_to_string(&csv_path).expect("read"), text);
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

/// Windows refuses to replace a workbook that Excel has open (Excel shares reading only):
/// the export fails with its own code, and the open file is left as it was.
#[cfg(windows)]
#[test]
fn an_export_over_a_workbook_open_in_excel_says_so_and_keeps_it() {
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_SHARE_READ: u32 = 1;
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    open(&app, &sample("fleet-two-sheets.xlsx"));
    let path = dir.path().join("지난주 fleet.xlsx");
    app.export(&path, ExportFormat::Xlsx, &FleetFilter::default())
        .expect("first export");
    let before = std::fs::read(&path).expect("read");
    let excel = std::fs::OpenOptions::new()
        .read(true)
        .share_mode(FILE_SHARE_READ)
        .open(&path)
        .expect("hold");
    let error = app
        .export(&path, ExportFormat::Xlsx, &FleetFilter::default())
        .expect_err("held by Excel");
    assert_eq!(error.code(), ErrorCode::FileInUse, "{error}");
    assert!(error.to_string().contains("지난주 fleet.xlsx"), "{error}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
    drop(excel);
    app.export(&path, ExportFormat::Xlsx, &FleetFilter::default())
        .expect("closed in Excel");
}

/// The Lambda engine through the app: settings give the endpoint; credentials come from the
/// environment, so this runs in a child process that has them (a test cannot set its own
/// environment safely).
#[test]
fn a_lambda_run_and_a_cancel_then_resume_through_the_app() {
    in_child_with_aws_credentials("lambda_child");
}

/// Runs the ignored test `child` in a child process whose environment holds static AWS
/// credentials (and no AWS files), in a data directory of its own.
fn in_child_with_aws_credentials(child: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", child, "--nocapture"])
        .env("SUBSTATION_APP_CHILD_DIR", dir.path())
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_CONFIG_FILE", dir.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .status()
        .expect("child");
    assert!(status.success(), "the child test failed");
    // The child really ran: it left its database behind.
    assert!(dir.path().join("substation.sqlite3").is_file());
}

#[test]
#[ignore = "run by a_lambda_run_and_a_cancel_then_resume_through_the_app in a child process"]
fn lambda_child() {
    let Some(dir) = std::env::var_os("SUBSTATION_APP_CHILD_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let app = Arc::new(app(&dir));
    let opened = open(&app, &sample("fleet-two-sheets.xlsx"));
    let rt = runtime();
    rt.block_on(async {
        let server =
            substation_lambda_testserver::TestLambda::start(substation_lambda_testserver::Config {
                latency: Duration::from_millis(150),
                ..Default::default()
            })
            .await
            .expect("server");
        let settings = Settings {
            engine: EngineChoice::Lambda,
            endpoint_url: Some(server.endpoint()),
            function_name: server.function_name().to_owned(),
            concurrency: Some(8),
            ..Settings::default()
        };
        app.save_settings(settings).expect("settings");
        let request = RunRequest {
            batch_id: opened.batch_id,
            resume_run: None,
            engine: None,
            asset_id: None,
            concurrency: None,
            reuse: false,
        };
        // Cancel once some results have landed.
        let canceller = app.clone();
        let summary = app
            .diagnose(&request, move |event| {
                if let RunEvent::Progress { counts, .. } = event
                    && counts.done >= 16
                {
                    canceller.cancel_run();
                }
            })
            .await
            .expect("run");
        assert_eq!(summary.ending, "cancelled");
        assert!(
            summary.diagnosed >= 16 && summary.not_run > 0,
            "{summary:?}"
        );
        let owed = app.history().expect("history").runs[0].owed;
        assert_eq!(owed, summary.not_run);

        let resumed = app
            .diagnose(
                &RunRequest {
                    resume_run: Some(summary.run_id),
                    ..request
                },
                |_| {},
            )
            .await
            .expect("resume");
        assert_eq!(
            (resumed.ending.as_str(), resumed.diagnosed),
            ("finished", owed)
        );
        let stats = server.stats();
        assert!(
            stats.invocations_per_asset.values().all(|n| *n == 1),
            "each transformer invoked once"
        );
        assert_eq!(stats.invocations_per_asset.len(), 170);
    });
    let page = app.fleet(&all(opened.batch_id)).expect("fleet");
    assert_eq!(page.status_counts[3], 0, "every transformer diagnosed");

    // An engine that cannot be reached is a clear error, not a hang.
    app.save_settings(Settings {
        engine: EngineChoice::Lambda,
        endpoint_url: Some("http://127.0.0.1:9".into()),
        timeout_seconds: 5,
        ..Settings::default()
    })
    .expect("settings");
    let (result, _) = diagnose(
        &app,
        RunRequest {
            batch_id: opened.batch_id,
            resume_run: None,
            engine: None,
            asset_id: None,
            concurrency: Some(2),
            reuse: false,
        },
    );
    let summary = result.expect("the run itself ends");
    assert!(
        summary.failed > 0 || summary.ending == "stopped",
        "{summary:?}"
    );
}

#[test]
fn runs_pulled_from_other_laptops_are_finished_owe_nothing_and_name_their_laptop() {
    use substation_sync_protocol::{
        Change, ChangesPage, DiagnosisChange, Item, RemoteChange, RunInfo,
    };
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let request = substation_dga::DiagnosisRequest::new(
        substation_dga::Asset::new("FAR-1"),
        vec![substation_dga::Sample::new(
            chrono::NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"),
            substation_dga::GasReadings::default().with(substation_dga::Gas::H2, 700.0),
        )],
    );
    let diagnosis = substation_dga::diagnose(&request).expect("diagnosis");
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    serde_json::to_writer(&mut deflate, &diagnosis).expect("json");
    let now = chrono::Utc::now();
    let change = DiagnosisChange {
        diagnosis_id: uuid::Uuid::now_v7(),
        asset_id: "FAR-1".into(),
        run: RunInfo {
            run_id: uuid::Uuid::now_v7(),
            engine: "embedded".into(),
            function_name: None,
            started_at: now,
        },
        request_sha256: substation_store::request_sha256(&request).expect("hash"),
        engine_version: diagnosis.engine.version.clone(),
        latest_sample_date: Some(diagnosis.latest_sample_date),
        ieee_status: Some(diagnosis.ieee_c57_104_2019.status.number()),
        iec_state: Some(diagnosis.iec_60599.state.label().into()),
        fault: Some(diagnosis.fault.label().into()),
        severity: Some(diagnosis.severity.label().into()),
        created_at: now,
        response_deflate: deflate.finish().expect("deflate"),
        profile: None,
        fault_label: None,
        score: None,
        action: None,
        headline: None,
    };
    app.store()
        .expect("store")
        .apply_changes(ChangesPage {
            changes: vec![RemoteChange {
                origin: "laptop-a".into(),
                item: Item {
                    id: uuid::Uuid::now_v7(),
                    change: Change::Diagnosis(change),
                },
            }],
            next_cursor: "c1-1".into(),
            more: false,
        })
        .expect("pull");
    let history = app.history().expect("history");
    assert_eq!(history.runs.len(), 1);
    let run = &history.runs[0];
    assert_eq!(run.origin.as_deref(), Some("laptop-a"));
    assert_eq!(
        (run.state.as_str(), run.succeeded, run.failed, run.owed),
        ("finished", 1, 0, 0)
    );
    assert_eq!(history.outbox_pending, 0, "nothing echoes back");
    let fleet = app.fleet(&all(None)).expect("fleet");
    assert_eq!(fleet.rows.len(), 1);
}

#[test]
fn opening_a_workbook_can_be_cancelled_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    assert!(!app.cancel_open(), "nothing is being opened");
    let reports = Mutex::new(0);
    // Cancelled from the progress report, as the Cancel button does while rows are read.
    let result =
        app.open_workbook_cancellable(&sample("fleet-two-sheets.xlsx"), &[], None, &|_| {
            *reports.lock().expect("lock") += 1;
            assert!(app.cancel_open(), "an open is going");
        });
    let error = substation_app::ErrorView::from(result.expect_err("cancelled"));
    assert_eq!(error.code, ErrorCode::ImportCancelled);
    assert!(*reports.lock().expect("lock") >= 1);
    let history = app.history().expect("history");
    assert!(history.batches.is_empty(), "nothing was stored");
    assert_eq!(history.cached_assets, 0);
    assert!(!app.cancel_open(), "the finished open is forgotten");

    // The next open is not affected.
    let opened = app
        .open_workbook_cancellable(&sample("fleet-two-sheets.xlsx"), &[], None, &|_| {})
        .expect("open");
    assert_eq!(opened.assets, 170);
}

/// 200 transformers × 100 samples: enough rows that samples reach the store's writer while
/// the workbook is still being read.
fn big_workbook(dir: &Path) -> PathBuf {
    let big = dir.join("big.xlsx");
    substation_samplegen::big::run(&big, 200, 100, 7, false).expect("workbook");
    big
}

/// No import, no transformer and nothing for the outbox in the cache.
fn assert_nothing_stored(app: &App) {
    let history = app.history().expect("history");
    assert!(history.batches.is_empty(), "no import recorded");
    assert_eq!(history.cached_assets, 0, "no transformer half-stored");
    assert_eq!(history.outbox_pending, 0, "nothing queued for sync");
}

#[test]
fn a_cancel_after_samples_went_to_the_store_stores_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let big = big_workbook(dir.path());
    // Cancelled once 12,000 rows are read: by then the store's writer has inserted samples
    // (they go to it 4,096 at a time) inside the import that the cancel rolls back.
    let result = app.open_workbook_cancellable(&big, &[], None, &|p| {
        if p.rows_read >= 12_000 {
            app.cancel_open();
        }
    });
    let error = substation_app::ErrorView::from(result.expect_err("cancelled"));
    assert_eq!(error.code, ErrorCode::ImportCancelled);
    assert_nothing_stored(&app);

    let opened = app
        .open_workbook_cancellable(&big, &[], None, &|_| {})
        .expect("open");
    assert_eq!((opened.assets, opened.samples), (200, 20_000));
    assert_eq!((opened.assets_new, opened.samples_new), (200, 20_000));
}

#[test]
fn a_store_that_fails_while_the_workbook_is_read_stores_nothing_and_the_next_open_stores_all() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let big = big_workbook(dir.path());
    // The cache exists; then the disk "fills" once 6,000 samples are in: the writer fails
    // in the middle of the read, with samples of this import already inserted.
    app.history().expect("the cache is created");
    let side = rusqlite::Connection::open(app.database_path()).expect("side connection");
    side.execute_batch(
        "CREATE TRIGGER full_disk BEFORE INSERT ON sample WHEN (SELECT count(*) FROM sample) >= 6000
         BEGIN SELECT RAISE(ABORT, 'simulated: database or disk is full'); END;",
    )
    .expect("trigger");
    let reports = Mutex::new(0_u32);
    let result = app.open_workbook_cancellable(&big, &[], None, &|p| {
        let mut last = reports.lock().expect("lock");
        *last = (*last).max(p.rows_read);
    });
    let view = substation_app::ErrorView::from(result.expect_err("the store failed"));
    assert_eq!(view.code, ErrorCode::StoreDatabaseError, "{}", view.message);
    assert!(view.message.contains("disk is full"), "{}", view.message);
    assert!(
        *reports.lock().expect("lock") >= 6_000,
        "the store failed while rows were read"
    );
    assert_nothing_stored(&app);
    assert_eq!(stored_samples(&side), 0, "no sample half-stored");

    // Space again: the same workbook stores whole, every row new.
    side.execute_batch("DROP TRIGGER full_disk").expect("drop");
    let opened = app
        .open_workbook_cancellable(&big, &[], None, &|_| {})
        .expect("open");
    assert_eq!((opened.assets_new, opened.samples_new), (200, 20_000));
    assert_eq!(stored_samples(&side), 20_000);
}

fn stored_samples(db: &rusqlite::Connection) -> i64 {
    db.query_row("SELECT count(*) FROM sample", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn the_preview_reports_blank_gas_cells_and_the_reading_chosen_is_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let csv = dir.path().join("lab.csv");
    std::fs::write(
        &csv,
        "Asset ID,Date sampled,H2 (ppm),CH4 (ppm),C2H6 (ppm),C2H4 (ppm),C2H2 (ppm),CO (ppm),CO2 (ppm)\n\
         T-1,2024-01-01,12,6,4,3,0.5,300,2400\n\
         T-2,2024-01-01,12,6,4,3,,300,2400\n",
    )
    .expect("write");
    let cancel = AtomicBool::new(false);
    let first = app
        .open_workbook_with(&csv, &[], None, &|_| {}, &cancel)
        .expect("open");
    assert_eq!(
        (first.blank_gas.as_str(), first.blank_gas_chosen_by.as_str()),
        ("not_measured", "default")
    );
    assert_eq!(first.blank_gas_columns.len(), 1);
    let column = &first.blank_gas_columns[0];
    assert_eq!(
        (
            column.gas.as_str(),
            column.column.as_str(),
            column.blank,
            column.values
        ),
        ("C2H2", "G", 1, 1)
    );
    // The reader switches to "not detected": T-2's sample changes in the cache.
    let told = app
        .open_workbook_with(&csv, &[], Some("not_detected"), &|_| {}, &cancel)
        .expect("open");
    assert_eq!(
        (told.blank_gas.as_str(), told.blank_gas_chosen_by.as_str()),
        ("not_detected", "option")
    );
    assert_eq!(told.samples_updated, 1, "{told:?}");
    // Reopened later, the remembered reading applies.
    let later = open(&app, &csv);
    assert_eq!(
        (later.blank_gas.as_str(), later.blank_gas_chosen_by.as_str()),
        ("not_detected", "remembered")
    );
    let error = app
        .open_workbook_with(&csv, &[], Some("zero"), &|_| {}, &cancel)
        .expect_err("not a reading");
    assert_eq!(
        substation_app::ErrorView::from(error).code,
        ErrorCode::InvalidSettings
    );
}

#[test]
fn a_csv_export_never_hands_a_formula_to_the_spreadsheet() {
    let dir = tempfile::tempdir().expect("dir");
    let app = app(dir.path());
    let lab = dir.path().join("names.csv");
    std::fs::write(
        &lab,
        "Asset ID,Name,Substation,Date sampled,H2 (ppm),CH4 (ppm),C2H6 (ppm),C2H4 (ppm),C2H2 (ppm),CO (ppm),CO2 (ppm)\n\
         T-1,\"=HYPERLINK(\"\"http://example.com\"\",\"\"open\"\")\",+North,2024-01-10,12,6,4,3,0,300,2400\n\
         T-2,@SUM(A1),-South,2024-01-10,12,6,4,3,0,300,2400\n\
         T-3,Plain name,East,2024-01-10,12,6,4,3,0,300,2400\n",
    )
    .expect("write");
    open(&app, &lab);
    let out = dir.path().join("fleet.csv");
    app.export(&out, ExportFormat::Csv, &FleetFilter::default())
        .expect("csv");
    let mut reader = csv::Reader::from_path(&out).expect("csv back");
    let mut names = Vec::new();
    for record in reader.records() {
        let record = record.expect("record");
        names.push((record[1].to_owned(), record[2].to_owned()));
    }
    names.sort();
    assert_eq!(
        names,
        [
            (
                "'=HYPERLINK(\"http://example.com\",\"open\")".to_owned(),
                "'+North".to_owned()
            ),
            ("'@SUM(A1)".to_owned(), "'-South".to_owned()),
            ("Plain name".to_owned(), "East".to_owned()),
        ]
    );
}

/// A team's own function through its profile, as the desktop drives it: the profile added
/// from its file and chosen in the settings, tried on one transformer, the fleet diagnosed
/// (the real Python handler on the Lambda test server's worker pool, the real AWS SDK), the
/// custom results in the fleet table and the transformer view, and the profile kept while
/// answers need it. In a child process, for the AWS credentials.
#[test]
fn a_teams_own_function_runs_through_a_profile_chosen_in_the_settings() {
    in_child_with_aws_credentials("byo_child");
}

#[test]
#[ignore = "run by a_teams_own_function_runs_through_a_profile_chosen_in_the_settings in a child process"]
fn byo_child() {
    let Some(dir) = std::env::var_os("SUBSTATION_APP_CHILD_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let app = app(&dir);
    let opened = open(&app, &sample("fleet-two-sheets.xlsx"));
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/python-lambda/seed_ai");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt
        .block_on(substation_lambda_testserver::TestLambda::start(
            substation_lambda_testserver::Config {
                function_name: "seed-ai".into(),
                python: Some(substation_lambda_testserver::PythonHandler::new(
                    example.join("handler.py"),
                    4,
                )),
                ..Default::default()
            },
        ))
        .expect("server");

    // A file that is not a profile is refused with the profile's own code.
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "name = \"x\"\n[answer]\nseverity = '.['\n").expect("write");
    let error = app.add_profile(&broken).expect_err("not a profile");
    assert_eq!(error.code(), ErrorCode::ProfileFilter);

    let added = app
        .add_profile(&example.join("profile.toml"))
        .expect("profile added");
    assert_eq!(added.name, "seed-ai");
    assert_eq!(added.function.as_deref(), Some("seed-ai"));
    assert_eq!(app.profiles().expect("profiles"), vec![added.clone()]);
    app.save_settings(Settings {
        engine: EngineChoice::Lambda,
        endpoint_url: Some(server.endpoint()),
        function_profile: Some(added.sha256.clone()),
        // As Settings fills it in when the profile is chosen.
        function_name: added
            .function
            .clone()
            .expect("the profile names its function"),
        concurrency: Some(8),
        ..Settings::default()
    })
    .expect("settings");

    // "Test on one transformer": each step's result.
    let test = rt
        .block_on(app.test_profile(Some(added.sha256.clone()), None, "TR-0024"))
        .expect("test");
    assert_eq!(test.failed_step, None, "{test:?}");
    assert_eq!(test.function, "seed-ai");
    let request: serde_json::Value =
        serde_json::from_str(test.request_json.as_deref().expect("request")).expect("json");
    assert_eq!(request["equipment_id"], "TR-0024");
    assert!(
        test.answer_json
            .as_deref()
            .is_some_and(|a| a.starts_with("{\"status\": 200")),
        "the answer as the function wrote it: {test:?}"
    );
    let summary = test.summary.expect("summary");
    assert_eq!(summary.fault_label.as_deref(), Some("Arcing"));
    assert_eq!(summary.profile.as_deref(), Some("seed-ai"));

    let (result, events) = {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        let result = rt.block_on(app.diagnose(
            &RunRequest {
                batch_id: opened.batch_id,
                resume_run: None,
                engine: None,
                asset_id: None,
                concurrency: None,
                reuse: false,
            },
            move |e| sink.lock().expect("lock").push(e),
        ));
        let events = std::mem::take(&mut *events.lock().expect("lock"));
        (result, events)
    };
    let summary = result.expect("run");
    assert_eq!((summary.diagnosed, summary.failed), (170, 0), "{summary:?}");
    // The live outcomes carry the function's label and the profile, no IEEE status.
    let outcomes: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Progress { outcomes, .. } => Some(outcomes.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(outcomes.len(), 170);
    assert!(
        outcomes
            .iter()
            .all(|o| o.profile.as_deref() == Some("seed-ai")
                && o.fault_label.is_some()
                && o.ieee_status.is_none())
    );

    // The fleet, worst first by the mapped severity, with the function's own labels.
    let page = app.fleet(&all(opened.batch_id)).expect("fleet");
    assert_eq!(page.rows.len(), 170);
    let ranks: Vec<u8> = page
        .rows
        .iter()
        .map(|r| severity_rank(r.severity.as_deref()))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "worst first");
    assert!(
        page.rows
            .iter()
            .all(|r| r.profile.as_deref() == Some("seed-ai")
                && r.fault_label.is_some()
                && r.score.is_some())
    );
    let view = app.asset("TR-0024").expect("asset");
    assert!(view.diagnosis.is_none(), "no contract diagnosis to explain");
    let answer = view.answer.expect("the custom answer");
    assert_eq!(answer.summary.fault_label.as_deref(), Some("Arcing"));
    let raw: serde_json::Value = serde_json::from_str(&answer.answer_json).expect("raw answer");
    assert_eq!(raw["response"]["equipment_id"], "TR-0024");

    // Kept while answers are read with it.
    let error = app.remove_profile(&added.sha256).expect_err("in use");
    assert_eq!(error.code(), ErrorCode::StoreProfileInUse);
    let exported = dir.join("exported.toml");
    app.export_profile(&added.sha256, &exported)
        .expect("export");
    assert_eq!(
        std::fs::read(&exported).expect("exported"),
        std::fs::read(example.join("profile.toml")).expect("original")
    );
    // Only as a .toml file: never over a workbook picked by mistake.
    let workbook = dir.join("fleet.xlsx");
    std::fs::write(&workbook, b"a workbook").expect("workbook");
    let error = app
        .export_profile(&added.sha256, &workbook)
        .expect_err("not a .toml name");
    assert_eq!(error.code(), ErrorCode::ExportName);
    assert_eq!(std::fs::read(&workbook).expect("kept"), b"a workbook");
    rt.block_on(server.shutdown());
}
