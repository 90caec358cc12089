//! The outbox turned into upload batches: rows grouped into items under the size limits,
//! samples chunked, gzip-compressed, with progress for the host.

use std::io::Write as _;

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use substation_sync_protocol::{
    AssetChange, Change, DiagnosisChange, Item, LogEntryChange, MAX_SAMPLES_PER_ITEM, ProfileInfo,
    RunInfo, SampleRecord, SampleSource, SamplesChange, SyncBatch,
};
use uuid::Uuid;

use crate::codec::{ASSET_COLUMNS, asset_from, date_from_number, parse_time, time_text};
use crate::{Result, StoreError};

/// How big a batch may grow. The defaults stay far under the protocol's limits
/// (`MAX_ITEMS_PER_BATCH`, `MAX_BODY_BYTES`): a batch is one request and one transaction at the
/// service, and a retry resends all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchLimits {
    pub max_items: usize,
    /// Of the JSON body, before compression.
    pub max_bytes: usize,
    /// Store (and send) the body gzip-compressed at this level (1–9); `None` sends JSON as is.
    pub gzip_level: Option<u32>,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            max_items: 1_000,
            max_bytes: 4 * 1024 * 1024,
            gzip_level: Some(1),
        }
    }
}

/// A built upload, ready to send: the body is exactly what was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingBatch {
    pub id: Uuid,
    pub body: Vec<u8>,
    /// The body is gzip-compressed (send it with `Content-Encoding: gzip`).
    pub gzip: bool,
    pub items: u64,
    /// Failed attempts so far (a batch resent after a restart has some).
    pub attempts: u64,
    /// Built by an earlier call and not answered yet: this is a resend.
    pub resent: bool,
}

/// A sample's key as `outbox.chunk_after` keeps it.
fn chunk_key(asset_key: i64, sampled_on: i64) -> String {
    format!("{asset_key}/{sampled_on}")
}

fn parse_chunk_key(text: &str) -> Option<(i64, i64)> {
    let (asset, date) = text.split_once('/')?;
    Some((asset.parse().ok()?, date.parse().ok()?))
}

/// One item put into the batch being built.
struct Part {
    item_id: Uuid,
    outbox_id: i64,
    last_part: bool,
    chunk_from: Option<String>,
}

/// The outbox row a batch is built from.
struct Row {
    id: i64,
    op_id: String,
    entity: String,
    entity_key: String,
    chunk_after: Option<String>,
    last_error: Option<String>,
}

/// What became of a row while a batch was built.
enum RowFate {
    /// All of it is in this batch: in flight.
    Whole,
    /// Parts of it are in this batch, more remain: still pending, progress saved.
    Partly(String),
    /// Nothing to send.
    Settled {
        state: &'static str,
        error: Option<String>,
    },
}

/// The body being built: the items' JSON, comma-separated, and what they came from.
struct Builder {
    items: Vec<u8>,
    count: usize,
    parts: Vec<Part>,
    budget: usize,
    max_items: usize,
}

impl Builder {
    fn full(&self) -> bool {
        self.count >= self.max_items
    }

    /// Adds an item if it fits (the first item always does: a batch holds at least one).
    fn push(&mut self, item: &Item, part: Part) -> Result<bool> {
        let json = serde_json::to_vec(item)?;
        let extra = json.len() + usize::from(self.count > 0);
        if self.full() || (self.count > 0 && self.items.len() + extra > self.budget) {
            return Ok(false);
        }
        if self.count > 0 {
            self.items.push(b',');
        }
        self.items.extend_from_slice(&json);
        self.count += 1;
        self.parts.push(part);
        Ok(true)
    }
}

