//! A diagnosis as an engine answered it: the answer's JSON bytes, kept as they came, and the
//! summary the tool sorts, filters and shows by, read from them.
//!
//! The built-in contract's answers are summarised by a validating pass that reads only the
//! contract version, the asset id and the indexed fields and skips the rest without building
//! it ([`ResponseKeys`]); a team's own function's answers are summarised by its profile
//! (`substation-profile`). Either way the bytes are what is stored and synced: nothing is
//! parsed into a [`Diagnosis`] and serialised again on the way to the store.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::contract::{CONTRACT_VERSION, Diagnosis, ResponseKeys};
use crate::{Fault, Severity};

/// The function profile that read an answer: its name and the SHA-256 of its file, so that
/// another laptop or the central service reads the answer with the very same profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProfileRef {
    pub name: String,
    /// SHA-256 of the profile's file, lowercase hex.
    pub sha256: String,
}

/// What the tool reads from an answer: enough to sort a fleet worst first, filter it and say
/// in one line what was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub asset_id: String,
    /// What produced the answer, for reusing it: the contract's engine version, or for a
    /// custom function its profile's name and hash.
    pub engine_version: String,
    /// The newest sample the answer is about.
    pub latest_sample_date: NaiveDate,
    pub severity: Severity,
    /// The tool's fault code: always there for a contract answer; for a custom one only when
    /// the profile maps the function's label to a code.
    pub fault: Option<Fault>,
    /// A custom function's own fault label, as it answered it.
    pub fault_label: Option<String>,
    /// The number a custom function's severity was read from (a score, an index).
    pub score: Option<f64>,
    /// The recommended action, in the answer's words.
    pub action: Option<String>,
    /// Days within which the oil should be sampled again.
    pub resample_within_days: Option<u32>,
    /// A short line saying what was found (custom functions; the contract's own fields say it).
    pub headline: Option<String>,
    /// IEEE C57.104-2019 status (1–3), contract answers only.
    pub ieee_status: Option<u8>,
    /// IEC 60599 state label, contract answers only.
    pub iec_state: Option<String>,
    /// The profile that read the answer; `None` for the built-in contract.
    pub profile: Option<ProfileRef>,
}

/// One answer: its JSON bytes, verbatim, and what was read from them.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// A contract answer's `response` object, or a custom function's whole answer.
    pub json: Box<[u8]>,
    pub summary: Summary,
}

/// Why a contract answer's JSON is not a diagnosis the tool can keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractAnswerError {
    #[error("the answer is not a diagnosis: {0}")]
    Malformed(String),
    #[error("the answer is in contract version {found}; this app reads version {supported}")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("asked about asset {asked}, the answer is about {answered}")]
    OtherAsset { asked: String, answered: String },
}

impl ContractAnswerError {
    /// Every code [`ContractAnswerError::code`] gives.
    pub const CODES: &'static [&'static str] =
        &["malformed_response", "unsupported_contract_version"];

    pub fn code(&self) -> &'static str {
        match self {
            ContractAnswerError::Malformed(_) | ContractAnswerError::OtherAsset { .. } => {
                "malformed_response"
            }
            ContractAnswerError::UnsupportedVersion { .. } => "unsupported_contract_version",
        }
    }
}

impl Answer {
    /// The answer of a diagnosis computed in this process (the embedded engine): serialised
    /// once, its summary taken from the diagnosis itself.
    pub fn from_diagnosis(diagnosis: &Diagnosis) -> Result<Answer, serde_json::Error> {
        let json = serde_json::to_vec(diagnosis)?.into_boxed_slice();
        Ok(Answer {
            json,
            summary: Summary::of_diagnosis(diagnosis),
        })
    }

    /// A contract response's JSON (the envelope's `response`), kept as it is once a pass that
    /// reads only the version, the asset id and the indexed fields has found them all and
    /// valid; the rest of the answer is skipped, not built.
    pub fn from_contract_json(
        json: Box<[u8]>,
        asked_about: &str,
    ) -> Result<Answer, ContractAnswerError> {
        let summary = Summary::of_contract_json(&json)?;
        if summary.asset_id != asked_about {
            return Err(ContractAnswerError::OtherAsset {
                asked: asked_about.to_owned(),
                answered: summary.asset_id,
            });
        }
        Ok(Answer { json, summary })
    }

    /// Whether the built-in contract's reader read this answer (so it parses as a
    /// [`Diagnosis`]).
    pub fn is_contract(&self) -> bool {
        self.summary.profile.is_none()
    }

    /// The whole diagnosis, for a contract answer; `None` for a custom function's.
    pub fn diagnosis(&self) -> Option<Result<Diagnosis, serde_json::Error>> {
        self.is_contract()
            .then(|| serde_json::from_slice(&self.json))
    }
}

impl Summary {
    pub fn of_diagnosis(d: &Diagnosis) -> Summary {
        Summary {
            asset_id: d.asset_id.clone(),
            engine_version: d.engine.version.clone(),
            latest_sample_date: d.latest_sample_date,
            severity: d.severity,
            fault: Some(d.fault),
            fault_label: None,
            score: None,
            action: Some(d.recommended_action.summary.clone()),
            resample_within_days: Some(d.recommended_action.resample_within_days),
            headline: None,
            ieee_status: Some(d.ieee_c57_104_2019.status.number()),
            iec_state: Some(d.iec_60599.state.label().to_owned()),
            profile: None,
        }
    }

