//! The small grammars inside an xlsx sheet: cell references, number formats that mean a
//! date, and Excel's `_xHHHH_` character escapes. Each reads the way calamine 0.38 reads the
//! same text, so a workbook reads the same whichever reader opens it (the differential test in
//! `super::tests` holds them together).

use std::borrow::Cow;

/// What a cell style's number format makes of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumberKind {
    Plain,
    /// A date and/or time of day: the number is a serial date.
    Date,
    /// An elapsed time (`[h]:mm:ss`): the number stays a number.
    Duration,
}

/// The kind of a built-in number format, by its id as written in `numFmtId`. The ids are
/// ECMA-376 Part 1, 18.8.30; 27–36 and 50–58 are the East Asian date formats.
pub(super) fn builtin_kind(id: &str) -> NumberKind {
    // Only the canonical spelling names a built-in format ("014" does not).
    let canonical = !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && (id == "0" || !id.starts_with('0'));
    if !canonical || id.len() > 2 {
        return NumberKind::Plain;
    }
    match id.parse::<u8>() {
        Ok(14..=22 | 27..=36 | 45 | 47 | 50..=58) => NumberKind::Date,
        Ok(46) => NumberKind::Duration,
        _ => NumberKind::Plain,
    }
}

/// The kind of a custom number format code: a date when its first section has a date or time
/// letter (d, m, y, h, s) outside quotes, brackets and escapes, or `a` followed later by `p`,
/// `m` or `/` (AM/PM, A/P); an elapsed time when a bracket holds only one of h, m or s
/// repeated (`[h]`, `[mm]`).
pub(super) fn custom_kind(code: &str) -> NumberKind {
    let mut literal_next = false;
    let mut quoted = false;
    let mut depth = 0u8;
    let mut after_a = false;
    // Inside a bracket: the letter it has held so far, if only one letter repeated.
    let mut elapsed: Option<char> = None;
    let mut previous = ' ';
    for ch in code.chars() {
        let was = previous;
        previous = ch;
        if literal_next {
            literal_next = false;
            continue;
        }
        match ch {
            '\\' | '_' | '*' => {
                literal_next = true;
                continue;
            }
            '"' => {
                quoted = !quoted;
                continue;
            }
            _ if quoted => continue,
            ';' => return NumberKind::Plain,
            '[' => {
                depth = depth.saturating_add(1);
                continue;
            }
            ']' => {
                if depth == 1 && elapsed.is_some() {
                    return NumberKind::Duration;
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            let lower = ch.to_ascii_lowercase();
            if after_a {
                if matches!(lower, 'p' | 'm' | '/') {
                    return NumberKind::Date;
                }
            } else if lower == 'a' {
                after_a = true;
                continue;
            } else if matches!(lower, 'd' | 'm' | 'h' | 'y' | 's') {
                return NumberKind::Date;
            }
        }
        // A bracket's elapsed-time letter: the first after `[`, then only itself again.
        let is_hms = matches!(ch.to_ascii_lowercase(), 'h' | 'm' | 's');
        elapsed = match elapsed {
            Some(letter) if ch.eq_ignore_ascii_case(&letter) => Some(letter),
            _ if was == '[' && is_hms => Some(ch),
            _ => None,
        };
    }
    NumberKind::Plain
}

/// A cell reference such as `AB12` as a 0-based (row, column); `None` column when the
/// reference has only a row (a `<row r="12">`).
pub(super) fn cell_ref(text: &str) -> Result<(u32, Option<u32>), String> {
    let bad = || format!("cell reference {text:?} is not a column and row such as B12");
    let bytes = text.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (column_part, row_part) = bytes.split_at(letters);
    let mut column: u32 = 0;
    for &b in column_part {
        let digit = u32::from(b.to_ascii_uppercase() - b'A') + 1;
        column = column
            .checked_mul(26)
            .and_then(|c| c.checked_add(digit))
            .ok_or_else(bad)?;
    }
    if row_part.is_empty() || !row_part.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let mut row: u32 = 0;
    for &b in row_part {
        row = row
            .checked_mul(10)
            .and_then(|r| r.checked_add(u32::from(b - b'0')))
            .ok_or_else(bad)?;
    }
    let row = row.checked_sub(1).ok_or_else(bad)?;
    Ok((row, column.checked_sub(1)))
}

/// Undoes Excel's `_xHHHH_` escapes (a UTF-16 code unit in hex: `_x000D_` is a carriage
/// return, a surrogate pair is two escapes). A lone or unpaired surrogate becomes U+FFFD.
pub(super) fn unescape_excel(text: &str) -> Cow<'_, str> {
    let Some(first) = next_escape(text, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut found = Some(first);
    while let Some((at, unit)) = found {
        out.push_str(&text[copied..at]);
        let mut end = at + ESCAPE_LEN;
        let ch = match unit {
            0xD800..=0xDBFF => match escape_at(text, end) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    end += ESCAPE_LEN;
                    let high = u32::from(unit) - 0xD800;
                    char::from_u32(0x10000 + (high << 10) + (u32::from(low) - 0xDC00))
                }
                _ => None,
            },
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(ch.unwrap_or(char::REPLACEMENT_CHARACTER));
        copied = end;
        found = next_escape(text, end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

const ESCAPE_LEN: usize = 7;

fn next_escape(text: &str, from: usize) -> Option<(usize, u16)> {
    let mut start = from;
    while let Some(offset) = text.get(start..)?.find('_') {
        let at = start + offset;
        if let Some(unit) = escape_at(text, at) {
            return Some((at, unit));
        }
        start = at + 1;
    }
    None
}

fn escape_at(text: &str, at: usize) -> Option<u16> {
    let bytes = text.as_bytes().get(at..at + ESCAPE_LEN)?;
    if bytes[0] != b'_' || bytes[1] != b'x' || bytes[6] != b'_' {
        return None;
    }
    let hex = std::str::from_utf8(&bytes[2..6]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_told_from_numbers() {
        for date in [
            "yyyy-mm-dd",
            "DD/MM/YY",
            "d-mmm-yy",
            "h:mm AM/PM",
            "[$-412]yyyy\"년\" m\"월\" d\"일\"",
            "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy",
            "mm:ss.0",
            "[Red]yyyy-mm-dd",
            "am/pm",
        ] {
            assert_eq!(custom_kind(date), NumberKind::Date, "{date}");
        }
        for plain in [
            "0.00",
            "#,##0",
            "General",
            "0.0 \"days\"",
            "0.00_);[Red](0.00)",
            "#,##0 [$€-1]",
            "\\d0",
            "0;yyyy",
            "@",
        ] {
            assert_eq!(custom_kind(plain), NumberKind::Plain, "{plain}");
        }
        for elapsed in ["[h]:mm:ss", "[mm]:ss", "[ss]", "[HH]:mm", "[Red][h]:mm"] {
            assert_eq!(custom_kind(elapsed), NumberKind::Duration, "{elapsed}");
        }
        assert_eq!(builtin_kind("14"), NumberKind::Date);
        assert_eq!(builtin_kind("46"), NumberKind::Duration);
        assert_eq!(builtin_kind("014"), NumberKind::Plain);
        assert_eq!(builtin_kind("2"), NumberKind::Plain);
        assert_eq!(builtin_kind("164"), NumberKind::Plain);
    }

    #[test]
    fn cell_references_are_0_based_and_bad_ones_are_refused() {
        assert_eq!(cell_ref("A1"), Ok((0, Some(0))));
        assert_eq!(cell_ref("ab12"), Ok((11, Some(27))));
        assert_eq!(cell_ref("XFD1048576"), Ok((1_048_575, Some(16_383))));
        assert_eq!(cell_ref("7"), Ok((6, None)));
        for bad in ["", "A", "A0", "A1B", "1A", "A-1", "A99999999999"] {
            assert!(cell_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn excel_escapes_are_undone() {
        assert_eq!(unescape_excel("plain"), "plain");
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_excel("_xD83D__xDCF7_"), "\u{1F4F7}");
        assert_eq!(unescape_excel("_xD83D_x"), "\u{FFFD}x");
        assert_eq!(unescape_excel("_xDCF7_"), "\u{FFFD}");
        assert_eq!(unescape_excel("_x00g1_ _x41_"), "_x00g1_ _x41_");
    }
}
