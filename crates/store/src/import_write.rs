//! Storing an import while it is read: [`ImportSession`] on the reading thread hands the
//! samples over in chunks; the writer inserts each chunk as it comes, inside the import's one
//! savepoint, and writes the transformers, the batch's record and its outbox rows once the
//! reader says the workbook is done. Nothing of it is visible before that commit, and an
//! import that stops halfway leaves nothing.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::mpsc::{Receiver, SyncSender};

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use substation_import::{Import, ImportedSample, SampleSink};

use crate::asset::Replace;
use crate::codec::{date_number, now, outbox};
use crate::gases::PackedGases;
use crate::{ImportOutcome, Result, StoreError};

/// Samples (or take-backs) per message from the reading thread to the writer.
const ITEMS_PER_CHUNK: usize = 4096;

/// Chunks that may wait for the writer: enough to keep it busy while the reader parses,
/// few enough to bound memory (a chunk is about a megabyte).
pub(crate) const CHUNKS_IN_FLIGHT: usize = 4;

/// Rows per multi-row INSERT (5 parameters each, well under SQLite's limit of 32,766).
const SAMPLE_CHUNK: usize = 64;

/// What the reading thread sends the writer.
pub(crate) enum ImportChunk {
    Items(Vec<Item>),
    /// The workbook is read: its transformers, sheets and summary.
    Finish(Box<Import>),
}

/// One sample to store, or one stored earlier in this import to take back.
pub(crate) enum Item {
    Keep(ImportedSample),
    /// Transformer, day, and the sheet it was given from.
    Retract(String, NaiveDate, String),
}

/// An import being stored while its workbook is read; a [`SampleSink`] for
/// [`substation_import::import_into`]. [`ImportSession::finish`] commits it; dropping it
/// unfinished (or [`ImportSession::abandon`]) stores nothing.
pub struct ImportSession<'s> {
    /// The store outlives the session: dropping it waits for its writer, which waits for
    /// this session to end.
    _store: std::marker::PhantomData<&'s crate::Store>,
    chunks: Option<SyncSender<ImportChunk>>,
    reply: Receiver<Result<ImportOutcome>>,
    items: Vec<Item>,
    /// The writer stopped taking chunks (it failed, or closed).
    stopped: bool,
}

impl ImportSession<'_> {
    pub(crate) fn new(
        chunks: SyncSender<ImportChunk>,
        reply: Receiver<Result<ImportOutcome>>,
    ) -> Self {
        ImportSession {
            _store: std::marker::PhantomData,
            chunks: Some(chunks),
            reply,
            items: Vec::with_capacity(ITEMS_PER_CHUNK),
            stopped: false,
        }
    }

    fn push(&mut self, item: Item) -> ControlFlow<()> {
        self.items.push(item);
        if self.items.len() < ITEMS_PER_CHUNK {
            return ControlFlow::Continue(());
        }
        self.flush()
    }

    fn flush(&mut self) -> ControlFlow<()> {
        if self.stopped {
            return ControlFlow::Break(());
        }
        if self.items.is_empty() {
            return ControlFlow::Continue(());
        }
        let items = std::mem::replace(&mut self.items, Vec::with_capacity(ITEMS_PER_CHUNK));
        let sent = self
            .chunks
            .as_ref()
            .is_some_and(|chunks| chunks.send(ImportChunk::Items(items)).is_ok());
        if sent {
            ControlFlow::Continue(())
        } else {
            self.stopped = true;
            ControlFlow::Break(())
        }
    }

    /// Stores what the import read (its transformers, sheets, summary; samples it still
    /// lists are stored too) and commits everything; the counts of what changed.
    pub fn finish(mut self, import: Import) -> Result<ImportOutcome> {
        let _ = self.flush();
        if let Some(chunks) = self.chunks.take() {
            // A failed send means the writer stopped: its answer says why.
            let _ = chunks.send(ImportChunk::Finish(Box::new(import)));
        }
        self.reply.recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Stores nothing. The writer's error when it was the writer that stopped the import
    /// (a failed insert, a full disk), so that the caller reports that rather than the
    /// reader's `Cancelled`.
    pub fn abandon(mut self) -> Option<StoreError> {
        self.items.clear();
        self.chunks = None;
        match self.reply.recv() {
            Ok(Err(StoreError::ImportAbandoned)) | Ok(Ok(_)) => None,
            Ok(Err(error)) => Some(error),
            Err(_) => Some(StoreError::WriterGone),
        }
    }
}

