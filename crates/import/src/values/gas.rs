//! Gas concentrations: a cell to ppm or not detected or not measured; what a blank gas cell means.

use serde::{Deserialize, Serialize};
use substation_dga::GasValue;
use substation_dga::gas::MAX_PLAUSIBLE_PPM;

use super::{
    Cell, Unit, ValueProblem, compact, folded, is_dashes, parse_number_text, spreadsheet_error,
};

/// Words meaning the lab looked for the gas and found none (compared without spaces,
/// lower-cased). "tr"/"trace" are here too: a trace is below what the lab quantifies.
const NOT_DETECTED: &[&str] = &[
    "nd",
    "n.d.",
    "n.d",
    "n/d",
    "notdetected",
    "bdl",
    "불검출",
    "미검출",
    "검출안됨",
    "tr",
    "tr.",
    "trace",
    "traces",
];

/// Words meaning the gas was not analysed. "N/A" is read as "not analysed" rather than
/// "not detected": a lab that looked and found nothing writes ND or "<x".
const NOT_MEASURED: &[&str] = &[
    "n/a",
    "na",
    "n.a.",
    "n.a",
    "nm",
    "notmeasured",
    "notanalysed",
    "notanalyzed",
    "미측정",
    "미분석",
];

/// "Not detected" spellings that may carry a detection limit: "ND(<5)", "ND <5", "<5 (ND)".
const ND_WITH_LIMIT: &[&str] = &[
    "not detected",
    "n.d.",
    "n.d",
    "n/d",
    "nd",
    "불검출",
    "미검출",
];

/// Names labs use for the limit itself ("<DL"): below detection, limit not stated.
const LIMIT_WORDS: &[&str] = &["dl", "d.l.", "lod", "loq", "mdl", "rl", "검출한계"];

/// Unit suffixes a gas value may carry, longest first so "vol%" wins over "%".
const UNIT_SUFFIXES: &[(&str, Unit)] = &[
    ("% v/v", Unit::Percent),
    ("%v/v", Unit::Percent),
    ("vol.%", Unit::Percent),
    ("vol%", Unit::Percent),
    ("%vol", Unit::Percent),
    ("ul/l", Unit::Ppm),
    ("ppmv", Unit::Ppm),
    ("ppm", Unit::Ppm),
    ("%", Unit::Percent),
];

/// Parses a gas concentration cell into ppm.
///
/// - Blank → `NotMeasured`; "N/A", "NA", "n.a.", "미측정", "미분석" → `NotMeasured`.
/// - "ND", "N.D.", "N/D", "불검출", "미검출", "tr"/"trace", and "-" (one to three dashes of
///   any kind) → `BelowDetection { limit: None }`.
/// - "<5", "< 5", "＜5", "≤5", "<=5", "ND(<5)", "ND <5", "<5 (ND)" →
///   `BelowDetection { limit: Some(5 ppm) }`, the limit converted by the unit; "<" alone
///   or "<DL" → limit `None`.
/// - A number (see [`parse_number_text`]), optionally followed by a unit ("12 ppm",
///   "0.5 %", "3 µL/L"); the text's own unit overrides the column's.
/// - ">5000" → [`ValueProblem::AboveRange`]; spreadsheet errors → `ExcelError`; negative →
///   `Negative`; above [`MAX_PLAUSIBLE_PPM`] after conversion → `Absurd`; anything else
///   (booleans, dates, NaN, infinity, words) → `NotNumeric`.
pub fn parse_gas(cell: &Cell, unit: Unit) -> Result<GasValue, ValueProblem> {
    if let Some(problem) = spreadsheet_error(cell) {
        return Err(problem);
    }
    match cell {
        _ if cell.is_blank() => Ok(GasValue::NotMeasured),
        // The raw text is only spelled out for a problem: formatting every number read would
        // cost more than reading it.
        Cell::Number(value) => ppm_checked(*value, unit, || cell.display()).map(GasValue::Measured),
        Cell::Text(text) => parse_gas_text(text, unit),
        _ => Err(ValueProblem::NotNumeric {
            text: cell.display(),
        }),
    }
}

