//! A stand-in for the central sync service on 127.0.0.1, for testing the sync client against a
//! real socket.
//!
//! [`TestCentral`] speaks the sync protocol (`crates/sync-protocol`): `POST /v1/sync/batches`
//! stores each item once, answers it `applied`, `duplicate` or `rejected`, and replays its first
//! answer to a batch sent again under the same `Idempotency-Key`; `GET /v1/changes` pages through
//! what the other tokens' laptops uploaded. Bearer tokens name the laptops. What makes it useful
//! is what a real service does only on a bad day, scripted with [`TestCentral::script`]: error
//! statuses with or without `Retry-After`, answers that stall past the client's timeout, dropped
//! connections, a batch stored and never answered.
//!
//! It keeps everything in memory and checks what a client must get right: the headers, the
//! batch id equal to the key, gzip bodies, every item's validity. [`TestCentral::stats`] tells
//! how often each item was stored (exactly once is the goal).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use substation_sync_protocol::{
    BATCHES_PATH, BatchAnswer, CHANGES_PATH, Change, ChangesPage, ErrorBody, IDEMPOTENCY_HEADER,
    ItemResult, MAX_CHANGES_PER_PAGE, Outcome, PROTOCOL_VERSION, RemoteChange, SyncBatch,
    VERSION_HEADER, format_cursor, parse_cursor,
};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// What goes wrong with one upload request, scripted with [`TestCentral::script`]: each upload
/// takes the next fault; once the script is used up, uploads are answered normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// At once, this status with an error body; nothing is stored.
    Status(u16),
    /// At once, this status with `Retry-After: VALUE`; nothing is stored.
    StatusRetryAfter(u16, String),
    /// Holds the request this long before handling it normally (a client with a shorter
    /// timeout has given up by then).
    Stall(Duration),
    /// Closes the connection without an answer; nothing is stored.
    DropBeforeStore,
    /// Stores the batch, then closes the connection without an answer.
    DropAfterStore,
    /// Stores the batch, then never answers (until the server stops).
    StoreThenStall,
}

/// What the server has seen so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Upload requests, whatever they were answered.
    pub batch_requests: usize,
    /// Uploads answered by replaying the first answer to their key.
    pub replays: usize,
    pub changes_requests: usize,
    /// Requests refused for their token.
    pub unauthorized: usize,
    /// How many times each item id was stored: 1 each is exactly once.
    pub stored: HashMap<Uuid, usize>,
    /// Diagnoses stored, by diagnosis id.
    pub diagnoses: usize,
    pub samples: usize,
    pub assets: usize,
    pub log_entries: usize,
    /// Items answered `duplicate` and `rejected`.
    pub duplicates: usize,
    pub rejected: usize,
    /// When each upload request arrived, in order.
    pub batch_arrivals: Vec<Instant>,
    /// Bodies that came gzip-compressed.
    pub gzip_bodies: usize,
}

/// A running server; dropping it stops it.
#[derive(Debug)]
pub struct TestCentral {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: CancellationToken,
    accept_loop: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    /// Token → the laptop's name (the `origin` of its changes).
    tokens: Mutex<HashMap<String, String>>,
    faults: Mutex<VecDeque<Fault>>,
    state: Mutex<State>,
    stop: CancellationToken,
}

#[derive(Debug, Default)]
struct State {
    answers: HashMap<Uuid, BatchAnswer>,
    items: HashSet<Uuid>,
    diagnosis_ids: HashSet<Uuid>,
    feed: Vec<RemoteChange>,
    /// Items naming these asset ids are rejected.
    reject_assets: HashSet<String>,
    stats: Stats,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TestCentral {
    /// Starts a server on 127.0.0.1 on a free port, on the current tokio runtime. `tokens`
    /// maps each accepted bearer token to its laptop's name.
    pub async fn start(tokens: &[(&str, &str)]) -> std::io::Result<TestCentral> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let shared = Arc::new(Shared {
            tokens: Mutex::new(
                tokens
                    .iter()
                    .map(|(token, name)| ((*token).to_owned(), (*name).to_owned()))
                    .collect(),
            ),
            faults: Mutex::new(VecDeque::new()),
            state: Mutex::new(State::default()),
            stop: stop.clone(),
        });
        let handler = Arc::clone(&shared);
        let accept_loop = tokio::spawn(substation_loopback::serve(
            listener,
            stop.clone(),
            move |request| handle(Arc::clone(&handler), request),
        ));
        Ok(TestCentral {
            addr,
            shared,
            stop,
            accept_loop: Some(accept_loop),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Appends faults for the next upload requests, in order.
    pub fn script(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.shared.faults).extend(faults);
    }

    /// Items naming this asset id (an asset, a diagnosis, or samples of it) are rejected.
    pub fn reject_asset(&self, asset_id: &str) {
        lock(&self.shared.state)
            .reject_assets
            .insert(asset_id.to_owned());
    }

    /// Undoes [`TestCentral::reject_asset`].
    pub fn accept_asset(&self, asset_id: &str) {
        lock(&self.shared.state).reject_assets.remove(asset_id);
    }

    pub fn stats(&self) -> Stats {
        lock(&self.shared.state).stats.clone()
    }

    /// Everything stored, in the order it was stored, with the laptop that sent it.
    pub fn feed(&self) -> Vec<RemoteChange> {
        lock(&self.shared.state).feed.clone()
    }

    /// Stops accepting and ends stalled requests.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(handle) = self.accept_loop.take() {
            let _ = handle.await;
        }
    }
}

