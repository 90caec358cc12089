//! A team's own diagnosis function, called through its profile, as a user runs it: the real
//! Python handler of `examples/python-lambda/seed_ai` on the Lambda test server's worker pool,
//! the real aws-sdk-lambda client in the `substation` binary, the 170-transformer sample
//! workbook, a real SQLite file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use substation_lambda_testserver::{Config, PythonHandler, TestLambda};

mod common;

const FUNCTION: &str = "seed-ai";

fn scratch(name: &str) -> PathBuf {
    substation_testkit::kept_dir(&format!("cli-byo-{name}"))
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn example_profile() -> PathBuf {
    repo("examples/python-lambda/seed_ai/profile.toml")
}

async fn seed_function(latency_ms: u64) -> TestLambda {
    TestLambda::start(Config {
        function_name: FUNCTION.to_owned(),
        latency: Duration::from_millis(latency_ms),
        python: Some(PythonHandler::new(
            repo("examples/python-lambda/seed_ai/handler.py"),
            4,
        )),
        ..Config::default()
    })
    .await
    .expect("server")
}

/// `substation ARGS --db DIR/cache.sqlite3`.
fn substation(dir: &Path, args: &[&str]) -> Command {
    let mut command = common::cli_with_test_credentials(dir);
    command
        .args(args)
        .arg("--db")
        .arg(dir.join("cache.sqlite3"));
    command
}

/// `diagnose` through a profile against the server: the function name comes from the
/// profile.
fn diagnose(dir: &Path, server: &TestLambda, profile: &Path) -> Command {
    let mut command = substation(dir, &["diagnose", "--region", "eu-west-1"]);
    command
        .arg("--endpoint-url")
        .arg(server.endpoint())
        .arg("--function-profile")
        .arg(profile);
    command
}

/// The sample fleet diagnosed through `profile` with `--json`: its 170 lines, once the run
/// ended well.
async fn diagnose_the_fleet(
    dir: &Path,
    server: &TestLambda,
    profile: &Path,
    args: &[&str],
) -> Vec<Value> {
    let mut command = diagnose(dir, server, profile);
    command
        .args(args)
        .arg("--json")
        .arg(repo("samples/fleet-two-sheets.xlsx"));
    let out = output(command).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 170);
    lines
}

async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("run"))
        .await
        .expect("join")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn query<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(sql, [], |row| row.get(0)).expect("query")
}

