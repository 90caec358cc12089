//! The faults a sample unit can develop, and when and how hard each develops: what a unit of
//! the model carries, and what the gas behaviour follows.

use chrono::{NaiveDate, TimeDelta};
use rand::RngExt;

/// A fault a unit develops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Thermal fault above 700 °C: C2H4 to hundreds of ppm, CH4 following, a little C2H2.
    HotSpotT3,
    /// Low-energy discharge: C2H2 in steps of a few ppm, with H2.
    SparkingD1,
    /// Partial discharge: H2 to hundreds, CH4 modest, C2H6 low.
    PartialDischarge,
    /// Cellulose overheating: CO above 1,000, CO2 rising, CO2/CO below 3.
    PaperOverheating,
    /// Stray gassing of the oil (sealed unit): H2 and C2H6 high.
    StrayGassing,
}

impl Fault {
    pub const ALL: [Fault; 5] = [
        Fault::HotSpotT3,
        Fault::SparkingD1,
        Fault::PartialDischarge,
        Fault::PaperOverheating,
        Fault::StrayGassing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Fault::HotSpotT3 => "T3 hot spot",
            Fault::SparkingD1 => "D1 sparking",
            Fault::PartialDischarge => "partial discharge",
            Fault::PaperOverheating => "paper overheating",
            Fault::StrayGassing => "stray gassing",
        }
    }
}

/// When and how hard a fault develops.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    pub kind: Fault,
    /// The fault starts producing gas after this date…
    pub start: NaiveDate,
    /// …and reaches its full level here (the last sample).
    pub end: NaiveDate,
    /// Scales the fault's gas levels (about 0.7–1.5).
    pub severity: f64,
    /// D1 only: (progress at which a discharge event happens, C2H2 ppm it adds).
    pub steps: Vec<(f64, f64)>,
}

impl FaultPlan {
    pub fn new<R: rand::Rng + ?Sized>(rng: &mut R, kind: Fault, last_sample: NaiveDate) -> Self {
        let start = last_sample - TimeDelta::days(rng.random_range(730..=1095));
        let mut steps: Vec<(f64, f64)> = Vec::new();
        if kind == Fault::SparkingD1 {
            let count = rng.random_range(3..=4);
            for _ in 0..count {
                steps.push((rng.random_range(0.05..=0.95), rng.random_range(2.0..=5.0)));
            }
            steps.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        FaultPlan {
            kind,
            start,
            end: last_sample,
            severity: rng.random_range(0.8..=1.4),
            steps,
        }
    }

    /// Progress of the fault at `date`: 0 before it starts, 1 at the last sample.
    pub(crate) fn progress(&self, date: NaiveDate) -> f64 {
        if date <= self.start {
            return 0.0;
        }
        let span = (self.end - self.start).num_days().max(1) as f64;
        ((date - self.start).num_days() as f64 / span).clamp(0.0, 1.0)
    }
}
