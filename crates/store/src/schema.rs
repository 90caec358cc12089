//! Schema migrations. The schema version lives in SQLite's `user_version`; every change is a
//! new numbered file under `migrations/`, never an edit of an old one.

use std::sync::LazyLock;

use rusqlite::Transaction;
use rusqlite_migration::{HookResult, M, Migrations};

use crate::gases::PackedGases;

pub static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_initial.sql")),
        M::up(include_str!("../migrations/0002_run_and_batch_members.sql")),
        M::up_with_hook(
            include_str!("../migrations/0003_compact_samples.sql"),
            pack_version_2_samples,
        ),
        M::up(include_str!("../migrations/0004_sync.sql")),
        M::up(include_str!("../migrations/0005_answers.sql")),
        // Rebuilds the outbox (foreign keys are off while migrating; checked before commit).
        M::up(include_str!("../migrations/0006_logbook.sql")).foreign_key_check(),
    ])
});

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    6
}

/// Migration 3's data step: every version-2 sample into the compact table, its gases packed
/// (which SQL cannot do), its batch and sheet as the `sample_source` row the SQL step made.
fn pack_version_2_samples(tx: &Transaction<'_>) -> HookResult {
    let mut read = tx.prepare(
        "SELECT s.asset_key, s.sampled_on,
                h2, h2_state, ch4, ch4_state, c2h6, c2h6_state, c2h4, c2h4_state, c2h2, c2h2_state,
                co, co_state, co2, co2_state, o2, o2_state, n2, n2_state,
                r.id, s.source_row
         FROM sample_v2 s JOIN sample_source r ON r.batch_id = s.batch_id AND r.sheet = s.source_sheet",
    )?;
    let mut write = tx.prepare(
        "INSERT INTO sample (asset_key, sampled_on, gases, source_id, source_row)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let g = |i: usize| -> rusqlite::Result<_> {
            Ok(crate::codec::gas(row.get(i)?, row.get(i + 1)?))
        };
        let gases = substation_dga::GasReadings {
            h2: g(2)?,
            ch4: g(4)?,
            c2h6: g(6)?,
            c2h4: g(8)?,
            c2h2: g(10)?,
            co: g(12)?,
            co2: g(14)?,
            o2: g(16)?,
            n2: g(18)?,
        };
        write.execute(rusqlite::params![
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            PackedGases::new(&gases),
            row.get::<_, i64>(20)?,
            row.get::<_, i64>(21)?,
        ])?;
    }
    drop(rows);
    drop(read);
    drop(write);
    tx.execute_batch("DROP TABLE sample_v2")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_validate() {
        MIGRATIONS
            .validate()
            .expect("migrations apply to an empty database");
    }

    #[test]
    fn latest_version_matches_the_migration_count() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("memory db");
        MIGRATIONS.to_latest(&mut conn).expect("migrate");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("user_version");
        assert_eq!(version, latest_version());
    }
}
