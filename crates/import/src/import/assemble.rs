//! Assembly: nameplates merged per asset, blank gas cells read, duplicates merged, assets built.

use std::collections::HashMap;
use std::sync::Arc;

use substation_dga::{Asset, GasValue};

use super::kept::{
    BLANKABLE, KeptValue, NameplateEntry, NameplateValue, RowState, blank_bit, gases_hash,
};
use super::run::Run;
use crate::headers::Field;
use crate::issue::{Issue, Severity, column_letter};
use crate::outcome::{BlankColumn, ImportedSample};
use crate::values::BlankGas;

impl Run<'_, '_> {
    /// The row's nameplate, shared with the asset's previous row when the values are the same.
    pub(super) fn share_nameplate(
        &mut self,
        asset_id: &str,
        nameplate: Vec<NameplateEntry>,
    ) -> Option<Arc<Vec<NameplateEntry>>> {
        if nameplate.is_empty() {
            return None;
        }
        let same = |a: &[NameplateEntry], b: &[NameplateEntry]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.field == y.field && x.value == y.value)
        };
        if let Some(last) = self.last_nameplate.get(asset_id)
            && same(last, &nameplate)
        {
            return Some(last.clone());
        }
        let shared = Arc::new(nameplate);
        self.last_nameplate
            .insert(asset_id.to_owned(), shared.clone());
        Some(shared)
    }

    /// Merges a row's nameplate values into the asset's, field by field: a field already
    /// kept stays (so the transformers sheet, read first, outranks sample rows), a missing one
    /// is filled, and a different value is reported once per asset and field, at the cell
    /// whose value was not kept.
    pub(super) fn keep_nameplate(
        &mut self,
        asset_id: &str,
        nameplate: Vec<NameplateEntry>,
        sheet: &str,
        row: u32,
    ) {
        let kept = match self.nameplates.entry(asset_id.to_owned()) {
            std::collections::hash_map::Entry::Vacant(vacant) => {
                self.asset_order.push(asset_id.to_owned());
                vacant.insert(Vec::new())
            }
            std::collections::hash_map::Entry::Occupied(occupied) => occupied.into_mut(),
        };
        for entry in nameplate {
            let Some(first) = kept.iter_mut().find(|k| k.entry.field == entry.field) else {
                kept.push(KeptValue {
                    entry,
                    sheet: sheet.to_owned(),
                    row,
                    warned: false,
                });
                continue;
            };
            if first.entry.value == entry.value || first.warned {
                continue;
            }
            first.warned = true;
            let field = entry.field;
            self.issues.push(Issue {
                severity: Severity::Warning,
                code: "nameplate_differs".into(),
                sheet: sheet.to_owned(),
                row: Some(row),
                column: Some(column_letter(entry.column)),
                header: Some(entry.header.clone()),
                raw: Some(entry.raw.clone()),
                message_en: format!(
                    "{} of {asset_id} is “{}” here but “{}” on {} row {}; that one is kept",
                    field.label_en(),
                    entry.raw,
                    first.entry.raw,
                    first.sheet,
                    first.row
                ),
                message_ko: format!(
                    "{asset_id}의 {}이(가) 여기서는 “{}”, {} {}행에서는 “{}”입니다. 그 값을 \
                     사용합니다",
                    field.label_ko(),
                    entry.raw,
                    first.sheet,
                    first.row,
                    first.entry.raw
                ),
            });
        }
    }

    /// Reads the blank fault-gas cells as `applied` says, in columns that hold values elsewhere
    /// (before duplicates are compared), and lists those columns.
    pub(super) fn read_blanks(&mut self, applied: BlankGas) -> Vec<BlankColumn> {
        let mut columns: Vec<BlankColumn> = std::mem::take(&mut self.blank_stats)
            .into_values()
            .filter(|c| c.blank > 0 && c.values > 0)
            .collect();
        // Listed by sheet name, then gas.
        columns.sort_by(|a, b| (&a.sheet, a.gas).cmp(&(&b.sheet, b.gas)));
        if applied == BlankGas::NotDetected {
            for pending in self.held.iter_mut().filter(|p| p.blank != 0) {
                for gas in BLANKABLE {
                    let blank = blank_bit(gas).is_some_and(|bit| pending.blank & bit != 0);
                    if blank
                        && columns
                            .iter()
                            .any(|c| c.gas == gas && c.sheet == pending.sheet)
                    {
                        pending
                            .sample
                            .gases
                            .set(gas, GasValue::BelowDetection { limit: None });
                    }
                }
            }
        }
        columns
    }

    /// Merges exact duplicates, leaves out conflicting ones, hands the rows kept until now
    /// to the sink, and builds the assets. `None` when the sink stopped.
    pub(super) fn assemble(&mut self, two_sheet_layout: bool) -> Option<(Vec<Asset>, KeptSummary)> {
        for index in 0..self.kept.len() {
            if let RowState::Held(held) = self.kept[index].state
                && let Some(pending) = self.held.get(held as usize)
            {
                self.kept[index].gases = gases_hash(&pending.sample.gases);
            }
        }
        self.settle_contested()?;
        // The rows kept whole, now that what they displace has been taken back.
        for index in 0..self.kept.len() {
            let RowState::Held(held) = self.kept[index].state else {
                continue;
            };
            let Some(pending) = self.held.get_mut(held as usize) else {
                continue;
            };
            let sample = ImportedSample {
                asset_id: std::mem::take(&mut pending.asset_id),
                sample: pending.sample,
                sheet: std::mem::take(&mut pending.sheet),
                row: pending.row,
            };
            self.sink.keep(sample).is_continue().then_some(())?;
        }
        self.held = Vec::new();
        self.seen = Default::default();

        // Nameplate values on the sample rows that were kept, in the order they were read,
        // after those of the transformers sheets; a shared nameplate is merged once per run of
        // rows that share it.
        let kept = std::mem::take(&mut self.kept);
        let mut merged: HashMap<u32, Arc<Vec<NameplateEntry>>> = HashMap::new();
        for row in &kept {
            if matches!(row.state, RowState::Conflict | RowState::Dropped) {
                continue;
            }
            let Some(nameplate) = row.nameplate.as_ref() else {
                continue;
            };
            if merged
                .get(&row.asset)
                .is_some_and(|m| Arc::ptr_eq(m, nameplate))
            {
                continue;
            }
            merged.insert(row.asset, nameplate.clone());
            let id = self.id_names[row.asset as usize].clone();
            let sheet = self.sheet_names[row.sheet as usize].clone();
            self.keep_nameplate(&id, nameplate.as_ref().clone(), &sheet, row.row);
        }

        // Assets: nameplates in the order first kept, then ids known only from samples, in
        // the order of the samples (by sheet name, then row).
        let mut assets: Vec<Asset> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for id in &self.asset_order {
            if let Some(nameplate) = self.nameplates.get(id) {
                assets.push(nameplate_asset(id, nameplate));
                seen.insert(id);
            }
        }
        // A sheet's rows are together, in the order read.
        let mut sheets: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
        for (index, row) in kept.iter().enumerate() {
            match sheets.last_mut() {
                Some((sheet, range)) if *sheet == row.sheet => range.end = index + 1,
                _ => sheets.push((row.sheet, index..index + 1)),
            }
        }
        sheets.sort_by(|a, b| self.sheet_names[a.0 as usize].cmp(&self.sheet_names[b.0 as usize]));
        let mut summary = KeptSummary::default();
        let mut extra_issues = Vec::new();
        let mut unknown: std::collections::HashSet<u32> = std::collections::HashSet::new();
        for (sheet, range) in sheets {
            for row in &kept[range] {
                if !matches!(row.state, RowState::Given | RowState::Held(_)) {
                    continue;
                }
                summary.count += 1;
                summary.first = summary.first.min(row.date).or(row.date);
                summary.last = summary.last.max(row.date);
                let id = self.id_names[row.asset as usize].as_str();
                if seen.insert(id) {
                    assets.push(Asset::new(id));
                }
                if two_sheet_layout && !self.registered.contains(id) && unknown.insert(row.asset) {
                    extra_issues.push(Issue {
                        severity: Severity::Warning,
                        code: "unknown_asset".into(),
                        sheet: self.sheet_names[sheet as usize].clone(),
                        row: Some(row.row),
                        column: None,
                        header: None,
                        raw: Some(id.to_owned()),
                        message_en: format!(
                            "{id} is not on the transformers sheet; imported with only what its \
                             sample rows say"
                        ),
                        message_ko: format!(
                            "{id}이(가) 변압기 시트에 없습니다. 시료 행에 있는 정보만으로 가져옵니다"
                        ),
                    });
                }
            }
        }
        self.issues.extend(extra_issues);
        Some((assets, summary))
    }

    /// Rows that share a transformer and day: the first kept and the rest merged when all
    /// are the same sample, else all left out. Whatever the sink was given and is not kept is
    /// taken back.
    fn settle_contested(&mut self) -> Option<()> {
        let mut contested: Vec<u32> = (0..self.kept.len())
            .filter(|&i| self.kept[i].contested && self.kept[i].date.is_some())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        // Stable: within a transformer and day, the order read.
        contested.sort_by(|&a, &b| {
            let (a, b) = (&self.kept[a as usize], &self.kept[b as usize]);
            (self.id_names[a.asset as usize].as_str(), a.date)
                .cmp(&(self.id_names[b.asset as usize].as_str(), b.date))
        });
        let mut i = 0;
        while i < contested.len() {
            let first = &self.kept[contested[i] as usize];
            let (asset, date, gases) = (first.asset, first.date, first.gases);
            let mut j = i + 1;
            while j < contested.len()
                && self.kept[contested[j] as usize].asset == asset
                && self.kept[contested[j] as usize].date == date
            {
                j += 1;
            }
            let group: Vec<usize> = contested[i..j].iter().map(|&k| k as usize).collect();
            i = j;
            let id = self.id_names[asset as usize].clone();
            let Some(date) = date else { continue };
            let first_sheet = self.sheet_names[self.kept[group[0]].sheet as usize].clone();
            let first_row = self.kept[group[0]].row;
            if group.iter().all(|&k| self.kept[k].gases == gases) {
                for &k in &group[1..] {
                    let duplicate = &self.kept[k];
                    self.duplicates_merged += 1;
                    self.issues.push(Issue {
                        severity: Severity::Warning,
                        code: "duplicate_sample".into(),
                        sheet: self.sheet_names[duplicate.sheet as usize].clone(),
                        row: Some(duplicate.row),
                        column: None,
                        header: None,
                        raw: None,
                        message_en: format!(
                            "the same sample of {id} on {date} is also on {first_sheet} row {first_row}; merged"
                        ),
                        message_ko: format!(
                            "{id} {date} 시료가 {first_sheet} {first_row}행에도 있습니다. 하나로 합쳤습니다"
                        ),
                    });
                    self.settle_as(k, &id, date, RowState::Duplicate)?;
                }
            } else {
                let rows: Vec<String> = group
                    .iter()
                    .map(|&k| {
                        let row = &self.kept[k];
                        format!("{} row {}", self.sheet_names[row.sheet as usize], row.row)
                    })
                    .collect();
                for &k in &group {
                    let conflicting = &self.kept[k];
                    self.rows_left_out += 1;
                    self.issues.push(Issue {
                        severity: Severity::Error,
                        code: "conflicting_samples".into(),
                        sheet: self.sheet_names[conflicting.sheet as usize].clone(),
                        row: Some(conflicting.row),
                        column: None,
                        header: None,
                        raw: None,
                        message_en: format!(
                            "{id} has different results for {date} ({}); none is imported until one is corrected",
                            rows.join(", ")
                        ),
                        message_ko: format!(
                            "{id}의 {date} 결과가 서로 다릅니다({}). 바로잡을 때까지 가져오지 않습니다",
                            rows.join(", ")
                        ),
                    });
                    self.settle_as(k, &id, date, RowState::Conflict)?;
                }
            }
        }
        Some(())
    }

    /// Gives the row `k` its final state, taking its sample back from the sink if it was
    /// handed over; `None` when the sink stops the import.
    fn settle_as(
        &mut self,
        k: usize,
        id: &str,
        date: chrono::NaiveDate,
        state: RowState,
    ) -> Option<()> {
        if self.kept[k].state == RowState::Given {
            let sheet = &self.sheet_names[self.kept[k].sheet as usize];
            self.sink
                .retract(id, date, sheet)
                .is_continue()
                .then_some(())?;
        }
        self.kept[k].state = state;
        Some(())
    }
}

