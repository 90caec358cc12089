//! `import_into` hands a sink exactly the samples `import_file` returns, each transformer and
//! day at most once at a time, and the rest of the import is the same: on every sample
//! workbook, and on workbooks made to take every path (dates that wait for their column's
//! day/month order, duplicates and conflicts whose first row is given or waits, blank cells
//! read as not detected, a sheet that breaks after rows were given).

mod common;

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use common::*;
use substation_import::{
    BlankGas, ImportOptions, ImportedSample, SampleSink, import_file, import_into,
};

/// Holds what it is given as a store would: one sample per transformer and day.
#[derive(Default)]
struct Held {
    samples: HashMap<(String, NaiveDate), ImportedSample>,
    given: usize,
    retracted: usize,
    misuse: Vec<String>,
}

impl SampleSink for Held {
    fn keep(&mut self, sample: ImportedSample) -> ControlFlow<()> {
        self.given += 1;
        let key = (sample.asset_id.clone(), sample.sample.date);
        if let Some(old) = self.samples.insert(key, sample) {
            self.misuse
                .push(format!("given twice: {} {}", old.asset_id, old.sample.date));
        }
        ControlFlow::Continue(())
    }

    fn retract(&mut self, asset_id: &str, date: NaiveDate, _sheet: &str) -> ControlFlow<()> {
        self.retracted += 1;
        if self.samples.remove(&(asset_id.to_owned(), date)).is_none() {
            self.misuse
                .push(format!("taken back, never given: {asset_id} {date}"));
        }
        ControlFlow::Continue(())
    }
}

/// Streams `path` and checks it against `import_file`; what the sink saw.
fn same_as_whole(path: &Path, options: &ImportOptions<'_>) -> Held {
    let whole = import_file(path, options).expect("import_file");
    let mut held = Held::default();
    let mut streamed = import_into(path, options, &mut held).expect("import_into");
    assert!(
        held.misuse.is_empty(),
        "{}: {:?}",
        path.display(),
        held.misuse
    );
    assert!(streamed.samples.is_empty());
    let mut samples: Vec<ImportedSample> = held.samples.values().cloned().collect();
    samples.sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));
    streamed.samples = samples;
    assert_eq!(streamed, whole, "{}", path.display());
    held
}

fn repo(dir: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(dir)
        .join(name)
}

#[test]
fn every_sample_workbook_streams_as_it_imports() {
    for name in [
        "fleet-two-sheets.xlsx",
        "korean-lab-export.xlsx",
        "korean-lab-export-cp949.csv",
        "messy.xlsx",
    ] {
        let held = same_as_whole(&repo("../../samples", name), &options());
        assert!(held.given > 0, "{name}");
    }
    for name in ["korean-lab-export.xls", "korean-lab-export.ods"] {
        same_as_whole(&repo("tests/fixtures", name), &options());
    }
}

fn text_row(id: &'static str, date: &'static str, h2: W) -> Vec<W> {
    let mut row = vec![W::S(id), W::S(date), h2];
    row.extend([6.0, 4.0, 3.0, 0.0, 310.0, 2400.0, 19000.0, 52000.0].map(W::N));
    row
}

#[test]
fn rows_that_wait_duplicates_conflicts_and_blanks_stream_as_they_import() {
    let dir = scratch("stream-paths");
    let path = dir.join("paths.xlsx");
    let rows = vec![
        sample_header(),
        // Waits (03/04 is either order) and is first of its day: the later row of the same
        // day and gases was given at once and is taken back.
        text_row("T-1", "03/04/2024", W::N(12.0)),
        text_row("T-1", "2024-04-03", W::N(12.0)),
        // Settles the column day-first.
        text_row("T-1", "25/04/2024", W::N(12.0)),
        // Given, then a later row disagrees: both left out, the given one taken back.
        text_row("T-2", "2024-05-01", W::N(12.0)),
        text_row("T-2", "2024-05-01", W::N(13.0)),
        // Given, then the same again: merged, nothing taken back.
        text_row("T-3", "2024-05-01", W::N(12.0)),
        text_row("T-3", "2024-05-01", W::N(12.0)),
        // Given, then a row that waits disagrees with it.
        text_row("T-4", "2024-04-05", W::N(12.0)),
        text_row("T-4", "05/04/2024", W::N(14.0)),
        // Blank H2 beside values: read as the owner chooses, at the end.
        text_row("T-5", "2024-06-01", W::Blank),
        text_row("T-5", "2024-06-02", W::Blank),
        text_row("T-5", "2024-06-02", W::N(0.0)),
        // A missing date and a future one: left out by their own checks.
        text_row("T-6", "", W::N(12.0)),
        text_row("T-6", "2099-01-01", W::N(12.0)),
    ];
    xlsx(&path, &[("Samples", rows)]);
    let held = same_as_whole(&path, &options());
    assert!(held.retracted >= 3, "taken back: {}", held.retracted);
    for choice in [BlankGas::NotDetected, BlankGas::NotMeasured] {
        let mut told = options();
        told.blank_gas = Some(choice);
        same_as_whole(&path, &told);
    }
    let mut told = options();
    told.day_order = Some(substation_import::values::DayOrder::MonthFirst);
    same_as_whole(&path, &told);
}

#[test]
fn a_sheet_that_breaks_after_rows_were_given_takes_them_back() {
    let dir = scratch("stream-broken");
    let path = dir.join("broken.xlsx");
    // The same day as the first sheet's row: withheld, then forgotten with its sheet.
    // Broken after 60 rows, and after 2,000 (the reader runs ahead of the checks on its own
    // thread, handing rows over in batches: those given before the break go back too).
    for rows in [60u32, 2000] {
        let mut more = vec![sample_header(), sample_row("T-1", day(2024, 1, 1))];
        for d in 0..rows {
            more.push(sample_row(
                "T-3",
                // Back from 2024 (forward, 2,000 days would reach the future, left out).
                day(2024, 1, 1) - chrono::Days::new(d.into()),
            ));
        }
        xlsx(
            &path,
            &[
                (
                    "Samples",
                    vec![sample_header(), sample_row("T-1", day(2024, 1, 1))],
                ),
                ("More", more),
            ],
        );
        break_second_sheet_at(&path, rows + 2);
        let held = same_as_whole(&path, &options());
        // Every T-3 row above the broken one was given, and is taken back.
        assert_eq!(held.retracted, rows as usize - 1);
        assert_eq!(held.samples.len(), 1);
    }
}
