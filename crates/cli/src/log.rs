//! `substation log`: a transformer's logbook — a sample typed in by hand, the oil processed, an
//! inspection, a repair, a resample requested, a note — written through the store (and its
//! outbox, so it syncs), and listed. A sample or an oil treatment changes what the next
//! diagnosis sees, so the transformer is diagnosed again at once on the embedded engine.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::NaiveDate;
use substation_dga::{Gas, LogEntry, LogEvent, OilTreatment, SampleSource};
use substation_dispatch::{EmbeddedEngine, FleetRun, Policy, Scope, diagnose_fleet};
use substation_store::{LogRecord, Store};
use tokio_util::sync::CancellationToken;

use crate::error::CliError;

/// What an entry records, as `--kind` names it.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Sample,
    OilProcessed,
    Inspection,
    Repair,
    ResampleRequested,
    Note,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TreatmentArg {
    Degassed,
    Filtered,
    Replaced,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SourceArg {
    Lab,
    Portable,
}

/// The gas readings of `--kind sample`, as typed ("12", "<5", "ND", "0.2 %").
#[derive(clap::Args, Default)]
pub struct GasArgs {
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub h2: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub ch4: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub c2h6: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub c2h4: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub c2h2: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub co: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub co2: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub o2: Option<String>,
    #[arg(long, value_name = "PPM", allow_hyphen_values = true)]
    pub n2: Option<String>,
}

impl GasArgs {
    fn given(&self) -> Vec<(Gas, &str)> {
        [
            (Gas::H2, &self.h2),
            (Gas::CH4, &self.ch4),
            (Gas::C2H6, &self.c2h6),
            (Gas::C2H4, &self.c2h4),
            (Gas::C2H2, &self.c2h2),
            (Gas::CO, &self.co),
            (Gas::CO2, &self.co2),
            (Gas::O2, &self.o2),
            (Gas::N2, &self.n2),
        ]
        .into_iter()
        .filter_map(|(gas, text)| text.as_deref().map(|t| (gas, t)))
        .collect()
    }
}

pub struct AddArgs<'a> {
    pub db: &'a Path,
    pub json: bool,
    pub asset: &'a str,
    pub date: &'a str,
    pub kind: KindArg,
    pub treatment: Option<TreatmentArg>,
    pub source: SourceArg,
    pub gases: &'a GasArgs,
    pub text: Option<&'a str>,
    pub author: Option<&'a str>,
    pub no_diagnose: bool,
}

