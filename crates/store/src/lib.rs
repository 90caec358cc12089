//! The local cache: imports, assets, samples, diagnosis runs, diagnoses and the sync outbox in
//! one SQLite file.
//!
//! One writer thread owns the only read-write connection and commits whatever is queued as one
//! transaction (each operation in its own savepoint, so one failure does not undo the others).
//! Readers open their own connections; with WAL they never block the writer, nor it them. A
//! diagnosis and its outbox row are written in the same transaction, so nothing computed can be
//! lost before it is queued for sync.

mod asset;
mod codec;
mod error;
mod gases;
mod import_write;
mod log_rows;
mod logbook;
mod read;
mod request;
mod schema;
mod sync;
mod write;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

pub use error::{Result, StoreError};
pub use import_write::ImportSession;
pub use log_rows::{LOGBOOK_SOURCE, LogRecord};
pub use read::{
    AssetSummary, BatchRow, DiagnosisRow, FleetOrder, FleetQuery, FleetRow, Reader, RunRow,
    StoredSample,
};
pub use request::request_with;
pub use schema::latest_version;
pub use sync::{
    AnswerOutcome, BatchLimits, OutgoingBatch, PullOutcome, Refusal, RejectedItem, SyncStatus,
};

/// Database file name inside the per-user data directory.
pub const DATABASE_FILE: &str = "substation.sqlite3";
/// Application identifier; the per-user data directory is named after it, so the command line
/// and the desktop app (Tauri's app-data directory for the same identifier) share one cache.
pub const APP_IDENTIFIER: &str = "org.substationbulk.desktop";

/// The per-user folder of the settings and remembered header mappings: on Windows
/// `%APPDATA%\<identifier>` (it travels with a roaming profile), on macOS
/// `~/Library/Application Support/<identifier>`, on Linux `~/.local/share/<identifier>`.
/// `SUBSTATION_DATA_DIR` overrides it, e.g. in tests.
pub fn default_data_dir() -> std::path::PathBuf {
    per_user_dir(dirs::data_dir())
}

/// The per-user folder of the local database: on Windows `%LOCALAPPDATA%\<identifier>`, since
/// a cache of megabytes to gigabytes must not travel with a roaming domain profile at every
/// sign-in; on macOS and Linux the same folder as [`default_data_dir`].
/// `SUBSTATION_DATA_DIR` overrides it too.
pub fn default_database_dir() -> std::path::PathBuf {
    per_user_dir(dirs::data_local_dir())
}

/// `SUBSTATION_DATA_DIR`, or this app's folder in the OS's per-user folder `base`.
fn per_user_dir(base: Option<std::path::PathBuf>) -> std::path::PathBuf {
    match std::env::var_os("SUBSTATION_DATA_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => base.unwrap_or_else(std::env::temp_dir).join(APP_IDENTIFIER),
    }
}

/// The database used unless another is chosen: in [`default_database_dir`], or where an
/// earlier version kept it (beside the settings) while a database is there and none is in the
/// local folder, so that an upgrade never starts from an empty cache.
pub fn default_database_path() -> std::path::PathBuf {
    database_in(&default_database_dir(), &default_data_dir())
}

/// The database file in `dir`, or in `earlier_dir` while one is there and none in `dir`.
pub fn database_in(dir: &Path, earlier_dir: &Path) -> std::path::PathBuf {
    let path = dir.join(DATABASE_FILE);
    let earlier = earlier_dir.join(DATABASE_FILE);
    if !path.exists() && earlier.exists() {
        earlier
    } else {
        path
    }
}
/// How long a connection waits for a lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Operations waiting for the writer; senders block beyond this (back-pressure).
const QUEUE_DEPTH: usize = 1024;
/// Most operations committed in one transaction.
const MAX_BATCH: usize = 512;

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub batch_id: i64,
    pub assets_new: u64,
    pub assets_updated: u64,
    pub samples_new: u64,
    pub samples_updated: u64,
    pub samples_unchanged: u64,
}

