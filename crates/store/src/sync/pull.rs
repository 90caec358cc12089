//! The change feed brought into the cache: assets, samples and diagnoses other laptops sent,
//! merged so that nothing local is lost.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use substation_sync_protocol::{
    AssetChange, Change, ChangesPage, DiagnosisChange, LogEntryChange, SamplesChange,
};

use super::set_state;
use crate::Result;
use crate::asset::{Replace, upsert};
use crate::codec::{date_number, now, save_profile, severity_text_rank, time_text};
use crate::gases::PackedGases;

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
    /// Logbook entries added.
    #[serde(default)]
    pub log_entries: u64,
    /// Changes left out because they fail the protocol's checks (the service, or something
    /// between, sent what no laptop should store); the last one's reason is kept in the sync
    /// state as `last_skipped_change`.
    #[serde(default)]
    pub skipped: u64,
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

pub(super) fn pull(c: &Connection, page: &ChangesPage) -> Result<PullOutcome> {
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
            Change::LogEntry(change) => {
                outcome.log_entries += pull_log_entry(c, &remote.origin, change)?;
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
    let updated_at = time_text(&change.updated_at);
    let changed = upsert(c, &change.asset, None, &updated_at, Replace::WhenNewer)?;
    Ok(u64::from(changed))
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
                 VALUES (?1, ?2, ?3, ?4, '[]', '{}', ?5)",
            )?
            .execute(params![
                change.source.file_name,
                change.source.content_sha256,
                imported_at,
                // A typed-in sample stays out of the list of imports here too.
                if change.source.file_name == crate::log_rows::LOGBOOK_SOURCE {
                    crate::log_rows::LOGBOOK_FORMAT
                } else {
                    "\"remote\""
                },
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

/// Another laptop's logbook entry, unless it is known already. (A typed-in sample's readings
/// came as a samples item of their own.)
fn pull_log_entry(c: &Connection, origin: &str, change: &LogEntryChange) -> Result<u64> {
    let uuid = change.entry_id.to_string();
    let known = c
        .prepare_cached("SELECT 1 FROM log_entry WHERE uuid = ?1")?
        .exists(params![uuid])?;
    if known {
        return Ok(0);
    }
    let key = ensure_asset(c, &change.entry.asset_id)?;
    crate::log_rows::insert(
        c,
        key,
        &change.entry,
        &uuid,
        &time_text(&change.created_at),
        Some(origin),
    )?;
    Ok(1)
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
        save_profile(c, &profile.name, &profile.sha256, profile.toml.as_bytes())?;
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
            severity_text_rank(d.severity.as_deref()),
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use substation_dga::{Asset, OilPreservation};

    use super::*;
    use crate::sync::test_db;

    fn nameplate(
        c: &Connection,
        id: &str,
    ) -> (Option<String>, Option<String>, Option<String>, String) {
        c.query_row(
            "SELECT name, substation, oil_preservation, updated_at FROM asset WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("asset")
    }

    fn change(name: Option<&str>, substation: Option<&str>, day: u32) -> AssetChange {
        let mut asset = Asset::new("TR-1");
        asset.name = name.map(str::to_owned);
        asset.substation = substation.map(str::to_owned);
        asset.oil_preservation = Some(OilPreservation::Conservator);
        AssetChange {
            asset,
            updated_at: Utc
                .with_ymd_and_hms(2026, 1, day, 8, 0, 0)
                .single()
                .expect("time"),
        }
    }

    // A placeholder is made once and keeps its key; any real nameplate is newer than it.
    #[test]
    fn a_placeholder_asset_is_made_once_and_yields_to_a_nameplate() {
        let c = test_db();
        let key = ensure_asset(&c, "TR-1").expect("placeholder");
        assert_eq!(ensure_asset(&c, "TR-1").expect("again"), key);
        assert_eq!(
            pull_asset(&c, &change(Some("1호 주변압기"), None, 1)).expect("pull"),
            1
        );
        let (name, _, preservation, _) = nameplate(&c, "TR-1");
        assert_eq!(name.as_deref(), Some("1호 주변압기"));
        assert_eq!(preservation.as_deref(), Some("conservator"));
    }

    // A newer nameplate wins field by field (what it leaves empty stays); an older one is
    // ignored whole.
    #[test]
    fn only_a_newer_nameplate_changes_the_stored_one() {
        let c = test_db();
        pull_asset(&c, &change(Some("T1"), Some("서서울"), 2)).expect("first");
        assert_eq!(
            pull_asset(&c, &change(Some("old"), None, 1)).expect("older"),
            0
        );
        assert_eq!(nameplate(&c, "TR-1").0.as_deref(), Some("T1"));
        assert_eq!(
            pull_asset(&c, &change(Some("T1 renamed"), None, 3)).expect("newer"),
            1
        );
        let (name, substation, _, updated) = nameplate(&c, "TR-1");
        assert_eq!(name.as_deref(), Some("T1 renamed"));
        assert_eq!(substation.as_deref(), Some("서서울"));
        assert_eq!(updated, "2026-01-03T08:00:00.000Z");
    }
}
