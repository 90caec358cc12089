//! Real workbooks in, typed assets and samples and located issues out.

mod common;

use common::*;
use substation_dga::{Gas, GasValue, OilPreservation};
use substation_import::{ImportError, Severity, SheetRole, import_file};

#[test]
fn the_template_round_trips() {
    let dir = scratch("template");
    let path = dir.join("template.xlsx");
    substation_import::template::write_template(&path).expect("template");
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(import.assets.len(), 1);
    let asset = &import.assets[0];
    assert_eq!(asset.id, "TR-0001");
    assert_eq!(asset.year_of_manufacture, Some(2005));
    assert_eq!(asset.rated_kv, Some(154.0));
    assert_eq!(asset.oil_preservation, Some(OilPreservation::Conservator));
    assert_eq!(asset.communicating_oltc, Some(false));
    assert_eq!(import.samples.len(), 1);
    let sample = &import.samples[0];
    assert_eq!(sample.sample.date, day(2024, 3, 15));
    assert_eq!(sample.sample.gases.h2, GasValue::Measured(12.0));
    assert_eq!(
        sample.sample.gases.c2h2,
        GasValue::BelowDetection { limit: Some(0.5) }
    );
    assert_eq!((sample.sheet.as_str(), sample.row), ("Samples", 2));
    let roles: Vec<_> = import
        .sheets
        .iter()
        .map(|s| (s.sheet.as_str(), s.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("Read me", SheetRole::Ignored),
            ("Transformers", SheetRole::Assets),
            ("Samples", SheetRole::Samples)
        ]
    );
}

#[test]
fn one_sheet_with_korean_headers_below_a_title() {
    let dir = scratch("korean");
    let path = dir.join("korean.xlsx");
    let header = [
        "관리번호",
        "변전소",
        "제작년도",
        "채취일자",
        "수소(H2)",
        "메탄",
        "에탄",
        "에틸렌",
        "아세틸렌",
        "일산화탄소",
        "이산화탄소",
        "산소 (%)",
        "질소 (%)",
    ];
    let rows = vec![
        vec![W::S("유중가스 분석 결과 (2025년)")],
        vec![],
        header.iter().map(|h| W::S(h)).collect(),
        vec![
            W::S("A-101"),
            W::S("신인천"),
            W::N(1998.0),
            W::S("2024.03.15"),
            W::N(30.0),
            W::N(10.0),
            W::N(5.0),
            W::N(8.0),
            W::S("불검출"),
            W::N(400.0),
            W::N(3000.0),
            W::N(2.1),
            W::N(6.5),
        ],
        vec![
            W::S("A-101"),
            W::S("신인천"),
            W::N(1998.0),
            W::S("2025년 3월 14일"),
            W::N(35.0),
            W::N(11.0),
            W::N(5.0),
            W::N(9.0),
            W::S("ND"),
            W::N(420.0),
            W::N(3100.0),
            W::N(2.0),
            W::N(6.4),
        ],
    ];
    xlsx(&path, &[("분석결과", rows)]);
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(import.sheets[0].header_row, Some(3));
    assert_eq!(import.assets.len(), 1);
    assert_eq!(import.assets[0].substation.as_deref(), Some("신인천"));
    assert_eq!(import.assets[0].year_of_manufacture, Some(1998));
    let s: Vec<_> = import
        .samples
        .iter()
        .map(|s| (s.row, s.sample.date))
        .collect();
    assert_eq!(s, [(4, day(2024, 3, 15)), (5, day(2025, 3, 14))]);
    let first = &import.samples[0].sample.gases;
    assert_eq!(first.c2h2, GasValue::BelowDetection { limit: None });
    // Percent columns become ppm.
    assert_eq!(first.get(Gas::O2), GasValue::Measured(21_000.0));
    assert_eq!(first.get(Gas::N2), GasValue::Measured(65_000.0));
}

#[test]
fn value_forms_a_lab_writes() {
    let dir = scratch("values");
    let path = dir.join("values.xlsx");
    let mut header = sample_header();
    header.truncate(9);
    let row = |h2: W, ch4: W, c2h6: W, c2h4: W, c2h2: W, co: W, co2: W| {
        vec![
            W::S("T-1"),
            W::D(day(2024, 1, 1)),
            h2,
            ch4,
            c2h6,
            c2h4,
            c2h2,
            co,
            co2,
        ]
    };
    xlsx(
        &path,
        &[(
            "Samples",
            vec![
                header,
                row(
                    W::S("<5"),
                    W::S("< 2"),
                    W::S("ND"),
                    W::S("N.D."),
                    W::S("-"),
                    W::S("1,234"),
                    W::S("12,5"),
                ),
                {
                    let mut r = row(
                        W::S("tr"),
                        W::S("trace"),
                        W::S("n.d."),
                        W::Blank,
                        W::S("불검출"),
                        W::N(1e6),
                        W::S(" 7 "),
                    );
                    r[1] = W::D(day(2024, 6, 1));
                    r
                },
            ],
        )],
    );
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    let a = &import.samples[0].sample.gases;
    assert_eq!(a.h2, GasValue::BelowDetection { limit: Some(5.0) });
    assert_eq!(a.ch4, GasValue::BelowDetection { limit: Some(2.0) });
    assert_eq!(a.c2h6, GasValue::BelowDetection { limit: None });
    assert_eq!(a.c2h4, GasValue::BelowDetection { limit: None });
    assert_eq!(a.c2h2, GasValue::BelowDetection { limit: None });
    assert_eq!(a.co, GasValue::Measured(1234.0));
    assert_eq!(a.co2, GasValue::Measured(12.5));
    let b = &import.samples[1].sample.gases;
    assert_eq!(b.h2, GasValue::BelowDetection { limit: None });
    assert_eq!(b.c2h4, GasValue::NotMeasured, "blank is not measured");
    assert_eq!(
        b.co,
        GasValue::Measured(1e6),
        "the plausibility limit itself is accepted"
    );
    assert_eq!(b.co2, GasValue::Measured(7.0));
    assert_eq!(b.o2, GasValue::NotMeasured, "no O2 column");
}

