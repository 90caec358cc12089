//! A minimal BIFF12 (MS-XLSB) workbook writer, enough for calamine's xlsb reader: a zip
//! package with a binary workbook, one binary worksheet per sheet, a shared-string table and
//! a style sheet whose second cell format is a date, so numbers written as dates read back as
//! dates.
//!
//! Every part is a stream of records: the record type as a 7-bit varint (1–2 bytes), the
//! payload size as a 7-bit varint (1–4 bytes), then the payload. Strings are XLWideString: a
//! u32 count of UTF-16 code units, then UTF-16LE (so Hangul and anything else round-trip).
//!
//! Cells: `W::S` goes to the shared-string table (BrtCellIsst, as Excel writes it), `W::T` is
//! written inline (BrtCellSt, as some other writers do), whole numbers that fit are
//! BrtCellRk integers and other numbers BrtCellRk floats or BrtCellReal (as Excel chooses),
//! `W::D` is a BrtCellRk Excel serial with the date cell format, `W::Blank` is left out.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use super::W;

// Record types (MS-XLSB 2.3).
const BRT_ROW_HDR: u16 = 0x0000;
const BRT_CELL_RK: u16 = 0x0002;
const BRT_CELL_REAL: u16 = 0x0005;
const BRT_CELL_ST: u16 = 0x0006;
const BRT_CELL_ISST: u16 = 0x0007;
const BRT_SST_ITEM: u16 = 0x0013;
const BRT_FMT: u16 = 0x002C;
const BRT_XF: u16 = 0x002F;
const BRT_BEGIN_SHEET: u16 = 0x0081;
const BRT_END_SHEET: u16 = 0x0082;
const BRT_BEGIN_BOOK: u16 = 0x0083;
const BRT_END_BOOK: u16 = 0x0084;
const BRT_BEGIN_BUNDLE_SHS: u16 = 0x008F;
const BRT_END_BUNDLE_SHS: u16 = 0x0090;
const BRT_BEGIN_SHEET_DATA: u16 = 0x0091;
const BRT_END_SHEET_DATA: u16 = 0x0092;
const BRT_WS_DIM: u16 = 0x0094;
const BRT_WB_PROP: u16 = 0x0099;
const BRT_BUNDLE_SH: u16 = 0x009C;
const BRT_BEGIN_SST: u16 = 0x009F;
const BRT_END_SST: u16 = 0x00A0;
const BRT_BEGIN_STYLE_SHEET: u16 = 0x0116;
const BRT_END_STYLE_SHEET: u16 = 0x0117;
const BRT_BEGIN_FMTS: u16 = 0x0267;
const BRT_END_FMTS: u16 = 0x0268;
const BRT_BEGIN_CELL_XFS: u16 = 0x0269;
const BRT_END_CELL_XFS: u16 = 0x026A;

/// The custom number format of date cells (custom format ids start at 164).
const DATE_FORMAT_ID: u16 = 164;
const DATE_FORMAT: &str = "yyyy-mm-dd";
/// Cell format (XF) indexes: 0 is General, 1 is the date format.
const XF_GENERAL: u32 = 0;
const XF_DATE: u32 = 1;

/// Writes an xlsb with the given sheets of rows, like [`super::xlsx`].
pub fn xlsb(path: &Path, sheets: &[(&str, Vec<Vec<W>>)]) {
    let mut strings = SharedStrings::default();
    let worksheets: Vec<Vec<u8>> = sheets
        .iter()
        .map(|(_, rows)| worksheet(rows, &mut strings))
        .collect();

    let mut parts: Vec<(String, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".to_owned(),
            content_types(sheets.len()).into_bytes(),
        ),
        ("_rels/.rels".to_owned(), ROOT_RELS.as_bytes().to_vec()),
        ("xl/workbook.bin".to_owned(), workbook(sheets)),
        (
            "xl/_rels/workbook.bin.rels".to_owned(),
            workbook_rels(sheets.len()).into_bytes(),
        ),
    ];
    for (i, sheet) in worksheets.into_iter().enumerate() {
        parts.push((format!("xl/worksheets/sheet{}.bin", i + 1), sheet));
    }
    parts.push(("xl/styles.bin".to_owned(), styles()));
    parts.push(("xl/sharedStrings.bin".to_owned(), strings.part()));

    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&bytes).expect("write part");
    }
    let bytes = out.finish().expect("finish").into_inner();
    std::fs::write(path, bytes).expect("write xlsb");
}

