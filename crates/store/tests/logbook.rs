//! The logbook on real SQLite files: entries written through the writer and read back, a
//! typed-in sample joining the history, an oil treatment restarting the diagnosis request,
//! entries and their samples going out through the outbox and coming in on another laptop, and
//! a version 5 database with an upload in flight migrated.

use chrono::{Days, NaiveDate, Utc};
use substation_dga::methods::ieee_2019::Status;
use substation_dga::restart::HISTORY_RESTARTED;
use substation_dga::{
    Gas, GasReadings, GasValue, LogEntry, LogEvent, OilProcessing, OilTreatment, Sample,
    SampleSource, diagnose,
};
use substation_import::ImportedSample;
use substation_store::{BatchLimits, LOGBOOK_SOURCE, OutgoingBatch, Store, StoreError};
use substation_sync_protocol::{Change, ChangesPage, RemoteChange, SyncBatch};

mod fixtures;
use fixtures::{scratch, synthetic};

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") + Days::new(n)
}

/// An air-breathing sample with `h2` ppm of hydrogen and quiet other gases.
fn readings(h2: f64) -> GasReadings {
    GasReadings::default()
        .with(Gas::H2, h2)
        .with(Gas::CH4, 2.0)
        .with(Gas::C2H6, 1.0)
        .with(Gas::C2H4, 1.0)
        .with(Gas::CO, 150.0)
        .with(Gas::CO2, 1500.0)
        .with(Gas::O2, 19_000.0)
        .with(Gas::N2, 52_000.0)
}

/// Two transformers LB-0000 and LB-0001; LB-0000 has hydrogen climbing for eight months (a
/// rate far above IEEE Table 4, every level under Table 1), then three calm samples from
/// day 260 on.
fn store_with_history(name: &str) -> (tempfile::TempDir, Store) {
    let dir = scratch(name);
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let mut import = synthetic("LB", 2, 0);
    let points = [
        (0, 2.0),
        (60, 12.0),
        (120, 22.0),
        (180, 32.0),
        (240, 38.0),
        (260, 15.0),
        (330, 16.0),
        (400, 17.0),
    ];
    import.samples = points
        .iter()
        .enumerate()
        .map(|(i, (on, h2))| ImportedSample {
            asset_id: "LB-0000".into(),
            sample: Sample::new(day(*on), readings(*h2)),
            sheet: "DGA".into(),
            row: u32::try_from(i).expect("row") + 2,
        })
        .collect();
    store.import(import).expect("import");
    (dir, store)
}

fn entry(asset: &str, on: NaiveDate, event: LogEvent, text: &str) -> LogEntry {
    LogEntry {
        asset_id: asset.into(),
        occurred_on: on,
        author: "J. Kim".into(),
        text: text.into(),
        event,
    }
}

fn degassed() -> LogEvent {
    LogEvent::OilProcessed {
        treatment: OilTreatment::Degassed,
    }
}

fn parse(batch: &OutgoingBatch) -> SyncBatch {
    use std::io::Read as _;
    let mut body = Vec::new();
    if batch.gzip {
        flate2::read::GzDecoder::new(batch.body.as_slice())
            .read_to_end(&mut body)
            .expect("gunzip");
    } else {
        body.clone_from(&batch.body);
    }
    serde_json::from_slice(&body).expect("a protocol batch")
}