/// A diagnosis run about to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// "embedded" or "lambda".
    pub engine: String,
    pub engine_version: Option<String>,
    pub function_name: Option<String>,
    pub options: serde_json::Value,
    pub assets_total: u64,
    /// The assets the run covers; a resumed run owes those without a result.
    #[serde(default)]
    pub asset_ids: Vec<String>,
    /// The profile the run's answers are read with (a team's own function); kept in the
    /// store with the run.
    #[serde(default)]
    pub profile: Option<StoredProfile>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Finished,
    Cancelled,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Cancelled => "cancelled",
            RunState::Failed => "failed",
        }
    }
}

/// A diagnosis to store: an engine's answer, its bytes as they came.
#[derive(Debug, Clone)]
pub struct DiagnosisRecord {
    pub run_id: i64,
    pub asset_id: String,
    /// SHA-256 of the request JSON; with the engine version, what makes a result reusable.
    pub request_sha256: String,
    pub answer: substation_dga::Answer,
    /// The diagnosis this one copies (a `--reuse` hit), if any.
    pub reused_from: Option<i64>,
}

/// A per-asset failure to store.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureRecord {
    pub run_id: i64,
    pub asset_id: String,
    pub code: String,
    pub message: String,
    pub attempts: u32,
}

/// A function profile, kept with the answers it reads so that they can be read again with
/// the very same one (here, on another laptop, by the central service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    pub name: String,
    /// SHA-256 of `toml`, lowercase hex.
    pub sha256: String,
    /// The profile file's bytes.
    pub toml: Vec<u8>,
}

/// An answer reduced to what the writer stores: its JSON compressed and its summary taken
/// apart, on the submitting thread. The writer thread only writes.
pub(crate) struct PreparedDiagnosis {
    pub run_id: i64,
    pub asset_id: String,
    pub request_sha256: String,
    pub reused_from: Option<i64>,
    /// What was read from the answer; its asset id is the one the answer itself names, and
    /// the writer refuses an answer filed under another.
    pub summary: substation_dga::Summary,
    /// The answer's JSON, deflate-compressed.
    pub response: Vec<u8>,
}

impl PreparedDiagnosis {
    fn new(record: DiagnosisRecord) -> Result<Self> {
        Ok(PreparedDiagnosis {
            response: pack(&record.answer.json)?,
            run_id: record.run_id,
            asset_id: record.asset_id,
            request_sha256: record.request_sha256,
            reused_from: record.reused_from,
            summary: record.answer.summary,
        })
    }
}

/// SHA-256 of a request's JSON, in hex: with the engine version, what makes a stored
/// diagnosis reusable for the same request.
pub fn request_sha256(request: &substation_dga::DiagnosisRequest) -> Result<String> {
    Ok(codec::sha256_hex(&serde_json::to_vec(request)?))
}

/// Deflate-compresses an answer's JSON for storage.
pub(crate) fn pack(json: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    thread_local! {
        // One encoder per submitting thread: a new encoder allocates and clears a few hundred
        // KB of state, more than compressing an 11 KB answer costs.
        static PACKER: std::cell::RefCell<flate2::write::DeflateEncoder<Vec<u8>>> =
            std::cell::RefCell::new(
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast()),
            );
    }
    PACKER.with_borrow_mut(|encoder| {
        // `reset` finishes the stream into the current output, hands that back, and leaves the
        // encoder fresh for the next answer. (Writing into a Vec does not fail.)
        encoder
            .write_all(json)
            .and_then(|()| encoder.reset(Vec::with_capacity(json.len() / 3)))
            .map_err(|e| StoreError::Invalid(format!("cannot compress a diagnosis: {e}")))
    })
}

/// The diagnosis back from its stored form.
pub(crate) fn unpack(bytes: &[u8]) -> Result<substation_dga::Diagnosis> {
    let json = inflate(bytes).map_err(StoreError::Invalid)?;
    Ok(serde_json::from_slice(&json)?)
}