/// Appends one record: type and size as 7-bit varints, then the payload.
fn record(out: &mut Vec<u8>, typ: u16, payload: &[u8]) {
    assert!(
        typ < 1 << 14,
        "record type {typ:#x} takes two varint bytes at most"
    );
    if typ < 0x80 {
        out.push(typ as u8);
    } else {
        out.push((typ & 0x7F) as u8 | 0x80);
        out.push((typ >> 7) as u8);
    }
    let mut size = u32::try_from(payload.len()).expect("record size");
    assert!(
        size < 1 << 28,
        "record payload of {size} bytes is too large"
    );
    loop {
        let byte = (size & 0x7F) as u8;
        size >>= 7;
        if size == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(payload);
}

/// XLWideString: the UTF-16 code-unit count, then UTF-16LE.
fn wide(out: &mut Vec<u8>, text: &str) {
    let units: Vec<u16> = text.encode_utf16().collect();
    out.extend_from_slice(&u32::try_from(units.len()).expect("length").to_le_bytes());
    for unit in units {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The shared-string table, in order of first use.
#[derive(Default)]
struct SharedStrings {
    unique: Vec<String>,
    total: u32,
}

impl SharedStrings {
    fn index(&mut self, text: &str) -> u32 {
        self.total += 1;
        let at = match self.unique.iter().position(|s| s == text) {
            Some(at) => at,
            None => {
                self.unique.push(text.to_owned());
                self.unique.len() - 1
            }
        };
        u32::try_from(at).expect("string index")
    }

    /// MS-XLSB 2.1.7.45: BrtBeginSst (cstTotal, cstUnique), a BrtSSTItem (a RichStr with no
    /// rich runs or phonetics: flags byte 0, then the string) per string, BrtEndSst.
    fn part(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let unique = u32::try_from(self.unique.len()).expect("count");
        record(&mut out, BRT_BEGIN_SST, &u32s(&[self.total, unique]));
        for text in &self.unique {
            let mut payload = vec![0u8];
            wide(&mut payload, text);
            record(&mut out, BRT_SST_ITEM, &payload);
        }
        record(&mut out, BRT_END_SST, &[]);
        out
    }
}

/// MS-XLSB 2.1.7.50, reduced to what a reader needs for number formats: the custom date
/// format, then two cell formats (General, and the date format).
fn styles() -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, BRT_BEGIN_STYLE_SHEET, &[]);
    record(&mut out, BRT_BEGIN_FMTS, &u32s(&[1]));
    let mut fmt = DATE_FORMAT_ID.to_le_bytes().to_vec();
    wide(&mut fmt, DATE_FORMAT);
    record(&mut out, BRT_FMT, &fmt);
    record(&mut out, BRT_END_FMTS, &[]);
    record(&mut out, BRT_BEGIN_CELL_XFS, &u32s(&[2]));
    for number_format in [0, DATE_FORMAT_ID] {
        record(&mut out, BRT_XF, &xf(number_format));
    }
    record(&mut out, BRT_END_CELL_XFS, &[]);
    record(&mut out, BRT_END_STYLE_SHEET, &[]);
    out
}

/// BrtXF (16 bytes): ixfeParent, iFmt, iFont, iFill, ixBorder, trot, indent, flags,
/// xfGrbitAtr, reserved.
fn xf(number_format: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    for value in [0u16, number_format, 0, 0, 0] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&[0, 0]); // trot, indent
    out.extend_from_slice(&0u16.to_le_bytes()); // alignment and protection flags
    out.extend_from_slice(&[0, 0]); // xfGrbitAtr, reserved
    out
}

/// MS-XLSB 2.1.7.61: BrtWbProp, then a BrtBundleSh per sheet (visible, tab id, the
/// relationship id of its part, its name).
fn workbook(sheets: &[(&str, Vec<Vec<W>>)]) -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, BRT_BEGIN_BOOK, &[]);
    // Flags (not 1904), theme version, code name.
    let mut prop = u32s(&[0, 0]);
    wide(&mut prop, "");
    record(&mut out, BRT_WB_PROP, &prop);
    record(&mut out, BRT_BEGIN_BUNDLE_SHS, &[]);
    for (i, (name, _)) in sheets.iter().enumerate() {
        let tab = u32::try_from(i + 1).expect("tab id");
        let mut sheet = u32s(&[0, tab]);
        wide(&mut sheet, &format!("rId{tab}"));
        wide(&mut sheet, name);
        record(&mut out, BRT_BUNDLE_SH, &sheet);
    }
    record(&mut out, BRT_END_BUNDLE_SHS, &[]);
    record(&mut out, BRT_END_BOOK, &[]);
    out
}

