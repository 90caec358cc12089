//! `POST /v1/sync/batches`: read, check and store one upload, idempotently.
//!
//! The body is read up to the limit, un-gzipped up to the limit (a small gzip bomb is refused,
//! not inflated), hashed, and compared with a stored batch of the same `Idempotency-Key`. A new
//! batch is parsed and checked item by item off the async threads, then stored in one
//! transaction under the change-feed lock: the entities, the change-feed rows and the answer
//! commit together or not at all, and no two uploads write at once, so that change sequence
//! numbers commit in order and the same key or item cannot be applied twice.

use std::collections::{HashMap, HashSet};
use std::io::Read as _;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use flate2::read::MultiGzDecoder;
use flate2::{Decompress, FlushDecompress, Status};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use substation_sync_protocol::{
    BatchAnswer, Change, DiagnosisChange, ErrorBody, IDEMPOTENCY_HEADER, InvalidItem, Item,
    ItemResult, MAX_INFLATED_RESPONSE_BYTES, MAX_ITEMS_PER_BATCH, Outcome,
};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use uuid::Uuid;

use crate::api::{ApiError, AppState, Device, REPLAYED_HEADER};
use crate::custom::{Reader, Readers};

/// Held with `pg_advisory_xact_lock` by every upload from before it allocates change sequence
/// numbers until it commits: "substation-central changes".
pub(crate) const CHANGE_LOCK: i64 = 0x5342_4b5f_4348_4e47;

/// A diagnosis in the change feed's `item` column: its response left empty, to be filled
/// from `diagnosis.response_deflate` when pulled. The item is written by serde_json, where
/// this text can only be the field itself (inside a string its quotes would be escaped).
pub(crate) const RESPONSE_PLACEHOLDER: &str = "\"response_deflate\":\"\"";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
}

pub(crate) async fn upload(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let key = idempotency_key(&headers)?;
    let encoding = content_encoding(&headers)?;
    check_content_type(&headers)?;
    let limit = state.config.max_body_bytes;
    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        && length > limit as u64
    {
        return Err(ApiError::payload_too_large(limit));
    }
    // The permit comes before the body: uploads waiting their turn hold no memory here (their
    // bytes wait in the network), so uploads take at most `max_concurrent_uploads` bodies and
    // their parsed items, however many arrive at once.
    let _permit = state
        .uploads
        .acquire()
        .await
        .map_err(|_| ApiError::internal("the service is shutting down"))?;
    let raw = read_body(body, limit, state.config.body_timeout).await?;
    let (body, body_sha256) = blocking(move || {
        let body = decompress(raw, encoding, limit)?;
        let sha = Sha256::digest(&body).to_vec();
        Ok((body, sha))
    })
    .await?;

    let client = state.pool.get().await?;
    if let Some(stored) = stored_batch(client.query_opt(STORED_BATCH, &[&key]).await?) {
        drop(client);
        return replay(stored, &device, key, &body_sha256);
    }
    drop(client);

    // Every time the laptop stamped counts at most as this moment (see `Change::clamp_times`).
    let now = Utc::now();
    let readers = state.custom_readers.clone();
    let prepared = blocking(move || prepare(&body, key, now, &readers)).await?;
    let items = prepared.slots.len();
    match store(&state, &device, key, body_sha256.clone(), prepared).await? {
        Stored::New { answer, counts } => {
            tracing::info!(
                device = %device.name,
                batch_id = %key,
                items,
                applied = counts[0],
                duplicate = counts[1],
                rejected = counts[2],
                elapsed_ms = started.elapsed().as_millis() as u64,
                "batch stored"
            );
            Ok(json_response(answer, false))
        }
        // Another request with the same key committed while this one was being parsed.
        Stored::Existing(stored) => replay(stored, &device, key, &body_sha256),
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Uuid, ApiError> {
    let value = headers.get(IDEMPOTENCY_HEADER).ok_or_else(|| {
        ApiError::bad_request(
            "bad_idempotency_key",
            format!(
                "the {IDEMPOTENCY_HEADER} header is missing; send the batch's batch_id in it, \
                 the same on every retry"
            ),
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|text| Uuid::parse_str(text.trim()).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_idempotency_key",
                format!(
                    "the {IDEMPOTENCY_HEADER} header {:?} is not a UUID; send the batch's batch_id",
                    String::from_utf8_lossy(value.as_bytes())
                ),
            )
        })
}

fn content_encoding(headers: &HeaderMap) -> Result<Encoding, ApiError> {
    let Some(value) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(Encoding::Identity);
    };
    match value.to_str().map(|text| text.trim().to_ascii_lowercase()) {
        Ok(text) if text == "gzip" || text == "x-gzip" => Ok(Encoding::Gzip),
        Ok(text) if text.is_empty() || text == "identity" => Ok(Encoding::Identity),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            format!(
                "Content-Encoding {:?} is not supported; send gzip or no encoding",
                String::from_utf8_lossy(value.as_bytes())
            ),
        )),
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .ok()
        .and_then(|text| text.split(';').next())
        .map(|text| text.trim().to_ascii_lowercase());
    if essence.as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Content-Type {:?} is not supported; send application/json",
                String::from_utf8_lossy(value.as_bytes())
            ),
        ))
    }
}

