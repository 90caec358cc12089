//! The server through real sockets, with a minimal HTTP/1.1 client written here so that every
//! byte on the wire is under the test's control (a dropped connection must be seen as EOF
//! without a status line, not as some client library's retry).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use substation_lambda_testserver::{Config, Fault, PythonHandler, Stats, TestLambda};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const INVOKE: &str = "/2015-03-31/functions/substation-diagnose/invocations";

/// An answer as read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    /// Header names are case-insensitive on the wire (hyper writes them in lower case).
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Connection {
        Connection {
            stream: TcpStream::connect(addr).await.expect("connect"),
            buffer: Vec::new(),
        }
    }

    /// Sends one request and reads its answer; `None` when the server closed the connection
    /// without sending a single byte of an answer.
    async fn send(&mut self, method: &str, path: &str, body: &[u8]) -> Option<Answer> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        self.stream
            .write_all(head.as_bytes())
            .await
            .expect("write head");
        self.stream.write_all(body).await.expect("write body");

        let head_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end + 4;
            }
            if self.fill().await == 0 {
                assert!(
                    self.buffer.is_empty(),
                    "connection closed mid-answer: {:?}",
                    String::from_utf8_lossy(&self.buffer)
                );
                return None;
            }
        };
        let head = std::str::from_utf8(&self.buffer[..head_end]).expect("the head is UTF-8");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("a status line");
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map(|(_, value)| value.parse().expect("a numeric content-length"))
            .expect("answers carry a content-length");
        while self.buffer.len() < head_end + length {
            assert!(self.fill().await > 0, "connection closed mid-body");
        }
        let body = self.buffer[head_end..head_end + length].to_vec();
        self.buffer.drain(..head_end + length);
        Some(Answer {
            status,
            headers,
            body,
        })
    }

    async fn fill(&mut self) -> usize {
        let mut chunk = [0_u8; 8192];
        let read = self.stream.read(&mut chunk).await.expect("read");
        self.buffer.extend_from_slice(&chunk[..read]);
        read
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// One request on a fresh connection; the answer must come.
async fn invoke(lambda: &TestLambda, body: &[u8]) -> Answer {
    invoke_path(lambda, INVOKE, body).await
}

async fn invoke_path(lambda: &TestLambda, path: &str, body: &[u8]) -> Answer {
    Connection::open(lambda.local_addr())
        .await
        .send("POST", path, body)
        .await
        .expect("an answer")
}

fn fleet() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/fleet.json");
    let text = std::fs::read_to_string(&path).expect("samples/fleet.json");
    serde_json::from_str(&text).expect("fleet.json is a JSON array")
}

/// The first request of the sample fleet (asset TR-001).
fn first_request() -> Vec<u8> {
    let request = fleet().into_iter().next().expect("a first request");
    serde_json::to_vec(&request).expect("serialize")
}

/// The first request under another asset id.
fn request_for(asset_id: &str) -> Vec<u8> {
    let mut request = fleet().into_iter().next().expect("a first request");
    request["asset"]["id"] = json!(asset_id);
    serde_json::to_vec(&request).expect("serialize")
}

async fn start(config: Config) -> TestLambda {
    TestLambda::start(config).await.expect("start")
}

async fn start_default() -> TestLambda {
    start(Config::default()).await
}

fn assert_normal(answer: &Answer, asset_id: &str) {
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("x-amz-executed-version"), Some("$LATEST"));
    assert_eq!(answer.header("x-amz-function-error"), None);
    let envelope = answer.json();
    assert_eq!(envelope["status"], 200, "{envelope}");
    assert_eq!(envelope["response"]["asset_id"], asset_id);
    assert_eq!(
        envelope["response"]["contract_version"],
        substation_dga::CONTRACT_VERSION
    );
}

fn assert_throttled(answer: &Answer) {
    assert_eq!(answer.status, 429);
    assert_eq!(
        answer.header("x-amzn-ErrorType"),
        Some("TooManyRequestsException")
    );
    assert_eq!(
        answer.json(),
        json!({
            "Type": "User",
            "message": "Rate Exceeded.",
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        })
    );
}

