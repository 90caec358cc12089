//! `GET /v1/changes?since=CURSOR&limit=N`: what other devices uploaded, oldest first.
//!
//! Uploads allocate change sequence numbers under a lock held until they commit, so the
//! committed numbers are always a prefix of the allocated ones: a reader that reads the highest
//! committed number first, and then the changes up to it, can neither skip a change that
//! commits later nor see one twice.

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use substation_sync_protocol::{
    LOG_ENTRY_VERSION, MAX_CHANGES_PER_PAGE, format_cursor, parse_cursor,
};
use tokio::sync::OwnedSemaphorePermit;

use base64::Engine as _;

use crate::api_error::ApiError;
use crate::batch::RESPONSE_PLACEHOLDER;
use crate::device::Device;
use crate::state::AppState;
use crate::version::Version;

/// Changes a page holds when the client does not say.
pub const DEFAULT_PAGE: usize = 500;

/// What a page's JSON holds besides its changes (`{"changes":[…],"next_cursor":…}`).
const PAGE_ENVELOPE_BYTES: usize = 1024;

#[derive(Debug, Deserialize)]
pub(crate) struct PullQuery {
    since: Option<String>,
    limit: Option<String>,
}

pub(crate) async fn pull(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Extension(Version(version)): Extension<Version>,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|err| ApiError::bad_request("bad_request", err.body_text()))?;
    let since = query.since.as_deref().unwrap_or("");
    let cursor = parse_cursor(since).ok_or_else(|| {
        ApiError::bad_request(
            "bad_cursor",
            format!(
                "the cursor {since:?} is not one this service gave out; pull from the start \
                 with an empty since"
            ),
        )
    })?;
    let limit = match query.limit.as_deref() {
        None | Some("") => DEFAULT_PAGE,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_CHANGES_PER_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "bad_limit",
                    format!(
                        "limit {text:?} is not a whole number from 1 to {MAX_CHANGES_PER_PAGE}"
                    ),
                )
            })?,
    };

    // Pages being built or sent at once are bounded: each holds up to `max_page_bytes`.
    let permit = state
        .pulls
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("the service is shutting down"))?;
    let client = state.pool.get().await?;
    let top: i64 = client
        .query_one("SELECT COALESCE(max(seq), 0) FROM change_log", &[])
        .await?
        .get(0);
    if cursor > top {
        // Sequence numbers never go back, so this cursor came from before a restore of an older
        // backup, or from another service: the client must pull everything again.
        return Err(ApiError::bad_request(
            "bad_cursor",
            format!(
                "the cursor {since:?} is ahead of this service's change feed (which ends at \
                 {:?}): its data was restored or replaced; pull again from the start with an \
                 empty since",
                format_cursor(top)
            ),
        ));
    }
    // The page ends at `limit` changes or before the change that would take it past the byte
    // limit, whichever comes first (the first change is always sent). Sizes are read from the
    // stored lengths, without reading the responses; only the changes that fit are fetched.
    // `fetched` counts the changes considered (up to `limit + 1`), so that "more" does not
    // depend on which of them were left out.
    let statement = client
        .prepare_cached(
            "SELECT seq, name, item, response_deflate, fetched FROM (
                 SELECT seq, name, item, response_deflate,
                     sum(size) OVER (ORDER BY seq) AS total,
                     row_number() OVER (ORDER BY seq) AS n,
                     count(*) OVER () AS fetched
                 FROM (
                     SELECT c.seq, d.name, c.item, g.response_deflate,
                         octet_length(c.item) + octet_length(d.name) + 64
                             + COALESCE((octet_length(g.response_deflate) + 2) / 3 * 4, 0) AS size
                     FROM change_log c
                     JOIN device d ON d.id = c.device_id
                     LEFT JOIN diagnosis g ON g.diagnosis_id = c.diagnosis_id
                     WHERE c.seq > $1 AND c.seq <= $2 AND c.device_id <> $3
                         AND (c.kind <> 'log_entry' OR $6)
                     ORDER BY c.seq
                     LIMIT $4
                 ) first_changes
             ) page
             WHERE n = 1 OR total <= $5
             ORDER BY seq",
        )
        .await?;
    let budget = state
        .config
        .max_page_bytes
        .saturating_sub(PAGE_ENVELOPE_BYTES) as i64;
    let rows = client
        .query(
            &statement,
            &[
                &cursor,
                &top,
                &device.id,
                &((limit + 1) as i64),
                &budget,
                // A laptop of protocol version 1 cannot read logbook entries: its pages
                // leave them out (it pulls them from the start once it is updated).
                &(version >= LOG_ENTRY_VERSION),
            ],
        )
        .await?;

    let fetched = rows
        .first()
        .map_or(0, |row| usize::try_from(row.get::<_, i64>(4)).unwrap_or(0));
    let fits = rows.len().min(limit);
    let more = fetched > fits;
    let page = &rows[..fits];
    let next = if more {
        page.last().map_or(cursor, |row| row.get(0))
    } else {
        top
    };
    let mut json = String::with_capacity(
        64 + page
            .iter()
            .map(|row| {
                row.get::<_, &str>(2).len()
                    + row
                        .get::<_, Option<&[u8]>>(3)
                        .map_or(0, |r| r.len() * 4 / 3 + 4)
                    + 64
            })
            .sum::<usize>(),
    );
    json.push_str("{\"changes\":[");
    for (index, row) in page.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        json.push_str("{\"origin\":");
        json.push_str(&json_string(row.get(1)));
        json.push_str(",\"item\":");
        let item: &str = row.get(2);
        match row.get::<_, Option<&[u8]>>(3) {
            Some(response) => splice_response(&mut json, item, response)?,
            None => json.push_str(item),
        }
        json.push('}');
    }
    json.push_str("],\"next_cursor\":");
    json.push_str(&json_string(&format_cursor(next)));
    json.push_str(",\"more\":");
    json.push_str(if more { "true" } else { "false" });
    json.push('}');
    drop(client);
    tracing::debug!(device = %device.name, cursor, next, changes = page.len(), more, "pull");
    // The page goes out holding its permit, released when the body has been handed on.
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        Body::new(Held {
            page: Some(Bytes::from(json)),
            _permit: permit,
        }),
    )
        .into_response())
}

/// A page of JSON with the permit it was built under: pages in memory are at most
/// `max_concurrent_pulls`, from the rows read to the body handed to the connection.
struct Held {
    page: Option<Bytes>,
    _permit: OwnedSemaphorePermit,
}

impl http_body::Body for Held {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(
            self.page
                .take()
                .map(|page| Ok(http_body::Frame::data(page))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.page.is_none()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.page.as_ref().map_or(0, |p| p.len() as u64))
    }
}

/// Writes a stored diagnosis item with its response put back in place of the placeholder.
fn splice_response(json: &mut String, item: &str, response: &[u8]) -> Result<(), ApiError> {
    let Some(at) = item.rfind(RESPONSE_PLACEHOLDER) else {
        tracing::error!(item, "a stored diagnosis item has no response placeholder");
        return Err(ApiError::internal(
            "a stored change could not be read; the service's log says which",
        ));
    };
    let value_at = at + RESPONSE_PLACEHOLDER.len() - 1;
    json.push_str(&item[..value_at]);
    base64::engine::general_purpose::STANDARD.encode_string(response, json);
    json.push_str(&item[value_at..]);
    Ok(())
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
