//! The Lambda engine through the real aws-sdk-lambda client, against a server on 127.0.0.1
//! that speaks Lambda's Invoke wire protocol and misbehaves on demand.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use substation_dga::DiagnosisRequest;
use substation_dispatch::{
    EmbeddedEngine, Ending, LambdaEngine, LambdaSettings, Outcome, Policy, Progress, run,
};
use substation_lambda_testserver::{Config, Fault, TestLambda};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod common;
use common::{fleet, lambda as engine, lambda_config, quick, simple};

async fn start(config: Config) -> TestLambda {
    TestLambda::start(config).await.expect("test server")
}

struct Ran {
    ending: Ending,
    outcomes: BTreeMap<String, Outcome>,
    last: Progress,
}

async fn dispatch<E: substation_dispatch::Engine>(
    engine: Arc<E>,
    requests: Vec<(String, DiagnosisRequest)>,
    policy: &Policy,
) -> Ran {
    let (tx, mut rx) = mpsc::channel(100_000);
    let mut outcomes = BTreeMap::new();
    let ending = run(
        engine,
        requests,
        policy,
        |o| {
            let earlier = outcomes.insert(o.asset_id.clone(), o);
            assert!(earlier.is_none(), "one outcome per asset");
        },
        Some(tx),
        CancellationToken::new(),
    )
    .await;
    let mut last = Progress::default();
    while let Ok(p) = rx.try_recv() {
        last = p;
    }
    Ran {
        ending,
        outcomes,
        last,
    }
}

