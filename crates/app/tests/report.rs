//! "Report (PDF)…" in the desktop's core: one transformer or the fleet as the table is
//! filtered, in the UI's language, written only under a .pdf name.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use substation_app::{App, EngineChoice, ErrorCode, FleetFilter, RunRequest};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples")
        .join(name)
}

fn diagnosed(dir: &Path) -> App {
    let app = App::new(dir.to_owned(), None);
    app.open_workbook(
        &sample("fleet-two-sheets.xlsx"),
        &[],
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("open");
    let request = RunRequest {
        batch_id: None,
        resume_run: None,
        engine: Some(EngineChoice::Embedded),
        asset_id: None,
        concurrency: None,
        reuse: false,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(app.diagnose(&request, |_| {}))
        .expect("run");
    app
}

#[test]
fn a_transformer_and_a_filtered_fleet_are_reported_and_other_names_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let app = diagnosed(dir.path());

    let one = dir.path().join("TR-0024.pdf");
    let written = app
        .report(&one, Some("TR-0024"), &FleetFilter::default(), "ko")
        .expect("report");
    assert_eq!(written.transformers, 1);
    assert!(written.pages >= 2);
    assert!(std::fs::read(&one).expect("pdf").starts_with(b"%PDF-"));

    // The fleet as the table is filtered: status 3 only.
    let status_3 = FleetFilter {
        status: Some(3),
        limit: 50,
        ..FleetFilter::default()
    };
    let shown = app.fleet(&status_3).expect("fleet").total;
    let fleet = dir.path().join("status-3.pdf");
    let written = app.report(&fleet, None, &status_3, "en").expect("report");
    assert_eq!(written.transformers, shown);
    assert!(written.pages > shown, "a page per unit after the summary");

    // Never over a workbook or the database picked by mistake.
    let workbook = dir.path().join("fleet.xlsx");
    let error = app
        .report(&workbook, Some("TR-0024"), &FleetFilter::default(), "en")
        .expect_err("not a .pdf");
    assert_eq!(error.code(), ErrorCode::ExportName);
    assert!(!workbook.exists());

    let error = app
        .report(&one, Some("TR-NONE"), &FleetFilter::default(), "en")
        .expect_err("no such transformer");
    assert_eq!(error.code(), ErrorCode::ReportNoSuchAsset);
    let nothing = FleetFilter {
        search: Some("no such transformer anywhere".into()),
        ..FleetFilter::default()
    };
    let error = app
        .report(&fleet, None, &nothing, "en")
        .expect_err("nothing selected");
    assert_eq!(error.code(), ErrorCode::ReportEmptySelection);
}
