//! IEC 60599 interpretation: typical-value screening, the basic gas-ratio code, and the
//! supplementary ratios C2H2/H2, CO2/CO and O2/N2.
//!
//! Source: IEC 60599:2015 (ed. 3) / 2022 (ed. 4), "Mineral oil-filled electrical equipment in
//! service – Guidance on the interpretation of dissolved and free gases analysis": clause 5
//! and Table 1 (basic ratios), the supplementary ratios C2H2/H2, CO2/CO and O2/N2 of
//! clause 5, clause 8 and Annex A
//! (typical concentrations and rates), clause 9 (normal / alert / alarm).
//!
//! State: **normal** when every concentration and rate is within the typical values;
//! **alert** when a concentration or a rate is above them; **alarm** when, for the same gas,
//! both the concentration and its rate of increase are above them, or when the ratio code is
//! D2 (high-energy arcing) with concentrations above typical.
//!
//! Ratio rows overlap (D1/D2 between 1 and 2.5 of C2H2/C2H4); the more specific or more severe
//! row wins, in the order PD, D2, D1, T3, T2, T1. "NS" (non-significant) cells set no
//! condition; the T1 row's CH4/H2 cell, printed "> 1 but NS", requires CH4/H2 > 1 (without it
//! every acetylene-rich sample with little C2H4 read T1).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Applicability, Finding, num};
use crate::domain::{Asset, History, OilPreservation};
use crate::gas::Gas;
use crate::limits::IecLimits;
use crate::numeric::{Ratio, TrendWindow, WindowRule, rate_per_year};

/// Rate window for typical-rate screening: the latest samples over up to 24 months, at least
/// two of them at least one month apart.
pub const RATE_WINDOW: WindowRule = WindowRule {
    min_samples: 2,
    max_samples: 6,
    min_months: 1.0,
    max_months: 24.0,
};

/// IEC 60599 clause 9 outcome.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum IecState {
    Normal,
    Alert,
    Alarm,
}

impl IecState {
    pub fn label(self) -> &'static str {
        match self {
            IecState::Normal => "normal",
            IecState::Alert => "alert",
            IecState::Alarm => "alarm",
        }
    }
}

/// IEC 60599 Table 1 fault codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RatioCode {
    PD,
    D1,
    D2,
    T1,
    T2,
    T3,
    /// No row matches: not determined.
    ND,
}

/// Table 1 with the precedence above.
pub fn classify_ratios(
    c2h2_c2h4: Option<f64>,
    ch4_h2: Option<f64>,
    c2h4_c2h6: Option<f64>,
) -> RatioCode {
    let r1 = |test: fn(f64) -> bool| c2h2_c2h4.is_some_and(test);
    let r2 = |test: fn(f64) -> bool| ch4_h2.is_some_and(test);
    let r3 = |test: fn(f64) -> bool| c2h4_c2h6.is_some_and(test);
    if r2(|v| v < 0.1) && r3(|v| v < 0.2) {
        RatioCode::PD
    } else if r1(|v| (0.6..=2.5).contains(&v))
        && r2(|v| (0.1..=1.0).contains(&v))
        && r3(|v| v > 2.0)
    {
        RatioCode::D2
    } else if r1(|v| v > 1.0) && r2(|v| (0.1..=0.5).contains(&v)) && r3(|v| v > 1.0) {
        RatioCode::D1
    } else if r1(|v| v < 0.2) && r2(|v| v > 1.0) && r3(|v| v > 4.0) {
        RatioCode::T3
    } else if r1(|v| v < 0.1) && r2(|v| v > 1.0) && r3(|v| (1.0..=4.0).contains(&v)) {
        RatioCode::T2
    } else if r2(|v| v > 1.0) && r3(|v| v < 1.0) {
        RatioCode::T1
    } else {
        RatioCode::ND
    }
}

/// One gas against its typical value and typical rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GasScreening {
    pub gas: Gas,
    pub level_ppm: f64,
    pub typical_ppm: f64,
    pub above_typical: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_ppm_per_year: Option<f64>,
    pub typical_rate_ppm_per_year: f64,
    pub rate_above_typical: bool,
}

