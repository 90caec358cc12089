//! A batch's rows gathered per table into columns and written set-based: upserts for
//! assets and samples, binary COPY for diagnoses and the change feed.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;

use chrono::{DateTime, NaiveDate, Utc};
use substation_sync_protocol::{Change, DiagnosisChange, LogEntryChange};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use uuid::Uuid;

use crate::api_error::ApiError;

/// What a batch writes, gathered into columns for set-based statements.
#[derive(Default)]
pub(super) struct Writes<'a> {
    /// The newest nameplate of each asset in the batch.
    assets: HashMap<&'a str, (&'a substation_dga::Asset, DateTime<Utc>)>,
    /// Every asset id a sample or diagnosis names.
    named_assets: HashSet<&'a str>,
    /// The newest sample of each (asset, day) in the batch, with the item and source.
    samples: HashMap<(&'a str, NaiveDate), SampleRow<'a>>,
    diagnoses: Vec<(Uuid, &'a DiagnosisChange)>,
    entries: Vec<(Uuid, &'a LogEntryChange)>,
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
    /// Nothing gathered: no row for the change feed.
    pub(super) fn is_empty(&self) -> bool {
        self.log_ids.is_empty()
    }

    pub(super) fn add(&mut self, id: Uuid, change: &'a Change, raw: &'a str) {
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
            Change::LogEntry(entry) => {
                self.named_assets.insert(&entry.entry.asset_id);
                self.entries.push((id, entry));
                "log_entry"
            }
        };
        self.log_ids.push(id);
        self.log_kinds.push(kind);
        self.log_items.push(raw);
        self.log_diagnoses.push(diagnosis_id);
    }

    /// The entities (assets, samples, diagnoses); the change feed is written apart, for the
    /// items that were stored.
    pub(super) async fn write_entities(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        device_id: i64,
        received_at: DateTime<Utc>,
    ) -> Result<(), WriteError> {
        self.write_assets(tx, device_id).await?;
        self.write_samples(tx, device_id).await?;
        self.write_diagnoses(tx, device_id, received_at).await?;
        self.write_log_entries(tx, device_id, received_at).await?;
        Ok(())
    }

    /// Logbook entries, unique by their id: one sent again under another item id (a rebuilt
    /// upload) changes nothing.
    async fn write_log_entries(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        device_id: i64,
        received_at: DateTime<Utc>,
    ) -> Result<(), WriteError> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let n = self.entries.len();
        let mut ids = Vec::with_capacity(n);
        let mut items = Vec::with_capacity(n);
        let mut assets = Vec::with_capacity(n);
        let mut kinds = Vec::with_capacity(n);
        let mut dates = Vec::with_capacity(n);
        let mut authors = Vec::with_capacity(n);
        let mut texts = Vec::with_capacity(n);
        let mut events = Vec::with_capacity(n);
        let mut created = Vec::with_capacity(n);
        for (item, change) in &self.entries {
            let entry = &change.entry;
            ids.push(change.entry_id);
            items.push(*item);
            assets.push(entry.asset_id.as_str());
            kinds.push(entry.event.kind());
            dates.push(entry.occurred_on);
            authors.push(entry.author.as_str());
            texts.push(entry.text.as_str());
            events.push(serde_json::to_string(&entry.event).map_err(|err| {
                ApiError::internal(format!("a logbook entry could not be written: {err}"))
            })?);
            created.push(change.created_at);
        }
        let statement = tx
            .prepare_cached(
                "INSERT INTO log_entry (entry_id, item_id, asset_id, kind, occurred_on, author,
                     text, event, created_at, origin_device_id, received_at)
                 SELECT e.entry_id, e.item_id, e.asset_id, e.kind, e.occurred_on, e.author,
                     e.text, e.event::jsonb, e.created_at, $10::bigint, $11::timestamptz
                 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::date[],
                             $6::text[], $7::text[], $8::text[], $9::timestamptz[])
                     AS e (entry_id, item_id, asset_id, kind, occurred_on, author, text, event,
                           created_at)
                 ON CONFLICT (entry_id) DO NOTHING",
            )
            .await?;
        tx.execute(
            &statement,
            &[
                &ids,
                &items,
                &assets,
                &kinds,
                &dates,
                &authors,
                &texts,
                &events,
                &created,
                &device_id,
                &received_at,
            ],
        )
        .await?;
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
                preservation.push(
                    asset
                        .oil_preservation
                        .map(substation_dga::OilPreservation::label),
                );
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
        let mut writer = copy_in(
            tx,
            "COPY diagnosis (diagnosis_id, item_id, asset_id, run_id, engine, function_name,
                     run_started_at, request_sha256, engine_version, latest_sample_date,
                     ieee_status, iec_state, fault, severity, created_at, response_deflate,
                     origin_device_id, received_at, profile_name, profile_sha256, fault_label,
                     score, action, headline)
                 FROM STDIN (FORMAT binary)",
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
        )
        .await?;
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

    pub(super) async fn write_change_log(
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
        let mut writer = copy_in(
            tx,
            "COPY change_log (seq, item_id, device_id, batch_id, kind, item, diagnosis_id,
                     received_at)
                 FROM STDIN (FORMAT binary)",
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
        )
        .await?;
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

/// `COPY … FROM STDIN (FORMAT binary)` with columns of `types`: the writer to feed row by row
/// and `finish`. The error stays PostgreSQL's own, which `WriteError` sorts into refusals.
async fn copy_in(
    tx: &deadpool_postgres::Transaction<'_>,
    statement: &str,
    types: &[Type],
) -> Result<Pin<Box<BinaryCopyInWriter>>, tokio_postgres::Error> {
    let sink = tx.copy_in(statement).await?;
    Ok(Box::pin(BinaryCopyInWriter::new(sink, types)))
}

/// Why writing an item failed: its data (the item's fault), or anything else (the service's).
pub(super) enum WriteError {
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
