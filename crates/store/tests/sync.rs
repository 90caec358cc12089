//! The store's side of sync on real SQLite files: batches built from the outbox within their
//! bounds, a big import sent in parts and acked at its last, an open batch resent byte for byte
//! after a restart, answers and refusals applied, the change feed pulled without echo, and a
//! version 3 database migrated.

use std::collections::HashSet;
use std::io::Read as _;
use std::path::Path;

use chrono::{NaiveDate, Utc};
use substation_dga::{Asset, DiagnosisRequest, Gas, GasReadings, Sample, diagnose};
use substation_store::{BatchLimits, OutgoingBatch, Refusal, Store};
use substation_sync_protocol::{
    AssetChange, BatchAnswer, Change, ChangesPage, DiagnosisChange, ErrorBody, Item, ItemResult,
    Outcome, RemoteChange, RunInfo, SampleRecord, SampleSource, SamplesChange, SyncBatch,
};
use uuid::Uuid;

mod fixtures;
use fixtures::{diagnose_fleet, import_sample, scratch, synthetic};

fn json_body(batch: &OutgoingBatch) -> Vec<u8> {
    if batch.gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(batch.body.as_slice())
            .read_to_end(&mut out)
            .expect("gunzip");
        out
    } else {
        batch.body.clone()
    }
}

fn parse(batch: &OutgoingBatch) -> SyncBatch {
    let parsed: SyncBatch = serde_json::from_slice(&json_body(batch)).expect("a protocol batch");
    assert_eq!(parsed.batch_id, batch.id);
    assert_eq!(parsed.items.len() as u64, batch.items);
    parsed
}

/// The service's answer: every item applied, except those `reject` picks.
fn answer(batch: &SyncBatch, reject: impl Fn(&Item) -> bool) -> BatchAnswer {
    BatchAnswer {
        batch_id: batch.batch_id,
        received_at: Utc::now(),
        results: batch
            .items
            .iter()
            .map(|item| {
                if reject(item) {
                    ItemResult {
                        id: item.id,
                        outcome: Outcome::Rejected,
                        reason: Some(ErrorBody::new("invalid_item", "not on my watch")),
                    }
                } else {
                    ItemResult {
                        id: item.id,
                        outcome: Outcome::Applied,
                        reason: None,
                    }
                }
            })
            .collect(),
    }
}

fn outbox_states(path: &Path) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut statement = conn
        .prepare("SELECT entity, entity_key, state FROM outbox ORDER BY id")
        .expect("query");
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

#[test]
fn batches_respect_their_item_and_byte_bounds_and_carry_valid_items() {
    let dir = scratch("bounds");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    let import = import_sample("fleet-two-sheets.xlsx");
    let sample_items = import
        .samples
        .len()
        .div_ceil(substation_sync_protocol::MAX_SAMPLES_PER_ITEM);
    store.import(import).expect("import");
    assert_eq!(diagnose_fleet(&store), 170);
    let pending = store.reader().expect("reader").outbox_pending().expect("n");
    assert_eq!(pending, 170 + 1 + 170, "assets, the samples, diagnoses");

    // Count bound.
    let limits = BatchLimits {
        max_items: 25,
        max_bytes: 4 << 20,
        gzip_level: Some(1),
    };
    let batch = store
        .next_sync_batch(limits)
        .expect("build")
        .expect("batch");
    let parsed = parse(&batch);
    assert_eq!(parsed.items.len(), 25);
    for item in &parsed.items {
        item.change.validate().expect("a valid item");
    }
    store
        .answer_sync_batch(answer(&parsed, |_| false))
        .expect("answer");

    // Byte bound, on the JSON: diagnoses are ~3 KB each.
    let limits = BatchLimits {
        max_items: 1_000,
        max_bytes: 40_000,
        gzip_level: None,
    };
    let mut seen = HashSet::new();
    let mut kinds = HashSet::new();
    while let Some(batch) = store.next_sync_batch(limits).expect("build") {
        assert!(!batch.gzip);
        let parsed = parse(&batch);
        assert!(
            batch.body.len() <= 40_000 || parsed.items.len() == 1,
            "{} bytes in {} items",
            batch.body.len(),
            parsed.items.len()
        );
        for item in &parsed.items {
            assert!(seen.insert(item.id), "an item sent twice");
            item.change.validate().expect("a valid item");
            kinds.insert(match &item.change {
                Change::Asset(_) => "asset",
                Change::Samples(_) => "samples",
                Change::Diagnosis(d) => {
                    assert!(!d.response_deflate.is_empty());
                    "diagnosis"
                }
                Change::LogEntry(_) => "log_entry",
            });
        }
        store
            .answer_sync_batch(answer(&parsed, |_| false))
            .expect("answer");
    }
    assert_eq!(seen.len() + 25, 170 + sample_items + 170);
    assert_eq!(kinds.len(), 3);
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!(
        (status.pending, status.acked, status.open_batches),
        (0, 341, 0)
    );
}

