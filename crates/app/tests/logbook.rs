//! The transformer view's logbook on the sample fleet and a real SQLite file: an oil treatment
//! and a typed-in sample added from the form's values, the transformer diagnosed again alone,
//! the view showing the entries, the new sample and the restart; mistakes coded, in English and
//! Korean.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use substation_app::{App, EngineChoice, ErrorCode, NewLogEntry, RunRequest};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples")
        .join(name)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn run(app: &App, asset_id: Option<&str>) -> substation_app::RunSummary {
    let request = RunRequest {
        batch_id: None,
        resume_run: None,
        engine: Some(EngineChoice::Embedded),
        asset_id: asset_id.map(str::to_owned),
        concurrency: None,
        reuse: false,
    };
    runtime()
        .block_on(app.diagnose(&request, |_| {}))
        .expect("run")
}

/// An app on a fresh folder with the sample fleet opened (imported, not diagnosed).
fn opened(dir: &Path) -> App {
    let app = App::new(dir.to_owned(), None);
    app.open_workbook(
        &sample("fleet-two-sheets.xlsx"),
        &[],
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("open");
    app
}

fn form(kind: &str, date: &str) -> NewLogEntry {
    NewLogEntry {
        asset_id: "TR-0071".into(),
        date: date.into(),
        kind: kind.into(),
        author: "J. Kim ".into(),
        text: String::new(),
        treatment: None,
        source: None,
        gases: Vec::new(),
    }
}

fn gases(values: &[(&str, &str)]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|(g, v)| (g.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_typed_sample_after_degassing_is_diagnosed_alone_and_shown() {
    let dir = tempfile::tempdir().expect("dir");
    let app = opened(dir.path());
    run(&app, None);
    let before = app.asset("TR-0071").expect("view");
    let was = before.diagnosis.as_ref().expect("diagnosed");
    assert_eq!(was.severity, "critical");

    let degassed = app
        .add_log_entry(&NewLogEntry {
            treatment: Some("degassed".into()),
            text: "Vacuum degassing, 10 h ".into(),
            ..form("oil_processed", "2025-11-02")
        })
        .expect("degassed");
    assert_eq!(
        (degassed.kind.as_str(), degassed.detail.as_deref()),
        ("oil_processed", Some("degassed"))
    );
    assert_eq!(degassed.author, "J. Kim");
    assert_eq!(degassed.text, "Vacuum degassing, 10 h");

    // Typed, stored and diagnosed alone, as the form does it.
    let started = Instant::now();
    let typed = app
        .add_log_entry(&NewLogEntry {
            source: Some("portable".into()),
            gases: gases(&[
                ("H2", "8"),
                ("CH4", "3"),
                ("C2H6", "2"),
                ("C2H4", "4"),
                ("C2H2", "<0.5"),
                ("CO", "120"),
                ("CO2", "900"),
                ("O2", ""),
            ]),
            ..form("sample", "2025-11-20")
        })
        .expect("typed");
    let summary = run(&app, Some("TR-0071"));
    let took = started.elapsed();
    assert_eq!((summary.assets, summary.diagnosed), (1, 1));
    eprintln!("typed sample stored and diagnosed in {took:?} (debug build)");

    let view = app.asset("TR-0071").expect("view");
    let latest = view.samples.last().expect("samples");
    assert_eq!(latest.date, "2025-11-20");
    assert_eq!(latest.sheet, "logbook");
    let c2h2 = view.gases.iter().position(|g| g == "C2H2").expect("C2H2");
    assert!(latest.gases[c2h2].below_detection);
    assert_eq!(latest.gases[c2h2].ppm, Some(0.5));
    let now = view.diagnosis.as_ref().expect("diagnosed");
    assert_eq!(now.severity, "normal");
    assert_eq!(now.latest_sample, "2025-11-20");
    assert!(
        now.rules
            .iter()
            .any(|r| r.code == "consensus.history_restarted"),
        "{:?}",
        now.rules.iter().map(|r| &r.code).collect::<Vec<_>>()
    );
    let oil = view.oil_processed.as_ref().expect("restart shown");
    assert_eq!(
        (oil.date.as_str(), oil.treatment.as_str()),
        ("2025-11-02", "degassed")
    );
    assert_eq!(
        view.log.iter().map(|e| e.uuid.as_str()).collect::<Vec<_>>(),
        [typed.uuid.as_str(), degassed.uuid.as_str()]
    );
    assert_eq!(view.log[0].detail.as_deref(), Some("portable"));
    // The whole history stays for the trends; the other transformers were not run again.
    assert_eq!(view.samples.len(), before.samples.len() + 1);
    assert_eq!(view.history.len(), 2);
    assert_eq!(app.asset("TR-0024").expect("view").history.len(), 1);
}

#[test]
fn form_mistakes_are_coded_in_both_languages() {
    let dir = tempfile::tempdir().expect("dir");
    let app = opened(dir.path());
    let err = app
        .add_log_entry(&NewLogEntry {
            gases: gases(&[("H2", "12"), ("CO", "-4")]),
            ..form("sample", "2025-11-20")
        })
        .expect_err("negative");
    let view = substation_app::ErrorView::from(&err);
    assert_eq!(view.code, ErrorCode::LogBadGas);
    assert!(view.message.starts_with("CO: "), "{}", view.message);
    assert!(
        view.message_ko
            .as_deref()
            .is_some_and(|m| m.starts_with("CO: "))
    );

    let err = app
        .add_log_entry(&form("note", "2025-11-20"))
        .expect_err("a note without text");
    assert_eq!(err.code(), ErrorCode::StoreInvalidLogEntry);
    let view = substation_app::ErrorView::from(&err);
    assert!(
        view.message.contains("a note entry needs a text"),
        "{}",
        view.message
    );
    assert_eq!(
        view.message_ko.as_deref(),
        Some("설비 일지 항목을 저장할 수 없습니다: 메모 항목에는 내용을 써야 합니다")
    );
    let err = app
        .add_log_entry(&form("note", "next week"))
        .expect_err("not a date");
    assert_eq!(err.code(), ErrorCode::LogBadDate);
    let err = app
        .add_log_entry(&NewLogEntry {
            asset_id: "TR-9999".into(),
            text: "x".into(),
            ..form("note", "2025-11-20")
        })
        .expect_err("no such transformer");
    assert_eq!(err.code(), ErrorCode::StoreNoSuchAsset);
    assert!(app.asset("TR-0071").expect("view").log.is_empty());
}