impl Drop for TestCentral {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

type Answer = Result<Response<Full<Bytes>>, std::io::Error>;

fn respond(status: u16, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        VERSION_HEADER,
        hyper::header::HeaderValue::from(PROTOCOL_VERSION),
    );
    response
}

fn error(status: u16, code: &str, message: &str) -> Response<Full<Bytes>> {
    respond(
        status,
        serde_json::to_vec(&ErrorBody::new(code, message)).unwrap_or_default(),
    )
}

fn dropped() -> Answer {
    Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "scripted drop",
    ))
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Answer {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let origin = header("authorization")
        .and_then(|value| value.strip_prefix("Bearer ").map(str::to_owned))
        .and_then(|token| lock(&shared.tokens).get(&token).cloned());
    let Some(origin) = origin else {
        lock(&shared.state).stats.unauthorized += 1;
        return Ok(error(401, "unauthorized", "unknown token"));
    };
    if header(VERSION_HEADER).as_deref() != Some(&PROTOCOL_VERSION.to_string()) {
        return Ok(error(400, "unsupported_version", "protocol version 1 only"));
    }
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    match (request.method().as_str(), path.as_str()) {
        ("POST", BATCHES_PATH) => {
            let key = header(IDEMPOTENCY_HEADER);
            let gzip = header("content-encoding").as_deref() == Some("gzip");
            let Ok(collected) = request.into_body().collect().await else {
                return dropped();
            };
            upload(&shared, &origin, key, gzip, &collected.to_bytes()).await
        }
        ("GET", CHANGES_PATH) => Ok(changes(&shared, &origin, &query)),
        _ => Ok(error(404, "not_found", "no such route")),
    }
}

async fn upload(
    shared: &Shared,
    origin: &str,
    key: Option<String>,
    gzip: bool,
    bytes: &[u8],
) -> Answer {
    let fault = {
        let mut state = lock(&shared.state);
        state.stats.batch_requests += 1;
        state.stats.batch_arrivals.push(Instant::now());
        state.stats.gzip_bodies += usize::from(gzip);
        lock(&shared.faults).pop_front()
    };
    match &fault {
        Some(Fault::Status(status)) => {
            return Ok(error(*status, "scripted", "a scripted failure"));
        }
        Some(Fault::StatusRetryAfter(status, value)) => {
            let mut response = error(*status, "scripted", "a scripted failure");
            if let Ok(value) = hyper::header::HeaderValue::from_str(value) {
                response.headers_mut().insert("retry-after", value);
            }
            return Ok(response);
        }
        // A stalled request ends, unanswered, when the server stops (its connection is closed
        // gracefully, so the handler ends it).
        Some(Fault::Stall(duration)) => {
            tokio::select! {
                () = tokio::time::sleep(*duration) => {}
                () = shared.stop.cancelled() => return dropped(),
            }
        }
        Some(Fault::DropBeforeStore) => return dropped(),
        _ => {}
    }
    let body = if gzip {
        let mut out = Vec::new();
        if flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .is_err()
        {
            return Ok(error(400, "bad_gzip", "the body is not gzip"));
        }
        out
    } else {
        bytes.to_vec()
    };
    let batch: SyncBatch = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => return Ok(error(400, "malformed_batch", &e.to_string())),
    };
    if key.as_deref() != Some(&batch.batch_id.to_string()) {
        return Ok(error(
            400,
            "idempotency_key_mismatch",
            "the key must be the batch id",
        ));
    }
    let answer = store(shared, origin, batch);
    match fault {
        Some(Fault::DropAfterStore) => dropped(),
        Some(Fault::StoreThenStall) => {
            shared.stop.cancelled().await;
            dropped()
        }
        _ => Ok(respond(
            200,
            serde_json::to_vec(&answer).unwrap_or_default(),
        )),
    }
}

