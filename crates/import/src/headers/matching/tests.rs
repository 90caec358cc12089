//! Tests of header recognition: units, gases, nameplate and sample fields, odd input.

use super::*;
use proptest::prelude::*;
use substation_dga::Gas;

use crate::headers::tests::{assert_field, assert_gas, assert_none, field_of};

use crate::headers::{normalize, sample_date_preference};

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
    fn header_like_text_never_panics(
        header in r"[ A-Za-z0-9()\[\]/%.,#µμ₂²수소변전일자\x{1100}-\x{1112}\x{1161}-\x{1175}\x{11A8}-\x{11C2}-]{0,40}"
    ) {
        let _ = match_header(&header);
        let once = normalize(&header);
        prop_assert_eq!(normalize(&once), once.clone());
    }
}
