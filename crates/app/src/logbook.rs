//! The transformer view's logbook: entries shown, and one added from the form — checked like
//! an imported row (each typed gas read by the workbook cell parser), stored through the
//! store's writer and its outbox. A sample or an oil treatment changes what the diagnosis
//! sees; the UI then runs the diagnosis of that one transformer (`RunRequest::asset_id`) on the
//! engine the settings choose.

use chrono::NaiveDate;
use substation_dga::{Gas, LogEntry, LogEvent, OilProcessing, OilTreatment, SampleSource};
use substation_store::LogRecord;

use crate::App;
use crate::error::{AppError, Result};
use crate::explain;
use crate::views::{LogEntryView, NewLogEntry, OilProcessedView};

pub(crate) fn entry_view(record: &LogRecord) -> LogEntryView {
    let e = &record.entry;
    let (detail, gases) = match &e.event {
        LogEvent::Sample { source, gases } => (
            Some(source.label().to_owned()),
            Some(
                explain::GASES
                    .iter()
                    .map(|g| explain::gas_cell(gases.get(*g)))
                    .collect(),
            ),
        ),
        LogEvent::OilProcessed { treatment } => (Some(treatment.label().to_owned()), None),
        _ => (None, None),
    };
    LogEntryView {
        uuid: record.uuid.clone(),
        date: e.occurred_on.to_string(),
        kind: e.event.kind().to_owned(),
        author: e.author.clone(),
        text: e.text.clone(),
        detail,
        gases,
        created_at: record.created_at.clone(),
        origin: record.origin.clone(),
    }
}

pub(crate) fn oil_view(processing: OilProcessing) -> OilProcessedView {
    OilProcessedView {
        date: processing.date.to_string(),
        treatment: processing.treatment.label().to_owned(),
    }
}

/// The entry the form describes; what cannot be read is an error naming the field.
fn entry(new: &NewLogEntry) -> Result<LogEntry> {
    let occurred_on = new
        .date
        .parse::<NaiveDate>()
        .map_err(|_| AppError::BadDate(new.date.clone()))?;
    let unknown = |what: &str, value: &str| {
        AppError::Internal(format!("the form sent an unknown {what} `{value}`"))
    };
    let event = match new.kind.as_str() {
        "sample" => {
            let mut typed = Vec::with_capacity(new.gases.len());
            for (code, text) in &new.gases {
                let gas = Gas::ALL
                    .into_iter()
                    .find(|g| explain::code(g) == *code)
                    .ok_or_else(|| unknown("gas", code))?;
                typed.push((gas, text.as_str()));
            }
            let source = new.source.as_deref().unwrap_or("lab");
            LogEvent::Sample {
                source: SampleSource::parse(source).ok_or_else(|| unknown("source", source))?,
                gases: substation_import::typed::typed_gases(typed)?,
            }
        }
        "oil_processed" => {
            let treatment = new.treatment.as_deref().unwrap_or_default();
            LogEvent::OilProcessed {
                treatment: OilTreatment::parse(treatment)
                    .ok_or_else(|| unknown("treatment", treatment))?,
            }
        }
        "inspection" => LogEvent::Inspection {},
        "repair" => LogEvent::Repair {},
        "resample_requested" => LogEvent::ResampleRequested {},
        "note" => LogEvent::Note {},
        other => return Err(unknown("kind", other)),
    };
    Ok(LogEntry {
        asset_id: new.asset_id.clone(),
        occurred_on,
        author: new.author.trim().to_owned(),
        text: new.text.trim().to_owned(),
        event,
    })
}

impl App {
    /// Adds a logbook entry; returns it as the view shows it.
    pub fn add_log_entry(&self, new: &NewLogEntry) -> Result<LogEntryView> {
        let entry = entry(new)?;
        let record = self.store()?.add_log_entry(entry)?;
        tracing::info!(
            asset = %record.entry.asset_id,
            kind = record.entry.event.kind(),
            date = %record.entry.occurred_on,
            "logbook entry added"
        );
        Ok(entry_view(&record))
    }
}