/// Waits until `condition` holds for the server's statistics.
async fn until(lambda: &TestLambda, condition: impl Fn(&Stats) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition(&lambda.stats()) {
        assert!(Instant::now() < deadline, "timed out: {:?}", lambda.stats());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_normal_answer_carries_the_engines_diagnosis() {
    let lambda = start_default().await;
    let request = first_request();
    let answer = invoke(&lambda, &request).await;
    assert_normal(&answer, "TR-001");
    assert!(answer.header("x-amzn-RequestId").is_some());
    // Byte for byte what the engine answers (compared as text: serde_json's default float
    // parsing may be one ulp off, so JSON values would not round-trip exactly).
    let expected =
        serde_json::to_vec(&substation_dga::handle_json(&request)).expect("serialize envelope");
    assert_eq!(
        String::from_utf8_lossy(&answer.body),
        String::from_utf8_lossy(&expected)
    );
    assert!(answer.json()["response"]["severity"].is_string());
}

#[tokio::test]
async fn a_qualifier_in_the_query_is_ignored() {
    let lambda = start_default().await;
    let answer = invoke_path(
        &lambda,
        &format!("{INVOKE}?Qualifier=%24LATEST"),
        &first_request(),
    )
    .await;
    assert_normal(&answer, "TR-001");
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_the_engines_400_envelope() {
    let lambda = start_default().await;
    let answer = invoke(&lambda, b"{ not json").await;
    assert_eq!(answer.status, 200);
    let envelope = answer.json();
    assert_eq!(envelope["status"], 400);
    assert_eq!(envelope["error"]["code"], "malformed_request");
    let stats = lambda.stats();
    assert_eq!(stats.invocations, 1);
    assert!(stats.invocations_per_asset.is_empty());
}

#[tokio::test]
async fn another_function_name_is_not_found() {
    let lambda = start_default().await;
    let answer = invoke_path(
        &lambda,
        "/2015-03-31/functions/other-function/invocations",
        &first_request(),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.header("x-amzn-ErrorType"),
        Some("ResourceNotFoundException")
    );
    assert_eq!(
        answer.json(),
        json!({"Type": "User", "message": "Function not found: other-function"})
    );
    let stats = lambda.stats();
    assert_eq!((stats.invocations, stats.not_found), (0, 1));
}

#[tokio::test]
async fn the_configured_function_name_is_the_one_answered() {
    let lambda = start(Config {
        function_name: "my-dga".to_owned(),
        ..Config::default()
    })
    .await;
    assert_eq!(lambda.function_name(), "my-dga");
    let answer = invoke_path(
        &lambda,
        "/2015-03-31/functions/my-dga/invocations",
        &first_request(),
    )
    .await;
    assert_normal(&answer, "TR-001");
    assert_eq!(invoke(&lambda, &first_request()).await.status, 404);
}

#[tokio::test]
async fn other_routes_are_unknown_operations() {
    let lambda = start_default().await;
    let answer = invoke_path(&lambda, "/2015-03-31/functions", b"").await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.header("x-amzn-ErrorType"),
        Some("UnknownOperationException")
    );
    assert_eq!(lambda.stats().invocations, 0);
}

#[tokio::test]
async fn the_concurrency_limit_throttles_at_once_and_frees_the_slot_after_the_answer() {
    let lambda = start(Config {
        latency: Duration::from_millis(400),
        concurrency_limit: Some(1),
        ..Config::default()
    })
    .await;
    let addr = lambda.local_addr();
    let request = first_request();
    let first = tokio::spawn({
        let request = request.clone();
        async move {
            Connection::open(addr)
                .await
                .send("POST", INVOKE, &request)
                .await
        }
    });
    until(&lambda, |stats| stats.executing == 1).await;

    let throttled = invoke(&lambda, &request).await;
    assert_throttled(&throttled);
    // Answered while the first invocation still executes.
    assert_eq!(lambda.stats().executing, 1);

    let first = first.await.expect("join").expect("an answer");
    assert_normal(&first, "TR-001");
    assert_normal(&invoke(&lambda, &request).await, "TR-001");
    let stats = lambda.stats();
    assert_eq!(stats.invocations, 3);
    assert_eq!(stats.throttled, 1);
    assert_eq!(stats.max_executing, 1);
    assert_eq!(stats.executing, 0);
    assert_eq!(lambda.invocations_of("TR-001"), 3);
}

#[tokio::test]
async fn the_concurrency_limit_can_be_changed_while_running() {
    let lambda = start(Config {
        latency: Duration::from_millis(300),
        concurrency_limit: Some(0),
        ..Config::default()
    })
    .await;
    assert_throttled(&invoke(&lambda, &first_request()).await);
    lambda.set_concurrency_limit(None);
    let request = first_request();
    let (a, b) = tokio::join!(invoke(&lambda, &request), invoke(&lambda, &request));
    assert_normal(&a, "TR-001");
    assert_normal(&b, "TR-001");
    let stats = lambda.stats();
    assert_eq!((stats.invocations, stats.throttled), (3, 1));
    assert_eq!(stats.max_executing, 2);
}

#[tokio::test]
async fn fault_service_error() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::ServiceError]);
    let answer = invoke(&lambda, &first_request()).await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.header("x-amzn-ErrorType"), Some("ServiceException"));
    let body = answer.json();
    assert_eq!(body["Type"], "Service");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn fault_bad_gateway() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::BadGateway]);
    let answer = invoke(&lambda, &first_request()).await;
    assert_eq!(answer.status, 502);
    assert_eq!(
        answer.header("x-amzn-ErrorType"),
        Some("ResourceNotReadyException")
    );
    assert!(answer.json()["message"].is_string());
}

