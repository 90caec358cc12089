//! Store benchmark: write 1,000,000 samples (10,000 transformers × 100) and 10,000 diagnoses
//! to a real SQLite file, then read the fleet overview. Goals: writes ≤ 3 s; overview over
//! 10,000 assets ≤ 50 ms. Run: `cargo bench -p substation-store --bench store`;
//! `SUBSTATION_BENCH_KEEP=1` keeps the database for a look (printed path).

use std::time::Instant;

use chrono::{Days, NaiveDate};
use substation_dga::{
    Asset, DiagnosisRequest, Gas, GasReadings, GasValue, OilPreservation, Sample, diagnose,
};
use substation_import::{Format, Import, ImportedSample, Summary};
use substation_store::{DiagnosisRecord, FleetQuery, RunSpec, RunState, Store};

const ASSETS: usize = 10_000;
const SAMPLES: usize = 100;

fn fleet() -> Import {
    let origin = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let mut assets = Vec::with_capacity(ASSETS);
    let mut samples = Vec::with_capacity(ASSETS * SAMPLES);
    for a in 0..ASSETS {
        let id = format!("TR-{a:05}");
        let mut asset = Asset::new(id.clone());
        asset.substation = Some(format!("S/S {}", a % 300));
        asset.name = Some(format!("Unit {a}"));
        asset.year_of_manufacture = Some(1970 + (a % 50) as i32);
        asset.oil_preservation = Some(OilPreservation::Conservator);
        assets.push(asset);
        for s in 0..SAMPLES {
            let t = s as f64;
            let gases = GasReadings::default()
                .with(Gas::H2, 10.0 + t * 0.3 + (a % 7) as f64)
                .with(Gas::CH4, 5.0 + t * 0.2)
                .with(Gas::C2H6, 3.0 + t * 0.1)
                .with(Gas::C2H4, 2.0 + t * (a % 5) as f64 * 0.5)
                .with(Gas::CO, 200.0 + t * 3.0)
                .with(Gas::CO2, 2000.0 + t * 20.0)
                .with(Gas::O2, 19_000.0)
                .with(Gas::N2, 52_000.0);
            let mut gases = gases;
            gases.c2h2 = GasValue::BelowDetection { limit: Some(0.5) };
            samples.push(ImportedSample {
                asset_id: id.clone(),
                sample: Sample::new(origin + Days::new(40 * s as u64), gases),
                sheet: "Samples".into(),
                row: (a * SAMPLES + s + 2) as u32,
            });
        }
    }
    Import {
        file_name: "bench.xlsx".into(),
        content_sha256: "0".repeat(64),
        format: Format::Xlsx,
        encoding: None,
        sheets: Vec::new(),
        assets,
        samples,
        issues: Vec::new(),
        summary: Summary::default(),
        blank_gas: Default::default(),
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("substation-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {error}", dir.display());
        return;
    }
    let path = dir.join("bench.sqlite3");
    let store = match Store::open(&path) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("cannot open the store: {error}");
            return;
        }
    };
    let import = fleet();
    // Diagnoses are computed before the clock starts: the store's cost is what is measured.
    // Answers as an engine delivers them: JSON bytes with their summary.
    let records: Vec<(String, substation_dga::Answer)> = import
        .assets
        .iter()
        .enumerate()
        .filter_map(|(i, asset)| {
            let samples: Vec<Sample> = import.samples[i * SAMPLES..(i + 1) * SAMPLES]
                .iter()
                .map(|s| s.sample)
                .collect();
            diagnose(&DiagnosisRequest::new(asset.clone(), samples))
                .ok()
                .and_then(|d| substation_dga::Answer::from_diagnosis(&d).ok())
                .map(|answer| (asset.id.clone(), answer))
        })
        .collect();

    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let outcome = match store.import(import) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("import failed: {error}");
            return;
        }
    };
    let import_time = started.elapsed();
    let cpu_import = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let run = store
        .begin_run(RunSpec {
            engine: "embedded".into(),
            engine_version: None,
            function_name: None,
            options: serde_json::json!({}),
            assets_total: ASSETS as u64,
            asset_ids: Vec::new(),
            profile: None,
        })
        .unwrap_or_default();
    let diagnoses_started = Instant::now();
    // Results arrive from concurrent workers in a real run; two threads here (the core count).
    let half = records.len() / 2;
    let mut records = records;
    let second = records.split_off(half);
    let store_ref = &store;
    let submit = move |part: Vec<(String, substation_dga::Answer)>| {
        part.into_iter()
            .filter_map(|(asset_id, answer)| {
                store_ref
                    .submit_diagnosis(DiagnosisRecord {
                        run_id: run,
                        asset_id,
                        request_sha256: "0".repeat(64),
                        answer,
                        reused_from: None,
                    })
                    .ok()
            })
            .collect::<Vec<_>>()
    };
    let receivers: Vec<_> = std::thread::scope(|scope| {
        let other = scope.spawn(move || submit(second));
        let mut mine = submit(records);
        mine.extend(other.join().unwrap_or_default());
        mine
    });
    let stored = receivers
        .into_iter()
        .filter(|r| matches!(r.recv(), Ok(Ok(_))))
        .count();
    let diagnoses_time = diagnoses_started.elapsed();
    let _ = store.finish_run(run, RunState::Finished);
    let total = started.elapsed();
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);

    let reader = match store.reader() {
        Ok(reader) => reader,
        Err(error) => {
            eprintln!("cannot read: {error}");
            return;
        }
    };
    let best = |query: &FleetQuery| {
        (0..20)
            .map(|_| {
                let t = Instant::now();
                let rows = reader.fleet(query).map(|r| r.len()).unwrap_or(0);
                (t.elapsed(), rows)
            })
            .min()
            .unwrap_or_default()
    };
    let (page_time, page_rows) = best(&FleetQuery {
        limit: 50,
        ..FleetQuery::default()
    });
    let (all_time, all_rows) = best(&FleetQuery::default());
    let (filtered_time, filtered_rows) = best(&FleetQuery {
        status: Some(3),
        limit: 50,
        ..FleetQuery::default()
    });
    let (deep_time, deep_rows) = best(&FleetQuery {
        limit: 50,
        offset: 9_900,
        ..FleetQuery::default()
    });
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.join("bench.sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);

    println!(
        "store {} samples of {} assets: {:.2} s",
        outcome.samples_new,
        outcome.assets_new,
        import_time.as_secs_f64()
    );
    println!(
        "store {stored} diagnoses (with outbox rows): {:.2} s",
        diagnoses_time.as_secs_f64()
    );
    println!(
        "total writes: {:.2} s (goal ≤ 3 s); database {:.0} MB",
        total.as_secs_f64(),
        size as f64 / 1e6
    );
    if let Some(cpu) = cpu {
        // Other jobs share the machine: CPU time varies less than wall time between runs.
        println!(
            "CPU during the writes, all threads: {cpu:.2} s (import {:.2} s)",
            cpu_import.unwrap_or_default()
        );
    }
    println!(
        "fleet overview, first page of {page_rows}: {:.1} ms",
        page_time.as_secs_f64() * 1000.0
    );
    println!(
        "fleet overview, all {all_rows}: {:.1} ms (goal ≤ 50 ms)",
        all_time.as_secs_f64() * 1000.0
    );
    println!(
        "fleet overview, status 3, {filtered_rows} rows: {:.1} ms",
        filtered_time.as_secs_f64() * 1000.0
    );
    println!(
        "fleet overview, page at offset 9,900 ({deep_rows} rows): {:.1} ms",
        deep_time.as_secs_f64() * 1000.0
    );
    drop(reader);
    // Closing waits for the writer's last WAL checkpoint, which runs after it has answered.
    let closing = Instant::now();
    drop(store);
    println!(
        "closing, including the final WAL checkpoint: {:.2} s",
        closing.elapsed().as_secs_f64()
    );
    if std::env::var_os("SUBSTATION_BENCH_KEEP").is_some() {
        println!("kept {}", path.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// User + system CPU time of this process so far (Linux; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime (fields 14 and 15 of proc(5)), in clock ticks of 1/100 s on Linux.
    Some((ticks(11)? + ticks(12)?) / 100.0)
}
