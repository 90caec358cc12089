//! The writer thread: takes what is queued, commits it as one transaction.

use std::sync::mpsc::{Receiver, SyncSender};

use rusqlite::{Connection, Transaction, params};
use substation_dga::Fault;

use crate::codec::{now, outbox, save_profile, severity_rank};
use crate::{
    FailureRecord, ImportOutcome, MAX_BATCH, Op, PreparedDiagnosis, ProfileOp, Result, RunSpec,
    RunState, StoreError,
};

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A reply to send once the transaction holding its operation has committed.
enum Pending {
    Import(SyncSender<Result<ImportOutcome>>, Result<ImportOutcome>),
    Id(SyncSender<Result<i64>>, Result<i64>),
    Unit(SyncSender<Result<()>>, Result<()>),
    Sync(
        SyncSender<Result<crate::sync::SyncReply>>,
        Result<crate::sync::SyncReply>,
    ),
    Batch(
        SyncSender<Result<Option<crate::OutgoingBatch>>>,
        Result<Option<crate::OutgoingBatch>>,
    ),
    Log(
        SyncSender<Result<crate::LogRecord>>,
        Box<Result<crate::LogRecord>>,
    ),
}

impl Pending {
    fn send(self, commit: &std::result::Result<(), String>) {
        // A failed commit turns every successful answer into that failure.
        fn settle<T>(result: Result<T>, commit: &std::result::Result<(), String>) -> Result<T> {
            match (result, commit) {
                (Ok(_), Err(e)) => Err(StoreError::Invalid(format!("commit failed: {e}"))),
                (result, _) => result,
            }
        }
        // A caller that stopped waiting is not an error here.
        match self {
            Pending::Import(tx, r) => drop(tx.send(settle(r, commit))),
            Pending::Id(tx, r) => drop(tx.send(settle(r, commit))),
            Pending::Unit(tx, r) => drop(tx.send(settle(r, commit))),
            Pending::Sync(tx, r) => drop(tx.send(settle(r, commit))),
            Pending::Batch(tx, r) => drop(tx.send(settle(r, commit))),
            Pending::Log(tx, r) => drop(tx.send(settle(*r, commit))),
        }
    }
}

pub(crate) fn run(mut conn: Connection, receiver: Receiver<Op>) {
    while let Ok(first) = receiver.recv() {
        let mut ops = vec![first];
        while ops.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let mut replies = Vec::with_capacity(ops.len());
        // IMMEDIATE: the write lock is taken when the transaction begins, so another process
        // writing the same file (the CLI beside the app) makes this one wait (busy timeout)
        // instead of failing with SQLITE_BUSY when an operation that read first tries to write.
        let commit = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        {
            Ok(tx) => {
                for op in &ops {
                    replies.push(apply(&tx, op));
                }
                tx.commit().map_err(|e| e.to_string())
            }
            Err(e) => {
                let message = e.to_string();
                for op in &ops {
                    replies.push(refuse(op, &message));
                }
                Err(message)
            }
        };
        for reply in replies {
            reply.send(&commit);
        }
        // What the operations carried (a million samples) is freed only once their callers
        // have the answer.
        drop(ops);
    }
}

fn refuse(op: &Op, message: &str) -> Pending {
    let error = || StoreError::Invalid(format!("cannot start a transaction: {message}"));
    match op {
        Op::Import(_, tx) | Op::ImportStream(_, tx) => Pending::Import(tx.clone(), Err(error())),
        Op::BeginRun(_, tx) | Op::Diagnosis(_, tx) => Pending::Id(tx.clone(), Err(error())),
        Op::Failure(_, tx) | Op::FinishRun(_, _, tx) => Pending::Unit(tx.clone(), Err(error())),
        Op::Sync(_, tx) => Pending::Sync(tx.clone(), Err(error())),
        Op::NextSyncBatch(_, _, tx) => Pending::Batch(tx.clone(), Err(error())),
        Op::Profile(_, tx) => Pending::Id(tx.clone(), Err(error())),
        Op::Log(_, tx) => Pending::Log(tx.clone(), Box::new(Err(error()))),
    }
}

