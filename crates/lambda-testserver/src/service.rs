//! One HTTP request in, one answer (or a dropped connection) out.

use std::sync::Arc;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::python::Invoked;
use crate::{Fault, MAX_PAYLOAD_BYTES, Shared};

pub(crate) type Body = Full<Bytes>;

const INVOCATIONS_PREFIX: &str = "/2015-03-31/functions/";
const INVOCATIONS_SUFFIX: &str = "/invocations";

const ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const EXECUTED_VERSION: HeaderName = HeaderName::from_static("x-amz-executed-version");
const FUNCTION_ERROR: HeaderName = HeaderName::from_static("x-amz-function-error");
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const LATEST: HeaderValue = HeaderValue::from_static("$LATEST");

pub(crate) use substation_loopback::DropConnection;

pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let arrived = Instant::now();
    let path = request.uri().path();
    if path == "/stats" && request.method() == Method::GET {
        let stats = serde_json::to_vec(&shared.stats()).unwrap_or_else(|_| b"{}".to_vec());
        return Ok(json_response(StatusCode::OK, stats));
    }
    let Some(function_name) = invoked_function(path) else {
        return Ok(unknown_operation());
    };
    if request.method() != Method::POST {
        return Ok(unknown_operation());
    }
    let body = match Limited::new(request.into_body(), MAX_PAYLOAD_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => return Ok(request_too_large()),
        // The client went away mid-request: nobody to answer.
        Err(_) => return Err(DropConnection),
    };
    if function_name != shared.function_name {
        shared.count_not_found();
        return Ok(function_not_found(&function_name));
    }

    let asset_id = asset_id(&body);
    let Some(slot) = shared.begin_invocation(asset_id.as_deref()) else {
        return Ok(too_many_requests());
    };
    let fault = asset_id.as_deref().and_then(|id| shared.next_fault(id));
    let request_id = uuid::Uuid::now_v7().to_string();
    let answer_at = arrived
        + match fault {
            Some(Fault::Slow(duration)) => duration,
            _ => shared.latency,
        };
    let response = match fault {
        Some(Fault::Throttle) => {
            shared.count_throttled();
            too_many_requests()
        }
        Some(Fault::ServiceError) => service_exception("An internal error occurred in Lambda."),
        Some(Fault::BadGateway) => error_response(
            StatusCode::BAD_GATEWAY,
            "ResourceNotReadyException",
            json!({"Type": "Service", "message": "The function is not ready to be invoked."}),
        ),
        Some(Fault::DropConnection) => {
            tokio::time::sleep_until(answer_at).await;
            drop(slot);
            return Err(DropConnection);
        }
        Some(Fault::FunctionError) => {
            let payload = json!({
                "errorType": "Runtime.ExitError",
                "errorMessage": format!(
                    "RequestId: {request_id} Error: Runtime exited with error: signal: killed"
                ),
            });
            let mut response = invocation_response(payload.to_string());
            response
                .headers_mut()
                .insert(FUNCTION_ERROR, HeaderValue::from_static("Unhandled"));
            wait_until(answer_at, response).await
        }
        Some(Fault::MalformedPayload) => {
            wait_until(answer_at, invocation_response("not json at all")).await
        }
        Some(Fault::WrongContractVersion) => {
            let response = match run_function(body, true).await {
                Ok(payload) => invocation_response(payload),
                Err(message) => service_exception(&message),
            };
            wait_until(answer_at, response).await
        }
        None | Some(Fault::Slow(_)) => {
            let response = match &shared.python {
                Some(pool) => match pool.invoke(&body).await {
                    Invoked::Returned(payload) => invocation_response(payload),
                    Invoked::Failed(payload) => {
                        let mut response = invocation_response(payload);
                        response
                            .headers_mut()
                            .insert(FUNCTION_ERROR, HeaderValue::from_static("Unhandled"));
                        response
                    }
                },
                None => match run_function(body, false).await {
                    Ok(payload) => invocation_response(payload),
                    Err(message) => service_exception(&message),
                },
            };
            wait_until(answer_at, response).await
        }
    };
    drop(slot);
    Ok(with_request_id(response, &request_id))
}