/// MS-XLSB 2.1.7.62: BrtWsDim, then the sheet data, a BrtRowHdr before each row's cells.
fn worksheet(rows: &[Vec<W>], strings: &mut SharedStrings) -> Vec<u8> {
    let mut used: Option<[u32; 4]> = None; // first row, last row, first column, last column
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !matches!(cell, W::Blank) {
                let (r, c) = (index(r), index(c));
                let dim = used.get_or_insert([r, r, c, c]);
                *dim = [dim[0].min(r), dim[1].max(r), dim[2].min(c), dim[3].max(c)];
            }
        }
    }

    let mut out = Vec::new();
    record(&mut out, BRT_BEGIN_SHEET, &[]);
    record(&mut out, BRT_WS_DIM, &u32s(&used.unwrap_or([0; 4])));
    record(&mut out, BRT_BEGIN_SHEET_DATA, &[]);
    for (r, row) in rows.iter().enumerate() {
        if row.iter().all(|cell| matches!(cell, W::Blank)) {
            continue;
        }
        record(&mut out, BRT_ROW_HDR, &row_header(index(r)));
        for (c, cell) in row.iter().enumerate() {
            let column = index(c);
            match cell {
                W::S(text) => {
                    let isst = strings.index(text);
                    record(&mut out, BRT_CELL_ISST, &u32s(&[column, XF_GENERAL, isst]));
                }
                W::T(text) => {
                    let mut payload = u32s(&[column, XF_GENERAL]);
                    wide(&mut payload, text);
                    record(&mut out, BRT_CELL_ST, &payload);
                }
                W::N(value) => number(&mut out, column, XF_GENERAL, *value),
                W::D(date) => number(&mut out, column, XF_DATE, serial(*date)),
                W::DN(value) => number(&mut out, column, XF_DATE, *value),
                W::Blank => {}
            }
        }
    }
    record(&mut out, BRT_END_SHEET_DATA, &[]);
    record(&mut out, BRT_END_SHEET, &[]);
    out
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("index")
}

/// BrtRowHdr (17 bytes): rw, ixfe, miyRw (15 pt in twips), three flag bytes, no column spans.
fn row_header(row: u32) -> Vec<u8> {
    let mut out = u32s(&[row, 0]);
    out.extend_from_slice(&300u16.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}

/// A number cell, as Excel writes it: an RK number (MS-XLSB 2.5.122) when the value fits one,
/// else a full double. A Cell (MS-XLSB 2.5.9) is the column, then the 24-bit XF index and
/// 8 bits of flags.
fn number(out: &mut Vec<u8>, column: u32, style: u32, value: f64) {
    match rk(value) {
        Some(rk) => record(out, BRT_CELL_RK, &u32s(&[column, style, rk])),
        None => {
            let mut payload = u32s(&[column, style]);
            payload.extend_from_slice(&value.to_le_bytes());
            record(out, BRT_CELL_REAL, &payload);
        }
    }
}

/// The RK encoding of `value`, if it has one without loss (fX100 is not used): a 30-bit
/// signed integer (fInt), or a double whose low 34 bits are zero (its top 30 bits kept).
fn rk(value: f64) -> Option<u32> {
    const INT_RANGE: f64 = (1 << 29) as f64;
    if value.fract() == 0.0 && (-INT_RANGE..INT_RANGE).contains(&value) {
        let int = value as i32;
        return Some(((int << 2) as u32) | 0b10);
    }
    let bits = value.to_bits();
    (bits & ((1 << 34) - 1) == 0).then_some((bits >> 32) as u32)
}

/// The Excel (1900 system) serial of `date`.
fn serial(date: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("epoch");
    assert!(
        date >= NaiveDate::from_ymd_opt(1900, 3, 1).expect("date"),
        "serials before March 1900 are off by Excel's leap-year bug"
    );
    (date - epoch).num_days() as f64
}

fn content_types(sheets: usize) -> String {
    let mut overrides = String::new();
    for i in 1..=sheets {
        overrides.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{i}.bin" ContentType="application/vnd.ms-excel.worksheet"/>"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>{overrides}<Override PartName="/xl/styles.bin" ContentType="application/vnd.ms-excel.styles"/><Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/></Types>"#
    )
}

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#;

fn workbook_rels(sheets: usize) -> String {
    let mut rels = String::new();
    for i in 1..=sheets {
        rels.push_str(&format!(
            r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.bin"/>"#
        ));
    }
    let styles = sheets + 1;
    let strings = sheets + 2;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rId{styles}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.bin"/><Relationship Id="rId{strings}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.bin"/></Relationships>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_rk_numbers() {
        let mut out = Vec::new();
        record(&mut out, BRT_BEGIN_CELL_XFS, &[7; 200]);
        // 0x0269 → E9 04; 200 → C8 01.
        assert_eq!(&out[..4], [0xE9, 0x04, 0xC8, 0x01]);
        assert_eq!(rk(12.0), Some(12 << 2 | 2));
        assert_eq!(rk(-3.0), Some(((-3i32 << 2) as u32) | 2));
        assert_eq!(rk(12.5), Some((12.5f64.to_bits() >> 32) as u32));
        assert_eq!(rk(0.1), None);
        assert_eq!(
            serial(NaiveDate::from_ymd_opt(2024, 3, 15).expect("d")),
            45366.0
        );
    }
}
