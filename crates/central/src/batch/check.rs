//! The upload checked item by item: the envelope, each item parsed on its own (one a newer
//! client wrote is rejected alone), custom answers read again with their profiles, and each
//! diagnosis's response inflated and compared with its item.

use std::collections::HashSet;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use flate2::{Decompress, FlushDecompress, Status};
use serde::Deserialize;
use serde_json::value::RawValue;
use substation_sync_protocol::{
    Change, DiagnosisChange, ErrorBody, IDEMPOTENCY_HEADER, InvalidItem, Item,
    MAX_INFLATED_RESPONSE_BYTES, MAX_ITEMS_PER_BATCH,
};
use uuid::Uuid;

use crate::api_error::ApiError;
use crate::custom::{Reader, Readers};

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
        /// response (see [`RESPONSE_PLACEHOLDER`](super::RESPONSE_PLACEHOLDER)).
        stored: String,
    },
}

pub(crate) struct Prepared {
    pub(super) slots: Vec<Slot>,
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
}
