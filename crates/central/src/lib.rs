//! The reference central sync service of Substation Bulk.
//!
//! Laptops upload what their outbox holds (`POST /v1/sync/batches`, see
//! [`substation_sync_protocol`]) and pull what other laptops uploaded (`GET /v1/changes`). The
//! service stores every item once in PostgreSQL, whatever the retries: an item id or a
//! diagnosis id seen before is answered `duplicate`, and replaying an `Idempotency-Key` returns
//! the first answer. `docs/central.md` says how to run it.
//!
//! For tests (this crate's and the sync client's): [`start`] runs the service in-process on a
//! listener, [`testing::TestDatabase`] makes a throwaway database, [`issue_token`] a token.

mod api;
mod api_error;
mod batch;
mod changes;
mod custom;
mod db;
mod device;
mod migrate;
mod rate;
mod state;
pub mod testing;
mod tokens;
mod version;

use std::net::SocketAddr;
use std::time::Duration;

pub use custom::{
    CHILD_CPU_SECONDS_PER_ANSWER, CHILD_MEMORY_BYTES, CHILD_STACK_BYTES,
    CHILD_WALL_TIME_PER_ANSWER, CustomReading, READING_BUDGET_PER_THREAD, serve_reader,
};
pub use db::{connect, migrate};
pub use migrate::latest_version;
pub use rate::RateLimiter;
pub use tokens::{IssuedToken, RevokeBy, TokenInfo, issue_token, list_tokens, revoke_tokens};

use substation_sync_protocol::{MAX_BODY_BYTES, MAX_PAGE_BYTES};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What can go wrong outside a request: configuration, the database, migrations, the CLI.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database URL is not valid: {}", describe(.0))]
    BadDatabaseUrl(#[source] tokio_postgres::Error),
    #[error("database: {}", describe(.0))]
    Db(#[from] tokio_postgres::Error),
    #[error("database pool: {0}")]
    Pool(String),
    #[error(
        "the database schema is at version {found}, newer than this build of substation-central \
         knows ({known}): run a newer substation-central"
    )]
    SchemaTooNew { found: i32, known: i32 },
    #[error("migration {version} ({name}) failed: {}", describe(source))]
    Migration {
        version: i32,
        name: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

/// A database error in words: the server's message for an error it reported, else what failed
/// and why (tokio-postgres's own `Display` leaves the why out).
pub fn describe(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// How the service runs. [`ServerConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `postgres://user:password@host:port/database`.
    pub database_url: String,
    /// The largest request body accepted, after gzip is undone; at most the protocol's
    /// [`MAX_BODY_BYTES`].
    pub max_body_bytes: usize,
    /// Requests each token may make per minute, with bursts of as many; 0 for no limit.
    pub rate_per_minute: u32,
    /// Requests each client address may make per minute, counted before the token is looked
    /// up (so that unauthenticated load never reaches the database); 0 for no limit. Behind a
    /// reverse proxy on this computer the address is the last one the proxy adds to
    /// `X-Forwarded-For`.
    pub address_rate_per_minute: u32,
    /// Database connections kept open at most.
    pub pool_size: usize,
    /// Uploads read, parsed and stored at once; others wait their turn before their body is
    /// read. With [`Self::max_body_bytes`] this bounds the memory uploads take (about two
    /// bodies' worth each: the body and the items parsed from it).
    pub max_concurrent_uploads: usize,
    /// The largest pull page in bytes (at most the protocol's [`MAX_PAGE_BYTES`]).
    pub max_page_bytes: usize,
    /// Pull pages built or sent at once; more pulls wait (memory for pulls is about this ×
    /// `max_page_bytes` × 2: the rows and the page).
    pub max_concurrent_pulls: usize,
    /// What one device may store, in bytes of items and diagnosis responses; an upload that
    /// would go past it is refused (507 `quota_exceeded`) and nothing of it is stored. 0 for
    /// no limit.
    pub device_quota_bytes: u64,
    /// How long a client may take to send a request body.
    pub body_timeout: Duration,
    /// How long `/readyz` reuses its last database check (unauthenticated probes make at most
    /// one database query per interval).
    pub ready_check_interval: Duration,
    /// Where custom answers (read with another team's profile) are read again: isolated in
    /// child processes for a service devices reach (`substation-central serve` does so), in
    /// this process only where every device is a test's own. Default: in this process.
    pub custom_reading: CustomReading,
}

impl ServerConfig {
    pub const DEFAULT_RATE_PER_MINUTE: u32 = 600;
    /// Several laptops may share an office's address.
    pub const DEFAULT_ADDRESS_RATE_PER_MINUTE: u32 = 3_000;
    pub const DEFAULT_POOL_SIZE: usize = 16;
    /// 20 GiB: a 10,000-transformer fleet diagnosed weekly for ten years, at about 3.5 KB a
    /// diagnosis, stores about 18 GB.
    pub const DEFAULT_DEVICE_QUOTA_BYTES: u64 = 20 * 1024 * 1024 * 1024;

    pub fn new(database_url: impl Into<String>) -> Self {
        ServerConfig {
            database_url: database_url.into(),
            max_body_bytes: MAX_BODY_BYTES,
            rate_per_minute: Self::DEFAULT_RATE_PER_MINUTE,
            address_rate_per_minute: Self::DEFAULT_ADDRESS_RATE_PER_MINUTE,
            pool_size: Self::DEFAULT_POOL_SIZE,
            max_concurrent_uploads: 4,
            max_page_bytes: MAX_PAGE_BYTES,
            max_concurrent_pulls: 8,
            device_quota_bytes: Self::DEFAULT_DEVICE_QUOTA_BYTES,
            body_timeout: Duration::from_secs(120),
            ready_check_interval: Duration::from_secs(1),
            custom_reading: CustomReading::InProcess,
        }
    }

    fn check(&self) -> Result<(), Error> {
        if self.max_body_bytes == 0 || self.max_body_bytes > MAX_BODY_BYTES {
            return Err(Error::Invalid(format!(
                "the body limit must be between 1 byte and the protocol's {MAX_BODY_BYTES} bytes \
                 ({} MiB); got {}",
                MAX_BODY_BYTES / (1024 * 1024),
                self.max_body_bytes
            )));
        }
        if self.max_page_bytes < 64 * 1024 || self.max_page_bytes > MAX_PAGE_BYTES {
            return Err(Error::Invalid(format!(
                "the pull page limit must be between 64 KiB and the protocol's {} MiB; got {} \
                 bytes",
                MAX_PAGE_BYTES / (1024 * 1024),
                self.max_page_bytes
            )));
        }
        if self.pool_size == 0 || self.max_concurrent_uploads == 0 || self.max_concurrent_pulls == 0
        {
            return Err(Error::Invalid(
                "the pool size and the concurrent uploads and pulls must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// The service running in this process (see [`start`]).
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), Error>>>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the base URL of its endpoints.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in progress finish, and waits for it.
    pub async fn stop(mut self) -> Result<(), Error> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|err| Error::Invalid(format!("the server task failed: {err}")))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Migrates the database, then serves on `listener` in a background task until
/// [`RunningServer::stop`] (or until it is dropped).
pub async fn start(listener: TcpListener, config: ServerConfig) -> Result<RunningServer, Error> {
    let addr = listener.local_addr()?;
    let app = api::App::new(&config).await?;
    let (shutdown, signal) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.serve(listener, async {
            let _ = signal.await;
        })
        .await
    });
    Ok(RunningServer {
        addr,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

/// Migrates the database, then serves on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    api::App::new(&config)
        .await?
        .serve(listener, shutdown)
        .await
}
