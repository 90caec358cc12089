//! The AWS Lambda engine: one synchronous `Invoke` per transformer, through aws-sdk-lambda.
//!
//! The SDK's own retries are switched off. Its shared retry budget (500 tokens) runs dry under
//! mass throttling, and its adaptive mode has stalled a single request for over a minute; the
//! dispatcher retries instead, and this module only says what kind of failure each answer was.

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::StalledStreamProtectionConfig;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{Builder as LambdaConfigBuilder, Region};
use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput};
use aws_sdk_lambda::primitives::Blob;
use serde_json::value::RawValue;
use substation_dga::{Answer, DiagnosisRequest, ErrorBody};
use substation_profile::Profile;

use crate::{Engine, EngineError, FailureKind};

/// Lambda refuses synchronous requests over 6 MB (RequestTooLargeException); we refuse them
/// before sending, with the asset named.
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;

/// Where the function is and who calls it. Credentials are never stored here: they come from
/// the AWS config and credential chain (environment, profiles, SSO, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LambdaSettings {
    /// Function name, ARN, or `name:alias`.
    pub function: String,
    /// AWS region; when `None`, the profile's or `AWS_REGION`.
    pub region: Option<String>,
    /// Named profile from `~/.aws/config` (SSO profiles included); when `None`, the default.
    pub profile: Option<String>,
    /// Another endpoint than AWS's, such as a local Lambda emulator.
    pub endpoint_url: Option<String>,
}

/// Diagnoses on AWS Lambda: a function that speaks the built-in contract, or a team's own
/// function called and read through its [`Profile`].
#[derive(Debug, Clone)]
pub struct LambdaEngine {
    client: Client,
    function: Arc<str>,
    profile: Option<Arc<Profile>>,
}

impl LambdaEngine {
    /// Loads the AWS configuration the way the AWS CLI does and checks that credentials can be
    /// found, so that a missing login is one clear error rather than one per transformer.
    pub async fn connect(settings: &LambdaSettings) -> Result<LambdaEngine, EngineError> {
        if settings.function.trim().is_empty() {
            return Err(EngineError::permanent(
                "no_function",
                "no Lambda function name is set",
            ));
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint) = &settings.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        let shared = loader.load().await;
        let mut config = LambdaConfigBuilder::from(&shared);
        if shared.region().is_none() {
            if settings.endpoint_url.is_some() {
                // A local endpoint does not care about the region, but signing needs one.
                config = config.region(Region::new("us-east-1"));
            } else {
                return Err(EngineError::permanent(
                    "no_region",
                    "no AWS region is set, neither for this program nor in the AWS profile \
                     or AWS_REGION",
                ));
            }
        }
        match shared.credentials_provider() {
            None => {
                return Err(EngineError::fatal(
                    "no_credentials",
                    "no AWS credentials are configured",
                ));
            }
            Some(provider) => {
                use aws_sdk_lambda::config::ProvideCredentials;
                if let Err(error) = provider.provide_credentials().await {
                    return Err(EngineError::fatal(
                        "no_credentials",
                        format!(
                            "no AWS credentials could be loaded ({})",
                            DisplayErrorContext(&error)
                        ),
                    ));
                }
            }
        }
        Ok(LambdaEngine::new(config, &settings.function))
    }

