//! Reading a worksheet part's `sheetData` in chunks of whole rows.
//!
//! The part is inflated into a buffer a block at a time; the buffer is cut after its last
//! `</row>` and that text is parsed by quick-xml as a borrowed string, so no event is copied
//! and no element spans two chunks (a `</row>` cannot occur inside a tag, text or attribute,
//! where `<` must be escaped; comments, CDATA sections and processing instructions are
//! stepped over when a chunk has any). What is left after the cut waits for the next block.
//! Memory is the chunk, whatever the sheet's size.
//!
//! Cells mean what calamine 0.38 makes of them: a `<v>` number is a date when the cell's
//! style has a date format, text when the cell has no type and the value is not a number,
//! a shared string by its index; `<is>` inline strings, `str`, `b`, `e` and `d` cells;
//! `<f>` formulas ignored (their cached `<v>` is the value). A cell without `r` follows the
//! previous cell of its row.

use std::io::Read;
use std::ops::ControlFlow;

use memchr::memmem;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;

use super::format::cell_ref;
use super::parts::string_item;
use super::row::plain_row;
use super::value::Context;
use crate::source::cells::RowGrouper;
use crate::source::pipe::RowSink;
use crate::values::Cell;

/// Inflated bytes parsed at a time.
const CHUNK: usize = 1 << 20;

/// A buffer this long without a row's end is read with the careful cut search; longer than
/// [`MAX_CARRY`] is refused.
const SLOW_CUT_AFTER: usize = 8 << 20;

/// The most a single row's XML may take (a row of 16,384 long strings fits).
const MAX_CARRY: usize = 64 << 20;

/// Why a sheet was not read to its end.
#[derive(Debug)]
pub(super) struct SheetError {
    pub(super) detail: String,
    /// Whether rows had been handed on before the error.
    pub(super) after_rows: bool,
}

/// Reads the worksheet `part`, handing each non-empty row to `each`.
pub(super) fn read_sheet(
    mut part: impl Read,
    context: &Context<'_>,
    each: &mut RowSink<'_>,
) -> Result<(), SheetError> {
    let mut handed = false;
    let mut sink = |row: u32, cells: Vec<Cell>| {
        handed = true;
        each(row, cells)
    };
    let mut walk = Walk {
        context,
        rows: RowGrouper::default(),
        row: 0,
        col: 0,
        in_data: false,
        done: false,
        plain_cells: Vec::new(),
    };
    let result = walk.read(&mut part, &mut sink);
    let result = match result {
        Ok(ControlFlow::Continue(())) => {
            let _ = walk.rows.finish(&mut sink);
            Ok(())
        }
        Ok(ControlFlow::Break(())) => Ok(()),
        Err(detail) => Err(detail),
    };
    result.map_err(|detail| SheetError {
        detail,
        after_rows: handed,
    })
}

struct Walk<'c, 'p> {
    context: &'c Context<'p>,
    rows: RowGrouper,
    /// The 0-based row and column a cell without `r` takes.
    row: u32,
    col: u32,
    in_data: bool,
    done: bool,
    /// The cells of the plain row being read.
    plain_cells: Vec<(u32, u32, Cell)>,
}

type Flow = Result<ControlFlow<()>, String>;

impl Walk<'_, '_> {
    fn read(&mut self, part: &mut impl Read, each: &mut RowSink<'_>) -> Flow {
        let mut carry: Vec<u8> = Vec::with_capacity(CHUNK + (64 << 10));
        let mut eof = false;
        let mut want = CHUNK;
        loop {
            while carry.len() < want && !eof {
                let old = carry.len();
                carry.resize(old + (64 << 10), 0);
                let read = part.read(&mut carry[old..]);
                let read = read.map_err(|e| format!("the sheet's part does not inflate: {e}"));
                let read = match read {
                    Ok(read) => read,
                    Err(e) => {
                        carry.truncate(old);
                        return Err(e);
                    }
                };
                carry.truncate(old + read);
                eof = read == 0;
            }
            let cut = if let Some(end) = data_end(&carry) {
                end
            } else if eof {
                carry.len()
            } else {
                match find_cut(&carry) {
                    Some(cut) => cut,
                    None if carry.len() > MAX_CARRY => {
                        return Err(format!(
                            "a row of the sheet's XML is longer than {} MB",
                            MAX_CARRY >> 20
                        ));
                    }
                    None => {
                        want = carry.len() + CHUNK;
                        continue;
                    }
                }
            };
            let text = std::str::from_utf8(&carry[..cut])
                .map_err(|e| format!("the sheet's XML is not UTF-8: {e}"))?;
            if self.chunk(text, each)?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
            if self.done {
                return Ok(ControlFlow::Continue(()));
            }
            if eof {
                return Err("the sheet's XML ends before its </sheetData>".to_owned());
            }
            carry.drain(..cut);
            want = CHUNK;
        }
    }

