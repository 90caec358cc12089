//! A stand-in for AWS Lambda on 127.0.0.1, for testing the Lambda client against a real socket.
//!
//! [`TestLambda`] is a small HTTP/1.1 server that speaks the wire protocol of the Lambda
//! `Invoke` API (`POST /2015-03-31/functions/{name}/invocations`) closely enough for the real
//! `aws-sdk-lambda` client to talk to it, and answers every invocation with the embedded
//! engine ([`substation_dga::handle_json`]), exactly as the deployed function would. What makes
//! it useful is what real Lambda does only on a bad day, here on demand:
//!
//! - a simulated function duration ([`Config::latency`]), so that concurrency is real;
//! - throttling: a concurrency limit ([`Config::concurrency_limit`]) answered with Lambda's
//!   `429 TooManyRequestsException`;
//! - faults scripted per asset id ([`TestLambda::script`], [`Fault`]): 5xx answers, function
//!   errors, slow answers, dropped connections, malformed payloads, a wrong contract version;
//! - statistics ([`TestLambda::stats`]): invocations in total and per asset, throttles, and the
//!   most invocations ever executing at once.
//!
//! The binary `substation-lambda-testserver` runs the same server from the command line (for
//! benchmarks and end-to-end tests) and adds nothing but argument parsing and signal handling.
//! `GET /stats` answers the [`Stats`] as JSON.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use std::time::Duration;
//! use substation_lambda_testserver::{Config, Fault, TestLambda};
//!
//! let lambda = TestLambda::start(Config {
//!     latency: Duration::from_millis(50),
//!     concurrency_limit: Some(10),
//!     ..Config::default()
//! })
//! .await?;
//! lambda.script("TR-003", [Fault::Throttle, Fault::ServiceError]);
//! // Point the SDK's endpoint_url at lambda.endpoint() and invoke "substation-diagnose".
//! assert_eq!(lambda.stats().invocations, 0);
//! lambda.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod python;
mod service;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::net::TcpSocket;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use python::PythonHandler;

/// The function name the server answers to unless configured otherwise.
pub const DEFAULT_FUNCTION_NAME: &str = "substation-diagnose";

/// Largest request payload accepted, as for a synchronous invocation of real Lambda (6 MB).
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// How many connections may wait in the kernel to be accepted.
const LISTEN_BACKLOG: u32 = 4096;

/// How the server behaves when no fault is scripted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The only function name invocations may address; any other gets a 404.
    pub function_name: String,
    /// Simulated function duration: an invocation is answered no earlier than this long after
    /// its request arrived.
    pub latency: Duration,
    /// At most this many invocations execute at once; one more is throttled (HTTP 429).
    /// `None`: no limit.
    pub concurrency_limit: Option<usize>,
    /// Run this Python handler for every invocation (a pool of worker processes) instead of
    /// the embedded engine; scripted faults still apply.
    pub python: Option<PythonHandler>,
}

impl Default for Config {
    /// Function `substation-diagnose`, no latency, no concurrency limit.
    fn default() -> Self {
        Config {
            function_name: DEFAULT_FUNCTION_NAME.to_owned(),
            latency: Duration::ZERO,
            concurrency_limit: None,
            python: None,
        }
    }
}

/// What goes wrong with one invocation, scripted per asset id with [`TestLambda::script`].
///
/// Each invocation for an asset takes the next fault of that asset's script; once the script
/// is used up, the asset's invocations are answered normally again. An invocation refused by
/// the concurrency limit does not use up a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// At once: HTTP 500, `x-amzn-ErrorType: ServiceException`, body
    /// `{"Type":"Service","message":…}`.
    ServiceError,
    /// At once: HTTP 502, `x-amzn-ErrorType: ResourceNotReadyException`, body
    /// `{"Type":"Service","message":…}`.
    BadGateway,
    /// At once: the same HTTP 429 `TooManyRequestsException` as the concurrency limit gives.
    Throttle,
    /// After the latency: HTTP 200 with `X-Amz-Function-Error: Unhandled` and the payload of a
    /// crashed runtime, `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: … Error:
    /// Runtime exited with error: signal: killed"}`.
    FunctionError,
    /// The normal answer, but only this long after the request arrived instead of after the
    /// configured latency.
    Slow(Duration),
    /// After the latency: the connection is closed without any answer.
    DropConnection,
    /// After the latency: HTTP 200 with the body `not json at all`.
    MalformedPayload,
    /// After the latency: the normal answer with `response.contract_version` set to 999.
    WrongContractVersion,
}

/// What the server has seen so far (a snapshot).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests to the configured function's invocations route, whatever they were answered
    /// (throttled and faulted ones included).
    pub invocations: usize,
    /// Invocations answered with HTTP 429, by the concurrency limit or by a scripted
    /// [`Fault::Throttle`].
    pub throttled: usize,
    /// Invocations of a function other than the configured one (answered with HTTP 404).
    pub not_found: usize,
    /// Invocations per asset id (`asset.id` of the request body), for bodies that have one.
    pub invocations_per_asset: BTreeMap<String, usize>,
    /// The most invocations that were ever executing at once.
    pub max_executing: usize,
    /// Invocations executing now: admitted, not yet answered.
    pub executing: usize,
}

