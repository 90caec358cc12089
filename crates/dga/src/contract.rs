//! The diagnosis contract: what every engine (embedded, Lambda) takes and returns.
//!
//! Request: `{contract_version, asset, samples, options}`. Response envelope:
//! `{"status": 200, "response": Diagnosis}` or `{"status": 4xx|5xx, "error": {code, message}}`,
//! the envelope of the original Lambda function. JSON Schemas of both live in
//! `docs/contract/` and a test fails when they drift from these types.
//!
//! Compatibility: a change that an older reader would misread bumps [`CONTRACT_VERSION`];
//! engines refuse versions they do not speak. Unknown fields are refused rather than ignored,
//! so that an option an engine does not know cannot silently change nothing.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::consensus::{self, Agreement, Fault, Inputs, RecommendedAction, Severity};
use crate::domain::{Asset, History, HistoryError, Sample};
use crate::gas::Gas;
use crate::limits::{IecLimits, Ieee2008Limits, Ieee2019Limits, InvalidLimits};
use crate::methods::duval_pentagons::{self, DuvalPentagon1, DuvalPentagon2};
use crate::methods::duval_triangles::{
    self, DuvalTriangle1, DuvalTriangle4, DuvalTriangle5, Triangle1Lines, Triangle1Zone,
    Triangle5Lines,
};
use crate::methods::iec_60599::{self, Iec60599};
use crate::methods::ieee_2008::{self, Ieee2008};
use crate::methods::ieee_2019::{self, Ieee2019};
use crate::methods::key_gas::{self, KeyGas};
use crate::methods::rogers::{self, Rogers};
use crate::methods::{
    Applicability, Finding,
    doernenburg::{self, Doernenburg},
};
use crate::restart::OilProcessing;

/// The contract version this engine speaks.
pub const CONTRACT_VERSION: u32 = 2;
/// Name of this engine, reported in every diagnosis.
pub const ENGINE_NAME: &str = "substation-dga";
/// Version of this engine; a cached diagnosis is reusable only from the same version.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Most samples one request may carry (a century of monthly samples is 1,200).
pub const MAX_SAMPLES: usize = 10_000;

/// A request to diagnose one transformer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisRequest {
    /// Must equal the engine's contract version (currently 2).
    pub contract_version: u32,
    pub asset: Asset,
    /// The transformer's samples, in any order; exact duplicates are merged.
    pub samples: Vec<Sample>,
    #[serde(default)]
    pub options: DiagnosisOptions,
    /// The latest oil processing: the diagnosis uses only the samples drawn on or after its
    /// day (`docs/diagnosis.md`, "Oil processing").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oil_processed: Option<OilProcessing>,
}

impl DiagnosisRequest {
    /// A request in the current contract version with default options.
    pub fn new(asset: Asset, samples: Vec<Sample>) -> Self {
        DiagnosisRequest {
            contract_version: CONTRACT_VERSION,
            asset,
            samples,
            options: DiagnosisOptions::default(),
            oil_processed: None,
        }
    }
}

/// Where the published sources disagree, the request chooses; the defaults are documented
/// in docs/diagnosis.md.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisOptions {
    #[serde(default)]
    pub duval_triangle_1_lines: Triangle1Lines,
    #[serde(default)]
    pub duval_triangle_5_lines: Triangle5Lines,
    /// A utility's own IEEE C57.104-2019 Tables 1–4 instead of the built-in ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ieee_c57_104_2019_limits: Option<Ieee2019Limits>,
    /// Replacement IEEE C57.104-2008 condition bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ieee_c57_104_2008_limits: Option<Ieee2008Limits>,
    /// The network's own IEC 60599 typical values and rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iec_60599_limits: Option<IecLimits>,
}

/// Which engine produced a diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EngineInfo {
    pub name: String,
    pub version: String,
}

