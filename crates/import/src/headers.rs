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
    pub columns: Vec<MappedColumn>,
    /// What a blank fault-gas cell means in workbooks of this shape, once the user chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank_gas: Option<crate::values::BlankGas>,
}

/// One explicit entry of a [`Mapping`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappedColumn {
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

/// Normalises a header for comparison.
///
/// Unicode NFKC-like folding done by hand for the cases that occur in workbooks: full-width
/// ASCII → ASCII (ideographic space → space), subscript and superscript digits (₀-₉, ⁰-⁹) →
/// 0-9, µ (micro sign), μ and Μ (Greek mu) → u, ℓ → l, the squared signs ㎕ → ul, ㎖ → ml,
/// ㏙ → ppm, № and # → no, decomposed Hangul jamo → syllables. Then lowercase, and every
/// character that is not a letter or digit is removed (spaces, punctuation, brackets, middle
/// dots). Hangul stays.
///
/// ```
/// use substation_import::headers::normalize;
/// assert_eq!(normalize("H₂ (µL/L)"), "h2ull");
/// assert_eq!(normalize("Ｅｑｕｉｐ. Ｎｏ"), "equipno");
/// assert_eq!(normalize("수소 (H2)"), "수소h2");
/// ```
pub fn normalize(header: &str) -> String {
    let kept: Vec<char> = folded_chars(header)
        .into_iter()
        .filter(|c| c.is_alphanumeric())
        .collect();
    compose_jamo(&kept).into_iter().collect()
}

