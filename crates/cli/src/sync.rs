//! `substation sync`: upload the outbox to the central service and pull what other laptops
//! uploaded; `login`/`logout` keep the token in the OS credential store; `status` tells where
//! sync stands, offline.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use substation_store::{Store, SyncStatus};
use substation_sync::{
    Phase, ServerConfig, SyncClient, SyncError, SyncOptions, SyncProgress, SyncReport, credentials,
};

use crate::error::CliError;

/// The server URL when `--server` is not given.
pub const SERVER_ENV: &str = "SUBSTATION_SYNC_SERVER";

/// Exit code when the service could not be reached or kept failing: try again later.
const EXIT_UNREACHABLE: u8 = 3;

pub struct SyncArgs {
    pub server: Option<String>,
    pub db: PathBuf,
    pub json: bool,
    pub timeout: Option<f64>,
    pub attempts: Option<u32>,
}

/// `--server`, else `SUBSTATION_SYNC_SERVER`.
pub fn server_url(server: Option<&str>) -> Result<String, CliError> {
    server
        .map(str::to_owned)
        .or_else(|| std::env::var(SERVER_ENV).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "which server? Give --server URL (or set {SERVER_ENV})"
            ))
        })
}

fn open_existing(db: &Path) -> Result<Store, CliError> {
    if !db.exists() {
        return Err(CliError::Usage(format!(
            "there is no database at {}: nothing was imported or synced yet (`substation sync` \
             creates it and brings in the fleet's diagnoses)",
            db.display()
        )));
    }
    Ok(Store::open(db)?)
}

pub fn run(args: &SyncArgs) -> Result<ExitCode, CliError> {
    let server = server_url(args.server.as_deref())?;
    let timeout = match args.timeout {
        None => Duration::from_secs(120),
        Some(s) if s > 0.0 && s <= 3_600.0 => Duration::from_secs_f64(s),
        Some(_) => {
            return Err(CliError::Usage(
                "--timeout must be between 0 and 3600 seconds".into(),
            ));
        }
    };
    // The URL is checked before the credential store is asked for anything.
    substation_sync::check_url(&server)?;
    let token = credentials::load_token(&server)?;
    let client = SyncClient::new(ServerConfig {
        url: server.clone(),
        token,
        timeout,
    })?;
    // A laptop that never imported anything joins the fleet here: the database is created
    // and the pull brings in every other laptop's transformers, samples and diagnoses.
    let store = Store::open(&args.db)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?;
    let mut options = SyncOptions::default();
    // gzip pays on a real link; to this computer it only costs CPU (docs/benchmarks.md).
    if client.is_local() {
        options.limits.gzip_level = None;
    }
    if let Some(attempts) = args.attempts {
        options.retry.max_attempts = attempts;
    }
    let cancel = options.cancel.clone();
    let result = runtime.block_on(async {
        tokio::spawn(async move {
            if crate::interrupt::next().await.is_ok() {
                eprintln!("Cancelling: what was sent stays stored and is resent by the next sync.");
                cancel.cancel();
            }
        });
        let mut bar = Bar::new(args.json);
        let result = client.sync(&store, &options, |p| bar.show(p)).await;
        bar.finish();
        result
    });
    match result {
        Ok(report) => {
            let status = store.reader()?.sync_status()?;
            print_report(&server, &report, &status, args.json);
            Ok(if report.rejected > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(SyncError::Cancelled) => {
            crate::report(&CliError::Sync(SyncError::Cancelled), args.json);
            Ok(ExitCode::from(130))
        }
        Err(error) if !error.needs_the_user() && !matches!(error, SyncError::Store(_)) => {
            crate::report(&CliError::Sync(error), args.json);
            Ok(ExitCode::from(EXIT_UNREACHABLE))
        }
        Err(error) => Err(error.into()),
    }
}

fn print_report(server: &str, report: &SyncReport, status: &SyncStatus, json: bool) {
    if json {
        let mut value = serde_json::to_value(report).unwrap_or_default();
        value["server"] = server.into();
        if report.rejected > 0 {
            value["rejected_items"] = serde_json::to_value(&status.rejected).unwrap_or_default();
        }
        println!("{value}");
        return;
    }
    let mut line = format!(
        "Synced with {server}: {} item(s) sent in {} batch(es)",
        report.sent, report.batches
    );
    if report.sent > 0 {
        line.push_str(&format!(
            " ({} applied, {} already there, {} rejected)",
            report.applied, report.duplicate, report.rejected
        ));
    }
    if report.retries > 0 {
        line.push_str(&format!(", {} retried attempt(s)", report.retries));
    }
    line.push_str(&format!(
        "; {} change(s) pulled from other laptops.",
        report.pulled
    ));
    println!("{line}");
    if report.skipped > 0 {
        println!(
            "{} pulled change(s) failed the protocol's checks and were left out (the service's \
             administrator should look at them).",
            report.skipped
        );
    }
    if report.rejected > 0 {
        println!("Rejected by the service (not sent again):");
        for item in &status.rejected {
            println!("  {} {}: {}", item.entity, item.entity_key, item.reason);
        }
    }
}

/// A progress bar on standard error while pushing, a spinner while pulling; nothing when the
/// output is JSON or standard error is not a terminal.
struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    fn new(json: bool) -> Bar {
        let visible = !json && std::io::stderr().is_terminal();
        Bar {
            bar: visible.then(|| {
                let bar =
                    ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{elapsed_precise} [{bar:32}] {pos}/{len} {msg} · ETA {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar
            }),
        }
    }

    fn show(&mut self, p: &SyncProgress) {
        let Some(bar) = &self.bar else {
            return;
        };
        match p.phase {
            Phase::Push => {
                bar.set_length(p.pending_at_start);
                bar.set_position(p.pending_at_start.saturating_sub(p.pending));
                let mut message = format!("· {} batch(es)", p.report.batches);
                if p.report.retries > 0 {
                    message.push_str(&format!(" · {} retried", p.report.retries));
                }
                if let Some(wait) = p.waiting {
                    message.push_str(&format!(" · next attempt in {:.1} s", wait.as_secs_f64()));
                }
                bar.set_message(message);
            }
            Phase::Pull => {
                bar.set_style(
                    ProgressStyle::with_template("{elapsed_precise} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(format!(
                    "pulling: {} change(s) from other laptops",
                    p.report.pulled
                ));
            }
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// `substation sync login`: the token from standard input into the OS credential store.
pub fn login(server: Option<&str>, json: bool) -> Result<ExitCode, CliError> {
    let server = server_url(server)?;
    substation_sync::check_url(&server)?;
    let stdin = std::io::stdin();
    let token = if stdin.is_terminal() {
        // Typed or pasted at a terminal: not echoed, so it stays off the screen and out of
        // screen recordings.
        eprint!("Token for {server} (not shown as you paste or type it; then Enter): ");
        let _ = std::io::stderr().flush();
        console::Term::stderr()
            .read_secure_line()
            .map_err(|e| CliError::Usage(format!("cannot read the token: {e}")))?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(|e| {
            CliError::Usage(format!("cannot read the token from standard input: {e}"))
        })?;
        line
    };
    credentials::store_token(&server, token.trim())?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "server": credentials::account(&server), "stored": true })
        );
    } else {
        println!(
            "The token for {} is in the OS credential store.",
            credentials::account(&server)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `substation sync logout`: removes the token from the OS credential store.
pub fn logout(server: Option<&str>, json: bool) -> Result<ExitCode, CliError> {
    let server = server_url(server)?;
    let removed = credentials::delete_token(&server)?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "server": credentials::account(&server), "removed": removed })
        );
    } else if removed {
        println!(
            "The token for {} was removed.",
            credentials::account(&server)
        );
    } else {
        println!("There was no token for {}.", credentials::account(&server));
    }
    Ok(ExitCode::SUCCESS)
}