/// Inflates a stored (or pulled) diagnosis response, refusing to go past the protocol's
/// [`MAX_INFLATED_RESPONSE_BYTES`](substation_sync_protocol::MAX_INFLATED_RESPONSE_BYTES): a
/// response is 7–20 KB, and a few bytes of DEFLATE must not become gigabytes here.
pub(crate) fn inflate(bytes: &[u8]) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read as _;
    let limit = substation_sync_protocol::MAX_INFLATED_RESPONSE_BYTES;
    let mut json = Vec::with_capacity(bytes.len() * 6);
    flate2::read::DeflateDecoder::new(bytes)
        .take(limit as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("a diagnosis response does not inflate: {e}"))?;
    if json.len() > limit {
        return Err(format!(
            "a diagnosis response inflates to more than {} MiB",
            limit / (1024 * 1024)
        ));
    }
    Ok(json)
}

pub(crate) enum Op {
    Import(
        Box<substation_import::Import>,
        SyncSender<Result<ImportOutcome>>,
    ),
    /// An import stored while it is read: its chunks arrive on the receiver.
    ImportStream(
        Receiver<import_write::ImportChunk>,
        SyncSender<Result<ImportOutcome>>,
    ),
    BeginRun(RunSpec, SyncSender<Result<i64>>),
    Diagnosis(Box<PreparedDiagnosis>, SyncSender<Result<i64>>),
    Failure(FailureRecord, SyncSender<Result<()>>),
    FinishRun(i64, RunState, SyncSender<Result<()>>),
    Sync(sync::SyncOp, SyncSender<Result<sync::SyncReply>>),
    NextSyncBatch(
        BatchLimits,
        Option<uuid::Uuid>,
        SyncSender<Result<Option<OutgoingBatch>>>,
    ),
    Profile(ProfileOp, SyncSender<Result<i64>>),
    Log(Box<substation_dga::LogEntry>, SyncSender<Result<LogRecord>>),
}

/// Adding or removing a function profile.
pub(crate) enum ProfileOp {
    Save(StoredProfile),
    Remove(String),
}

/// The handle to a database: submits writes to its writer thread, opens readers.
pub struct Store {
    path: PathBuf,
    sender: Option<SyncSender<Op>>,
    writer: Option<JoinHandle<()>>,
}

