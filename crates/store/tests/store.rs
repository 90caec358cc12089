//! The store on a real SQLite file: idempotent imports, diagnoses with their outbox rows,
//! review queries, refusal of newer databases, readers during writes, and a writer killed
//! with SIGKILL in the middle of a batch.

use std::path::Path;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use rusqlite::OptionalExtension;
use substation_dga::{
    Asset, DiagnosisRequest, Gas, GasReadings, GasValue, OilPreservation, Sample, diagnose,
};
use substation_import::{Import, ImportedSample};
use substation_store::{DiagnosisRecord, FailureRecord, FleetQuery, RunState, Store, StoreError};

mod fixtures;
use fixtures::{diagnose_all, embedded_run, import_sample, request_of, scratch};

fn count(store: &Store, table: &str) -> u64 {
    store
        .reader()
        .expect("reader")
        .counts()
        .expect("counts")
        .into_iter()
        .find(|(t, _)| t == table)
        .map(|(_, n)| n)
        .expect("table")
}

/// An import built in code: `samples` new samples for asset `id`, starting on `first`.
fn one_asset(id: &str, first: NaiveDate, samples: u64, h2: f64) -> Import {
    let mut import = import_sample("korean-lab-export-cp949.csv");
    import.assets = vec![Asset::new(id)];
    import.samples = (0..samples)
        .map(|i| ImportedSample {
            asset_id: id.to_owned(),
            sample: Sample::new(
                first + chrono::Days::new(i),
                GasReadings::default().with(Gas::H2, h2).with(Gas::CH4, 3.0),
            ),
            sheet: "Synthetic".into(),
            row: u32::try_from(i).expect("row") + 2,
        })
        .collect();
    import
}

