//! `substation`: the Substation Bulk command line.

mod diagnose;
mod error;
mod import;
mod interrupt;
mod log;
mod profile;
mod report;
mod review;
mod sync;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

// mimalloc: less CPU per Lambda call than the system allocator (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "substation",
    version,
    about = "Dissolved-gas diagnosis of transformer fleets"
)]
struct Cli {
    /// Print machine-readable JSON; errors become {"error": {"code", "message"}}.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Diagnose a fleet, concurrently, on the embedded engine or AWS Lambda. Given a workbook,
    /// it is imported first; given a JSON file of diagnosis requests (docs/contract/), those
    /// are diagnosed and nothing is stored; given neither, the transformers in the local
    /// database are. Results are stored as they land. Exit 0: all diagnosed; 1: some failed;
    /// 2: unusable input; 130: cancelled (Ctrl-C), resumable with --resume.
    Diagnose {
        /// A workbook (xlsx, xls, xlsb, ods, csv) or a request file (.json).
        file: Option<PathBuf>,
        /// Only the transformers of this import batch.
        #[arg(long, conflicts_with = "file")]
        batch: Option<i64>,
        /// Continue a run (the latest unfinished one, or RUN) with only the transformers
        /// that have no result: after a crash, Ctrl-C, or to retry failures.
        #[arg(long, value_name = "RUN", num_args = 0..=1, conflicts_with_all = ["file", "batch"])]
        resume: Option<Option<i64>>,
        /// Reuse a stored diagnosis of an identical request by the same engine version.
        #[arg(long)]
        reuse: bool,
        /// Where diagnoses run.
        #[arg(long, value_enum, default_value = "embedded")]
        engine: diagnose::EngineChoice,
        #[command(flatten)]
        lambda: LambdaArgs,
        /// Call a team's own function through this profile (a TOML file, see
        /// docs/byo-function.md): its request and answer shapes, its defaults. Implies
        /// --engine lambda.
        #[arg(long, value_name = "FILE")]
        function_profile: Option<PathBuf>,
        /// Most diagnoses in flight at once (default: 64 on Lambda, one per core embedded).
        #[arg(long, value_name = "N")]
        concurrency: Option<usize>,
        /// Seconds one Lambda call may take before it is retried once (default 60).
        #[arg(long, value_name = "S")]
        timeout: Option<f64>,
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Show the rules that fired for each transformer.
        #[arg(long)]
        explain: bool,
    },
    /// Read a laboratory workbook (xlsx, xlsm, xlsb, xls, ods, csv), check it row by row and
    /// print what it holds and every issue, with sheet, row and column.
    Import {
        /// The workbook.
        file: PathBuf,
        /// A JSON file mapping headers the importer does not recognise to fields.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// CSV text encoding, when detection guesses wrong.
        #[arg(long, value_enum)]
        encoding: Option<EncodingArg>,
        /// Read dates like 05/10/2023 as day/month/year.
        #[arg(long, conflicts_with = "month_first")]
        day_first: bool,
        /// Read dates like 05/10/2023 as month/day/year.
        #[arg(long)]
        month_first: bool,
        /// Refuse files larger than this many megabytes (default 200).
        #[arg(long, value_name = "MB")]
        max_size: Option<u64>,
        /// What a blank gas cell means: not-detected (zero) or not-measured (no part). Remembered
        /// for workbooks with the same header row; default: the remembered choice, else
        /// not-measured.
        #[arg(long, value_enum, value_name = "READING")]
        blank_gas: Option<BlankGasArg>,
        /// Store what was imported in this database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Only check the workbook; store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Function profiles: how to call a team's own diagnosis function (docs/byo-function.md).
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// List the diagnoses stored in the local database, worst first; works offline.
    Review {
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Only this IEEE C57.104-2019 status (1, 2 or 3).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        status: Option<u8>,
        /// Only this fault (PD, D1, D2, T1, T2, T3, DT, S, none, undetermined).
        #[arg(long)]
        fault: Option<String>,
        /// Only this substation.
        #[arg(long)]
        substation: Option<String>,
        /// One transformer: its samples and diagnosis history (or a search by id or name).
        #[arg(long)]
        asset: Option<String>,
        /// Rows per page and which page (from 1).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 1)]
        page: u32,
    },
    /// Upload what this laptop imported and diagnosed to the central service, then pull what
    /// other laptops uploaded into the local cache. Safe to interrupt and to run again: what
    /// was not answered is resent, and the service stores each item once. The token comes
    /// from the OS credential store (`substation sync login`) or SUBSTATION_SYNC_TOKEN; https
    /// is required except to this computer. Exit 0: everything delivered; 1: the service
    /// rejected some items (`substation sync status` says why); 2: unusable input or token;
    /// 3: the service could not be reached or kept failing (try again later); 130: cancelled.
    #[command(args_conflicts_with_subcommands = true)]
    Sync {
        #[command(subcommand)]
        action: Option<SyncAction>,
        /// The central service, e.g. https://sync.example.org (default: SUBSTATION_SYNC_SERVER).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Seconds one request may take before it is retried (default 120).
        #[arg(long, value_name = "S")]
        timeout: Option<f64>,
        /// Attempts per request before this sync gives up, exit 3 (default 8).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
        attempts: Option<u32>,
    },
    /// Write a PDF report from the local database: one transformer (--asset), or a fleet
    /// selection (worst first, then a page per unit at caution or worse). Works offline.
    #[command(group(
        clap::ArgGroup::new("selection")
            .required(true)
            .multiple(true)
            .args(["asset", "status", "all", "substation", "fault"])
    ))]
    Report {
        /// One transformer's report.
        #[arg(long, conflicts_with_all = ["status", "all", "substation", "fault"])]
        asset: Option<String>,
        /// The fleet report of the transformers at this IEEE C57.104-2019 status (1, 2 or 3).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        status: Option<u8>,
        /// The fleet report of every transformer in the database.
        #[arg(long, conflicts_with_all = ["status", "substation", "fault"])]
        all: bool,
        /// Only this substation (fleet report).
        #[arg(long)]
        substation: Option<String>,
        /// Only this fault (fleet report).
        #[arg(long)]
        fault: Option<String>,
        /// Where to write the PDF.
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// en or ko (default: the environment's language, else English).
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// A transformer's logbook: add an entry (a sample typed in by hand, the oil processed,
    /// an inspection, a repair, a resample requested, a note) or list them. Entries sync like
    /// everything else.
    Log {
        #[command(subcommand)]
        action: LogAction,
    },
    /// Write a blank, documented workbook to fill in and import.
    Template {
        /// Where to write it, e.g. dga-template.xlsx.
        out: PathBuf,
    },
}

