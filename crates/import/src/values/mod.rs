//! Cell value parsing: turns one raw cell into a gas concentration, a number, a date, a
//! yes/no answer or a year, or says in plain words (English and Korean) why it cannot.
//!
//! Laboratory workbooks are typed by hand in many locales, so the parsers accept the
//! spellings labs actually use (decimal commas, thousands separators, full-width digits,
//! "ND", "<5", "불검출", "2023. 10. 25.") and refuse anything they would have to guess at.
//! Nothing here knows rows or columns; the caller adds that to the messages.

use chrono::{NaiveDateTime, NaiveTime, Timelike};

mod date;
mod flags;
mod gas;
mod message;
mod number;
mod problem;

pub use date::{
    DateCandidate, DateSystem, DayOrder, column_day_order, excel_serial_to_date, parse_date,
};
pub use flags::{parse_bool, parse_year};
pub use gas::{BlankGas, parse_gas};
pub use number::{parse_number, parse_number_text};
pub use problem::ValueProblem;

/// One cell as read from any source (spreadsheet or CSV), owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    DateTime(NaiveDateTime),
    /// A spreadsheet error value such as `#N/A` or `#DIV/0!`.
    Error(String),
}

impl Cell {
    /// True for an empty cell or text that is only whitespace (including non-breaking,
    /// full-width and zero-width spaces).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => normalize(text).trim().is_empty(),
            _ => false,
        }
    }

    /// The raw value as the user would see it, for issue messages: integral numbers without
    /// a trailing `.0`, booleans as Excel shows them, date-times as `2023-10-25` (or
    /// `2023-10-25 08:30` when there is a time of day), text trimmed.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Number(value) => format_number(*value),
            Cell::Text(text) => text.trim().to_string(),
            Cell::Bool(true) => "TRUE".to_string(),
            Cell::Bool(false) => "FALSE".to_string(),
            Cell::DateTime(dt) => {
                let format = if dt.time() == NaiveTime::MIN {
                    "%Y-%m-%d"
                } else if dt.second() == 0 && dt.nanosecond() == 0 {
                    "%Y-%m-%d %H:%M"
                } else {
                    "%Y-%m-%d %H:%M:%S"
                };
                dt.format(format).to_string()
            }
            Cell::Error(code) => code.trim().to_string(),
        }
    }
}

/// Unit of a gas column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Ppm,
    Percent,
}

impl Unit {
    /// Converts a value in this unit to ppm (1 % = 10,000 ppm).
    ///
    /// The percent conversion shifts the decimal exponent of the value's shortest decimal
    /// form instead of multiplying in binary: `0.07 * 10_000.0` is `700.0000000000001`, while
    /// the lab wrote exactly 700 ppm. The result is the double nearest to the decimal the
    /// user typed, times 10,000.
    pub fn to_ppm(self, value: f64) -> f64 {
        match self {
            Unit::Ppm => value,
            Unit::Percent => shift_decimal(value, 4),
        }
    }
}

/// Multiplies by `10^places` exactly in decimal (see [`Unit::to_ppm`]).
fn shift_decimal(value: f64, places: i32) -> f64 {
    let binary = value * 10f64.powi(places);
    if !value.is_finite() || value == 0.0 {
        return binary;
    }
    let shortest = format!("{value:e}");
    shortest
        .split_once('e')
        .and_then(|(mantissa, exponent)| {
            let exponent: i32 = exponent.parse().ok()?;
            format!("{mantissa}e{}", exponent + places).parse().ok()
        })
        .unwrap_or(binary)
}

// ---------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------

/// Folds the look-alike characters of other locales and keyboards onto ASCII
/// ([`crate::fold`]): full-width forms (`１２．５`, `＜`, `％`), every kind of space,
/// zero-width characters away, Unicode minus and dashes to `-`, curly apostrophes (Swiss
/// thousands separator) to `'`, the micro sign to `u`; superscripts, circled numbers and
/// fractions are kept as they are ([`crate::fold::fold_cell`]).
fn normalize(text: &str) -> String {
    crate::fold::fold_cell(text)
}

/// [`normalize`], lower-cased and trimmed: the form every text parser starts from.
fn folded(text: &str) -> String {
    normalize(text).trim().to_lowercase()
}

/// Removes all whitespace, so "N. D." and "not detected" compare as keys.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Integral values without `.0`, as a spreadsheet shows them.
fn format_number(value: f64) -> String {
    format!("{value}")
}

/// Error values Excel and LibreOffice write into cells; CSV exports carry them as text.
const SPREADSHEET_ERRORS: &[&str] = &[
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
];

/// The spreadsheet error a cell holds, whether as an error cell or as exported text.
pub(crate) fn spreadsheet_error(cell: &Cell) -> Option<ValueProblem> {
    match cell {
        Cell::Error(code) => Some(ValueProblem::ExcelError {
            code: code.trim().to_string(),
        }),
        Cell::Text(text) => {
            let upper = normalize(text).trim().to_uppercase();
            SPREADSHEET_ERRORS
                .contains(&upper.as_str())
                .then_some(ValueProblem::ExcelError { code: upper })
        }
        _ => None,
    }
}

/// Text that stands for "no answer" in a non-gas column: dashes and "n/a".
fn is_placeholder(folded: &str) -> bool {
    let key = compact(folded);
    is_dashes(&key) || matches!(key.as_str(), "n/a" | "na" | "n.a." | "n.a")
}

