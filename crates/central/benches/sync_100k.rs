//! Upload benchmark: 100,000 diagnoses to a local central service over HTTP, in batches of
//! 1,000, one batch in flight, on a fresh database; then another device pulls them all.
//! Goal: the upload ≤ 20 s on the project's 2-core machine (client, service and PostgreSQL
//! together).
//!
//! The diagnoses are real: the embedded engine diagnoses 2,000 transformers (10 samples each)
//! and each response is deflated as the laptop's store does; every transformer then has 50
//! diagnoses (50 runs), each with its own ids.
//!
//! Run: `SUBSTATION_TEST_PG=$(scripts/pg start) cargo bench -p substation-central --bench sync_100k`
//! (`--profile dev` skips the long release build: this crate and its dependencies are
//! optimised in the dev profile too).
//! `SUBSTATION_BENCH_GZIP=1` gzips each request body; `SUBSTATION_BENCH_ITEMS=N` changes the
//! count; `SUBSTATION_BENCH_IN_FLIGHT=N` keeps N batches in flight.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Days, NaiveDate, Utc};
use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder};
use sha2::Digest as _;
use substation_central::testing::TestDatabase;
use substation_dga::{Asset, DiagnosisRequest, Gas, GasReadings, OilPreservation, Sample};
use substation_sync_protocol::{
    BATCHES_PATH, BatchAnswer, CHANGES_PATH, Change, ChangesPage, DiagnosisChange,
    IDEMPOTENCY_HEADER, Item, Outcome, RunInfo, SyncBatch, VERSION_HEADER,
};
use uuid::Uuid;

const ASSETS: usize = 2_000;
const BATCH: usize = 1_000;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// One real diagnosis per transformer, as a laptop holds it: the keys and the deflated JSON.
struct Diagnosed {
    asset_id: String,
    request_sha256: String,
    latest: NaiveDate,
    ieee_status: u8,
    iec_state: String,
    fault: String,
    severity: String,
    response: Vec<u8>,
    json_len: usize,
}

fn diagnose_fleet() -> Vec<Diagnosed> {
    let origin = NaiveDate::from_ymd_opt(2015, 1, 1).expect("date");
    (0..ASSETS)
        .map(|a| {
            let id = format!("TR-{a:05}");
            let mut asset = Asset::new(id.clone());
            asset.name = Some(format!("Unit {a}"));
            asset.substation = Some(format!("S/S {}", a % 300));
            asset.year_of_manufacture = Some(1970 + (a % 50) as i32);
            asset.oil_preservation = Some(OilPreservation::Conservator);
            let samples = (0..10u64)
                .map(|s| {
                    let t = s as f64;
                    let gases = GasReadings::default()
                        .with(Gas::H2, 10.0 + t * 3.0 + (a % 7) as f64)
                        .with(Gas::CH4, 5.0 + t * 2.0)
                        .with(Gas::C2H6, 3.0 + t)
                        .with(Gas::C2H4, 2.0 + t * (a % 5) as f64)
                        .with(Gas::C2H2, (a % 3) as f64 * t * 0.2)
                        .with(Gas::CO, 200.0 + t * 30.0)
                        .with(Gas::CO2, 2000.0 + t * 200.0)
                        .with(Gas::O2, 19_000.0)
                        .with(Gas::N2, 52_000.0);
                    Sample::new(origin + Days::new(s * 91), gases)
                })
                .collect();
            let request = DiagnosisRequest::new(asset, samples);
            let diagnosis = substation_dga::diagnose(&request).expect("diagnose");
            let json = serde_json::to_vec(&diagnosis).expect("json");
            let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
            encoder.write_all(&json).expect("deflate");
            let request_sha256 = sha2::Sha256::digest(serde_json::to_vec(&request).expect("json"))
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Diagnosed {
                asset_id: id,
                request_sha256,
                latest: diagnosis.latest_sample_date,
                ieee_status: diagnosis.ieee_c57_104_2019.status.number(),
                iec_state: diagnosis.iec_60599.state.label().to_owned(),
                fault: diagnosis.fault.label().to_owned(),
                severity: diagnosis.severity.label().to_owned(),
                response: encoder.finish().expect("deflate"),
                json_len: json.len(),
            }
        })
        .collect()
}

fn batches(fleet: &[Diagnosed], items: usize) -> Vec<SyncBatch> {
    let mut run = RunInfo {
        run_id: Uuid::now_v7(),
        engine: "embedded".into(),
        function_name: None,
        started_at: Utc::now(),
    };
    let all: Vec<Item> = (0..items)
        .map(|i| {
            if i % fleet.len() == 0 {
                run.run_id = Uuid::now_v7();
            }
            let d = &fleet[i % fleet.len()];
            Item {
                id: Uuid::now_v7(),
                change: Change::Diagnosis(DiagnosisChange {
                    diagnosis_id: Uuid::now_v7(),
                    asset_id: d.asset_id.clone(),
                    run: run.clone(),
                    request_sha256: d.request_sha256.clone(),
                    engine_version: substation_dga::ENGINE_VERSION.into(),
                    latest_sample_date: Some(d.latest),
                    ieee_status: Some(d.ieee_status),
                    iec_state: Some(d.iec_state.clone()),
                    fault: Some(d.fault.clone()),
                    severity: Some(d.severity.clone()),
                    created_at: Utc::now(),
                    response_deflate: d.response.clone(),
                    profile: None,
                    fault_label: None,
                    score: None,
                    action: None,
                    headline: None,
                }),
            }
        })
        .collect();
    all.chunks(BATCH)
        .map(|chunk| SyncBatch {
            batch_id: Uuid::now_v7(),
            created_at: Utc::now(),
            items: chunk.to_vec(),
        })
        .collect()
}