    /// An engine from an SDK configuration built by the caller (tests use static
    /// credentials and a loopback endpoint). The SDK's retries and attempt timeouts are
    /// replaced by the dispatcher's whatever the configuration says.
    pub fn new(config: LambdaConfigBuilder, function: &str) -> LambdaEngine {
        let config = config
            .retry_config(RetryConfig::disabled())
            // The dispatcher's attempt timeout already ends a stalled call; the SDK's stall
            // detector would only add a timer to every poll of every body.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .build(),
            )
            .build();
        LambdaEngine {
            client: Client::from_conf(config),
            function: function.into(),
            profile: None,
        }
    }

    /// The same engine calling a team's own function: each request goes through the
    /// profile's transform, each answer is read by the profile and kept as it came.
    pub fn with_profile(mut self, profile: Profile) -> LambdaEngine {
        self.profile = Some(Arc::new(profile));
        self
    }

    pub fn function(&self) -> &str {
        &self.function
    }

    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_deref()
    }

    /// One invocation with this event, its answer's bytes back as they came: what a
    /// diagnosis does between building the request and reading the answer, for a profile
    /// check that shows each step.
    pub async fn call(&self, event: Vec<u8>) -> Result<Vec<u8>, EngineError> {
        if event.len() > MAX_REQUEST_BYTES {
            return Err(EngineError::permanent(
                "request_too_large",
                format!(
                    "the request is {:.1} MB, over Lambda's 6 MB limit; diagnose it on the \
                     embedded engine",
                    event.len() as f64 / 1_048_576.0
                ),
            ));
        }
        let answer = self
            .client
            .invoke()
            .function_name(self.function.as_ref())
            .payload(Blob::new(event))
            .send()
            .await;
        let output = answer.map_err(|error| classify(&self.function, error))?;
        function_payload(output)
    }
}

impl Engine for LambdaEngine {
    fn name(&self) -> &'static str {
        "lambda"
    }

    fn answer_version(&self) -> String {
        match &self.profile {
            Some(profile) => profile.engine_version(),
            None => substation_dga::ENGINE_VERSION.to_owned(),
        }
    }

    fn profile(&self) -> Option<&Profile> {
        self.profile.as_deref()
    }

    async fn diagnose(&self, request: Arc<DiagnosisRequest>) -> Result<Answer, EngineError> {
        let asset = &request.asset.id;
        // Nothing was drawn since the oil was processed: the answer is known without a call
        // (and a team's function, which may not read `oil_processed`, is not handed an empty
        // history).
        if let Some(processing) = &request.oil_processed
            && !request.samples.iter().any(|s| processing.keeps(s))
        {
            return Err(EngineError::permanent(
                "no_sample_since_oil_processed",
                format!("asset {asset}: {}", processing.nothing_since()),
            ));
        }
        let mut payload = serde_json::to_vec(request.as_ref())
            .map_err(|e| EngineError::permanent("internal", e.to_string()))?;
        if let Some(profile) = &self.profile {
            payload = profile.request(&payload).map_err(|e| {
                EngineError::permanent("request_transform_failed", format!("asset {asset}: {e}"))
            })?;
        }
        let payload = self.call(payload).await.map_err(|mut e| {
            if e.code == "request_too_large" {
                e.message = format!("asset {asset}: {}", e.message);
            }
            e
        })?;
        match &self.profile {
            None => read_contract_answer(asset, &payload),
            Some(profile) => profile
                .answer(&request, payload.into_boxed_slice())
                .map_err(|e| EngineError::permanent(e.code(), format!("asset {asset}: {e}"))),
        }
    }
}

/// One transformer tried through a profile, step by step: what a profile check shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// The event the profile made from the request (absent when that failed).
    pub event: Option<Vec<u8>>,
    /// The function's answer, as it came (absent when it was not called or did not answer).
    pub answer: Option<Vec<u8>>,
    /// What was read from the answer, or the step that failed (`request`, `call`, `answer`)
    /// and why.
    pub outcome: Result<substation_dga::Summary, (TrialStep, EngineError)>,
}

/// The steps of a [`Trial`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStep {
    Request,
    Call,
    Answer,
}

