//! A fleet diagnosis run for the UI: the engine the settings choose, the dispatcher's counts
//! and each transformer's outcome coalesced into about ten messages a second.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use substation_dispatch::{
    EmbeddedEngine, Ending, Engine, EngineKind, FleetRun, Outcome, Policy, Progress, Scope,
    diagnose_fleet,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::{AppError, ErrorCode, Result};
use crate::settings::EngineChoice;
use crate::views::{AssetOutcome, RunCounts, RunEvent, RunRequest, RunSummary, StopReason};
use crate::{App, lock};

/// How often the UI hears about a run: often enough to look live, rarely enough that 1,000
/// results landing at once cost the webview ten repaints, not a thousand.
pub const UPDATE_EVERY: Duration = Duration::from_millis(100);

/// Clears the app's "run in progress" slot however the run ends.
struct RunSlot<'a>(&'a App);

impl Drop for RunSlot<'_> {
    fn drop(&mut self) {
        *lock(&self.0.run) = None;
    }
}

impl App {
    /// Diagnoses a batch, the whole cache, or what an earlier run still owes, streaming
    /// [`RunEvent`]s to `sink`. Returns when the run has ended and every result is stored.
    pub async fn diagnose(
        &self,
        request: &RunRequest,
        sink: impl Fn(RunEvent) + Send + Sync + 'static,
    ) -> Result<RunSummary> {
        let cancel = CancellationToken::new();
        {
            let mut slot = lock(&self.run);
            if slot.is_some() {
                return Err(AppError::RunInProgress);
            }
            *slot = Some(cancel.clone());
        }
        let _slot = RunSlot(self);
        let settings = self.settings();
        let engine = request.engine.unwrap_or(settings.engine);
        let chosen = request
            .concurrency
            .or(settings.concurrency)
            .map(|n| n.clamp(1, crate::settings::MAX_CONCURRENCY) as usize);
        let (kind, concurrency) = match engine {
            // One core stays with the window: on a two-core laptop a run that takes every core
            // leaves the web view without a frame until it ends.
            EngineChoice::Embedded => (
                EngineKind::Embedded,
                chosen.or_else(|| Some(Policy::embedded().concurrency.saturating_sub(1))),
            ),
            EngineChoice::Lambda => (EngineKind::Lambda, chosen),
        };
        let timeout = Duration::from_secs(u64::from(settings.timeout_seconds));
        let policy = Policy::for_engine(kind, concurrency, Some(timeout));
        let store = self.store()?;
        tracing::info!(
            engine = ?engine,
            function = (engine == EngineChoice::Lambda).then_some(settings.function_name.as_str()),
            concurrency = policy.concurrency,
            resume = ?request.resume_run,
            "diagnosis run started"
        );
        let lambda = match engine {
            EngineChoice::Lambda => Some(self.lambda_engine(&settings).await?),
            EngineChoice::Embedded => None,
        };
        let job = FleetRun {
            scope: match (&request.asset_id, request.batch_id) {
                (Some(id), _) => Scope::Asset(id.clone()),
                (None, Some(batch)) => Scope::Batch(batch),
                (None, None) => Scope::All,
            },
            resume: request.resume_run,
            reuse: request.reuse,
            function_name: lambda.as_ref().map(|l| l.function().to_owned()),
        };
        // The run itself on the low-priority runtime (background.rs), so that the window keeps
        // its frames while results stream in.
        let run = async move {
            match lambda {
                None => {
                    run_on(
                        &store,
                        Arc::new(EmbeddedEngine),
                        &policy,
                        &job,
                        sink,
                        cancel,
                    )
                    .await
                }
                Some(lambda) => run_on(&store, Arc::new(lambda), &policy, &job, sink, cancel).await,
            }
        };
        let ended = crate::background::runtime().spawn(run).await.map_err(|e| {
            AppError::Internal(format!("the diagnosis run stopped unexpectedly: {e}"))
        })?;
        match &ended {
            Ok(summary) => tracing::info!(
                run_id = summary.run_id,
                ending = %summary.ending,
                assets = summary.assets,
                diagnosed = summary.diagnosed,
                reused = summary.reused,
                failed = summary.failed,
                not_run = summary.not_run,
                seconds = summary.seconds,
                stop_reason = summary.stop.as_ref().map(|s| s.message.as_str()),
                "diagnosis run ended"
            ),
            Err(error) => {
                tracing::warn!(code = %error.code(), error = %error, "diagnosis run failed")
            }
        }
        // New diagnoses wait in the outbox: the background sync sends them now.
        self.wake_sync();
        ended
    }
}

