//! Header recognition: which column of a laboratory workbook holds what.
//!
//! Laboratories and utilities write the same column in many ways: "H2", "H₂ (ppm)",
//! "Hydrogen (H2) [µL/L]", "수소(H2)", "Equip. No", "설비번호", … This module turns one header
//! into a [`HeaderMatch`] (a [`Field`] plus the concentration unit the header states), or
//! `None` when it is not sure.
//!
//! # How a header is matched
//!
//! Everything is exact look-ups in the alias tables ([`ALIASES`] and a few small word lists);
//! there is no fuzzy or substring matching, so "CO2" never becomes CO and "C2H4" never
//! becomes C2H2. Step by step:
//!
//! 1. The text is folded ([`normalize`] describes the folding) and cut into words and
//!    brackets. Hangul and Latin letters next to each other are separate words
//!    ("수소ppm" → "수소", "ppm").
//! 2. A header containing a *veto word* (total, TDCG, ratio, limit, moisture, H2O, 수분, 비고,
//!    …; see `VETO_WORDS`) is rejected outright, so "TDCG", "H2 (LOD)" or "C2H2/C2H4 ratio"
//!    never match a gas.
//! 3. Concentration units are taken out wherever they stand: "ppm", "µL/L" (any µ, any case),
//!    "%", "vol%", "vol. %", "percent" and the decoration "v/v". A header stating both ppm and %,
//!    or a rate ("ppm/day"), is rejected.
//! 4. A bracket holding a foreign unit ("(kVA)", "(kg)", "(V)", "(mg/kg)", "(ppb)", …) rejects
//!    the header: the value would be in a scale the importer does not convert. A bracket
//!    holding a nameplate unit ("(kV)", "(MVA)", "(L)", "(liters)") is removed and remembered
//!    as a hint for the field.
//! 5. All remaining words together are looked up: first joined as one string, then with
//!    filler words removed ("dissolved", "gas", "content", "in oil", "농도", …), then split
//!    into consecutive groups that *each* are an alias of *one and the same* field
//!    ("Hydrogen H2", "Voltage kV", "Hydrogen (H2)"). Korean filler prefixes and suffixes
//!    ("용존…", "…농도", "…함량", "…가스") are stripped as a last resort for each group.
//! 6. Otherwise the text outside brackets and each bracketed part are resolved separately
//!    (as in 5). The outside decides; a bracketed part that resolves to a *different* field
//!    rejects the header ("CO (CO2)"), one that resolves to nothing is a comment and is
//!    ignored ("Date (yyyy-mm-dd)"). When the outside is empty or only filler
//!    ("Dissolved gas (H2)"), the bracketed parts decide. When the outside does not resolve
//!    at all ("Detection limit (H2)"), the header is rejected. A nameplate-unit hint decides
//!    when the outside is empty or only a qualifier ("Oil (L)", "Rated (kV)", "HV (kV)"), and
//!    rejects the header when it disagrees with the outside ("Capacity (kV)").
//!
//! Units are reported for gas columns only; on other columns they are dropped.
//!
//! # Alias decisions
//!
//! * "Serial", "Serial No.", "S/N", "제조번호" are **not** recognised: on a nameplate they are
//!   the manufacturer's serial number, and a sheet with both "Equipment No." and "Serial No."
//!   would otherwise have two asset-id columns. A utility that keys its transformers by serial
//!   number maps the column explicitly ([`Mapping`]).
//! * "ID", "No." and "Equipment" alone are not recognised (asset or sample? row number?).
//! * "Transformer", "변압기", "Name" and "명칭" are the asset *name*; "Transformer ID",
//!   "Transformer No.", "TR No." and "변압기번호" are the asset *id*.
//! * "Rating" alone is rated power (MVA); "Rating (kV)" is rated voltage.
//! * "Date", "일자", "날짜" alone are the sample date, and so are analysis-date headers
//!   ("분석일자", "Analysis date"); [`sample_date_preference`] ranks them so a caller can prefer
//!   a sampling-date column.
//! * "Location" is not recognised as the substation (too often a position inside the site).

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use substation_dga::Gas;

use crate::values::Unit;

mod aliases;
mod fold;
mod matching;

pub use aliases::ALIASES;
pub use fold::normalize;
pub use matching::match_header;
use matching::stated_unit;

