//! Parse-and-validate benchmark over large synthetic workbooks (10,000 transformers × 100
//! samples = 1,000,000 sample rows, and 1,000 × 100 = 100,000). Goals: ≤ 10 s and ≤ 1.5 GB
//! peak memory for 1,000,000 rows; ≤ 1 s for 100,000.
//!
//! Run: `cargo bench -p substation-import --bench import`. The workbooks are generated once
//! under `target/bench-data/` (not committed). Each measurement runs in a fresh child process
//! so that its peak memory (VmHWM) is the import's own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use substation_import::{ImportOptions, import_file};

const RUNS: usize = 3;

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench-data")
}

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Child: import once and print "seconds peak_kib samples issues".
fn measure(path: &Path) {
    let options =
        ImportOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default());
    let started = Instant::now();
    match import_file(path, &options) {
        Ok(import) => println!(
            "{:.3} {} {} {}",
            started.elapsed().as_secs_f64(),
            peak_kib().unwrap_or(0),
            import.summary.samples,
            import.issues.len()
        ),
        Err(error) => {
            eprintln!("import failed: {error}");
            std::process::exit(1);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        if let Some(path) = args.get(i + 1) {
            measure(Path::new(path));
        }
        return;
    }
    let dir = data_dir();
    std::fs::create_dir_all(&dir).ok();
    let me = match std::env::current_exe() {
        Ok(path) => path,
        Err(error) => {
            eprintln!("cannot find the bench binary: {error}");
            return;
        }
    };
    println!(
        "{:<34} {:>10} {:>10} {:>12} {:>14}",
        "workbook", "rows", "best s", "rows/s", "peak memory"
    );
    for (transformers, samples) in [(1_000usize, 100usize), (10_000, 100)] {
        let path = dir.join(format!("big-{transformers}x{samples}.xlsx"));
        if !path.exists()
            && let Err(error) =
                substation_samplegen::big::run(&path, transformers, samples, 5, true)
        {
            eprintln!("cannot generate {}: {error:#}", path.display());
            return;
        }
        for file in [path.clone(), substation_samplegen::big::csv_path(&path)] {
            let mut best: Option<(f64, u64, u64)> = None;
            for _ in 0..RUNS {
                let output = Command::new(&me).arg("--measure").arg(&file).output();
                let Ok(output) = output else { continue };
                let text = String::from_utf8_lossy(&output.stdout);
                let fields: Vec<&str> = text.split_whitespace().collect();
                if let [secs, kib, rows, _issues] = fields[..]
                    && let (Ok(secs), Ok(kib), Ok(rows)) =
                        (secs.parse::<f64>(), kib.parse::<u64>(), rows.parse::<u64>())
                    && best.is_none_or(|(b, _, _)| secs < b)
                {
                    best = Some((secs, kib, rows));
                }
            }
            if let Some((secs, kib, rows)) = best {
                println!(
                    "{:<34} {:>10} {:>10.2} {:>12.0} {:>11.0} MB",
                    file.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    rows,
                    secs,
                    rows as f64 / secs,
                    kib as f64 / 1024.0
                );
            }
        }
    }
}
