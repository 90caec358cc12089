//! `fleet`: the clean two-sheet workbook of a realistic fleet with ten years of history.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use rand::{SeedableRng, rngs::StdRng};

use crate::gases::{assign_faults, build_units, history_dates};
use crate::model::Unit;
use crate::names::{NameplateOptions, Naming, nameplates};
use crate::xlsx::{
    ASSET_HEADERS, ASSET_WIDTHS, Formats, SAMPLE_HEADERS, SAMPLE_WIDTHS, new_workbook, start_sheet,
    write_sample, write_transformer,
};

/// Generates the fleet: nameplates, histories, and a few units per fault kind.
pub fn generate(transformers: usize, years: u32, seed: u64) -> Result<Vec<Unit>> {
    ensure!(transformers > 0, "--transformers must be at least 1");
    ensure!(
        (1..=40).contains(&years),
        "--years must be between 1 and 40"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fleet = nameplates(
        &mut rng,
        transformers,
        NameplateOptions {
            naming: Naming::Mixed,
            latest_year: 2022,
        },
    );
    let dates: Vec<_> = fleet
        .iter()
        .map(|t| history_dates(&mut rng, t, years))
        .collect();
    // "A few" per kind: 3 in a fleet of 170, at least 1.
    let per_kind = ((transformers as f64 * 0.015).round() as usize).max(1);
    let faults = assign_faults(&mut rng, &mut fleet, &dates, per_kind);
    Ok(build_units(&mut rng, fleet, dates, faults))
}

/// Writes the two-sheet workbook ("Transformers", "Samples").
pub fn write(units: &[Unit], path: &Path) -> Result<()> {
    let mut workbook = new_workbook();
    let formats = Formats::new();
    let sheet = workbook.add_worksheet();
    start_sheet(
        sheet,
        "Transformers",
        &ASSET_HEADERS,
        &ASSET_WIDTHS,
        &formats,
    )?;
    for (index, unit) in units.iter().enumerate() {
        write_transformer(sheet, index as u32 + 1, &unit.transformer)?;
    }
    sheet.autofilter(0, 0, units.len() as u32, ASSET_HEADERS.len() as u16 - 1)?;
    let sheet = workbook.add_worksheet();
    start_sheet(sheet, "Samples", &SAMPLE_HEADERS, &SAMPLE_WIDTHS, &formats)?;
    let mut row = 1u32;
    for unit in units {
        for sample in &unit.samples {
            write_sample(
                sheet,
                row,
                &unit.transformer.id,
                sample.date,
                &sample.gases,
                &formats,
            )?;
            row += 1;
        }
    }
    sheet.autofilter(0, 0, row - 1, SAMPLE_HEADERS.len() as u16 - 1)?;
    workbook
        .save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The `fleet` command.
pub fn run(out: &Path, transformers: usize, years: u32, seed: u64) -> Result<()> {
    let units = generate(transformers, years, seed)?;
    write(&units, out)?;
    let samples: usize = units.iter().map(|u| u.samples.len()).sum();
    println!(
        "wrote {}: {} transformers, {} samples",
        out.display(),
        units.len(),
        samples
    );
    for unit in &units {
        if let Some(plan) = &unit.fault {
            println!(
                "  {:<8} {:<18} from {} ({}, {})",
                unit.transformer.id,
                plan.kind.label(),
                plan.start,
                unit.transformer.name,
                unit.transformer.preservation.as_str()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::NaiveDate;

    use super::*;
    use crate::model::{END, Gas};

    #[test]
    fn fleet_is_clean() -> Result<()> {
        let units = generate(170, 10, 7)?;
        assert_eq!(units.len(), 170);
        let mut keys = HashSet::new();
        let earliest = NaiveDate::from_ymd_opt(2015, 1, 1).context("date")?;
        for unit in &units {
            assert!(unit.samples.len() >= 2, "{}", unit.transformer.id);
            for pair in unit.samples.windows(2) {
                let days = (pair[1].date - pair[0].date).num_days();
                assert!((182..=365).contains(&days), "{days}");
            }
            for sample in &unit.samples {
                assert!(
                    sample.date >= earliest && sample.date <= END,
                    "{}",
                    sample.date
                );
                assert!(
                    keys.insert((unit.transformer.id.clone(), sample.date)),
                    "duplicate"
                );
                for gas in sample.gases {
                    match gas {
                        Gas::Ppm(v) => assert!(v > 0.0 && v.is_finite()),
                        Gas::Below(l) => assert!(l == 0.5 || l == 5.0),
                    }
                }
            }
        }
        Ok(())
    }

    #[test]
    fn same_seed_same_bytes() -> Result<()> {
        // Removed when dropped, after every file in it is closed (Windows cannot delete
        // an open file).
        let scratch = tempfile::tempdir()?;
        let dir = scratch.path();
        let (a, b) = (dir.join("a.xlsx"), dir.join("b.xlsx"));
        write(&generate(40, 10, 3)?, &a)?;
        write(&generate(40, 10, 3)?, &b)?;
        assert_eq!(std::fs::read(&a)?, std::fs::read(&b)?);
        Ok(())
    }

    #[test]
    fn reads_back_with_date_cells() -> Result<()> {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        // Removed when dropped, after every file in it is closed (Windows cannot delete
        // an open file).
        let scratch = tempfile::tempdir()?;
        let dir = scratch.path();
        let path = dir.join("fleet.xlsx");
        let units = generate(20, 10, 9)?;
        write(&units, &path)?;
        let mut workbook: Xlsx<_> = open_workbook(&path)?;
        assert_eq!(
            workbook.sheet_names(),
            vec!["Transformers".to_owned(), "Samples".to_owned()]
        );
        let samples = workbook.worksheet_range("Samples")?;
        let rows: Vec<_> = samples.rows().collect();
        assert_eq!(
            rows.len(),
            1 + units.iter().map(|u| u.samples.len()).sum::<usize>()
        );
        assert_eq!(rows[0][1], Data::String("Date sampled".into()));
        assert!(matches!(rows[1][1], Data::DateTime(_)), "{:?}", rows[1][1]);
        assert!(matches!(rows[1][8], Data::Float(_)));
        Ok(())
    }
}