#[test]
fn entries_are_kept_and_a_typed_sample_joins_the_history() {
    let (_dir, store) = store_with_history("logbook-entries");
    let mut portable = GasReadings::default()
        .with(Gas::H2, 18.0)
        .with(Gas::CO, 160.0);
    portable.set(Gas::C2H2, GasValue::BelowDetection { limit: Some(0.5) });
    let typed = store
        .add_log_entry(entry(
            "LB-0000",
            day(420),
            LogEvent::Sample {
                source: SampleSource::Portable,
                gases: portable,
            },
            "Portable analyser after the storm",
        ))
        .expect("typed sample");
    store
        .add_log_entry(entry(
            "LB-0000",
            day(410),
            LogEvent::Inspection {},
            "Bushing oil level low; silica gel pink",
        ))
        .expect("inspection");

    let reader = store.reader().expect("reader");
    let samples = reader.samples("LB-0000").expect("samples");
    let latest = samples.last().expect("a sample");
    assert_eq!(latest.sample.date, day(420));
    assert_eq!(latest.sample.gases, portable);
    assert_eq!(latest.source_sheet, LOGBOOK_SOURCE);
    // The typed sample is the request's latest, and the imports list is only imports.
    let request = reader.request("LB-0000").expect("request").expect("cached");
    assert_eq!(request.samples.last().map(|s| s.date), Some(day(420)));
    let batches = reader.batches().expect("batches");
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_ne!(batches[0].file_name, LOGBOOK_SOURCE);

    // Newest first; what was written reads back whole.
    let log = reader.log_entries("LB-0000").expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0], typed);
    assert_eq!(log[1].entry.event, LogEvent::Inspection {});
    assert_eq!(log[1].entry.text, "Bushing oil level low; silica gel pink");
    assert!(reader.log_entries("LB-0001").expect("log").is_empty());

    // Refusals name what is wrong, and leave nothing behind.
    let again = store.add_log_entry(entry(
        "LB-0000",
        day(400),
        LogEvent::Sample {
            source: SampleSource::Lab,
            gases: readings(1.0),
        },
        "",
    ));
    let Err(err @ StoreError::SampleDateTaken { .. }) = again else {
        panic!("a second sample of a day: {again:?}");
    };
    assert_eq!(err.code(), "sample_date_taken");
    assert!(err.to_string().contains("DGA row 9"), "{err}");
    let unknown = store
        .add_log_entry(entry("NOPE-1", day(400), LogEvent::Note {}, "x"))
        .expect_err("unknown transformer");
    assert_eq!(unknown.code(), "no_such_asset");
    let future = Utc::now().date_naive() + Days::new(3);
    let ahead = store
        .add_log_entry(entry("LB-0000", future, LogEvent::Note {}, "x"))
        .expect_err("in the future");
    assert!(
        matches!(&ahead, StoreError::InvalidLogEntry(p) if p.code() == "in_the_future"),
        "{ahead:?}"
    );
    let silent = store
        .add_log_entry(entry("LB-0000", day(400), LogEvent::Repair {}, " "))
        .expect_err("a repair without a word");
    assert_eq!(silent.code(), "invalid_log_entry");
    assert_eq!(reader.log_entries("LB-0000").expect("log").len(), 2);
    assert_eq!(reader.samples("LB-0000").expect("samples").len(), 9);
}

#[test]
fn an_oil_treatment_restarts_the_history_the_engine_is_given() {
    let (_dir, store) = store_with_history("logbook-restart");
    let reader = store.reader().expect("reader");
    let before =
        diagnose(&reader.request("LB-0000").expect("request").expect("cached")).expect("diagnosis");
    assert_eq!(before.ieee_c57_104_2019.status, Status::Three);
    assert_eq!(reader.oil_processing("LB-0000").expect("read"), None);

    // An older treatment first, then the one that counts: the latest by its day.
    store
        .add_log_entry(entry(
            "LB-0000",
            day(100),
            LogEvent::OilProcessed {
                treatment: OilTreatment::Filtered,
            },
            "",
        ))
        .expect("filtered");
    store
        .add_log_entry(entry("LB-0000", day(250), degassed(), "6 h on site"))
        .expect("degassed");
    assert_eq!(
        reader.oil_processing("LB-0000").expect("read"),
        Some(OilProcessing {
            date: day(250),
            treatment: OilTreatment::Degassed
        })
    );
    let request = reader.request("LB-0000").expect("request").expect("cached");
    assert_eq!(
        request.samples.iter().map(|s| s.date).collect::<Vec<_>>(),
        [day(260), day(330), day(400)]
    );
    let after = diagnose(&request).expect("diagnosis");
    assert_eq!(after.ieee_c57_104_2019.status, Status::One);
    assert_eq!(after.rules[0].code, HISTORY_RESTARTED);
    // The whole history stays in the cache for the trends.
    assert_eq!(reader.samples("LB-0000").expect("samples").len(), 8);
    // The other transformer's requests are untouched.
    assert_eq!(
        reader
            .request("LB-0001")
            .expect("request")
            .expect("cached")
            .oil_processed,
        None
    );

    // A treatment after the latest sample: nothing to diagnose until a sample is drawn.
    store
        .add_log_entry(entry(
            "LB-0000",
            day(410),
            LogEvent::OilProcessed {
                treatment: OilTreatment::Replaced,
            },
            "",
        ))
        .expect("replaced");
    let request = reader.request("LB-0000").expect("request").expect("cached");
    assert!(request.samples.is_empty());
    let err = diagnose(&request).expect_err("nothing since");
    assert_eq!(err.code(), "no_sample_since_oil_processed");
}