impl LambdaEngine {
    /// Tries the engine's profile on one transformer: builds the event, calls the function
    /// once (unless `call` is false) and reads the answer, keeping what each step gave.
    pub async fn trial(&self, request: &DiagnosisRequest, call: bool) -> Trial {
        let mut trial = Trial {
            event: None,
            answer: None,
            outcome: Err((
                TrialStep::Call,
                EngineError::permanent("not_called", "the function was not called"),
            )),
        };
        let event = match serde_json::to_vec(request) {
            Err(e) => Err(EngineError::permanent("internal", e.to_string())),
            Ok(contract) => match &self.profile {
                None => Ok(contract),
                Some(profile) => profile
                    .request(&contract)
                    .map_err(|e| EngineError::permanent("request_transform_failed", e.to_string())),
            },
        };
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                trial.outcome = Err((TrialStep::Request, error));
                return trial;
            }
        };
        trial.event = Some(event.clone());
        if !call {
            return trial;
        }
        let answer = match self.call(event).await {
            Ok(answer) => answer,
            Err(error) => {
                trial.outcome = Err((TrialStep::Call, error));
                return trial;
            }
        };
        trial.answer = Some(answer.clone());
        let read = match &self.profile {
            None => read_contract_answer(&request.asset.id, &answer),
            Some(profile) => profile
                .answer(request, answer.into_boxed_slice())
                .map_err(|e| EngineError::permanent(e.code(), e.to_string())),
        };
        trial.outcome = read
            .map(|answer| answer.summary)
            .map_err(|error| (TrialStep::Answer, error));
        trial
    }
}

/// The answer's bytes, or what the function's crash or timeout said.
fn function_payload(output: InvokeOutput) -> Result<Vec<u8>, EngineError> {
    let kind = output.function_error;
    let payload = output.payload.map(Blob::into_inner).unwrap_or_default();
    if let Some(kind) = kind {
        // The function crashed or timed out; the payload says how.
        let detail = serde_json::from_slice::<serde_json::Value>(&payload)
            .ok()
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&payload)
                    .chars()
                    .take(300)
                    .collect()
            });
        return Err(EngineError::permanent(
            "function_error",
            format!("the Lambda function failed ({kind}): {detail}"),
        ));
    }
    Ok(payload)
}

/// Turns a contract answer (the envelope) into the response's bytes and their summary, or
/// says why it is not one. The envelope is read in one pass that only marks where the
/// response is; a second pass reads the response's indexed keys and skips the rest. Nothing
/// is built into a diagnosis, nothing serialised again.
fn read_contract_answer(asset: &str, payload: &[u8]) -> Result<Answer, EngineError> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        status: u16,
        #[serde(borrow)]
        response: Option<&'a RawValue>,
        error: Option<ErrorBody>,
    }
    let envelope: Envelope = serde_json::from_slice(payload).map_err(|e| {
        EngineError::permanent(
            "malformed_response",
            format!("the Lambda function's answer is not a diagnosis: {e}"),
        )
    })?;
    match envelope {
        Envelope {
            response: Some(response),
            error: None,
            ..
        } => Answer::from_contract_json(response.get().as_bytes().into(), asset).map_err(|e| {
            let message = match e {
                substation_dga::ContractAnswerError::UnsupportedVersion { .. } => {
                    format!("the Lambda function {e}: deploy the function that matches this app")
                }
                _ => format!("the Lambda function's answer: {e}"),
            };
            EngineError::permanent(e.code(), message)
        }),
        Envelope {
            error: Some(error),
            response: None,
            status,
        } => {
            // 4xx: the request itself; 5xx: the engine's own fault, which may pass.
            let kind = if status >= 500 {
                FailureKind::Transient
            } else {
                FailureKind::Permanent
            };
            Err(EngineError::new(kind, error.code, error.message))
        }
        _ => Err(EngineError::permanent(
            "malformed_response",
            "the Lambda function's answer holds neither a diagnosis nor an error",
        )),
    }
}

