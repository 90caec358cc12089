//! The real function under cargo-lambda's emulator, called through the project's dispatcher
//! and the real aws-sdk-lambda client.
//!
//! `cargo lambda watch --only-lambda-apis` serves Lambda's Invoke API and runtime API; K
//! prebuilt processes of the function poll the runtime API the way Lambda's execution
//! environments do (faster and more faithful than letting the emulator `cargo run` them).
//! The emulator hangs for good once about 100 invocations queue up, so the dispatcher keeps
//! only K + 4 in flight (anything up to K + 20 is safe).
//!
//! Needs cargo-lambda (scripts/setup installs it from PyPI). Without it the test says so on
//! stderr and passes, unless `SUBSTATION_REQUIRE_CARGO_LAMBDA=1` (scripts/test sets it).

use std::collections::BTreeMap;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use substation_dga::{Asset, DiagnosisRequest};
use substation_dispatch::{
    EmbeddedEngine, Engine, FailureKind, LambdaEngine, Outcome, Policy, run,
};
use tokio_util::sync::CancellationToken;

/// Worker processes of the function, i.e. the emulated function's concurrency.
const WORKERS: usize = 4;
/// Calls in flight; the emulator deadlocks beyond about WORKERS + 90 queued.
const IN_FLIGHT: usize = WORKERS + 4;
const FUNCTION: &str = "substation-diagnose";

/// Child processes that are killed when the test ends, however it ends. On a panic, the
/// tails of their logs are printed and the logs kept.
struct Children {
    running: Vec<(String, Child)>,
    logs: PathBuf,
}

