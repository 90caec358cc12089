//! The blank, documented workbook a utility can fill in: a read-me sheet (English and Korean),
//! a transformers sheet and a samples sheet with data validation and one example row each.
//! It is the importer's own two-sheet layout, so it always imports cleanly.

use std::path::Path;

use chrono::NaiveDate;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatAlign, Workbook,
    XlsxError,
};

use crate::write::{WriteFileError, replace_file};

pub use substation_dga::layout::{ASSET_HEADERS, SAMPLE_HEADERS};

/// Rows that get data validation (the sheet can hold more; validation stops here).
const VALIDATED_ROWS: u32 = 100_000;

const README: &[(&str, &str)] = &[
    (
        "Substation Bulk — DGA workbook template",
        "Substation Bulk — 유중가스분석(DGA) 입력 양식",
    ),
    ("", ""),
    (
        "Fill in one row per transformer on “Transformers” and one row per oil sample on “Samples”. Keep the header row; the example rows may be overwritten.",
        "“Transformers” 시트에는 변압기마다 한 행, “Samples” 시트에는 시료마다 한 행을 입력하십시오. 머리글 행은 그대로 두고 예시 행은 덮어써도 됩니다.",
    ),
    (
        "Asset ID links the two sheets and must be the same text on both.",
        "Asset ID(설비번호)로 두 시트가 연결되므로 양쪽에 같은 값을 입력하십시오.",
    ),
    (
        "Gas values are in ppm (µL/L). Write “<5” when the lab reports below a detection limit of 5, “ND” when not detected, and leave the cell empty when the gas was not analysed.",
        "가스 값의 단위는 ppm(µL/L)입니다. 검출한계 5 미만은 “<5”, 불검출은 “ND”로 쓰고, 분석하지 않은 가스는 비워 두십시오.",
    ),
    (
        "Dates: a date cell, or text such as 2024-03-15 or 2024.03.15.",
        "날짜: 날짜 셀 또는 2024-03-15, 2024.03.15 같은 텍스트.",
    ),
    (
        "Oil preservation: sealed, conservator or nitrogen_blanket. Communicating OLTC: yes or no.",
        "절연유 보존방식: sealed(밀봉), conservator(콘서베이터), nitrogen_blanket(질소봉입). OLTC 연통: yes 또는 no.",
    ),
    (
        "Import with: substation import this-file.xlsx",
        "가져오기: substation import 이-파일.xlsx",
    ),
];

/// Writes the template to `path`, replacing a file there only once the whole workbook is on
/// disk (`crate::write::replace_file`).
pub fn write_template(path: &Path) -> Result<(), WriteFileError> {
    let bytes = template_bytes().map_err(|e| WriteFileError::Failed {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    replace_file(path, &bytes)
}

/// The template workbook, as the bytes of an xlsx file.
pub fn template_bytes() -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let wrap = Format::new().set_text_wrap();

    let readme = workbook.add_worksheet();
    readme.set_name("Read me")?;
    readme.set_column_width(0, 90)?;
    readme.set_column_width(1, 90)?;
    for (row, (en, ko)) in README.iter().enumerate() {
        let row = row as u32;
        let format = if row == 0 { &bold } else { &wrap };
        readme.write_string_with_format(row, 0, *en, format)?;
        readme.write_string_with_format(row, 1, *ko, format)?;
    }

    let assets = workbook.add_worksheet();
    assets.set_name("Transformers")?;
    for (col, title) in ASSET_HEADERS.iter().enumerate() {
        assets.write_string_with_format(0, col as u16, *title, &header)?;
        assets.set_column_width(col as u16, 20)?;
    }
    assets.set_freeze_panes(1, 0)?;
    assets.write_string(1, 0, "TR-0001")?;
    assets.write_string(1, 1, "Example S/S #1 M.Tr")?;
    assets.write_string(1, 2, "Example S/S")?;
    assets.write_string(1, 3, "Example Electric")?;
    assets.write_number(1, 4, 2005)?;
    assets.write_number(1, 5, 154)?;
    assets.write_number(1, 6, 60)?;
    assets.write_number(1, 7, 32000)?;
    assets.write_string(1, 8, "conservator")?;
    assets.write_string(1, 9, "no")?;
    let year = DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(1900, 2100))
        .set_error_style(DataValidationErrorStyle::Warning)
        .set_input_message("Year of manufacture, e.g. 2005")?;
    assets.add_data_validation(1, 4, VALIDATED_ROWS, 4, &year)?;
    let positive = DataValidation::new()
        .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
        .set_error_style(DataValidationErrorStyle::Warning);
    assets.add_data_validation(1, 5, VALIDATED_ROWS, 7, &positive)?;
    let preservation =
        DataValidation::new().allow_list_strings(&["sealed", "conservator", "nitrogen_blanket"])?;
    assets.add_data_validation(1, 8, VALIDATED_ROWS, 8, &preservation)?;
    let yes_no = DataValidation::new().allow_list_strings(&["yes", "no"])?;
    assets.add_data_validation(1, 9, VALIDATED_ROWS, 9, &yes_no)?;

    let samples = workbook.add_worksheet();
    samples.set_name("Samples")?;
    for (col, title) in SAMPLE_HEADERS.iter().enumerate() {
        samples.write_string_with_format(0, col as u16, *title, &header)?;
        samples.set_column_width(col as u16, 13)?;
    }
    samples.set_freeze_panes(1, 2)?;
    samples.write_string(1, 0, "TR-0001")?;
    let example_day = NaiveDate::from_ymd_opt(2024, 3, 15).unwrap_or_default();
    samples.write_date_with_format(1, 1, example_day, &date)?;
    for (col, value) in [
        12.0,
        6.0,
        4.0,
        3.0,
        f64::NAN,
        310.0,
        2400.0,
        19000.0,
        52000.0,
    ]
    .into_iter()
    .enumerate()
    {
        let col = col as u16 + 2;
        if value.is_nan() {
            samples.write_string(1, col, "<0.5")?;
        } else {
            samples.write_number(1, col, value)?;
        }
    }
    let dates = DataValidation::new()
        .allow_date(DataValidationRule::Between(
            NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or_default(),
        ))
        .set_error_style(DataValidationErrorStyle::Warning)
        .set_input_message("Date the oil was sampled")?;
    samples.add_data_validation(1, 1, VALIDATED_ROWS, 1, &dates)?;
    samples.set_column_format(1, &date)?;

    workbook.save_to_buffer()
}