impl SampleSink for ImportSession<'_> {
    fn keep(&mut self, sample: ImportedSample) -> ControlFlow<()> {
        self.push(Item::Keep(sample))
    }

    fn retract(&mut self, asset_id: &str, date: NaiveDate, sheet: &str) -> ControlFlow<()> {
        self.push(Item::Retract(asset_id.to_owned(), date, sheet.to_owned()))
    }
}

/// The writer's side of an [`ImportSession`]: chunks until the finish, in one savepoint.
pub(crate) fn stream_import(
    c: &Connection,
    chunks: &Receiver<ImportChunk>,
) -> Result<ImportOutcome> {
    let mut writer = ImportWriter::begin(c)?;
    loop {
        match chunks.recv() {
            Ok(ImportChunk::Items(items)) => writer.items(items)?,
            Ok(ImportChunk::Finish(import)) => return writer.finish(&import),
            Err(_) => return Err(StoreError::ImportAbandoned),
        }
    }
}

/// A whole import at once: its transformers first (their keys in its order), then its samples.
pub(crate) fn write_import(c: &Connection, import: &Import) -> Result<ImportOutcome> {
    let listed: std::collections::HashSet<&str> =
        import.assets.iter().map(|a| a.id.as_str()).collect();
    if let Some(orphan) = import
        .samples
        .iter()
        .find(|s| !listed.contains(s.asset_id.as_str()))
    {
        return Err(StoreError::Invalid(format!(
            "a sample of {} has no asset in its import",
            orphan.asset_id
        )));
    }
    let mut writer = ImportWriter::begin(c)?;
    for asset in &import.assets {
        writer.asset_key(&asset.id)?;
    }
    writer.finish(import)
}

struct AssetKey {
    key: i64,
    /// Not stored before this import: its row was made for this import's samples.
    new: bool,
}

struct SourceRow {
    sheet: String,
    id: i64,
    given: u64,
}

struct ImportWriter<'c> {
    c: &'c Connection,
    batch_id: i64,
    now: String,
    assets: HashMap<String, AssetKey>,
    /// Each sheet's `sample_source` row, with how many of its samples were given and not
    /// taken back.
    sources: Vec<SourceRow>,
    outcome: ImportOutcome,
    /// Samples the insert found stored already (updated or unchanged).
    existing: u64,
}

