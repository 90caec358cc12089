//! The checked upload stored in one transaction under the change-feed lock: entities,
//! change-feed rows and the answer commit together, halving the batch on a refused row.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use substation_sync_protocol::{BatchAnswer, Change, ErrorBody, ItemResult, Outcome};
use uuid::Uuid;

use crate::api_error::ApiError;
use crate::device::Device;
use crate::state::AppState;

use super::check::{Prepared, Slot};
use super::rows::{WriteError, Writes};
use super::{STORED_BATCH, StoredBatch, stored_batch};

/// Held with `pg_advisory_xact_lock` by every upload from before it allocates change sequence
/// numbers until it commits: "substation-central changes".
pub(crate) const CHANGE_LOCK: i64 = 0x5342_4b5f_4348_4e47;

pub(super) enum Stored {
    New { answer: String, counts: [usize; 3] },
    Existing(StoredBatch),
}

/// Writes the batch in one transaction under [`CHANGE_LOCK`].
pub(super) async fn store(
    state: &AppState,
    device: &Device,
    key: Uuid,
    body_sha256: Vec<u8>,
    prepared: Prepared,
) -> Result<Stored, ApiError> {
    let mut client = state.pool.get().await?;
    let mut tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHANGE_LOCK])
        .await?;
    // Under the lock: a batch of the same key committed since the first look is seen now.
    if let Some(stored) = stored_batch(tx.query_opt(STORED_BATCH, &[&key]).await?) {
        return Ok(Stored::Existing(stored));
    }
    let received_at = Utc::now();

    let candidates: Vec<Uuid> = prepared
        .slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Valid { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let known_items: HashSet<Uuid> = if candidates.is_empty() {
        HashSet::new()
    } else {
        let statement = tx
            .prepare_cached("SELECT item_id FROM change_log WHERE item_id = ANY($1::uuid[])")
            .await?;
        tx.query(&statement, &[&candidates])
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect()
    };
    let diagnosis_ids: Vec<Uuid> = prepared
        .slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Valid { id, change, .. } if !known_items.contains(id) => match &**change {
                Change::Diagnosis(diagnosis) => Some(diagnosis.diagnosis_id),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let known_diagnoses: HashSet<Uuid> = if diagnosis_ids.is_empty() {
        HashSet::new()
    } else {
        let statement = tx
            .prepare_cached(
                "SELECT diagnosis_id FROM diagnosis WHERE diagnosis_id = ANY($1::uuid[])",
            )
            .await?;
        tx.query(&statement, &[&diagnosis_ids])
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect()
    };

    let mut results = Vec::with_capacity(prepared.slots.len());
    let mut applied = Vec::new();
    for slot in &prepared.slots {
        results.push(match slot {
            Slot::Rejected { id, reason } => ItemResult {
                id: *id,
                outcome: Outcome::Rejected,
                reason: Some(reason.clone()),
            },
            Slot::Repeated { id } => ItemResult {
                id: *id,
                outcome: Outcome::Duplicate,
                reason: None,
            },
            Slot::Valid { id, change, stored } => {
                let duplicate = known_items.contains(id)
                    || matches!(&**change, Change::Diagnosis(d) if known_diagnoses.contains(&d.diagnosis_id));
                if !duplicate {
                    applied.push((*id, &**change, stored.as_str()));
                }
                ItemResult {
                    id: *id,
                    outcome: if duplicate {
                        Outcome::Duplicate
                    } else {
                        Outcome::Applied
                    },
                    reason: None,
                }
            }
        });
    }

    let size = |(_, change, stored): &(Uuid, &Change, &str)| -> i64 {
        let response = match change {
            Change::Diagnosis(d) => d.response_deflate.len(),
            _ => 0,
        };
        (stored.len() + response) as i64
    };
    let adding: i64 = applied.iter().map(size).sum();
    let quota = state.config.device_quota_bytes;
    if quota > 0 && adding > 0 {
        let statement = tx
            .prepare_cached("SELECT stored_bytes FROM device WHERE id = $1")
            .await?;
        let stored: i64 = tx.query_one(&statement, &[&device.id]).await?.get(0);
        if stored.saturating_add(adding) as u64 > quota {
            tracing::warn!(device = %device.name, batch_id = %key, stored, adding, quota, "quota exceeded");
            return Err(ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "quota_exceeded",
                format!(
                    "this device has stored {} MiB on the service, and this batch would take it \
                     past its quota of {} MiB; nothing of it was stored",
                    stored / (1024 * 1024),
                    quota / (1024 * 1024)
                ),
            ));
        }
    }

    let refused = write_applied(&mut tx, device.id, key, received_at, &applied).await?;
    let added: i64 = applied
        .iter()
        .filter(|(id, ..)| !refused.contains_key(id))
        .map(size)
        .sum();
    if added > 0 {
        let statement = tx
            .prepare_cached("UPDATE device SET stored_bytes = stored_bytes + $2 WHERE id = $1")
            .await?;
        tx.execute(&statement, &[&device.id, &added]).await?;
    }
    for result in &mut results {
        if let Some(reason) = refused.get(&result.id) {
            result.outcome = Outcome::Rejected;
            result.reason = Some(reason.clone());
        }
    }
    let mut counts = [0usize; 3];
    for result in &results {
        counts[match result.outcome {
            Outcome::Applied => 0,
            Outcome::Duplicate => 1,
            Outcome::Rejected => 2,
        }] += 1;
    }

    let answer = serde_json::to_string(&BatchAnswer {
        batch_id: key,
        received_at,
        results,
    })
    .map_err(|err| ApiError::internal(format!("the answer could not be written: {err}")))?;
    let item_count = i32::try_from(prepared.slots.len()).unwrap_or(i32::MAX);
    let statement = tx
        .prepare_cached(
            "INSERT INTO sync_batch (batch_id, device_id, body_sha256, answer, item_count, received_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    tx.execute(
        &statement,
        &[
            &key,
            &device.id,
            &body_sha256,
            &answer,
            &item_count,
            &received_at,
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(Stored::New { answer, counts })
}

/// Writes the applied items: all at once, set-based; if the database refuses the data of one
/// of them (a value out of a column's range, say), in halves, each under a savepoint, down to
/// the single items it refuses: only those are rejected, with its reason, the rest are stored.
/// Returns the refused items. Any other database error fails the batch (the laptop retries).
async fn write_applied(
    tx: &mut deadpool_postgres::Transaction<'_>,
    device_id: i64,
    batch_id: Uuid,
    received_at: DateTime<Utc>,
    applied: &[(Uuid, &Change, &str)],
) -> Result<HashMap<Uuid, ErrorBody>, ApiError> {
    let mut refused = HashMap::new();
    if applied.is_empty() {
        return Ok(refused);
    }
    let mut writes = Writes::default();
    for (id, change, stored) in applied {
        writes.add(*id, change, stored);
    }
    let all_at_once = tx.savepoint("batch_entities").await?;
    let first_refusal = match writes
        .write_entities(&all_at_once, device_id, received_at)
        .await
    {
        Ok(()) => {
            all_at_once.commit().await?;
            writes
                .write_change_log(tx, device_id, batch_id, received_at)
                .await?;
            return Ok(refused);
        }
        Err(WriteError::Failed(err)) => return Err(err),
        Err(WriteError::Refused(message)) => {
            all_at_once.rollback().await?;
            tracing::warn!(batch_id = %batch_id, error = %message, "a batch's data was refused; storing it in parts");
            message
        }
    };
    // Halves, each set-based under a savepoint of its own, down to the items the database
    // refuses: a few refused items cost a few round trips per halving, not one per item.
    let reject = |refused: &mut HashMap<Uuid, ErrorBody>, id: Uuid, message: &str| {
        tracing::warn!(batch_id = %batch_id, item = %id, error = %message, "item refused by the database");
        refused.insert(
            id,
            ErrorBody::new(
                "not_storable",
                format!("the service's database cannot store this item: {message}"),
            ),
        );
    };
    let mut written = vec![false; applied.len()];
    let mut ranges = Vec::new();
    if applied.len() == 1 {
        reject(&mut refused, applied[0].0, &first_refusal);
    } else {
        let mid = applied.len() / 2;
        ranges.push((mid, applied.len()));
        ranges.push((0, mid));
    }
    while let Some((lo, hi)) = ranges.pop() {
        let mut part = Writes::default();
        for (id, change, stored) in &applied[lo..hi] {
            part.add(*id, change, stored);
        }
        let savepoint = tx.savepoint("part").await?;
        match part
            .write_entities(&savepoint, device_id, received_at)
            .await
        {
            Ok(()) => {
                savepoint.commit().await?;
                written[lo..hi].fill(true);
            }
            Err(WriteError::Failed(err)) => return Err(err),
            Err(WriteError::Refused(message)) => {
                savepoint.rollback().await?;
                if hi - lo == 1 {
                    reject(&mut refused, applied[lo].0, &message);
                } else {
                    // The earlier half first: items of one batch apply in its order.
                    let mid = lo + (hi - lo) / 2;
                    ranges.push((mid, hi));
                    ranges.push((lo, mid));
                }
            }
        }
    }
    let mut stored_items = Writes::default();
    for ((id, change, stored), written) in applied.iter().zip(&written) {
        if *written {
            stored_items.add(*id, change, stored);
        }
    }
    if !stored_items.is_empty() {
        stored_items
            .write_change_log(tx, device_id, batch_id, received_at)
            .await?;
    }
    Ok(refused)
}
