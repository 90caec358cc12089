//! Streaming: each sample row goes to the sink as soon as nothing later can change it, and
//! only a compact record of it ([`KeptRow`], 56 bytes) stays for the whole-workbook decisions
//! (duplicates, nameplates, the list of transformers).

use std::collections::hash_map::Entry;
use std::ops::ControlFlow;

use chrono::NaiveDate;

use super::kept::{KeptRow, Pending, RowState, gases_hash};
use super::run::Run;
use crate::outcome::ImportedSample;

impl Run<'_, '_> {
    pub(super) fn intern(&mut self, id: &str) -> u32 {
        if let Some(index) = self.ids.get(id) {
            return *index;
        }
        let index = u32::try_from(self.id_names.len()).unwrap_or(u32::MAX);
        self.ids.insert(id.to_owned(), index);
        self.id_names.push(id.to_owned());
        index
    }

    /// Notes the row `index` as holding its transformer's sample of `date`; false when an
    /// earlier-noted row holds it (both are then contested).
    fn register(&mut self, asset: u32, date: NaiveDate, index: u32) -> bool {
        match self.seen.entry((asset, date)) {
            Entry::Vacant(vacant) => {
                vacant.insert(index);
                true
            }
            Entry::Occupied(occupied) => {
                let first = *occupied.get() as usize;
                if let Some(row) = self.kept.get_mut(first) {
                    row.contested = true;
                }
                if let Some(row) = self.kept.get_mut(index as usize) {
                    row.contested = true;
                }
                false
            }
        }
    }

    fn next_index(&self) -> u32 {
        u32::try_from(self.kept.len()).unwrap_or(u32::MAX)
    }

    /// A sample row that passed its checks: handed to the sink now when it is final and
    /// the first of its transformer and day, else kept for the end.
    pub(super) fn take(&mut self, pending: Pending) -> ControlFlow<()> {
        let asset = self.intern(&pending.asset_id);
        let index = self.next_index();
        self.kept.push(KeptRow {
            gases: [0, 0],
            nameplate: pending.nameplate.clone(),
            asset,
            row: pending.row,
            sheet: self.sheet,
            date: Some(pending.sample.date),
            state: RowState::Given,
            contested: false,
        });
        let first = self.register(asset, pending.sample.date, index);
        self.place(index, pending, first, false)
    }

    /// Sets where the row `index` (just registered) goes. `waited`: its date waited for the
    /// end of its sheet, so a row read after it may be of its transformer and day.
    fn place(
        &mut self,
        index: u32,
        pending: Pending,
        first: bool,
        waited: bool,
    ) -> ControlFlow<()> {
        let final_now = pending.blank == 0 || self.stream_blanks;
        if !final_now || (waited && !first) {
            let held = u32::try_from(self.held.len()).unwrap_or(u32::MAX);
            self.held.push(pending);
            if let Some(row) = self.kept.get_mut(index as usize) {
                row.state = RowState::Held(held);
            }
            return ControlFlow::Continue(());
        }
        let state = if first {
            RowState::Given
        } else {
            RowState::Withheld
        };
        let Some(row) = self.kept.get_mut(index as usize) else {
            return ControlFlow::Continue(());
        };
        row.state = state;
        row.gases = gases_hash(&pending.sample.gases);
        if state == RowState::Given {
            return self.sink.keep(ImportedSample {
                asset_id: pending.asset_id,
                sample: pending.sample,
                sheet: pending.sheet,
                row: pending.row,
            });
        }
        ControlFlow::Continue(())
    }

    /// Reserves the place of a row whose date waits for its sheet's day/month order.
    pub(super) fn reserve(&mut self, asset_id: &str, row: u32) -> u32 {
        let asset = self.intern(asset_id);
        let index = self.next_index();
        self.kept.push(KeptRow {
            gases: [0, 0],
            nameplate: None,
            asset,
            row: row + 1,
            sheet: self.sheet,
            date: None,
            state: RowState::Waiting,
            contested: false,
        });
        index
    }

    /// A waiting row once its sheet's order is known: dropped, or placed like any other.
    pub(super) fn settle_waiting(
        &mut self,
        index: u32,
        pending: Option<Pending>,
    ) -> ControlFlow<()> {
        let Some(pending) = pending else {
            if let Some(row) = self.kept.get_mut(index as usize) {
                row.state = RowState::Dropped;
            }
            return ControlFlow::Continue(());
        };
        let asset = self.intern(&pending.asset_id);
        if let Some(row) = self.kept.get_mut(index as usize) {
            row.date = Some(pending.sample.date);
            row.nameplate = pending.nameplate.clone();
        }
        let first = self.register(asset, pending.sample.date, index);
        self.place(index, pending, first, true)
    }

    /// Takes back everything a sheet that turned out unreadable gave: its rows from `from`
    /// on, its held rows from `held_from` on.
    pub(super) fn forget_rows(&mut self, from: usize, held_from: usize) -> ControlFlow<()> {
        let rows: Vec<KeptRow> = self.kept.drain(from..).collect();
        self.held.truncate(held_from);
        for (offset, row) in rows.iter().enumerate() {
            let Some(date) = row.date else { continue };
            let key = (row.asset, date);
            if self
                .seen
                .get(&key)
                .is_some_and(|i| *i as usize == from + offset)
            {
                self.seen.remove(&key);
            }
            if row.state == RowState::Given {
                let id = &self.id_names[row.asset as usize];
                let sheet = &self.sheet_names[row.sheet as usize];
                self.sink.retract(id, date, sheet)?;
            }
        }
        ControlFlow::Continue(())
    }
}
