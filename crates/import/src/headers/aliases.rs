//! The alias tables and word lists that header matching looks up.
//!
//! Every entry is already in normalised form (a test checks it).

use substation_dga::Gas;

use super::Field;

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
pub(super) const NAMEPLATE_UNITS: &[(&str, Field)] = &[
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
pub(super) const FOREIGN_UNITS: &[&str] = &[
    "v", "kva", "va", "w", "kw", "mw", "kg", "t", "ton", "tons", "lb", "lbs", "gal", "gals",
    "gallon", "gallons", "m3", "ml", "cc", "ppb", "ppmw", "mgkg", "ugg", "ugl",
];

/// Words that add nothing ("Dissolved hydrogen content in oil").
pub(super) const FILLER_WORDS: &[&str] = &[
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
pub(super) const KO_FILLER_PREFIXES: &[&str] = &["용존"];
pub(super) const KO_FILLER_SUFFIXES: &[&str] = &["농도", "함량", "가스", "여부", "유무"];

/// Words that give meaning only together with a bracketed nameplate unit ("Rated (kV)").
pub(super) const QUALIFIERS: &[&str] = &[
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
pub(super) const VETO_WORDS: &[&str] = &[
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use crate::headers::normalize;
    use crate::headers::tests::field_of;
    use crate::headers::{HeaderMatch, match_header};

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
}
