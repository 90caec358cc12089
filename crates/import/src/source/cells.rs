//! Streaming a sheet's cells into rows, and calamine's values into [`Cell`]s.

use std::ops::ControlFlow;

use calamine::{Data, DataRef};

use super::MAX_COLUMNS;
use crate::values::Cell;

/// Feeds the cells of a streaming reader (xlsx, xlsb) to `each`, a row at a time.
pub(super) fn stream_cells<'a, E: std::fmt::Display>(
    mut next: impl FnMut() -> std::result::Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    each: &mut dyn FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
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
pub(super) struct RowGrouper {
    current: Option<(u32, Vec<Cell>)>,
}

impl RowGrouper {
    pub(super) fn push(
        &mut self,
        row: u32,
        col: u32,
        cell: Cell,
        each: &mut dyn FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
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

    pub(super) fn finish(
        &mut self,
        each: &mut dyn FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        match self.current.take() {
            Some((row, cells)) => each(row, cells),
            None => ControlFlow::Continue(()),
        }
    }
}

pub(super) fn walk_range(
    range: &calamine::Range<Data>,
    each: &mut dyn FnMut(u32, Vec<Cell>) -> ControlFlow<()>,
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

/// A date-formatted number further from 1900 than this many days (2.7 million years) is no
/// date: it stays a number. calamine's date arithmetic panics on some such values (chrono's
/// `TimeDelta::milliseconds` below about -1.07e11 days) and gives `None` on the rest, so this
/// only turns that panic (and a NaN, which it would make 1899-12-30) into a number.
const FURTHEST_DATE_SERIAL: f64 = 1.0e9;

pub(super) fn from_datetime(dt: &calamine::ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    if serial.is_nan() || serial.abs() > FURTHEST_DATE_SERIAL {
        return Cell::Number(serial);
    }
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

pub(super) fn text(s: &str) -> Cell {
    if s.trim().is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_owned())
    }
}
