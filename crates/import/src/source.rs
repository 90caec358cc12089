//! Opening a workbook or CSV file and streaming its rows.
//!
//! Memory, format by format:
//!
//! - xlsx/xlsm and xlsb sheets are streamed cell by cell, so a sheet that declares a huge
//!   dimension (`A1:XFD1048576` over a few rows, a known trap that makes whole-sheet readers
//!   allocate gigabytes) costs only what it holds. Before calamine opens a zip-based workbook,
//!   the importer refuses a part that would decompress to more than
//!   [`MAX_PART_EXPANSION`] times the size limit (a zip bomb), and a shared-string table
//!   whose declared `uniqueCount` cannot be true for the size of its part (calamine reserves
//!   room for that many strings up front, and an absurd count aborts the process).
//! - ods: calamine parses every sheet into a dense range when the workbook is opened, and
//!   `table:number-rows-repeated` × `table:number-columns-repeated` let a few bytes describe
//!   billions of cells. The importer streams `content.xml` first and refuses a workbook whose
//!   sheets would expand to more than [`MAX_ODS_CELLS`] cells.
//! - xls: calamine also parses every sheet at open, into a dense range spanning the
//!   smallest and largest row and column any cell record names. BIFF8 cell records carry
//!   16-bit row and column numbers, so a crafted file can name cells far apart and make that
//!   range billions of cells. The importer first reads the workbook stream's cell records
//!   (their positions only) and refuses a workbook whose sheets would span more than
//!   [`MAX_XLS_CELLS`] cells ([`check_xls`]).
//! - CSV is decoded whole (the file-size limit bounds it).
//!
//! Each sheet's range (xls, ods) is built once per import: the importer reads every sheet in
//! a single pass.