/// The oldest open batch if there is one (it is resent before anything new is built), else a
/// new one from the pending outbox rows, stored with its rows stamped. `besides`: a batch being
/// sent, not to be returned (the next one is built while it is in flight).
pub(crate) fn next_batch(
    c: &Connection,
    limits: &BatchLimits,
    besides: Option<&Uuid>,
) -> Result<Option<OutgoingBatch>> {
    let besides = besides.map(Uuid::to_string).unwrap_or_default();
    let open = c
        .prepare_cached(
            "SELECT id, body, encoding, items, attempts FROM sync_batch
             WHERE state = 'open' AND id <> ?1
             ORDER BY created_at, id LIMIT 1",
        )?
        .query_row(params![besides], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, u64>(3)?,
                row.get::<_, u64>(4)?,
            ))
        })
        .optional()?;
    if let Some((id, body, encoding, items, attempts)) = open {
        let id = Uuid::parse_str(&id)
            .map_err(|e| StoreError::Invalid(format!("sync batch id {id}: {e}")))?;
        return Ok(Some(OutgoingBatch {
            id,
            body,
            gzip: encoding == "gzip",
            items,
            attempts,
            resent: true,
        }));
    }

    let created = Utc::now();
    let created_text = time_text(&created);
    let batch_id = Uuid::now_v7();
    // The envelope with no item, `{"batch_id":…,"created_at":…,"items":[]}`: the items go
    // between its brackets, so the body is exactly what serde writes for the whole batch.
    let envelope = serde_json::to_vec(&SyncBatch {
        batch_id,
        // Parsed back from its text so that the body and the stored time agree to the ms.
        created_at: parse_time(&created_text).unwrap_or(created),
        items: Vec::new(),
    })?;
    let Some(head) = envelope.strip_suffix(b"]}") else {
        return Err(StoreError::Invalid("unexpected batch envelope".into()));
    };
    let mut builder = Builder {
        items: Vec::new(),
        count: 0,
        parts: Vec::new(),
        budget: limits.max_bytes.saturating_sub(envelope.len()),
        max_items: limits.max_items.max(1),
    };
    let mut fates: Vec<(i64, RowFate)> = Vec::new();
    let mut after_id = 0i64;
    'rows: while !builder.full() {
        let rows: Vec<Row> = c
            .prepare_cached(
                "SELECT id, op_id, entity, entity_key, chunk_after, last_error FROM outbox
                 WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
                   AND id > ?2
                 ORDER BY id LIMIT ?3",
            )?
            .query_map(
                params![created_text, after_id, builder.max_items as i64],
                |row| {
                    Ok(Row {
                        id: row.get(0)?,
                        op_id: row.get(1)?,
                        entity: row.get(2)?,
                        entity_key: row.get(3)?,
                        chunk_after: row.get(4)?,
                        last_error: row.get(5)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            after_id = row.id;
            let fate = match row.entity.as_str() {
                "asset" | "diagnosis" | "log_entry" => whole_row(c, &row, &mut builder)?,
                "sample_batch" => sample_row(c, &row, &mut builder)?,
                other => Some(RowFate::Settled {
                    state: "dead",
                    error: Some(format!("unknown entity {other}")),
                }),
            };
            match fate {
                Some(fate) => fates.push((row.id, fate)),
                // It did not fit: the batch is full.
                None => break 'rows,
            }
            if builder.full() {
                break 'rows;
            }
        }
    }

    for (id, fate) in &fates {
        match fate {
            RowFate::Whole => {
                c.prepare_cached(
                    "UPDATE outbox SET state = 'in_flight', batch_id = ?2, attempts = attempts + 1
                     WHERE id = ?1",
                )?
                .execute(params![id, batch_id.to_string()])?;
            }
            RowFate::Partly(after) => {
                c.prepare_cached(
                    "UPDATE outbox SET chunk_after = ?2, attempts = attempts + 1 WHERE id = ?1",
                )?
                .execute(params![id, after])?;
            }
            RowFate::Settled { state, error } => {
                c.prepare_cached(
                    "UPDATE outbox SET state = ?2, last_error = coalesce(?3, last_error) WHERE id = ?1",
                )?
                .execute(params![id, state, error])?;
            }
        }
    }
    if builder.count == 0 {
        return Ok(None);
    }

    let mut body = Vec::with_capacity(envelope.len() + builder.items.len());
    body.extend_from_slice(head);
    body.extend_from_slice(&builder.items);
    body.extend_from_slice(b"]}");
    let (body, encoding) = match limits.gzip_level {
        Some(level) => (gzip(&body, level)?, "gzip"),
        None => (body, "identity"),
    };
    c.prepare_cached(
        "INSERT INTO sync_batch (id, body, encoding, items, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        batch_id.to_string(),
        body,
        encoding,
        builder.count as i64,
        created_text
    ])?;
    let mut insert = c.prepare_cached(
        "INSERT INTO sync_batch_item (batch_id, position, item_id, outbox_id, last_part, chunk_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, part) in builder.parts.iter().enumerate() {
        insert.execute(params![
            batch_id.to_string(),
            position as i64,
            part.item_id.to_string(),
            part.outbox_id,
            part.last_part,
            part.chunk_from
        ])?;
    }
    Ok(Some(OutgoingBatch {
        id: batch_id,
        body,
        gzip: encoding == "gzip",
        items: builder.count as u64,
        attempts: 0,
        resent: false,
    }))
}

