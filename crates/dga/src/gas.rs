//! Gases dissolved in transformer oil and how one laboratory value is represented.
//!
//! Concentrations are in ppm, which for dissolved gases means µL of gas (at standard
//! conditions) per litre of oil (µL/L), as IEC 60567 and IEEE C57.104 report them.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

/// Largest concentration accepted as a real reading. Nothing in oil comes near it
/// (air-saturated oil holds about 64,000 ppm N2), so a bigger number is a typing or unit error.
pub const MAX_PLAUSIBLE_PPM: f64 = 1_000_000.0;

/// A gas that a dissolved-gas analysis reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Gas {
    /// Hydrogen
    H2,
    /// Methane
    CH4,
    /// Ethane
    C2H6,
    /// Ethylene
    C2H4,
    /// Acetylene
    C2H2,
    /// Carbon monoxide
    CO,
    /// Carbon dioxide
    CO2,
    /// Oxygen
    O2,
    /// Nitrogen
    N2,
}

impl Gas {
    /// Every gas, in the order laboratories usually print them.
    pub const ALL: [Gas; 9] = [
        Gas::H2,
        Gas::CH4,
        Gas::C2H6,
        Gas::C2H4,
        Gas::C2H2,
        Gas::CO,
        Gas::CO2,
        Gas::O2,
        Gas::N2,
    ];

    /// The seven gases that the IEEE and IEC screening tables cover (fault gases).
    pub const FAULT_GASES: [Gas; 7] = [
        Gas::H2,
        Gas::CH4,
        Gas::C2H6,
        Gas::C2H4,
        Gas::C2H2,
        Gas::CO,
        Gas::CO2,
    ];

    /// Chemical formula, as an engineer writes it.
    pub fn formula(self) -> &'static str {
        match self {
            Gas::H2 => "H2",
            Gas::CH4 => "CH4",
            Gas::C2H6 => "C2H6",
            Gas::C2H4 => "C2H4",
            Gas::C2H2 => "C2H2",
            Gas::CO => "CO",
            Gas::CO2 => "CO2",
            Gas::O2 => "O2",
            Gas::N2 => "N2",
        }
    }

    /// English name.
    pub fn name(self) -> &'static str {
        match self {
            Gas::H2 => "hydrogen",
            Gas::CH4 => "methane",
            Gas::C2H6 => "ethane",
            Gas::C2H4 => "ethylene",
            Gas::C2H2 => "acetylene",
            Gas::CO => "carbon monoxide",
            Gas::CO2 => "carbon dioxide",
            Gas::O2 => "oxygen",
            Gas::N2 => "nitrogen",
        }
    }
}

impl fmt::Display for Gas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.formula())
    }
}

/// One laboratory result for one gas.
///
/// In JSON: a number (measured ppm), `{"below_detection": 5}` (reported as "<5"; the limit
/// may be `null` when the lab wrote only "ND"), or `null`/absent (not measured).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "GasValueRepr", into = "GasValueRepr")]
pub enum GasValue {
    /// A measured concentration in ppm.
    Measured(f64),
    /// The gas was looked for and not found above the laboratory's detection limit.
    BelowDetection {
        /// The detection limit in ppm, when the laboratory gave one.
        limit: Option<f64>,
    },
    /// The laboratory did not report this gas.
    #[default]
    NotMeasured,
}

impl GasValue {
    /// The concentration used for screening and ratios: the measured value, or zero when the
    /// gas was not detected. `None` when the gas was not measured at all.
    ///
    /// Below-detection counts as zero, not as the limit: a limit (often 1–5 ppm for
    /// hydrocarbons) is not evidence that any gas is present, and using it would invent
    /// ratios from noise.
    pub fn level(self) -> Option<f64> {
        match self {
            GasValue::Measured(ppm) => Some(ppm),
            GasValue::BelowDetection { .. } => Some(0.0),
            GasValue::NotMeasured => None,
        }
    }

    /// True for a value the lab did not report.
    pub fn is_not_measured(&self) -> bool {
        matches!(self, GasValue::NotMeasured)
    }

    /// True when the gas was looked for but not detected.
    pub fn is_below_detection(self) -> bool {
        matches!(self, GasValue::BelowDetection { .. })
    }

    /// Checks that the number is one a laboratory could report.
    pub fn validate(self) -> Result<(), InvalidGasValue> {
        let check = |ppm: f64| {
            if !ppm.is_finite() {
                Err(InvalidGasValue::NotFinite)
            } else if ppm < 0.0 {
                Err(InvalidGasValue::Negative(ppm))
            } else if ppm > MAX_PLAUSIBLE_PPM {
                Err(InvalidGasValue::Absurd(ppm))
            } else {
                Ok(())
            }
        };
        match self {
            GasValue::Measured(ppm) => check(ppm),
            GasValue::BelowDetection { limit: Some(limit) } => check(limit),
            GasValue::BelowDetection { limit: None } | GasValue::NotMeasured => Ok(()),
        }
    }
}

impl fmt::Display for GasValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GasValue::Measured(ppm) => write!(f, "{ppm} ppm"),
            GasValue::BelowDetection { limit: Some(limit) } => write!(f, "<{limit} ppm"),
            GasValue::BelowDetection { limit: None } => f.write_str("not detected"),
            GasValue::NotMeasured => f.write_str("not measured"),
        }
    }
}

/// Why a gas value cannot be accepted.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum InvalidGasValue {
    #[error("the value is not a finite number")]
    NotFinite,
    #[error("{0} ppm is negative")]
    Negative(f64),
    #[error("{0} ppm is above {MAX_PLAUSIBLE_PPM} ppm, which no oil sample can hold")]
    Absurd(f64),
}

