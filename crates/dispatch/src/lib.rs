//! Concurrent diagnosis dispatch.
//!
//! The lesson of the system this replaces: build pure payloads first, invoke concurrently,
//! write results through one writer. The dispatcher takes ready requests (no database handle
//! goes near a worker), keeps at most the allowed number in flight, decides itself what to do
//! about throttling, server errors and timeouts (the SDK's own retries are off), and hands
//! every final outcome to the caller's sink as it lands, so the store's single writer can take
//! it from there.
//!
//! Engines sit behind one trait: [`EmbeddedEngine`] (the diagnosis crate in-process) and
//! [`LambdaEngine`] (AWS Lambda through aws-sdk-lambda).

mod embedded;
mod fleet;
mod lambda;
mod policy;
mod run;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use substation_dga::{Answer, DiagnosisRequest};

pub use embedded::EmbeddedEngine;
pub use fleet::{FleetError, FleetRun, FleetSummary, Scope, diagnose_fleet};
pub use lambda::{LambdaEngine, LambdaSettings, MAX_REQUEST_BYTES, Trial, TrialStep};
pub use policy::{EngineKind, Policy};
pub use run::{Ending, Outcome, Progress, run};

/// What kind of failure an attempt met; it decides whether the dispatcher tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The service is at its limit (HTTP 429): not a failure, the call waits and goes again.
    Throttled,
    /// A 5xx answer, a dropped or refused connection: tried again a few times.
    Transient,
    /// No answer within the attempt timeout: tried again at most `timeout_retries` times,
    /// because every retry is paid compute.
    Timeout,
    /// The request or the function itself is at fault: trying again would give the same.
    Permanent,
    /// The engine cannot serve any transformer (no credentials, no such function, no access,
    /// a broken deployment): the run stops rather than fail every transformer the same way.
    Fatal,
}

/// Why one diagnosis attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    /// Stable code: `invalid_request`, `function_error`, `timeout`, `throttled`, …
    pub code: String,
    /// What happened, in words a field engineer can act on.
    pub message: String,
    pub kind: FailureKind,
    /// How long the service asked us to wait before trying again.
    pub retry_after: Option<Duration>,
}

impl EngineError {
    pub fn new(kind: FailureKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError {
            code: code.into(),
            message: message.into(),
            kind,
            retry_after: None,
        }
    }

    pub fn permanent(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(FailureKind::Permanent, code, message)
    }

    pub fn transient(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(FailureKind::Transient, code, message)
    }

    pub fn fatal(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(FailureKind::Fatal, code, message)
    }
}

/// The codes this crate's own [`EngineError`]s carry (the Lambda client's and the
/// dispatcher's).
pub const OWN_ENGINE_CODES: &[&str] = &[
    "no_function",
    "no_region",
    "no_credentials",
    "request_too_large",
    "throttled",
    "function_not_found",
    "function_misconfigured",
    "access_denied",
    "service_error",
    "lambda_refused",
    "timeout",
    "request_not_sent",
    "connection",
    "request_not_built",
    "unknown",
    "function_error",
    "malformed_response",
    "request_transform_failed",
    "internal",
    "not_called",
    "no_sample_since_oil_processed",
];

/// Every code an [`EngineError`] can carry from this crate: its own, the contract's (a request
/// the embedded engine refuses or our function's reply, an answer that is not a diagnosis) and
/// a profile's (an answer its filters cannot read). A team's own function may answer with
/// codes of its own besides.
pub fn engine_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = [
        OWN_ENGINE_CODES,
        substation_dga::DiagnosisError::CODES,
        substation_dga::ContractAnswerError::CODES,
        substation_profile::AnswerError::CODES,
    ]
    .concat();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Anything that diagnoses one transformer: the embedded engine, AWS Lambda.
pub trait Engine: Send + Sync + 'static {
    /// Short name for runs and progress ("embedded", "lambda").
    fn name(&self) -> &'static str;
    /// The version its answers are stored under, which decides what `--reuse` may copy: the
    /// contract's engine version, or for a team's own function its profile's name and hash.
    fn answer_version(&self) -> String {
        substation_dga::ENGINE_VERSION.to_owned()
    }
    /// The profile its answers are read with, if any: kept in the store with the run.
    fn profile(&self) -> Option<&substation_profile::Profile> {
        None
    }
    /// One attempt; the dispatcher owns retries and timeouts. The answer's JSON comes back
    /// as the engine gave it, with the summary read from it.
    fn diagnose(
        &self,
        request: Arc<DiagnosisRequest>,
    ) -> impl Future<Output = Result<Answer, EngineError>> + Send;
}

/// File descriptors kept free for everything but the calls in flight (the database, logs,
/// the runtime).
const SPARE_FILES: u64 = 64;

/// Makes room for `concurrency` calls in flight, each of which may hold its own connection
/// (HTTP/1.1): raises this process's open-file limit towards its hard limit (macOS starts at
/// 256, Linux at 1,024) and returns the concurrency that fits under it, so that a large
/// `--concurrency` does not turn into "too many open files" failures. For host programs to
/// call once at start; it changes a process-wide setting.
pub fn fit_open_files(concurrency: usize) -> usize {
    let wanted = concurrency as u64 + SPARE_FILES;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(limit) if limit < wanted => {
            usize::try_from(limit.saturating_sub(SPARE_FILES).max(1)).unwrap_or(1)
        }
        _ => concurrency,
    }
}

#[cfg(test)]
mod tests {
    use super::OWN_ENGINE_CODES;

    /// The first argument of every `EngineError` built in this crate, where it is a literal
    /// code: each is listed in [`OWN_ENGINE_CODES`].
    #[test]
    fn every_engine_code_this_crate_gives_is_listed() {
        let sources = [
            include_str!("lambda.rs"),
            include_str!("run.rs"),
            include_str!("embedded.rs"),
            include_str!("fleet.rs"),
            include_str!("policy.rs"),
        ];
        let mut found = 0;
        for source in sources {
            for call in ["permanent(", "transient(", "fatal(", "EngineError::new("] {
                for (at, _) in source.match_indices(call) {
                    let mut rest = source[at + call.len()..].trim_start();
                    if let Some(kind) = rest.strip_prefix("FailureKind::")
                        && let Some(comma) = kind.find(',')
                    {
                        rest = kind[comma + 1..].trim_start();
                    }
                    let Some(literal) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let code = &literal[..literal.find('"').expect("a closed literal")];
                    assert!(
                        OWN_ENGINE_CODES.contains(&code),
                        "`{code}` is not in OWN_ENGINE_CODES"
                    );
                    found += 1;
                }
            }
        }
        assert!(
            found >= 25,
            "only {found} codes found: the scan has gone blind"
        );
    }
}
