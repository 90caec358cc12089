//! Row-level issues: what is wrong, exactly where, in English and Korean.

use serde::{Deserialize, Serialize};

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Imported, but worth a look (a merged duplicate, a date far in the past).
    Warning,
    /// The row was left out.
    Error,
}

/// One problem found while importing, located as Excel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    /// Stable snake_case identifier, e.g. `negative_value`.
    pub code: String,
    pub sheet: String,
    /// 1-based row number, as Excel shows it; absent for sheet-wide issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// Column letter ("A", "AB"); absent for row- or sheet-wide issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The column's header as written in the workbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The cell as the user sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    pub message_en: String,
    pub message_ko: String,
}

impl Issue {
    /// "Samples!D12 (H2)" — where the issue is, for one-line messages.
    pub fn location(&self) -> String {
        let mut text = self.sheet.clone();
        match (&self.column, self.row) {
            (Some(column), Some(row)) => text.push_str(&format!("!{column}{row}")),
            (None, Some(row)) => text.push_str(&format!(" row {row}")),
            _ => {}
        }
        if let Some(header) = &self.header {
            text.push_str(&format!(" ({header})"));
        }
        text
    }
}

/// Excel's column letters for a 0-based column index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: u32) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16_383), "XFD");
    }

    #[test]
    fn location_reads_like_excel() {
        let issue = Issue {
            severity: Severity::Error,
            code: "negative_value".into(),
            sheet: "Samples".into(),
            row: Some(12),
            column: Some("D".into()),
            header: Some("H2 (ppm)".into()),
            raw: Some("-3".into()),
            message_en: String::new(),
            message_ko: String::new(),
        };
        assert_eq!(issue.location(), "Samples!D12 (H2 (ppm))");
    }
}
