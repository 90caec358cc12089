//! `big`: a large synthetic two-sheet workbook for benchmarks, written in rust_xlsxwriter's
//! constant-memory mode (rows go to a temporary file as they are written), optionally with a
//! single-sheet CSV of the same data.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use chrono::{NaiveDate, TimeDelta};
use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::gases::{Fault, FaultPlan, Profile};
use crate::model::{END, GAS_COUNT, Sample, Transformer, ymd};
use crate::names::{NameplateOptions, Naming, nameplates};
use crate::xlsx::{
    ASSET_HEADERS, ASSET_WIDTHS, Formats, SAMPLE_HEADERS, SAMPLE_WIDTHS, new_workbook, start_sheet,
    write_sample, write_transformer,
};

/// No generated date is older than this.
const EARLIEST: NaiveDate = ymd(1980, 1, 1);

/// `OUT.xlsx` → `OUT.csv`.
pub fn csv_path(out: &Path) -> PathBuf {
    out.with_extension("csv")
}

/// One unit's generator state: nameplate, dates and gas model. Samples are made on demand, in
/// the same order for the workbook and the CSV, so neither needs the whole data in memory.
struct BigUnit {
    transformer: Transformer,
    profile: Profile,
    fault: Option<FaultPlan>,
    dates: Vec<NaiveDate>,
    rng_seed: u64,
}

impl BigUnit {
    fn samples(&self) -> impl Iterator<Item = Sample> + '_ {
        let mut rng = StdRng::seed_from_u64(self.rng_seed);
        let first = self.dates.first().copied().unwrap_or(END);
        self.dates.iter().map(move |date| {
            self.profile.sample(
                &mut rng,
                &self.transformer,
                self.fault.as_ref(),
                first,
                *date,
            )
        })
    }
}

fn units(transformers: usize, samples: usize, seed: u64) -> Result<Vec<BigUnit>> {
    ensure!(
        transformers > 0 && samples > 0,
        "--transformers and --samples must be at least 1"
    );
    let span = (END - EARLIEST).num_days() as usize;
    ensure!(
        samples <= span / 2,
        "--samples is at most {} (one sample per two days since {EARLIEST})",
        span / 2
    );
    // Average spacing: about monthly, tighter when many samples must fit (the longest possible
    // history, 1.5 × mean × samples, still fits after EARLIEST).
    let mean = (span * 2 / (3 * samples)).clamp(1, 40) as i64;
    let mut rng = StdRng::seed_from_u64(seed);
    let plates = nameplates(
        &mut rng,
        transformers,
        NameplateOptions {
            naming: Naming::Mixed,
            latest_year: 2022,
        },
    );
    let mut out = Vec::with_capacity(transformers);
    for (index, transformer) in plates.into_iter().enumerate() {
        let mut dates = Vec::with_capacity(samples);
        let mut date = END - TimeDelta::days(rng.random_range(0..=mean));
        while dates.len() < samples {
            dates.push(date);
            date -= TimeDelta::days(rng.random_range((mean / 2).max(1)..=(mean * 3 / 2).max(1)));
            if date < EARLIEST {
                break;
            }
        }
        dates.reverse();
        let profile = Profile::new(&mut rng, &transformer);
        // One unit in twenty develops a fault, so benchmarks diagnose something.
        let fault = match (index % 20 == 7, dates.last()) {
            (true, Some(last)) => {
                let kind = Fault::ALL[(index / 20) % Fault::ALL.len()];
                Some(FaultPlan::new(&mut rng, kind, *last))
            }
            _ => None,
        };
        out.push(BigUnit {
            transformer,
            profile,
            fault,
            dates,
            rng_seed: rng.random(),
        });
    }
    Ok(out)
}

