//! The sync client against a fault-injecting stand-in of the central service on 127.0.0.1:
//! errors, throttling, stalls and dropped connections are retried, every item is stored at the
//! service exactly once, the outbox ends empty; a bad token is not retried; two laptops see each
//! other's diagnoses.

use std::time::{Duration, Instant};
use substation_testkit::{laptop, scratch};

use substation_store::{BatchLimits, Store};
use substation_sync::{RetryPolicy, ServerConfig, SyncClient, SyncError, SyncOptions, SyncReport};
use substation_sync_testserver::{Fault, TestCentral, exactly_once};

const TOKEN_A: &str = "token-of-laptop-a";
const TOKEN_B: &str = "token-of-laptop-b";

fn client(url: &str, token: &str, timeout: Duration) -> SyncClient {
    SyncClient::new(ServerConfig {
        url: url.to_owned(),
        token: token.to_owned(),
        timeout,
    })
    .expect("client")
}

/// Small batches and quick retries.
fn options() -> SyncOptions {
    SyncOptions {
        limits: BatchLimits {
            max_items: 8,
            ..BatchLimits::default()
        },
        retry: RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        },
        ..SyncOptions::default()
    }
}

async fn sync(
    client: &SyncClient,
    store: &Store,
    options: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    client.sync(store, options, |_| {}).await
}