#[test]
fn bad_values_leave_the_row_out_and_say_where() {
    let dir = scratch("bad");
    let path = dir.join("bad.xlsx");
    let mut negative = sample_row("T-1", day(2024, 1, 1));
    negative[2] = W::N(-3.0);
    let mut text = sample_row("T-1", day(2024, 2, 1));
    text[3] = W::S("abc");
    let mut absurd = sample_row("T-1", day(2024, 3, 1));
    absurd[8] = W::N(2_500_000.0);
    let mut two = sample_row("T-1", day(2024, 4, 1));
    two[2] = W::N(-1.0);
    two[4] = W::S("x");
    let good = sample_row("T-1", day(2024, 5, 1));
    xlsx(
        &path,
        &[(
            "Samples",
            vec![sample_header(), negative, text, absurd, two, good],
        )],
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "absurd_value@Samples!I4",
            "negative_value@Samples!C2",
            "negative_value@Samples!C5",
            "not_numeric@Samples!D3",
            "not_numeric@Samples!E5",
        ]
    );
    assert!(import.issues.iter().all(|i| i.severity == Severity::Error));
    let negative = import.issues.iter().find(|i| i.row == Some(2)).expect("C2");
    assert_eq!(negative.header.as_deref(), Some("H2 (ppm)"));
    assert_eq!(negative.raw.as_deref(), Some("-3"));
    assert!(!negative.message_en.is_empty() && !negative.message_ko.is_empty());
    assert_eq!(import.samples.len(), 1, "only the sound row");
    assert_eq!(import.samples[0].row, 6);
    assert_eq!(import.summary.rows_left_out, 4);
    assert_eq!(import.summary.errors, 5);
}

#[test]
fn missing_id_date_and_gases_are_errors() {
    let dir = scratch("missing");
    let path = dir.join("missing.xlsx");
    let mut no_id = sample_row("T-1", day(2024, 1, 1));
    no_id[0] = W::Blank;
    let mut no_date = sample_row("T-1", day(2024, 1, 1));
    no_date[1] = W::Blank;
    let mut not_date = sample_row("T-1", day(2024, 1, 1));
    not_date[1] = W::S("sometime");
    let mut no_gas = vec![W::S("T-1"), W::D(day(2024, 2, 1))];
    no_gas.extend((0..9).map(|_| W::Blank));
    no_gas.push(W::S("note"));
    xlsx(
        &path,
        &[(
            "Samples",
            vec![sample_header(), no_id, no_date, not_date, no_gas],
        )],
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "missing_asset_id@Samples!A2",
            "missing_date@Samples!B3",
            "no_gas_values@Samples!5",
            "not_a_date@Samples!B4",
        ]
    );
    assert!(!import.is_usable());
}

#[test]
fn a_date_cell_far_outside_any_calendar_is_a_row_issue_not_a_broken_workbook() {
    let dir = scratch("far-dates");
    let path = dir.join("far.xlsx");
    let mut rows = vec![sample_header(), sample_row("T-1", day(2024, 1, 1))];
    // Date-formatted numbers no calendar holds: the reader's date arithmetic overflows on the
    // first (it used to panic, which made the whole workbook `not_a_workbook`).
    for serial in [-1.0e12, 1.0e12, -1.0e300] {
        let mut row = sample_row("T-2", day(2024, 1, 1));
        row[1] = W::DN(serial);
        rows.push(row);
    }
    let xlsb = dir.join("far.xlsb");
    common::xlsb::xlsb(&xlsb, &[("Samples", rows.clone())]);
    xlsx(&path, &[("Samples", rows)]);
    for path in [path, xlsb] {
        let import = read(&path);
        assert_eq!(import.summary.samples, 1, "{:#?}", import.issues);
        assert_eq!(
            issue_codes(&import),
            [
                "not_a_date@Samples!B3",
                "not_a_date@Samples!B4",
                "not_a_date@Samples!B5"
            ],
            "{}",
            path.display()
        );
    }
}

#[test]
fn dates_in_every_form_and_both_excel_systems() {
    let dir = scratch("dates");
    let path = dir.join("dates.xlsx");
    // A date cell, an Excel serial (45225 = 2023-10-26 in the 1900 system) and text forms.
    let forms = [
        W::D(day(2023, 10, 25)),
        W::N(45_225.0),
        W::S("2023-10-27"),
        W::S("2023.10.28"),
        W::S("2023/10/29"),
        W::S("2023년 10월 30일"),
        W::S("31/10/2023"),
    ];
    let rows: Vec<Vec<W>> = std::iter::once(sample_header())
        .chain(forms.iter().map(|f| {
            let mut row = sample_row("T-1", day(2000, 1, 1));
            row[1] = f.clone();
            row
        }))
        .collect();
    xlsx(&path, &[("Samples", rows)]);
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    let dates: Vec<_> = import.samples.iter().map(|s| s.sample.date).collect();
    let expected: Vec<_> = (25..=31).map(|d| day(2023, 10, d)).collect();
    assert_eq!(dates, expected);

    // In a 1904 workbook serial 43762 is 2023-10-25.
    let path = dir.join("dates-1904.xlsx");
    let mut row = sample_row("T-1", day(2000, 1, 1));
    row[1] = W::N(43_762.0);
    xlsx(&path, &[("Samples", vec![sample_header(), row])]);
    make_1904(&path);
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(import.samples[0].sample.date, day(2023, 10, 25));
}

#[test]
fn day_month_order_is_settled_by_the_column_or_refused() {
    let dir = scratch("ambiguous");
    let with_dates = |name: &str, dates: &[&'static str]| {
        let path = dir.join(name);
        let rows: Vec<Vec<W>> = std::iter::once(sample_header())
            .chain(dates.iter().map(|d| {
                let mut row = sample_row("T-1", day(2000, 1, 1));
                row[1] = W::S(d);
                row
            }))
            .collect();
        xlsx(&path, &[("Samples", rows)]);
        path
    };
    // 25/10 proves the column is day-first, so 05/10 is 5 October.
    let settled = read(&with_dates("settled.xlsx", &["05/10/2023", "25/10/2023"]));
    assert!(settled.issues.is_empty(), "{:#?}", settled.issues);
    assert_eq!(settled.samples[0].sample.date, day(2023, 10, 5));
    // Nothing settles it: refused, not guessed.
    let path = with_dates("unsettled.xlsx", &["05/10/2023", "06/10/2023"]);
    let unsettled = read(&path);
    assert_eq!(
        issue_codes(&unsettled),
        ["ambiguous_date@Samples!B2", "ambiguous_date@Samples!B3"]
    );
    // The user can settle it.
    let mut options = options();
    options.day_order = Some(substation_import::values::DayOrder::MonthFirst);
    let told = import_file(&path, &options).expect("import");
    assert_eq!(told.samples[0].sample.date, day(2023, 5, 10));
}

