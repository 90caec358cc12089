//! `substation`: the Substation Bulk command line.

mod diagnose;
mod error;
mod import;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

#[derive(Parser)]
#[command(
    name = "substation",
    version,
    about = "Dissolved-gas diagnosis of transformer fleets"
)]
struct Cli {
    /// Print machine-readable JSON; errors become {"error": {"code", "message"}}.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Diagnose transformers on the embedded engine, from a JSON file holding one diagnosis
    /// request or an array of them (see docs/contract/).
    Diagnose {
        /// The request file, e.g. samples/fleet.json.
        file: PathBuf,
        /// Show the rules that fired for each transformer.
        #[arg(long)]
        explain: bool,
    },
    /// Read a laboratory workbook (xlsx, xlsm, xlsb, xls, ods, csv), check it row by row and
    /// print what it holds and every issue, with sheet, row and column.
    Import {
        /// The workbook.
        file: PathBuf,
        /// A JSON file mapping headers the importer does not recognise to fields.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// CSV text encoding, when detection guesses wrong.
        #[arg(long, value_enum)]
        encoding: Option<EncodingArg>,
        /// Read dates like 05/10/2023 as day/month/year.
        #[arg(long, conflicts_with = "month_first")]
        day_first: bool,
        /// Read dates like 05/10/2023 as month/day/year.
        #[arg(long)]
        month_first: bool,
        /// Refuse files larger than this many megabytes (default 200).
        #[arg(long, value_name = "MB")]
        max_size: Option<u64>,
    },
    /// Write a blank, documented workbook to fill in and import.
    Template {
        /// Where to write it, e.g. dga-template.xlsx.
        out: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum EncodingArg {
    Utf8,
    Utf16,
    Cp949,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Diagnose { file, explain } => diagnose::run(file, cli.json, *explain),
        Command::Import {
            file,
            mapping,
            encoding,
            day_first,
            month_first,
            max_size,
        } => import::run(&import::ImportArgs {
            file,
            json: cli.json,
            mapping: mapping.as_deref(),
            encoding: encoding.map(|e| match e {
                EncodingArg::Utf8 => substation_import::TextEncoding::Utf8,
                EncodingArg::Utf16 => substation_import::TextEncoding::Utf16,
                EncodingArg::Cp949 => substation_import::TextEncoding::Cp949,
            }),
            day_order: if *day_first {
                Some(substation_import::values::DayOrder::DayFirst)
            } else if *month_first {
                Some(substation_import::values::DayOrder::MonthFirst)
            } else {
                None
            },
            max_megabytes: *max_size,
        }),
        Command::Template { out } => import::template(out),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report(&error, cli.json);
            ExitCode::from(2)
        }
    }
}

/// Application identifier; the per-user data directory is named after it, shared with the
/// desktop app (Tauri's app data directory for the same identifier).
pub const APP_IDENTIFIER: &str = "org.substationbulk.app";

/// The per-user data directory (`SUBSTATION_DATA_DIR` overrides it, e.g. in tests).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SUBSTATION_DATA_DIR") {
        return PathBuf::from(dir);
    }
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join(APP_IDENTIFIER)
}

fn report(error: &CliError, json: bool) {
    if json {
        let body = serde_json::json!({ "error": error.body() });
        println!("{body}");
    } else {
        eprintln!("error: {error}");
    }
}