/// Recognises one header, or `None`. The module documentation describes the procedure.
pub fn match_header(header: &str) -> Option<HeaderMatch> {
    let tokens = tokenize(header);
    if tokens
        .iter()
        .any(|token| matches!(token, Token::Word(word) if VETO_WORDS.contains(&word.as_str())))
    {
        return None;
    }
    let (tokens, unit) = extract_units(tokens)?;
    let (outside, groups) = split_brackets(&tokens);

    // Bracketed units: foreign units reject, nameplate units become a hint.
    let mut hint: Option<Field> = None;
    let mut inner: Vec<&[String]> = Vec::new();
    for group in &groups {
        let joined = group.concat();
        if joined.is_empty() {
            continue;
        }
        if FOREIGN_UNITS.contains(&joined.as_str()) {
            return None;
        }
        if let Some(&(_, field)) = NAMEPLATE_UNITS.iter().find(|(unit, _)| *unit == joined) {
            if hint.is_some_and(|earlier| earlier != field) {
                return None;
            }
            hint = Some(field);
            continue;
        }
        inner.push(group);
    }

    let with_unit = |field: Field| HeaderMatch {
        field,
        unit: match field {
            Field::Gas(_) => unit,
            _ => None,
        },
    };

    // All words together.
    let all_words: Vec<String> = outside
        .iter()
        .chain(inner.iter().flat_map(|group| group.iter()))
        .cloned()
        .collect();
    if let Resolution::Field(field) = resolve_words(&all_words)
        && hint.is_none_or(|hinted| hinted == field)
    {
        return Some(with_unit(field));
    }

    // Outside and bracketed parts separately.
    let inner_fields: Vec<Field> = inner
        .iter()
        .filter_map(|group| match resolve_words(group) {
            Resolution::Field(field) => Some(field),
            _ => None,
        })
        .collect();
    let outside_resolution = resolve_words(&outside);
    let field = match (hint, outside_resolution) {
        (Some(hinted), Resolution::Empty) => hinted,
        (Some(hinted), _) if is_qualifier(&outside) => hinted,
        (Some(hinted), Resolution::Field(field)) if field == hinted => field,
        (Some(_), _) => return None,
        (None, Resolution::Field(field)) => field,
        (None, Resolution::Unresolved) => return None,
        (None, Resolution::Empty) => *inner_fields.first()?,
    };
    if inner_fields.iter().any(|&other| other != field) {
        return None;
    }
    Some(with_unit(field))
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

// ---------------------------------------------------------------------------------------------
// Tables. Every entry is already in normalised form (a test checks it).
// ---------------------------------------------------------------------------------------------

const H2: Field = Field::Gas(Gas::H2);
const CH4: Field = Field::Gas(Gas::CH4);
const C2H6: Field = Field::Gas(Gas::C2H6);
const C2H4: Field = Field::Gas(Gas::C2H4);
const C2H2: Field = Field::Gas(Gas::C2H2);
const CO: Field = Field::Gas(Gas::CO);
const CO2: Field = Field::Gas(Gas::CO2);
const O2: Field = Field::Gas(Gas::O2);
const N2: Field = Field::Gas(Gas::N2);

/// Normalised header (or header part) → field. Exact look-ups only.
pub const ALIASES: &[(&str, Field)] = &[
    // Gases: formula, English (incl. IUPAC names), Korean (traditional and 2014 names).
    ("h2", H2),
    ("hydrogen", H2),
    ("수소", H2),
    ("ch4", CH4),
    ("methane", CH4),
    ("메탄", CH4),
    ("메테인", CH4),
    ("c2h6", C2H6),
    ("ethane", C2H6),
    ("에탄", C2H6),
    ("에테인", C2H6),
    ("c2h4", C2H4),
    ("ethylene", C2H4),
    ("ethene", C2H4),
    ("에틸렌", C2H4),
    ("에텐", C2H4),
    ("c2h2", C2H2),
    ("acetylene", C2H2),
    ("ethyne", C2H2),
    ("아세틸렌", C2H2),
    ("에타인", C2H2),
    ("에틴", C2H2),
    ("co", CO),
    ("carbonmonoxide", CO),
    ("일산화탄소", CO),
    ("co2", CO2),
    ("carbondioxide", CO2),
    ("이산화탄소", CO2),
    ("o2", O2),
    ("oxygen", O2),
    ("산소", O2),
    ("n2", N2),
    ("nitrogen", N2),
    ("질소", N2),
    // Asset id. "Serial No." deliberately absent (module docs).
    ("assetid", Field::AssetId),
    ("asset", Field::AssetId),
    ("assetno", Field::AssetId),
    ("assetnumber", Field::AssetId),
    ("assetcode", Field::AssetId),
    ("assettag", Field::AssetId),
    ("equipmentid", Field::AssetId),
    ("equipmentno", Field::AssetId),
    ("equipmentnumber", Field::AssetId),
    ("equipmentcode", Field::AssetId),
    ("equipid", Field::AssetId),
    ("equipno", Field::AssetId),
    ("eqptno", Field::AssetId),
    ("eqptid", Field::AssetId),
    ("tag", Field::AssetId),
    ("tagno", Field::AssetId),
    ("tagnumber", Field::AssetId),
    ("tagid", Field::AssetId),
    ("transformerid", Field::AssetId),
    ("transformerno", Field::AssetId),
    ("transformernumber", Field::AssetId),
    ("trid", Field::AssetId),
    ("trno", Field::AssetId),
    ("txid", Field::AssetId),
    ("txno", Field::AssetId),
    ("unitid", Field::AssetId),
    ("설비번호", Field::AssetId),
    ("관리번호", Field::AssetId),
    ("설비코드", Field::AssetId),
    ("설비id", Field::AssetId),
    ("자산번호", Field::AssetId),
    ("자산코드", Field::AssetId),
    ("변압기번호", Field::AssetId),
    ("tr번호", Field::AssetId),
    ("변압기id", Field::AssetId),
    // Asset name.
    ("name", Field::AssetName),
    ("assetname", Field::AssetName),
    ("transformer", Field::AssetName),
    ("transformername", Field::AssetName),
    ("trname", Field::AssetName),
    ("equipmentname", Field::AssetName),
    ("equipname", Field::AssetName),
    ("unitname", Field::AssetName),
    ("designation", Field::AssetName),
    ("설비명", Field::AssetName),
    ("설비명칭", Field::AssetName),
    ("설비이름", Field::AssetName),
    ("변압기", Field::AssetName),
    ("변압기명", Field::AssetName),
    ("변압기명칭", Field::AssetName),
    ("자산명", Field::AssetName),
    ("명칭", Field::AssetName),
    // Substation.
    ("substation", Field::Substation),
    ("substationname", Field::Substation),
    ("station", Field::Substation),
    ("stationname", Field::Substation),
    ("site", Field::Substation),
    ("sitename", Field::Substation),
    ("ss", Field::Substation),
    ("ssname", Field::Substation),
    ("변전소", Field::Substation),
    ("변전소명", Field::Substation),
    ("변전소이름", Field::Substation),
    ("사업소", Field::Substation),
    ("사업소명", Field::Substation),
    // Manufacturer.
    ("manufacturer", Field::Manufacturer),
    ("manufacturername", Field::Manufacturer),
    ("maker", Field::Manufacturer),
    ("make", Field::Manufacturer),
    ("mfr", Field::Manufacturer),
    ("mfgr", Field::Manufacturer),
    ("vendor", Field::Manufacturer),
    ("제작사", Field::Manufacturer),
    ("제조사", Field::Manufacturer),
    ("제작회사", Field::Manufacturer),
    ("제조회사", Field::Manufacturer),
    ("제작업체", Field::Manufacturer),
    ("제조업체", Field::Manufacturer),
    ("메이커", Field::Manufacturer),
    // Year of manufacture.
    ("yearofmanufacture", Field::YearOfManufacture),
    ("yearofmanufacturing", Field::YearOfManufacture),
    ("manufactureyear", Field::YearOfManufacture),
    ("manufacturingyear", Field::YearOfManufacture),
    ("yearmanufactured", Field::YearOfManufacture),
    ("manufactured", Field::YearOfManufacture),
    ("yearbuilt", Field::YearOfManufacture),
    ("built", Field::YearOfManufacture),
    ("mfgyear", Field::YearOfManufacture),
    ("mfgyr", Field::YearOfManufacture),
    ("yearofmfg", Field::YearOfManufacture),
    ("yom", Field::YearOfManufacture),
    ("제작년도", Field::YearOfManufacture),
    ("제작연도", Field::YearOfManufacture),
    ("제조년도", Field::YearOfManufacture),
    ("제조연도", Field::YearOfManufacture),
    ("제작년", Field::YearOfManufacture),
    // Rated voltage.
    ("ratedvoltage", Field::RatedKv),
    ("voltage", Field::RatedKv),
    ("voltagerating", Field::RatedKv),
    ("nominalvoltage", Field::RatedKv),
    ("kv", Field::RatedKv),
    ("ratedkv", Field::RatedKv),
    ("kvrating", Field::RatedKv),
    ("정격전압", Field::RatedKv),
    ("전압", Field::RatedKv),
    // Rated power.
    ("ratedpower", Field::RatedMva),
    ("capacity", Field::RatedMva),
    ("ratedcapacity", Field::RatedMva),
    ("rating", Field::RatedMva),
    ("powerrating", Field::RatedMva),
    ("mva", Field::RatedMva),
    ("ratedmva", Field::RatedMva),
    ("mvarating", Field::RatedMva),
    ("정격용량", Field::RatedMva),
    ("용량", Field::RatedMva),
    ("정격출력", Field::RatedMva),
    // Oil volume.
    ("oilvolume", Field::OilVolumeLitres),
    ("oilvol", Field::OilVolumeLitres),
    ("oilquantity", Field::OilVolumeLitres),
    ("oilqty", Field::OilVolumeLitres),
    ("oilamount", Field::OilVolumeLitres),
    ("volumeofoil", Field::OilVolumeLitres),
    ("유량", Field::OilVolumeLitres),
    ("절연유량", Field::OilVolumeLitres),
    ("오일량", Field::OilVolumeLitres),
    ("유량리터", Field::OilVolumeLitres),
    // Oil preservation.
    ("oilpreservation", Field::OilPreservation),
    ("oilpreservationsystem", Field::OilPreservation),
    ("preservation", Field::OilPreservation),
    ("preservationsystem", Field::OilPreservation),
    ("preservationtype", Field::OilPreservation),
    ("conservatortype", Field::OilPreservation),
    ("conservator", Field::OilPreservation),
    ("breather", Field::OilPreservation),
    ("breathertype", Field::OilPreservation),
    ("보존방식", Field::OilPreservation),
    ("유보존방식", Field::OilPreservation),
    ("절연유보존방식", Field::OilPreservation),
    ("보존방법", Field::OilPreservation),
    ("유보존", Field::OilPreservation),
    // Communicating OLTC.
    ("oltc", Field::CommunicatingOltc),
    ("communicatingoltc", Field::CommunicatingOltc),
    ("oltccommunicating", Field::CommunicatingOltc),
    ("oltccommunication", Field::CommunicatingOltc),
    ("탭절환기", Field::CommunicatingOltc),
    ("탭절환기연통", Field::CommunicatingOltc),
    ("oltc연통", Field::CommunicatingOltc),
    ("연통", Field::CommunicatingOltc),
    // Sample date (sampling, bare, analysis: see `sample_date_preference`).
    ("sampledate", Field::SampleDate),
    ("samplingdate", Field::SampleDate),
    ("datesampled", Field::SampleDate),
    ("dateofsampling", Field::SampleDate),
    ("sampled", Field::SampleDate),
    ("sampledon", Field::SampleDate),
    ("collectiondate", Field::SampleDate),
    ("datecollected", Field::SampleDate),
    ("date", Field::SampleDate),
    ("analysisdate", Field::SampleDate),
    ("dateofanalysis", Field::SampleDate),
    ("dateanalysed", Field::SampleDate),
    ("dateanalyzed", Field::SampleDate),
    ("testdate", Field::SampleDate),
    ("datetested", Field::SampleDate),
    ("채취일자", Field::SampleDate),
    ("채취일", Field::SampleDate),
    ("채취날짜", Field::SampleDate),
    ("시료채취일", Field::SampleDate),
    ("시료채취일자", Field::SampleDate),
    ("샘플링일자", Field::SampleDate),
    ("일자", Field::SampleDate),
    ("날짜", Field::SampleDate),
    ("분석일자", Field::SampleDate),
    ("분석일", Field::SampleDate),
    ("분석날짜", Field::SampleDate),
    ("측정일", Field::SampleDate),
    ("측정일자", Field::SampleDate),
    ("시험일자", Field::SampleDate),
    // Lab sample id.
    ("sampleid", Field::LabSampleId),
    ("sampleno", Field::LabSampleId),
    ("samplenumber", Field::LabSampleId),
    ("labno", Field::LabSampleId),
    ("labnumber", Field::LabSampleId),
    ("labid", Field::LabSampleId),
    ("labsampleid", Field::LabSampleId),
    ("labsampleno", Field::LabSampleId),
    ("labref", Field::LabSampleId),
    ("labreference", Field::LabSampleId),
    ("시료번호", Field::LabSampleId),
    ("시료id", Field::LabSampleId),
    ("시료코드", Field::LabSampleId),
    ("분석번호", Field::LabSampleId),
    ("샘플번호", Field::LabSampleId),
];

/// Bracketed nameplate units: removed from the header and used as a hint for the field.
const NAMEPLATE_UNITS: &[(&str, Field)] = &[
    ("kv", Field::RatedKv),
    ("mva", Field::RatedMva),
    ("l", Field::OilVolumeLitres),
    ("ltr", Field::OilVolumeLitres),
    ("ltrs", Field::OilVolumeLitres),
    ("liter", Field::OilVolumeLitres),
    ("liters", Field::OilVolumeLitres),
    ("litre", Field::OilVolumeLitres),
    ("litres", Field::OilVolumeLitres),
    ("리터", Field::OilVolumeLitres),
];

/// Bracketed units in a scale the importer does not convert: the header is rejected.
const FOREIGN_UNITS: &[&str] = &[
    "v", "kva", "va", "w", "kw", "mw", "kg", "t", "ton", "tons", "lb", "lbs", "gal", "gals",
    "gallon", "gallons", "m3", "ml", "cc", "ppb", "ppmw", "mgkg", "ugg", "ugl",
];

/// Words that add nothing ("Dissolved hydrogen content in oil").
const FILLER_WORDS: &[&str] = &[
    "dissolved",
    "gas",
    "gases",
    "concentration",
    "conc",
    "content",
    "level",
    "in",
    "oil",
    "result",
    "results",
    "value",
    "용존",
    "가스",
    "농도",
    "함량",
    "여부",
    "유무",
];

/// Korean fillers glued to a word ("용존수소", "수소농도").
const KO_FILLER_PREFIXES: &[&str] = &["용존"];
const KO_FILLER_SUFFIXES: &[&str] = &["농도", "함량", "가스", "여부", "유무"];

/// Words that give meaning only together with a bracketed nameplate unit ("Rated (kV)").
const QUALIFIERS: &[&str] = &[
    "rated",
    "rating",
    "nominal",
    "hv",
    "primary",
    "insulating",
    "insulatingoil",
    "정격",
    "절연유",
];

/// Any of these words anywhere in a header rejects it: sums, ratios, rates, limits, moisture,
/// remarks and gas taken elsewhere than from the oil.
const VETO_WORDS: &[&str] = &[
    "total",
    "tdcg",
    "tcg",
    "tdg",
    "tgc",
    "sum",
    "합계",
    "총",
    "총가스",
    "moisture",
    "water",
    "h2o",
    "수분",
    "ratio",
    "ratios",
    "비율",
    "rate",
    "roc",
    "increase",
    "증가",
    "증가율",
    "증가량",
    "trend",
    "delta",
    "change",
    "변화",
    "변화량",
    "generation",
    "limit",
    "limits",
    "lod",
    "loq",
    "mdl",
    "detection",
    "한계",
    "검출한계",
    "정량한계",
    "threshold",
    "alarm",
    "caution",
    "norm",
    "기준",
    "판정",
    "진단",
    "previous",
    "prev",
    "이전",
    "전회",
    "remark",
    "remarks",
    "비고",
    "note",
    "notes",
    "comment",
    "comments",
    "per",
    "saturation",
    "solubility",
    "ostwald",
    "equilibrium",
    "headspace",
    "buchholz",
];

// ---------------------------------------------------------------------------------------------
// Folding and tokens.
// ---------------------------------------------------------------------------------------------

/// The header's characters, jamo composed, folded (see [`normalize`]) and lowercased;
/// punctuation and spaces are kept.
fn folded_chars(header: &str) -> Vec<char> {
    let raw: Vec<char> = header.chars().collect();
    let mut folded = String::with_capacity(header.len());
    for c in compose_jamo(&raw) {
        fold_char(c, &mut folded);
    }
    folded.chars().flat_map(char::to_lowercase).collect()
}

fn fold_char(c: char, out: &mut String) {
    let code = u32::from(c);
    let mapped: Option<char> = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(code - 0xFEE0),
        '\u{3000}' | '\u{318D}' | '\u{00B7}' | '\u{30FB}' | '\u{2027}' => Some(' '),
        '\u{2080}'..='\u{2089}' => char::from_digit(code - 0x2080, 10),
        '\u{2070}' => Some('0'),
        '\u{00B9}' => Some('1'),
        '\u{00B2}' => Some('2'),
        '\u{00B3}' => Some('3'),
        '\u{2074}'..='\u{2079}' => char::from_digit(code - 0x2070, 10),
        '\u{00B5}' | '\u{03BC}' | '\u{039C}' => Some('u'),
        '\u{2113}' => Some('l'),
        '\u{2044}' | '\u{2215}' => Some('/'),
        '\u{FE6A}' => Some('%'),
        '\u{3010}' | '\u{3016}' => Some('['),
        '\u{3011}' | '\u{3017}' => Some(']'),
        '\u{3014}' => Some('('),
        '\u{3015}' => Some(')'),
        _ => None,
    };
    if let Some(mapped) = mapped {
        out.push(mapped);
        return;
    }
    match c {
        '\u{3395}' => out.push_str("ul"),
        '\u{3396}' => out.push_str("ml"),
        '\u{33D9}' => out.push_str("ppm"),
        '\u{2116}' | '#' => out.push_str(" no "),
        _ => out.push(c),
    }
}

