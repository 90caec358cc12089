//! IEEE C57.104-2019 DGA status (Status 1, 2 or 3).
//!
//! Source: IEEE C57.104-2019, "IEEE Guide for the Interpretation of Gases Generated in
//! Mineral Oil-Immersed Transformers", clause 6 and Figure 2, with Tables 1–4. The tables are
//! data (`data/ieee_c57_104_2019.json`), replaceable per request.
//!
//! Per gas, from the latest sample:
//! - Status 3 if the level is above Table 2, or the least-squares rate over the recent
//!   window is above Table 4;
//! - Status 1 if the level is below Table 1, the change since the previous sample is within
//!   Table 3, and the rate (when there is one) is within Table 4;
//! - Status 2 otherwise (a level exactly on a Table 1 limit is neither below nor above it).
//!
//! The transformer's status is its worst gas. The rate window is 3–6 samples within the last
//! 24 months spanning at least 4 (spread evenly when there are more); the Table 4 column
//! follows its span (4–9 or 10–24 months). A change below `minimum_measurable_change_ppm`
//! never counts, which is how "any increase" (C2H2, limit 0) is made testable.
//!
//! Two refinements of ours: O2/N2 crossing 0.2 across the last three samples selects the
//! lower limits (the O2/N2 above 0.2 column), so that the column does not flip between samples; an undetected O2
//! counts as 0, so O2/N2 is then 0 and the low-oxygen column applies.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Finding, num};
use crate::domain::{Asset, History};
use crate::gas::Gas;
use crate::limits::{AgeBand, Ieee2019Limits, IntervalBand, OxygenBand};
use crate::numeric::{Ratio, TrendWindow, WindowRule, rate_per_year};

/// The IEEE C57.104-2019 rate window.
pub const RATE_WINDOW: WindowRule = WindowRule {
    min_samples: 3,
    max_samples: 6,
    min_months: 4.0,
    max_months: 24.0,
};

/// DGA status: 1 (low probability of an active fault), 2 (possibly suspicious), 3 (probably
/// an active fault). Serialised as the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    One = 1,
    Two = 2,
    Three = 3,
}

impl Status {
    pub fn number(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Status {}", self.number())
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u8::deserialize(deserializer)? {
            1 => Ok(Status::One),
            2 => Ok(Status::Two),
            3 => Ok(Status::Three),
            other => Err(serde::de::Error::custom(format!(
                "status must be 1, 2 or 3, not {other}"
            ))),
        }
    }
}

impl JsonSchema for Status {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Ieee2019Status".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "IEEE C57.104-2019 DGA status: 1, 2 or 3.",
            "type": "integer",
            "enum": [1, 2, 3]
        })
    }
}

