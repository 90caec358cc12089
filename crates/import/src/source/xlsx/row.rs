//! The rows nearly every sheet is made of, read without an XML parser.
//!
//! Excel and the libraries labs export with write a row as `<c r="B2" s="3" t="s"><v>7</v></c>`
//! cells and nothing else. Measured on the million-row benchmark sheet, quick-xml's events for
//! those cells cost about twice what reading the same bytes by hand does, and the sheet reader
//! is the import's critical path. So a row's body is first read here, by a scanner that knows
//! only that shape: double-quoted attributes without entities, an optional `<v>` of text
//! without markup or entities, white space between elements. Anything else (a formula, an
//! inline string, a comment, an entity, a namespace prefix, a single quote) makes it give the
//! row back untouched, and the row is read by quick-xml (`sheet.rs`) as every row was before.
//! Values go through the same `read_v` either way; the differential tests in `tests.rs` read
//! every generated workbook by both roads and by calamine.

use memchr::memchr;

use super::format::{cell_ref, unescape_excel};
use super::value::Context;
use crate::values::Cell;

/// Reads the body of a row (between `<row …>` and `</row>`) into `out` as (row, column, cell),
/// the cells without `r` placed from `row` and `col` on. Answers false, with `out` as it was,
/// when the body is not made of plain cells.
pub(super) fn plain_row(
    body: &str,
    row: u32,
    col: u32,
    context: &Context<'_>,
    out: &mut Vec<(u32, u32, Cell)>,
) -> bool {
    let kept = out.len();
    if scan(body.as_bytes(), body, row, col, context, out).is_none() {
        out.truncate(kept);
        return false;
    }
    true
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        at += 1;
    }
    at
}

/// The cells of `body`, or `None` at the first thing that is not a plain cell.
fn scan(
    bytes: &[u8],
    body: &str,
    row: u32,
    mut col: u32,
    context: &Context<'_>,
    out: &mut Vec<(u32, u32, Cell)>,
) -> Option<()> {
    let mut at = 0;
    loop {
        at = skip_space(bytes, at);
        if at == bytes.len() {
            return Some(());
        }
        if !bytes[at..].starts_with(b"<c") {
            return None;
        }
        at += 2;
        let mut reference = None;
        let mut style = None;
        let mut kind = None;
        // Attributes, to the end of the start tag.
        let self_closing = loop {
            let spaced = skip_space(bytes, at);
            match bytes.get(spaced)? {
                b'>' => {
                    at = spaced + 1;
                    break false;
                }
                b'/' if bytes.get(spaced + 1) == Some(&b'>') => {
                    at = spaced + 2;
                    break true;
                }
                _ if spaced == at => return None,
                _ => {}
            }
            let name_end = spaced + memchr(b'=', &bytes[spaced..])?;
            let name = &bytes[spaced..name_end];
            if bytes.get(name_end + 1) != Some(&b'"')
                || name
                    .iter()
                    .any(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'<' | b'/' | b'"'))
            {
                return None;
            }
            let value_start = name_end + 2;
            let value_end = value_start + memchr(b'"', &bytes[value_start..])?;
            let value = &body[value_start..value_end];
            if value.bytes().any(|b| matches!(b, b'&' | b'<')) {
                return None;
            }
            match name {
                b"r" => reference = Some(value),
                b"s" => style = Some(value),
                b"t" => kind = Some(value),
                _ => {}
            }
            at = value_end + 1;
        };
        let (cell_row, cell_col) = match reference {
            Some(r) => match cell_ref(r) {
                Ok((cell_row, Some(cell_col))) => (cell_row, cell_col),
                _ => return None,
            },
            None => (row, col),
        };
        col = cell_col.saturating_add(1);
        if self_closing {
            out.push((cell_row, cell_col, Cell::Empty));
            continue;
        }
        at = skip_space(bytes, at);
        let value = if bytes[at..].starts_with(b"</c>") {
            Cell::Empty
        } else if bytes[at..].starts_with(b"<v>") {
            let (text, next) = element_text(bytes, body, at + 3, b"</v>")?;
            at = next;
            value(text, style, kind, context)?
        } else if bytes[at..].starts_with(b"<is>") {
            let inner = skip_space(bytes, at + 4);
            let (open, preserve) = if bytes[inner..].starts_with(b"<t>") {
                (inner + 3, false)
            } else if bytes[inner..].starts_with(b"<t xml:space=\"preserve\">") {
                (inner + 24, true)
            } else {
                return None;
            };
            let (text, next) = element_text(bytes, body, open, b"</t>")?;
            at = skip_space(bytes, next);
            if !bytes[at..].starts_with(b"</is>") {
                return None;
            }
            at += 5;
            inline_string(text, preserve)?
        } else {
            return None;
        };
        at = skip_space(bytes, at);
        if !bytes[at..].starts_with(b"</c>") {
            return None;
        }
        at += 4;
        out.push((cell_row, cell_col, value));
    }
}

/// The text of an element from `start` (just after its start tag) to its `close` tag, and
/// where the text after the close tag starts. `None` when the element holds markup.
fn element_text<'b>(
    bytes: &[u8],
    body: &'b str,
    start: usize,
    close: &[u8],
) -> Option<(&'b str, usize)> {
    let end = start + memchr(b'<', &bytes[start..])?;
    if !bytes[end..].starts_with(close) {
        return None;
    }
    Some((&body[start..end], end + close.len()))
}