/// Runs one operation in its own savepoint: a failure undoes that operation only.
fn apply(tx: &Transaction<'_>, op: &Op) -> Pending {
    // Savepoints by cached statements: rusqlite's `savepoint()` parses its SQL each time, twice
    // per operation, which thousands of diagnoses in one commit notice.
    fn guarded<T>(tx: &Transaction<'_>, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        tx.prepare_cached("SAVEPOINT op")?.execute([])?;
        let result = f(tx);
        if result.is_err() {
            tx.prepare_cached("ROLLBACK TO op")?.execute([])?;
        }
        tx.prepare_cached("RELEASE op")?.execute([])?;
        result
    }
    match op {
        Op::Import(import, reply) => Pending::Import(
            reply.clone(),
            guarded(tx, |c| crate::import_write::write_import(c, import)),
        ),
        Op::ImportStream(chunks, reply) => Pending::Import(
            reply.clone(),
            guarded(tx, |c| crate::import_write::stream_import(c, chunks)),
        ),
        Op::BeginRun(spec, reply) => {
            Pending::Id(reply.clone(), guarded(tx, |c| begin_run(c, spec)))
        }
        Op::Diagnosis(record, reply) => {
            Pending::Id(reply.clone(), guarded(tx, |c| write_diagnosis(c, record)))
        }
        Op::Failure(record, reply) => {
            Pending::Unit(reply.clone(), guarded(tx, |c| write_failure(c, record)))
        }
        Op::FinishRun(run_id, state, reply) => Pending::Unit(
            reply.clone(),
            guarded(tx, |c| finish_run(c, *run_id, *state)),
        ),
        Op::Sync(op, reply) => {
            Pending::Sync(reply.clone(), guarded(tx, |c| crate::sync::apply(c, op)))
        }
        Op::NextSyncBatch(limits, besides, reply) => Pending::Batch(
            reply.clone(),
            guarded(tx, |c| crate::sync::next_batch(c, limits, besides.as_ref())),
        ),
        Op::Profile(op, reply) => Pending::Id(reply.clone(), guarded(tx, |c| write_profile(c, op))),
        Op::Log(entry, reply) => Pending::Log(
            reply.clone(),
            Box::new(guarded(tx, |c| crate::logbook::write_entry(c, entry))),
        ),
    }
}

fn write_profile(sp: &Connection, op: &ProfileOp) -> Result<i64> {
    match op {
        ProfileOp::Save(p) => save_profile(sp, &p.name, &p.sha256, &p.toml),
        ProfileOp::Remove(sha256) => {
            // In use while answers were read with it, or a run was begun with it (a run may
            // be resumed: its answers are still to come).
            let (name, answers): (Option<String>, u64) = sp
                .prepare_cached(
                    "SELECT p.name,
                            (SELECT count(*) FROM diagnosis WHERE profile_sha256 = ?1)
                            + (SELECT count(*) FROM diagnosis_run
                               WHERE engine_version = p.name || '@' || substr(?1, 1, 12))
                     FROM (SELECT (SELECT name FROM function_profile WHERE sha256 = ?1) AS name) p",
                )?
                .query_row(params![sha256], |row| Ok((row.get(0)?, row.get(1)?)))?;
            match name {
                None => Ok(0),
                Some(name) if answers > 0 => Err(StoreError::ProfileInUse { name, answers }),
                Some(_) => Ok(sp
                    .prepare_cached("DELETE FROM function_profile WHERE sha256 = ?1")?
                    .execute(params![sha256])? as i64),
            }
        }
    }
}

