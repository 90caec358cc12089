//! The checks an item must pass to be stored, and why it fails them ([`InvalidItem`]).

use chrono::NaiveDate;
use substation_dga::GasReadings;

use crate::{
    Change, DiagnosisChange, MAX_ID_CHARS, MAX_PROFILE_BYTES, MAX_RESPONSE_BYTES,
    MAX_SAMPLES_PER_ITEM, MAX_TEXT_CHARS,
};

/// Why an item cannot be stored. `code()` is the [`ErrorBody`](crate::ErrorBody) code the
/// service answers with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidItem {
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} holds a control character (NUL, a line break, …), which cannot be stored")]
    ControlCharacter { field: &'static str },
    #[error("{field} is not a lowercase hex SHA-256")]
    NotSha256 { field: &'static str },
    #[error("the samples item carries {count} samples; at most {max} are allowed")]
    TooManySamples { count: usize, max: usize },
    #[error("the samples item carries no sample")]
    NoSamples,
    #[error("sample {index} ({asset_id}, {date}): {problem}")]
    BadSample {
        index: usize,
        asset_id: String,
        date: NaiveDate,
        problem: String,
    },
    #[error("the IEEE status {0} is not 1, 2 or 3")]
    BadIeeeStatus(u8),
    #[error("the compressed response is {size} bytes; at most {max} are allowed")]
    ResponseTooLarge { size: usize, max: usize },
    #[error("the response is not a DEFLATE-compressed diagnosis: {0}")]
    BadResponse(String),
    #[error("{field} is {item} in the item but {response} in its response")]
    IndexMismatch {
        field: &'static str,
        item: String,
        response: String,
    },
    #[error("the function profile cannot be used: {0}")]
    BadProfile(String),
    #[error("the logbook entry cannot be kept: {0}")]
    BadLogEntry(String),
}

impl InvalidItem {
    pub fn code(&self) -> &'static str {
        "invalid_item"
    }
}

fn check_id(field: &'static str, value: &str) -> Result<(), InvalidItem> {
    check_text(field, value, MAX_ID_CHARS)
}

fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), InvalidItem> {
    if value.trim().is_empty() {
        return Err(InvalidItem::Empty { field });
    }
    if value.chars().count() > max {
        return Err(InvalidItem::TooLong { field, max });
    }
    // PostgreSQL refuses NUL in text; the others have no place in a name or an id.
    if value.chars().any(char::is_control) {
        return Err(InvalidItem::ControlCharacter { field });
    }
    Ok(())
}

fn check_optional_text(
    field: &'static str,
    value: &Option<String>,
    max: usize,
) -> Result<(), InvalidItem> {
    match value {
        Some(text) => check_text(field, text, max),
        None => Ok(()),
    }
}

/// An indexed key of an item must be what its answer says.
pub(crate) fn same<T: PartialEq + std::fmt::Debug>(
    field: &'static str,
    item: Option<T>,
    response: Option<T>,
) -> Result<(), InvalidItem> {
    if item == response {
        return Ok(());
    }
    let show = |value: Option<T>| value.map_or("absent".to_owned(), |v| format!("{v:?}"));
    Err(InvalidItem::IndexMismatch {
        field,
        item: show(item),
        response: show(response),
    })
}

/// SHA-256 in lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_sha256(field: &'static str, value: &str) -> Result<(), InvalidItem> {
    let ok = value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InvalidItem::NotSha256 { field })
    }
}

