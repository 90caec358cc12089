//! Sync as the app does it: settings, the token, Sync now with its events, where sync stands,
//! and the background loop. Against the reference central service on its own PostgreSQL
//! database (`SUBSTATION_TEST_PG`), and against the fault-scripting stand-in where a fault must
//! happen on cue.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use substation_app::{
    App, EngineChoice, FleetFilter, RunRequest, Settings, SyncEvent, SyncStatusView, TokenStore,
};
use substation_sync::SyncError;
use substation_sync_testserver::{Fault, TestCentral, exactly_once};

/// Tokens in memory: the build machines have no OS credential store running.
#[derive(Default)]
struct MemoryTokens(Mutex<HashMap<String, String>>);

impl TokenStore for MemoryTokens {
    fn load(&self, server: &str) -> Result<Option<String>, SyncError> {
        Ok(self.0.lock().expect("lock").get(server).cloned())
    }
    fn store(&self, server: &str, token: &str) -> Result<(), SyncError> {
        if token.trim().is_empty() {
            return Err(SyncError::Usage("the token is empty".into()));
        }
        self.0
            .lock()
            .expect("lock")
            .insert(server.to_owned(), token.trim().to_owned());
        Ok(())
    }
    fn forget(&self, server: &str) -> Result<bool, SyncError> {
        Ok(self.0.lock().expect("lock").remove(server).is_some())
    }
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples")
        .join(name)
}

/// A laptop: the app on its own data folder, with the sample fleet imported and diagnosed.
struct Laptop {
    _dir: tempfile::TempDir,
    app: Arc<App>,
    tokens: Arc<MemoryTokens>,
}

impl Laptop {
    fn new() -> Laptop {
        let dir = tempfile::tempdir().expect("dir");
        let tokens = Arc::new(MemoryTokens::default());
        let app = Arc::new(App::with_token_store(
            dir.path().to_owned(),
            None,
            tokens.clone(),
        ));
        Laptop {
            _dir: dir,
            app,
            tokens,
        }
    }

    fn import_sample_fleet(&self) {
        self.app
            .open_workbook(
                &sample("fleet-two-sheets.xlsx"),
                &[],
                &|_| {},
                &AtomicBool::new(false),
            )
            .expect("open the sample fleet");
    }

    /// Imports the sample fleet and diagnoses it on the embedded engine.
    async fn with_diagnosed_fleet() -> Laptop {
        let laptop = Laptop::new();
        laptop.import_sample_fleet();
        let summary = laptop
            .app
            .diagnose(&whole_cache_embedded(), |_| {})
            .await
            .expect("diagnose");
        assert!(summary.diagnosed > 0);
        laptop
    }

    fn connect(&self, server: &str, token: &str, automatic: bool) {
        self.app
            .save_settings(Settings {
                sync_server: Some(server.to_owned()),
                sync_automatically: automatic,
                ..Settings::default()
            })
            .expect("settings");
        self.app.set_sync_token(token).expect("token");
    }

    async fn sync(
        &self,
    ) -> (
        substation_app::Result<substation_app::SyncSummary>,
        Vec<SyncEvent>,
    ) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        let result = self
            .app
            .sync_now(move |e| sink.lock().expect("lock").push(e))
            .await;
        let events = std::mem::take(&mut *events.lock().expect("lock"));
        (result, events)
    }

    fn status(&self) -> SyncStatusView {
        self.app.sync_status().expect("status")
    }

    fn diagnosed(&self) -> usize {
        self.app
            .fleet(&FleetFilter {
                limit: 1_000,
                ..FleetFilter::default()
            })
            .expect("fleet")
            .rows
            .iter()
            .filter(|r| r.ieee_status.is_some())
            .count()
    }
}

/// Diagnose the whole cache on the embedded engine.
fn whole_cache_embedded() -> RunRequest {
    RunRequest {
        batch_id: None,
        resume_run: None,
        engine: Some(EngineChoice::Embedded),
        asset_id: None,
        concurrency: None,
        reuse: false,
    }
}

