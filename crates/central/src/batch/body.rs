//! The upload's body: its idempotency key, encoding and type checked, read up to the limit
//! within the time allowed, and un-gzipped up to the limit.

use std::io::Read as _;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use flate2::read::MultiGzDecoder;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use substation_sync_protocol::IDEMPOTENCY_HEADER;
use uuid::Uuid;

use crate::api_error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Identity,
    Gzip,
}

pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Uuid, ApiError> {
    let value = headers.get(IDEMPOTENCY_HEADER).ok_or_else(|| {
        ApiError::bad_request(
            "bad_idempotency_key",
            format!(
                "the {IDEMPOTENCY_HEADER} header is missing; send the batch's batch_id in it, \
                 the same on every retry"
            ),
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|text| Uuid::parse_str(text.trim()).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_idempotency_key",
                format!(
                    "the {IDEMPOTENCY_HEADER} header {:?} is not a UUID; send the batch's batch_id",
                    String::from_utf8_lossy(value.as_bytes())
                ),
            )
        })
}

pub(super) fn content_encoding(headers: &HeaderMap) -> Result<Encoding, ApiError> {
    let Some(value) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(Encoding::Identity);
    };
    match value.to_str().map(|text| text.trim().to_ascii_lowercase()) {
        Ok(text) if text == "gzip" || text == "x-gzip" => Ok(Encoding::Gzip),
        Ok(text) if text.is_empty() || text == "identity" => Ok(Encoding::Identity),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            format!(
                "Content-Encoding {:?} is not supported; send gzip or no encoding",
                String::from_utf8_lossy(value.as_bytes())
            ),
        )),
    }
}

pub(super) fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .ok()
        .and_then(|text| text.split(';').next())
        .map(|text| text.trim().to_ascii_lowercase());
    if essence.as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Content-Type {:?} is not supported; send application/json",
                String::from_utf8_lossy(value.as_bytes())
            ),
        ))
    }
}

pub(super) async fn read_body(
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request body did not arrive within {} s",
                timeout.as_secs()
            ),
        )),
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::payload_too_large(limit))
        }
        Ok(Err(err)) => Err(ApiError::bad_request(
            "malformed_body",
            format!("the request body could not be read: {err}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Undoes gzip, refusing to inflate past `limit`.
pub(super) fn decompress(raw: Bytes, encoding: Encoding, limit: usize) -> Result<Bytes, ApiError> {
    match encoding {
        Encoding::Identity => Ok(raw),
        Encoding::Gzip => {
            let mut out = Vec::with_capacity((raw.len() * 4).min(limit + 1));
            MultiGzDecoder::new(&raw[..])
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|err| {
                    ApiError::bad_request(
                        "malformed_body",
                        format!("the gzip-encoded body could not be decompressed: {err}"),
                    )
                })?;
            if out.len() > limit {
                return Err(ApiError::payload_too_large(limit));
            }
            Ok(Bytes::from(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    #[test]
    fn gzip_is_refused_past_the_limit() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&[b' '; 10_000]).expect("gzip");
        let gzipped = Bytes::from(encoder.finish().expect("gzip"));
        assert_eq!(
            decompress(gzipped.clone(), Encoding::Gzip, 10_000)
                .expect("at the limit")
                .len(),
            10_000
        );
        let err = decompress(gzipped, Encoding::Gzip, 9_999).expect_err("over");
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