fn gzip(body: &[u8], level: u32) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 2),
        flate2::Compression::new(level.clamp(1, 9)),
    );
    encoder
        .write_all(body)
        .and_then(|()| encoder.finish())
        .map_err(|e| StoreError::Invalid(format!("cannot compress a sync batch: {e}")))
}

fn dead(error: String) -> Option<RowFate> {
    Some(RowFate::Settled {
        state: "dead",
        error: Some(error),
    })
}

/// An asset, a diagnosis or a logbook entry: one item under the row's op id. `None` when it
/// did not fit.
fn whole_row(c: &Connection, row: &Row, builder: &mut Builder) -> Result<Option<RowFate>> {
    let Ok(item_id) = Uuid::parse_str(&row.op_id) else {
        return Ok(dead(format!("op id {} is not a UUID", row.op_id)));
    };
    let change = match row.entity.as_str() {
        "asset" => read_asset(c, &row.entity_key)?,
        "log_entry" => read_log_entry(c, &row.entity_key)?,
        _ => read_diagnosis(c, &row.entity_key)?,
    };
    let change = match change {
        Ok(change) => change,
        Err(problem) => return Ok(dead(problem)),
    };
    let item = Item {
        id: item_id,
        change,
    };
    let part = Part {
        item_id,
        outbox_id: row.id,
        last_part: true,
        chunk_from: None,
    };
    Ok(builder.push(&item, part)?.then_some(RowFate::Whole))
}

fn read_log_entry(c: &Connection, uuid: &str) -> Result<std::result::Result<Change, String>> {
    let Some(record) = crate::log_rows::entry_by_uuid(c, uuid)? else {
        return Ok(Err(format!("log entry {uuid} is not in the store")));
    };
    let Ok(entry_id) = Uuid::parse_str(&record.uuid) else {
        return Ok(Err(format!("log entry id {uuid} is not a UUID")));
    };
    let Some(created_at) = parse_time(&record.created_at) else {
        return Ok(Err(format!(
            "log entry {uuid}: unreadable time {}",
            record.created_at
        )));
    };
    Ok(Ok(Change::LogEntry(LogEntryChange {
        entry_id,
        entry: record.entry,
        created_at,
    })))
}

fn read_asset(c: &Connection, id: &str) -> Result<std::result::Result<Change, String>> {
    let sql = format!(
        "SELECT {}, updated_at FROM asset WHERE id = ?1",
        ASSET_COLUMNS
    );
    let found = c
        .prepare_cached(&sql)?
        .query_row(params![id], |row| {
            Ok((asset_from(row)?, row.get::<_, String>(10)?))
        })
        .optional()?;
    let Some((asset, updated_at)) = found else {
        return Ok(Err(format!("asset {id} is not in the store")));
    };
    let Some(updated_at) = parse_time(&updated_at) else {
        return Ok(Err(format!("asset {id}: unreadable time {updated_at}")));
    };
    Ok(Ok(Change::Asset(AssetChange { asset, updated_at })))
}

