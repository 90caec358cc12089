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
use substation_sync_protocol::{
    BATCHES_PATH, CHANGES_PATH, HEALTH_PATH, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, READY_PATH,
    VERSION_HEADER,
};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::api_error::ApiError;
use crate::device::Device;
use crate::rate::{RateLimiter, retry_after_secs};
use crate::state::{AppState, Shared};
use crate::version::{Version, spoken};
use crate::{Error, ServerConfig, batch, changes, db, tokens};

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
            .layer(middleware::from_fn(version_header))
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

/// Every answer says which protocol version it speaks: the client's, when this service speaks
/// it (an older laptop checks that the answer is in its own version), else the newest.
async fn version_header(request: Request, next: Next) -> Response {
    let version = spoken(request.headers()).unwrap_or(PROTOCOL_VERSION);
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        HeaderName::from_static("substation-sync-version"),
        HeaderValue::from(version),
    );
    response
}

/// The checks of every `/v1` request, in this order: protocol version, token, rate.
async fn guard(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let version = check_version(request.headers())?;
    request.extensions_mut().insert(Version(version));
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

fn check_version(headers: &HeaderMap) -> Result<u32, ApiError> {
    match headers.get(VERSION_HEADER) {
        Some(_) if let Some(version) = spoken(headers) => Ok(version),
        Some(value) => Err(ApiError::bad_request(
            "unsupported_version",
            format!(
                "this service speaks sync protocol versions {OLDEST_PROTOCOL_VERSION} to \
                 {PROTOCOL_VERSION}, not {:?} ({VERSION_HEADER} header); update the client or \
                 the service",
                String::from_utf8_lossy(value.as_bytes())
            ),
        )),
        None => Err(ApiError::bad_request(
            "unsupported_version",
            format!(
                "the {VERSION_HEADER} header is missing; this service speaks sync protocol \
                 versions {OLDEST_PROTOCOL_VERSION} to {PROTOCOL_VERSION}"
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
