//! Logbook rows: how an entry is kept in `log_entry` and read back, shared by the writer, the
//! reader and sync (which sends entries and brings in other laptops'), and the marks of a
//! typed-in sample's import batch.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use substation_dga::{LogEntry, LogEvent};

use crate::Result;

/// The file name of a typed-in sample's import batch, on every laptop and on the wire.
pub const LOGBOOK_SOURCE: &str = "logbook";
/// The `format` column of such a batch (JSON text, like an import's format).
pub(crate) const LOGBOOK_FORMAT: &str = "\"logbook\"";

/// A stored logbook entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    pub id: i64,
    /// The entry's id everywhere (UUIDv7).
    pub uuid: String,
    pub entry: LogEntry,
    /// When it was written, RFC 3339 UTC.
    pub created_at: String,
    /// The laptop it came from through sync; `None` for an entry made here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// Inserts the entry row; returns its id.
pub(crate) fn insert(
    c: &Connection,
    asset_key: i64,
    entry: &LogEntry,
    uuid: &str,
    created_at: &str,
    origin: Option<&str>,
) -> Result<i64> {
    c.prepare_cached(
        "INSERT INTO log_entry (uuid, asset_key, kind, occurred_on, author, text, detail,
             created_at, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        uuid,
        asset_key,
        entry.event.kind(),
        entry.occurred_on.to_string(),
        entry.author,
        entry.text,
        serde_json::to_string(&entry.event)?,
        created_at,
        origin
    ])?;
    Ok(c.last_insert_rowid())
}

pub(crate) const ENTRY_COLUMNS: &str =
    "l.id, l.uuid, a.id, l.occurred_on, l.author, l.text, l.detail, l.created_at, l.origin";

pub(crate) fn record_from(row: &Row<'_>) -> rusqlite::Result<LogRecord> {
    let bad = |i: usize, message: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, message.into())
    };
    let date: String = row.get(3)?;
    let occurred_on = date
        .parse::<NaiveDate>()
        .map_err(|e| bad(3, format!("log entry date {date:?}: {e}")))?;
    let detail: String = row.get(6)?;
    let event: LogEvent = serde_json::from_str(&detail)
        .map_err(|e| bad(6, format!("log entry detail {detail:?}: {e}")))?;
    Ok(LogRecord {
        id: row.get(0)?,
        uuid: row.get(1)?,
        entry: LogEntry {
            asset_id: row.get(2)?,
            occurred_on,
            author: row.get(4)?,
            text: row.get(5)?,
            event,
        },
        created_at: row.get(7)?,
        origin: row.get(8)?,
    })
}

/// An entry by its uuid (for the outbox).
pub(crate) fn entry_by_uuid(c: &Connection, uuid: &str) -> Result<Option<LogRecord>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM log_entry l JOIN asset a ON a.key = l.asset_key
         WHERE l.uuid = ?1"
    );
    Ok(c.prepare_cached(&sql)?
        .query_row(params![uuid], record_from)
        .optional()?)
}
