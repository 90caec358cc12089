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

pub mod credentials;
mod error;
mod retry;

mod page;

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use substation_store::{BatchLimits, OutgoingBatch, Refusal, Store, StoreError};
use substation_sync_protocol::{
    BATCHES_PATH, BatchAnswer, CHANGES_PATH, ErrorBody, IDEMPOTENCY_HEADER, MAX_ANSWER_SLACK_BYTES,
    MAX_CHANGES_PER_PAGE, MAX_PAGE_BYTES, PROTOCOL_VERSION, VERSION_HEADER,
};
use tokio_util::sync::CancellationToken;

pub use error::SyncError;
pub use retry::{RetryPolicy, parse_retry_after};

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

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Items answered by the service (applied, duplicate or rejected).
    pub sent: u64,
    pub applied: u64,
    /// Items the service had already (a replay after a lost answer, say).
    pub duplicate: u64,
    /// Items refused, with their reasons in the store (`substation sync status`).
    pub rejected: u64,
    /// Changes from other laptops brought into the cache.
    pub pulled: u64,
    /// Pulled changes left out because they fail the protocol's checks (the store keeps the
    /// last one's reason).
    #[serde(default)]
    pub skipped: u64,
    /// Upload batches sent (each counted once, however many attempts it took).
    pub batches: u64,
    /// Bytes of those batches' bodies as sent (gzip-compressed unless configured otherwise),
    /// each batch counted once.
    pub bytes: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
    /// Outbox rows still waiting at the end (0 after a complete push).
    pub pending: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Push,
    Pull,
}

/// Where a sync is, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub phase: Phase,
    /// Outbox rows waiting when the push began, and now.
    pub pending_at_start: u64,
    pub pending: u64,
    pub report: SyncReport,
    /// Waiting this long before the next attempt…
    pub waiting: Option<Duration>,
    /// …because the last one failed so.
    pub retry_reason: Option<String>,
}

/// Runs the store's blocking calls without stalling other tasks on a multi-threaded runtime.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// A URL's host is this computer: plain http may go there, and compressing a body for it costs
/// more than it saves.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Parses a server URL: https, or http to the loopback only.
pub fn check_url(text: &str) -> Result<reqwest::Url, SyncError> {
    let url = reqwest::Url::parse(text.trim())
        .map_err(|e| SyncError::BadUrl(format!("{text} is not a URL: {e}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SyncError::BadUrl(format!("{text} names no host")));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(SyncError::Insecure(
            url.host_str().unwrap_or_default().to_owned(),
        )),
        other => Err(SyncError::BadUrl(format!(
            "{text}: the scheme must be https, not {other}"
        ))),
    }
}

/// Puts the rows of `batch`, and of the batch built meanwhile (never sent; it goes back first,
/// so that an import sent in parts resumes where `batch` began), back to pending, to travel
/// again in new batches.
fn rebuild(
    store: &Store,
    batch: &OutgoingBatch,
    prebuilt: Option<&OutgoingBatch>,
    body: &ErrorBody,
) -> Result<(), SyncError> {
    let reason = format!("{}: {}", body.code, body.message);
    blocking(|| {
        if let Some(prebuilt) = prebuilt {
            store.refuse_sync_batch(
                prebuilt.id,
                Refusal::Rebuild {
                    reason: reason.clone(),
                },
            )?;
        }
        store.refuse_sync_batch(batch.id, Refusal::Rebuild { reason })
    })?;
    Ok(())
}

/// Batches sent again under a new key after `idempotency_key_reused`, per sync, before the
/// sync stops and says so (the rows stay queued).
const MAX_KEY_REBUILDS: u32 = 3;

/// How one attempt ended.
enum Attempt {
    /// A 2xx answer's body.
    Answered(Vec<u8>),
    /// A 400, 413 or 422: the request itself is refused; sending it again cannot help.
    Refused(u16, ErrorBody),
    /// Worth another attempt.
    Retry {
        message: String,
        retry_after: Option<Duration>,
    },
    Fatal(SyncError),
}

/// What a call ended with, after its retries.
enum Reply {
    Answered(Vec<u8>),
    Refused(u16, ErrorBody),
}

/// A client of one central service.
pub struct SyncClient {
    http: reqwest::Client,
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