/// `--author`, else the account's user name.
fn author(given: Option<&str>) -> Result<String, CliError> {
    given
        .map(str::to_owned)
        .or_else(|| {
            ["SUBSTATION_AUTHOR", "USERNAME", "USER"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        })
        .ok_or_else(|| CliError::Usage("who wrote this entry? pass --author NAME".into()))
}

fn event(args: &AddArgs<'_>) -> Result<LogEvent, CliError> {
    let gases = args.gases.given();
    if args.kind != KindArg::Sample && !gases.is_empty() {
        return Err(CliError::Usage(
            "gas readings (--h2, --co, …) belong to --kind sample".into(),
        ));
    }
    if args.kind != KindArg::OilProcessed && args.treatment.is_some() {
        return Err(CliError::Usage(
            "--treatment belongs to --kind oil-processed".into(),
        ));
    }
    Ok(match args.kind {
        KindArg::Sample => {
            if gases.is_empty() {
                return Err(CliError::Usage(
                    "a sample needs its readings: --h2 12 --ch4 3 --c2h2 \"<0.5\" … (ppm; \
                     \"<5\" or ND below the detection limit)"
                        .into(),
                ));
            }
            let readings = substation_import::typed::typed_gases(gases)
                .map_err(|problem| CliError::Usage(problem.message_en()))?;
            LogEvent::Sample {
                source: match args.source {
                    SourceArg::Lab => SampleSource::Lab,
                    SourceArg::Portable => SampleSource::Portable,
                },
                gases: readings,
            }
        }
        KindArg::OilProcessed => LogEvent::OilProcessed {
            treatment: match args.treatment {
                Some(TreatmentArg::Degassed) => OilTreatment::Degassed,
                Some(TreatmentArg::Filtered) => OilTreatment::Filtered,
                Some(TreatmentArg::Replaced) => OilTreatment::Replaced,
                None => {
                    return Err(CliError::Usage(
                        "which treatment? --treatment degassed, filtered or replaced".into(),
                    ));
                }
            },
        },
        KindArg::Inspection => LogEvent::Inspection {},
        KindArg::Repair => LogEvent::Repair {},
        KindArg::ResampleRequested => LogEvent::ResampleRequested {},
        KindArg::Note => LogEvent::Note {},
    })
}

pub fn add(args: &AddArgs<'_>) -> Result<ExitCode, CliError> {
    let occurred_on = args.date.parse::<NaiveDate>().map_err(|_| {
        CliError::Usage(format!(
            "--date {:?} is not a date; write it as YYYY-MM-DD",
            args.date
        ))
    })?;
    let entry = LogEntry {
        asset_id: args.asset.to_owned(),
        occurred_on,
        author: author(args.author)?,
        text: args.text.unwrap_or_default().to_owned(),
        event: event(args)?,
    };
    let store = crate::open_existing(args.db)?;
    let record = store.add_log_entry(entry)?;
    let changes_history = matches!(
        record.entry.event,
        LogEvent::Sample { .. } | LogEvent::OilProcessed { .. }
    );
    // The entry is stored: a diagnosis that cannot be made is reported with it, not as the
    // command's failure (running the command again would write the entry twice).
    let diagnosis = if changes_history && !args.no_diagnose {
        Some(diagnose_one(&store, args.asset).unwrap_or_else(|error| {
            Err(serde_json::json!({
                "code": error.code(),
                "message": error.to_string(),
            }))
        }))
    } else {
        None
    };
    if args.json {
        // `diagnosis`: null when not diagnosed again, else `{"verdict": …}` or `{"error":
        // {code, message}}`.
        let diagnosis = diagnosis.as_ref().map(|result| match result {
            Ok(verdict) => serde_json::json!({ "verdict": verdict }),
            Err(error) => serde_json::json!({ "error": error }),
        });
        let body = serde_json::json!({ "entry": record, "diagnosis": diagnosis });
        println!("{body}");
    } else {
        println!("added to the logbook of {}: {}", args.asset, line(&record));
        match &diagnosis {
            Some(Ok(verdict)) => println!("diagnosed again (embedded engine): {verdict}"),
            Some(Err(body)) => {
                let code = body["code"].as_str().unwrap_or_default();
                println!(
                    "not diagnosed: {} ({code})",
                    body["message"].as_str().unwrap_or_default()
                );
                if code == "no_sample_since_oil_processed" {
                    println!(
                        "hint: add the first sample drawn since with `substation log add \
                         --kind sample --asset {} --date … --h2 …`",
                        args.asset
                    );
                }
            }
            None => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Diagnoses one transformer on the embedded engine and stores the result (a run of one):
/// its verdict in a line, or the engine's `{code, message}` (no sample since an oil treatment).
fn diagnose_one(store: &Store, asset: &str) -> Result<Result<String, serde_json::Value>, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?;
    let job = FleetRun {
        scope: Scope::Asset(asset.to_owned()),
        resume: None,
        reuse: false,
        function_name: None,
    };
    let mut result = None;
    runtime
        .block_on(diagnose_fleet(
            store,
            Arc::new(EmbeddedEngine),
            &Policy::embedded(),
            &job,
            |outcome| {
                result = Some(match &outcome.result {
                    Ok(answer) => {
                        let s = &answer.summary;
                        Ok(format!(
                            "{}, {}{}",
                            s.severity.label(),
                            s.fault.map_or("no fault type", |f| f.label()),
                            s.ieee_status
                                .map_or(String::new(), |n| format!(", IEEE Status {n}"))
                        ))
                    }
                    Err(error) => Err(serde_json::json!({
                        "code": error.code,
                        "message": error.message,
                    })),
                });
            },
            None,
            CancellationToken::new(),
        ))
        .map_err(|e| CliError::Fleet(e.code(), e.to_string()))?;
    result.ok_or_else(|| CliError::Fleet("internal", "the transformer was not diagnosed".into()))
}

/// One entry in a line: date, kind, what it says, who.
pub(crate) fn line(record: &LogRecord) -> String {
    let e = &record.entry;
    let what = match &e.event {
        LogEvent::Sample { source, gases } => {
            let readings: Vec<String> = Gas::ALL
                .iter()
                .filter(|gas| !gases.get(**gas).is_not_measured())
                .map(|gas| format!("{gas} {}", gases.get(*gas)))
                .collect();
            format!("sample ({}) {}", source.label(), readings.join(", "))
        }
        LogEvent::OilProcessed { treatment } => format!("oil {}", treatment.label()),
        other => other.kind().replace('_', " "),
    };
    let text = if e.text.is_empty() {
        String::new()
    } else {
        format!(": {}", e.text.replace('\n', " / "))
    };
    let from = record
        .origin
        .as_deref()
        .map_or(String::new(), |o| format!(" (from {o})"));
    format!("{}  {what}{text}  — {}{from}", e.occurred_on, e.author)
}

pub fn list(db: &Path, asset: &str, json: bool) -> Result<ExitCode, CliError> {
    let store = crate::open_existing(db)?;
    let reader = store.reader()?;
    if reader.asset(asset)?.is_none() {
        return Err(substation_store::StoreError::NoSuchAsset(asset.to_owned()).into());
    }
    let entries = reader.log_entries(asset)?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "asset": asset, "entries": entries })
        );
    } else if entries.is_empty() {
        println!("{asset}: the logbook is empty");
    } else {
        println!(
            "{asset}: {} entr{}",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" }
        );
        for record in &entries {
            println!("  {}", line(record));
        }
    }
    Ok(ExitCode::SUCCESS)
}