/// Opens a connection with the project's pragmas.
fn connect(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it to the current
    /// schema. A database from a newer version is refused before anything is written to it.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Invalid(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut conn = connect(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > latest_version() {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found,
                supported: latest_version(),
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // With WAL, NORMAL keeps the database consistent after a crash or power cut (the last
        // transactions may be lost on power loss, never half-applied).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A big page cache for the writer: an import of a million samples is one transaction.
        conn.pragma_update(None, "cache_size", -131_072)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Migrations run with foreign keys off, as SQLite asks of a migration that rebuilds a
        // table others refer to (the outbox in version 6); such a migration checks them itself
        // before it commits.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        schema::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let (sender, receiver) = sync_channel(QUEUE_DEPTH);
        let writer = std::thread::Builder::new()
            .name("substation-store-writer".into())
            .spawn(move || write::run(conn, receiver))
            .map_err(|e| StoreError::Invalid(format!("cannot start the database writer: {e}")))?;
        Ok(Store {
            path: path.to_owned(),
            sender: Some(sender),
            writer: Some(writer),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new read-only connection (cheap; open one per thread or per request).
    pub fn reader(&self) -> Result<Reader> {
        let conn = connect(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Ok(Reader::new(conn))
    }

    fn send<T>(&self, op: impl FnOnce(SyncSender<Result<T>>) -> Op) -> Result<Receiver<Result<T>>> {
        let (reply, receiver) = sync_channel(1);
        self.sender
            .as_ref()
            .ok_or(StoreError::WriterGone)?
            .send(op(reply))
            .map_err(|_| StoreError::WriterGone)?;
        Ok(receiver)
    }

    fn wait<T>(receiver: Receiver<Result<T>>) -> Result<T> {
        receiver.recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Stores an import: its batch, assets (upserted by id) and samples (upserted by asset and
    /// date), in one transaction. Importing the same data again changes nothing.
    pub fn import(&self, import: substation_import::Import) -> Result<ImportOutcome> {
        Self::wait(self.send(|reply| Op::Import(Box::new(import), reply))?)
    }

    /// Begins storing an import while its workbook is read: give the session to
    /// [`substation_import::import_into`] as its sink, then [`ImportSession::finish`] it with
    /// the import returned. The samples are inserted as they come, on the writer's thread,
    /// while this one reads; like [`Store::import`], it is all one transaction, and other
    /// writes wait until the session ends.
    pub fn import_session(&self) -> Result<ImportSession<'_>> {
        let (chunks, receiver) = std::sync::mpsc::sync_channel(import_write::CHUNKS_IN_FLIGHT);
        let reply = self.send(|reply| Op::ImportStream(receiver, reply))?;
        Ok(ImportSession::new(chunks, reply))
    }

    /// Records the start of a diagnosis run and returns its id.
    pub fn begin_run(&self, spec: RunSpec) -> Result<i64> {
        Self::wait(self.send(|reply| Op::BeginRun(spec, reply))?)
    }

    /// Stores a diagnosis and its outbox row; waits until committed.
    pub fn record_diagnosis(&self, record: DiagnosisRecord) -> Result<i64> {
        Self::wait(self.submit_diagnosis(record)?)
    }

    /// Queues a diagnosis without waiting; the receiver answers once it is committed. Many
    /// submitted together are committed in one transaction.
    pub fn submit_diagnosis(&self, record: DiagnosisRecord) -> Result<Receiver<Result<i64>>> {
        // Serialised here, on the caller's thread: the single writer should only write.
        let prepared = Box::new(PreparedDiagnosis::new(record)?);
        self.send(|reply| Op::Diagnosis(prepared, reply))
    }

    /// Stores a per-asset failure of a run.
    pub fn record_failure(&self, record: FailureRecord) -> Result<()> {
        Self::wait(self.submit_failure(record)?)
    }

    /// Queues a per-asset failure without waiting; the receiver answers once it is committed.
    pub fn submit_failure(&self, record: FailureRecord) -> Result<Receiver<Result<()>>> {
        self.send(|reply| Op::Failure(record, reply))
    }

    /// Keeps a function profile (by the hash of its file; keeping it again changes nothing).
    /// Returns whether it was new.
    pub fn save_profile(&self, profile: StoredProfile) -> Result<bool> {
        Self::wait(self.send(|reply| Op::Profile(ProfileOp::Save(profile), reply))?).map(|n| n > 0)
    }

    /// Forgets a function profile, unless stored answers were read with it (they are read
    /// with it again): [`StoreError::ProfileInUse`]. Returns whether it was there.
    pub fn remove_profile(&self, sha256: &str) -> Result<bool> {
        Self::wait(self.send(|reply| Op::Profile(ProfileOp::Remove(sha256.to_owned()), reply))?)
            .map(|n| n > 0)
    }

    /// Writes a logbook entry made here, checked against today's date, with its outbox row; a
    /// typed-in sample joins the transformer's gas history (and is synced as a sample too).
    /// Refused: an unknown transformer ([`StoreError::NoSuchAsset`]), an entry that fails its
    /// checks ([`StoreError::InvalidLogEntry`]), a sample of a day that has one
    /// ([`StoreError::SampleDateTaken`]).
    pub fn add_log_entry(&self, entry: substation_dga::LogEntry) -> Result<LogRecord> {
        Self::wait(self.send(|reply| Op::Log(Box::new(entry), reply))?)
    }

    /// Marks a run finished, cancelled or failed.
    pub fn finish_run(&self, run_id: i64, state: RunState) -> Result<()> {
        Self::wait(self.send(|reply| Op::FinishRun(run_id, state, reply))?)
    }

    fn sync_op(&self, op: sync::SyncOp) -> Result<sync::SyncReply> {
        Self::wait(self.send(|reply| Op::Sync(op, reply))?)
    }

    /// The upload to send next: the oldest batch built and not answered yet (a retry or a
    /// restart resends it byte for byte), else a new one built from the pending outbox rows
    /// and stored, its rows stamped, in one transaction. `None` when nothing is pending.
    pub fn next_sync_batch(&self, limits: BatchLimits) -> Result<Option<OutgoingBatch>> {
        Self::wait(self.submit_next_sync_batch(limits, None)?)
    }

    /// Queues [`Store::next_sync_batch`] without waiting, leaving out the batch `besides`
    /// (the one being sent): the writer builds the next batch while the current one is in
    /// flight. Batches are still sent in the order they were built, and after a crash every
    /// open one is resent, oldest first, before anything new is built.
    pub fn submit_next_sync_batch(
        &self,
        limits: BatchLimits,
        besides: Option<uuid::Uuid>,
    ) -> Result<Receiver<Result<Option<OutgoingBatch>>>> {
        self.send(|reply| Op::NextSyncBatch(limits, besides, reply))
    }

    /// Applies the service's answer to a batch: each item's row acked or rejected with its
    /// reason, the batch answered. An answer to a batch answered before changes nothing.
    pub fn answer_sync_batch(
        &self,
        answer: substation_sync_protocol::BatchAnswer,
    ) -> Result<AnswerOutcome> {
        match self.sync_op(sync::SyncOp::Answer(Box::new(answer)))? {
            sync::SyncReply::Answered(outcome) => Ok(outcome),
            _ => Err(StoreError::Invalid("unexpected reply".into())),
        }
    }

    /// The service refused a whole batch: its rows are rejected, or go back to pending to be
    /// sent in smaller batches. Returns the rows changed.
    pub fn refuse_sync_batch(&self, batch_id: uuid::Uuid, refusal: Refusal) -> Result<u64> {
        match self.sync_op(sync::SyncOp::Refuse(batch_id, refusal))? {
            sync::SyncReply::Refused(rows) => Ok(rows),
            _ => Err(StoreError::Invalid("unexpected reply".into())),
        }
    }

    /// Puts rejected outbox rows (these ids, or all with `None`) back in the queue; returns how
    /// many. `substation sync retry-rejected` and the sync panel use it once the reason is dealt
    /// with.
    pub fn requeue_rejected(&self, ids: Option<Vec<i64>>) -> Result<u64> {
        match self.sync_op(sync::SyncOp::Requeue(ids))? {
            sync::SyncReply::Refused(rows) => Ok(rows),
            _ => Err(StoreError::Invalid("unexpected reply".into())),
        }
    }

    /// Records a failed attempt (of this batch, if any) as sync's last error: its code (the
    /// sync client's, e.g. `server_unreachable`) and its message.
    pub fn record_sync_failure(
        &self,
        batch_id: Option<uuid::Uuid>,
        code: &str,
        message: &str,
    ) -> Result<()> {
        self.sync_op(sync::SyncOp::Failed(
            batch_id,
            code.to_owned(),
            message.to_owned(),
        ))
        .map(drop)
    }

    /// Records that a sync ran to its end.
    pub fn record_sync_success(&self) -> Result<()> {
        self.sync_op(sync::SyncOp::Succeeded).map(drop)
    }

    /// Brings a page of the change feed into the cache (no outbox rows: nothing echoes back)
    /// and keeps its cursor, in one transaction.
    pub fn apply_changes(
        &self,
        page: substation_sync_protocol::ChangesPage,
    ) -> Result<PullOutcome> {
        match self.sync_op(sync::SyncOp::Pull(Box::new(page)))? {
            sync::SyncReply::Pulled(outcome) => Ok(outcome),
            _ => Err(StoreError::Invalid("unexpected reply".into())),
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Closing the channel ends the writer after it has committed what is queued.
        self.sender.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}