/// The evidence and verdict for one gas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GasStatus {
    pub gas: Gas,
    pub status: Status,
    /// Latest level, ppm (not detected counts as 0).
    pub level_ppm: f64,
    pub table1_ppm: f64,
    pub table2_ppm: f64,
    /// Change since the previous sample, ppm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_ppm: Option<f64>,
    pub table3_ppm: f64,
    /// The change exceeds Table 3 (and the minimum measurable change).
    pub delta_exceeded: bool,
    /// Least-squares rate over the window, ppm per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_ppm_per_year: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table4_ppm_per_year: Option<f64>,
    /// The rate exceeds Table 4 (and amounts to a measurable change over the window).
    pub rate_exceeded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ieee2019 {
    /// Overall status: the worst gas.
    pub status: Status,
    pub oxygen_band: OxygenBand,
    /// O2/N2 of the latest sample that reports both.
    pub o2_n2: Ratio,
    pub age_band: AgeBand,
    /// Samples the rates were fitted over, when there is a valid window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_window: Option<TrendWindow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_interval: Option<IntervalBand>,
    /// Why no rate was computed, when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_note: Option<String>,
    pub gases: Vec<GasStatus>,
    /// Fault gases the latest sample does not report; they take no part.
    pub not_measured: Vec<Gas>,
    /// Status 2 rests only on a change since the previous sample with every level below
    /// Table 1: the guide asks for a confirmation sample within about a month.
    pub confirmation_sample_advised: bool,
    /// Some level is at least twice its Table 2 limit: the status understates it.
    pub extreme: bool,
    /// Reported once, in the diagnosis' `rules`.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// Chooses the O2/N2 column. Unknown O2/N2 → the > 0.2 column, as the guide instructs; a
/// ratio that crosses the split across the last three samples also → > 0.2, so that the
/// limits do not flip between samples.
fn oxygen_band(history: &History, split: f64) -> (OxygenBand, Ratio, Option<String>) {
    let latest = &history.latest().gases;
    let o2_n2 = Ratio::of(Gas::O2, latest.o2, Gas::N2, latest.n2);
    let recent: Vec<f64> = history
        .samples()
        .iter()
        .rev()
        .take(3)
        .filter_map(|s| Ratio::of(Gas::O2, s.gases.o2, Gas::N2, s.gases.n2).value)
        .collect::<Vec<f64>>();
    let Some(ratio) = o2_n2.value else {
        return (
            OxygenBand::HighOxygen,
            o2_n2,
            Some("O2/N2 unavailable: the O2/N2 > 0.2 limits apply, as the guide instructs".into()),
        );
    };
    let crosses = recent.iter().any(|r| *r > split) && recent.iter().any(|r| *r <= split);
    if crosses {
        return (
            OxygenBand::HighOxygen,
            o2_n2,
            Some(format!(
                "O2/N2 crosses {split} across the recent samples: the lower (> {split}) limits apply"
            )),
        );
    }
    let band = if ratio <= split {
        OxygenBand::LowOxygen
    } else {
        OxygenBand::HighOxygen
    };
    (band, o2_n2, None)
}

/// Evaluates a transformer's history.
pub fn evaluate(asset: &Asset, history: &History, limits: &Ieee2019Limits) -> Ieee2019 {
    let latest = history.latest();
    let previous = history.previous();
    let mut findings = Vec::new();

    let (band, o2_n2, band_note) = oxygen_band(history, limits.oxygen_nitrogen_split);
    if let Some(note) = band_note {
        findings.push(Finding::new("ieee2019.oxygen_band", note));
    }
    let age_band = AgeBand::of(asset.age_years(latest.date));
    let table1 = limits.table1_90th_percentile.get(band).get(age_band);
    let table2 = limits.table2_95th_percentile.get(band).get(age_band);
    let table3 = limits.table3_delta.get(band);
    let min_change = limits.minimum_measurable_change_ppm;

    let (window, rate_note) = match RATE_WINDOW.select(history.samples()) {
        Ok(window) => (Some(window), None),
        Err(reason) => (None, Some(format!("no rate of change: {reason}"))),
    };
    let window_info = window.as_deref().and_then(WindowRule::describe);
    let interval = window_info.as_ref().map(|w| IntervalBand::of(w.months));
    let table4 = interval.map(|i| limits.table4_rate_per_year.get(band).get(i));

    let window_years = window_info.as_ref().map_or(0.0, |w| w.months / 12.0);
    let mut gases = Vec::new();
    let mut not_measured = Vec::new();
    let mut extreme = false;
    let mut delta_only = true;
    for gas in Gas::FAULT_GASES {
        let Some(level) = latest.gases.level(gas) else {
            not_measured.push(gas);
            continue;
        };
        // Limits exist for every fault gas; `unwrap_or` keeps this total for O2/N2.
        let t1 = table1.get(gas).unwrap_or(f64::INFINITY);
        let t2 = table2.get(gas).unwrap_or(f64::INFINITY);
        let t3 = table3.get(gas).unwrap_or(f64::INFINITY);
        let t4 = table4.and_then(|t| t.get(gas));
        let delta = previous
            .and_then(|p| p.gases.level(gas))
            .map(|before| level - before);
        let rate = window.as_deref().and_then(|w| {
            let points = w.iter().filter(|s| s.gases.level(gas).is_some()).count();
            (points >= RATE_WINDOW.min_samples)
                .then(|| rate_per_year(w, gas))
                .flatten()
        });

        let above_t2 = level > t2;
        let below_t1 = level < t1;
        let delta_exceeded = delta.is_some_and(|d| d > t3 && d >= min_change);
        let rate_exceeded = match (rate, t4) {
            (Some(r), Some(limit)) => r > limit && r * window_years >= min_change,
            _ => false,
        };
        let status = if above_t2 || rate_exceeded {
            Status::Three
        } else if below_t1 && !delta_exceeded {
            Status::One
        } else {
            Status::Two
        };
        if status == Status::Two && !(below_t1 && delta_exceeded) {
            delta_only = false;
        }
        if status == Status::Three {
            delta_only = false;
        }

        if above_t2 {
            findings.push(Finding::about(
                "ieee2019.level_above_table2",
                gas,
                format!(
                    "{gas} {} ppm is above the Table 2 (95th percentile) limit of {} ppm",
                    num(level),
                    num(t2)
                ),
            ));
        } else if !below_t1 {
            findings.push(Finding::about(
                "ieee2019.level_above_table1",
                gas,
                format!(
                    "{gas} {} ppm is at or above the Table 1 (90th percentile) limit of {} ppm",
                    num(level),
                    num(t1)
                ),
            ));
        }
        if t2 > 0.0 && level >= 2.0 * t2 {
            extreme = true;
            findings.push(Finding::about(
                "ieee2019.extreme_level",
                gas,
                format!(
                    "{gas} {} ppm is at least twice its Table 2 limit: expert review",
                    num(level)
                ),
            ));
        }
        if let Some(d) = delta.filter(|_| delta_exceeded) {
            findings.push(Finding::about(
                "ieee2019.delta_above_table3",
                gas,
                format!(
                    "{gas} rose {} ppm since the previous sample; Table 3 allows {}",
                    num(d),
                    if t3 == 0.0 {
                        "no measurable increase".to_owned()
                    } else {
                        format!("{} ppm", num(t3))
                    }
                ),
            ));
        }
        if let (Some(r), Some(limit)) = (rate.filter(|_| rate_exceeded), t4) {
            findings.push(Finding::about(
                "ieee2019.rate_above_table4",
                gas,
                format!(
                    "{gas} is rising {} ppm/year, above the Table 4 limit of {} ppm/year",
                    num(r),
                    if limit == 0.0 {
                        "any increase".to_owned()
                    } else {
                        num(limit)
                    }
                ),
            ));
        }
        gases.push(GasStatus {
            gas,
            status,
            level_ppm: level,
            table1_ppm: t1,
            table2_ppm: t2,
            delta_ppm: delta,
            table3_ppm: t3,
            delta_exceeded,
            rate_ppm_per_year: rate,
            table4_ppm_per_year: t4,
            rate_exceeded,
        });
    }
    let status = gases.iter().map(|g| g.status).max().unwrap_or(Status::One);
    let confirmation_sample_advised = status == Status::Two && delta_only;
    if confirmation_sample_advised {
        findings.push(Finding::new(
            "ieee2019.confirm_delta",
            "Status 2 rests only on a change since the previous sample: take a confirmation \
             sample within about one month",
        ));
    }
    Ieee2019 {
        status,
        oxygen_band: band,
        o2_n2,
        age_band,
        rate_window: window_info,
        rate_interval: interval,
        rate_note,
        gases,
        not_measured,
        confirmation_sample_advised,
        extreme,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sample;
    use crate::gas::GasReadings;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    /// A quiet air-breathing sample (O2/N2 = 0.5) with one gas changed.
    fn quiet() -> GasReadings {
        GasReadings::default()
            .with(Gas::H2, 10.0)
            .with(Gas::CH4, 5.0)
            .with(Gas::C2H6, 3.0)
            .with(Gas::C2H4, 5.0)
            .with(Gas::C2H2, 0.0)
            .with(Gas::CO, 200.0)
            .with(Gas::CO2, 2000.0)
            .with(Gas::O2, 20000.0)
            .with(Gas::N2, 40000.0)
    }

    fn run(samples: Vec<Sample>) -> Ieee2019 {
        evaluate(
            &Asset::new("T"),
            &History::new(samples).expect("history"),
            Ieee2019Limits::builtin(),
        )
    }

    fn gas_status(r: &Ieee2019, gas: Gas) -> Status {
        r.gases.iter().find(|g| g.gas == gas).expect("gas").status
    }

    #[test]
    fn single_sample_levels_against_tables_1_and_2() {
        // Air-breathing, age unknown: H2 Table 1 = 40, Table 2 = 90.
        let at = |h2| {
            run(vec![Sample::new(
                day(2024, 1, 1),
                quiet().with(Gas::H2, h2),
            )])
        };
        assert_eq!(at(39.9).status, Status::One);
        // Exactly on the Table 1 limit is not "below": Status 2.
        assert_eq!(at(40.0).status, Status::Two);
        assert_eq!(at(90.0).status, Status::Two);
        let high = at(90.1);
        assert_eq!(high.status, Status::Three);
        assert_eq!(high.oxygen_band, OxygenBand::HighOxygen);
        assert!(
            high.findings
                .iter()
                .any(|f| f.code == "ieee2019.level_above_table2")
        );
        assert!(!high.extreme);
        assert!(at(180.0).extreme);
    }

    #[test]
    fn low_oxygen_units_use_the_higher_limits() {
        let sealed = quiet().with(Gas::O2, 2000.0).with(Gas::H2, 70.0);
        let r = run(vec![Sample::new(day(2024, 1, 1), sealed)]);
        assert_eq!(r.oxygen_band, OxygenBand::LowOxygen);
        // Low oxygen, unknown age: H2 Table 1 = 80.
        assert_eq!(r.status, Status::One);
        // Exactly 0.2 is still the low-oxygen column.
        let edge = quiet().with(Gas::O2, 8000.0).with(Gas::H2, 70.0);
        assert_eq!(
            run(vec![Sample::new(day(2024, 1, 1), edge)]).oxygen_band,
            OxygenBand::LowOxygen
        );
        let missing = GasReadings {
            o2: crate::gas::GasValue::NotMeasured,
            ..quiet()
        };
        let r = run(vec![Sample::new(day(2024, 1, 1), missing)]);
        assert_eq!(r.oxygen_band, OxygenBand::HighOxygen);
        assert!(r.findings.iter().any(|f| f.code == "ieee2019.oxygen_band"));
    }

    #[test]
    fn age_selects_the_column() {
        let mut asset = Asset::new("T");
        asset.year_of_manufacture = Some(2020);
        // Air-breathing, 1–9 years: CO2 Table 1 = 3500.
        let h = History::new(vec![Sample::new(
            day(2024, 1, 1),
            quiet().with(Gas::CO2, 3600.0),
        )])
        .expect("history");
        let r = evaluate(&asset, &h, Ieee2019Limits::builtin());
        assert_eq!(r.age_band, AgeBand::Age1To9);
        assert_eq!(gas_status(&r, Gas::CO2), Status::Two);
        asset.year_of_manufacture = None;
        let r = evaluate(&asset, &h, Ieee2019Limits::builtin());
        assert_eq!(gas_status(&r, Gas::CO2), Status::One);
    }

    #[test]
    fn delta_above_table3_gives_status_2_and_asks_for_confirmation() {
        // Air-breathing Table 3 for H2 = 25 ppm.
        let r = run(vec![
            Sample::new(day(2024, 1, 1), quiet().with(Gas::H2, 5.0)),
            Sample::new(day(2024, 7, 1), quiet().with(Gas::H2, 30.0)),
        ]);
        assert_eq!(
            r.status,
            Status::One,
            "a rise of exactly 25 is within Table 3"
        );
        let r = run(vec![
            Sample::new(day(2024, 1, 1), quiet().with(Gas::H2, 5.0)),
            Sample::new(day(2024, 7, 1), quiet().with(Gas::H2, 30.5)),
        ]);
        assert_eq!(r.status, Status::Two);
        assert!(r.confirmation_sample_advised);
        assert_eq!(r.rate_window, None);
        assert!(r.rate_note.is_some());
    }

    #[test]
    fn any_measurable_acetylene_increase_counts() {
        let with = |a, b| {
            run(vec![
                Sample::new(day(2024, 1, 1), quiet().with(Gas::C2H2, a)),
                Sample::new(day(2024, 3, 1), quiet().with(Gas::C2H2, b)),
            ])
        };
        assert_eq!(with(0.0, 0.4).status, Status::One, "below lab resolution");
        assert_eq!(with(0.0, 0.5).status, Status::Two);
        assert_eq!(with(0.5, 0.5).status, Status::One);
    }

    #[test]
    fn rate_above_table4_gives_status_3() {
        // Four samples over 12 months (10–24 column), CO rising 100 ppm/year against an
        // air-breathing Table 4 limit of 80 ppm/year, every level below Table 1 (500).
        let samples: Vec<Sample> = (0..4)
            .map(|i| {
                let date = day(2023, 1, 1) + chrono::Days::new(i * 121);
                let co = 100.0 + 100.0 * (i * 121) as f64 / 365.25;
                Sample::new(date, quiet().with(Gas::CO, co))
            })
            .collect();
        let r = run(samples);
        assert_eq!(r.rate_interval, Some(IntervalBand::Months10To24));
        let co = r.gases.iter().find(|g| g.gas == Gas::CO).expect("CO");
        let rate = co.rate_ppm_per_year.expect("rate");
        assert!((rate - 100.0).abs() < 1e-6, "{rate}");
        assert_eq!(co.table4_ppm_per_year, Some(80.0));
        assert_eq!(co.status, Status::Three);
        assert_eq!(r.status, Status::Three);
    }

    #[test]
    fn oxygen_ratio_crossing_the_split_selects_the_lower_limits() {
        // O2/N2 0.05 (sealed), then 0.3, then 0.05 again: the latest alone would pick the
        // low-oxygen column, the history says the unit breathes at times.
        let sealed = quiet().with(Gas::O2, 2000.0).with(Gas::H2, 45.0);
        let r = run(vec![
            Sample::new(day(2024, 1, 1), sealed),
            Sample::new(day(2024, 4, 1), sealed.with(Gas::O2, 12000.0)),
            Sample::new(day(2024, 7, 1), sealed),
        ]);
        assert_eq!(r.oxygen_band, OxygenBand::HighOxygen);
        assert_eq!(
            gas_status(&r, Gas::H2),
            Status::Two,
            "H2 45 ≥ 40 of the > 0.2 column"
        );
        // Steadily sealed, the same H2 is within the low-oxygen Table 1 (80).
        let r = run(vec![
            Sample::new(day(2024, 1, 1), sealed),
            Sample::new(day(2024, 4, 1), sealed),
            Sample::new(day(2024, 7, 1), sealed),
        ]);
        assert_eq!(r.oxygen_band, OxygenBand::LowOxygen);
        assert_eq!(gas_status(&r, Gas::H2), Status::One);
    }

    #[test]
    fn a_short_window_uses_the_4_to_9_month_column() {
        // Three samples over six months, C2H4 rising 8 ppm/year: above the air-breathing
        // 4–9 month limit (7), and it would be above the 10–24 month one (5) too.
        let samples: Vec<Sample> = (0..3u64)
            .map(|i| {
                let date = day(2024, 1, 1) + chrono::Days::new(i * 91);
                let c2h4 = 5.0 + 8.0 * (i * 91) as f64 / 365.25;
                Sample::new(date, quiet().with(Gas::C2H4, c2h4))
            })
            .collect();
        let r = run(samples);
        assert_eq!(r.rate_interval, Some(IntervalBand::Months4To9));
        let c2h4 = r.gases.iter().find(|g| g.gas == Gas::C2H4).expect("C2H4");
        assert_eq!(c2h4.table4_ppm_per_year, Some(7.0));
        assert!(c2h4.rate_exceeded);
        assert_eq!(r.status, Status::Three);
    }

    #[test]
    fn short_windows_give_no_rate() {
        // Three samples spanning three months: below the four-month minimum.
        let samples = (0..3)
            .map(|i| Sample::new(day(2024, 1 + i, 1), quiet()))
            .collect();
        let r = run(samples);
        assert!(r.rate_window.is_none());
        assert!(r.rate_note.as_deref().is_some_and(|n| n.contains("months")));
    }

    #[test]
    fn unmeasured_gases_are_listed_and_skipped() {
        let partial = GasReadings::default().with(Gas::H2, 10.0);
        let r = run(vec![Sample::new(day(2024, 1, 1), partial)]);
        assert_eq!(r.gases.len(), 1);
        assert_eq!(r.not_measured.len(), 6);
        assert_eq!(r.status, Status::One);
    }
}