#[test]
fn old_dates_are_warnings_and_future_dates_errors() {
    // Today is 2025-11-01 (common::options); a day of grace covers the laboratory's time zone.
    let dir = scratch("plausible");
    let path = dir.join("plausible.xlsx");
    xlsx(
        &path,
        &[(
            "Samples",
            vec![
                sample_header(),
                sample_row("T-1", day(1949, 12, 31)),
                sample_row("T-1", day(1950, 1, 1)),
                sample_row("T-1", day(2031, 1, 1)),
                sample_row("T-1", day(2025, 11, 2)),
                sample_row("T-1", day(2025, 11, 3)),
            ],
        )],
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "future_date@Samples!B4",
            "future_date@Samples!B6",
            "implausible_date@Samples!B2"
        ]
    );
    let future = import
        .issues
        .iter()
        .find(|i| i.code == "future_date")
        .expect("future date");
    assert_eq!(future.severity, Severity::Error);
    assert_eq!(
        future.message_en,
        "2031-01-01 is after today (2025-11-01): a sample cannot be drawn in the future"
    );
    let old = import
        .issues
        .iter()
        .find(|i| i.code == "implausible_date")
        .expect("old date");
    assert_eq!(old.severity, Severity::Warning);
    let dates: Vec<_> = import.samples.iter().map(|s| s.sample.date).collect();
    assert_eq!(
        dates,
        [day(1949, 12, 31), day(1950, 1, 1), day(2025, 11, 2)],
        "the warning keeps its row, the errors leave theirs out, tomorrow is within grace"
    );
}

#[test]
fn duplicates_merge_and_conflicts_are_left_out() {
    let dir = scratch("duplicates");
    let path = dir.join("duplicates.xlsx");
    let mut conflicting = sample_row("T-1", day(2024, 2, 1));
    conflicting[2] = W::N(99.0);
    xlsx(
        &path,
        &[(
            "Samples",
            vec![
                sample_header(),
                sample_row("T-1", day(2024, 1, 1)),
                sample_row("T-1", day(2024, 2, 1)),
                sample_row("T-1", day(2024, 1, 1)),
                conflicting,
                sample_row("T-2", day(2024, 1, 1)),
            ],
        )],
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "conflicting_samples@Samples!3",
            "conflicting_samples@Samples!5",
            "duplicate_sample@Samples!4"
        ]
    );
    let kept: Vec<_> = import
        .samples
        .iter()
        .map(|s| (s.asset_id.as_str(), s.row))
        .collect();
    assert_eq!(kept, [("T-1", 2), ("T-2", 6)]);
    assert_eq!(import.summary.duplicates_merged, 1);
}

#[test]
fn two_sheets_join_on_asset_id() {
    let dir = scratch("two-sheets");
    let path = dir.join("two.xlsx");
    let assets = vec![
        [
            "Equipment No.",
            "Substation",
            "Year built",
            "Oil preservation",
            "OLTC",
        ]
        .map(W::S)
        .to_vec(),
        vec![
            W::S("T-1"),
            W::S("North"),
            W::N(1990.0),
            W::S("sealed"),
            W::S("yes"),
        ],
        vec![
            W::S("T-1"),
            W::S("South"),
            W::N(1990.0),
            W::S("sealed"),
            W::S("yes"),
        ],
        vec![
            W::S("T-3"),
            W::S("East"),
            W::S("nineteen"),
            W::S("N2 blanket"),
            W::S("no"),
        ],
    ];
    xlsx(
        &path,
        &[
            ("Units", assets),
            (
                "Results",
                vec![
                    sample_header(),
                    sample_row("T-1", day(2024, 1, 1)),
                    sample_row("T-2", day(2024, 1, 1)),
                ],
            ),
        ],
    );
    let import = read(&path);
    let ids: Vec<_> = import.assets.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["T-1", "T-3", "T-2"]);
    assert_eq!(
        import.assets[0].substation.as_deref(),
        Some("North"),
        "first nameplate kept"
    );
    assert_eq!(
        import.assets[0].oil_preservation,
        Some(OilPreservation::Sealed)
    );
    assert_eq!(import.assets[0].communicating_oltc, Some(true));
    assert_eq!(
        import.assets[1].year_of_manufacture, None,
        "a bad year loses the value only"
    );
    assert_eq!(
        import.assets[1].oil_preservation,
        Some(OilPreservation::NitrogenBlanket)
    );
    assert_eq!(
        issue_codes(&import),
        [
            "nameplate_differs@Units!B3",
            "not_a_year@Units!C4",
            "unknown_asset@Results!3"
        ]
    );
    assert_eq!(import.samples.len(), 2);
}

#[test]
fn an_unmappable_workbook_says_what_it_found_and_what_is_missing() {
    let dir = scratch("unmapped");
    let path = dir.join("unmapped.xlsx");
    xlsx(
        &path,
        &[(
            "Data",
            vec![
                ["Unit", "When", "H2", "CH4"].map(W::S).to_vec(),
                vec![W::S("T-1"), W::D(day(2024, 1, 1)), W::N(1.0), W::N(2.0)],
            ],
        )],
    );
    let error = import_err(&path);
    let message = error.to_string();
    assert_eq!(error.code(), "workbook_unmapped");
    assert!(
        message.contains("Unit") && message.contains("When"),
        "{message}"
    );
    assert!(
        message.contains("asset id") || message.contains("Asset"),
        "{message}"
    );
    assert!(!error.message_ko().is_empty());

    // An explicit mapping makes it importable.
    let mapping: substation_import::headers::Mapping = serde_json::from_value(serde_json::json!({
        "columns": [
            {"header": "Unit", "field": "asset_id"},
            {"header": "When", "field": "sample_date"}
        ]
    }))
    .expect("mapping");
    let mut options = options();
    options.mapping = mapping;
    let import = import_file(&path, &options).expect("mapped import");
    assert_eq!(import.samples.len(), 1);
}

#[test]
fn csv_in_utf8_bom_cp949_and_semicolons() {
    let dir = scratch("csv");
    let utf8 = dir.join("utf8.csv");
    write_text(
        &utf8,
        "\u{feff}설비번호,채취일자,수소,메탄,아세틸렌\nK-1,2024-01-05,12,3,ND\n".as_bytes(),
    );
    let import = read(&utf8);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(import.encoding, Some(substation_import::TextEncoding::Utf8));
    assert_eq!(import.samples[0].sample.gases.h2, GasValue::Measured(12.0));

    let cp949 = dir.join("cp949.csv");
    let (bytes, _, _) =
        encoding_rs::EUC_KR.encode("관리번호,분석일자,수소,메탄\nK-2,2024.02.03,7,1\n");
    write_text(&cp949, &bytes);
    let import = read(&cp949);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(
        import.encoding,
        Some(substation_import::TextEncoding::Cp949)
    );
    assert_eq!(import.samples[0].asset_id, "K-2");
    assert_eq!(import.samples[0].sample.date, day(2024, 2, 3));

    let semicolons = dir.join("semi.csv");
    write_text(
        &semicolons,
        b"Asset ID;Date;H2;CO2\nE-1;2024-03-01;12,5;1.234\n",
    );
    let import = read(&semicolons);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(import.samples[0].sample.gases.h2, GasValue::Measured(12.5));
}

