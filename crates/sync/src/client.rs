//! The client of one central service: its HTTP set-up, the sync (push, then pull), and retries.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use substation_store::Store;
use substation_sync_protocol::{ErrorBody, PROTOCOL_VERSION, VERSION_HEADER};

use crate::attempt::{Attempt, attempt};
use crate::progress::Tracker;
use crate::{
    Phase, ServerConfig, SyncError, SyncOptions, SyncProgress, SyncReport, check_url, is_loopback,
};

/// Runs the store's blocking calls without stalling other tasks on a multi-threaded runtime.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// What a call ended with, after its retries.
pub(crate) enum Reply {
    Answered(Vec<u8>),
    Refused(u16, ErrorBody),
}

/// A client of one central service.
pub struct SyncClient {
    pub(crate) http: reqwest::Client,
    base: reqwest::Url,
}

impl SyncClient {
    /// Refuses plain http to anything but this computer, and a token that cannot go in a
    /// header.
    pub fn new(config: ServerConfig) -> Result<SyncClient, SyncError> {
        let base = check_url(&config.url)?;
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", config.token.trim())).map_err(|_| {
                SyncError::Usage("the token has characters a header cannot carry".into())
            })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, auth);
        headers.insert(VERSION_HEADER, HeaderValue::from(PROTOCOL_VERSION));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(15)))
            // A redirect could lead the token to plain http: the sync API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("substation-bulk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Client(e.to_string()))?;
        Ok(SyncClient { http, base })
    }

    /// The service's base URL (which never holds the token).
    pub fn server(&self) -> &str {
        self.base.as_str()
    }

    /// The service runs on this computer (a test or benchmark set-up, or a laptop serving
    /// itself): bodies are better sent without gzip (`docs/benchmarks.md`).
    pub fn is_local(&self) -> bool {
        is_loopback(&self.base)
    }

    pub(crate) fn endpoint(&self, path: &str) -> reqwest::Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    }

    /// Pushes the outbox until it is empty (resending any batch left open first), then pulls
    /// the change feed to its end. `progress` is called after each batch, page and failed
    /// attempt.
    pub async fn sync(
        &self,
        store: &Store,
        options: &SyncOptions,
        mut progress: impl FnMut(&SyncProgress) + Send,
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let pending_at_start = blocking(|| store.reader()?.outbox_pending())?;
        let mut tracker = Tracker {
            phase: Phase::Push,
            pending_at_start,
            pending: pending_at_start,
            progress: &mut progress,
        };
        // A laptop over its storage quota cannot send, but can still receive: the push's
        // refusal is told after the pull.
        let mut push_refused = None;
        if options.push {
            match self.push(store, options, &mut report, &mut tracker).await {
                Err(SyncError::Refused {
                    status: 507,
                    code,
                    message,
                }) if options.pull => {
                    push_refused = Some(SyncError::Refused {
                        status: 507,
                        code,
                        message,
                    });
                }
                other => other?,
            }
        }
        if options.pull {
            tracker.phase = Phase::Pull;
            self.pull(store, options, &mut report, &mut tracker).await?;
        }
        if let Some(refused) = push_refused {
            blocking(|| store.record_sync_failure(None, refused.code(), &refused.to_string()))?;
            return Err(refused);
        }
        report.pending = blocking(|| store.reader()?.outbox_pending())?;
        blocking(|| store.record_sync_success())?;
        tracker.pending = report.pending;
        tracker.tell(&report, None);
        Ok(report)
    }

    /// One request, retried as the policy says. A failure is recorded in the store (against
    /// the batch, if any) before the wait.
    pub(crate) async fn call(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
        batch: Option<uuid::Uuid>,
        store: &Store,
        options: &SyncOptions,
        report: &mut SyncReport,
        tracker: &mut Tracker<'_>,
    ) -> Result<Reply, SyncError> {
        let mut failed = 0u32;
        loop {
            let attempt = tokio::select! {
                () = options.cancel.cancelled() => return Err(SyncError::Cancelled),
                attempt = attempt(request()) => attempt,
            };
            let (message, retry_after) = match attempt {
                Attempt::Answered(body) => return Ok(Reply::Answered(body)),
                Attempt::Refused(status, body) => return Ok(Reply::Refused(status, body)),
                Attempt::Fatal(error) => {
                    blocking(|| {
                        store.record_sync_failure(batch, error.code(), &error.to_string())
                    })?;
                    return Err(error);
                }
                Attempt::Retry {
                    message,
                    retry_after,
                } => (message, retry_after),
            };
            failed += 1;
            // What the attempts end in, if they all fail (`SyncError::GaveUp`).
            blocking(|| store.record_sync_failure(batch, "server_unreachable", &message))?;
            if failed >= options.retry.max_attempts.max(1) {
                return Err(SyncError::GaveUp {
                    attempts: failed,
                    last: message,
                });
            }
            report.retries += 1;
            let wait = options.retry.delay(failed, retry_after);
            tracker.tell_retry(report, wait, message);
            tokio::select! {
                () = options.cancel.cancelled() => return Err(SyncError::Cancelled),
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use substation_sync_protocol::{BATCHES_PATH, CHANGES_PATH};

    #[test]
    fn endpoints_keep_a_base_path() {
        let client =
            SyncClient::new(ServerConfig::new("https://host.example/api/", "t")).expect("client");
        assert_eq!(
            client.endpoint(BATCHES_PATH).as_str(),
            "https://host.example/api/v1/sync/batches"
        );
        let client = SyncClient::new(ServerConfig::new("https://host.example", "t")).expect("c");
        assert_eq!(
            client.endpoint(CHANGES_PATH).as_str(),
            "https://host.example/v1/changes"
        );
    }
}