    /// Walks the events of one chunk of whole rows. A row of plain cells is read by
    /// [`plain_row`] and the walk goes on after it with a fresh reader.
    fn chunk(&mut self, text: &str, each: &mut RowSink<'_>) -> Flow {
        let mut from = 0;
        'rows: loop {
            let mut xml = Reader::from_str(&text[from..]);
            let config = xml.config_mut();
            config.check_end_names = false;
            // A chunk after the first ends the elements an earlier chunk opened.
            config.allow_unmatched_ends = true;
            config.expand_empty_elements = true;
            config.trim_text(false);
            loop {
                match xml.read_event().map_err(xml_error)? {
                    Event::Start(e) => match e.local_name().as_ref() {
                        "sheetData" => self.in_data = true,
                        "dimension" if !self.in_data => check_dimension(&e)?,
                        "row" if self.in_data => {
                            if let Some(r) = raw_attr(&e, "r")? {
                                self.row = cell_ref(&r)?.0;
                            }
                            let body = from + usize::try_from(xml.buffer_position()).unwrap_or(0);
                            if let Some((flow, after)) = self.plain(text, body, each) {
                                if flow.is_break() {
                                    return Ok(ControlFlow::Break(()));
                                }
                                from = after;
                                continue 'rows;
                            }
                        }
                        "c" if self.in_data => {
                            let (row, col, cell) = self.cell(&mut xml, &e)?;
                            if self.rows.push(row, col, cell, each).is_break() {
                                return Ok(ControlFlow::Break(()));
                            }
                        }
                        _ => {}
                    },
                    Event::End(e) if self.in_data => match e.local_name().as_ref() {
                        "row" => self.end_row(),
                        "sheetData" => {
                            self.done = true;
                            return Ok(ControlFlow::Continue(()));
                        }
                        _ => {}
                    },
                    Event::Eof => return Ok(ControlFlow::Continue(())),
                    _ => {}
                }
            }
        }
    }

    fn end_row(&mut self) {
        self.row = self.row.saturating_add(1);
        self.col = 0;
    }

    /// Reads the row whose start tag ends at `body` with [`plain_row`], if it is plain: its
    /// cells go to `each`, the row is ended and the answer says where its end tag ends.
    /// `None` when the row is left to quick-xml.
    fn plain(
        &mut self,
        text: &str,
        body: usize,
        each: &mut RowSink<'_>,
    ) -> Option<(ControlFlow<()>, usize)> {
        if text[..body].ends_with("/>") {
            return None;
        }
        let end = body + memmem::find(&text.as_bytes()[body..], b"</row>")?;
        self.plain_cells.clear();
        let context = self.context;
        if !plain_row(
            &text[body..end],
            self.row,
            self.col,
            context,
            &mut self.plain_cells,
        ) {
            return None;
        }
        let after = end + "</row>".len();
        for (row, col, cell) in self.plain_cells.drain(..) {
            if self.rows.push(row, col, cell, each).is_break() {
                return Some((ControlFlow::Break(()), after));
            }
        }
        self.end_row();
        Some((ControlFlow::Continue(()), after))
    }

    /// Reads a `<c>` whose start tag was just read: its position and value.
    fn cell<'t>(
        &mut self,
        xml: &mut Reader<&'t [u8]>,
        start: &BytesStart<'t>,
    ) -> Result<(u32, u32, Cell), String> {
        let mut at = None;
        let mut style = None;
        let mut kind = None;
        for attr in start.attributes().with_checks(false) {
            let attr = attr.map_err(|e| format!("a cell's attributes do not read: {e}"))?;
            match attr.key.as_ref() {
                "r" => at = Some(attr.value),
                "s" => style = Some(attr.value),
                "t" => kind = Some(attr.value),
                _ => {}
            }
        }
        let (row, col) = match at {
            Some(r) => {
                let (row, col) = cell_ref(&r)?;
                let col = col.ok_or_else(|| format!("cell reference {r:?} has no column"))?;
                (row, col)
            }
            None => (self.row, self.col),
        };
        self.col = col.saturating_add(1);
        let (style, kind) = (style.as_deref(), kind.as_deref());
        let mut value = Cell::Empty;
        loop {
            match xml.read_event().map_err(xml_error)? {
                Event::Start(child) => value = self.value(xml, &child, style, kind)?,
                Event::End(e) if e.local_name().as_ref() == "c" => break,
                Event::Eof => return Err("the sheet's XML ends inside a cell".to_owned()),
                _ => {}
            }
        }
        Ok((row, col, value))
    }

    /// Reads a cell's child element (`<v>`, `<is>`, `<f>`) whose start was just read.
    fn value<'t>(
        &self,
        xml: &mut Reader<&'t [u8]>,
        child: &BytesStart<'t>,
        style: Option<&str>,
        kind: Option<&str>,
    ) -> Result<Cell, String> {
        match child.local_name().as_ref() {
            "is" => {
                let text = string_item(
                    &mut || xml.read_event().map_err(|_| ()),
                    child.name().as_ref(),
                )
                .map_err(|()| "an inline string does not read".to_owned())?;
                Ok(crate::source::cells::text(&text))
            }
            "v" if matches!(kind, Some("inlineStr" | "is")) => {
                skip(xml, child.name())?;
                Ok(Cell::Empty)
            }
            "v" if matches!(kind, None | Some("n" | "s" | "b" | "e")) => {
                let value = match xml.read_event().map_err(xml_error)? {
                    Event::Text(t) => self.context.read_v(&t, style, kind)?,
                    Event::End(end) if end.name() == child.name() => return Ok(Cell::Empty),
                    Event::Eof => return Err("the sheet's XML ends inside a value".to_owned()),
                    _ => Cell::Empty,
                };
                skip(xml, child.name())?;
                Ok(value)
            }
            "v" => {
                let mut text = String::new();
                loop {
                    match xml.read_event().map_err(xml_error)? {
                        Event::Text(t) => text.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => {
                            let mut one = String::new();
                            super::parts::push_entity(&r, &mut one)
                                .map_err(|()| format!("unknown entity &{};", &*r))?;
                            text.push_str(&one);
                        }
                        Event::End(end) if end.name() == child.name() => break,
                        Event::Eof => {
                            return Err("the sheet's XML ends inside a value".to_owned());
                        }
                        _ => {}
                    }
                }
                self.context.read_v(&text, style, kind)
            }
            "f" => {
                skip(xml, child.name())?;
                Ok(Cell::Empty)
            }
            other => Err(format!("a cell holds <{}>, not <v>, <f> or <is>", other)),
        }
    }
}

