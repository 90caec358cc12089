//! Writing real workbooks and CSV files for the import tests.

#![allow(dead_code)]

pub mod xlsb;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};
use substation_import::{Import, ImportError, ImportOptions, import_file};

/// A cell to write.
#[derive(Debug, Clone)]
pub enum W {
    S(&'static str),
    T(String),
    N(f64),
    D(NaiveDate),
    /// A number formatted as a date (any value, sensible or not).
    DN(f64),
    Blank,
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A fresh directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("substation-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes an xlsx with the given sheets of rows.
pub fn xlsx(path: &Path, sheets: &[(&str, Vec<Vec<W>>)]) {
    let mut workbook = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    W::S(s) => {
                        sheet.write_string(r, c, *s).expect("write");
                    }
                    W::T(s) => {
                        sheet.write_string(r, c, s).expect("write");
                    }
                    W::N(n) => {
                        sheet.write_number(r, c, *n).expect("write");
                    }
                    W::D(d) => {
                        sheet
                            .write_date_with_format(r, c, *d, &date)
                            .expect("write");
                    }
                    W::DN(n) => {
                        sheet
                            .write_number_with_format(r, c, *n, &date)
                            .expect("write");
                    }
                    W::Blank => {}
                }
            }
        }
    }
    workbook.save(path).expect("save xlsx");
}

/// Rewrites a zip-based workbook part by part: `edit` gets each part's name and bytes and
/// returns the bytes to write; `extra` parts are added at the end.
pub fn rewrite_zip(
    path: &Path,
    mut edit: impl FnMut(&str, Vec<u8>) -> Vec<u8>,
    extra: &[(&str, Vec<u8>)],
) {
    let bytes = std::fs::read(path).expect("read");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("read entry");
        let content = edit(&name, content);
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&content).expect("write entry");
    }
    for (name, content) in extra {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(content).expect("write entry");
    }
    let bytes = out.finish().expect("finish").into_inner();
    std::fs::write(path, bytes).expect("write zip");
}

/// Rewrites an xlsx so that it uses the 1904 date system.
pub fn make_1904(path: &Path) {
    rewrite_zip(
        path,
        |name, content| {
            if name == "xl/workbook.xml" {
                let text = String::from_utf8(content).expect("utf-8");
                text.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
                    .into_bytes()
            } else {
                content
            }
        },
        &[],
    );
}

/// Breaks the second sheet's XML off inside row `row`: its first cell is whole (so every row
/// above it has been read), then a cell starts and the part ends.
pub fn break_second_sheet_at(path: &Path, row: u32) {
    rewrite_zip(
        path,
        |name, content| {
            if name == "xl/worksheets/sheet2.xml" {
                let text = String::from_utf8(content).expect("utf-8");
                let start = text.find(&format!("<row r=\"{row}\"")).expect("row");
                let cut = start + text[start..].find("</c>").expect("cell") + 4;
                format!("{}<c r=\"B{row}\" t=\"s\"><v>", &text[..cut]).into_bytes()
            } else {
                content
            }
        },
        &[],
    );
}

/// Writes a minimal OpenDocument spreadsheet whose `office:spreadsheet` holds `tables` (the
/// `<table:table>` elements, as XML).
pub fn ods(path: &Path, tables: &str) {
    const MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#
    );
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    );
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    out.start_file("mimetype", stored).expect("start");
    out.write_all(MIMETYPE.as_bytes()).expect("write");
    for (name, text) in [
        ("META-INF/manifest.xml", manifest),
        ("content.xml", content),
    ] {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(text.as_bytes()).expect("write");
    }
    let bytes = out.finish().expect("finish").into_inner();
    std::fs::write(path, bytes).expect("write ods");
}

/// An ods table row of string cells (an empty string is an empty cell).
pub fn ods_row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| {
            if c.is_empty() {
                "<table:table-cell/>".to_owned()
            } else {
                format!(
                    r#"<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#
                )
            }
        })
        .collect();
    format!("<table:table-row>{cells}</table:table-row>")
}

pub fn options() -> ImportOptions<'static> {
    ImportOptions::new(day(2025, 11, 1))
}

pub fn read(path: &Path) -> Import {
    import_file(path, &options()).expect("import")
}

pub fn import_err(path: &Path) -> ImportError {
    match import_file(path, &options()) {
        Ok(import) => panic!("expected an error, got {:#?}", import.summary),
        Err(error) => error,
    }
}

/// Issue codes with their Excel locations, e.g. "negative_value@Samples!C3".
pub fn issue_codes(import: &Import) -> Vec<String> {
    let mut codes: Vec<String> = import
        .issues
        .iter()
        .map(|i| {
            let at = match (&i.column, i.row) {
                (Some(c), Some(r)) => format!("{}!{c}{r}", i.sheet),
                (None, Some(r)) => format!("{}!{r}", i.sheet),
                _ => i.sheet.clone(),
            };
            format!("{}@{at}", i.code)
        })
        .collect();
    codes.sort();
    codes
}

/// The headers of the importer's own two-sheet layout, samples side.
pub fn sample_header() -> Vec<W> {
    substation_import::template::SAMPLE_HEADERS
        .into_iter()
        .map(W::S)
        .collect()
}

/// A healthy sample row for `id` on `date`.
pub fn sample_row(id: &'static str, date: NaiveDate) -> Vec<W> {
    let mut row = vec![W::S(id), W::D(date)];
    row.extend([12.0, 6.0, 4.0, 3.0, 0.0, 310.0, 2400.0, 19000.0, 52000.0].map(W::N));
    row
}

pub fn write_text(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::File::create(path).expect("create");
    file.write_all(bytes).expect("write");
}
