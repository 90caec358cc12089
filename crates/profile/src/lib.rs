//! Function profiles: how Substation Bulk calls a diagnosis function of a team's own (an AI
//! model already deployed on AWS Lambda, say) and reads what it answers.
//!
//! A profile is a small TOML file a team can share:
//!
//! ```toml
//! name = "grid-ai"
//! description = "The planning team's transformer model"
//!
//! [function]
//! name = "dga-ai-prod"          # name or ARN; region, profile, endpoint_url, concurrency,
//! region = "ap-northeast-2"     # timeout_seconds are optional defaults
//!
//! [request]                     # jq, from the contract's request to the function's event
//! transform = '{equipment: .asset.id, history: [.samples[] | {date, h2: .gases.h2}]}'
//!
//! [answer]                      # jq, each read from the function's answer
//! ok = '.status == 200'
//! error = '.message'
//! fault = '.response.fault_class'
//! severity = '.response.health_index'
//! action = '.response.comment'
//!
//! [answer.fault_labels]         # the function's labels → the tool's fault codes
//! "Arcing" = "D2"
//!
//! [answer.severity_bands]       # a number → normal / caution / warning / critical
//! worse = "lower"               # a health index: the lower, the worse
//! caution = 70
//! warning = 50
//! critical = 30
//! ```
//!
//! Every field of the answer is optional except `severity`, which the worst-first lists sort
//! by. A profile is checked when it is loaded (TOML, every filter compiled, bands in order);
//! reading an answer that does not fit gives an [`AnswerError`] naming the field, the filter
//! and the value found. The transforms are jq (the `jaq` crates), the language AWS and data
//! users already know for JSON; the built-in contract needs no profile.

mod dialect;
mod error;
pub mod jq;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use substation_dga::{Answer, DiagnosisRequest, Fault, ProfileRef, Severity};

pub use error::{AnswerError, ProfileError, RequestError};
pub use jq::Jq;

/// A profile as loaded and checked.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: Option<String>,
    pub function: FunctionSettings,
    /// `None`: the contract's request is sent as it is.
    request: Option<Jq>,
    answer: AnswerReader,
    /// SHA-256 of the profile file's bytes, lowercase hex: which version of the profile read
    /// an answer (kept with it, and synced with it).
    pub sha256: String,
    /// The file's bytes, as loaded: kept with the answers, so that they can be read again.
    toml: std::sync::Arc<[u8]>,
}

/// How to call the function; each field a default the user may override.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSettings {
    /// The function's name or ARN.
    pub name: Option<String>,
    pub region: Option<String>,
    /// The AWS profile (credentials) to call it with.
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub concurrency: Option<u32>,
    pub timeout_seconds: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    description: Option<String>,
    #[serde(default)]
    function: FunctionSettings,
    #[serde(default)]
    request: RequestSection,
    answer: AnswerSection,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSection {
    transform: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerSection {
    ok: Option<String>,
    error: Option<String>,
    fault: Option<String>,
    #[serde(default)]
    fault_labels: BTreeMap<String, String>,
    severity: String,
    #[serde(default)]
    severity_labels: BTreeMap<String, String>,
    severity_bands: Option<Bands>,
    action: Option<String>,
    headline: Option<String>,
}

/// Thresholds that turn a number into a severity.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// `higher` (a risk, a probability of fault) or `lower` (a health index).
    pub worse: Worse,
    pub caution: f64,
    pub warning: f64,
    pub critical: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Worse {
    Higher,
    Lower,
}

impl Bands {
    /// The severity of `value`: at or beyond a threshold is that band.
    pub fn severity(&self, value: f64) -> Severity {
        let beyond = |threshold: f64| match self.worse {
            Worse::Higher => value >= threshold,
            Worse::Lower => value <= threshold,
        };
        if beyond(self.critical) {
            Severity::Critical
        } else if beyond(self.warning) {
            Severity::Warning
        } else if beyond(self.caution) {
            Severity::Caution
        } else {
            Severity::Normal
        }
    }

    fn check(&self) -> Result<(), String> {
        let ordered = match self.worse {
            Worse::Higher => self.caution <= self.warning && self.warning <= self.critical,
            Worse::Lower => self.caution >= self.warning && self.warning >= self.critical,
        };
        let finite = [self.caution, self.warning, self.critical]
            .iter()
            .all(|v| v.is_finite());
        if ordered && finite {
            Ok(())
        } else {
            Err(format!(
                "caution {}, warning {}, critical {} are not in order for worse = \"{}\"",
                self.caution,
                self.warning,
                self.critical,
                match self.worse {
                    Worse::Higher => "higher",
                    Worse::Lower => "lower",
                }
            ))
        }
    }
}

#[derive(Debug, Clone)]
struct AnswerReader {
    ok: Option<Jq>,
    error: Option<Jq>,
    fault: Option<Jq>,
    fault_labels: BTreeMap<String, Fault>,
    severity: Jq,
    severity_labels: BTreeMap<String, Severity>,
    severity_bands: Option<Bands>,
    action: Option<Jq>,
    headline: Option<Jq>,
}

/// What the app needs from an answer: enough to sort, filter and headline it. The answer itself
/// is kept as it came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub severity: Severity,
    /// The number the severity was read from, when it was a number (a score, an index).
    pub score: Option<f64>,
    /// The tool's fault code, when the function's label maps to one.
    pub fault: Option<Fault>,
    /// The function's own fault label, as it answered it.
    pub fault_label: Option<String>,
    pub action: Option<String>,
    pub headline: Option<String>,
}