fn xml_error(e: quick_xml::Error) -> String {
    format!("the sheet's XML does not read: {e}")
}

fn skip(xml: &mut Reader<&[u8]>, name: QName<'_>) -> Result<(), String> {
    xml.read_to_end(name).map(|_| ()).map_err(xml_error)
}

fn raw_attr(element: &BytesStart<'_>, key: &str) -> Result<Option<String>, String> {
    for attr in element.attributes().with_checks(false) {
        let attr = attr.map_err(|e| format!("a row's attributes do not read: {e}"))?;
        if attr.key.as_ref() == key {
            return Ok(Some(attr.value.into_owned()));
        }
    }
    Ok(None)
}

/// calamine refuses a sheet whose `<dimension>` has no `ref` or a `ref` that is not one or two
/// cell references; so does this reader (before any row, so calamine reports it).
fn check_dimension(element: &BytesStart<'_>) -> Result<(), String> {
    let bad = || "the sheet's <dimension> is not a cell range".to_owned();
    let range = raw_attr(element, "ref")?.ok_or_else(bad)?;
    let parts: Vec<&str> = range.split(':').collect();
    if parts.len() > 2 {
        return Err(bad());
    }
    for part in parts {
        if !matches!(cell_ref(part), Ok((_, Some(_)))) {
            return Err(bad());
        }
    }
    Ok(())
}

