//! What a sheet's values mean: a `<v>` text by the cell's type and style, as calamine 0.38
//! reads it. Shared by the quick-xml walk (`sheet`) and the plain-row scanner (`row`).

use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

use super::format::{NumberKind, unescape_excel};
use crate::source::cells::{from_datetime, text};
use crate::values::Cell;

/// What a sheet shares with its workbook.
pub(super) struct Context<'p> {
    pub(super) strings: &'p [Cell],
    pub(super) kinds: &'p [NumberKind],
    pub(super) is_1904: bool,
}

impl Context<'_> {
    /// A `<v>` value by the cell's type (`t`) and style (`s`).
    pub(super) fn read_v(
        &self,
        v: &str,
        style: Option<&str>,
        kind: Option<&str>,
    ) -> Result<Cell, String> {
        match kind {
            Some("s") => {
                if v.is_empty() {
                    return Ok(Cell::Empty);
                }
                let index = index(v);
                self.strings.get(index).cloned().ok_or_else(|| {
                    format!("shared string {index} is not in the workbook's string table")
                })
            }
            Some("b") => match v.trim() {
                "" => Ok(Cell::Empty),
                t if t == "0" || t.eq_ignore_ascii_case("false") => Ok(Cell::Bool(false)),
                t if t == "1" || t.eq_ignore_ascii_case("true") => Ok(Cell::Bool(true)),
                _ => Err(format!("boolean cell value {v:?} is not 0 or 1")),
            },
            Some("d") => Ok(text(v)),
            Some("e") => v
                .parse::<CellErrorType>()
                .map(|e| Cell::Error(e.to_string()))
                .map_err(|_| format!("error cell value {v:?} is not a known error")),
            Some("str") => Ok(text(&unescape_excel(v))),
            Some("n") | None => {
                if v.is_empty() {
                    return Ok(Cell::Empty);
                }
                match fast_float2::parse::<f64, _>(v.as_bytes()) {
                    Ok(number) => Ok(self.number(number, style)),
                    Err(_) if kind.is_none() => Ok(text(v)),
                    Err(_) => Err(format!("number cell value {v:?} is not a number")),
                }
            }
            Some(other) => Err(format!("cell type t={other:?} is not one Excel writes")),
        }
    }

    fn number(&self, number: f64, style: Option<&str>) -> Cell {
        let kind = match style {
            None => NumberKind::Plain,
            Some(s) => {
                let index = index(s);
                self.kinds.get(index).copied().unwrap_or(NumberKind::Plain)
            }
        };
        match kind {
            NumberKind::Date => from_datetime(&ExcelDateTime::new(
                number,
                ExcelDateTimeType::DateTime,
                self.is_1904,
            )),
            NumberKind::Plain | NumberKind::Duration => Cell::Number(number),
        }
    }
}

/// An index as calamine reads one (a style `s`, a shared string's number): ASCII digits, or 0.
fn index(text: &str) -> usize {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    text.parse().unwrap_or(0)
}