#[test]
fn importing_the_same_workbook_twice_duplicates_nothing() {
    let dir = scratch("idempotent");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let import = import_sample("fleet-two-sheets.xlsx");
    let samples = import.samples.len() as u64;
    let first = store.import(import.clone()).expect("first import");
    assert_eq!((first.assets_new, first.samples_new), (170, samples));
    let outbox_after_first = count(&store, "outbox");
    assert_eq!(
        outbox_after_first,
        170 + 1,
        "one row per asset and one for the batch's samples"
    );

    let second = store.import(import.clone()).expect("second import");
    assert_eq!(
        (
            second.assets_new,
            second.assets_updated,
            second.samples_new,
            second.samples_updated
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(second.samples_unchanged, samples);
    assert_eq!(count(&store, "sample"), samples);
    assert_eq!(count(&store, "asset"), 170);
    assert_eq!(
        count(&store, "outbox"),
        outbox_after_first,
        "nothing new to sync"
    );
    assert_eq!(
        count(&store, "import_batch"),
        2,
        "both imports are on record"
    );

    // A corrected value updates that one sample and queues it.
    let mut corrected = import;
    corrected.samples[0].sample.gases.h2 = GasValue::Measured(999.0);
    let third = store.import(corrected).expect("third import");
    assert_eq!((third.samples_new, third.samples_updated), (0, 1));
    assert_eq!(count(&store, "outbox"), outbox_after_first + 1);
}

#[test]
fn samples_alone_do_not_erase_a_nameplate() {
    let dir = scratch("nameplate");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let mut with_nameplate = one_asset(
        "T-1",
        NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
        1,
        5.0,
    );
    with_nameplate.assets[0].substation = Some("North".into());
    with_nameplate.assets[0].oil_preservation = Some(OilPreservation::Sealed);
    store.import(with_nameplate).expect("import");
    let bare = one_asset(
        "T-1",
        NaiveDate::from_ymd_opt(2024, 6, 1).expect("date"),
        1,
        5.0,
    );
    let outcome = store.import(bare).expect("import");
    assert_eq!((outcome.assets_new, outcome.assets_updated), (0, 0));
    let asset = store
        .reader()
        .expect("reader")
        .asset("T-1")
        .expect("query")
        .expect("asset");
    assert_eq!(asset.asset.substation.as_deref(), Some("North"));
    assert_eq!(asset.asset.oil_preservation, Some(OilPreservation::Sealed));
    assert_eq!(asset.samples, 2);
    let samples = store
        .reader()
        .expect("reader")
        .samples("T-1")
        .expect("samples");
    assert_eq!(samples[0].sample.gases.h2, GasValue::Measured(5.0));
    assert_eq!(samples[0].sample.gases.c2h2, GasValue::NotMeasured);
    assert_eq!(samples[1].source_sheet, "Synthetic");
}

#[test]
fn diagnoses_are_reviewable_worst_first_with_their_outbox_rows() {
    let dir = scratch("review");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    store
        .import(import_sample("fleet-two-sheets.xlsx"))
        .expect("import");
    let outbox_before = count(&store, "outbox");
    let run = embedded_run(&store);
    assert_eq!(diagnose_all(&store, run), 170);
    store.finish_run(run, RunState::Finished).expect("finish");
    assert_eq!(count(&store, "diagnosis"), 170);
    assert_eq!(
        count(&store, "outbox"),
        outbox_before + 170,
        "every diagnosis queued for sync"
    );

    let reader = store.reader().expect("reader");
    let fleet = reader.fleet(&FleetQuery::default()).expect("fleet");
    assert_eq!(fleet.len(), 170);
    let rank = |s: &Option<String>| match s.as_deref() {
        Some("critical") => 3,
        Some("warning") => 2,
        Some("caution") => 1,
        _ => 0,
    };
    assert!(
        fleet
            .windows(2)
            .all(|w| rank(&w[0].severity) >= rank(&w[1].severity)),
        "worst first"
    );
    assert!(
        rank(&fleet[0].severity) >= 2,
        "the generated faults are at the top: {:?}",
        fleet[0]
    );

    let status_3 = reader
        .fleet(&FleetQuery {
            status: Some(3),
            ..FleetQuery::default()
        })
        .expect("filter");
    assert!(!status_3.is_empty() && status_3.iter().all(|r| r.ieee_status == Some(3)));
    let page = reader
        .fleet(&FleetQuery {
            limit: 20,
            offset: 20,
            ..FleetQuery::default()
        })
        .expect("page");
    assert_eq!(page, fleet[20..40].to_vec());
    assert_eq!(
        reader.fleet_count(&FleetQuery::default()).expect("count"),
        170
    );
    let search = reader
        .fleet(&FleetQuery {
            search: Some("TR-0061".into()),
            ..FleetQuery::default()
        })
        .expect("search");
    assert_eq!(search.len(), 1);
    assert_eq!(
        search[0].fault.as_deref(),
        Some("T3"),
        "TR-0061 is the generated hot spot"
    );
    let by_substation = &fleet[0].substation;
    let same = reader
        .fleet(&FleetQuery {
            substation: by_substation.clone(),
            ..FleetQuery::default()
        })
        .expect("substation");
    assert!(same.iter().all(|r| &r.substation == by_substation));

    let history = reader.diagnoses("TR-0061").expect("history");
    assert_eq!(history.len(), 1);
    let full = reader
        .diagnosis(history[0].id)
        .expect("load")
        .expect("diagnosis");
    assert_eq!(full.asset_id, "TR-0061");
    let tr0061 = substation_store::request_sha256(&request_of(&store, "TR-0061")).expect("hash");
    let reused = reader
        .reusable(&tr0061, substation_dga::ENGINE_VERSION)
        .expect("reuse");
    assert_eq!(reused.map(|(id, _)| id), Some(history[0].id));
    assert!(
        reader
            .reusable(&tr0061, "0.0.0-other")
            .expect("reuse")
            .is_none()
    );
    assert!(
        reader
            .assets_without_result(run)
            .expect("remaining")
            .is_empty()
    );
}

#[test]
fn the_fleet_reverses_its_order_and_counts_each_status_in_one_pass() {
    let dir = scratch("fleet-order");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    store
        .import(import_sample("fleet-two-sheets.xlsx"))
        .expect("import");
    let run = embedded_run(&store);
    assert_eq!(diagnose_all(&store, run), 170);
    // Two more transformers, imported after the run: not diagnosed.
    let first = NaiveDate::from_ymd_opt(2024, 1, 5).expect("date");
    store
        .import(one_asset("ZZ-NEW-1", first, 2, 10.0))
        .expect("import");
    store
        .import(one_asset("ZZ-NEW-2", first, 2, 10.0))
        .expect("import");
    let reader = store.reader().expect("reader");
    let all = FleetQuery {
        include_undiagnosed: true,
        ..FleetQuery::default()
    };

    let worst_first = reader.fleet(&all).expect("fleet");
    let best_first = reader
        .fleet(&FleetQuery {
            reverse: true,
            ..all.clone()
        })
        .expect("reversed");
    assert_eq!(worst_first.len(), 172);
    assert_eq!(best_first.len(), 172);
    // Diagnosed ones reversed; the undiagnosed stay last either way.
    let diagnosed = |rows: &[substation_store::FleetRow]| {
        rows.iter()
            .filter(|r| r.diagnosis_id.is_some())
            .map(|r| r.asset_id.clone())
            .collect::<Vec<_>>()
    };
    let mut reversed = diagnosed(&worst_first);
    reversed.reverse();
    assert_eq!(diagnosed(&best_first), reversed);
    assert!(best_first[170..].iter().all(|r| r.diagnosis_id.is_none()));
    let by_id = |reverse| {
        reader
            .fleet(&FleetQuery {
                order: substation_store::FleetOrder::Id,
                reverse,
                ..all.clone()
            })
            .expect("by id")
    };
    assert_eq!(by_id(true)[0].asset_id, "ZZ-NEW-2");
    assert_eq!(by_id(false)[171].asset_id, "ZZ-NEW-2");

    let undiagnosed = reader
        .fleet(&FleetQuery {
            undiagnosed_only: true,
            ..all.clone()
        })
        .expect("undiagnosed");
    let ids: Vec<_> = undiagnosed.iter().map(|r| r.asset_id.as_str()).collect();
    assert_eq!(ids, ["ZZ-NEW-1", "ZZ-NEW-2"]);

    let counts = reader.fleet_status_counts(&all).expect("counts");
    for status in 1..=3u8 {
        let listed = worst_first
            .iter()
            .filter(|r| r.ieee_status == Some(status))
            .count() as u64;
        assert_eq!(counts[usize::from(status) - 1], listed, "status {status}");
    }
    assert_eq!(counts[3], 2);
    assert_eq!(counts[4], 0, "every diagnosis here has an IEEE status");
    // The chips count the scope, whatever status is picked.
    assert_eq!(
        reader
            .fleet_status_counts(&FleetQuery {
                status: Some(3),
                ..all
            })
            .expect("counts"),
        counts
    );
}

#[test]
fn an_interrupted_run_resumes_with_only_the_assets_left() {
    let dir = scratch("resume");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    store
        .import(import_sample("korean-lab-export.xlsx"))
        .expect("import");
    let run = embedded_run(&store);
    let reader = store.reader().expect("reader");
    let assets = reader.assets().expect("assets");
    for asset in assets.iter().take(10) {
        let samples: Vec<Sample> = reader
            .samples(&asset.id)
            .expect("samples")
            .into_iter()
            .map(|s| s.sample)
            .collect();
        let diagnosis =
            diagnose(&DiagnosisRequest::new(asset.clone(), samples)).expect("diagnosis");
        store
            .record_diagnosis(DiagnosisRecord {
                run_id: run,
                asset_id: asset.id.clone(),
                request_sha256: "x".into(),
                answer: substation_dga::Answer::from_diagnosis(&diagnosis).expect("answer"),
                reused_from: None,
            })
            .expect("store");
    }
    store
        .record_failure(FailureRecord {
            run_id: run,
            asset_id: assets[10].id.clone(),
            code: "function_error".into(),
            message: "Unhandled".into(),
            attempts: 1,
        })
        .expect("failure");
    drop(store);
    // Reopened later: what is left is the 20 without a result (the failed one included).
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("reopen");
    let left = store
        .reader()
        .expect("reader")
        .assets_without_result(run)
        .expect("left");
    assert_eq!(left.len(), 20);
    assert_eq!(left[0], assets[10].id);
    let runs = store.reader().expect("reader").runs().expect("runs");
    assert_eq!(
        (runs[0].succeeded, runs[0].failed, runs[0].state.as_str()),
        (10, 1, "running")
    );
    // The listing counts what the run owes in the same query (no query per run).
    assert_eq!(runs[0].owed, 20);
    let batches = store.reader().expect("reader").batches().expect("batches");
    let batch_assets = store
        .reader()
        .expect("reader")
        .batch_assets(batches[0].id)
        .expect("batch assets");
    assert_eq!(batches[0].assets, batch_assets.len() as u64);
    assert!(batches[0].assets > 0);
}

#[test]
fn a_diagnosis_for_an_unknown_asset_is_refused_and_others_in_the_batch_commit() {
    let dir = scratch("refused");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    store
        .import(one_asset(
            "T-1",
            NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
            3,
            5.0,
        ))
        .expect("import");
    let run = embedded_run(&store);
    let reader = store.reader().expect("reader");
    let samples: Vec<Sample> = reader
        .samples("T-1")
        .expect("samples")
        .into_iter()
        .map(|s| s.sample)
        .collect();
    let good =
        diagnose(&DiagnosisRequest::new(Asset::new("T-1"), samples.clone())).expect("diagnosis");
    let ghost = diagnose(&DiagnosisRequest::new(Asset::new("GHOST"), samples)).expect("diagnosis");
    let bad = store
        .submit_diagnosis(DiagnosisRecord {
            run_id: run,
            asset_id: "GHOST".into(),
            request_sha256: "g".into(),
            answer: substation_dga::Answer::from_diagnosis(&ghost).expect("answer"),
            reused_from: None,
        })
        .expect("submit");
    let ok = store
        .submit_diagnosis(DiagnosisRecord {
            run_id: run,
            asset_id: "T-1".into(),
            request_sha256: "t".into(),
            answer: substation_dga::Answer::from_diagnosis(&good).expect("answer"),
            reused_from: None,
        })
        .expect("submit");
    assert!(matches!(
        bad.recv().expect("reply"),
        Err(StoreError::Sqlite(_))
    ));
    ok.recv().expect("reply").expect("stored");
    assert_eq!(count(&store, "diagnosis"), 1);
    assert_eq!(
        count(&store, "outbox"),
        2 + 1,
        "asset, sample batch, the one diagnosis"
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let dir = scratch("too-new");
    let path = dir.path().join("db.sqlite3");
    {
        let conn = rusqlite_like_open(&path);
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .expect("future schema");
    }
    let before = std::fs::read(&path).expect("bytes");
    match Store::open(&path) {
        Err(StoreError::TooNew {
            found: 99,
            supported,
            ..
        }) => assert_eq!(supported, substation_store::latest_version()),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a newer database was opened"),
    }
    assert_eq!(
        std::fs::read(&path).expect("bytes"),
        before,
        "not a byte changed"
    );
    assert!(
        !dir.path().join("db.sqlite3-wal").exists(),
        "not even switched to WAL"
    );
}

fn rusqlite_like_open(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open")
}

#[test]
fn readers_are_not_blocked_by_the_writer() {
    let dir = scratch("concurrent");
    let store = std::sync::Arc::new(Store::open(&dir.path().join("db.sqlite3")).expect("open"));
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for i in 0..40u64 {
                let first = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date")
                    + chrono::Days::new(i * 1000);
                store
                    .import(one_asset(&format!("W-{i}"), first, 500, 5.0))
                    .expect("import");
            }
        })
    };
    let reader = store.reader().expect("reader");
    let mut reads = 0;
    while !writer.is_finished() {
        reader
            .fleet(&FleetQuery {
                include_undiagnosed: true,
                ..FleetQuery::default()
            })
            .expect("read during writes");
        reader.counts().expect("counts during writes");
        reads += 1;
    }
    writer.join().expect("writer");
    assert!(reads > 0);
    assert_eq!(count(&store, "sample"), 40 * 500);
}

