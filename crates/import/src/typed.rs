//! A sample typed in by hand (the logbook: a lab result that came by mail, a portable
//! analyser's reading on site), read like a workbook row: each gas by the same parser as a
//! workbook cell (ppm; "12 ppm", "0.5 %", "<5", "ND", "n/a"; a blank field is not measured),
//! with the same problems, in English and Korean, naming the gas.

use substation_dga::{Gas, GasReadings};

use crate::values::{Cell, Unit, ValueProblem, parse_gas};

/// A typed-in gas value that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{gas}: {}", problem.message_en())]
pub struct GasProblem {
    pub gas: Gas,
    /// What was typed.
    pub text: String,
    pub problem: ValueProblem,
}

impl GasProblem {
    /// Stable code of the problem (`negative_value`, `not_numeric`, …), as an import issue's.
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }

    pub fn message_en(&self) -> String {
        format!("{}: {}", self.gas, self.problem.message_en())
    }

    pub fn message_ko(&self) -> String {
        format!("{}: {}", self.gas, self.problem.message_ko())
    }
}

/// The readings of a typed-in sample from each gas's text (gases not given are not measured).
/// The first value that cannot be read is the error.
pub fn typed_gases<'a>(
    values: impl IntoIterator<Item = (Gas, &'a str)>,
) -> Result<GasReadings, GasProblem> {
    let mut readings = GasReadings::default();
    for (gas, text) in values {
        let value =
            parse_gas(&Cell::Text(text.to_owned()), Unit::Ppm).map_err(|problem| GasProblem {
                gas,
                text: text.to_owned(),
                problem,
            })?;
        readings.set(gas, value);
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use substation_dga::GasValue;

    #[test]
    fn typed_values_read_like_cells() {
        let readings = typed_gases([
            (Gas::H2, "12"),
            (Gas::CH4, "3,5"),
            (Gas::C2H2, "<0.5"),
            (Gas::C2H4, "ND"),
            (Gas::CO, " "),
            (Gas::CO2, "0.2 %"),
        ])
        .expect("readable");
        assert_eq!(readings.h2, GasValue::Measured(12.0));
        assert_eq!(readings.ch4, GasValue::Measured(3.5));
        assert_eq!(readings.c2h2, GasValue::BelowDetection { limit: Some(0.5) });
        assert_eq!(readings.c2h4, GasValue::BelowDetection { limit: None });
        assert_eq!(readings.co, GasValue::NotMeasured);
        assert_eq!(readings.co2, GasValue::Measured(2000.0));
        assert_eq!(readings.o2, GasValue::NotMeasured);

        let err = typed_gases([(Gas::H2, "12"), (Gas::C2H2, "-1")]).expect_err("negative");
        assert_eq!(err.gas, Gas::C2H2);
        assert_eq!(err.code(), "negative_value");
        assert!(
            err.message_en().starts_with("C2H2: "),
            "{}",
            err.message_en()
        );
        assert!(err.message_ko().contains("-1"), "{}", err.message_ko());
        let err = typed_gases([(Gas::CO, "lots")]).expect_err("words");
        assert_eq!(err.code(), "not_numeric");
    }
}
