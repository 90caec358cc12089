//! `POST /v1/sync/batches`: read, check and store one upload, idempotently.
//!
//! The body is read up to the limit, un-gzipped up to the limit (a small gzip bomb is refused,
//! not inflated), hashed, and compared with a stored batch of the same `Idempotency-Key`. A new
//! batch is parsed and checked item by item off the async threads, then stored in one
//! transaction under the change-feed lock: the entities, the change-feed rows and the answer
//! commit together or not at all, and no two uploads write at once, so that change sequence
//! numbers commit in order and the same key or item cannot be applied twice.

mod body;
mod check;
mod rows;
mod write;

use std::time::Instant;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sha2::{Digest, Sha256};
use substation_sync_protocol::IDEMPOTENCY_HEADER;
use uuid::Uuid;

use crate::api_error::ApiError;
use crate::device::Device;
use crate::state::AppState;

use body::{check_content_type, content_encoding, decompress, idempotency_key, read_body};
use check::prepare;
use write::{Stored, store};

/// The header a replayed answer carries.
const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// A diagnosis in the change feed's `item` column: its response left empty, to be filled
/// from `diagnosis.response_deflate` when pulled. The item is written by serde_json, where
/// this text can only be the field itself (inside a string its quotes would be escaped).
pub(crate) const RESPONSE_PLACEHOLDER: &str = "\"response_deflate\":\"\"";

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
