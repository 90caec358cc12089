//! Sync with the central service, for the app: where it stands, "Sync now", the token in the
//! OS credential store, and the background loop that syncs by itself when a server is set.
//!
//! A sync runs at normal priority (it mostly waits on the network), one at a time; its progress
//! reaches the UI at most about ten times a second, except retries, which are always told (the
//! engineer should see "retrying in 8 s: connection refused" when it happens).

use std::sync::Arc;
use std::time::{Duration, Instant};

use substation_sync::{Phase, ServerConfig, SyncClient, SyncError, SyncOptions, SyncProgress};

use crate::error::{AppError, ErrorCode, ErrorView, Result};
use crate::run::UPDATE_EVERY;
use crate::views::{RejectedItemView, SyncEvent, SyncStatusView, SyncSummary};
use crate::{App, count, lock};

/// Where sync tokens are kept. The app uses the OS credential store; tests of the app may give
/// another (the build machines have no credential store daemon).
pub trait TokenStore: Send + Sync {
    /// The token for `server`, `None` when none is stored.
    fn load(&self, server: &str) -> Result<Option<String>, SyncError>;
    fn store(&self, server: &str, token: &str) -> Result<(), SyncError>;
    /// `false` when there was no token.
    fn forget(&self, server: &str) -> Result<bool, SyncError>;
}

/// macOS Keychain, Windows Credential Manager, the Secret Service on Linux; or
/// `SUBSTATION_SYNC_TOKEN` when set.
pub struct OsCredentialStore;