#[test]
fn entries_sync_out_with_their_samples_and_in_on_another_laptop() {
    let (_dir, store) = store_with_history("logbook-out");
    // The import's own rows first.
    while let Some(batch) = store
        .next_sync_batch(BatchLimits::default())
        .expect("build")
    {
        let parsed = parse(&batch);
        store.answer_sync_batch(applied(&parsed)).expect("answered");
    }
    let typed = store
        .add_log_entry(entry(
            "LB-0000",
            day(420),
            LogEvent::Sample {
                source: SampleSource::Lab,
                gases: readings(16.0),
            },
            "",
        ))
        .expect("typed");
    let treated = store
        .add_log_entry(entry("LB-0000", day(425), degassed(), "again"))
        .expect("degassed");
    let batch = store
        .next_sync_batch(BatchLimits::default())
        .expect("build")
        .expect("a batch");
    let parsed = parse(&batch);
    let kinds: Vec<&str> = parsed
        .items
        .iter()
        .map(|item| match &item.change {
            Change::Samples(_) => "samples",
            Change::LogEntry(_) => "log_entry",
            Change::Asset(_) => "asset",
            Change::Diagnosis(_) => "diagnosis",
        })
        .collect();
    // The sample before its entry, each entry once.
    assert_eq!(kinds, ["samples", "log_entry", "log_entry"]);
    for item in &parsed.items {
        item.change.validate().expect("valid");
    }
    let Change::Samples(samples) = &parsed.items[0].change else {
        unreachable!()
    };
    assert_eq!(samples.source.file_name, LOGBOOK_SOURCE);
    assert_eq!(samples.samples.len(), 1);
    assert_eq!(samples.samples[0].row, None);
    assert_eq!(samples.samples[0].date, day(420));
    let Change::LogEntry(first) = &parsed.items[1].change else {
        unreachable!()
    };
    assert_eq!(first.entry_id.to_string(), typed.uuid);
    assert_eq!(first.entry, typed.entry);

    // Another laptop pulls the three, twice (a page seen again changes nothing).
    let dir = scratch("logbook-in");
    let other = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let page = ChangesPage {
        changes: parsed
            .items
            .iter()
            .map(|item| RemoteChange {
                origin: "laptop-a".into(),
                item: item.clone(),
            })
            .collect(),
        next_cursor: "c1-3".into(),
        more: false,
    };
    let outcome = other.apply_changes(page.clone()).expect("pulled");
    assert_eq!((outcome.samples, outcome.log_entries), (1, 2));
    let again = other.apply_changes(page).expect("pulled again");
    assert_eq!((again.samples, again.log_entries), (0, 0));
    let reader = other.reader().expect("reader");
    let log = reader.log_entries("LB-0000").expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].uuid, treated.uuid);
    assert_eq!(log[0].origin.as_deref(), Some("laptop-a"));
    assert_eq!(log[1].entry, typed.entry);
    assert_eq!(
        reader.oil_processing("LB-0000").expect("read"),
        Some(OilProcessing {
            date: day(425),
            treatment: OilTreatment::Degassed
        })
    );
    let samples = reader.samples("LB-0000").expect("samples");
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].sample.gases, readings(16.0));
    assert!(reader.batches().expect("batches").is_empty());
    // Nothing pulled goes back out.
    assert_eq!(reader.outbox_pending().expect("pending"), 0);
}

