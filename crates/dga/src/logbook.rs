//! A transformer's logbook: what happened to it besides the lab's workbooks — a sample typed
//! in by hand (a lab result that came by mail, a portable analyser's reading on site), the oil
//! processed, an inspection, a repair, a resample requested, a note. Each entry has the day it
//! happened, who wrote it and what they wrote. The checks here are shared by every place an
//! entry enters: typed in, uploaded to the central service, pulled by another laptop.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::gas::{Gas, GasReadings};
use crate::restart::{OilProcessing, OilTreatment};

/// The longest author name an entry keeps, in characters.
pub const MAX_AUTHOR_CHARS: usize = 100;
/// The longest text an entry keeps, in characters (a page of findings).
pub const MAX_TEXT_CHARS: usize = 4_000;

/// What the entry records.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LogEvent {
    /// A sample typed in by hand; it joins the transformer's gas history.
    Sample {
        source: SampleSource,
        gases: GasReadings,
    },
    /// The oil was degassed, filtered or replaced: the gas history restarts on that day.
    OilProcessed {
        treatment: OilTreatment,
    },
    /// An inspection; the text holds the findings. (The variants without data are written
    /// with braces so that serde refuses unknown fields in them too.)
    Inspection {},
    Repair {},
    /// A new sample was asked for (of the lab, of a crew).
    ResampleRequested {},
    Note {},
}

/// Where a typed-in sample was analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleSource {
    /// A laboratory's gas chromatograph.
    Lab,
    /// A portable analyser on site (photo-acoustic or chromatographic); its detection limits
    /// are higher, so "below its limit" readings are kept as such, with the limit.
    Portable,
}

impl SampleSource {
    pub fn label(self) -> &'static str {
        match self {
            SampleSource::Lab => "lab",
            SampleSource::Portable => "portable",
        }
    }

    pub fn parse(text: &str) -> Option<SampleSource> {
        [SampleSource::Lab, SampleSource::Portable]
            .into_iter()
            .find(|s| s.label() == text)
    }
}

impl LogEvent {
    /// Every kind, as [`LogEvent::kind`] names them.
    pub const KINDS: [&'static str; 6] = [
        "sample",
        "oil_processed",
        "inspection",
        "repair",
        "resample_requested",
        "note",
    ];

    /// The entry's kind, a stable snake_case name (the store's `kind` column, the UI's key).
    pub fn kind(&self) -> &'static str {
        match self {
            LogEvent::Sample { .. } => "sample",
            LogEvent::OilProcessed { .. } => "oil_processed",
            LogEvent::Inspection {} => "inspection",
            LogEvent::Repair {} => "repair",
            LogEvent::ResampleRequested {} => "resample_requested",
            LogEvent::Note {} => "note",
        }
    }

    /// Entries whose whole content is their text.
    fn needs_text(&self) -> bool {
        matches!(
            self,
            LogEvent::Inspection {} | LogEvent::Repair {} | LogEvent::Note {}
        )
    }
}

/// One logbook entry of one transformer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    pub asset_id: String,
    /// The day it happened (for a sample, the day the oil was drawn).
    pub occurred_on: NaiveDate,
    pub author: String,
    /// Free text; may be empty for a sample or an oil treatment.
    #[serde(default)]
    pub text: String,
    pub event: LogEvent,
}

/// Why an entry cannot be kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogProblem {
    #[error("the transformer id is empty")]
    NoAsset,
    #[error("the author is empty")]
    NoAuthor,
    #[error("the author is longer than {MAX_AUTHOR_CHARS} characters")]
    AuthorTooLong,
    #[error("a {kind} entry needs a text")]
    NoText { kind: &'static str },
    #[error("the text is longer than {MAX_TEXT_CHARS} characters")]
    TextTooLong,
    #[error("the author or the text holds a control character (NUL, …), which cannot be kept")]
    ControlCharacter,
    #[error("{date} is before 1950")]
    TooEarly { date: NaiveDate },
    #[error("{date} is after today ({today}): it cannot have happened yet")]
    InTheFuture { date: NaiveDate, today: NaiveDate },
    #[error("the sample reports none of H2, CH4, C2H6, C2H4, C2H2, CO, CO2")]
    NoFaultGas,
    #[error("{gas}: {problem}")]
    BadGas { gas: Gas, problem: String },
}

impl LogProblem {
    /// Stable code, for the CLI's `--json`, the app's messages and a rejected upload.
    pub fn code(&self) -> &'static str {
        match self {
            LogProblem::NoAsset => "no_asset",
            LogProblem::NoAuthor => "no_author",
            LogProblem::AuthorTooLong => "author_too_long",
            LogProblem::NoText { .. } => "no_text",
            LogProblem::TextTooLong => "text_too_long",
            LogProblem::ControlCharacter => "control_character",
            LogProblem::TooEarly { .. } => "too_early",
            LogProblem::InTheFuture { .. } => "in_the_future",
            LogProblem::NoFaultGas => "no_fault_gas",
            LogProblem::BadGas { .. } => "bad_gas",
        }
    }
}

impl LogEntry {
    /// Checks the entry as of `today`, allowing a day of grace for time zones (as an
    /// imported sample date does): [`LogEntry::check_content`], and not in the future.
    pub fn check(&self, today: NaiveDate) -> Result<(), LogProblem> {
        self.check_content()?;
        let date = self.occurred_on;
        if today
            .checked_add_days(chrono::Days::new(1))
            .is_some_and(|latest| date > latest)
        {
            return Err(LogProblem::InTheFuture { date, today });
        }
        Ok(())
    }