#[tokio::test]
async fn fault_throttle_without_a_limit() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::Throttle]);
    assert_throttled(&invoke(&lambda, &first_request()).await);
    let stats = lambda.stats();
    assert_eq!((stats.invocations, stats.throttled), (1, 1));
}

#[tokio::test]
async fn fault_function_error() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::FunctionError]);
    let answer = invoke(&lambda, &first_request()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("X-Amz-Function-Error"), Some("Unhandled"));
    let body = answer.json();
    assert_eq!(body["errorType"], "Runtime.ExitError");
    let request_id = answer.header("x-amzn-RequestId").expect("a request id");
    assert_eq!(
        body["errorMessage"],
        format!("RequestId: {request_id} Error: Runtime exited with error: signal: killed")
    );
}

#[tokio::test]
async fn fault_slow() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::Slow(Duration::from_millis(300))]);
    let started = Instant::now();
    let answer = invoke(&lambda, &first_request()).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_normal(&answer, "TR-001");
}

#[tokio::test]
async fn fault_drop_connection() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::DropConnection]);
    let mut connection = Connection::open(lambda.local_addr()).await;
    let answer = connection.send("POST", INVOKE, &first_request()).await;
    assert!(answer.is_none(), "expected EOF, got {answer:?}");
    assert_normal(&invoke(&lambda, &first_request()).await, "TR-001");
    let stats = lambda.stats();
    assert_eq!((stats.invocations, stats.executing), (2, 0));
}

#[tokio::test]
async fn fault_malformed_payload() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::MalformedPayload]);
    let answer = invoke(&lambda, &first_request()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, b"not json at all");
}

#[tokio::test]
async fn fault_wrong_contract_version() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::WrongContractVersion]);
    let answer = invoke(&lambda, &first_request()).await;
    assert_eq!(answer.status, 200);
    let envelope = answer.json();
    assert_eq!(envelope["status"], 200);
    assert_eq!(envelope["response"]["contract_version"], 999);
    assert_eq!(envelope["response"]["asset_id"], "TR-001");
}

