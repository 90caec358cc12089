//! Oil processing restarts a transformer's gas history.
//!
//! Degassing, vacuum filtering or replacing the oil removes the dissolved gases, so the samples
//! drawn before it describe other oil: a rate or a step computed across the treatment measures
//! the treatment, not the transformer (IEEE C57.104-2019 computes rates over a stable history;
//! IEC 60599 likewise over oil that was not processed in between). A request that names the
//! latest treatment is diagnosed from the samples drawn on or after its day alone — a sample of
//! that very day counts as after it, since the check sample is drawn once the oil is back in
//! service — and the diagnosis says so in the finding `consensus.history_restarted`.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::Sample;
use crate::methods::Finding;

/// The code of the finding that says the history restarted.
pub const HISTORY_RESTARTED: &str = "consensus.history_restarted";

/// The latest oil processing of a transformer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OilProcessing {
    /// The day the treatment was done.
    pub date: NaiveDate,
    pub treatment: OilTreatment,
}

/// What was done to the oil.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OilTreatment {
    /// Degassed (vacuum degassing, with or without dehydration).
    Degassed,
    /// Filtered under vacuum (reconditioning), which also removes the dissolved gases.
    Filtered,
    /// Drained and refilled with new or reclaimed oil.
    Replaced,
}

impl OilTreatment {
    pub const ALL: [OilTreatment; 3] = [
        OilTreatment::Degassed,
        OilTreatment::Filtered,
        OilTreatment::Replaced,
    ];

    /// The stable name used in the contract, the store and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            OilTreatment::Degassed => "degassed",
            OilTreatment::Filtered => "filtered",
            OilTreatment::Replaced => "replaced",
        }
    }

    /// The treatment named by [`OilTreatment::label`].
    pub fn parse(text: &str) -> Option<OilTreatment> {
        OilTreatment::ALL.into_iter().find(|t| t.label() == text)
    }

    /// In English, after "the oil was".
    fn past(self) -> &'static str {
        match self {
            OilTreatment::Degassed => "degassed",
            OilTreatment::Filtered => "filtered under vacuum",
            OilTreatment::Replaced => "replaced",
        }
    }
}

impl OilProcessing {
    /// Whether `sample` belongs to the history that starts with this treatment.
    pub fn keeps(&self, sample: &Sample) -> bool {
        sample.date >= self.date
    }

    /// Says where the history restarts and what was left out. `kept` and `left_out` count
    /// samples as the request gave them: a host that sent only the samples since (as the
    /// desktop and the command line do) leaves nothing out here.
    pub(crate) fn finding(&self, kept: usize, left_out: usize) -> Finding {
        let samples = |n: usize| if n == 1 { "sample" } else { "samples" };
        let mut message = format!(
            "The oil was {} on {}: rates, steps and trends use only the {kept} {} drawn since",
            self.treatment.past(),
            self.date,
            samples(kept),
        );
        if left_out > 0 {
            message.push_str(&format!(
                "; {left_out} earlier {} {} left out",
                samples(left_out),
                if left_out == 1 { "is" } else { "are" },
            ));
        }
        Finding::new(HISTORY_RESTARTED, message)
    }

    /// Why a request with no sample since the treatment cannot be diagnosed (the contract's
    /// error `no_sample_since_oil_processed`).
    pub fn nothing_since(&self) -> String {
        format!(
            "no sample was drawn since the oil was {} on {}, and the history restarts there",
            self.treatment.past(),
            self.date
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treatments_round_trip_by_label() {
        for treatment in OilTreatment::ALL {
            assert_eq!(OilTreatment::parse(treatment.label()), Some(treatment));
            let json = serde_json::to_string(&treatment).expect("json");
            assert_eq!(json, format!("\"{}\"", treatment.label()));
        }
        assert_eq!(OilTreatment::parse("boiled"), None);
    }

    #[test]
    fn the_day_of_the_treatment_is_after_it() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 3, d).expect("date");
        let processing = OilProcessing {
            date: day(10),
            treatment: OilTreatment::Degassed,
        };
        let sample = |d| Sample::new(day(d), crate::GasReadings::default());
        assert!(!processing.keeps(&sample(9)));
        assert!(processing.keeps(&sample(10)));
        assert!(processing.keeps(&sample(11)));
        let finding = processing.finding(1, 3);
        assert_eq!(finding.code, HISTORY_RESTARTED);
        assert!(
            finding.message.contains("2025-03-10")
                && finding.message.contains("only the 1 sample drawn")
                && finding.message.contains("3 earlier samples are left out"),
            "{}",
            finding.message
        );
        // A host that sent only the samples since: nothing to count.
        let cut = processing.finding(2, 0);
        assert!(
            cut.message.ends_with("use only the 2 samples drawn since"),
            "{}",
            cut.message
        );
    }
}
