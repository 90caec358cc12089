//! Opening a workbook or CSV file and streaming its rows.
//!
//! xlsx/xlsm and xlsb sheets are streamed cell by cell, so a sheet that declares a huge
//! dimension (`A1:XFD1048576` over a few rows, a known trap that makes whole-sheet readers
//! allocate gigabytes) costs only what it holds. xls is bounded by its format (65,536 rows ×
//! 256 columns). CSV is decoded whole (the file-size limit bounds it).

use std::fs::File;
use std::io::{BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx};
use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::values::{Cell, DateSystem};

/// Files above this size are refused unless the caller raises the limit.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Columns beyond this are ignored (lab sheets have a few dozen).
pub const MAX_COLUMNS: u32 = 512;

/// The kinds of file the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
    Csv,
}

/// Text encodings of CSV exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    /// UTF-16 with a byte-order mark ("Unicode text" from Excel).
    Utf16,
    /// Korean Windows code page 949 (a superset of EUC-KR), common in Korean lab systems.
    Cp949,
}

enum Inner {
    Xlsx(Xlsx<BufReader<File>>),
    Xlsb(Xlsb<BufReader<File>>),
    Xls(Xls<BufReader<File>>),
    Ods(Ods<BufReader<File>>),
    Csv { text: String, delimiter: u8 },
}