/// Composes conjoining Hangul jamo (as macOS sometimes stores text) into syllables.
fn compose_jamo(chars: &[char]) -> Vec<char> {
    const S_BASE: u32 = 0xAC00;
    const L_BASE: u32 = 0x1100;
    const V_BASE: u32 = 0x1161;
    const T_BASE: u32 = 0x11A7;
    const L_COUNT: u32 = 19;
    const V_COUNT: u32 = 21;
    const T_COUNT: u32 = 28;
    const S_COUNT: u32 = L_COUNT * V_COUNT * T_COUNT;

    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    for &c in chars {
        let code = u32::from(c);
        if let Some(&last) = out.last() {
            let last_code = u32::from(last);
            // L + V → LV
            if (L_BASE..L_BASE + L_COUNT).contains(&last_code)
                && (V_BASE..V_BASE + V_COUNT).contains(&code)
            {
                let syllable =
                    S_BASE + ((last_code - L_BASE) * V_COUNT + (code - V_BASE)) * T_COUNT;
                if let Some(syllable) = char::from_u32(syllable) {
                    out.pop();
                    out.push(syllable);
                    continue;
                }
            }
            // LV + T → LVT
            if (S_BASE..S_BASE + S_COUNT).contains(&last_code)
                && (last_code - S_BASE).is_multiple_of(T_COUNT)
                && (T_BASE + 1..T_BASE + T_COUNT).contains(&code)
                && let Some(syllable) = char::from_u32(last_code + (code - T_BASE))
            {
                out.pop();
                out.push(syllable);
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn is_hangul(c: char) -> bool {
    matches!(
        c,
        '\u{AC00}'..='\u{D7A3}'
            | '\u{1100}'..='\u{11FF}'
            | '\u{3130}'..='\u{318F}'
            | '\u{A960}'..='\u{A97F}'
            | '\u{D7B0}'..='\u{D7FF}'
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A run of letters and digits, all Hangul or all not.
    Word(String),
    Open,
    Close,
    /// Any other non-space character.
    Symbol(char),
}

fn tokenize(header: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut word_is_hangul = false;
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Word(std::mem::take(word)));
        }
    };
    for c in folded_chars(header) {
        if c.is_alphanumeric() {
            if !word.is_empty() && is_hangul(c) != word_is_hangul {
                flush(&mut word, &mut tokens);
            }
            word_is_hangul = is_hangul(c);
            word.push(c);
            continue;
        }
        flush(&mut word, &mut tokens);
        match c {
            '(' | '[' | '{' => tokens.push(Token::Open),
            ')' | ']' | '}' => tokens.push(Token::Close),
            c if c.is_whitespace() => {}
            c => tokens.push(Token::Symbol(c)),
        }
    }
    flush(&mut word, &mut tokens);
    // Compose jamo split by punctuation the same way `normalize` does inside each word.
    tokens
        .into_iter()
        .map(|token| match token {
            Token::Word(word) => {
                let chars: Vec<char> = word.chars().collect();
                Token::Word(compose_jamo(&chars).into_iter().collect())
            }
            other => other,
        })
        .collect()
}

fn word_at(tokens: &[Token], index: usize) -> Option<&str> {
    match tokens.get(index) {
        Some(Token::Word(word)) => Some(word.as_str()),
        _ => None,
    }
}

fn symbol_at(tokens: &[Token], index: usize, wanted: char) -> bool {
    matches!(tokens.get(index), Some(Token::Symbol(c)) if *c == wanted)
}

/// A concentration unit followed by "/something" is a rate ("ppm/day").
fn is_rate(tokens: &[Token], index: usize) -> bool {
    symbol_at(tokens, index, '/') && word_at(tokens, index + 1).is_some()
}

/// Removes concentration units. `None` when the header states a rate or two different units.
fn extract_units(tokens: Vec<Token>) -> Option<(Vec<Token>, Option<Unit>)> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut found: Option<Unit> = None;
    let mut note = |unit: Unit| -> Option<()> {
        if found.is_some_and(|earlier| earlier != unit) {
            return None;
        }
        found = Some(unit);
        Some(())
    };
    let mut index = 0;
    while index < tokens.len() {
        let word = word_at(&tokens, index);
        if matches!(word, Some("ppm" | "ppmv")) {
            note(Unit::Ppm)?;
            index += 1;
        } else if word == Some("ul")
            && symbol_at(&tokens, index + 1, '/')
            && word_at(&tokens, index + 2) == Some("l")
        {
            note(Unit::Ppm)?;
            index += 3;
        } else if word == Some("v")
            && symbol_at(&tokens, index + 1, '/')
            && word_at(&tokens, index + 2) == Some("v")
        {
            index += 3;
            continue;
        } else if matches!(word, Some("percent" | "pct")) {
            note(Unit::Percent)?;
            index += 1;
        } else if symbol_at(&tokens, index, '%') {
            note(Unit::Percent)?;
            // "vol%", "vol. %", "vol-%" before, "% vol" after.
            let mut back = out.len();
            while back > 0 && matches!(out[back - 1], Token::Symbol('.' | '-')) {
                back -= 1;
            }
            if back > 0 && matches!(&out[back - 1], Token::Word(w) if w == "vol") {
                out.truncate(back - 1);
            }
            index += 1;
            if word_at(&tokens, index) == Some("vol") {
                index += 1;
                if symbol_at(&tokens, index, '.') {
                    index += 1;
                }
            }
        } else if let Some(prefix) = word.and_then(|w| w.strip_suffix("ppm"))
            && matches!(lookup(prefix), Some(Field::Gas(_)))
        {
            // "H2ppm"
            note(Unit::Ppm)?;
            out.push(Token::Word(prefix.to_owned()));
            index += 1;
        } else {
            out.push(tokens[index].clone());
            index += 1;
            continue;
        }
        if is_rate(&tokens, index) {
            return None;
        }
    }
    Some((out, found))
}

/// The unit a header states, if any (used for explicit mappings).
fn stated_unit(header: &str) -> Option<Unit> {
    extract_units(tokenize(header)).and_then(|(_, unit)| unit)
}

/// Words outside brackets, and the words of each top-level bracketed part (nested brackets
/// belong to their outermost part; an unclosed bracket runs to the end).
fn split_brackets(tokens: &[Token]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut outside = Vec::new();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut depth = 0usize;
    for token in tokens {
        match token {
            Token::Open => {
                if depth == 0 {
                    groups.push(Vec::new());
                }
                depth += 1;
            }
            Token::Close => depth = depth.saturating_sub(1),
            Token::Word(word) => match groups.last_mut() {
                Some(group) if depth > 0 => group.push(word.clone()),
                _ => outside.push(word.clone()),
            },
            Token::Symbol(_) => {}
        }
    }
    (outside, groups)
}

// ---------------------------------------------------------------------------------------------
// Look-ups.
// ---------------------------------------------------------------------------------------------

fn lookup(alias: &str) -> Option<Field> {
    ALIASES
        .iter()
        .find(|(known, _)| *known == alias)
        .map(|&(_, field)| field)
}

/// Exact look-up, then with one Korean filler prefix and/or suffix removed.
fn lookup_with_affixes(text: &str) -> Option<Field> {
    if let Some(field) = lookup(text) {
        return Some(field);
    }
    let without_prefix = KO_FILLER_PREFIXES
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(text);
    let without_suffix = KO_FILLER_SUFFIXES
        .iter()
        .find_map(|suffix| without_prefix.strip_suffix(suffix))
        .unwrap_or(without_prefix);
    if without_suffix.is_empty() || without_suffix == text {
        return None;
    }
    lookup(without_suffix)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolution {
    /// Nothing but filler words.
    Empty,
    Field(Field),
    Unresolved,
}

fn resolve_words(words: &[String]) -> Resolution {
    let kept: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|word| !FILLER_WORDS.contains(word))
        .collect();
    if kept.is_empty() {
        return Resolution::Empty;
    }
    if let Some(field) = lookup_with_affixes(&words.concat()) {
        return Resolution::Field(field);
    }
    if let Some(field) = lookup_with_affixes(&kept.concat()) {
        return Resolution::Field(field);
    }
    partition(&kept).map_or(Resolution::Unresolved, Resolution::Field)
}

/// The one field such that the words split into consecutive groups that are each an alias of
/// that field ("hydrogen h2", "voltage kv"); `None` when there is no such field or several.
fn partition(words: &[&str]) -> Option<Field> {
    const MAX_WORDS: usize = 12;
    let count = words.len();
    if !(2..=MAX_WORDS).contains(&count) {
        return None;
    }
    let group_field = |start: usize, end: usize| lookup_with_affixes(&words[start..end].concat());
    let mut candidates: Vec<Field> = Vec::new();
    for start in 0..count {
        for end in start + 1..=count {
            if let Some(field) = group_field(start, end)
                && !candidates.contains(&field)
            {
                candidates.push(field);
            }
        }
    }
    let mut found = None;
    for field in candidates {
        let mut reachable = [false; MAX_WORDS + 1];
        reachable[0] = true;
        for end in 1..=count {
            reachable[end] =
                (0..end).any(|start| reachable[start] && group_field(start, end) == Some(field));
        }
        if reachable[count] {
            if found.is_some() {
                return None;
            }
            found = Some(field);
        }
    }
    found
}

fn is_qualifier(words: &[String]) -> bool {
    let kept: String = words
        .iter()
        .map(String::as_str)
        .filter(|word| !FILLER_WORDS.contains(word))
        .collect();
    QUALIFIERS.contains(&words.concat().as_str()) || QUALIFIERS.contains(&kept.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn field_of(header: &str) -> Option<Field> {
        match_header(header).map(|found| found.field)
    }

    fn assert_field(headers: &[&str], expected: Field) {
        for header in headers {
            assert_eq!(
                field_of(header),
                Some(expected),
                "header {header:?} should be {expected:?}"
            );
        }
    }

    fn assert_none(headers: &[&str]) {
        for header in headers {
            assert_eq!(
                match_header(header),
                None,
                "header {header:?} should not match"
            );
        }
    }

    fn assert_gas(header: &str, gas: Gas, unit: Option<Unit>) {
        assert_eq!(
            match_header(header),
            Some(HeaderMatch {
                field: Field::Gas(gas),
                unit
            }),
            "header {header:?}"
        );
    }

    // --- normalize -------------------------------------------------------------------------

    #[test]
    fn normalize_folds_typography() {
        assert_eq!(normalize("H₂"), "h2");
        assert_eq!(normalize("C₂H₄"), "c2h4");
        assert_eq!(normalize("CO²"), "co2");
        assert_eq!(normalize("⁰¹²³⁴⁵⁶⁷⁸⁹"), "0123456789");
        assert_eq!(normalize("₀₁₂₃₄₅₆₇₈₉"), "0123456789");
        assert_eq!(normalize("Ｈ２ （ｐｐｍ）"), "h2ppm");
        assert_eq!(normalize("µL/L"), "ull");
        assert_eq!(normalize("μL/L"), "ull");
        assert_eq!(normalize("ΜL/L"), "ull");
        assert_eq!(normalize("㎕/ℓ"), "ull");
        assert_eq!(normalize("Equip. No"), "equipno");
        assert_eq!(normalize("S/S"), "ss");
        assert_eq!(normalize("  Date\tSampled\u{00A0}"), "datesampled");
        assert_eq!(normalize("Tag #"), "tagno");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("()[]%/.-"), "");
    }

    #[test]
    fn normalize_keeps_hangul() {
        assert_eq!(normalize("수소(H2)"), "수소h2");
        assert_eq!(normalize("변전소 명"), "변전소명");
        assert_eq!(normalize("탭절환기ㆍ연통"), "탭절환기연통");
        // Decomposed jamo (NFD) compose to the same syllables.
        assert_eq!(normalize("\u{1109}\u{116E}\u{1109}\u{1169}"), "수소");
        assert_eq!(normalize("\u{1107}\u{1167}\u{11AB}"), "변");
        assert_eq!(
            normalize("\u{1109}\u{116E}-\u{1109}\u{1169}"),
            normalize("수소")
        );
    }

    // --- tables ----------------------------------------------------------------------------

    #[test]
    fn alias_tables_are_normalised() {
        let lists: [&[&str]; 6] = [
            FOREIGN_UNITS,
            FILLER_WORDS,
            KO_FILLER_PREFIXES,
            KO_FILLER_SUFFIXES,
            QUALIFIERS,
            VETO_WORDS,
        ];
        let words = ALIASES
            .iter()
            .map(|(alias, _)| *alias)
            .chain(NAMEPLATE_UNITS.iter().map(|(unit, _)| *unit))
            .chain(lists.iter().flat_map(|list| list.iter().copied()));
        for word in words {
            assert!(!word.is_empty());
            assert_eq!(
                normalize(word),
                word,
                "table entry {word:?} is not normalised"
            );
        }
    }

    #[test]
    fn no_alias_maps_to_two_fields() {
        let mut seen: HashMap<&str, Field> = HashMap::new();
        for &(alias, field) in ALIASES {
            if let Some(&earlier) = seen.get(alias) {
                assert_eq!(earlier, field, "alias {alias:?} maps to two fields");
                panic!("alias {alias:?} listed twice");
            }
            seen.insert(alias, field);
        }
        for &(unit, field) in NAMEPLATE_UNITS {
            if let Some(&aliased) = seen.get(unit) {
                assert_eq!(aliased, field, "unit {unit:?} disagrees with its alias");
            }
        }
    }

    #[test]
    fn word_lists_do_not_collide_with_aliases() {
        for &(alias, _) in ALIASES {
            assert!(!VETO_WORDS.contains(&alias), "{alias:?} is vetoed");
            assert!(!FILLER_WORDS.contains(&alias), "{alias:?} is filler");
            assert!(
                !FOREIGN_UNITS.contains(&alias),
                "{alias:?} is a foreign unit"
            );
            for unit in ["ppm", "ppmv", "percent", "pct"] {
                assert_ne!(alias, unit);
            }
        }
    }

    #[test]
    fn every_alias_matches_itself() {
        for &(alias, field) in ALIASES {
            assert_eq!(
                match_header(alias),
                Some(HeaderMatch { field, unit: None }),
                "alias {alias:?}"
            );
        }
    }

    #[test]
    fn every_field_has_an_alias_and_its_labels_match_back() {
        for field in Field::ALL {
            assert!(ALIASES.iter().any(|&(_, f)| f == field), "{field:?}");
            assert_eq!(
                field_of(field.label_en()),
                Some(field),
                "{}",
                field.label_en()
            );
            assert_eq!(
                field_of(field.label_ko()),
                Some(field),
                "{}",
                field.label_ko()
            );
        }
    }

    // --- units -----------------------------------------------------------------------------

    #[test]
    fn units_ppm() {
        for header in [
            "H2 (ppm)",
            "H2 [ppm]",
            "H2 ppm",
            "H2, ppm",
            "H2 µL/L",
            "H2 (μL/L)",
            "H2 [uL/L]",
            "H2 ul/l",
            "H2 (µl / l)",
            "H2 ppm (v/v)",
            "H2 (ppmv)",
            "H2ppm",
            "ppm H2",
            "H₂ (㏙)",
            "H2 (㎕/L)",
            "수소ppm",
            "수소 (ppm)",
        ] {
            assert_gas(header, Gas::H2, Some(Unit::Ppm));
        }
    }

    #[test]
    fn units_percent() {
        for header in [
            "O2 (%)",
            "O2 %",
            "O2 vol%",
            "O2 (vol%)",
            "O2 vol. %",
            "O2 [vol.%]",
            "O2 vol-%",
            "O2 (% vol)",
            "O2 %(v/v)",
            "O2 percent",
            "O2 （％）",
            "산소(%)",
        ] {
            assert_gas(header, Gas::O2, Some(Unit::Percent));
        }
    }

    #[test]
    fn units_absent_and_conflicting() {
        assert_gas("H2", Gas::H2, None);
        assert_gas("Hydrogen", Gas::H2, None);
        assert_none(&["H2 (ppm) (%)", "H2 ppm/%", "ppm", "(ppm)", "%", "vol%"]);
    }

    #[test]
    fn rates_are_rejected() {
        assert_none(&[
            "H2 (ppm/day)",
            "H2 ppm/yr",
            "C2H2 µL/L/day",
            "O2 %/month",
            "H2 ppm per day",
        ]);
    }

    #[test]
    fn units_are_dropped_on_non_gas_fields() {
        assert_eq!(
            match_header("Oil volume (%)"),
            Some(HeaderMatch {
                field: Field::OilVolumeLitres,
                unit: None
            })
        );
    }

    // --- gases -----------------------------------------------------------------------------

    #[test]
    fn hydrogen_in_any_typography() {
        for header in [
            "H2",
            "H₂",
            "h2",
            "H 2",
            "Ｈ２",
            "Hydrogen",
            "HYDROGEN",
            "Hydrogen (H2)",
            "Hydrogen(H₂)",
            "H2 (Hydrogen)",
            "Hydrogen H2",
            "H2 - Hydrogen",
            "수소",
            "수소(H2)",
            "수소 (H₂)",
            "H2 수소",
            "Dissolved hydrogen",
            "Hydrogen content",
            "H2 in oil",
            "Dissolved gas (H2)",
            "H2 농도",
            "수소농도",
            "용존수소",
            "수소 가스",
            "H2 (dissolved)",
        ] {
            assert_eq!(field_of(header), Some(Field::Gas(Gas::H2)), "{header:?}");
        }
        assert_gas("H2 [ppm]", Gas::H2, Some(Unit::Ppm));
        assert_gas("Hydrogen (H2) [ppm]", Gas::H2, Some(Unit::Ppm));
        assert_gas("수소(H2) (ppm)", Gas::H2, Some(Unit::Ppm));
    }

    #[test]
    fn hydrocarbons() {
        assert_field(
            &[
                "CH4",
                "CH₄",
                "Methane",
                "Methane (CH4)",
                "메탄",
                "메탄(CH4)",
                "메테인",
            ],
            Field::Gas(Gas::CH4),
        );
        assert_field(
            &[
                "C2H6",
                "C₂H₆",
                "Ethane",
                "Ethane (C2H6)",
                "에탄",
                "에탄(C₂H₆)",
            ],
            Field::Gas(Gas::C2H6),
        );
        assert_field(
            &[
                "C2H4",
                "C₂H₄",
                "Ethylene",
                "Ethene",
                "Ethylene (C2H4)",
                "에틸렌",
                "에틸렌(C2H4)",
            ],
            Field::Gas(Gas::C2H4),
        );
        assert_field(
            &[
                "C2H2",
                "C₂H₂",
                "Acetylene",
                "Ethyne",
                "Acetylene (C2H2)",
                "아세틸렌",
                "아세틸렌(C2H2)",
            ],
            Field::Gas(Gas::C2H2),
        );
    }

    #[test]
    fn carbon_oxides_and_air_gases() {
        assert_field(
            &[
                "CO",
                "Carbon monoxide",
                "Carbon Monoxide (CO)",
                "일산화탄소",
                "일산화탄소(CO)",
            ],
            Field::Gas(Gas::CO),
        );
        assert_field(
            &[
                "CO2",
                "CO₂",
                "CO 2",
                "Carbon dioxide",
                "Carbon dioxide (CO2)",
                "이산화탄소",
                "이산화탄소(CO₂)",
            ],
            Field::Gas(Gas::CO2),
        );
        assert_field(
            &["O2", "O₂", "Oxygen", "Oxygen (O2)", "산소", "산소(O2)"],
            Field::Gas(Gas::O2),
        );
        assert_field(
            &["N2", "N₂", "Nitrogen", "Nitrogen (N2)", "질소", "질소(N2)"],
            Field::Gas(Gas::N2),
        );
    }

    #[test]
    fn similar_formulas_never_confused() {
        assert_eq!(field_of("CO2"), Some(Field::Gas(Gas::CO2)));
        assert_eq!(field_of("CO2 (ppm)"), Some(Field::Gas(Gas::CO2)));
        assert_eq!(field_of("CO (ppm)"), Some(Field::Gas(Gas::CO)));
        assert_eq!(field_of("C2H4"), Some(Field::Gas(Gas::C2H4)));
        assert_eq!(field_of("C2H2"), Some(Field::Gas(Gas::C2H2)));
        assert_eq!(field_of("C2H6"), Some(Field::Gas(Gas::C2H6)));
        // Contradictions are rejected rather than guessed.
        assert_none(&[
            "CO (CO2)",
            "Carbon monoxide (CO2)",
            "Ethylene (C2H2)",
            "Acetylene (C2H4)",
            "C2H4 C2H2",
            "CO/CO2",
            "CO2/CO",
            "C2H2/C2H4",
            "O2/N2",
            "일산화탄소(CO2)",
            "C2H",
            "C2H8",
            "CO3",
            "H3",
        ]);
    }

    #[test]
    fn non_gases_never_match() {
        assert_none(&[
            "TDCG",
            "TCG",
            "Total",
            "Total combustible",
            "Total combustible gas",
            "Total dissolved combustible gas (TDCG)",
            "TDCG (ppm)",
            "TCG (H2+CH4+C2H6+C2H4+C2H2+CO)",
            "Total gas (H2)",
            "H2O",
            "H₂O",
            "H2O (ppm)",
            "Moisture",
            "Moisture (H2O)",
            "Water content",
            "수분",
            "수분(ppm)",
            "Remarks",
            "Remark",
            "비고",
            "Notes",
            "총가스",
            "가스 합계",
            "C2H2/C2H4 ratio",
            "O2/N2 ratio",
            "CO2/CO 비율",
            "H2 (LOD)",
            "Detection limit (H2)",
            "H2 limit",
            "H2 검출한계",
            "Previous H2",
            "H2 increase",
            "H2 증가율",
            "Gas",
            "Dissolved gas",
            "Oil",
            "Oil temperature",
            "Oil type",
            "Buchholz gas H2",
            "Relative saturation (%)",
            "Serial No.",
            "Serial",
            "Serial number",
            "S/N",
            "제조번호",
            "ID",
            "No.",
            "Equipment",
            "",
            "   ",
            "Lab name",
        ]);
    }

    // --- nameplate and sample fields --------------------------------------------------------

    #[test]
    fn asset_id() {
        assert_field(
            &[
                "Asset ID",
                "Asset",
                "Asset No.",
                "Asset #",
                "Equipment No.",
                "Equipment ID",
                "Equip. No",
                "Equip No.",
                "Tag",
                "Tag No.",
                "Tag #",
                "Transformer ID",
                "Transformer No.",
                "TR No.",
                "T/R No",
                "설비번호",
                "설비 번호",
                "관리번호",
                "설비코드",
                "자산번호",
                "변압기번호",
                "변압기 번호",
                "설비번호(Equipment No.)",
                "ＴＲ Ｎｏ．",
                "TR번호",
            ],
            Field::AssetId,
        );
    }

    #[test]
    fn asset_name() {
        assert_field(
            &[
                "Name",
                "Transformer",
                "Transformer name",
                "Equipment name",
                "Asset name",
                "Transformer (Name)",
                "설비명",
                "변압기명",
                "명칭",
                "설비 명칭",
                "변압기",
                "Transformer name (설비명)",
            ],
            Field::AssetName,
        );
        assert_eq!(field_of("Transformer ID"), Some(Field::AssetId));
        assert_eq!(field_of("Substation name"), Some(Field::Substation));
        assert_eq!(field_of("Manufacturer name"), Some(Field::Manufacturer));
    }

    #[test]
    fn substation() {
        assert_field(
            &[
                "Substation",
                "Station",
                "Site",
                "S/S",
                "S/S Name",
                "Substation name",
                "변전소",
                "변전소명",
                "변전소 명",
                "사업소",
            ],
            Field::Substation,
        );
        assert_none(&["Location", "Substation transformer", "변전소 변압기"]);
    }

    #[test]
    fn manufacturer() {
        assert_field(
            &[
                "Manufacturer",
                "Maker",
                "Make",
                "Mfr",
                "Mfr.",
                "제작사",
                "제조사",
                "제작 회사",
            ],
            Field::Manufacturer,
        );
    }

    #[test]
    fn year_of_manufacture() {
        assert_field(
            &[
                "Year of manufacture",
                "Year built",
                "Manufactured",
                "Mfg year",
                "Mfg. Year",
                "YOM",
                "제작년도",
                "제작연도",
                "제조년도",
                "제작 년도",
            ],
            Field::YearOfManufacture,
        );
        assert_none(&["Year"]);
    }

    #[test]
    fn rated_voltage() {
        for header in [
            "Rated voltage",
            "Rated voltage (kV)",
            "Voltage (kV)",
            "Voltage [kV]",
            "Voltage kV",
            "Voltage",
            "kV",
            "KV",
            "Rated kV",
            "Rated (kV)",
            "Rating (kV)",
            "HV (kV)",
            "(kV)",
            "정격전압",
            "정격전압(kV)",
            "정격 전압 [kV]",
            "전압(kV)",
        ] {
            assert_eq!(
                match_header(header),
                Some(HeaderMatch {
                    field: Field::RatedKv,
                    unit: None
                }),
                "{header:?}"
            );
        }
    }

    #[test]
    fn rated_power() {
        assert_field(
            &[
                "Rated power",
                "Rated power (MVA)",
                "Capacity",
                "Capacity (MVA)",
                "MVA",
                "Rating (MVA)",
                "Rating",
                "Rated MVA",
                "MVA rating",
                "정격용량",
                "정격용량(MVA)",
                "용량",
                "용량 (MVA)",
            ],
            Field::RatedMva,
        );
    }

    #[test]
    fn oil_volume() {
        assert_field(
            &[
                "Oil volume",
                "Oil volume (L)",
                "Oil volume (liters)",
                "Oil volume [litres]",
                "Oil quantity",
                "Oil quantity (ℓ)",
                "Oil (L)",
                "Oil (liters)",
                "Oil vol.",
                "유량",
                "유량(L)",
                "절연유량",
                "절연유량 (L)",
                "절연유 (L)",
                "절연유(리터)",
            ],
            Field::OilVolumeLitres,
        );
    }

    #[test]
    fn nameplate_units_in_wrong_scale_or_place_are_rejected() {
        assert_none(&[
            "Capacity (kVA)",
            "Rated power (kW)",
            "Voltage (V)",
            "Oil volume (kg)",
            "Oil volume (gal)",
            "Oil (kg)",
            "Capacity (kV)",
            "Rated voltage (MVA)",
            "Oil volume (kV)",
            "Voltage (kV) (MVA)",
            "Oil",
            "Rated",
            "H2 (mg/kg)",
            "H2 (ppb)",
        ]);
    }

    #[test]
    fn oil_preservation() {
        assert_field(
            &[
                "Oil preservation",
                "Oil preservation system",
                "Preservation",
                "Conservator type",
                "Conservator",
                "Breather",
                "보존방식",
                "유보존방식",
                "유 보존 방식",
                "절연유 보존방식",
            ],
            Field::OilPreservation,
        );
    }

    #[test]
    fn communicating_oltc() {
        assert_field(
            &[
                "OLTC",
                "Communicating OLTC",
                "OLTC communicating",
                "OLTC (communicating)",
                "탭절환기 연통",
                "OLTC 연통",
                "OLTC연통",
                "OLTC 연통 여부",
                "OLTC 연통여부",
                "OLTC 유무",
            ],
            Field::CommunicatingOltc,
        );
        assert_none(&["OLTC 연통 제작사", "OLTC type"]);
    }

    #[test]
    fn sample_date() {
        assert_field(
            &[
                "Date Sampled",
                "Sampling date",
                "Sample date",
                "Date",
                "Sampled",
                "Date (yyyy-mm-dd)",
                "Sampling date (YYYY.MM.DD)",
                "채취일자",
                "채취일",
                "시료채취일",
                "시료 채취일",
                "분석일자",
                "분석일",
                "Analysis date",
                "일자",
            ],
            Field::SampleDate,
        );
    }

    #[test]
    fn other_dates_are_not_the_sample_date() {
        assert_none(&[
            "Date of manufacture",
            "Report date",
            "Date received",
            "Next sampling date",
            "Last sampling date",
            "Installation date",
            "Sample",
            "Sample type",
        ]);
    }

    #[test]
    fn sample_date_preference_ranks_sampling_over_analysis() {
        for header in [
            "Sampling date",
            "Date sampled",
            "Sample date",
            "채취일자",
            "시료채취일",
        ] {
            assert_eq!(sample_date_preference(header), 3, "{header:?}");
        }
        for header in ["Date", "일자", "날짜", "Date (yyyy-mm-dd)"] {
            assert_eq!(sample_date_preference(header), 2, "{header:?}");
        }
        for header in ["분석일자", "분석일", "Analysis date", "Test date", "측정일"] {
            assert_eq!(sample_date_preference(header), 1, "{header:?}");
        }
        for header in ["H2", "Sample ID", "Remarks", ""] {
            assert_eq!(sample_date_preference(header), 0, "{header:?}");
        }
        for &(alias, field) in ALIASES {
            if field == Field::SampleDate {
                assert!(sample_date_preference(alias) > 0, "{alias:?}");
            }
        }
    }

    #[test]
    fn lab_sample_id() {
        assert_field(
            &[
                "Sample ID",
                "Sample No.",
                "Sample No",
                "Sample #",
                "Lab No.",
                "Lab sample ID",
                "Sample No. (Lab)",
                "시료번호",
                "시료 번호",
                "분석번호",
            ],
            Field::LabSampleId,
        );
    }

    #[test]
    fn required_fields() {
        let required: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|field| field.is_required_for_samples())
            .collect();
        assert_eq!(required, vec![Field::AssetId, Field::SampleDate]);
    }

    #[test]
    fn labels_are_distinct_and_non_empty() {
        let mut english: Vec<&str> = Field::ALL.iter().map(|f| f.label_en()).collect();
        let mut korean: Vec<&str> = Field::ALL.iter().map(|f| f.label_ko()).collect();
        english.sort_unstable();
        english.dedup();
        korean.sort_unstable();
        korean.dedup();
        assert_eq!(english.len(), Field::ALL.len());
        assert_eq!(korean.len(), Field::ALL.len());
        assert_eq!(Field::Gas(Gas::CO2).to_string(), "Carbon dioxide (CO2)");
    }

    // --- serde -----------------------------------------------------------------------------

    #[test]
    fn field_serde_round_trips() {
        for field in Field::ALL {
            let json = serde_json::to_string(&field).expect("serialise");
            assert_eq!(json, format!("\"{}\"", field.key()));
            let back: Field = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, field);
        }
        assert_eq!(
            serde_json::to_string(&Field::Gas(Gas::C2H4)).expect("serialise"),
            "\"c2h4\""
        );
        assert_eq!(
            serde_json::to_string(&Field::OilVolumeLitres).expect("serialise"),
            "\"oil_volume_litres\""
        );
        let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len());
    }

    #[test]
    fn field_deserialisation_is_forgiving_but_not_loose() {
        let read = |json: &str| serde_json::from_str::<Field>(json).ok();
        assert_eq!(read("\"H2\""), Some(Field::Gas(Gas::H2)));
        assert_eq!(read("\"gas_co2\""), Some(Field::Gas(Gas::CO2)));
        assert_eq!(read("\"GAS_C2H2\""), Some(Field::Gas(Gas::C2H2)));
        assert_eq!(read("\"Asset_ID\""), Some(Field::AssetId));
        assert_eq!(read("\" sample_date \""), Some(Field::SampleDate));
        assert_eq!(read("\"gas_asset_id\""), None);
        assert_eq!(read("\"hydrogen\""), None);
        assert_eq!(read("\"h2o\""), None);
        assert_eq!(read("42"), None);
        let error = serde_json::from_str::<Field>("\"tdcg\"").expect_err("unknown field");
        assert!(error.to_string().contains("expected one of"), "{error}");
    }

    #[test]
    fn mapping_json_round_trips() {
        let json = r#"{"columns": [
            {"header": "설비 No.", "field": "asset_id"},
            {"header": "H2 농도", "field": "h2", "unit": "ppm"},
            {"header": "O2 농도", "field": "o2", "unit": "percent"}
        ]}"#;
        let mapping: Mapping = serde_json::from_str(json).expect("mapping");
        assert_eq!(mapping.columns.len(), 3);
        assert_eq!(mapping.columns[0].unit, None);
        assert_eq!(mapping.columns[2].unit, Some(Unit::Percent));
        let written = serde_json::to_string(&mapping).expect("serialise");
        assert!(!written.contains("null"), "{written}");
        let back: Mapping = serde_json::from_str(&written).expect("read back");
        assert_eq!(back, mapping);
        assert_eq!(Mapping::default().columns.len(), 0);
    }

    #[test]
    fn mapping_explicit_entries_come_first() {
        let mapping = Mapping {
            columns: vec![
                MappedColumn {
                    header: "Serial No.".into(),
                    field: Field::AssetId,
                    unit: None,
                },
                MappedColumn {
                    header: "Date".into(),
                    field: Field::LabSampleId,
                    unit: None,
                },
                MappedColumn {
                    header: "Gas A".into(),
                    field: Field::Gas(Gas::H2),
                    unit: Some(Unit::Percent),
                },
                MappedColumn {
                    header: "Gas B (%)".into(),
                    field: Field::Gas(Gas::O2),
                    unit: None,
                },
                MappedColumn {
                    header: "Gas C".into(),
                    field: Field::Gas(Gas::N2),
                    unit: None,
                },
                MappedColumn {
                    header: "Volt".into(),
                    field: Field::RatedKv,
                    unit: Some(Unit::Percent),
                },
                MappedColumn {
                    header: "serial no".into(),
                    field: Field::AssetName,
                    unit: None,
                },
            ],
            blank_gas: None,
        };
        let resolved = |header: &str| mapping.resolve(header);
        // Compared normalised; the first entry wins.
        assert_eq!(
            resolved("SERIAL  NO"),
            Some(HeaderMatch {
                field: Field::AssetId,
                unit: None
            })
        );
        // Explicit beats automatic.
        assert_eq!(resolved("date").map(|m| m.field), Some(Field::LabSampleId));
        assert_eq!(
            resolved("Gas A"),
            Some(HeaderMatch {
                field: Field::Gas(Gas::H2),
                unit: Some(Unit::Percent)
            })
        );
        // No unit in the entry: the header's own unit.
        assert_eq!(
            resolved("Gas B (%)"),
            Some(HeaderMatch {
                field: Field::Gas(Gas::O2),
                unit: Some(Unit::Percent)
            })
        );
        assert_eq!(
            resolved("Gas C"),
            Some(HeaderMatch {
                field: Field::Gas(Gas::N2),
                unit: None
            })
        );
        // Units on non-gas entries are dropped.
        assert_eq!(
            resolved("Volt"),
            Some(HeaderMatch {
                field: Field::RatedKv,
                unit: None
            })
        );
        // Falls back to automatic recognition.
        assert_eq!(
            resolved("H2 (ppm)"),
            Some(HeaderMatch {
                field: Field::Gas(Gas::H2),
                unit: Some(Unit::Ppm)
            })
        );
        assert_eq!(resolved("Remarks"), None);
        assert_eq!(resolved(""), None);
        // An entry with an empty header never matches an empty cell.
        let blank = Mapping {
            columns: vec![MappedColumn {
                header: " ".into(),
                field: Field::AssetId,
                unit: None,
            }],
            blank_gas: None,
        };
        assert_eq!(blank.resolve(""), None);
    }

    // --- signature -------------------------------------------------------------------------

    #[test]
    fn signature_joins_normalised_headers() {
        let headers: Vec<String> = [
            "설비번호",
            "Date Sampled",
            "H₂ (ppm)",
            "",
            "Remarks",
            "",
            "",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(signature(&headers), "설비번호|datesampled|h2ppm||remarks");
        let same_shape: Vec<String> = ["설비 번호", "DATE SAMPLED", "H2 [ppm]", "", "REMARKS"]
            .map(String::from)
            .to_vec();
        assert_eq!(signature(&same_shape), signature(&headers));
        let other: Vec<String> = ["Date Sampled", "설비번호"].map(String::from).to_vec();
        assert_ne!(signature(&other), signature(&headers));
        assert_eq!(signature(&[]), "");
        assert_eq!(signature(&[String::new(), String::new()]), "");
    }

    // --- robustness ------------------------------------------------------------------------

    #[test]
    fn odd_inputs_do_not_panic() {
        for header in [
            "(((((",
            ")))))",
            "[(]){",
            "H2 (",
            "H2 )",
            "(H2",
            "%%%%",
            "////",
            "ul/",
            "/l",
            "v/",
            "ppm/",
            "H2 ppm/",
            "\u{1100}",
            "\u{11A8}",
            "\u{AC00}\u{11A8}",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
            "h 2 h 2 h 2 h 2 h 2 h 2 h 2 h 2 h 2 h 2",
            "\u{0}",
            "\u{FFFF}",
            "İ",
        ] {
            let _ = match_header(header);
            let _ = normalize(header);
            let _ = sample_date_preference(header);
        }
        assert_eq!(field_of("H2 ("), Some(Field::Gas(Gas::H2)));
        assert_eq!(field_of("(H2"), Some(Field::Gas(Gas::H2)));
        assert_eq!(field_of("h 2 h 2"), Some(Field::Gas(Gas::H2)));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(header in any::<String>()) {
            let _ = match_header(&header);
            let _ = sample_date_preference(&header);
            let _ = Mapping::default().resolve(&header);
            let _ = signature(std::slice::from_ref(&header));
        }

        #[test]
        fn normalize_is_idempotent_and_clean(header in any::<String>()) {
            let once = normalize(&header);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(once.chars().all(char::is_alphanumeric));
            prop_assert!(!once.contains('|'));
        }

        #[test]
        fn header_like_text_never_panics(
            header in r"[ A-Za-z0-9()\[\]/%.,#µμ₂²수소변전일자\x{1100}-\x{1112}\x{1161}-\x{1175}\x{11A8}-\x{11C2}-]{0,40}"
        ) {
            let _ = match_header(&header);
            let once = normalize(&header);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn explicit_mapping_wins_for_its_own_header(header in "[A-Za-z가-힣 ]{1,20}") {
            prop_assume!(!normalize(&header).is_empty());
            let mapping = Mapping {
                columns: vec![MappedColumn {
                    header: header.clone(),
                    field: Field::Manufacturer,
                    unit: None,
                }],
                blank_gas: None,
            };
            prop_assert_eq!(
                mapping.resolve(&header),
                Some(HeaderMatch { field: Field::Manufacturer, unit: None })
            );
        }
    }
}