impl TokenStore for OsCredentialStore {
    fn load(&self, server: &str) -> Result<Option<String>, SyncError> {
        match substation_sync::credentials::load_token(server) {
            Ok(token) => Ok(Some(token)),
            Err(SyncError::NoToken(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn store(&self, server: &str, token: &str) -> Result<(), SyncError> {
        substation_sync::credentials::store_token(server, token)
    }

    fn forget(&self, server: &str) -> Result<bool, SyncError> {
        substation_sync::credentials::delete_token(server)
    }
}

/// How often the background loop tries when nothing wakes it earlier.
pub const AUTO_SYNC_EVERY: Duration = Duration::from_secs(5 * 60);
/// A background sync gives up sooner than "Sync now": offline is the normal state of a field
/// laptop, and the next try comes anyway.
const AUTO_SYNC_ATTEMPTS: u32 = 3;
/// Attempts per request of a "Sync now".
const INTERACTIVE_SYNC_ATTEMPTS: u32 = 5;
/// Rejected items listed in the status (the count covers all of them).
const REJECTED_SHOWN: usize = 50;

/// Clears the app's "sync in progress" slot however the sync ends.
struct SyncSlot<'a>(&'a App);

impl Drop for SyncSlot<'_> {
    fn drop(&mut self) {
        *lock(&self.0.sync) = None;
    }
}

impl App {
    fn sync_server(&self) -> Option<String> {
        self.settings().sync_server
    }

    /// Where sync stands: read from the cache, so it works offline.
    pub fn sync_status(&self) -> Result<SyncStatusView> {
        let server = self.sync_server();
        let (has_token, token_problem) = match &server {
            None => (false, None),
            Some(server) => match self.tokens.load(server) {
                Ok(token) => (token.is_some(), None),
                Err(error) => (false, Some(ErrorView::from(AppError::from(error)))),
            },
        };
        let status = self.store()?.reader()?.sync_status()?;
        // This session's last failure, or the one the cache kept from an earlier session.
        let last_error_code = (*lock(&self.last_sync_error)).or_else(|| {
            let code = status.last_error_code.as_deref()?;
            Some(ErrorCode::of("sync", code, ErrorCode::SyncServerError))
        });
        Ok(SyncStatusView {
            server,
            has_token,
            token_problem,
            automatic: self.settings().sync_automatically,
            running: lock(&self.sync).is_some(),
            pending: count(status.pending),
            open_batches: count(status.open_batches),
            delivered: count(status.acked),
            rejected_count: count(status.rejected_count),
            rejected: status
                .rejected
                .into_iter()
                .take(REJECTED_SHOWN)
                .map(|item| RejectedItemView {
                    id: item.id,
                    entity: item.entity,
                    key: item.entity_key,
                    reason: item.reason,
                })
                .collect(),
            last_success_at: status.last_success_at,
            // An error an older version kept has no code, and its words may give command-line
            // advice: it is not shown (the next sync replaces it).
            last_error: last_error_code.and(status.last_error),
            last_error_at: status.last_error_at,
            last_error_code,
        })
    }

    /// Keeps the token for the configured server in the credential store; never in the
    /// settings file or the database.
    pub fn set_sync_token(&self, token: &str) -> Result<SyncStatusView> {
        let server = self.sync_server().ok_or(AppError::NoSyncServer)?;
        self.tokens.store(&server, token)?;
        tracing::info!(server = %server, "sync token stored in the credential store");
        self.sync_wake.notify_one();
        self.sync_status()
    }

    /// Queues rejected items again (these outbox rows, or all of them), once the reason they
    /// were refused for is dealt with; the next sync sends them under their own item ids, and
    /// the background sync is woken for it.
    pub fn requeue_rejected(&self, ids: Option<Vec<i64>>) -> Result<SyncStatusView> {
        let queued = self.store()?.requeue_rejected(ids)?;
        tracing::info!(queued, "rejected items queued again");
        if queued > 0 {
            self.sync_wake.notify_one();
        }
        self.sync_status()
    }

    /// Removes the configured server's token from the credential store.
    pub fn forget_sync_token(&self) -> Result<SyncStatusView> {
        let server = self.sync_server().ok_or(AppError::NoSyncServer)?;
        self.tokens.forget(&server)?;
        tracing::info!(server = %server, "sync token removed from the credential store");
        self.sync_status()
    }

    /// Pushes what waits in the outbox and pulls what other laptops uploaded, streaming
    /// [`SyncEvent`]s to `sink`. Returns when the sync has ended; whatever it stored stays
    /// stored however it ends.
    pub async fn sync_now(
        &self,
        sink: impl Fn(SyncEvent) + Send + Sync + 'static,
    ) -> Result<SyncSummary> {
        let mut options = SyncOptions::default();
        // Someone is watching: give up within about half a minute when the service cannot be
        // reached (the panel shows each retry and has Cancel), rather than the command line's
        // eight attempts with waits up to a minute. A Retry-After from the service still counts.
        options.retry.max_attempts = INTERACTIVE_SYNC_ATTEMPTS;
        options.retry.max_delay = Duration::from_secs(10);
        self.sync_with(options, sink).await
    }

    /// Asks the sync in progress to stop; `false` when none is going.
    pub fn cancel_sync(&self) -> bool {
        match lock(&self.sync).as_ref() {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    async fn sync_with(
        &self,
        mut options: SyncOptions,
        sink: impl Fn(SyncEvent) + Send + Sync + 'static,
    ) -> Result<SyncSummary> {
        let server = self.sync_server().ok_or(AppError::NoSyncServer)?;
        substation_sync::check_url(&server)?;
        let token = self
            .tokens
            .load(&server)?
            .ok_or_else(|| AppError::NoSyncToken(server.clone()))?;
        let client = SyncClient::new(ServerConfig::new(server, token))?;
        // gzip pays on a real link; to this computer it only costs CPU (docs/benchmarks.md).
        if client.is_local() {
            options.limits.gzip_level = None;
        }
        {
            let mut slot = lock(&self.sync);
            if slot.is_some() {
                return Err(AppError::SyncInProgress);
            }
            *slot = Some(options.cancel.clone());
        }
        let _slot = SyncSlot(self);
        tracing::info!(server = %client.server(), "sync started");
        let ended = self.run_sync(client, options, sink).await;
        match &ended {
            Ok(summary) => tracing::info!(
                sent = summary.sent,
                applied = summary.applied,
                duplicate = summary.duplicate,
                rejected = summary.rejected,
                pulled = summary.pulled,
                pending = summary.pending,
                retries = summary.retries,
                seconds = summary.seconds,
                "sync finished"
            ),
            Err(error) => tracing::warn!(code = %error.code(), error = %error, "sync failed"),
        }
        *lock(&self.last_sync_error) = ended.as_ref().err().map(AppError::code);
        ended
    }

    async fn run_sync(
        &self,
        client: SyncClient,
        options: SyncOptions,
        sink: impl Fn(SyncEvent) + Send + Sync + 'static,
    ) -> Result<SyncSummary> {
        let store = self.store()?;
        let started = Instant::now();
        let sync = async move {
            let mut throttle = Throttle::default();
            let result = client
                .sync(&store, &options, |progress| {
                    if throttle.should_tell(progress) {
                        sink(SyncEvent::Progress {
                            phase: match progress.phase {
                                Phase::Push => "push",
                                Phase::Pull => "pull",
                            }
                            .to_owned(),
                            pending_at_start: count(progress.pending_at_start),
                            pending: count(progress.pending),
                            sent: count(progress.report.sent),
                            rejected: count(progress.report.rejected),
                            pulled: count(progress.report.pulled),
                            waiting_seconds: progress.waiting.map(|w| w.as_secs_f64()),
                            retry_reason: progress.retry_reason.clone(),
                        });
                    }
                })
                .await;
            let report = match result {
                Ok(report) => report,
                Err(error) => {
                    // The window must hear that a background sync ended, however it ended.
                    let error = AppError::from(error);
                    sink(SyncEvent::Failed {
                        error: ErrorView::from(&error),
                    });
                    return Err(error);
                }
            };
            let summary = SyncSummary {
                sent: count(report.sent),
                applied: count(report.applied),
                duplicate: count(report.duplicate),
                rejected: count(report.rejected),
                pulled: count(report.pulled),
                pending: count(report.pending),
                retries: count(report.retries),
                seconds: started.elapsed().as_secs_f64(),
            };
            sink(SyncEvent::Finished {
                summary: summary.clone(),
            });
            Ok::<_, AppError>(summary)
        };
        // At normal priority, on the caller's runtime: a sync mostly waits on the network, and
        // on the lowest-priority runtime that diagnosis runs use, any busy program on the
        // laptop starved it for minutes (the end-to-end test caught a 90 s stall).
        sync.await
    }

    /// Tells the background loop there is something new to send (a run ended, a workbook was
    /// imported), so that it syncs now rather than at its next interval.
    pub fn wake_sync(&self) {
        self.sync_wake.notify_one();
    }

    /// Syncs by itself: soon after start, whenever [`App::wake_sync`] is called, and every
    /// `every` otherwise, as long as the settings name a server, ask for automatic sync, and a
    /// token is stored. A sync already going (Sync now) is left alone. `told` hears every
    /// sync's events and, after each attempt, nothing more: the UI re-reads the status.
    /// Never returns; the host spawns it once.
    pub async fn keep_in_sync(
        self: Arc<Self>,
        every: Duration,
        told: impl Fn(SyncEvent) + Clone + Send + Sync + 'static,
    ) {
        // Let the window come up first.
        let mut wait = every.min(Duration::from_secs(10));
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.sync_wake.notified() => {}
            }
            wait = every;
            if !self.settings().sync_automatically || lock(&self.sync).is_some() {
                continue;
            }
            let Some(server) = self.sync_server() else {
                continue;
            };
            if !matches!(self.tokens.load(&server), Ok(Some(_))) {
                continue;
            }
            let mut options = SyncOptions::default();
            options.retry.max_attempts = AUTO_SYNC_ATTEMPTS;
            // Failures are recorded in the cache and shown by the sync panel; the loop just
            // tries again later.
            let _ = self.sync_with(options, told.clone()).await;
        }
    }
}

/// Lets a progress message through at most every [`UPDATE_EVERY`], except those telling of a
/// retry and the first of each phase.
#[derive(Default)]
struct Throttle {
    last: Option<(Instant, Phase)>,
}

impl Throttle {
    fn should_tell(&mut self, progress: &SyncProgress) -> bool {
        let now = Instant::now();
        let tell = match self.last {
            None => true,
            Some((at, phase)) => {
                progress.retry_reason.is_some()
                    || phase != progress.phase
                    || now.duration_since(at) >= UPDATE_EVERY
            }
        };
        if tell {
            self.last = Some((now, progress.phase));
        }
        tell
    }
}

/// The app with the OS credential store.
pub(crate) fn os_tokens() -> Arc<dyn TokenStore> {
    Arc::new(OsCredentialStore)
}