async fn upload(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    batch: &SyncBatch,
    gzip: bool,
) -> (usize, usize) {
    let json = serde_json::to_vec(batch).expect("json");
    let mut request = http
        .post(format!("{url}{BATCHES_PATH}"))
        .header("Authorization", format!("Bearer {token}"))
        .header(VERSION_HEADER, "1")
        .header(IDEMPOTENCY_HEADER, batch.batch_id.to_string())
        .header("Content-Type", "application/json");
    let body = if gzip {
        request = request.header("Content-Encoding", "gzip");
        let mut encoder = GzEncoder::new(Vec::with_capacity(json.len()), Compression::fast());
        encoder.write_all(&json).expect("gzip");
        encoder.finish().expect("gzip")
    } else {
        json
    };
    let sent = body.len();
    let response = request.body(body).send().await.expect("upload");
    let status = response.status();
    let bytes = response.bytes().await.expect("answer");
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    let answer: BatchAnswer = serde_json::from_slice(&bytes).expect("answer");
    let applied = answer
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Applied)
        .count();
    (applied, sent)
}

/// CPU seconds (user + system) a process has used, from /proc (Linux; 100 ticks a second).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// CPU seconds of the PostgreSQL backends serving `database` now.
async fn backend_cpu_seconds(database_url: &str, database: &str) -> Option<f64> {
    let client = substation_central::connect(database_url).await.ok()?;
    let rows = client
        .query(
            "SELECT pid::text FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&database],
        )
        .await
        .ok()?;
    Some(
        rows.iter()
            .filter_map(|row| cpu_seconds(row.get::<_, &str>(0)))
            .sum(),
    )
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; run as a test (`cargo test --benches`), a quick smoke run.
    let full = std::env::args().any(|arg| arg == "--bench");
    let items = env_number("SUBSTATION_BENCH_ITEMS", if full { 100_000 } else { 2_000 });
    let in_flight = env_number("SUBSTATION_BENCH_IN_FLIGHT", 1).max(1);
    let gzip = std::env::var("SUBSTATION_BENCH_GZIP").is_ok_and(|v| v == "1");

    let started = Instant::now();
    let fleet = diagnose_fleet();
    let mean = fleet.iter().map(|d| d.response.len()).sum::<usize>() / fleet.len();
    let mean_json = fleet.iter().map(|d| d.json_len).sum::<usize>() / fleet.len();
    let batches = Arc::new(batches(&fleet, items));
    println!(
        "prepared {items} diagnoses ({ASSETS} transformers, responses of {mean_json} bytes of \
         JSON deflated to {mean} on average) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let db = TestDatabase::create().await;
    let server = substation_central::testing::serve(&db, |_| {}).await;
    let url = server.url();
    let uploader = substation_central::issue_token(db.url(), "bench-laptop-a")
        .await
        .expect("token")
        .token;
    let puller = substation_central::issue_token(db.url(), "bench-laptop-b")
        .await
        .expect("token")
        .token;
    let http = reqwest::Client::new();

    let cpu_before = cpu_seconds("self");
    let started = Instant::now();
    let mut applied = 0;
    let mut sent = 0;
    let mut lanes = Vec::new();
    for lane in 0..in_flight {
        let (http, url, token, batches) =
            (http.clone(), url.clone(), uploader.clone(), batches.clone());
        lanes.push(tokio::spawn(async move {
            let mut totals = (0, 0);
            for batch in batches.iter().skip(lane).step_by(in_flight) {
                let (a, s) = upload(&http, &url, &token, batch, gzip).await;
                totals.0 += a;
                totals.1 += s;
            }
            totals
        }));
    }
    for lane in lanes {
        let (a, s) = lane.await.expect("lane");
        applied += a;
        sent += s;
    }
    let upload_secs = started.elapsed().as_secs_f64();
    assert_eq!(applied, items, "every diagnosis applied");
    let cpu_here = cpu_seconds("self")
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let cpu_postgres = backend_cpu_seconds(db.url(), db.name()).await;
    println!(
        "upload: {items} diagnoses in {} batches ({} in flight, gzip {}): {upload_secs:.2} s, \
         {:.0} diagnoses/s, {:.0} MB sent",
        batches.len(),
        in_flight,
        if gzip { "on" } else { "off" },
        items as f64 / upload_secs,
        sent as f64 / 1e6
    );
    if let (Some(here), Some(postgres)) = (cpu_here, cpu_postgres) {
        println!(
            "upload CPU: {here:.1} s in this process (client and service) + {postgres:.1} s in \
             the PostgreSQL backends = {:.1} CPU-seconds (on an idle 2-core machine the upload \
             takes at least half of that)",
            here + postgres
        );
    }

    let started = Instant::now();
    let mut cursor = String::new();
    let mut pulled = 0;
    loop {
        let response = http
            .get(format!("{url}{CHANGES_PATH}?since={cursor}&limit=2000"))
            .header("Authorization", format!("Bearer {puller}"))
            .header(VERSION_HEADER, "1")
            .send()
            .await
            .expect("pull");
        assert!(response.status().is_success());
        let page: ChangesPage =
            serde_json::from_slice(&response.bytes().await.expect("page")).expect("page");
        pulled += page.changes.len();
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    let pull_secs = started.elapsed().as_secs_f64();
    assert_eq!(pulled, items);
    println!(
        "pull: {pulled} diagnoses in pages of 2,000: {pull_secs:.2} s, {:.0} diagnoses/s",
        pulled as f64 / pull_secs
    );

    server.stop().await.expect("stop");
    db.drop_database().await;
}