/// The diagnosis of one transformer, as of its latest sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Diagnosis {
    pub contract_version: u32,
    pub engine: EngineInfo,
    pub asset_id: String,
    /// Samples after merging exact duplicates.
    pub samples_used: usize,
    pub duplicates_merged: usize,
    pub latest_sample_date: NaiveDate,
    /// Screening suspects a fault (IEEE 2019 Status ≥ 2 or IEC 60599 alert/alarm).
    pub fault_suspected: bool,
    /// Most likely fault.
    pub fault: Fault,
    pub fault_description: String,
    pub severity: Severity,
    pub recommended_action: RecommendedAction,
    /// The fault probably involves paper insulation.
    pub paper_involved: bool,
    /// Fault-typing methods that agree or disagree with `fault` (by electrical / thermal family).
    pub agreement: Agreement,
    /// Why: the consensus rules that fired, then every method's findings.
    pub rules: Vec<Finding>,
    pub ieee_c57_104_2019: Ieee2019,
    pub ieee_c57_104_2008: Ieee2008,
    pub iec_60599: Iec60599,
    pub duval_triangle_1: DuvalTriangle1,
    pub duval_triangle_4: DuvalTriangle4,
    pub duval_triangle_5: DuvalTriangle5,
    pub duval_pentagon_1: DuvalPentagon1,
    pub duval_pentagon_2: DuvalPentagon2,
    pub rogers: Rogers,
    pub doernenburg: Doernenburg,
    pub key_gas: KeyGas,
}

/// Why a request cannot be diagnosed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiagnosisError {
    #[error("the request is not valid JSON for this contract: {0}")]
    MalformedRequest(String),
    #[error("contract version {found} is not supported; this engine speaks version {supported}")]
    UnsupportedContractVersion { found: u32, supported: u32 },
    #[error("asset {asset}: {problem}")]
    InvalidRequest { asset: String, problem: String },
    #[error(transparent)]
    InvalidLimits(#[from] InvalidLimits),
    #[error("asset {asset}: {problem}")]
    NoSampleSinceOilProcessed { asset: String, problem: String },
}

impl DiagnosisError {
    /// Every code [`DiagnosisError::code`] gives.
    pub const CODES: &'static [&'static str] = &[
        "malformed_request",
        "unsupported_contract_version",
        "invalid_request",
        "invalid_limits",
        "no_sample_since_oil_processed",
    ];

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DiagnosisError::MalformedRequest(_) => "malformed_request",
            DiagnosisError::UnsupportedContractVersion { .. } => "unsupported_contract_version",
            DiagnosisError::InvalidRequest { .. } => "invalid_request",
            DiagnosisError::InvalidLimits(_) => "invalid_limits",
            DiagnosisError::NoSampleSinceOilProcessed { .. } => "no_sample_since_oil_processed",
        }
    }

    /// HTTP-style status for the envelope.
    pub fn status(&self) -> u16 {
        match self {
            DiagnosisError::UnsupportedContractVersion { .. } => 409,
            // Well-formed, but the history holds nothing to diagnose yet.
            DiagnosisError::NoSampleSinceOilProcessed { .. } => 422,
            _ => 400,
        }
    }
}

/// `{code, message}`, the error shape used across IPC, the CLI's `--json` and the envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

