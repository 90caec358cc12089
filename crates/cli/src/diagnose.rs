//! `substation diagnose`: a fleet on the embedded engine or AWS Lambda, concurrently, with a
//! progress bar, results stored as they land.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use substation_dga::{Answer, DiagnosisRequest, ENGINE_NAME, ENGINE_VERSION, ErrorBody, Severity};
use substation_dispatch::{
    EmbeddedEngine, Ending, Engine, EngineError, EngineKind, FleetRun, LambdaEngine,
    LambdaSettings, Outcome, Policy, Progress, Scope, diagnose_fleet,
};
use substation_store::Store;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::CliError;

/// Rows of the summary table after a fleet run; `substation review` shows the rest.
const SHOWN_ROWS: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// The diagnosis engine inside this program; works offline.
    Embedded,
    /// The Substation Bulk function on AWS Lambda.
    Lambda,
}

pub struct DiagnoseArgs {
    /// A workbook to import first, or a JSON file of diagnosis requests.
    pub file: Option<PathBuf>,
    pub batch: Option<i64>,
    /// `Some(None)`: the latest unfinished run; `Some(Some(id))`: that run.
    pub resume: Option<Option<i64>>,
    pub reuse: bool,
    pub explain: bool,
    pub json: bool,
    pub db: PathBuf,
    pub engine: EngineChoice,
    pub lambda: LambdaSettings,
    /// A team's own function's profile: implies the Lambda engine.
    pub function_profile: Option<PathBuf>,
    pub concurrency: Option<usize>,
    pub timeout: Option<f64>,
}

/// One transformer's line in the output, borrowed from its outcome: the answer is printed
/// and summarised, never copied.
struct Row<'a> {
    asset_id: &'a str,
    name: &'a str,
    result: Result<&'a Answer, ErrorBody>,
}

pub fn run(args: DiagnoseArgs) -> Result<ExitCode, CliError> {
    // One async thread is plenty: Lambda calls wait on the network, embedded diagnoses run on
    // the blocking pool, and a single thread spares cross-thread wake-ups (docs/benchmarks.md).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run_async(args))
}

async fn run_async(mut args: DiagnoseArgs) -> Result<ExitCode, CliError> {
    let profile = match &args.function_profile {
        Some(path) => Some(crate::profile::load(path)?),
        None => None,
    };
    if profile.is_some() {
        args.engine = EngineChoice::Lambda;
    }
    args.lambda = crate::profile::settings(&args.lambda, profile.as_ref());
    let defaults = profile.as_ref().map(|p| &p.function);
    args.concurrency = args.concurrency.or_else(|| {
        defaults
            .and_then(|d| d.concurrency)
            .and_then(|n| usize::try_from(n).ok())
    });
    args.timeout = args
        .timeout
        .or_else(|| defaults.and_then(|d| d.timeout_seconds).map(f64::from));
    if let Some(seconds) = args.timeout {
        // Lambda functions run for at most 15 minutes.
        if !(seconds > 0.0 && seconds <= 900.0) {
            return Err(CliError::Usage(
                "--timeout must be between 0 and 900 seconds".into(),
            ));
        }
    }
    let kind = match args.engine {
        EngineChoice::Embedded => EngineKind::Embedded,
        EngineChoice::Lambda => EngineKind::Lambda,
    };
    let policy = Policy::for_engine(
        kind,
        args.concurrency,
        args.timeout.map(Duration::from_secs_f64),
    );
    let asked = args.concurrency.unwrap_or(match kind {
        EngineKind::Embedded => Policy::embedded().concurrency,
        EngineKind::Lambda => Policy::default().concurrency,
    });
    if policy.concurrency < asked.max(1) {
        eprintln!(
            "warning: this system allows only {0} calls in flight (open-file limit); \
             running with --concurrency {0}",
            policy.concurrency
        );
    }
    match args.engine {
        EngineChoice::Embedded => execute(Arc::new(EmbeddedEngine), &policy, &args).await,
        EngineChoice::Lambda => {
            let mut engine = LambdaEngine::connect(&args.lambda)
                .await
                .map_err(|e| CliError::Engine(e.code, e.message))?;
            if let Some(profile) = profile {
                engine = engine.with_profile(profile);
            }
            execute(Arc::new(engine), &policy, &args).await
        }
    }
}

