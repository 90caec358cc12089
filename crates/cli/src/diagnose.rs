//! `substation diagnose`: run the embedded engine over a file of requests.

use std::path::Path;
use std::process::ExitCode;

use serde_json::Value;
use substation_dga::contract::DiagnosisError;
use substation_dga::{
    Diagnosis, DiagnosisRequest, ENGINE_NAME, ENGINE_VERSION, Envelope, diagnose,
};
use unicode_width::UnicodeWidthStr;

use crate::error::CliError;

/// One request's outcome, with the name to show for it.
struct Outcome {
    label: String,
    name: String,
    result: Result<Diagnosis, DiagnosisError>,
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

fn run_one(index: usize, value: Value) -> Outcome {
    let id = value
        .pointer("/asset/id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let name = value
        .pointer("/asset/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let label = id.unwrap_or_else(|| format!("request #{}", index + 1));
    let result = serde_json::from_value::<DiagnosisRequest>(value)
        .map_err(|error| DiagnosisError::MalformedRequest(format!("{label}: {error}")))
        .and_then(|request| diagnose(&request));
    Outcome {
        label,
        name,
        result,
    }
}

/// SHA-256 of a request's JSON, hex: with the engine version, what makes a result reusable.
pub fn request_sha256(request: &DiagnosisRequest) -> String {
    use sha2::Digest;
    let bytes = serde_json::to_vec(request).unwrap_or_default();
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Diagnoses the assets of the database on the embedded engine and stores each result (with
/// its outbox row) as it is made. `resume` continues the latest unfinished run with only the
/// assets that have no result; `reuse` copies a stored diagnosis of an identical request by
/// the same engine version instead of computing it again.
fn run_database(db: &Path, resume: bool, reuse: bool) -> Result<Vec<Outcome>, CliError> {
    use substation_store::{DiagnosisRecord, FailureRecord, RunSpec, RunState, Store};
    let store = Store::open(db)?;
    let reader = store.reader()?;
    let unfinished = reader.runs()?.into_iter().find(|r| r.state == "running");
    let (run_id, assets) = match (resume, unfinished) {
        (true, Some(run)) => {
            let left: std::collections::HashSet<String> =
                reader.assets_without_result(run.id)?.into_iter().collect();
            let assets: Vec<_> = reader
                .assets()?
                .into_iter()
                .filter(|a| left.contains(&a.id))
                .collect();
            (run.id, assets)
        }
        (true, None) => {
            return Err(CliError::Usage(
                "there is no unfinished run to resume".to_owned(),
            ));
        }
        (false, _) => {
            let assets = reader.assets()?;
            let run_id = store.begin_run(RunSpec {
                engine: "embedded".to_owned(),
                engine_version: Some(ENGINE_VERSION.to_owned()),
                function_name: None,
                options: serde_json::json!({ "reuse": reuse }),
                assets_total: assets.len() as u64,
            })?;
            (run_id, assets)
        }
    };
    let mut outcomes = Vec::with_capacity(assets.len());
    let mut pending = Vec::new();
    for asset in assets {
        let samples = reader
            .samples(&asset.id)?
            .into_iter()
            .map(|s| s.sample)
            .collect();
        let request = DiagnosisRequest::new(asset.clone(), samples);
        let hash = request_sha256(&request);
        let reused = if reuse {
            reader.reusable(&hash, ENGINE_VERSION)?
        } else {
            None
        };
        let (result, reused_from) = match reused {
            Some((id, diagnosis)) => (Ok(diagnosis), Some(id)),
            None => (diagnose(&request), None),
        };
        match &result {
            Ok(diagnosis) => pending.push(store.submit_diagnosis(DiagnosisRecord {
                run_id,
                asset_id: asset.id.clone(),
                request_sha256: hash,
                diagnosis: Box::new(diagnosis.clone()),
                reused_from,
            })?),
            Err(error) => store.record_failure(FailureRecord {
                run_id,
                asset_id: asset.id.clone(),
                code: error.code().to_owned(),
                message: error.to_string(),
                attempts: 1,
            })?,
        }
        outcomes.push(Outcome {
            label: asset.id.clone(),
            name: asset.name.clone().unwrap_or_default(),
            result,
        });
    }
    for receiver in pending {
        receiver
            .recv()
            .map_err(|_| substation_store::StoreError::WriterGone)??;
    }
    store.finish_run(run_id, RunState::Finished)?;
    Ok(outcomes)
}

/// Where `diagnose` takes its transformers from.
pub enum Input<'a> {
    /// A JSON file of requests.
    File(&'a Path),
    /// The local database.
    Database {
        db: &'a Path,
        resume: bool,
        reuse: bool,
    },
}

/// Runs the command; the exit code is 1 when any transformer could not be diagnosed.
pub fn run(input: Input<'_>, json: bool, explain: bool) -> Result<ExitCode, CliError> {
    let mut outcomes: Vec<Outcome> = match input {
        Input::File(path) => load(path)?
            .into_iter()
            .enumerate()
            .map(|(index, value)| run_one(index, value))
            .collect(),
        Input::Database { db, resume, reuse } => run_database(db, resume, reuse)?,
    };
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();

    if json {
        let envelopes: Vec<Envelope> = outcomes
            .into_iter()
            .map(|o| Envelope::from_result(o.result))
            .collect();
        let text = serde_json::to_string_pretty(&envelopes).unwrap_or_else(|e| {
            // Serialising our own types cannot fail; say so rather than panic if it ever does.
            format!(r#"{{"error":{{"code":"internal","message":"{e}"}}}}"#)
        });
        println!("{text}");
    } else {
        // Worst first, so the unit that needs attention is on top.
        outcomes.sort_by_key(|o| match &o.result {
            Ok(d) => (
                std::cmp::Reverse(d.severity),
                std::cmp::Reverse(d.ieee_c57_104_2019.status),
            ),
            Err(_) => (
                std::cmp::Reverse(substation_dga::Severity::Critical),
                std::cmp::Reverse(substation_dga::methods::ieee_2019::Status::Three),
            ),
        });
        print_table(&outcomes, explain);
        println!();
        println!(
            "{} transformer(s) diagnosed, {} failed, on the embedded engine ({ENGINE_NAME} {ENGINE_VERSION}).",
            outcomes.len() - failed,
            failed
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn pad(text: &str, width: usize) -> String {
    let shown = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

fn print_table(outcomes: &[Outcome], explain: bool) {
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
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| match &o.result {
            Ok(d) => vec![
                o.label.clone(),
                o.name.clone(),
                d.latest_sample_date.to_string(),
                d.ieee_c57_104_2019.status.number().to_string(),
                d.iec_60599.state.label().to_owned(),
                d.fault.label().to_owned(),
                d.severity.label().to_owned(),
                format!("{} d", d.recommended_action.resample_within_days),
                d.recommended_action.summary.clone(),
            ],
            Err(e) => vec![
                o.label.clone(),
                o.name.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "error".into(),
                "-".into(),
                format!("{} ({})", e, e.code()),
            ],
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].width())
                .chain([header[c].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let last = cells.len() - 1;
        cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i == last {
                    cell.clone()
                } else {
                    pad(cell, widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!("{}", line(header.iter().map(|h| (*h).to_owned()).collect()));
    for (row, outcome) in rows.into_iter().zip(outcomes) {
        println!("{}", line(row));
        if explain && let Ok(d) = &outcome.result {
            for rule in &d.rules {
                println!("    - {}", rule.message);
            }
        }
    }
}
