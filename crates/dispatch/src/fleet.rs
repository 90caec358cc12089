//! A fleet run end to end: payloads built from the local store first, then dispatched, and
//! every result written through the store's single writer as it lands. No worker ever holds a
//! database handle.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use serde::{Deserialize, Serialize};
use substation_dga::DiagnosisRequest;
use substation_store::{
    DiagnosisRecord, FailureRecord, Reader, RunSpec, RunState, Store, StoreError, StoredProfile,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{Ending, Engine, Outcome, Policy, Progress, run};

/// Which transformers a run covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every asset in the store.
    All,
    /// The assets an import batch brought or updated.
    Batch(i64),
    /// One transformer (after a logbook entry changed its history).
    Asset(String),
}

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRun {
    pub scope: Scope,
    /// Continue this run (killed, cancelled, or with failures): only the assets it began with
    /// that have no stored diagnosis are dispatched; `scope` is then ignored.
    pub resume: Option<i64>,
    /// Copy a stored diagnosis of an identical request by the same engine version instead of
    /// invoking again.
    pub reuse: bool,
    /// The Lambda function, for the run's record.
    pub function_name: Option<String>,
}

/// How a fleet run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSummary {
    pub run_id: i64,
    pub ending: Ending,
    /// Assets this invocation set out to diagnose.
    pub assets: u64,
    pub diagnosed: u64,
    /// Of `diagnosed`, copied from an earlier identical request.
    pub reused: u64,
    pub failed: u64,
    /// Left without a result (cancelled): a resumed run picks them up.
    pub not_run: u64,
}

/// Why a fleet run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("there is no diagnosis run {0} to resume")]
    NoSuchRun(i64),
    #[error("there is no import batch {0}")]
    NoSuchBatch(i64),
    #[error(
        "run {run} was begun with {was}; it resumes only with the same (now: {now}), or start a new run"
    )]
    EngineChanged { run: i64, was: String, now: String },
    #[error("the fleet run stopped unexpectedly: {0}")]
    Internal(String),
}

impl FleetError {
    /// Every code [`FleetError::code`] gives of its own (a store failure keeps the store's).
    pub const CODES: &'static [&'static str] =
        &["no_such_run", "no_such_batch", "engine_changed", "internal"];

    pub fn code(&self) -> &'static str {
        match self {
            FleetError::Store(e) => e.code(),
            FleetError::NoSuchRun(_) => "no_such_run",
            FleetError::NoSuchBatch(_) => "no_such_batch",
            FleetError::EngineChanged { .. } => "engine_changed",
            FleetError::Internal(_) => "internal",
        }
    }
}

/// The payloads, built before anything is dispatched.
struct Prepared {
    run_id: Option<i64>,
    scope: Scope,
    requests: Vec<(String, DiagnosisRequest, String)>,
    reusable: Vec<(String, String, i64, substation_dga::Answer)>,
}

fn stored_profile(profile: &substation_profile::Profile) -> StoredProfile {
    StoredProfile {
        name: profile.name.clone(),
        sha256: profile.sha256.clone(),
        toml: profile.toml().to_vec(),
    }
}

/// What makes a run's answers one kind: the engine version it stores them under, or `None`
/// for the built-in function on Lambda (whose version the function knows).
fn run_version(engine_name: &str, has_profile: bool, version: &str) -> Option<String> {
    (engine_name == "embedded" || has_profile).then(|| version.to_owned())
}

