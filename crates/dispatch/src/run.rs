//! The dispatcher loop. One task owns every decision (what to start, what to retry, the
//! in-flight limit); the attempts themselves are plain tasks that report back through a
//! channel, so no state is shared between them.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};
use substation_dga::{Answer, DiagnosisRequest};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;

use crate::policy::AdaptiveLimit;
use crate::{Engine, EngineError, FailureKind, Policy};

/// One transformer's final result.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub asset_id: String,
    pub result: Result<Answer, EngineError>,
    /// Attempts made, throttled ones included.
    pub attempts: u32,
    /// From the first attempt's start to the last one's end.
    pub elapsed: Duration,
}

/// Counts so far; sent through a bounded channel that a CLI bar or the desktop coalesces.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Progress {
    pub total: u64,
    /// Not started yet, or waiting to be tried again.
    pub queued: u64,
    pub in_flight: u64,
    pub done: u64,
    pub failed: u64,
    /// Attempts sent again after a throttle, a fault or a timeout.
    pub retried: u64,
    /// Throttle answers received.
    pub throttled: u64,
    /// The working in-flight limit (lowered by throttling).
    pub limit: u64,
    /// Completions per second since the start.
    pub per_second: f64,
    /// Seconds left at that pace.
    pub eta_seconds: Option<f64>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    Finished,
    /// Cancelled: what was in flight finished and was reported; the rest has no outcome.
    Cancelled,
    /// Stopped because the engine cannot serve any transformer (the failure that said so is
    /// among the outcomes); like a cancel, the rest has no outcome and can be resumed.
    Stopped,
}

struct Job {
    asset_id: String,
    request: Arc<DiagnosisRequest>,
    attempts: u32,
    throttles: u32,
    transient: u32,
    timeouts: u32,
    first_started: Option<Instant>,
}

type Attempt = (Job, Result<Answer, EngineError>);

/// Runs `requests` on `engine` under `policy`. Every final outcome goes to `sink` as it lands;
/// progress snapshots go to `progress` without ever blocking the run (a full channel drops a
/// snapshot; the next one carries the counts). `cancel` stops dispatching: what is in flight
/// finishes and is reported, what waits for a retry is dropped without an outcome, so that a
/// later run can pick it up.
pub async fn run<E: Engine>(
    engine: Arc<E>,
    requests: Vec<(String, DiagnosisRequest)>,
    policy: &Policy,
    mut sink: impl FnMut(Outcome),
    progress: Option<mpsc::Sender<Progress>>,
    cancel: CancellationToken,
) -> Ending {
    let started = Instant::now();
    let mut ready: VecDeque<Job> = requests
        .into_iter()
        .map(|(asset_id, request)| Job {
            asset_id,
            request: Arc::new(request),
            attempts: 0,
            throttles: 0,
            transient: 0,
            timeouts: 0,
            first_started: None,
        })
        .collect();
    let mut waiting: DelayQueue<Job> = DelayQueue::new();
    let mut limit = AdaptiveLimit::new(policy.concurrency);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Attempt>();
    let mut counts = Progress {
        total: ready.len() as u64,
        ..Progress::default()
    };
    let mut cancelled = cancel.is_cancelled();
    let mut stopped = false;
    let mut reporter = Reporter {
        started,
        last_sent: None,
        last_counts: None,
        held_back: false,
        progress,
    };

    loop {
        // The sink may have cancelled: look before starting anything.
        if !cancelled && cancel.is_cancelled() {
            cancelled = true;
            waiting.clear();
        }
        while !cancelled && (counts.in_flight as usize) < limit.allowed() {
            let Some(mut job) = ready.pop_front() else {
                break;
            };
            if job.attempts > 0 {
                counts.retried += 1;
            }
            job.attempts += 1;
            job.first_started.get_or_insert_with(Instant::now);
            counts.in_flight += 1;
            let engine = engine.clone();
            let done = done_tx.clone();
            let timeout = policy.attempt_timeout;
            tokio::spawn(async move {
                // A panic inside the engine or the SDK must become this asset's failure: a task
                // that vanished without reporting would hold the run open for ever.
                let attempt = std::panic::AssertUnwindSafe(tokio::time::timeout(
                    timeout,
                    engine.diagnose(job.request.clone()),
                ))
                .catch_unwind();
                let result = match attempt.await {
                    Ok(Ok(result)) => result,
                    Ok(Err(_)) => Err(EngineError::new(
                        FailureKind::Timeout,
                        "timeout",
                        format!("no answer within {} s", timeout.as_secs_f64()),
                    )),
                    Err(_) => Err(EngineError::permanent(
                        "internal",
                        "the engine stopped unexpectedly while diagnosing this transformer",
                    )),
                };
                // The receiver lives until every attempt has reported.
                let _ = done.send((job, result));
            });
        }
        counts.queued = (ready.len() + waiting.len()) as u64;
        counts.limit = limit.allowed() as u64;
        reporter.report(&mut counts, false);

        let nothing_left = ready.is_empty() && waiting.is_empty();
        if counts.in_flight == 0 && (cancelled || nothing_left) {
            break;
        }

        tokio::select! {
            biased;
            Some((mut job, result)) = done_rx.recv() => {
                counts.in_flight -= 1;
                match result {
                    Ok(answer) => {
                        limit.on_success();
                        counts.done += 1;
                        sink(finish(job, Ok(answer)));
                    }
                    Err(error) => {
                        if error.kind == FailureKind::Throttled {
                            counts.throttled += 1;
                            limit.on_throttle(counts.in_flight as usize);
                        }
                        match retry_delay(policy, &mut job, &error) {
                            Some(_) if cancelled => {}
                            Some(delay) if delay.is_zero() => ready.push_front(job),
                            Some(delay) => {
                                waiting.insert(job, delay);
                            }
                            None => {
                                counts.failed += 1;
                                let fatal = error.kind == FailureKind::Fatal;
                                sink(finish(job, Err(error)));
                                if fatal && !cancelled {
                                    cancelled = true;
                                    stopped = true;
                                    waiting.clear();
                                }
                            }
                        }
                    }
                }
            }
            Some(expired) = waiting.next(), if !waiting.is_empty() && !cancelled => {
                // A retry whose wait is over goes to the front of the queue, ahead of new work.
                ready.push_front(expired.into_inner());
            }
            // Counts held back by the rate limit go out when it allows, not one burst late.
            () = tokio::time::sleep_until(reporter.due()), if reporter.held_back => {
                reporter.report(&mut counts, true);
            }
            () = cancel.cancelled(), if !cancelled => {
                cancelled = true;
                waiting.clear();
            }
        }
    }
    reporter.report(&mut counts, true);
    if stopped {
        Ending::Stopped
    } else if cancelled {
        Ending::Cancelled
    } else {
        Ending::Finished
    }
}

