//! `substation sync` as a user runs it, against a stand-in of the central service on
//! 127.0.0.1: a full sync, a process killed with SIGKILL while its batch is stored at the
//! service but not answered (the restart delivers every item exactly once), exit codes and
//! JSON errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use substation_sync_testserver::{Fault, TestCentral, exactly_once};

const TOKEN: &str = "cli-test-token";

fn substation(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_substation"));
    command
        .env("SUBSTATION_DATA_DIR", data)
        .env("SUBSTATION_SYNC_TOKEN", TOKEN)
        .env_remove("SUBSTATION_SYNC_SERVER");
    command
}

fn workbook() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/korean-lab-export.xlsx")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A database with the sample workbook imported and diagnosed: 30 transformers.
fn diagnosed(dir: &Path) -> PathBuf {
    let db = dir.join("laptop.sqlite3");
    ok(&substation(dir)
        .arg("diagnose")
        .arg(workbook())
        .arg("--db")
        .arg(&db)
        .output()
        .expect("diagnose"));
    db
}

fn status(dir: &Path, db: &Path) -> serde_json::Value {
    let out = ok(&substation(dir)
        .args(["--json", "sync", "status", "--db"])
        .arg(db)
        .output()
        .expect("status"));
    serde_json::from_str(&out).expect("status JSON")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn a_sync_delivers_the_outbox_and_reports_it() {
    let dir = tempfile::tempdir().expect("dir");
    let db = diagnosed(dir.path());
    let pending = status(dir.path(), &db)["pending"]
        .as_u64()
        .expect("pending");
    assert!(pending > 30, "{pending}");
    let rt = runtime();
    let central = rt
        .block_on(TestCentral::start(&[(TOKEN, "laptop-cli")]))
        .expect("server");
    let out = ok(&substation(dir.path())
        .args(["--json", "sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .output()
        .expect("sync"));
    let report: serde_json::Value = serde_json::from_str(&out).expect("report JSON");
    assert_eq!(report["sent"], report["applied"]);
    assert_eq!(report["rejected"], 0);
    assert_eq!(report["pending"], 0);
    let stats = central.stats();
    assert!(exactly_once(&stats));
    assert_eq!(stats.diagnoses, 30);
    let after = status(dir.path(), &db);
    assert_eq!(
        (after["pending"].as_u64(), after["acked"].as_u64()),
        (Some(0), Some(pending))
    );
    assert!(after["last_success_at"].is_string());

    // The server may come from the environment; the text summary.
    let out = ok(&substation(dir.path())
        .env("SUBSTATION_SYNC_SERVER", central.url())
        .args(["sync", "--db"])
        .arg(&db)
        .output()
        .expect("sync"));
    assert!(out.contains("0 item(s) sent"), "{out}");
}

#[test]
fn a_sync_killed_mid_batch_delivers_every_item_exactly_once_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let db = diagnosed(dir.path());
    let pending = status(dir.path(), &db)["pending"]
        .as_u64()
        .expect("pending");
    let rt = runtime();
    let central = rt
        .block_on(TestCentral::start(&[(TOKEN, "laptop-cli")]))
        .expect("server");
    // The first upload is stored at the service and never answered.
    central.script([Fault::StoreThenStall]);
    let mut child = substation(dir.path())
        .args(["--json", "sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sync");
    let deadline = Instant::now() + Duration::from_secs(30);
    while central.stats().stored.is_empty() {
        assert!(Instant::now() < deadline, "the upload never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL on Unix, TerminateProcess on Windows: no destructor, no chance to record
    // anything.
    let _ = child.kill();
    let _ = child.wait();
    let stored_before = central.stats().stored.len();
    assert!(stored_before > 0);
    let left = status(dir.path(), &db);
    assert_eq!(left["open_batches"], 1, "the batch stays for the next sync");

    let out = ok(&substation(dir.path())
        .args(["--json", "sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .output()
        .expect("restart"));
    let report: serde_json::Value = serde_json::from_str(&out).expect("report");
    assert_eq!(report["pending"], 0);
    let stats = central.stats();
    assert!(exactly_once(&stats), "an item was stored twice");
    assert!(
        stats.replays >= 1,
        "the open batch was answered from the stored answer"
    );
    assert_eq!(stats.diagnoses, 30);
    let after = status(dir.path(), &db);
    assert_eq!(
        (
            after["pending"].as_u64(),
            after["acked"].as_u64(),
            after["open_batches"].as_u64()
        ),
        (Some(0), Some(pending), Some(0))
    );
}

fn error_json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let value: serde_json::Value = serde_json::from_str(text.trim()).expect("an error object");
    value["error"].clone()
}

#[test]
fn bad_tokens_urls_and_rejected_items_have_their_exit_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = diagnosed(dir.path());
    let rt = runtime();
    let central = rt
        .block_on(TestCentral::start(&[(TOKEN, "laptop-cli")]))
        .expect("server");

    let out = substation(dir.path())
        .env("SUBSTATION_SYNC_TOKEN", "wrong")
        .args(["--json", "sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .output()
        .expect("sync");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(error_json(&out)["code"], "unauthorized");
    assert_eq!(central.stats().unauthorized, 1, "not retried");

    let out = substation(dir.path())
        .args([
            "--json",
            "sync",
            "--server",
            "http://sync.example.org",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("sync");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(error_json(&out)["code"], "insecure_server_url");

    let out = substation(dir.path())
        .args(["--json", "sync", "--db"])
        .arg(&db)
        .output()
        .expect("sync");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(error_json(&out)["code"], "usage");

    // Nothing listens there: retried, then exit 3, and the batch waits for the next sync.
    let out = substation(dir.path())
        .args([
            "--json",
            "sync",
            "--server",
            "http://127.0.0.1:9",
            "--attempts",
            "2",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("sync");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(error_json(&out)["code"], "server_unreachable");

    // The service refuses one transformer's items: exit 1, with the reasons.
    let reader_db = substation_store::Store::open(&db).expect("open");
    let refused = reader_db.reader().expect("r").assets().expect("assets")[0]
        .id
        .clone();
    drop(reader_db);
    central.reject_asset(&refused);
    let out = substation(dir.path())
        .args(["--json", "sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .output()
        .expect("sync");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("report");
    assert!(report["rejected"].as_u64() >= Some(2));
    assert!(
        report["rejected_items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["entity_key"] == refused.as_str())
    );
    let text = ok(&substation(dir.path())
        .args(["sync", "status", "--db"])
        .arg(&db)
        .output()
        .expect("status"));
    assert!(text.contains("this transformer is refused"), "{text}");
}

/// `sync login` at a terminal (a pseudo-terminal from util-linux `script`) stores the token in
/// the real OS credential store (`scripts/with-keyring`) without echoing it; `logout` removes
/// it, and `sync` then says how to log in.
#[test]
fn login_at_a_terminal_hides_the_token_and_keeps_it_in_the_credential_store() {
    use std::io::{Read, Write};
    if !substation_sync::credentials::real_store_for_tests() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let server = format!("https://{}.login-test.example", std::process::id());
    let secret = "terminal-typed-token-7f3a";
    let login = format!(
        "{} sync login --server {server}",
        env!("CARGO_BIN_EXE_substation")
    );
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &login, "/dev/null"])
        .env("SUBSTATION_DATA_DIR", dir.path())
        .env_remove("SUBSTATION_SYNC_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs the CLI on a pseudo-terminal");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    // Type only once the prompt is up, as a person would (input typed earlier is flushed
    // when the terminal stops echoing).
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&seen).contains("then Enter") {
        assert!(
            Instant::now() < deadline,
            "no prompt: {}",
            String::from_utf8_lossy(&seen)
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(chunk);
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{secret}\r").as_bytes())
        .expect("type");
    let status = child.wait().expect("wait");
    drop(stdin);
    reader.join().expect("reader");
    seen.extend(rx.try_iter().flatten());
    let screen = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{screen}");
    assert!(screen.contains("is in the OS credential store"), "{screen}");
    assert!(!screen.contains(secret), "the token was echoed: {screen}");

    assert_eq!(
        substation_sync::credentials::load_token(&server).expect("stored"),
        secret
    );
    let out = Command::new(env!("CARGO_BIN_EXE_substation"))
        .args(["sync", "logout", "--server", &server])
        .env("SUBSTATION_DATA_DIR", dir.path())
        .env_remove("SUBSTATION_SYNC_TOKEN")
        .output()
        .expect("logout");
    assert!(ok(&out).contains("was removed"));
    assert!(matches!(
        substation_sync::credentials::load_token(&server),
        Err(substation_sync::SyncError::NoToken(_))
    ));
}

#[test]
fn a_laptop_that_never_imported_anything_joins_with_one_sync_and_reviews_offline() {
    let first = tempfile::tempdir().expect("dir");
    let db = diagnosed(first.path());
    let rt = runtime();
    let central = rt
        .block_on(TestCentral::start(&[
            (TOKEN, "laptop-a"),
            ("new-laptop-token", "laptop-b"),
        ]))
        .expect("server");
    ok(&substation(first.path())
        .args(["sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .output()
        .expect("sync A"));

    // A new laptop: no database yet, only a token.
    let fresh = tempfile::tempdir().expect("dir");
    let new_db = fresh.path().join("new.sqlite3");
    let out = substation(fresh.path())
        .args(["--json", "sync", "status", "--db"])
        .arg(&new_db)
        .output()
        .expect("status");
    assert_eq!(out.status.code(), Some(2), "nothing to show yet");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("substation sync` creates it"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = ok(&substation(fresh.path())
        .env("SUBSTATION_SYNC_TOKEN", "new-laptop-token")
        .args(["--json", "sync", "--server", &central.url(), "--db"])
        .arg(&new_db)
        .output()
        .expect("sync B"));
    let report: serde_json::Value = serde_json::from_str(&out).expect("report JSON");
    assert!(report["pulled"].as_u64().is_some_and(|n| n > 0), "{report}");
    // Offline now (the service is gone): the whole fleet, with its diagnoses, from the cache.
    drop(central);
    let out = ok(&substation(fresh.path())
        .args(["--json", "review", "--db"])
        .arg(&new_db)
        .output()
        .expect("review"));
    let review: serde_json::Value = serde_json::from_str(&out).expect("review JSON");
    assert_eq!(review["total"], 30, "{review}");
    let rows = review["rows"].as_array().expect("rows");
    assert!(rows.iter().all(|r| r["fault"].is_string()), "{review}");
}

#[test]
fn rejected_items_are_listed_queued_again_and_delivered_once() {
    let dir = tempfile::tempdir().expect("dir");
    let db = diagnosed(dir.path());
    let rt = runtime();
    let central = rt
        .block_on(TestCentral::start(&[(TOKEN, "laptop-cli")]))
        .expect("server");
    let refused = {
        let store = substation_store::Store::open(&db).expect("open");
        store.reader().expect("r").assets().expect("assets")[0]
            .id
            .clone()
    };
    central.reject_asset(&refused);
    let out = substation(dir.path())
        .args(["sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .output()
        .expect("sync");
    assert_eq!(out.status.code(), Some(1), "rejections exit 1");

    // Listed offline, with ids and the service's reason.
    let out = ok(&substation(dir.path())
        .args(["--json", "sync", "rejected", "--db"])
        .arg(&db)
        .output()
        .expect("rejected"));
    let listed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let items = listed["items"].as_array().expect("items");
    assert!(listed["count"].as_u64() >= Some(2), "{listed}");
    // The transformer's own items, and the import's samples item that names it.
    assert!(
        items.iter().any(|i| i["entity_key"] == refused.as_str()),
        "{listed}"
    );
    assert!(
        items.iter().all(
            |i| i["id"].is_i64() && i["reason"].as_str().is_some_and(|r| r.contains("refused"))
        ),
        "{listed}"
    );
    let text = ok(&substation(dir.path())
        .args(["sync", "rejected", "--db"])
        .arg(&db)
        .output()
        .expect("rejected"));
    assert!(text.contains("retry-rejected"), "{text}");

    // One by id, then the rest; the service now accepts the transformer.
    central.accept_asset(&refused);
    let first = items[0]["id"].as_i64().expect("id").to_string();
    let out = ok(&substation(dir.path())
        .args(["--json", "sync", "retry-rejected", &first, "--db"])
        .arg(&db)
        .output()
        .expect("retry one"));
    assert!(out.contains(r#""queued":1"#), "{out}");
    let out = ok(&substation(dir.path())
        .args(["--json", "sync", "retry-rejected", "--all", "--db"])
        .arg(&db)
        .output()
        .expect("retry all"));
    let queued: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        queued["queued"].as_u64().map(|n| n + 1),
        listed["count"].as_u64()
    );
    let out = ok(&substation(dir.path())
        .args(["--json", "sync", "--server", &central.url(), "--db"])
        .arg(&db)
        .output()
        .expect("sync again"));
    let report: serde_json::Value = serde_json::from_str(&out).expect("report");
    assert_eq!(
        (report["rejected"].as_u64(), report["pending"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(report["applied"], listed["count"], "{report}");
    let status = status(dir.path(), &db);
    assert_eq!(status["rejected_count"], 0);
    assert!(exactly_once(&central.stats()), "delivered once each");
}
