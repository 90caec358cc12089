//! The dispatcher loop. One task owns every decision (what to start, what to retry, the
//! in-flight limit) and polls the attempts in flight itself, as a set of futures: an answer
//! wakes the dispatcher directly, with no task spawned and no channel message per call, and
//! no state is shared between attempts.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::FuturesUnordered;
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

/// Runs `requests` on `engine` under `policy`. Every final outcome goes to `sink` as it lands,
/// on the dispatcher's own task: while the sink runs no attempt is polled (their timeouts keep
/// counting), so it must hand the outcome on and return (the fleet's sink queues it for the
/// store's writer, and waits only when the writer is a full queue behind);
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
    let mut in_flight = FuturesUnordered::new();
    let mut counts = Progress {
        total: ready.len() as u64,
        ..Progress::default()
    };
    let mut cancelled = cancel.is_cancelled();
    let mut stopped = false;
    let mut reporter = Reporter::new(started, progress);

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
            in_flight.push(attempt(engine.clone(), job, policy.attempt_timeout));
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
            Some((mut job, result)) = in_flight.next(), if !in_flight.is_empty() => {
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

/// One attempt, bounded by `timeout`. A panic inside the engine or the SDK becomes this
/// asset's failure instead of taking the run down with it.
async fn attempt<E: Engine>(engine: Arc<E>, job: Job, timeout: Duration) -> Attempt {
    let call = std::panic::AssertUnwindSafe(tokio::time::timeout(
        timeout,
        engine.diagnose(job.request.clone()),
    ))
    .catch_unwind();
    let result = match call.await {
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
    (job, result)
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

/// Sends progress snapshots, never one without new counts (and always the last), through a
/// token bucket: a burst of up to `REPORT_BURST` goes at once, beyond that at most one per
/// `REPORT_EVERY`. A small fleet's round of answers is reported as it lands, with no timer
/// wake-up to send what was held back; a run of thousands of calls does not wake its listener
/// thousands of times a second.
struct Reporter {
    started: Instant,
    /// Snapshots that may go now; refilled at one per `REPORT_EVERY`, up to `REPORT_BURST`.
    tokens: f64,
    refilled: Instant,
    /// The counts last sent.
    last_counts: Option<Progress>,
    /// A snapshot with new counts was skipped since the last one sent.
    held_back: bool,
    progress: Option<mpsc::Sender<Progress>>,
}

/// Well above the ~10 Hz a display needs, well below a wake-up per call.
const REPORT_EVERY: Duration = Duration::from_millis(25);
/// Enough for a round of answers from a small fleet's concurrency to go out as they land.
const REPORT_BURST: f64 = 8.0;

impl Reporter {
    fn new(started: Instant, progress: Option<mpsc::Sender<Progress>>) -> Self {
        Self {
            started,
            tokens: REPORT_BURST,
            refilled: started,
            last_counts: None,
            held_back: false,
            progress,
        }
    }

    /// When the next snapshot may go (a token will be there).
    fn due(&self) -> tokio::time::Instant {
        let wait = REPORT_EVERY.mul_f64((1.0 - self.tokens).max(0.0));
        tokio::time::Instant::from_std(self.refilled + wait)
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
        let earned = (now - self.refilled).as_secs_f64() / REPORT_EVERY.as_secs_f64();
        self.tokens = (self.tokens + earned).min(REPORT_BURST);
        self.refilled = now;
        if !last && self.tokens < 1.0 {
            self.held_back = true;
            return;
        }
        self.tokens = (self.tokens - 1.0).max(0.0);
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
