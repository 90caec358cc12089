//! The sinks an opened workbook's samples pass through on their way to the store:
//! [`RowAssets`] remembers which transformer each row went to (the preview shows each issue
//! with its transformer, and the issues only say their sheet and row), and [`Destination`]
//! begins the store's import at the first sample.

use std::collections::HashMap;
use std::ops::ControlFlow;

use chrono::NaiveDate;
use substation_import::sink::Collect;
use substation_import::{ImportedSample, SampleSink};
use substation_store::{ImportSession, Store};

/// A [`SampleSink`] that notes each sample's sheet, row and transformer, then hands the
/// sample on to `next`. What it remembers is exactly the rows of the samples `next` ends up
/// with (kept, less taken back), as [`substation_import::sink::Collect`] counts them.
pub(crate) struct RowAssets<'a> {
    next: &'a mut dyn SampleSink,
    /// Sheet names, each held once; the rows refer to them by index.
    sheets: Vec<String>,
    /// Transformer ids, each held once, and the index the rows refer to them by.
    assets: HashMap<String, u32>,
    /// The transformer of the last sample: a transformer's samples mostly come together.
    last_asset: Option<(String, u32)>,
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

/// An index into a list that grows with a workbook's rows: rows are numbered in `u32`, and a
/// workbook has fewer sheets and transformers than rows.
fn index(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl<'a> RowAssets<'a> {
    pub(crate) fn new(next: &'a mut dyn SampleSink) -> Self {
        RowAssets {
            next,
            sheets: Vec::new(),
            assets: HashMap::new(),
            last_asset: None,
            rows: Vec::new(),
            by_day: None,
        }
    }

    /// The transformer of each `(sheet, row)` that `wanted` asks about and a sample kept.
    pub(crate) fn find(
        &self,
        mut wanted: impl FnMut(&str, u32) -> bool,
    ) -> HashMap<(String, u32), String> {
        let mut names: Vec<&str> = vec![""; self.assets.len()];
        for (name, &i) in &self.assets {
            if let Some(slot) = names.get_mut(i as usize) {
                *slot = name;
            }
        }
        self.rows
            .iter()
            .flatten()
            .filter_map(|r| {
                let sheet = self.sheets.get(r.sheet as usize)?;
                let asset = names.get(r.asset as usize)?;
                wanted(sheet, r.row).then(|| ((sheet.clone(), r.row), (*asset).to_owned()))
            })
            .collect()
    }

    fn sheet_index(&mut self, sheet: &str) -> u32 {
        // A workbook has a few sheets and hands its samples sheet by sheet: the last one is
        // nearly always the one.
        if let Some(i) = self.sheets.iter().rposition(|s| s == sheet) {
            return index(i);
        }
        self.sheets.push(sheet.to_owned());
        index(self.sheets.len() - 1)
    }

    fn asset_index(&mut self, asset: &str) -> u32 {
        if let Some((last, i)) = &self.last_asset
            && last == asset
        {
            return *i;
        }
        let next = index(self.assets.len());
        let i = *self.assets.entry(asset.to_owned()).or_insert(next);
        self.last_asset = Some((asset.to_owned(), i));
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
        if let Some(&asset) = self.assets.get(asset_id)
            && let Some(i) = by_day.remove(&(asset, date))
            && let Some(row) = self.rows.get_mut(i)
        {
            *row = None;
        }
        self.next.retract(asset_id, date, sheet)
    }
}

/// Where an opened workbook's samples go: the store's import session, begun at the first
/// sample, so that a workbook that yields none (unreadable, or headers to map) never touches
/// the store; or, when the store cannot be opened or begin an import, held until the end,
/// where storing them meets the store's error again.
pub(crate) struct Destination<'s> {
    store: Option<&'s Store>,
    begun: bool,
    session: Option<ImportSession<'s>>,
    held: Collect,
}

impl<'s> Destination<'s> {
    pub(crate) fn new(store: Option<&'s Store>) -> Self {
        Destination {
            store,
            begun: false,
            session: None,
            held: Collect::default(),
        }
    }