#[test]
fn a_big_import_goes_in_parts_and_is_acked_with_its_last() {
    let dir = scratch("parts");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    // 3 transformers × 1,700 samples: 5,100 samples, three parts of at most 2,000.
    store.import(synthetic("BIG", 3, 1_700)).expect("import");
    let limits = BatchLimits {
        max_items: 3,
        max_bytes: 4 << 20,
        gzip_level: Some(1),
    };
    let first = store
        .next_sync_batch(limits)
        .expect("build")
        .expect("batch");
    let parsed = parse(&first);
    // The three assets fill the first batch.
    assert!(
        parsed
            .items
            .iter()
            .all(|i| matches!(i.change, Change::Asset(_)))
    );
    store
        .answer_sync_batch(answer(&parsed, |_| false))
        .expect("answer");

    let limits = BatchLimits {
        max_items: 2,
        ..limits
    };
    let second = parse(
        &store
            .next_sync_batch(limits)
            .expect("build")
            .expect("batch"),
    );
    assert_eq!(second.items.len(), 2);
    let sample_row = |path: &Path| {
        outbox_states(path)
            .into_iter()
            .find(|(entity, _, _)| entity == "sample_batch")
            .expect("row")
            .2
    };
    assert_eq!(sample_row(&path), "pending", "more parts to go");
    // Killed here and reopened: the open batch comes back first, then the rest.
    drop(store);
    let store = Store::open(&path).expect("reopen");
    let again = store
        .next_sync_batch(limits)
        .expect("build")
        .expect("batch");
    assert!(again.resent);
    assert_eq!(parse(&again), second);
    store
        .answer_sync_batch(answer(&second, |_| false))
        .expect("answer");
    assert_eq!(
        sample_row(&path),
        "pending",
        "the last part is not sent yet"
    );
    let third = parse(
        &store
            .next_sync_batch(limits)
            .expect("build")
            .expect("batch"),
    );
    assert_eq!(third.items.len(), 1);
    assert_eq!(sample_row(&path), "in_flight");
    store
        .answer_sync_batch(answer(&third, |_| false))
        .expect("answer");
    assert_eq!(sample_row(&path), "acked");
    assert!(store.next_sync_batch(limits).expect("build").is_none());

    let mut keys = HashSet::new();
    let mut sizes = Vec::new();
    for item in second.items.iter().chain(&third.items) {
        let Change::Samples(samples) = &item.change else {
            panic!("a samples item expected");
        };
        sizes.push(samples.samples.len());
        assert_eq!(samples.source.file_name, "korean-lab-export-cp949.csv");
        for s in &samples.samples {
            assert!(
                keys.insert((s.asset_id.clone(), s.date)),
                "a sample sent twice"
            );
        }
    }
    assert_eq!(sizes, [2_000, 2_000, 1_100]);
    assert_eq!(keys.len(), 5_100);
}

