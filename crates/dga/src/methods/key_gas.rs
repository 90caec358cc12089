//! Key-gas method.
//!
//! Source: IEEE C57.104-1991 and -2008 clause 6.3 ("Evaluation of possible fault type by the
//! key gas method"), whose four charts give the typical relative proportions of the
//! combustible gases for each fault. The sample's own proportions are compared with the four
//! charts and the nearest one (Euclidean distance between percentage profiles) is reported;
//! the standard leaves the comparison to the eye, so the distance is our reading of it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Applicability, Shares, shares_of};
use crate::gas::{Gas, GasReadings};
use crate::numeric::percent_shares;

/// The combustible gases of the key-gas charts.
pub const KEY_GASES: [Gas; 6] = [Gas::H2, Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2, Gas::CO];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyGasFault {
    /// Principal gas C2H4.
    OverheatedOil,
    /// Principal gas CO.
    OverheatedCellulose,
    /// Principal gas H2 (corona in oil).
    PartialDischarge,
    /// Principal gas C2H2 with H2.
    Arcing,
}

impl KeyGasFault {
    pub fn principal_gas(self) -> Gas {
        match self {
            KeyGasFault::OverheatedOil => Gas::C2H4,
            KeyGasFault::OverheatedCellulose => Gas::CO,
            KeyGasFault::PartialDischarge => Gas::H2,
            KeyGasFault::Arcing => Gas::C2H2,
        }
    }
}

/// Typical proportions (% of the six gases, in [`KEY_GASES`] order) from the charts.
const PROFILES: [(KeyGasFault, [f64; 6]); 4] = [
    (
        KeyGasFault::OverheatedOil,
        [2.0, 16.0, 17.0, 63.0, 2.0, 0.0],
    ),
    (
        KeyGasFault::OverheatedCellulose,
        [6.7, 1.2, 0.01, 0.01, 0.0, 92.0],
    ),
    (
        KeyGasFault::PartialDischarge,
        [85.0, 13.0, 1.0, 1.0, 0.0, 0.2],
    ),
    (KeyGasFault::Arcing, [60.0, 5.0, 1.6, 3.0, 30.0, 0.1]),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KeyGas {
    #[serde(flatten)]
    pub applicability: Applicability,
    pub fault: Option<KeyGasFault>,
    pub principal_gas: Option<Gas>,
    /// The sample's proportions of the six combustible gases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Shares>,
    /// Distance from the nearest typical profile, in percentage points (smaller is closer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_computable: Option<String>,
}

/// Nearest typical profile to six percentages.
pub fn classify(percents: [f64; 6]) -> (KeyGasFault, f64) {
    let distance = |profile: &[f64; 6]| {
        profile
            .iter()
            .zip(percents)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut best = (PROFILES[0].0, distance(&PROFILES[0].1));
    for (fault, profile) in &PROFILES[1..] {
        let d = distance(profile);
        if d < best.1 {
            best = (*fault, d);
        }
    }
    best
}

/// Key-gas method for one sample.
pub fn key_gas(gases: &GasReadings) -> KeyGas {
    let failed = |reason: String| KeyGas {
        applicability: Applicability::not_applicable(reason.clone()),
        fault: None,
        principal_gas: None,
        shares: None,
        distance: None,
        not_computable: Some(reason),
    };
    if let Some(missing) = KEY_GASES
        .iter()
        .find(|gas| gases.get(**gas).is_not_measured())
    {
        return failed(format!("{missing} not measured"));
    }
    let Some(percents) = percent_shares(KEY_GASES.map(|gas| gases.level(gas))) else {
        return failed("no combustible gas detected".to_owned());
    };
    let (fault, distance) = classify(percents);
    KeyGas {
        applicability: Applicability::applies(),
        fault: Some(fault),
        principal_gas: Some(fault.principal_gas()),
        shares: Some(shares_of(KEY_GASES, percents)),
        distance: Some(distance),
        not_computable: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chart_is_its_own_nearest_profile() {
        for (fault, profile) in PROFILES {
            assert_eq!(classify(profile).0, fault);
            assert_eq!(classify(profile).1, 0.0);
        }
    }

    #[test]
    fn arcing_is_told_from_corona_by_acetylene() {
        // H2 is the largest gas in both; 25 % C2H2 makes it arcing.
        assert_eq!(
            classify([65.0, 5.0, 1.0, 4.0, 25.0, 0.0]).0,
            KeyGasFault::Arcing
        );
        assert_eq!(
            classify([88.0, 10.0, 1.0, 0.5, 0.5, 0.0]).0,
            KeyGasFault::PartialDischarge
        );
    }

    #[test]
    fn cellulose_from_a_sample() {
        let gases = GasReadings::default()
            .with(Gas::H2, 30.0)
            .with(Gas::CH4, 5.0)
            .with(Gas::C2H6, 2.0)
            .with(Gas::C2H4, 1.0)
            .with(Gas::C2H2, 0.0)
            .with(Gas::CO, 700.0);
        let k = key_gas(&gases);
        assert_eq!(k.fault, Some(KeyGasFault::OverheatedCellulose));
        assert_eq!(k.principal_gas, Some(Gas::CO));
        let missing = key_gas(&GasReadings::default().with(Gas::H2, 1.0));
        assert_eq!(missing.not_computable.as_deref(), Some("CH4 not measured"));
    }
}
