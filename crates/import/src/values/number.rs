//! Plain numbers: numeric text in the separators labs write, and number cells.

use super::{Cell, ValueProblem, folded, is_placeholder, normalize, spreadsheet_error};

/// Parses numeric text: optional sign, digits with separators, optional exponent
/// ("1.2E3"). Full-width digits and odd spaces are normalised first. `None` for anything
/// else, including "inf" and "NaN", and for values that overflow.
///
/// Separators, since labs write both "12,345" and "12,5":
/// - Space and apostrophe (`12 345`, `12'345`, also no-break and thin spaces) only group
///   thousands.
/// - With both `.` and `,`, the one that comes last is the decimal mark ("1,234.5" and
///   "1.234,5" are both 1234.5).
/// - A single `.` is a decimal point ("1.234" is 1.234); several dots group thousands
///   ("1.234.567").
/// - Several commas group thousands ("1,234,567").
/// - A single comma groups thousands only when it is followed by exactly three digits and
///   preceded by one to three digits that do not start with 0 ("1,234" and "12,345" are
///   1234 and 12345); otherwise it is a decimal comma ("1,5" = 1.5, "1,25" = 1.25,
///   "0,125" = 0.125, "1234,567" = 1234.567, "12 345,6" = 12345.6).
/// - Thousands groups must be well formed (1–3 digits, then groups of exactly 3), so
///   "1 2" or "1,23,4" are refused rather than guessed at.
pub fn parse_number_text(text: &str) -> Option<f64> {
    let normalized = normalize(text);
    let trimmed = normalized.trim();
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (body, None),
    };
    let mut canonical = canonical_mantissa(mantissa)?;
    if let Some(exponent) = exponent {
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        canonical.push('e');
        canonical.push_str(exponent);
    }
    let value: f64 = canonical.parse().ok()?;
    let value = if negative { -value } else { value };
    value.is_finite().then_some(value)
}

/// Rewrites an unsigned mantissa with separators as `digits.digits` (rules on
/// [`parse_number_text`]).
fn canonical_mantissa(text: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\'');
    if !text.chars().all(allowed) || !text.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let dots = text.matches('.').count();
    let commas = text.matches(',').count();
    let decimal = match (dots, commas) {
        (0, 0) => None,
        (1, 0) => Some('.'),
        (_, 0) => None,
        (0, 1) if !single_comma_groups_thousands(text) => Some(','),
        (0, _) => None,
        _ if text.rfind('.') > text.rfind(',') => Some('.'),
        _ => Some(','),
    };
    let (integer, fraction) = match decimal {
        Some(mark) => {
            let (integer, fraction) = text.split_once(mark)?;
            (integer, fraction)
        }
        None => (text, ""),
    };
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let integer = ungroup(integer)?;
    if integer.is_empty() && fraction.is_empty() {
        return None;
    }
    let integer = if integer.is_empty() { "0" } else { &integer };
    let fraction = if fraction.is_empty() { "0" } else { fraction };
    Some(format!("{integer}.{fraction}"))
}

