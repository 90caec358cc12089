//! Function profiles on the command line: loading one for `diagnose --function-profile`, and
//! `substation profile check`, which tries one on a single transformer and shows each step
//! (the request built, the answer as it came, the summary read), or exactly which step failed.

use std::path::Path;
use std::process::ExitCode;

use substation_dga::{DiagnosisRequest, ErrorBody, Summary};
use substation_dispatch::{LambdaEngine, LambdaSettings, TrialStep};
use substation_profile::Profile;
use substation_store::Store;

use crate::error::CliError;

/// The function a Lambda run calls when neither the command line nor a profile names one.
pub const DEFAULT_FUNCTION: &str = "substation-diagnose";

/// Reads and checks a profile file.
pub fn load(path: &Path) -> Result<Profile, CliError> {
    let unreadable = |source| CliError::Read {
        path: path.to_owned(),
        source,
    };
    // Checked before reading: a profile is small, whatever the path points at.
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > substation_profile::MAX_PROFILE_BYTES as u64 {
        return Err(CliError::Usage(format!(
            "{} is {size} bytes; a function profile is at most {} KB",
            path.display(),
            substation_profile::MAX_PROFILE_BYTES / 1024
        )));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    Profile::from_toml(&bytes).map_err(|source| CliError::Profile {
        path: path.to_owned(),
        source,
    })
}

/// The Lambda settings a run uses: what the command line says, else the profile's
/// defaults, else the built-in function's name.
pub fn settings(cli: &LambdaSettings, profile: Option<&Profile>) -> LambdaSettings {
    let defaults = profile.map(|p| &p.function);
    let pick = |given: &Option<String>, default: Option<&Option<String>>| {
        given.clone().or_else(|| default.cloned().flatten())
    };
    LambdaSettings {
        function: if cli.function.trim().is_empty() {
            defaults
                .and_then(|d| d.name.clone())
                .unwrap_or_else(|| DEFAULT_FUNCTION.to_owned())
        } else {
            cli.function.clone()
        },
        region: pick(&cli.region, defaults.map(|d| &d.region)),
        profile: pick(&cli.profile, defaults.map(|d| &d.profile)),
        endpoint_url: pick(&cli.endpoint_url, defaults.map(|d| &d.endpoint_url)),
    }
}

pub struct CheckArgs<'a> {
    pub file: &'a Path,
    pub asset: Option<&'a str>,
    pub offline: bool,
    pub lambda: LambdaSettings,
    pub db: &'a Path,
    pub json: bool,
}

/// What a check found, step by step; printed as text or as one JSON object.
#[derive(serde::Serialize)]
struct Report {
    profile: substation_dga::ProfileRef,
    function: String,
    asset_id: String,
    /// The event sent to the function.
    request: Option<Box<serde_json::value::RawValue>>,
    /// The function's answer, as it came.
    answer: Option<Box<serde_json::value::RawValue>>,
    summary: Option<Summary>,
    /// The step that failed (`request`, `call`, `answer`) and why.
    failed_step: Option<TrialStep>,
    error: Option<ErrorBody>,
}