fn prepare(
    reader: Reader,
    job: &FleetRun,
    version: &str,
    run_version: Option<&str>,
) -> Result<Prepared, FleetError> {
    let (run_id, scope, only): (Option<i64>, Scope, Option<HashSet<String>>) = match job.resume {
        // A resumed run owes exactly its own assets without a result, as fixed when it began.
        Some(run_id) => {
            let Some(begun) = reader.run_engine_version(run_id)? else {
                return Err(FleetError::NoSuchRun(run_id));
            };
            // One run, one kind of answer: a run begun through a profile resumes through the
            // same profile (the same file), a contract run (embedded or on Lambda) without one.
            let profile_of = |v: Option<&str>| v.filter(|v| v.contains('@')).map(str::to_owned);
            let (was, now) = (profile_of(begun.as_deref()), profile_of(run_version));
            if was != now {
                let say = |v: Option<String>| {
                    v.map_or_else(
                        || "the built-in contract".to_owned(),
                        |v| format!("profile {v}"),
                    )
                };
                return Err(FleetError::EngineChanged {
                    run: run_id,
                    was: say(was),
                    now: say(now),
                });
            }
            let left = reader.assets_without_result(run_id)?.into_iter().collect();
            (Some(run_id), job.scope.clone(), Some(left))
        }
        None => {
            let only = match &job.scope {
                Scope::All => None,
                Scope::Batch(batch) => {
                    if !reader.batches()?.iter().any(|b| b.id == *batch) {
                        return Err(FleetError::NoSuchBatch(*batch));
                    }
                    Some(reader.batch_assets(*batch)?.into_iter().collect())
                }
                Scope::Asset(id) => {
                    if reader.asset(id)?.is_none() {
                        return Err(FleetError::Store(StoreError::NoSuchAsset(id.clone())));
                    }
                    Some(HashSet::from([id.clone()]))
                }
            };
            (None, job.scope.clone(), only)
        }
    };
    let mut requests = Vec::new();
    let mut reusable = Vec::new();
    for asset in reader.assets()? {
        if only.as_ref().is_some_and(|s| !s.contains(&asset.id)) {
            continue;
        }
        let id = asset.id.clone();
        let request = reader.request_for(asset)?;
        let hash = substation_store::request_sha256(&request)?;
        if job.reuse
            && let Some((from, answer)) = reader.reusable(&hash, version)?
        {
            reusable.push((id, hash, from, answer));
            continue;
        }
        requests.push((id, request, hash));
    }
    Ok(Prepared {
        run_id,
        scope,
        requests,
        reusable,
    })
}

/// Diagnoses a fleet from the store on `engine` and stores every result (with its outbox row)
/// as it lands. `on_outcome` sees each asset's final outcome (reused ones with zero attempts);
/// `progress` gets the dispatcher's counts. Cancelling leaves the run resumable.
pub async fn diagnose_fleet<E: Engine>(
    store: &Store,
    engine: Arc<E>,
    policy: &Policy,
    job: &FleetRun,
    mut on_outcome: impl FnMut(&Outcome),
    progress: Option<mpsc::Sender<Progress>>,
    cancel: CancellationToken,
) -> Result<FleetSummary, FleetError> {
    let reader = store.reader()?;
    let owned_job = job.clone();
    let version = engine.answer_version();
    let begun_as = run_version(engine.name(), engine.profile().is_some(), &version);
    let prepared = tokio::task::spawn_blocking(move || {
        prepare(reader, &owned_job, &version, begun_as.as_deref())
    })
    .await
    .map_err(|e| FleetError::Internal(e.to_string()))??;
    let assets = (prepared.requests.len() + prepared.reusable.len()) as u64;
    let run_id = match prepared.run_id {
        Some(id) => {
            // The profile the resumed run reads with is kept, even if it was removed meanwhile.
            if let Some(profile) = engine.profile() {
                store.save_profile(stored_profile(profile))?;
            }
            id
        }
        None => store.begin_run(RunSpec {
            engine: engine.name().to_owned(),
            engine_version: run_version(
                engine.name(),
                engine.profile().is_some(),
                &engine.answer_version(),
            ),
            function_name: job.function_name.clone(),
            options: serde_json::json!({
                "scope": prepared.scope,
                "reuse": job.reuse,
                "concurrency": policy.concurrency,
                "attempt_timeout_s": policy.attempt_timeout.as_secs_f64(),
            }),
            assets_total: assets,
            asset_ids: prepared
                .requests
                .iter()
                .map(|(id, _, _)| id.clone())
                .chain(prepared.reusable.iter().map(|(id, ..)| id.clone()))
                .collect(),
            profile: engine.profile().map(stored_profile),
        })?,
    };

    let mut summary = FleetSummary {
        run_id,
        ending: Ending::Finished,
        assets,
        diagnosed: 0,
        reused: 0,
        failed: 0,
        not_run: 0,
    };
    // A thread confirms each write as the writer commits it, so that a write that fails (a
    // full disk, a database locked for too long) stops the run at once rather than after
    // every remaining call has been paid for.
    let stop = cancel.child_token();
    let (confirm, confirmer) = spawn_confirmer(stop.clone())?;
    for (asset_id, hash, from, answer) in prepared.reusable {
        let outcome = Outcome {
            asset_id: asset_id.clone(),
            result: Ok(answer.clone()),
            attempts: 0,
            elapsed: std::time::Duration::ZERO,
        };
        let _ = confirm.send(Pending::Diagnosis(store.submit_diagnosis(
            DiagnosisRecord {
                run_id,
                asset_id,
                request_sha256: hash,
                answer,
                reused_from: Some(from),
            },
        )?));
        summary.diagnosed += 1;
        summary.reused += 1;
        on_outcome(&outcome);
    }

    let hashes: std::collections::HashMap<String, String> = prepared
        .requests
        .iter()
        .map(|(id, _, hash)| (id.clone(), hash.clone()))
        .collect();
    let requests = prepared
        .requests
        .into_iter()
        .map(|(id, request, _)| (id, request))
        .collect();
    // A store that stops taking results stops the run: nothing more would be kept.
    let mut store_error: Option<StoreError> = None;
    let ending = run(
        engine,
        requests,
        policy,
        |outcome| {
            if store_error.is_some() {
                return;
            }
            // Shown first, then moved into the store: no copy of a 20 KB answer per result.
            on_outcome(&outcome);
            let Outcome {
                asset_id,
                result,
                attempts,
                ..
            } = outcome;
            let submitted = match result {
                Ok(answer) => {
                    summary.diagnosed += 1;
                    store
                        .submit_diagnosis(DiagnosisRecord {
                            run_id,
                            request_sha256: hashes.get(&asset_id).cloned().unwrap_or_default(),
                            asset_id,
                            answer,
                            reused_from: None,
                        })
                        .map(|r| {
                            let _ = confirm.send(Pending::Diagnosis(r));
                        })
                }
                Err(error) => {
                    summary.failed += 1;
                    store
                        .submit_failure(FailureRecord {
                            run_id,
                            asset_id,
                            code: error.code,
                            message: error.message,
                            attempts,
                        })
                        .map(|r| {
                            let _ = confirm.send(Pending::Failure(r));
                        })
                }
            };
            if let Err(error) = submitted {
                store_error.get_or_insert(error);
                stop.cancel();
            }
        },
        progress,
        stop.clone(),
    )
    .await;

    // Wait for the writer to confirm every result (the confirmer blocks: off the async
    // threads).
    drop(confirm);
    let confirmed = tokio::task::spawn_blocking(move || confirmer.join())
        .await
        .map_err(|e| FleetError::Internal(e.to_string()))?
        .map_err(|_| FleetError::Internal("the write confirmer stopped".into()))?;
    if let Some(error) = store_error.or(confirmed.err()) {
        // Resumable once the store takes writes again.
        let _ = store.finish_run(run_id, RunState::Failed);
        return Err(error.into());
    }
    summary.ending = ending;
    summary.not_run = assets - summary.diagnosed - summary.failed;
    store.finish_run(
        run_id,
        match ending {
            Ending::Finished => RunState::Finished,
            Ending::Cancelled => RunState::Cancelled,
            // Resumable once the engine is fixed (a login, a deployment).
            Ending::Stopped => RunState::Failed,
        },
    )?;
    Ok(summary)
}

