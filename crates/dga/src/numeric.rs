//! Ratios and trends that never produce NaN or infinity.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::Sample;
use crate::gas::{Gas, GasValue};

/// Average length of a year in days, for rates per year.
pub const DAYS_PER_YEAR: f64 = 365.25;
/// Average length of a month in days.
pub const DAYS_PER_MONTH: f64 = DAYS_PER_YEAR / 12.0;

/// A gas ratio, or the reason it cannot be computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ratio {
    /// The ratio, when computable.
    pub value: Option<f64>,
    /// Why the ratio cannot be computed (zero or undetected denominator, gas not measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_computable: Option<String>,
}

impl Ratio {
    fn value(value: f64) -> Self {
        Ratio {
            value: Some(value),
            not_computable: None,
        }
    }

    fn not_computable(reason: String) -> Self {
        Ratio {
            value: None,
            not_computable: Some(reason),
        }
    }

    /// `numerator / denominator` for two gas values.
    ///
    /// An undetected numerator counts as zero (the ratio is then "below" every threshold,
    /// which is what "not detected" means); an undetected or zero denominator makes the
    /// ratio not computable.
    pub fn of(num_gas: Gas, num: GasValue, den_gas: Gas, den: GasValue) -> Self {
        let Some(numerator) = num.level() else {
            return Ratio::not_computable(format!("{num_gas} not measured"));
        };
        let denominator = match den {
            GasValue::NotMeasured => {
                return Ratio::not_computable(format!("{den_gas} not measured"));
            }
            GasValue::BelowDetection { .. } => {
                return Ratio::not_computable(format!("{den_gas} below detection limit"));
            }
            GasValue::Measured(ppm) => ppm,
        };
        if denominator <= 0.0 {
            return Ratio::not_computable(format!("{den_gas} is zero"));
        }
        let ratio = numerator / denominator;
        if ratio.is_finite() {
            Ratio::value(ratio)
        } else {
            Ratio::not_computable(format!("{num_gas}/{den_gas} is too large to be meaningful"))
        }
    }

    /// True when the ratio is known and satisfies `test`.
    pub fn is(&self, test: impl Fn(f64) -> bool) -> bool {
        self.value.is_some_and(test)
    }
}

/// Shares in percent of a set of gases; `None` when their sum is zero or one is not measured.
pub fn percent_shares<const N: usize>(levels: [Option<f64>; N]) -> Option<[f64; N]> {
    let mut values = [0.0; N];
    for (slot, level) in values.iter_mut().zip(levels) {
        *slot = level?;
    }
    let total: f64 = values.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    Some(values.map(|v| 100.0 * v / total))
}

/// Days from `from` to `to`.
pub fn days_between(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64
}

/// Least-squares slope of `(x, y)` points, or `None` when every x is the same.
pub fn least_squares_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx <= f64::EPSILON {
        return None;
    }
    let slope = sxy / sxx;
    slope.is_finite().then_some(slope)
}

/// The recent samples over which a rate of change is fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrendWindow {
    /// Number of samples in the window.
    pub samples: usize,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Span from first to last sample, months.
    pub months: f64,
}

/// Which recent samples to fit a rate over.
#[derive(Debug, Clone, Copy)]
pub struct WindowRule {
    pub min_samples: usize,
    pub max_samples: usize,
    pub min_months: f64,
    pub max_months: f64,
}

impl WindowRule {
    /// Picks the samples to fit a rate over: those within `max_months` of the latest one;
    /// when there are more than `max_samples`, an evenly spread subset that keeps the first
    /// and the last (so weekly sampling still gives a window of months, not of weeks).
    /// `Err` explains why no window fits.
    pub fn select(&self, samples: &[Sample]) -> Result<Vec<Sample>, String> {
        let Some(last) = samples.last() else {
            return Err("no samples".to_owned());
        };
        let recent: Vec<Sample> = samples
            .iter()
            .filter(|s| days_between(s.date, last.date) / DAYS_PER_MONTH <= self.max_months)
            .copied()
            .collect();
        let window: Vec<Sample> = if recent.len() > self.max_samples && self.max_samples >= 2 {
            let steps = self.max_samples - 1;
            (0..self.max_samples)
                .map(|k| recent[k * (recent.len() - 1) / steps])
                .collect()
        } else {
            recent
        };
        if window.len() < self.min_samples {
            return Err(format!(
                "needs at least {} samples within {} months; {} available",
                self.min_samples,
                self.max_months,
                window.len()
            ));
        }
        let months = days_between(window[0].date, last.date) / DAYS_PER_MONTH;
        if months < self.min_months {
            return Err(format!(
                "the last {} samples span {:.1} months; at least {} are needed",
                window.len(),
                months,
                self.min_months
            ));
        }
        Ok(window)
    }