#[test]
fn a_rejected_part_rejects_its_import_at_the_end() {
    let dir = scratch("part-rejected");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    store.import(synthetic("REJ", 1, 2_500)).expect("import");
    let limits = BatchLimits {
        max_items: 2,
        max_bytes: 4 << 20,
        gzip_level: None,
    };
    // The asset and the first part; the part is refused.
    let first = parse(
        &store
            .next_sync_batch(limits)
            .expect("build")
            .expect("batch"),
    );
    let outcome = store
        .answer_sync_batch(answer(&first, |i| matches!(i.change, Change::Samples(_))))
        .expect("answer");
    assert_eq!((outcome.applied, outcome.rejected), (1, 1));
    let second = parse(
        &store
            .next_sync_batch(limits)
            .expect("build")
            .expect("batch"),
    );
    assert_eq!(second.items.len(), 1, "the rest is still sent");
    store
        .answer_sync_batch(answer(&second, |_| false))
        .expect("answer");
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!(
        (status.pending, status.acked, status.rejected_count),
        (0, 1, 1)
    );
    assert_eq!(status.rejected[0].entity, "sample_batch");
    assert_eq!(status.rejected[0].reason, "invalid_item: not on my watch");
}

#[test]
fn an_open_batch_is_resent_byte_for_byte_after_a_restart() {
    let dir = scratch("resend");
    let path = dir.path().join("db.sqlite3");
    let first = {
        let store = Store::open(&path).expect("open");
        store.import(synthetic("RS", 30, 3)).expect("import");
        let batch = store
            .next_sync_batch(BatchLimits::default())
            .expect("build")
            .expect("batch");
        store
            .record_sync_failure(Some(batch.id), "server_unreachable", "connection reset")
            .expect("failure");
        batch
    };
    let store = Store::open(&path).expect("reopen");
    // New work arrives meanwhile: it waits for the open batch.
    store.import(synthetic("LATER", 2, 1)).expect("import");
    let again = store
        .next_sync_batch(BatchLimits {
            gzip_level: None,
            ..BatchLimits::default()
        })
        .expect("build")
        .expect("batch");
    assert!(again.resent && !first.resent);
    assert_eq!(
        (again.id, &again.body, again.gzip),
        (first.id, &first.body, first.gzip)
    );
    assert_eq!(again.attempts, 1);
    let parsed = parse(&again);
    assert_eq!(parsed.items.len(), 31);
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!(status.open_batches, 1);
    assert_eq!(status.last_error.as_deref(), Some("connection reset"));
    store
        .answer_sync_batch(answer(&parsed, |_| false))
        .expect("answer");
    // Answering twice (two syncs of one database) changes nothing more.
    assert_eq!(
        store
            .answer_sync_batch(answer(&parsed, |_| false))
            .expect("again"),
        Default::default()
    );
    let next = parse(
        &store
            .next_sync_batch(BatchLimits::default())
            .expect("build")
            .expect("batch"),
    );
    assert_eq!(
        next.items.len(),
        3,
        "the later import: two assets, its samples"
    );
}

#[test]
fn answers_ack_and_reject_item_by_item_and_a_mismatched_answer_changes_nothing() {
    let dir = scratch("answers");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    store.import(synthetic("ANS", 4, 2)).expect("import");
    let parsed = parse(
        &store
            .next_sync_batch(BatchLimits::default())
            .expect("build")
            .expect("batch"),
    );
    assert_eq!(parsed.items.len(), 5);
    let mut wrong = answer(&parsed, |_| false);
    wrong.results[0].id = Uuid::now_v7();
    assert!(store.answer_sync_batch(wrong).is_err());
    let mut short = answer(&parsed, |_| false);
    short.results.pop();
    assert!(store.answer_sync_batch(short).is_err());
    assert!(
        outbox_states(&path)
            .iter()
            .all(|(_, _, state)| state == "in_flight")
    );

    let rejected_asset = match &parsed.items[1].change {
        Change::Asset(a) => a.asset.id.clone(),
        _ => panic!("assets come first"),
    };
    let mut reply = answer(&parsed, |item| item.id == parsed.items[1].id);
    reply.results[2].outcome = Outcome::Duplicate;
    let outcome = store.answer_sync_batch(reply).expect("answer");
    assert_eq!(
        (outcome.applied, outcome.duplicate, outcome.rejected),
        (3, 1, 1)
    );
    let states = outbox_states(&path);
    assert_eq!(
        states
            .iter()
            .filter(|(_, _, state)| state == "acked")
            .count(),
        4
    );
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!(status.rejected.len(), 1);
    assert_eq!(status.rejected[0].entity_key, rejected_asset);
    assert_eq!(status.pending, 0);
}