    fn next(&mut self) -> &mut dyn SampleSink {
        if !self.begun {
            self.begun = true;
            self.session = self.store.and_then(|store| match store.import_session() {
                Ok(session) => Some(session),
                Err(error) => {
                    tracing::warn!(code = error.code(), %error, "the import is held until the end");
                    None
                }
            });
        }
        match &mut self.session {
            Some(session) => session,
            None => &mut self.held,
        }
    }

    /// The session the samples went into; else the samples held (none, when none came).
    pub(crate) fn into_session(self) -> Result<ImportSession<'s>, Collect> {
        self.session.ok_or(self.held)
    }

    /// Stores nothing. The writer's own error when it was the writer that stopped the read.
    pub(crate) fn abandon(self) -> Option<substation_store::StoreError> {
        self.session.and_then(ImportSession::abandon)
    }
}

impl SampleSink for Destination<'_> {
    fn keep(&mut self, sample: ImportedSample) -> ControlFlow<()> {
        self.next().keep(sample)
    }

    fn retract(&mut self, asset_id: &str, date: NaiveDate, sheet: &str) -> ControlFlow<()> {
        self.next().retract(asset_id, date, sheet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, day).expect("a day of January")
    }

    fn sample(asset: &str, sheet: &str, row: u32, day: u32) -> ImportedSample {
        ImportedSample {
            asset_id: asset.to_owned(),
            sample: substation_dga::Sample::new(date(day), substation_dga::GasReadings::default()),
            sheet: sheet.to_owned(),
            row,
        }
    }

    /// What `Collect` ends up with, by sheet and row.
    fn collected(collect: Collect) -> HashMap<(String, u32), String> {
        collect
            .into_samples()
            .into_iter()
            .map(|s| ((s.sheet, s.row), s.asset_id))
            .collect()
    }

    #[test]
    fn remembers_the_rows_the_next_sink_ends_up_with() {
        let mut collect = Collect::default();
        let mut rows = RowAssets::new(&mut collect);
        // As an import hands them: a conflict takes a sample back, a later sheet gives the
        // same transformer and day again, and that one is taken back too.
        for s in [
            sample("T1", "Samples", 2, 1),
            sample("T1", "Samples", 3, 2),
            sample("T2", "Samples", 4, 1),
        ] {
            assert!(rows.keep(s).is_continue());
        }
        assert!(rows.retract("T1", date(2), "Samples").is_continue());
        assert!(rows.keep(sample("T1", "Later", 2, 2)).is_continue());
        assert!(rows.keep(sample("T3", "Later", 3, 5)).is_continue());
        assert!(rows.retract("T1", date(2), "Later").is_continue());
        assert!(rows.keep(sample("T1", "Later", 4, 2)).is_continue());
        assert!(
            rows.retract("T9", date(1), "Samples").is_continue(),
            "unknown: no change"
        );
        let found = rows.find(|_, _| true);
        assert_eq!(found, collected(collect));
        let expected: HashMap<(String, u32), String> = [
            (("Samples", 2), "T1"),
            (("Samples", 4), "T2"),
            (("Later", 3), "T3"),
            (("Later", 4), "T1"),
        ]
        .into_iter()
        .map(|((sheet, row), asset)| ((sheet.to_owned(), row), asset.to_owned()))
        .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn finds_only_the_rows_asked_about() {
        let mut collect = Collect::default();
        let mut rows = RowAssets::new(&mut collect);
        for s in [
            sample("T1", "Samples", 2, 1),
            sample("T2", "Samples", 3, 1),
            sample("T1", "Samples", 4, 2),
        ] {
            assert!(rows.keep(s).is_continue());
        }
        let found = rows.find(|sheet, row| sheet == "Samples" && row != 3);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found.get(&("Samples".to_owned(), 4)).map(String::as_str),
            Some("T1")
        );
        assert!(!found.contains_key(&("Samples".to_owned(), 3)));
    }

    #[test]
    fn without_a_store_the_samples_are_held_and_none_means_none() {
        let mut destination = Destination::new(None);
        assert!(
            destination
                .keep(sample("T1", "Samples", 2, 1))
                .is_continue()
        );
        let held = destination.into_session().err().expect("held, no store");
        assert_eq!(held.into_samples().len(), 1);

        let untouched = Destination::new(None);
        let held = untouched.into_session().err().expect("nothing began");
        assert!(held.into_samples().is_empty());
    }
}
