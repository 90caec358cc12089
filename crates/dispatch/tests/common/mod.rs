//! What the dispatch tests share: requests, a Lambda client pointed at the test server, a
//! policy with quick backoff.
#![allow(dead_code)] // each test file uses its own part of it

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use substation_dga::{Asset, DiagnosisRequest, Gas, GasReadings, Sample};
use substation_dispatch::{LambdaEngine, Policy};
use substation_lambda_testserver::TestLambda;

/// The nine requests of samples/fleet.json, keyed by asset id.
pub fn fleet() -> Vec<(String, DiagnosisRequest)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/fleet.json");
    let requests: Vec<DiagnosisRequest> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fleet")).expect("JSON");
    requests
        .into_iter()
        .map(|r| (r.asset.id.clone(), r))
        .collect()
}

/// A one-sample request for asset `T-{id}`.
pub fn simple(id: usize) -> (String, DiagnosisRequest) {
    let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let sample = Sample::new(date, GasReadings::default().with(Gas::H2, 10.0 + id as f64));
    (
        format!("T-{id}"),
        DiagnosisRequest::new(Asset::new(format!("T-{id}")), vec![sample]),
    )
}

/// An SDK configuration for `endpoint` with static test credentials.
pub fn lambda_config(endpoint: &str) -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(endpoint)
}

/// The Lambda engine against the test server.
pub fn lambda(server: &TestLambda) -> Arc<LambdaEngine> {
    Arc::new(LambdaEngine::new(
        lambda_config(&server.endpoint()),
        server.function_name(),
    ))
}

/// Quick backoff, so that fault tests take milliseconds.
pub fn quick(concurrency: usize) -> Policy {
    Policy {
        concurrency,
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(40),
        attempt_timeout: Duration::from_secs(5),
        ..Policy::default()
    }
}
