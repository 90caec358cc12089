//! Row codecs shared by the writer, the reader and sync: how a time, a date, an oil
//! preservation, a severity and an asset nameplate are kept in SQLite columns, and back.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, Row, params};
use substation_dga::{Asset, GasValue, OilPreservation, Severity};

use crate::Result;

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn preservation_text(p: OilPreservation) -> &'static str {
    p.label()
}

/// A date as the integer YYYYMMDD the sample table keys on.
pub(crate) fn date_number(date: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(date.year()) * 10_000 + i64::from(date.month()) * 100 + i64::from(date.day())
}

/// Keeps a profile by its hash; returns 1 if it was new.
pub(crate) fn save_profile(sp: &Connection, name: &str, sha256: &str, toml: &[u8]) -> Result<i64> {
    let added = sp
        .prepare_cached(
            "INSERT INTO function_profile (sha256, name, toml, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (sha256) DO NOTHING",
        )?
        .execute(params![sha256, name, toml, now()])?;
    Ok(added as i64)
}

pub(crate) fn severity_rank(severity: Severity) -> i64 {
    i64::from(severity.rank())
}

/// A version-2 gas column pair (value, state) as a reading; migration 3 uses it.
pub(crate) fn gas(value: Option<f64>, state: i64) -> GasValue {
    match (state, value) {
        (1, Some(ppm)) => GasValue::Measured(ppm),
        (2, limit) => GasValue::BelowDetection { limit },
        _ => GasValue::NotMeasured,
    }
}

fn preservation(text: Option<String>) -> Option<OilPreservation> {
    text.as_deref().and_then(OilPreservation::from_label)
}

pub(crate) fn asset_from(row: &Row<'_>) -> rusqlite::Result<Asset> {
    let mut asset = Asset::new(row.get::<_, String>(0)?);
    asset.name = row.get(1)?;
    asset.substation = row.get(2)?;
    asset.manufacturer = row.get(3)?;
    asset.year_of_manufacture = row.get(4)?;
    asset.rated_kv = row.get(5)?;
    asset.rated_mva = row.get(6)?;
    asset.oil_volume_litres = row.get(7)?;
    asset.oil_preservation = preservation(row.get(8)?);
    asset.communicating_oltc = row.get(9)?;
    Ok(asset)
}

pub(crate) const ASSET_COLUMNS: &str =
    "id, name, substation, manufacturer, year_of_manufacture, rated_kv, rated_mva,
     oil_volume_litres, oil_preservation, communicating_oltc";

/// A stored time as a UTC instant: RFC 3339 as the store writes it, or a bare date (old data).
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
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
pub(crate) fn time_text(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The integer YYYYMMDD of the sample table as a date.
pub(crate) fn date_from_number(number: i64) -> Option<NaiveDate> {
    let year = i32::try_from(number / 10_000).ok()?;
    let month = u32::try_from(number / 100 % 100).ok()?;
    let day = u32::try_from(number % 100).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The rank of a severity as stored in text (`severity_rank` of its text), unknown as normal.
pub(crate) fn severity_text_rank(severity: Option<&str>) -> i64 {
    severity
        .and_then(Severity::from_label)
        .map_or(0, severity_rank)
}

/// Queues a change for the central service: an outbox row for the entity.
pub(crate) fn outbox(sp: &Connection, entity: &str, key: &str, now: &str) -> Result<()> {
    sp.prepare_cached(
        "INSERT INTO outbox (op_id, entity, entity_key, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![uuid::Uuid::now_v7().to_string(), entity, key, now])?;
    Ok(())
}

/// SHA-256 of `bytes` in lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