    /// Describes a selected window.
    pub fn describe(window: &[Sample]) -> Option<TrendWindow> {
        let first = window.first()?.date;
        let last = window.last()?.date;
        Some(TrendWindow {
            samples: window.len(),
            first,
            last,
            months: days_between(first, last) / DAYS_PER_MONTH,
        })
    }
}

/// Least-squares rate of one gas over `window`, ppm per year. `None` when fewer than two
/// samples report the gas or they all share one date.
pub fn rate_per_year(window: &[Sample], gas: Gas) -> Option<f64> {
    let origin = window.first()?.date;
    let points: Vec<(f64, f64)> = window
        .iter()
        .filter_map(|sample| {
            let level = sample.gases.level(gas)?;
            Some((days_between(origin, sample.date), level))
        })
        .collect();
    least_squares_slope(&points).map(|per_day| per_day * DAYS_PER_YEAR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gas::GasReadings;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn ratio_handles_every_kind_of_value() {
        let m = GasValue::Measured;
        let bdl = GasValue::BelowDetection { limit: Some(1.0) };
        assert_eq!(
            Ratio::of(Gas::CH4, m(5.0), Gas::H2, m(10.0)).value,
            Some(0.5)
        );
        assert_eq!(Ratio::of(Gas::CH4, bdl, Gas::H2, m(10.0)).value, Some(0.0));
        let zero = Ratio::of(Gas::CH4, m(5.0), Gas::H2, m(0.0));
        assert_eq!(zero.value, None);
        assert_eq!(zero.not_computable.as_deref(), Some("H2 is zero"));
        let undetected = Ratio::of(Gas::CH4, m(5.0), Gas::H2, bdl);
        assert_eq!(
            undetected.not_computable.as_deref(),
            Some("H2 below detection limit")
        );
        let missing = Ratio::of(Gas::CH4, GasValue::NotMeasured, Gas::H2, m(1.0));
        assert_eq!(missing.not_computable.as_deref(), Some("CH4 not measured"));
        let huge = Ratio::of(Gas::CH4, m(1e6), Gas::H2, m(1e-320));
        assert_eq!(huge.value, None);
    }

    #[test]
    fn shares_sum_to_one_hundred() {
        let shares = percent_shares([Some(1.0), Some(1.0), Some(2.0)]).expect("shares");
        assert_eq!(shares, [25.0, 25.0, 50.0]);
        assert_eq!(percent_shares([Some(0.0), Some(0.0)]), None);
        assert_eq!(percent_shares([Some(1.0), None]), None);
    }

    #[test]
    fn slope_of_a_line_is_exact() {
        let points = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.0)];
        assert_eq!(least_squares_slope(&points), Some(2.0));
        assert_eq!(least_squares_slope(&[(1.0, 1.0), (1.0, 2.0)]), None);
        assert_eq!(least_squares_slope(&[(1.0, 1.0)]), None);
    }

    #[test]
    fn window_drops_samples_older_than_the_span() {
        let s = |date| Sample::new(date, GasReadings::default().with(Gas::H2, 1.0));
        let samples = [
            s(day(2018, 1, 1)),
            s(day(2022, 1, 1)),
            s(day(2022, 7, 1)),
            s(day(2023, 1, 1)),
        ];
        let rule = WindowRule {
            min_samples: 3,
            max_samples: 6,
            min_months: 4.0,
            max_months: 24.0,
        };
        let window = rule.select(&samples).expect("window");
        assert_eq!(window.len(), 3);
        assert_eq!(window[0].date, day(2022, 1, 1));
        // Weekly sampling over a year: six samples spread from the first to the last.
        let weekly: Vec<Sample> = (0..53u64)
            .map(|w| s(day(2023, 1, 2) + chrono::Days::new(7 * w)))
            .collect();
        let window = rule.select(&weekly).expect("window");
        assert_eq!(window.len(), 6);
        assert_eq!(window[0].date, day(2023, 1, 2));
        assert_eq!(window[5].date, weekly[52].date);
        let months = WindowRule::describe(&window).expect("span").months;
        assert!(months > 11.9, "{months}");
        let short = [s(day(2023, 1, 1)), s(day(2023, 2, 1)), s(day(2023, 3, 1))];
        let err = rule.select(&short).expect_err("too short");
        assert!(err.contains("months"), "{err}");
    }

    #[test]
    fn rate_is_per_year() {
        let s = |date, h2| Sample::new(date, GasReadings::default().with(Gas::H2, h2));
        // 10 ppm more after exactly one (Julian) year of days: 365.25 days is not a whole
        // number, so use two years (730.5 days ≈ 2021-01-01 → 2023-01-01 is 730 days).
        let window = [s(day(2021, 1, 1), 10.0), s(day(2023, 1, 1), 30.0)];
        let rate = rate_per_year(&window, Gas::H2).expect("rate");
        assert!((rate - 20.0 * 365.25 / 730.0).abs() < 1e-9, "{rate}");
        assert_eq!(rate_per_year(&window, Gas::CO), None);
    }
}