#[test]
fn refuses_large_encrypted_and_foreign_files() {
    let dir = scratch("refuse");
    let path = dir.join("big.xlsx");
    xlsx(
        &path,
        &[(
            "Samples",
            vec![sample_header(), sample_row("T-1", day(2024, 1, 1))],
        )],
    );
    let mut options = options();
    options.max_file_bytes = 100;
    let error = import_file(&path, &options).expect_err("too large");
    assert_eq!(error.code(), "file_too_large");

    // An encrypted OOXML workbook is an OLE compound file, whatever its extension says.
    let encrypted = dir.join("locked.xlsx");
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(4096, 0);
    write_text(&encrypted, &bytes);
    assert!(matches!(
        import_err(&encrypted),
        ImportError::Encrypted { .. }
    ));

    let pdf = dir.join("report.pdf");
    write_text(&pdf, b"%PDF-1.7\n");
    assert_eq!(import_err(&pdf).code(), "not_a_workbook");

    let broken = dir.join("broken.xlsx");
    write_text(&broken, b"PK\x03\x04 not really a zip");
    assert_eq!(import_err(&broken).code(), "not_a_workbook");
}

#[test]
fn a_huge_declared_dimension_costs_nothing() {
    // A formatted blank cell at XFD1048576 makes the sheet declare A1:XFD1048576, the trap
    // that makes whole-sheet readers allocate gigabytes.
    let dir = scratch("dimension");
    let path = dir.join("dimension.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Samples").expect("name");
    for (c, h) in ["Asset ID", "Date", "H2"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    sheet.write_string(1, 0, "T-1").expect("write");
    sheet.write_string(1, 1, "2024-01-01").expect("write");
    sheet.write_number(1, 2, 5.0).expect("write");
    let bold = rust_xlsxwriter::Format::new().set_bold();
    sheet.write_blank(1_048_575, 16_383, &bold).expect("blank");
    workbook.save(&path).expect("save");
    let import = read(&path);
    assert_eq!(import.samples.len(), 1);
}

#[test]
fn progress_is_reported_and_cancel_stops() {
    let dir = scratch("cancel");
    let path = dir.join("many.xlsx");
    let rows: Vec<Vec<W>> = std::iter::once(sample_header())
        .chain((0..5000).map(|i| sample_row("T-1", day(2000, 1, 1) + chrono::Days::new(i))))
        .collect();
    xlsx(&path, &[("Samples", rows)]);
    let seen = std::sync::Mutex::new(Vec::new());
    let report = |p: &substation_import::Progress| seen.lock().expect("lock").push(p.rows_read);
    let mut options = options();
    options.progress = Some(&report);
    let import = import_file(&path, &options).expect("import");
    assert_eq!(import.samples.len(), 5000);
    assert_eq!(*seen.lock().expect("lock"), [2000, 4000]);

    let cancel = std::sync::atomic::AtomicBool::new(true);
    let mut options = common::options();
    options.cancel = Some(&cancel);
    assert!(matches!(
        import_file(&path, &options),
        Err(ImportError::Cancelled)
    ));

    // A panic in the caller's callback is the caller's: passed on, not blamed on the file.
    let explode = |_: &substation_import::Progress| panic!("callback bug");
    let mut options = common::options();
    options.progress = Some(&explode);
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        import_file(&path, &options)
    }))
    .expect_err("the callback's panic is passed on");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"callback bug"));
}

/// A sheet of `Asset ID, Date, H2` rows for the tests below.
fn simple_sheet(rows: &[(&'static str, &'static str, f64)]) -> Vec<Vec<W>> {
    std::iter::once(["Asset ID", "Date", "H2"].map(W::S).to_vec())
        .chain(
            rows.iter()
                .map(|(id, date, h2)| vec![W::S(id), W::S(date), W::N(*h2)]),
        )
        .collect()
}

#[test]
fn chart_sheets_are_skipped_and_an_unreadable_sheet_is_a_warning() {
    let dir = scratch("chartsheet");
    // A chart sheet after the data (calamine refuses to read one as a range).
    let path = dir.join("chart.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Samples").expect("name");
    for (r, row) in [["Asset ID", "Date", "H2"], ["T-1", "2024-01-01", ""]]
        .iter()
        .enumerate()
    {
        for (c, text) in row.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
            sheet
                .write_string(r as u32, c as u16, *text)
                .expect("write");
        }
    }
    sheet.write_number(1, 2, 5.0).expect("write");
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Line);
    chart.add_series().set_values("Samples!$C$2:$C$2");
    let chartsheet = workbook.add_chartsheet();
    chartsheet.set_name("H2 trend").expect("name");
    chartsheet.insert_chart(0, 0, &chart).expect("chart");
    workbook.save(&path).expect("save");
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(import.samples.len(), 1);
    let names: Vec<_> = import.sheets.iter().map(|s| s.sheet.as_str()).collect();
    assert_eq!(
        names,
        ["Samples"],
        "the chart sheet is not a sheet of cells"
    );

    // A sheet whose XML is broken costs that sheet only, with a warning.
    let path = dir.join("broken-notes.xlsx");
    xlsx(
        &path,
        &[
            ("Samples", simple_sheet(&[("T-1", "2024-01-01", 5.0)])),
            ("Notes", vec![vec![W::S("remarks")]]),
        ],
    );
    let break_sheet = |name: &str, content: Vec<u8>| {
        if name == "xl/worksheets/sheet2.xml" {
            b"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>".to_vec()
        } else {
            content
        }
    };
    rewrite_zip(&path, break_sheet, &[]);
    let import = read(&path);
    assert_eq!(issue_codes(&import), ["sheet_unreadable@Notes"]);
    assert_eq!(import.issues[0].severity, Severity::Warning);
    assert_eq!(import.samples.len(), 1);
    let notes = import
        .sheets
        .iter()
        .find(|s| s.sheet == "Notes")
        .expect("Notes");
    assert_eq!(notes.role, SheetRole::Ignored);

    // A sheet that breaks after some rows keeps nothing of them, their issues included. (40
    // rows, so that rows are parsed, not only kept for the header search, before it breaks.)
    let path = dir.join("broken-late.xlsx");
    let mut more = simple_sheet(&[("T-2", "2024-01-01", -5.0)]);
    for d in 1..40 {
        more.push(vec![
            W::S("T-3"),
            W::D(day(2024, 1, 1) + chrono::Days::new(d)),
            W::N(5.0),
        ]);
    }
    xlsx(
        &path,
        &[
            ("Samples", simple_sheet(&[("T-1", "2024-01-01", 5.0)])),
            ("More", more),
        ],
    );
    // The rows above row 40, row 2 with its negative H2 among them, have been read when the
    // XML breaks off.
    break_second_sheet_at(&path, 40);
    let import = read(&path);
    assert_eq!(issue_codes(&import), ["sheet_unreadable@More"]);
    let ids: Vec<_> = import.samples.iter().map(|s| s.asset_id.as_str()).collect();
    assert_eq!(ids, ["T-1"]);
    assert_eq!(import.summary.rows_read, 1);

    // When the broken sheet is the only samples sheet, nothing is left: the import fails.
    let path = dir.join("broken-samples.xlsx");
    xlsx(
        &path,
        &[
            ("Notes", vec![vec![W::S("remarks")]]),
            ("Samples", simple_sheet(&[("T-1", "2024-01-01", 5.0)])),
        ],
    );
    rewrite_zip(&path, break_sheet, &[]);
    let error = import_err(&path);
    assert_eq!(error.code(), "sheet_unreadable");
    assert!(error.to_string().contains("Samples"), "{error}");
}

