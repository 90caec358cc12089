//! CSV text: decoding its bytes, sniffing its delimiter and numbering its records as rows.

use super::TextEncoding;

/// Numbers CSV records as rows the way a spreadsheet that opens the file shows them.
///
/// The csv reader skips empty lines, but a spreadsheet shows each as an empty row; and a
/// quoted cell spanning several lines is one row. So a record's row is the number of line
/// breaks before the line it starts on, less the line breaks inside the quoted cells of the
/// records before it. `\n`, `\r\n` and a bare `\r` each end a line.
///
/// The csv reader's own record position is not used for the line: it is where the reader
/// stood after the record before, ahead of the empty lines it then skipped (and, for `\r\n`,
/// between the `\r` and the `\n`).
#[derive(Default)]
pub(super) struct CsvRows {
    /// Bytes of the text looked at so far.
    scanned: usize,
    /// Line breaks in `text[..scanned]`.
    breaks: u64,
    /// Line breaks inside the quoted cells of the records read so far.
    embedded: u64,
    /// The 0-based row of the record before.
    last: Option<u64>,
}

/// Line breaks in `text[from..to]`: `\n`, and `\r` not followed by `\n`.
fn line_breaks(text: &[u8], from: usize, to: usize) -> u64 {
    let mut count = 0;
    for i in from..to {
        match text[i] {
            b'\n' => count += 1,
            b'\r' if text.get(i + 1) != Some(&b'\n') => count += 1,
            _ => {}
        }
    }
    count
}

impl CsvRows {
    /// The 0-based row of `record`, just read from `text`.
    pub(super) fn next(&mut self, text: &[u8], record: &csv::StringRecord) -> u32 {
        let after_last = self.last.map_or(0, |last| last + 1);
        // Where the record really starts: past the empty lines the reader skipped.
        let from = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.scanned)
            .clamp(self.scanned, text.len());
        let start = text[from..]
            .iter()
            .position(|b| *b != b'\r' && *b != b'\n')
            .map_or(text.len(), |skip| from + skip);
        self.breaks += line_breaks(text, self.scanned, start);
        self.scanned = start;
        let row = self.breaks.saturating_sub(self.embedded).max(after_last);
        self.last = Some(row);
        self.embedded += record
            .iter()
            .map(|field| line_breaks(field.as_bytes(), 0, field.len()))
            .sum::<u64>();
        u32::try_from(row).unwrap_or(u32::MAX)
    }
}

/// Decodes CSV bytes: a byte-order mark decides; otherwise valid UTF-8 is UTF-8 and anything
/// else is taken as CP949, what Korean Windows lab systems write. `forced` overrides.
pub fn decode_text(bytes: &[u8], forced: Option<TextEncoding>) -> (String, TextEncoding) {
    let (encoding, body) = match forced {
        Some(TextEncoding::Utf8) => (encoding_rs::UTF_8, bytes),
        Some(TextEncoding::Cp949) => (encoding_rs::EUC_KR, bytes),
        Some(TextEncoding::Utf16) | None => match encoding_rs::Encoding::for_bom(bytes) {
            Some((encoding, bom)) => (encoding, &bytes[bom..]),
            None if forced == Some(TextEncoding::Utf16) => (encoding_rs::UTF_16LE, bytes),
            None if std::str::from_utf8(bytes).is_ok() => (encoding_rs::UTF_8, bytes),
            None => (encoding_rs::EUC_KR, bytes),
        },
    };
    let (text, _) = encoding.decode_without_bom_handling(body);
    let used = if encoding == encoding_rs::EUC_KR {
        TextEncoding::Cp949
    } else if encoding == encoding_rs::UTF_8 {
        TextEncoding::Utf8
    } else {
        TextEncoding::Utf16
    };
    (text.into_owned(), used)
}

/// Comma, semicolon (European exports with decimal commas) or tab: whichever splits the first
/// lines most consistently.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let score = |d: char| -> usize {
        let counts: Vec<usize> = lines.iter().map(|l| l.matches(d).count()).collect();
        let max = counts.iter().copied().max().unwrap_or(0);
        // Lines that agree on the most common non-zero count.
        counts.iter().filter(|c| **c == max && max > 0).count() * max
    };
    [(b',', ','), (b';', ';'), (b'\t', '\t')]
        .into_iter()
        .max_by_key(|(_, d)| score(*d))
        .map_or(b',', |(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_and_cp949_are_recognised() {
        let (text, used) = decode_text("\u{feff}설비번호,H2\n".as_bytes(), None);
        assert_eq!((text.as_str(), used), ("설비번호,H2\n", TextEncoding::Utf8));
        let (cp949, _, _) = encoding_rs::EUC_KR.encode("설비번호,수소\n");
        let (text, used) = decode_text(&cp949, None);
        assert_eq!(
            (text.as_str(), used),
            ("설비번호,수소\n", TextEncoding::Cp949)
        );
        let (text, used) = decode_text("plain,ascii\n".as_bytes(), Some(TextEncoding::Cp949));
        assert_eq!(
            (text.as_str(), used),
            ("plain,ascii\n", TextEncoding::Cp949)
        );
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "ID\tH2\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let (text, used) = decode_text(&utf16, None);
        assert_eq!((text.as_str(), used), ("ID\tH2\n", TextEncoding::Utf16));
    }

    /// The rows `for_each_row` gives the records of `text`, as a spreadsheet numbers them.
    fn csv_rows(text: &str) -> Vec<(u32, String)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut rows = CsvRows::default();
        let mut out = Vec::new();
        while reader.read_record(&mut record).expect("csv") {
            let row = rows.next(text.as_bytes(), &record);
            out.push((row, record.get(0).unwrap_or_default().to_owned()));
        }
        out
    }

    #[test]
    fn csv_rows_count_empty_lines_and_not_quoted_line_breaks() {
        let expected = |rows: &[(u32, &str)]| -> Vec<(u32, String)> {
            rows.iter().map(|(r, s)| (*r, (*s).to_owned())).collect()
        };
        // Empty lines are rows; a record's row is the line it starts on.
        assert_eq!(
            csv_rows("title\n\nhead,x\nT-1,5\n\nT-2,-5\n"),
            expected(&[(0, "title"), (2, "head"), (3, "T-1"), (5, "T-2")])
        );
        // A quoted cell over several lines is one row.
        assert_eq!(
            csv_rows("head,x\n\"line one\nline two\",5\nT-2,-5\n"),
            expected(&[(0, "head"), (1, "line one\nline two"), (2, "T-2")])
        );
        // CRLF, with an empty line and a quoted CRLF.
        assert_eq!(
            csv_rows("a,b\r\n\r\nc,\"x\r\ny\"\r\n\r\nd,e\r\n"),
            expected(&[(0, "a"), (2, "c"), (4, "d")])
        );
        // Bare CR line ends, leading empty lines, no final line break.
        assert_eq!(
            csv_rows("\n\na\rb\r\rc"),
            expected(&[(2, "a"), (3, "b"), (5, "c")])
        );
    }

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
    }
}
