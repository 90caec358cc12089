//! The laptop's side of sync with the central service (`docs/sync.md`).
//!
//! [`SyncClient::sync`] pushes, then pulls:
//! - **push**: the store builds a batch from the outbox and stores its exact bytes before the
//!   first attempt ([`Store::next_sync_batch`]); the client sends it with the batch id as
//!   `Idempotency-Key`, retrying network errors, timeouts, 408, 429 and 5xx with exponential
//!   backoff and full jitter (or what `Retry-After` asks), and hands the answer to the store,
//!   which acks or rejects each item's outbox row. A batch not answered stays stored and is
//!   resent, byte for byte, before anything new is built: by the next attempt, the next sync,
//!   or the next process after a crash. The service replays its first answer to a key it has
//!   seen, so every item is stored there once.
//! - **pull**: pages of `GET /v1/changes?since=CURSOR` go into the cache, each page with its
//!   cursor in one transaction, until the service says there is no more.
//!
//! The token goes only in the `Authorization` header; TLS is required except to this computer's
//! loopback. [`credentials`] keeps the token in the OS credential store.
//!
//! [`Store::next_sync_batch`]: substation_store::Store::next_sync_batch

mod attempt;
mod client;
mod config;
pub mod credentials;
mod error;
mod page;
mod progress;
mod pull;
mod push;
mod retry;
mod url;

pub use client::SyncClient;
pub use config::{ServerConfig, SyncOptions};
pub use error::SyncError;
pub use progress::{Phase, SyncProgress, SyncReport};
pub use retry::{RetryPolicy, parse_retry_after};
pub use url::{check_url, is_loopback};