async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request body did not arrive within {} s",
                timeout.as_secs()
            ),
        )),
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::payload_too_large(limit))
        }
        Ok(Err(err)) => Err(ApiError::bad_request(
            "malformed_body",
            format!("the request body could not be read: {err}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Undoes gzip, refusing to inflate past `limit`.
fn decompress(raw: Bytes, encoding: Encoding, limit: usize) -> Result<Bytes, ApiError> {
    match encoding {
        Encoding::Identity => Ok(raw),
        Encoding::Gzip => {
            let mut out = Vec::with_capacity((raw.len() * 4).min(limit + 1));
            MultiGzDecoder::new(&raw[..])
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|err| {
                    ApiError::bad_request(
                        "malformed_body",
                        format!("the gzip-encoded body could not be decompressed: {err}"),
                    )
                })?;
            if out.len() > limit {
                return Err(ApiError::payload_too_large(limit));
            }
            Ok(Bytes::from(out))
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|err| {
        tracing::error!(error = %err, "upload worker failed");
        ApiError::internal("the service failed while reading the batch")
    })?
}

/// A batch stored before under the same key.
pub(crate) struct StoredBatch {
    device_id: i64,
    body_sha256: Vec<u8>,
    answer: String,
}

const STORED_BATCH: &str =
    "SELECT device_id, body_sha256, answer FROM sync_batch WHERE batch_id = $1";

fn stored_batch(row: Option<tokio_postgres::Row>) -> Option<StoredBatch> {
    row.map(|row| StoredBatch {
        device_id: row.get(0),
        body_sha256: row.get(1),
        answer: row.get(2),
    })
}

/// The stored answer to the same device sending the same body again; 422 to anything else.
fn replay(
    stored: StoredBatch,
    device: &Device,
    key: Uuid,
    body_sha256: &[u8],
) -> Result<Response, ApiError> {
    if stored.device_id == device.id && stored.body_sha256 == body_sha256 {
        tracing::info!(device = %device.name, batch_id = %key, "batch replayed");
        Ok(json_response(stored.answer, true))
    } else {
        tracing::warn!(device = %device.name, batch_id = %key, "idempotency key reused");
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            format!(
                "the {IDEMPOTENCY_HEADER} {key} was already used for a different batch; a new \
                 batch needs a new batch_id and key, a retry must send the very same body"
            ),
        ))
    }
}

fn json_response(json: String, replayed: bool) -> Response {
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
        .into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    response
}

/// The batch's envelope; the items stay raw until each is parsed on its own, so that one item
/// a newer client wrote is rejected alone instead of failing the batch.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    batch_id: Uuid,
    #[allow(dead_code)]
    created_at: DateTime<Utc>,
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

/// Just an item's id, to reject an item that is otherwise unreadable.
#[derive(Deserialize)]
struct ItemId {
    id: Uuid,
}

/// An item after the checks that need no database.
pub(crate) enum Slot {
    Rejected {
        id: Uuid,
        reason: ErrorBody,
    },
    /// The same item id (or diagnosis id) came earlier in this batch.
    Repeated {
        id: Uuid,
    },
    Valid {
        id: Uuid,
        change: Box<Change>,
        /// The item's JSON for the change feed: as received, but a diagnosis without its
        /// response (see [`RESPONSE_PLACEHOLDER`]).
        stored: String,
    },
}

pub(crate) struct Prepared {
    slots: Vec<Slot>,
}

fn malformed(message: String) -> ApiError {
    ApiError::bad_request("malformed_body", message)
}

/// Parses the body and checks each item.
pub(crate) fn prepare(
    body: &[u8],
    key: Uuid,
    now: DateTime<Utc>,
    readers: &Readers,
) -> Result<Prepared, ApiError> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(_) => return Err(malformed(envelope_error(body))),
    };
    if envelope.batch_id != key {
        return Err(ApiError::bad_request(
            "bad_idempotency_key",
            format!(
                "the {IDEMPOTENCY_HEADER} {key} is not the body's batch_id {}; send the batch_id",
                envelope.batch_id
            ),
        ));
    }
    if envelope.items.len() > MAX_ITEMS_PER_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_items",
            format!(
                "the batch carries {} items; at most {MAX_ITEMS_PER_BATCH} are allowed, send \
                 several batches",
                envelope.items.len()
            ),
        ));
    }
    let checked = check_items(&envelope.items, now, readers)?;
    let mut slots = Vec::with_capacity(checked.len());
    let mut seen_items = HashSet::with_capacity(checked.len());
    let mut seen_diagnoses = HashSet::new();
    for checked in checked {
        let slot = match checked {
            Checked::Rejected { id, reason } => {
                if seen_items.insert(id) {
                    Slot::Rejected { id, reason }
                } else {
                    Slot::Repeated { id }
                }
            }
            Checked::Valid { item, stored } => {
                let item = *item;
                let repeated = !seen_items.insert(item.id)
                    || matches!(&item.change, Change::Diagnosis(d) if !seen_diagnoses.insert(d.diagnosis_id));
                if repeated {
                    Slot::Repeated { id: item.id }
                } else {
                    Slot::Valid {
                        id: item.id,
                        change: Box::new(item.change),
                        stored,
                    }
                }
            }
        };
        slots.push(slot);
    }
    Ok(Prepared { slots })
}

