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
         it was left untouched: update Substation Bulk or use another --db"
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
}

impl StoreError {
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
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
