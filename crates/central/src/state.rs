//! What every handler shares: the database pool, the configuration, the rate limiters and
//! the bounds on uploads and pulls in flight.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use deadpool_postgres::Pool;
use tokio::sync::Semaphore;

use crate::ServerConfig;
use crate::rate::RateLimiter;

/// What every handler shares.
pub(crate) struct Shared {
    pub pool: Pool,
    pub config: ServerConfig,
    pub limiter: RateLimiter,
    /// Per client address, checked before any database work.
    pub address_limiter: RateLimiter<IpAddr>,
    /// Uploads being parsed and stored; bounds the memory and CPU they take.
    pub uploads: Semaphore,
    /// Pull pages being built or sent; bounds the memory they take.
    pub pulls: Arc<Semaphore>,
    /// The last readiness check and when it ran: `/readyz` asks the database at most once per
    /// `config.ready_check_interval`, however many unauthenticated requests it gets.
    pub readiness: tokio::sync::Mutex<Option<(Instant, bool)>>,
    /// Where custom answers are read again with their profiles.
    pub custom_readers: Arc<crate::custom::Readers>,
}

pub(crate) type AppState = Arc<Shared>;
