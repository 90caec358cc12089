//! Schema migrations. The schema version lives in SQLite's `user_version`; every change is a
//! new numbered file under `migrations/`, never an edit of an old one.

use std::sync::LazyLock;

use rusqlite_migration::{M, Migrations};

pub static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_initial.sql")),
        M::up(include_str!("../migrations/0002_run_and_batch_members.sql")),
    ])
});

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    2
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