impl Change {
    /// The checks that need no database: lengths, hashes, gas readings, sizes. The service
    /// also inflates a diagnosis response to check it (see `check_response`), which costs time
    /// and is kept apart.
    pub fn validate(&self) -> Result<(), InvalidItem> {
        match self {
            Change::LogEntry(change) => {
                check_id("entry.asset_id", &change.entry.asset_id)?;
                change
                    .entry
                    .check_content()
                    .map_err(|problem| InvalidItem::BadLogEntry(problem.to_string()))
            }
            Change::Asset(change) => {
                let asset = &change.asset;
                check_id("asset.id", &asset.id)?;
                check_optional_text("asset.name", &asset.name, MAX_TEXT_CHARS)?;
                check_optional_text("asset.substation", &asset.substation, MAX_TEXT_CHARS)?;
                check_optional_text("asset.manufacturer", &asset.manufacturer, MAX_TEXT_CHARS)?;
                Ok(())
            }
            Change::Samples(change) => {
                check_text("source.file_name", &change.source.file_name, MAX_TEXT_CHARS)?;
                check_sha256("source.content_sha256", &change.source.content_sha256)?;
                if change.samples.is_empty() {
                    return Err(InvalidItem::NoSamples);
                }
                if change.samples.len() > MAX_SAMPLES_PER_ITEM {
                    return Err(InvalidItem::TooManySamples {
                        count: change.samples.len(),
                        max: MAX_SAMPLES_PER_ITEM,
                    });
                }
                for (index, sample) in change.samples.iter().enumerate() {
                    check_id("samples[].asset_id", &sample.asset_id)?;
                    check_optional_text("samples[].sheet", &sample.sheet, MAX_TEXT_CHARS)?;
                    if let Err(problem) = check_gases(&sample.gases) {
                        return Err(InvalidItem::BadSample {
                            index,
                            asset_id: sample.asset_id.clone(),
                            date: sample.date,
                            problem,
                        });
                    }
                }
                Ok(())
            }
            Change::Diagnosis(change) => {
                check_id("asset_id", &change.asset_id)?;
                check_id("run.engine", &change.run.engine)?;
                check_optional_text(
                    "run.function_name",
                    &change.run.function_name,
                    MAX_TEXT_CHARS,
                )?;
                check_id("engine_version", &change.engine_version)?;
                check_sha256("request_sha256", &change.request_sha256)?;
                check_optional_text("iec_state", &change.iec_state, MAX_ID_CHARS)?;
                check_optional_text("fault", &change.fault, MAX_ID_CHARS)?;
                check_optional_text("severity", &change.severity, MAX_ID_CHARS)?;
                if let Some(status) = change.ieee_status
                    && !(1..=3).contains(&status)
                {
                    return Err(InvalidItem::BadIeeeStatus(status));
                }
                if change.response_deflate.len() > MAX_RESPONSE_BYTES {
                    return Err(InvalidItem::ResponseTooLarge {
                        size: change.response_deflate.len(),
                        max: MAX_RESPONSE_BYTES,
                    });
                }
                if change.response_deflate.is_empty() {
                    return Err(InvalidItem::Empty {
                        field: "response_deflate",
                    });
                }
                check_optional_text("fault_label", &change.fault_label, MAX_TEXT_CHARS)?;
                check_optional_text("action", &change.action, MAX_TEXT_CHARS)?;
                check_optional_text("headline", &change.headline, MAX_TEXT_CHARS)?;
                if change.score.is_some_and(|score| !score.is_finite()) {
                    return Err(InvalidItem::BadProfile(
                        "the score is not a finite number".into(),
                    ));
                }
                match &change.profile {
                    None if change.fault_label.is_some()
                        || change.score.is_some()
                        || change.headline.is_some() =>
                    {
                        Err(InvalidItem::BadProfile(
                            "fault_label, score and headline come with a profile".into(),
                        ))
                    }
                    None => Ok(()),
                    Some(profile) => {
                        check_id("profile.name", &profile.name)?;
                        check_sha256("profile.sha256", &profile.sha256)?;
                        if profile.toml.len() > MAX_PROFILE_BYTES {
                            return Err(InvalidItem::BadProfile(format!(
                                "it is {} bytes; at most {MAX_PROFILE_BYTES} are allowed",
                                profile.toml.len()
                            )));
                        }
                        if sha256_hex(profile.toml.as_bytes()) != profile.sha256 {
                            return Err(InvalidItem::BadProfile(
                                "profile.sha256 is not the SHA-256 of profile.toml".into(),
                            ));
                        }
                        if change.ieee_status.is_some() || change.iec_state.is_some() {
                            return Err(InvalidItem::BadProfile(
                                "a custom answer has no IEEE status or IEC state".into(),
                            ));
                        }
                        Ok(())
                    }
                }
            }
        }
    }
}

impl DiagnosisChange {
    /// Checks the inflated response against the item: a JSON object, the diagnosis of the
    /// item's asset, whose fields the item copies for indexing (`latest_sample_date`, the IEEE
    /// status, the IEC state, `fault`, `severity`) equal to the item's, so that no device can
    /// reorder the fleet's worst-first lists with keys its diagnosis does not hold. Reads only
    /// those fields; the rest is skipped without being built.
    pub fn check_response(&self, inflated: &[u8]) -> Result<(), InvalidItem> {
        if inflated.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(InvalidItem::BadResponse(
                "it inflates to something other than a JSON object".into(),
            ));
        }
        let keys = substation_dga::ResponseKeys::read(inflated)
            .map_err(|err| InvalidItem::BadResponse(format!("it is not a diagnosis: {err}")))?;
        if keys.asset_id != self.asset_id {
            return Err(InvalidItem::BadResponse(format!(
                "it is the diagnosis of {:?}, not of the item's asset {:?}",
                keys.asset_id, self.asset_id
            )));
        }
        same(
            "latest_sample_date",
            self.latest_sample_date,
            keys.latest_sample_date,
        )?;
        same("ieee_status", self.ieee_status, keys.ieee_status)?;
        same(
            "iec_state",
            self.iec_state.as_deref(),
            keys.iec_state.as_deref(),
        )?;
        same("fault", self.fault.as_deref(), keys.fault.as_deref())?;
        same(
            "severity",
            self.severity.as_deref(),
            keys.severity.as_deref(),
        )?;
        Ok(())
    }
}