/// The wire form of [`GasValue`]: compact, so a 50-sample history stays small.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum GasValueRepr {
    /// Measured concentration, ppm (µL/L).
    Measured(f64),
    /// Not detected; the detection limit in ppm when known.
    BelowDetection { below_detection: Option<f64> },
    /// Not measured.
    NotMeasured(()),
}

impl From<GasValueRepr> for GasValue {
    fn from(repr: GasValueRepr) -> Self {
        match repr {
            GasValueRepr::Measured(ppm) => GasValue::Measured(ppm),
            GasValueRepr::BelowDetection { below_detection } => GasValue::BelowDetection {
                limit: below_detection,
            },
            GasValueRepr::NotMeasured(()) => GasValue::NotMeasured,
        }
    }
}

impl From<GasValue> for GasValueRepr {
    fn from(value: GasValue) -> Self {
        match value {
            GasValue::Measured(ppm) => GasValueRepr::Measured(ppm),
            GasValue::BelowDetection { limit } => GasValueRepr::BelowDetection {
                below_detection: limit,
            },
            GasValue::NotMeasured => GasValueRepr::NotMeasured(()),
        }
    }
}

impl JsonSchema for GasValue {
    fn schema_name() -> Cow<'static, str> {
        "GasValue".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        GasValueRepr::json_schema(generator)
    }
}

/// The nine gas values of one oil sample.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasReadings {
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub h2: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub ch4: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub c2h6: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub c2h4: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub c2h2: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub co: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub co2: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub o2: GasValue,
    #[serde(default, skip_serializing_if = "GasValue::is_not_measured")]
    pub n2: GasValue,
}

impl GasReadings {
    /// The value of one gas.
    pub fn get(&self, gas: Gas) -> GasValue {
        match gas {
            Gas::H2 => self.h2,
            Gas::CH4 => self.ch4,
            Gas::C2H6 => self.c2h6,
            Gas::C2H4 => self.c2h4,
            Gas::C2H2 => self.c2h2,
            Gas::CO => self.co,
            Gas::CO2 => self.co2,
            Gas::O2 => self.o2,
            Gas::N2 => self.n2,
        }
    }

    /// Sets the value of one gas.
    pub fn set(&mut self, gas: Gas, value: GasValue) {
        let slot = match gas {
            Gas::H2 => &mut self.h2,
            Gas::CH4 => &mut self.ch4,
            Gas::C2H6 => &mut self.c2h6,
            Gas::C2H4 => &mut self.c2h4,
            Gas::C2H2 => &mut self.c2h2,
            Gas::CO => &mut self.co,
            Gas::CO2 => &mut self.co2,
            Gas::O2 => &mut self.o2,
            Gas::N2 => &mut self.n2,
        };
        *slot = value;
    }

    /// Builder form of [`GasReadings::set`] with a measured value.
    pub fn with(mut self, gas: Gas, ppm: f64) -> Self {
        self.set(gas, GasValue::Measured(ppm));
        self
    }

    /// Screening level of one gas (see [`GasValue::level`]).
    pub fn level(&self, gas: Gas) -> Option<f64> {
        self.get(gas).level()
    }

    /// True when no gas at all was reported.
    pub fn is_empty(&self) -> bool {
        Gas::ALL.iter().all(|gas| self.get(*gas).is_not_measured())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_compact_and_round_trips() {
        let readings = GasReadings {
            h2: GasValue::Measured(12.5),
            c2h2: GasValue::BelowDetection { limit: Some(0.5) },
            co: GasValue::BelowDetection { limit: None },
            ..GasReadings::default()
        };
        let json = serde_json::to_string(&readings).expect("serialise");
        assert_eq!(
            json,
            r#"{"h2":12.5,"c2h2":{"below_detection":0.5},"co":{"below_detection":null}}"#
        );
        let back: GasReadings = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, readings);
        let with_null: GasReadings =
            serde_json::from_str(r#"{"h2": null, "ch4": 3}"#).expect("parse");
        assert_eq!(with_null.h2, GasValue::NotMeasured);
        assert_eq!(with_null.ch4, GasValue::Measured(3.0));
    }

    #[test]
    fn unknown_gas_key_is_refused() {
        let err = serde_json::from_str::<GasReadings>(r#"{"h3": 1}"#).expect_err("h3");
        assert!(err.to_string().contains("h3"), "{err}");
    }

    #[test]
    fn levels_count_below_detection_as_zero() {
        assert_eq!(GasValue::Measured(4.0).level(), Some(4.0));
        assert_eq!(
            GasValue::BelowDetection { limit: Some(5.0) }.level(),
            Some(0.0)
        );
        assert_eq!(GasValue::NotMeasured.level(), None);
    }

    #[test]
    fn implausible_values_are_rejected() {
        assert!(GasValue::Measured(0.0).validate().is_ok());
        assert!(GasValue::Measured(MAX_PLAUSIBLE_PPM).validate().is_ok());
        assert_eq!(
            GasValue::Measured(-1.0).validate(),
            Err(InvalidGasValue::Negative(-1.0))
        );
        assert_eq!(
            GasValue::Measured(f64::NAN).validate(),
            Err(InvalidGasValue::NotFinite)
        );
        assert!(matches!(
            GasValue::BelowDetection { limit: Some(2e6) }.validate(),
            Err(InvalidGasValue::Absurd(_))
        ));
    }

    #[test]
    fn get_and_set_address_the_same_gas() {
        let mut readings = GasReadings::default();
        for (i, gas) in Gas::ALL.iter().enumerate() {
            readings.set(*gas, GasValue::Measured(i as f64));
        }
        for (i, gas) in Gas::ALL.iter().enumerate() {
            assert_eq!(readings.get(*gas), GasValue::Measured(i as f64), "{gas}");
        }
    }
}