#[test]
fn csv_rows_match_the_spreadsheet_after_empty_lines() {
    let dir = scratch("csv-rows");
    // Rows as a spreadsheet shows them: 1 title, 2 empty, 3 header, 4 T-1, 5 empty, 6 T-2.
    let path = dir.join("blank.csv");
    write_text(
        &path,
        b"DGA results 2024\n\nAsset ID,Date,H2\nT-1,2024-01-01,5\n\nT-2,2024-01-02,-5\n",
    );
    let import = read(&path);
    assert_eq!(import.sheets[0].header_row, Some(3));
    assert_eq!(issue_codes(&import), ["negative_value@blank!C6"]);
    assert_eq!(import.samples[0].row, 4);

    // A quoted cell over two lines is one row: T-2 is on row 3.
    let path = dir.join("multiline.csv");
    write_text(
        &path,
        b"Asset ID,Date,Remark,H2\r\nT-1,2024-01-01,\"line one\r\nline two\",5\r\n\r\nT-2,2024-01-02,x,-5\r\n",
    );
    let import = read(&path);
    assert_eq!(issue_codes(&import), ["negative_value@multiline!D4"]);
    assert_eq!(import.samples[0].row, 2);
}

#[test]
fn a_row_with_an_error_keeps_no_nameplate_and_no_asset() {
    let dir = scratch("failed-nameplate");
    let path = dir.join("one.xlsx");
    let header = ["Asset ID", "Substation", "Date sampled", "H2"]
        .map(W::S)
        .to_vec();
    xlsx(
        &path,
        &[(
            "Data",
            vec![
                header,
                vec![W::S("T-1"), W::S("Alpha"), W::S("2024-01-01"), W::N(5.0)],
                // Left out: its asset and nameplate must not appear.
                vec![W::S("T-9"), W::S("Omega"), W::S("2024-01-01"), W::N(-5.0)],
                // Left out too: its different substation must not be compared.
                vec![W::S("T-1"), W::S("Beta"), W::S("2024-02-01"), W::S("abc")],
            ],
        )],
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        ["negative_value@Data!D3", "not_numeric@Data!D4"]
    );
    let assets: Vec<_> = import
        .assets
        .iter()
        .map(|a| (a.id.as_str(), a.substation.as_deref()))
        .collect();
    assert_eq!(assets, [("T-1", Some("Alpha"))]);
}

#[test]
fn nameplates_merge_field_by_field_and_the_transformers_sheet_wins() {
    let dir = scratch("nameplate-merge");
    let transformers = vec![
        ["Asset ID", "Name", "Substation", "Manufacturer"]
            .map(W::S)
            .to_vec(),
        ["T-1", "Main TR 1", "Alpha", "Hyosung"].map(W::S).to_vec(),
    ];
    let samples = |substation: [&'static str; 3]| {
        let mut rows = vec![
            ["Asset ID", "Date sampled", "Substation", "Year built", "H2"]
                .map(W::S)
                .to_vec(),
        ];
        for (i, s) in substation.iter().enumerate() {
            rows.push(vec![
                W::S("T-1"),
                W::D(day(2024, i as u32 + 1, 1)),
                W::S(s),
                W::N(1998.0),
                W::N(5.0 + i as f64),
            ]);
        }
        rows
    };
    // Whatever the sheet order, the transformers sheet's values win, and a value missing
    // there (the year) is filled from the sample rows.
    for samples_first in [true, false] {
        let path = dir.join(format!("order-{samples_first}.xlsx"));
        let mut sheets = vec![
            ("Transformers", transformers.clone()),
            ("Samples", samples(["Alpha", "Alpha", "Alpha"])),
        ];
        if samples_first {
            sheets.reverse();
        }
        xlsx(&path, &sheets);
        let import = read(&path);
        assert!(import.issues.is_empty(), "{:#?}", import.issues);
        assert_eq!(import.assets.len(), 1);
        let asset = &import.assets[0];
        assert_eq!(asset.name.as_deref(), Some("Main TR 1"));
        assert_eq!(asset.substation.as_deref(), Some("Alpha"));
        assert_eq!(asset.manufacturer.as_deref(), Some("Hyosung"));
        assert_eq!(asset.year_of_manufacture, Some(1998));
    }
    // Sample rows that disagree with the transformers sheet: one warning per asset and
    // field, at the first cell whose value is not kept, even when it comes first.
    let path = dir.join("differs.xlsx");
    xlsx(
        &path,
        &[
            ("Samples", samples(["Beta", "Beta", "Gamma"])),
            ("Transformers", transformers.clone()),
        ],
    );
    let import = read(&path);
    assert_eq!(issue_codes(&import), ["nameplate_differs@Samples!C2"]);
    let issue = &import.issues[0];
    assert_eq!(issue.raw.as_deref(), Some("Beta"));
    assert!(issue.message_en.contains("Alpha"), "{}", issue.message_en);
    assert_eq!(import.assets[0].substation.as_deref(), Some("Alpha"));
}

