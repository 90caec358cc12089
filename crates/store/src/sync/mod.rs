//! The store's side of sync: the outbox turned into upload batches (`outbox`), the service's
//! answers applied (`answer`), and the change feed brought into the cache (`pull`). Every
//! function here runs on the writer thread, inside the savepoint of its operation (see
//! `../write.rs`), except the reader's status.

mod answer;
mod outbox;
mod pull;

pub use answer::{AnswerOutcome, Refusal};
pub(crate) use outbox::next_batch;
pub use outbox::{BatchLimits, OutgoingBatch};
pub use pull::PullOutcome;

use answer::{apply_answer, failed, refuse, requeue};
use pull::pull;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use substation_sync_protocol::{BatchAnswer, ChangesPage};
use uuid::Uuid;

use crate::Result;
use crate::codec::now;

/// An outbox row the service refused, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedItem {
    /// The outbox row, for `retry-rejected`.
    pub id: i64,
    pub entity: String,
    pub entity_key: String,
    pub reason: String,
}

/// Where sync stands, for `substation sync status` and the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// Outbox rows not delivered yet (pending or in a batch awaiting its answer).
    pub pending: u64,
    /// Built batches awaiting an answer: resent before anything new is built.
    pub open_batches: u64,
    pub acked: u64,
    pub rejected_count: u64,
    /// The first 100 rejected rows, oldest first.
    pub rejected: Vec<RejectedItem>,
    /// Rows whose entity could not be read (nothing to send).
    pub dead: u64,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    /// The code of the last error (the sync client's: `server_unreachable`, `unauthorized`, …).
    pub last_error_code: Option<String>,
    pub last_error_at: Option<String>,
    /// The change feed's cursor: where the next pull starts.
    pub cursor: Option<String>,
}

/// What the writer is asked to do for sync.
pub(crate) enum SyncOp {
    Answer(Box<BatchAnswer>),
    Refuse(Uuid, Refusal),
    Failed(Option<Uuid>, String, String),
    /// Rejected rows back to pending: these ids, or all of them.
    Requeue(Option<Vec<i64>>),
    Succeeded,
    Pull(Box<ChangesPage>),
}

/// The answer to a [`SyncOp`].
pub(crate) enum SyncReply {
    Answered(AnswerOutcome),
    Refused(u64),
    Noted,
    Pulled(PullOutcome),
}

pub(crate) fn apply(c: &Connection, op: &SyncOp) -> Result<SyncReply> {
    match op {
        SyncOp::Answer(answer) => apply_answer(c, answer).map(SyncReply::Answered),
        SyncOp::Refuse(id, refusal) => refuse(c, id, refusal).map(SyncReply::Refused),
        SyncOp::Failed(id, code, message) => {
            failed(c, id.as_ref(), code, message).map(|()| SyncReply::Noted)
        }
        SyncOp::Requeue(ids) => requeue(c, ids.as_deref()).map(SyncReply::Refused),
        SyncOp::Succeeded => {
            set_state(c, "last_success_at", &now())?;
            c.prepare_cached(
                "DELETE FROM sync_state
                 WHERE key IN ('last_error', 'last_error_code', 'last_error_at')",
            )?
            .execute([])?;
            Ok(SyncReply::Noted)
        }
        SyncOp::Pull(page) => pull(c, page).map(SyncReply::Pulled),
    }
}

fn set_state(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.prepare_cached("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}

/// The reader's view of sync.
pub(crate) fn status(c: &Connection) -> Result<SyncStatus> {
    let mut status = SyncStatus::default();
    {
        let mut statement =
            c.prepare_cached("SELECT state, count(*) FROM outbox GROUP BY state")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let state: String = row.get(0)?;
            let n: u64 = row.get(1)?;
            match state.as_str() {
                "pending" | "in_flight" => status.pending += n,
                "acked" => status.acked += n,
                "rejected" => status.rejected_count += n,
                "dead" => status.dead += n,
                _ => {}
            }
        }
    }
    status.open_batches = c
        .prepare_cached("SELECT count(*) FROM sync_batch WHERE state = 'open'")?
        .query_row([], |row| row.get(0))?;
    status.rejected = c
        .prepare_cached(
            "SELECT id, entity, entity_key, coalesce(last_error, '') FROM outbox
             WHERE state = 'rejected' ORDER BY id LIMIT 100",
        )?
        .query_map([], |row| {
            Ok(RejectedItem {
                id: row.get(0)?,
                entity: row.get(1)?,
                entity_key: row.get(2)?,
                reason: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut statement = c.prepare_cached("SELECT key, value FROM sync_state")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let key: String = row.get(0)?;
        let value: String = row.get(1)?;
        match key.as_str() {
            "last_success_at" => status.last_success_at = Some(value),
            "last_error" => status.last_error = Some(value),
            "last_error_code" => status.last_error_code = Some(value),
            "last_error_at" => status.last_error_at = Some(value),
            "cursor" => status.cursor = Some(value),
            _ => {}
        }
    }
    Ok(status)
}

/// A fresh database at the latest schema, for the sync modules' unit tests.
#[cfg(test)]
fn test_db() -> Connection {
    let mut conn = Connection::open_in_memory().expect("memory db");
    crate::schema::MIGRATIONS
        .to_latest(&mut conn)
        .expect("migrate");
    conn
}
