//! Which transformer each imported row went to, remembered while the samples stream past into
//! the store: the preview shows each issue with its transformer, and the issues only say
//! their sheet and row.

use std::collections::HashMap;
use std::ops::ControlFlow;

use chrono::NaiveDate;
use substation_import::{ImportedSample, SampleSink};

/// A [`SampleSink`] that notes each sample's sheet, row and transformer, then hands the
/// sample on to `next`. What it remembers is exactly the rows of the samples `next` ends up
/// with (kept, less taken back), as [`substation_import::sink::Collect`] counts them.
pub(crate) struct RowAssets<'a> {
    next: &'a mut dyn SampleSink,
    /// Sheet names and transformer ids, each held once; the rows refer to them by index.
    sheets: Vec<String>,
    assets: Vec<String>,
    asset_index: HashMap<String, u32>,
    /// Sheet, row, transformer and day of each sample given, `None` once taken back.
    rows: Vec<Option<Row>>,
    /// The last sample given for each transformer and day: what a take-back removes. Built
    /// on the first take-back (rare: conflicting rows, an unreadable sheet), kept after.
    by_day: Option<HashMap<(u32, NaiveDate), usize>>,
}

#[derive(Clone, Copy)]
struct Row {
    sheet: u32,
    row: u32,
    asset: u32,
    date: NaiveDate,
}

impl<'a> RowAssets<'a> {
    pub(crate) fn new(next: &'a mut dyn SampleSink) -> Self {
        RowAssets {
            next,
            sheets: Vec::new(),
            assets: Vec::new(),
            asset_index: HashMap::new(),
            rows: Vec::new(),
            by_day: None,
        }
    }

    /// The transformer of each `(sheet, row)` that `wanted` asks about and a sample kept.
    pub(crate) fn find(
        &self,
        mut wanted: impl FnMut(&str, u32) -> bool,
    ) -> HashMap<(String, u32), String> {
        self.rows
            .iter()
            .flatten()
            .filter_map(|r| {
                let sheet = self.sheets.get(r.sheet as usize)?;
                let asset = self.assets.get(r.asset as usize)?;
                wanted(sheet, r.row).then(|| ((sheet.clone(), r.row), asset.clone()))
            })
            .collect()
    }

    fn sheet_index(&mut self, sheet: &str) -> u32 {
        // A workbook has a few sheets and hands its samples sheet by sheet: the last one is
        // nearly always the one.
        if let Some(i) = self.sheets.iter().rposition(|s| s == sheet) {
            return i as u32;
        }
        self.sheets.push(sheet.to_owned());
        (self.sheets.len() - 1) as u32
    }

    fn asset_index(&mut self, asset: &str) -> u32 {
        // A transformer's samples mostly come one after another.
        if self.assets.last().is_some_and(|last| last == asset) {
            return (self.assets.len() - 1) as u32;
        }
        if let Some(&i) = self.asset_index.get(asset) {
            return i;
        }
        let i = self.assets.len() as u32;
        self.assets.push(asset.to_owned());
        self.asset_index.insert(asset.to_owned(), i);
        i
    }
}

impl SampleSink for RowAssets<'_> {
    fn keep(&mut self, sample: ImportedSample) -> ControlFlow<()> {
        let sheet = self.sheet_index(&sample.sheet);
        let asset = self.asset_index(&sample.asset_id);
        let date = sample.sample.date;
        if let Some(by_day) = &mut self.by_day {
            by_day.insert((asset, date), self.rows.len());
        }
        self.rows.push(Some(Row {
            sheet,
            row: sample.row,
            asset,
            date,
        }));
        self.next.keep(sample)
    }

    fn retract(&mut self, asset_id: &str, date: NaiveDate, sheet: &str) -> ControlFlow<()> {
        let rows = &self.rows;
        let by_day = self.by_day.get_or_insert_with(|| {
            // In the order given: a later sample of the same transformer and day wins.
            rows.iter()
                .enumerate()
                .filter_map(|(i, r)| r.map(|r| ((r.asset, r.date), i)))
                .collect()
        });
        if let Some(&asset) = self.asset_index.get(asset_id)
            && let Some(i) = by_day.remove(&(asset, date))
            && let Some(row) = self.rows.get_mut(i)
        {
            *row = None;
        }
        self.next.retract(asset_id, date, sheet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use substation_import::sink::Collect;

    fn sample(asset: &str, sheet: &str, row: u32, day: u32) -> ImportedSample {
        let date = NaiveDate::from_ymd_opt(2024, 1, day).expect("a day of January");
        ImportedSample {
            asset_id: asset.to_owned(),
            sample: substation_dga::Sample::new(date, substation_dga::GasReadings::default()),
            sheet: sheet.to_owned(),
            row,
        }
    }

    #[test]
    fn remembers_the_rows_the_next_sink_ends_up_with() {
        let mut collect = Collect::default();
        let mut rows = RowAssets::new(&mut collect);
        let given = [
            sample("T1", "Samples", 2, 1),
            sample("T1", "Samples", 3, 2),
            sample("T2", "Samples", 4, 1),
            sample("T1", "Later", 2, 2), // the same day as row 3: it is the one taken back
            sample("T3", "Later", 3, 5),
        ];
        for s in given {
            assert!(rows.keep(s).is_continue());
        }
        assert!(rows.retract("T1", date(2), "Later").is_continue());
        assert!(
            rows.retract("T9", date(1), "Samples").is_continue(),
            "unknown: no change"
        );
        // After the first take-back the day index is kept up to date.
        assert!(rows.keep(sample("T3", "Later", 4, 5)).is_continue());
        assert!(rows.retract("T3", date(5), "Later").is_continue());
        let found = rows.find(|_, _| true);
        let kept: HashMap<(String, u32), String> = collect
            .into_samples()
            .into_iter()
            .map(|s| ((s.sheet, s.row), s.asset_id))
            .collect();
        assert_eq!(found, kept);
        assert_eq!(found.len(), 4);
        assert_eq!(
            found.get(&("Samples".to_owned(), 3)).map(String::as_str),
            Some("T1")
        );
        assert!(!found.contains_key(&("Later".to_owned(), 2)));
        assert_eq!(
            found.get(&("Later".to_owned(), 3)).map(String::as_str),
            Some("T3")
        );
        assert!(!found.contains_key(&("Later".to_owned(), 4)));
    }

    #[test]
    fn finds_only_the_rows_asked_about() {
        let mut collect = Collect::default();
        let mut rows = RowAssets::new(&mut collect);
        let _ = rows.keep(sample("T1", "Samples", 2, 1));
        let _ = rows.keep(sample("T2", "Samples", 3, 1));
        let found = rows.find(|sheet, row| sheet == "Samples" && row == 3);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found.get(&("Samples".to_owned(), 3)).map(String::as_str),
            Some("T2")
        );
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, day).expect("a day of January")
    }
}