#[tokio::test]
async fn a_script_is_used_up_in_order_then_answers_are_normal_again() {
    let lambda = start_default().await;
    lambda.script("TR-001", [Fault::ServiceError, Fault::Throttle]);
    lambda.script("TR-001", [Fault::FunctionError]);
    assert_eq!(lambda.pending_faults("TR-001"), 3);

    // Other assets are not affected.
    assert_normal(&invoke(&lambda, &request_for("TR-002")).await, "TR-002");

    // All on one keep-alive connection: error answers keep it open.
    let mut connection = Connection::open(lambda.local_addr()).await;
    let request = first_request();
    let mut next = async || {
        connection
            .send("POST", INVOKE, &request)
            .await
            .expect("an answer")
    };
    assert_eq!(next().await.status, 500);
    assert_throttled(&next().await);
    assert_eq!(
        next().await.header("x-amz-function-error"),
        Some("Unhandled")
    );
    assert_normal(&next().await, "TR-001");
    assert_normal(&next().await, "TR-001");
    assert_eq!(lambda.pending_faults("TR-001"), 0);
    assert_eq!(lambda.invocations_of("TR-001"), 5);
    assert_eq!(lambda.invocations_of("TR-002"), 1);
}

#[tokio::test]
async fn an_answer_comes_no_earlier_than_the_latency() {
    let latency = Duration::from_millis(250);
    let lambda = start(Config {
        latency,
        ..Config::default()
    })
    .await;
    let started = Instant::now();
    let answer = invoke(&lambda, &first_request()).await;
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    assert_normal(&answer, "TR-001");
}

#[tokio::test]
async fn statistics_count_everything() {
    let lambda = start_default().await;
    lambda.script("TR-002", [Fault::Throttle, Fault::ServiceError]);
    for asset in ["TR-001", "TR-002", "TR-002", "TR-002", "TR-003"] {
        invoke(&lambda, &request_for(asset)).await;
    }
    invoke(&lambda, b"[]").await;
    invoke_path(&lambda, "/2015-03-31/functions/x/invocations", b"{}").await;

    let stats = lambda.stats();
    assert_eq!(stats.invocations, 6);
    assert_eq!(stats.throttled, 1);
    assert_eq!(stats.not_found, 1);
    assert_eq!(stats.executing, 0);
    assert_eq!(stats.max_executing, 1);
    assert_eq!(
        stats.invocations_per_asset.into_iter().collect::<Vec<_>>(),
        [
            ("TR-001".to_owned(), 1),
            ("TR-002".to_owned(), 3),
            ("TR-003".to_owned(), 1)
        ]
    );
    assert_eq!(lambda.invocations_of("TR-002"), 3);
    assert_eq!(lambda.invocations_of("TR-999"), 0);
}

#[tokio::test]
async fn the_stats_route_answers_json() {
    let lambda = start_default().await;
    invoke(&lambda, &first_request()).await;
    let answer = Connection::open(lambda.local_addr())
        .await
        .send("GET", "/stats", b"")
        .await
        .expect("an answer");
    assert_eq!(answer.status, 200);
    let stats = answer.json();
    assert_eq!(stats["invocations"], 1);
    assert_eq!(stats["invocations_per_asset"]["TR-001"], 1);
    assert_eq!(stats["throttled"], 0);
    assert_eq!(stats["executing"], 0);
    assert_eq!(stats["max_executing"], 1);
}

