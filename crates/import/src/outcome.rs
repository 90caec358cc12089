//! What an import produces: the [`Import`] with its sheets, assets, samples, issues and summary.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use substation_dga::{Asset, Gas, Sample};

use crate::headers::Field;
use crate::issue::Issue;
use crate::source::{Format, TextEncoding};
use crate::values::{BlankGas, Unit};

/// What a sheet was used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetRole {
    /// Transformers and their nameplates.
    Assets,
    /// Gas samples (possibly with the nameplate repeated on each row).
    Samples,
    /// Not recognised; not read.
    Ignored,
}

/// One mapped column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappedColumn {
    pub column: String,
    pub header: String,
    pub field: Field,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

/// How a sheet was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetMapping {
    pub sheet: String,
    pub role: SheetRole,
    /// 1-based header row, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u32>,
    pub columns: Vec<MappedColumn>,
    /// Headers that matched no field.
    pub unrecognised: Vec<String>,
    /// Normalised header signature, to remember a mapping for workbooks of this shape.
    pub signature: String,
}

/// A sample and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedSample {
    pub asset_id: String,
    pub sample: Sample,
    pub sheet: String,
    /// 1-based row.
    pub row: u32,
}

/// Counts for the summary line.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub assets: usize,
    pub samples: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_sample: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sample: Option<NaiveDate>,
    pub rows_read: u64,
    pub rows_left_out: u64,
    pub duplicates_merged: u64,
    pub errors: usize,
    pub warnings: usize,
    /// Issues by code.
    pub issues_by_code: BTreeMap<String, usize>,
    /// What blank fault-gas cells were read as (the import batch keeps it with its samples).
    #[serde(default)]
    pub blank_gas: BlankGas,
}

/// Who chose the reading of blank gas cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankGasChoice {
    /// Nobody: blank means not measured.
    #[default]
    Default,
    /// An earlier import of a workbook with the same header row.
    Remembered,
    /// This import's options.
    Option,
}

/// A fault-gas column with blank cells beside values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlankColumn {
    pub sheet: String,
    /// Column letter.
    pub column: String,
    pub header: String,
    pub gas: Gas,
    /// Rows whose cell is blank.
    pub blank: u64,
    /// Rows whose cell holds a value (measured or below detection).
    pub values: u64,
}

/// The blank gas cells of a workbook and how they were read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BlankGasReport {
    pub applied: BlankGas,
    pub chosen_by: BlankGasChoice,
    /// Columns with blank cells beside values. A column with no value at all is a gas the
    /// laboratory did not analyse: not measured whatever the choice, and not listed.
    pub columns: Vec<BlankColumn>,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex: the same file imported twice is recognisable.
    pub content_sha256: String,
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<TextEncoding>,
    pub sheets: Vec<SheetMapping>,
    pub assets: Vec<Asset>,
    pub samples: Vec<ImportedSample>,
    pub issues: Vec<Issue>,
    pub summary: Summary,
    #[serde(default)]
    pub blank_gas: BlankGasReport,
}

impl Import {
    /// True when at least one sample was imported (listed in `samples`, or handed to a sink
    /// and counted in the summary).
    pub fn is_usable(&self) -> bool {
        !self.samples.is_empty() || self.summary.samples > 0
    }
}
