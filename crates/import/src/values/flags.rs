//! Yes/no answers and years of manufacture.

use chrono::Datelike;

use super::date::parse_date_text;
use super::{
    Cell, ValueProblem, compact, folded, is_placeholder, parse_number_text, spreadsheet_error,
};

const YES: &[&str] = &["yes", "y", "true", "1", "예", "네", "있음", "유", "o", "○"];

const NO: &[&str] = &[
    "no",
    "n",
    "false",
    "0",
    "아니오",
    "아니요",
    "없음",
    "무",
    "x",
    "×",
];

/// Parses a yes/no cell (for example "communicating OLTC").
///
/// Accepts boolean cells, the numbers 1 and 0, and "yes/no", "y/n", "true/false", "1/0",
/// "예/아니오", "네/아니요", "있음/없음", "유/무", and the O/X marks Korean forms use.
/// Blank, "-" and "n/a" are `Ok(None)` (no answer).
pub fn parse_bool(cell: &Cell) -> Result<Option<bool>, ValueProblem> {
    if let Some(problem) = spreadsheet_error(cell) {
        return Err(problem);
    }
    let not_boolean = || ValueProblem::NotABoolean {
        text: cell.display(),
    };
    let from_number = |value: f64| {
        if value == 1.0 {
            Ok(Some(true))
        } else if value == 0.0 {
            Ok(Some(false))
        } else {
            Err(not_boolean())
        }
    };
    match cell {
        _ if cell.is_blank() => Ok(None),
        Cell::Bool(value) => Ok(Some(*value)),
        Cell::Number(value) => from_number(*value),
        Cell::Text(text) => {
            let key = compact(&folded(text));
            if YES.contains(&key.as_str()) {
                Ok(Some(true))
            } else if NO.contains(&key.as_str()) {
                Ok(Some(false))
            } else if is_placeholder(&key) {
                Ok(None)
            } else {
                parse_number_text(&key).map_or_else(|| Err(not_boolean()), from_number)
            }
        }
        _ => Err(not_boolean()),
    }
}

/// Years of manufacture outside this range are typing errors (or not years at all).
pub(super) const YEARS: std::ops::RangeInclusive<i32> = 1850..=2200;

/// Parses a year of manufacture: an integral number 1850–2200, text such as "1998",
/// "1998년", "1998.0", a date-time cell, or a date in text (any form
/// [`parse_date`](super::parse_date) reads; both readings of an ambiguous date share the
/// year). Blank, "-" and "n/a" are `Ok(None)`.
pub fn parse_year(cell: &Cell) -> Result<Option<i32>, ValueProblem> {
    if let Some(problem) = spreadsheet_error(cell) {
        return Err(problem);
    }
    let not_a_year = || ValueProblem::NotAYear {
        text: cell.display(),
    };
    let in_range = |year: i32| {
        if YEARS.contains(&year) {
            Ok(Some(year))
        } else {
            Err(not_a_year())
        }
    };
    let from_number = |value: f64| {
        if value.fract() == 0.0
            && (f64::from(*YEARS.start())..=f64::from(*YEARS.end())).contains(&value)
        {
            // Range-checked integral value: the cast is exact.
            Ok(Some(value as i32))
        } else {
            Err(not_a_year())
        }
    };
    match cell {
        _ if cell.is_blank() => Ok(None),
        Cell::Number(value) => from_number(*value),
        Cell::DateTime(dt) => in_range(dt.year()),
        Cell::Text(text) => {
            let text = folded(text);
            if is_placeholder(&text) {
                return Ok(None);
            }
            let bare = ["년도", "년", "年"]
                .iter()
                .find_map(|suffix| text.strip_suffix(suffix))
                .unwrap_or(&text)
                .trim_end();
            if let Some(value) = parse_number_text(bare) {
                return from_number(value);
            }
            match parse_date_text(&text) {
                Ok(candidate) => in_range(candidate.year()),
                Err(_) => Err(not_a_year()),
            }
        }
        _ => Err(not_a_year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::tests::{date, text};

    #[test]
    fn booleans() {
        for s in [
            "yes", "Y", "TRUE", "1", "예", "네", "있음", "유", "O", "○", " Yes ",
        ] {
            assert_eq!(parse_bool(&text(s)), Ok(Some(true)), "{s:?}");
        }
        for s in [
            "no",
            "N",
            "false",
            "0",
            "아니오",
            "아니요",
            "없음",
            "무",
            "X",
            "×",
        ] {
            assert_eq!(parse_bool(&text(s)), Ok(Some(false)), "{s:?}");
        }
        assert_eq!(parse_bool(&Cell::Bool(true)), Ok(Some(true)));
        assert_eq!(parse_bool(&Cell::Number(0.0)), Ok(Some(false)));
        assert_eq!(parse_bool(&Cell::Number(1.0)), Ok(Some(true)));
        assert_eq!(parse_bool(&text("1.0")), Ok(Some(true)));
        assert_eq!(parse_bool(&Cell::Empty), Ok(None));
        assert_eq!(parse_bool(&text("-")), Ok(None));
        assert_eq!(parse_bool(&text("N/A")), Ok(None));
        assert_eq!(
            parse_bool(&Cell::Number(2.0)),
            Err(ValueProblem::NotABoolean { text: "2".into() })
        );
        assert_eq!(
            parse_bool(&text("maybe")),
            Err(ValueProblem::NotABoolean {
                text: "maybe".into()
            })
        );
        assert_eq!(
            parse_bool(&Cell::Error("#N/A".into())),
            Err(ValueProblem::ExcelError {
                code: "#N/A".into()
            })
        );
    }

    #[test]
    fn years() {
        assert_eq!(parse_year(&Cell::Number(1998.0)), Ok(Some(1998)));
        assert_eq!(parse_year(&Cell::Number(1850.0)), Ok(Some(1850)));
        assert_eq!(parse_year(&Cell::Number(2200.0)), Ok(Some(2200)));
        assert_eq!(parse_year(&text("1998")), Ok(Some(1998)));
        assert_eq!(parse_year(&text("1998년")), Ok(Some(1998)));
        assert_eq!(parse_year(&text("1998 년도")), Ok(Some(1998)));
        assert_eq!(parse_year(&text("１９９８")), Ok(Some(1998)));
        assert_eq!(parse_year(&text("1998.0")), Ok(Some(1998)));
        assert_eq!(parse_year(&text("1998-05-12")), Ok(Some(1998)));
        assert_eq!(parse_year(&text("05/06/1998")), Ok(Some(1998)));
        let dt = date(1998, 5, 12).and_hms_opt(0, 0, 0).expect("time");
        assert_eq!(parse_year(&Cell::DateTime(dt)), Ok(Some(1998)));
        assert_eq!(parse_year(&Cell::Empty), Ok(None));
        assert_eq!(parse_year(&text("-")), Ok(None));
        for bad in [1849.0, 2201.0, 1998.5, 98.0, f64::NAN, -1998.0] {
            assert!(
                matches!(
                    parse_year(&Cell::Number(bad)),
                    Err(ValueProblem::NotAYear { .. })
                ),
                "{bad}"
            );
        }
        for bad in ["98", "'98", "abc", "1998년식", "3000"] {
            assert_eq!(
                parse_year(&text(bad)),
                Err(ValueProblem::NotAYear { text: bad.into() }),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_year(&Cell::Bool(true)),
            Err(ValueProblem::NotAYear {
                text: "TRUE".into()
            })
        );
    }
}
