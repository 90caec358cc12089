//! IEEE C57.104-2008 four-condition method (total dissolved combustible gas, TDCG).
//!
//! Source: IEEE C57.104-2008 clause 6.5, Table 1 (concentration bands for Conditions 1–4)
//! and Table 3 (sampling intervals by TDCG and its daily generation rate). Kept for
//! utilities whose procedures still speak in Conditions; the 2019 status method supersedes it.
//!
//! TDCG = H2 + CH4 + C2H6 + C2H4 + C2H2 + CO (CO2 is not combustible). A value equal to a
//! band's upper bound belongs to that band ("≤ 100" is Condition 1).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Finding, num};
use crate::domain::History;
use crate::gas::Gas;
use crate::limits::{Ieee2008Limits, TdcgLimits};
use crate::numeric::days_between;

/// The gases summed into TDCG.
pub const TDCG_GASES: [Gas; 6] = [Gas::H2, Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2, Gas::CO];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GasCondition {
    pub gas: Gas,
    pub level_ppm: f64,
    /// 1 to 4.
    pub condition: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ieee2008 {
    /// The worst of the individual gases and TDCG, 1 to 4.
    pub condition: u8,
    /// Total dissolved combustible gas of the latest sample, ppm; absent when a combustible
    /// gas was not measured.
    pub tdcg_ppm: Option<f64>,
    pub tdcg_condition: Option<u8>,
    /// TDCG change per day since the previous sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tdcg_rate_ppm_per_day: Option<f64>,
    /// Sampling interval from Table 3 for this condition and rate, days.
    pub sampling_interval_days: u32,
    pub gases: Vec<GasCondition>,
    /// Reported once, in the diagnosis' `rules`.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

fn condition_of(value: f64, pick: impl Fn(&TdcgLimits) -> f64, limits: &Ieee2008Limits) -> u8 {
    if value <= pick(&limits.condition_1_max) {
        1
    } else if value <= pick(&limits.condition_2_max) {
        2
    } else if value <= pick(&limits.condition_3_max) {
        3
    } else {
        4
    }
}

fn tdcg(gases: &crate::gas::GasReadings) -> Option<f64> {
    TDCG_GASES.iter().map(|gas| gases.level(*gas)).sum()
}

/// Table 3: sampling interval (days) by condition and TDCG rate (< 10, 10–30, > 30 ppm/day).
/// Without a rate the "< 10 ppm/day" column applies. The intervals are as commonly quoted from
/// the 2008 guide; they could not be checked against the printed table (docs/diagnosis.md).
pub fn sampling_interval_days(condition: u8, rate_ppm_per_day: Option<f64>) -> u32 {
    let column = match rate_ppm_per_day {
        Some(rate) if rate > 30.0 => 2,
        Some(rate) if rate >= 10.0 => 1,
        _ => 0,
    };
    const TABLE: [[u32; 3]; 4] = [[365, 90, 30], [90, 30, 30], [30, 7, 7], [7, 1, 1]];
    TABLE[usize::from(condition.clamp(1, 4) - 1)][column]
}

/// Evaluates the latest sample of `history`.
pub fn evaluate(history: &History, limits: &Ieee2008Limits) -> Ieee2008 {
    let latest = history.latest();
    let mut findings = Vec::new();
    let mut gases = Vec::new();
    for gas in Gas::FAULT_GASES {
        let Some(level) = latest.gases.level(gas) else {
            continue;
        };
        let condition = condition_of(level, |t| t.get(gas).unwrap_or(f64::INFINITY), limits);
        if condition > 1 {
            findings.push(Finding::about(
                "ieee2008.gas_condition",
                gas,
                format!("{gas} {} ppm is in Condition {condition}", num(level)),
            ));
        }
        gases.push(GasCondition {
            gas,
            level_ppm: level,
            condition,
        });
    }
    let tdcg_ppm = tdcg(&latest.gases);
    let tdcg_condition = tdcg_ppm.map(|total| condition_of(total, |t| t.tdcg, limits));
    let tdcg_rate_ppm_per_day = match (history.previous(), tdcg_ppm) {
        (Some(previous), Some(now)) => tdcg(&previous.gases).and_then(|before| {
            let days = days_between(previous.date, latest.date);
            (days > 0.0).then(|| (now - before) / days)
        }),
        _ => None,
    };
    if let (Some(total), Some(condition)) = (tdcg_ppm, tdcg_condition)
        && condition > 1
    {
        findings.push(Finding::new(
            "ieee2008.tdcg_condition",
            format!("TDCG {} ppm is in Condition {condition}", num(total)),
        ));
    }
    let condition = gases
        .iter()
        .map(|g| g.condition)
        .chain(tdcg_condition)
        .max()
        .unwrap_or(1);
    // The guide gives a transformer one condition, the highest of any gas and TDCG; Table 3
    // reads the interval for that condition in the column of the TDCG rate.
    let interval_condition = condition;
    Ieee2008 {
        condition,
        tdcg_ppm,
        tdcg_condition,
        tdcg_rate_ppm_per_day,
        sampling_interval_days: sampling_interval_days(interval_condition, tdcg_rate_ppm_per_day),
        gases,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sample;
    use crate::gas::GasReadings;
    use chrono::NaiveDate;

    fn history(samples: &[(i32, u32, u32, [f64; 6])]) -> History {
        History::new(
            samples
                .iter()
                .map(|(y, m, d, v)| {
                    let mut gases = GasReadings::default();
                    for (gas, ppm) in TDCG_GASES.iter().zip(v) {
                        gases = gases.with(*gas, *ppm);
                    }
                    Sample::new(NaiveDate::from_ymd_opt(*y, *m, *d).expect("date"), gases)
                })
                .collect(),
        )
        .expect("history")
    }

    #[test]
    fn band_edges_belong_to_the_lower_condition() {
        let limits = Ieee2008Limits::builtin();
        let h2 = |v| condition_of(v, |t| t.h2, limits);
        assert_eq!(h2(100.0), 1);
        assert_eq!(h2(100.5), 2);
        assert_eq!(h2(700.0), 2);
        assert_eq!(h2(1800.0), 3);
        assert_eq!(h2(1800.1), 4);
        let c2h2 = |v| condition_of(v, |t| t.c2h2, limits);
        assert_eq!(c2h2(1.0), 1);
        assert_eq!(c2h2(2.0), 2);
        assert_eq!(c2h2(35.0), 3);
        assert_eq!(c2h2(36.0), 4);
    }

    #[test]
    fn tdcg_sums_six_gases_and_sets_the_interval() {
        // TDCG 100+120+65+50+1+350 = 686 → Condition 1; C2H2 = 1 still Condition 1.
        let h = history(&[(2024, 1, 1, [100.0, 120.0, 65.0, 50.0, 1.0, 350.0])]);
        let r = evaluate(&h, Ieee2008Limits::builtin());
        assert_eq!(r.tdcg_ppm, Some(686.0));
        assert_eq!(r.condition, 1);
        assert_eq!(r.sampling_interval_days, 365);
        // 30 days later TDCG 2000 (Condition 3), rising (2000-686)/30 = 43.8 ppm/day.
        let h = history(&[
            (2024, 1, 1, [100.0, 120.0, 65.0, 50.0, 1.0, 350.0]),
            (2024, 1, 31, [900.0, 300.0, 100.0, 100.0, 0.0, 600.0]),
        ]);
        let r = evaluate(&h, Ieee2008Limits::builtin());
        assert_eq!(r.tdcg_ppm, Some(2000.0));
        assert_eq!(r.tdcg_condition, Some(3));
        let rate = r.tdcg_rate_ppm_per_day.expect("rate");
        assert!((rate - 1314.0 / 30.0).abs() < 1e-9);
        assert_eq!(r.sampling_interval_days, 7);
        assert_eq!(r.condition, 3);
    }

    #[test]
    fn one_gas_sets_the_condition_and_its_interval() {
        // C2H2 40 > 35: Condition 4, although TDCG 10+10+10+10+40+100 = 180 is in Condition 1.
        let h = history(&[(2024, 1, 1, [10.0, 10.0, 10.0, 10.0, 40.0, 100.0])]);
        let r = evaluate(&h, Ieee2008Limits::builtin());
        assert_eq!((r.condition, r.tdcg_condition), (4, Some(1)));
        assert_eq!(r.sampling_interval_days, 7);
    }

    #[test]
    fn interval_table() {
        assert_eq!(sampling_interval_days(1, Some(9.9)), 365);
        assert_eq!(sampling_interval_days(1, Some(10.0)), 90);
        assert_eq!(sampling_interval_days(2, Some(31.0)), 30);
        assert_eq!(sampling_interval_days(4, None), 7);
        assert_eq!(sampling_interval_days(4, Some(40.0)), 1);
    }
}