type ConfirmSender = std::sync::mpsc::Sender<Pending>;
type Confirmer = std::thread::JoinHandle<Result<(), StoreError>>;

/// A write submitted to the store's writer, waiting for its commit.
enum Pending {
    Diagnosis(Receiver<Result<i64, StoreError>>),
    Failure(Receiver<Result<(), StoreError>>),
}

/// Starts the thread that waits for each write's commit in turn; the first failure cancels
/// `stop` and ends the thread with that error.
fn spawn_confirmer(stop: CancellationToken) -> Result<(ConfirmSender, Confirmer), FleetError> {
    let (tx, rx) = std::sync::mpsc::channel::<Pending>();
    let handle = std::thread::Builder::new()
        .name("substation-write-confirmer".into())
        .spawn(move || {
            for pending in rx {
                let committed = match pending {
                    Pending::Diagnosis(r) => r.recv().map(|result| result.map(|_| ())),
                    Pending::Failure(r) => r.recv(),
                };
                if let Err(error) = committed.unwrap_or(Err(StoreError::WriterGone)) {
                    stop.cancel();
                    return Err(error);
                }
            }
            Ok(())
        })
        .map_err(|e| FleetError::Internal(format!("cannot start the write confirmer: {e}")))?;
    Ok((tx, handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_a_listed_code_and_every_listed_code_is_given() {
        let errors = [
            FleetError::NoSuchRun(1),
            FleetError::NoSuchBatch(1),
            FleetError::EngineChanged {
                run: 1,
                was: String::new(),
                now: String::new(),
            },
            FleetError::Internal(String::new()),
        ];
        let given: Vec<&str> = errors.iter().map(FleetError::code).collect();
        assert_eq!(given, FleetError::CODES);
    }
}
