//! `substation`: the Substation Bulk command line.

mod diagnose;
mod error;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Diagnose { file, explain } => diagnose::run(file, cli.json, *explain),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report(&error, cli.json);
            ExitCode::from(2)
        }
    }
}

fn report(error: &CliError, json: bool) {
    if json {
        let body = serde_json::json!({ "error": error.body() });
        println!("{body}");
    } else {
        eprintln!("error: {error}");
    }
}