/// One to three dashes ("-", "--", "—" after normalising).
fn is_dashes(key: &str) -> bool {
    (1..=3).contains(&key.len()) && key.chars().all(|c| c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use substation_dga::GasValue;
    use substation_dga::gas::MAX_PLAUSIBLE_PPM;

    use super::flags::YEARS;

    pub(super) fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    // --- Cell -------------------------------------------------------------------------

    #[test]
    fn blank_cells() {
        assert!(Cell::Empty.is_blank());
        assert!(text("").is_blank());
        assert!(text(" \t\u{00A0}\u{3000}\u{200B}").is_blank());
        assert!(!text("x").is_blank());
        assert!(!Cell::Number(0.0).is_blank());
        assert!(!Cell::Bool(false).is_blank());
    }

    #[test]
    fn display_shows_the_raw_value() {
        assert_eq!(Cell::Number(12.0).display(), "12");
        assert_eq!(Cell::Number(12.5).display(), "12.5");
        assert_eq!(Cell::Number(-3.0).display(), "-3");
        assert_eq!(text("  abc ").display(), "abc");
        assert_eq!(Cell::Bool(true).display(), "TRUE");
        assert_eq!(Cell::Empty.display(), "");
        assert_eq!(Cell::Error("#N/A".into()).display(), "#N/A");
        let midnight = date(2023, 10, 25).and_hms_opt(0, 0, 0).expect("time");
        assert_eq!(Cell::DateTime(midnight).display(), "2023-10-25");
        let morning = date(2023, 10, 25).and_hms_opt(8, 30, 0).expect("time");
        assert_eq!(Cell::DateTime(morning).display(), "2023-10-25 08:30");
        let exact = date(2023, 10, 25).and_hms_opt(8, 30, 15).expect("time");
        assert_eq!(Cell::DateTime(exact).display(), "2023-10-25 08:30:15");
    }

    // --- Units --------------------------------------------------------------------------

    #[test]
    fn percent_converts_exactly() {
        assert_eq!(Unit::Percent.to_ppm(3.2), 32_000.0);
        assert_eq!(Unit::Percent.to_ppm(0.07), 700.0);
        assert_eq!(Unit::Percent.to_ppm(0.0001), 1.0);
        assert_eq!(Unit::Percent.to_ppm(21.0), 210_000.0);
        assert_eq!(Unit::Percent.to_ppm(0.0), 0.0);
        assert_eq!(Unit::Ppm.to_ppm(0.07), 0.07);
        assert!(Unit::Percent.to_ppm(f64::NAN).is_nan());
        assert_eq!(Unit::Percent.to_ppm(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn unit_serializes_snake_case() {
        assert_eq!(
            serde_json::to_string(&Unit::Percent).expect("json"),
            "\"percent\""
        );
        assert_eq!(
            serde_json::from_str::<Unit>("\"ppm\"").expect("json"),
            Unit::Ppm
        );
    }

    // --- Never panic --------------------------------------------------------------------------

    fn assert_sane_gas(result: Result<GasValue, ValueProblem>) -> Result<(), TestCaseError> {
        let sane = |v: f64| (0.0..=MAX_PLAUSIBLE_PPM).contains(&v);
        match result {
            Ok(GasValue::Measured(v)) => prop_assert!(sane(v), "measured {v}"),
            Ok(GasValue::BelowDetection { limit: Some(v) }) => prop_assert!(sane(v), "limit {v}"),
            Ok(_) => {}
            Err(problem) => {
                prop_assert!(!problem.message_en().is_empty());
                prop_assert!(!problem.message_ko().is_empty());
            }
        }
        Ok(())
    }

    fn exercise(cell: &Cell) -> Result<(), TestCaseError> {
        assert_sane_gas(parse_gas(cell, Unit::Ppm))?;
        assert_sane_gas(parse_gas(cell, Unit::Percent))?;
        for system in [DateSystem::Excel1900, DateSystem::Excel1904] {
            if let Err(problem) = parse_date(cell, system) {
                prop_assert!(!problem.message_en().is_empty());
            }
        }
        if let Ok(Some(v)) = parse_number(cell) {
            prop_assert!(v.is_finite());
        }
        let _ = parse_bool(cell);
        if let Ok(Some(year)) = parse_year(cell) {
            prop_assert!(YEARS.contains(&year));
        }
        let _ = cell.display();
        let _ = cell.is_blank();
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            exercise(&Cell::Text(s))?;
        }

        #[test]
        fn number_like_text_never_panics(
            s in "[-+<>≤＜ND年년월일:Tt ,.'０-９0-9eE%ppm/()\u{00A0}\u{2009}]{0,24}"
        ) {
            exercise(&Cell::Text(s))?;
        }

        #[test]
        fn arbitrary_numbers_never_panic(v in any::<f64>()) {
            exercise(&Cell::Number(v))?;
        }

        #[test]
        fn parsed_text_numbers_round_trip(v in 0.0f64..1e6) {
            let shown = format!("{v}");
            prop_assert_eq!(parse_number_text(&shown), Some(v));
            prop_assert_eq!(
                parse_gas(&Cell::Text(shown), Unit::Ppm),
                Ok(GasValue::Measured(v))
            );
        }
    }
}
