//! Cell value parsing: turns one raw cell into a gas concentration, a number, a date, a
//! yes/no answer or a year, or says in plain words (English and Korean) why it cannot.
//!
//! Laboratory workbooks are typed by hand in many locales, so the parsers accept the
//! spellings labs actually use (decimal commas, thousands separators, full-width digits,
//! "ND", "<5", "불검출", "2023. 10. 25.") and refuse anything they would have to guess at.
//! Nothing here knows rows or columns; the caller adds that to the messages.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use substation_dga::GasValue;
use substation_dga::gas::MAX_PLAUSIBLE_PPM;

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

/// Why a cell cannot be read as what its column holds. Each variant has an English and a
/// Korean message ([`ValueProblem::message_en`], [`ValueProblem::message_ko`]) and a stable
/// id ([`ValueProblem::code`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueProblem {
    /// A gas concentration below zero.
    #[error("{}", self.message_en())]
    Negative { value: f64 },
    /// Text (or a boolean, date or non-finite number) where a number belongs.
    #[error("{}", self.message_en())]
    NotNumeric { text: String },
    /// A concentration above [`MAX_PLAUSIBLE_PPM`] after unit conversion.
    #[error("{}", self.message_en())]
    Absurd { ppm: f64 },
    /// Something that is not a date in any form we read.
    #[error("{}", self.message_en())]
    NotADate { text: String },
    /// A date form we read, but a day that is not on the calendar ("2023-02-30").
    #[error("{}", self.message_en())]
    ImpossibleDate { text: String },
    /// A spreadsheet error value (`#N/A`, `#DIV/0!`, ...), in an error cell or as text.
    #[error("{}", self.message_en())]
    ExcelError { code: String },
    /// Not a plausible year of manufacture.
    #[error("{}", self.message_en())]
    NotAYear { text: String },
    /// Not a yes/no answer.
    #[error("{}", self.message_en())]
    NotABoolean { text: String },
    /// ">5000": the lab only says the value is above its measuring range.
    #[error("{}", self.message_en())]
    AboveRange { text: String },
    /// Not one of the values a field allows (oil preservation).
    #[error("{}", self.message_en())]
    UnknownChoice { text: String, allowed: &'static str },
}

impl ValueProblem {
    /// The message in English, for a field engineer.
    pub fn message_en(&self) -> String {
        match self {
            ValueProblem::Negative { value } => format!(
                "“{}” is negative; a concentration cannot be below zero",
                format_number(*value)
            ),
            ValueProblem::NotNumeric { text } if looks_like_date(text) => format!(
                "“{text}” looks like a date, not a number; the spreadsheet may have turned the \
                 value into a date"
            ),
            ValueProblem::NotNumeric { text } => format!("“{text}” is not a number"),
            ValueProblem::Absurd { ppm } => format!(
                "{} ppm is more than 1,000,000 ppm (100 %), which no oil sample can hold; check \
                 the unit",
                format_number(*ppm)
            ),
            ValueProblem::NotADate { text } => {
                format!("“{text}” is not a date (write it like 2023-10-25)")
            }
            ValueProblem::ImpossibleDate { text } => {
                format!("“{text}” is not a real calendar date")
            }
            ValueProblem::ExcelError { code } => format!(
                "the cell holds the spreadsheet error {code} instead of a value; check the formula"
            ),
            ValueProblem::NotAYear { text } => {
                format!("“{text}” is not a year (write it like 1998)")
            }
            ValueProblem::NotABoolean { text } => format!("“{text}” is not yes or no"),
            ValueProblem::UnknownChoice { text, allowed } => {
                format!("“{text}” is not one of: {allowed}")
            }
            ValueProblem::AboveRange { text } => format!(
                "“{text}” only says the value is above the lab's measuring range; it is not a \
                 value that can be used"
            ),
        }
    }

