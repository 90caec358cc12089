//! Where an import's samples go as they are read: [`SampleSink`], and [`Collect`], the sink
//! that keeps them in memory for `import_file`.

use std::collections::HashMap;
use std::ops::ControlFlow;

use chrono::NaiveDate;

use crate::outcome::ImportedSample;

/// Receives the samples an import keeps while it reads, so that a caller can store a million
/// rows without holding them.
///
/// A sample is handed over as soon as nothing later in the workbook can change it: its date
/// is written unambiguously and its blank gas cells read the same whatever is chosen later.
/// The rest (day/month dates settled per column, blank cells read as the workbook's owner
/// chose) follow once the workbook has been read. At most one sample per transformer and day
/// is held by the sink at any time; one that turns out not to be kept after all (a later row
/// of the same transformer and day disagrees with it, an earlier row of that day is the one
/// kept, or its sheet turned out unreadable) is taken back with [`SampleSink::retract`]
/// before anything else of that transformer and day is handed over.
pub trait SampleSink {
    /// A sample kept so far. `Break` stops the import (`ImportError::Cancelled`);
    /// the sink keeps its own reason.
    fn keep(&mut self, sample: ImportedSample) -> ControlFlow<()>;

    /// The sample of `asset_id` on `date`, handed over earlier from `sheet`, is not kept.
    fn retract(&mut self, asset_id: &str, date: NaiveDate, sheet: &str) -> ControlFlow<()>;
}

/// Keeps every sample in memory, in the order `Import::samples` lists them.
#[derive(Default)]
pub struct Collect {
    samples: Vec<Option<ImportedSample>>,
    /// Built on the first retraction (rare: conflicting rows, unreadable sheets).
    index: Option<HashMap<(String, NaiveDate), usize>>,
}

impl Collect {
    /// The samples kept, by sheet and row.
    pub fn into_samples(self) -> Vec<ImportedSample> {
        let mut samples: Vec<ImportedSample> = self.samples.into_iter().flatten().collect();
        samples.sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));
        samples
    }
}

impl SampleSink for Collect {
    fn keep(&mut self, sample: ImportedSample) -> ControlFlow<()> {
        if let Some(index) = &mut self.index {
            index.insert(
                (sample.asset_id.clone(), sample.sample.date),
                self.samples.len(),
            );
        }
        self.samples.push(Some(sample));
        ControlFlow::Continue(())
    }

    fn retract(&mut self, asset_id: &str, date: NaiveDate, _sheet: &str) -> ControlFlow<()> {
        let samples = &self.samples;
        let index = self.index.get_or_insert_with(|| {
            samples
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.as_ref().map(|s| ((s.asset_id.clone(), s.sample.date), i)))
                .collect()
        });
        if let Some(i) = index.remove(&(asset_id.to_owned(), date)) {
            self.samples[i] = None;
        }
        ControlFlow::Continue(())
    }
}

/// Keeps nothing: a dry run that needs only the summary and the issues.
#[derive(Default)]
pub struct Discard;

impl SampleSink for Discard {
    fn keep(&mut self, _sample: ImportedSample) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    fn retract(&mut self, _asset_id: &str, _date: NaiveDate, _sheet: &str) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}