fn rank(severity: &str) -> u8 {
    match severity {
        "normal" => 0,
        "caution" => 1,
        "warning" => 2,
        "critical" => 3,
        other => panic!("not a severity: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_example_diagnoses_the_sample_fleet_through_its_profile() {
    let dir = scratch("fleet");
    let db = dir.join("cache.sqlite3");
    let server = seed_function(20).await;
    let lines =
        diagnose_the_fleet(&dir, &server, &example_profile(), &["--concurrency", "8"]).await;
    for line in &lines {
        let asset = line["asset_id"].as_str().expect("asset id");
        assert_eq!(line["outcome"], "diagnosed", "{line}");
        // The summary the profile read, and the function's own answer as it came.
        assert_eq!(line["summary"]["profile"]["name"], "seed-ai", "{line}");
        assert_eq!(line["answer"]["status"], 200, "{line}");
        assert_eq!(line["answer"]["response"]["equipment_id"], asset, "{line}");
        assert!(line["diagnosis"].is_null(), "no contract diagnosis: {line}");
        let index = line["answer"]["response"]["health_index"]
            .as_f64()
            .expect("health index");
        assert_eq!(line["summary"]["score"].as_f64(), Some(index));
    }
    assert_eq!(server.stats().invocations, 170);
    // The profile's bands: a health index under 25 is critical.
    let critical = lines
        .iter()
        .filter(|l| l["answer"]["response"]["health_index"].as_f64() < Some(25.0))
        .count();
    assert!(critical > 0, "the sample fleet has critical units");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["summary"]["severity"] == "critical")
            .count(),
        critical
    );

    // Stored: every answer verbatim (Python's `json.dumps` writes ", " and ": ", which no
    // re-serialisation here would), indexed by what the profile read, with the profile kept.
    assert_eq!(
        query::<i64>(
            &db,
            "SELECT count(*) FROM diagnosis WHERE profile_name = 'seed-ai' AND ieee_status IS NULL
               AND fault_label IS NOT NULL AND score IS NOT NULL"
        ),
        170
    );
    let store = substation_store::Store::open(&db).expect("store");
    let reader = store.reader().expect("reader");
    let id: i64 = query(&db, "SELECT id FROM diagnosis WHERE asset_id = 'TR-0024'");
    let answer = reader.answer(id).expect("read").expect("stored");
    let text = String::from_utf8(answer.json.to_vec()).expect("utf-8");
    assert!(
        text.starts_with("{\"status\": 200, \"response\": {"),
        "{text}"
    );
    assert_eq!(answer.summary.fault_label.as_deref(), Some("Arcing"));
    assert_eq!(answer.summary.fault, Some(substation_dga::Fault::D2));
    let sha = answer.summary.profile.expect("profile").sha256;
    let kept = reader.profile(&sha).expect("read").expect("profile kept");
    assert_eq!(
        kept.toml,
        std::fs::read(example_profile()).expect("profile file")
    );
    assert_eq!(
        query::<i64>(
            &db,
            "SELECT count(*) FROM outbox WHERE entity = 'diagnosis'"
        ),
        170
    );
    drop(store);

    // `--reuse` copies the stored answers of the same requests through the same profile.
    let mut again = diagnose(&dir, &server, &example_profile());
    again.args(["--reuse", "--json"]);
    let out = output(again).await;
    assert!(out.status.success());
    assert_eq!(json_lines(&out).len(), 170);
    assert_eq!(server.stats().invocations, 170, "nothing invoked again");
    // A run begun through the profile does not resume on the built-in contract.
    let run: i64 = query(&db, "SELECT min(id) FROM diagnosis_run");
    let out = output(substation(
        &dir,
        &["--json", "diagnose", "--resume", &run.to_string()],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(error["error"]["code"], "engine_changed", "{error}");
    server.shutdown().await;

    // Offline, in a new process: the fleet worst first by the mapped severity, the
    // function's own labels shown.
    let out = output(substation(&dir, &["review", "--json", "--limit", "500"])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review: Value = serde_json::from_slice(&out.stdout).expect("review JSON");
    let rows = review["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 170);
    let ranks: Vec<u8> = rows
        .iter()
        .map(|r| rank(r["severity"].as_str().expect("severity")))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "worst first");
    assert_eq!(rows[0]["severity"], "critical");
    assert_eq!(rows[0]["profile_name"], "seed-ai");
    assert!(rows[0]["fault_label"].is_string(), "{}", rows[0]);
    let out = output(substation(&dir, &["review"])).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Arcing"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_that_does_not_fit_fails_each_transformer_naming_the_path_and_value() {
    let dir = scratch("misfit");
    let server = seed_function(0).await;
    // The severity read from the function's comment, a text no band or label maps.
    let example = std::fs::read_to_string(example_profile()).expect("profile");
    let misfit = example.replace(
        "severity = '.response.health_index'",
        "severity = '.response.comment'",
    );
    assert_ne!(misfit, example);
    let profile = dir.join("misfit.toml");
    std::fs::write(&profile, misfit).expect("write");
    let mut command = diagnose(&dir, &server, &profile);
    command
        .arg("--json")
        .arg(repo("samples/fleet-two-sheets.xlsx"));
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(1), "some transformers failed");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 170);
    for line in &lines {
        let class = line["asset_id"].as_str().expect("id");
        assert_eq!(line["outcome"], "failed", "{line}");
        assert_eq!(line["error"]["code"], "answer_unexpected_value", "{line}");
        let message = line["error"]["message"].as_str().expect("message");
        // Names the transformer, the field, the filter and the value found.
        assert!(message.contains(class), "{message}");
        assert!(message.contains("answer.severity"), "{message}");
        assert!(message.contains("`.response.comment`"), "{message}");
        assert!(
            ["Keep the normal", "Take it out", "Resample"]
                .iter()
                .any(|v| message.contains(&format!("\"{v}"))),
            "{message}"
        );
    }
    let db = dir.join("cache.sqlite3");
    assert_eq!(query::<i64>(&db, "SELECT count(*) FROM diagnosis"), 0);
    assert_eq!(
        query::<i64>(
            &db,
            "SELECT count(*) FROM diagnosis_failure WHERE code = 'answer_unexpected_value'"
        ),
        170
    );
    // One call each: a misfit profile is not retried.
    assert_eq!(server.stats().invocations, 170);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_fails_that_transformer_with_the_functions_own_message() {
    let dir = scratch("refusal");
    let server = seed_function(0).await;
    // The same function, but the request for TR-0007 goes without samples: the function
    // answers {"status": 422, "message": "equipment TR-0007 has no samples"}.
    let example = std::fs::read_to_string(example_profile()).expect("profile");
    let refusing = example.replace(
        "  samples: [.samples[] |",
        "  samples: if .asset.id == \"TR-0007\" then [] else [.samples[] |",
    );
    let refusing = refusing.replace(
        "| with_entries(.value |= (if type == \"object\" then 0 else . end))]",
        "| with_entries(.value |= (if type == \"object\" then 0 else . end))] end",
    );
    assert_eq!(
        refusing.matches(" end").count(),
        example.matches(" end").count() + 1
    );
    let profile = dir.join("refusing.toml");
    std::fs::write(&profile, refusing).expect("write");
    let mut command = diagnose(&dir, &server, &profile);
    command
        .arg("--json")
        .arg(repo("samples/fleet-two-sheets.xlsx"));
    let out = output(command).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let failed: Vec<&Value> = lines.iter().filter(|l| l["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 1, "only TR-0007 fails");
    assert_eq!(failed[0]["asset_id"], "TR-0007");
    assert_eq!(failed[0]["error"]["code"], "function_refused");
    let message = failed[0]["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("equipment TR-0007 has no samples"),
        "{message}"
    );
    assert_eq!(lines.len(), 170);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_check_shows_each_step_or_the_one_that_failed() {
    let dir = scratch("check");
    let server = seed_function(0).await;
    let out = output(substation(
        &dir,
        &[
            "import",
            repo("samples/fleet-two-sheets.xlsx")
                .to_str()
                .expect("path"),
        ],
    ))
    .await;
    assert!(out.status.success());
    let check = |profile: &Path| {
        let mut command = substation(&dir, &["profile", "check", "--asset", "TR-0024"]);
        command
            .arg(profile)
            .args(["--region", "eu-west-1", "--endpoint-url"])
            .arg(server.endpoint());
        command
    };
    let out = output(check(&example_profile())).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1. request sent"), "{text}");
    assert!(text.contains("\"equipment_id\": \"TR-0024\""), "{text}");
    assert!(text.contains("2. answer, as it came"), "{text}");
    assert!(text.contains("3. summary read"), "{text}");
    assert!(text.contains("Arcing (the tool's D2)"), "{text}");

    let misfit = dir.join("misfit.toml");
    std::fs::write(
        &misfit,
        std::fs::read_to_string(example_profile())
            .expect("profile")
            .replace(
                "severity = '.response.health_index'",
                "severity = '.response.health'",
            ),
    )
    .expect("write");
    let mut command = check(&misfit);
    command.arg("--json");
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["failed_step"], "answer");
    assert_eq!(report["error"]["code"], "answer_missing_field");
    assert!(
        report["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`.response.health`")),
        "{report}"
    );
    assert_eq!(report["answer"]["response"]["equipment_id"], "TR-0024");
    assert!(report["summary"].is_null());

    // A profile that is not one: refused before anything is called, with its code.
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "name = \"x\"\n[answer]\nseverity = '.['\n").expect("write");
    let mut command = check(&broken);
    command.arg("--json");
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(error["error"]["code"], "profile_filter");
    let invocations = server.stats().invocations;
    assert_eq!(invocations, 2, "the broken profile called nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_diagnoses_sync_to_the_central_service_and_appear_on_a_second_laptop() {
    let db = substation_central::testing::TestDatabase::create().await;
    let central = substation_central::testing::serve(&db, |_| {}).await;
    let token = |device: &'static str| {
        let url = db.url().to_owned();
        async move {
            substation_central::issue_token(&url, device)
                .await
                .expect("token")
                .token
        }
    };
    let (token_a, token_b) = (token("laptop-a").await, token("laptop-b").await);

    // Laptop A diagnoses the fleet with the team's function, then syncs.
    let a = scratch("sync-a");
    let server = seed_function(0).await;
    let mut command = diagnose(&a, &server, &example_profile());
    command.arg(repo("samples/fleet-two-sheets.xlsx"));
    assert!(output(command).await.status.success());
    server.shutdown().await;
    let sync = |dir: &Path, token: &str| {
        let mut command = substation(dir, &["--json", "sync", "--server", &central.url()]);
        command.env("SUBSTATION_SYNC_TOKEN", token);
        command
    };
    let out = output(sync(&a, &token_a)).await;
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("sync report");
    assert_eq!(report["rejected"], 0, "{report}");
    assert_eq!(report["pending"], 0, "{report}");

    // Laptop B, with nothing of its own, pulls them and reviews them offline as A does.
    let b = scratch("sync-b");
    let out = output(sync(&b, &token_b)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    central.stop().await.expect("stop");
    let out = output(substation(&b, &["review", "--json", "--limit", "500"])).await;
    let review: Value = serde_json::from_slice(&out.stdout).expect("review JSON");
    let rows = review["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 170);
    assert!(
        rows.iter().all(|r| r["profile_name"] == "seed-ai"),
        "{review}"
    );
    let out = output(substation(&a, &["review", "--json", "--limit", "500"])).await;
    let on_a: Value = serde_json::from_slice(&out.stdout).expect("review JSON");
    let key = |r: &Value| {
        (
            r["asset_id"].clone(),
            r["severity"].clone(),
            r["fault_label"].clone(),
            r["score"].clone(),
        )
    };
    let mut seen_b: Vec<_> = rows.iter().map(key).collect();
    let mut seen_a: Vec<_> = on_a["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(key)
        .collect();
    seen_a.sort_by_key(|k| k.0.to_string());
    seen_b.sort_by_key(|k| k.0.to_string());
    assert_eq!(seen_a, seen_b, "the same summaries on both laptops");
    let out = output(substation(&b, &["review", "--asset", "TR-0024"])).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Arcing"), "{text}");
    assert!(text.contains("read through profile seed-ai"), "{text}");
    assert!(text.contains("(from laptop-a)"), "{text}");
    // The answer itself, as the function gave it, and the profile that reads it.
    let store = substation_store::Store::open(&b.join("cache.sqlite3")).expect("store");
    let reader = store.reader().expect("reader");
    let history = reader.diagnoses("TR-0024").expect("history");
    let answer = reader.answer(history[0].id).expect("read").expect("answer");
    assert!(
        answer
            .json
            .starts_with(b"{\"status\": 200, \"response\": {")
    );
    let sha = answer.summary.profile.expect("profile").sha256;
    assert!(reader.profile(&sha).expect("read").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_adapter_wraps_a_model_and_answers_through_its_profile() {
    let dir = scratch("adapter");
    let server = TestLambda::start(Config {
        function_name: "model-adapter".to_owned(),
        python: Some(PythonHandler::new(
            repo("examples/python-lambda/adapter/example_model.py"),
            4,
        )),
        ..Config::default()
    })
    .await
    .expect("server");
    let profile = repo("examples/python-lambda/adapter/profile.toml");
    let lines = diagnose_the_fleet(&dir, &server, &profile, &[]).await;
    for line in &lines {
        // The adapter answered about the asset asked, with its newest sample, and the profile
        // read the model's verdict as it gave it.
        assert_eq!(line["answer"]["asset_id"], line["asset_id"], "{line}");
        assert_eq!(
            line["answer"]["latest_sample_date"], line["summary"]["latest_sample_date"],
            "{line}"
        );
        assert_eq!(
            line["summary"]["severity"],
            line["answer"]["result"]["severity"]
        );
        assert_eq!(line["summary"]["fault"], line["answer"]["result"]["fault"]);
        assert_eq!(line["summary"]["profile"]["name"], "model-adapter");
    }
    assert!(
        lines.iter().any(|l| l["summary"]["severity"] != "normal"),
        "the example model finds something in the sample fleet"
    );

    // A request without samples: the adapter refuses, and that transformer fails with its
    // message. (A file of requests is diagnosed and not stored.)
    let requests = dir.join("requests.json");
    std::fs::write(
        &requests,
        r#"[{"contract_version": 2, "asset": {"id": "EMPTY-1"}, "samples": []}]"#,
    )
    .expect("write");
    let mut command = diagnose(&dir, &server, &profile);
    command.arg("--json").arg(&requests);
    let out = output(command).await;
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(
        lines[0]["error"]["code"], "function_refused",
        "{}",
        lines[0]
    );
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("EMPTY-1 has no samples")),
        "{}",
        lines[0]
    );
}
