//! What reading keeps for assembly: nameplate values, pending samples, blank gas bits.

use std::sync::Arc;

use substation_dga::{Gas, OilPreservation, Sample};

use crate::headers::Field;

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
