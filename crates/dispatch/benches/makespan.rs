//! Makespan of a fleet on the Lambda engine, against the Lambda Invoke API test server in a
//! separate process (so that the client's CPU and memory are measured alone).
//!
//! `cargo bench -p substation-dispatch --bench makespan` runs the quick variant (450 ms
//! calls); `-- --latency-ms 4500` the full one. Every scenario runs its client in a fresh
//! process: the peak memory it reports is that scenario's own.
//!
//! Printed per scenario: calls N, concurrency asked C, the server's limit, makespan, the ideal
//! `ceil(N / min(C, limit)) × t`, their ratio, failed assets, throttle answers, client CPU
//! (user + system) per 1,000 transformers and per 1,000 invocations (every attempt, the
//! throttled ones included), the client's CPU before the run (process, runtime
//! and SDK client start, one warm-up call, building the requests), its peak resident
//! memory, and, during the run, its minor page faults and voluntary context switches (how
//! often it went to sleep: wake-ups). CPU comes from `getrusage`, to the microsecond.
//! `BENCH_NO_PROGRESS=1` runs without a progress channel (what the reporter costs);
//! `BENCH_MULTI_THREAD=1` on tokio's multi-threaded runtime; `BENCH_SDK_ONLY=1` makes the
//! same calls through the bare SDK client (no dispatcher, answers not parsed): the floor.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use substation_dga::{Asset, DiagnosisRequest, Gas, GasReadings, Sample};
use substation_dispatch::{LambdaEngine, Policy, run};
use substation_lambda_testserver::{Config, TestLambda};
use tokio_util::sync::CancellationToken;

// As in the `substation` binary and the desktop app.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Scenario {
    calls: usize,
    concurrency: usize,
    server_limit: Option<usize>,
}

const SCENARIOS: [Scenario; 4] = [
    Scenario {
        calls: 170,
        concurrency: 4,
        server_limit: None,
    },
    Scenario {
        calls: 170,
        concurrency: 170,
        server_limit: None,
    },
    Scenario {
        calls: 10_000,
        concurrency: 1_000,
        server_limit: None,
    },
    Scenario {
        calls: 1_000,
        concurrency: 256,
        server_limit: Some(64),
    },
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    if args.iter().any(|a| a == "--serve") {
        serve(
            value("--latency-ms").unwrap_or(450),
            value("--limit").map(|l| l as usize),
        );
        return;
    }
    if args.iter().any(|a| a == "--client") {
        client(
            value("--port").expect("--port") as u16,
            value("--calls").expect("--calls") as usize,
            value("--concurrency").expect("--concurrency") as usize,
        );
        return;
    }
    let latency = value("--latency-ms").unwrap_or(450);
    let only = value("--scenario");
    println!(
        "Lambda engine makespan, {latency} ms per call (server in its own process, client measured alone)"
    );
    println!(
        "{:>6} {:>5} {:>6} {:>10} {:>10} {:>6} {:>6} {:>9} {:>14} {:>14} {:>11} {:>9} {:>8} {:>9}",
        "N",
        "C",
        "limit",
        "makespan",
        "ideal",
        "ratio",
        "failed",
        "throttled",
        "cpu s/1000",
        "cpu s/1000 inv",
        "startup s",
        "peak MB",
        "faults",
        "wake-ups"
    );
    for (index, scenario) in SCENARIOS.iter().enumerate() {
        if only.is_some_and(|o| o as usize != index + 1) {
            continue;
        }
        let mut server = spawn_server(latency, scenario.server_limit);
        let line = run_client(server.port, scenario);
        let _ = server.child.kill();
        let _ = server.child.wait();
        let field = |name: &str| line[name].as_f64().unwrap_or(f64::NAN);
        let effective = scenario
            .concurrency
            .min(scenario.server_limit.unwrap_or(usize::MAX));
        let ideal = scenario.calls.div_ceil(effective) as f64 * latency as f64 / 1000.0;
        let makespan = field("makespan_s");
        println!(
            "{:>6} {:>5} {:>6} {:>9.2}s {:>9.2}s {:>6.3} {:>6} {:>9} {:>14.3} {:>14.3} {:>11.3} {:>9.0} {:>8} {:>9}",
            scenario.calls,
            scenario.concurrency,
            scenario
                .server_limit
                .map_or("-".to_owned(), |l| l.to_string()),
            makespan,
            ideal,
            makespan / ideal,
            field("failed"),
            field("throttled"),
            field("cpu_s") / scenario.calls as f64 * 1000.0,
            field("cpu_s") / field("attempts") * 1000.0,
            field("startup_cpu_s"),
            field("peak_rss_kb") / 1024.0,
            field("minor_faults"),
            field("wake_ups"),
        );
    }
}

