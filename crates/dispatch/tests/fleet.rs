//! A whole fleet run: a real workbook imported into a real SQLite file, dispatched to the
//! real Lambda client against the test server with faults, cancelled, resumed and retried.
//! The store must end up with every result exactly once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use substation_dispatch::{
    EmbeddedEngine, Ending, FleetError, FleetRun, Policy, Scope, diagnose_fleet,
};
use substation_lambda_testserver::{Config, Fault, TestLambda};
use substation_store::Store;
use tokio_util::sync::CancellationToken;

mod common;
use common::{lambda, quick};

fn scratch(name: &str) -> PathBuf {
    substation_testkit::kept_dir(&format!("dispatch-{name}")).join("substation.sqlite3")
}

/// The sample fleet workbook (two sheets: nameplates and samples), imported.
fn store_with_fleet(name: &str) -> (Store, i64) {
    let store = Store::open(&scratch(name)).expect("store");
    let outcome = store
        .import(substation_testkit::import_sample("fleet-two-sheets.xlsx"))
        .expect("stored");
    (store, outcome.batch_id)
}

fn job(scope: Scope) -> FleetRun {
    FleetRun {
        scope,
        resume: None,
        reuse: false,
        function_name: Some("substation-diagnose".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_cancel_resume_and_retry_leave_every_result_exactly_once() {
    let (store, batch) = store_with_fleet("exactly-once");
    let reader = store.reader().expect("reader");
    let assets = reader.assets().expect("assets");
    assert!(assets.len() >= 100, "the sample fleet: {}", assets.len());
    let broken = assets[7].id.clone();
    let flaky = assets[3].id.clone();

    let server = TestLambda::start(Config {
        latency: Duration::from_millis(15),
        concurrency_limit: Some(12),
        ..Config::default()
    })
    .await
    .expect("server");
    server.script(&flaky, [Fault::ServiceError, Fault::DropConnection]);
    server.script(&broken, [Fault::FunctionError]);

    // First run: cancelled after 40 results.
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let mut seen = 0;
    let first = diagnose_fleet(
        &store,
        lambda(&server),
        &quick(32),
        &job(Scope::Batch(batch)),
        |_| {
            seen += 1;
            if seen == 40 {
                trigger.cancel();
            }
        },
        None,
        cancel,
    )
    .await
    .expect("first run");
    assert_eq!(first.ending, Ending::Cancelled);
    assert!(first.not_run > 0, "{first:?}");
    assert_eq!(first.assets, assets.len() as u64);

    // Resume: only what has no result is dispatched; the broken asset fails again. Whether the
    // first run reached it before the cancel depends on timing (a throttled call may still be
    // waiting): exactly one failure is left for the resume either way.
    if server.pending_faults(&broken) == 0 {
        server.script(&broken, [Fault::FunctionError]);
    }
    let before = server.stats().invocations;
    let resumed = diagnose_fleet(
        &store,
        lambda(&server),
        &quick(32),
        &FleetRun {
            resume: Some(first.run_id),
            ..job(Scope::All)
        },
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await
    .expect("resumed run");
    assert_eq!(resumed.run_id, first.run_id);
    assert_eq!(resumed.ending, Ending::Finished);
    assert_eq!(
        resumed.assets,
        first.not_run + first.failed,
        "the resume covers what had no result, under the run's own scope"
    );
    assert!(server.stats().invocations - before >= resumed.assets as usize);
    let run = reader.runs().expect("runs").remove(0);
    assert_eq!(run.failed, 1, "only the broken asset: {run:?}");
    assert_eq!(
        reader.assets_without_result(first.run_id).expect("left"),
        std::slice::from_ref(&broken)
    );

    // Retry failed: the function works now (its script is spent).
    let retried = diagnose_fleet(
        &store,
        lambda(&server),
        &quick(32),
        &FleetRun {
            resume: Some(first.run_id),
            ..job(Scope::All)
        },
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await
    .expect("retry");
    assert_eq!((retried.assets, retried.diagnosed), (1, 1));
    let run = reader.runs().expect("runs").remove(0);
    assert_eq!(
        (run.succeeded, run.failed, run.state.as_str()),
        (assets.len() as u64, 0, "finished")
    );
    // Exactly once: one diagnosis of this run per asset.
    for asset in &assets {
        let of_run = reader
            .diagnoses(&asset.id)
            .expect("history")
            .into_iter()
            .filter(|d| d.run_id == first.run_id)
            .count();
        assert_eq!(of_run, 1, "{}", asset.id);
    }
    assert!(
        reader
            .assets_without_result(first.run_id)
            .expect("left")
            .is_empty()
    );
    assert_eq!(reader.integrity_check().expect("check"), "ok");
}

#[tokio::test]
async fn reuse_copies_identical_requests_instead_of_running_them_again() {
    let (store, _) = store_with_fleet("reuse");
    let first = diagnose_fleet(
        &store,
        Arc::new(EmbeddedEngine),
        &Policy::embedded(),
        &job(Scope::All),
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await
    .expect("first");
    assert_eq!(first.reused, 0);
    let mut attempts = 0;
    let second = diagnose_fleet(
        &store,
        Arc::new(EmbeddedEngine),
        &Policy::embedded(),
        &FleetRun {
            reuse: true,
            ..job(Scope::All)
        },
        |o| attempts += o.attempts,
        None,
        CancellationToken::new(),
    )
    .await
    .expect("second");
    assert_eq!(second.reused, first.diagnosed);
    assert_eq!(attempts, 0, "nothing was dispatched");
}

#[tokio::test]
async fn a_missing_run_or_batch_is_a_clear_error() {
    let (store, _) = store_with_fleet("missing");
    let no_run = diagnose_fleet(
        &store,
        Arc::new(EmbeddedEngine),
        &Policy::embedded(),
        &FleetRun {
            resume: Some(999),
            ..job(Scope::All)
        },
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await;
    assert!(matches!(no_run, Err(FleetError::NoSuchRun(999))));
    let no_batch = diagnose_fleet(
        &store,
        Arc::new(EmbeddedEngine),
        &Policy::embedded(),
        &job(Scope::Batch(42)),
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await;
    assert!(matches!(no_batch, Err(FleetError::NoSuchBatch(42))));
}

#[tokio::test]
async fn a_workbook_imported_again_unchanged_is_still_diagnosed_whole() {
    // The engineer imports the workbook, then runs `diagnose WORKBOOK`: the second import
    // changes nothing, and its batch must still cover every transformer in it.
    let (store, _) = store_with_fleet("again");
    let workbook = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/fleet-two-sheets.xlsx");
    let again = substation_import::import_file(
        &workbook,
        &substation_import::ImportOptions::new(
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        ),
    )
    .expect("import");
    let outcome = store.import(again).expect("stored");
    assert_eq!((outcome.assets_new, outcome.samples_new), (0, 0));
    let summary = diagnose_fleet(
        &store,
        Arc::new(EmbeddedEngine),
        &Policy::embedded(),
        &job(Scope::Batch(outcome.batch_id)),
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await
    .expect("run");
    assert_eq!(summary.diagnosed, 170);
}

#[tokio::test]
async fn a_resumed_run_owes_only_its_own_assets_not_those_imported_since() {
    let (store, _) = store_with_fleet("scope");
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let mut seen = 0;
    let first = diagnose_fleet(
        &store,
        Arc::new(EmbeddedEngine),
        &Policy {
            concurrency: 1,
            ..Policy::embedded()
        },
        &job(Scope::All),
        |_| {
            seen += 1;
            if seen == 5 {
                trigger.cancel();
            }
        },
        None,
        cancel,
    )
    .await
    .expect("first");
    assert_eq!(first.ending, Ending::Cancelled);
    // A new transformer arrives before the resume.
    let extra = scratch("scope-extra").with_file_name("new-unit.csv");
    std::fs::write(
        &extra,
        "Asset ID,Sample Date,H2,CH4,C2H6,C2H4,C2H2,CO,CO2\nNEW-1,2024-01-01,5,2,1,1,0,100,1000\n",
    )
    .expect("csv");
    let korean = substation_import::import_file(
        &extra,
        &substation_import::ImportOptions::new(
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        ),
    )
    .expect("import");
    assert_eq!(store.import(korean).expect("stored").assets_new, 1);
    let resumed = diagnose_fleet(
        &store,
        Arc::new(EmbeddedEngine),
        &Policy::embedded(),
        &FleetRun {
            resume: Some(first.run_id),
            ..job(Scope::All)
        },
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await
    .expect("resumed");
    assert_eq!(resumed.assets, first.not_run);
    assert_eq!(first.diagnosed + resumed.diagnosed, 170);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_fails_mid_run_stops_the_run_at_once_and_leaves_it_resumable() {
    let (store, _) = store_with_fleet("write-fails");
    let assets = store.reader().expect("reader").assets().expect("assets");
    let victim = assets[20].id.clone();
    // The database refuses one write, as a full disk or a lock held too long would.
    let side = rusqlite::Connection::open(store.path()).expect("side connection");
    side.execute_batch(&format!(
        "CREATE TRIGGER refuse BEFORE INSERT ON diagnosis WHEN NEW.asset_id = '{victim}'
         BEGIN SELECT RAISE(ABORT, 'simulated: database or disk is full'); END;"
    ))
    .expect("trigger");
    let server = TestLambda::start(Config {
        latency: Duration::from_millis(20),
        ..Config::default()
    })
    .await
    .expect("server");
    let failed = diagnose_fleet(
        &store,
        lambda(&server),
        &quick(4),
        &job(Scope::All),
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await;
    let error = failed.expect_err("the run fails");
    assert!(error.to_string().contains("simulated"), "{error}");
    assert!(
        server.stats().invocations < assets.len() / 2,
        "stopped soon after the failed write, not after paying for every call: {}",
        server.stats().invocations
    );
    let reader = store.reader().expect("reader");
    let run = reader.runs().expect("runs").remove(0);
    assert_eq!(run.state, "failed");

    side.execute_batch("DROP TRIGGER refuse").expect("drop");
    let resumed = diagnose_fleet(
        &store,
        lambda(&server),
        &quick(4),
        &FleetRun {
            resume: Some(run.id),
            ..job(Scope::All)
        },
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await
    .expect("resumed");
    assert_eq!(resumed.ending, Ending::Finished);
    assert!(
        reader
            .assets_without_result(run.id)
            .expect("left")
            .is_empty()
    );
}