/// When to try `job` again after `error`, or `None` when it has failed for good.
fn retry_delay(policy: &Policy, job: &mut Job, error: &EngineError) -> Option<Duration> {
    match error.kind {
        FailureKind::Permanent | FailureKind::Fatal => None,
        FailureKind::Throttled => {
            if job.throttles >= policy.throttle_retries {
                return None;
            }
            let wait = policy.backoff(job.throttles);
            job.throttles += 1;
            Some(error.retry_after.map_or(wait, |asked| asked.max(wait)))
        }
        FailureKind::Transient => {
            if job.transient >= policy.transient_retries {
                return None;
            }
            let wait = policy.backoff(job.transient);
            job.transient += 1;
            Some(error.retry_after.map_or(wait, |asked| asked.max(wait)))
        }
        FailureKind::Timeout => {
            if job.timeouts >= policy.timeout_retries {
                return None;
            }
            job.timeouts += 1;
            Some(Duration::ZERO)
        }
    }
}

fn finish(job: Job, result: Result<Answer, EngineError>) -> Outcome {
    Outcome {
        elapsed: job.first_started.map_or(Duration::ZERO, |t| t.elapsed()),
        asset_id: job.asset_id,
        attempts: job.attempts,
        result,
    }
}

/// Sends progress snapshots, at most one per `REPORT_EVERY` (and always the last), so that a
/// run of thousands of calls does not wake its listener thousands of times a second.
struct Reporter {
    started: Instant,
    last_sent: Option<Instant>,
    /// The counts last sent.
    last_counts: Option<Progress>,
    /// A snapshot with new counts was skipped since the last one sent.
    held_back: bool,
    progress: Option<mpsc::Sender<Progress>>,
}

/// Well above the ~10 Hz a display needs, well below a wake-up per call.
const REPORT_EVERY: Duration = Duration::from_millis(25);

impl Reporter {
    /// When the next snapshot may go.
    fn due(&self) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.last_sent.unwrap_or(self.started) + REPORT_EVERY)
    }

    fn report(&mut self, counts: &mut Progress, last: bool) {
        let Some(tx) = &self.progress else {
            return;
        };
        let now = Instant::now();
        let unchanged = self.last_counts.is_some_and(|sent| {
            (sent.queued, sent.in_flight, sent.done, sent.failed)
                == (counts.queued, counts.in_flight, counts.done, counts.failed)
                && (sent.retried, sent.throttled, sent.limit)
                    == (counts.retried, counts.throttled, counts.limit)
        });
        if !last && unchanged {
            return;
        }
        if !last && self.last_sent.is_some_and(|t| now - t < REPORT_EVERY) {
            self.held_back = true;
            return;
        }
        self.last_sent = Some(now);
        self.held_back = false;
        let elapsed = (now - self.started).as_secs_f64();
        let finished = counts.done + counts.failed;
        counts.per_second = if elapsed > 0.0 {
            finished as f64 / elapsed
        } else {
            0.0
        };
        counts.eta_seconds = (counts.per_second > 0.0)
            .then(|| counts.total.saturating_sub(finished) as f64 / counts.per_second);
        self.last_counts = Some(*counts);
        let _ = tx.try_send(*counts);
    }
}