    fn endpoint(&self, path: &str) -> reqwest::Url {
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
            blocking(|| store.record_sync_failure(None, &refused.to_string()))?;
            return Err(refused);
        }
        report.pending = blocking(|| store.reader()?.outbox_pending())?;
        blocking(|| store.record_sync_success())?;
        tracker.pending = report.pending;
        tracker.tell(&report, None);
        Ok(report)
    }

    async fn push(
        &self,
        store: &Store,
        options: &SyncOptions,
        report: &mut SyncReport,
        tracker: &mut Tracker<'_>,
    ) -> Result<(), SyncError> {
        let mut limits = options.limits;
        let url = self.endpoint(BATCHES_PATH);
        let mut next = blocking(|| store.next_sync_batch(limits))?;
        let mut rebuilt_for_key = 0u32;
        loop {
            if options.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let Some(batch) = next.take() else {
                return Ok(());
            };
            report.batches += 1;
            report.bytes += batch.body.len() as u64;
            // The writer builds (and stores) the next batch while this one is in flight; it is
            // sent only after this one is answered, and a crash leaves both to be resent in
            // the order they were built.
            let upcoming = store.submit_next_sync_batch(limits, Some(batch.id))?;
            let key = HeaderValue::from_str(&batch.id.to_string())
                .map_err(|e| SyncError::Usage(e.to_string()))?;
            let request = || {
                let mut request = self
                    .http
                    .post(url.clone())
                    .header(IDEMPOTENCY_HEADER, key.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(batch.body.clone());
                if batch.gzip {
                    request = request.header(reqwest::header::CONTENT_ENCODING, "gzip");
                }
                request
            };
            let reply = self
                .call(request, Some(batch.id), store, options, report, tracker)
                .await;
            let prebuilt = blocking(|| upcoming.recv().map_err(|_| StoreError::WriterGone)?)?;
            match reply? {
                Reply::Answered(body) => {
                    let answer: BatchAnswer = serde_json::from_slice(&body)
                        .map_err(|e| SyncError::BadAnswer(format!("not a batch answer: {e}")))?;
                    if answer.batch_id != batch.id {
                        return Err(SyncError::BadAnswer(format!(
                            "the answer is for batch {}, not {}",
                            answer.batch_id, batch.id
                        )));
                    }
                    let outcome =
                        blocking(|| store.answer_sync_batch(answer)).map_err(|e| match e {
                            StoreError::Invalid(message) => SyncError::BadAnswer(message),
                            other => SyncError::Store(other),
                        })?;
                    report.sent += outcome.applied + outcome.duplicate + outcome.rejected;
                    report.applied += outcome.applied;
                    report.duplicate += outcome.duplicate;
                    report.rejected += outcome.rejected;
                    next = prebuilt;
                }
                Reply::Refused(413, body) if batch.items > 1 => {
                    // Nothing of it was stored: its rows go back, to be sent in halves.
                    rebuild(store, &batch, prebuilt.as_ref(), &body)?;
                    limits.max_items = (batch.items as usize / 2).max(1);
                    limits.max_bytes = (limits.max_bytes / 2).max(64 * 1024);
                    next = blocking(|| store.next_sync_batch(limits))?;
                }
                Reply::Refused(422, body) if body.code == "idempotency_key_reused" => {
                    // The service holds this batch id from another device (a token issued again
                    // under another name): the rows go back and travel in a new batch, under a
                    // new key; the service answers items it already holds as duplicates.
                    rebuild(store, &batch, prebuilt.as_ref(), &body)?;
                    rebuilt_for_key += 1;
                    if rebuilt_for_key > MAX_KEY_REBUILDS {
                        return Err(SyncError::Refused {
                            status: 422,
                            code: body.code,
                            message: body.message,
                        });
                    }
                    next = blocking(|| store.next_sync_batch(limits))?;
                }
                Reply::Refused(status, body) => {
                    // Items are refused one by one inside a 2xx answer; a 4xx for the whole
                    // request is about the request (a header a proxy stripped, a body it
                    // rewrote, an HTML error page): nothing is marked rejected, the batch stays
                    // open and is sent again, the same, by the next sync.
                    return Err(SyncError::Refused {
                        status,
                        code: body.code,
                        message: body.message,
                    });
                }
            }
            tracker.pending = blocking(|| store.reader()?.outbox_pending())?;
            tracker.tell(report, None);
        }
    }

    async fn pull(
        &self,
        store: &Store,
        options: &SyncOptions,
        report: &mut SyncReport,
        tracker: &mut Tracker<'_>,
    ) -> Result<(), SyncError> {
        let mut cursor = blocking(|| store.reader()?.sync_status())?
            .cursor
            .unwrap_or_default();
        let limit = options
            .pull_limit
            .clamp(1, MAX_CHANGES_PER_PAGE)
            .to_string();
        loop {
            if options.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let mut url = self.endpoint(CHANGES_PATH);
            url.query_pairs_mut()
                .append_pair("since", &cursor)
                .append_pair("limit", &limit);
            let reply = self
                .call(
                    || self.http.get(url.clone()),
                    None,
                    store,
                    options,
                    report,
                    tracker,
                )
                .await?;
            let body = match reply {
                Reply::Answered(body) => body,
                // A cursor the service no longer knows (its database was restored, say): start
                // the feed over. Applying a change twice changes nothing.
                Reply::Refused(400, body) if body.code == "bad_cursor" && !cursor.is_empty() => {
                    cursor.clear();
                    continue;
                }
                Reply::Refused(status, body) => {
                    return Err(SyncError::Http {
                        status,
                        code: body.code,
                        message: body.message,
                    });
                }
            };
            let (page, unreadable) = page::read_page(&body)?;
            let more = page.more;
            let next = page.next_cursor.clone();
            let outcome = blocking(|| store.apply_changes(page))?;
            report.pulled += outcome.changes - outcome.skipped;
            report.skipped += outcome.skipped + unreadable;
            tracker.tell(report, None);
            if !more || next == cursor {
                return Ok(());
            }
            cursor = next;
        }
    }

    /// One request, retried as the policy says. A failure is recorded in the store (against
    /// the batch, if any) before the wait.
    async fn call(
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
                    blocking(|| store.record_sync_failure(batch, &error.to_string()))?;
                    return Err(error);
                }
                Attempt::Retry {
                    message,
                    retry_after,
                } => (message, retry_after),
            };
            failed += 1;
            blocking(|| store.record_sync_failure(batch, &message))?;
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