impl Children {
    fn new() -> Children {
        let logs = std::env::temp_dir().join(format!(
            "substation-cargo-lambda-test-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&logs).expect("log dir");
        Children {
            running: Vec::new(),
            logs,
        }
    }

    /// Starts `command` with its stdout and stderr in `<logs>/<name>.log`.
    fn spawn(&mut self, name: &str, command: &mut Command) -> &mut Child {
        let log = File::create(self.log(name)).expect("log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        self.running.push((name.to_owned(), child));
        &mut self.running.last_mut().expect("just pushed").1
    }

    fn log(&self, name: &str) -> PathBuf {
        self.logs.join(format!("{name}.log"))
    }

    fn read_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log(name)).unwrap_or_default()
    }

    fn kill_all(&mut self) {
        for (_, child) in &mut self.running {
            // Already gone is fine; SIGKILL, then reap, so nothing outlives the test.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        self.kill_all();
        if std::thread::panicking() {
            for (name, _) in &self.running {
                let log = self.read_log(name);
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                eprintln!("--- last lines of {name}:");
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
            eprintln!("(logs kept in {})", self.logs.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.logs);
        }
    }
}

/// Whether `cargo lambda` runs here, waiting at most `limit` for it to say its version.
fn cargo_lambda_version(limit: Duration) -> Option<String> {
    let mut child = Command::new("cargo")
        .args(["lambda", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let mut version = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut version).ok()?;
    Some(version.trim().to_owned())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    listener.local_addr().expect("address").port()
}

/// Polls until something accepts connections on `addr`, the process `name` exits, or the
/// deadline passes.
fn wait_for_port(children: &mut Children, name: &str, addr: SocketAddr, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(250)).is_ok() {
            return;
        }
        let exited = children
            .running
            .iter_mut()
            .find(|(n, _)| n == name)
            .and_then(|(_, child)| child.try_wait().ok().flatten());
        if let Some(status) = exited {
            panic!(
                "{name} exited ({status}) before opening {addr}:\n{}",
                children.read_log(name)
            );
        }
        assert!(
            Instant::now() < deadline,
            "{name} did not open {addr} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn fleet() -> Vec<(String, DiagnosisRequest)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/fleet.json");
    let requests: Vec<DiagnosisRequest> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fleet")).expect("fleet JSON");
    requests
        .into_iter()
        .map(|r| (r.asset.id.clone(), r))
        .collect()
}

async fn dispatch<E: Engine>(
    engine: Arc<E>,
    requests: Vec<(String, DiagnosisRequest)>,
    policy: &Policy,
) -> BTreeMap<String, Outcome> {
    let mut outcomes = BTreeMap::new();
    let ran = run(
        engine,
        requests,
        policy,
        |o| {
            let earlier = outcomes.insert(o.asset_id.clone(), o);
            assert!(earlier.is_none(), "one outcome per asset");
        },
        None,
        CancellationToken::new(),
    );
    // Never hang: every attempt has its own timeout too.
    tokio::time::timeout(Duration::from_secs(120), ran)
        .await
        .expect("the run finishes within 2 minutes");
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_under_cargo_lambda_answers_like_the_embedded_engine() {
    let started = Instant::now();
    let Some(version) = cargo_lambda_version(Duration::from_secs(30)) else {
        let hint = "`cargo lambda` is not available: run scripts/setup (it installs cargo-lambda \
                    from PyPI) and put its bin dir on PATH, as scripts/test does";
        if std::env::var("SUBSTATION_REQUIRE_CARGO_LAMBDA").as_deref() == Ok("1") {
            panic!("SUBSTATION_REQUIRE_CARGO_LAMBDA=1 but {hint}");
        }
        eprintln!("note: skipping the cargo-lambda emulator test: {hint}");
        return;
    };
    eprintln!("using {version}");

    let mut children = Children::new();
    let port = free_port();
    let emulator = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    // Run in the crate: the emulator only knows the functions that are bin targets here.
    children.spawn(
        "cargo-lambda",
        Command::new("cargo")
            .args(["lambda", "watch", "--only-lambda-apis", "--ignore-changes"])
            .args(["-A", "127.0.0.1", "-P", &port.to_string()])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    wait_for_port(
        &mut children,
        "cargo-lambda",
        emulator,
        Duration::from_secs(60),
    );
    for worker in 0..WORKERS {
        children.spawn(
            &format!("worker-{worker}"),
            Command::new(env!("CARGO_BIN_EXE_substation-diagnose"))
                .env(
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("http://{emulator}/.rt/{FUNCTION}"),
                )
                .env("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
                .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
                .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
                .env_remove("AWS_LAMBDA_LOG_FORMAT"),
        );
    }
    let ready = started.elapsed();

    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDLOCAL", "local", None, None, "test"))
        .endpoint_url(format!("http://{emulator}"));
    let lambda = Arc::new(LambdaEngine::new(config, FUNCTION));
    let policy = Policy {
        concurrency: IN_FLIGHT,
        attempt_timeout: Duration::from_secs(30),
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        ..Policy::default()
    };

    let mut requests = fleet();
    assert_eq!(requests.len(), 9);
    let remote = dispatch(lambda.clone(), requests.clone(), &policy).await;
    let local = dispatch(
        Arc::new(EmbeddedEngine),
        requests.clone(),
        &Policy::embedded(),
    )
    .await;
    assert_eq!(remote.len(), 9);
    assert_eq!(local.len(), 9);
    for (asset, outcome) in &local {
        let here = outcome.result.as_ref().expect("embedded diagnosis");
        let there = &remote[asset];
        let there = there
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{asset} on Lambda: {} ({})", e.message, e.code));
        // Byte for byte the same answer, kept as it came, and the same summary read from it.
        assert!(here.json == there.json, "{asset}: the answers differ");
        assert_eq!(here.summary, there.summary, "{asset}");
        assert_eq!(remote[asset].attempts, 1, "{asset}");
    }

    // A request the engine refuses: one answer, no retry, no function error.
    requests.clear();
    requests.push((
        "EMPTY-1".to_owned(),
        DiagnosisRequest::new(Asset::new("EMPTY-1"), Vec::new()),
    ));
    let refused = dispatch(lambda, requests, &policy).await;
    let outcome = &refused["EMPTY-1"];
    let error = outcome.result.as_ref().expect_err("an empty request fails");
    assert_eq!(error.code, "invalid_request", "{}", error.message);
    assert_eq!(error.kind, FailureKind::Permanent);
    assert_eq!(outcome.attempts, 1);

    // One log line per invocation, across the workers.
    let lines: usize = (0..WORKERS)
        .map(|w| {
            children
                .read_log(&format!("worker-{w}"))
                .lines()
                .filter(|l| l.contains("diagnosis") && l.contains("outcome="))
                .count()
        })
        .sum();
    assert_eq!(lines, 10, "log lines of the workers");

    children.kill_all();
    eprintln!(
        "emulator and {WORKERS} workers up in {:.2} s, whole test {:.2} s",
        ready.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
