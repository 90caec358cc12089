//! Rogers ratio method.
//!
//! Source: R. R. Rogers, "IEEE and IEC codes to interpret incipient faults in transformers,
//! using gas in oil analysis", IEEE Trans. Electrical Insulation EI-13(5), 1978; as tabulated
//! in IEEE C57.104-2008 Table 6 and IEEE C57.104-2019 Table 5.
//!
//! A printed range "a – b" includes both ends; "< a" and "> b" exclude them. A ratio
//! combination outside the six cases is "not determined".

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Applicability;
use crate::gas::{Gas, GasReadings};
use crate::numeric::Ratio;

/// Rogers cases of IEEE C57.104-2019 Table 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RogersCase {
    /// Case 0: unit normal.
    Normal,
    /// Case 1: low-energy-density arcing, partial discharge.
    PartialDischarge,
    /// Case 2: arcing, high-energy discharge.
    Arcing,
    /// Case 3: low-temperature thermal fault.
    LowTemperatureThermal,
    /// Case 4: thermal fault below 700 °C.
    ThermalBelow700C,
    /// Case 5: thermal fault above 700 °C.
    ThermalAbove700C,
    /// The ratios match no case.
    NotDetermined,
}

impl RogersCase {
    /// Case number as printed in the table (`None` for not determined).
    pub fn number(self) -> Option<u8> {
        match self {
            RogersCase::Normal => Some(0),
            RogersCase::PartialDischarge => Some(1),
            RogersCase::Arcing => Some(2),
            RogersCase::LowTemperatureThermal => Some(3),
            RogersCase::ThermalBelow700C => Some(4),
            RogersCase::ThermalAbove700C => Some(5),
            RogersCase::NotDetermined => None,
        }
    }
}

/// Classifies the three Rogers ratios.
pub fn classify(c2h2_c2h4: f64, ch4_h2: f64, c2h4_c2h6: f64) -> RogersCase {
    use RogersCase::*;
    let r1_low = c2h2_c2h4 < 0.1;
    let r1_mid = (0.1..=3.0).contains(&c2h2_c2h4);
    let r2_low = ch4_h2 < 0.1;
    let r2_mid = (0.1..=1.0).contains(&ch4_h2);
    let r2_high = ch4_h2 > 1.0;
    let r5_low = c2h4_c2h6 < 1.0;
    let r5_mid = (1.0..=3.0).contains(&c2h4_c2h6);
    let r5_high = c2h4_c2h6 > 3.0;
    match () {
        _ if r1_low && r2_mid && r5_low => Normal,
        _ if r1_low && r2_low && r5_low => PartialDischarge,
        _ if r1_mid && r2_mid && r5_high => Arcing,
        _ if r1_low && r2_mid && r5_mid => LowTemperatureThermal,
        _ if r1_low && r2_high && r5_mid => ThermalBelow700C,
        _ if r1_low && r2_high && r5_high => ThermalAbove700C,
        _ => NotDetermined,
    }
}

/// The Rogers answer for one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rogers {
    #[serde(flatten)]
    pub applicability: Applicability,
    pub c2h2_c2h4: Ratio,
    pub ch4_h2: Ratio,
    pub c2h4_c2h6: Ratio,
    pub case: Option<RogersCase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_computable: Option<String>,
}

/// Rogers ratios of a sample.
pub fn rogers(gases: &GasReadings) -> Rogers {
    let c2h2_c2h4 = Ratio::of(Gas::C2H2, gases.c2h2, Gas::C2H4, gases.c2h4);
    let ch4_h2 = Ratio::of(Gas::CH4, gases.ch4, Gas::H2, gases.h2);
    let c2h4_c2h6 = Ratio::of(Gas::C2H4, gases.c2h4, Gas::C2H6, gases.c2h6);
    let (case, not_computable) = match (c2h2_c2h4.value, ch4_h2.value, c2h4_c2h6.value) {
        (Some(r1), Some(r2), Some(r5)) => (Some(classify(r1, r2, r5)), None),
        _ => {
            let reasons: Vec<&str> = [&c2h2_c2h4, &ch4_h2, &c2h4_c2h6]
                .iter()
                .filter_map(|ratio| ratio.not_computable.as_deref())
                .collect();
            (None, Some(reasons.join("; ")))
        }
    };
    Rogers {
        applicability: match &not_computable {
            Some(reason) => Applicability::not_applicable(reason.clone()),
            None => Applicability::applies(),
        },
        c2h2_c2h4,
        ch4_h2,
        c2h4_c2h6,
        case,
        not_computable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RogersCase::*;

    #[test]
    fn each_case_and_its_edges() {
        assert_eq!(classify(0.05, 0.5, 0.5), Normal);
        assert_eq!(classify(0.05, 0.1, 0.99), Normal);
        assert_eq!(classify(0.05, 1.0, 0.5), Normal);
        assert_eq!(classify(0.05, 0.05, 0.5), PartialDischarge);
        assert_eq!(classify(0.1, 0.5, 3.5), Arcing);
        assert_eq!(classify(3.0, 0.5, 3.01), Arcing);
        assert_eq!(classify(3.01, 0.5, 3.5), NotDetermined);
        assert_eq!(classify(0.05, 0.5, 1.0), LowTemperatureThermal);
        assert_eq!(classify(0.05, 0.5, 3.0), LowTemperatureThermal);
        assert_eq!(classify(0.05, 1.01, 2.0), ThermalBelow700C);
        assert_eq!(classify(0.05, 1.01, 3.01), ThermalAbove700C);
        assert_eq!(classify(0.099, 2.0, 0.5), NotDetermined);
        assert_eq!(Arcing.number(), Some(2));
    }

    #[test]
    fn undetected_denominator_is_not_computable() {
        let gases = GasReadings {
            h2: crate::gas::GasValue::BelowDetection { limit: Some(5.0) },
            ..GasReadings::default()
                .with(Gas::CH4, 10.0)
                .with(Gas::C2H4, 10.0)
                .with(Gas::C2H6, 10.0)
                .with(Gas::C2H2, 0.0)
        };
        let r = rogers(&gases);
        assert_eq!(r.case, None);
        assert_eq!(
            r.not_computable.as_deref(),
            Some("H2 below detection limit")
        );
    }
}
