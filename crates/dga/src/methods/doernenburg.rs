//! Doernenburg ratio method, dissolved-gas (oil) column.
//!
//! Source: E. Dörnenburg and W. Strittmatter, "Monitoring oil-cooled transformers by gas
//! analysis", Brown Boveri Review 61, 1974; procedure and limits as in IEEE C57.104-2008
//! clause 6.4.1, Tables 4 and 5.
//!
//! Steps: (1) the unit is considered faulty only if one of H2, CH4, C2H2, C2H4 exceeds twice
//! its L1 limit and one of CO, C2H6 exceeds L1; (2) a ratio is significant only if at least one
//! of its gases exceeds L1; (3) a fault type is suggested only when every significant ratio
//! it needs falls in its column.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Applicability, Finding, num};
use crate::gas::{Gas, GasReadings};
use crate::numeric::Ratio;

/// L1 concentrations, ppm (IEEE C57.104-2008 Table 4).
pub const L1: [(Gas, f64); 6] = [
    (Gas::H2, 100.0),
    (Gas::CH4, 120.0),
    (Gas::CO, 350.0),
    (Gas::C2H2, 1.0),
    (Gas::C2H4, 50.0),
    (Gas::C2H6, 65.0),
];

fn l1(gas: Gas) -> f64 {
    L1.iter()
        .find(|(g, _)| *g == gas)
        .map_or(f64::INFINITY, |(_, limit)| *limit)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DoernenburgFault {
    ThermalDecomposition,
    /// Low-intensity partial discharge.
    PartialDischarge,
    /// High-intensity partial discharge (arcing).
    Arcing,
    NotDetermined,
}

/// One Doernenburg ratio and whether it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DoernenburgRatio {
    #[serde(flatten)]
    pub ratio: Ratio,
    /// At least one of its two gases exceeds L1.
    pub significant: bool,
    /// The value compared with the table: the ratio, or +∞ when a detected gas sits over an
    /// undetected one (C2H6/C2H2 with no acetylene is the normal thermal signature and must
    /// read as "> 0.4", not as "unknown"). 0/0 stays unknown.
    #[serde(skip)]
    comparable: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Doernenburg {
    #[serde(flatten)]
    pub applicability: Applicability,
    /// Step 1 passed: concentrations high enough for the method to mean anything.
    pub fault_indicated: bool,
    /// R1 = CH4/H2
    pub ch4_h2: DoernenburgRatio,
    /// R2 = C2H2/C2H4
    pub c2h2_c2h4: DoernenburgRatio,
    /// R3 = C2H2/CH4
    pub c2h2_ch4: DoernenburgRatio,
    /// R4 = C2H6/C2H2
    pub c2h6_c2h2: DoernenburgRatio,
    pub fault: DoernenburgFault,
    /// Reported once, in the diagnosis' `rules`.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

fn ratio(gases: &GasReadings, num: Gas, den: Gas) -> DoernenburgRatio {
    let over = |gas: Gas| gases.level(gas).is_some_and(|level| level > l1(gas));
    let ratio = Ratio::of(num, gases.get(num), den, gases.get(den));
    let comparable = ratio
        .value
        .or_else(|| match (gases.level(num), gases.level(den)) {
            (Some(n), Some(d)) if n > 0.0 && d == 0.0 => Some(f64::INFINITY),
            _ => None,
        });
    DoernenburgRatio {
        ratio,
        significant: over(num) || over(den),
        comparable,
    }
}

/// Does a ratio fall in a column? `None` when it is not computable or not significant.
fn fits(r: &DoernenburgRatio, test: impl Fn(f64) -> bool) -> Option<bool> {
    if !r.significant {
        return None;
    }
    r.comparable.map(test)
}

/// Doernenburg for one sample.
pub fn doernenburg(gases: &GasReadings) -> Doernenburg {
    let over = |gas: Gas, factor: f64| {
        gases
            .level(gas)
            .is_some_and(|level| level > factor * l1(gas))
    };
    let primary = [Gas::H2, Gas::CH4, Gas::C2H2, Gas::C2H4]
        .into_iter()
        .find(|gas| over(*gas, 2.0));
    let secondary = [Gas::CO, Gas::C2H6].into_iter().find(|gas| over(*gas, 1.0));
    let fault_indicated = primary.is_some() && secondary.is_some();

    let r1 = ratio(gases, Gas::CH4, Gas::H2);
    let r2 = ratio(gases, Gas::C2H2, Gas::C2H4);
    let r3 = ratio(gases, Gas::C2H2, Gas::CH4);
    let r4 = ratio(gases, Gas::C2H6, Gas::C2H2);

    let all = |checks: &[Option<bool>]| checks.iter().all(|c| *c == Some(true));
    let thermal = all(&[
        fits(&r1, |v| v > 1.0),
        fits(&r2, |v| v < 0.75),
        fits(&r3, |v| v < 0.3),
        fits(&r4, |v| v > 0.4),
    ]);
    let partial_discharge = all(&[
        fits(&r1, |v| v < 0.1),
        fits(&r3, |v| v < 0.3),
        fits(&r4, |v| v > 0.4),
    ]);
    let arcing = all(&[
        fits(&r1, |v| v > 0.1 && v < 1.0),
        fits(&r2, |v| v > 0.75),
        fits(&r3, |v| v > 0.3),
        fits(&r4, |v| v < 0.4),
    ]);
    let fault = if thermal {
        DoernenburgFault::ThermalDecomposition
    } else if partial_discharge {
        DoernenburgFault::PartialDischarge
    } else if arcing {
        DoernenburgFault::Arcing
    } else {
        DoernenburgFault::NotDetermined
    };

    let mut findings = Vec::new();
    if let (Some(p), Some(s)) = (primary, secondary) {
        findings.push(Finding::new(
            "doernenburg.fault_indicated",
            format!(
                "{p} exceeds twice its L1 limit ({} ppm) and {s} exceeds L1 ({} ppm)",
                num(2.0 * l1(p)),
                num(l1(s))
            ),
        ));
    }
    let applicability = if fault_indicated {
        Applicability::applies()
    } else {
        Applicability::not_applicable(
            "validity test not met: no H2, CH4, C2H2 or C2H4 above twice L1 together with \
             CO or C2H6 above L1",
        )
    };
    Doernenburg {
        applicability,
        fault_indicated,
        ch4_h2: r1,
        c2h2_c2h4: r2,
        c2h2_ch4: r3,
        c2h6_c2h2: r4,
        fault,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings(h2: f64, ch4: f64, c2h6: f64, c2h4: f64, c2h2: f64, co: f64) -> GasReadings {
        GasReadings::default()
            .with(Gas::H2, h2)
            .with(Gas::CH4, ch4)
            .with(Gas::C2H6, c2h6)
            .with(Gas::C2H4, c2h4)
            .with(Gas::C2H2, c2h2)
            .with(Gas::CO, co)
    }

    #[test]
    fn validity_needs_twice_l1_and_a_second_gas_over_l1() {
        // CH4 = 241 > 2×120, C2H6 = 66 > 65.
        assert!(doernenburg(&readings(50.0, 241.0, 66.0, 40.0, 0.0, 100.0)).fault_indicated);
        // CH4 exactly twice L1 is not "exceeds".
        assert!(!doernenburg(&readings(50.0, 240.0, 66.0, 40.0, 0.0, 100.0)).fault_indicated);
        // No secondary gas over L1.
        assert!(!doernenburg(&readings(50.0, 241.0, 65.0, 40.0, 0.0, 350.0)).fault_indicated);
    }

    #[test]
    fn thermal_partial_discharge_and_arcing() {
        // R1 2.5 > 1, R2 0.0025 < 0.75, R3 0.002 < 0.3, R4 240 > 0.4, all significant.
        let hot = readings(100.0, 250.0, 120.0, 200.0, 0.5, 400.0);
        let d = doernenburg(&hot);
        assert!(d.fault_indicated);
        assert_eq!(d.fault, DoernenburgFault::ThermalDecomposition);
        // Partial discharge: R1 0.065, R3 0.004, R4 140.
        let pd = doernenburg(&readings(2000.0, 130.0, 70.0, 10.0, 0.5, 100.0));
        assert_eq!(pd.fault, DoernenburgFault::PartialDischarge);
        // The same with CH4 at 100 leaves R3 insignificant (neither gas over L1): no verdict.
        let pd = doernenburg(&readings(2000.0, 100.0, 70.0, 10.0, 0.5, 100.0));
        assert_eq!(pd.fault, DoernenburgFault::NotDetermined);
        let pd = doernenburg(&readings(2000.0, 130.0, 70.0, 10.0, 0.5, 100.0));
        assert_eq!(pd.fault, DoernenburgFault::PartialDischarge);
        // No acetylene at all: C2H6/C2H2 reads as +∞ (> 0.4), still thermal.
        let hot = doernenburg(&readings(100.0, 250.0, 120.0, 200.0, 0.0, 400.0));
        assert_eq!(hot.c2h6_c2h2.ratio.value, None);
        assert_eq!(hot.fault, DoernenburgFault::ThermalDecomposition);
        // Arcing: R1 0.2, R2 1.5, R3 0.75, R4 0.1.
        let arc = doernenburg(&readings(500.0, 100.0, 7.5, 50.0, 75.0, 400.0));
        assert_eq!(arc.fault, DoernenburgFault::Arcing);
        assert!(arc.applicability.applicable);
    }

    #[test]
    fn low_gases_are_not_applicable_but_still_reported() {
        let d = doernenburg(&readings(10.0, 5.0, 3.0, 2.0, 0.0, 50.0));
        assert!(!d.fault_indicated);
        assert!(!d.applicability.applicable);
        assert!(!d.ch4_h2.significant);
        assert_eq!(d.ch4_h2.ratio.value, Some(0.5));
        assert_eq!(d.fault, DoernenburgFault::NotDetermined);
    }
}
