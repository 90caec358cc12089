//! Every workbook in `samples/` imports with no errors, or with exactly its intended issues;
//! the same data saved as xls and ods (by LibreOffice) imports the same.

mod common;

use std::path::PathBuf;

use common::*;
use substation_import::Import;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples")
        .join(name)
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn assert_clean(import: &Import) {
    assert!(
        import.issues.is_empty(),
        "{}: {:#?}",
        import.file_name,
        import.issues
    );
}

#[test]
fn the_clean_fleet_imports_without_issues() {
    let import = read(&sample("fleet-two-sheets.xlsx"));
    assert_clean(&import);
    assert_eq!(import.summary.assets, 170);
    assert!(import.summary.samples > 1500, "{}", import.summary.samples);
    assert!(
        import
            .assets
            .iter()
            .all(|a| a.year_of_manufacture.is_some() && a.oil_preservation.is_some())
    );
}

#[test]
fn the_korean_lab_exports_import_without_issues() {
    let xlsx = read(&sample("korean-lab-export.xlsx"));
    assert_clean(&xlsx);
    assert_eq!(
        xlsx.sheets[0].header_row,
        Some(3),
        "title rows above the header"
    );
    assert_eq!(xlsx.summary.assets, 30);
    let csv = read(&sample("korean-lab-export-cp949.csv"));
    assert_clean(&csv);
    assert_eq!(csv.encoding, Some(substation_import::TextEncoding::Cp949));
    assert_eq!(csv.summary.assets, 30);
}

#[derive(serde::Deserialize, Debug)]
struct Expected {
    sheet: String,
    row: u32,
    column: Option<String>,
    code: String,
}