use std::fs::File;
use std::io::{BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use calamine::{Data, DataRef, Ods, Reader, SheetType, Xls, Xlsb, Xlsx};
use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::values::{Cell, DateSystem};

/// Files above this size (200 MB, decimal) are refused unless the caller raises the limit.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 200_000_000;
/// A zip part (a sheet, the shared strings) may decompress to at most this many times the
/// file-size limit; above it the workbook is refused as a zip bomb.
pub const MAX_PART_EXPANSION: u64 = 20;
/// Most cells the sheets of an OpenDocument workbook may expand to (repeated rows and columns
/// counted out), together.
pub const MAX_ODS_CELLS: u64 = 50_000_000;
/// Most cells the dense ranges of an xls workbook's sheets may span together.
pub const MAX_XLS_CELLS: u64 = 50_000_000;
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
        if matches!(format, Format::Xlsx | Format::Xlsb | Format::Ods) {
            check_zip(path, format, max_bytes)?;
        }
        let (inner, date_system, sheet_names, detected) = match format {
            Format::Xlsx => {
                let wb: Xlsx<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::XlsxError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let system = epoch(wb.has_1904_epoch());
                let names = worksheet_names(wb.sheets_metadata());
                (Inner::Xlsx(wb), system, names, None)
            }
            Format::Xlsb => {
                let wb: Xlsb<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::XlsbError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let system = epoch(wb.has_1904_epoch());
                let names = worksheet_names(wb.sheets_metadata());
                (Inner::Xlsb(wb), system, names, None)
            }
            Format::Xls => {
                check_xls(path, MAX_XLS_CELLS)?;
                let wb: Xls<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::XlsError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let system = epoch(wb.has_1904_epoch());
                let names = worksheet_names(wb.sheets_metadata());
                (Inner::Xls(wb), system, names, None)
            }
            Format::Ods => {
                let wb: Ods<_> = calamine::open_workbook(path).map_err(|e| match e {
                    calamine::OdsError::Password => encrypted(),
                    other => not_a_workbook(other.to_string()),
                })?;
                let names = worksheet_names(wb.sheets_metadata());
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
                stream_cells(|| cells.next_cell(), &mut each).map_err(sheet_error)?;
            }
            Inner::Xlsb(wb) => {
                let mut cells = wb
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| sheet_error(e.to_string()))?;
                stream_cells(|| cells.next_cell(), &mut each).map_err(sheet_error)?;
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
                let mut record = csv::StringRecord::new();
                let mut rows = CsvRows::default();
                while reader
                    .read_record(&mut record)
                    .map_err(|e| sheet_error(e.to_string()))?
                {
                    let index = rows.next(text.as_bytes(), &record);
                    if record.iter().all(|field| field.trim().is_empty()) {
                        continue;
                    }
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
                    if each(index, cells).is_break() {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }
}

/// The names of the sheets that hold cells, in workbook order: chart sheets, dialog sheets,
/// macro sheets and VBA modules are left out (calamine cannot read them as ranges).
fn worksheet_names(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect()
}

/// Refuses a zip-based workbook (xlsx, xlsm, xlsb, ods) that would make calamine allocate far
/// more than the file could hold, before calamine opens it:
///
/// - a part whose uncompressed size is above [`MAX_PART_EXPANSION`] × `max_bytes` (a zip
///   bomb);
/// - a shared-string table (`sharedStrings.xml`) whose `<sst uniqueCount="N">` is above a
///   quarter of the part's uncompressed size: every string takes at least `<si/>`, and
///   calamine reserves room for N strings up front (24 bytes each), which aborts the process
///   for an absurd N;
/// - for ods, sheets that expand to more than [`MAX_ODS_CELLS`] cells ([`check_ods`]).
///
/// An archive that cannot be read is left for calamine to report.
fn check_zip(path: &Path, format: Format, max_bytes: u64) -> Result<(), ImportError> {
    let refuse = |detail: String| ImportError::NotAWorkbook {
        path: path.to_owned(),
        detail,
    };
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(mut archive) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let largest = max_bytes.saturating_mul(MAX_PART_EXPANSION);
    let mut shared_strings = None;
    let mut content = None;
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index_data(index) else {
            continue;
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if entry.size() > largest {
            return Err(refuse(format!(
                "its part {name} would expand to {} MB, more than {MAX_PART_EXPANSION} times \
                 the {} MB size limit (a zip bomb?)",
                entry.size().div_ceil(1_000_000),
                max_bytes / 1_000_000
            )));
        }
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            shared_strings = Some((index, name, entry.size()));
        } else if name == "content.xml" {
            content = Some(index);
        }
    }
    if matches!(format, Format::Xlsx)
        && let Some((index, name, size)) = shared_strings
        && let Ok(part) = archive.by_index(index)
        && let Some(count) = declared_unique_strings(BufReader::new(part))
        && count > size / 4
    {
        return Err(refuse(format!(
            "its shared-string table ({name}) claims {count} strings, more than a part of \
             {size} bytes can hold; the file is corrupt or crafted"
        )));
    }
    if matches!(format, Format::Ods)
        && let Some(index) = content
        && let Ok(part) = archive.by_index(index)
    {
        check_ods(BufReader::new(part), MAX_ODS_CELLS).map_err(refuse)?;
    }
    Ok(())
}

/// The `uniqueCount` of the `<sst>` start tag, if the part starts with one that has it.
fn declared_unique_strings(part: impl std::io::BufRead) -> Option<u64> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(part);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                if e.local_name().as_ref() != "sst" {
                    return None;
                }
                let attribute = e.try_get_attribute("uniqueCount").ok()??;
                return attribute.value.trim().parse().ok();
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// calamine's own caps on an ods sheet.
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

/// Streams an ods `content.xml` and refuses (with a message naming the sheet) when its sheets
/// would expand to more than `max_cells` cells in calamine's dense ranges.
///
/// A sheet's range spans the first to the last row and the leftmost to the rightmost column
/// that hold a value, with `table:number-rows-repeated` and `table:number-columns-repeated`
/// counted out (as calamine does, capped at 1,048,576 rows and 16,384 columns). A cell holds a
/// value when it has a value type, a value or a formula. XML that cannot be parsed ends the
/// scan; calamine then reports it.
/// Refuses an xls workbook whose sheets' cell records span more than `max_cells` cells (the
/// dense ranges calamine would allocate at open). Reads only record headers and the row and
/// column fields of cell records. A file that is not a readable compound document is left for
/// calamine to report.
fn check_xls(path: &Path, max_cells: u64) -> Result<(), ImportError> {
    let Ok(mut compound) = cfb::open(path) else {
        return Ok(());
    };
    let stream = ["/Workbook", "/Book"]
        .into_iter()
        .find(|name| compound.is_stream(name));
    let Some(stream) = stream else {
        return Ok(());
    };
    let mut bytes = Vec::new();
    if compound
        .open_stream(stream)
        .and_then(|mut s| s.read_to_end(&mut bytes))
        .is_err()
    {
        return Ok(());
    }
    let cells = xls_span(&bytes);
    if cells > max_cells {
        return Err(ImportError::NotAWorkbook {
            path: path.to_owned(),
            detail: format!(
                "its sheets name cells spanning {cells} cells (more than {max_cells}); the file is damaged or built to exhaust memory"
            ),
        });
    }
    Ok(())
}

/// Total cells of the bounding ranges of every substream's cell records in a BIFF stream.
fn xls_span(bytes: &[u8]) -> u64 {
    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;
    let mut total: u64 = 0;
    let mut extent: Option<(u16, u16, u16, u16)> = None;
    let close = |extent: &mut Option<(u16, u16, u16, u16)>, total: &mut u64| {
        if let Some((r0, r1, c0, c1)) = extent.take() {
            let area = (u64::from(r1) - u64::from(r0) + 1) * (u64::from(c1) - u64::from(c0) + 1);
            *total = total.saturating_add(area);
        }
    };
    let mut at = 0usize;
    while at + 4 <= bytes.len() {
        let kind = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let len = usize::from(u16::from_le_bytes([bytes[at + 2], bytes[at + 3]]));
        let body = &bytes[(at + 4).min(bytes.len())..(at + 4 + len).min(bytes.len())];
        at += 4 + len;
        let word = |i: usize| body.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        // Cell records: row at 0, column at 2; MULRK/MULBLANK end with their last column.
        let cell = match kind {
            0x0006 | 0x00FD | 0x0203 | 0x027E | 0x0204 | 0x0205 | 0x0201 | 0x00D6 => {
                word(0).zip(word(2)).map(|(r, c)| (r, c, c))
            }
            0x00BD | 0x00BE => match (word(0), word(2), body.len().checked_sub(2).and_then(word)) {
                (Some(r), Some(c0), Some(c1)) => Some((r, c0.min(c1), c0.max(c1))),
                _ => None,
            },
            BOF | EOF => {
                close(&mut extent, &mut total);
                None
            }
            _ => None,
        };
        if let Some((row, c0, c1)) = cell {
            extent = Some(match extent {
                None => (row, row, c0, c1),
                Some((r0, r1, a, b)) => (r0.min(row), r1.max(row), a.min(c0), b.max(c1)),
            });
        }
    }
    close(&mut extent, &mut total);
    total
}

fn check_ods(content: impl std::io::BufRead, max_cells: u64) -> Result<(), String> {
    use quick_xml::events::{BytesStart, Event};

    #[derive(Default)]
    struct Extent {
        rows: Option<(u64, u64)>,
        columns: Option<(u64, u64)>,
    }
    impl Extent {
        fn cells(&self) -> u64 {
            match (self.rows, self.columns) {
                (Some((r0, r1)), Some((c0, c1))) => (r1 - r0 + 1).saturating_mul(c1 - c0 + 1),
                _ => 0,
            }
        }
    }
    fn repeat(e: &BytesStart<'_>, name: &str) -> u64 {
        e.try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(1)
            .max(1)
    }
    fn has_value(e: &BytesStart<'_>) -> bool {
        e.attributes().flatten().any(|a| {
            matches!(
                a.key.as_ref(),
                "office:value-type"
                    | "office:value"
                    | "office:string-value"
                    | "office:date-value"
                    | "office:time-value"
                    | "office:boolean-value"
                    | "table:formula"
            )
        })
    }

    let mut reader = quick_xml::Reader::from_reader(content);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.trim_text(false);
    let mut buf = Vec::new();
    let mut sheet: Option<(String, Extent)> = None;
    let mut total: u64 = 0;
    // Within the current sheet: the next row, and within the current row its repeat count,
    // next column and whether it holds a value.
    let mut row: u64 = 0;
    let mut row_repeats: u64 = 1;
    let mut column: u64 = 0;
    let mut row_columns: Option<(u64, u64)> = None;
    let too_many = |name: &str, cells: u64, total: u64| {
        if cells > max_cells {
            Err(format!(
                "sheet {name} expands to {cells} cells through repeated rows and columns, more \
                 than the {max_cells} this importer reads"
            ))
        } else if total > max_cells {
            Err(format!(
                "the sheets up to {name} expand to {total} cells through repeated rows and \
                 columns, more than the {max_cells} this importer reads"
            ))
        } else {
            Ok(())
        }
    };
    loop {
        buf.clear();
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return Ok(());
        };
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table" => {
                let name = e
                    .try_get_attribute("table:name")
                    .ok()
                    .flatten()
                    .map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_or_else(|_| a.value.to_string(), |v| v.into_owned())
                    })
                    .unwrap_or_default();
                sheet = Some((name, Extent::default()));
                row = 0;
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row_repeats = repeat(&e, "table:number-rows-repeated")
                    .min(ODS_MAX_ROWS.saturating_sub(row))
                    .max(1);
                column = 0;
                row_columns = None;
                if empty {
                    row = row.saturating_add(row_repeats);
                }
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let repeats = repeat(&e, "table:number-columns-repeated")
                    .min(ODS_MAX_COLUMNS.saturating_sub(column));
                if repeats > 0 && has_value(&e) {
                    let last = column + repeats - 1;
                    row_columns = Some(match row_columns {
                        None => (column, last),
                        Some((first, _)) => (first, last),
                    });
                }
                column = column.saturating_add(repeats);
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if let (Some((name, extent)), Some((first, last))) = (sheet.as_mut(), row_columns) {
                    let end = row + row_repeats - 1;
                    extent.rows = Some(match extent.rows {
                        None => (row, end),
                        Some((start, _)) => (start, end),
                    });
                    extent.columns = Some(match extent.columns {
                        None => (first, last),
                        Some((a, b)) => (a.min(first), b.max(last)),
                    });
                    let cells = extent.cells();
                    too_many(name, cells, total.saturating_add(cells))?;
                }
                row = row.saturating_add(row_repeats);
                row_columns = None;
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                if let Some((name, extent)) = sheet.take() {
                    total = total.saturating_add(extent.cells());
                    too_many(&name, extent.cells(), total)?;
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

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
struct CsvRows {
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
    fn next(&mut self, text: &[u8], record: &csv::StringRecord) -> u32 {
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

fn epoch(is_1904: bool) -> DateSystem {
    if is_1904 {
        DateSystem::Excel1904
    } else {
        DateSystem::Excel1900
    }
}

/// Feeds the cells of a streaming reader (xlsx, xlsb) to `each`, a row at a time.
fn stream_cells<'a, E: std::fmt::Display>(
    mut next: impl FnMut() -> std::result::Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    each: &mut impl FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
) -> std::result::Result<(), String> {
    let mut rows = RowGrouper::default();
    while let Some(cell) = next().map_err(|e| e.to_string())? {
        let (row, col) = cell.get_position();
        if rows
            .push(row, col, from_data_ref(cell.get_value()), each)
            .is_break()
        {
            return Ok(());
        }
    }
    let _ = rows.finish(each);
    Ok(())
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

    fn record(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((body.len() as u16).to_le_bytes());
        out.extend(body);
        out
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut body = row.to_le_bytes().to_vec();
        body.extend(col.to_le_bytes());
        body.extend([0u8; 10]);
        record(0x0203, &body)
    }

    #[test]
    fn xls_span_adds_up_each_sheets_bounding_range() {
        let mut stream = Vec::new();
        stream.extend(record(0x0809, &[0; 16]));
        stream.extend(record(0x000A, &[]));
        // Sheet 1: cells at (0,0) and (9,4): 10 × 5 = 50.
        stream.extend(record(0x0809, &[0; 16]));
        stream.extend(number(0, 0));
        stream.extend(number(9, 4));
        stream.extend(record(0x000A, &[]));
        // Sheet 2: a MULBLANK from column 2 to 200 on row 3: 1 × 199.
        stream.extend(record(0x0809, &[0; 16]));
        let mut mulblank = 3u16.to_le_bytes().to_vec();
        mulblank.extend(2u16.to_le_bytes());
        mulblank.extend([0u8; 6]);
        mulblank.extend(200u16.to_le_bytes());
        stream.extend(record(0x00BE, &mulblank));
        stream.extend(record(0x000A, &[]));
        assert_eq!(xls_span(&stream), 50 + 199);
        // A truncated record at the end is ignored, not a panic.
        stream.extend([0x03, 0x02, 0xFF]);
        assert_eq!(xls_span(&stream), 50 + 199);
    }

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
