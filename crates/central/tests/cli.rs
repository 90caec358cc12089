//! The `substation-central` binary: migrate, token issue/list/revoke, serve with JSON logs.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use substation_central::testing::TestDatabase;
use substation_sync_protocol::{
    BATCHES_PATH, CHANGES_PATH, HEALTH_PATH, IDEMPOTENCY_HEADER, VERSION_HEADER,
};

fn central(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_substation-central"))
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("RUST_LOG")
        .output()
        .expect("run substation-central")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn tokens_are_issued_listed_and_revoked_from_the_command_line() {
    let h = Harness::start().await;
    let url = h.db.url().to_owned();

    let migrate = central(&url, &["migrate"]);
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    assert!(
        stdout(&migrate).contains("up to date"),
        "{}",
        stdout(&migrate)
    );

    let issue = central(&url, &["token", "issue", "--device", "laptop-7"]);
    assert!(issue.status.success(), "{}", stderr(&issue));
    let token = stdout(&issue).trim().to_owned();
    assert!(token.starts_with("sbk_") && token.len() == 47, "{token}");
    assert!(
        stderr(&issue).contains("shown only now"),
        "{}",
        stderr(&issue)
    );
    // Only its hash is stored.
    let stored = h
        .sql_count(&format!(
            "SELECT count(*) FROM device_token WHERE position('{token}' in encode(token_sha256, 'escape')) > 0"
        ))
        .await;
    assert_eq!(stored, 0);

    let status = h.get(&token, CHANGES_PATH).await.status;
    assert_eq!(status, StatusCode::OK);

    let list = central(&url, &["token", "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let listed = stdout(&list);
    assert!(listed.contains("laptop-7"), "{listed}");
    assert!(!listed.contains(&token), "the list never shows a token");
    let list = central(&url, &["token", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(json[0]["device"], "laptop-7");
    assert!(json[0]["revoked_at"].is_null());
    let id = json[0]["id"].as_i64().expect("id");

    let revoke = central(&url, &["token", "revoke", "--id", &id.to_string()]);
    assert!(revoke.status.success(), "{}", stderr(&revoke));
    assert!(stdout(&revoke).contains("revoked 1"), "{}", stdout(&revoke));
    h.get(&token, CHANGES_PATH)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let list = central(&url, &["token", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert!(json[0]["revoked_at"].is_string());

    // A second token for the device, revoked by device name.
    let issue = central(&url, &["token", "issue", "--device", "laptop-7"]);
    let token = stdout(&issue).trim().to_owned();
    assert_eq!(h.get(&token, CHANGES_PATH).await.status, StatusCode::OK);
    let revoke = central(&url, &["token", "revoke", "--device", "laptop-7"]);
    assert!(stdout(&revoke).contains("revoked 1"), "{}", stdout(&revoke));
    assert_eq!(
        h.get(&token, CHANGES_PATH).await.status,
        StatusCode::UNAUTHORIZED
    );

    let unknown = central(&url, &["token", "revoke", "--device", "nobody"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no device is named"),
        "{}",
        stderr(&unknown)
    );
    let bad_name = central(&url, &["token", "issue", "--device", " "]);
    assert!(!bad_name.status.success());
}

#[test]
fn without_a_database_url_it_says_what_to_pass() {
    let output = Command::new(env!("CARGO_BIN_EXE_substation-central"))
        .args(["migrate"])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("--database-url"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn a_token_can_be_issued_on_a_new_database_and_errors_name_the_cause() {
    let db = TestDatabase::create().await;
    let issue = central(db.url(), &["token", "issue", "--device", "laptop-1"]);
    assert!(issue.status.success(), "{}", stderr(&issue));
    assert!(stdout(&issue).starts_with("sbk_"));

    let admin = substation_central::testing::admin_url();
    let missing = admin.replace("/postgres", "/no_such_database_here");
    let output = central(&missing, &["migrate"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("\"no_such_database_here\" does not exist"),
        "{}",
        stderr(&output)
    );
    let output = central("postgres://postgres@127.0.0.1:1/x", &["token", "list"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("error connecting to server"),
        "{}",
        stderr(&output)
    );
}

/// Starts `substation-central serve` on a free port and waits until it answers.
#[expect(
    clippy::zombie_processes,
    reason = "the child is returned; each caller stops and waits for it"
)]
async fn spawn_serve(
    db: &TestDatabase,
    args: &[&str],
    stderr: Stdio,
) -> (std::process::Child, String) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_substation-central"))
        .args(["serve", "--listen", &listen])
        .args(args)
        .env("DATABASE_URL", db.url())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = http
            .get(format!("http://{listen}{HEALTH_PATH}"))
            .send()
            .await
            && response.status() == StatusCode::OK
        {
            return (child, listen);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the service did not come up");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn serve_logs_json_and_stops_on_sigterm() {
    let db = TestDatabase::create().await;
    let (mut child, listen) = spawn_serve(&db, &["--log-format", "json"], Stdio::piped()).await;
    let http = reqwest::Client::new();
    // Migrated on start: a token works.
    let token = substation_central::issue_token(db.url(), "laptop-1")
        .await
        .expect("token");
    let response = http
        .get(format!("http://{listen}{CHANGES_PATH}"))
        .header("Authorization", format!("Bearer {}", token.token))
        .header(VERSION_HEADER, "1")
        .send()
        .await
        .expect("pull");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get(VERSION_HEADER)
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let logs: Vec<serde_json::Value> = BufReader::new(child.stderr.take().expect("stderr"))
        .lines()
        .map(|line| {
            let line = line.expect("line");
            serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"))
        })
        .collect();
    assert!(
        logs.iter()
            .any(|log| log["message"] == "substation-central listening"),
        "{logs:?}"
    );
    assert!(logs.iter().all(|log| log["level"].is_string()), "{logs:?}");
}

/// The most memory the service may take for uploads: each of the `max_concurrent_uploads` (4)
/// holds its body, the items parsed from it and the change feed's copy of each item, at most
/// about three bodies' worth, and the process itself (with its database pool) takes less than
/// 64 MiB. docs/central.md gives the same figure.
const UPLOAD_MEMORY_BOUND_MIB: u64 = 4 * 3 * 32 + 64;

/// Twenty laptops upload 32 MiB at once. The service reads a body only once it holds one of
/// its upload permits, so its peak memory (the kernel's high-water mark of its resident set)
/// stays under the bound however many uploads arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_32_mib_uploads_stay_within_the_memory_bound() {
    let db = TestDatabase::create().await;
    let (mut child, listen) = spawn_serve(&db, &[], Stdio::null()).await;
    let token = substation_central::issue_token(db.url(), "laptop-1")
        .await
        .expect("token")
        .token;

    // One body of just under 32 MiB: diagnoses whose responses (random bytes, which DEFLATE
    // cannot shrink) are read, decoded and inflated, then rejected as not being diagnoses.
    // The twenty uploads differ only in their batch id.
    let mut noise = vec![0u8; 700 * 1024];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for byte in &mut noise {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *byte = x as u8;
    }
    let response = deflate(&noise);
    let template = batch(Vec::new());
    let item = || {
        let mut item = diagnosis("TR-1");
        if let substation_sync_protocol::Change::Diagnosis(d) = &mut item.change {
            d.response_deflate = response.clone();
        }
        item
    };
    let count = 31 * 1024 * 1024 / serde_json::to_vec(&item()).expect("json").len();
    let items: Vec<_> = (0..count).map(|_| item()).collect();
    let body = serde_json::to_vec(&substation_sync_protocol::SyncBatch {
        items,
        ..template.clone()
    })
    .expect("json");
    assert!(body.len() <= 32 * 1024 * 1024, "{}", body.len());
    let key = template.batch_id.to_string();
    let http = reqwest::Client::new();
    let mut uploads = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let batch_id = uuid::Uuid::now_v7().to_string();
        let body = String::from_utf8(body.clone())
            .expect("utf-8")
            .replacen(&key, &batch_id, 1);
        let request = http
            .post(format!("http://{listen}{BATCHES_PATH}"))
            .header("Authorization", format!("Bearer {token}"))
            .header(VERSION_HEADER, "1")
            .header(IDEMPOTENCY_HEADER, batch_id)
            .header("Content-Type", "application/json")
            .body(body);
        uploads.spawn(async move { request.send().await });
    }
    while let Some(done) = uploads.join_next().await {
        let response = done.expect("task").expect("an answer");
        assert_eq!(response.status(), StatusCode::OK);
        let answer: substation_sync_protocol::BatchAnswer =
            serde_json::from_slice(&response.bytes().await.expect("an answer")).expect("json");
        assert!(
            answer
                .results
                .iter()
                .all(|r| r.outcome == substation_sync_protocol::Outcome::Rejected)
        );
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).expect("status");
    let peak_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    let _ = child.kill();
    let _ = child.wait();
    let peak_mib = peak_kib / 1024;
    println!("peak resident memory of the service: {peak_mib} MiB");
    assert!(
        peak_mib < UPLOAD_MEMORY_BOUND_MIB,
        "the service peaked at {peak_mib} MiB, over the bound of {UPLOAD_MEMORY_BOUND_MIB} MiB"
    );
}
