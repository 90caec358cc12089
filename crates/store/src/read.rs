//! Read-side queries for offline review. Each [`Reader`] has its own connection.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use substation_dga::{Answer, Asset, Diagnosis, Fault, ProfileRef, Sample, Severity, Summary};

use crate::Result;
use crate::codec::{ASSET_COLUMNS, asset_from};

/// A read-only connection.
pub struct Reader {
    pub(crate) conn: Connection,
}

/// Filters and paging for the fleet overview.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetQuery {
    pub substation: Option<String>,
    /// IEEE C57.104-2019 status 1–3.
    pub status: Option<u8>,
    /// Consensus fault code ("T3", "D2", "none", …).
    pub fault: Option<String>,
    /// Case-insensitive substring of the asset id or name.
    pub search: Option<String>,
    /// Include assets that have no diagnosis yet (listed last).
    pub include_undiagnosed: bool,
    /// Only the assets that have no diagnosis yet.
    #[serde(default)]
    pub undiagnosed_only: bool,
    /// Only the assets of this import batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<i64>,
    /// Order; worst first by default.
    #[serde(default)]
    pub order: FleetOrder,
    /// The order reversed (best first, Z to A, oldest first); assets lacking the sort key stay
    /// last either way.
    #[serde(default)]
    pub reverse: bool,
    pub limit: u32,
    pub offset: u32,
}

/// How the fleet overview is ordered. Ties always fall back to the asset id, so pages are stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FleetOrder {
    /// Severity, then IEEE status, highest first; undiagnosed assets last.
    #[default]
    Worst,
    Id,
    Name,
    Substation,
    /// Latest sample date, newest first.
    LatestSample,
}

impl FleetOrder {
    fn sql(self, reverse: bool) -> &'static str {
        match (self, reverse) {
            (FleetOrder::Worst, false) => {
                "d.id IS NULL, d.severity_rank DESC, d.ieee_status DESC, a.id"
            }
            (FleetOrder::Worst, true) => "d.id IS NULL, d.severity_rank, d.ieee_status, a.id DESC",
            (FleetOrder::Id, false) => "a.id",
            (FleetOrder::Id, true) => "a.id DESC",
            (FleetOrder::Name, false) => "a.name IS NULL, a.name, a.id",
            (FleetOrder::Name, true) => "a.name IS NULL, a.name DESC, a.id DESC",
            (FleetOrder::Substation, false) => "a.substation IS NULL, a.substation, a.id",
            (FleetOrder::Substation, true) => "a.substation IS NULL, a.substation DESC, a.id DESC",
            (FleetOrder::LatestSample, false) => {
                "d.latest_sample_date IS NULL, d.latest_sample_date DESC, a.id"
            }
            (FleetOrder::LatestSample, true) => {
                "d.latest_sample_date IS NULL, d.latest_sample_date, a.id DESC"
            }
        }
    }
}

/// One transformer in the fleet overview, with its latest diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetRow {
    pub asset_id: String,
    pub name: Option<String>,
    pub substation: Option<String>,
    pub diagnosis_id: Option<i64>,
    pub latest_sample_date: Option<String>,
    pub ieee_status: Option<u8>,
    pub iec_state: Option<String>,
    pub fault: Option<String>,
    pub severity: Option<String>,
    pub diagnosed_at: Option<String>,
    /// What a team's own function answered (read through its profile): its own fault
    /// label, the number its severity was read from, its one-line headline, the profile's
    /// name. All `None` for the built-in contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
}

/// A stored sample and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSample {
    pub sample: Sample,
    pub batch_id: i64,
    pub source_sheet: String,
    pub source_row: u32,
}

/// One diagnosis in an asset's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosisRow {
    pub id: i64,
    pub diagnosis_uuid: String,
    pub run_id: i64,
    pub engine_version: String,
    pub latest_sample_date: Option<String>,
    pub ieee_status: Option<u8>,
    pub iec_state: Option<String>,
    pub fault: Option<String>,
    pub severity: Option<String>,
    pub created_at: String,
    /// The laptop that made it, for a diagnosis pulled from the central service; `None` for
    /// one made here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The recommended action, in the answer's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// As in [`FleetRow`]: a custom function's own fields, `None` for the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
}

/// An asset with its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetSummary {
    pub asset: Asset,
    pub samples: u64,
    pub diagnoses: u64,
}

/// An import as listed for review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRow {
    pub id: i64,
    pub file_name: String,
    pub content_sha256: String,
    pub imported_at: String,
    pub assets_new: u64,
    pub samples_new: u64,
    pub samples_updated: u64,
    /// The laptop whose import this is, for samples pulled from the central service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Transformers the import holds (new or already cached).
    #[serde(default)]
    pub assets: u64,
}

