//! What a sync did and where it is: the report, the progress a host shows, and its tracker.

use std::time::Duration;

use serde::{Deserialize, Serialize};

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

pub(crate) struct Tracker<'a> {
    pub(crate) phase: Phase,
    pub(crate) pending_at_start: u64,
    pub(crate) pending: u64,
    pub(crate) progress: &'a mut (dyn FnMut(&SyncProgress) + Send),
}

impl Tracker<'_> {
    pub(crate) fn tell(&mut self, report: &SyncReport, waiting: Option<Duration>) {
        (self.progress)(&SyncProgress {
            phase: self.phase,
            pending_at_start: self.pending_at_start,
            pending: self.pending,
            report: *report,
            waiting,
            retry_reason: None,
        });
    }

    pub(crate) fn tell_retry(&mut self, report: &SyncReport, wait: Duration, reason: String) {
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