#[test]
fn a_nameplate_repeated_on_every_row_warns_on_every_bad_row_and_is_compared_each_time() {
    // Exports repeat the nameplate on each sample row; reading it once per transformer
    // must not lose a row's warning nor a change of value.
    let dir = scratch("nameplate-repeated");
    let path = dir.join("repeated.csv");
    write_text(
        &path,
        b"Asset ID,Date,Substation,Year built,H2\n\
          T-1,2024-01-01,Alpha,1998,5\n\
          T-1,2024-02-01,Alpha,1998,6\n\
          T-1,2024-03-01,Alpha,19x8,7\n\
          T-1,2024-04-01,Alpha,19x8,8\n\
          T-2,2024-01-01,Alpha,1998,9\n\
          T-1,2024-05-01,Beta,1998,10\n\
          T-1,2024-06-01,Beta,1998,11\n\
          T-2,2024-02-01,Gamma,1999,12\n",
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "nameplate_differs@repeated!C7",
            "nameplate_differs@repeated!C9",
            "nameplate_differs@repeated!D9",
            "not_a_year@repeated!D4",
            "not_a_year@repeated!D5",
        ]
    );
    let assets: Vec<_> = import
        .assets
        .iter()
        .map(|a| {
            (
                a.id.as_str(),
                a.substation.as_deref(),
                a.year_of_manufacture,
            )
        })
        .collect();
    assert_eq!(
        assets,
        [
            ("T-1", Some("Alpha"), Some(1998)),
            ("T-2", Some("Alpha"), Some(1998))
        ]
    );
    assert_eq!(import.samples.len(), 8);
}

#[test]
fn error_values_and_booleans_are_not_asset_ids() {
    let dir = scratch("error-ids");
    let path = dir.join("errors.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Samples").expect("name");
    for (c, h) in ["Asset ID", "Date", "H2", "Substation"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    let lookup = rust_xlsxwriter::Formula::new("=VLOOKUP(\"x\",Z1:Z2,1,FALSE)").set_result("#N/A");
    sheet.write_formula(1, 0, lookup).expect("write");
    sheet.write_boolean(2, 0, true).expect("write");
    sheet.write_string(3, 0, "T-1").expect("write");
    let divide = rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!");
    sheet.write_formula(3, 3, divide).expect("write");
    for r in 1..4 {
        sheet.write_string(r, 1, "2024-01-01").expect("write");
        sheet.write_number(r, 2, 5.0).expect("write");
    }
    workbook.save(&path).expect("save");
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "excel_error@Samples!D4",
            "invalid_asset_id@Samples!A2",
            "invalid_asset_id@Samples!A3",
        ]
    );
    let severity = |code: &str| {
        import
            .issues
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.severity)
    };
    assert_eq!(severity("invalid_asset_id"), Some(Severity::Error));
    assert_eq!(
        severity("excel_error"),
        Some(Severity::Warning),
        "a nameplate value only"
    );
    let ids: Vec<_> = import.assets.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["T-1"]);
    assert_eq!(
        import.assets[0].substation, None,
        "the error value is dropped"
    );

    // The same as text, as CSV exports carry it.
    let path = dir.join("errors.csv");
    write_text(
        &path,
        b"Asset ID,Date,H2,Substation\n#N/A,2024-01-01,5,\nT-1,2024-01-01,5,#REF!\n",
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        ["excel_error@errors!D3", "invalid_asset_id@errors!A2"]
    );
    assert_eq!(import.samples.len(), 1);
    assert_eq!(import.assets[0].substation, None);
}

#[test]
fn a_column_that_contradicts_its_day_order_is_flagged() {
    let dir = scratch("mixed-dates");
    let with_dates = |name: &str, dates: &[&str]| {
        let path = dir.join(name);
        let mut text = String::from("Asset ID,Date,H2\n");
        for (i, d) in dates.iter().enumerate() {
            text.push_str(&format!("T-1,{d},{}\n", i + 1));
        }
        write_text(&path, text.as_bytes());
        path
    };
    // Day-first by two to one: the month-first cell is flagged, the ambiguous one refused.
    let path = with_dates(
        "majority.csv",
        &["25/10/2023", "26/10/2023", "10/27/2023", "05/11/2023"],
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        ["ambiguous_date@majority!B5", "mixed_date_order@majority!B4"]
    );
    let mixed = import
        .issues
        .iter()
        .find(|i| i.code == "mixed_date_order")
        .expect("mixed");
    assert!(
        mixed.message_en.contains("month-first") && mixed.message_en.contains("day-first"),
        "{}",
        mixed.message_en
    );
    let ambiguous = import
        .issues
        .iter()
        .find(|i| i.code == "ambiguous_date")
        .expect("ambiguous");
    assert!(
        ambiguous.message_en.contains("mixes"),
        "{}",
        ambiguous.message_en
    );
    let dates: Vec<_> = import.samples.iter().map(|s| s.sample.date).collect();
    assert_eq!(dates, [day(2023, 10, 25), day(2023, 10, 26)]);

    // As many of each: both are flagged.
    let path = with_dates("tie.csv", &["25/10/2023", "10/26/2023", "05/11/2023"]);
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "ambiguous_date@tie!B4",
            "mixed_date_order@tie!B2",
            "mixed_date_order@tie!B3"
        ]
    );

    // Told day-first: a date that can only be month-first is impossible.
    let mut options = options();
    options.day_order = Some(substation_import::values::DayOrder::DayFirst);
    let import = import_file(&path, &options).expect("import");
    assert_eq!(issue_codes(&import), ["impossible_date@tie!B3"]);
    let dates: Vec<_> = import.samples.iter().map(|s| s.sample.date).collect();
    assert_eq!(dates, [day(2023, 10, 25), day(2023, 11, 5)]);
}

#[test]
fn the_unmapped_error_lists_the_most_header_like_row() {
    let dir = scratch("unmapped-title");
    let path = dir.join("title.csv");
    write_text(
        &path,
        b"2024 DGA report\nEquip,Day,Hydro gas,Methane gas\nT-1,2024-01-01,5,6\n",
    );
    let error = import_err(&path);
    let message = error.to_string();
    assert!(
        message.contains("title: Equip, Day, Hydro gas, Methane gas"),
        "{message}"
    );
    assert!(!message.contains("2024 DGA report"), "{message}");

    // Long headers are cut, and only the first 20 are listed.
    let path = dir.join("wide.csv");
    let headers: Vec<String> = (0..25)
        .map(|i| format!("Column {i:02} with a very long description of its contents"))
        .collect();
    write_text(&path, format!("{}\n1,2\n", headers.join(",")).as_bytes());
    let ImportError::Unmapped { found, .. } = import_err(&path) else {
        panic!("expected Unmapped");
    };
    let listed = found[0].strip_prefix("wide: ").expect("sheet name");
    let parts: Vec<&str> = listed.split(", ").collect();
    assert_eq!(parts.len(), 21, "{listed}");
    assert_eq!(parts[20], "… (+5)");
    assert!(parts[0].starts_with("Column 00") && parts[0].ends_with('…'));
    assert!(parts.iter().all(|p| p.chars().count() <= 40), "{listed}");
}

