//! The embedded engine: the diagnosis computed in this process, offline, answering like a
//! function would (its answer serialised once).

use std::sync::Arc;

use substation_dga::{Answer, DiagnosisRequest};

use crate::{Engine, EngineError};

/// The diagnosis crate in-process, on the blocking pool (diagnosis is CPU work). Its answer
/// is the diagnosis serialised once, as the Lambda function would send it.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedEngine;

impl Engine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn diagnose(&self, request: Arc<DiagnosisRequest>) -> Result<Answer, EngineError> {
        let joined = tokio::task::spawn_blocking(move || {
            let diagnosis = substation_dga::diagnose(&request)
                .map_err(|error| EngineError::permanent(error.code(), error.to_string()))?;
            Answer::from_diagnosis(&diagnosis)
                .map_err(|error| EngineError::permanent("internal", error.to_string()))
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(join) => Err(EngineError::permanent(
                "internal",
                format!("the embedded engine stopped: {join}"),
            )),
        }
    }
}
