//! `substation-samplegen`: writes realistic sample DGA workbooks for Substation Bulk.
//!
//! Every command is deterministic: the same seed writes the same bytes.

use substation_samplegen::{big, fleet, korean, messy};

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "substation-samplegen",
    version,
    about = "Writes realistic sample DGA workbooks for Substation Bulk"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Clean two-sheet fleet workbook (Transformers + Samples) with ~10 years of history and a few
    /// developing faults.
    Fleet {
        /// Output .xlsx file.
        out: PathBuf,
        #[arg(long, default_value_t = 170)]
        transformers: usize,
        /// Years of history per unit (one sample every 6–12 months).
        #[arg(long, default_value_t = 10)]
        years: u32,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Single-sheet Korean lab export: title row, blank row, Korean headers, text dates, 불검출/ND.
    Korean {
        /// Output .xlsx file.
        out: PathBuf,
        #[arg(long, default_value_t = 11)]
        seed: u64,
    },
    /// Two-sheet workbook with deliberate problems; writes OUT.expected.json with the issues the
    /// importer should report.
    Messy {
        /// Output .xlsx file.
        out: PathBuf,
        #[arg(long, default_value_t = 13)]
        seed: u64,
    },
    /// Large two-sheet workbook for benchmarks, written in constant-memory mode.
    Big {
        /// Output .xlsx file.
        out: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        transformers: usize,
        /// Samples per transformer.
        #[arg(long, default_value_t = 100)]
        samples: usize,
        #[arg(long, default_value_t = 5)]
        seed: u64,
        /// Also write OUT.csv: one sheet, the nameplate repeated on every row (UTF-8).
        #[arg(long)]
        csv: bool,
    },
    /// The Korean lab export as a CP949 (EUC-KR) comma-separated file, header row first.
    CsvKorean {
        /// Output .csv file.
        out: PathBuf,
        #[arg(long, default_value_t = 17)]
        seed: u64,
    },
}

/// Creates the output's folder if needed.
fn prepare(out: &Path) -> Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    Ok(())
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Fleet {
            out,
            transformers,
            years,
            seed,
        } => {
            prepare(&out)?;
            fleet::run(&out, transformers, years, seed)
        }
        Command::Korean { out, seed } => {
            prepare(&out)?;
            korean::run_xlsx(&out, seed)
        }
        Command::Messy { out, seed } => {
            prepare(&out)?;
            messy::run(&out, seed)
        }
        Command::Big {
            out,
            transformers,
            samples,
            seed,
            csv,
        } => {
            prepare(&out)?;
            big::run(&out, transformers, samples, seed, csv)
        }
        Command::CsvKorean { out, seed } => {
            prepare(&out)?;
            korean::run_csv(&out, seed)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