    /// Reads a contract response's summary, refusing one without every key the store
    /// indexes or with a value the contract does not define.
    pub fn of_contract_json(json: &[u8]) -> Result<Summary, ContractAnswerError> {
        let keys =
            ResponseKeys::read(json).map_err(|e| ContractAnswerError::Malformed(e.to_string()))?;
        let missing = |field: &str| ContractAnswerError::Malformed(format!("no `{field}`"));
        let version = keys
            .contract_version
            .ok_or_else(|| missing("contract_version"))?;
        if version != CONTRACT_VERSION {
            return Err(ContractAnswerError::UnsupportedVersion {
                found: version,
                supported: CONTRACT_VERSION,
            });
        }
        let ieee = keys
            .ieee_status
            .ok_or_else(|| missing("ieee_c57_104_2019.status"))?;
        if !(1..=3).contains(&ieee) {
            return Err(ContractAnswerError::Malformed(format!(
                "`ieee_c57_104_2019.status` is {ieee}, not 1, 2 or 3"
            )));
        }
        let iec = keys
            .iec_state
            .clone()
            .ok_or_else(|| missing("iec_60599.state"))?;
        use crate::methods::iec_60599::IecState;
        if ![IecState::Normal, IecState::Alert, IecState::Alarm]
            .iter()
            .any(|state| state.label() == iec)
        {
            return Err(ContractAnswerError::Malformed(format!(
                "`iec_60599.state` is {iec:?}, not normal, alert or alarm"
            )));
        }
        let fault = keys.fault.as_deref().ok_or_else(|| missing("fault"))?;
        let fault = Fault::from_label(fault).ok_or_else(|| {
            ContractAnswerError::Malformed(format!("`fault` is {fault:?}, not a fault code"))
        })?;
        let severity = keys
            .severity
            .as_deref()
            .ok_or_else(|| missing("severity"))?;
        let severity = Severity::from_label(severity).ok_or_else(|| {
            ContractAnswerError::Malformed(format!("`severity` is {severity:?}, not a level"))
        })?;
        Ok(Summary {
            engine_version: keys
                .engine_version
                .ok_or_else(|| missing("engine.version"))?,
            latest_sample_date: keys
                .latest_sample_date
                .ok_or_else(|| missing("latest_sample_date"))?,
            severity,
            fault: Some(fault),
            fault_label: None,
            score: None,
            action: keys.action,
            resample_within_days: keys.resample_within_days,
            headline: None,
            ieee_status: Some(ieee),
            iec_state: Some(iec),
            profile: None,
            asset_id: keys.asset_id,
        })
    }

    /// The fault as shown: the tool's code when there is one, else the function's own label.
    pub fn fault_shown(&self) -> &str {
        match (&self.fault, &self.fault_label) {
            (_, Some(label)) if self.profile.is_some() => label,
            (Some(fault), _) => fault.label(),
            (None, Some(label)) => label,
            (None, None) => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Asset, DiagnosisRequest, GasReadings, Sample, diagnose};

    fn diagnosis() -> Diagnosis {
        use crate::Gas;
        let gases = [
            (Gas::H2, 600.0),
            (Gas::CH4, 40.0),
            (Gas::C2H6, 20.0),
            (Gas::C2H4, 30.0),
            (Gas::C2H2, 90.0),
            (Gas::CO, 300.0),
            (Gas::CO2, 2500.0),
        ]
        .into_iter()
        .fold(GasReadings::default(), |g, (gas, ppm)| g.with(gas, ppm));
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let request = DiagnosisRequest::new(Asset::new("T-1"), vec![Sample::new(date, gases)]);
        diagnose(&request).expect("diagnosis")
    }

    #[test]
    fn a_contract_answer_reads_the_same_summary_as_its_diagnosis() {
        let d = diagnosis();
        let answer = Answer::from_diagnosis(&d).expect("serialise");
        let read = Answer::from_contract_json(answer.json.clone(), "T-1").expect("read");
        assert_eq!(read.summary, Summary::of_diagnosis(&d));
        let back = read.diagnosis().expect("contract").expect("parses");
        // (Compared as JSON: a ratio that is not a number goes out as `null`.)
        assert_eq!(
            serde_json::to_value(back).expect("back"),
            serde_json::to_value(&d).expect("diagnosis")
        );
    }

    #[test]
    fn a_contract_answer_without_an_indexed_key_or_about_another_asset_is_refused() {
        let d = diagnosis();
        let mut value = serde_json::to_value(&d).expect("value");
        let json = |v: &serde_json::Value| serde_json::to_vec(v).expect("json").into_boxed_slice();
        let other = Answer::from_contract_json(json(&value), "T-2").expect_err("other asset");
        assert_eq!(other.code(), "malformed_response");
        assert!(other.to_string().contains("T-2"), "{other}");

        value["severity"] = "dire".into();
        let bad = Answer::from_contract_json(json(&value), "T-1").expect_err("bad severity");
        assert!(bad.to_string().contains("dire"), "{bad}");

        value["severity"] = "warning".into();
        value["contract_version"] = 99.into();
        let newer = Answer::from_contract_json(json(&value), "T-1").expect_err("newer");
        assert_eq!(newer.code(), "unsupported_contract_version");

        value["contract_version"] = CONTRACT_VERSION.into();
        value["ieee_c57_104_2019"]["status"] = 4.into();
        let status = Answer::from_contract_json(json(&value), "T-1").expect_err("status 4");
        assert!(status.to_string().contains("not 1, 2 or 3"), "{status}");
        value["ieee_c57_104_2019"]["status"] = 2.into();
        value["iec_60599"]
            .as_object_mut()
            .expect("object")
            .remove("state");
        let missing = Answer::from_contract_json(json(&value), "T-1").expect_err("no state");
        assert!(missing.to_string().contains("iec_60599.state"), "{missing}");
    }
}