/// An item after the checks that need neither the database nor the other items.
enum Checked {
    Rejected { id: Uuid, reason: ErrorBody },
    Valid { item: Box<Item>, stored: String },
}

/// Checks every item, on as many threads as there are cores (inflating and reading the
/// diagnosis responses is most of the time an upload takes outside the database).
fn check_items(
    items: &[&RawValue],
    now: DateTime<Utc>,
    readers: &Readers,
) -> Result<Vec<Checked>, ApiError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4);
    if threads == 1 || items.len() < 64 {
        let (mut inflater, mut reader) = (Inflater::new(), readers.reader());
        let checked = items
            .iter()
            .enumerate()
            .map(|(index, raw)| check_item(index, raw, now, &mut inflater, &mut reader))
            .collect();
        return reader_fault(&mut reader).and(checked);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                scope.spawn(move || {
                    let (mut inflater, mut reader) = (Inflater::new(), readers.reader());
                    let checked = part
                        .iter()
                        .enumerate()
                        .map(|(i, raw)| {
                            check_item(n * chunk + i, raw, now, &mut inflater, &mut reader)
                        })
                        .collect::<Result<Vec<_>, ApiError>>();
                    reader_fault(&mut reader).and(checked)
                })
            })
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for worker in workers {
            let part = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            all.extend(part);
        }
        Ok(all)
    })
}

/// A fault of the service's own met while reading custom answers (no reader could be started)
/// fails the batch with 503, to be sent again, rather than refusing its items.
fn reader_fault(reader: &mut Reader<'_>) -> Result<(), ApiError> {
    match reader.take_fault() {
        None => Ok(()),
        Some(fault) => Err(ApiError {
            retry_after: Some(30),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                format!("{fault}; try again later"),
            )
        }),
    }
}

