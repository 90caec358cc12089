//! `korean` and `csv-korean`: one sheet as a Korean lab system exports it — Korean headers, the
//! nameplate repeated on every row, dates as text (`2024.03.15`), below detection as `불검출`/`ND`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use rand::{RngExt, SeedableRng, rngs::StdRng};
use rust_xlsxwriter::{Format, FormatAlign};

use crate::gases::{Fault, FaultPlan, build_units, recent_dates};
use crate::model::{Gas, Unit, number_text};
use crate::names::{NameplateOptions, Naming, nameplates};
use crate::xlsx::{Formats, new_workbook};

pub const TITLE: &str = "유중가스 분석 결과 (2025년)";

pub const HEADERS: [&str; 15] = [
    "관리번호",
    "변전소",
    "설비명",
    "제작사",
    "제작년도",
    "채취일자",
    "수소(H2)",
    "메탄(CH4)",
    "에탄(C2H6)",
    "에틸렌(C2H4)",
    "아세틸렌(C2H2)",
    "일산화탄소(CO)",
    "이산화탄소(CO2)",
    "산소(O2)",
    "질소(N2)",
];

const WIDTHS: [f64; 15] = [
    10.0, 10.0, 14.0, 13.0, 9.0, 11.0, 9.0, 9.0, 10.0, 11.0, 13.0, 13.0, 14.0, 9.0, 9.0,
];

/// One cell of the export.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
}

impl Value {
    pub fn text(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(number) => number_text(*number),
        }
    }
}

/// The export's data rows (no title or header), sorted by 관리번호 then date.
pub fn rows(seed: u64) -> Result<Vec<Vec<Value>>> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Units up to 2019, so every one has room for at least four yearly samples.
    let fleet = nameplates(
        &mut rng,
        30,
        NameplateOptions {
            naming: Naming::KoreanShort,
            latest_year: 2019,
        },
    );
    let dates: Vec<Vec<NaiveDate>> = fleet
        .iter()
        .map(|t| {
            let count = rng.random_range(4..=8usize);
            recent_dates(&mut rng, t, count)
        })
        .collect();
    // Two units with something to find: a hot spot and partial discharge.
    let mut faults: Vec<Option<FaultPlan>> = vec![None; fleet.len()];
    for (slot, kind) in [(7usize, Fault::HotSpotT3), (19, Fault::PartialDischarge)] {
        if let Some(last) = dates.get(slot).and_then(|d| d.last()) {
            faults[slot] = Some(FaultPlan::new(&mut rng, kind, *last));
        }
    }
    let units = build_units(&mut rng, fleet, dates, faults);
    let mut rows = Vec::new();
    for unit in &units {
        for sample in &unit.samples {
            rows.push(row(&mut rng, unit, sample.date, &sample.gases));
        }
    }
    Ok(rows)
}

fn row<R: rand::Rng + ?Sized>(
    rng: &mut R,
    unit: &Unit,
    date: NaiveDate,
    gases: &[Gas],
) -> Vec<Value> {
    let t = &unit.transformer;
    let date_text = if rng.random_bool(0.85) {
        date.format("%Y.%m.%d").to_string()
    } else {
        date.format("%Y-%m-%d").to_string()
    };
    let not_detected = if rng.random_bool(0.7) {
        "불검출"
    } else {
        "ND"
    };
    let mut row = vec![
        Value::Text(t.id.clone()),
        Value::Text(t.substation.clone()),
        Value::Text(t.name.clone()),
        Value::Text(t.manufacturer_ko.clone()),
        Value::Number(f64::from(t.year)),
        Value::Text(date_text),
    ];
    row.extend(gases.iter().map(|gas| match gas {
        Gas::Ppm(value) => Value::Number(*value),
        Gas::Below(_) => Value::Text(not_detected.to_owned()),
    }));
    row
}

/// The `korean` command: title row, blank row, header row, data.
pub fn run_xlsx(out: &Path, seed: u64) -> Result<()> {
    let rows = rows(seed)?;
    let mut workbook = new_workbook();
    let formats = Formats::new();
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Left);
    let sheet = workbook.add_worksheet();
    sheet.set_name("분석결과")?;
    for (col, width) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.merge_range(0, 0, 0, HEADERS.len() as u16 - 1, TITLE, &title)?;
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *header, &formats.header)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let r = index as u32 + 3;
        for (col, value) in row.iter().enumerate() {
            match value {
                Value::Text(text) => sheet.write_string(r, col as u16, text)?,
                Value::Number(number) => sheet.write_number(r, col as u16, *number)?,
            };
        }
    }
    workbook
        .save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {}: {} samples (title row 1, header row 3, data from row 4)",
        out.display(),
        rows.len()
    );
    Ok(())
}

/// The CSV text (header + data) before encoding.
pub fn csv_text(seed: u64) -> Result<String> {
    let rows = rows(seed)?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(HEADERS)?;
    for row in &rows {
        writer.write_record(row.iter().map(Value::text))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("finishing the CSV: {e}"))?;
    Ok(String::from_utf8(bytes)?)
}

/// The `csv-korean` command: the same data as CP949 (EUC-KR superset) CSV.
pub fn run_csv(out: &Path, seed: u64) -> Result<()> {
    let text = csv_text(seed)?;
    let (bytes, _, had_errors) = encoding_rs::EUC_KR.encode(&text);
    if had_errors {
        bail!("some text cannot be written in CP949");
    }
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {}: {} samples, CP949, {} bytes",
        out.display(),
        text.lines().count() - 1,
        bytes.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_look_like_a_korean_export() -> Result<()> {
        let rows = rows(11)?;
        assert!((120..=240).contains(&rows.len()), "{}", rows.len());
        let mut ids: Vec<String> = rows.iter().map(|r| r[0].text()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 30);
        let mut dotted = 0;
        for row in &rows {
            assert_eq!(row.len(), HEADERS.len());
            let date = row[5].text();
            if date.contains('.') {
                dotted += 1;
                NaiveDate::parse_from_str(&date, "%Y.%m.%d")?;
            } else {
                NaiveDate::parse_from_str(&date, "%Y-%m-%d")?;
            }
            for value in &row[6..] {
                match value {
                    Value::Number(n) => assert!(*n > 0.0),
                    Value::Text(t) => assert!(t == "불검출" || t == "ND", "{t}"),
                }
            }
        }
        assert!(dotted > rows.len() / 2);
        Ok(())
    }

    #[test]
    fn csv_round_trips_through_cp949() -> Result<()> {
        let text = csv_text(17)?;
        let (bytes, _, had_errors) = encoding_rs::EUC_KR.encode(&text);
        assert!(!had_errors);
        let (decoded, _, had_errors) = encoding_rs::EUC_KR.decode(&bytes);
        assert!(!had_errors);
        assert_eq!(decoded, text);
        assert!(text.starts_with("관리번호,변전소,설비명,"));
        Ok(())
    }
}