    /// The message in Korean, for a field engineer.
    pub fn message_ko(&self) -> String {
        match self {
            ValueProblem::Negative { value } => format!(
                "“{}”은(는) 음수입니다. 농도는 0보다 작을 수 없습니다",
                format_number(*value)
            ),
            ValueProblem::NotNumeric { text } if looks_like_date(text) => format!(
                "“{text}”은(는) 숫자가 아니라 날짜로 보입니다. 스프레드시트가 값을 날짜로 \
                 바꿨을 수 있습니다"
            ),
            ValueProblem::NotNumeric { text } => format!("“{text}”은(는) 숫자가 아닙니다"),
            ValueProblem::Absurd { ppm } => format!(
                "{} ppm은 1,000,000 ppm(100 %)을 넘어 오일 시료에서 나올 수 없는 값입니다. \
                 단위를 확인하세요",
                format_number(*ppm)
            ),
            ValueProblem::NotADate { text } => {
                format!("“{text}”은(는) 날짜가 아닙니다 (예: 2023-10-25)")
            }
            ValueProblem::ImpossibleDate { text } => {
                format!("“{text}”은(는) 달력에 없는 날짜입니다")
            }
            ValueProblem::ExcelError { code } => {
                format!("셀에 값 대신 스프레드시트 오류({code})가 있습니다. 수식을 확인하세요")
            }
            ValueProblem::NotAYear { text } => {
                format!("“{text}”은(는) 연도가 아닙니다 (예: 1998)")
            }
            ValueProblem::NotABoolean { text } => {
                format!("“{text}”은(는) 예/아니오 값이 아닙니다")
            }
            ValueProblem::UnknownChoice { text, allowed } => {
                format!("“{text}”은(는) 다음 중 하나가 아닙니다: {allowed}")
            }
            ValueProblem::AboveRange { text } => format!(
                "“{text}”은(는) 측정 범위를 넘었다는 표시일 뿐 사용할 수 있는 값이 아닙니다"
            ),
        }
    }

    /// A stable snake_case id for the problem kind.
    pub fn code(&self) -> &'static str {
        match self {
            ValueProblem::Negative { .. } => "negative_value",
            ValueProblem::NotNumeric { .. } => "not_numeric",
            ValueProblem::Absurd { .. } => "absurd_value",
            ValueProblem::NotADate { .. } => "not_a_date",
            ValueProblem::ImpossibleDate { .. } => "impossible_date",
            ValueProblem::ExcelError { .. } => "excel_error",
            ValueProblem::NotAYear { .. } => "not_a_year",
            ValueProblem::NotABoolean { .. } => "not_a_boolean",
            ValueProblem::AboveRange { .. } => "above_range",
            ValueProblem::UnknownChoice { .. } => "unknown_choice",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------

/// Folds the look-alike characters of other locales and keyboards onto ASCII: full-width
/// forms (`１２．５`, `＜`, `％`) to ASCII, every kind of space (no-break, thin, ideographic)
/// to a plain space, zero-width characters away, Unicode minus and dashes to `-`, curly
/// apostrophes (Swiss thousands separator) to `'`.
fn normalize(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                Some(' ')
            }
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => Some('-'),
            '\u{2018}' | '\u{2019}' | '\u{02BC}' => Some('\''),
            '\u{FE64}' => Some('<'),
            '\u{FE65}' => Some('>'),
            _ => Some(c),
        })
        .collect()
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

// ---------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Gas concentrations
// ---------------------------------------------------------------------------------------

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
    ("µl/l", Unit::Ppm),
    ("μl/l", Unit::Ppm),
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
    let raw = cell.display();
    match cell {
        _ if cell.is_blank() => Ok(GasValue::NotMeasured),
        Cell::Number(value) => ppm_checked(*value, unit, &raw).map(GasValue::Measured),
        Cell::Text(text) => parse_gas_text(text, unit),
        _ => Err(ValueProblem::NotNumeric { text: raw }),
    }
}

fn parse_gas_text(raw: &str, unit: Unit) -> Result<GasValue, ValueProblem> {
    let raw = raw.trim();
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
    ppm_checked(value, unit, raw)
}

/// Converts to ppm and checks the result is a concentration an oil sample could have.
fn ppm_checked(value: f64, unit: Unit, raw: &str) -> Result<f64, ValueProblem> {
    if !value.is_finite() {
        return Err(ValueProblem::NotNumeric {
            text: raw.to_string(),
        });
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

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

/// Which epoch a workbook's date serials count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSystem {
    /// Windows Excel: serial 1 = 1900-01-01, with Lotus's fictitious 1900-02-29 at 60.
    Excel1900,
    /// Old Mac Excel: serial 0 = 1904-01-01.
    Excel1904,
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

/// Order of day and month in a date written with the year last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOrder {
    /// 25/10/2023
    DayFirst,
    /// 10/25/2023
    MonthFirst,
}

/// A date read from one cell, with what it says about the column's day order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateCandidate {
    /// One reading only: year-first, month name, date cell, serial, or day equal to month.
    Exact(NaiveDate),
    /// d/m/y vs m/d/y both valid (e.g. "05/10/2023").
    Ambiguous {
        day_first: NaiveDate,
        month_first: NaiveDate,
    },
    /// Slash/dot date where only one reading is valid (e.g. "25/10/2023" can only be
    /// day-first); carries which order it proves.
    Settles { date: NaiveDate, order: DayOrder },
}