fn check_item(
    index: usize,
    raw: &RawValue,
    now: DateTime<Utc>,
    inflater: &mut Inflater,
    reader: &mut Reader<'_>,
) -> Result<Checked, ApiError> {
    let mut item: Item = match serde_json::from_str(raw.get()) {
        Ok(item) => item,
        Err(_) => {
            let Ok(ItemId { id }) = serde_json::from_str(raw.get()) else {
                return Err(malformed(format!(
                    "items[{index}] has no valid \"id\" (a UUID), so it cannot be answered on \
                     its own: {}",
                    item_error(raw.get())
                )));
            };
            return Ok(Checked::Rejected {
                id,
                reason: ErrorBody::new(
                    "invalid_item",
                    format!("items[{index}].{}", item_error(raw.get())),
                ),
            });
        }
    };
    let check = item.change.validate().and_then(|()| match &item.change {
        Change::Diagnosis(diagnosis) => check_response(diagnosis, inflater, reader),
        _ => Ok(()),
    });
    if let Err(invalid) = check {
        return Ok(Checked::Rejected {
            id: item.id,
            reason: ErrorBody::new(invalid.code(), invalid.to_string()),
        });
    }
    let clamped = item.change.clamp_times(now);
    let stored = match &mut item.change {
        // The response is stored once, in diagnosis.response_deflate; the feed's copy of the
        // item leaves it empty and pulls put it back.
        Change::Diagnosis(diagnosis) => {
            let response = std::mem::take(&mut diagnosis.response_deflate);
            let stored = serde_json::to_string(&item);
            if let Change::Diagnosis(diagnosis) = &mut item.change {
                diagnosis.response_deflate = response;
            }
            stored
                .map_err(|err| ApiError::internal(format!("an item could not be written: {err}")))?
        }
        // The feed carries the times as they count, so that every laptop applies the same order.
        _ if clamped => serde_json::to_string(&item)
            .map_err(|err| ApiError::internal(format!("an item could not be written: {err}")))?,
        _ => raw.get().to_owned(),
    };
    Ok(Checked::Valid {
        item: Box::new(item),
        stored,
    })
}

/// Why the body is not a batch, with the path of the field and serde's line and column.
fn envelope_error(body: &[u8]) -> String {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let problem = match serde_path_to_error::deserialize::<_, Envelope>(&mut deserializer) {
        Err(err) => {
            let path = err.path().to_string();
            if path == "." {
                err.into_inner().to_string()
            } else {
                format!("{path}: {}", err.into_inner())
            }
        }
        Ok(_) => match deserializer.end() {
            Err(err) => err.to_string(),
            Ok(()) => "it could not be read".to_owned(),
        },
    };
    format!("the body is not a sync batch: {problem}")
}

/// Why an item is not an item: `path: problem at line L column C` (within the item).
fn item_error(raw: &str) -> String {
    let mut deserializer = serde_json::Deserializer::from_str(raw);
    match serde_path_to_error::deserialize::<_, Item>(&mut deserializer) {
        Err(err) => format!("{}: {}", err.path(), err.inner()),
        Ok(_) => "not an item".to_owned(),
    }
}

/// Inflates diagnosis responses, reusing its state and buffer from one item to the next (a new
/// inflater per item costs more in allocating and clearing its window than the inflating).
pub(crate) struct Inflater {
    state: Decompress,
    out: Vec<u8>,
}

impl Inflater {
    pub fn new() -> Self {
        Inflater {
            state: Decompress::new(false),
            out: Vec::new(),
        }
    }

    /// Inflates a whole raw DEFLATE stream of at most `limit` bytes.
    pub fn inflate(&mut self, input: &[u8], limit: usize) -> Result<&[u8], String> {
        self.state.reset(false);
        self.out.clear();
        loop {
            if self.out.len() > limit {
                return Err(format!("it inflates to more than {limit} bytes"));
            }
            if self.out.len() == self.out.capacity() {
                let more = (input.len() * 8)
                    .max(16 * 1024)
                    .min(limit + 1 - self.out.len());
                self.out.reserve_exact(more);
            }
            let (in_before, out_before) = (self.state.total_in(), self.out.len());
            let consumed = usize::try_from(in_before).unwrap_or(usize::MAX);
            let status = self
                .state
                .decompress_vec(
                    input.get(consumed..).unwrap_or_default(),
                    &mut self.out,
                    FlushDecompress::Finish,
                )
                .map_err(|err| format!("it does not inflate: {err}"))?;
            if status == Status::StreamEnd && self.out.len() <= limit {
                return Ok(&self.out);
            }
            let progressed = self.state.total_in() != in_before || self.out.len() != out_before;
            if !progressed && self.out.len() < self.out.capacity() {
                return Err("it does not inflate: the stream ends early".into());
            }
        }
    }
}