/// The samples kept, counted.
#[derive(Default)]
pub(super) struct KeptSummary {
    pub(super) count: usize,
    pub(super) first: Option<chrono::NaiveDate>,
    pub(super) last: Option<chrono::NaiveDate>,
}

/// The asset a merged nameplate describes.
fn nameplate_asset(id: &str, kept: &[KeptValue]) -> Asset {
    let mut asset = Asset::new(id);
    for value in kept {
        match (&value.entry.value, value.entry.field) {
            (NameplateValue::Text(t), Field::AssetName) => asset.name = Some(t.clone()),
            (NameplateValue::Text(t), Field::Substation) => asset.substation = Some(t.clone()),
            (NameplateValue::Text(t), Field::Manufacturer) => {
                asset.manufacturer = Some(t.clone());
            }
            (NameplateValue::Year(y), Field::YearOfManufacture) => {
                asset.year_of_manufacture = Some(*y);
            }
            (NameplateValue::Number(n), Field::RatedKv) => asset.rated_kv = Some(*n),
            (NameplateValue::Number(n), Field::RatedMva) => asset.rated_mva = Some(*n),
            (NameplateValue::Number(n), Field::OilVolumeLitres) => {
                asset.oil_volume_litres = Some(*n);
            }
            (NameplateValue::Preservation(p), Field::OilPreservation) => {
                asset.oil_preservation = Some(*p);
            }
            (NameplateValue::Bool(b), Field::CommunicatingOltc) => {
                asset.communicating_oltc = Some(*b);
            }
            _ => {}
        }
    }
    asset
}
