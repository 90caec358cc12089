//! Sync benchmark: 100,000 diagnoses from a laptop's store to a central service on this
//! computer. Goal: ≤ 20 s.
//!
//! The store is made first (100,000 transformers, one sample each, one diagnosis each) and its
//! assets and samples are synced untimed; then the diagnoses alone are synced and timed: wall
//! time, the process's CPU time, batches, bytes. The service: `--central` runs the reference
//! service (`crates/central`) in this process on a fresh database of the PostgreSQL server
//! named by `SUBSTATION_TEST_PG`; `--server URL` with `SUBSTATION_SYNC_TOKEN` is one running
//! elsewhere; by default the in-process stand-in (`substation-sync-testserver`, which spends
//! this process's CPU parsing and checking every item).
//!
//! Run: `cargo bench -p substation-sync --bench sync -- [--central] [--diagnoses N]
//! [--gzip none|1..9] [--items N] [--server URL]`; `--profile dev` builds no release artefacts.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use substation_dga::{Asset, DiagnosisRequest, Gas, GasReadings, Sample, diagnose};
use substation_import::{Format, Import, ImportedSample, Summary};
use substation_store::{BatchLimits, DiagnosisRecord, RunSpec, RunState, Store};
use substation_sync::{ServerConfig, SyncClient, SyncOptions};
use substation_sync_testserver::TestCentral;

enum Gzip {
    /// As `substation sync`: none to this computer, the default level elsewhere.
    Auto,
    Level(Option<u32>),
}

struct Args {
    diagnoses: usize,
    gzip: Gzip,
    items: usize,
    server: Option<String>,
    /// The reference service (`crates/central`) in this process, on a fresh database in
    /// `SUBSTATION_TEST_PG`.
    central: bool,
}

fn args() -> Args {
    let mut args = Args {
        diagnoses: 100_000,
        gzip: Gzip::Auto,
        items: BatchLimits::default().max_items,
        server: None,
        central: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--diagnoses" => args.diagnoses = value().parse().unwrap_or(args.diagnoses),
            "--items" => args.items = value().parse().unwrap_or(args.items),
            "--gzip" => args.gzip = Gzip::Level(value().parse().ok()),
            "--server" => args.server = Some(value()),
            "--central" => args.central = true,
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
        blank_gas: Default::default(),
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

/// The service the bench syncs to.
enum Service {
    StandIn(TestCentral),
    /// The reference service in this process on a fresh database.
    Central(
        Box<substation_central::RunningServer>,
        substation_central::testing::TestDatabase,
    ),
    Remote,
}

async fn service(args: &Args) -> (Service, String, String) {
    if let Some(url) = &args.server {
        let token = std::env::var("SUBSTATION_SYNC_TOKEN").expect("SUBSTATION_SYNC_TOKEN");
        return (Service::Remote, url.clone(), token);
    }
    if args.central {
        let db = substation_central::testing::TestDatabase::create().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let server =
            substation_central::start(listener, substation_central::ServerConfig::new(db.url()))
                .await
                .expect("central");
        let token = substation_central::issue_token(db.url(), "bench-laptop")
            .await
            .expect("token")
            .token;
        let url = server.url();
        return (Service::Central(Box::new(server), db), url, token);
    }
    let central = TestCentral::start(&[("bench", "bench-laptop")])
        .await
        .expect("stand-in");
    let url = central.url();
    (Service::StandIn(central), url, "bench".into())
}

/// A store whose transformers and samples are synced (untimed), then diagnosed; the diagnoses
/// alone are synced and timed.
fn measured(args: &Args, requests: &[(String, DiagnosisRequest)]) {
    let dir = tempfile::tempdir().expect("scratch");
    let store = Store::open(&dir.path().join("bench.sqlite3")).expect("open");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (service, url, token) = runtime.block_on(service(args));
    let client = SyncClient::new(ServerConfig::new(url.clone(), token)).expect("client");
    let options = SyncOptions {
        limits: BatchLimits {
            max_items: args.items,
            // As `substation sync` does: no gzip to this computer, unless asked for.
            gzip_level: match args.gzip {
                Gzip::Auto if client.is_local() => None,
                Gzip::Auto => BatchLimits::default().gzip_level,
                Gzip::Level(level) => level,
            },
            ..BatchLimits::default()
        },
        pull: false,
        ..SyncOptions::default()
    };
    let started = Instant::now();
    store.import(fleet(requests.len())).expect("import");
    runtime
        .block_on(client.sync(&store, &options, |_| {}))
        .expect("the transformers and samples");
    let run_id = store
        .begin_run(RunSpec {
            engine: "embedded".into(),
            engine_version: Some(substation_dga::ENGINE_VERSION.into()),
            function_name: None,
            options: serde_json::json!({}),
            assets_total: requests.len() as u64,
            asset_ids: Vec::new(),
            profile: None,
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
                    answer: substation_dga::Answer::from_diagnosis(
                        &diagnose(request).expect("diagnosis"),
                    )
                    .expect("answer"),
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

    let where_to = match &service {
        Service::StandIn(_) => "the in-process stand-in".to_owned(),
        Service::Central(..) => "the reference service in this process (PostgreSQL)".to_owned(),
        Service::Remote => url.clone(),
    };
    let cpu_before = cpu();
    let started = Instant::now();
    let report = runtime
        .block_on(client.sync(&store, &options, |p| {
            if let Some(reason) = &p.retry_reason {
                eprintln!("retry: {reason}");
            }
        }))
        .expect("sync");
    let wall = started.elapsed();
    let cpu_used = cpu() - cpu_before;
    println!(
        "sync of {} diagnoses to {where_to}: {:.2} s wall ({:.0} diagnoses/s), {:.2} s CPU of \
         this process{}; {} batches of ≤ {} items, gzip {:?}, {:.1} MB sent; {} applied, {} retries",
        report.sent,
        wall.as_secs_f64(),
        report.sent as f64 / wall.as_secs_f64(),
        cpu_used.as_secs_f64(),
        match &service {
            Service::Remote => "",
            _ => " (the service's included; PostgreSQL's not)",
        },
        report.batches,
        args.items,
        options.limits.gzip_level,
        report.bytes as f64 / 1e6,
        report.applied,
        report.retries,
    );
    assert_eq!(report.applied, requests.len() as u64);
    if let Service::StandIn(central) = &service {
        assert!(substation_sync_testserver::exactly_once(&central.stats()));
    }
    let goal = Duration::from_secs(20);
    println!(
        "goal ≤ {} s: {}",
        goal.as_secs(),
        if wall <= goal { "met" } else { "NOT met" }
    );
    if let Service::Central(server, db) = service {
        runtime.block_on(async {
            let _ = server.stop().await;
            db.drop_database().await;
        });
    }
}