#[tokio::test]
async fn a_payload_over_six_megabytes_is_refused() {
    let lambda = start_default().await;
    let body = vec![b' '; substation_lambda_testserver::MAX_PAYLOAD_BYTES + 1];
    let answer = invoke(&lambda, &body).await;
    assert_eq!(answer.status, 413);
    assert_eq!(
        answer.header("x-amzn-ErrorType"),
        Some("RequestTooLargeException")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_connections_execute_at_once() {
    const CONNECTIONS: usize = 1_000;
    let lambda = start(Config {
        latency: Duration::from_secs(2),
        ..Config::default()
    })
    .await;
    let addr = lambda.local_addr();
    let request = first_request();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                Connection::open(addr)
                    .await
                    .send("POST", INVOKE, &request)
                    .await
            })
        })
        .collect();
    for client in clients {
        let answer = client.await.expect("join").expect("an answer");
        assert_normal(&answer, "TR-001");
    }
    let stats = lambda.stats();
    assert_eq!(stats.invocations, CONNECTIONS);
    assert_eq!(stats.max_executing, CONNECTIONS);
    assert_eq!(stats.executing, 0);
}

#[tokio::test]
async fn shutdown_stops_accepting() {
    let lambda = start_default().await;
    let addr = lambda.local_addr();
    assert_normal(&invoke(&lambda, &first_request()).await, "TR-001");
    lambda.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn start_on_binds_the_given_address() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
    let addr = probe.local_addr().expect("probe address");
    drop(probe);
    let lambda = TestLambda::start_on(addr, Config::default())
        .await
        .expect("start_on");
    assert_eq!(lambda.local_addr(), addr);
    assert_eq!(lambda.endpoint(), format!("http://{addr}"));
    assert_normal(&invoke(&lambda, &first_request()).await, "TR-001");
}

/// The Python mode: the real handler file on worker processes. What a handler prints (at
/// import or while running) never passes for an answer, a raise is a function error, a
/// handler that hangs is timed out and its worker replaced, and answers stay with their
/// invocations throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_handler_answers_each_invocation_with_its_own_answer() {
    let dir = std::env::temp_dir().join(format!("substation-python-pool-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let handler = dir.join("handler.py");
    std::fs::write(
        &handler,
        "import os, time\n\
         print('loading the model')\n\
         os.write(1, b'noise from a C library\\n')\n\
         def lambda_handler(event, context):\n\
         \x20   print('handling', event.get('id'))\n\
         \x20   if event.get('id') == 'raise':\n\
         \x20       raise ValueError('no such transformer')\n\
         \x20   if event.get('id') == 'hang':\n\
         \x20       time.sleep(30)\n\
         \x20   return {'status': 200, 'id': event.get('id')}\n",
    )
    .expect("handler");
    let mut python = PythonHandler::new(&handler, 2);
    python.timeout = Duration::from_millis(1500);
    let lambda = start(Config {
        python: Some(python),
        ..Config::default()
    })
    .await;
    let body = |id: &str| serde_json::to_vec(&json!({ "id": id })).expect("json");

    let answers = futures_util::future::join_all(
        (0..6)
            .map(|i| {
                let lambda = &lambda;
                async move { (i, invoke(lambda, &body(&format!("T-{i}"))).await) }
            })
            .collect::<Vec<_>>(),
    )
    .await;
    for (i, answer) in answers {
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("x-amz-function-error"), None);
        let value: Value = serde_json::from_slice(&answer.body).expect("json");
        assert_eq!(
            value["id"],
            format!("T-{i}"),
            "each answer is its own invocation's"
        );
    }

    let raised = invoke(&lambda, &body("raise")).await;
    assert_eq!(raised.header("x-amz-function-error"), Some("Unhandled"));
    let error: Value = serde_json::from_slice(&raised.body).expect("json");
    assert_eq!(error["errorType"], "ValueError");
    assert_eq!(error["errorMessage"], "no such transformer");

    let hung = invoke(&lambda, &body("hang")).await;
    assert_eq!(hung.header("x-amz-function-error"), Some("Unhandled"));
    let error: Value = serde_json::from_slice(&hung.body).expect("json");
    assert_eq!(error["errorType"], "Sandbox.Timedout");
    // The pool goes on with a fresh worker.
    let after = invoke(&lambda, &body("after")).await;
    let value: Value = serde_json::from_slice(&after.body).expect("json");
    assert_eq!(value["id"], "after");
    let _ = std::fs::remove_dir_all(&dir);
}