fn applied(batch: &SyncBatch) -> substation_sync_protocol::BatchAnswer {
    substation_sync_protocol::BatchAnswer {
        batch_id: batch.batch_id,
        received_at: Utc::now(),
        results: batch
            .items
            .iter()
            .map(|item| substation_sync_protocol::ItemResult {
                id: item.id,
                outcome: substation_sync_protocol::Outcome::Applied,
                reason: None,
            })
            .collect(),
    }
}

#[test]
fn a_version_5_database_with_an_upload_in_flight_migrates() {
    let dir = scratch("from-v5");
    let path = dir.path().join("db.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        rusqlite_migration::Migrations::new(vec![
            rusqlite_migration::M::up(include_str!("../migrations/0001_initial.sql")),
            rusqlite_migration::M::up(include_str!("../migrations/0002_run_and_batch_members.sql")),
            rusqlite_migration::M::up_with_hook(
                include_str!("../migrations/0003_compact_samples.sql"),
                |tx: &rusqlite::Transaction<'_>| {
                    tx.execute_batch("DROP TABLE sample_v2")?;
                    Ok(())
                },
            ),
            rusqlite_migration::M::up(include_str!("../migrations/0004_sync.sql")),
            rusqlite_migration::M::up(include_str!("../migrations/0005_answers.sql")),
        ])
        .to_latest(&mut conn)
        .expect("version 5");
        conn.execute_batch("PRAGMA foreign_keys = ON;").expect("fk");
        conn.execute_batch(
            "INSERT INTO import_batch (id, file_name, content_sha256, imported_at, format, sheets_json, summary_json)
                 VALUES (1, 'old.xlsx', 'x', '2025-01-01T00:00:00.000Z', 'xlsx', '[]', '{}');
             INSERT INTO asset (key, id, batch_id, updated_at) VALUES (1, 'OLD-1', 1, '2025-01-01T00:00:00.000Z');
             INSERT INTO outbox (id, op_id, entity, entity_key, created_at, state, batch_id)
                 VALUES (7, '0190d0a8-0000-7000-8000-0000000000aa', 'asset', 'OLD-1',
                         '2025-01-01T00:00:00.000Z', 'in_flight', '0190d0a8-0000-7000-8000-0000000000bb');
             INSERT INTO sync_batch (id, body, items, created_at)
                 VALUES ('0190d0a8-0000-7000-8000-0000000000bb', x'7b7d', 1, '2025-01-01T00:00:00.000Z');
             INSERT INTO sync_batch_item (batch_id, position, item_id, outbox_id, last_part)
                 VALUES ('0190d0a8-0000-7000-8000-0000000000bb', 0,
                         '0190d0a8-0000-7000-8000-0000000000aa', 7, 1);
             INSERT INTO sync_state (key, value) VALUES ('cursor', 'c1-4000');",
        )
        .expect("version 5 data");
    }
    let store = Store::open(&path).expect("migrated");
    let reader = store.reader().expect("reader");
    assert_eq!(reader.integrity_check().expect("check"), "ok");
    let status = reader.sync_status().expect("status");
    assert_eq!((status.pending, status.open_batches), (1, 1), "{status:?}");
    // Version 1 of the protocol was given no logbook entries: the feed is pulled again from
    // the start.
    assert_eq!(status.cursor, None);
    // The open batch is resent as it was stored, and its answer settles the row it names.
    let batch = store
        .next_sync_batch(BatchLimits::default())
        .expect("build")
        .expect("the open batch");
    assert_eq!(batch.body, b"{}");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let (id, entity): (i64, String) = conn
        .query_row(
            "SELECT o.id, o.entity FROM sync_batch_item i JOIN outbox o ON o.id = i.outbox_id",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("the item's outbox row");
    assert_eq!((id, entity.as_str()), (7, "asset"));
    let violations: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .expect("check");
    assert_eq!(violations, 0);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("version");
    assert_eq!(version, 6);
    // And the new entity is accepted.
    store
        .add_log_entry(entry("OLD-1", day(10), LogEvent::Note {}, "migrated"))
        .expect("an entry after the migration");
    // The row in flight, and the entry's.
    assert_eq!(reader.outbox_pending().expect("pending"), 2);
}
