//! An error answer of the service: a status and the protocol's [`ErrorBody`], logged by kind.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use substation_sync_protocol::ErrorBody;

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