/// Where a Lambda function is and who calls it; each defaults to a function profile's setting
/// when one is given.
#[derive(clap::Args)]
struct LambdaArgs {
    /// Lambda function name, ARN or name:alias (default: the function profile's, else
    /// substation-diagnose).
    #[arg(long)]
    function: Option<String>,
    /// AWS region (default: the function profile's, the AWS profile's or AWS_REGION).
    #[arg(long)]
    region: Option<String>,
    /// AWS profile from ~/.aws/config, SSO profiles included (default: the function
    /// profile's, else AWS_PROFILE or the default profile).
    #[arg(long)]
    profile: Option<String>,
    /// Another Lambda endpoint, e.g. a local emulator.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
}

impl LambdaArgs {
    /// The settings as given; an empty function name is filled in later (profile, default).
    fn settings(&self) -> substation_dispatch::LambdaSettings {
        substation_dispatch::LambdaSettings {
            function: self.function.clone().unwrap_or_default(),
            region: self.region.clone(),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }
}

#[derive(Subcommand)]
enum ProfileAction {
    /// Check a function profile: load it, build the request for one transformer, call the
    /// function once and read its answer, printing each step, or exactly which one failed.
    Check {
        /// The profile (TOML).
        file: PathBuf,
        /// The transformer to try it on (default: the first in the database).
        #[arg(long)]
        asset: Option<String>,
        /// Only load the profile and build the request; do not call the function.
        #[arg(long)]
        offline: bool,
        #[command(flatten)]
        lambda: LambdaArgs,
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum LogAction {
    /// Add an entry. A sample or an oil treatment changes what the next diagnosis sees (after
    /// oil processing, only the samples drawn since count), so the transformer is diagnosed
    /// again at once on the embedded engine and the result stored (--no-diagnose skips it).
    Add {
        /// The transformer.
        #[arg(long)]
        asset: String,
        /// The day it happened (a sample: the day the oil was drawn), YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// What it records.
        #[arg(long, value_enum)]
        kind: log::KindArg,
        /// For --kind oil-processed: what was done to the oil.
        #[arg(long, value_enum)]
        treatment: Option<log::TreatmentArg>,
        /// For --kind sample: where it was analysed.
        #[arg(long, value_enum, default_value = "lab")]
        source: log::SourceArg,
        /// For --kind sample, each gas in ppm as the lab or the analyser gives it: 12, 0.2 %,
        /// "<5" (below its detection limit of 5), ND; a gas left out was not measured.
        #[command(flatten)]
        gases: Box<log::GasArgs>,
        /// What happened, what was found, what was done (required for an inspection, a
        /// repair and a note).
        #[arg(long)]
        text: Option<String>,
        /// Who writes it (default: SUBSTATION_AUTHOR, else the account's user name).
        #[arg(long)]
        author: Option<String>,
        /// Do not diagnose the transformer again.
        #[arg(long)]
        no_diagnose: bool,
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// List a transformer's entries, newest first; works offline.
    List {
        /// The transformer.
        #[arg(long)]
        asset: String,
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SyncAction {
    /// Store the sync token for a server in the OS credential store (read from standard input).
    Login {
        /// The central service (default: SUBSTATION_SYNC_SERVER).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
    /// Remove the sync token for a server from the OS credential store.
    Logout {
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
    /// What waits to be sent, what was rejected and why, the last sync; works offline.
    Status {
        /// The database (default: the per-user app-data directory).
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// The items the service rejected, each with its id and the service's reason; offline.
    Rejected {
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Queue rejected items again (after the reason is dealt with): these ids, or --all.
    RetryRejected {
        /// Ids as `sync rejected` lists them.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<i64>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BlankGasArg {
    NotDetected,
    NotMeasured,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum EncodingArg {
    Utf8,
    Utf16,
    Cp949,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Diagnose {
            file,
            batch,
            resume,
            reuse,
            engine,
            lambda,
            function_profile,
            concurrency,
            timeout,
            db,
            explain,
        } => diagnose::run(diagnose::DiagnoseArgs {
            file: file.clone(),
            batch: *batch,
            resume: *resume,
            reuse: *reuse,
            explain: *explain,
            json: cli.json,
            db: database_path(db.as_deref()),
            engine: *engine,
            lambda: lambda.settings(),
            function_profile: function_profile.clone(),
            concurrency: *concurrency,
            timeout: *timeout,
        }),
        Command::Import {
            file,
            mapping,
            encoding,
            day_first,
            month_first,
            max_size,
            blank_gas,
            db,
            dry_run,
        } => import::run(&import::ImportArgs {
            file,
            json: cli.json,
            mapping: mapping.as_deref(),
            encoding: encoding.map(|e| match e {
                EncodingArg::Utf8 => substation_import::TextEncoding::Utf8,
                EncodingArg::Utf16 => substation_import::TextEncoding::Utf16,
                EncodingArg::Cp949 => substation_import::TextEncoding::Cp949,
            }),
            day_order: if *day_first {
                Some(substation_import::values::DayOrder::DayFirst)
            } else if *month_first {
                Some(substation_import::values::DayOrder::MonthFirst)
            } else {
                None
            },
            max_megabytes: *max_size,
            blank_gas: blank_gas.map(|b| match b {
                BlankGasArg::NotDetected => substation_import::BlankGas::NotDetected,
                BlankGasArg::NotMeasured => substation_import::BlankGas::NotMeasured,
            }),
            db: (!*dry_run).then(|| database_path(db.as_deref())),
        }),
        Command::Review {
            db,
            status,
            fault,
            substation,
            asset,
            limit,
            page,
        } => review::run(&review::ReviewArgs {
            db: &database_path(db.as_deref()),
            json: cli.json,
            status: *status,
            fault: fault.clone(),
            substation: substation.clone(),
            asset: asset.clone(),
            limit: *limit,
            page: *page,
        }),
        Command::Sync {
            action,
            server,
            db,
            timeout,
            attempts,
        } => match action {
            None => sync::run(&sync::SyncArgs {
                server: server.clone(),
                db: database_path(db.as_deref()),
                json: cli.json,
                timeout: *timeout,
                attempts: *attempts,
            }),
            Some(SyncAction::Login { server }) => sync::login(server.as_deref(), cli.json),
            Some(SyncAction::Logout { server }) => sync::logout(server.as_deref(), cli.json),
            Some(SyncAction::Status { db }) => {
                sync::status(&database_path(db.as_deref()), cli.json)
            }
            Some(SyncAction::Rejected { db }) => {
                sync::rejected(&database_path(db.as_deref()), cli.json)
            }
            Some(SyncAction::RetryRejected { ids, all, db }) => sync::retry_rejected(
                &database_path(db.as_deref()),
                (!*all).then(|| ids.clone()),
                cli.json,
            ),
        },
        Command::Report {
            asset,
            status,
            all: _,
            substation,
            fault,
            out,
            lang,
            db,
        } => report::run(&report::ReportArgs {
            db: &database_path(db.as_deref()),
            out,
            json: cli.json,
            asset: asset.as_deref(),
            status: *status,
            substation: substation.clone(),
            fault: fault.clone(),
            lang: lang.as_deref(),
        }),
        Command::Template { out } => import::template(out),
        Command::Log {
            action:
                LogAction::Add {
                    asset,
                    date,
                    kind,
                    treatment,
                    source,
                    gases,
                    text,
                    author,
                    no_diagnose,
                    db,
                },
        } => log::add(&log::AddArgs {
            db: &database_path(db.as_deref()),
            json: cli.json,
            asset,
            date,
            kind: *kind,
            treatment: *treatment,
            source: *source,
            gases,
            text: text.as_deref(),
            author: author.as_deref(),
            no_diagnose: *no_diagnose,
        }),
        Command::Log {
            action: LogAction::List { asset, db },
        } => log::list(&database_path(db.as_deref()), asset, cli.json),
        Command::Profile {
            action:
                ProfileAction::Check {
                    file,
                    asset,
                    offline,
                    lambda,
                    db,
                },
        } => profile::check(&profile::CheckArgs {
            file,
            asset: asset.as_deref(),
            offline: *offline,
            lambda: lambda.settings(),
            db: &database_path(db.as_deref()),
            json: cli.json,
        }),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report(&error, cli.json);
            ExitCode::from(2)
        }
    }
}

/// The database at `db`, which must exist already: reading commands never create an empty
/// one (a mistyped --db would otherwise look like an empty cache).
pub fn open_existing(db: &std::path::Path) -> Result<substation_store::Store, CliError> {
    if !db.exists() {
        return Err(CliError::Usage(format!(
            "no database at {}: import a workbook first (substation import FILE)",
            db.display()
        )));
    }
    Ok(substation_store::Store::open(db)?)
}

/// The per-user data directory (`SUBSTATION_DATA_DIR` overrides it, e.g. in tests).
pub fn data_dir() -> PathBuf {
    substation_store::default_data_dir()
}

/// `--db`, or the database in the per-user local data folder (see
/// [`substation_store::default_database_path`]).
pub fn database_path(db: Option<&std::path::Path>) -> PathBuf {
    db.map(PathBuf::from)
        .unwrap_or_else(substation_store::default_database_path)
}

pub(crate) fn report(error: &CliError, json: bool) {
    if json {
        let body = serde_json::json!({ "error": error.body() });
        println!("{body}");
    } else {
        eprintln!("error: {error}");
        if let Some(advice) = error.advice() {
            eprintln!("hint: {advice}");
        }
    }
}