fn is_request_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

async fn execute<E: Engine>(
    engine: Arc<E>,
    policy: &Policy,
    args: &DiagnoseArgs,
) -> Result<ExitCode, CliError> {
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if crate::interrupt::next().await.is_ok() {
            eprintln!(
                "Cancelling: waiting for the calls in flight to finish and be stored \
                 (interrupt again to quit at once; the run stays resumable)."
            );
            on_signal.cancel();
            if crate::interrupt::next().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let engine_label = match (engine.name(), engine.profile()) {
        ("lambda", Some(profile)) => format!(
            "on AWS Lambda ({}, read through profile {})",
            args.lambda.function, profile.name
        ),
        ("lambda", None) => format!("on AWS Lambda ({})", args.lambda.function),
        _ => format!("on the embedded engine ({ENGINE_NAME} {ENGINE_VERSION})"),
    };
    let (tx, rx) = mpsc::channel(256);
    let bar = progress_bar(args.json, rx);
    // What the summary needs of each transformer, not its whole diagnosis: a fleet of
    // 10,000 would otherwise hold some 200 MB until the end.
    let mut rows: Vec<Kept> = Vec::new();
    let json = args.json;
    let explain = args.explain;
    let mut emit = |row: Row<'_>| {
        if json {
            print_json_line(&row);
        }
        rows.push(Kept::from_row(row, explain));
    };

    let mut run_id = None;
    let (ending, resume_hint) = match &args.file {
        Some(file) if is_request_file(file) => {
            let ending = requests_file(file, engine, policy, &mut emit, tx, cancel).await?;
            (ending, None)
        }
        _ => {
            if args.file.is_none() && !args.db.exists() {
                return Err(CliError::Usage(format!(
                    "there is no database at {}: import a workbook first \
                     (`substation import FILE` or `substation diagnose FILE`)",
                    args.db.display()
                )));
            }
            let store = Store::open(&args.db)?;
            let scope = match (&args.file, args.batch) {
                (Some(file), _) => Scope::Batch(import_workbook(&store, file, json)?),
                (None, Some(batch)) => Scope::Batch(batch),
                (None, None) => Scope::All,
            };
            let resume = match args.resume {
                None => None,
                Some(Some(id)) => Some(id),
                Some(None) => Some(latest_unfinished(&store)?),
            };
            let job = FleetRun {
                scope,
                resume,
                reuse: args.reuse,
                function_name: (engine.name() == "lambda").then(|| args.lambda.function.clone()),
            };
            let reader = store.reader()?;
            let names: HashMap<String, String> = reader
                .assets()?
                .into_iter()
                .map(|a| (a.id, a.name.unwrap_or_default()))
                .collect();
            let summary = diagnose_fleet(
                &store,
                engine,
                policy,
                &job,
                |outcome| emit(row(outcome, &names)),
                Some(tx),
                cancel,
            )
            .await
            .map_err(|e| CliError::Fleet(e.code(), e.to_string()))?;
            run_id = Some(summary.run_id);
            let hint = (summary.not_run > 0).then_some((summary.run_id, summary.not_run));
            (summary.ending, hint)
        }
    };
    if let Some(bar) = bar {
        let _ = bar.await;
    }

    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    if !args.json {
        // Worst first; a failed transformer with the worst, since nobody knows its state.
        rows.sort_by_key(|r| match &r.result {
            Ok(d) => (std::cmp::Reverse(d.severity), std::cmp::Reverse(d.ieee)),
            Err(_) => (
                std::cmp::Reverse(Severity::Critical),
                std::cmp::Reverse(Some(3)),
            ),
        });
        let shown = if args.file.as_deref().is_some_and(is_request_file) {
            rows.len()
        } else {
            SHOWN_ROWS
        };
        print_table(&rows[..rows.len().min(shown)], args.explain);
        if rows.len() > shown {
            println!(
                "… and {} more: `substation review` lists them all",
                rows.len() - shown
            );
        }
        println!();
        print_counts(&rows);
        println!(
            "{} transformer(s) diagnosed, {failed} failed, {engine_label}.",
            rows.len() - failed,
        );
    }
    if ending == Ending::Stopped {
        let first = rows.iter().find_map(|r| r.result.as_ref().err());
        let reason = first.map_or_else(String::new, |e| e.message.clone());
        let cause = first.map_or_else(String::new, |e| e.code.clone());
        let hint = run_id.map_or_else(String::new, |run| {
            format!(
                " Once that is fixed, resume with: {}",
                resume_command(args, run)
            )
        });
        return Err(CliError::Stopped {
            cause,
            message: format!("the run stopped: {reason}.{hint}"),
        });
    }
    if ending == Ending::Cancelled {
        match resume_hint {
            Some((run, left)) => eprintln!(
                "Cancelled: {left} transformer(s) have no result yet. Resume with: {}",
                resume_command(args, run)
            ),
            None => eprintln!("Cancelled."),
        }
        return Ok(ExitCode::from(130));
    }
    if failed > 0
        && let Some(run) = run_id
    {
        eprintln!(
            "To try the failed ones again: {}",
            resume_command(args, run)
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The command that resumes `run` with the same engine settings and database.
fn resume_command(args: &DiagnoseArgs, run: i64) -> String {
    let mut command = format!("substation diagnose --resume {run}");
    if args.engine == EngineChoice::Lambda {
        command.push_str(&format!(
            " --engine lambda --function {}",
            args.lambda.function
        ));
        if let Some(path) = &args.function_profile {
            command.push_str(&format!(" --function-profile {}", path.display()));
        }
        for (flag, value) in [
            ("--region", &args.lambda.region),
            ("--profile", &args.lambda.profile),
            ("--endpoint-url", &args.lambda.endpoint_url),
        ] {
            if let Some(value) = value {
                command.push_str(&format!(" {flag} {value}"));
            }
        }
    }
    if args.db != crate::database_path(None) {
        command.push_str(&format!(" --db {}", args.db.display()));
    }
    command
}

/// A transformer's line in the summary.
struct Kept {
    asset_id: String,
    name: String,
    result: Result<Brief, ErrorBody>,
}

/// The part of an answer the summary table shows.
struct Brief {
    latest: chrono::NaiveDate,
    ieee: Option<u8>,
    iec: Option<String>,
    fault: String,
    severity: Severity,
    resample_within_days: Option<u32>,
    action: String,
    /// Only with `--explain`.
    rules: Vec<String>,
}

impl Kept {
    fn from_row(row: Row<'_>, explain: bool) -> Kept {
        Kept {
            asset_id: row.asset_id.to_owned(),
            name: row.name.to_owned(),
            result: row.result.map(|answer| {
                let s = &answer.summary;
                Brief {
                    latest: s.latest_sample_date,
                    ieee: s.ieee_status,
                    iec: s.iec_state.clone(),
                    fault: s.fault_shown().to_owned(),
                    severity: s.severity,
                    resample_within_days: s.resample_within_days,
                    action: s
                        .action
                        .clone()
                        .or_else(|| s.headline.clone())
                        .unwrap_or_default(),
                    rules: if explain { reasons(answer) } else { Vec::new() },
                }
            }),
        }
    }
}

/// Why, for `--explain`: a contract answer's verdict and rules (the one place the whole
/// diagnosis is parsed), a custom answer's headline.
fn reasons(answer: &Answer) -> Vec<String> {
    match answer.diagnosis() {
        Some(Ok(d)) => d
            .verdict_line()
            .map(|line| format!("verdict: {line}"))
            .into_iter()
            .chain(d.rules.iter().map(|r| r.message.clone()))
            .collect(),
        Some(Err(error)) => vec![format!("the answer cannot be explained: {error}")],
        None => answer.summary.headline.iter().cloned().collect(),
    }
}

/// The per-asset JSON line of `--json`: the summary read from the answer, and the answer
/// itself as it came (`diagnosis` for the built-in contract, `answer` for a team's own
/// function), spliced in without being parsed again.
fn print_json_line(row: &Row<'_>) {
    let raw = |answer: &Answer| {
        std::str::from_utf8(&answer.json)
            .ok()
            .and_then(|text| serde_json::value::RawValue::from_string(text.to_owned()).ok())
    };
    let (outcome, error, summary, diagnosis, answer) = match &row.result {
        Ok(a) if a.is_contract() => ("diagnosed", None, Some(&a.summary), raw(a), None),
        Ok(a) => ("diagnosed", None, Some(&a.summary), None, raw(a)),
        Err(e) => ("failed", Some(e), None, None, None),
    };
    #[derive(serde::Serialize)]
    struct Line<'a> {
        asset_id: &'a str,
        outcome: &'a str,
        error: Option<&'a ErrorBody>,
        #[serde(skip_serializing_if = "Option::is_none")]
        summary: Option<&'a substation_dga::Summary>,
        diagnosis: Option<Box<serde_json::value::RawValue>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        answer: Option<Box<serde_json::value::RawValue>>,
    }
    let line = Line {
        asset_id: row.asset_id,
        outcome,
        error,
        summary,
        diagnosis,
        answer,
    };
    let mut out = std::io::stdout().lock();
    if let Ok(text) = serde_json::to_string(&line) {
        let _ = writeln!(out, "{text}");
    }
}

fn row<'a>(outcome: &'a Outcome, names: &'a HashMap<String, String>) -> Row<'a> {
    Row {
        asset_id: &outcome.asset_id,
        name: names.get(&outcome.asset_id).map_or("", String::as_str),
        result: outcome.result.as_ref().map_err(error_body),
    }
}

fn error_body(error: &EngineError) -> ErrorBody {
    ErrorBody {
        code: error.code.clone(),
        message: error.message.clone(),
    }
}

/// Imports a workbook into the store and returns its batch id.
fn import_workbook(store: &Store, file: &Path, json: bool) -> Result<i64, CliError> {
    let options = substation_import::ImportOptions::new(chrono::Local::now().date_naive());
    let memory_path = crate::data_dir().join("header-mappings.json");
    let memory = substation_import::MappingMemory::load(&memory_path).unwrap_or_default();
    let mut options = options;
    options.remembered = Some(&memory);
    let import = substation_import::import_file(file, &options)?;
    if !import.is_usable() {
        return Err(CliError::Usage(format!(
            "nothing could be imported from {}: `substation import {}` lists the problems",
            file.display(),
            file.display()
        )));
    }
    let summary = import.summary.clone();
    let outcome = store.import(import)?;
    if !json {
        eprintln!(
            "imported {}: {} transformer(s), {} sample(s), {} error(s), {} warning(s)",
            file.display(),
            summary.assets,
            summary.samples,
            summary.errors,
            summary.warnings
        );
    }
    Ok(outcome.batch_id)
}

fn latest_unfinished(store: &Store) -> Result<i64, CliError> {
    store
        .reader()?
        .runs()?
        .into_iter()
        .find(|r| r.state != "finished" || r.failed > 0)
        .map(|r| r.id)
        .ok_or_else(|| CliError::Usage("there is no unfinished run to resume".to_owned()))
}

/// A JSON file of requests: diagnosed, not stored.
async fn requests_file<E: Engine>(
    path: &Path,
    engine: Arc<E>,
    policy: &Policy,
    emit: &mut impl FnMut(Row<'_>),
    progress: mpsc::Sender<Progress>,
    cancel: CancellationToken,
) -> Result<Ending, CliError> {
    let mut requests = Vec::new();
    let mut names = HashMap::new();
    for (index, value) in load(path)?.into_iter().enumerate() {
        let id = value
            .pointer("/asset/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("request #{}", index + 1));
        let name = value
            .pointer("/asset/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match serde_json::from_value::<DiagnosisRequest>(value) {
            Ok(request) => requests.push((id.clone(), request)),
            Err(error) => emit(Row {
                result: Err(ErrorBody {
                    code: "malformed_request".into(),
                    message: format!("{id}: {error}"),
                }),
                asset_id: &id,
                name: &name,
            }),
        }
        names.insert(id, name);
    }
    let ending = substation_dispatch::run(
        engine,
        requests,
        policy,
        |outcome| emit(row(&outcome, &names)),
        Some(progress),
        cancel,
    )
    .await;
    Ok(ending)
}

fn load(path: &Path) -> Result<Vec<Value>, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|source| CliError::NotJson {
        path: path.to_owned(),
        source,
    })?;
    match value {
        Value::Array(items) => Ok(items),
        Value::Object(_) => Ok(vec![value]),
        _ => Err(CliError::NotRequests {
            path: path.to_owned(),
        }),
    }
}

/// A progress bar on standard error, fed by the dispatcher's snapshots; nothing when the
/// output is JSON or standard error is not a terminal.
fn progress_bar(
    json: bool,
    mut rx: mpsc::Receiver<Progress>,
) -> Option<tokio::task::JoinHandle<()>> {
    let visible = !json && std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(
        Some(0),
        if visible {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:32}] {pos}/{len} {msg} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Some(tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            bar.set_length(p.total);
            bar.set_position(p.done + p.failed);
            let mut message = format!("· {} in flight · {:.1}/s", p.in_flight, p.per_second);
            if p.failed > 0 {
                message.push_str(&format!(" · {} failed", p.failed));
            }
            if p.throttled > 0 {
                message.push_str(&format!(" · {} throttled (limit {})", p.throttled, p.limit));
            }
            bar.set_message(message);
        }
        bar.finish_and_clear();
    }))
}