#[test]
fn a_refused_batch_rejects_its_rows_or_goes_back_to_be_rebuilt_smaller() {
    let dir = scratch("refused");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    store.import(synthetic("REF", 1, 4_500)).expect("import");
    let limits = BatchLimits {
        max_items: 10,
        max_bytes: 4 << 20,
        gzip_level: Some(1),
    };
    let big = parse(
        &store
            .next_sync_batch(limits)
            .expect("build")
            .expect("batch"),
    );
    assert_eq!(big.items.len(), 4, "the asset and three parts");
    let first_ids: std::collections::HashSet<Uuid> = big.items.iter().map(|i| i.id).collect();
    // 413: back to pending, nothing lost; built again smaller.
    let rows = store
        .refuse_sync_batch(
            big.batch_id,
            Refusal::Rebuild {
                reason: "payload_too_large".into(),
            },
        )
        .expect("refuse");
    assert_eq!(rows, 2);
    assert!(
        outbox_states(&path)
            .iter()
            .all(|(_, _, state)| state == "pending")
    );
    let small = BatchLimits {
        max_items: 2,
        ..limits
    };
    let mut samples = 0;
    let mut batches = 0;
    let mut again_ids = std::collections::HashSet::new();
    while let Some(batch) = store.next_sync_batch(small).expect("build") {
        let parsed = parse(&batch);
        assert_ne!(parsed.batch_id, big.batch_id);
        assert!(parsed.items.len() <= 2);
        again_ids.extend(parsed.items.iter().map(|i| i.id));
        for item in &parsed.items {
            if let Change::Samples(s) = &item.change {
                samples += s.samples.len();
            }
        }
        store
            .answer_sync_batch(answer(&parsed, |_| false))
            .expect("answer");
        batches += 1;
    }
    assert_eq!((samples, batches), (4_500, 2));
    // The same items under the same ids: had the service stored the first batch (its answer
    // lost, the retry refused as too large), it would answer them all `duplicate`.
    assert_eq!(again_ids, first_ids);

    // 400/422: every row in it rejected with the reason.
    store.import(synthetic("BAD", 2, 1)).expect("import");
    let bad = store
        .next_sync_batch(limits)
        .expect("build")
        .expect("batch");
    store
        .refuse_sync_batch(
            bad.id,
            Refusal::RejectAll {
                reason: "malformed_batch: no".into(),
            },
        )
        .expect("refuse");
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!((status.rejected_count, status.pending), (3, 0));
    assert!(
        status
            .rejected
            .iter()
            .all(|r| r.reason == "malformed_batch: no")
    );
    assert!(store.next_sync_batch(limits).expect("build").is_none());
}

