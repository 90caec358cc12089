//! Diagnosis methods, one module each. Every module cites its source; every method is total:
//! whatever the input, it returns a result or says why it cannot, never NaN or a panic.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::gas::Gas;

pub mod doernenburg;
pub mod duval_pentagons;
pub mod duval_triangles;
pub mod iec_60599;
pub mod ieee_2008;
pub mod ieee_2019;
pub mod key_gas;
pub mod rogers;

/// A rule that fired, in words an engineer can check by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable identifier of the rule (for translation and filtering), e.g.
    /// `ieee2019.level_above_table2`.
    pub code: String,
    /// The gas the rule is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas: Option<Gas>,
    /// What fired, with the numbers, in English.
    pub message: String,
}

impl Finding {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Finding {
            code: code.to_owned(),
            gas: None,
            message: message.into(),
        }
    }

    pub fn about(code: &str, gas: Gas, message: impl Into<String>) -> Self {
        Finding {
            code: code.to_owned(),
            gas: Some(gas),
            message: message.into(),
        }
    }
}

/// Whether a method's answer should be acted on. Fault-typing methods (Duval, ratios, key
/// gas) always classify something, even healthy oil; they are only meaningful when
/// screening suspects a fault. They still report their zone, marked not applicable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Applicability {
    pub applicable: bool,
    /// Why the method does not apply, when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Applicability {
    pub fn applies() -> Self {
        Applicability {
            applicable: true,
            reason: None,
        }
    }

    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Applicability {
            applicable: false,
            reason: Some(reason.into()),
        }
    }
}

/// Percent shares of the gases a plot uses, keyed by gas (they sum to 100).
pub type Shares = BTreeMap<Gas, f64>;

pub(crate) fn shares_of<const N: usize>(gases: [Gas; N], percents: [f64; N]) -> Shares {
    gases.into_iter().zip(percents).collect()
}

/// Formats a number for a message: whole numbers from 100, one decimal from 1, three below.
/// (Rounding first and printing the shortest form is several times cheaper than a
/// fixed-precision format, and messages are written for every diagnosis.)
pub(crate) fn num(value: f64) -> String {
    let scale = if value.abs() >= 100.0 {
        1.0
    } else if value.abs() >= 1.0 {
        10.0
    } else {
        1000.0
    };
    let rounded = (value * scale).round() / scale;
    // Avoid "-0" for tiny negatives that round to zero.
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(num(1200.4), "1200");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.26), "12.3");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(0.0), "0");
    }
}