fn code(result: substation_app::Result<impl std::fmt::Debug>) -> String {
    substation_app::ErrorView::from(result.expect_err("an error"))
        .code
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_server_sync_says_what_to_set_up() {
    let laptop = Laptop::new();
    let status = laptop.status();
    assert_eq!(status.server, None);
    assert!(!status.has_token);
    assert_eq!(status.pending, 0);
    assert_eq!(code(laptop.sync().await.0), "no_sync_server");
    assert_eq!(code(laptop.app.set_sync_token("t")), "no_sync_server");

    // Plain http only to this computer; the token must not travel in clear.
    let refused = laptop.app.save_settings(Settings {
        sync_server: Some("http://sync.example.com".into()),
        ..Settings::default()
    });
    assert_eq!(code(refused), "invalid_settings");
    let saved = laptop
        .app
        .save_settings(Settings {
            sync_server: Some(" https://sync.example.com/ ".into()),
            ..Settings::default()
        })
        .expect("https is fine");
    assert_eq!(
        saved.sync_server.as_deref(),
        Some("https://sync.example.com")
    );
    // A server but no token yet.
    assert_eq!(code(laptop.sync().await.0), "no_sync_token");
    let status = laptop.app.set_sync_token("s3cret").expect("stored");
    assert!(status.has_token);
    // The token is in the credential store, never in the settings file.
    let file = std::fs::read_to_string(laptop._dir.path().join("settings.json")).expect("file");
    assert!(!file.contains("s3cret"), "{file}");
    assert_eq!(
        laptop
            .tokens
            .load("https://sync.example.com")
            .expect("load"),
        Some("s3cret".to_owned())
    );
    assert!(!laptop.app.forget_sync_token().expect("forget").has_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_delivers_to_the_central_service_and_another_laptop_pulls_it() {
    let db = substation_central::testing::TestDatabase::create().await;
    let server = substation_central::testing::serve(&db, |_| {}).await;
    let url = server.url();
    let token = |device: &'static str| {
        let db_url = db.url().to_owned();
        async move {
            substation_central::issue_token(&db_url, device)
                .await
                .expect("token")
                .token
        }
    };

    let field = Laptop::with_diagnosed_fleet().await;
    let waiting = field.status().pending;
    assert!(waiting > 0, "the run's results wait in the outbox");
    field.connect(&url, &token("field").await, false);
    let (result, events) = field.sync().await;
    let summary = result.expect("sync");
    assert_eq!(summary.pending, 0);
    assert!(
        summary.sent > 0 && summary.applied == summary.sent,
        "{summary:?}"
    );
    assert_eq!(summary.rejected, 0);
    assert!(
        matches!(events.last(), Some(SyncEvent::Finished { summary: s }) if s.sent == summary.sent),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SyncEvent::Progress { phase, .. } if phase == "push"))
    );
    let status = field.status();
    assert_eq!(status.pending, 0);
    assert_eq!(status.delivered, waiting);
    assert!(status.last_success_at.is_some());
    assert_eq!(status.last_error, None);
    assert!(!status.running);

    // Nothing new: a second sync sends nothing and stores nothing twice.
    let again = field.sync().await.0.expect("sync again");
    assert_eq!(again.sent, 0);

    // The office laptop, with an empty cache, pulls the field laptop's work.
    let office = Laptop::new();
    office.connect(&url, &token("office").await, false);
    let pulled = office.sync().await.0.expect("pull");
    assert!(pulled.pulled > 0);
    assert_eq!(office.diagnosed(), field.diagnosed());
    assert_eq!(
        office.status().pending,
        0,
        "pulled changes are not echoed back"
    );

    // A revoked token: refused with a code the UI translates, and the status says why.
    substation_central::revoke_tokens(
        db.url(),
        &substation_central::RevokeBy::Device("office".into()),
    )
    .await
    .expect("revoke");
    assert_eq!(code(office.sync().await.0), "sync.unauthorized");
    assert!(
        office
            .status()
            .last_error
            .is_some_and(|e| e.contains("401"))
    );
    server.stop().await.expect("stop the central service");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_rejections_listed_and_a_cancelled_sync_resumes_exactly_once() {
    let central = Arc::new(
        TestCentral::start(&[("t0ken", "field")])
            .await
            .expect("stand-in"),
    );
    let field = Laptop::with_diagnosed_fleet().await;
    field.connect(&central.url(), "t0ken", false);
    let waiting = field.status().pending;

    // One transformer's items are refused with a reason (from the first upload on, so that the
    // replayed answer says so too).
    central.reject_asset("TR-0001");
    // An upload the service stores but never answers, cancelled once it has arrived, as the
    // UI's Cancel button does.
    central.script([Fault::StoreThenStall]);
    let (app, server) = (field.app.clone(), central.clone());
    let canceller = tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(20);
        while server.stats().batch_requests == 0 {
            assert!(Instant::now() < deadline, "the upload never arrived");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(app.cancel_sync(), "a sync is going");
    });
    let (cancelled, _) = field.sync().await;
    canceller.await.expect("canceller");
    assert_eq!(code(cancelled), "sync.cancelled");
    assert!(!field.status().running);
    assert!(field.status().pending > 0, "nothing was acknowledged");

    // 503 twice, then answered (the stored batch is replayed).
    central.script([Fault::Status(503), Fault::Status(503)]);
    let (result, events) = field.sync().await;
    let summary = result.expect("sync after faults");
    assert!(summary.retries >= 2, "{summary:?}");
    assert!(summary.rejected > 0);
    assert!(
        events.iter().any(|e| matches!(
            e,
            SyncEvent::Progress { retry_reason: Some(reason), waiting_seconds: Some(_), .. }
                if reason.contains("503")
        )),
        "every retry is told: {events:?}"
    );
    let status = field.status();
    assert_eq!(status.pending, 0);
    assert!(status.rejected_count > 0);
    assert_eq!(status.delivered + status.rejected_count, waiting);
    assert!(
        status.rejected.iter().any(|r| r.key.contains("TR-0001")),
        "{:?}",
        status.rejected
    );
    assert!(status.rejected.iter().all(|r| !r.reason.is_empty()));
    // The cancelled batch was stored on its first attempt and replayed, not stored twice.
    let stats = central.stats();
    assert!(exactly_once(&stats), "{stats:?}");
    assert!(stats.replays >= 1, "{stats:?}");

    // The reason is dealt with: one item is queued again from the panel, then all the rest;
    // each arrives once.
    central.accept_asset("TR-0001");
    let rejected = status.rejected_count;
    let one = status.rejected[0].id;
    let after_one = field
        .app
        .requeue_rejected(Some(vec![one]))
        .expect("requeue one");
    assert_eq!(after_one.rejected_count, rejected - 1);
    assert_eq!(after_one.pending, 1);
    assert!(after_one.rejected.iter().all(|r| r.id != one));
    let after_all = field.app.requeue_rejected(None).expect("requeue all");
    assert_eq!((after_all.rejected_count, after_all.pending), (0, rejected));
    let (result, _) = field.sync().await;
    let summary = result.expect("sync of the re-queued items");
    assert_eq!(summary.rejected, 0, "{summary:?}");
    let status = field.status();
    assert_eq!((status.pending, status.rejected_count), (0, 0));
    assert_eq!(status.delivered, waiting);
    let stats = central.stats();
    assert!(exactly_once(&stats), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_loop_sends_a_new_run_without_being_asked() {
    let central = TestCentral::start(&[("t0ken", "field")])
        .await
        .expect("stand-in");
    let laptop = Laptop::new();
    laptop.connect(&central.url(), "t0ken", true);
    let told = Arc::new(Mutex::new(Vec::new()));
    let sink = told.clone();
    let background = tokio::spawn(laptop.app.clone().keep_in_sync(
        // Long enough that only a wake-up can explain a prompt sync.
        Duration::from_secs(3_600),
        move |e| sink.lock().expect("lock").push(e),
    ));

    // Importing and diagnosing wake the loop; the outbox drains by itself.
    laptop.import_sample_fleet();
    laptop
        .app
        .diagnose(&whole_cache_embedded(), |_| {})
        .await
        .expect("diagnose");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = laptop.status();
        if status.pending == 0 && status.last_success_at.is_some() && !status.running {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the background sync did not deliver: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(central.stats().diagnoses, laptop.diagnosed());
    assert!(
        told.lock()
            .expect("lock")
            .iter()
            .any(|e| matches!(e, SyncEvent::Finished { .. })),
        "the window hears the background sync"
    );

    // Automatic sync off: a new run stays in the outbox until Sync now.
    laptop
        .app
        .save_settings(Settings {
            sync_automatically: false,
            ..laptop.app.settings()
        })
        .expect("settings");
    let before = central.stats().batch_requests;
    laptop
        .app
        .diagnose(&whole_cache_embedded(), |_| {})
        .await
        .expect("diagnose again");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(laptop.status().pending > 0);
    assert_eq!(central.stats().batch_requests, before);
    background.abort();
    central.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_reads_as_offline_not_as_a_fault() {
    // A port nothing listens on: connection refused, as on a laptop without a network.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let laptop = Laptop::new();
    let background = tokio::spawn(
        laptop
            .app
            .clone()
            .keep_in_sync(Duration::from_secs(3_600), |_| {}),
    );
    // The new token wakes the background sync, which gives up after its few attempts.
    laptop.connect(&url, "t0ken", true);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status = laptop.status();
        if status.last_error_code.is_some() && !status.running {
            break status;
        }
        assert!(Instant::now() < deadline, "no sync attempt: {status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        status.last_error_code.map(|c| c.as_str()),
        Some("sync.server_unreachable")
    );
    assert!(status.last_error.is_some());
    background.abort();
}

/// What the app logs (the desktop shell writes it to a file) tells support what happened to a
/// sync, a run and an import, and never holds the token: every event, at every level, is
/// captured while the token is stored, used, refused and forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_tells_what_happened_and_never_holds_the_token() {
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    // Each test runs in a process of its own (nextest), so the global subscriber is this test's.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber");

    const TOKEN: &str = "s3cret-T0KEN-that-must-never-be-logged";
    let central = TestCentral::start(&[(TOKEN, "field")])
        .await
        .expect("stand-in");
    let laptop = Laptop::with_diagnosed_fleet().await;
    laptop.connect(&central.url(), TOKEN, false);
    let (result, _) = laptop.sync().await;
    result.expect("sync");
    // A refused token, then one forgotten.
    laptop
        .app
        .set_sync_token("another-s3cret-T0KEN")
        .expect("token");
    let (refused, _) = laptop.sync().await;
    assert!(refused.is_err());
    laptop.app.forget_sync_token().expect("forget");
    central.shutdown().await;

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    for wanted in [
        "workbook opened",
        "diagnosis run started",
        "diagnosis run ended",
        "sync token stored",
        "sync finished",
        "sync failed",
        "sync.unauthorized",
        "sync token removed",
    ] {
        assert!(log.contains(wanted), "the log lacks {wanted:?}:\n{log}");
    }
    assert!(!log.contains(TOKEN), "the token is in the log:\n{log}");
    assert!(
        !log.contains("another-s3cret-T0KEN"),
        "a token is in the log"
    );
    assert!(!log.contains("T0KEN"), "part of a token is in the log");
}
