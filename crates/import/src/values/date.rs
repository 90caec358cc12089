//! Dates: Excel serials, date cells and the date forms labs type, with their day/month order.

use chrono::{Datelike, Days, NaiveDate};

use super::{Cell, ValueProblem, folded, format_number, is_placeholder, spreadsheet_error};

/// Which epoch a workbook's date serials count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSystem {
    /// Windows Excel: serial 1 = 1900-01-01, with Lotus's fictitious 1900-02-29 at 60.
    Excel1900,
    /// Old Mac Excel: serial 0 = 1904-01-01.
    Excel1904,
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
    pub(super) fn year(self) -> i32 {
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

pub(super) fn parse_date_text(raw: &str) -> Result<DateCandidate, ValueProblem> {
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
pub(super) fn looks_like_date(text: &str) -> bool {
    parse_date_text(text).is_ok()
}

#[cfg(test)]
mod tests;
