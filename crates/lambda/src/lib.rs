//! The AWS Lambda function `substation-diagnose`: the diagnosis contract on the Lambda runtime.
//!
//! The event is a [`DiagnosisRequest`](substation_dga::DiagnosisRequest) as JSON; the answer
//! is the contract's [`Envelope`], exactly what the embedded engine answers, because both run
//! [`substation_dga::diagnose`]. A request the engine refuses is still a successful invocation
//! (status 4xx inside the envelope); a function error (`X-Amz-Function-Error`) means the
//! function itself crashed.
//!
//! Diagnosis takes microseconds to a millisecond of CPU and a Lambda process handles one event
//! at a time, so the handler runs it inline.

use std::time::Instant;

use lambda_runtime::{Error, LambdaEvent, tracing};
use serde_json::Value;
use substation_dga::Envelope;

/// The function's name: the bin target, and the name to deploy it under.
pub const FUNCTION_NAME: &str = "substation-diagnose";

/// Longest asset id written to the log; ids come from the caller.
const LOGGED_ID_CHARS: usize = 64;

/// The Lambda handler. It never fails: every answer, a refusal included, is an envelope.
pub async fn handler(event: LambdaEvent<Value>) -> Result<Envelope, Error> {
    Ok(answer(event.payload))
}

/// Diagnoses one request given as JSON and logs one line about it: the asset id, the number
/// of samples, the status and code of the answer, and how long it took. Gas values and error
/// messages (which can quote them) stay out of the log.
pub fn answer(event: Value) -> Envelope {
    let started = Instant::now();
    let asset: Option<String> = event
        .pointer("/asset/id")
        .and_then(Value::as_str)
        .map(|id| {
            id.chars()
                .filter(|c| !c.is_control())
                .take(LOGGED_ID_CHARS)
                .collect()
        });
    let samples = event
        .get("samples")
        .and_then(Value::as_array)
        .map(|samples| samples.len() as u64);
    let envelope = substation_dga::handle_value(event);
    let (status, outcome) = match &envelope {
        Envelope::Success { status, .. } => (*status, "ok"),
        Envelope::Failure { status, error } => (*status, error.code.as_str()),
    };
    let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        asset = asset.as_deref(),
        samples,
        status,
        outcome,
        duration_us,
        "diagnosis"
    );
    envelope
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::io::Write;
    use std::sync::Once;

    use lambda_runtime::Context;
    use serde_json::json;
    use substation_dga::{DiagnosisRequest, diagnose};

    use super::*;

    fn fleet() -> Vec<Value> {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/fleet.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("fleet")).expect("fleet JSON")
    }

    async fn invoke(payload: Value) -> Envelope {
        handler(LambdaEvent::new(payload, Context::default()))
            .await
            .expect("the handler never fails")
    }

    async fn invoke_value(payload: Value) -> Value {
        serde_json::to_value(invoke(payload).await).expect("JSON")
    }

    #[tokio::test]
    async fn a_fleet_request_gets_what_the_embedded_engine_answers() {
        let first = fleet().into_iter().next().expect("a request");
        let request: DiagnosisRequest = serde_json::from_value(first.clone()).expect("request");
        let embedded = Envelope::Success {
            status: 200,
            response: Box::new(diagnose(&request).expect("diagnosis")),
        };
        let envelope = invoke(first).await;
        assert!(matches!(envelope, Envelope::Success { status: 200, .. }));
        assert_eq!(
            serde_json::to_string(&envelope).expect("JSON"),
            serde_json::to_string(&embedded).expect("JSON")
        );
    }

    #[tokio::test]
    async fn every_fleet_request_gets_the_embedded_answer_after_the_wire() {
        for request in fleet() {
            // As the runtime hands it over: bytes parsed into a Value.
            let bytes = serde_json::to_vec(&request).expect("bytes");
            let event: Value = serde_json::from_slice(&bytes).expect("event");
            let answer = invoke(event).await;
            let embedded = substation_dga::handle_json(&bytes);
            assert_eq!(
                serde_json::to_string(&answer).expect("JSON"),
                serde_json::to_string(&embedded).expect("JSON"),
                "{}",
                request["asset"]["id"]
            );
        }
    }

    #[tokio::test]
    async fn a_malformed_event_gets_a_400_envelope() {
        for event in [
            json!({"hello": "world"}),
            json!("just a string"),
            json!({"contract_version": 2, "asset": {"id": "T1"}, "samples": "none"}),
            json!({"contract_version": 2, "asset": {"id": "T1"}, "samples": [], "speed": 3}),
        ] {
            let answer = invoke_value(event.clone()).await;
            assert_eq!(answer["status"], 400, "{event}");
            assert_eq!(answer["error"]["code"], "malformed_request", "{event}");
            assert!(answer.get("response").is_none());
        }
    }

    #[tokio::test]
    async fn a_wrong_contract_version_gets_409() {
        let mut request = fleet().into_iter().next().expect("a request");
        request["contract_version"] = json!(1);
        let answer = invoke_value(request).await;
        assert_eq!(answer["status"], 409);
        assert_eq!(answer["error"]["code"], "unsupported_contract_version");
    }

    #[tokio::test]
    async fn a_request_the_engine_refuses_is_an_answer_not_an_error() {
        let answer =
            invoke_value(json!({"contract_version": 2, "asset": {"id": "T9"}, "samples": []}))
                .await;
        assert_eq!(answer["status"], 400);
        assert_eq!(answer["error"]["code"], "invalid_request");
    }

    thread_local! {
        /// Log output of this thread's events while a test captures it.
        static CAPTURED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
    }

    /// Appends to this thread's capture, if any. One global subscriber writes through it:
    /// scoped subscribers race with other test threads over tracing's callsite cache.
    struct ThreadCapture;

    impl Write for ThreadCapture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            CAPTURED.with_borrow_mut(|captured| {
                if let Some(captured) = captured {
                    captured.extend_from_slice(buf);
                }
            });
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(event: Value) -> String {
        static SUBSCRIBER: Once = Once::new();
        SUBSCRIBER.call_once(|| {
            let subscriber = tracing::subscriber::fmt()
                .with_writer(|| ThreadCapture)
                .with_ansi(false)
                .with_max_level(tracing::Level::INFO)
                .finish();
            tracing::dispatcher::set_global_default(tracing::Dispatch::new(subscriber))
                .expect("the only global subscriber");
        });
        CAPTURED.set(Some(Vec::new()));
        answer(event);
        let bytes = CAPTURED.take().expect("capturing");
        String::from_utf8(bytes).expect("UTF-8")
    }

    #[test]
    fn one_log_line_per_invocation_without_gas_values() {
        let mut request = fleet().into_iter().next().expect("a request");
        request["samples"][0]["gases"]["h2"] = json!(987_654.321);
        let log = logged(request);
        assert_eq!(log.lines().count(), 1, "{log}");
        for part in [
            "asset=\"TR-001\"",
            "samples=",
            "status=200",
            "outcome=\"ok\"",
        ] {
            assert!(log.contains(part), "{part} in {log}");
        }
        assert!(log.contains("duration_us="), "{log}");
        assert!(!log.contains("987654"), "{log}");

        let log = logged(json!({"contract_version": 2, "asset": {"id": "T\nX"},
            "samples": [{"date": "2024-01-01", "gases": {"h2": "123456.5"}}]}));
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(log.contains("outcome=\"malformed_request\""), "{log}");
        assert!(!log.contains("123456"), "{log}");
    }
}