impl DateCandidate {
    /// The date: `Exact`/`Settles` always; `Ambiguous` per `order`, `None` if no order.
    pub fn resolve(self, order: Option<DayOrder>) -> Option<NaiveDate> {
        match (self, order) {
            (DateCandidate::Exact(date), _) | (DateCandidate::Settles { date, .. }, _) => {
                Some(date)
            }
            (DateCandidate::Ambiguous { day_first, .. }, Some(DayOrder::DayFirst)) => {
                Some(day_first)
            }
            (DateCandidate::Ambiguous { month_first, .. }, Some(DayOrder::MonthFirst)) => {
                Some(month_first)
            }
            (DateCandidate::Ambiguous { .. }, None) => None,
        }
    }

    /// The year, which both readings of an ambiguous date share.
    fn year(self) -> i32 {
        match self {
            DateCandidate::Exact(date)
            | DateCandidate::Settles { date, .. }
            | DateCandidate::Ambiguous {
                day_first: date, ..
            } => date.year(),
        }
    }
}

/// Decides a column's day order from all its candidates: `Some(order)` if at least one
/// `Settles` and none contradicts it; `None` otherwise (contradiction or no evidence).
/// `Exact` and `Ambiguous` candidates are neutral.
pub fn column_day_order<'a>(
    candidates: impl IntoIterator<Item = &'a DateCandidate>,
) -> Option<DayOrder> {
    let mut found = None;
    for candidate in candidates {
        if let DateCandidate::Settles { order, .. } = candidate {
            match found {
                None => found = Some(*order),
                Some(seen) if seen != *order => return None,
                Some(_) => {}
            }
        }
    }
    found
}

/// Largest serial Excel accepts (9999-12-31) in the 1900 system, and in the 1904 system.
const MAX_SERIAL_1900: f64 = 2_958_465.0;
const MAX_SERIAL_1904: f64 = MAX_SERIAL_1900 - 1462.0;

/// Converts an Excel date serial to a date, dropping the time of day (the fraction).
///
/// 1900 system: serial 1 = 1900-01-01, 59 = 1900-02-28; 60 is Excel's fictitious
/// 1900-02-29 and gives `None`; from 61 (= 1900-03-01) on, serials count from 1899-12-30.
/// 1904 system: serial 0 = 1904-01-01. Serials outside 1..=2958465 (1900) or
/// 0..=2957003 (1904), i.e. beyond 9999-12-31, give `None`.
pub fn excel_serial_to_date(serial: f64, system: DateSystem) -> Option<NaiveDate> {
    if !serial.is_finite() {
        return None;
    }
    let day = serial.floor();
    let (base, days) = match system {
        DateSystem::Excel1900 => {
            if !(1.0..=MAX_SERIAL_1900).contains(&day) || day == 60.0 {
                return None;
            }
            let base = if day < 60.0 {
                (1899, 12, 31)
            } else {
                (1899, 12, 30)
            };
            (base, day)
        }
        DateSystem::Excel1904 => {
            if !(0.0..=MAX_SERIAL_1904).contains(&day) {
                return None;
            }
            ((1904, 1, 1), day)
        }
    };
    let (year, month, date) = base;
    // `days` is integral and within the checked range, so the cast is exact.
    NaiveDate::from_ymd_opt(year, month, date)?.checked_add_days(Days::new(days as u64))
}