/// The response must be raw DEFLATE of the item's answer, whose keys the item copies (see
/// [`DiagnosisChange::check_answer`]).
fn check_response(
    change: &DiagnosisChange,
    inflater: &mut Inflater,
    reader: &mut Reader<'_>,
) -> Result<(), InvalidItem> {
    let inflated = inflater
        .inflate(&change.response_deflate, MAX_INFLATED_RESPONSE_BYTES)
        .map_err(InvalidItem::BadResponse)?;
    change.check_answer(inflated, reader)
}

enum Stored {
    New { answer: String, counts: [usize; 3] },
    Existing(StoredBatch),
}

/// Writes the batch in one transaction under [`CHANGE_LOCK`].
async fn store(
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
    if !stored_items.log_ids.is_empty() {
        stored_items
            .write_change_log(tx, device_id, batch_id, received_at)
            .await?;
    }
    Ok(refused)
}

/// Why writing an item failed: its data (the item's fault), or anything else (the service's).
enum WriteError {
    Refused(String),
    Failed(ApiError),
}

impl From<tokio_postgres::Error> for WriteError {
    fn from(err: tokio_postgres::Error) -> Self {
        // Class 22 is "data exception" (a value out of range, bad text), 23 "integrity
        // constraint violation", 54 "program limit exceeded" (a value too large to index).
        let refused = err.as_db_error().map(|db| {
            let code = db.code().code();
            (
                code.starts_with("22") || code.starts_with("23") || code.starts_with("54"),
                db.message().to_owned(),
            )
        });
        match refused {
            Some((true, message)) => WriteError::Refused(message),
            _ => WriteError::Failed(ApiError::from(err)),
        }
    }
}

impl From<ApiError> for WriteError {
    fn from(err: ApiError) -> Self {
        WriteError::Failed(err)
    }
}

/// What a batch writes, gathered into columns for set-based statements.
#[derive(Default)]
struct Writes<'a> {
    /// The newest nameplate of each asset in the batch.
    assets: HashMap<&'a str, (&'a substation_dga::Asset, DateTime<Utc>)>,
    /// Every asset id a sample or diagnosis names.
    named_assets: HashSet<&'a str>,
    /// The newest sample of each (asset, day) in the batch, with the item and source.
    samples: HashMap<(&'a str, NaiveDate), SampleRow<'a>>,
    diagnoses: Vec<(Uuid, &'a DiagnosisChange)>,
    log_ids: Vec<Uuid>,
    log_kinds: Vec<&'static str>,
    log_items: Vec<&'a str>,
    log_diagnoses: Vec<Option<Uuid>>,
}

struct SampleRow<'a> {
    item: Uuid,
    source: &'a substation_sync_protocol::SampleSource,
    record: &'a substation_sync_protocol::SampleRecord,
}

impl<'a> Writes<'a> {
    fn add(&mut self, id: Uuid, change: &'a Change, raw: &'a str) {
        let mut diagnosis_id = None;
        let kind = match change {
            Change::Asset(asset) => {
                let newer = self
                    .assets
                    .get(asset.asset.id.as_str())
                    .is_none_or(|(_, at)| *at <= asset.updated_at);
                if newer {
                    self.assets
                        .insert(&asset.asset.id, (&asset.asset, asset.updated_at));
                }
                "asset"
            }
            Change::Samples(samples) => {
                for record in &samples.samples {
                    self.named_assets.insert(&record.asset_id);
                    let key = (record.asset_id.as_str(), record.date);
                    let newer = self
                        .samples
                        .get(&key)
                        .is_none_or(|row| row.source.imported_at <= samples.source.imported_at);
                    if newer {
                        self.samples.insert(
                            key,
                            SampleRow {
                                item: id,
                                source: &samples.source,
                                record,
                            },
                        );
                    }
                }
                "samples"
            }
            Change::Diagnosis(diagnosis) => {
                self.named_assets.insert(&diagnosis.asset_id);
                self.diagnoses.push((id, diagnosis));
                diagnosis_id = Some(diagnosis.diagnosis_id);
                "diagnosis"
            }
        };
        self.log_ids.push(id);
        self.log_kinds.push(kind);
        self.log_items.push(raw);
        self.log_diagnoses.push(diagnosis_id);
    }