fn remote_diagnosis(asset: &str, run: Uuid, created: chrono::DateTime<Utc>) -> DiagnosisChange {
    let request = DiagnosisRequest::new(
        Asset::new(asset),
        vec![Sample::new(
            NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"),
            GasReadings::default()
                .with(Gas::H2, 900.0)
                .with(Gas::C2H2, 40.0),
        )],
    );
    let diagnosis = diagnose(&request).expect("diagnosis");
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    serde_json::to_writer(&mut encoder, &diagnosis).expect("json");
    DiagnosisChange {
        diagnosis_id: Uuid::now_v7(),
        asset_id: asset.into(),
        run: RunInfo {
            run_id: run,
            engine: "lambda".into(),
            function_name: Some("substation-diagnose".into()),
            started_at: created - chrono::Duration::minutes(5),
        },
        request_sha256: substation_store::request_sha256(&request).expect("hash"),
        engine_version: diagnosis.engine.version.clone(),
        latest_sample_date: Some(diagnosis.latest_sample_date),
        ieee_status: Some(diagnosis.ieee_c57_104_2019.status.number()),
        iec_state: Some(diagnosis.iec_60599.state.label().into()),
        fault: Some(diagnosis.fault.label().into()),
        severity: Some(diagnosis.severity.label().into()),
        created_at: created,
        response_deflate: encoder.finish().expect("deflate"),
        profile: None,
        fault_label: None,
        score: None,
        action: None,
        headline: None,
    }
}

fn change(origin: &str, change: Change) -> RemoteChange {
    RemoteChange {
        origin: origin.into(),
        item: Item {
            id: Uuid::now_v7(),
            change,
        },
    }
}