/// Not a test on its own: the child process of `a_writer_killed_mid_batch_leaves_no_partial_batch`.
#[test]
#[ignore = "run by the crash test as a child process"]
fn crash_child() {
    let Some(path) = std::env::var_os("SUBSTATION_CRASH_DB") else {
        return;
    };
    let attempt = std::env::var("SUBSTATION_CRASH_ATTEMPT").unwrap_or_default();
    let store = Store::open(Path::new(&path)).expect("open");
    for i in 0.. {
        let first =
            NaiveDate::from_ymd_opt(1990, 1, 1).expect("date") + chrono::Days::new(i * 3000);
        store
            .import(one_asset(&format!("C{attempt}-{i}"), first, 2000, 7.0))
            .expect("import");
    }
}

#[test]
fn a_writer_killed_mid_batch_leaves_no_partial_batch() {
    let dir = scratch("crash");
    let path = dir.path().join("db.sqlite3");
    for attempt in 0..3u64 {
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--ignored", "--exact", "crash_child", "--nocapture"])
            .env("SUBSTATION_CRASH_DB", &path)
            .env("SUBSTATION_CRASH_ATTEMPT", attempt.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("child");
        // Let it commit a few batches and be in the middle of another.
        std::thread::sleep(Duration::from_millis(700 + 311 * attempt));
        // SIGKILL on Unix, TerminateProcess on Windows: no destructor, no rollback, no chance
        // to finish the transaction.
        let _ = child.kill();
        let _ = child.wait();

        let store = Store::open(&path).expect("reopen after SIGKILL");
        let reader = store.reader().expect("reader");
        assert_eq!(reader.integrity_check().expect("check"), "ok");
        let batches = reader.batches().expect("batches");
        assert!(
            !batches.is_empty(),
            "the child committed something before it was killed"
        );
        for batch in &batches {
            assert_eq!(batch.samples_new, 2000, "batch {} recorded whole", batch.id);
        }
        let samples = count(&store, "sample");
        assert_eq!(
            samples,
            2000 * batches.len() as u64,
            "every sample belongs to a whole batch"
        );
    }
}

#[test]
fn a_version_1_database_migrates_on_open_and_keeps_its_unfinished_run_resumable() {
    let dir = scratch("from-v1");
    let path = dir.path().join("db.sqlite3");
    {
        let mut conn = rusqlite_like_open(&path);
        rusqlite_migration::Migrations::new(vec![rusqlite_migration::M::up(include_str!(
            "../migrations/0001_initial.sql"
        ))])
        .to_latest(&mut conn)
        .expect("version 1");
        conn.execute_batch(
            "INSERT INTO import_batch (id, file_name, content_sha256, imported_at, format, sheets_json, summary_json)
                 VALUES (1, 'old.xlsx', 'x', '2025-01-01', 'xlsx', '[]', '{}');
             INSERT INTO asset (key, id, batch_id, updated_at) VALUES (1, 'OLD-1', 1, '2025-01-01');
             INSERT INTO asset (key, id, batch_id, updated_at) VALUES (2, 'OLD-2', 1, '2025-01-01');
             INSERT INTO diagnosis_run (id, run_uuid, engine, options_json, started_at, assets_total)
                 VALUES (1, 'r', 'embedded', '{}', '2025-01-01', 2);",
        )
        .expect("version 1 data");
    }
    let store = Store::open(&path).expect("migrated");
    let reader = store.reader().expect("reader");
    assert_eq!(reader.batch_assets(1).expect("batch"), ["OLD-1", "OLD-2"]);
    assert_eq!(
        reader.assets_without_result(1).expect("left"),
        ["OLD-1", "OLD-2"],
        "the unfinished run still owes both"
    );
    assert_eq!(reader.integrity_check().expect("check"), "ok");
}

/// A sample as comparable bits (f64 equality would let -0.0 pass for 0.0): date, (state,
/// value bits) per gas, batch, sheet, row.
type SampleBits = (NaiveDate, Vec<(u8, Option<u64>)>, i64, String, u32);

fn sample_bits(s: &substation_store::StoredSample) -> SampleBits {
    let g = &s.sample.gases;
    let gases = [g.h2, g.ch4, g.c2h6, g.c2h4, g.c2h2, g.co, g.co2, g.o2, g.n2]
        .iter()
        .map(|v| match *v {
            GasValue::NotMeasured => (0, None),
            GasValue::Measured(x) => (1, Some(x.to_bits())),
            GasValue::BelowDetection { limit } => (2, limit.map(f64::to_bits)),
        })
        .collect();
    (
        s.sample.date,
        gases,
        s.batch_id,
        s.source_sheet.clone(),
        s.source_row,
    )
}

#[test]
fn a_version_2_database_with_samples_migrates_and_reads_back_identically() {
    let dir = scratch("from-v2");
    let path = dir.path().join("db.sqlite3");
    // Not only laboratory decimals: values no short decimal gives back, extremes. (Not -0.0:
    // version 2 stored it as the integer 0.)
    let values = [
        0.1 + 0.2,
        0.0,
        1e300,
        5e-324,
        52_000.0,
        12.5,
        0.03,
        f64::MAX,
        -7.125,
        1.0 / 3.0,
    ];
    let day =
        |i: u64| NaiveDate::from_ymd_opt(2001, 1, 1).expect("date") + chrono::Days::new(i * 30);
    let mut expected: Vec<(&str, substation_store::StoredSample)> = Vec::new();
    for (asset, batch, sheet) in [
        ("V2-A", 1, "Lab A"),
        ("V2-A", 2, "Lab B"),
        ("V2-B", 2, "Lab B"),
    ] {
        for j in 0..12u64 {
            let gas = |i: u64| match (i + j) % 4 {
                0 => GasValue::NotMeasured,
                1 => GasValue::Measured(values[((i * 3 + j) % 10) as usize]),
                2 => GasValue::BelowDetection {
                    limit: Some(values[((i + j * 7) % 10) as usize]),
                },
                _ => GasValue::BelowDetection { limit: None },
            };
            let gases = GasReadings {
                h2: gas(0),
                ch4: gas(1),
                c2h6: gas(2),
                c2h4: gas(3),
                c2h2: gas(4),
                co: gas(5),
                co2: gas(6),
                o2: gas(7),
                n2: gas(8),
            };
            // Batch 2 holds later samples of V2-A.
            let date = day(j + if batch == 2 && asset == "V2-A" {
                100
            } else {
                0
            });
            expected.push((
                asset,
                substation_store::StoredSample {
                    sample: Sample::new(date, gases),
                    batch_id: batch,
                    source_sheet: sheet.to_owned(),
                    source_row: u32::try_from(j).expect("row") + 2,
                },
            ));
        }
    }
    {
        let mut conn = rusqlite_like_open(&path);
        rusqlite_migration::Migrations::new(vec![
            rusqlite_migration::M::up(include_str!("../migrations/0001_initial.sql")),
            rusqlite_migration::M::up(include_str!("../migrations/0002_run_and_batch_members.sql")),
        ])
        .to_latest(&mut conn)
        .expect("version 2");
        conn.execute_batch(
            "INSERT INTO import_batch (id, file_name, content_sha256, imported_at, format, sheets_json, summary_json)
                 VALUES (1, 'a.xlsx', 'a', '2025-01-01', 'xlsx', '[]', '{}'),
                        (2, 'b.xlsx', 'b', '2025-02-01', 'xlsx', '[]', '{}');
             INSERT INTO asset (key, id, batch_id, updated_at) VALUES (1, 'V2-A', 2, '2025-01-01');
             INSERT INTO asset (key, id, batch_id, updated_at) VALUES (2, 'V2-B', 2, '2025-02-01');",
        )
        .expect("version 2 batches and assets");
        let mut insert = conn
            .prepare(
                "INSERT INTO sample (asset_key, sampled_on,
                     h2, h2_state, ch4, ch4_state, c2h6, c2h6_state, c2h4, c2h4_state, c2h2, c2h2_state,
                     co, co_state, co2, co2_state, o2, o2_state, n2, n2_state,
                     batch_id, source_sheet, source_row)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .expect("insert");
        for (asset, stored) in &expected {
            let mut values: Vec<rusqlite::types::Value> = vec![
                i64::from(if *asset == "V2-B" { 2 } else { 1 }).into(),
                i64::from(stored.sample.date.year() * 10_000)
                    .saturating_add(i64::from(
                        stored.sample.date.month() * 100 + stored.sample.date.day(),
                    ))
                    .into(),
            ];
            let g = &stored.sample.gases;
            for value in [g.h2, g.ch4, g.c2h6, g.c2h4, g.c2h2, g.co, g.co2, g.o2, g.n2] {
                let (ppm, state) = match value {
                    GasValue::NotMeasured => (None, 0),
                    GasValue::Measured(ppm) => (Some(ppm), 1),
                    GasValue::BelowDetection { limit } => (limit, 2),
                };
                values.push(ppm.into());
                values.push(state.into());
            }
            values.push(stored.batch_id.into());
            values.push(stored.source_sheet.clone().into());
            values.push(i64::from(stored.source_row).into());
            insert
                .execute(rusqlite::params_from_iter(values))
                .expect("version 2 sample");
        }
    }

    let store = Store::open(&path).expect("migrated");
    let reader = store.reader().expect("reader");
    for asset in ["V2-A", "V2-B"] {
        let mut want: Vec<_> = expected
            .iter()
            .filter(|(a, _)| *a == asset)
            .map(|(_, s)| sample_bits(s))
            .collect();
        want.sort_by_key(|s| s.0);
        let got: Vec<_> = reader
            .samples(asset)
            .expect("samples")
            .iter()
            .map(sample_bits)
            .collect();
        assert_eq!(got, want, "{asset} reads back as version 2 held it");
    }
    assert_eq!(count(&store, "sample"), expected.len() as u64);
    assert_eq!(reader.integrity_check().expect("check"), "ok");
    let conn = rusqlite_like_open(&path);
    let old_tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'sample_v2'",
            [],
            |row| row.get(0),
        )
        .expect("schema");
    assert_eq!(old_tables, 0, "the version 2 table is gone");
    assert_eq!(
        conn.query_row("PRAGMA foreign_key_check", [], |_| Ok(()))
            .optional()
            .expect("foreign key check"),
        None,
        "every sample refers to its asset and source"
    );

    // The same readings imported again are recognised as unchanged.
    let mut again = one_asset("V2-A", day(0), 0, 0.0);
    again.assets = vec![Asset::new("V2-A"), Asset::new("V2-B")];
    again.samples = expected
        .iter()
        .map(|(asset, s)| ImportedSample {
            asset_id: (*asset).to_owned(),
            sample: s.sample,
            sheet: s.source_sheet.clone(),
            row: s.source_row,
        })
        .collect();
    let outcome = store.import(again).expect("re-import");
    assert_eq!(
        (
            outcome.samples_new,
            outcome.samples_updated,
            outcome.samples_unchanged
        ),
        (0, 0, expected.len() as u64)
    );
}

