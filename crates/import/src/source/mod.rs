//! Opening a workbook or CSV file and streaming its rows.
//!
//! Memory, format by format:
//!
//! - xlsx/xlsm and xlsb sheets are streamed (xlsx by our own reader, `xlsx`, a block of
//!   whole rows at a time; xlsb cell by cell by calamine), so a sheet that declares a huge
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

use calamine::{Ods, Reader, SheetType, Xls, Xlsb, Xlsx};
use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::values::{Cell, DateSystem};

mod cells;
mod guards;
mod pipe;
mod text;
mod xlsx;

use cells::{stream_cells, walk_range};
use guards::{check_xls, check_zip};
use pipe::pipelined;
pub use text::decode_text;
use text::{CsvRows, sniff_delimiter};
use xlsx::FastXlsx;

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
    /// calamine opens the workbook; our reader reads its sheets when it can.
    Xlsx(Xlsx<BufReader<File>>, Option<Box<FastXlsx>>),
    Xlsb(Xlsb<BufReader<File>>),
    Xls(Xls<BufReader<File>>),
    Ods(Ods<BufReader<File>>),
    Csv {
        text: String,
        delimiter: u8,
    },
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
                let fast = FastXlsx::open(path, wb.has_1904_epoch()).map(Box::new);
                (Inner::Xlsx(wb, fast), system, names, None)
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
            Inner::Xlsx(wb, fast) => {
                let read = |rows: &mut pipe::RowSink<'_>| {
                    if let Some(fast) = fast {
                        match fast.read(sheet, rows) {
                            xlsx::Outcome::Done => return Ok(()),
                            xlsx::Outcome::Failed(detail) => return Err(detail),
                            xlsx::Outcome::LeftToCalamine => {}
                        }
                    }
                    let mut cells = wb
                        .worksheet_cells_reader(sheet)
                        .map_err(|e| e.to_string())?;
                    stream_cells(|| cells.next_cell(), rows)
                };
                pipelined(read, &mut each).map_err(sheet_error)?;
            }
            Inner::Xlsb(wb) => {
                let mut cells = wb
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| sheet_error(e.to_string()))?;
                pipelined(|rows| stream_cells(|| cells.next_cell(), rows), &mut each)
                    .map_err(sheet_error)?;
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
                let (text, delimiter) = (text.as_str(), *delimiter);
                pipelined(|rows| csv_rows(text, delimiter, rows), &mut each)
                    .map_err(sheet_error)?;
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

/// Reads CSV `text` into rows of text cells, each with its 0-based line index.
fn csv_rows(
    text: &str,
    delimiter: u8,
    each: &mut dyn FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = CsvRows::default();
    while reader.read_record(&mut record).map_err(|e| e.to_string())? {
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
    Ok(())
}

fn epoch(is_1904: bool) -> DateSystem {
    if is_1904 {
        DateSystem::Excel1904
    } else {
        DateSystem::Excel1900
    }
}