fn read_diagnosis(c: &Connection, uuid: &str) -> Result<std::result::Result<Change, String>> {
    struct Found {
        asset_id: String,
        run_uuid: String,
        engine: String,
        function_name: Option<String>,
        started_at: String,
        request_sha256: String,
        engine_version: String,
        latest_sample_date: Option<String>,
        ieee_status: Option<u8>,
        iec_state: Option<String>,
        fault: Option<String>,
        severity: Option<String>,
        created_at: String,
        response: Vec<u8>,
        profile_sha256: Option<String>,
        profile: Option<(String, Vec<u8>)>,
        fault_label: Option<String>,
        score: Option<f64>,
        action: Option<String>,
        headline: Option<String>,
    }
    let found = c
        .prepare_cached(
            "SELECT d.asset_id, r.run_uuid, r.engine, r.function_name, r.started_at, d.request_sha256,
                    d.engine_version, d.latest_sample_date, d.ieee_status, d.iec_state, d.fault,
                    d.severity, d.created_at, d.response, d.profile_sha256, p.name, p.toml,
                    d.fault_label, d.score, d.action, d.headline
             FROM diagnosis d JOIN diagnosis_run r ON r.id = d.run_id
                  LEFT JOIN function_profile p ON p.sha256 = d.profile_sha256
             WHERE d.diagnosis_uuid = ?1",
        )?
        .query_row(params![uuid], |row| {
            Ok(Found {
                asset_id: row.get(0)?,
                run_uuid: row.get(1)?,
                engine: row.get(2)?,
                function_name: row.get(3)?,
                started_at: row.get(4)?,
                request_sha256: row.get(5)?,
                engine_version: row.get(6)?,
                latest_sample_date: row.get(7)?,
                ieee_status: row.get(8)?,
                iec_state: row.get(9)?,
                fault: row.get(10)?,
                severity: row.get(11)?,
                created_at: row.get(12)?,
                response: row.get(13)?,
                profile_sha256: row.get(14)?,
                profile: match (row.get(15)?, row.get(16)?) {
                    (Some(name), Some(toml)) => Some((name, toml)),
                    _ => None,
                },
                fault_label: row.get(17)?,
                score: row.get(18)?,
                action: row.get(19)?,
                headline: row.get(20)?,
            })
        })
        .optional()?;
    let Some(d) = found else {
        return Ok(Err(format!("diagnosis {uuid} is not in the store")));
    };
    let (Ok(diagnosis_id), Ok(run_id)) = (Uuid::parse_str(uuid), Uuid::parse_str(&d.run_uuid))
    else {
        return Ok(Err(format!(
            "diagnosis {uuid} or its run {} has no UUID",
            d.run_uuid
        )));
    };
    let (Some(started_at), Some(created_at)) =
        (parse_time(&d.started_at), parse_time(&d.created_at))
    else {
        return Ok(Err(format!("diagnosis {uuid}: unreadable times")));
    };
    // A team's own function's answer travels with the profile that read it, and what it read.
    let profile = match (&d.profile_sha256, d.profile) {
        (None, _) => None,
        (Some(sha256), Some((name, toml))) => match String::from_utf8(toml) {
            Ok(toml) => Some(ProfileInfo {
                name,
                sha256: sha256.clone(),
                toml,
            }),
            Err(_) => return Ok(Err(format!("diagnosis {uuid}: its profile is not UTF-8"))),
        },
        (Some(sha256), None) => {
            return Ok(Err(format!(
                "diagnosis {uuid}: the profile {sha256} that read it is not in the store"
            )));
        }
    };
    let custom = profile.is_some();
    let latest_sample_date = match d.latest_sample_date.as_deref() {
        None | Some("") => None,
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => return Ok(Err(format!("diagnosis {uuid}: unreadable date {text}"))),
        },
    };
    Ok(Ok(Change::Diagnosis(DiagnosisChange {
        diagnosis_id,
        asset_id: d.asset_id,
        run: RunInfo {
            run_id,
            engine: d.engine,
            function_name: d.function_name,
            started_at,
        },
        request_sha256: d.request_sha256,
        engine_version: d.engine_version,
        latest_sample_date,
        ieee_status: d.ieee_status,
        iec_state: d.iec_state,
        fault: d.fault,
        severity: d.severity,
        created_at,
        // Stored deflated; sent as stored.
        response_deflate: d.response,
        profile,
        fault_label: d.fault_label.filter(|_| custom),
        score: d.score.filter(|_| custom),
        action: d.action.filter(|_| custom),
        headline: d.headline.filter(|_| custom),
    })))
}

