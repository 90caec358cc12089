//! Assembly: nameplates merged per asset, blank gas cells read, duplicates merged, assets built.

use std::collections::HashMap;
use std::sync::Arc;

use substation_dga::{Asset, GasValue};

use super::kept::{BLANKABLE, KeptValue, NameplateEntry, NameplateValue, blank_bit};
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
        let columns: Vec<BlankColumn> = std::mem::take(&mut self.blank_stats)
            .into_values()
            .filter(|c| c.blank > 0 && c.values > 0)
            .collect();
        if applied == BlankGas::NotDetected {
            for pending in self.pending.iter_mut().filter(|p| p.blank != 0) {
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

    /// Merges exact duplicates, leaves out conflicting ones, and builds the assets.
    pub(super) fn assemble(&mut self, two_sheet_layout: bool) -> (Vec<Asset>, Vec<ImportedSample>) {
        let pending = std::mem::take(&mut self.pending);
        // Stable: the first occurrence of a key stays first.
        let mut order: Vec<usize> = (0..pending.len()).collect();
        order.sort_by(|&a, &b| {
            (pending[a].asset_id.as_str(), pending[a].sample.date)
                .cmp(&(pending[b].asset_id.as_str(), pending[b].sample.date))
        });
        let mut left_out = vec![false; pending.len()];
        let mut samples: Vec<ImportedSample> = Vec::with_capacity(pending.len());
        let mut i = 0;
        while i < order.len() {
            let first = &pending[order[i]];
            let mut j = i + 1;
            while j < order.len()
                && pending[order[j]].asset_id == first.asset_id
                && pending[order[j]].sample.date == first.sample.date
            {
                j += 1;
            }
            let group = &order[i..j];
            if group.iter().all(|&k| pending[k].sample == first.sample) {
                for &k in &group[1..] {
                    let duplicate = &pending[k];
                    self.duplicates_merged += 1;
                    self.issues.push(Issue {
                        severity: Severity::Warning,
                        code: "duplicate_sample".into(),
                        sheet: duplicate.sheet.clone(),
                        row: Some(duplicate.row),
                        column: None,
                        header: None,
                        raw: None,
                        message_en: format!(
                            "the same sample of {} on {} is also on {} row {}; merged",
                            first.asset_id, first.sample.date, first.sheet, first.row
                        ),
                        message_ko: format!(
                            "{} {} 시료가 {} {}행에도 있습니다. 하나로 합쳤습니다",
                            first.asset_id, first.sample.date, first.sheet, first.row
                        ),
                    });
                }
                samples.push(ImportedSample {
                    asset_id: first.asset_id.clone(),
                    sample: first.sample,
                    sheet: first.sheet.clone(),
                    row: first.row,
                });
            } else {
                let rows: Vec<String> = group
                    .iter()
                    .map(|&k| format!("{} row {}", pending[k].sheet, pending[k].row))
                    .collect();
                for &k in group {
                    let conflicting = &pending[k];
                    left_out[k] = true;
                    self.rows_left_out += 1;
                    self.issues.push(Issue {
                        severity: Severity::Error,
                        code: "conflicting_samples".into(),
                        sheet: conflicting.sheet.clone(),
                        row: Some(conflicting.row),
                        column: None,
                        header: None,
                        raw: None,
                        message_en: format!(
                            "{} has different results for {} ({}); none is imported until one is corrected",
                            first.asset_id,
                            first.sample.date,
                            rows.join(", ")
                        ),
                        message_ko: format!(
                            "{}의 {} 결과가 서로 다릅니다({}). 바로잡을 때까지 가져오지 않습니다",
                            first.asset_id,
                            first.sample.date,
                            rows.join(", ")
                        ),
                    });
                }
            }
            i = j;
        }
        samples.sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));

        // Nameplate values on the sample rows that were kept, in the order they were read,
        // after those of the transformers sheets; a shared nameplate is merged once per run of
        // rows that share it.
        let mut merged: HashMap<&str, Arc<Vec<NameplateEntry>>> = HashMap::new();
        for (k, row) in pending.iter().enumerate() {
            let Some(nameplate) = row.nameplate.as_ref().filter(|_| !left_out[k]) else {
                continue;
            };
            if merged
                .get(row.asset_id.as_str())
                .is_some_and(|m| Arc::ptr_eq(m, nameplate))
            {
                continue;
            }
            merged.insert(&row.asset_id, nameplate.clone());
            self.keep_nameplate(
                &row.asset_id,
                nameplate.as_ref().clone(),
                &row.sheet,
                row.row,
            );
        }

        // Assets: nameplates in the order first kept, then ids known only from samples.
        let mut assets: Vec<Asset> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for id in &self.asset_order {
            if let Some(kept) = self.nameplates.get(id) {
                assets.push(nameplate_asset(id, kept));
                seen.insert(id);
            }
        }
        let mut extra_issues = Vec::new();
        let mut unknown: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for sample in &samples {
            let id = sample.asset_id.as_str();
            if seen.insert(id) {
                assets.push(Asset::new(id));
            }
            if two_sheet_layout && !self.registered.contains(id) && unknown.insert(id) {
                extra_issues.push(Issue {
                    severity: Severity::Warning,
                    code: "unknown_asset".into(),
                    sheet: sample.sheet.clone(),
                    row: Some(sample.row),
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
        self.issues.extend(extra_issues);
        (assets, samples)
    }
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