/// What a column holds.
///
/// In JSON a field is one lowercase string: the snake_case variant name for the nameplate and
/// sample fields (`"asset_id"`, `"sample_date"`, `"oil_volume_litres"`, …) and the lowercase
/// formula for a gas (`"h2"`, `"ch4"`, `"c2h6"`, `"c2h4"`, `"c2h2"`, `"co"`, `"co2"`, `"o2"`,
/// `"n2"`). Reading is forgiving for hand-written mapping files: any letter case, and a
/// `gas_` prefix for gases (`"H2"`, `"gas_co2"`), are accepted. See [`Field::key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The utility's identifier for the transformer.
    AssetId,
    /// The transformer's name or designation.
    AssetName,
    /// The substation (site) the transformer stands in.
    Substation,
    /// The transformer's manufacturer.
    Manufacturer,
    /// Year the transformer was built.
    YearOfManufacture,
    /// Rated (highest) voltage, kV.
    RatedKv,
    /// Rated power, MVA.
    RatedMva,
    /// Oil volume, litres.
    OilVolumeLitres,
    /// How the oil is kept from the air.
    OilPreservation,
    /// Whether the on-load tap changer shares oil with the main tank.
    CommunicatingOltc,
    /// Date the oil sample was taken.
    SampleDate,
    /// The laboratory's identifier for the sample.
    LabSampleId,
    /// A dissolved-gas concentration.
    Gas(Gas),
}

impl Field {
    /// Every field: the twelve nameplate and sample fields, then the gases in [`Gas::ALL`]
    /// order.
    pub const ALL: [Field; 21] = [
        Field::AssetId,
        Field::AssetName,
        Field::Substation,
        Field::Manufacturer,
        Field::YearOfManufacture,
        Field::RatedKv,
        Field::RatedMva,
        Field::OilVolumeLitres,
        Field::OilPreservation,
        Field::CommunicatingOltc,
        Field::SampleDate,
        Field::LabSampleId,
        Field::Gas(Gas::H2),
        Field::Gas(Gas::CH4),
        Field::Gas(Gas::C2H6),
        Field::Gas(Gas::C2H4),
        Field::Gas(Gas::C2H2),
        Field::Gas(Gas::CO),
        Field::Gas(Gas::CO2),
        Field::Gas(Gas::O2),
        Field::Gas(Gas::N2),
    ];

    /// The JSON name: `"asset_id"`, …, `"sample_date"`, `"lab_sample_id"`, and the lowercase
    /// formula for gases (`"h2"`, `"c2h4"`, `"co2"`).
    pub fn key(self) -> &'static str {
        match self {
            Field::AssetId => "asset_id",
            Field::AssetName => "asset_name",
            Field::Substation => "substation",
            Field::Manufacturer => "manufacturer",
            Field::YearOfManufacture => "year_of_manufacture",
            Field::RatedKv => "rated_kv",
            Field::RatedMva => "rated_mva",
            Field::OilVolumeLitres => "oil_volume_litres",
            Field::OilPreservation => "oil_preservation",
            Field::CommunicatingOltc => "communicating_oltc",
            Field::SampleDate => "sample_date",
            Field::LabSampleId => "lab_sample_id",
            Field::Gas(gas) => match gas {
                Gas::H2 => "h2",
                Gas::CH4 => "ch4",
                Gas::C2H6 => "c2h6",
                Gas::C2H4 => "c2h4",
                Gas::C2H2 => "c2h2",
                Gas::CO => "co",
                Gas::CO2 => "co2",
                Gas::O2 => "o2",
                Gas::N2 => "n2",
            },
        }
    }

    /// The field for a JSON name ([`Field::key`]), ignoring letter case and surrounding
    /// spaces; gases may carry a `gas_` prefix.
    pub fn from_key(key: &str) -> Option<Field> {
        let key = key.trim().to_ascii_lowercase();
        let bare = key.strip_prefix("gas_").unwrap_or(key.as_str());
        Field::ALL.into_iter().find(|field| {
            field.key() == key || (matches!(field, Field::Gas(_)) && field.key() == bare)
        })
    }

    /// English name for messages.
    pub fn label_en(self) -> &'static str {
        match self {
            Field::AssetId => "Asset ID",
            Field::AssetName => "Asset name",
            Field::Substation => "Substation",
            Field::Manufacturer => "Manufacturer",
            Field::YearOfManufacture => "Year of manufacture",
            Field::RatedKv => "Rated voltage (kV)",
            Field::RatedMva => "Rated power (MVA)",
            Field::OilVolumeLitres => "Oil volume (L)",
            Field::OilPreservation => "Oil preservation",
            Field::CommunicatingOltc => "Communicating OLTC",
            Field::SampleDate => "Sample date",
            Field::LabSampleId => "Lab sample ID",
            Field::Gas(gas) => match gas {
                Gas::H2 => "Hydrogen (H2)",
                Gas::CH4 => "Methane (CH4)",
                Gas::C2H6 => "Ethane (C2H6)",
                Gas::C2H4 => "Ethylene (C2H4)",
                Gas::C2H2 => "Acetylene (C2H2)",
                Gas::CO => "Carbon monoxide (CO)",
                Gas::CO2 => "Carbon dioxide (CO2)",
                Gas::O2 => "Oxygen (O2)",
                Gas::N2 => "Nitrogen (N2)",
            },
        }
    }

    /// Korean name for messages.
    pub fn label_ko(self) -> &'static str {
        match self {
            Field::AssetId => "설비번호",
            Field::AssetName => "설비명",
            Field::Substation => "변전소",
            Field::Manufacturer => "제작사",
            Field::YearOfManufacture => "제작연도",
            Field::RatedKv => "정격전압 (kV)",
            Field::RatedMva => "정격용량 (MVA)",
            Field::OilVolumeLitres => "절연유량 (L)",
            Field::OilPreservation => "유보존방식",
            Field::CommunicatingOltc => "OLTC 연통",
            Field::SampleDate => "시료채취일",
            Field::LabSampleId => "시료번호",
            Field::Gas(gas) => match gas {
                Gas::H2 => "수소 (H2)",
                Gas::CH4 => "메탄 (CH4)",
                Gas::C2H6 => "에탄 (C2H6)",
                Gas::C2H4 => "에틸렌 (C2H4)",
                Gas::C2H2 => "아세틸렌 (C2H2)",
                Gas::CO => "일산화탄소 (CO)",
                Gas::CO2 => "이산화탄소 (CO2)",
                Gas::O2 => "산소 (O2)",
                Gas::N2 => "질소 (N2)",
            },
        }
    }

    /// True for the columns a sheet of samples cannot do without: asset id and sample date.
    pub fn is_required_for_samples(self) -> bool {
        matches!(self, Field::AssetId | Field::SampleDate)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_en())
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Field::from_key(&text).ok_or_else(|| {
            let expected: Vec<&str> = Field::ALL.iter().map(|field| field.key()).collect();
            D::Error::custom(format!(
                "unknown field `{text}`, expected one of: {}",
                expected.join(", ")
            ))
        })
    }
}

