//! Schema migrations: numbered SQL files embedded in the binary, recorded in
//! `schema_migrations`, applied in one transaction under an advisory lock so that several
//! instances starting at once apply each migration exactly once.

use tokio_postgres::Client;

use crate::Error;

/// Taken with `pg_advisory_xact_lock` while migrating: "substation-central migrate".
const MIGRATION_LOCK: i64 = 0x5342_4b5f_4d49_4752;

struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "device_storage",
        sql: include_str!("../migrations/0002_device_storage.sql"),
    },
    Migration {
        version: 3,
        name: "custom_answers",
        sql: include_str!("../migrations/0003_custom_answers.sql"),
    },
    Migration {
        version: 4,
        name: "logbook",
        sql: include_str!("../migrations/0004_logbook.sql"),
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies the migrations the database lacks; returns the versions applied now (empty when it
/// was up to date). Refuses a database that a newer build migrated further.
pub async fn migrate_client(client: &mut Client) -> Result<Vec<i32>, Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let applied: Vec<i32> = tx
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    if let Some(&newest) = applied.last()
        && newest > latest_version()
    {
        return Err(Error::SchemaTooNew {
            found: newest,
            known: latest_version(),
        });
    }
    let mut now = Vec::new();
    for migration in MIGRATIONS {
        if applied.contains(&migration.version) {
            continue;
        }
        tx.batch_execute(migration.sql)
            .await
            .map_err(|source| Error::Migration {
                version: migration.version,
                name: migration.name,
                source,
            })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&migration.version, &migration.name],
        )
        .await?;
        now.push(migration.version);
    }
    tx.commit().await?;
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_in_order_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
        }
    }
}
