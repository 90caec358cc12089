//! Concurrent diagnosis dispatch (first part of the dispatch issue: the engine trait, the
//! embedded engine and the bounded dispatcher; the Lambda engine and the adaptive fault policy
//! come next).
//!
//! The lesson of the system this replaces: build pure payloads first, invoke concurrently,
//! write results through one writer. The dispatcher takes ready requests (no database handle
//! goes near a worker), runs at most `concurrency` at once, and hands every outcome to the
//! caller's sink as it lands, so the store's single writer can take it from there.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use substation_dga::{Diagnosis, DiagnosisRequest};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

/// Why one diagnosis failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct EngineError {
    /// Stable code: `invalid_request`, `function_error`, `timeout`, `throttled`, …
    pub code: String,
    pub message: String,
}

/// Anything that diagnoses one transformer: the embedded engine, AWS Lambda.
pub trait Engine: Send + Sync + 'static {
    /// Short name for runs and progress ("embedded", "lambda").
    fn name(&self) -> &'static str;
    fn diagnose(
        &self,
        request: Arc<DiagnosisRequest>,
    ) -> impl Future<Output = Result<Diagnosis, EngineError>> + Send;
}

/// The diagnosis crate in-process, on the blocking pool (diagnosis is CPU work).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedEngine;

impl Engine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn diagnose(&self, request: Arc<DiagnosisRequest>) -> Result<Diagnosis, EngineError> {
        let joined = tokio::task::spawn_blocking(move || substation_dga::diagnose(&request)).await;
        match joined {
            Ok(Ok(diagnosis)) => Ok(diagnosis),
            Ok(Err(error)) => Err(EngineError {
                code: error.code().to_owned(),
                message: error.to_string(),
            }),
            Err(join) => Err(EngineError {
                code: "internal".to_owned(),
                message: format!("the embedded engine stopped: {join}"),
            }),
        }
    }
}

/// One transformer's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub asset_id: String,
    pub result: Result<Box<Diagnosis>, EngineError>,
    pub elapsed: Duration,
}

/// Counts so far; sent through a bounded channel that a CLI bar or the desktop coalesces.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Progress {
    pub total: u64,
    pub queued: u64,
    pub in_flight: u64,
    pub done: u64,
    pub failed: u64,
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
    Cancelled,
}

/// Runs `requests` on `engine`, at most `concurrency` at once (at least 1). Every outcome goes
/// to `sink` as it lands; progress snapshots go to `progress` without ever blocking the run
/// (a full channel drops a snapshot, the next one carries the counts). `cancel` stops
/// dispatching; what is in flight finishes and is reported.
pub async fn run<E: Engine>(
    engine: Arc<E>,
    requests: Vec<(String, DiagnosisRequest)>,
    concurrency: usize,
    mut sink: impl FnMut(Outcome),
    progress: Option<mpsc::Sender<Progress>>,
    cancel: CancellationToken,
) -> Ending {
    let started = Instant::now();
    let total = requests.len() as u64;
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Outcome>();
    let mut counts = Progress {
        total,
        queued: total,
        ..Progress::default()
    };
    let report = |counts: &mut Progress| {
        let elapsed = started.elapsed().as_secs_f64();
        let finished = counts.done + counts.failed;
        counts.per_second = if elapsed > 0.0 {
            finished as f64 / elapsed
        } else {
            0.0
        };
        counts.eta_seconds =
            (counts.per_second > 0.0).then(|| (counts.total - finished) as f64 / counts.per_second);
        if let Some(tx) = &progress {
            let _ = tx.try_send(*counts);
        }
    };
    if total == 0 {
        report(&mut counts);
        return Ending::Finished;
    }
    let mut ending = Ending::Finished;
    let mut pending = requests.into_iter();
    let mut spawned = 0u64;
    let mut landed = 0u64;
    loop {
        tokio::select! {
            biased;
            Some(outcome) = done_rx.recv() => {
                landed += 1;
                counts.in_flight -= 1;
                if outcome.result.is_ok() { counts.done += 1 } else { counts.failed += 1 }
                sink(outcome);
                report(&mut counts);
            }
            permit = limit.clone().acquire_owned(), if ending == Ending::Finished && spawned < total => {
                // No `continue` in here: the end-of-run check below must see every change.
                if cancel.is_cancelled() {
                    ending = Ending::Cancelled;
                } else if let (Ok(permit), Some((asset_id, request))) = (permit, pending.next()) {
                    spawned += 1;
                    counts.queued -= 1;
                    counts.in_flight += 1;
                    let engine = engine.clone();
                    let done = done_tx.clone();
                    tokio::spawn(async move {
                        let begun = Instant::now();
                        let result = engine.diagnose(Arc::new(request)).await.map(Box::new);
                        drop(permit);
                        let _ = done.send(Outcome { asset_id, result, elapsed: begun.elapsed() });
                    });
                    report(&mut counts);
                }
            }
            () = cancel.cancelled(), if ending == Ending::Finished && spawned < total => {
                ending = Ending::Cancelled;
            }
            else => break,
        }
        if landed == spawned && (spawned == total || ending == Ending::Cancelled) {
            break;
        }
    }
    ending
}