/// A diagnosis run as listed for review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub id: i64,
    pub run_uuid: String,
    pub engine: String,
    pub state: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub assets_total: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub reused: u64,
    /// The options the run was started with (JSON).
    pub options_json: String,
    /// The laptop that made the run, for diagnoses pulled from the central service (such a
    /// run is finished and owes nothing); `None` for a run made here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Transformers of the run with no stored diagnosis yet: what a resume would do (the
    /// count of [`Reader::assets_without_result`]).
    #[serde(default)]
    pub owed: u64,
}

/// A sample with its batch and sheet, which `sample_source` holds.
const SAMPLE_QUERY: &str = "SELECT s.sampled_on, s.gases, r.batch_id, r.sheet, s.source_row
     FROM sample s JOIN sample_source r ON r.id = s.source_id";

fn sample_from(row: &Row<'_>) -> rusqlite::Result<StoredSample> {
    // Stored as the integer YYYYMMDD.
    let number: i64 = row.get(0)?;
    let date = i32::try_from(number / 10_000)
        .ok()
        .and_then(|year| {
            let month = u32::try_from(number / 100 % 100).ok()?;
            let day = u32::try_from(number % 100).ok()?;
            NaiveDate::from_ymd_opt(year, month, day)
        })
        .ok_or(rusqlite::Error::IntegralValueOutOfRange(0, number))?;
    let gases = crate::gases::unpack(row.get_ref(1)?.as_blob()?).map_err(|message| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Blob, message.into())
    })?;
    Ok(StoredSample {
        sample: Sample::new(date, gases),
        batch_id: row.get(2)?,
        source_sheet: row.get(3)?,
        source_row: row.get(4)?,
    })
}

fn diagnosis_row(row: &Row<'_>) -> rusqlite::Result<DiagnosisRow> {
    Ok(DiagnosisRow {
        id: row.get(0)?,
        diagnosis_uuid: row.get(1)?,
        run_id: row.get(2)?,
        engine_version: row.get(3)?,
        latest_sample_date: row.get(4)?,
        ieee_status: row.get(5)?,
        iec_state: row.get(6)?,
        fault: row.get(7)?,
        severity: row.get(8)?,
        created_at: row.get(9)?,
        origin: row.get(10)?,
        action: row.get(11)?,
        fault_label: row.get(12)?,
        score: row.get(13)?,
        headline: row.get(14)?,
        profile_name: row.get(15)?,
    })
}

/// The columns [`answer_from`] reads, after the response.
const ANSWER_COLUMNS: &str = "response, asset_id, engine_version, latest_sample_date, severity,
     fault, fault_label, score, action, headline, ieee_status, iec_state, profile_name, profile_sha256,
     resample_within_days";

/// A stored answer: its bytes inflated, its summary from the columns it was indexed by.
fn answer_from(row: &Row<'_>) -> rusqlite::Result<std::result::Result<Answer, String>> {
    let packed: Vec<u8> = row.get(0)?;
    let date: Option<String> = row.get(3)?;
    let severity: Option<String> = row.get(4)?;
    let fault: Option<String> = row.get(5)?;
    let profile = match (row.get::<_, Option<String>>(12)?, row.get(13)?) {
        (Some(name), Some(sha256)) => Some(ProfileRef { name, sha256 }),
        _ => None,
    };
    let build = || -> std::result::Result<Answer, String> {
        let json = crate::inflate(&packed)?.into_boxed_slice();
        // A contract answer is read again, whole: rows stored before schema 5, or pulled from
        // another laptop, have no action or resampling interval in their columns.
        if profile.is_none()
            && let Ok(summary) = Summary::of_contract_json(&json)
        {
            return Ok(Answer { json, summary });
        }
        let latest_sample_date = date
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .ok_or_else(|| format!("a stored diagnosis has no valid sample date ({date:?})"))?;
        let severity = severity
            .as_deref()
            .and_then(Severity::from_label)
            .ok_or_else(|| format!("a stored diagnosis has no valid severity ({severity:?})"))?;
        Ok(Answer {
            json,
            summary: Summary {
                asset_id: row.get(1).map_err(|e| e.to_string())?,
                engine_version: row.get(2).map_err(|e| e.to_string())?,
                latest_sample_date,
                severity,
                fault: fault.as_deref().and_then(Fault::from_label),
                fault_label: row.get(6).map_err(|e| e.to_string())?,
                score: row.get(7).map_err(|e| e.to_string())?,
                action: row.get(8).map_err(|e| e.to_string())?,
                headline: row.get(9).map_err(|e| e.to_string())?,
                ieee_status: row.get(10).map_err(|e| e.to_string())?,
                iec_state: row.get(11).map_err(|e| e.to_string())?,
                resample_within_days: row.get(14).map_err(|e| e.to_string())?,
                profile,
            },
        })
    };
    Ok(build())
}