#[test]
fn the_size_limit_is_in_decimal_megabytes() {
    assert_eq!(
        substation_import::source::DEFAULT_MAX_FILE_BYTES,
        200_000_000
    );
    let dir = scratch("size");
    let path = dir.join("big.csv");
    write_text(&path, &vec![b'a'; 1_000_001]);
    let mut options = options();
    options.max_file_bytes = 1_000_000;
    let error = import_file(&path, &options).expect_err("too large");
    assert_eq!(error.code(), "file_too_large");
    assert!(
        error
            .to_string()
            .contains("is 1.1 MB, above the 1 MB limit"),
        "{error}"
    );
}

#[test]
fn two_sample_date_columns_keep_the_sampling_date_silently() {
    let dir = scratch("two-dates");
    for (name, text) in [
        (
            "sampling-first.csv",
            "설비번호,채취일자,분석일자,수소\nT-1,2024-01-01,2024-01-03,5\n",
        ),
        (
            "analysis-first.csv",
            "설비번호,분석일자,채취일자,수소\nT-1,2024-01-03,2024-01-01,5\n",
        ),
    ] {
        let path = dir.join(name);
        write_text(&path, text.as_bytes());
        let import = read(&path);
        assert!(import.issues.is_empty(), "{name}: {:#?}", import.issues);
        assert_eq!(import.samples[0].sample.date, day(2024, 1, 1), "{name}");
        let date_header = import.sheets[0]
            .columns
            .iter()
            .find(|c| c.field == substation_import::headers::Field::SampleDate)
            .map(|c| c.header.as_str());
        assert_eq!(date_header, Some("채취일자"), "{name}");
    }

    // A sheet that is not read reports nothing about its columns.
    let path = dir.join("ignored.xlsx");
    xlsx(
        &path,
        &[
            ("Samples", simple_sheet(&[("T-1", "2024-01-01", 5.0)])),
            ("Limits", vec![["Asset ID", "H2", "H2"].map(W::S).to_vec()]),
        ],
    );
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    // A sheet that is read does.
    let path = dir.join("used.xlsx");
    xlsx(
        &path,
        &[(
            "Samples",
            vec![
                ["Asset ID", "Date", "H2", "H2"].map(W::S).to_vec(),
                vec![W::S("T-1"), W::S("2024-01-01"), W::N(5.0), W::N(6.0)],
            ],
        )],
    );
    assert_eq!(issue_codes(&read(&path)), ["duplicate_column@Samples!D1"]);
}

#[test]
fn malformed_workbooks_are_refused_not_panicked_on() {
    let dir = scratch("malformed");
    let base = |name: &str| {
        let path = dir.join(name);
        xlsx(
            &path,
            &[("Samples", simple_sheet(&[("T-1", "2024-01-01", 5.0)]))],
        );
        path
    };
    // A shared-string table that claims more strings than its part can hold: calamine would
    // reserve room for them up front (a capacity-overflow panic for 10^18, an allocation
    // failure that aborts the process for 4×10^9).
    for count in ["1000000000000000000", "4000000000"] {
        let path = base(&format!("sst-{count}.xlsx"));
        rewrite_zip(
            &path,
            |name, content| {
                if name == "xl/sharedStrings.xml" {
                    let text = String::from_utf8(content).expect("utf-8");
                    let start = text.find("uniqueCount=\"").expect("uniqueCount") + 13;
                    let end = start + text[start..].find('"').expect("quote");
                    format!("{}{count}{}", &text[..start], &text[end..]).into_bytes()
                } else {
                    content
                }
            },
            &[],
        );
        let error = import_err(&path);
        assert_eq!(error.code(), "not_a_workbook", "{error}");
        assert!(error.to_string().contains("shared-string"), "{error}");
    }

    // A part that decompresses to more than 20 times the size limit.
    let path = base("bomb.xlsx");
    rewrite_zip(
        &path,
        |_, content| content,
        &[("xl/media/pad.bin", vec![0; 300_000])],
    );
    let mut options = options();
    options.max_file_bytes = 12_000;
    assert!(std::fs::metadata(&path).expect("size").len() < 12_000);
    let error = import_file(&path, &options).expect_err("zip bomb");
    assert_eq!(error.code(), "not_a_workbook");
    assert!(error.to_string().contains("xl/media/pad.bin"), "{error}");

    // A row number at u32::MAX overflows inside calamine (a panic where overflow is checked):
    // the import must not unwind, whatever it makes of the file.
    let path = dir.join("rowmax.xlsx");
    xlsx(
        &path,
        &[("Samples", simple_sheet(&[("T-1", "2024-01-01", 5.0)]))],
    );
    rewrite_zip(
        &path,
        |name, content| {
            if name == "xl/worksheets/sheet1.xml" {
                let text = String::from_utf8(content).expect("utf-8");
                text.replacen("<row r=\"2\"", "<row r=\"4294967295\"></row><row", 1)
                    .replace(" r=\"A2\"", "")
                    .replace(" r=\"B2\"", "")
                    .replace(" r=\"C2\"", "")
                    .into_bytes()
            } else {
                content
            }
        },
        &[],
    );
    let outcome = std::panic::catch_unwind(|| import_file(&path, &common::options()));
    match outcome.expect("no panic escapes import_file") {
        Ok(_) => {}
        Err(error) => assert_eq!(error.code(), "not_a_workbook", "{error}"),
    }
}

#[test]
fn an_ods_that_expands_past_the_cell_limit_is_refused() {
    let dir = scratch("ods-bomb");
    // 6,000 rows × 16,384 columns of 1 in a few hundred bytes: 98 million cells.
    let path = dir.join("bomb.ods");
    ods(
        &path,
        r#"<table:table table:name="Bomb"><table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>"#,
    );
    let error = import_err(&path);
    assert_eq!(error.code(), "not_a_workbook");
    let message = error.to_string();
    assert!(
        message.contains("sheet Bomb") && message.contains("98304000"),
        "{message}"
    );

    // Repeated empty cells and rows (how every ods ends its sheets) cost nothing.
    let path = dir.join("fine.ods");
    let rows = [
        ods_row(&["Asset ID", "Date", "H2"]),
        ods_row(&["T-1", "2024-01-01", "5"]),
        r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#.to_owned(),
    ]
    .concat();
    ods(
        &path,
        &format!(r#"<table:table table:name="Samples">{rows}</table:table>"#),
    );
    let import = read(&path);
    assert!(import.issues.is_empty(), "{:#?}", import.issues);
    assert_eq!(import.samples.len(), 1);
}

/// Rows whose C2H2 (column G) is blank beside measured values, a CO column (H) filled once,
/// one blank O2 (J), a row with only carbon oxides, and a row left out (future date) whose
/// blank C2H2 must not be counted.
fn blank_gas_workbook(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let path = dir.join("blanks.xlsx");
    let row = |id: &'static str, date, c2h2: W, co: W, o2: W| {
        vec![
            W::S(id),
            W::D(date),
            W::N(12.0),
            W::N(6.0),
            W::N(4.0),
            W::N(3.0),
            c2h2,
            co,
            W::N(2400.0),
            o2,
            W::N(52000.0),
        ]
    };
    let mut oxides_only = vec![W::S("T-3"), W::D(day(2024, 1, 1))];
    oxides_only.extend(std::iter::repeat_n(W::Blank, 5));
    oxides_only.extend([W::N(300.0), W::N(2400.0), W::Blank, W::Blank]);
    xlsx(
        &path,
        &[(
            "Samples",
            vec![
                sample_header(),
                row(
                    "T-1",
                    day(2024, 1, 1),
                    W::N(0.5),
                    W::N(280.0),
                    W::N(19000.0),
                ),
                row("T-1", day(2024, 6, 1), W::Blank, W::Blank, W::Blank),
                row("T-2", day(2024, 1, 1), W::Blank, W::Blank, W::N(19000.0)),
                oxides_only,
                row("T-2", day(2031, 1, 1), W::Blank, W::Blank, W::N(19000.0)),
            ],
        )],
    );
    path
}

