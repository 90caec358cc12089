//! The sync client against the reference central service (`crates/central`) on its own
//! PostgreSQL database (`SUBSTATION_TEST_PG`, which `scripts/pg start` prints): two laptops
//! syncing at once see each other's diagnoses, and a batch whose answer was lost is answered
//! from what the service stored the first time; behind misbehaving proxies (a proxy's own HTML
//! 400 page, one that strips `Idempotency-Key`, one that decompresses bodies but leaves
//! `Content-Encoding: gzip`) nothing is marked rejected and, once the proxy behaves, every item
//! arrives exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use substation_testkit::laptop;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use substation_sync::SyncError;

use substation_central::RunningServer;
use substation_central::testing::TestDatabase;
use substation_store::BatchLimits;
use substation_sync::{RetryPolicy, ServerConfig, SyncClient, SyncOptions};

struct Central {
    db: TestDatabase,
    server: RunningServer,
}

impl Central {
    async fn start() -> Central {
        let db = TestDatabase::create().await;
        let server = substation_central::testing::serve(&db, |_| {}).await;
        Central { db, server }
    }

    async fn token(&self, device: &str) -> String {
        substation_central::issue_token(self.db.url(), device)
            .await
            .expect("token")
            .token
    }

    async fn count(&self, table: &str) -> i64 {
        let (client, connection) = tokio_postgres::connect(self.db.url(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        let driver = tokio::spawn(connection);
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .expect("count")
            .get(0);
        drop(client);
        let _ = driver.await;
        n
    }
}

fn options() -> SyncOptions {
    SyncOptions {
        limits: BatchLimits {
            max_items: 16,
            ..BatchLimits::default()
        },
        retry: RetryPolicy {
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..RetryPolicy::default()
        },
        ..SyncOptions::default()
    }
}

fn client(url: String, token: String) -> SyncClient {
    SyncClient::new(ServerConfig::new(url, token)).expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_sync_at_once_and_each_reviews_the_others_diagnoses() {
    let central = Central::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let a = laptop(dir.path(), "A", 40);
    let b = laptop(dir.path(), "B", 30);
    let client_a = client(central.server.url(), central.token("laptop-a").await);
    let client_b = client(central.server.url(), central.token("laptop-b").await);
    let options = options();
    let (ra, rb) = tokio::join!(
        client_a.sync(&a, &options, |_| {}),
        client_b.sync(&b, &options, |_| {})
    );
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!((ra.applied, ra.rejected, ra.pending), (81, 0, 0));
    assert_eq!((rb.applied, rb.rejected, rb.pending), (61, 0, 0));
    assert_eq!(central.count("diagnosis").await, 70);
    // Whatever the other had not uploaded yet during the first round comes now.
    let (ra2, rb2) = tokio::join!(
        client_a.sync(&a, &options, |_| {}),
        client_b.sync(&b, &options, |_| {})
    );
    let (ra2, rb2) = (ra2.expect("a"), rb2.expect("b"));
    assert_eq!((ra2.sent, rb2.sent), (0, 0), "nothing uploaded twice");
    assert_eq!(ra.pulled + ra2.pulled, 61);
    assert_eq!(rb.pulled + rb2.pulled, 81);

    // Laptop B reviews laptop A's diagnoses offline, through its reader.
    let reader = b.reader().expect("reader");
    let history = reader.diagnoses("A-0017").expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].origin.as_deref(), Some("laptop-a"));
    let full = reader
        .diagnosis(history[0].id)
        .expect("load")
        .expect("diagnosis");
    assert_eq!(full.asset_id, "A-0017");
    let asset = reader.asset("A-0017").expect("asset").expect("present");
    assert_eq!(asset.asset.substation.as_deref(), Some("A S/S"));
    assert_eq!(asset.samples, 3);
    let fleet = reader
        .fleet(&substation_store::FleetQuery::default())
        .expect("fleet");
    assert_eq!(fleet.len(), 70, "both laptops' transformers, diagnosed");
    assert!(
        reader
            .runs()
            .expect("runs")
            .iter()
            .any(|r| r.origin.as_deref() == Some("laptop-a")
                && r.state == "finished"
                && r.succeeded == 40)
    );
    assert_eq!(reader.outbox_pending().expect("pending"), 0);
    drop(reader);
    central.server.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logbook_entries_reach_the_other_laptop_and_restart_its_history_there() {
    use chrono::NaiveDate;
    use substation_dga::{Gas, GasReadings, LogEntry, LogEvent, OilTreatment, SampleSource};
    let central = Central::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let a = laptop(dir.path(), "A", 4);
    let b = laptop(dir.path(), "B", 2);
    let client_a = client(central.server.url(), central.token("laptop-a").await);
    let client_b = client(central.server.url(), central.token("laptop-b").await);
    let options = options();
    client_a.sync(&a, &options, |_| {}).await.expect("a");
    client_b.sync(&b, &options, |_| {}).await.expect("b");

    // On laptop A: the oil of A-0001 degassed in March, a lab sample typed in for June.
    let day = |m, d| NaiveDate::from_ymd_opt(2000, m, d).expect("date");
    let entry = |on, event, text: &str| LogEntry {
        asset_id: "A-0001".into(),
        occurred_on: on,
        author: "J. Kim".into(),
        text: text.into(),
        event,
    };
    let degassed = a
        .add_log_entry(entry(
            day(3, 1),
            LogEvent::OilProcessed {
                treatment: OilTreatment::Degassed,
            },
            "Vacuum degassing, 8 h",
        ))
        .expect("degassed");
    let gases = GasReadings::default()
        .with(Gas::H2, 4.0)
        .with(Gas::CH4, 1.0)
        .with(Gas::CO, 90.0);
    let typed = a
        .add_log_entry(entry(
            day(6, 1),
            LogEvent::Sample {
                source: SampleSource::Lab,
                gases,
            },
            "",
        ))
        .expect("typed");
    let sent = client_a.sync(&a, &options, |_| {}).await.expect("a again");
    assert_eq!((sent.applied, sent.rejected, sent.pending), (3, 0, 0));
    assert_eq!(central.count("log_entry").await, 2);
    assert_eq!(
        central
            .count("sample WHERE asset_id = 'A-0001' AND source_file = 'logbook'")
            .await,
        1
    );

    let pulled = client_b.sync(&b, &options, |_| {}).await.expect("b again");
    assert_eq!(pulled.pulled, 3);
    let reader = b.reader().expect("reader");
    let log = reader.log_entries("A-0001").expect("log");
    assert_eq!(
        log.iter().map(|r| r.uuid.as_str()).collect::<Vec<_>>(),
        [typed.uuid.as_str(), degassed.uuid.as_str()]
    );
    assert!(log.iter().all(|r| r.origin.as_deref() == Some("laptop-a")));
    assert_eq!(log[1].entry, degassed.entry);
    let request = reader.request("A-0001").expect("request").expect("cached");
    assert_eq!(
        request.samples.iter().map(|s| s.date).collect::<Vec<_>>(),
        [day(6, 1)],
        "laptop B's next diagnosis of A-0001 starts after the degassing too"
    );
    assert_eq!(request.samples[0].gases, gases);
    assert_eq!(reader.samples("A-0001").expect("samples").len(), 4);
    assert_eq!(reader.outbox_pending().expect("pending"), 0);
    drop(reader);
    // Nothing echoes back to A.
    let again = client_a.sync(&a, &options, |_| {}).await.expect("a third");
    assert_eq!((again.sent, again.pulled), (0, 0));
    central.server.stop().await.expect("stop");
}

/// Sends a batch as the store built it (gzip body, its id as the key), as the client would,
/// but outside the client: the test then "loses" the answer.
async fn send_as_built(
    central: &Central,
    token: &str,
    batch: &substation_store::OutgoingBatch,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!(
            "{}{}",
            central.server.url(),
            substation_sync_protocol::BATCHES_PATH
        ))
        .bearer_auth(token)
        .header(substation_sync_protocol::VERSION_HEADER, "1")
        .header(
            substation_sync_protocol::IDEMPOTENCY_HEADER,
            batch.id.to_string(),
        )
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(batch.body.clone())
        .send()
        .await
        .expect("first attempt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_answer_was_lost_is_answered_from_what_the_service_stored() {
    let central = Central::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let store = laptop(dir.path(), "R", 12);
    let token = central.token("laptop-r").await;
    // The first attempt reaches the service, which stores it; its answer is lost (the laptop
    // died, say): the batch stays open in the store.
    let batch = store
        .next_sync_batch(options().limits)
        .expect("build")
        .expect("batch");
    let first = send_as_built(&central, &token, &batch).await;
    assert!(first.status().is_success(), "{}", first.status());
    let first: substation_sync_protocol::BatchAnswer =
        serde_json::from_slice(&first.bytes().await.expect("body")).expect("answer");
    let stored_once = central.count("diagnosis").await;

    // The next sync resends the very same bytes first; the service replays its answer.
    let report = client(central.server.url(), token)
        .sync(&store, &options(), |_| {})
        .await
        .expect("sync");
    assert_eq!(report.pending, 0);
    assert_eq!(report.sent, 25, "12 assets, 1 samples item, 12 diagnoses");
    assert_eq!(report.duplicate, 0, "the replayed answer says applied");
    assert_eq!(central.count("diagnosis").await, 12);
    assert!(stored_once <= 12);
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!((status.acked, status.open_batches), (25, 0));
    assert_eq!(first.results.len() as u64, batch.items);
    central.server.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_again_under_another_name_resends_under_a_new_key_and_rejects_nothing() {
    let central = Central::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let store = laptop(dir.path(), "K", 12);
    let old_token = central.token("laptop-k").await;
    // A batch reaches the service under the old device name; its answer is lost.
    let batch = store
        .next_sync_batch(options().limits)
        .expect("build")
        .expect("batch");
    let first = send_as_built(&central, &old_token, &batch).await;
    assert!(first.status().is_success(), "{}", first.status());
    let stored = central.count("diagnosis").await;

    // The laptop gets a token issued under another name: the service refuses the open batch's
    // key (it belongs to the other device) with 422; the rows travel again under a new key and
    // what the service already holds comes back as duplicates. Nothing is rejected.
    let new_token = central.token("laptop-k-renamed").await;
    let report = client(central.server.url(), new_token)
        .sync(&store, &options(), |_| {})
        .await
        .expect("sync");
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(report.pending, 0);
    assert!(report.duplicate > 0, "{report:?}");
    assert_eq!(central.count("diagnosis").await, 12);
    assert!(stored <= 12);
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!((status.rejected_count, status.open_batches), (0, 0));
    central.server.stop().await.expect("stop");
}

// A proxy stand-in between the laptop and the service, switchable between behaviours.

#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(u8)]
enum Mode {
    Pass = 0,
    Html400 = 1,
    StripKey = 2,
    Decompress = 3,
    /// Answers a batch with one item's id given twice (and another's missing).
    DuplicateIds = 4,
    /// Changes one pulled diagnosis's severity, so that it no longer matches its response.
    TamperPull = 5,
    /// Answers a pull with more bytes than any page of the protocol.
    Oversize = 6,
}

struct Proxy {
    url: String,
    mode: Arc<AtomicU8>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let mode = Arc::new(AtomicU8::new(Mode::Pass as u8));
        let http = reqwest::Client::new();
        let state = (upstream, mode.clone(), http);
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (upstream, mode, http) = state.clone();
                async move {
                    relay(
                        &upstream,
                        mode.load(Ordering::SeqCst),
                        &http,
                        method,
                        uri,
                        headers,
                        body,
                    )
                    .await
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Proxy { url, mode }
    }

    fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

async fn relay(
    upstream: &str,
    mode: u8,
    http: &reqwest::Client,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let posting = method == Method::POST;
    if posting && mode == Mode::Html400 as u8 {
        return (
            StatusCode::BAD_REQUEST,
            [("content-type", "text/html")],
            "<html><body><h1>400 Bad Request</h1><p>Request blocked by policy.</p></body></html>",
        )
            .into_response();
    }
    let mut body = body.to_vec();
    if posting && mode == Mode::Decompress as u8 && headers.contains_key("content-encoding") {
        use std::io::Read;
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(body.as_slice())
            .read_to_end(&mut plain)
            .expect("gzip from the client");
        body = plain;
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = http.request(method.clone(), format!("{upstream}{path}"));
    for (name, value) in &headers {
        let strip = name == "host"
            || name == "content-length"
            || (posting && mode == Mode::StripKey as u8 && name == "idempotency-key");
        if !strip {
            request = request.header(name, value);
        }
    }
    if !posting && mode == Mode::Oversize as u8 {
        let huge = vec![b' '; substation_sync_protocol::MAX_PAGE_BYTES + 5 * 1024 * 1024];
        return (StatusCode::OK, [("content-type", "application/json")], huge).into_response();
    }
    let answer = request.body(body).send().await.expect("upstream");
    let status = answer.status();
    let rewrite = status == StatusCode::OK
        && ((posting && mode == Mode::DuplicateIds as u8)
            || (!posting && mode == Mode::TamperPull as u8));
    let gzipped = answer.headers().contains_key("content-encoding");
    let mut response = Response::builder().status(status.as_u16());
    for (name, value) in answer.headers() {
        let drop = name == "content-length"
            || name == "transfer-encoding"
            || (rewrite && name == "content-encoding");
        if !drop {
            response = response.header(name, value);
        }
    }
    let mut bytes = answer.bytes().await.expect("upstream body").to_vec();
    if rewrite {
        if gzipped {
            use std::io::Read;
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(bytes.as_slice())
                .read_to_end(&mut plain)
                .expect("gzip from the service");
            bytes = plain;
        }
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        if posting {
            let first = json["results"][0]["id"].clone();
            json["results"][1]["id"] = first;
        } else if let Some(change) = json["changes"]
            .as_array_mut()
            .expect("changes")
            .iter_mut()
            .find(|c| c["item"]["change"]["diagnosis"].is_object())
        {
            let severity = &mut change["item"]["change"]["diagnosis"]["severity"];
            *severity = serde_json::json!(if severity == "normal" {
                "critical"
            } else {
                "normal"
            });
        }
        bytes = serde_json::to_vec(&json).expect("json");
    }
    response.body(Body::from(bytes)).expect("response")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_proxy_rejects_nothing_and_every_item_arrives_once_it_behaves() {
    let central = Central::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let laptop = laptop(dir.path(), "P", 20);
    let waiting = laptop
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status")
        .pending;
    let proxy = Proxy::start(central.server.url()).await;
    let client = client(proxy.url.clone(), central.token("laptop-p").await);
    let mut options = options();
    options.limits.gzip_level = Some(6);

    for (mode, expected) in [
        (Mode::Html400, "400"),
        (Mode::StripKey, "400"),
        (Mode::Decompress, "400"),
    ] {
        proxy.set(mode);
        let error = client
            .sync(&laptop, &options, |_| {})
            .await
            .expect_err("refused");
        let SyncError::Refused { status, .. } = &error else {
            panic!("{mode:?}: {error:?}");
        };
        assert_eq!(status.to_string(), expected, "{mode:?}: {error}");
        assert_eq!(error.code(), "request_refused");
        assert!(error.to_string().contains("stays queued"), "{error}");
        let status = laptop
            .reader()
            .expect("reader")
            .sync_status()
            .expect("status");
        assert_eq!(status.rejected_count, 0, "{mode:?}: nothing rejected");
        assert_eq!(status.pending, waiting, "{mode:?}: every item still queued");
    }
    assert_eq!(central.count("diagnosis").await, 0, "nothing got through");

    proxy.set(Mode::Pass);
    let report = client
        .sync(&laptop, &options, |_| {})
        .await
        .expect("sync through a behaving proxy");
    assert_eq!(report.rejected, 0);
    assert_eq!(report.pending, 0);
    let status = laptop
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!((status.acked, status.rejected_count), (waiting, 0));
    assert_eq!(central.count("diagnosis").await, 20, "each diagnosis once");
    central.server.stop().await.expect("stop");
}

/// The laptop checks what comes back: an answer that names an item twice (and leaves another
/// out) is not believed, and the batch is sent again later, the same, and answered from what
/// the service stored; a pulled diagnosis whose keys disagree with its response is left out
/// and counted; an answer larger than any page of the protocol is not read to its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_laptop_checks_every_answer_and_pulled_change() {
    let central = Central::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let a = laptop(dir.path(), "A", 6);
    let b = laptop(dir.path(), "B", 1);
    let proxy = Proxy::start(central.server.url()).await;
    let client_a = client(proxy.url.clone(), central.token("laptop-a").await);
    let client_b = client(proxy.url.clone(), central.token("laptop-b").await);
    let options = options();
    let waiting = a
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status")
        .pending;

    proxy.set(Mode::DuplicateIds);
    let error = client_a
        .sync(&a, &options, |_| {})
        .await
        .expect_err("a bad answer");
    assert_eq!(error.code(), "bad_answer", "{error}");
    assert!(error.to_string().contains("twice"), "{error}");
    let status = a.reader().expect("reader").sync_status().expect("status");
    assert_eq!((status.acked, status.rejected_count), (0, 0));
    proxy.set(Mode::Pass);
    let report = client_a.sync(&a, &options, |_| {}).await.expect("sync");
    assert_eq!(report.pending, 0);
    let status = a.reader().expect("reader").sync_status().expect("status");
    assert_eq!((status.acked, status.rejected_count), (waiting, 0));
    assert_eq!(central.count("diagnosis").await, 6, "each diagnosis once");

    proxy.set(Mode::Oversize);
    let error = client_b
        .sync(&b, &options, |_| {})
        .await
        .expect_err("too large");
    assert_eq!(error.code(), "bad_answer", "{error}");
    assert!(error.to_string().contains("larger than"), "{error}");

    proxy.set(Mode::TamperPull);
    let report = client_b.sync(&b, &options, |_| {}).await.expect("sync");
    assert_eq!(report.skipped, 1, "{report:?}");
    let reader = b.reader().expect("reader");
    let from_a: usize = reader
        .assets()
        .expect("assets")
        .iter()
        .filter(|asset| asset.id.starts_with("A-"))
        .map(|asset| reader.diagnoses(&asset.id).expect("diagnoses").len())
        .sum();
    assert_eq!(from_a, 5, "the tampered diagnosis is left out");
    central.server.stop().await.expect("stop");
}

/// A laptop whose quota on the service is used up is told so; nothing is marked rejected and
/// every item stays queued for when the quota is raised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_up_quota_stops_the_sync_and_rejects_nothing() {
    let db = TestDatabase::create().await;
    let server = substation_central::testing::serve(&db, |config| {
        config.device_quota_bytes = 1024;
    })
    .await;
    let token = substation_central::issue_token(db.url(), "laptop-q")
        .await
        .expect("token")
        .token;
    let dir = tempfile::tempdir().expect("dir");
    let laptop = laptop(dir.path(), "Q", 4);
    let waiting = laptop
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status")
        .pending;
    let error = client(server.url(), token.clone())
        .sync(&laptop, &options(), |_| {})
        .await
        .expect_err("over quota");
    let SyncError::Refused { status, code, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!((*status, code.as_str()), (507, "quota_exceeded"), "{error}");
    let status = laptop
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!((status.pending, status.rejected_count), (waiting, 0));
    // It still received: the feed was pulled before the refusal was told.
    assert!(status.cursor.is_some(), "the feed was pulled");
    server.stop().await.expect("stop");

    // The administrator raises the quota: the same laptop syncs everything.
    let server = substation_central::testing::serve(&db, |_| {}).await;
    let report = client(server.url(), token)
        .sync(&laptop, &options(), |_| {})
        .await
        .expect("sync");
    assert_eq!((report.pending, report.rejected), (0, 0));
    server.stop().await.expect("stop");
}
