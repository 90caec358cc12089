//! The protocol's version, its headers and paths, and the limits both sides keep.

/// The protocol version this crate speaks. Version 2 added the `log_entry` change.
pub const PROTOCOL_VERSION: u32 = 2;
/// The oldest version a service of this crate still serves: a laptop not yet updated keeps
/// syncing what it knows (its pages leave out the changes it could not read), and an updated
/// one pulls from the start once to receive what it was not given (`docs/sync.md`,
/// "Versions").
pub const OLDEST_PROTOCOL_VERSION: u32 = 1;
/// The first version with the `log_entry` change.
pub const LOG_ENTRY_VERSION: u32 = 2;

/// Every request and answer carries the protocol version in this header.
pub const VERSION_HEADER: &str = "Substation-Sync-Version";
/// The batch id of an upload: stable across retries, so a replay is recognised.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Upload: `POST` a [`SyncBatch`](crate::SyncBatch).
pub const BATCHES_PATH: &str = "/v1/sync/batches";
/// Pull: `GET` a [`ChangesPage`](crate::ChangesPage), `?since=CURSOR&limit=N`.
pub const CHANGES_PATH: &str = "/v1/changes";
/// Liveness: 200 while the process runs.
pub const HEALTH_PATH: &str = "/healthz";
/// Readiness: 200 when the database answers.
pub const READY_PATH: &str = "/readyz";

/// The largest request body the service accepts, after gzip is undone (the server may be
/// configured lower, never higher). Clients keep their batches well under it.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// The most items one batch may carry.
pub const MAX_ITEMS_PER_BATCH: usize = 5_000;
/// The most samples one samples item may carry.
pub const MAX_SAMPLES_PER_ITEM: usize = 2_000;
/// The most changes one pull page returns.
pub const MAX_CHANGES_PER_PAGE: usize = 2_000;
/// The largest pull page, in bytes of JSON before any gzip (the server may be configured lower,
/// never higher): a page ends before the change that would take it past this, so pages of large
/// diagnoses hold fewer changes. Clients refuse to read more than this (plus
/// [`MAX_ANSWER_SLACK_BYTES`]) from any answer.
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;
/// What a client reads beyond [`MAX_PAGE_BYTES`] before it gives up on an answer: the page's
/// envelope and one change (a diagnosis with a 1 MiB response is about 1.4 MiB; a samples
/// item of 2,000 samples a few MB).
pub const MAX_ANSWER_SLACK_BYTES: usize = 4 * 1024 * 1024;
/// The longest identifier (asset id, engine name, …) and the longest free text (names).
pub const MAX_ID_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 500;
/// The largest compressed diagnosis response (the contract's answers are about 2 KB deflated).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The most a diagnosis response may inflate to (the contract's answers are 7–20 KB): both
/// sides stop inflating past it, so a small DEFLATE bomb costs nothing.
pub const MAX_INFLATED_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Largest function profile (its TOML file) a diagnosis may carry.
pub const MAX_PROFILE_BYTES: usize = substation_profile::MAX_PROFILE_BYTES;