#[test]
fn two_writers_on_one_file_wait_for_each_other_instead_of_failing() {
    // The CLI and the desktop app may write the same database at once: each has its own writer
    // connection. Every import (read, then write) must wait for the other's transaction, never
    // fail with "database is locked" (SQLITE_BUSY).
    let dir = scratch("two-writers");
    let path = dir.path().join("cache.sqlite");
    let first = Store::open(&path).expect("first");
    let second = Store::open(&path).expect("second");
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    std::thread::scope(|scope| {
        for (store, name) in [(&first, "A"), (&second, "B")] {
            scope.spawn(move || {
                for i in 0..40 {
                    let import = one_asset(&format!("{name}-{i}"), start, 30, f64::from(i));
                    store
                        .import(import)
                        .unwrap_or_else(|e| panic!("writer {name}, import {i}: {e}"));
                    // Building a sync batch reads the outbox before it writes: the case where
                    // a deferred transaction fails at once instead of waiting.
                    let limits = substation_store::BatchLimits {
                        max_items: 5,
                        max_bytes: 1 << 20,
                        gzip_level: None,
                    };
                    if let Some(batch) = store
                        .next_sync_batch(limits)
                        .unwrap_or_else(|e| panic!("writer {name}, batch {i}: {e}"))
                    {
                        store
                            .refuse_sync_batch(
                                batch.id,
                                substation_store::Refusal::Rebuild {
                                    reason: "test".into(),
                                },
                            )
                            .unwrap_or_else(|e| panic!("writer {name}, refuse {i}: {e}"));
                    }
                }
            });
        }
    });
    assert_eq!(count(&first, "asset"), 80);
    assert_eq!(count(&second, "sample"), 80 * 30);
}