    /// The entities (assets, samples, diagnoses); the change feed is written apart, for the
    /// items that were stored.
    async fn write_entities(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        device_id: i64,
        received_at: DateTime<Utc>,
    ) -> Result<(), WriteError> {
        self.write_assets(tx, device_id).await?;
        self.write_samples(tx, device_id).await?;
        self.write_diagnoses(tx, device_id, received_at).await?;
        Ok(())
    }

    async fn write_assets(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        device_id: i64,
    ) -> Result<(), WriteError> {
        if !self.assets.is_empty() {
            let n = self.assets.len();
            let mut ids = Vec::with_capacity(n);
            let mut names = Vec::with_capacity(n);
            let mut substations = Vec::with_capacity(n);
            let mut manufacturers = Vec::with_capacity(n);
            let mut years = Vec::with_capacity(n);
            let mut rated_kv = Vec::with_capacity(n);
            let mut rated_mva = Vec::with_capacity(n);
            let mut oil_volume = Vec::with_capacity(n);
            let mut preservation = Vec::with_capacity(n);
            let mut oltc = Vec::with_capacity(n);
            let mut updated = Vec::with_capacity(n);
            for (asset, updated_at) in self.assets.values() {
                ids.push(asset.id.as_str());
                names.push(asset.name.as_deref());
                substations.push(asset.substation.as_deref());
                manufacturers.push(asset.manufacturer.as_deref());
                years.push(asset.year_of_manufacture);
                rated_kv.push(asset.rated_kv);
                rated_mva.push(asset.rated_mva);
                oil_volume.push(asset.oil_volume_litres);
                preservation.push(asset.oil_preservation.map(preservation_name));
                oltc.push(asset.communicating_oltc);
                updated.push(*updated_at);
            }
            let statement = tx
                .prepare_cached(
                    "INSERT INTO asset (asset_id, name, substation, manufacturer,
                         year_of_manufacture, rated_kv, rated_mva, oil_volume_litres,
                         oil_preservation, communicating_oltc, updated_at, origin_device_id)
                     SELECT a.*, $12::bigint
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[],
                                 $6::float8[], $7::float8[], $8::float8[], $9::text[],
                                 $10::bool[], $11::timestamptz[]) AS a
                     ON CONFLICT (asset_id) DO UPDATE SET
                         name = EXCLUDED.name,
                         substation = EXCLUDED.substation,
                         manufacturer = EXCLUDED.manufacturer,
                         year_of_manufacture = EXCLUDED.year_of_manufacture,
                         rated_kv = EXCLUDED.rated_kv,
                         rated_mva = EXCLUDED.rated_mva,
                         oil_volume_litres = EXCLUDED.oil_volume_litres,
                         oil_preservation = EXCLUDED.oil_preservation,
                         communicating_oltc = EXCLUDED.communicating_oltc,
                         updated_at = EXCLUDED.updated_at,
                         origin_device_id = EXCLUDED.origin_device_id
                     WHERE asset.updated_at IS NULL OR asset.updated_at <= EXCLUDED.updated_at",
                )
                .await?;
            tx.execute(
                &statement,
                &[
                    &ids,
                    &names,
                    &substations,
                    &manufacturers,
                    &years,
                    &rated_kv,
                    &rated_mva,
                    &oil_volume,
                    &preservation,
                    &oltc,
                    &updated,
                    &device_id,
                ],
            )
            .await?;
        }
        let named: Vec<&str> = self
            .named_assets
            .iter()
            .copied()
            .filter(|id| !self.assets.contains_key(id))
            .collect();
        if !named.is_empty() {
            let statement = tx
                .prepare_cached(
                    "INSERT INTO asset (asset_id) SELECT unnest($1::text[])
                     ON CONFLICT (asset_id) DO NOTHING",
                )
                .await?;
            tx.execute(&statement, &[&named]).await?;
        }
        Ok(())
    }

    async fn write_samples(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        device_id: i64,
    ) -> Result<(), WriteError> {
        if self.samples.is_empty() {
            return Ok(());
        }
        let n = self.samples.len();
        let mut asset_ids = Vec::with_capacity(n);
        let mut dates = Vec::with_capacity(n);
        let mut gases = Vec::with_capacity(n);
        let mut sheets = Vec::with_capacity(n);
        let mut rows = Vec::with_capacity(n);
        let mut files = Vec::with_capacity(n);
        let mut shas = Vec::with_capacity(n);
        let mut imported = Vec::with_capacity(n);
        let mut items = Vec::with_capacity(n);
        for row in self.samples.values() {
            asset_ids.push(row.record.asset_id.as_str());
            dates.push(row.record.date);
            gases.push(serde_json::to_string(&row.record.gases).map_err(|err| {
                ApiError::internal(format!("gas readings could not be written: {err}"))
            })?);
            sheets.push(row.record.sheet.as_deref());
            rows.push(row.record.row.map(i64::from));
            files.push(row.source.file_name.as_str());
            shas.push(row.source.content_sha256.as_str());
            imported.push(row.source.imported_at);
            items.push(row.item);
        }
        let statement = tx
            .prepare_cached(
                "INSERT INTO sample (asset_id, sampled_on, gases, sheet, sheet_row, source_file,
                     source_sha256, imported_at, item_id, origin_device_id)
                 SELECT s.asset_id, s.sampled_on, s.gases::jsonb, s.sheet, s.sheet_row,
                     s.source_file, s.source_sha256, s.imported_at, s.item_id, $10::bigint
                 FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::int8[],
                             $6::text[], $7::text[], $8::timestamptz[], $9::uuid[])
                     AS s (asset_id, sampled_on, gases, sheet, sheet_row, source_file,
                           source_sha256, imported_at, item_id)
                 ON CONFLICT (asset_id, sampled_on) DO UPDATE SET
                     gases = EXCLUDED.gases,
                     sheet = EXCLUDED.sheet,
                     sheet_row = EXCLUDED.sheet_row,
                     source_file = EXCLUDED.source_file,
                     source_sha256 = EXCLUDED.source_sha256,
                     imported_at = EXCLUDED.imported_at,
                     item_id = EXCLUDED.item_id,
                     origin_device_id = EXCLUDED.origin_device_id
                 WHERE sample.imported_at <= EXCLUDED.imported_at",
            )
            .await?;
        tx.execute(
            &statement,
            &[
                &asset_ids, &dates, &gases, &sheets, &rows, &files, &shas, &imported, &items,
                &device_id,
            ],
        )
        .await?;
        Ok(())
    }

    /// Diagnoses and the change feed are plain inserts (duplicates were sorted out under the
    /// lock), so they go in by binary COPY, the cheapest way in.
    async fn write_diagnoses(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        device_id: i64,
        received_at: DateTime<Utc>,
    ) -> Result<(), WriteError> {
        if self.diagnoses.is_empty() {
            return Ok(());
        }
        let sink = tx
            .copy_in(
                "COPY diagnosis (diagnosis_id, item_id, asset_id, run_id, engine, function_name,
                     run_started_at, request_sha256, engine_version, latest_sample_date,
                     ieee_status, iec_state, fault, severity, created_at, response_deflate,
                     origin_device_id, received_at, profile_name, profile_sha256, fault_label,
                     score, action, headline)
                 FROM STDIN (FORMAT binary)",
            )
            .await?;
        let writer = BinaryCopyInWriter::new(
            sink,
            &[
                Type::UUID,
                Type::UUID,
                Type::TEXT,
                Type::UUID,
                Type::TEXT,
                Type::TEXT,
                Type::TIMESTAMPTZ,
                Type::TEXT,
                Type::TEXT,
                Type::DATE,
                Type::INT2,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::TIMESTAMPTZ,
                Type::BYTEA,
                Type::INT8,
                Type::TIMESTAMPTZ,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::FLOAT8,
                Type::TEXT,
                Type::TEXT,
            ],
        );
        let mut writer = std::pin::pin!(writer);
        for (item, d) in &self.diagnoses {
            writer
                .as_mut()
                .write(&[
                    &d.diagnosis_id,
                    item,
                    &d.asset_id,
                    &d.run.run_id,
                    &d.run.engine,
                    &d.run.function_name,
                    &d.run.started_at,
                    &d.request_sha256,
                    &d.engine_version,
                    &d.latest_sample_date,
                    &d.ieee_status.map(i16::from),
                    &d.iec_state,
                    &d.fault,
                    &d.severity,
                    &d.created_at,
                    &d.response_deflate,
                    &device_id,
                    &received_at,
                    &d.profile.as_ref().map(|p| p.name.as_str()),
                    &d.profile.as_ref().map(|p| p.sha256.as_str()),
                    &d.fault_label,
                    &d.score,
                    &d.action,
                    &d.headline,
                ])
                .await?;
        }
        writer.as_mut().finish().await?;
        Ok(())
    }

    async fn write_change_log(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        device_id: i64,
        batch_id: Uuid,
        received_at: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let base: i64 = tx
            .query_one("SELECT COALESCE(max(seq), 0) FROM change_log", &[])
            .await?
            .get(0);
        let sink = tx
            .copy_in(
                "COPY change_log (seq, item_id, device_id, batch_id, kind, item, diagnosis_id,
                     received_at)
                 FROM STDIN (FORMAT binary)",
            )
            .await?;
        let writer = BinaryCopyInWriter::new(
            sink,
            &[
                Type::INT8,
                Type::UUID,
                Type::INT8,
                Type::UUID,
                Type::TEXT,
                Type::TEXT,
                Type::UUID,
                Type::TIMESTAMPTZ,
            ],
        );
        let mut writer = std::pin::pin!(writer);
        for (n, ((id, kind), (item, diagnosis))) in self
            .log_ids
            .iter()
            .zip(&self.log_kinds)
            .zip(self.log_items.iter().zip(&self.log_diagnoses))
            .enumerate()
        {
            let seq = base + 1 + n as i64;
            writer
                .as_mut()
                .write(&[
                    &seq,
                    id,
                    &device_id,
                    &batch_id,
                    kind,
                    item,
                    diagnosis,
                    &received_at,
                ])
                .await?;
        }
        writer.as_mut().finish().await?;
        Ok(())
    }
}