/// Parses a date cell.
///
/// - Blank, "-" and "n/a" → `Ok(None)`.
/// - Date-time cell → its date. Number cell → Excel serial in `system` (time dropped),
///   except an integral eight-digit number, which is read as `yyyymmdd` (20231025): Korean
///   sheets often store dates that way, and no serial up to 9999-12-31 has eight digits.
/// - Text: year first — "2023-10-25", "2023-10-25T08:30:00", "2023-10-25 08:30",
///   "2023.10.25", "2023. 10. 25.", "2023/10/25", "20231025", "2023년 10월 25일" — always
///   `Exact`. Month names ("25-Oct-2023", "Oct 25, 2023", "25 October 2023") are `Exact`.
///   Year last — "25/10/2023", "10/25/2023", "25.10.2023", "25-10-2023": `Settles` when
///   only one of day-first and month-first is a real date, `Ambiguous` when both are,
///   `Exact` when day equals month. A time of day after the date ("08:30", "오후 3:15:00",
///   "8:30 PM") is checked and dropped.
/// - Two-digit years ("25/10/23") are refused as `NotADate`: "01/02/03" has six readings,
///   and a wrong century is worse than asking.
/// - A recognised form that is not on the calendar ("2023-02-30", "31/04/2023", serial 60
///   in the 1900 system, "20231325") → `ImpossibleDate`; anything else → `NotADate`.
///
/// Plausibility (future dates, dates before 1950) is for the caller.
pub fn parse_date(cell: &Cell, system: DateSystem) -> Result<Option<DateCandidate>, ValueProblem> {
    if let Some(problem) = spreadsheet_error(cell) {
        return Err(problem);
    }
    match cell {
        _ if cell.is_blank() => Ok(None),
        Cell::DateTime(dt) => Ok(Some(DateCandidate::Exact(dt.date()))),
        Cell::Number(value) => date_from_number(*value, system).map(Some),
        Cell::Text(text) if is_placeholder(&folded(text)) => Ok(None),
        Cell::Text(text) => parse_date_text(text).map(Some),
        _ => Err(ValueProblem::NotADate {
            text: cell.display(),
        }),
    }
}

fn date_from_number(value: f64, system: DateSystem) -> Result<DateCandidate, ValueProblem> {
    let text = format_number(value);
    if value.fract() == 0.0 && (10_000_000.0..=99_999_999.0).contains(&value) {
        // Range-checked integral value: the cast is exact.
        let digits = value as u32;
        return NaiveDate::from_ymd_opt((digits / 10_000) as i32, digits / 100 % 100, digits % 100)
            .map(DateCandidate::Exact)
            .ok_or(ValueProblem::ImpossibleDate { text });
    }
    if system == DateSystem::Excel1900 && value.floor() == 60.0 {
        return Err(ValueProblem::ImpossibleDate { text });
    }
    excel_serial_to_date(value, system)
        .map(DateCandidate::Exact)
        .ok_or(ValueProblem::NotADate { text })
}

/// One piece of a date text: a run of digits, a run of letters (lower-cased; Hangul
/// included), or a run of punctuation with the whitespace removed. Whitespace-only runs
/// are dropped, so "2023 10 25" has no separators and is refused.
#[derive(Debug, PartialEq)]
enum Token {
    Digits(String),
    Word(String),
    Separator(String),
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let class = |c: char| {
        if c.is_ascii_digit() {
            0
        } else if c.is_alphabetic() {
            1
        } else {
            2
        }
    };
    let mut chars = text.chars().peekable();
    while let Some(&first) = chars.peek() {
        let kind = class(first);
        let mut run = String::new();
        while let Some(&c) = chars.peek() {
            if class(c) != kind {
                break;
            }
            if !c.is_whitespace() {
                run.push(c);
            }
            chars.next();
        }
        match kind {
            0 => tokens.push(Token::Digits(run)),
            1 => tokens.push(Token::Word(run)),
            _ if run.is_empty() => {}
            _ => tokens.push(Token::Separator(run)),
        }
    }
    tokens
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// 1–12 for an English month name or an abbreviation of at least three letters.
fn month_number(word: &str) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    let index = MONTHS.iter().position(|name| name.starts_with(word))?;
    u32::try_from(index + 1).ok()
}

fn parse_date_text(raw: &str) -> Result<DateCandidate, ValueProblem> {
    let raw = raw.trim();
    let not_a_date = || ValueProblem::NotADate {
        text: raw.to_string(),
    };
    let impossible = || ValueProblem::ImpossibleDate {
        text: raw.to_string(),
    };
    let text = folded(raw);
    let date_part = strip_time(&text).ok_or_else(not_a_date)?;
    let tokens = tokenize(date_part);
    let exact = |year: &str, month: u32, day: &str| -> Result<DateCandidate, ValueProblem> {
        if year.len() != 4 || !(1..=2).contains(&day.len()) {
            return Err(not_a_date());
        }
        let year: i32 = year.parse().map_err(|_| not_a_date())?;
        let day: u32 = day.parse().map_err(|_| not_a_date())?;
        NaiveDate::from_ymd_opt(year, month, day)
            .map(DateCandidate::Exact)
            .ok_or_else(impossible)
    };
    let month = |digits: &str| -> Result<u32, ValueProblem> {
        if !(1..=2).contains(&digits.len()) {
            return Err(not_a_date());
        }
        digits.parse().map_err(|_| not_a_date())
    };
    use Token::{Digits, Separator, Word};
    match tokens.as_slice() {
        [Digits(all)] if all.len() == 8 => {
            let (year, rest) = all.split_at(4);
            let (month_digits, day) = rest.split_at(2);
            exact(year, month(month_digits)?, day)
        }
        [Digits(y), Word(a), Digits(m), Word(b), Digits(d), Word(c)]
            if a == "년" && b == "월" && c == "일" =>
        {
            exact(y, month(m)?, d)
        }
        [
            Digits(a),
            Separator(s1),
            Digits(b),
            Separator(s2),
            Digits(c),
            rest @ ..,
        ] if s1 == s2
            && matches!(s1.as_str(), "-" | "/" | ".")
            && (rest.is_empty() || (s1 == "." && matches!(rest, [Separator(t)] if t == "."))) =>
        {
            if a.len() == 4 {
                exact(a, month(b)?, c)
            } else if c.len() == 4 {
                year_last(c, month(a)?, month(b)?).ok_or_else(impossible)
            } else {
                Err(not_a_date())
            }
        }
        _ => month_name_date(&tokens, exact).ok_or_else(not_a_date)?,
    }
}

