//! The HTTP side: routes, the checks every `/v1` request passes (protocol version, bearer
//! token, rate limit), error answers, health and readiness.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use deadpool_postgres::Pool;
use substation_sync_protocol::{
    BATCHES_PATH, CHANGES_PATH, ErrorBody, HEALTH_PATH, PROTOCOL_VERSION, READY_PATH,
    VERSION_HEADER,
};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::rate::{RateLimiter, retry_after_secs};
use crate::{Error, ServerConfig, batch, changes, db, tokens};

/// The header a replayed answer carries.
pub(crate) const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// What every handler shares.
pub(crate) struct Shared {
    pub pool: Pool,
    pub config: ServerConfig,
    pub limiter: RateLimiter,
    /// Per client address, checked before any database work.
    pub address_limiter: RateLimiter<IpAddr>,
    /// Uploads being parsed and stored; bounds the memory and CPU they take.
    pub uploads: Semaphore,
    /// Pull pages being built or sent; bounds the memory they take.
    pub pulls: Arc<Semaphore>,
    /// The last readiness check and when it ran: `/readyz` asks the database at most once per
    /// `config.ready_check_interval`, however many unauthenticated requests it gets.
    pub readiness: tokio::sync::Mutex<Option<(Instant, bool)>>,
    /// Where custom answers are read again with their profiles.
    pub custom_readers: Arc<crate::custom::Readers>,
}

pub(crate) type AppState = Arc<Shared>;

/// The device a request authenticated as.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: i64,
    pub name: Arc<str>,
}

pub(crate) struct App {
    state: AppState,
}

impl App {
    /// Checks the configuration, migrates the database and opens the pool.
    pub async fn new(config: &ServerConfig) -> Result<App, Error> {
        config.check()?;
        let applied = db::migrate(&config.database_url).await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "database migrated");
        }
        let pool = db::pool(&config.database_url, config.pool_size)?;
        Ok(App {
            state: Arc::new(Shared {
                pool,
                config: config.clone(),
                limiter: RateLimiter::new(config.rate_per_minute),
                address_limiter: RateLimiter::new(config.address_rate_per_minute),
                uploads: Semaphore::new(config.max_concurrent_uploads),
                pulls: Arc::new(Semaphore::new(config.max_concurrent_pulls)),
                readiness: tokio::sync::Mutex::new(None),
                custom_readers: Arc::new(crate::custom::Readers::new(
                    config.custom_reading.clone(),
                )),
            }),
        })
    }

    pub fn router(&self) -> Router {
        let v1 = Router::new()
            .route(BATCHES_PATH, post(batch::upload))
            .route(CHANGES_PATH, get(changes::pull))
            .route_layer(middleware::from_fn_with_state(self.state.clone(), guard));
        Router::new()
            .merge(v1)
            .route(HEALTH_PATH, get(health))
            .route(READY_PATH, get(ready))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(CatchPanicLayer::custom(|_panic| {
                ApiError::internal("the service failed while handling the request").into_response()
            }))
            .layer(CompressionLayer::new())
            .layer(middleware::map_response(version_header))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                    .on_response(DefaultOnResponse::new().level(Level::INFO))
                    .on_failure(DefaultOnFailure::new().level(Level::WARN)),
            )
            .with_state(self.state.clone())
    }

    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "substation-central listening");
        axum::serve(
            listener,
            self.router()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tracing::info!("substation-central stopped");
        Ok(())
    }
}

/// An error answer: the status and the protocol's [`ErrorBody`].
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
            retry_after: None,
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn not_ready() -> Self {
        ApiError {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the service cannot reach its database; try again later",
            )
        }
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the request body is larger than this service's limit of {limit} bytes \
                 ({:.1} MiB) after decompression; send fewer items per batch",
                limit as f64 / (1024.0 * 1024.0)
            ),
        )
    }

    /// A database error: the connection's loss is "not ready" (try again), anything else is
    /// logged and answered as an internal error without its details.
    pub fn db(err: tokio_postgres::Error) -> Self {
        // No answer from the server, or one saying it is going away or out of resources
        // (classes 08, 53, 57): the client should come back later.
        let unavailable = match err.code() {
            None => err.as_db_error().is_none(),
            Some(code) => ["08", "53", "57"]
                .iter()
                .any(|class| code.code().starts_with(class)),
        };
        if unavailable {
            tracing::warn!(error = %crate::describe(&err), "database unavailable");
            Self::not_ready()
        } else {
            tracing::error!(error = %crate::describe(&err), "database error");
            Self::internal("the service failed to read or store data; its log says why")
        }
    }

    pub fn pool(err: deadpool_postgres::PoolError) -> Self {
        tracing::warn!(error = %err, "no database connection");
        Self::not_ready()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"substation-central\""),
            );
        }
        response
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(err: tokio_postgres::Error) -> Self {
        ApiError::db(err)
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(err: deadpool_postgres::PoolError) -> Self {
        ApiError::pool(err)
    }
}

