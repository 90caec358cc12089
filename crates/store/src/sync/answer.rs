//! The service's answer to a batch applied to the outbox: accepted rows leave it, refused
//! ones are kept with their reason, and the rest are sent again.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use substation_sync_protocol::{BatchAnswer, Outcome};
use uuid::Uuid;

use super::set_state;
use crate::codec::{now, time_text};
use crate::{Result, StoreError};

/// What an answer did to the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerOutcome {
    pub applied: u64,
    pub duplicate: u64,
    pub rejected: u64,
}

/// The service refused a whole batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Sending it again cannot help (400, 422): every row in it is rejected with this reason.
    RejectAll { reason: String },
    /// Too large for the service (413): its rows go back to pending, to be sent in smaller
    /// batches. Nothing of it was stored by the service, so nothing is lost or doubled.
    Rebuild { reason: String },
}

/// "code: message" of a rejected item.
fn reason_text(reason: Option<&substation_sync_protocol::ErrorBody>) -> String {
    match reason {
        Some(body) => format!("{}: {}", body.code, body.message),
        None => "rejected: no reason given".to_owned(),
    }
}

pub(super) fn apply_answer(c: &Connection, answer: &BatchAnswer) -> Result<AnswerOutcome> {
    let id = answer.batch_id.to_string();
    let state: Option<String> = c
        .prepare_cached("SELECT state FROM sync_batch WHERE id = ?1")?
        .query_row(params![id], |row| row.get(0))
        .optional()?;
    match state.as_deref() {
        None => return Err(StoreError::Invalid(format!("no sync batch {id}"))),
        // Answered before (two syncs of one database sent it): nothing more to do.
        Some("answered" | "refused") => return Ok(AnswerOutcome::default()),
        Some(_) => {}
    }
    let parts: HashMap<String, (i64, bool)> = c
        .prepare_cached(
            "SELECT item_id, outbox_id, last_part FROM sync_batch_item WHERE batch_id = ?1",
        )?
        .query_map(params![id], |row| {
            Ok((row.get(0)?, (row.get(1)?, row.get(2)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if answer.results.len() != parts.len() {
        return Err(StoreError::Invalid(format!(
            "the answer to batch {id} has {} results for {} items",
            answer.results.len(),
            parts.len()
        )));
    }
    let mut answered = HashSet::with_capacity(parts.len());
    if let Some(twice) = answer.results.iter().find(|r| !answered.insert(r.id)) {
        return Err(StoreError::Invalid(format!(
            "the answer to batch {id} names item {} twice",
            twice.id
        )));
    }
    let mut outcome = AnswerOutcome::default();
    for result in &answer.results {
        let Some(&(outbox_id, last_part)) = parts.get(&result.id.to_string()) else {
            return Err(StoreError::Invalid(format!(
                "the answer to batch {id} names item {}, which it does not hold",
                result.id
            )));
        };
        match result.outcome {
            Outcome::Applied | Outcome::Duplicate => {
                if result.outcome == Outcome::Applied {
                    outcome.applied += 1;
                } else {
                    outcome.duplicate += 1;
                }
                if last_part {
                    // A row sent in parts is rejected if one of its parts was.
                    c.prepare_cached(
                        "UPDATE outbox SET state = CASE WHEN last_error IS NULL THEN 'acked' ELSE 'rejected' END
                         WHERE id = ?1",
                    )?
                    .execute(params![outbox_id])?;
                }
            }
            Outcome::Rejected => {
                outcome.rejected += 1;
                let reason = reason_text(result.reason.as_ref());
                let sql = if last_part {
                    "UPDATE outbox SET state = 'rejected', last_error = coalesce(last_error, ?2) WHERE id = ?1"
                } else {
                    "UPDATE outbox SET last_error = coalesce(last_error, ?2) WHERE id = ?1"
                };
                c.prepare_cached(sql)?.execute(params![outbox_id, reason])?;
            }
        }
    }
    clamp_local_times(c, &id, &answer.received_at)?;
    close_batch(c, &id, "answered", None)?;
    Ok(outcome)
}

/// The service counts a laptop's times at most as the moment it received them (docs/sync.md,
/// "Whose time counts"), and tells other laptops so. This laptop does the same to its own
/// copies of what the batch carried, or a clock running ahead would keep its rows "newest"
/// here against every later change pulled from others.
fn clamp_local_times(c: &Connection, batch_id: &str, received_at: &DateTime<Utc>) -> Result<()> {
    let received = time_text(received_at);
    let members = "SELECT o.entity_key FROM sync_batch_item i JOIN outbox o ON o.id = i.outbox_id
                   WHERE i.batch_id = ?1 AND o.entity = ?2";
    for (entity, sql) in [
        (
            "asset",
            "UPDATE asset SET updated_at = ?3 WHERE updated_at > ?3 AND id IN ({members})",
        ),
        (
            "diagnosis",
            "UPDATE diagnosis SET created_at = ?3 WHERE created_at > ?3 AND diagnosis_uuid IN ({members})",
        ),
        (
            "sample_batch",
            "UPDATE import_batch SET imported_at = ?3
             WHERE imported_at > ?3 AND CAST(id AS TEXT) IN ({members})",
        ),
    ] {
        c.prepare_cached(&sql.replace("{members}", members))?
            .execute(params![batch_id, entity, received])?;
    }
    Ok(())
}

/// Marks a batch answered or refused; its body and items are no longer needed.
fn close_batch(c: &Connection, id: &str, state: &str, error: Option<&str>) -> Result<()> {
    c.prepare_cached(
        "UPDATE sync_batch SET state = ?2, answered_at = ?3, attempts = attempts + 1,
             last_error = ?4, body = x''
         WHERE id = ?1",
    )?
    .execute(params![id, state, now(), error])?;
    c.prepare_cached("DELETE FROM sync_batch_item WHERE batch_id = ?1")?
        .execute(params![id])?;
    Ok(())
}

pub(super) fn refuse(c: &Connection, id: &Uuid, refusal: &Refusal) -> Result<u64> {
    let id = id.to_string();
    let open: bool = c
        .prepare_cached("SELECT 1 FROM sync_batch WHERE id = ?1 AND state = 'open'")?
        .exists(params![id])?;
    if !open {
        return Ok(0);
    }
    let mut touched = 0u64;
    let reason = match refusal {
        Refusal::RejectAll { reason } => {
            touched += c
                .prepare_cached(
                    "UPDATE outbox SET state = 'rejected', last_error = coalesce(last_error, ?2)
                     WHERE id IN (SELECT outbox_id FROM sync_batch_item WHERE batch_id = ?1)",
                )?
                .execute(params![id, reason])? as u64;
            reason
        }
        Refusal::Rebuild { reason } => {
            // Each row back to where it was before this batch: its first part's progress.
            touched += c
                .prepare_cached(
                    "UPDATE outbox SET state = 'pending', batch_id = NULL,
                         chunk_after = (SELECT i.chunk_from FROM sync_batch_item i
                                        WHERE i.batch_id = ?1 AND i.outbox_id = outbox.id
                                        ORDER BY i.position LIMIT 1)
                     WHERE id IN (SELECT outbox_id FROM sync_batch_item WHERE batch_id = ?1)",
                )?
                .execute(params![id])? as u64;
            reason
        }
    };
    close_batch(c, &id, "refused", Some(reason))?;
    Ok(touched)
}

/// Rejected rows (these, or all) back to pending, from their start, without their old reason:
/// the next sync sends them again under the same item ids (a rejected item was not stored, so
/// the service reads it afresh).
pub(super) fn requeue(c: &Connection, ids: Option<&[i64]>) -> Result<u64> {
    let sql = "UPDATE outbox SET state = 'pending', batch_id = NULL, chunk_after = NULL,
                   last_error = NULL
               WHERE state = 'rejected'";
    let touched = match ids {
        None => c.prepare_cached(sql)?.execute([])?,
        Some(ids) => {
            let mut statement = c.prepare_cached(&format!("{sql} AND id = ?1"))?;
            let mut n = 0;
            for id in ids {
                n += statement.execute(params![id])?;
            }
            n
        }
    };
    Ok(touched as u64)
}

pub(super) fn failed(c: &Connection, id: Option<&Uuid>, code: &str, message: &str) -> Result<()> {
    if let Some(id) = id {
        c.prepare_cached(
            "UPDATE sync_batch SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
        )?
        .execute(params![id.to_string(), message])?;
    }
    set_state(c, "last_error", message)?;
    set_state(c, "last_error_code", code)?;
    set_state(c, "last_error_at", &now())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::test_db;

    fn outbox_row(c: &Connection, op: &str, state: &str, error: Option<&str>) -> i64 {
        c.execute(
            "INSERT INTO outbox (op_id, entity, entity_key, created_at, state, last_error,
                 chunk_after, batch_id)
             VALUES (?1, 'asset', 'TR-1', '2026-01-01T00:00:00.000Z', ?2, ?3, '1/20250101', 'b')",
            params![op, state, error],
        )
        .expect("outbox row");
        c.last_insert_rowid()
    }

    fn row(c: &Connection, id: i64) -> (String, Option<String>, Option<String>, Option<String>) {
        c.query_row(
            "SELECT state, last_error, chunk_after, batch_id FROM outbox WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("row")
    }

    #[test]
    fn a_reason_reads_code_then_message() {
        let body = substation_sync_protocol::ErrorBody {
            code: "invalid_item".into(),
            message: "gas out of range".into(),
        };
        assert_eq!(reason_text(Some(&body)), "invalid_item: gas out of range");
        assert_eq!(reason_text(None), "rejected: no reason given");
    }

    // Rejected rows go back to pending from their start and without their old reason; the
    // others are left alone. Given ids, only those.
    #[test]
    fn requeue_sends_rejected_rows_again_from_their_start() {
        let c = test_db();
        let a = outbox_row(&c, "a", "rejected", Some("bad"));
        let b = outbox_row(&c, "b", "rejected", Some("bad"));
        let acked = outbox_row(&c, "c", "acked", None);
        assert_eq!(requeue(&c, Some(&[a])).expect("requeue one"), 1);
        assert_eq!(row(&c, a), ("pending".into(), None, None, None));
        assert_eq!(row(&c, b).0, "rejected");
        assert_eq!(requeue(&c, None).expect("requeue all"), 1);
        assert_eq!(row(&c, b).0, "pending");
        assert_eq!(row(&c, acked).0, "acked");
    }

    #[test]
    fn a_failure_is_kept_as_the_last_error_with_its_time() {
        let c = test_db();
        failed(&c, None, "server_unreachable", "connection refused").expect("failed");
        let value = |key: &str| -> String {
            c.query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .expect(key)
        };
        assert_eq!(value("last_error"), "connection refused");
        assert_eq!(value("last_error_code"), "server_unreachable");
        assert!(crate::codec::parse_time(&value("last_error_at")).is_some());
    }

    // A refusal of a batch that is no longer open (answered meanwhile) changes nothing.
    #[test]
    fn a_refusal_of_a_batch_not_open_touches_nothing() {
        let c = test_db();
        let a = outbox_row(&c, "a", "in_flight", None);
        let refused = refuse(
            &c,
            &Uuid::nil(),
            &Refusal::RejectAll {
                reason: "too_large".into(),
            },
        )
        .expect("refuse");
        assert_eq!(refused, 0);
        assert_eq!(row(&c, a).0, "in_flight");
    }
}