#[test]
fn the_messy_workbook_reports_exactly_its_intended_issues() {
    let import = read(&sample("messy.xlsx"));
    let expected: Vec<Expected> = serde_json::from_str(
        &std::fs::read_to_string(sample("messy.expected.json")).expect("expected issues"),
    )
    .expect("expected JSON");
    let mut want: Vec<String> = expected
        .iter()
        .map(|e| {
            format!(
                "{}@{}!{}{}",
                e.code,
                e.sheet,
                e.column.clone().unwrap_or_default(),
                e.row
            )
        })
        .collect();
    want.sort();
    let mut got: Vec<String> = import
        .issues
        .iter()
        .map(|i| {
            format!(
                "{}@{}!{}{}",
                i.code,
                i.sheet,
                i.column.clone().unwrap_or_default(),
                i.row.unwrap_or(0)
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, want);
    // The valid oddities in it import: decimal comma, thousands separator, "< 5", "N.D.", "tr".
    assert!(
        import
            .samples
            .iter()
            .any(|s| s.row == 3 && s.sample.gases.h2 == substation_dga::GasValue::Measured(12.5))
    );
    assert!(
        import.samples.iter().any(
            |s| s.row == 39 && s.sample.gases.co2 == substation_dga::GasValue::Measured(1234.0)
        )
    );
}

#[test]
fn xls_and_ods_copies_import_like_the_xlsx() {
    let strip = |mut import: Import| {
        import.file_name.clear();
        import.content_sha256.clear();
        import.format = substation_import::Format::Xlsx;
        import
    };
    let xlsx = strip(read(&sample("korean-lab-export.xlsx")));
    for copy in ["korean-lab-export.xls", "korean-lab-export.ods"] {
        let other = strip(read(&fixture(copy)));
        assert_eq!(other.samples, xlsx.samples, "{copy}");
        assert_eq!(other.assets, xlsx.assets, "{copy}");
        assert_eq!(other.issues, xlsx.issues, "{copy}");
    }
    let dir = scratch("template-formats");
    let template = dir.join("template.xlsx");
    substation_import::template::write_template(&template).expect("template");
    let xlsx = strip(read(&template));
    for copy in ["template.xls", "template.ods"] {
        let other = strip(read(&fixture(copy)));
        assert_eq!(other.samples, xlsx.samples, "{copy}");
        assert_eq!(other.assets, xlsx.assets, "{copy}");
    }
}

#[test]
fn a_real_xlsb_imports_like_the_xlsx() {
    // The same two sheets written as xlsx (rust_xlsxwriter) and as xlsb (our own BIFF12
    // writer): Hangul text, shared and inline strings, whole and fractional numbers (RK and
    // full doubles), dates as serials with a date format, a blank cell and a bad value.
    let asset = |id, name, substation, year: f64, preservation| {
        vec![
            W::S(id),
            W::S(name),
            W::S(substation),
            W::T("효성중공업".to_owned()),
            W::N(year),
            W::N(154.0),
            W::N(60.0),
            W::N(32000.0),
            W::S(preservation),
            W::S("no"),
        ]
    };
    let transformers = vec![
        substation_import::template::ASSET_HEADERS
            .into_iter()
            .map(W::S)
            .collect(),
        asset(
            "TR-0001",
            "신안산 변전소 1호기",
            "신안산",
            1998.0,
            "conservator",
        ),
        asset("TR-0002", "신안산 변전소 2호기", "신안산", 2011.0, "sealed"),
    ];
    let mut fractional = sample_row("TR-0001", day(2024, 9, 2));
    fractional[2] = W::N(12.5);
    fractional[3] = W::N(0.1);
    fractional[8] = W::N(2431.7);
    let mut negative = sample_row("TR-0002", day(2024, 3, 15));
    negative[4] = W::N(-4.0);
    let mut blank = sample_row("TR-0002", day(2025, 1, 31));
    blank[6] = W::Blank;
    let samples = vec![
        sample_header(),
        sample_row("TR-0001", day(2024, 3, 15)),
        fractional,
        negative,
        blank,
    ];
    let sheets = [("Transformers", transformers), ("Samples", samples)];
    let dir = scratch("xlsb");
    let (xlsx_path, xlsb_path) = (dir.join("fleet.xlsx"), dir.join("fleet.xlsb"));
    xlsx(&xlsx_path, &sheets);
    xlsb::xlsb(&xlsb_path, &sheets);

    // calamine itself sees the xlsb's dates as dates (from the cell's format), its Hangul and
    // its inline and shared strings.
    {
        use calamine::{Data, Reader};
        let mut workbook: calamine::Xlsb<_> =
            calamine::open_workbook(&xlsb_path).expect("open xlsb");
        let assets = workbook.worksheet_range("Transformers").expect("sheet");
        assert_eq!(
            assets.get_value((1, 1)),
            Some(&Data::String("신안산 변전소 1호기".to_owned()))
        );
        assert_eq!(
            assets.get_value((1, 3)),
            Some(&Data::String("효성중공업".to_owned()))
        );
        let samples = workbook.worksheet_range("Samples").expect("sheet");
        match samples.get_value((1, 1)) {
            Some(Data::DateTime(date)) => {
                assert_eq!(date.as_datetime().map(|d| d.date()), Some(day(2024, 3, 15)));
            }
            other => panic!("expected a date, got {other:?}"),
        }
        assert_eq!(samples.get_value((2, 3)), Some(&Data::Float(0.1)));
        assert_eq!(samples.get_value((2, 2)), Some(&Data::Float(12.5)));
    }

    let xlsx = read(&xlsx_path);
    let xlsb = read(&xlsb_path);
    assert_eq!(xlsb.format, substation_import::Format::Xlsb);
    assert_eq!(xlsx.assets.len(), 2);
    // The row with the negative value is reported and left out.
    assert_eq!(issue_codes(&xlsx), ["negative_value@Samples!E4"]);
    assert_eq!(xlsx.samples.len(), 3);
    assert_eq!(xlsx.samples[0].sample.date, day(2024, 3, 15));
    let strip = |mut import: Import| {
        import.file_name.clear();
        import.content_sha256.clear();
        import.format = substation_import::Format::Xlsx;
        import
    };
    let (xlsx, xlsb) = (strip(xlsx), strip(xlsb));
    assert_eq!(xlsb.assets, xlsx.assets);
    assert_eq!(xlsb.samples, xlsx.samples);
    assert_eq!(xlsb.issues, xlsx.issues);
}

#[test]
fn a_real_password_protected_workbook_is_refused_clearly() {
    // The template encrypted with the password "secret" (ECMA-376 agile encryption, as Excel
    // writes it), made with msoffcrypto-tool.
    let error = import_err(&fixture("password-secret.xlsx"));
    assert_eq!(error.code(), "file_encrypted");
    assert!(error.to_string().contains("password"), "{error}");
    assert!(error.message_ko().contains("암호"));
}

#[test]
fn xlsm_is_read_like_xlsx() {
    let dir = scratch("xlsm");
    let path = dir.join("macro.xlsm");
    substation_import::template::write_template(&path).expect("template");
    let import = read(&path);
    assert_clean(&import);
    assert_eq!(import.samples.len(), 1);
}

#[test]
fn a_crafted_xls_spanning_billions_of_cells_is_refused_before_it_is_parsed() {
    // Four sheets with one cell at A1 and one at IV65536 (the reviewer's file): parsed, each
    // becomes a dense 65,536 × 256 range, 2.6 GB in all.
    let error = import_err(&fixture("corners-crafted.xls"));
    assert_eq!(error.code(), "not_a_workbook");
    assert!(error.to_string().contains("cells"), "{error}");
    // Real xls files still import.
    assert!(read(&fixture("korean-lab-export.xls")).is_usable());
}