fn asset_of(change: &Change) -> Vec<&str> {
    match change {
        Change::Asset(a) => vec![a.asset.id.as_str()],
        Change::Diagnosis(d) => vec![d.asset_id.as_str()],
        Change::Samples(s) => s.samples.iter().map(|s| s.asset_id.as_str()).collect(),
        Change::LogEntry(e) => vec![e.entry.asset_id.as_str()],
    }
}

fn store(shared: &Shared, origin: &str, batch: SyncBatch) -> BatchAnswer {
    let mut state = lock(&shared.state);
    if let Some(answer) = state.answers.get(&batch.batch_id).cloned() {
        state.stats.replays += 1;
        return answer;
    }
    let mut results = Vec::with_capacity(batch.items.len());
    for item in batch.items {
        let id = item.id;
        let duplicate = state.items.contains(&id)
            || matches!(&item.change, Change::Diagnosis(d) if state.diagnosis_ids.contains(&d.diagnosis_id));
        if duplicate {
            state.stats.duplicates += 1;
            results.push(ItemResult {
                id,
                outcome: Outcome::Duplicate,
                reason: None,
            });
            continue;
        }
        let refused = item
            .change
            .validate()
            .err()
            .map(|e| e.to_string())
            .or_else(|| {
                asset_of(&item.change)
                    .iter()
                    .any(|a| state.reject_assets.contains(*a))
                    .then(|| "this transformer is refused".to_owned())
            });
        if let Some(message) = refused {
            state.stats.rejected += 1;
            results.push(ItemResult {
                id,
                outcome: Outcome::Rejected,
                reason: Some(ErrorBody::new("invalid_item", message)),
            });
            continue;
        }
        match &item.change {
            Change::Asset(_) => state.stats.assets += 1,
            Change::Samples(s) => state.stats.samples += s.samples.len(),
            Change::Diagnosis(d) => {
                state.stats.diagnoses += 1;
                state.diagnosis_ids.insert(d.diagnosis_id);
            }
            Change::LogEntry(_) => state.stats.log_entries += 1,
        }
        state.items.insert(id);
        *state.stats.stored.entry(id).or_default() += 1;
        state.feed.push(RemoteChange {
            origin: origin.to_owned(),
            item,
        });
        results.push(ItemResult {
            id,
            outcome: Outcome::Applied,
            reason: None,
        });
    }
    let answer = BatchAnswer {
        batch_id: batch.batch_id,
        received_at: chrono::Utc::now(),
        results,
    };
    state.answers.insert(batch.batch_id, answer.clone());
    answer
}

fn changes(shared: &Shared, origin: &str, query: &str) -> Response<Full<Bytes>> {
    let mut since = "";
    let mut limit = MAX_CHANGES_PER_PAGE;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("since", value)) => since = value,
            Some(("limit", value)) => {
                limit = value
                    .parse()
                    .unwrap_or(MAX_CHANGES_PER_PAGE)
                    .clamp(1, MAX_CHANGES_PER_PAGE);
            }
            _ => {}
        }
    }
    let Some(start) = parse_cursor(since).and_then(|s| usize::try_from(s).ok()) else {
        return error(400, "bad_cursor", "not a cursor");
    };
    let mut state = lock(&shared.state);
    state.stats.changes_requests += 1;
    let mut page = Vec::new();
    let mut position = start.min(state.feed.len());
    while position < state.feed.len() && page.len() < limit {
        let change = &state.feed[position];
        if change.origin != origin {
            page.push(change.clone());
        }
        position += 1;
    }
    let answer = ChangesPage {
        changes: page,
        next_cursor: format_cursor(position as i64),
        more: position < state.feed.len(),
    };
    respond(200, serde_json::to_vec(&answer).unwrap_or_default())
}

/// Whether every stored item was stored exactly once.
pub fn exactly_once(stats: &Stats) -> bool {
    stats.stored.values().all(|&n| n == 1)
}
