//! The store's side of sync: the outbox turned into upload batches, the service's answers
//! applied, and the change feed brought into the cache. Every function here runs on the writer
//! thread, inside the savepoint of its operation (see `write.rs`), except the reader's status.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use substation_sync_protocol::{
    AssetChange, BatchAnswer, Change, ChangesPage, DiagnosisChange, Item, MAX_SAMPLES_PER_ITEM,
    Outcome, ProfileInfo, RunInfo, SampleRecord, SampleSource, SamplesChange, SyncBatch,
};
use uuid::Uuid;

use crate::gases::PackedGases;
use crate::write::{date_number, now};
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

/// What a page of the change feed brought into the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullOutcome {
    /// Changes in the page.
    pub changes: u64,
    /// Assets added or updated (a newer nameplate).
    pub assets: u64,
    /// Samples added or updated.
    pub samples: u64,
    /// Diagnoses added.
    pub diagnoses: u64,
    /// Changes left out because they fail the protocol's checks (the service, or something
    /// between, sent what no laptop should store); the last one's reason is kept in the sync
    /// state as `last_skipped_change`.
    #[serde(default)]
    pub skipped: u64,
}

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
    pub last_error_at: Option<String>,
    /// The change feed's cursor: where the next pull starts.
    pub cursor: Option<String>,
}