/// An import's samples as samples items of at most `MAX_SAMPLES_PER_ITEM`, from where the row's
/// last stored part ended, as many as fit. `None` when not even its next part fitted.
fn sample_row(c: &Connection, row: &Row, builder: &mut Builder) -> Result<Option<RowFate>> {
    let Ok(batch) = row.entity_key.parse::<i64>() else {
        return Ok(dead(format!(
            "import batch {} is not a number",
            row.entity_key
        )));
    };
    let source = c
        .prepare_cached(
            "SELECT file_name, content_sha256, imported_at FROM import_batch WHERE id = ?1",
        )?
        .query_row(params![batch], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let Some((file_name, content_sha256, imported_at)) = source else {
        return Ok(dead(format!("import batch {batch} is not in the store")));
    };
    let Some(imported_at) = parse_time(&imported_at) else {
        return Ok(dead(format!("import batch {batch}: unreadable time")));
    };
    let source = SampleSource {
        file_name,
        content_sha256,
        imported_at,
    };
    let mut after = match row.chunk_after.as_deref().map(parse_chunk_key) {
        None => (i64::MIN, i64::MIN),
        Some(Some(key)) => key,
        Some(None) => return Ok(dead(format!("unreadable progress {:?}", row.chunk_after))),
    };
    let mut progressed = false;
    loop {
        let (samples, last_key, more) = read_samples(c, batch, after)?;
        let Some(last_key) = last_key else {
            // Nothing (more) to send: the rest of the import's samples were replaced by later
            // imports, whose rows carry them.
            if progressed {
                unreachable_progress()?;
            }
            return Ok(Some(RowFate::Settled {
                state: if row.last_error.is_some() {
                    "rejected"
                } else {
                    "acked"
                },
                error: None,
            }));
        };
        let item_id = part_id(&row.op_id, after, last_key);
        let item = Item {
            id: item_id,
            change: Change::Samples(SamplesChange {
                source: source.clone(),
                samples,
            }),
        };
        let part = Part {
            item_id,
            outbox_id: row.id,
            last_part: !more,
            chunk_from: row_progress(after),
        };
        if !builder.push(&item, part)? {
            return Ok(if progressed {
                Some(RowFate::Partly(chunk_key(after.0, after.1)))
            } else {
                None
            });
        }
        progressed = true;
        after = last_key;
        if !more {
            return Ok(Some(RowFate::Whole));
        }
        if builder.full() {
            return Ok(Some(RowFate::Partly(chunk_key(after.0, after.1))));
        }
    }
}

/// The item id of the part of an import's samples from after `after` to `last` (both sample
/// keys): the same every time the same part is built. Parts are read in fixed runs from where
/// the row's progress stands, so a batch built again smaller after a 413 (or after its answer
/// was lost) carries the same parts under the same ids, and the service answers a part it
/// already stored `duplicate` instead of storing it twice. The end is in the id because a part
/// read again after a later import took over some of its samples reaches further: that is new
/// content, under a new id. A part with the same start and end holds a subset of what it held
/// (samples only ever move to later imports), all of it already stored. A version 8 UUID from
/// the SHA-256 of the row's op id and the part's bounds.
fn part_id(op_id: &str, after: (i64, i64), last: (i64, i64)) -> Uuid {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(op_id.as_bytes());
    hash.update(b"/samples/");
    hash.update(row_progress(after).unwrap_or_default().as_bytes());
    hash.update(b"..");
    hash.update(chunk_key(last.0, last.1).as_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A part is only added when samples were read, and `more` is only true when samples remain,
/// so the loop never finds nothing after a part.
fn unreachable_progress() -> Result<()> {
    Err(StoreError::Invalid(
        "samples vanished while a batch was built".into(),
    ))
}

fn row_progress(after: (i64, i64)) -> Option<String> {
    (after != (i64::MIN, i64::MIN)).then(|| chunk_key(after.0, after.1))
}

type SampleChunk = (Vec<SampleRecord>, Option<(i64, i64)>, bool);

/// The next samples of an import after `after` (asset key, date), in key order: at most
/// `MAX_SAMPLES_PER_ITEM`, the last one's key, and whether more follow.
fn read_samples(c: &Connection, batch: i64, after: (i64, i64)) -> Result<SampleChunk> {
    // The sample table in key order from `after` on: no index on the source is needed, the
    // scan stops once a chunk is full.
    let mut statement = c.prepare_cached(
        "SELECT s.asset_key, s.sampled_on, a.id, s.gases, r.sheet, s.source_row
         FROM sample s JOIN sample_source r ON r.id = s.source_id JOIN asset a ON a.key = s.asset_key
         WHERE r.batch_id = ?1 AND (s.asset_key, s.sampled_on) > (?2, ?3)
         ORDER BY s.asset_key, s.sampled_on LIMIT ?4",
    )?;
    let mut rows = statement.query(params![
        batch,
        after.0,
        after.1,
        (MAX_SAMPLES_PER_ITEM + 1) as i64
    ])?;
    let mut samples = Vec::new();
    let mut last = None;
    let mut more = false;
    while let Some(row) = rows.next()? {
        if samples.len() == MAX_SAMPLES_PER_ITEM {
            more = true;
            break;
        }
        let asset_key: i64 = row.get(0)?;
        let sampled_on: i64 = row.get(1)?;
        let date = date_from_number(sampled_on).ok_or_else(|| {
            StoreError::Invalid(format!("sample date {sampled_on} is not a date"))
        })?;
        let blob = row
            .get_ref(3)?
            .as_blob()
            .map_err(|e| StoreError::Invalid(format!("sample gases: {e}")))?;
        let gases = crate::gases::unpack(blob)
            .map_err(|e| StoreError::Invalid(format!("sample gases: {e}")))?;
        let sheet: String = row.get(4)?;
        samples.push(SampleRecord {
            asset_id: row.get(2)?,
            date,
            gases,
            sheet: (!sheet.is_empty()).then_some(sheet),
            // A typed-in sample has no row (0); the protocol's rows count from 1.
            row: row.get::<_, Option<u32>>(5)?.filter(|row| *row > 0),
        });
        last = Some((asset_key, sampled_on));
    }
    Ok((samples, last, more))
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
