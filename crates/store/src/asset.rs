//! The one upsert of a transformer's nameplate, for both ways one arrives: an import on this
//! laptop and a change pulled from the central service.

use rusqlite::{Connection, params};
use substation_dga::Asset;

use crate::Result;
use crate::codec::preservation_text;

/// When an arriving nameplate replaces the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replace {
    /// An import: when it changes a value (the import's batch and time are then recorded).
    WhenChanged,
    /// A pulled change: when it is newer than the stored one (laptops disagree: the newest
    /// nameplate wins).
    WhenNewer,
}

/// Upserts `asset`. Fields it leaves empty keep what is stored: an import of samples alone, or
/// a laptop that knew less, does not erase a nameplate read earlier. `batch_id` is the import
/// that brought it (`None` for a pulled change, which keeps the stored one). Returns whether a
/// row was written.
pub(crate) fn upsert(
    c: &Connection,
    asset: &Asset,
    batch_id: Option<i64>,
    updated_at: &str,
    replace: Replace,
) -> Result<bool> {
    let changed = c
        .prepare_cached(
            "INSERT INTO asset (id, name, substation, manufacturer, year_of_manufacture, rated_kv, rated_mva,
                 oil_volume_litres, oil_preservation, communicating_oltc, batch_id, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
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
                 batch_id = coalesce(excluded.batch_id, batch_id),
                 updated_at = excluded.updated_at
             WHERE CASE ?13
                 WHEN 'newer' THEN excluded.updated_at > updated_at
                 ELSE (coalesce(excluded.name, name), coalesce(excluded.substation, substation),
                       coalesce(excluded.manufacturer, manufacturer),
                       coalesce(excluded.year_of_manufacture, year_of_manufacture),
                       coalesce(excluded.rated_kv, rated_kv), coalesce(excluded.rated_mva, rated_mva),
                       coalesce(excluded.oil_volume_litres, oil_volume_litres),
                       coalesce(excluded.oil_preservation, oil_preservation),
                       coalesce(excluded.communicating_oltc, communicating_oltc))
                    IS NOT (name, substation, manufacturer, year_of_manufacture, rated_kv, rated_mva,
                            oil_volume_litres, oil_preservation, communicating_oltc)
             END",
        )?
        .execute(params![
            asset.id,
            asset.name,
            asset.substation,
            asset.manufacturer,
            asset.year_of_manufacture,
            asset.rated_kv,
            asset.rated_mva,
            asset.oil_volume_litres,
            asset.oil_preservation.map(preservation_text),
            asset.communicating_oltc,
            batch_id,
            updated_at,
            match replace {
                Replace::WhenChanged => "changed",
                Replace::WhenNewer => "newer",
            },
        ])?;
    Ok(changed > 0)
}