/// A recognised header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeaderMatch {
    /// What the column holds.
    pub field: Field,
    /// Unit stated in the header, for gas columns (always `None` for other fields).
    pub unit: Option<Unit>,
}

/// An explicit mapping given by the user (a small JSON file, later a UI choice): header text,
/// as written in the workbook, to field and unit.
///
/// ```json
/// {"columns": [
///   {"header": "설비 No.", "field": "asset_id"},
///   {"header": "H2 농도", "field": "h2", "unit": "ppm"}
/// ]}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    /// The explicit entries; the first one whose header matches wins.
    pub columns: Vec<MappingEntry>,
    /// What a blank fault-gas cell means in workbooks of this shape, once the user chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank_gas: Option<crate::values::BlankGas>,
}

/// One explicit entry of a [`Mapping`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingEntry {
    /// Header text as written in the workbook (compared after [`normalize`]).
    pub header: String,
    /// What the column holds.
    pub field: Field,
    /// Concentration unit, for gas columns. When absent, the unit stated in the header text
    /// itself is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

impl Mapping {
    /// The field for a header: explicit entries first (compared normalised, the first match
    /// wins), then [`match_header`].
    ///
    /// For an explicit gas entry without a unit, the unit stated in the workbook's header is
    /// used ("H2 (%)" mapped to `h2` reads as percent). Units on non-gas entries are dropped.
    pub fn resolve(&self, header: &str) -> Option<HeaderMatch> {
        let wanted = normalize(header);
        if !wanted.is_empty()
            && let Some(column) = self
                .columns
                .iter()
                .find(|column| normalize(&column.header) == wanted)
        {
            let unit = match column.field {
                Field::Gas(_) => column.unit.or_else(|| stated_unit(header)),
                _ => None,
            };
            return Some(HeaderMatch {
                field: column.field,
                unit,
            });
        }
        match_header(header)
    }
}

/// How strongly a header says "the date the oil was sampled": 3 for a sampling date
/// ("Sampling date", "Date sampled", "채취일자", "시료채취일"), 2 for a bare date ("Date",
/// "일자"), 1 for an analysis or test date ("분석일자", "Analysis date", "Test date", "측정일"),
/// 0 when the header is not a sample-date header at all.
///
/// A sheet may carry several of these; the caller takes the highest-ranked one as
/// [`Field::SampleDate`] and ignores the others.
pub fn sample_date_preference(header: &str) -> u8 {
    if match_header(header).map(|found| found.field) != Some(Field::SampleDate) {
        return 0;
    }
    let text = normalize(header);
    let has_any = |parts: &[&str]| parts.iter().any(|part| text.contains(part));
    if has_any(&["채취", "sampl", "collect", "taken", "drawn"]) {
        3
    } else if has_any(&["분석", "측정", "시험", "analy", "test", "measur"]) {
        1
    } else {
        2
    }
}

/// A header signature: the [`normalize`]d headers of a sheet, in column order, joined with
/// `|` (normalised headers never contain `|`). Empty headers inside the row are kept, so the
/// column positions are part of the shape; empty headers at the end are dropped, because
/// spreadsheet ranges often carry formatted but empty trailing columns.
pub fn signature(headers: &[String]) -> String {
    let mut parts: Vec<String> = headers.iter().map(|header| normalize(header)).collect();
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    parts.join("|")
}

#[cfg(test)]
mod tests;