    /// Every check but the clock's: what the central service and another laptop check of an
    /// entry that was checked against its own laptop's clock when it was written (their
    /// clocks are not more right than that laptop's).
    pub fn check_content(&self) -> Result<(), LogProblem> {
        if self.asset_id.trim().is_empty() {
            return Err(LogProblem::NoAsset);
        }
        if self.author.trim().is_empty() {
            return Err(LogProblem::NoAuthor);
        }
        if self.author.chars().count() > MAX_AUTHOR_CHARS {
            return Err(LogProblem::AuthorTooLong);
        }
        // A name is one line; a text may have line breaks and tabs, but no other control
        // character (PostgreSQL refuses NUL in text).
        if self.author.chars().any(char::is_control)
            || self
                .text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(LogProblem::ControlCharacter);
        }
        if self.event.needs_text() && self.text.trim().is_empty() {
            return Err(LogProblem::NoText {
                kind: self.event.kind(),
            });
        }
        if self.text.chars().count() > MAX_TEXT_CHARS {
            return Err(LogProblem::TextTooLong);
        }
        let date = self.occurred_on;
        if NaiveDate::from_ymd_opt(1950, 1, 1).is_some_and(|earliest| date < earliest) {
            return Err(LogProblem::TooEarly { date });
        }
        if let LogEvent::Sample { gases, .. } = &self.event {
            for gas in Gas::ALL {
                gases
                    .get(gas)
                    .validate()
                    .map_err(|problem| LogProblem::BadGas {
                        gas,
                        problem: problem.to_string(),
                    })?;
            }
            if Gas::FAULT_GASES
                .iter()
                .all(|gas| gases.get(*gas).is_not_measured())
            {
                return Err(LogProblem::NoFaultGas);
            }
        }
        Ok(())
    }

    /// The oil processing this entry records, if it records one.
    pub fn oil_processing(&self) -> Option<OilProcessing> {
        match self.event {
            LogEvent::OilProcessed { treatment } => Some(OilProcessing {
                date: self.occurred_on,
                treatment,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn entry(event: LogEvent) -> LogEntry {
        LogEntry {
            asset_id: "TR-1".into(),
            occurred_on: day(2025, 3, 1),
            author: "J. Kim".into(),
            text: String::new(),
            event,
        }
    }

    #[test]
    fn entries_are_checked() {
        let today = day(2025, 3, 10);
        let note = entry(LogEvent::Note {});
        assert_eq!(note.check(today), Err(LogProblem::NoText { kind: "note" }));
        let note = LogEntry {
            text: "Bushing oil level low".into(),
            ..note
        };
        assert_eq!(note.check(today), Ok(()));
        let later = LogEntry {
            occurred_on: day(2025, 3, 12),
            ..note.clone()
        };
        assert_eq!(
            later.check(today).map_err(|p| p.code()),
            Err("in_the_future")
        );
        // A day of grace for the time zone.
        let tomorrow = LogEntry {
            occurred_on: day(2025, 3, 11),
            ..note.clone()
        };
        assert_eq!(tomorrow.check(today), Ok(()));
        let nobody = LogEntry {
            author: "  ".into(),
            ..note.clone()
        };
        assert_eq!(nobody.check(today), Err(LogProblem::NoAuthor));
        let nul = LogEntry {
            text: "oil\0level".into(),
            ..note.clone()
        };
        assert_eq!(nul.check(today), Err(LogProblem::ControlCharacter));
        let lines = LogEntry {
            text: "Oil level low.\nTopped up 20 l.".into(),
            ..note.clone()
        };
        assert_eq!(lines.check(today), Ok(()));
        // Another laptop's entry is not checked against this clock.
        assert_eq!(later.check_content(), Ok(()));
        let degassed = entry(LogEvent::OilProcessed {
            treatment: OilTreatment::Degassed,
        });
        assert_eq!(degassed.check(today), Ok(()));
        assert_eq!(
            degassed.oil_processing(),
            Some(OilProcessing {
                date: day(2025, 3, 1),
                treatment: OilTreatment::Degassed
            })
        );
        let only_oxygen = entry(LogEvent::Sample {
            source: SampleSource::Portable,
            gases: GasReadings::default().with(Gas::O2, 20_000.0),
        });
        assert_eq!(only_oxygen.check(today), Err(LogProblem::NoFaultGas));
        let negative = entry(LogEvent::Sample {
            source: SampleSource::Lab,
            gases: GasReadings::default().with(Gas::H2, -3.0),
        });
        assert_eq!(negative.check(today).map_err(|p| p.code()), Err("bad_gas"));
    }

    #[test]
    fn events_travel_as_tagged_json() {
        let sample = LogEvent::Sample {
            source: SampleSource::Portable,
            gases: GasReadings::default().with(Gas::H2, 12.0),
        };
        let json = serde_json::to_value(sample).expect("json");
        assert_eq!(json["kind"], "sample");
        assert_eq!(json["source"], "portable");
        assert_eq!(
            serde_json::from_value::<LogEvent>(json).expect("back"),
            sample
        );
        let treated: LogEvent =
            serde_json::from_str(r#"{"kind":"oil_processed","treatment":"replaced"}"#)
                .expect("parse");
        assert_eq!(
            treated,
            LogEvent::OilProcessed {
                treatment: OilTreatment::Replaced
            }
        );
        assert_eq!(treated.kind(), "oil_processed");
        assert!(serde_json::from_str::<LogEvent>(r#"{"kind":"party"}"#).is_err());
        assert!(serde_json::from_str::<LogEvent>(r#"{"kind":"note","surprise":1}"#).is_err());
        for kind in LogEvent::KINDS {
            assert!(
                [
                    sample,
                    treated,
                    LogEvent::Inspection {},
                    LogEvent::Repair {},
                    LogEvent::ResampleRequested {},
                    LogEvent::Note {}
                ]
                .iter()
                .any(|e| e.kind() == kind)
            );
        }
    }
}