/// Every answer says which protocol version the service speaks.
async fn version_header(mut response: Response) -> Response {
    response.headers_mut().insert(
        HeaderName::from_static("substation-sync-version"),
        HeaderValue::from(PROTOCOL_VERSION),
    );
    response
}

/// The checks of every `/v1` request, in this order: protocol version, token, rate.
async fn guard(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    check_version(request.headers())?;
    // The client's address is limited before the token is looked up: unauthenticated load
    // never reaches the database.
    if let Some(address) = client_address(&request)
        && let Err(wait) = state.address_limiter.check(address, Instant::now())
    {
        let seconds = retry_after_secs(wait);
        tracing::info!(%address, seconds, "rate limited by address");
        return Err(ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "this address may make {} requests a minute; try again in {seconds} s",
                    state.config.address_rate_per_minute
                ),
            )
        });
    }
    let device = authenticate(&state, request.headers()).await?;
    if let Err(wait) = state.limiter.check(device.id, Instant::now()) {
        let seconds = retry_after_secs(wait);
        tracing::info!(device = %device.name, seconds, "rate limited");
        return Err(ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "this token may make {} requests a minute; try again in {seconds} s",
                    state.config.rate_per_minute
                ),
            )
        });
    }
    request.extensions_mut().insert(device);
    Ok(next.run(request).await)
}

/// The address a request came from: the peer, or, when the peer is a reverse proxy on this
/// computer (loopback), the last address that proxy added to `X-Forwarded-For` (an address a
/// client wrote there itself comes earlier and is not believed).
fn client_address(request: &Request) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())?;
    if !peer.is_loopback() {
        return Some(peer);
    }
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .next_back();
    Some(forwarded.unwrap_or(peer))
}

fn check_version(headers: &HeaderMap) -> Result<(), ApiError> {
    let supported = PROTOCOL_VERSION.to_string();
    match headers.get(VERSION_HEADER) {
        Some(value) if value.to_str().ok().map(str::trim) == Some(supported.as_str()) => Ok(()),
        Some(value) => Err(ApiError::bad_request(
            "unsupported_version",
            format!(
                "this service speaks sync protocol version {PROTOCOL_VERSION}, not {:?} \
                 ({VERSION_HEADER} header); update the client or the service",
                String::from_utf8_lossy(value.as_bytes())
            ),
        )),
        None => Err(ApiError::bad_request(
            "unsupported_version",
            format!(
                "the {VERSION_HEADER} header is missing; this service speaks sync protocol \
                 version {PROTOCOL_VERSION}"
            ),
        )),
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid bearer token is required (Authorization: Bearer sbk_…); the token may be \
         missing, mistyped or revoked: ask the administrator of the central service for one",
    )
}

async fn authenticate(state: &Shared, headers: &HeaderMap) -> Result<Device, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|token| tokens::plausible(token))
        .ok_or_else(unauthorized)?;
    let client = state.pool.get().await?;
    let statement = client
        .prepare_cached(
            "SELECT d.id, d.name FROM device_token t JOIN device d ON d.id = t.device_id
             WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL",
        )
        .await?;
    let row = client
        .query_opt(&statement, &[&tokens::hash(token)])
        .await?
        .ok_or_else(unauthorized)?;
    Ok(Device {
        id: row.get(0),
        name: Arc::from(row.get::<_, &str>(1)),
    })
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    // One check at a time; callers who waited for it take its answer.
    let mut last = state.readiness.lock().await;
    let ready = match *last {
        Some((at, ready)) if at.elapsed() < state.config.ready_check_interval => ready,
        _ => {
            let check = async {
                let client = state.pool.get().await?;
                client.simple_query("SELECT 1").await?;
                Ok::<_, ApiError>(())
            };
            let ready = match tokio::time::timeout(Duration::from_secs(5), check).await {
                Ok(Ok(())) => true,
                Ok(Err(err)) => {
                    tracing::warn!(code = %err.body.code, "readiness: {}", err.body.message);
                    false
                }
                Err(_) => {
                    tracing::warn!("readiness: the database did not answer within 5 s");
                    false
                }
            };
            *last = Some((Instant::now(), ready));
            ready
        }
    };
    if ready {
        Ok(Json(serde_json::json!({ "status": "ready" })))
    } else {
        Err(ApiError::not_ready())
    }
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such endpoint; this service serves POST {BATCHES_PATH} and GET {CHANGES_PATH}"),
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("wrong method: use POST {BATCHES_PATH} and GET {CHANGES_PATH}"),
    )
}