impl Profile {
    /// Reads and checks a profile from the bytes of its file.
    pub fn from_toml(bytes: &[u8]) -> Result<Profile, ProfileError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| ProfileError::Format(format!("not UTF-8: {e}")))?;
        let file: ProfileFile =
            toml::from_str(text).map_err(|e| ProfileError::Format(e.to_string()))?;
        let sha256 = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if bytes.len() > MAX_PROFILE_BYTES {
            return Err(invalid(
                "(file)",
                &format!(
                    "is {} bytes; a profile is at most {MAX_PROFILE_BYTES}",
                    bytes.len()
                ),
            ));
        }
        let name = file.name.trim();
        if name.is_empty() {
            return Err(invalid("name", "is empty"));
        }
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(invalid(
                "name",
                &format!("must be one line of at most {MAX_NAME_CHARS} characters"),
            ));
        }
        let filter = |field: &str, code: &str| {
            Jq::new(code).map_err(|e| ProfileError::Filter {
                field: field.to_owned(),
                problem: e.0,
            })
        };
        let optional = |field: &str, code: &Option<String>| {
            code.as_deref().map(|code| filter(field, code)).transpose()
        };
        let answer = &file.answer;
        let mut fault_labels = BTreeMap::new();
        for (label, code) in &answer.fault_labels {
            let fault = Fault::from_label(code).ok_or_else(|| {
                invalid(
                    &format!("answer.fault_labels.{label:?}"),
                    &format!(
                        "{code:?} is not one of the tool's fault codes ({})",
                        fault_codes()
                    ),
                )
            })?;
            fault_labels.insert(label.clone(), fault);
        }
        let mut severity_labels = BTreeMap::new();
        for (label, name) in &answer.severity_labels {
            let severity = severity_name(name).ok_or_else(|| {
                invalid(
                    &format!("answer.severity_labels.{label:?}"),
                    &format!("{name:?} is not normal, caution, warning or critical"),
                )
            })?;
            severity_labels.insert(label.clone(), severity);
        }
        if let Some(bands) = &answer.severity_bands {
            bands
                .check()
                .map_err(|problem| invalid("answer.severity_bands", &problem))?;
        }
        Ok(Profile {
            name: file.name.trim().to_owned(),
            description: file.description,
            function: file.function,
            request: optional("request.transform", &file.request.transform)?,
            answer: AnswerReader {
                ok: optional("answer.ok", &answer.ok)?,
                error: optional("answer.error", &answer.error)?,
                fault: optional("answer.fault", &answer.fault)?,
                fault_labels,
                severity: filter("answer.severity", &answer.severity)?,
                severity_labels,
                severity_bands: answer.severity_bands,
                action: optional("answer.action", &answer.action)?,
                headline: optional("answer.headline", &answer.headline)?,
            },
            sha256,
            toml: bytes.into(),
        })
    }

    /// The function's event for one transformer: the contract's request (its JSON) through
    /// `request.transform`, which must give exactly one value.
    pub fn request(&self, contract_request: &[u8]) -> Result<Vec<u8>, RequestError> {
        let Some(transform) = &self.request else {
            return Ok(contract_request.to_vec());
        };
        let fail = |problem: String| RequestError {
            filter: transform.code().to_owned(),
            problem,
        };
        let mut outputs = transform.run(contract_request).map_err(|e| fail(e.0))?;
        if outputs.len() != 1 {
            return Err(fail(format!(
                "gave {} values; the function takes exactly one event",
                outputs.len()
            )));
        }
        let event = outputs.pop().unwrap_or_default();
        serde_json::to_vec(&event).map_err(|e| fail(e.to_string()))
    }

    /// The profile file's bytes, as loaded.
    pub fn toml(&self) -> &[u8] {
        &self.toml
    }

    /// Which profile this is, as kept with every answer it reads.
    pub fn reference(&self) -> ProfileRef {
        ProfileRef {
            name: self.name.clone(),
            sha256: self.sha256.clone(),
        }
    }

    /// What stands for the engine version of the answers this profile reads: its name and
    /// the start of its hash, so that a stored answer is reused only for the same request
    /// through the very same profile.
    pub fn engine_version(&self) -> String {
        format!(
            "{}@{}",
            self.name,
            self.sha256.get(..12).unwrap_or(&self.sha256)
        )
    }

    /// One transformer's answer as the tool keeps it: the function's JSON as it came, with
    /// the summary read from it and the request's asset and newest sample date.
    pub fn answer(
        &self,
        request: &DiagnosisRequest,
        json: Box<[u8]>,
    ) -> Result<Answer, AnswerError> {
        let read = self.read(&json)?;
        let latest_sample_date = request
            .samples
            .iter()
            .map(|sample| sample.date)
            .max()
            .ok_or(AnswerError::NoSamples)?;
        Ok(Answer {
            json,
            summary: substation_dga::Summary {
                asset_id: request.asset.id.clone(),
                engine_version: self.engine_version(),
                latest_sample_date,
                severity: read.severity,
                fault: read.fault,
                fault_label: read.fault_label,
                score: read.score,
                action: read.action,
                resample_within_days: None,
                headline: read.headline,
                ieee_status: None,
                iec_state: None,
                profile: Some(self.reference()),
            },
        })
    }

    /// Reads the summary from one answer (the function's JSON, as it came).
    pub fn read(&self, answer: &[u8]) -> Result<Summary, AnswerError> {
        let value = jq::parse(answer).map_err(AnswerError::NotJson)?;
        let a = &self.answer;
        if let Some(ok) = &a.ok {
            let verdict = one("ok", ok, &value)?;
            match verdict {
                Some(serde_json::Value::Bool(true)) => {}
                Some(serde_json::Value::Bool(false)) | None => {
                    let message = match &a.error {
                        Some(error) => one("error", error, &value)?.and_then(|v| text_of(&v)),
                        None => None,
                    };
                    return Err(AnswerError::Refused {
                        message: message
                            .unwrap_or_else(|| shorten(&String::from_utf8_lossy(answer))),
                    });
                }
                Some(other) => {
                    return Err(unexpected("ok", ok, &other, "not true or false"));
                }
            }
        }
        let severity_value =
            one("severity", &a.severity, &value)?.ok_or_else(|| AnswerError::Missing {
                field: "severity",
                filter: a.severity.code().to_owned(),
            })?;
        let (severity, score) = self.severity_of(&severity_value)?;
        let fault_label = match &a.fault {
            Some(fault) => one("fault", fault, &value)?.and_then(|v| text_of(&v)),
            None => None,
        };
        let fault = fault_label.as_deref().and_then(|label| {
            a.fault_labels
                .get(label)
                .copied()
                .or_else(|| Fault::from_label(label))
        });
        let optional_text =
            |field: &'static str, filter: &Option<Jq>| -> Result<Option<String>, AnswerError> {
                match filter {
                    Some(filter) => Ok(one(field, filter, &value)?.and_then(|v| text_of(&v))),
                    None => Ok(None),
                }
            };
        Ok(Summary {
            severity,
            score,
            fault,
            fault_label,
            action: optional_text("action", &a.action)?,
            headline: optional_text("headline", &a.headline)?,
        })
    }

    fn severity_of(
        &self,
        value: &serde_json::Value,
    ) -> Result<(Severity, Option<f64>), AnswerError> {
        let a = &self.answer;
        let filter = &a.severity;
        match value {
            serde_json::Value::Number(number) => {
                let number = number.as_f64().unwrap_or(f64::NAN);
                match &a.severity_bands {
                    Some(bands) if number.is_finite() => Ok((bands.severity(number), Some(number))),
                    Some(_) => Err(unexpected("severity", filter, value, "not a finite number")),
                    None => Err(unexpected(
                        "severity",
                        filter,
                        value,
                        "a number, but the profile has no answer.severity_bands to read it with",
                    )),
                }
            }
            serde_json::Value::String(label) => {
                if let Some(severity) = a.severity_labels.get(label) {
                    return Ok((*severity, None));
                }
                if let Some(severity) = severity_name(label) {
                    return Ok((severity, None));
                }
                let known: Vec<&str> = a.severity_labels.keys().map(String::as_str).collect();
                Err(unexpected(
                    "severity",
                    filter,
                    value,
                    &if known.is_empty() {
                        "which is not normal, caution, warning or critical (map it in answer.severity_labels)".to_owned()
                    } else {
                        format!(
                            "which is none of answer.severity_labels ({}) nor normal, caution, warning, critical",
                            known.join(", ")
                        )
                    },
                ))
            }
            other => Err(unexpected(
                "severity",
                filter,
                other,
                "neither a number nor a text",
            )),
        }
    }
}