fn print_counts(rows: &[Kept]) {
    let mut by_severity: [usize; 4] = [0; 4];
    for row in rows {
        if let Ok(d) = &row.result {
            let index = match d.severity {
                Severity::Normal => 0,
                Severity::Caution => 1,
                Severity::Warning => 2,
                Severity::Critical => 3,
            };
            by_severity[index] += 1;
        }
    }
    println!(
        "critical {} · warning {} · caution {} · normal {}",
        by_severity[3], by_severity[2], by_severity[1], by_severity[0]
    );
}

fn print_table(rows: &[Kept], explain: bool) {
    let header = [
        "ASSET",
        "NAME",
        "LATEST",
        "IEEE",
        "IEC",
        "FAULT",
        "SEVERITY",
        "NEXT SAMPLE",
        "ACTION",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|o| match &o.result {
            Ok(d) => vec![
                o.asset_id.clone(),
                o.name.clone(),
                d.latest.to_string(),
                d.ieee.map_or_else(|| "-".to_owned(), |n| n.to_string()),
                d.iec.clone().unwrap_or_else(|| "-".to_owned()),
                d.fault.clone(),
                d.severity.label().to_owned(),
                d.resample_within_days
                    .map_or_else(|| "-".to_owned(), |days| format!("{days} d")),
                d.action.clone(),
            ],
            Err(e) => vec![
                o.asset_id.clone(),
                o.name.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "error".into(),
                "-".into(),
                format!("{} ({})", e.message, e.code),
            ],
        })
        .collect();
    let mut lines = crate::table::render(&header, &cells).into_iter();
    if let Some(header) = lines.next() {
        println!("{header}");
    }
    for (line, row) in lines.zip(rows) {
        println!("{line}");
        if explain && let Ok(d) = &row.result {
            for rule in &d.rules {
                println!("    - {rule}");
            }
        }
    }
}