impl From<&DiagnosisError> for ErrorBody {
    fn from(error: &DiagnosisError) -> Self {
        ErrorBody {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

/// What an engine answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Envelope {
    Success {
        /// 200
        status: u16,
        response: Box<Diagnosis>,
    },
    Failure {
        /// 4xx for a request the engine refuses, 5xx for an engine fault.
        status: u16,
        error: ErrorBody,
    },
}

impl Envelope {
    pub fn from_result(result: Result<Diagnosis, DiagnosisError>) -> Self {
        match result {
            Ok(diagnosis) => Envelope::Success {
                status: 200,
                response: Box::new(diagnosis),
            },
            Err(error) => Envelope::Failure {
                status: error.status(),
                error: ErrorBody::from(&error),
            },
        }
    }
}

/// The history to diagnose, and the finding that says where it restarted, if it did.
fn check_request(request: &DiagnosisRequest) -> Result<(History, Option<Finding>), DiagnosisError> {
    if request.contract_version != CONTRACT_VERSION {
        return Err(DiagnosisError::UnsupportedContractVersion {
            found: request.contract_version,
            supported: CONTRACT_VERSION,
        });
    }
    let invalid = |problem: String| DiagnosisError::InvalidRequest {
        asset: request.asset.id.clone(),
        problem,
    };
    if request.asset.id.trim().is_empty() {
        return Err(invalid("the asset id is empty".to_owned()));
    }
    if request.samples.len() > MAX_SAMPLES {
        return Err(invalid(format!(
            "{} samples is more than the {MAX_SAMPLES} one request may carry",
            request.samples.len()
        )));
    }
    let nameplate = [
        ("rated_kv", request.asset.rated_kv),
        ("rated_mva", request.asset.rated_mva),
        ("oil_volume_litres", request.asset.oil_volume_litres),
    ];
    for (field, value) in nameplate {
        if let Some(v) = value
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(invalid(format!(
                "{field} = {v} is not a non-negative number"
            )));
        }
    }
    if let Some(year) = request.asset.year_of_manufacture
        && !(1850..=2200).contains(&year)
    {
        return Err(invalid(format!(
            "year of manufacture {year} is not plausible"
        )));
    }
    let options = &request.options;
    if let Some(limits) = &options.ieee_c57_104_2019_limits {
        limits.validate()?;
    }
    if let Some(limits) = &options.ieee_c57_104_2008_limits {
        limits.validate()?;
    }
    if let Some(limits) = &options.iec_60599_limits {
        limits.validate()?;
    }
    let (samples, restarted) = match &request.oil_processed {
        None => (request.samples.clone(), None),
        Some(processing) => {
            let kept: Vec<Sample> = request
                .samples
                .iter()
                .filter(|s| processing.keeps(s))
                .copied()
                .collect();
            if kept.is_empty() {
                return Err(DiagnosisError::NoSampleSinceOilProcessed {
                    asset: request.asset.id.clone(),
                    problem: processing.nothing_since(),
                });
            }
            let left_out = request.samples.len() - kept.len();
            let finding = processing.finding(kept.len(), left_out);
            (kept, Some(finding))
        }
    };
    let history =
        History::new(samples).map_err(|error: HistoryError| invalid(error.to_string()))?;
    let latest = history.latest();
    if Gas::FAULT_GASES
        .iter()
        .all(|gas| latest.gases.get(*gas).is_not_measured())
    {
        return Err(invalid(format!(
            "the latest sample ({}) reports none of H2, CH4, C2H6, C2H4, C2H2, CO, CO2",
            latest.date
        )));
    }
    Ok((history, restarted))
}

const REFERENCE_ONLY: &str = "screening suspects no fault (IEEE C57.104-2019 Status 1, IEC 60599 \
     normal, TDCG Condition 1): shown for reference only";

fn only_if(suspected: bool, applicability: &mut Applicability) {
    if !suspected && applicability.applicable {
        *applicability = Applicability::not_applicable(REFERENCE_ONLY);
    }
}

/// Diagnoses one transformer. Pure and deterministic: the same request always gives the same
/// diagnosis.
pub fn diagnose(request: &DiagnosisRequest) -> Result<Diagnosis, DiagnosisError> {
    let (history, restarted) = check_request(request)?;
    let options = &request.options;
    let asset = &request.asset;
    let latest = &history.latest().gases;

    let ieee_2019_limits = options
        .ieee_c57_104_2019_limits
        .as_ref()
        .unwrap_or_else(|| Ieee2019Limits::builtin());
    let ieee_2008_limits = options
        .ieee_c57_104_2008_limits
        .as_ref()
        .unwrap_or_else(|| Ieee2008Limits::builtin());
    let iec_limits = options
        .iec_60599_limits
        .as_ref()
        .unwrap_or_else(|| IecLimits::builtin());

    let ieee_2019 = ieee_2019::evaluate(asset, &history, ieee_2019_limits);
    let ieee_2008 = ieee_2008::evaluate(&history, ieee_2008_limits);
    let iec = iec_60599::evaluate(asset, &history, iec_limits);
    let suspected = consensus::fault_suspected(&ieee_2019, &ieee_2008, &iec);

    let mut triangle_1 = duval_triangles::triangle_1(latest, options.duval_triangle_1_lines);
    let mut triangle_4 = duval_triangles::triangle_4(latest);
    let mut triangle_5 = duval_triangles::triangle_5(latest, options.duval_triangle_5_lines);
    let mut pentagon_1 = duval_pentagons::pentagon_1(latest);
    let mut pentagon_2 = duval_pentagons::pentagon_2(latest);
    let mut rogers = rogers::rogers(latest);
    let doernenburg = doernenburg::doernenburg(latest);
    let mut key_gas = key_gas::key_gas(latest);

    for applicability in [
        &mut triangle_1.applicability,
        &mut pentagon_1.applicability,
        &mut pentagon_2.applicability,
        &mut rogers.applicability,
        &mut key_gas.applicability,
    ] {
        only_if(suspected, applicability);
    }
    let t1_zone = triangle_1.zone;
    if triangle_4.applicability.applicable {
        if !suspected {
            triangle_4.applicability = Applicability::not_applicable(REFERENCE_ONLY);
        } else if !matches!(
            t1_zone,
            Some(Triangle1Zone::PD | Triangle1Zone::T1 | Triangle1Zone::T2)
        ) {
            triangle_4.applicability = Applicability::not_applicable(
                "Triangle 4 refines only Triangle 1 zones PD, T1 and T2",
            );
        }
    }
    if triangle_5.applicability.applicable {
        if !suspected {
            triangle_5.applicability = Applicability::not_applicable(REFERENCE_ONLY);
        } else if !matches!(t1_zone, Some(Triangle1Zone::T2 | Triangle1Zone::T3)) {
            triangle_5.applicability =
                Applicability::not_applicable("Triangle 5 refines only Triangle 1 zones T2 and T3");
        }
    }

    let verdict = consensus::decide(&Inputs {
        ieee_2019: &ieee_2019,
        ieee_2008: &ieee_2008,
        iec: &iec,
        triangle_1: &triangle_1,
        triangle_4: &triangle_4,
        pentagon_1: &pentagon_1,
        rogers: &rogers,
        doernenburg: &doernenburg,
        key_gas: &key_gas,
        communicating_oltc: asset.communicating_oltc,
    });

    if verdict.source == Some("duval_triangle_4") {
        triangle_4.applicability = Applicability::applies();
    }
    let mut rules: Vec<Finding> = restarted.into_iter().collect();
    rules.extend(verdict.rules);
    rules.extend(ieee_2019.findings.iter().cloned());
    rules.extend(iec.findings.iter().cloned());
    rules.extend(ieee_2008.findings.iter().cloned());
    rules.extend(doernenburg.findings.iter().cloned());

    Ok(Diagnosis {
        contract_version: CONTRACT_VERSION,
        engine: EngineInfo {
            name: ENGINE_NAME.to_owned(),
            version: ENGINE_VERSION.to_owned(),
        },
        asset_id: asset.id.clone(),
        samples_used: history.len(),
        duplicates_merged: history.merged_duplicates(),
        latest_sample_date: history.latest().date,
        fault_suspected: suspected,
        fault: verdict.fault,
        fault_description: verdict.fault.describe().to_owned(),
        severity: verdict.severity,
        recommended_action: verdict.recommended_action,
        paper_involved: verdict.paper_involved,
        agreement: verdict.agreement,
        rules,
        ieee_c57_104_2019: ieee_2019,
        ieee_c57_104_2008: ieee_2008,
        iec_60599: iec,
        duval_triangle_1: triangle_1,
        duval_triangle_4: triangle_4,
        duval_triangle_5: triangle_5,
        duval_pentagon_1: pentagon_1,
        duval_pentagon_2: pentagon_2,
        rogers,
        doernenburg,
        key_gas,
    })
}

/// Parses a JSON request and answers with an envelope; never panics on any input. This is
/// what the Lambda function and `substation diagnose --json` run.
pub fn handle_json(body: &[u8]) -> Envelope {
    let request = serde_json::from_slice::<DiagnosisRequest>(body)
        .map_err(|error| DiagnosisError::MalformedRequest(error.to_string()));
    Envelope::from_result(request.and_then(|request| diagnose(&request)))
}

/// [`handle_json`] for a request that is already parsed as JSON (the Lambda runtime hands
/// the function its event as a [`serde_json::Value`]): the same answers, the same
/// `malformed_request` for a value that is not a request.
pub fn handle_value(request: serde_json::Value) -> Envelope {
    let request = serde_json::from_value::<DiagnosisRequest>(request)
        .map_err(|error| DiagnosisError::MalformedRequest(error.to_string()));
    Envelope::from_result(request.and_then(|request| diagnose(&request)))
}

/// JSON Schemas of the request and the response envelope, as committed in `docs/contract/`.
pub fn schemas() -> [(&'static str, schemars::Schema); 2] {
    [
        (
            "request.schema.json",
            schemars::schema_for!(DiagnosisRequest),
        ),
        ("response.schema.json", schemars::schema_for!(Envelope)),
    ]
}

/// A method's name as an engineer reads it.
pub fn method_name(method: &str) -> &str {
    match method {
        "duval_triangle_1" => "Duval Triangle 1",
        "duval_triangle_4" => "Duval Triangle 4",
        "duval_pentagon_1" => "Duval Pentagon 1",
        "iec_60599" => "IEC 60599 ratios",
        "rogers" => "Rogers ratios",
        "doernenburg" => "Doernenburg ratios",
        "key_gas" => "key gas",
        other => other,
    }
}

impl Diagnosis {
    /// In one line: which method made the call, which agree, which disagree and why they were
    /// overruled. `None` when no fault type was identified.
    pub fn verdict_line(&self) -> Option<String> {
        let decided_by = self.agreement.decided_by.as_deref()?;
        let own = match decided_by {
            "duval_triangle_1" => self.duval_triangle_1.zone.map(|z| format!("{z:?}")),
            "duval_triangle_4" => self.duval_triangle_4.zone.map(|z| format!("{z:?}")),
            "iec_60599" => self.iec_60599.ratio_code.map(|c| format!("{c:?}")),
            _ => None,
        };
        let mut line = format!("{} from {}", self.fault.label(), method_name(decided_by));
        if let Some(own) = own {
            line.push_str(&format!(" ({own})"));
        }
        let list = |stance: consensus::Stance| {
            self.agreement
                .votes
                .iter()
                .filter(|v| v.stance == stance)
                .map(|v| format!("{} ({})", method_name(&v.method), v.answer))
                .collect::<Vec<_>>()
        };
        let agree = list(consensus::Stance::Agrees);
        line.push_str("; agree: ");
        line.push_str(&if agree.is_empty() {
            "none".to_owned()
        } else {
            agree.join(", ")
        });
        let partly = list(consensus::Stance::PartlyAgrees);
        if !partly.is_empty() {
            line.push_str("; partly: ");
            line.push_str(&partly.join(", "));
        }
        // Disagreeing methods grouped by the reason they were overruled.
        let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
        for vote in self
            .agreement
            .votes
            .iter()
            .filter(|v| v.stance == consensus::Stance::Disagrees)
        {
            let why = vote.overruled_because.as_deref().unwrap_or("");
            let who = format!("{} ({})", method_name(&vote.method), vote.answer);
            match reasons.iter_mut().find(|(r, _)| *r == why) {
                Some((_, methods)) => methods.push(who),
                None => reasons.push((why, vec![who])),
            }
        }
        if reasons.is_empty() {
            line.push_str("; disagree: none");
        }
        for (why, methods) in reasons {
            line.push_str(&format!(
                "; disagree: {}, overruled: {why}",
                methods.join(", ")
            ));
        }
        Some(line)
    }
}

/// The fields of a contract response that caches and the central service index and sort by,
/// read from its JSON without building the whole [`Diagnosis`]: everything else is skipped.
/// Each is `None` when the response does not hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseKeys {
    pub contract_version: Option<u32>,
    pub asset_id: String,
    pub latest_sample_date: Option<NaiveDate>,
    /// `ieee_c57_104_2019.status`.
    pub ieee_status: Option<u8>,
    /// `iec_60599.state`.
    pub iec_state: Option<String>,
    pub fault: Option<String>,
    pub severity: Option<String>,
    /// `engine.version`.
    pub engine_version: Option<String>,
    /// `recommended_action.summary`.
    pub action: Option<String>,
    /// `recommended_action.resample_within_days`.
    pub resample_within_days: Option<u32>,
}

impl ResponseKeys {
    /// Reads the keys from a response's JSON (the `response` of the envelope, not the
    /// envelope).
    pub fn read(json: &[u8]) -> Result<ResponseKeys, serde_json::Error> {
        use std::borrow::Cow;
        #[derive(Deserialize)]
        struct Probe<'a> {
            #[serde(default)]
            contract_version: Option<u32>,
            #[serde(borrow)]
            asset_id: Cow<'a, str>,
            #[serde(default)]
            latest_sample_date: Option<NaiveDate>,
            #[serde(default)]
            ieee_c57_104_2019: Option<IeeeProbe>,
            #[serde(default, borrow)]
            iec_60599: Option<IecProbe<'a>>,
            #[serde(default, borrow)]
            fault: Option<Cow<'a, str>>,
            #[serde(default, borrow)]
            severity: Option<Cow<'a, str>>,
            #[serde(default, borrow)]
            engine: Option<EngineProbe<'a>>,
            #[serde(default, borrow)]
            recommended_action: Option<ActionProbe<'a>>,
        }
        #[derive(Deserialize)]
        struct EngineProbe<'a> {
            #[serde(default, borrow)]
            version: Option<Cow<'a, str>>,
        }
        #[derive(Deserialize)]
        struct ActionProbe<'a> {
            #[serde(default, borrow)]
            summary: Option<Cow<'a, str>>,
            #[serde(default)]
            resample_within_days: Option<u32>,
        }
        #[derive(Deserialize)]
        struct IeeeProbe {
            #[serde(default)]
            status: Option<u8>,
        }
        #[derive(Deserialize)]
        struct IecProbe<'a> {
            #[serde(default, borrow)]
            state: Option<Cow<'a, str>>,
        }
        let probe: Probe = serde_json::from_slice(json)?;
        Ok(ResponseKeys {
            contract_version: probe.contract_version,
            asset_id: probe.asset_id.into_owned(),
            latest_sample_date: probe.latest_sample_date,
            ieee_status: probe.ieee_c57_104_2019.and_then(|ieee| ieee.status),
            iec_state: probe
                .iec_60599
                .and_then(|iec| iec.state)
                .map(Cow::into_owned),
            fault: probe.fault.map(Cow::into_owned),
            severity: probe.severity.map(Cow::into_owned),
            engine_version: probe
                .engine
                .and_then(|engine| engine.version)
                .map(Cow::into_owned),
            resample_within_days: probe
                .recommended_action
                .as_ref()
                .and_then(|action| action.resample_within_days),
            action: probe
                .recommended_action
                .and_then(|action| action.summary)
                .map(Cow::into_owned),
        })
    }
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn every_variant_gives_a_listed_code_and_every_listed_code_is_given() {
        let errors = [
            DiagnosisError::MalformedRequest(String::new()),
            DiagnosisError::UnsupportedContractVersion {
                found: 9,
                supported: 1,
            },
            DiagnosisError::InvalidRequest {
                asset: String::new(),
                problem: String::new(),
            },
            DiagnosisError::InvalidLimits(crate::limits::InvalidLimits {
                table: "table1",
                problem: String::new(),
            }),
            DiagnosisError::NoSampleSinceOilProcessed {
                asset: String::new(),
                problem: String::new(),
            },
        ];
        let given: Vec<&str> = errors.iter().map(DiagnosisError::code).collect();
        assert_eq!(given, DiagnosisError::CODES);
        let answers = [
            crate::ContractAnswerError::Malformed(String::new()),
            crate::ContractAnswerError::UnsupportedVersion {
                found: 9,
                supported: 1,
            },
        ];
        let given: Vec<&str> = answers
            .iter()
            .map(crate::ContractAnswerError::code)
            .collect();
        assert_eq!(given, crate::ContractAnswerError::CODES);
    }
}