impl<'c> ImportWriter<'c> {
    /// The batch's row first (samples refer to it through their sources); what it says of
    /// the workbook is written at the finish.
    fn begin(c: &'c Connection) -> Result<Self> {
        let now = now();
        c.prepare_cached(
            "INSERT INTO import_batch (file_name, content_sha256, imported_at, format, sheets_json, summary_json)
             VALUES ('', '', ?1, '', '[]', '{}')",
        )?
        .execute(params![now])?;
        let batch_id = c.last_insert_rowid();
        // What an update replaced, to put back if that sample is taken back.
        c.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS import_undo (
                 asset_key INTEGER NOT NULL, sampled_on INTEGER NOT NULL, gases BLOB NOT NULL,
                 source_id INTEGER NOT NULL, source_row INTEGER NOT NULL,
                 PRIMARY KEY (asset_key, sampled_on)) WITHOUT ROWID;
             DELETE FROM temp.import_undo;",
        )?;
        Ok(ImportWriter {
            c,
            batch_id,
            now,
            assets: HashMap::new(),
            sources: Vec::new(),
            outcome: ImportOutcome {
                batch_id,
                ..ImportOutcome::default()
            },
            existing: 0,
        })
    }

    /// The key of the transformer `id`; a row with its id alone is made for one not stored
    /// yet (its nameplate is written at the finish).
    fn asset_key(&mut self, id: &str) -> Result<i64> {
        if let Some(known) = self.assets.get(id) {
            return Ok(known.key);
        }
        let stored: Option<i64> = self
            .c
            .prepare_cached("SELECT key FROM asset WHERE id = ?1")?
            .query_row(params![id], |row| row.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })?;
        let known = match stored {
            Some(key) => AssetKey { key, new: false },
            None => {
                self.c
                    .prepare_cached(
                        "INSERT INTO asset (id, batch_id, updated_at) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![id, self.batch_id, self.now])?;
                AssetKey {
                    key: self.c.last_insert_rowid(),
                    new: true,
                }
            }
        };
        let key = known.key;
        self.assets.insert(id.to_owned(), known);
        Ok(key)
    }

    /// The index in `sources` of `sheet`'s source row, made on its first sample.
    fn source(&mut self, sheet: &str) -> Result<usize> {
        if let Some(index) = self.sources.iter().position(|s| s.sheet == sheet) {
            return Ok(index);
        }
        self.c
            .prepare_cached("INSERT INTO sample_source (batch_id, sheet) VALUES (?1, ?2)")?
            .execute(params![self.batch_id, sheet])?;
        self.sources.push(SourceRow {
            sheet: sheet.to_owned(),
            id: self.c.last_insert_rowid(),
            given: 0,
        });
        Ok(self.sources.len() - 1)
    }

    fn items(&mut self, items: Vec<Item>) -> Result<()> {
        let mut rows: Vec<SampleRow> = Vec::with_capacity(SAMPLE_CHUNK);
        // Samples come grouped by asset and sheet: the previous lookup is nearly always the
        // answer.
        let mut last_asset: Option<(String, i64)> = None;
        let mut last_source: Option<(String, usize)> = None;
        for item in items {
            match item {
                Item::Keep(sample) => {
                    let asset_key = match &last_asset {
                        Some((id, key)) if *id == sample.asset_id => *key,
                        _ => {
                            let key = self.asset_key(&sample.asset_id)?;
                            last_asset = Some((sample.asset_id.clone(), key));
                            key
                        }
                    };
                    let source = match &last_source {
                        Some((sheet, index)) if *sheet == sample.sheet => *index,
                        _ => {
                            let index = self.source(&sample.sheet)?;
                            last_source = Some((sample.sheet.clone(), index));
                            index
                        }
                    };
                    let source = &mut self.sources[source];
                    source.given += 1;
                    rows.push(SampleRow::new(&sample, asset_key, source.id));
                    if rows.len() == SAMPLE_CHUNK {
                        self.insert(&rows)?;
                        rows.clear();
                    }
                }
                Item::Retract(asset_id, date, sheet) => {
                    // What was given before the take-back goes in first.
                    self.insert(&rows)?;
                    rows.clear();
                    self.retract(&asset_id, date)?;
                    if let Some(source) = self.sources.iter_mut().find(|s| s.sheet == sheet) {
                        source.given = source.given.saturating_sub(1);
                    }
                }
            }
        }
        self.insert(&rows)
    }

    /// Samples by one multi-row INSERT (one statement per chunk costs far less than one per
    /// row); rows it could not insert exist already and are updated only if they differ,
    /// what they held kept aside in case they are taken back.
    fn insert(&mut self, rows: &[SampleRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let inserted = {
            let mut insert = self.c.prepare_cached(&insert_samples_sql(rows.len()))?;
            let values: Vec<&dyn rusqlite::ToSql> =
                rows.iter().flat_map(SampleRow::values).collect();
            insert.execute(values.as_slice())?
        };
        self.outcome.samples_new += inserted as u64;
        if inserted == rows.len() {
            return Ok(());
        }
        self.existing += (rows.len() - inserted) as u64;
        let mut keep_aside = self.c.prepare_cached(
            "INSERT OR IGNORE INTO temp.import_undo
             SELECT asset_key, sampled_on, gases, source_id, source_row FROM sample
             WHERE asset_key = ?1 AND sampled_on = ?2 AND gases IS NOT ?3",
        )?;
        let mut update = self.c.prepare_cached(
            "UPDATE sample SET gases = ?3, source_id = ?4, source_row = ?5
             WHERE asset_key = ?1 AND sampled_on = ?2 AND gases IS NOT ?3",
        )?;
        for row in rows {
            // A row this chunk inserted holds these gases already: only a row stored before
            // this import is kept aside (the sink gives each transformer and day once).
            keep_aside.execute(params![row.asset_key, row.date, row.gases])?;
            if update.execute(row.values().as_slice())? > 0 {
                self.outcome.samples_updated += 1;
            }
        }
        Ok(())
    }

    /// Takes back a sample given earlier in this import: what an update replaced is put back,
    /// a row this import inserted is deleted, an unchanged one stays.
    fn retract(&mut self, asset_id: &str, date: NaiveDate) -> Result<()> {
        let Some(asset_key) = self.assets.get(asset_id).map(|a| a.key) else {
            return Ok(());
        };
        let date = date_number(date);
        let prior: Option<(Vec<u8>, i64, i64)> = self
            .c
            .prepare_cached(
                "DELETE FROM temp.import_undo WHERE asset_key = ?1 AND sampled_on = ?2
                 RETURNING gases, source_id, source_row",
            )?
            .query_row(params![asset_key, date], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })?;
        if let Some((gases, source_id, source_row)) = prior {
            self.c
                .prepare_cached(
                    "UPDATE sample SET gases = ?3, source_id = ?4, source_row = ?5
                     WHERE asset_key = ?1 AND sampled_on = ?2",
                )?
                .execute(params![asset_key, date, gases, source_id, source_row])?;
            self.outcome.samples_updated = self.outcome.samples_updated.saturating_sub(1);
            self.existing = self.existing.saturating_sub(1);
            return Ok(());
        }
        let deleted = self
            .c
            .prepare_cached(
                "DELETE FROM sample WHERE asset_key = ?1 AND sampled_on = ?2
                 AND source_id IN (SELECT id FROM sample_source WHERE batch_id = ?3)",
            )?
            .execute(params![asset_key, date, self.batch_id])?;
        if deleted > 0 {
            self.outcome.samples_new = self.outcome.samples_new.saturating_sub(1);
        } else {
            self.existing = self.existing.saturating_sub(1);
        }
        Ok(())
    }

    fn finish(mut self, import: &Import) -> Result<ImportOutcome> {
        let c = self.c;
        if !import.samples.is_empty() {
            let items = import
                .samples
                .iter()
                .map(|s| Item::Keep(s.clone()))
                .collect();
            self.items(items)?;
        }
        let batch_id = self.batch_id;
        let mut listed = std::collections::HashSet::with_capacity(import.assets.len());
        for asset in &import.assets {
            let key = self.asset_key(&asset.id)?;
            let new = self.assets.get(&asset.id).is_some_and(|a| a.new);
            let changed =
                crate::asset::upsert(c, asset, Some(batch_id), &self.now, Replace::WhenChanged)?;
            if changed || new {
                outbox(c, "asset", &asset.id, &self.now)?;
            }
            c.prepare_cached(
                "INSERT OR IGNORE INTO import_batch_asset (batch_id, asset_key) VALUES (?1, ?2)",
            )?
            .execute(params![batch_id, key])?;
            self.outcome.assets_new += u64::from(new);
            self.outcome.assets_updated += u64::from(changed && !new);
            listed.insert(asset.id.as_str());
        }
        // A row made for samples that were all taken back, for a transformer the import does
        // not list, goes again.
        for (id, known) in &self.assets {
            if !known.new || listed.contains(id.as_str()) {
                continue;
            }
            let has_samples = c
                .prepare_cached("SELECT 1 FROM sample WHERE asset_key = ?1")?
                .exists(params![known.key])?;
            if has_samples {
                return Err(StoreError::Invalid(format!(
                    "a sample of {id} has no asset in its import"
                )));
            }
            c.prepare_cached("DELETE FROM asset WHERE key = ?1")?
                .execute(params![known.key])?;
        }
        // A sheet keeps its source row when some of its samples are kept, even if all of them
        // were stored already, as a whole import does; one whose samples were all taken back
        // loses it (nothing refers to it: a sample taken back was deleted or put back as it
        // was).
        for source in self.sources.iter().filter(|s| s.given == 0) {
            c.prepare_cached("DELETE FROM sample_source WHERE id = ?1")?
                .execute(params![source.id])?;
        }
        let mut outcome = self.outcome;
        outcome.samples_unchanged = self.existing.saturating_sub(outcome.samples_updated);
        if outcome.samples_new + outcome.samples_updated > 0 {
            outbox(c, "sample_batch", &batch_id.to_string(), &self.now)?;
        }
        c.prepare_cached(
            "UPDATE import_batch SET file_name = ?2, content_sha256 = ?3, format = ?4,
                 sheets_json = ?5, summary_json = ?6, assets_new = ?7, samples_new = ?8,
                 samples_updated = ?9
             WHERE id = ?1",
        )?
        .execute(params![
            batch_id,
            import.file_name,
            import.content_sha256,
            serde_json::to_string(&import.format)?,
            serde_json::to_string(&import.sheets)?,
            serde_json::to_string(&import.summary)?,
            outcome.assets_new,
            outcome.samples_new,
            outcome.samples_updated,
        ])?;
        Ok(outcome)
    }
}

/// One sample's parameters, in column order.
struct SampleRow {
    asset_key: i64,
    /// YYYYMMDD
    date: i64,
    gases: PackedGases,
    source_id: i64,
    row: u32,
}

impl SampleRow {
    fn new(imported: &ImportedSample, asset_key: i64, source_id: i64) -> Self {
        SampleRow {
            asset_key,
            date: date_number(imported.sample.date),
            gases: PackedGases::new(&imported.sample.gases),
            source_id,
            row: imported.row,
        }
    }

    fn values(&self) -> [&dyn rusqlite::ToSql; 5] {
        [
            &self.asset_key,
            &self.date,
            &self.gases,
            &self.source_id,
            &self.row,
        ]
    }
}

fn insert_samples_sql(rows: usize) -> String {
    format!(
        "INSERT OR IGNORE INTO sample (asset_key, sampled_on, gases, source_id, source_row) VALUES {}",
        vec!["(?, ?, ?, ?, ?)"; rows].join(", ")
    )
}