/// The basic ratio code and its ratios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RatioMethod {
    pub c2h2_c2h4: Ratio,
    pub ch4_h2: Ratio,
    pub c2h4_c2h6: Ratio,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Iec60599 {
    pub state: IecState,
    /// Table 1 code of the latest sample; absent when no ratio is computable.
    pub ratio_code: Option<RatioCode>,
    /// Whether the ratio code should be acted on: only when H2 or a hydrocarbon is above its
    /// typical value or rate.
    pub ratio_code_applicability: Applicability,
    pub ratios: RatioMethod,
    pub gases: Vec<GasScreening>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_window: Option<TrendWindow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_note: Option<String>,
    /// C2H2/H2; above the threshold (2) suggests contamination from the OLTC compartment.
    pub c2h2_h2: Ratio,
    pub oltc_contamination_suspected: bool,
    /// CO2/CO: below 3 suggests paper involvement in a fault.
    pub co2_co: Ratio,
    /// The fault is likely to involve paper (CO2/CO below 3 with CO above typical).
    pub paper_involvement_suspected: bool,
    /// Mild paper overheating or oil oxidation (CO2/CO above 10 with CO2 above 10,000 ppm).
    pub paper_overheating_suspected: bool,
    pub o2_n2: Ratio,
    /// O2/N2 below 0.3 in an air-breathing unit: oxygen is being consumed.
    pub oxygen_consumption_suspected: bool,
    /// Reported once, in the diagnosis' `rules`.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// `num / den` is above `threshold`, counting a detected gas over an undetected one as above
/// any threshold.
fn ratio_above(ratio: &Ratio, num: Option<f64>, den: Option<f64>, threshold: f64) -> bool {
    match ratio.value {
        Some(value) => value > threshold,
        None => matches!((num, den), (Some(n), Some(d)) if n > 0.0 && d == 0.0),
    }
}

/// Evaluates a transformer's history.
pub fn evaluate(asset: &Asset, history: &History, limits: &IecLimits) -> Iec60599 {
    let latest = &history.latest().gases;
    let mut findings = Vec::new();
    let oltc = asset.communicating_oltc.unwrap_or(false);

    let (window, rate_note) = match RATE_WINDOW.select(history.samples()) {
        Ok(window) => (Some(window), None),
        Err(reason) => (None, Some(format!("no rate of increase: {reason}"))),
    };
    let window_info = window.as_deref().and_then(WindowRule::describe);
    let window_years = window_info.as_ref().map_or(0.0, |w| w.months / 12.0);

    let mut gases = Vec::new();
    let mut any_above = false;
    let mut any_rate_above = false;
    let mut both_above = false;
    // The ratio gases (not CO and CO2, which paper ageing raises in healthy units).
    let mut ratio_gas_flagged = false;
    for gas in Gas::FAULT_GASES {
        let Some(level) = latest.level(gas) else {
            continue;
        };
        let typical = limits
            .typical_concentration
            .get(gas, oltc)
            .unwrap_or(f64::INFINITY);
        let typical_rate = limits
            .typical_rate_per_year
            .get(gas, oltc)
            .unwrap_or(f64::INFINITY);
        let rate = window.as_deref().and_then(|w| rate_per_year(w, gas));
        let above = level > typical;
        let rate_above = rate.is_some_and(|r| {
            r > typical_rate && r * window_years >= limits.minimum_measurable_change_ppm
        });
        if above {
            findings.push(Finding::about(
                "iec60599.above_typical",
                gas,
                format!(
                    "{gas} {} ppm is above the typical value of {} ppm",
                    num(level),
                    num(typical)
                ),
            ));
        }
        if let Some(r) = rate.filter(|_| rate_above) {
            findings.push(Finding::about(
                "iec60599.rate_above_typical",
                gas,
                format!(
                    "{gas} is rising {} ppm/year, above the typical rate of {} ppm/year",
                    num(r),
                    num(typical_rate)
                ),
            ));
        }
        any_above |= above;
        any_rate_above |= rate_above;
        ratio_gas_flagged |= (above || rate_above) && !matches!(gas, Gas::CO | Gas::CO2);
        both_above |= above && rate_above;
        gases.push(GasScreening {
            gas,
            level_ppm: level,
            typical_ppm: typical,
            above_typical: above,
            rate_ppm_per_year: rate,
            typical_rate_ppm_per_year: typical_rate,
            rate_above_typical: rate_above,
        });
    }

    let ratios = RatioMethod {
        c2h2_c2h4: Ratio::of(Gas::C2H2, latest.c2h2, Gas::C2H4, latest.c2h4),
        ch4_h2: Ratio::of(Gas::CH4, latest.ch4, Gas::H2, latest.h2),
        c2h4_c2h6: Ratio::of(Gas::C2H4, latest.c2h4, Gas::C2H6, latest.c2h6),
    };
    let computable = [&ratios.c2h2_c2h4, &ratios.ch4_h2, &ratios.c2h4_c2h6]
        .iter()
        .any(|r| r.value.is_some());
    let ratio_code = computable.then(|| {
        classify_ratios(
            ratios.c2h2_c2h4.value,
            ratios.ch4_h2.value,
            ratios.c2h4_c2h6.value,
        )
    });

    let mut state = if both_above {
        IecState::Alarm
    } else if any_above || any_rate_above {
        IecState::Alert
    } else {
        IecState::Normal
    };
    if both_above {
        findings.push(Finding::new(
            "iec60599.alarm",
            "a gas is above both its typical concentration and its typical rate",
        ));
    }
    if ratio_code == Some(RatioCode::D2) && ratio_gas_flagged && state != IecState::Alarm {
        state = IecState::Alarm;
        findings.push(Finding::new(
            "iec60599.alarm_d2",
            "ratio code D2 (high-energy discharge) with gases above typical values",
        ));
    }
    let ratio_code_applicability = if ratio_gas_flagged {
        Applicability::applies()
    } else {
        Applicability::not_applicable(
            "H2 and the hydrocarbons are within typical values and rates: ratios of small \
             concentrations are not significant",
        )
    };

    let c2h2_h2 = Ratio::of(Gas::C2H2, latest.c2h2, Gas::H2, latest.h2);
    let oltc_contamination_suspected = asset.communicating_oltc != Some(false)
        && latest.level(Gas::C2H2).is_some_and(|v| v > 0.0)
        && ratio_above(
            &c2h2_h2,
            latest.level(Gas::C2H2),
            latest.level(Gas::H2),
            limits.oltc_contamination_c2h2_h2,
        );
    if oltc_contamination_suspected {
        findings.push(Finding::new(
            "iec60599.oltc_contamination",
            format!(
                "C2H2/H2 = {} is above {}: possible contamination from the tap-changer compartment",
                c2h2_h2
                    .value
                    .map_or_else(|| "∞ (H2 not detected)".to_owned(), num),
                num(limits.oltc_contamination_c2h2_h2)
            ),
        ));
    }

    let co2_co = Ratio::of(Gas::CO2, latest.co2, Gas::CO, latest.co);
    let co_above = gases.iter().any(|g| g.gas == Gas::CO && g.above_typical);
    let paper_involvement_suspected = co_above && co2_co.is(|r| r < limits.paper_co2_co_below);
    if paper_involvement_suspected {
        findings.push(Finding::new(
            "iec60599.paper_involvement",
            format!(
                "CO2/CO = {} with CO above typical: the fault probably involves paper",
                num(co2_co.value.unwrap_or_default())
            ),
        ));
    }
    let paper_overheating_suspected = ratio_above(
        &co2_co,
        latest.level(Gas::CO2),
        latest.level(Gas::CO),
        limits.paper_overheating_co2_co_above,
    ) && latest
        .level(Gas::CO2)
        .is_some_and(|v| v > limits.paper_overheating_co2_min_ppm);
    if paper_overheating_suspected {
        findings.push(Finding::new(
            "iec60599.paper_overheating",
            format!(
                "CO2/CO = {} with CO2 above {} ppm: mild overheating of paper or oil oxidation",
                co2_co
                    .value
                    .map_or_else(|| "∞ (CO not detected)".to_owned(), num),
                num(limits.paper_overheating_co2_min_ppm)
            ),
        ));
    }

    let o2_n2 = Ratio::of(Gas::O2, latest.o2, Gas::N2, latest.n2);
    let closed = matches!(
        asset.oil_preservation,
        Some(OilPreservation::Sealed | OilPreservation::NitrogenBlanket)
    );
    let oxygen_consumption_suspected = !closed
        && asset.oil_preservation.is_some()
        && o2_n2.is(|r| r < limits.oxygen_consumption_o2_n2_below);
    if oxygen_consumption_suspected {
        findings.push(Finding::new(
            "iec60599.oxygen_consumption",
            format!(
                "O2/N2 = {} in a free-breathing unit: excessive oxygen consumption (oxidation or overheating)",
                num(o2_n2.value.unwrap_or_default())
            ),
        ));
    }

    Iec60599 {
        state,
        ratio_code,
        ratio_code_applicability,
        ratios,
        gases,
        rate_window: window_info,
        rate_note,
        c2h2_h2,
        oltc_contamination_suspected,
        co2_co,
        paper_involvement_suspected,
        paper_overheating_suspected,
        o2_n2,
        oxygen_consumption_suspected,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sample;
    use crate::gas::GasReadings;
    use RatioCode::*;
    use chrono::NaiveDate;

    #[test]
    fn table_1_rows_and_edges() {
        let c = |a: f64, b: f64, c: f64| classify_ratios(Some(a), Some(b), Some(c));
        assert_eq!(c(0.0, 0.05, 0.1), PD);
        assert_eq!(c(5.0, 0.05, 0.1), PD, "C2H2/C2H4 is NS for PD");
        assert_eq!(
            c(0.0, 0.1, 0.1),
            ND,
            "CH4/H2 = 0.1 is neither < 0.1 (PD) nor > 1 (T1)"
        );
        assert_eq!(c(0.0, 1.01, 0.1), T1);
        assert_eq!(
            c(3.0, 0.5, 0.5),
            ND,
            "acetylene-rich with H2 above CH4 is not T1"
        );
        assert_eq!(c(1.5, 0.3, 3.0), D2, "D1/D2 overlap goes to D2");
        assert_eq!(c(2.6, 0.3, 3.0), D1);
        assert_eq!(c(1.5, 0.3, 1.5), D1);
        assert_eq!(c(0.6, 1.0, 2.01), D2);
        assert_eq!(c(0.59, 1.0, 2.01), ND);
        assert_eq!(c(0.15, 2.0, 4.01), T3);
        assert_eq!(c(0.2, 2.0, 4.01), ND);
        assert_eq!(c(0.05, 2.0, 4.0), T2);
        assert_eq!(c(0.05, 2.0, 1.0), T2);
        assert_eq!(c(0.05, 2.0, 0.99), T1);
        assert_eq!(c(0.5, 0.5, 1.5), ND);
        assert_eq!(
            classify_ratios(None, None, Some(0.5)),
            ND,
            "T1 needs CH4/H2"
        );
        assert_eq!(classify_ratios(None, Some(2.0), Some(0.5)), T1);
        assert_eq!(classify_ratios(None, Some(0.05), None), ND);
    }

    fn sample(y: i32, m: u32, gases: GasReadings) -> Sample {
        Sample::new(NaiveDate::from_ymd_opt(y, m, 1).expect("date"), gases)
    }

    fn base() -> GasReadings {
        GasReadings::default()
            .with(Gas::H2, 20.0)
            .with(Gas::CH4, 10.0)
            .with(Gas::C2H6, 10.0)
            .with(Gas::C2H4, 10.0)
            .with(Gas::C2H2, 0.0)
            .with(Gas::CO, 300.0)
            .with(Gas::CO2, 3000.0)
    }

    #[test]
    fn normal_alert_alarm() {
        let asset = Asset::new("T");
        let eval = |samples| {
            evaluate(
                &asset,
                &History::new(samples).expect("h"),
                IecLimits::builtin(),
            )
        };
        let normal = eval(vec![sample(2024, 1, base())]);
        assert_eq!(normal.state, IecState::Normal);
        assert!(!normal.ratio_code_applicability.applicable);
        // Exactly at the typical value is within it.
        let edge = eval(vec![sample(2024, 1, base().with(Gas::H2, 50.0))]);
        assert_eq!(edge.state, IecState::Normal);
        // H2 above its typical 50 ppm: alert.
        let alert = eval(vec![sample(2024, 1, base().with(Gas::H2, 60.0))]);
        assert_eq!(alert.state, IecState::Alert);
        assert!(alert.ratio_code_applicability.applicable);
        // H2 above typical and rising 80 ppm/year (typical rate 35): alarm.
        let alarm = eval(vec![
            sample(2023, 1, base().with(Gas::H2, 20.0)),
            sample(2024, 1, base().with(Gas::H2, 100.0)),
        ]);
        assert_eq!(alarm.state, IecState::Alarm);
        let h2 = alarm.gases.iter().find(|g| g.gas == Gas::H2).expect("H2");
        assert!(h2.rate_above_typical && h2.above_typical);
    }

    #[test]
    fn supplementary_ratios() {
        let mut asset = Asset::new("T");
        asset.oil_preservation = Some(OilPreservation::Conservator);
        let gases = base()
            .with(Gas::H2, 10.0)
            .with(Gas::C2H2, 25.0)
            .with(Gas::CO, 900.0)
            .with(Gas::CO2, 2000.0)
            .with(Gas::O2, 5000.0)
            .with(Gas::N2, 50000.0);
        let r = evaluate(
            &asset,
            &History::new(vec![sample(2024, 1, gases)]).expect("h"),
            IecLimits::builtin(),
        );
        assert!(r.oltc_contamination_suspected, "C2H2/H2 = 2.5");
        assert!(r.paper_involvement_suspected, "CO2/CO = 2.2 with CO 900");
        assert!(
            r.oxygen_consumption_suspected,
            "O2/N2 = 0.1, free-breathing"
        );
        asset.oil_preservation = Some(OilPreservation::Sealed);
        asset.communicating_oltc = Some(false);
        let r = evaluate(
            &asset,
            &History::new(vec![sample(2024, 1, gases)]).expect("h"),
            IecLimits::builtin(),
        );
        assert!(
            !r.oxygen_consumption_suspected,
            "sealed units consume no air"
        );
        assert!(!r.oltc_contamination_suspected, "no communicating OLTC");
    }
}
