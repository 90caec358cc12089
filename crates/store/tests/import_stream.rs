//! An import stored while it is read (`Store::import_session` as the sink of
//! `substation_import::import_into`) leaves the same rows as the whole import stored at once;
//! a sample taken back is undone exactly (an update put back, an insert removed, a transformer
//! made only for it removed); an import that stops stores nothing.

use std::ops::ControlFlow;
use std::path::Path;

use chrono::NaiveDate;
use substation_dga::{Asset, Gas, GasReadings, Sample};
use substation_import::{ImportOptions, ImportedSample, SampleSink, import_file, import_into};
use substation_store::{Store, StoreError};

mod fixtures;
use fixtures::{import_sample, scratch};

fn sample_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples")
        .join(name)
}

fn options() -> ImportOptions<'static> {
    ImportOptions::new(NaiveDate::from_ymd_opt(2025, 11, 1).expect("date"))
}

/// Everything an import leaves in the file that does not depend on when it ran or on the
/// order keys were given: rows as text, table by table.
fn contents(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let queries = [
        "SELECT id, name, substation, manufacturer, year_of_manufacture, rated_kv, rated_mva,
                oil_volume_litres, oil_preservation, communicating_oltc, batch_id
         FROM asset ORDER BY id",
        "SELECT a.id, s.sampled_on, hex(s.gases), src.sheet, src.batch_id, s.source_row
         FROM sample s JOIN asset a ON a.key = s.asset_key JOIN sample_source src ON src.id = s.source_id
         ORDER BY a.id, s.sampled_on",
        "SELECT id, file_name, content_sha256, format, sheets_json, summary_json, assets_new,
                samples_new, samples_updated
         FROM import_batch ORDER BY id",
        "SELECT b.batch_id, a.id FROM import_batch_asset b JOIN asset a ON a.key = b.asset_key
         ORDER BY b.batch_id, a.id",
        "SELECT batch_id, sheet FROM sample_source ORDER BY batch_id, sheet",
        "SELECT entity, entity_key FROM outbox ORDER BY entity, entity_key",
    ];
    let mut out = Vec::new();
    for sql in queries {
        let mut statement = conn.prepare(sql).expect("prepare");
        let columns = statement.column_count();
        let mut rows = statement.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            let values: Vec<String> = (0..columns)
                .map(|i| {
                    format!(
                        "{:?}",
                        row.get::<_, rusqlite::types::Value>(i).expect("value")
                    )
                })
                .collect();
            out.push(values.join("|"));
        }
        out.push("--".into());
    }
    out
}

fn streamed(store: &Store, path: &Path) -> substation_store::ImportOutcome {
    let mut session = store.import_session().expect("session");
    let import = import_into(path, &options(), &mut session).expect("import");
    session.finish(import).expect("finish")
}

#[test]
fn a_streamed_import_leaves_the_rows_of_the_whole_import() {
    let dir = scratch("stream-same");
    for name in [
        "fleet-two-sheets.xlsx",
        "korean-lab-export.xlsx",
        "korean-lab-export-cp949.csv",
        "messy.xlsx",
    ] {
        let path = sample_path(name);
        let whole_db = dir.path().join(format!("whole-{name}.sqlite3"));
        let stream_db = dir.path().join(format!("stream-{name}.sqlite3"));
        let whole = Store::open(&whole_db).expect("open");
        let stream = Store::open(&stream_db).expect("open");
        let import = import_file(&path, &options()).expect("import");
        // Twice: the second time every sample is already stored.
        for _ in 0..2 {
            let expected = whole.import(import.clone()).expect("whole");
            let outcome = streamed(&stream, &path);
            assert_eq!(
                (
                    outcome.assets_new,
                    outcome.assets_updated,
                    outcome.samples_new,
                    outcome.samples_updated,
                    outcome.samples_unchanged
                ),
                (
                    expected.assets_new,
                    expected.assets_updated,
                    expected.samples_new,
                    expected.samples_updated,
                    expected.samples_unchanged
                ),
                "{name}"
            );
        }
        drop((whole, stream));
        assert_eq!(contents(&whole_db), contents(&stream_db), "{name}");
    }
}

fn sample(id: &str, date: NaiveDate, h2: f64, row: u32) -> ImportedSample {
    ImportedSample {
        asset_id: id.to_owned(),
        sample: Sample::new(date, GasReadings::default().with(Gas::H2, h2)),
        sheet: "Samples".into(),
        row,
    }
}