fn code(ran: &Ran, asset: &str) -> Option<String> {
    ran.outcomes[asset]
        .result
        .as_ref()
        .err()
        .map(|e| e.code.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_and_embedded_give_identical_diagnoses_for_the_sample_fleet() {
    let server = start(Config::default()).await;
    let remote = dispatch(engine(&server), fleet(), &quick(4)).await;
    let local = dispatch(Arc::new(EmbeddedEngine), fleet(), &quick(4)).await;
    assert_eq!(remote.outcomes.len(), 9);
    for (asset, outcome) in &local.outcomes {
        let here = outcome.result.as_ref().expect("embedded");
        let there = remote.outcomes[asset].result.as_ref().expect("lambda");
        // The answer kept byte for byte as the function sent it, and the same as the
        // embedded engine's; the summary read from it the same.
        assert!(here.json == there.json, "{asset}: the answers differ");
        assert_eq!(here.summary, there.summary, "{asset}");
        assert_eq!(here.summary.asset_id, *asset);
    }
    assert_eq!(server.stats().invocations, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_waited_out_and_the_limit_converges_on_the_service_limit() {
    let server = start(Config {
        latency: Duration::from_millis(60),
        concurrency_limit: Some(4),
        ..Config::default()
    })
    .await;
    let ran = dispatch(engine(&server), (0..60).map(simple).collect(), &quick(24)).await;
    assert_eq!(ran.ending, Ending::Finished);
    assert_eq!(ran.outcomes.len(), 60);
    assert!(
        ran.outcomes.values().all(|o| o.result.is_ok()),
        "no asset fails because of throttling"
    );
    let stats = server.stats();
    assert!(stats.throttled > 0, "the server did throttle");
    assert_eq!(ran.last.throttled, stats.throttled as u64);
    assert!(stats.max_executing <= 4);
    assert!(
        ran.last.limit <= 6,
        "the working limit came down to the service's: {}",
        ran.last.limit
    );
    assert!(
        stats.throttled < 60,
        "throttles are a probe per round trip, not one per call: {}",
        stats.throttled
    );
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried() {
    let server = start(Config::default()).await;
    server.script("T-0", [Fault::ServiceError, Fault::BadGateway]);
    server.script("T-1", [Fault::DropConnection]);
    let ran = dispatch(engine(&server), (0..3).map(simple).collect(), &quick(3)).await;
    for asset in ["T-0", "T-1", "T-2"] {
        assert!(ran.outcomes[asset].result.is_ok(), "{asset}");
    }
    assert_eq!(ran.outcomes["T-0"].attempts, 3);
    assert_eq!(ran.outcomes["T-1"].attempts, 2);
    assert_eq!(server.invocations_of("T-0"), 3);
    assert_eq!(server.invocations_of("T-2"), 1);
    assert_eq!(ran.last.retried, 3);
}

#[tokio::test]
async fn server_errors_give_up_after_the_retry_budget() {
    let server = start(Config::default()).await;
    server.script("T-0", vec![Fault::ServiceError; 10]);
    let policy = Policy {
        transient_retries: 2,
        ..quick(2)
    };
    let ran = dispatch(engine(&server), (0..2).map(simple).collect(), &policy).await;
    assert_eq!(code(&ran, "T-0").as_deref(), Some("service_error"));
    assert_eq!(server.invocations_of("T-0"), 3, "one try and two retries");
    assert!(ran.outcomes["T-1"].result.is_ok(), "the run goes on");
    assert_eq!((ran.last.done, ran.last.failed), (1, 1));
}

#[tokio::test]
async fn a_function_error_fails_that_asset_only_and_is_not_retried() {
    let server = start(Config::default()).await;
    server.script("T-1", [Fault::FunctionError]);
    let ran = dispatch(engine(&server), (0..3).map(simple).collect(), &quick(3)).await;
    assert_eq!(code(&ran, "T-1").as_deref(), Some("function_error"));
    let message = &ran.outcomes["T-1"]
        .result
        .as_ref()
        .expect_err("failed")
        .message;
    assert!(message.contains("Runtime exited"), "{message}");
    assert_eq!(server.invocations_of("T-1"), 1);
    assert!(ran.outcomes["T-0"].result.is_ok() && ran.outcomes["T-2"].result.is_ok());
}

#[tokio::test]
async fn malformed_and_wrong_version_answers_are_per_asset_failures() {
    let server = start(Config::default()).await;
    server.script("T-0", [Fault::MalformedPayload]);
    server.script("T-1", [Fault::WrongContractVersion]);
    let ran = dispatch(engine(&server), (0..3).map(simple).collect(), &quick(3)).await;
    assert_eq!(code(&ran, "T-0").as_deref(), Some("malformed_response"));
    assert_eq!(
        code(&ran, "T-1").as_deref(),
        Some("unsupported_contract_version")
    );
    assert!(ran.outcomes["T-2"].result.is_ok());
    assert_eq!(server.stats().invocations, 3, "neither is retried");
}

#[tokio::test]
async fn an_invalid_request_is_refused_by_the_function_and_not_retried() {
    let server = start(Config::default()).await;
    let mut requests: Vec<_> = (0..2).map(simple).collect();
    requests[0].1.samples.clear();
    let ran = dispatch(engine(&server), requests, &quick(2)).await;
    assert_eq!(code(&ran, "T-0").as_deref(), Some("invalid_request"));
    assert_eq!(server.invocations_of("T-0"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_call_is_retried_once() {
    let server = start(Config::default()).await;
    server.script("T-0", [Fault::Slow(Duration::from_secs(3))]);
    server.script(
        "T-1",
        [
            Fault::Slow(Duration::from_secs(3)),
            Fault::Slow(Duration::from_secs(3)),
        ],
    );
    let policy = Policy {
        attempt_timeout: Duration::from_millis(400),
        ..quick(3)
    };
    let ran = dispatch(engine(&server), (0..3).map(simple).collect(), &policy).await;
    assert!(ran.outcomes["T-0"].result.is_ok(), "the retry succeeded");
    assert_eq!(ran.outcomes["T-0"].attempts, 2);
    assert_eq!(code(&ran, "T-1").as_deref(), Some("timeout"));
    assert_eq!(ran.outcomes["T-1"].attempts, 2, "one retry, no more");
    assert!(ran.outcomes["T-2"].result.is_ok());
}

#[tokio::test]
async fn a_function_that_always_throttles_ends_with_a_clear_failure() {
    // Reserved concurrency 0: every call is throttled. The run must end, not spin for ever.
    let server = start(Config {
        concurrency_limit: Some(0),
        ..Config::default()
    })
    .await;
    let policy = Policy {
        throttle_retries: 3,
        ..quick(2)
    };
    let ran = dispatch(engine(&server), (0..2).map(simple).collect(), &policy).await;
    assert_eq!(ran.ending, Ending::Finished);
    assert_eq!(code(&ran, "T-0").as_deref(), Some("throttled"));
    let message = &ran.outcomes["T-0"]
        .result
        .as_ref()
        .expect_err("failed")
        .message;
    assert!(
        message.contains("ReservedFunctionConcurrentInvocationLimitExceeded"),
        "{message}"
    );
    assert_eq!(server.invocations_of("T-0"), 4);
}

#[tokio::test]
async fn a_request_over_six_megabytes_is_refused_before_it_is_sent() {
    let server = start(Config::default()).await;
    let mut requests: Vec<_> = (0..2).map(simple).collect();
    requests[0].1.asset.name = Some("x".repeat(7 * 1024 * 1024));
    let ran = dispatch(engine(&server), requests, &quick(2)).await;
    assert_eq!(code(&ran, "T-0").as_deref(), Some("request_too_large"));
    assert_eq!(server.invocations_of("T-0"), 0);
    assert!(ran.outcomes["T-1"].result.is_ok());
}

/// After an oil treatment with no sample since, the answer is known: no call is made (a
/// team's function, which may not read `oil_processed`, would get an empty history), and the
/// code is the embedded engine's. With a sample since, the function is called and, seeing the
/// treatment, diagnoses that sample alone.
#[tokio::test]
async fn no_sample_since_an_oil_treatment_is_answered_without_a_call() {
    use substation_dga::{OilProcessing, OilTreatment};
    let server = start(Config::default()).await;
    let mut requests: Vec<_> = (0..2).map(simple).collect();
    let latest = requests[0]
        .1
        .samples
        .iter()
        .map(|s| s.date)
        .max()
        .expect("samples");
    requests[0].1.oil_processed = Some(OilProcessing {
        date: latest + chrono::Days::new(1),
        treatment: OilTreatment::Replaced,
    });
    requests[1].1.oil_processed = Some(OilProcessing {
        date: latest,
        treatment: OilTreatment::Degassed,
    });
    let ran = dispatch(engine(&server), requests, &quick(2)).await;
    assert_eq!(
        code(&ran, "T-0").as_deref(),
        Some("no_sample_since_oil_processed")
    );
    assert_eq!(server.invocations_of("T-0"), 0);
    let message = &ran.outcomes["T-0"]
        .result
        .as_ref()
        .expect_err("refused")
        .message;
    assert!(
        message.contains("T-0") && message.contains("replaced"),
        "{message}"
    );
    let answer = ran.outcomes["T-1"].result.as_ref().expect("diagnosed");
    assert_eq!(server.invocations_of("T-1"), 1);
    assert!(
        String::from_utf8_lossy(&answer.json).contains("consensus.history_restarted"),
        "the function saw the treatment"
    );
}

#[tokio::test]
async fn an_unknown_function_is_named_in_the_error() {
    let server = start(Config::default()).await;
    let config = lambda_config(&server.endpoint());
    let engine = Arc::new(LambdaEngine::new(config, "no-such-function"));
    let ran = dispatch(engine, (0..5).map(simple).collect(), &quick(1)).await;
    let error = ran.outcomes["T-0"].result.as_ref().expect_err("failed");
    assert_eq!(error.code, "function_not_found");
    assert!(error.message.contains("no-such-function"));
    // One answer says it all: the run stops instead of failing every transformer alike.
    assert_eq!(ran.ending, Ending::Stopped);
    assert_eq!(ran.outcomes.len(), 1, "the others are left to a resume");
}

#[tokio::test]
async fn a_dead_endpoint_fails_each_asset_after_its_retries() {
    // Bind a port, then free it, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let config = lambda_config(&format!("http://127.0.0.1:{port}"));
    let engine = Arc::new(LambdaEngine::new(config, "substation-diagnose"));
    let policy = Policy {
        transient_retries: 2,
        ..quick(2)
    };
    let ran = dispatch(engine, (0..2).map(simple).collect(), &policy).await;
    for outcome in ran.outcomes.values() {
        assert_eq!(
            outcome.result.as_ref().expect_err("failed").code,
            "connection"
        );
        assert_eq!(outcome.attempts, 3);
    }
}

#[tokio::test]
async fn connect_without_a_function_name_or_region_says_what_is_missing() {
    let error = LambdaEngine::connect(&LambdaSettings::default())
        .await
        .expect_err("no function");
    assert_eq!(error.code, "no_function");
}

/// A credentials provider whose session has expired, like an SSO login after its hours.
#[derive(Debug)]
struct Expired;

impl aws_credential_types::provider::ProvideCredentials for Expired {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::not_loaded(
                "the SSO session has expired",
            ),
        ))
    }
}

#[tokio::test]
async fn expired_credentials_fail_at_once_without_retries() {
    let server = start(Config::default()).await;
    let config = lambda_config(&server.endpoint()).credentials_provider(Expired);
    let engine = Arc::new(LambdaEngine::new(config, server.function_name()));
    let ran = dispatch(engine, (0..2).map(simple).collect(), &quick(2)).await;
    assert_eq!(ran.ending, Ending::Stopped);
    for outcome in ran.outcomes.values() {
        let error = outcome.result.as_ref().expect_err("failed");
        assert_eq!(error.code, "no_credentials", "{}", error.message);
        // Neutral: what to run is each host's advice (the CLI's hint, the app's text).
        assert!(error.message.contains("expired"), "{}", error.message);
        assert!(!error.message.contains("sso login"), "{}", error.message);
        assert_eq!(outcome.attempts, 1, "not retried");
    }
    assert_eq!(server.stats().invocations, 0);
}