pub fn check(args: &CheckArgs<'_>) -> Result<ExitCode, CliError> {
    let profile = load(args.file)?;
    let settings = settings(&args.lambda, Some(&profile));
    let request = one_request(args.db, args.asset)?;
    let mut report = Report {
        profile: profile.reference(),
        function: settings.function.clone(),
        asset_id: request.asset.id.clone(),
        request: None,
        answer: None,
        summary: None,
        failed_step: None,
        error: None,
    };
    if args.offline {
        // Only the first step: no function, no credentials.
        let built = serde_json::to_vec(&request)
            .map_err(|e| e.to_string())
            .and_then(|contract| profile.request(&contract).map_err(|e| e.to_string()));
        match built {
            Ok(event) => report.request = raw(&event),
            Err(message) => {
                report.failed_step = Some(TrialStep::Request);
                report.error = Some(ErrorBody {
                    code: "request_transform_failed".into(),
                    message,
                });
            }
        }
        return Ok(finish(&report, args.json));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?;
    let trial = runtime.block_on(async {
        let engine = LambdaEngine::connect(&settings).await?;
        Ok::<_, substation_dispatch::EngineError>(
            engine.with_profile(profile).trial(&request, true).await,
        )
    });
    match trial {
        Err(error) => {
            report.failed_step = Some(TrialStep::Call);
            report.error = Some(ErrorBody {
                code: error.code,
                message: error.message,
            });
        }
        Ok(trial) => {
            report.request = trial.event.as_deref().and_then(raw);
            report.answer = trial.answer.as_deref().and_then(raw);
            match trial.outcome {
                Ok(summary) => report.summary = Some(summary),
                Err((step, error)) => {
                    report.failed_step = Some(step);
                    report.error = Some(ErrorBody {
                        code: error.code,
                        message: error.message,
                    });
                }
            }
        }
    }
    Ok(finish(&report, args.json))
}

/// The request for one transformer of the local database: `asset`, or the first one.
fn one_request(db: &Path, asset: Option<&str>) -> Result<DiagnosisRequest, CliError> {
    if !db.exists() {
        return Err(CliError::Usage(format!(
            "there is no database at {}: import a workbook first (`substation import FILE`)",
            db.display()
        )));
    }
    let store = Store::open(db)?;
    let reader = store.reader()?;
    let chosen = match asset {
        Some(id) => reader
            .asset(id)?
            .map(|summary| summary.asset)
            .ok_or_else(|| {
                CliError::Usage(format!("there is no transformer {id} in the database"))
            })?,
        None => reader.assets()?.into_iter().next().ok_or_else(|| {
            CliError::Usage("the database holds no transformer: import a workbook first".into())
        })?,
    };
    Ok(reader.request_for(chosen)?)
}

fn raw(bytes: &[u8]) -> Option<Box<serde_json::value::RawValue>> {
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::value::RawValue::from_string(text.to_owned()).ok()
}

/// Prints the report; exit 0 when every step worked, 1 when one failed.
fn finish(report: &Report, json: bool) -> ExitCode {
    if json {
        if let Ok(text) = serde_json::to_string(report) {
            println!("{text}");
        }
    } else {
        print_text(report);
    }
    if report.error.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_text(report: &Report) {
    let pretty = |raw: &Option<Box<serde_json::value::RawValue>>| {
        raw.as_ref()
            .and_then(|r| serde_json::from_str::<serde_json::Value>(r.get()).ok())
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
    };
    println!(
        "profile {} (sha256 {}), function {}, transformer {}",
        report.profile.name,
        report.profile.sha256.get(..12).unwrap_or_default(),
        report.function,
        report.asset_id
    );
    if let Some(request) = pretty(&report.request) {
        println!("\n1. request sent\n{request}");
    }
    if let Some(answer) = &report.answer {
        println!("\n2. answer, as it came\n{}", answer.get());
    }
    if let Some(s) = &report.summary {
        println!("\n3. summary read");
        println!("   severity  {}", s.severity.label());
        if let Some(score) = s.score {
            println!("   score     {score}");
        }
        let fault = match (&s.fault_label, s.fault) {
            (Some(label), Some(code)) => format!("{label} (the tool's {})", code.label()),
            (Some(label), None) => format!("{label} (no fault code mapped)"),
            (None, Some(code)) => code.label().to_owned(),
            (None, None) => "-".to_owned(),
        };
        println!("   fault     {fault}");
        if let Some(action) = &s.action {
            println!("   action    {action}");
        }
        if let Some(headline) = &s.headline {
            println!("   headline  {headline}");
        }
    }
    if let (Some(step), Some(error)) = (report.failed_step, &report.error) {
        let (number, name) = match step {
            TrialStep::Request => (1, "request"),
            TrialStep::Call => (2, "call"),
            TrialStep::Answer => (3, "answer"),
        };
        println!(
            "\nstep {number} ({name}) failed: {} ({})",
            error.message, error.code
        );
    } else if report.answer.is_none() {
        println!("\n(--offline: the function was not called)");
    } else {
        println!("\nThe profile reads this function's answer.");
    }
}