fn counts(p: &Progress) -> RunCounts {
    let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    RunCounts {
        total: n(p.total),
        queued: n(p.queued),
        in_flight: n(p.in_flight),
        done: n(p.done),
        failed: n(p.failed),
        retried: n(p.retried),
        throttled: n(p.throttled),
        limit: n(p.limit),
        per_second: p.per_second,
        eta_seconds: p.eta_seconds,
    }
}

fn outcome_view(outcome: &Outcome) -> AssetOutcome {
    match &outcome.result {
        Ok(answer) => AssetOutcome {
            asset_id: outcome.asset_id.clone(),
            ieee_status: answer.summary.ieee_status,
            iec_state: answer.summary.iec_state.clone(),
            fault: answer.summary.fault.map(|f| f.label().to_owned()),
            severity: Some(answer.summary.severity.label().to_owned()),
            fault_label: answer.summary.fault_label.clone(),
            profile: answer.summary.profile.as_ref().map(|p| p.name.clone()),
            headline: answer.summary.headline.clone(),
            score: answer.summary.score,
            error_code: None,
            error: None,
        },
        Err(e) => AssetOutcome {
            asset_id: outcome.asset_id.clone(),
            ieee_status: None,
            iec_state: None,
            fault: None,
            severity: None,
            fault_label: None,
            profile: None,
            headline: None,
            score: None,
            error_code: Some(ErrorCode::of_engine(&e.code)),
            error: Some(e.message.clone()),
        },
    }
}

async fn run_on<E: Engine>(
    store: &substation_store::Store,
    engine: Arc<E>,
    policy: &Policy,
    job: &FleetRun,
    sink: impl Fn(RunEvent) + Send + Sync + 'static,
    cancel: CancellationToken,
) -> Result<RunSummary> {
    let started = Instant::now();
    let sink = Arc::new(sink);
    let landed: Arc<Mutex<Vec<AssetOutcome>>> = Arc::default();
    let mut first_error: Option<(ErrorCode, String)> = None;
    let (tx, rx) = mpsc::channel::<Progress>(256);
    let forward = tokio::spawn(coalesce(rx, landed.clone(), sink.clone()));
    let result = diagnose_fleet(
        store,
        engine,
        policy,
        job,
        |outcome| {
            if let Err(e) = &outcome.result {
                first_error
                    .get_or_insert_with(|| (ErrorCode::of_engine(&e.code), e.message.clone()));
            }
            lock(&landed).push(outcome_view(outcome));
        },
        Some(tx),
        cancel,
    )
    .await;
    // The dispatcher has dropped its sender: the coalescer flushes what is left and ends.
    let _ = forward.await;
    let summary = result?;
    let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let view = RunSummary {
        run_id: summary.run_id,
        ending: match summary.ending {
            Ending::Finished => "finished",
            Ending::Cancelled => "cancelled",
            Ending::Stopped => "stopped",
        }
        .to_owned(),
        assets: n(summary.assets),
        diagnosed: n(summary.diagnosed),
        reused: n(summary.reused),
        failed: n(summary.failed),
        not_run: n(summary.not_run),
        seconds: started.elapsed().as_secs_f64(),
        stop: (summary.ending == Ending::Stopped)
            .then_some(first_error)
            .flatten()
            .map(|(code, message)| StopReason { code, message }),
    };
    sink(RunEvent::Finished {
        summary: view.clone(),
    });
    Ok(view)
}

/// Sends the latest counts and the outcomes landed since the previous message, at most once
/// per [`UPDATE_EVERY`], nothing when nothing changed, and whatever is left when the run ends.
async fn coalesce(
    mut progress: mpsc::Receiver<Progress>,
    landed: Arc<Mutex<Vec<AssetOutcome>>>,
    sink: Arc<impl Fn(RunEvent) + Send + Sync + 'static>,
) {
    let mut latest = RunCounts::default();
    let mut sent: Option<RunCounts> = None;
    let mut tick = tokio::time::interval(UPDATE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let open = tokio::select! {
            message = progress.recv() => match message {
                Some(p) => {
                    latest = counts(&p);
                    continue;
                }
                None => false,
            },
            _ = tick.tick() => true,
        };
        let outcomes = std::mem::take(&mut *lock(&landed));
        if sent.as_ref() != Some(&latest) || !outcomes.is_empty() {
            sink(RunEvent::Progress {
                counts: latest.clone(),
                outcomes,
            });
            sent = Some(latest.clone());
        }
        if !open {
            return;
        }
    }
}