fn begin_run(sp: &Connection, spec: &RunSpec) -> Result<i64> {
    if let Some(profile) = &spec.profile {
        save_profile(sp, &profile.name, &profile.sha256, &profile.toml)?;
    }
    sp.prepare_cached(
        "INSERT INTO diagnosis_run (run_uuid, engine, engine_version, function_name, options_json, started_at, assets_total)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        new_id(),
        spec.engine,
        spec.engine_version,
        spec.function_name,
        serde_json::to_string(&spec.options)?,
        now(),
        spec.assets_total,
    ])?;
    let run_id = sp.last_insert_rowid();
    let mut member =
        sp.prepare_cached("INSERT INTO diagnosis_run_asset (run_id, asset_id) VALUES (?1, ?2)")?;
    for asset_id in &spec.asset_ids {
        member.execute(params![run_id, asset_id])?;
    }
    Ok(run_id)
}

fn write_diagnosis(sp: &Connection, d: &PreparedDiagnosis) -> Result<i64> {
    let summary = &d.summary;
    if summary.asset_id != d.asset_id {
        return Err(StoreError::Invalid(format!(
            "a diagnosis of {} was filed under {}",
            summary.asset_id, d.asset_id
        )));
    }
    let now = now();
    let uuid = new_id();
    let profile = summary.profile.as_ref();
    sp.prepare_cached(
        "INSERT INTO diagnosis (diagnosis_uuid, run_id, asset_id, request_sha256, engine_version, reused_from,
             latest_sample_date, ieee_status, iec_state, fault, severity, severity_rank, response, created_at,
             fault_label, score, action, resample_within_days, headline, profile_name, profile_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        uuid,
        d.run_id,
        d.asset_id,
        d.request_sha256,
        summary.engine_version,
        d.reused_from,
        summary.latest_sample_date.to_string(),
        summary.ieee_status,
        summary.iec_state,
        summary.fault.map(Fault::label),
        summary.severity.label(),
        severity_rank(summary.severity),
        d.response,
        now,
        summary.fault_label,
        summary.score,
        summary.action,
        summary.resample_within_days,
        summary.headline,
        profile.map(|p| &p.name),
        profile.map(|p| &p.sha256),
    ])?;
    let id = sp.last_insert_rowid();
    sp.prepare_cached("UPDATE asset SET latest_diagnosis_id = ?2 WHERE id = ?1")?
        .execute(params![d.asset_id, id])?;
    let counter = if d.reused_from.is_some() {
        "UPDATE diagnosis_run SET succeeded = succeeded + 1, reused = reused + 1 WHERE id = ?1"
    } else {
        "UPDATE diagnosis_run SET succeeded = succeeded + 1 WHERE id = ?1"
    };
    sp.prepare_cached(counter)?.execute(params![d.run_id])?;
    // A resumed run that now succeeds where it failed before: the failure is history.
    let cleared = sp
        .prepare_cached("DELETE FROM diagnosis_failure WHERE run_id = ?1 AND asset_id = ?2")?
        .execute(params![d.run_id, d.asset_id])?;
    if cleared > 0 {
        sp.prepare_cached("UPDATE diagnosis_run SET failed = failed - ?2 WHERE id = ?1")?
            .execute(params![d.run_id, cleared])?;
    }
    outbox(sp, "diagnosis", &uuid, &now)?;
    Ok(id)
}

fn write_failure(sp: &Connection, record: &FailureRecord) -> Result<()> {
    sp.prepare_cached(
        "INSERT INTO diagnosis_failure (run_id, asset_id, code, message, attempts) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (run_id, asset_id) DO UPDATE SET code = excluded.code, message = excluded.message,
             attempts = excluded.attempts",
    )?
    .execute(params![record.run_id, record.asset_id, record.code, record.message, record.attempts])?;
    sp.prepare_cached(
        "UPDATE diagnosis_run SET failed = (SELECT count(*) FROM diagnosis_failure WHERE run_id = ?1) WHERE id = ?1",
    )?
    .execute(params![record.run_id])?;
    Ok(())
}

fn finish_run(sp: &Connection, run_id: i64, state: RunState) -> Result<()> {
    let changed = sp
        .prepare_cached("UPDATE diagnosis_run SET state = ?2, finished_at = ?3 WHERE id = ?1")?
        .execute(params![run_id, state.as_str(), now()])?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!("no diagnosis run {run_id}")));
    }
    Ok(())
}