struct Server {
    child: Child,
    port: u16,
}

fn spawn_server(latency_ms: u64, limit: Option<usize>) -> Server {
    let mut command = Command::new(std::env::current_exe().expect("self"));
    command
        .args(["--serve", "--latency-ms", &latency_ms.to_string()])
        .stdout(Stdio::piped());
    if let Some(limit) = limit {
        command.args(["--limit", &limit.to_string()]);
    }
    let mut child = command.spawn().expect("server process");
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut first)
        .expect("port line");
    let port = first.trim().parse().expect("port");
    Server { child, port }
}

fn run_client(port: u16, scenario: &Scenario) -> serde_json::Value {
    let out = Command::new(std::env::current_exe().expect("self"))
        .args([
            "--client",
            "--port",
            &port.to_string(),
            "--calls",
            &scenario.calls.to_string(),
            "--concurrency",
            &scenario.concurrency.to_string(),
        ])
        .output()
        .expect("client process");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("client JSON")
}

fn serve(latency_ms: u64, limit: Option<usize>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let server = TestLambda::start(Config {
            latency: Duration::from_millis(latency_ms),
            concurrency_limit: limit,
            ..Config::default()
        })
        .await
        .expect("server");
        println!("{}", server.local_addr().port());
        std::io::stdout().flush().expect("flush");
        std::future::pending::<()>().await;
    });
}

fn request(index: usize) -> (String, DiagnosisRequest) {
    let id = format!("TR-{index:05}");
    let start = chrono::NaiveDate::from_ymd_opt(2016, 1, 15).expect("date");
    let samples = (0..10)
        .map(|year| {
            let date = start + chrono::Months::new(12 * year);
            let drift = (index % 7) as f64 + year as f64;
            Sample::new(
                date,
                GasReadings::default()
                    .with(Gas::H2, 20.0 + drift)
                    .with(Gas::CH4, 10.0 + drift)
                    .with(Gas::C2H6, 8.0)
                    .with(Gas::C2H4, 5.0 + drift / 2.0)
                    .with(Gas::C2H2, 0.0)
                    .with(Gas::CO, 300.0 + 5.0 * drift)
                    .with(Gas::CO2, 2500.0 + 40.0 * drift)
                    .with(Gas::O2, 9000.0)
                    .with(Gas::N2, 50000.0),
            )
        })
        .collect();
    (id.clone(), DiagnosisRequest::new(Asset::new(id), samples))
}