/// "25/10/2023" or "10/25/2023": which readings are real dates decides the candidate.
/// `None` when neither is.
fn year_last(year: &str, first: u32, second: u32) -> Option<DateCandidate> {
    let year: i32 = year.parse().ok()?;
    let day_first = NaiveDate::from_ymd_opt(year, second, first);
    let month_first = NaiveDate::from_ymd_opt(year, first, second);
    match (day_first, month_first) {
        (Some(day_first), Some(month_first)) if day_first == month_first => {
            Some(DateCandidate::Exact(day_first))
        }
        (Some(day_first), Some(month_first)) => Some(DateCandidate::Ambiguous {
            day_first,
            month_first,
        }),
        (Some(date), None) => Some(DateCandidate::Settles {
            date,
            order: DayOrder::DayFirst,
        }),
        (None, Some(date)) => Some(DateCandidate::Settles {
            date,
            order: DayOrder::MonthFirst,
        }),
        (None, None) => None,
    }
}

/// "25-Oct-2023", "25 October 2023", "Oct 25, 2023", "2023-Oct-25". `None` when the
/// tokens are no such form; otherwise the result of `exact`.
fn month_name_date(
    tokens: &[Token],
    exact: impl Fn(&str, u32, &str) -> Result<DateCandidate, ValueProblem>,
) -> Option<Result<DateCandidate, ValueProblem>> {
    let mut values = Vec::new();
    for token in tokens {
        match token {
            Token::Separator(s) if matches!(s.as_str(), "-" | "/" | "." | ",") => {}
            Token::Separator(_) => return None,
            value => values.push(value),
        }
    }
    use Token::{Digits, Word};
    match values.as_slice() {
        [Digits(y), Word(m), Digits(d)] if y.len() == 4 => Some(exact(y, month_number(m)?, d)),
        [Digits(d), Word(m), Digits(y)] => Some(exact(y, month_number(m)?, d)),
        [Word(m), Digits(d), Digits(y)] => Some(exact(y, month_number(m)?, d)),
        _ => None,
    }
}

/// Splits off a time of day after the date ("08:30", "T08:30:00", "오후 3:15:00",
/// "8:30 PM") and returns the date part, or `None` if what follows the date is not a
/// valid time.
fn strip_time(text: &str) -> Option<&str> {
    let Some(colon) = text.find(':') else {
        return Some(text);
    };
    let start = text[..colon]
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .len();
    if !is_time(&text[start..]) {
        return None;
    }
    let date = &text[..start];
    let date = date.strip_suffix('t').unwrap_or(date).trim_end();
    let date = ["오전", "오후", "am", "pm"]
        .iter()
        .find_map(|marker| date.strip_suffix(marker))
        .unwrap_or(date);
    Some(date.trim_end())
}

