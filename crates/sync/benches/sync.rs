//! Sync benchmark: 100,000 diagnoses from a laptop's store to a central service on this
//! computer. Goal: ≤ 20 s.
//!
//! The store is made first (100,000 transformers, one sample each, one diagnosis each) and its
//! assets and samples are synced untimed; then the diagnoses alone are synced and timed: wall
//! time, the process's CPU time, batches, bytes. By default the service is the in-process
//! stand-in (`substation-sync-testserver`, which also spends this process's CPU parsing and
//! checking every item); `--server URL` with `SUBSTATION_SYNC_TOKEN` points at a real one.
//!
//! Run: `cargo bench -p substation-sync --bench sync [-- --diagnoses N] [--gzip none|1..9]
//! [--items N] [--server URL]`; `--profile dev` builds no release artefacts.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use substation_dga::{Asset, DiagnosisRequest, Gas, GasReadings, Sample, diagnose};
use substation_import::{Format, Import, ImportedSample, Summary};
use substation_store::{BatchLimits, DiagnosisRecord, RunSpec, RunState, Store};
use substation_sync::{ServerConfig, SyncClient, SyncOptions};
use substation_sync_testserver::TestCentral;

struct Args {
    diagnoses: usize,
    gzip: Option<u32>,
    items: usize,
    server: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        diagnoses: 100_000,
        gzip: BatchLimits::default().gzip_level,
        items: BatchLimits::default().max_items,
        server: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--diagnoses" => args.diagnoses = value().parse().unwrap_or(args.diagnoses),
            "--items" => args.items = value().parse().unwrap_or(args.items),
            "--gzip" => args.gzip = value().parse().ok(),
            "--server" => args.server = Some(value()),
            _ => {}
        }
    }
    args
}

fn cpu() -> Duration {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF);
    match usage {
        Ok(u) => {
            let t = |tv: nix::sys::time::TimeVal| {
                Duration::new(tv.tv_sec() as u64, (tv.tv_usec() * 1_000) as u32)
            };
            t(u.user_time()) + t(u.system_time())
        }
        Err(_) => Duration::ZERO,
    }
}

fn fleet(n: usize) -> Import {
    let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    let assets: Vec<Asset> = (0..n).map(|i| Asset::new(format!("BT-{i:06}"))).collect();
    let samples = assets
        .iter()
        .enumerate()
        .map(|(i, a)| ImportedSample {
            asset_id: a.id.clone(),
            sample: Sample::new(
                day,
                GasReadings::default()
                    .with(Gas::H2, 20.0 + (i % 300) as f64)
                    .with(Gas::CH4, 10.0 + (i % 40) as f64)
                    .with(Gas::C2H6, 8.0)
                    .with(Gas::C2H4, 5.0 + (i % 90) as f64)
                    .with(Gas::C2H2, (i % 7) as f64 * 0.5)
                    .with(Gas::CO, 300.0)
                    .with(Gas::CO2, 2500.0),
            ),
            sheet: "Bench".into(),
            row: (i + 2) as u32,
        })
        .collect();
    Import {
        file_name: "bench.xlsx".into(),
        content_sha256: "b".repeat(64),
        format: Format::Xlsx,
        encoding: None,
        sheets: Vec::new(),
        assets,
        samples,
        issues: Vec::new(),
        summary: Summary::default(),
    }
}

fn main() {
    let args = args();
    let import = fleet(args.diagnoses);
    let requests: Vec<(String, DiagnosisRequest)> = import
        .assets
        .iter()
        .zip(&import.samples)
        .map(|(a, s)| {
            (
                a.id.clone(),
                DiagnosisRequest::new(a.clone(), vec![s.sample]),
            )
        })
        .collect();
    measured(&args, &requests);
}