fn parse_gas_text(raw: &str, unit: Unit) -> Result<GasValue, ValueProblem> {
    let raw = raw.trim();
    if let Some(value) = plain_decimal(raw) {
        return ppm_checked(value, unit, || raw.to_string()).map(GasValue::Measured);
    }
    let text = folded(raw);
    let key = compact(&text);
    if key.is_empty() || NOT_MEASURED.contains(&key.as_str()) {
        return Ok(GasValue::NotMeasured);
    }
    if is_dashes(&key) || NOT_DETECTED.contains(&key.as_str()) {
        return Ok(GasValue::BelowDetection { limit: None });
    }
    if let Some(limit) = nd_with_limit(&text).or_else(|| strip_less_than(&text)) {
        return detection_limit(limit, unit, raw);
    }
    if text.starts_with(['>', '≥']) {
        return Err(ValueProblem::AboveRange {
            text: raw.to_string(),
        });
    }
    quantity(&text, unit, raw).map(GasValue::Measured)
}

/// The value of text that is only ASCII digits with at most one `.` ("12", "0.5", "865."):
/// what a CSV export writes in nearly every gas cell, read without the folding and the
/// separator rules the other spellings need ([`parse_number_text`] reads it the same).
fn plain_decimal(text: &str) -> Option<f64> {
    let mut digits = false;
    let mut dots = 0;
    for byte in text.bytes() {
        match byte {
            b'0'..=b'9' => digits = true,
            b'.' => dots += 1,
            _ => return None,
        }
    }
    if !digits || dots > 1 {
        return None;
    }
    text.parse().ok()
}

/// The text after "<", "≤" or "<=", if it starts with one of them.
fn strip_less_than(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('<').or_else(|| text.strip_prefix('≤'))?;
    Some(rest.strip_prefix('=').unwrap_or(rest))
}

/// The limit part of "ND(<5)", "ND (5)", "ND <5", "<5 (ND)" or "5 (ND)".
fn nd_with_limit(text: &str) -> Option<&str> {
    for word in ND_WITH_LIMIT {
        if let Some(rest) = text.strip_prefix(word).map(str::trim_start) {
            if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
                return Some(inner.trim());
            }
            if rest.starts_with(['<', '≤']) {
                return Some(rest);
            }
        }
    }
    let (before, inner) = text.strip_suffix(')')?.rsplit_once('(')?;
    ND_WITH_LIMIT
        .contains(&inner.trim())
        .then_some(before.trim())
}

/// A detection limit ("5", "<5", "0.01 %", "", "DL") as `BelowDetection`.
fn detection_limit(text: &str, unit: Unit, raw: &str) -> Result<GasValue, ValueProblem> {
    let text = strip_less_than(text).unwrap_or(text).trim();
    if text.is_empty() || LIMIT_WORDS.contains(&text) {
        return Ok(GasValue::BelowDetection { limit: None });
    }
    let limit = quantity(text, unit, raw)?;
    Ok(GasValue::BelowDetection { limit: Some(limit) })
}

/// A number with an optional unit suffix, as checked ppm.
fn quantity(text: &str, column_unit: Unit, raw: &str) -> Result<f64, ValueProblem> {
    let (number, unit) = UNIT_SUFFIXES
        .iter()
        .find_map(|(suffix, unit)| Some((text.strip_suffix(suffix)?.trim_end(), *unit)))
        .unwrap_or((text, column_unit));
    let value = parse_number_text(number).ok_or_else(|| ValueProblem::NotNumeric {
        text: raw.to_string(),
    })?;
    ppm_checked(value, unit, || raw.to_string())
}

