use std::sync::Arc;

use substation_dga::{Diagnosis, DiagnosisRequest};

use crate::{Engine, EngineError};

/// The diagnosis crate in-process, on the blocking pool (diagnosis is CPU work).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedEngine;

impl Engine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn diagnose(&self, request: Arc<DiagnosisRequest>) -> Result<Diagnosis, EngineError> {
        let joined = tokio::task::spawn_blocking(move || substation_dga::diagnose(&request)).await;
        match joined {
            Ok(Ok(diagnosis)) => Ok(diagnosis),
            Ok(Err(error)) => Err(EngineError::permanent(error.code(), error.to_string())),
            Err(join) => Err(EngineError::permanent(
                "internal",
                format!("the embedded engine stopped: {join}"),
            )),
        }
    }
}