#[test]
fn blank_gas_cells_are_read_as_the_workbook_owner_says() {
    use substation_dga::{Gas, GasValue};
    use substation_import::{BlankGas, BlankGasChoice};
    let path = blank_gas_workbook("blank-gas");
    let gas_of = |import: &substation_import::Import, id: &str, date, gas| {
        import
            .samples
            .iter()
            .find(|s| s.asset_id == id && s.sample.date == date)
            .map(|s| s.sample.gases.get(gas))
            .expect("sample")
    };
    // By default a blank is "not measured"; the report names the column and counts.
    let default = read(&path);
    assert_eq!(default.blank_gas.applied, BlankGas::NotMeasured);
    assert_eq!(default.blank_gas.chosen_by, BlankGasChoice::Default);
    let columns: Vec<String> = default
        .blank_gas
        .columns
        .iter()
        .map(|c| {
            format!(
                "{}!{} {}: {} blank, {} values",
                c.sheet, c.column, c.gas, c.blank, c.values
            )
        })
        .collect();
    assert_eq!(
        columns,
        ["Samples!G C2H2: 2 blank, 1 values"],
        "CO is never read as not detected; the 2031 row is left out"
    );
    assert_eq!(
        gas_of(&default, "T-2", day(2024, 1, 1), Gas::C2H2),
        GasValue::NotMeasured
    );
    assert_eq!(default.summary.blank_gas, BlankGas::NotMeasured);

    // Read as "not detected": C2H2 counts as zero; the never-filled CO and the blank O2 do not.
    let mut told = options();
    told.blank_gas = Some(BlankGas::NotDetected);
    let detected = import_file(&path, &told).expect("import");
    assert_eq!(detected.blank_gas.chosen_by, BlankGasChoice::Option);
    assert_eq!(detected.summary.blank_gas, BlankGas::NotDetected);
    assert_eq!(
        gas_of(&detected, "T-2", day(2024, 1, 1), Gas::C2H2),
        GasValue::BelowDetection { limit: None }
    );
    assert_eq!(
        gas_of(&detected, "T-1", day(2024, 1, 1), Gas::C2H2),
        GasValue::Measured(0.5)
    );
    assert_eq!(
        gas_of(&detected, "T-1", day(2024, 6, 1), Gas::CO),
        GasValue::NotMeasured
    );
    assert_eq!(
        gas_of(&detected, "T-1", day(2024, 6, 1), Gas::O2),
        GasValue::NotMeasured
    );
    // A row with only carbon oxides is not made into a clean all-zero hydrocarbon sample.
    for gas in [Gas::H2, Gas::CH4, Gas::C2H2] {
        assert_eq!(
            gas_of(&detected, "T-3", day(2024, 1, 1), gas),
            GasValue::NotMeasured
        );
    }

    // Remembered for the header row: the next workbook of that shape reads the same way.
    let mut memory = substation_import::MappingMemory::default();
    memory.remember_blank_gas(&detected, BlankGas::NotDetected);
    let mut later = options();
    later.remembered = Some(&memory);
    let again = import_file(&path, &later).expect("import");
    assert_eq!(again.blank_gas.applied, BlankGas::NotDetected);
    assert_eq!(again.blank_gas.chosen_by, BlankGasChoice::Remembered);
    // A later header mapping for the same shape keeps the choice.
    let mut kept = memory.clone();
    kept.remember(
        &again,
        &substation_import::headers::Mapping {
            columns: vec![substation_import::headers::MappingEntry {
                header: "Asset ID".into(),
                field: substation_import::headers::Field::AssetId,
                unit: None,
            }],
            blank_gas: None,
        },
    );
    assert!(
        kept.by_signature
            .values()
            .all(|m| m.blank_gas == Some(BlankGas::NotDetected))
    );
}

#[test]
fn a_row_of_blank_gases_is_still_a_row_without_gas_values() {
    use substation_import::BlankGas;
    let dir = scratch("blank-row");
    let path = dir.join("blank-row.xlsx");
    let mut empty = vec![W::S("T-1"), W::D(day(2024, 3, 1))];
    empty.extend(std::iter::repeat_n(W::Blank, 9));
    xlsx(
        &path,
        &[(
            "Samples",
            vec![sample_header(), sample_row("T-1", day(2024, 1, 1)), empty],
        )],
    );
    let mut told = options();
    told.blank_gas = Some(BlankGas::NotDetected);
    let import = import_file(&path, &told).expect("import");
    assert_eq!(issue_codes(&import), ["no_gas_values@Samples!3"]);
    assert_eq!(import.samples.len(), 1);
}

#[test]
fn control_characters_are_removed_with_a_warning_naming_the_cell() {
    // CP949 CSV and .xls cells can carry NUL and other control characters; PostgreSQL refuses
    // NUL in text, so they would block a laptop's sync.
    let dir = scratch("controls");
    let path = dir.join("controls.csv");
    write_text(
        &path,
        b"Asset ID,Name,Date sampled,H2 (ppm),CH4 (ppm)\n\
          TR\x00-1,\"North\nyard\x07 unit\",2024-01-10,12,3\n\
          TR-2,Plain,2024-01-10,12,3\n",
    );
    let import = read(&path);
    assert_eq!(
        issue_codes(&import),
        [
            "control_characters@controls!A2",
            "control_characters@controls!B2"
        ]
    );
    assert!(
        import
            .issues
            .iter()
            .all(|i| i.severity == Severity::Warning && i.message_en.contains("read as"))
    );
    let ids: Vec<&str> = import.assets.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["TR-1", "TR-2"]);
    assert_eq!(import.assets[0].name.as_deref(), Some("North yard unit"));
    assert_eq!(import.samples.len(), 2);
}