fn preservation_name(preservation: substation_dga::OilPreservation) -> &'static str {
    use substation_dga::OilPreservation::*;
    match preservation {
        Sealed => "sealed",
        Conservator => "conservator",
        NitrogenBlanket => "nitrogen_blanket",
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).expect("deflate");
        encoder.finish().expect("deflate")
    }

    #[test]
    fn the_inflater_inflates_whole_streams_only() {
        let mut inflater = Inflater::new();
        let big: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for input in [&b"{}"[..], b"", &big] {
            let packed = deflate(input);
            assert_eq!(inflater.inflate(&packed, 1 << 24).expect("inflate"), input);
        }
        let packed = deflate(&big);
        let err = inflater
            .inflate(&packed, 100_000)
            .map(<[u8]>::len)
            .expect_err("over the limit");
        assert!(err.contains("more than 100000 bytes"), "{err}");
        let err = inflater
            .inflate(&packed[..packed.len() / 2], 1 << 24)
            .map(<[u8]>::len)
            .expect_err("truncated");
        assert!(err.contains("ends early"), "{err}");
        let err = inflater
            .inflate(b"\xff\xff\xff\xff not deflate", 1 << 24)
            .map(<[u8]>::len)
            .expect_err("garbage");
        assert!(err.contains("does not inflate"), "{err}");
        // Still good for the next one after failures.
        assert_eq!(
            inflater.inflate(&deflate(b"[1]"), 10).expect("inflate"),
            b"[1]"
        );
    }

    #[test]
    fn gzip_is_refused_past_the_limit() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&[b' '; 10_000]).expect("gzip");
        let gzipped = Bytes::from(encoder.finish().expect("gzip"));
        assert_eq!(
            decompress(gzipped.clone(), Encoding::Gzip, 10_000)
                .expect("at the limit")
                .len(),
            10_000
        );
        let err = decompress(gzipped, Encoding::Gzip, 9_999).expect_err("over");
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