#[test]
fn a_pull_brings_other_laptops_work_into_the_cache_without_echo() {
    let dir = scratch("pull");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    store.import(synthetic("LOC", 2, 3)).expect("import");
    assert_eq!(diagnose_fleet(&store), 2);
    // Everything of ours delivered.
    while let Some(batch) = store
        .next_sync_batch(BatchLimits::default())
        .expect("build")
    {
        let parsed = parse(&batch);
        store
            .answer_sync_batch(answer(&parsed, |_| false))
            .expect("answer");
    }
    let outbox_before = outbox_states(&path).len();

    let mut nameplate = Asset::new("LOC-0000");
    nameplate.substation = Some("East".into());
    let mut stale = Asset::new("LOC-0001");
    stale.substation = Some("Stale".into());
    let mut remote_only = Asset::new("FAR-1");
    remote_only.name = Some("Far away".into());
    let run = Uuid::now_v7();
    let later = Utc::now() + chrono::Duration::hours(1);
    let older = Utc::now() - chrono::Duration::days(30);
    let samples = SamplesChange {
        source: SampleSource {
            file_name: "far.xlsx".into(),
            content_sha256: "f".repeat(64),
            imported_at: later,
        },
        samples: vec![
            SampleRecord {
                asset_id: "FAR-1".into(),
                date: NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"),
                gases: GasReadings::default().with(Gas::H2, 900.0),
                sheet: Some("Lab".into()),
                row: Some(4),
            },
            // Our own sample of that day, corrected by a newer import elsewhere.
            SampleRecord {
                asset_id: "LOC-0000".into(),
                date: NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
                gases: GasReadings::default().with(Gas::H2, 11.0),
                sheet: None,
                row: None,
            },
        ],
    };
    let fresh = remote_diagnosis("LOC-0000", run, later);
    let old = remote_diagnosis("LOC-0001", run, older);
    let page = ChangesPage {
        changes: vec![
            change(
                "laptop-a",
                Change::Asset(AssetChange {
                    asset: nameplate,
                    updated_at: later,
                }),
            ),
            change(
                "laptop-a",
                Change::Asset(AssetChange {
                    asset: stale,
                    updated_at: older,
                }),
            ),
            change(
                "laptop-a",
                Change::Asset(AssetChange {
                    asset: remote_only,
                    updated_at: later,
                }),
            ),
            change("laptop-a", Change::Samples(samples)),
            change("laptop-a", Change::Diagnosis(fresh.clone())),
            change("laptop-a", Change::Diagnosis(old.clone())),
            // A diagnosis of a transformer we have not heard of otherwise.
            change(
                "laptop-b",
                Change::Diagnosis(remote_diagnosis("GHOST-9", Uuid::now_v7(), later)),
            ),
        ],
        next_cursor: "c1-7".into(),
        more: false,
    };
    let outcome = store.apply_changes(page.clone()).expect("pull");
    assert_eq!(
        (
            outcome.changes,
            outcome.assets,
            outcome.samples,
            outcome.diagnoses
        ),
        (7, 2, 2, 3)
    );
    assert_eq!(
        outbox_states(&path).len(),
        outbox_before,
        "nothing echoes back"
    );
    let reader = store.reader().expect("reader");
    assert_eq!(
        reader.sync_status().expect("status").cursor.as_deref(),
        Some("c1-7")
    );

    let loc0 = reader.asset("LOC-0000").expect("q").expect("asset");
    assert_eq!(loc0.asset.substation.as_deref(), Some("East"), "newer wins");
    let loc1 = reader.asset("LOC-0001").expect("q").expect("asset");
    assert_eq!(
        loc1.asset.substation.as_deref(),
        Some("LOC S/S"),
        "an older nameplate is ignored"
    );
    let far = reader.asset("FAR-1").expect("q").expect("asset");
    assert_eq!(
        (far.asset.name.as_deref(), far.samples),
        (Some("Far away"), 1)
    );
    let corrected = reader.samples("LOC-0000").expect("samples");
    assert_eq!(
        corrected[0].sample.gases.h2,
        substation_dga::GasValue::Measured(11.0)
    );

    // The newer remote diagnosis is LOC-0000's latest; the older one is history for LOC-0001.
    let fleet = reader
        .fleet(&substation_store::FleetQuery {
            include_undiagnosed: true,
            ..Default::default()
        })
        .expect("fleet");
    let latest = |id: &str| {
        fleet
            .iter()
            .find(|r| r.asset_id == id)
            .expect("row")
            .diagnosis_id
    };
    let history0 = reader.diagnoses("LOC-0000").expect("history");
    assert_eq!(history0.len(), 2);
    assert_eq!(history0[0].diagnosis_uuid, fresh.diagnosis_id.to_string());
    assert_eq!(history0[0].origin.as_deref(), Some("laptop-a"));
    assert_eq!(history0[1].origin, None);
    assert_eq!(latest("LOC-0000"), Some(history0[0].id));
    let history1 = reader.diagnoses("LOC-0001").expect("history");
    assert_eq!(history1[0].origin, None, "ours is newer");
    assert_eq!(latest("LOC-0001"), Some(history1[0].id));
    let full = reader
        .diagnosis(history0[0].id)
        .expect("load")
        .expect("diagnosis");
    assert_eq!(full.asset_id, "LOC-0000");
    assert!(latest("GHOST-9").is_some());

    // Remote runs are finished, owe nothing, and name their laptop.
    let runs = reader.runs().expect("runs");
    let remote: Vec<_> = runs.iter().filter(|r| r.origin.is_some()).collect();
    assert_eq!(remote.len(), 2);
    let a = remote
        .iter()
        .find(|r| r.origin.as_deref() == Some("laptop-a"))
        .expect("laptop-a's run");
    assert_eq!(
        (a.state.as_str(), a.assets_total, a.succeeded, a.failed),
        ("finished", 2, 2, 0)
    );
    assert!(reader.assets_without_result(a.id).expect("owed").is_empty());
    let batches = reader.batches().expect("batches");
    assert_eq!(batches[0].origin.as_deref(), Some("laptop-a"));

    // The same page again (a retried pull) changes nothing.
    let again = store.apply_changes(page).expect("pull again");
    assert_eq!((again.assets, again.samples, again.diagnoses), (0, 0, 0));
    assert_eq!(reader.runs().expect("runs").len(), runs.len());
    assert_eq!(outbox_states(&path).len(), outbox_before);
}

