//! The logbook: entries written through the one writer (with their outbox rows), read back per
//! transformer, and the latest oil processing that restarts a transformer's gas history.
//!
//! A typed-in sample is also stored as a sample of its own one-sample import batch (format
//! `"logbook"`, sheet `logbook`): the gas history, the diagnosis request and sync then read it
//! like any other sample, and the batch stays out of the list of imports.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use substation_dga::{LogEntry, LogEvent, OilProcessing};

use crate::codec::{date_number, now, outbox, sha256_hex};
use crate::gases::PackedGases;
use crate::log_rows::{
    ENTRY_COLUMNS, LOGBOOK_FORMAT, LOGBOOK_SOURCE, LogRecord, insert, record_from,
};
use crate::read::Reader;
use crate::{Result, StoreError};

/// The transformer's key; [`StoreError::NoSuchAsset`] when the cache does not know it.
fn asset_key(c: &Connection, asset_id: &str) -> Result<i64> {
    c.prepare_cached("SELECT key FROM asset WHERE id = ?1")?
        .query_row(params![asset_id], |row| row.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NoSuchAsset(asset_id.to_owned()))
}

/// Writes a new entry made here, with its outbox row (and, for a sample, its sample and that
/// sample's outbox row), in the caller's savepoint.
pub(crate) fn write_entry(c: &Connection, entry: &LogEntry) -> Result<LogRecord> {
    let today = chrono::Utc::now().date_naive();
    entry.check(today).map_err(StoreError::InvalidLogEntry)?;
    let key = asset_key(c, &entry.asset_id)?;
    let created_at = now();
    let uuid = uuid::Uuid::now_v7().to_string();
    if let LogEvent::Sample { gases, .. } = &entry.event {
        if let Some(origin) = sample_source_of(c, key, entry.occurred_on)? {
            return Err(StoreError::SampleDateTaken {
                asset: entry.asset_id.clone(),
                date: entry.occurred_on,
                origin,
            });
        }
        let batch = logbook_batch(c, &uuid, &created_at)?;
        let source_id = logbook_source(c, batch)?;
        c.prepare_cached(
            "INSERT INTO sample (asset_key, sampled_on, gases, source_id, source_row)
             VALUES (?1, ?2, ?3, ?4, 0)",
        )?
        .execute(params![
            key,
            date_number(entry.occurred_on),
            PackedGases::new(gases),
            source_id
        ])?;
        c.prepare_cached("INSERT INTO import_batch_asset (batch_id, asset_key) VALUES (?1, ?2)")?
            .execute(params![batch, key])?;
        outbox(c, "sample_batch", &batch.to_string(), &created_at)?;
    }
    let id = insert(c, key, entry, &uuid, &created_at, None)?;
    outbox(c, "log_entry", &uuid, &created_at)?;
    Ok(LogRecord {
        id,
        uuid,
        entry: entry.clone(),
        created_at,
        origin: None,
    })
}

/// Where the transformer's sample of that day came from ("fleet.xlsx, DGA row 7"), if it has
/// one.
fn sample_source_of(c: &Connection, asset_key: i64, date: NaiveDate) -> Result<Option<String>> {
    Ok(c.prepare_cached(
        "SELECT b.file_name, r.sheet, s.source_row
             FROM sample s JOIN sample_source r ON r.id = s.source_id
                  JOIN import_batch b ON b.id = r.batch_id
             WHERE s.asset_key = ?1 AND s.sampled_on = ?2",
    )?
    .query_row(params![asset_key, date_number(date)], |row| {
        let file: String = row.get(0)?;
        let sheet: String = row.get(1)?;
        let line: i64 = row.get(2)?;
        Ok(if file == LOGBOOK_SOURCE {
            "the logbook".to_owned()
        } else if line > 0 {
            format!("{file}, {sheet} row {line}")
        } else {
            file
        })
    })
    .optional()?)
}

/// A one-sample import batch for a sample typed in here (one pulled from another laptop comes
/// as a samples item, through `sync::pull`).
fn logbook_batch(c: &Connection, entry_uuid: &str, created_at: &str) -> Result<i64> {
    c.prepare_cached(
        "INSERT INTO import_batch (file_name, content_sha256, imported_at, format, sheets_json,
             summary_json, samples_new)
         VALUES (?1, ?2, ?3, ?4, '[]', '{}', 1)",
    )?
    .execute(params![
        LOGBOOK_SOURCE,
        // No workbook to hash: the hash of the entry's id (stable, unique per entry).
        sha256_hex(entry_uuid.as_bytes()),
        created_at,
        LOGBOOK_FORMAT,
    ])?;
    Ok(c.last_insert_rowid())
}

fn logbook_source(c: &Connection, batch: i64) -> Result<i64> {
    c.prepare_cached("INSERT INTO sample_source (batch_id, sheet) VALUES (?1, ?2)")?
        .execute(params![batch, LOGBOOK_SOURCE])?;
    Ok(c.last_insert_rowid())
}

impl Reader {
    /// The transformer's logbook, newest first (by the day it happened, then as written).
    pub fn log_entries(&self, asset_id: &str) -> Result<Vec<LogRecord>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM log_entry l JOIN asset a ON a.key = l.asset_key
             WHERE a.id = ?1 ORDER BY l.occurred_on DESC, l.created_at DESC, l.id DESC"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![asset_id], record_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The transformer's latest oil processing (by the day it was done), which restarts its
    /// gas history; `None` when the logbook records none.
    pub fn oil_processing(&self, asset_id: &str) -> Result<Option<OilProcessing>> {
        let detail: Option<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT l.occurred_on, l.detail FROM log_entry l JOIN asset a ON a.key = l.asset_key
                 WHERE a.id = ?1 AND l.kind = 'oil_processed'
                 ORDER BY l.occurred_on DESC, l.created_at DESC LIMIT 1",
            )?
            .query_row(params![asset_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((date, detail)) = detail else {
            return Ok(None);
        };
        let date = date
            .parse::<NaiveDate>()
            .map_err(|e| StoreError::Invalid(format!("log entry date {date:?}: {e}")))?;
        match serde_json::from_str::<LogEvent>(&detail)? {
            LogEvent::OilProcessed { treatment } => Ok(Some(OilProcessing { date, treatment })),
            other => Err(StoreError::Invalid(format!(
                "an oil_processed entry holds a {} event",
                other.kind()
            ))),
        }
    }
}