/// An inline string's one `<t>` run as the general reader reads it: entities resolved,
/// trimmed of ASCII white space unless preserved, Excel's escapes undone. `None` for line
/// ends (the parser would normalise them) and entities it would refuse.
fn inline_string(text: &str, preserve: bool) -> Option<Cell> {
    if text.contains('\r') {
        return None;
    }
    let resolved = if text.contains('&') {
        quick_xml::escape::unescape(text).ok()?
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let run = if preserve {
        &resolved[..]
    } else {
        resolved.trim_matches([' ', '\t', '\r', '\n'])
    };
    Some(crate::source::cells::text(&unescape_excel(run)))
}

/// A `<v>` text as the general reader reads it, or `None` where only it may (entities, line
/// ends it would normalise, inline strings, unknown types, values that are errors).
fn value(
    text: &str,
    style: Option<&str>,
    kind: Option<&str>,
    context: &Context<'_>,
) -> Option<Cell> {
    if text.contains('&') {
        return None;
    }
    match kind {
        None | Some("n" | "s" | "b" | "e") if text.is_empty() => Some(Cell::Empty),
        None | Some("n" | "s" | "b" | "e") => context.read_v(text, style, kind).ok(),
        Some("str" | "d") if !text.contains('\r') => context.read_v(text, style, kind).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::xlsx::format::NumberKind;

    fn context() -> Context<'static> {
        static STRINGS: std::sync::LazyLock<Vec<Cell>> =
            std::sync::LazyLock::new(|| vec![Cell::Text("T-101".to_owned())]);
        Context {
            strings: &STRINGS,
            kinds: &[NumberKind::Plain, NumberKind::Date],
            is_1904: false,
        }
    }

    #[test]
    fn a_row_of_plain_cells_is_read_without_the_parser() {
        let body = r#"<c r="A3" t="s"><v>0</v></c> <c s="1"><v>45000</v></c>
            <c t="b"><v>1</v></c><c r="F3" s="0"/><c><v>12.5</v></c><c t="str"><v>a b</v></c><c r="J3"></c>
            <c t="inlineStr"><is><t> &lt;0.5_x000D_ </t></is></c><c t="inlineStr"><is> <t xml:space="preserve"> x </t> </is> </c>"#;
        let mut out = vec![(0, 0, Cell::Empty)];
        assert!(plain_row(body, 2, 0, &context(), &mut out));
        let cells: Vec<(u32, u32)> = out.iter().map(|(r, c, _)| (*r, *c)).collect();
        assert_eq!(
            cells,
            [
                (0, 0),
                (2, 0),
                (2, 1),
                (2, 2),
                (2, 5),
                (2, 6),
                (2, 7),
                (2, 9),
                (2, 10),
                (2, 11)
            ]
        );
        assert_eq!(out[1].2, Cell::Text("T-101".to_owned()));
        assert!(matches!(out[2].2, Cell::DateTime(_)));
        assert_eq!(out[3].2, Cell::Bool(true));
        assert_eq!(out[5].2, Cell::Number(12.5));
        assert_eq!(out[6].2, Cell::Text("a b".to_owned()));
        assert_eq!(out[8].2, Cell::Text("<0.5\r".to_owned()));
        assert_eq!(out[9].2, Cell::Text(" x ".to_owned()));
    }

    #[test]
    fn anything_else_gives_the_row_back_untouched() {
        for body in [
            r#"<c r="A1"><f>1+1</f><v>2</v></c>"#,
            r#"<c r="A1" t="inlineStr"><is><r><t>x</t></r></is></c>"#,
            r#"<c r="A1" t="inlineStr"><is><t>&bogus;</t></is></c>"#,
            "<c r=\"A1\" t=\"inlineStr\"><is><t>a\rb</t></is></c>",
            r#"<c r="A1" t="inlineStr"><is><t/></is></c>"#,
            r#"<c r="A1" t="str"><v>a &amp; b</v></c>"#,
            r#"<c r="A1" t="str"><v>a&#13;</v></c>"#,
            "<c r=\"A1\" t=\"str\"><v>a\r\nb</v></c>",
            r#"<x:c r="A1"><x:v>1</x:v></x:c>"#,
            r#"<c r='A1'><v>1</v></c>"#,
            r#"<c r = "A1"><v>1</v></c>"#,
            "<c r\t=\"A1\"><v>1</v></c>",
            "<c t\n=\"s\"><v>0</v></c>",
            r#"<c r="A1"><v>1</v></c><!-- note -->"#,
            r#"<c r="1A"><v>1</v></c>"#,
            r#"<c r="A1" t="zz"><v>1</v></c>"#,
            r#"<c r="A1" t="n"><v>one</v></c>"#,
            r#"<c r="A1" t="s"><v>9</v></c>"#,
            r#"<c r="A1"><v>1</v><extLst/></c>"#,
            r#"<c r="A1"><v>1</v>"#,
            r#"<col r="A1"/>"#,
            "text",
        ] {
            let mut out = vec![(7, 7, Cell::Bool(true))];
            assert!(!plain_row(body, 0, 0, &context(), &mut out), "{body}");
            assert_eq!(out, [(7, 7, Cell::Bool(true))], "{body}");
        }
    }
}