impl Reader {
    pub(crate) fn new(conn: Connection) -> Self {
        Reader { conn }
    }

    /// The fleet, worst first: severity, then IEEE status, then asset id. Assets with no
    /// diagnosis only when asked for, after the diagnosed ones.
    pub fn fleet(&self, query: &FleetQuery) -> Result<Vec<FleetRow>> {
        let (clause, values) = fleet_filter(query);
        let sql = format!(
            "SELECT a.id, a.name, a.substation, d.id, d.latest_sample_date, d.ieee_status, d.iec_state, d.fault,
                    d.severity, d.created_at, d.fault_label, d.score, d.headline, d.profile_name
             FROM asset a LEFT JOIN diagnosis d ON d.id = a.latest_diagnosis_id
             WHERE {clause}
             ORDER BY {order}
             LIMIT ? OFFSET ?",
            order = query.order.sql(query.reverse)
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut bound: Vec<Box<dyn rusqlite::ToSql>> = values;
        bound.push(Box::new(if query.limit == 0 {
            u32::MAX
        } else {
            query.limit
        }));
        bound.push(Box::new(query.offset));
        let rows = statement.query_map(rusqlite::params_from_iter(bound.iter()), |row| {
            Ok(FleetRow {
                asset_id: row.get(0)?,
                name: row.get(1)?,
                substation: row.get(2)?,
                diagnosis_id: row.get(3)?,
                latest_sample_date: row.get(4)?,
                ieee_status: row.get(5)?,
                iec_state: row.get(6)?,
                fault: row.get(7)?,
                severity: row.get(8)?,
                diagnosed_at: row.get(9)?,
                fault_label: row.get(10)?,
                score: row.get(11)?,
                headline: row.get(12)?,
                profile_name: row.get(13)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many assets of the query's scope (batch, substation, fault, search; whatever its
    /// status filter) have IEEE status 1, 2 and 3, how many have no diagnosis, and how many
    /// have one without an IEEE status (a team's own function's): the fleet's status chips and
    /// their total, in one pass.
    pub fn fleet_status_counts(&self, query: &FleetQuery) -> Result<[u64; 5]> {
        let scope = FleetQuery {
            status: None,
            include_undiagnosed: true,
            undiagnosed_only: false,
            ..query.clone()
        };
        let (clause, values) = fleet_filter(&scope);
        let sql = format!(
            "SELECT d.id IS NULL, d.ieee_status, count(*)
             FROM asset a LEFT JOIN diagnosis d ON d.id = a.latest_diagnosis_id
             WHERE {clause} GROUP BY 1, 2"
        );
        let mut counts = [0u64; 5];
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
        while let Some(row) = rows.next()? {
            let undiagnosed: bool = row.get(0)?;
            let status: Option<u8> = row.get(1)?;
            let n: u64 = row.get(2)?;
            match (undiagnosed, status) {
                (true, _) => counts[3] += n,
                (false, Some(s @ 1..=3)) => counts[usize::from(s) - 1] += n,
                // Diagnosed without an IEEE status: a team's own function's answer (or a
                // contract one with no usable sample).
                (false, _) => counts[4] += n,
            }
        }
        Ok(counts)
    }

    /// How many assets the fleet query matches (for paging).
    pub fn fleet_count(&self, query: &FleetQuery) -> Result<u64> {
        let (clause, values) = fleet_filter(query);
        let sql = format!(
            "SELECT count(*) FROM asset a LEFT JOIN diagnosis d ON d.id = a.latest_diagnosis_id WHERE {clause}"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(values.iter()), |row| row.get(0))?)
    }

    pub fn asset(&self, id: &str) -> Result<Option<AssetSummary>> {
        let sql = format!(
            "SELECT {ASSET_COLUMNS},
                (SELECT count(*) FROM sample WHERE asset_key = asset.key),
                (SELECT count(*) FROM diagnosis WHERE asset_id = asset.id)
             FROM asset WHERE id = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![id], |row| {
                Ok(AssetSummary {
                    asset: asset_from(row)?,
                    samples: row.get(10)?,
                    diagnoses: row.get(11)?,
                })
            })
            .optional()?)
    }

    /// Every asset, by id.
    pub fn assets(&self) -> Result<Vec<Asset>> {
        let sql = format!("SELECT {ASSET_COLUMNS} FROM asset ORDER BY id");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map([], asset_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An asset's samples, oldest first.
    pub fn samples(&self, asset_id: &str) -> Result<Vec<StoredSample>> {
        let sql = format!(
            "{SAMPLE_QUERY} WHERE s.asset_key = (SELECT key FROM asset WHERE id = ?1) ORDER BY s.sampled_on"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![asset_id], sample_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An asset's diagnoses, newest first (by when they were made: one pulled from another
    /// laptop may be older than those made here).
    pub fn diagnoses(&self, asset_id: &str) -> Result<Vec<DiagnosisRow>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT d.id, d.diagnosis_uuid, d.run_id, d.engine_version, d.latest_sample_date, d.ieee_status,
                    d.iec_state, d.fault, d.severity, d.created_at, r.origin, d.action, d.fault_label,
                    d.score, d.headline, d.profile_name
             FROM diagnosis d JOIN diagnosis_run r ON r.id = d.run_id
             WHERE d.asset_id = ?1 ORDER BY d.created_at DESC, d.id DESC",
        )?;
        let rows = statement.query_map(params![asset_id], diagnosis_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The full stored diagnosis of the built-in contract; `None` when there is no such
    /// diagnosis or it is a custom function's answer (see [`Reader::answer`]).
    pub fn diagnosis(&self, id: i64) -> Result<Option<Diagnosis>> {
        let packed: Option<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT response FROM diagnosis WHERE id = ?1 AND profile_sha256 IS NULL",
            )?
            .query_row(params![id], |row| row.get(0))
            .optional()?;
        packed.map(|bytes| crate::unpack(&bytes)).transpose()
    }

    /// A stored answer as it came, with its summary: whatever engine or profile made it.
    pub fn answer(&self, id: i64) -> Result<Option<Answer>> {
        let sql = format!("SELECT {ANSWER_COLUMNS} FROM diagnosis WHERE id = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![id], answer_from)
            .optional()?;
        found.transpose().map_err(crate::StoreError::Invalid)
    }

    /// A diagnosis already made for the same request by the same engine version (for a
    /// custom function: through the same profile), to reuse instead of invoking again.
    pub fn reusable(
        &self,
        request_sha256: &str,
        engine_version: &str,
    ) -> Result<Option<(i64, Answer)>> {
        let sql = format!(
            "SELECT {ANSWER_COLUMNS}, id FROM diagnosis
             WHERE request_sha256 = ?1 AND engine_version = ?2 ORDER BY id DESC LIMIT 1"
        );
        let found = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![request_sha256, engine_version], |row| {
                Ok((row.get::<_, i64>(15)?, answer_from(row)?))
            })
            .optional()?;
        // One that cannot be read is not reused: the transformer is diagnosed again.
        Ok(found.and_then(|(id, answer)| answer.ok().map(|answer| (id, answer))))
    }

    /// The engine version a run was begun with: `None` when there is no such run, `Some(None)`
    /// for a run of the built-in function on Lambda (which records none).
    pub fn run_engine_version(&self, run_id: i64) -> Result<Option<Option<String>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT engine_version FROM diagnosis_run WHERE id = ?1")?
            .query_row(params![run_id], |row| row.get(0))
            .optional()?)
    }

    /// Every stored function profile, by name, with how many stored answers each read.
    pub fn profiles(&self) -> Result<Vec<(crate::StoredProfile, u64)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT p.name, p.sha256, p.toml,
                    (SELECT count(*) FROM diagnosis d WHERE d.profile_sha256 = p.sha256)
             FROM function_profile p ORDER BY p.name, p.added_at",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                crate::StoredProfile {
                    name: row.get(0)?,
                    sha256: row.get(1)?,
                    toml: row.get(2)?,
                },
                row.get(3)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A stored function profile by the SHA-256 of its file.
    pub fn profile(&self, sha256: &str) -> Result<Option<crate::StoredProfile>> {
        Ok(self
            .conn
            .prepare_cached("SELECT name, sha256, toml FROM function_profile WHERE sha256 = ?1")?
            .query_row(params![sha256], |row| {
                Ok(crate::StoredProfile {
                    name: row.get(0)?,
                    sha256: row.get(1)?,
                    toml: row.get(2)?,
                })
            })
            .optional()?)
    }

    /// Ids of every asset an import batch holds, whether the import changed it or not.
    pub fn batch_assets(&self, batch_id: i64) -> Result<Vec<String>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id FROM import_batch_asset b JOIN asset a ON a.key = b.asset_key
             WHERE b.batch_id = ?1 ORDER BY a.id",
        )?;
        let rows = statement.query_map(params![batch_id], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Assets of a run (as fixed when it began) that have no stored diagnosis yet: what a
    /// resumed run still has to do.
    pub fn assets_without_result(&self, run_id: i64) -> Result<Vec<String>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT m.asset_id FROM diagnosis_run_asset m
             WHERE m.run_id = ?1
               AND NOT EXISTS (SELECT 1 FROM diagnosis d WHERE d.run_id = ?1 AND d.asset_id = m.asset_id)
             ORDER BY m.asset_id",
        )?;
        let rows = statement.query_map(params![run_id], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn batches(&self) -> Result<Vec<BatchRow>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, file_name, content_sha256, imported_at, assets_new, samples_new, samples_updated, origin,
                    (SELECT count(*) FROM import_batch_asset b WHERE b.batch_id = import_batch.id)
             FROM import_batch WHERE format <> '\"logbook\"' ORDER BY id DESC",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(BatchRow {
                id: row.get(0)?,
                file_name: row.get(1)?,
                content_sha256: row.get(2)?,
                imported_at: row.get(3)?,
                assets_new: row.get(4)?,
                samples_new: row.get(5)?,
                samples_updated: row.get(6)?,
                origin: row.get(7)?,
                assets: row.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn runs(&self) -> Result<Vec<RunRow>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT r.id, r.run_uuid, r.engine, r.state, r.started_at, r.finished_at, r.assets_total,
                    r.succeeded, r.failed, r.reused, r.options_json, r.origin,
                    (SELECT count(*) FROM diagnosis_run_asset m
                     WHERE m.run_id = r.id
                       AND NOT EXISTS (SELECT 1 FROM diagnosis d
                                       WHERE d.run_id = r.id AND d.asset_id = m.asset_id))
             FROM diagnosis_run r ORDER BY r.id DESC",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(RunRow {
                id: row.get(0)?,
                run_uuid: row.get(1)?,
                engine: row.get(2)?,
                state: row.get(3)?,
                started_at: row.get(4)?,
                finished_at: row.get(5)?,
                assets_total: row.get(6)?,
                succeeded: row.get(7)?,
                failed: row.get(8)?,
                reused: row.get(9)?,
                options_json: row.get(10)?,
                origin: row.get(11)?,
                owed: row.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Outbox rows waiting to be synced.
    pub fn outbox_pending(&self) -> Result<u64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')")?
            .query_row([], |row| row.get(0))?)
    }

    /// Where sync stands: what waits, what was refused and why, the last success and error,
    /// the change feed's cursor.
    pub fn sync_status(&self) -> Result<crate::SyncStatus> {
        crate::sync::status(&self.conn)
    }

    /// Counts of every table, for tests and `review --stats`.
    pub fn counts(&self) -> Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        for table in [
            "import_batch",
            "asset",
            "sample",
            "diagnosis_run",
            "diagnosis",
            "diagnosis_failure",
            "outbox",
            "sync_batch",
        ] {
            let count: u64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                        row.get(0)
                    })?;
            out.push((table.to_owned(), count));
        }
        Ok(out)
    }

    /// SQLite's own consistency check; "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

fn fleet_filter(query: &FleetQuery) -> (String, Vec<Box<dyn rusqlite::ToSql>>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if query.undiagnosed_only {
        clauses.push("d.id IS NULL");
    } else if !query.include_undiagnosed {
        clauses.push("d.id IS NOT NULL");
    }
    if let Some(batch) = query.batch_id {
        clauses.push("a.key IN (SELECT asset_key FROM import_batch_asset WHERE batch_id = ?)");
        values.push(Box::new(batch));
    }
    if let Some(substation) = &query.substation {
        clauses.push("a.substation = ?");
        values.push(Box::new(substation.clone()));
    }
    if let Some(status) = query.status {
        clauses.push("d.ieee_status = ?");
        values.push(Box::new(status));
    }
    if let Some(fault) = &query.fault {
        clauses.push("d.fault = ?");
        values.push(Box::new(fault.clone()));
    }
    if let Some(search) = &query.search {
        clauses.push("(a.id LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\')");
        let escaped = search
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        values.push(Box::new(pattern.clone()));
        values.push(Box::new(pattern));
    }
    if clauses.is_empty() {
        ("1".to_owned(), values)
    } else {
        (clauses.join(" AND "), values)
    }
}
