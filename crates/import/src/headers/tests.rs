//! Tests of fields, mappings and signatures, and the helpers the header tests share.

use super::*;
use proptest::prelude::*;

pub(super) fn field_of(header: &str) -> Option<Field> {
    match_header(header).map(|found| found.field)
}

pub(super) fn assert_field(headers: &[&str], expected: Field) {
    for header in headers {
        assert_eq!(
            field_of(header),
            Some(expected),
            "header {header:?} should be {expected:?}"
        );
    }
}

pub(super) fn assert_none(headers: &[&str]) {
    for header in headers {
        assert_eq!(
            match_header(header),
            None,
            "header {header:?} should not match"
        );
    }
}

pub(super) fn assert_gas(header: &str, gas: Gas, unit: Option<Unit>) {
    assert_eq!(
        match_header(header),
        Some(HeaderMatch {
            field: Field::Gas(gas),
            unit
        }),
        "header {header:?}"
    );
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
            MappingEntry {
                header: "Serial No.".into(),
                field: Field::AssetId,
                unit: None,
            },
            MappingEntry {
                header: "Date".into(),
                field: Field::LabSampleId,
                unit: None,
            },
            MappingEntry {
                header: "Gas A".into(),
                field: Field::Gas(Gas::H2),
                unit: Some(Unit::Percent),
            },
            MappingEntry {
                header: "Gas B (%)".into(),
                field: Field::Gas(Gas::O2),
                unit: None,
            },
            MappingEntry {
                header: "Gas C".into(),
                field: Field::Gas(Gas::N2),
                unit: None,
            },
            MappingEntry {
                header: "Volt".into(),
                field: Field::RatedKv,
                unit: Some(Unit::Percent),
            },
            MappingEntry {
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
        columns: vec![MappingEntry {
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

proptest! {
    #[test]
    fn explicit_mapping_wins_for_its_own_header(header in "[A-Za-z가-힣 ]{1,20}") {
        prop_assume!(!normalize(&header).is_empty());
        let mapping = Mapping {
            columns: vec![MappingEntry {
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

    #[test]
    fn never_panics_on_arbitrary_text(header in any::<String>()) {
        let _ = match_header(&header);
        let _ = sample_date_preference(&header);
        let _ = Mapping::default().resolve(&header);
        let _ = signature(std::slice::from_ref(&header));
    }
}

#[test]
fn the_numero_sign_reads_as_no_wherever_it_stands() {
    assert_field(
        &["Tag№", "Equip. №", "Transformer No", "TR #"],
        Field::AssetId,
    );
}