/// An opened workbook.
pub struct Source {
    path: PathBuf,
    format: Format,
    date_system: DateSystem,
    sheet_names: Vec<String>,
    encoding: Option<TextEncoding>,
    inner: Inner,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

impl Source {
    /// Opens `path`, refusing files above `max_bytes`, encrypted workbooks and anything that
    /// is not a spreadsheet or CSV. `encoding` overrides CSV encoding detection.
    pub fn open(
        path: &Path,
        max_bytes: u64,
        encoding: Option<TextEncoding>,
    ) -> Result<Source, ImportError> {
        let unreadable = |source: std::io::Error| ImportError::Unreadable {
            path: path.to_owned(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(unreadable)?;
        if metadata.len() > max_bytes {
            return Err(ImportError::TooLarge {
                path: path.to_owned(),
                bytes: metadata.len(),
                limit: max_bytes,
            });
        }
        let mut head = [0u8; 8];
        let read = File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(unreadable)?;
        let head = &head[..read];
        let ext = extension(path);
        let format = if head.starts_with(ZIP_MAGIC) {
            match ext.as_str() {
                "ods" => Format::Ods,
                "xlsb" => Format::Xlsb,
                _ => Format::Xlsx,
            }
        } else if head.starts_with(CFB_MAGIC) {
            // An OLE container: a legacy .xls, or an OOXML workbook wrapped by encryption.
            if matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb") {
                return Err(ImportError::Encrypted {
                    path: path.to_owned(),
                });
            }
            Format::Xls
        } else if matches!(ext.as_str(), "csv" | "txt" | "tsv") {
            Format::Csv
        } else {
            return Err(ImportError::NotAWorkbook {
                path: path.to_owned(),
                detail: "not an Excel, OpenDocument or CSV file".to_owned(),
            });
        };
        let not_a_workbook = |detail: String| ImportError::NotAWorkbook {
            path: path.to_owned(),
            detail,
        };
        let encrypted = || ImportError::Encrypted {
            path: path.to_owned(),
        };
        let (inner, date_system, sheet_names, detected) = match format {
            Format::Xlsx => {
                let wb: Xlsx<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::XlsxError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let system = epoch(wb.has_1904_epoch());
                let names = wb.sheet_names();
                (Inner::Xlsx(wb), system, names, None)
            }
            Format::Xlsb => {
                let wb: Xlsb<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::XlsbError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let system = epoch(wb.has_1904_epoch());
                let names = wb.sheet_names();
                (Inner::Xlsb(wb), system, names, None)
            }
            Format::Xls => {
                let wb: Xls<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::XlsError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let system = epoch(wb.has_1904_epoch());
                let names = wb.sheet_names();
                (Inner::Xls(wb), system, names, None)
            }
            Format::Ods => {
                let wb: Ods<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::OdsError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let names = wb.sheet_names();
                (Inner::Ods(wb), DateSystem::Excel1900, names, None)
            }
            Format::Csv => {
                let bytes = std::fs::read(path).map_err(unreadable)?;
                let (text, used) = decode_text(&bytes, encoding);
                let delimiter = sniff_delimiter(&text);
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("CSV")
                    .to_owned();
                (
                    Inner::Csv { text, delimiter },
                    DateSystem::Excel1900,
                    vec![name],
                    Some(used),
                )
            }
        };
        Ok(Source {
            path: path.to_owned(),
            format,
            date_system,
            sheet_names,
            encoding: detected,
            inner,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn date_system(&self) -> DateSystem {
        self.date_system
    }

    /// The encoding a CSV file was read with.
    pub fn encoding(&self) -> Option<TextEncoding> {
        self.encoding
    }

    pub fn sheet_names(&self) -> &[String] {
        &self.sheet_names
    }

    /// Calls `each` with every non-empty row of `sheet` in order: its 0-based index and its
    /// cells (index = 0-based column). `each` may stop the walk with `ControlFlow::Break`.
    pub fn for_each_row(
        &mut self,
        sheet: &str,
        mut each: impl FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
    ) -> Result<(), ImportError> {
        let sheet_error = |detail: String| ImportError::Sheet {
            sheet: sheet.to_owned(),
            detail,
        };
        match &mut self.inner {
            Inner::Xlsx(wb) => {
                let mut cells = wb
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| sheet_error(e.to_string()))?;
                let mut rows = RowGrouper::default();
                while let Some(cell) = cells.next_cell().map_err(|e| sheet_error(e.to_string()))? {
                    let (row, col) = cell.get_position();
                    if rows
                        .push(row, col, from_data_ref(cell.get_value()), &mut each)
                        .is_break()
                    {
                        return Ok(());
                    }
                }
                let _ = rows.finish(&mut each);
            }
            Inner::Xlsb(wb) => {
                let mut cells = wb
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| sheet_error(e.to_string()))?;
                let mut rows = RowGrouper::default();
                while let Some(cell) = cells.next_cell().map_err(|e| sheet_error(e.to_string()))? {
                    let (row, col) = cell.get_position();
                    if rows
                        .push(row, col, from_data_ref(cell.get_value()), &mut each)
                        .is_break()
                    {
                        return Ok(());
                    }
                }
                let _ = rows.finish(&mut each);
            }
            Inner::Xls(wb) => {
                let range = wb
                    .worksheet_range(sheet)
                    .map_err(|e| sheet_error(e.to_string()))?;
                walk_range(&range, &mut each);
            }
            Inner::Ods(wb) => {
                let range = wb
                    .worksheet_range(sheet)
                    .map_err(|e| sheet_error(e.to_string()))?;
                walk_range(&range, &mut each);
            }
            Inner::Csv { text, delimiter } => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(*delimiter)
                    .from_reader(text.as_bytes());
                for (index, record) in reader.records().enumerate() {
                    let record = record.map_err(|e| sheet_error(e.to_string()))?;
                    let cells: Vec<Cell> = record
                        .iter()
                        .take(MAX_COLUMNS as usize)
                        .map(|field| {
                            if field.trim().is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(field.to_owned())
                            }
                        })
                        .collect();
                    if cells.iter().all(|c| *c == Cell::Empty) {
                        continue;
                    }
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    if each(index, cells).is_break() {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }
}

fn epoch(is_1904: bool) -> DateSystem {
    if is_1904 {
        DateSystem::Excel1904
    } else {
        DateSystem::Excel1900
    }
}

/// Gathers streamed cells into rows (cells arrive in row order).
#[derive(Default)]
struct RowGrouper {
    current: Option<(u32, Vec<Cell>)>,
}

impl RowGrouper {
    fn push(
        &mut self,
        row: u32,
        col: u32,
        cell: Cell,
        each: &mut impl FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if col >= MAX_COLUMNS || cell == Cell::Empty {
            return ControlFlow::Continue(());
        }
        if self.current.as_ref().is_some_and(|(r, _)| *r != row) {
            self.finish(each)?;
        }
        let (_, cells) = self.current.get_or_insert_with(|| (row, Vec::new()));
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = cell;
        ControlFlow::Continue(())
    }

    fn finish(
        &mut self,
        each: &mut impl FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        match self.current.take() {
            Some((row, cells)) => each(row, cells),
            None => ControlFlow::Continue(()),
        }
    }
}

fn walk_range(
    range: &calamine::Range<Data>,
    each: &mut impl FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
) {
    let Some((first_row, first_col)) = range.start() else {
        return;
    };
    for (offset, row) in range.rows().enumerate() {
        let mut cells = Vec::new();
        for (c, value) in row.iter().enumerate() {
            let col = first_col as usize + c;
            if col >= MAX_COLUMNS as usize {
                break;
            }
            let cell = from_data(value);
            if cell != Cell::Empty {
                if cells.len() <= col {
                    cells.resize(col + 1, Cell::Empty);
                }
                cells[col] = cell;
            }
        }
        if cells.is_empty() {
            continue;
        }
        let index = first_row.saturating_add(u32::try_from(offset).unwrap_or(u32::MAX));
        if each(index, cells).is_break() {
            return;
        }
    }
}

fn from_datetime(dt: &calamine::ExcelDateTime) -> Cell {
    match dt.as_datetime() {
        Some(value) if dt.is_datetime() => Cell::DateTime(value),
        _ => Cell::Number(dt.as_f64()),
    }
}

fn from_data_ref(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text(s),
        DataRef::SharedString(s) => text(s),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => from_datetime(dt),
        DataRef::Error(e) => Cell::Error(e.to_string()),
        DataRef::Empty => Cell::Empty,
    }
}

fn from_data(value: &Data) -> Cell {
    match value {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => text(s),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => from_datetime(dt),
        Data::Error(e) => Cell::Error(e.to_string()),
        Data::Empty => Cell::Empty,
    }
}

fn text(s: &str) -> Cell {
    if s.trim().is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_owned())
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
fn sniff_delimiter(text: &str) -> u8 {
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

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
    }
}