#[test]
fn a_version_3_database_migrates_and_its_outbox_syncs() {
    let dir = scratch("from-v3");
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
        ])
        .to_latest(&mut conn)
        .expect("version 3");
        conn.execute_batch(
            "INSERT INTO import_batch (id, file_name, content_sha256, imported_at, format, sheets_json, summary_json)
                 VALUES (1, 'old.xlsx', 'x', '2025-01-01T00:00:00.000Z', 'xlsx', '[]', '{}');
             INSERT INTO asset (key, id, batch_id, updated_at) VALUES (1, 'OLD-1', 1, '2025-01-01T00:00:00.000Z');
             INSERT INTO diagnosis_run (id, run_uuid, engine, options_json, started_at, assets_total, state)
                 VALUES (1, '0190d0a8-0000-7000-8000-000000000001', 'embedded', '{}', '2025-01-01T00:00:00.000Z', 1, 'finished');
             INSERT INTO outbox (op_id, entity, entity_key, created_at)
                 VALUES ('0190d0a8-0000-7000-8000-0000000000aa', 'asset', 'OLD-1', '2025-01-01T00:00:00.000Z');",
        )
        .expect("version 3 data");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("version");
        assert_eq!(version, 3);
    }
    let store = Store::open(&path).expect("migrated");
    let reader = store.reader().expect("reader");
    assert_eq!(reader.integrity_check().expect("check"), "ok");
    assert_eq!(reader.runs().expect("runs")[0].origin, None);
    let status = reader.sync_status().expect("status");
    assert_eq!(
        (status.pending, status.open_batches, status.cursor),
        (1, 0, None)
    );
    let batch = parse(
        &store
            .next_sync_batch(BatchLimits::default())
            .expect("build")
            .expect("batch"),
    );
    assert_eq!(
        batch.items[0].id.to_string(),
        "0190d0a8-0000-7000-8000-0000000000aa",
        "an asset or a diagnosis goes under its outbox op id"
    );
    let conn = rusqlite::Connection::open(&path).expect("open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("version");
    assert_eq!(version, substation_store::latest_version());
}

#[test]
fn the_next_batch_is_built_while_one_is_in_flight_and_open_ones_go_oldest_first() {
    let dir = scratch("prebuild");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    store.import(synthetic("PB", 5, 1)).expect("import");
    let limits = BatchLimits {
        max_items: 3,
        ..BatchLimits::default()
    };
    let first = store
        .next_sync_batch(limits)
        .expect("build")
        .expect("batch");
    let second = store
        .submit_next_sync_batch(limits, Some(first.id))
        .expect("submit")
        .recv()
        .expect("reply")
        .expect("built")
        .expect("batch");
    assert_ne!(first.id, second.id);
    assert!(!second.resent);
    let (a, b) = (parse(&first), parse(&second));
    assert_eq!((a.items.len(), b.items.len()), (3, 3));
    assert!(a.items.iter().all(|i| b.items.iter().all(|j| i.id != j.id)));
    // Killed now: both are open, and come back in the order they were built.
    drop(store);
    let store = Store::open(&path).expect("reopen");
    let again = store
        .next_sync_batch(limits)
        .expect("build")
        .expect("batch");
    assert_eq!(again.id, first.id);
    let after = store
        .submit_next_sync_batch(limits, Some(first.id))
        .expect("submit")
        .recv()
        .expect("reply")
        .expect("built")
        .expect("batch");
    assert_eq!((after.id, after.resent), (second.id, true));
    store
        .answer_sync_batch(answer(&a, |_| false))
        .expect("answer");
    store
        .answer_sync_batch(answer(&b, |_| false))
        .expect("answer");
    assert!(store.next_sync_batch(limits).expect("build").is_none());
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!(
        (status.acked, status.pending, status.open_batches),
        (6, 0, 0)
    );
}