/// Converts to ppm and checks the result is a concentration an oil sample could have.
fn ppm_checked(value: f64, unit: Unit, raw: impl FnOnce() -> String) -> Result<f64, ValueProblem> {
    if !value.is_finite() {
        return Err(ValueProblem::NotNumeric { text: raw() });
    }
    if value < 0.0 {
        return Err(ValueProblem::Negative { value });
    }
    let ppm = unit.to_ppm(value);
    if !ppm.is_finite() || ppm > MAX_PLAUSIBLE_PPM {
        return Err(ValueProblem::Absurd { ppm });
    }
    // `+ 0.0` turns -0.0 into 0.0.
    Ok(ppm + 0.0)
}

/// What a blank cell in a fault-gas column means. Many laboratory exports leave a gas blank
/// when it was not detected; others when it was not analysed. Both readings are legitimate,
/// so the workbook's owner chooses (CLI `--blank-gas`, the desktop preview), and the choice is
/// remembered with the header mapping of the workbook's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankGas {
    /// The gas was not analysed: it takes no part (the default).
    #[default]
    NotMeasured,
    /// The gas was looked for and not found: it counts as zero.
    NotDetected,
}

impl BlankGas {
    pub fn key(self) -> &'static str {
        match self {
            BlankGas::NotMeasured => "not_measured",
            BlankGas::NotDetected => "not_detected",
        }
    }

    pub fn from_key(key: &str) -> Option<BlankGas> {
        match key {
            "not_measured" | "not-measured" => Some(BlankGas::NotMeasured),
            "not_detected" | "not-detected" => Some(BlankGas::NotDetected),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::tests::{date, text};

    fn gas(s: &str) -> Result<GasValue, ValueProblem> {
        parse_gas(&text(s), Unit::Ppm)
    }

    fn measured(s: &str) -> f64 {
        match gas(s) {
            Ok(GasValue::Measured(v)) => v,
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn gas_numbers() {
        assert_eq!(
            parse_gas(&Cell::Number(12.5), Unit::Ppm),
            Ok(GasValue::Measured(12.5))
        );
        assert_eq!(measured(" 12 "), 12.0);
        assert_eq!(measured("12,345"), 12_345.0);
        assert_eq!(measured("12 345"), 12_345.0);
        assert_eq!(measured("12'345"), 12_345.0);
        assert_eq!(measured("12,5"), 12.5);
        assert_eq!(measured("１２"), 12.0);
        assert_eq!(measured("1.2E3"), 1200.0);
        assert_eq!(measured("0"), 0.0);
        assert_eq!(measured("1000000"), 1_000_000.0);
        // -0 is zero, not negative.
        let zero = parse_gas(&Cell::Number(-0.0), Unit::Ppm);
        assert!(matches!(zero, Ok(GasValue::Measured(v)) if v == 0.0 && v.is_sign_positive()));
    }

    #[test]
    fn gas_unit_in_text_overrides_column() {
        assert_eq!(measured("12 ppm"), 12.0);
        assert_eq!(measured("12ppm"), 12.0);
        assert_eq!(measured("12 PPM"), 12.0);
        assert_eq!(measured("3 µL/L"), 3.0);
        assert_eq!(measured("3 μl/l"), 3.0);
        assert_eq!(measured("0.5 %"), 5000.0);
        assert_eq!(measured("0.5%"), 5000.0);
        assert_eq!(measured("0.5 ％"), 5000.0);
        assert_eq!(measured("2 vol%"), 20_000.0);
        assert_eq!(
            parse_gas(&text("12 ppm"), Unit::Percent),
            Ok(GasValue::Measured(12.0))
        );
        assert_eq!(
            parse_gas(&text("3.2"), Unit::Percent),
            Ok(GasValue::Measured(32_000.0))
        );
        assert_eq!(
            parse_gas(&Cell::Number(3.2), Unit::Percent),
            Ok(GasValue::Measured(32_000.0))
        );
        assert_eq!(
            parse_gas(&Cell::Number(0.07), Unit::Percent),
            Ok(GasValue::Measured(700.0))
        );
        assert!(matches!(
            gas("12 ppb"),
            Err(ValueProblem::NotNumeric { .. })
        ));
    }

    #[test]
    fn gas_below_detection_without_limit() {
        for s in [
            "ND",
            "N.D.",
            "n.d.",
            "nd",
            "N/D",
            "N. D.",
            "Not detected",
            "불검출",
            "미검출",
            "-",
            "–",
            "—",
            "--",
            "\u{2212}",
            "tr",
            "Tr.",
            "trace",
            "TRACE",
            "<",
            "< DL",
            "<LOD",
            "ＮＤ",
            "BDL",
        ] {
            assert_eq!(
                gas(s),
                Ok(GasValue::BelowDetection { limit: None }),
                "{s:?}"
            );
        }
    }

    #[test]
    fn gas_below_detection_with_limit() {
        let limit = |l: f64| Ok(GasValue::BelowDetection { limit: Some(l) });
        assert_eq!(gas("<5"), limit(5.0));
        assert_eq!(gas("< 5"), limit(5.0));
        assert_eq!(gas("<0.5"), limit(0.5));
        assert_eq!(gas("＜5"), limit(5.0));
        assert_eq!(gas("≤5"), limit(5.0));
        assert_eq!(gas("<=5"), limit(5.0));
        assert_eq!(gas("<5 ppm"), limit(5.0));
        assert_eq!(gas("<0.01 %"), limit(100.0));
        assert_eq!(gas("<0,5"), limit(0.5));
        assert_eq!(gas("ND(<5)"), limit(5.0));
        assert_eq!(gas("ND (<5)"), limit(5.0));
        assert_eq!(gas("N.D. (5)"), limit(5.0));
        assert_eq!(gas("ND <5"), limit(5.0));
        assert_eq!(gas("불검출(<1)"), limit(1.0));
        assert_eq!(gas("<5 (ND)"), limit(5.0));
        assert_eq!(gas("<5(n.d.)"), limit(5.0));
        assert_eq!(gas("ND()"), Ok(GasValue::BelowDetection { limit: None }));
        assert_eq!(parse_gas(&text("<0.5"), Unit::Percent), limit(5000.0));
    }

    #[test]
    fn gas_bad_limits() {
        assert_eq!(gas("<-5"), Err(ValueProblem::Negative { value: -5.0 }));
        assert_eq!(gas("<2000000"), Err(ValueProblem::Absurd { ppm: 2e6 }));
        assert_eq!(
            gas("<abc"),
            Err(ValueProblem::NotNumeric {
                text: "<abc".into()
            })
        );
        assert_eq!(
            gas("ND(abc)"),
            Err(ValueProblem::NotNumeric {
                text: "ND(abc)".into()
            })
        );
    }

    #[test]
    fn gas_not_measured() {
        for s in [
            "",
            "   ",
            "N/A",
            "NA",
            "n.a.",
            "n/a",
            "미측정",
            "미분석",
            "not analysed",
        ] {
            assert_eq!(gas(s), Ok(GasValue::NotMeasured), "{s:?}");
        }
        assert_eq!(
            parse_gas(&Cell::Empty, Unit::Percent),
            Ok(GasValue::NotMeasured)
        );
    }

    #[test]
    fn gas_problems() {
        assert_eq!(
            parse_gas(&Cell::Error("#N/A".into()), Unit::Ppm),
            Err(ValueProblem::ExcelError {
                code: "#N/A".into()
            })
        );
        assert_eq!(
            gas("#DIV/0!"),
            Err(ValueProblem::ExcelError {
                code: "#DIV/0!".into()
            })
        );
        assert_eq!(gas("-5"), Err(ValueProblem::Negative { value: -5.0 }));
        assert_eq!(
            parse_gas(&Cell::Number(-0.1), Unit::Ppm),
            Err(ValueProblem::Negative { value: -0.1 })
        );
        assert_eq!(
            gas("abc"),
            Err(ValueProblem::NotNumeric { text: "abc".into() })
        );
        assert_eq!(
            gas("1000001"),
            Err(ValueProblem::Absurd { ppm: 1_000_001.0 })
        );
        assert_eq!(
            parse_gas(&Cell::Number(150.0), Unit::Percent),
            Err(ValueProblem::Absurd { ppm: 1_500_000.0 })
        );
        assert_eq!(gas("101 %"), Err(ValueProblem::Absurd { ppm: 1_010_000.0 }));
        assert_eq!(
            parse_gas(&Cell::Number(100.0), Unit::Percent),
            Ok(GasValue::Measured(1_000_000.0))
        );
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                parse_gas(&Cell::Number(value), Unit::Ppm),
                Err(ValueProblem::NotNumeric { .. })
            ));
        }
        assert_eq!(
            parse_gas(&Cell::Bool(true), Unit::Ppm),
            Err(ValueProblem::NotNumeric {
                text: "TRUE".into()
            })
        );
        assert_eq!(
            gas(">5000"),
            Err(ValueProblem::AboveRange {
                text: ">5000".into()
            })
        );
        assert!(matches!(gas("12.5*"), Err(ValueProblem::NotNumeric { .. })));
        // A footnote mark, a circled number: refused, never read as another number.
        for text in ["12.5¹", "35²", "①", "½"] {
            assert!(gas(text).is_err(), "{text}: {:?}", gas(text));
        }
        // Full-width digits are the number.
        assert!(matches!(gas("１２．５"), Ok(GasValue::Measured(v)) if (v - 12.5).abs() < 1e-9));
    }

    #[test]
    fn gas_date_cell_says_it_looks_like_a_date() {
        let dt = date(2023, 3, 4).and_hms_opt(0, 0, 0).expect("time");
        let problem = parse_gas(&Cell::DateTime(dt), Unit::Ppm).expect_err("not a gas value");
        assert_eq!(
            problem,
            ValueProblem::NotNumeric {
                text: "2023-03-04".into()
            }
        );
        assert!(problem.message_en().contains("looks like a date"));
        assert!(problem.message_ko().contains("날짜로 보입니다"));
        let text_date = gas("25.10.2023").expect_err("not a gas value");
        assert!(text_date.message_en().contains("looks like a date"));
        let word = gas("abc").expect_err("not a gas value");
        assert_eq!(word.message_en(), "“abc” is not a number");
    }

    proptest::proptest! {
        /// The quick reading of plain decimals agrees with the general one wherever it
        /// answers, and lets every other spelling through to it.
        #[test]
        fn plain_decimals_read_as_the_general_rules_read_them(s in "[0-9.]{0,30}") {
            match plain_decimal(&s) {
                Some(value) => {
                    proptest::prop_assert_eq!(parse_number_text(&s), Some(value), "{:?}", s);
                }
                None => proptest::prop_assert!(
                    !s.bytes().any(|b| b.is_ascii_digit()) || s.matches('.').count() > 1,
                    "{:?} was left to the general rules", s
                ),
            }
        }
    }

    #[test]
    fn plain_decimals_keep_their_checks() {
        assert_eq!(measured(" 865 "), 865.0);
        assert_eq!(measured("0.5"), 0.5);
        assert_eq!(measured(".5"), 0.5);
        assert_eq!(measured("865."), 865.0);
        // Too large to be a concentration, or to be a number at all.
        assert!(matches!(gas("2000000"), Err(ValueProblem::Absurd { .. })));
        let huge = "9".repeat(400);
        assert_eq!(
            gas(&huge),
            Err(ValueProblem::NotNumeric { text: huge.clone() })
        );
        // A percentage column converts.
        assert_eq!(
            parse_gas(&text("0.5"), Unit::Percent),
            Ok(GasValue::Measured(5000.0))
        );
    }
}