fn client(port: u16, calls: usize, concurrency: usize) {
    // One thread, as the `substation` binary runs its dispatcher: the calls wait on the
    // network, and a single thread spares the cross-thread wake-ups (about a quarter of the
    // client's CPU per call). BENCH_MULTI_THREAD=1 measures the multi-threaded runtime.
    let runtime = if std::env::var_os("BENCH_MULTI_THREAD").is_some() {
        tokio::runtime::Runtime::new()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .expect("runtime");
    let requests: Vec<_> = (0..calls).map(request).collect();
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
        .endpoint_url(format!("http://127.0.0.1:{port}"));
    let policy = Policy {
        concurrency,
        ..Policy::default()
    };
    // The client is built and warmed up once per process, before the clock starts: its cost
    // (TLS roots, SDK configuration, building the requests) is reported apart, as "startup".
    let engine = Arc::new(LambdaEngine::new(config, "substation-diagnose"));
    // One call first: the SDK builds its HTTPS client (parsing the TLS root certificates,
    // tens of milliseconds) on the first request, once per process.
    runtime.block_on(async {
        use substation_dispatch::Engine;
        let (_, warm_up) = request(calls);
        engine
            .diagnose(Arc::new(warm_up))
            .await
            .expect("warm-up call");
    });
    let before = usage();
    let started = Instant::now();
    let sdk_only = std::env::var_os("BENCH_SDK_ONLY").is_some();
    let (done, failed, throttled, attempts) = if sdk_only {
        runtime.block_on(sdk_only_calls(port, requests, concurrency))
    } else {
        runtime.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
            let last = tokio::spawn(async move {
                let mut last = None;
                while let Some(p) = rx.recv().await {
                    last = Some(p);
                }
                last
            });
            let mut done = 0u64;
            let mut failed = 0u64;
            let mut attempts = 0u64;
            run(
                engine,
                requests,
                &policy,
                |o| {
                    attempts += u64::from(o.attempts);
                    if o.result.is_ok() {
                        done += 1
                    } else {
                        failed += 1
                    }
                },
                (std::env::var_os("BENCH_NO_PROGRESS").is_none()).then_some(tx),
                CancellationToken::new(),
            )
            .await;
            let throttled = last.await.ok().flatten().map_or(0, |p| p.throttled);
            (done, failed, throttled, attempts)
        })
    };
    let makespan = started.elapsed().as_secs_f64();
    let after = usage();
    let line = serde_json::json!({
        "makespan_s": makespan,
        "done": done,
        "failed": failed,
        "attempts": attempts,
        "throttled": throttled,
        "cpu_s": after.cpu_s - before.cpu_s,
        "startup_cpu_s": before.cpu_s,
        "minor_faults": after.minor_faults - before.minor_faults,
        "wake_ups": after.wake_ups - before.wake_ups,
        "peak_rss_kb": peak_rss_kb(),
    });
    println!("{line}");
}

/// The floor under the dispatcher: the same calls through the bare SDK client (the request
/// serialised, `invoke`, the answer's bytes received and dropped unread), `concurrency` at a
/// time, no dispatcher, no answer parsing, no progress. `BENCH_SDK_ONLY=1`.
async fn sdk_only_calls(
    port: u16,
    requests: Vec<(String, DiagnosisRequest)>,
    concurrency: usize,
) -> (u64, u64, u64, u64) {
    use aws_sdk_lambda::config::StalledStreamProtectionConfig;
    use aws_sdk_lambda::config::retry::RetryConfig;
    use aws_sdk_lambda::primitives::Blob;
    use futures_util::StreamExt;
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .retry_config(RetryConfig::disabled())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .build();
    let client = aws_sdk_lambda::Client::from_conf(config);
    let results: Vec<bool> = futures_util::stream::iter(requests)
        .map(|(_, request)| {
            let client = client.clone();
            async move {
                let Ok(payload) = serde_json::to_vec(&request) else {
                    return false;
                };
                client
                    .invoke()
                    .function_name("substation-diagnose")
                    .payload(Blob::new(payload))
                    .send()
                    .await
                    .is_ok_and(|answer| answer.payload().is_some())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let done = results.iter().filter(|ok| **ok).count() as u64;
    let calls = results.len() as u64;
    (done, calls - done, 0, calls)
}

/// This process's resource use so far.
#[derive(Clone, Copy)]
struct Usage {
    /// User + system CPU seconds, to the microsecond (`/proc/self/stat` counts 10 ms ticks,
    /// too coarse for a run of 170 calls).
    cpu_s: f64,
    minor_faults: i64,
    /// Voluntary context switches: how often the process went to sleep waiting for something.
    wake_ups: i64,
}

fn usage() -> Usage {
    use nix::sys::resource::{UsageWho, getrusage};
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(u) => {
            let seconds =
                |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1_000_000.0;
            Usage {
                cpu_s: seconds(u.user_time()) + seconds(u.system_time()),
                minor_faults: u.minor_page_faults(),
                wake_ups: u.voluntary_context_switches(),
            }
        }
        Err(_) => Usage {
            cpu_s: f64::NAN,
            minor_faults: 0,
            wake_ups: 0,
        },
    }
}

/// Peak resident memory of this process, from /proc (Linux).
fn peak_rss_kb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN)
}
