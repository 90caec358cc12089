//! Our own reader of xlsx worksheets, a faster road to the cells calamine reads.
//!
//! Reading the samples sheet is the import's critical path: the checks run on another thread
//! and wait for it (docs/benchmarks.md, "Read on a second thread, profiled"), and calamine's
//! cell reader alone took as long as fastexcel's whole parse. This reader inflates the part
//! in blocks and cuts each block after its last whole row (`sheet`). A row of plain cells
//! (`<c r="B2" s="1" t="s"><v>…</v></c>`, or a one-run inline string) is read by a scanner that
//! knows only that shape (`row`); any other row is parsed in place by quick-xml, as a borrowed
//! string. Both make our [`Cell`](crate::values::Cell)s directly, with calamine 0.38's meanings (`format`, and
//! `Context::read_v` for every value), and a differential test reads every workbook by
//! both roads and by calamine (`tests`). On the million-row benchmark sheet the reading
//! thread's time fell from about 9 s to under 4 s (docs/benchmarks.md).
//!
//! calamine still opens the workbook (sheet names, the 1904 date system, encryption) and
//! reads any sheet this reader cannot: a package whose parts it cannot find, or a sheet that
//! fails before its first row (the error the user sees is then calamine's). A sheet that
//! fails after rows were read fails the import as it would with calamine.

use std::path::Path;

use crate::source::pipe::RowSink;

mod format;
mod parts;
mod row;
mod sheet;
#[cfg(test)]
mod tests;
mod value;

use parts::Package;
use sheet::read_sheet;
use value::Context;

/// An xlsx package opened for our sheet reader.
pub(super) struct FastXlsx {
    package: Package,
    is_1904: bool,
}

/// What became of reading a sheet.
pub(super) enum Outcome {
    Done,
    /// Nothing was read: calamine should read the sheet.
    LeftToCalamine,
    /// The sheet failed after rows were handed on.
    Failed(String),
}

impl FastXlsx {
    /// Opens `path` for reading sheets, or `None` when its package is not laid out as this
    /// reader knows.
    pub(super) fn open(path: &Path, is_1904: bool) -> Option<FastXlsx> {
        Some(FastXlsx {
            package: Package::open(path)?,
            is_1904,
        })
    }

    /// Reads the worksheet named `name` into `each`.
    pub(super) fn read(&mut self, name: &str, each: &mut RowSink<'_>) -> Outcome {
        let Some(part_name) = self
            .package
            .sheets
            .iter()
            .find(|(sheet, _)| sheet == name)
            .map(|(_, part)| part.clone())
        else {
            return Outcome::LeftToCalamine;
        };
        let Package {
            archive,
            names,
            strings,
            kinds,
            ..
        } = &mut self.package;
        let Some(part) = parts::part(archive, names, &part_name) else {
            return Outcome::LeftToCalamine;
        };
        let context = Context {
            strings,
            kinds,
            is_1904: self.is_1904,
        };
        match read_sheet(part, &context, each) {
            Ok(()) => Outcome::Done,
            Err(e) if e.after_rows => Outcome::Failed(e.detail),
            Err(_) => Outcome::LeftToCalamine,
        }
    }
}