/// "8:30", "08:30:00", "08:30:00.000", with an optional "am"/"pm" or "z" after it.
fn is_time(text: &str) -> bool {
    let text = text.trim();
    let text = ["a.m.", "p.m.", "am", "pm", "z"]
        .iter()
        .find_map(|marker| text.strip_suffix(marker))
        .unwrap_or(text)
        .trim_end();
    let number = |s: &str, lengths: std::ops::RangeInclusive<usize>, max: u32| {
        lengths.contains(&s.len())
            && s.chars().all(|c| c.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| n <= max)
    };
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [h, m] => number(h, 1..=2, 23) && number(m, 2..=2, 59),
        [h, m, s] => {
            let (whole, fraction) = s.split_once(['.', ',']).unwrap_or((s, "0"));
            number(h, 1..=2, 23)
                && number(m, 2..=2, 59)
                && number(whole, 2..=2, 59)
                && !fraction.is_empty()
                && fraction.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// True when the text is a date in a form [`parse_date`] reads (for messages).
fn looks_like_date(text: &str) -> bool {
    parse_date_text(text).is_ok()
}

// ---------------------------------------------------------------------------------------
// Yes/no and years
// ---------------------------------------------------------------------------------------

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
const YEARS: std::ops::RangeInclusive<i32> = 1850..=2200;

/// Parses a year of manufacture: an integral number 1850–2200, text such as "1998",
/// "1998년", "1998.0", a date-time cell, or a date in text (any form [`parse_date`] reads;
/// both readings of an ambiguous date share the year). Blank, "-" and "n/a" are `Ok(None)`.
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
    use proptest::prelude::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn gas(s: &str) -> Result<GasValue, ValueProblem> {
        parse_gas(&text(s), Unit::Ppm)
    }

    fn measured(s: &str) -> f64 {
        match gas(s) {
            Ok(GasValue::Measured(v)) => v,
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    fn date_text(s: &str) -> Result<Option<DateCandidate>, ValueProblem> {
        parse_date(&text(s), DateSystem::Excel1900)
    }

    fn exact(s: &str) -> NaiveDate {
        match date_text(s) {
            Ok(Some(DateCandidate::Exact(d))) => d,
            other => panic!("{s:?} gave {other:?}"),
        }
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

    // --- Numbers ------------------------------------------------------------------------

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

    // --- Gas values -----------------------------------------------------------------------

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

    // --- Dates ------------------------------------------------------------------------------

    #[test]
    fn excel_serials_1900() {
        let s = |n| excel_serial_to_date(n, DateSystem::Excel1900);
        assert_eq!(s(1.0), Some(date(1900, 1, 1)));
        assert_eq!(s(59.0), Some(date(1900, 2, 28)));
        assert_eq!(s(60.0), None);
        assert_eq!(s(61.0), Some(date(1900, 3, 1)));
        assert_eq!(s(45000.0), Some(date(2023, 3, 15)));
        assert_eq!(s(45224.0), Some(date(2023, 10, 25)));
        assert_eq!(s(45224.75), Some(date(2023, 10, 25)));
        assert_eq!(s(2_958_465.0), Some(date(9999, 12, 31)));
        assert_eq!(s(2_958_466.0), None);
        assert_eq!(s(0.0), None);
        assert_eq!(s(0.5), None);
        assert_eq!(s(-1.0), None);
        assert_eq!(s(f64::NAN), None);
        assert_eq!(s(f64::INFINITY), None);
    }

    #[test]
    fn excel_serials_1904() {
        let s = |n| excel_serial_to_date(n, DateSystem::Excel1904);
        assert_eq!(s(0.0), Some(date(1904, 1, 1)));
        assert_eq!(s(1.0), Some(date(1904, 1, 2)));
        assert_eq!(s(45000.0 - 1462.0), Some(date(2023, 3, 15)));
        assert_eq!(s(2_957_003.0), Some(date(9999, 12, 31)));
        assert_eq!(s(2_957_004.0), None);
        assert_eq!(s(-0.5), None);
    }

    #[test]
    fn date_cells() {
        let dt = date(2023, 10, 25).and_hms_opt(8, 30, 0).expect("time");
        assert_eq!(
            parse_date(&Cell::DateTime(dt), DateSystem::Excel1900),
            Ok(Some(DateCandidate::Exact(date(2023, 10, 25))))
        );
        assert_eq!(parse_date(&Cell::Empty, DateSystem::Excel1900), Ok(None));
        assert_eq!(date_text("  "), Ok(None));
        assert_eq!(date_text("-"), Ok(None));
        assert_eq!(
            parse_date(&Cell::Number(45000.5), DateSystem::Excel1900),
            Ok(Some(DateCandidate::Exact(date(2023, 3, 15))))
        );
        assert_eq!(
            parse_date(&Cell::Number(45000.0), DateSystem::Excel1904),
            Ok(Some(DateCandidate::Exact(date(2027, 3, 16))))
        );
        assert_eq!(
            parse_date(&Cell::Number(20231025.0), DateSystem::Excel1900),
            Ok(Some(DateCandidate::Exact(date(2023, 10, 25))))
        );
        assert_eq!(
            parse_date(&Cell::Number(20231325.0), DateSystem::Excel1900),
            Err(ValueProblem::ImpossibleDate {
                text: "20231325".into()
            })
        );
        assert_eq!(
            parse_date(&Cell::Number(60.0), DateSystem::Excel1900),
            Err(ValueProblem::ImpossibleDate { text: "60".into() })
        );
        for bad in [-1.0, 0.0, 3_000_000.0, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(
                    parse_date(&Cell::Number(bad), DateSystem::Excel1900),
                    Err(ValueProblem::NotADate { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            parse_date(&Cell::Bool(true), DateSystem::Excel1900),
            Err(ValueProblem::NotADate {
                text: "TRUE".into()
            })
        );
        assert_eq!(
            parse_date(&Cell::Error("#REF!".into()), DateSystem::Excel1900),
            Err(ValueProblem::ExcelError {
                code: "#REF!".into()
            })
        );
    }

    #[test]
    fn year_first_text_dates() {
        let expected = date(2023, 10, 25);
        for s in [
            "2023-10-25",
            "2023-10-25T08:30:00",
            "2023-10-25T08:30:00.000Z",
            "2023-10-25 08:30",
            "2023-10-25 8:30 PM",
            "2023.10.25",
            "2023. 10. 25.",
            "2023. 10. 25. 오후 3:15:00",
            "2023/10/25",
            "20231025",
            "2023년 10월 25일",
            "2023년10월25일",
            "2023년 10월 25일 08:30",
            "２０２３－１０－２５",
            " 2023-10-25 ",
        ] {
            assert_eq!(exact(s), expected, "{s:?}");
        }
        assert_eq!(exact("2023-1-5"), date(2023, 1, 5));
    }

    #[test]
    fn month_name_dates() {
        let expected = date(2023, 10, 25);
        for s in [
            "25-Oct-2023",
            "25 October 2023",
            "Oct 25, 2023",
            "2023-Oct-25",
            "25 Sept 2023",
        ] {
            let got = exact(s);
            if s.contains("Sept") {
                assert_eq!(got, date(2023, 9, 25));
            } else {
                assert_eq!(got, expected, "{s:?}");
            }
        }
        assert!(matches!(
            date_text("31-Feb-2023"),
            Err(ValueProblem::ImpossibleDate { .. })
        ));
        assert!(matches!(
            date_text("25 Foo 2023"),
            Err(ValueProblem::NotADate { .. })
        ));
    }

    #[test]
    fn year_last_text_dates() {
        assert_eq!(
            date_text("25/10/2023"),
            Ok(Some(DateCandidate::Settles {
                date: date(2023, 10, 25),
                order: DayOrder::DayFirst
            }))
        );
        assert_eq!(
            date_text("10/25/2023"),
            Ok(Some(DateCandidate::Settles {
                date: date(2023, 10, 25),
                order: DayOrder::MonthFirst
            }))
        );
        assert_eq!(
            date_text("05/10/2023"),
            Ok(Some(DateCandidate::Ambiguous {
                day_first: date(2023, 10, 5),
                month_first: date(2023, 5, 10)
            }))
        );
        assert_eq!(exact("07/07/2023"), date(2023, 7, 7));
        assert_eq!(
            date_text("25.10.2023"),
            Ok(Some(DateCandidate::Settles {
                date: date(2023, 10, 25),
                order: DayOrder::DayFirst
            }))
        );
        assert_eq!(
            date_text("25-10-2023 14:00"),
            Ok(Some(DateCandidate::Settles {
                date: date(2023, 10, 25),
                order: DayOrder::DayFirst
            }))
        );
        assert_eq!(
            date_text("1/2/2023"),
            Ok(Some(DateCandidate::Ambiguous {
                day_first: date(2023, 2, 1),
                month_first: date(2023, 1, 2)
            }))
        );
    }

    #[test]
    fn impossible_dates() {
        for s in [
            "2023-02-30",
            "2023-13-01",
            "2023-00-10",
            "2023/04/31",
            "20230230",
            "2023년 2월 30일",
            "31/02/2023",
            "04/31/2023",
            "32/13/2023",
            "00/00/2023",
        ] {
            assert_eq!(
                date_text(s),
                Err(ValueProblem::ImpossibleDate { text: s.into() }),
                "{s:?}"
            );
        }
        // Leap years.
        assert_eq!(exact("2024-02-29"), date(2024, 2, 29));
        assert!(matches!(
            date_text("29/02/2023"),
            Err(ValueProblem::ImpossibleDate { .. })
        ));
    }

    #[test]
    fn not_dates() {
        for s in [
            "abc",
            "25/10/23",
            "23-10-25",
            "23년 10월 25일",
            "2023 10 25",
            "2023-10",
            "2023-10/25",
            "2023.10.25.25",
            "2023-10-25 25:00",
            "2023-10-25 08:61",
            "2023-10-25T",
            "Date: 2023-10-25",
            "2023-010-25",
            "45000",
            "123456789",
            "2023-10-25-",
            "10/25/2023.",
        ] {
            assert_eq!(
                date_text(s),
                Err(ValueProblem::NotADate { text: s.into() }),
                "{s:?}"
            );
        }
    }

    #[test]
    fn resolve_candidates() {
        let d = date(2023, 10, 25);
        let amb = DateCandidate::Ambiguous {
            day_first: date(2023, 10, 5),
            month_first: date(2023, 5, 10),
        };
        assert_eq!(DateCandidate::Exact(d).resolve(None), Some(d));
        let settles = DateCandidate::Settles {
            date: d,
            order: DayOrder::DayFirst,
        };
        assert_eq!(settles.resolve(Some(DayOrder::MonthFirst)), Some(d));
        assert_eq!(amb.resolve(None), None);
        assert_eq!(
            amb.resolve(Some(DayOrder::DayFirst)),
            Some(date(2023, 10, 5))
        );
        assert_eq!(
            amb.resolve(Some(DayOrder::MonthFirst)),
            Some(date(2023, 5, 10))
        );
    }

    #[test]
    fn column_day_order_from_evidence() {
        let d = date(2023, 10, 25);
        let settles = |order| DateCandidate::Settles { date: d, order };
        let amb = DateCandidate::Ambiguous {
            day_first: date(2023, 10, 5),
            month_first: date(2023, 5, 10),
        };
        let exact = DateCandidate::Exact(d);
        assert_eq!(column_day_order(&[]), None);
        assert_eq!(column_day_order(&[amb, exact]), None);
        assert_eq!(
            column_day_order(&[amb, settles(DayOrder::DayFirst), exact]),
            Some(DayOrder::DayFirst)
        );
        assert_eq!(
            column_day_order(&[settles(DayOrder::MonthFirst), settles(DayOrder::MonthFirst)]),
            Some(DayOrder::MonthFirst)
        );
        assert_eq!(
            column_day_order(&[settles(DayOrder::DayFirst), settles(DayOrder::MonthFirst)]),
            None
        );
        let from_text: Vec<DateCandidate> = ["05/10/2023", "25/10/2023", "2023-01-01"]
            .iter()
            .filter_map(|s| date_text(s).ok().flatten())
            .collect();
        assert_eq!(column_day_order(&from_text), Some(DayOrder::DayFirst));
    }

    // --- Yes/no and years -------------------------------------------------------------------

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

    // --- Messages ---------------------------------------------------------------------------

    #[test]
    fn every_problem_has_messages_and_a_code() {
        let problems = [
            ValueProblem::Negative { value: -5.0 },
            ValueProblem::NotNumeric { text: "abc".into() },
            ValueProblem::Absurd { ppm: 2e6 },
            ValueProblem::NotADate { text: "abc".into() },
            ValueProblem::ImpossibleDate {
                text: "2023-02-30".into(),
            },
            ValueProblem::ExcelError {
                code: "#N/A".into(),
            },
            ValueProblem::NotAYear { text: "98".into() },
            ValueProblem::NotABoolean {
                text: "maybe".into(),
            },
            ValueProblem::AboveRange {
                text: ">5000".into(),
            },
        ];
        let mut codes = std::collections::HashSet::new();
        for problem in &problems {
            assert!(!problem.message_en().is_empty());
            assert!(!problem.message_ko().is_empty());
            assert_eq!(problem.to_string(), problem.message_en());
            assert!(
                codes.insert(problem.code()),
                "duplicate code {}",
                problem.code()
            );
            assert!(
                problem
                    .code()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
        assert_eq!(problems[1].message_ko(), "“abc”은(는) 숫자가 아닙니다");
        assert_eq!(
            problems[0].message_en(),
            "“-5” is negative; a concentration cannot be below zero"
        );
        assert!(problems[2].message_en().starts_with("2000000 ppm"));
        assert!(problems[4].message_en().contains("2023-02-30"));
        assert!(problems[5].message_ko().contains("#N/A"));
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