/// "1,234" is a thousands separator; "1,5", "1,25", "0,125" and "1234,567" are decimal.
fn single_comma_groups_thousands(text: &str) -> bool {
    let Some((integer, fraction)) = text.split_once(',') else {
        return false;
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    fraction.len() == 3
        && digits(fraction)
        && (1..=3).contains(&integer.len())
        && digits(integer)
        && !integer.starts_with('0')
}

/// Removes one kind of thousands separator from an integer part, checking the grouping.
fn ungroup(integer: &str) -> Option<String> {
    let mut separators = integer.chars().filter(|c| !c.is_ascii_digit());
    let Some(separator) = separators.next() else {
        return Some(integer.to_string());
    };
    if separators.any(|c| c != separator) {
        return None;
    }
    let mut groups = integer.split(separator);
    let first = groups.next()?;
    if !(1..=3).contains(&first.len()) {
        return None;
    }
    let mut digits = first.to_string();
    for group in groups {
        if group.len() != 3 {
            return None;
        }
        digits.push_str(group);
    }
    Some(digits)
}

/// Parses a plain number (for nameplate fields such as kV, MVA, litres, or oil temperature).
///
/// Blank cells and placeholders ("-", "n/a") are `Ok(None)`. Negative numbers are returned
/// as they are, because some numeric fields (oil temperature in a Korean winter) can be
/// below zero; the caller checks ranges. Text with a unit ("154 kV") is not a plain number
/// and is refused.
pub fn parse_number(cell: &Cell) -> Result<Option<f64>, ValueProblem> {
    if let Some(problem) = spreadsheet_error(cell) {
        return Err(problem);
    }
    let not_numeric = || ValueProblem::NotNumeric {
        text: cell.display(),
    };
    match cell {
        _ if cell.is_blank() => Ok(None),
        Cell::Number(value) if value.is_finite() => Ok(Some(*value)),
        Cell::Text(text) if is_placeholder(&folded(text)) => Ok(None),
        Cell::Text(text) => parse_number_text(text).map(Some).ok_or_else(not_numeric),
        _ => Err(not_numeric()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::tests::text;

    #[test]
    fn plain_and_padded_numbers() {
        assert_eq!(parse_number_text("12"), Some(12.0));
        assert_eq!(parse_number_text("  12.5  "), Some(12.5));
        assert_eq!(parse_number_text("+7"), Some(7.0));
        assert_eq!(parse_number_text("-7.5"), Some(-7.5));
        assert_eq!(parse_number_text("\u{2212}7"), Some(-7.0));
        assert_eq!(parse_number_text(".5"), Some(0.5));
        assert_eq!(parse_number_text("5."), Some(5.0));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(parse_number_text("12,345"), Some(12_345.0));
        assert_eq!(parse_number_text("1,234,567"), Some(1_234_567.0));
        assert_eq!(parse_number_text("12 345"), Some(12_345.0));
        assert_eq!(parse_number_text("12'345"), Some(12_345.0));
        assert_eq!(parse_number_text("12\u{2019}345"), Some(12_345.0));
        assert_eq!(parse_number_text("12\u{00A0}345"), Some(12_345.0));
        assert_eq!(parse_number_text("12\u{2009}345"), Some(12_345.0));
        assert_eq!(parse_number_text("12\u{202F}345.5"), Some(12_345.5));
        assert_eq!(parse_number_text("1.234.567"), Some(1_234_567.0));
        assert_eq!(parse_number_text("1,234.5"), Some(1_234.5));
        assert_eq!(parse_number_text("1.234,5"), Some(1_234.5));
        // Malformed grouping is refused, not guessed.
        assert_eq!(parse_number_text("1 2"), None);
        assert_eq!(parse_number_text("1,23,4"), None);
        assert_eq!(parse_number_text("1234 567"), None);
        assert_eq!(parse_number_text("1 234'567"), None);
        assert_eq!(parse_number_text("1.2.3"), None);
        assert_eq!(parse_number_text("1,234.5,6"), None);
    }

    #[test]
    fn decimal_comma() {
        assert_eq!(parse_number_text("12,5"), Some(12.5));
        assert_eq!(parse_number_text("1,5"), Some(1.5));
        assert_eq!(parse_number_text("1,25"), Some(1.25));
        assert_eq!(parse_number_text("1,2345"), Some(1.2345));
        assert_eq!(parse_number_text("0,125"), Some(0.125));
        assert_eq!(parse_number_text("1234,567"), Some(1234.567));
        assert_eq!(parse_number_text("12 345,6"), Some(12_345.6));
        assert_eq!(parse_number_text(",5"), Some(0.5));
        // Exactly three digits after one comma: thousands.
        assert_eq!(parse_number_text("1,234"), Some(1234.0));
        // A single dot is always a decimal point.
        assert_eq!(parse_number_text("1.234"), Some(1.234));
    }

    #[test]
    fn full_width_and_scientific() {
        assert_eq!(parse_number_text("１２"), Some(12.0));
        assert_eq!(parse_number_text("１２．５"), Some(12.5));
        assert_eq!(parse_number_text("１，２３４"), Some(1234.0));
        assert_eq!(parse_number_text("1.2E3"), Some(1200.0));
        assert_eq!(parse_number_text("1.2e-3"), Some(0.0012));
        assert_eq!(parse_number_text("5E+2"), Some(500.0));
        assert_eq!(parse_number_text("1,5e2"), Some(150.0));
    }

    #[test]
    fn not_numbers() {
        for s in [
            "", " ", "abc", "1e", "e5", "1e5.5", "1..2", ".", ",", "-", "+-1", "- 5", "12a", "inf",
            "NaN", "infinity", "0x10", "1e400", "--1", "1 e5",
        ] {
            assert_eq!(parse_number_text(s), None, "{s:?}");
        }
    }

    #[test]
    fn parse_number_cells() {
        assert_eq!(parse_number(&Cell::Empty), Ok(None));
        assert_eq!(parse_number(&text("  ")), Ok(None));
        assert_eq!(parse_number(&text("-")), Ok(None));
        assert_eq!(parse_number(&text("N/A")), Ok(None));
        assert_eq!(parse_number(&Cell::Number(154.0)), Ok(Some(154.0)));
        assert_eq!(parse_number(&Cell::Number(-12.0)), Ok(Some(-12.0)));
        assert_eq!(parse_number(&text("1,200")), Ok(Some(1200.0)));
        assert_eq!(parse_number(&text("-5")), Ok(Some(-5.0)));
        assert_eq!(
            parse_number(&text("154 kV")),
            Err(ValueProblem::NotNumeric {
                text: "154 kV".into()
            })
        );
        assert_eq!(
            parse_number(&Cell::Number(f64::NAN)),
            Err(ValueProblem::NotNumeric { text: "NaN".into() })
        );
        assert_eq!(
            parse_number(&Cell::Bool(true)),
            Err(ValueProblem::NotNumeric {
                text: "TRUE".into()
            })
        );
        assert_eq!(
            parse_number(&Cell::Error("#DIV/0!".into())),
            Err(ValueProblem::ExcelError {
                code: "#DIV/0!".into()
            })
        );
    }
}
