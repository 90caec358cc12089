//! Fixtures the tests of several crates share. Dev-only: crates list it under
//! `[dev-dependencies]`, and no crate it depends on does (that would be a back-reference).
//!
//! The stores filled for tests are written once, in `crates/store/tests/fixtures/mod.rs`, where
//! the store's own tests use them; this crate compiles that same file for the crates above the
//! store (sync, dispatch, cli).

#[path = "../../store/tests/fixtures/mod.rs"]
mod fixtures;

pub use fixtures::{
    diagnose_all, diagnose_fleet, embedded_run, import_sample, kept_dir, laptop, request_of,
    sample_file, scratch, synthetic,
};
