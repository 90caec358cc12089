//! The sync protocol between a laptop's local cache and the central service, version 1.
//!
//! A laptop uploads what its outbox holds as a [`SyncBatch`] (`POST /v1/sync/batches`, with the
//! batch id as `Idempotency-Key`) and is answered per item ([`BatchAnswer`]). It pulls what other
//! laptops uploaded with `GET /v1/changes?since=CURSOR` ([`ChangesPage`]). `docs/sync.md`
//! describes the exchange; `docs/sync-openapi.yaml` is its OpenAPI description.
//!
//! Everything here is data and checks, shared by the client (`crates/sync`) and the reference
//! central service (`crates/central`), so that both sides agree on one definition.

mod answer;
mod change;
mod check;
mod constants;
mod custom;

pub use answer::{
    BatchAnswer, ChangesPage, ErrorBody, ItemResult, Outcome, RemoteChange, format_cursor,
    parse_cursor,
};
pub use change::{
    AssetChange, Change, DiagnosisChange, Item, LogEntryChange, ProfileInfo, RunInfo, SampleRecord,
    SampleSource, SamplesChange, SyncBatch,
};
pub use check::InvalidItem;
pub use constants::*;
pub use custom::{CustomRead, Profiles, ReadCustom};