async fn wait_until(deadline: Instant, response: Response<Body>) -> Response<Body> {
    tokio::time::sleep_until(deadline).await;
    response
}

/// The function name in `/2015-03-31/functions/{name}/invocations`, percent-decoded.
fn invoked_function(path: &str) -> Option<String> {
    let name = path
        .strip_prefix(INVOCATIONS_PREFIX)?
        .strip_suffix(INVOCATIONS_SUFFIX)?;
    (!name.is_empty() && !name.contains('/')).then(|| percent_decode(name))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// `asset.id` of a request body, when it is JSON and has one.
fn asset_id(body: &[u8]) -> Option<String> {
    let request: Value = serde_json::from_slice(body).ok()?;
    request.pointer("/asset/id")?.as_str().map(str::to_owned)
}

/// The deployed function's work: the engine's envelope for `body`, as JSON.
async fn run_function(body: Bytes, wrong_contract_version: bool) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || {
        let envelope = substation_dga::handle_json(&body);
        if !wrong_contract_version {
            return serde_json::to_vec(&envelope).map_err(|error| error.to_string());
        }
        let mut envelope = serde_json::to_value(&envelope).map_err(|error| error.to_string())?;
        if let Some(version) = envelope.pointer_mut("/response/contract_version") {
            *version = Value::from(999);
        }
        serde_json::to_vec(&envelope).map_err(|error| error.to_string())
    })
    .await
    .map_err(|error| format!("the function crashed: {error}"))?
}

fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, APPLICATION_JSON);
    response
}

/// A 200 from the function: its payload, whatever it is.
fn invocation_response(payload: impl Into<Bytes>) -> Response<Body> {
    let mut response = json_response(StatusCode::OK, payload);
    response.headers_mut().insert(EXECUTED_VERSION, LATEST);
    response
}

fn error_response(status: StatusCode, error_type: &'static str, body: Value) -> Response<Body> {
    let mut response = json_response(status, body.to_string());
    response
        .headers_mut()
        .insert(ERROR_TYPE, HeaderValue::from_static(error_type));
    response
}

fn with_request_id(mut response: Response<Body>, request_id: &str) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

fn too_many_requests() -> Response<Body> {
    error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        json!({
            "Type": "User",
            "message": "Rate Exceeded.",
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        }),
    )
}

fn service_exception(message: &str) -> Response<Body> {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ServiceException",
        json!({"Type": "Service", "message": message}),
    )
}

fn function_not_found(name: &str) -> Response<Body> {
    error_response(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        json!({"Type": "User", "message": format!("Function not found: {name}")}),
    )
}

fn unknown_operation() -> Response<Body> {
    error_response(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        json!({"Type": "User", "message": "Unknown operation"}),
    )
}

fn request_too_large() -> Response<Body> {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestTooLargeException",
        json!({
            "Type": "User",
            "message": format!(
                "Request must be smaller than {MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation"
            ),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_function_name_in_the_path() {
        assert_eq!(
            invoked_function("/2015-03-31/functions/substation-diagnose/invocations").as_deref(),
            Some("substation-diagnose")
        );
        assert_eq!(
            invoked_function("/2015-03-31/functions/arn%3Aaws%3Alambda%3Af/invocations").as_deref(),
            Some("arn:aws:lambda:f")
        );
        assert_eq!(invoked_function("/2015-03-31/functions//invocations"), None);
        assert_eq!(
            invoked_function("/2015-03-31/functions/a/b/invocations"),
            None
        );
        assert_eq!(invoked_function("/stats"), None);
    }

    #[test]
    fn percent_decoding_leaves_stray_percents_alone() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("100%zz"), "100%zz");
        assert_eq!(percent_decode("%41b"), "Ab");
    }

    #[test]
    fn reads_the_asset_id() {
        assert_eq!(
            asset_id(br#"{"asset":{"id":"TR-1"}}"#).as_deref(),
            Some("TR-1")
        );
        assert_eq!(asset_id(b"not json"), None);
        assert_eq!(asset_id(br#"{"asset":{"id":7}}"#), None);
    }
}
