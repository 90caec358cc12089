//! One HTTP attempt: its answer read with a cap, and sorted into answered, refused, retry or fatal.

use std::time::{Duration, SystemTime};

use substation_sync_protocol::{
    ErrorBody, MAX_ANSWER_SLACK_BYTES, MAX_PAGE_BYTES, PROTOCOL_VERSION, VERSION_HEADER,
};

use crate::{SyncError, parse_retry_after};

/// How one attempt ended.
pub(crate) enum Attempt {
    /// A 2xx answer's body.
    Answered(Vec<u8>),
    /// A 400, 413 or 422: the request itself is refused; sending it again cannot help.
    Refused(u16, ErrorBody),
    /// Worth another attempt.
    Retry {
        message: String,
        retry_after: Option<Duration>,
    },
    Fatal(SyncError),
}

/// An error body as the service sends it, or one made of the status when it sent none.
fn error_body(status: u16, body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        ErrorBody::new(
            format!("http_{status}"),
            String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        )
    })
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("no answer in time ({error})")
    } else if error.is_connect() {
        format!("cannot connect ({error})")
    } else {
        // The chain says what really happened ("connection closed before message completed").
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

/// The most a client reads of one answer.
const MAX_ANSWER_BYTES: usize = MAX_PAGE_BYTES + MAX_ANSWER_SLACK_BYTES;

pub(crate) async fn attempt(request: reqwest::RequestBuilder) -> Attempt {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            return Attempt::Retry {
                message: describe(&error),
                retry_after: None,
            };
        }
    };
    let status = response.status().as_u16();
    if let Some(version) = response.headers().get(VERSION_HEADER)
        && version.to_str().ok() != Some(&PROTOCOL_VERSION.to_string())
    {
        return Attempt::Fatal(SyncError::VersionMismatch(
            String::from_utf8_lossy(version.as_bytes()).into_owned(),
            PROTOCOL_VERSION,
        ));
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    // Read with a cap: the largest page the protocol allows and some slack. A server (or
    // something between) that sends more is not believed.
    let mut response = response;
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Attempt::Fatal(SyncError::BadAnswer(format!(
                        "the server's answer ({status}) is larger than {} MiB, more than any \
                         answer of the protocol",
                        MAX_ANSWER_BYTES / (1024 * 1024)
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => {
                return Attempt::Retry {
                    message: describe(&error),
                    retry_after,
                };
            }
        }
    }
    match status {
        200..=299 => Attempt::Answered(body),
        401 => Attempt::Fatal(SyncError::Unauthorized(error_body(status, &body).message)),
        403 => Attempt::Fatal(SyncError::Forbidden(error_body(status, &body).message)),
        // 507: the device's storage quota on the service is used up; retrying cannot help
        // until its administrator raises it.
        400 | 413 | 422 | 507 => Attempt::Refused(status, error_body(status, &body)),
        // 409: the service may still be working on the first attempt under this key.
        408 | 409 | 425 | 429 | 500..=599 => {
            let body = error_body(status, &body);
            Attempt::Retry {
                message: format!(
                    "the server answered {status} {}: {}",
                    body.code, body.message
                ),
                retry_after,
            }
        }
        _ => {
            let body = error_body(status, &body);
            Attempt::Fatal(SyncError::Http {
                status,
                code: body.code,
                message: body.message,
            })
        }
    }
}
