//! What a report is made of, read from the cache through the same reader the app's views use:
//! the transformer, its samples, its latest stored diagnosis (or, before any run, one computed
//! now by the embedded engine, as the app's preview does) and how that diagnosis was made.

use std::collections::HashMap;
use substation_dga::{Answer, Asset, Diagnosis};

use substation_store::{DiagnosisRow, LogRecord, Reader, StoredSample};

use crate::ReportError;

/// Who made the stored diagnosis, when, and with what.
#[derive(Debug, Clone)]
pub struct Made {
    pub when: String,
    /// The run's engine (`embedded`, `lambda`), when the run is in the cache.
    pub run_engine: Option<String>,
    /// The engine's name and version (`substation-dga 0.2.0`).
    pub engine: String,
    pub contract: u32,
    pub run: i64,
    /// The laptop it came from, when it was pulled from the central service.
    pub origin: Option<String>,
}

/// One transformer's report data.
#[derive(Debug, Clone)]
pub struct AssetData {
    pub asset: Asset,
    /// Oldest first.
    pub samples: Vec<StoredSample>,
    pub diagnosis: Option<Diagnosis>,
    /// `diagnosis` was computed for the report, not read from the cache.
    pub preview: bool,
    pub made: Option<Made>,
    /// A team's own function's answer, when that made the latest diagnosis.
    pub answer: Option<Answer>,
    /// Samples in the cache dated after the diagnosis's latest sample: imported after the run.
    pub newer_samples: usize,
    /// The logbook, newest first.
    pub log: Vec<LogRecord>,
}

/// Each run's engine (`embedded`, `lambda`) by run id, read once per report.
pub fn run_engines(reader: &Reader) -> Result<HashMap<i64, String>, ReportError> {
    Ok(reader
        .runs()?
        .into_iter()
        .filter(|r| !r.engine.is_empty())
        .map(|r| (r.id, r.engine))
        .collect())
}

pub fn asset(
    reader: &Reader,
    id: &str,
    engines: &HashMap<i64, String>,
) -> Result<AssetData, ReportError> {
    let summary = reader
        .asset(id)?
        .ok_or_else(|| ReportError::NoSuchAsset(id.to_owned()))?;
    let samples = reader.samples(id)?;
    let history = reader.diagnoses(id)?;
    let latest = history.first();
    // An answer that is not a whole diagnosis (from another build, say) is printed as it was
    // read, as the app shows it; it does not stop the report.
    let stored = match latest {
        Some(row) => reader.diagnosis(row.id).unwrap_or(None),
        None => None,
    };
    let answer = match latest {
        Some(row) if row.profile_name.is_some() || stored.is_none() => reader.answer(row.id)?,
        _ => None,
    };
    let made = match (latest, &stored) {
        (Some(row), Some(diagnosis)) => Some(made(row, diagnosis, engines)),
        _ => None,
    };
    let (diagnosis, preview) = match stored {
        Some(diagnosis) => (Some(diagnosis), false),
        None if answer.is_none() && !samples.is_empty() => {
            let request = substation_store::request_with(
                summary.asset.clone(),
                &samples,
                reader.oil_processing(id)?,
            );
            (substation_dga::diagnose(&request).ok(), true)
        }
        None => (None, false),
    };
    let newer_samples = match &diagnosis {
        Some(d) => samples
            .iter()
            .filter(|s| s.sample.date > d.latest_sample_date)
            .count(),
        None => 0,
    };
    Ok(AssetData {
        log: reader.log_entries(id)?,
        asset: summary.asset,
        newer_samples,
        samples,
        diagnosis,
        preview,
        made,
        answer,
    })
}

fn made(row: &DiagnosisRow, diagnosis: &Diagnosis, engines: &HashMap<i64, String>) -> Made {
    Made {
        when: when(&row.created_at),
        run_engine: engines.get(&row.run_id).cloned(),
        engine: format!("{} {}", diagnosis.engine.name, diagnosis.engine.version),
        contract: diagnosis.contract_version,
        run: row.run_id,
        origin: row.origin.clone(),
    }
}

/// A stored UTC timestamp (RFC 3339) in the computer's local time, as the footer's, e.g.
/// `2026-12-07 15:56`; as stored when it is not one.
fn when(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| stored.to_owned())
}
