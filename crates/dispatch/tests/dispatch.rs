//! The dispatcher with the real embedded engine, and with a slow engine that counts how many
//! calls are in flight (a stand-in for a remote engine whose calls take seconds).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use substation_dga::{Answer, DiagnosisRequest};
use substation_dispatch::{
    EmbeddedEngine, Ending, Engine, EngineError, Outcome, Policy, Progress, run,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod common;
use common::{fleet, simple};

/// An engine whose calls take `delay` and which records the most calls in flight at once.
struct Slow {
    delay: Duration,
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Engine for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }

    async fn diagnose(&self, request: Arc<DiagnosisRequest>) -> Result<Answer, EngineError> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        answer(&request)
    }
}

/// The embedded engine's answer, as a test engine's own.
fn answer(request: &DiagnosisRequest) -> Result<Answer, EngineError> {
    let diagnosis = substation_dga::diagnose(request)
        .map_err(|e| EngineError::permanent(e.code(), e.to_string()))?;
    Answer::from_diagnosis(&diagnosis)
        .map_err(|e| EngineError::permanent("internal", e.to_string()))
}

fn policy(concurrency: usize) -> Policy {
    Policy {
        concurrency,
        ..Policy::default()
    }
}

fn slow(ms: u64) -> Arc<Slow> {
    Arc::new(Slow {
        delay: Duration::from_millis(ms),
        now: AtomicUsize::new(0),
        most: AtomicUsize::new(0),
    })
}

#[tokio::test]
async fn the_embedded_engine_diagnoses_the_sample_fleet() {
    let mut outcomes: Vec<Outcome> = Vec::new();
    let (tx, mut rx) = mpsc::channel(64);
    let ending = run(
        Arc::new(EmbeddedEngine),
        fleet(),
        &policy(2),
        |o| outcomes.push(o),
        Some(tx),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ending, Ending::Finished);
    assert_eq!(outcomes.len(), 9);
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    let tr003 = outcomes
        .iter()
        .find(|o| o.asset_id == "TR-003")
        .expect("TR-003");
    assert_eq!(
        tr003.result.as_ref().map(|d| d.summary.fault),
        Ok(Some(substation_dga::Fault::T3))
    );
    let mut last = Progress::default();
    while let Ok(p) = rx.try_recv() {
        last = p;
    }
    assert_eq!(
        (
            last.total,
            last.done,
            last.failed,
            last.in_flight,
            last.queued
        ),
        (9, 9, 0, 0, 0)
    );
}

#[tokio::test]
async fn no_more_than_the_concurrency_limit_is_in_flight() {
    let engine = slow(30);
    let requests: Vec<_> = (0..24).map(simple).collect();
    let mut landed = 0;
    let ending = run(
        engine.clone(),
        requests,
        &policy(4),
        |_| landed += 1,
        None,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ending, Ending::Finished);
    assert_eq!(landed, 24);
    assert_eq!(
        engine.most.load(Ordering::SeqCst),
        4,
        "calls overlap up to the limit, never beyond"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_dispatching_and_reports_what_was_in_flight() {
    let engine = slow(20);
    let requests: Vec<_> = (0..50).map(simple).collect();
    let cancel = CancellationToken::new();
    let mut landed = Vec::new();
    let trigger = cancel.clone();
    let ending = run(
        engine.clone(),
        requests,
        &policy(3),
        |o| {
            landed.push(o.asset_id);
            if landed.len() == 6 {
                trigger.cancel();
            }
        },
        None,
        cancel,
    )
    .await;
    assert_eq!(ending, Ending::Cancelled);
    assert!(
        landed.len() >= 6 && landed.len() <= 6 + 3,
        "only what was in flight finishes: {}",
        landed.len()
    );
    assert_eq!(
        engine.now.load(Ordering::SeqCst),
        0,
        "nothing is left running"
    );
}

#[tokio::test]
async fn a_failed_request_is_an_outcome_not_an_abort() {
    let mut requests: Vec<_> = (0..3).map(simple).collect();
    requests[1].1.samples.clear();
    let mut failed = Vec::new();
    let ending = run(
        Arc::new(EmbeddedEngine),
        requests,
        &policy(2),
        |o| {
            if let Err(e) = o.result {
                failed.push((o.asset_id, e.code));
            }
        },
        None,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ending, Ending::Finished);
    assert_eq!(failed, [("T-1".to_owned(), "invalid_request".to_owned())]);
}

#[tokio::test]
async fn an_empty_fleet_finishes_at_once() {
    let ending = run(
        Arc::new(EmbeddedEngine),
        Vec::new(),
        &policy(4),
        |_| {},
        None,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ending, Ending::Finished);
}

#[tokio::test]
async fn cancel_with_nothing_in_flight_ends_the_run() {
    // One at a time: when the sink cancels, nothing is in flight any more.
    let engine = slow(5);
    let requests: Vec<_> = (0..10).map(simple).collect();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let mut landed = 0;
    let ending = run(
        engine,
        requests,
        &policy(1),
        |_| {
            landed += 1;
            if landed == 3 {
                trigger.cancel();
            }
        },
        None,
        cancel,
    )
    .await;
    assert_eq!((ending, landed), (Ending::Cancelled, 3));
}

#[cfg(unix)]
#[test]
fn the_open_file_limit_is_raised_to_fit_the_concurrency() {
    // The hard limit here is far above 1,000; a concurrency of 1,000 fits after raising.
    assert_eq!(substation_dispatch::fit_open_files(1_000), 1_000);
    let (soft, _) = rlimit::Resource::NOFILE.get().expect("limit");
    assert!(soft >= 1_064, "soft limit raised: {soft}");
}

/// An engine whose call for `T-i` takes `delays[i]`.
struct Staggered {
    delays: Vec<Duration>,
}

impl Engine for Staggered {
    fn name(&self) -> &'static str {
        "staggered"
    }

    async fn diagnose(&self, request: Arc<DiagnosisRequest>) -> Result<Answer, EngineError> {
        let index = request
            .asset
            .id
            .trim_start_matches("T-")
            .parse::<usize>()
            .unwrap_or(0);
        tokio::time::sleep(self.delays.get(index).copied().unwrap_or_default()).await;
        answer(&request)
    }
}

/// Runs `delays.len()` calls on `Staggered` at concurrency `concurrency` and returns every
/// progress snapshot with when it arrived.
async fn snapshots(delays: Vec<Duration>, concurrency: usize) -> Vec<(Duration, Progress)> {
    let requests: Vec<_> = (0..delays.len()).map(simple).collect();
    let engine = Arc::new(Staggered { delays });
    let (tx, mut rx) = mpsc::channel(1024);
    let started = std::time::Instant::now();
    let listener = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(p) = rx.recv().await {
            seen.push((started.elapsed(), p));
        }
        seen
    });
    let ending = run(
        engine,
        requests,
        &policy(concurrency),
        |_| {},
        Some(tx),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ending, Ending::Finished);
    listener.await.expect("listener")
}

