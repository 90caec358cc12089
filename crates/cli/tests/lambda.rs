//! `substation diagnose --engine lambda` as a user runs it, against a Lambda Invoke API server
//! on 127.0.0.1, with a real workbook and a real SQLite file: throttling, Ctrl-C, a killed
//! process and its resumption.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use substation_lambda_testserver::{Config, TestLambda};

mod common;

fn scratch(name: &str) -> PathBuf {
    substation_testkit::kept_dir(&format!("cli-lambda-{name}"))
}

fn workbook() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/fleet-two-sheets.xlsx")
}

/// `substation diagnose` on the Lambda engine against `server`.
fn substation(dir: &Path, server: &TestLambda) -> Command {
    let mut command = common::cli_with_test_credentials(dir);
    command
        .args(["diagnose", "--engine", "lambda", "--region", "eu-west-1"])
        .arg("--endpoint-url")
        .arg(server.endpoint())
        .arg("--db")
        .arg(dir.join("cache.sqlite3"));
    command
}

async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("run"))
        .await
        .expect("join")
}

fn query(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(sql, [], |row| row.get(0)).expect("query")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_is_imported_and_diagnosed_on_lambda_through_throttling() {
    let dir = scratch("throttled");
    let server = TestLambda::start(Config {
        latency: Duration::from_millis(30),
        concurrency_limit: Some(8),
        ..Config::default()
    })
    .await
    .expect("server");
    let mut command = substation(&dir, &server);
    command.arg("--concurrency").arg("32").arg(workbook());
    command.arg("--json");
    let out = output(command).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 170);
    assert!(lines.iter().all(|l| l["outcome"] == "diagnosed"));
    let stats = server.stats();
    assert!(stats.throttled > 0, "the server throttled");
    assert!(stats.max_executing <= 8);
    let db = dir.join("cache.sqlite3");
    assert_eq!(
        query(&db, "SELECT count(DISTINCT asset_id) FROM diagnosis"),
        170
    );
    assert_eq!(query(&db, "SELECT count(*) FROM diagnosis"), 170);
    assert_eq!(
        query(
            &db,
            "SELECT count(*) FROM outbox WHERE entity = 'diagnosis'"
        ),
        170
    );

    // The built-in contract on the sample fleet: the function's answers, kept as they came,
    // are byte for byte the embedded engine's.
    let embedded = dir.join("embedded.sqlite3");
    let out = Command::new(env!("CARGO_BIN_EXE_substation"))
        .env("SUBSTATION_DATA_DIR", &dir)
        .arg("diagnose")
        .arg(workbook())
        .arg("--db")
        .arg(&embedded)
        .output()
        .expect("embedded run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (remote, local) = (answers(&db), answers(&embedded));
    assert_eq!(remote.len(), 170);
    assert_eq!(
        remote.keys().collect::<Vec<_>>(),
        local.keys().collect::<Vec<_>>()
    );
    for (asset, bytes) in &remote {
        assert!(*bytes == local[asset], "{asset}: the answers differ");
    }
}

/// Each transformer's latest stored answer, as stored.
fn answers(db: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let store = substation_store::Store::open(db).expect("store");
    let reader = store.reader().expect("reader");
    reader
        .fleet(&substation_store::FleetQuery::default())
        .expect("fleet")
        .into_iter()
        .map(|row| {
            let id = row.diagnosis_id.expect("diagnosed");
            let answer = reader.answer(id).expect("read").expect("answer");
            (row.asset_id, answer.json.to_vec())
        })
        .collect()
}

/// Starts the CLI on the fleet and waits until `results` diagnoses are stored.
fn start_and_wait(mut command: Command, db: &Path, results: i64) -> std::process::Child {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stored = if db.exists() {
            rusqlite::Connection::open(db)
                .and_then(|c| c.query_row("SELECT count(*) FROM diagnosis", [], |r| r.get(0)))
                .unwrap_or(0)
        } else {
            0
        };
        if stored >= results {
            return child;
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            panic!("the run never stored {results} diagnoses");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_resumes_and_every_asset_is_diagnosed_exactly_once() {
    let dir = scratch("killed");
    let db = dir.join("cache.sqlite3");
    let server = TestLambda::start(Config {
        latency: Duration::from_millis(80),
        ..Config::default()
    })
    .await
    .expect("server");
    let mut command = substation(&dir, &server);
    command.arg("--concurrency").arg("4").arg(workbook());
    let mut child = tokio::task::spawn_blocking(move || start_and_wait(command, &db, 30))
        .await
        .expect("join");
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let db = dir.join("cache.sqlite3");
    let before = query(&db, "SELECT count(*) FROM diagnosis");
    assert!(before < 170, "killed mid-run: {before}");
    assert_eq!(
        query(
            &db,
            "SELECT count(*) FROM diagnosis_run WHERE state = 'running'"
        ),
        1
    );

    let mut resume = substation(&dir, &server);
    resume.arg("--resume").arg("--concurrency").arg("64");
    let out = output(resume).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(query(&db, "SELECT count(*) FROM diagnosis"), 170);
    assert_eq!(
        query(&db, "SELECT count(DISTINCT asset_id) FROM diagnosis"),
        170
    );
    assert_eq!(
        query(
            &db,
            "SELECT count(*) FROM diagnosis_run WHERE state = 'finished'"
        ),
        1
    );
    let conn = rusqlite::Connection::open(&db).expect("open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
}

// Unix only for now: on Windows the interrupt is a console control event, which a test can
// only send through the Win32 API (GenerateConsoleCtrlEvent to a new process group), not a
// signal; docs/platforms.md lists it among what the native Windows CI has still to cover.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_cleanly_and_says_how_to_resume() {
    let dir = scratch("ctrl-c");
    let db = dir.join("cache.sqlite3");
    let server = TestLambda::start(Config {
        latency: Duration::from_millis(80),
        ..Config::default()
    })
    .await
    .expect("server");
    let mut command = substation(&dir, &server);
    command.arg("--concurrency").arg("4").arg(workbook());
    let child = tokio::task::spawn_blocking(move || start_and_wait(command, &db, 10))
        .await
        .expect("join");
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("substation diagnose --resume 1"),
        "{stderr}"
    );
    let db = dir.join("cache.sqlite3");
    assert_eq!(
        query(
            &db,
            "SELECT count(*) FROM diagnosis_run WHERE state = 'cancelled'"
        ),
        1
    );
    let stored = query(&db, "SELECT count(*) FROM diagnosis");
    assert!(stored < 170, "stopped early: {stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_the_run_stops_at_once_with_a_clear_error() {
    let dir = scratch("no-credentials");
    let server = TestLambda::start(Config::default()).await.expect("server");
    let mut command = substation(&dir, &server);
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .arg("--json")
        .arg(workbook());
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["error"]["code"], "no_credentials");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        !message.contains("sso login"),
        "the library's words: {message}"
    );

    // At a terminal, the command line adds what to run.
    let mut command = substation(&dir, &server);
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .arg(workbook());
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hint: for an SSO profile, run `aws sso login --profile NAME`"),
        "{stderr}"
    );
    assert_eq!(server.stats().invocations, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_function_stops_the_run_with_one_clear_error() {
    let dir = scratch("no-function");
    let server = TestLambda::start(Config::default()).await.expect("server");
    let mut command = substation(&dir, &server);
    command
        .args([
            "--function",
            "substation-diagnoze",
            "--concurrency",
            "2",
            "--json",
        ])
        .arg(workbook());
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(2));
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .map(str::to_owned)
        .expect("output");
    let body: serde_json::Value = serde_json::from_str(&last).expect("JSON");
    assert_eq!(body["error"]["code"], "engine_unusable");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("substation-diagnoze") && message.contains("--resume 1"),
        "{message}"
    );
    assert!(
        server.stats().not_found <= 2,
        "stopped after the first answers, not 170 calls"
    );
    // At a terminal, the advice is for what stopped the run (its first failure's code), not
    // for the stop itself.
    let mut command = substation(&dir, &server);
    command
        .args(["--function", "substation-diagnoze", "--concurrency", "2"])
        .arg(workbook());
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hint: check the function name (--function"),
        "{stderr}"
    );
}