/// What the writer is asked to do for sync.
pub(crate) enum SyncOp {
    Answer(Box<BatchAnswer>),
    Refuse(Uuid, Refusal),
    Failed(Option<Uuid>, String),
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
        SyncOp::Failed(id, message) => failed(c, id.as_ref(), message).map(|()| SyncReply::Noted),
        SyncOp::Requeue(ids) => requeue(c, ids.as_deref()).map(SyncReply::Refused),
        SyncOp::Succeeded => {
            set_state(c, "last_success_at", &now())?;
            c.prepare_cached(
                "DELETE FROM sync_state WHERE key IN ('last_error', 'last_error_at')",
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

/// A stored time as a UTC instant: RFC 3339 as the store writes it, or a bare date (old data).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// A time as the store writes it (RFC 3339, milliseconds, `Z`): such texts sort as times.
fn time_text(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The integer YYYYMMDD of the sample table as a date.
pub(crate) fn date_from_number(number: i64) -> Option<NaiveDate> {
    let year = i32::try_from(number / 10_000).ok()?;
    let month = u32::try_from(number / 100 % 100).ok()?;
    let day = u32::try_from(number % 100).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
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
                "asset" | "diagnosis" => whole_row(c, &row, &mut builder)?,
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

/// An asset or a diagnosis: one item under the row's op id. `None` when it did not fit.
fn whole_row(c: &Connection, row: &Row, builder: &mut Builder) -> Result<Option<RowFate>> {
    let Ok(item_id) = Uuid::parse_str(&row.op_id) else {
        return Ok(dead(format!("op id {} is not a UUID", row.op_id)));
    };
    let change = if row.entity == "asset" {
        read_asset(c, &row.entity_key)?
    } else {
        read_diagnosis(c, &row.entity_key)?
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

fn read_asset(c: &Connection, id: &str) -> Result<std::result::Result<Change, String>> {
    let sql = format!(
        "SELECT {}, updated_at FROM asset WHERE id = ?1",
        crate::read::ASSET_COLUMNS
    );
    let found = c
        .prepare_cached(&sql)?
        .query_row(params![id], |row| {
            Ok((crate::read::asset_from(row)?, row.get::<_, String>(10)?))
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
            row: row.get(5)?,
        });
        last = Some((asset_key, sampled_on));
    }
    Ok((samples, last, more))
}

/// "code: message" of a rejected item.
fn reason_text(reason: Option<&substation_sync_protocol::ErrorBody>) -> String {
    match reason {
        Some(body) => format!("{}: {}", body.code, body.message),
        None => "rejected: no reason given".to_owned(),
    }
}

fn apply_answer(c: &Connection, answer: &BatchAnswer) -> Result<AnswerOutcome> {
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

fn refuse(c: &Connection, id: &Uuid, refusal: &Refusal) -> Result<u64> {
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
fn requeue(c: &Connection, ids: Option<&[i64]>) -> Result<u64> {
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

fn failed(c: &Connection, id: Option<&Uuid>, message: &str) -> Result<()> {
    if let Some(id) = id {
        c.prepare_cached(
            "UPDATE sync_batch SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
        )?
        .execute(params![id.to_string(), message])?;
    }
    set_state(c, "last_error", message)?;
    set_state(c, "last_error_at", &now())?;
    Ok(())
}

/// A placeholder for an asset the feed names before (or without) its nameplate: any real
/// nameplate is newer.
fn ensure_asset(c: &Connection, id: &str) -> Result<i64> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO asset (id, updated_at) VALUES (?1, '1970-01-01T00:00:00.000Z')",
    )?
    .execute(params![id])?;
    Ok(c.prepare_cached("SELECT key FROM asset WHERE id = ?1")?
        .query_row(params![id], |row| row.get(0))?)
}

fn pull(c: &Connection, page: &ChangesPage) -> Result<PullOutcome> {
    let mut outcome = PullOutcome {
        changes: page.changes.len() as u64,
        ..PullOutcome::default()
    };
    for remote in &page.changes {
        if let Err(problem) = check_pulled(&remote.item.change) {
            outcome.skipped += 1;
            set_state(
                c,
                "last_skipped_change",
                &format!("item {} from {}: {problem}", remote.item.id, remote.origin),
            )?;
            continue;
        }
        match &remote.item.change {
            Change::Asset(change) => outcome.assets += pull_asset(c, change)?,
            Change::Samples(change) => outcome.samples += pull_samples(c, &remote.origin, change)?,
            Change::Diagnosis(change) => {
                outcome.diagnoses += pull_diagnosis(c, &remote.origin, change)?;
            }
        }
    }
    set_state(c, "cursor", &page.next_cursor)?;
    set_state(c, "last_pull_at", &now())?;
    Ok(outcome)
}

/// A pulled change passes the checks the service makes of an upload, but one: a custom
/// answer is not read again with its profile here. The service read it so before it entered
/// the feed, in a child process under limits of memory, CPU and stack (docs/central.md); a
/// laptop does not run another team's jq on its one writer thread.
fn check_pulled(change: &Change) -> std::result::Result<(), String> {
    change.validate().map_err(|e| e.to_string())?;
    if let Change::Diagnosis(d) = change {
        let json = crate::inflate(&d.response_deflate)?;
        if d.profile.is_none() {
            d.check_response(&json).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Upserts a nameplate when it is newer than the stored one; fields it leaves empty keep what
/// is stored. No outbox row: it came from the service.
fn pull_asset(c: &Connection, change: &AssetChange) -> Result<u64> {
    let a = &change.asset;
    let changed = c
        .prepare_cached(
            "INSERT INTO asset (id, name, substation, manufacturer, year_of_manufacture, rated_kv, rated_mva,
                 oil_volume_litres, oil_preservation, communicating_oltc, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET
                 name = coalesce(excluded.name, name),
                 substation = coalesce(excluded.substation, substation),
                 manufacturer = coalesce(excluded.manufacturer, manufacturer),
                 year_of_manufacture = coalesce(excluded.year_of_manufacture, year_of_manufacture),
                 rated_kv = coalesce(excluded.rated_kv, rated_kv),
                 rated_mva = coalesce(excluded.rated_mva, rated_mva),
                 oil_volume_litres = coalesce(excluded.oil_volume_litres, oil_volume_litres),
                 oil_preservation = coalesce(excluded.oil_preservation, oil_preservation),
                 communicating_oltc = coalesce(excluded.communicating_oltc, communicating_oltc),
                 updated_at = excluded.updated_at
             WHERE excluded.updated_at > updated_at",
        )?
        .execute(params![
            a.id,
            a.name,
            a.substation,
            a.manufacturer,
            a.year_of_manufacture,
            a.rated_kv,
            a.rated_mva,
            a.oil_volume_litres,
            a.oil_preservation.map(crate::write::preservation_text),
            a.communicating_oltc,
            time_text(&change.updated_at),
        ])?;
    Ok(changed as u64)
}

/// Samples of another laptop's import, under a local import batch that names its origin. A
/// sample of the same transformer and day is replaced only by a newer import's readings.
fn pull_samples(c: &Connection, origin: &str, change: &SamplesChange) -> Result<u64> {
    let imported_at = time_text(&change.source.imported_at);
    let existing: Option<i64> = c
        .prepare_cached(
            "SELECT id FROM import_batch WHERE origin = ?1 AND content_sha256 = ?2 AND imported_at = ?3",
        )?
        .query_row(
            params![origin, change.source.content_sha256, imported_at],
            |row| row.get(0),
        )
        .optional()?;
    let batch = match existing {
        Some(id) => id,
        None => {
            c.prepare_cached(
                "INSERT INTO import_batch (file_name, content_sha256, imported_at, format, sheets_json,
                     summary_json, origin)
                 VALUES (?1, ?2, ?3, '\"remote\"', '[]', '{}', ?4)",
            )?
            .execute(params![
                change.source.file_name,
                change.source.content_sha256,
                imported_at,
                origin
            ])?;
            c.last_insert_rowid()
        }
    };
    let mut sources: HashMap<&str, i64> = HashMap::new();
    let mut assets: HashMap<&str, i64> = HashMap::new();
    let mut changed = 0u64;
    let mut added = 0u64;
    for sample in &change.samples {
        let sheet = sample.sheet.as_deref().unwrap_or("");
        let source_id = match sources.get(sheet) {
            Some(&id) => id,
            None => {
                c.prepare_cached(
                    "INSERT OR IGNORE INTO sample_source (batch_id, sheet) VALUES (?1, ?2)",
                )?
                .execute(params![batch, sheet])?;
                let id: i64 = c
                    .prepare_cached(
                        "SELECT id FROM sample_source WHERE batch_id = ?1 AND sheet = ?2",
                    )?
                    .query_row(params![batch, sheet], |row| row.get(0))?;
                sources.insert(sheet, id);
                id
            }
        };
        let asset_key = match assets.get(sample.asset_id.as_str()) {
            Some(&key) => key,
            None => {
                let key = ensure_asset(c, &sample.asset_id)?;
                c.prepare_cached(
                    "INSERT OR IGNORE INTO import_batch_asset (batch_id, asset_key) VALUES (?1, ?2)",
                )?
                .execute(params![batch, key])?;
                assets.insert(&sample.asset_id, key);
                key
            }
        };
        let date = date_number(sample.date);
        let gases = PackedGases::new(&sample.gases);
        let row = sample.row.unwrap_or(0);
        let inserted = c
            .prepare_cached(
                "INSERT OR IGNORE INTO sample (asset_key, sampled_on, gases, source_id, source_row)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![asset_key, date, gases, source_id, row])?;
        if inserted > 0 {
            added += 1;
            changed += 1;
            continue;
        }
        // The newest import wins: the stored sample's import is older than this one.
        changed += c
            .prepare_cached(
                "UPDATE sample SET gases = ?3, source_id = ?4, source_row = ?5
                 WHERE asset_key = ?1 AND sampled_on = ?2 AND gases IS NOT ?3
                   AND ?6 >= (SELECT b.imported_at FROM sample_source r JOIN import_batch b ON b.id = r.batch_id
                              WHERE r.id = sample.source_id)",
            )?
            .execute(params![asset_key, date, gases, source_id, row, imported_at])? as u64;
    }
    c.prepare_cached(
        "UPDATE import_batch SET samples_new = samples_new + ?2, samples_updated = samples_updated + ?3
         WHERE id = ?1",
    )?
    .execute(params![batch, added, changed - added])?;
    Ok(changed)
}

fn severity_rank(severity: Option<&str>) -> i64 {
    match severity {
        Some("critical") => 3,
        Some("warning") => 2,
        Some("caution") => 1,
        _ => 0,
    }
}

/// Another laptop's diagnosis, unless it is known already, under a local finished run that
/// names its origin. It becomes the transformer's latest only if it is newer.
fn pull_diagnosis(c: &Connection, origin: &str, d: &DiagnosisChange) -> Result<u64> {
    let uuid = d.diagnosis_id.to_string();
    let known = c
        .prepare_cached("SELECT 1 FROM diagnosis WHERE diagnosis_uuid = ?1")?
        .exists(params![uuid])?;
    if known {
        return Ok(0);
    }
    let created_at = time_text(&d.created_at);
    let run_uuid = d.run.run_id.to_string();
    let run: Option<(i64, Option<String>)> = c
        .prepare_cached("SELECT id, origin FROM diagnosis_run WHERE run_uuid = ?1")?
        .query_row(params![run_uuid], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (run_id, remote) = match run {
        Some((id, origin)) => (id, origin.is_some()),
        None => {
            c.prepare_cached(
                "INSERT INTO diagnosis_run (run_uuid, engine, engine_version, function_name, options_json,
                     started_at, finished_at, state, assets_total, origin)
                 VALUES (?1, ?2, ?3, ?4, '{}', ?5, ?6, 'finished', 0, ?7)",
            )?
            .execute(params![
                run_uuid,
                d.run.engine,
                d.engine_version,
                d.run.function_name,
                time_text(&d.run.started_at),
                created_at,
                origin
            ])?;
            (c.last_insert_rowid(), true)
        }
    };
    ensure_asset(c, &d.asset_id)?;
    if let Some(profile) = &d.profile {
        crate::write::save_profile(c, &profile.name, &profile.sha256, profile.toml.as_bytes())?;
    }
    let inserted = c
        .prepare_cached(
            "INSERT OR IGNORE INTO diagnosis (diagnosis_uuid, run_id, asset_id, request_sha256, engine_version,
                 latest_sample_date, ieee_status, iec_state, fault, severity, severity_rank, response, created_at,
                 fault_label, score, action, headline, profile_name, profile_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )?
        .execute(params![
            uuid,
            run_id,
            d.asset_id,
            d.request_sha256,
            d.engine_version,
            d.latest_sample_date.map(|date| date.to_string()),
            d.ieee_status,
            d.iec_state,
            d.fault,
            d.severity,
            severity_rank(d.severity.as_deref()),
            d.response_deflate,
            created_at,
            d.fault_label,
            d.score,
            d.action,
            d.headline,
            d.profile.as_ref().map(|p| &p.name),
            d.profile.as_ref().map(|p| &p.sha256),
        ])?;
    if inserted == 0 {
        // The run already has a diagnosis of this transformer.
        return Ok(0);
    }
    let id = c.last_insert_rowid();
    if remote {
        c.prepare_cached(
            "UPDATE diagnosis_run SET assets_total = assets_total + 1, succeeded = succeeded + 1,
                 finished_at = max(coalesce(finished_at, ''), ?2)
             WHERE id = ?1",
        )?
        .execute(params![run_id, created_at])?;
    }
    c.prepare_cached(
        "UPDATE asset SET latest_diagnosis_id = ?2
         WHERE id = ?1 AND (latest_diagnosis_id IS NULL
             OR (SELECT created_at FROM diagnosis WHERE id = asset.latest_diagnosis_id) < ?3)",
    )?
    .execute(params![d.asset_id, id, created_at])?;
    Ok(1)
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
            "last_error_at" => status.last_error_at = Some(value),
            "cursor" => status.cursor = Some(value),
            _ => {}
        }
    }
    Ok(status)
}