fn fault_codes() -> String {
    Fault::ALL.map(Fault::label).join(", ")
}

fn severity_name(name: &str) -> Option<Severity> {
    Severity::ALL
        .into_iter()
        .find(|severity| severity.label().eq_ignore_ascii_case(name.trim()))
}

fn invalid(field: &str, problem: &str) -> ProfileError {
    ProfileError::Invalid {
        field: field.to_owned(),
        problem: problem.to_owned(),
    }
}

/// The first output of `filter` on `value`; `None` for no output or `null`.
fn one(
    field: &'static str,
    filter: &Jq,
    value: &jq::Val,
) -> Result<Option<serde_json::Value>, AnswerError> {
    let outputs = filter
        .run_val(value.clone())
        .map_err(|e| AnswerError::Failed {
            field,
            filter: filter.code().to_owned(),
            problem: e.0,
        })?;
    Ok(outputs.into_iter().next().filter(|v| !v.is_null()))
}

fn unexpected(
    field: &'static str,
    filter: &Jq,
    found: &serde_json::Value,
    expected: &str,
) -> AnswerError {
    AnswerError::Unexpected {
        field,
        filter: filter.code().to_owned(),
        found: shorten(&found.to_string()),
        expected: expected.to_owned(),
    }
}

/// A text as it is; anything else as its JSON.
/// Largest profile file: a profile travels with every diagnosis it read.
pub const MAX_PROFILE_BYTES: usize = 64 * 1024;

/// Most characters of a profile's name (it names the answers' engine version, with a hash).
pub const MAX_NAME_CHARS: usize = 80;

/// Most characters of a text read from an answer (a label, an action, a headline): what the
/// store and the sync protocol keep of one line.
pub const MAX_TEXT_CHARS: usize = 500;

/// A value read from an answer as one line of text: line breaks, tabs and other control
/// characters become spaces, runs of spaces one, the ends trimmed, at most
/// [`MAX_TEXT_CHARS`] characters; empty text is no text. (A function's comment may well hold
/// "\n"; the tool shows and syncs it as one line.)
fn text_of(value: &serde_json::Value) -> Option<String> {
    let raw = match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut line = String::with_capacity(raw.len());
    for word in raw
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.is_empty() {
        return None;
    }
    if line.chars().count() > MAX_TEXT_CHARS {
        line = line.chars().take(MAX_TEXT_CHARS - 1).collect::<String>() + "…";
    }
    Some(line)
}

/// At most 200 characters of a value, for a message.
fn shorten(text: &str) -> String {
    const MAX: usize = 200;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}