struct Tracker<'a> {
    phase: Phase,
    pending_at_start: u64,
    pending: u64,
    progress: &'a mut (dyn FnMut(&SyncProgress) + Send),
}

impl Tracker<'_> {
    fn tell(&mut self, report: &SyncReport, waiting: Option<Duration>) {
        (self.progress)(&SyncProgress {
            phase: self.phase,
            pending_at_start: self.pending_at_start,
            pending: self.pending,
            report: *report,
            waiting,
            retry_reason: None,
        });
    }

    fn tell_retry(&mut self, report: &SyncReport, wait: Duration, reason: String) {
        (self.progress)(&SyncProgress {
            phase: self.phase,
            pending_at_start: self.pending_at_start,
            pending: self.pending,
            report: *report,
            waiting: Some(wait),
            retry_reason: Some(reason),
        });
    }
}

/// An error body as the service sends it, or one made of the status when it sent none.
fn error_body(status: u16, body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        ErrorBody::new(
            format!("http_{status}"),
            String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        )
    })
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("no answer in time ({error})")
    } else if error.is_connect() {
        format!("cannot connect ({error})")
    } else {
        // The chain says what really happened ("connection closed before message completed").
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

/// The most a client reads of one answer.
const MAX_ANSWER_BYTES: usize = MAX_PAGE_BYTES + MAX_ANSWER_SLACK_BYTES;

async fn attempt(request: reqwest::RequestBuilder) -> Attempt {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            return Attempt::Retry {
                message: describe(&error),
                retry_after: None,
            };
        }
    };
    let status = response.status().as_u16();
    if let Some(version) = response.headers().get(VERSION_HEADER)
        && version.to_str().ok() != Some(&PROTOCOL_VERSION.to_string())
    {
        return Attempt::Fatal(SyncError::VersionMismatch(
            String::from_utf8_lossy(version.as_bytes()).into_owned(),
            PROTOCOL_VERSION,
        ));
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    // Read with a cap: the largest page the protocol allows and some slack. A server (or
    // something between) that sends more is not believed.
    let mut response = response;
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Attempt::Fatal(SyncError::BadAnswer(format!(
                        "the server's answer ({status}) is larger than {} MiB, more than any \
                         answer of the protocol",
                        MAX_ANSWER_BYTES / (1024 * 1024)
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => {
                return Attempt::Retry {
                    message: describe(&error),
                    retry_after,
                };
            }
        }
    }
    match status {
        200..=299 => Attempt::Answered(body),
        401 => Attempt::Fatal(SyncError::Unauthorized(error_body(status, &body).message)),
        403 => Attempt::Fatal(SyncError::Forbidden(error_body(status, &body).message)),
        // 507: the device's storage quota on the service is used up; retrying cannot help
        // until its administrator raises it.
        400 | 413 | 422 | 507 => Attempt::Refused(status, error_body(status, &body)),
        // 409: the service may still be working on the first attempt under this key.
        408 | 409 | 425 | 429 | 500..=599 => {
            let body = error_body(status, &body);
            Attempt::Retry {
                message: format!(
                    "the server answered {status} {}: {}",
                    body.code, body.message
                ),
                retry_after,
            }
        }
        _ => {
            let body = error_body(status, &body);
            Attempt::Fatal(SyncError::Http {
                status,
                code: body.code,
                message: body.message,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_goes_only_to_this_computer() {
        for ok in [
            "https://sync.example.org",
            "https://10.1.2.3:8443/base/",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:9000",
            "http://localhost:3000/",
            "http://LOCALHOST",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for insecure in [
            "http://sync.example.org",
            "http://10.0.0.5",
            "http://[::2]",
            "http://localhost.example.org",
            "http://128.0.0.1",
        ] {
            assert!(
                matches!(check_url(insecure), Err(SyncError::Insecure(_))),
                "{insecure}"
            );
        }
        for bad in ["ftp://sync.example.org", "sync.example.org", ""] {
            assert!(matches!(check_url(bad), Err(SyncError::BadUrl(_))), "{bad}");
        }
        assert_eq!(
            SyncClient::new(ServerConfig::new("http://example.org", "t"))
                .err()
                .map(|e| e.code().to_owned()),
            Some("insecure_server_url".into())
        );
    }

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

    #[test]
    fn the_token_is_not_in_debug_output() {
        let config = ServerConfig::new("https://host.example", "s3cr3t-t0ken");
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }
}
