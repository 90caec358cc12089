//! Transformers (assets), oil samples and a transformer's sample history.

use chrono::{Datelike, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::gas::{Gas, GasReadings, InvalidGasValue};

/// How the oil is kept from the air; decides whether a low O2/N2 means oxygen consumption
/// (IEC 60599). IEEE C57.104-2019 picks its limits from the measured O2/N2 alone: without
/// O2/N2 it uses the air-breathing (> 0.2) limits whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OilPreservation {
    /// No exchange with air: sealed tank (gas cushion or fully filled), or a conservator with
    /// a bladder or membrane.
    Sealed,
    /// Conservator open to the air through a breather (free-breathing). A conservator with a
    /// bladder or membrane keeps the oil from the air: declare it `sealed`.
    Conservator,
    /// Nitrogen blanket over the oil.
    NitrogenBlanket,
}

impl OilPreservation {
    /// Every kind, in declaration order.
    pub const ALL: [OilPreservation; 3] = [
        OilPreservation::Sealed,
        OilPreservation::Conservator,
        OilPreservation::NitrogenBlanket,
    ];

    /// The kind as it appears in JSON, in the local cache and in the central database.
    pub fn label(self) -> &'static str {
        match self {
            OilPreservation::Sealed => "sealed",
            OilPreservation::Conservator => "conservator",
            OilPreservation::NitrogenBlanket => "nitrogen_blanket",
        }
    }

    /// The kind whose label is `name`.
    pub fn from_label(name: &str) -> Option<OilPreservation> {
        OilPreservation::ALL
            .into_iter()
            .find(|kind| kind.label() == name)
    }
}

/// A power transformer and its nameplate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    /// The utility's identifier for the transformer (equipment or asset number).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_of_manufacture: Option<i32>,
    /// Rated (highest) voltage, kV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_kv: Option<f64>,
    /// Rated power, MVA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_mva: Option<f64>,
    /// Oil volume, litres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oil_volume_litres: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oil_preservation: Option<OilPreservation>,
    /// Whether the on-load tap changer shares oil with (or leaks into) the main tank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communicating_oltc: Option<bool>,
}

impl Asset {
    /// An asset known only by its identifier.
    pub fn new(id: impl Into<String>) -> Self {
        Asset {
            id: id.into(),
            name: None,
            substation: None,
            manufacturer: None,
            year_of_manufacture: None,
            rated_kv: None,
            rated_mva: None,
            oil_volume_litres: None,
            oil_preservation: None,
            communicating_oltc: None,
        }
    }

    /// Age in whole years at `on`, when the year of manufacture is known and not in the future.
    pub fn age_years(&self, on: NaiveDate) -> Option<i32> {
        let age = on.year().checked_sub(self.year_of_manufacture?)?;
        (age >= 0).then_some(age)
    }
}

/// One oil sample and its laboratory results.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// The day the oil was drawn.
    pub date: NaiveDate,
    pub gases: GasReadings,
}

impl Sample {
    pub fn new(date: NaiveDate, gases: GasReadings) -> Self {
        Sample { date, gases }
    }
}

/// Why a list of samples cannot form a history.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HistoryError {
    #[error("no samples")]
    Empty,
    #[error("the sample of {date} reports no gas at all")]
    EmptySample { date: NaiveDate },
    #[error("the sample of {date}: {gas}: {problem}")]
    InvalidValue {
        date: NaiveDate,
        gas: Gas,
        problem: InvalidGasValue,
    },
    #[error(
        "two different samples are dated {date}; keep one result per transformer and day \
         (or correct the date)"
    )]
    ConflictingSamples { date: NaiveDate },
}

/// A transformer's samples, oldest first, at most one per day.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    samples: Vec<Sample>,
    merged_duplicates: usize,
}