/// A fresh store whose outbox holds only the diagnoses, synced and timed.
fn measured(args: &Args, requests: &[(String, DiagnosisRequest)]) {
    let dir = tempfile::tempdir().expect("scratch");
    let path = dir.path().join("measured.sqlite3");
    let store = Store::open(&path).expect("open");
    let started = Instant::now();
    store.import(fleet(requests.len())).expect("import");
    // Everything the import queued goes first to a throwaway service.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sink = TestCentral::start(&[("sink", "sink")]).await.expect("sink");
        let client = SyncClient::new(ServerConfig::new(sink.url(), "sink")).expect("client");
        let options = SyncOptions {
            limits: BatchLimits {
                max_items: 5_000,
                ..BatchLimits::default()
            },
            pull: false,
            ..SyncOptions::default()
        };
        client
            .sync(&store, &options, |_| {})
            .await
            .expect("setup sync");
    });
    let run_id = store
        .begin_run(RunSpec {
            engine: "embedded".into(),
            engine_version: Some(substation_dga::ENGINE_VERSION.into()),
            function_name: None,
            options: serde_json::json!({}),
            assets_total: requests.len() as u64,
            asset_ids: Vec::new(),
        })
        .expect("run");
    let mut receivers = std::collections::VecDeque::new();
    for (id, request) in requests {
        receivers.push_back(
            store
                .submit_diagnosis(DiagnosisRecord {
                    run_id,
                    asset_id: id.clone(),
                    request_sha256: substation_store::request_sha256(request).expect("hash"),
                    diagnosis: Box::new(diagnose(request).expect("diagnosis")),
                    reused_from: None,
                })
                .expect("submit"),
        );
        if receivers.len() > 4_096 {
            let _ = receivers.pop_front().map(|r| r.recv());
        }
    }
    for r in receivers {
        r.recv().expect("reply").expect("stored");
    }
    store
        .finish_run(run_id, RunState::Finished)
        .expect("finish");
    eprintln!(
        "setup: {} transformers imported, synced, diagnosed and stored in {:.1} s",
        requests.len(),
        started.elapsed().as_secs_f64()
    );

    runtime.block_on(async {
        let token = std::env::var("SUBSTATION_SYNC_TOKEN").unwrap_or_else(|_| "bench".into());
        let central = match &args.server {
            Some(_) => None,
            None => Some(
                TestCentral::start(&[(token.as_str(), "bench-laptop")])
                    .await
                    .expect("server"),
            ),
        };
        let url = args
            .server
            .clone()
            .or_else(|| central.as_ref().map(TestCentral::url))
            .unwrap_or_default();
        let client = SyncClient::new(ServerConfig::new(url.clone(), token)).expect("client");
        let options = SyncOptions {
            limits: BatchLimits {
                max_items: args.items,
                gzip_level: args.gzip,
                ..BatchLimits::default()
            },
            pull: false,
            ..SyncOptions::default()
        };
        let cpu_before = cpu();
        let started = Instant::now();
        let report = client.sync(&store, &options, |_| {}).await.expect("sync");
        let wall = started.elapsed();
        let cpu_used = cpu() - cpu_before;
        println!(
            "sync of {} diagnoses to {}: {:.2} s wall ({:.0} diagnoses/s), {:.2} s CPU of this \
             process{}; {} batches of ≤ {} items, gzip {:?}, {:.1} MB sent; {} applied, {} retries",
            report.sent,
            if args.server.is_some() {
                url.as_str()
            } else {
                "the in-process stand-in"
            },
            wall.as_secs_f64(),
            report.sent as f64 / wall.as_secs_f64(),
            cpu_used.as_secs_f64(),
            if args.server.is_none() {
                " (the stand-in's included)"
            } else {
                ""
            },
            report.batches,
            args.items,
            args.gzip,
            report.bytes as f64 / 1e6,
            report.applied,
            report.retries,
        );
        if let Some(central) = &central {
            let stats = central.stats();
            assert_eq!(stats.diagnoses, requests.len());
            assert!(substation_sync_testserver::exactly_once(&stats));
        }
        let goal = Duration::from_secs(20);
        println!(
            "goal ≤ {} s: {}",
            goal.as_secs(),
            if wall <= goal { "met" } else { "NOT met" }
        );
    });
}
