//! Checks before calamine opens a workbook: zip bombs, absurd string counts, ods and xls sheets too big.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::{Format, MAX_ODS_CELLS, MAX_PART_EXPANSION};
use crate::error::ImportError;

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
pub(super) fn check_zip(path: &Path, format: Format, max_bytes: u64) -> Result<(), ImportError> {
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
pub(super) fn check_xls(path: &Path, max_cells: u64) -> Result<(), ImportError> {
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
}
