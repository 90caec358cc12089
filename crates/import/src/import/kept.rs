//! What reading keeps for assembly: nameplate values, pending samples, blank gas bits.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use chrono::NaiveDate;
use siphasher::sip128::{Hasher128, SipHasher13};
use substation_dga::{Gas, GasReadings, GasValue, OilPreservation, Sample};

use crate::headers::Field;
use crate::values::Cell;

/// A nameplate value as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum NameplateValue {
    Text(String),
    Number(f64),
    Year(i32),
    Bool(bool),
    Preservation(OilPreservation),
}

/// One nameplate value read from a row, with its cell.
#[derive(Debug, Clone)]
pub(super) struct NameplateEntry {
    pub(super) field: Field,
    pub(super) value: NameplateValue,
    /// The cell as the user sees it.
    pub(super) raw: String,
    pub(super) column: u32,
    pub(super) header: String,
}

/// A nameplate value kept for an asset, and where it was read.
pub(super) struct KeptValue {
    pub(super) entry: NameplateEntry,
    pub(super) sheet: String,
    /// 1-based.
    pub(super) row: u32,
    /// A differing value was already reported for this asset and field.
    pub(super) warned: bool,
}

/// A samples-sheet row's nameplate cells and what was read from them, for the next row: an
/// export that repeats each transformer's nameplate on every sample row (a million rows of
/// the same ten cells) has them read once per transformer rather than once per row. Kept only
/// when reading them raised no issue, so no row loses one.
pub(super) struct RepeatedNameplate {
    pub(super) sheet: u32,
    /// The asset id cell, as read.
    pub(super) asset: Cell,
    /// The nameplate columns' cells, in the plan's column order.
    pub(super) cells: Vec<Cell>,
    pub(super) nameplate: Option<Arc<Vec<NameplateEntry>>>,
}

/// Where a sample row came from, until duplicates are settled.
pub(super) struct Pending {
    pub(super) asset_id: String,
    pub(super) sample: Sample,
    /// Fault gases whose cell was blank, read once the whole workbook is known.
    pub(super) blank: u8,
    pub(super) sheet: String,
    /// 1-based.
    pub(super) row: u32,
    /// The nameplate values on the row, kept only if the sample is. Rows repeating their
    /// asset's previous nameplate share it (a million-row export repeats it on every row).
    pub(super) nameplate: Option<Arc<Vec<NameplateEntry>>>,
}

/// The gases whose blank cells the workbook's owner may read as "not detected": H2 and the
/// hydrocarbons. CO and CO2 are in every oil in service, so a blank there means "not
/// analysed" (a CO read as zero would make CO2/CO infinite); O2 and N2 neither (a blank O2 read
/// as zero would select the low-oxygen limits).
pub(super) const BLANKABLE: [Gas; 5] = [Gas::H2, Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2];

/// The bit of a gas in a row's blank and value masks.
pub(super) fn blank_bit(gas: Gas) -> Option<u8> {
    BLANKABLE.iter().position(|g| *g == gas).map(|i| 1u8 << i)
}

/// Hash maps keyed by the importer's own small keys (interned ids, dates): not exposed to
/// hash flooding in a way that matters (a crafted workbook is bounded by the file-size
/// limit), and several times faster than the default hasher on a million rows.
pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<rustc_hash::FxHasher>>;

/// Where a sample row that passed its own checks is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowState {
    /// Handed to the sink.
    Given,
    /// An earlier row of its transformer and day was given first: settled at the end, as a
    /// duplicate of it or a conflict with it (never the row kept: an earlier one is).
    Withheld,
    /// Kept whole in `Run::held` (index) until the end: its blank cells are read as chosen
    /// at the end, or it shares its transformer and day with a row read after it.
    Held(u32),
    /// Its day/month order waits for the end of its sheet; the sheet reader holds it.
    Waiting,
    /// Left out by its own checks once its date was settled.
    Dropped,
    /// The same as an earlier row of its transformer and day: merged into it.
    Duplicate,
    /// Disagrees with another row of its transformer and day: left out.
    Conflict,
}

/// What stays of a sample row until the end.
pub(super) struct KeptRow {
    /// The row's gases (a 128-bit SipHash): rows of one transformer and day are the same
    /// sample exactly when these are equal.
    pub(super) gases: [u64; 2],
    /// The nameplate on the row, merged into the asset's at the end if the row is kept.
    pub(super) nameplate: Option<Arc<Vec<NameplateEntry>>>,
    pub(super) asset: u32,
    /// 1-based.
    pub(super) row: u32,
    /// Index into `Run::sheet_names`.
    pub(super) sheet: u32,
    pub(super) date: Option<NaiveDate>,
    pub(super) state: RowState,
    /// Another row shares its transformer and day.
    pub(super) contested: bool,
}

/// The hash compared between rows of one transformer and day.
pub(super) fn gases_hash(gases: &GasReadings) -> [u64; 2] {
    let mut hasher = SipHasher13::new();
    // `+ 0.0` folds -0.0 into 0.0, which compare equal; values are finite (the parser
    // refuses NaN and infinity).
    let mut value = |v: f64| hasher.write_u64((v + 0.0).to_bits());
    let mut tags = [0u8; 9];
    let mut values = [None; 9];
    for (i, gas) in Gas::ALL.into_iter().enumerate() {
        match gases.get(gas) {
            GasValue::NotMeasured => {}
            GasValue::Measured(v) => {
                tags[i] = 1;
                values[i] = Some(v);
            }
            GasValue::BelowDetection { limit: None } => tags[i] = 2,
            GasValue::BelowDetection { limit: Some(v) } => {
                tags[i] = 3;
                values[i] = Some(v);
            }
        }
    }
    for v in values.into_iter().flatten() {
        value(v);
    }
    hasher.write(&tags);
    let h = hasher.finish128();
    [h.h1, h.h2]
}