impl History {
    /// Sorts the samples by date and merges exact duplicates (the same sample listed twice,
    /// which happens when lab reports overlap). Two different results on one day are refused:
    /// nothing says which one is right, and a zero-day interval would break every rate.
    pub fn new(mut samples: Vec<Sample>) -> Result<History, HistoryError> {
        if samples.is_empty() {
            return Err(HistoryError::Empty);
        }
        for sample in &samples {
            if sample.gases.is_empty() {
                return Err(HistoryError::EmptySample { date: sample.date });
            }
            for gas in Gas::ALL {
                sample
                    .gases
                    .get(gas)
                    .validate()
                    .map_err(|problem| HistoryError::InvalidValue {
                        date: sample.date,
                        gas,
                        problem,
                    })?;
            }
        }
        // Lab exports are usually in date order already; skip moving 50 samples around then.
        if !samples.is_sorted_by_key(|sample| sample.date) {
            samples.sort_by_key(|sample| sample.date);
        }
        let before = samples.len();
        let mut merged: Vec<Sample> = Vec::with_capacity(before);
        for sample in samples {
            match merged.last() {
                Some(last) if last.date == sample.date => {
                    if *last != sample {
                        return Err(HistoryError::ConflictingSamples { date: sample.date });
                    }
                }
                _ => merged.push(sample),
            }
        }
        Ok(History {
            merged_duplicates: before - merged.len(),
            samples: merged,
        })
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// The most recent sample.
    pub fn latest(&self) -> &Sample {
        // `new` refuses an empty list, so there is always a last sample.
        &self.samples[self.samples.len() - 1]
    }

    /// The sample before the most recent one, if any.
    pub fn previous(&self) -> Option<&Sample> {
        self.samples.len().checked_sub(2).map(|i| &self.samples[i])
    }

    /// How many exact duplicates were merged away.
    pub fn merged_duplicates(&self) -> usize {
        self.merged_duplicates
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gas::GasValue;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn sample(date: NaiveDate, h2: f64) -> Sample {
        Sample::new(date, GasReadings::default().with(Gas::H2, h2))
    }

    #[test]
    fn history_sorts_and_merges_exact_duplicates() {
        let history = History::new(vec![
            sample(day(2024, 5, 1), 30.0),
            sample(day(2022, 1, 1), 10.0),
            sample(day(2024, 5, 1), 30.0),
            sample(day(2023, 3, 1), 20.0),
        ])
        .expect("history");
        let dates: Vec<_> = history.samples().iter().map(|s| s.date).collect();
        assert_eq!(dates, [day(2022, 1, 1), day(2023, 3, 1), day(2024, 5, 1)]);
        assert_eq!(history.merged_duplicates(), 1);
        assert_eq!(history.latest().gases.level(Gas::H2), Some(30.0));
        assert_eq!(
            history.previous().map(|s| s.gases.level(Gas::H2)),
            Some(Some(20.0))
        );
    }

    #[test]
    fn conflicting_samples_on_one_day_are_refused() {
        let err = History::new(vec![
            sample(day(2024, 5, 1), 30.0),
            sample(day(2024, 5, 1), 31.0),
        ])
        .expect_err("conflict");
        assert_eq!(
            err,
            HistoryError::ConflictingSamples {
                date: day(2024, 5, 1)
            }
        );
    }

    #[test]
    fn empty_and_invalid_inputs_are_refused() {
        assert_eq!(History::new(vec![]), Err(HistoryError::Empty));
        assert!(matches!(
            History::new(vec![Sample::new(day(2024, 1, 1), GasReadings::default())]),
            Err(HistoryError::EmptySample { .. })
        ));
        let mut gases = GasReadings::default();
        gases.set(Gas::CO, GasValue::Measured(-3.0));
        assert!(matches!(
            History::new(vec![Sample::new(day(2024, 1, 1), gases)]),
            Err(HistoryError::InvalidValue { gas: Gas::CO, .. })
        ));
    }

    #[test]
    fn age_is_counted_from_the_year_of_manufacture() {
        let mut asset = Asset::new("T1");
        assert_eq!(asset.age_years(day(2024, 1, 1)), None);
        asset.year_of_manufacture = Some(1994);
        assert_eq!(asset.age_years(day(2024, 6, 1)), Some(30));
        asset.year_of_manufacture = Some(2030);
        assert_eq!(asset.age_years(day(2024, 6, 1)), None);
        asset.year_of_manufacture = Some(i32::MIN);
        assert_eq!(asset.age_years(day(2024, 6, 1)), None);
    }
}