/// Gas readings must be finite and not negative.
fn check_gases(gases: &GasReadings) -> Result<(), String> {
    use substation_dga::{Gas, GasValue};
    for gas in Gas::ALL {
        let number = match gases.get(gas) {
            GasValue::Measured(ppm) => Some(ppm),
            GasValue::BelowDetection { limit } => limit,
            GasValue::NotMeasured => None,
        };
        if let Some(ppm) = number
            && (!ppm.is_finite() || ppm < 0.0)
        {
            return Err(format!("{gas}: {ppm} is not a concentration in ppm"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::tests::diagnosis;
    use crate::{SampleRecord, SampleSource, SamplesChange};
    use chrono::Utc;
    use substation_dga::GasValue;

    #[test]
    fn a_response_must_hold_the_keys_its_item_carries() {
        let item = diagnosis();
        let response = serde_json::json!({
            "asset_id": "TR-0001", "latest_sample_date": "2025-03-01", "fault": "none",
            "severity": "caution", "ieee_c57_104_2019": {"status": 2, "rules": ["…"]},
            "iec_60599": {"state": "normal"}, "agreement": {"votes": [1, 2, 3]},
        });
        let bytes = |value: &serde_json::Value| serde_json::to_vec(value).expect("json");
        assert_eq!(item.check_response(&bytes(&response)), Ok(()));
        let mut graver = response.clone();
        graver["severity"] = serde_json::json!("critical");
        assert_eq!(
            item.check_response(&bytes(&graver)),
            Err(InvalidItem::IndexMismatch {
                field: "severity",
                item: "\"caution\"".into(),
                response: "\"critical\"".into(),
            })
        );
        let mut other = response.clone();
        other["ieee_c57_104_2019"] = serde_json::json!({});
        assert!(matches!(
            item.check_response(&bytes(&other)),
            Err(InvalidItem::IndexMismatch {
                field: "ieee_status",
                ..
            })
        ));
        assert!(matches!(
            item.check_response(b"[1]"),
            Err(InvalidItem::BadResponse(_))
        ));
    }

    #[test]
    fn control_characters_are_refused_item_by_item() {
        for bad in ["TR\u{0}1", "TR-1\n", "TR\u{7f}", "TR\u{9b}1"] {
            let mut change = diagnosis();
            change.asset_id = bad.into();
            assert_eq!(
                Change::Diagnosis(change).validate(),
                Err(InvalidItem::ControlCharacter { field: "asset_id" }),
                "{bad:?}"
            );
        }
        let mut change = diagnosis();
        change.asset_id = "동서울 S/S #3 M.Tr".into();
        assert_eq!(Change::Diagnosis(change).validate(), Ok(()));
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let mut change = diagnosis();
        assert_eq!(Change::Diagnosis(change.clone()).validate(), Ok(()));
        change.request_sha256 = "XYZ".into();
        assert_eq!(
            Change::Diagnosis(change.clone()).validate(),
            Err(InvalidItem::NotSha256 {
                field: "request_sha256"
            })
        );
        change.request_sha256 = "b".repeat(64);
        change.ieee_status = Some(7);
        assert_eq!(
            Change::Diagnosis(change.clone()).validate(),
            Err(InvalidItem::BadIeeeStatus(7))
        );
        change.ieee_status = None;
        change.asset_id = "   ".into();
        assert_eq!(
            Change::Diagnosis(change).validate(),
            Err(InvalidItem::Empty { field: "asset_id" })
        );

        let gases = GasReadings {
            ch4: GasValue::Measured(-3.0),
            ..GasReadings::default()
        };
        let samples = Change::Samples(SamplesChange {
            source: SampleSource {
                file_name: "fleet.xlsx".into(),
                content_sha256: "0".repeat(64),
                imported_at: Utc::now(),
            },
            samples: vec![SampleRecord {
                asset_id: "TR-9".into(),
                date: NaiveDate::from_ymd_opt(2024, 1, 2).expect("date"),
                gases,
                sheet: None,
                row: None,
            }],
        });
        let err = samples.validate().expect_err("negative ppm");
        assert!(
            err.to_string().contains("TR-9") && err.to_string().contains("-3"),
            "{err}"
        );
    }
}