/// Where `</sheetData>` ends in `buf`, if it is there (outside comments and the like): the
/// rest of the part is never read.
fn data_end(buf: &[u8]) -> Option<usize> {
    let at = memmem::rfind(buf, b"sheetData>")?;
    if !closes(buf, at) {
        return None;
    }
    if memmem::find(&buf[..at], b"<!").is_some() || memmem::find(&buf[..at], b"<?").is_some() {
        return careful_cut(buf, b"sheetData");
    }
    Some(at + "sheetData>".len())
}

/// Where to cut `buf` so the part before holds whole rows: just after its last `</row>`.
fn find_cut(buf: &[u8]) -> Option<usize> {
    let finder = memmem::FinderRev::new(b"row>");
    let mut end = buf.len();
    let quick = loop {
        match finder.rfind(&buf[..end]) {
            Some(at) if closes(buf, at) => break Some(at + 4),
            Some(at) => end = at,
            None => break None,
        }
    };
    match quick {
        // Markup that may hide a `</row>` (a comment, CDATA, a processing instruction):
        // walk the chunk's tags to find a cut outside them.
        Some(cut) if memmem::find(&buf[..cut], b"<!").is_some() => careful_cut(buf, b"row"),
        Some(cut) if memmem::find(&buf[..cut], b"<?").is_some() => careful_cut(buf, b"row"),
        Some(cut) => Some(cut),
        None if buf.len() > SLOW_CUT_AFTER => careful_cut(buf, b"row"),
        None => None,
    }
}

/// Whether the name ending in `>` at `at` (`row>`, `sheetData>`) is that of an end tag:
/// `</row>` or `</prefix:row>`.
fn closes(buf: &[u8], at: usize) -> bool {
    let before = &buf[..at];
    if before.ends_with(b"</") {
        return true;
    }
    let Some(prefix) = before.strip_suffix(b":") else {
        return false;
    };
    let name_start = prefix
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .map_or(0, |p| p + 1);
    name_start < prefix.len() && prefix[..name_start].ends_with(b"</")
}

/// The end of the last end tag named `local` (`</row>`) in `buf` found by walking its markup:
/// comments, CDATA and processing instructions are stepped over whole; an unfinished one ends
/// the search.
fn careful_cut(buf: &[u8], local: &[u8]) -> Option<usize> {
    let mut at = 0;
    let mut last = None;
    while let Some(offset) = memchr::memchr(b'<', &buf[at..]) {
        let start = at + offset;
        let rest = &buf[start..];
        let skip_to = |open: usize, close: &[u8]| {
            memmem::find(&rest[open..], close).map(|p| start + open + p + close.len())
        };
        let next = if rest.starts_with(b"<!--") {
            skip_to(4, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip_to(9, b"]]>")
        } else if rest.starts_with(b"<?") {
            skip_to(2, b"?>")
        } else if rest.starts_with(b"<!") {
            skip_to(2, b">")
        } else if rest.starts_with(b"</") {
            let Some(close) = memchr::memchr(b'>', rest) else {
                break;
            };
            let name = rest[2..close].trim_ascii_end();
            if name.rsplit(|b| *b == b':').next() == Some(local) {
                last = Some(start + close + 1);
            }
            Some(start + close + 1)
        } else {
            Some(start + 1)
        };
        match next {
            Some(next) => at = next,
            None => break,
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_is_cut_after_its_last_row_end_outside_comments() {
        let text = b"<sheetData><row><c/></row><row><c/></row><row><c";
        assert_eq!(find_cut(text), Some(41));
        let prefixed = b"<x:row><x:c/></x:row><x:row>";
        assert_eq!(find_cut(prefixed), Some(21));
        assert_eq!(find_cut(b"<row><c/></narrow><row>"), None);
        let hidden = b"<row></row><!-- </row> --><row>";
        assert_eq!(find_cut(hidden), Some(11));
        let open_comment = b"<row></row><!-- </row>";
        assert_eq!(find_cut(open_comment), Some(11));
        assert_eq!(careful_cut(b"<row></row ><row>", b"row"), Some(12));
        assert_eq!(careful_cut(b"<row></row><row></ro", b"row"), Some(11));
        assert_eq!(data_end(b"<row></row></x:sheetData><ext>"), Some(25));
        assert_eq!(data_end(b"<row></row><!-- </sheetData> --><row>"), None);
        assert_eq!(
            find_cut(b"<?xml version=\"1.0\"?><row></row><row>"),
            Some(32)
        );
    }
}