/// What kind of failure an SDK error is.
fn classify(function: &str, error: SdkError<InvokeError>) -> EngineError {
    let detail = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = context.err().code().unwrap_or("unknown").to_owned();
            let message = context.err().message().unwrap_or("no message").to_owned();
            match context.err() {
                InvokeError::TooManyRequestsException(throttle) => {
                    let mut e = EngineError::new(
                        FailureKind::Throttled,
                        "throttled",
                        format!(
                            "Lambda is at its limit ({}): {message}",
                            throttle.reason().map_or("no reason given", |r| r.as_str())
                        ),
                    );
                    // Bounded: a bad value must not park an asset for hours.
                    e.retry_after = throttle
                        .retry_after_seconds()
                        .and_then(|s| s.trim().parse::<u64>().ok())
                        .map(|s| Duration::from_secs(s.min(60)));
                    e
                }
                InvokeError::RequestTooLargeException(_) => EngineError::permanent(
                    "request_too_large",
                    format!("Lambda refused the request as too large: {message}"),
                ),
                InvokeError::ResourceNotFoundException(_) => EngineError::fatal(
                    "function_not_found",
                    format!("there is no Lambda function {function} in this account and region"),
                ),
                // Configuration faults of the function itself: 502s that no retry will cure.
                _ if FUNCTION_CONFIGURATION_ERRORS.contains(&code.as_str()) => EngineError::fatal(
                    "function_misconfigured",
                    format!(
                        "the Lambda function {function} cannot run ({code}: {message}); \
                             its deployment needs fixing"
                    ),
                ),
                _ if EXPIRED_OR_UNKNOWN_CREDENTIALS.contains(&code.as_str()) => EngineError::fatal(
                    "no_credentials",
                    format!("AWS did not accept the credentials ({code}: {message})"),
                ),
                _ if code == "InvalidSignatureException" => EngineError::fatal(
                    "access_denied",
                    format!(
                        "AWS rejected the request signature ({message}); check the laptop's \
                         clock and the secret key"
                    ),
                ),
                _ if status == 429 => EngineError::new(
                    FailureKind::Throttled,
                    "throttled",
                    format!("Lambda is at its limit: {code}: {message}"),
                ),
                _ if status >= 500 => EngineError::transient(
                    "service_error",
                    format!("Lambda answered HTTP {status} {code}: {message}"),
                ),
                _ if status == 401 || status == 403 => EngineError::fatal(
                    "access_denied",
                    format!(
                        "AWS refused the call ({code}: {message}); the profile needs \
                         lambda:InvokeFunction on {function}"
                    ),
                ),
                _ => EngineError::permanent(
                    "lambda_refused",
                    format!("Lambda refused the call with HTTP {status} {code}: {message}"),
                ),
            }
        }
        // Only if SDK operation or attempt timeouts are ever configured: the dispatcher's own
        // timeout is what normally ends a slow call.
        SdkError::TimeoutError(_) => EngineError::new(FailureKind::Timeout, "timeout", detail),
        SdkError::DispatchFailure(failure) if failure.is_user() => {
            EngineError::permanent("request_not_sent", detail)
        }
        // Credentials that expired mid-run (an SSO session) surface as a dispatch failure too,
        // but retrying cannot help.
        SdkError::DispatchFailure(_) if caused_by_credentials(&error) => EngineError::fatal(
            "no_credentials",
            format!("the AWS credentials could not be loaded or have expired ({detail})"),
        ),
        // Refused and dropped connections, HTTP/2 GOAWAY, a reply cut short.
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            EngineError::transient("connection", format!("could not reach Lambda: {detail}"))
        }
        SdkError::ConstructionFailure(_) => EngineError::permanent("request_not_built", detail),
        _ => EngineError::transient("unknown", detail),
    }
}

/// Lambda error codes that say the function's deployment is broken (answered as 502).
const FUNCTION_CONFIGURATION_ERRORS: [&str; 13] = [
    "InvalidRuntimeException",
    "InvalidZipFileException",
    "InvalidSubnetIDException",
    "InvalidSecurityGroupIDException",
    "ENILimitReachedException",
    "SubnetIPAddressLimitReachedException",
    "KMSAccessDeniedException",
    "KMSDisabledException",
    "KMSInvalidStateException",
    "KMSNotFoundException",
    "EC2AccessDeniedException",
    "EFSMountConnectivityException",
    "EFSMountFailureException",
];

/// Error codes of credentials AWS does not accept (expired session, unknown key).
const EXPIRED_OR_UNKNOWN_CREDENTIALS: [&str; 4] = [
    "ExpiredTokenException",
    "ExpiredToken",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
];

/// Whether a credentials error is anywhere in the error's chain of causes.
fn caused_by_credentials(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
            .is_some()
        {
            return true;
        }
        current = e.source();
    }
    false
}