/// Every outbox row answered, every item stored once at the service.
fn assert_delivered_once(central: &TestCentral, store: &Store, items: usize) {
    let stats = central.stats();
    assert!(exactly_once(&stats), "an item was stored twice: {stats:?}");
    assert_eq!(stats.stored.len(), items, "items stored");
    let status = store
        .reader()
        .expect("reader")
        .sync_status()
        .expect("status");
    assert_eq!(
        (status.pending, status.open_batches, status.rejected_count),
        (0, 0, 0),
        "{status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_sync_delivers_everything_once_in_gzip_batches() {
    let dir = scratch("clean");
    let store = laptop(dir.path(), "A", 20);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    let client = client(&central.url(), TOKEN_A, Duration::from_secs(10));
    let mut seen = Vec::new();
    let report = client
        .sync(&store, &options(), |p| seen.push(p.clone()))
        .await
        .expect("sync");
    // 20 assets, 1 samples item, 20 diagnoses, in batches of at most 8.
    assert_eq!((report.sent, report.applied, report.rejected), (41, 41, 0));
    assert_eq!((report.batches, report.retries, report.pending), (6, 0, 0));
    assert_delivered_once(&central, &store, 41);
    let stats = central.stats();
    assert_eq!((stats.diagnoses, stats.samples, stats.assets), (20, 60, 20));
    assert_eq!(stats.gzip_bodies, stats.batch_requests);
    assert_eq!(seen.last().map(|p| p.pending), Some(0));
    assert!(seen.iter().any(|p| p.pending_at_start == 41));
    // Nothing left: a second sync sends nothing.
    let again = sync(&client, &store, &options()).await.expect("again");
    assert_eq!((again.sent, again.batches), (0, 0));
    let status = store.reader().expect("r").sync_status().expect("status");
    assert!(status.last_success_at.is_some() && status.last_error.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_5xx_are_retried_and_nothing_is_lost() {
    let dir = scratch("500");
    let store = laptop(dir.path(), "A", 10);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    central.script([Fault::Status(500), Fault::Status(503), Fault::Status(502)]);
    let client = client(&central.url(), TOKEN_A, Duration::from_secs(10));
    let report = sync(&client, &store, &options()).await.expect("sync");
    assert_eq!(report.retries, 3);
    assert_eq!(report.applied, 21);
    assert_delivered_once(&central, &store, 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_waits_as_long_as_retry_after_says() {
    let dir = scratch("429");
    let store = laptop(dir.path(), "A", 3);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    central.script([Fault::StatusRetryAfter(429, "1".into())]);
    let client = client(&central.url(), TOKEN_A, Duration::from_secs(10));
    let mut waits = Vec::new();
    let report = client
        .sync(&store, &options(), |p| waits.extend(p.waiting))
        .await
        .expect("sync");
    assert_eq!((report.retries, report.applied), (1, 7));
    assert_eq!(waits, [Duration::from_secs(1)]);
    let arrivals = central.stats().batch_arrivals;
    let waited = arrivals[1] - arrivals[0];
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(3),
        "waited {waited:?}"
    );
    assert_delivered_once(&central, &store, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_never_comes_times_out_and_the_retry_is_answered_once() {
    let dir = scratch("stall");
    let store = laptop(dir.path(), "A", 6);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    // The first attempt is held past the client's timeout, then handled; the second stores
    // the batch and never answers either; the third is answered from the stored answer.
    central.script([Fault::Stall(Duration::from_secs(2)), Fault::StoreThenStall]);
    let client = client(&central.url(), TOKEN_A, Duration::from_millis(700));
    let started = Instant::now();
    let report = sync(&client, &store, &options()).await.expect("sync");
    assert_eq!(report.retries, 2);
    assert!(started.elapsed() >= Duration::from_millis(1_400));
    assert_eq!(report.applied + report.duplicate, 13);
    let stats = central.stats();
    assert!(
        stats.replays >= 1,
        "the third attempt was a replay: {stats:?}"
    );
    assert_delivered_once(&central, &store, 13);
    // The held first attempt finishes later as one more replay, storing nothing.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_delivered_once(&central, &store, 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_are_retried_before_and_after_the_service_stored_the_batch() {
    let dir = scratch("drop");
    let store = laptop(dir.path(), "A", 12);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    central.script([
        Fault::DropBeforeStore,
        Fault::DropAfterStore,
        Fault::DropAfterStore,
    ]);
    let client = client(&central.url(), TOKEN_A, Duration::from_secs(10));
    let report = sync(&client, &store, &options()).await.expect("sync");
    assert_eq!(report.retries, 3);
    // The items of the batch whose answer was lost come back `applied` in the replay.
    assert_eq!(report.applied, 25);
    assert_eq!(central.stats().replays, 2);
    assert_delivered_once(&central, &store, 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_gives_up_leaves_its_batch_for_the_next_one() {
    let dir = scratch("give-up");
    let store = laptop(dir.path(), "A", 4);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    central.script(std::iter::repeat_n(Fault::DropAfterStore, 6));
    let client = client(&central.url(), TOKEN_A, Duration::from_secs(10));
    let error = sync(&client, &store, &options())
        .await
        .expect_err("gives up");
    assert!(
        matches!(error, SyncError::GaveUp { attempts: 6, .. }),
        "{error}"
    );
    assert_eq!(error.code(), "server_unreachable");
    let status = store.reader().expect("r").sync_status().expect("status");
    // The batch that failed, and the next one, built while it was in flight.
    assert_eq!((status.open_batches, status.pending), (2, 9));
    assert!(status.last_error.is_some());
    // Days later: the same batch, answered from what the service stored the first time.
    let report = sync(&client, &store, &options()).await.expect("sync");
    assert_eq!(report.applied, 9);
    assert_delivered_once(&central, &store, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_not_retried() {
    let dir = scratch("401");
    let store = laptop(dir.path(), "A", 2);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    let client = client(&central.url(), "not-a-token", Duration::from_secs(10));
    let error = sync(&client, &store, &options()).await.expect_err("401");
    assert_eq!(error.code(), "unauthorized");
    assert!(error.to_string().contains("refused the token"), "{error}");
    assert!(!error.to_string().contains("substation"), "{error}");
    assert!(error.needs_the_user());
    assert_eq!(central.stats().unauthorized, 1);
    let status = store.reader().expect("r").sync_status().expect("status");
    assert_eq!(
        (status.open_batches, status.pending),
        (1, 5),
        "kept for later"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_items_are_marked_with_their_reason_and_a_too_large_batch_is_split() {
    let dir = scratch("refused");
    let store = laptop(dir.path(), "A", 10);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    central.reject_asset("A-0003");
    central.script([Fault::Status(413)]);
    let client = client(&central.url(), TOKEN_A, Duration::from_secs(10));
    let report = sync(&client, &store, &options()).await.expect("sync");
    // A-0003's nameplate and diagnosis are refused, and the samples item that includes it.
    assert_eq!(report.rejected, 3);
    assert_eq!(report.applied, 18);
    let status = store.reader().expect("r").sync_status().expect("status");
    assert_eq!((status.pending, status.rejected_count), (0, 3));
    assert!(
        status.rejected.iter().all(|r| r
            .reason
            .starts_with("invalid_item: this transformer is refused")),
        "{:?}",
        status.rejected
    );
    assert!(exactly_once(&central.stats()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_sync_at_once_and_each_pulls_the_others_diagnoses() {
    let dir = scratch("two");
    let a = laptop(dir.path(), "A", 30);
    let b = laptop(dir.path(), "B", 25);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a"), (TOKEN_B, "laptop-b")])
        .await
        .expect("server");
    let client_a = client(&central.url(), TOKEN_A, Duration::from_secs(10));
    let client_b = client(&central.url(), TOKEN_B, Duration::from_secs(10));
    let options = options();
    let (ra, rb) = tokio::join!(sync(&client_a, &a, &options), sync(&client_b, &b, &options));
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!((ra.applied, rb.applied), (61, 51));
    // Each pulls what the other uploaded (whatever of it had arrived during its own sync,
    // and the rest now).
    let (ra2, rb2) = tokio::join!(sync(&client_a, &a, &options), sync(&client_b, &b, &options));
    let (ra2, rb2) = (ra2.expect("a"), rb2.expect("b"));
    assert_eq!(ra.pulled + ra2.pulled, 51);
    assert_eq!(rb.pulled + rb2.pulled, 61);
    assert!(exactly_once(&central.stats()));

    let reader = b.reader().expect("reader");
    let history = reader.diagnoses("A-0007").expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].origin.as_deref(), Some("laptop-a"));
    let full = reader
        .diagnosis(history[0].id)
        .expect("load")
        .expect("diagnosis");
    assert_eq!(full.asset_id, "A-0007");
    assert_eq!(reader.samples("A-0007").expect("samples").len(), 3);
    let runs = reader.runs().expect("runs");
    assert!(runs.iter().any(|r| r.origin.as_deref() == Some("laptop-a")
        && r.state == "finished"
        && r.succeeded == 30));
    // Pulled work is not uploaded again.
    assert_eq!(reader.outbox_pending().expect("pending"), 0);
    let before = central.stats().stored.len();
    sync(&client_b, &b, &options).await.expect("b again");
    assert_eq!(central.stats().stored.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_sync_stops_and_keeps_its_batch() {
    let dir = scratch("cancel");
    let store = laptop(dir.path(), "A", 3);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a")])
        .await
        .expect("server");
    central.script([Fault::StoreThenStall]);
    let client = client(&central.url(), TOKEN_A, Duration::from_secs(30));
    let options = options();
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let error = sync(&client, &store, &options)
        .await
        .expect_err("cancelled");
    assert_eq!(error.code(), "cancelled");
    assert!(started.elapsed() < Duration::from_secs(5));
    let status = store.reader().expect("r").sync_status().expect("status");
    assert_eq!(status.open_batches, 1);
    let report = sync(
        &client,
        &store,
        &SyncOptions {
            cancel: Default::default(),
            ..options
        },
    )
    .await
    .expect("resumed");
    assert_eq!(report.applied, 7);
    assert_delivered_once(&central, &store, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_the_service_does_not_know_starts_the_feed_over() {
    let dir = scratch("cursor");
    let a = laptop(dir.path(), "A", 3);
    let b = laptop(dir.path(), "B", 2);
    let central = TestCentral::start(&[(TOKEN_A, "laptop-a"), (TOKEN_B, "laptop-b")])
        .await
        .expect("server");
    let options = options();
    sync(
        &client(&central.url(), TOKEN_A, Duration::from_secs(10)),
        &a,
        &options,
    )
    .await
    .expect("a");
    // B's cursor comes from a service whose database was since restored.
    b.apply_changes(substation_sync_protocol::ChangesPage {
        changes: Vec::new(),
        next_cursor: "c9-from-another-life".into(),
        more: false,
    })
    .expect("cursor");
    let report = sync(
        &client(&central.url(), TOKEN_B, Duration::from_secs(10)),
        &b,
        &options,
    )
    .await
    .expect("b");
    assert_eq!(report.pulled, 7, "A's transformers, samples and diagnoses");
    let status = b.reader().expect("r").sync_status().expect("status");
    assert_eq!(status.cursor.as_deref(), Some("c1-12"));
}