#[test]
fn a_sample_taken_back_is_undone_exactly() {
    let dir = scratch("stream-retract");
    let db = dir.path().join("db.sqlite3");
    let store = Store::open(&db).expect("open");
    let day = |d| NaiveDate::from_ymd_opt(2024, 3, d).expect("date");
    // Stored before: T-1 on the 1st and the 2nd.
    let mut before = import_sample("korean-lab-export-cp949.csv");
    before.assets = vec![Asset::new("T-1")];
    before.samples = vec![
        sample("T-1", day(1), 10.0, 2),
        sample("T-1", day(2), 11.0, 3),
    ];
    store.import(before).expect("before");
    let stored = contents(&db);

    // Then an import that updates the 1st, leaves the 2nd, adds the 3rd and a new
    // transformer T-9, and takes all of them back.
    let mut session = store.import_session().expect("session");
    for kept in [
        sample("T-1", day(1), 99.0, 2),
        sample("T-1", day(2), 11.0, 3),
        sample("T-1", day(3), 12.0, 4),
        sample("T-9", day(1), 13.0, 5),
    ] {
        assert!(session.keep(kept).is_continue());
    }
    for (id, d) in [("T-1", 1), ("T-1", 2), ("T-1", 3), ("T-9", 1)] {
        assert!(session.retract(id, day(d), "Samples").is_continue());
    }
    // What the import lists at its end: T-1 only.
    let mut end = import_sample("korean-lab-export-cp949.csv");
    end.assets = vec![Asset::new("T-1")];
    end.samples.clear();
    let outcome = session.finish(end).expect("finish");
    assert_eq!(
        (
            outcome.assets_new,
            outcome.samples_new,
            outcome.samples_updated,
            outcome.samples_unchanged
        ),
        (0, 0, 0, 0)
    );
    drop(store);
    let after = contents(&db);
    // The samples and transformers are as they were; the second batch is on record with
    // no source row left (its sheet's samples were all taken back) and no outbox row for
    // samples.
    let part = |rows: &[String], n: usize| -> Vec<String> {
        rows.split(|r| r == "--").nth(n).expect("part").to_vec()
    };
    assert_eq!(part(&after, 0), part(&stored, 0), "transformers");
    assert_eq!(part(&after, 1), part(&stored, 1), "samples");
    assert_eq!(part(&after, 4), part(&stored, 4), "sources");
    assert_eq!(part(&after, 5), part(&stored, 5), "outbox");
    assert_eq!(part(&after, 2).len(), 2, "two batches");
}

#[test]
fn only_the_sheet_whose_samples_were_all_taken_back_loses_its_source() {
    let dir = scratch("stream-retract-sources");
    let db = dir.path().join("db.sqlite3");
    let store = Store::open(&db).expect("open");
    let day = |d| NaiveDate::from_ymd_opt(2024, 3, d).expect("date");
    let on = |sheet: &str, mut sample: ImportedSample| {
        sample.sheet = sheet.to_owned();
        sample
    };
    let mut session = store.import_session().expect("session");
    for kept in [
        on("Kept", sample("T-1", day(1), 10.0, 2)),
        on("Gone", sample("T-1", day(2), 11.0, 2)),
        on("Kept", sample("T-1", day(3), 12.0, 3)),
    ] {
        assert!(session.keep(kept).is_continue());
    }
    assert!(session.retract("T-1", day(2), "Gone").is_continue());
    // Taken back from "Kept" too, one of its two: the sheet keeps its source.
    assert!(session.retract("T-1", day(3), "Kept").is_continue());
    let mut end = import_sample("korean-lab-export-cp949.csv");
    end.assets = vec![Asset::new("T-1")];
    end.samples.clear();
    session.finish(end).expect("finish");
    drop(store);
    let conn = rusqlite::Connection::open(&db).expect("open");
    let sheets: Vec<String> = conn
        .prepare("SELECT sheet FROM sample_source ORDER BY sheet")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(sheets, ["Kept"]);
    let samples: i64 = conn
        .query_row("SELECT count(*) FROM sample", [], |row| row.get(0))
        .expect("count");
    assert_eq!(samples, 1);
}

#[test]
fn an_import_that_stops_stores_nothing() {
    let dir = scratch("stream-abandon");
    let db = dir.path().join("db.sqlite3");
    let store = Store::open(&db).expect("open");
    store
        .import(import_sample("fleet-two-sheets.xlsx"))
        .expect("before");
    let stored = contents(&db);

    // Stopped by the reader (cancelled, an error): dropped or abandoned unfinished.
    let mut session = store.import_session().expect("session");
    assert!(
        session
            .keep(sample("T-NEW", NaiveDate::MIN, 1.0, 2))
            .is_continue()
    );
    assert!(session.abandon().is_none(), "the writer did not fail");
    let mut session = store.import_session().expect("session");
    for row in 0..10_000 {
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date") + chrono::Days::new(row);
        if session
            .keep(sample("T-NEW", date, 1.0, row as u32 + 2))
            .is_break()
        {
            break;
        }
    }
    drop(session);

    // Stopped by the writer: a sample of a transformer the import does not list.
    let mut session = store.import_session().expect("session");
    assert!(
        session
            .keep(sample("T-X", NaiveDate::MIN, 1.0, 2))
            .is_continue()
    );
    let mut end = import_sample("korean-lab-export-cp949.csv");
    end.assets.clear();
    end.samples.clear();
    let error = session
        .finish(end)
        .expect_err("a sample without its transformer");
    assert!(matches!(error, StoreError::Invalid(_)), "{error}");

    // The store still works, and holds what it held.
    let reader = store.reader().expect("reader");
    assert!(reader.counts().is_ok());
    drop((reader, store));
    assert_eq!(contents(&db), stored);
}

/// A sink that stops after `left` samples, as the store's does when its writer fails.
struct StopAfter {
    left: usize,
}

impl SampleSink for StopAfter {
    fn keep(&mut self, _sample: ImportedSample) -> ControlFlow<()> {
        if self.left == 0 {
            return ControlFlow::Break(());
        }
        self.left -= 1;
        ControlFlow::Continue(())
    }

    fn retract(&mut self, _asset_id: &str, _date: NaiveDate, _sheet: &str) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

#[test]
fn a_sink_that_stops_stops_the_import() {
    let error = import_into(
        &sample_path("fleet-two-sheets.xlsx"),
        &options(),
        &mut StopAfter { left: 100 },
    )
    .expect_err("stopped");
    assert_eq!(error.code(), "cancelled");
}
