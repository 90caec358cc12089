//! Where to sync and as whom ([`ServerConfig`]), and how a sync runs ([`SyncOptions`]).

use std::time::Duration;

use substation_store::BatchLimits;
use substation_sync_protocol::MAX_CHANGES_PER_PAGE;
use tokio_util::sync::CancellationToken;

use crate::RetryPolicy;

/// Where to sync, and as whom.
#[derive(Clone)]
pub struct ServerConfig {
    /// `https://…` (or `http://` to this computer only).
    pub url: String,
    pub token: String,
    /// How long one request may take, the upload of a batch included.
    pub timeout: Duration,
}

impl ServerConfig {
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        ServerConfig {
            url: url.into(),
            token: token.into(),
            timeout: Duration::from_secs(120),
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("ServerConfig")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub limits: BatchLimits,
    pub retry: RetryPolicy,
    /// Changes asked for per pull page.
    pub pull_limit: usize,
    pub push: bool,
    pub pull: bool,
    /// Stops the sync between attempts or during one; what was stored stays stored.
    pub cancel: CancellationToken,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            limits: BatchLimits::default(),
            retry: RetryPolicy::default(),
            pull_limit: MAX_CHANGES_PER_PAGE,
            push: true,
            pull: true,
            cancel: CancellationToken::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_not_in_debug_output() {
        let config = ServerConfig::new("https://host.example", "s3cr3t-t0ken");
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }
}