/// Nothing is sent while nothing changes: no two snapshots in a row with the same counts
/// (the final one is always sent).
fn assert_no_repeats(seen: &[(Duration, Progress)]) {
    for pair in seen[..seen.len() - 1].windows(2) {
        let (a, b) = (pair[0].1, pair[1].1);
        assert!(
            (a.done, a.in_flight, a.queued) != (b.done, b.in_flight, b.queued),
            "a snapshot with nothing new: {seen:?}"
        );
    }
}

#[tokio::test]
async fn a_small_round_of_answers_is_reported_as_it_lands_and_nothing_while_nothing_changes() {
    // Three calls land within 25 ms of each other, then nothing changes for a second while
    // the fourth is in flight (a 25 ms ticker would send 40 snapshots).
    let seen = snapshots([10, 12, 14, 1_000].map(Duration::from_millis).to_vec(), 4).await;
    for done in 1..=3 {
        let (at, p) = seen
            .iter()
            .find(|(_, p)| p.done == done)
            .unwrap_or_else(|| panic!("no snapshot with {done} done: {seen:?}"));
        assert_eq!(p.in_flight, 4 - done);
        assert!(*at < Duration::from_millis(500), "{done} done at {at:?}");
    }
    let (_, last) = seen.last().expect("a final snapshot");
    assert_eq!((last.done, last.in_flight, last.queued), (4, 0, 0));
    assert!(seen.len() <= 6, "{} snapshots: {seen:?}", seen.len());
    assert_no_repeats(&seen);
}

#[tokio::test]
async fn a_storm_of_answers_is_rate_limited_and_held_back_counts_arrive_on_time() {
    // 300 calls land together at 10 ms, the last one a second later: a snapshot per answer
    // would be 300; the held-back count of 300 must not wait for the last call.
    let mut delays = vec![Duration::from_millis(10); 300];
    delays.push(Duration::from_millis(1_000));
    let seen = snapshots(delays, 301).await;
    assert!(seen.len() <= 20, "{} snapshots: {seen:?}", seen.len());
    let (at, p) = seen
        .iter()
        .find(|(_, p)| p.done == 300)
        .unwrap_or_else(|| panic!("the held-back count of 300 is never sent: {seen:?}"));
    assert_eq!(p.in_flight, 1);
    assert!(
        *at < Duration::from_millis(500),
        "held-back counts go out when the rate limit allows ({at:?}), not with the next change"
    );
    let (_, last) = seen.last().expect("a final snapshot");
    assert_eq!((last.done, last.in_flight, last.queued), (301, 0, 0));
    assert_no_repeats(&seen);
}

/// An engine that panics for `T-1` and answers every other transformer.
struct PanicsOnOne;

impl Engine for PanicsOnOne {
    fn name(&self) -> &'static str {
        "panics-on-one"
    }

    async fn diagnose(&self, request: Arc<DiagnosisRequest>) -> Result<Answer, EngineError> {
        tokio::task::yield_now().await;
        if request.asset.id == "T-1" {
            panic!("a bug inside the engine");
        }
        answer(&request)
    }
}

#[tokio::test]
async fn a_panic_inside_the_engine_fails_that_transformer_and_the_run_goes_on() {
    let requests: Vec<_> = (0..4).map(simple).collect();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let ending = run(
        Arc::new(PanicsOnOne),
        requests,
        &policy(2),
        |o| outcomes.push(o),
        None,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ending, Ending::Finished);
    assert_eq!(outcomes.len(), 4);
    for outcome in &outcomes {
        match (&outcome.asset_id[..], &outcome.result) {
            ("T-1", Err(e)) => assert_eq!((e.code.as_str(), outcome.attempts), ("internal", 1)),
            ("T-1", Ok(_)) => panic!("T-1 cannot have an answer"),
            (id, result) => assert!(result.is_ok(), "{id}: {result:?}"),
        }
    }
}