/// A sample part keeps its id only while it is the same part: built again after a later import
/// took over some of its samples, it reaches further and travels under a new id. Whatever goes
/// under an id the service already answered holds nothing that id did not hold, so that a
/// `duplicate` answer never hides samples the service lacks.
#[test]
fn a_part_under_an_old_id_never_carries_samples_that_id_did_not() {
    let dir = scratch("part-ids");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
    store.import(synthetic("PRT", 1, 4_500)).expect("import");
    let limits = BatchLimits {
        max_items: 10,
        max_bytes: 4 << 20,
        gzip_level: None,
    };
    let first = parse(
        &store
            .next_sync_batch(limits)
            .expect("build")
            .expect("batch"),
    );
    let parts: Vec<Uuid> = first
        .items
        .iter()
        .filter(|i| matches!(i.change, Change::Samples(_)))
        .map(|i| i.id)
        .collect();
    assert_eq!(parts.len(), 3);
    // The service stores all but the second part; the row is rejected.
    store
        .answer_sync_batch(answer(&first, |item| item.id == parts[1]))
        .expect("answer");
    // A later import reads the first ten days again, with other values: they are its samples now.
    let mut later = synthetic("PRT", 1, 10);
    for sample in &mut later.samples {
        sample.sample.gases = GasReadings::default().with(Gas::H2, 99.0);
    }
    store.import(later).expect("later import");
    assert!(store.requeue_rejected(None).expect("requeue") > 0);

    let held = |item: &Item| -> HashSet<(String, NaiveDate)> {
        match &item.change {
            Change::Samples(s) => s
                .samples
                .iter()
                .map(|r| (r.asset_id.clone(), r.date))
                .collect(),
            _ => HashSet::new(),
        }
    };
    let before: std::collections::HashMap<Uuid, HashSet<(String, NaiveDate)>> =
        first.items.iter().map(|i| (i.id, held(i))).collect();
    let mut again = 0;
    let mut resent = HashSet::new();
    while let Some(batch) = store.next_sync_batch(limits).expect("build") {
        let parsed = parse(&batch);
        for item in &parsed.items {
            let samples = held(item);
            if let Some(old) = before.get(&item.id) {
                assert!(
                    samples.is_subset(old),
                    "item {} carries samples its id did not hold before",
                    item.id
                );
                again += 1;
            }
            resent.extend(samples);
        }
        store
            .answer_sync_batch(answer(&parsed, |_| false))
            .expect("answer");
    }
    // Every sample of the first import that it still holds went again, and the later import's.
    assert_eq!(resent.len(), 4_500);
    assert!(again <= 3, "{again}");
}

/// The service counts a laptop's times at most as their arrival; so does the laptop, for its own
/// copies, once the answer says when that was. A clock an hour ahead: after the answer, no
/// nameplate, import or diagnosis that travelled is later than the service's receipt.
#[test]
fn times_that_travelled_count_as_their_arrival_here_too() {
    let dir = scratch("clock");
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).expect("open");
    store.import(synthetic("CLK", 3, 4)).expect("import");
    assert_eq!(diagnose_fleet(&store), 3);
    // The service received everything an hour before this laptop's clock says.
    let at = Utc::now() - chrono::Duration::hours(1);
    let mut batches = 0;
    while let Some(batch) = store
        .next_sync_batch(BatchLimits::default())
        .expect("build")
    {
        let parsed = parse(&batch);
        let mut answer = answer(&parsed, |_| false);
        answer.received_at = at;
        store.answer_sync_batch(answer).expect("answer");
        batches += 1;
    }
    assert!(batches > 0);
    let received = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let c = rusqlite::Connection::open(&path).expect("open");
    for (table, column) in [
        ("asset", "updated_at"),
        ("import_batch", "imported_at"),
        ("diagnosis", "created_at"),
    ] {
        let count = |op: &str| -> i64 {
            c.query_row(
                &format!("SELECT count(*) FROM {table} WHERE {column} {op} ?1"),
                [&received],
                |row| row.get(0),
            )
            .expect("count")
        };
        assert_eq!(
            count(">"),
            0,
            "{table}.{column} later than the service's receipt"
        );
        assert!(count("=") > 0, "{table}.{column} counted as the receipt");
    }
}