/// What a Korean engineer's laptop does, start to end: the Korean lab workbook imported into a
/// database under a user folder named in Hangul with spaces and brackets (as
/// `C:\Users\김철수 (현장)\AppData\Local` is on Windows), diagnosed on the embedded engine and
/// then on Lambda, and reviewed with the Korean names intact. Runs as a Windows program
/// under Wine too (scripts/windows-tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_korean_workbook_under_a_korean_user_folder_imports_diagnoses_and_reviews() {
    let home = scratch("korean-user").join("Users").join("김철수 (현장)");
    let local = home.join("AppData").join("Local").join("Substation Bulk");
    std::fs::create_dir_all(&local).expect("folder");
    let db = local.join("substation.sqlite3");
    let workbook =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/korean-lab-export.xlsx");
    let text = |out: &Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
    };
    let run = |args: &[&str]| {
        let mut command = common::cli_with_test_credentials(&home);
        command.args(args).arg("--db").arg(&db);
        command
    };

    let mut import = run(&["import"]);
    import.arg(&workbook);
    let imported = text(&output(import).await);
    assert!(
        imported.contains("30 new and 0 updated transformer(s), 173 new"),
        "{imported}"
    );
    assert!(
        imported.contains("분석결과"),
        "the sheet's name: {imported}"
    );
    assert!(
        imported.contains(&db.display().to_string()),
        "the database's path, as given: {imported}"
    );

    let embedded = text(&output(run(&["diagnose"])).await);
    assert!(
        embedded.contains("30 transformer(s) diagnosed, 0 failed, on the embedded engine"),
        "{embedded}"
    );

    let server = TestLambda::start(Config::default()).await.expect("server");
    let mut lambda = run(&["diagnose", "--engine", "lambda", "--region", "eu-west-1"]);
    lambda.arg("--endpoint-url").arg(server.endpoint());
    let on_lambda = text(&output(lambda).await);
    assert!(
        on_lambda.contains("30 transformer(s) diagnosed, 0 failed, on AWS Lambda"),
        "{on_lambda}"
    );
    assert_eq!(server.stats().invocations, 30);

    // The worst unit first, its Korean name and substation in their columns.
    let review = text(&output(run(&["review"])).await);
    let worst = review.lines().nth(1).expect("a first row");
    assert!(
        worst.starts_with("TR-0008") && worst.contains("4호 주변압기") && worst.contains("서서울"),
        "{review}"
    );
    let one = run(&["--json", "review", "--asset", "TR-0008"]);
    let body: serde_json::Value = serde_json::from_str(&text(&output(one).await)).expect("JSON");
    assert_eq!(body["asset"]["asset"]["name"], "4호 주변압기");
    assert_eq!(body["asset"]["asset"]["manufacturer"], "LS일렉트릭");
    assert_eq!(body["diagnoses"].as_array().map(Vec::len), Some(2));
}