/// `substation sync rejected`: what the service refused, with ids and reasons; offline.
pub fn rejected(db: &Path, json: bool) -> Result<ExitCode, CliError> {
    let store = open_existing(db)?;
    let status = store.reader()?.sync_status()?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "count": status.rejected_count, "items": status.rejected })
        );
        return Ok(ExitCode::SUCCESS);
    }
    if status.rejected_count == 0 {
        println!("Nothing was rejected.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} item(s) rejected by the service:", status.rejected_count);
    for item in &status.rejected {
        println!(
            "  {:>6}  {} {}: {}",
            item.id, item.entity, item.entity_key, item.reason
        );
    }
    if status.rejected_count > status.rejected.len() as u64 {
        println!("  … the first {} shown", status.rejected.len());
    }
    println!("Once the reason is dealt with: `substation sync retry-rejected ID…` or `--all`.");
    Ok(ExitCode::SUCCESS)
}

/// `substation sync retry-rejected`: rejected items back in the queue; the next sync sends them.
pub fn retry_rejected(db: &Path, ids: Option<Vec<i64>>, json: bool) -> Result<ExitCode, CliError> {
    let store = open_existing(db)?;
    let queued = store.requeue_rejected(ids)?;
    if json {
        println!("{}", serde_json::json!({ "queued": queued }));
    } else {
        println!("{queued} item(s) queued again; `substation sync` sends them.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `substation sync status`: from the database alone, offline.
pub fn status(db: &Path, json: bool) -> Result<ExitCode, CliError> {
    let store = open_existing(db)?;
    let status = store.reader()?.sync_status()?;
    if json {
        println!("{}", serde_json::to_value(&status).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "waiting: {} · in an unanswered batch: {} · delivered: {} · rejected: {}",
        status.pending, status.open_batches, status.acked, status.rejected_count
    );
    println!(
        "last sync: {}",
        status.last_success_at.as_deref().unwrap_or("never")
    );
    if let Some(error) = &status.last_error {
        println!(
            "last error ({}): {error}",
            status.last_error_at.as_deref().unwrap_or("?")
        );
    }
    if status.dead > 0 {
        println!("unreadable, not sent: {}", status.dead);
    }
    for item in &status.rejected {
        println!(
            "  rejected {} {}: {}",
            item.entity, item.entity_key, item.reason
        );
    }
    if status.rejected_count > status.rejected.len() as u64 {
        println!(
            "  … and {} more",
            status.rejected_count - status.rejected.len() as u64
        );
    }
    Ok(ExitCode::SUCCESS)
}
