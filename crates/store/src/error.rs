//! Store errors, each with a stable code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} was written by a newer Substation Bulk (schema {found}, this version knows {supported}); \
         it was left untouched"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Invalid(String),
    #[error(
        "the profile {name} read stored answers or began a run ({answers} in all), which are read with it again; it is kept"
    )]
    ProfileInUse { name: String, answers: u64 },
    #[error("no transformer {0} in the cache")]
    NoSuchAsset(String),
    #[error("the logbook entry cannot be kept: {0}")]
    InvalidLogEntry(substation_dga::LogProblem),
    #[error("{asset} already has a sample of {date} (from {origin}); one sample per day is kept")]
    SampleDateTaken {
        asset: String,
        date: chrono::NaiveDate,
        origin: String,
    },
    #[error("the import stopped before the whole workbook was read; nothing of it was stored")]
    ImportAbandoned,
}

impl StoreError {
    /// Every code [`StoreError::code`] gives.
    pub const CODES: &'static [&'static str] = &[
        "database_unopenable",
        "database_too_new",
        "database_migration_failed",
        "database_error",
        "database_corrupt_json",
        "database_writer_stopped",
        "invalid_store_request",
        "profile_in_use",
        "no_such_asset",
        "invalid_log_entry",
        "sample_date_taken",
        "import_abandoned",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Open { .. } => "database_unopenable",
            StoreError::TooNew { .. } => "database_too_new",
            StoreError::Migration(_) => "database_migration_failed",
            StoreError::Sqlite(_) => "database_error",
            StoreError::Json(_) => "database_corrupt_json",
            StoreError::WriterGone => "database_writer_stopped",
            StoreError::Invalid(_) => "invalid_store_request",
            StoreError::ProfileInUse { .. } => "profile_in_use",
            StoreError::NoSuchAsset(_) => "no_such_asset",
            StoreError::InvalidLogEntry(_) => "invalid_log_entry",
            StoreError::SampleDateTaken { .. } => "sample_date_taken",
            StoreError::ImportAbandoned => "import_abandoned",
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_a_listed_code_and_every_listed_code_is_given() {
        let errors = [
            StoreError::Open {
                path: PathBuf::from("x.db"),
                source: rusqlite::Error::InvalidQuery,
            },
            StoreError::TooNew {
                path: PathBuf::from("x.db"),
                found: 9,
                supported: 5,
            },
            StoreError::Migration(String::new()),
            StoreError::Sqlite(rusqlite::Error::InvalidQuery),
            StoreError::Json(serde_json::from_str::<u8>("x").expect_err("not JSON")),
            StoreError::WriterGone,
            StoreError::Invalid(String::new()),
            StoreError::ProfileInUse {
                name: String::new(),
                answers: 1,
            },
            StoreError::NoSuchAsset(String::new()),
            StoreError::InvalidLogEntry(substation_dga::LogProblem::NoAuthor),
            StoreError::SampleDateTaken {
                asset: String::new(),
                date: chrono::NaiveDate::MIN,
                origin: String::new(),
            },
            StoreError::ImportAbandoned,
        ];
        let given: Vec<&str> = errors.iter().map(StoreError::code).collect();
        assert_eq!(given, StoreError::CODES);
    }
}