/// A running test server; dropping it stops accepting connections, as does
/// [`TestLambda::shutdown`].
#[derive(Debug)]
pub struct TestLambda {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: CancellationToken,
    accept_loop: Option<JoinHandle<()>>,
}

impl TestLambda {
    /// Starts a server on 127.0.0.1 on a free port, accepting on the current tokio runtime.
    pub async fn start(config: Config) -> io::Result<TestLambda> {
        TestLambda::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await
    }

    /// Starts a server on `addr` (port 0: any free port), accepting on the current tokio
    /// runtime.
    pub async fn start_on(addr: SocketAddr, config: Config) -> io::Result<TestLambda> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(LISTEN_BACKLOG)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let stop = CancellationToken::new();
        let handler = Arc::clone(&shared);
        let accept_loop = tokio::spawn(substation_loopback::serve(
            listener,
            stop.clone(),
            move |request| service::handle(Arc::clone(&handler), request),
        ));
        Ok(TestLambda {
            addr,
            shared,
            stop,
            accept_loop: Some(accept_loop),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL to give the SDK, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The function name invocations must address.
    pub fn function_name(&self) -> &str {
        &self.shared.function_name
    }

    /// Appends `faults` to the script of `asset_id`: its next invocations take them in order.
    pub fn script(&self, asset_id: &str, faults: impl IntoIterator<Item = Fault>) {
        self.shared
            .faults()
            .entry(asset_id.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Scripted faults of `asset_id` not yet used up.
    pub fn pending_faults(&self, asset_id: &str) -> usize {
        self.shared.faults().get(asset_id).map_or(0, VecDeque::len)
    }

    /// A snapshot of the statistics.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Invocations so far for `asset_id`.
    pub fn invocations_of(&self, asset_id: &str) -> usize {
        self.shared
            .state()
            .stats
            .invocations_per_asset
            .get(asset_id)
            .copied()
            .unwrap_or(0)
    }

    /// Changes the concurrency limit for invocations arriving from now on.
    pub fn set_concurrency_limit(&self, limit: Option<usize>) {
        self.shared.state().concurrency_limit = limit;
    }

    /// Stops accepting connections and waits until the listener is closed. Open connections
    /// finish the invocations they are executing and are then closed.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(accept_loop) = self.accept_loop.take() {
            // The loop only ends by cancellation; a join error would mean it panicked, which
            // leaves nothing to clean up.
            let _ = accept_loop.await;
        }
    }
}

impl Drop for TestLambda {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// What the connections share with the handle.
#[derive(Debug)]
struct Shared {
    function_name: String,
    latency: Duration,
    python: Option<python::Pool>,
    state: Mutex<State>,
    faults: Mutex<HashMap<String, VecDeque<Fault>>>,
}

#[derive(Debug)]
struct State {
    concurrency_limit: Option<usize>,
    stats: Stats,
}

impl Shared {
    fn new(config: Config) -> Shared {
        Shared {
            function_name: config.function_name,
            latency: config.latency,
            python: config.python.map(python::Pool::new),
            state: Mutex::new(State {
                concurrency_limit: config.concurrency_limit,
                stats: Stats::default(),
            }),
            faults: Mutex::new(HashMap::new()),
        }
    }

    /// The state survives a panic elsewhere: every update leaves it consistent.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn faults(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Fault>>> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stats(&self) -> Stats {
        self.state().stats.clone()
    }

    /// Counts an invocation and admits it under the concurrency limit: `Some` while it
    /// executes, `None` (counted as throttled) when the limit is reached.
    fn begin_invocation(self: &Arc<Self>, asset_id: Option<&str>) -> Option<ExecutionSlot> {
        let mut state = self.state();
        let State {
            concurrency_limit,
            stats,
        } = &mut *state;
        stats.invocations += 1;
        if let Some(asset_id) = asset_id {
            *stats
                .invocations_per_asset
                .entry(asset_id.to_owned())
                .or_default() += 1;
        }
        if concurrency_limit.is_some_and(|limit| stats.executing >= limit) {
            stats.throttled += 1;
            return None;
        }
        stats.executing += 1;
        stats.max_executing = stats.max_executing.max(stats.executing);
        Some(ExecutionSlot {
            shared: Arc::clone(self),
        })
    }

    fn count_throttled(&self) {
        self.state().stats.throttled += 1;
    }

    fn count_not_found(&self) {
        self.state().stats.not_found += 1;
    }

    fn next_fault(&self, asset_id: &str) -> Option<Fault> {
        let mut faults = self.faults();
        let script = faults.get_mut(asset_id)?;
        let fault = script.pop_front();
        if script.is_empty() {
            faults.remove(asset_id);
        }
        fault
    }
}

/// One executing invocation; its slot under the concurrency limit is freed when dropped,
/// including when the client goes away and hyper drops the invocation.
#[derive(Debug)]
struct ExecutionSlot {
    shared: Arc<Shared>,
}

impl Drop for ExecutionSlot {
    fn drop(&mut self) {
        let mut state = self.shared.state();
        state.stats.executing = state.stats.executing.saturating_sub(1);
    }
}
