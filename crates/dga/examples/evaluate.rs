//! Scores every method and the consensus on labelled DGA cases (docs/diagnosis.md, section 6).
//!
//! ```sh
//! cargo run -p substation-dga --example evaluate -- crates/dga/data/labelled/*.csv
//! cargo run -p substation-dga --example evaluate -- --blank not-measured --confusion FILE.csv
//! ```
//!
//! Input: CSV with `case_id`, `H2`, `CH4`, `C2H6`, `C2H4`, `C2H2`, `CO`, `CO2` (ppm) and
//! `fault_label` (PD, D1, D2, T1, T2, T3, T1/T2, T, D or DT); other columns are ignored. Exits
//! with 1 when the consensus is right less often than the best single method on some file.

use std::io::Write as _;
use std::process::ExitCode;

use substation_dga::evaluation::{BlankCell, evaluate, parse_cases};

fn main() -> ExitCode {
    let mut blank = BlankCell::NotDetected;
    let mut confusion = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--blank" => match args.next().as_deref() {
                Some("not-detected") => blank = BlankCell::NotDetected,
                Some("not-measured") => blank = BlankCell::NotMeasured,
                other => {
                    eprintln!(
                        "evaluate: --blank takes not-detected or not-measured, not {other:?}"
                    );
                    return ExitCode::from(2);
                }
            },
            "--confusion" => confusion = true,
            "-h" | "--help" => {
                println!(
                    "usage: evaluate [--blank not-detected|not-measured] [--confusion] FILE.csv…"
                );
                return ExitCode::SUCCESS;
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("evaluate: name at least one labelled CSV file (see crates/dga/data/labelled/)");
        return ExitCode::from(2);
    }
    let mut all = Vec::new();
    let mut worse = false;
    let mut out = String::new();
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("evaluate: cannot read {file}: {error}");
                return ExitCode::from(2);
            }
        };
        let cases = match parse_cases(file, &text, blank) {
            Ok(cases) => cases,
            Err(error) => {
                eprintln!("evaluate: {error}");
                return ExitCode::from(2);
            }
        };
        let report = evaluate(file, &cases, blank);
        out.push_str(&report.render(confusion));
        out.push('\n');
        let consensus = report.score("consensus").map_or(0, |s| s.right);
        worse |= consensus < report.best_single_method().1;
        all.extend(cases);
    }
    if files.len() > 1 {
        let report = evaluate("all files together", &all, blank);
        out.push_str(&report.render(false));
        let consensus = report.score("consensus").map_or(0, |s| s.right);
        worse |= consensus < report.best_single_method().1;
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.as_bytes());
    if worse {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