fn write_xlsx(units: &[BigUnit], path: &Path) -> Result<usize> {
    let mut workbook = new_workbook();
    let formats = Formats::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
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
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    start_sheet(sheet, "Samples", &SAMPLE_HEADERS, &SAMPLE_WIDTHS, &formats)?;
    let mut row = 1u32;
    for unit in units {
        for sample in unit.samples() {
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
    workbook
        .save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(row as usize - 1)
}

fn write_csv(units: &[BigUnit], path: &Path) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
    let header: Vec<&str> = ASSET_HEADERS
        .iter()
        .chain(SAMPLE_HEADERS.iter().skip(1))
        .copied()
        .collect();
    writer.write_record(&header)?;
    let mut fields: Vec<String> = Vec::with_capacity(header.len());
    for unit in units {
        let t = &unit.transformer;
        let nameplate = [
            t.id.clone(),
            t.name.clone(),
            t.substation.clone(),
            t.manufacturer.clone(),
            t.year.to_string(),
            t.rated_kv.to_string(),
            t.rated_mva.to_string(),
            t.oil_litres.to_string(),
            t.preservation.as_str().to_owned(),
            t.oltc_text().to_owned(),
        ];
        for sample in unit.samples() {
            fields.clear();
            fields.extend(nameplate.iter().cloned());
            fields.push(sample.date.format("%Y-%m-%d").to_string());
            fields.extend(sample.gases.iter().map(|gas| gas.text()));
            writer.write_record(&fields)?;
        }
    }
    writer.flush()?;
    let mut inner = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("finishing {}: {e}", path.display()))?;
    inner.flush()?;
    Ok(())
}

fn size_text(path: &Path) -> Result<String> {
    let bytes = std::fs::metadata(path)?.len();
    Ok(format!(
        "{:.1} MB ({bytes} bytes)",
        bytes as f64 / 1_000_000.0
    ))
}

/// The `big` command.
pub fn run(out: &Path, transformers: usize, samples: usize, seed: u64, csv: bool) -> Result<()> {
    let started = Instant::now();
    let units = units(transformers, samples, seed)?;
    let rows = write_xlsx(&units, out)?;
    let xlsx_time = started.elapsed();
    println!(
        "wrote {}: {} transformers, {rows} sample rows, {} in {:.1} s",
        out.display(),
        units.len(),
        size_text(out)?,
        xlsx_time.as_secs_f64()
    );
    if csv {
        let csv_started = Instant::now();
        let path = csv_path(out);
        write_csv(&units, &path)?;
        println!(
            "wrote {}: {rows} rows (nameplate on every row), {} in {:.1} s",
            path.display(),
            size_text(&path)?,
            csv_started.elapsed().as_secs_f64()
        );
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Gas columns: count check used by tests.
const _: () = assert!(GAS_COUNT + 2 == SAMPLE_HEADERS.len());

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx, open_workbook};

    use super::*;
    use crate::model::Gas;

    #[test]
    fn small_big_run_reads_back() -> Result<()> {
        // Removed when dropped, after every file in it is closed (Windows cannot delete
        // an open file).
        let scratch = tempfile::tempdir()?;
        let dir = scratch.path();
        let path = dir.join("big.xlsx");
        run(&path, 30, 50, 5, true)?;
        let mut workbook: Xlsx<_> = open_workbook(&path)?;
        let samples = workbook.worksheet_range("Samples")?;
        assert_eq!(samples.height(), 1 + 30 * 50);
        assert_eq!(
            samples.get_value((0, 0)),
            Some(&Data::String("Asset ID".into()))
        );
        assert!(matches!(samples.get_value((1, 1)), Some(Data::DateTime(_))));
        let assets = workbook.worksheet_range("Transformers")?;
        assert_eq!(assets.height(), 31);
        let text = std::fs::read_to_string(csv_path(&path))?;
        assert_eq!(text.lines().count(), 1 + 30 * 50);
        assert!(text.starts_with("Asset ID,Name,Substation,"));
        // Dates strictly increase within each unit.
        for unit in units(30, 50, 5)? {
            let dates: Vec<_> = unit.samples().map(|s| s.date).collect();
            assert!(dates.windows(2).all(|w| w[0] < w[1]));
            assert!(unit.samples().all(|s| {
                s.gases
                    .iter()
                    .all(|g| !matches!(g, Gas::Ppm(v) if *v < 0.0))
            }));
        }
        Ok(())
    }
}
