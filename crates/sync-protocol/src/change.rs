//! The changes a laptop uploads: a batch of items, each an asset, samples or a diagnosis.

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use substation_dga::{Asset, GasReadings, LogEntry};
use uuid::Uuid;

/// One upload: the changes a laptop's outbox held, under ids it generated (UUIDv7, or for a
/// part of an import's samples a version 8 UUID made from the part, stable across rebuilds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncBatch {
    /// Equal to the `Idempotency-Key` header; fixed before the first attempt.
    pub batch_id: Uuid,
    /// When the laptop built the batch.
    pub created_at: DateTime<Utc>,
    pub items: Vec<Item>,
}

/// One change, under the id the laptop gave it; replaying an id is answered `duplicate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: Uuid,
    pub change: Change,
}

/// What changed. Externally tagged (`{"asset": {…}}`), so that a reader streams each item
/// without buffering it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// A transformer and its nameplate, as the laptop last imported it.
    Asset(AssetChange),
    /// Oil samples an import added or corrected (a large import is split into several items).
    Samples(SamplesChange),
    /// One diagnosis of one transformer.
    Diagnosis(DiagnosisChange),
    /// One logbook entry of one transformer (a typed-in sample's readings travel also as a
    /// samples item of its own, so that the history is complete without the logbook).
    LogEntry(LogEntryChange),
}

/// A transformer's nameplate. The newest `updated_at` wins when laptops disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetChange {
    pub asset: Asset,
    pub updated_at: DateTime<Utc>,
}

/// Samples from one import of one workbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplesChange {
    pub source: SampleSource,
    pub samples: Vec<SampleRecord>,
}

/// The workbook the samples came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleSource {
    pub file_name: String,
    /// SHA-256 of the workbook's bytes, lowercase hex.
    pub content_sha256: String,
    pub imported_at: DateTime<Utc>,
}

/// One transformer's oil sample of one day. A transformer has one sample per day: a later
/// upload of the same day replaces the readings (the newest import wins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleRecord {
    pub asset_id: String,
    pub date: NaiveDate,
    pub gases: GasReadings,
    /// Where it was read: sheet and 1-based row, for an engineer tracing a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
}

/// A logbook entry. Immutable once written: its `entry_id` is unique across the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntryChange {
    pub entry_id: Uuid,
    pub entry: LogEntry,
    pub created_at: DateTime<Utc>,
}

/// One diagnosis. Immutable once made: its `diagnosis_id` is unique across the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisChange {
    pub diagnosis_id: Uuid,
    pub asset_id: String,
    pub run: RunInfo,
    /// SHA-256 of the diagnosis request (the contract's JSON), lowercase hex.
    pub request_sha256: String,
    pub engine_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_sample_date: Option<NaiveDate>,
    /// The keys a service queries by, copied from the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ieee_status: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iec_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The answer as the engine gave it, as raw DEFLATE (RFC 1951) in standard base64: for
    /// the built-in contract its diagnosis response (`docs/contract/`), for a team's own
    /// function its whole answer. The laptop stores it compressed and sends it without
    /// re-encoding; a 7–20 KB answer travels as about 2 KB.
    #[serde(with = "base64_bytes")]
    pub response_deflate: Vec<u8>,
    /// The profile that read a team's own function's answer, whole, so that the service can
    /// read the answer again to verify the keys and every laptop can read it the same way.
    /// Absent for the built-in contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileInfo>,
    /// What the profile read besides the keys above (absent for the built-in contract): the
    /// function's own fault label, the number its severity came from, its recommended action
    /// and its one-line headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
}

/// A function profile as a diagnosis carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInfo {
    pub name: String,
    /// SHA-256 of `toml`'s bytes, lowercase hex.
    pub sha256: String,
    /// The profile file, as loaded.
    pub toml: String,
}

/// The diagnosis run a diagnosis belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInfo {
    pub run_id: Uuid,
    /// `embedded` or `lambda`.
    pub engine: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_name: Option<String>,
    pub started_at: DateTime<Utc>,
}

impl Change {
    /// The times a laptop stamps on an item decide which nameplate, sample or diagnosis is the
    /// newest. A laptop's clock may be wrong, so a time counts as the laptop gave it but never
    /// later than `now`, the moment the receiver got it: a clock years ahead cannot make its
    /// changes win over later honest ones. Returns whether a time was moved.
    pub fn clamp_times(&mut self, now: DateTime<Utc>) -> bool {
        fn clamp(time: &mut DateTime<Utc>, now: DateTime<Utc>) -> bool {
            let later = *time > now;
            if later {
                *time = now;
            }
            later
        }
        match self {
            Change::Asset(change) => clamp(&mut change.updated_at, now),
            Change::Samples(change) => clamp(&mut change.source.imported_at, now),
            Change::Diagnosis(change) => {
                let created = clamp(&mut change.created_at, now);
                clamp(&mut change.run.started_at, now) | created
            }
            Change::LogEntry(change) => clamp(&mut change.created_at, now),
        }
    }
}

mod base64_bytes {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a standard base64 string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|err| E::custom(format_args!("not standard base64: {err}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use substation_dga::GasValue;

    pub(crate) fn diagnosis() -> DiagnosisChange {
        DiagnosisChange {
            diagnosis_id: Uuid::now_v7(),
            asset_id: "TR-0001".into(),
            run: RunInfo {
                run_id: Uuid::now_v7(),
                engine: "embedded".into(),
                function_name: None,
                started_at: Utc::now(),
            },
            request_sha256: "a".repeat(64),
            engine_version: "0.1.0".into(),
            latest_sample_date: NaiveDate::from_ymd_opt(2025, 3, 1),
            ieee_status: Some(2),
            iec_state: Some("normal".into()),
            fault: Some("none".into()),
            severity: Some("caution".into()),
            created_at: Utc::now(),
            response_deflate: vec![1, 2, 3, 250],
            profile: None,
            fault_label: None,
            score: None,
            action: None,
            headline: None,
        }
    }

    #[test]
    fn times_later_than_arrival_count_as_the_arrival() {
        let now = Utc::now();
        let ahead = now + chrono::Duration::days(5 * 365);
        let mut change = Change::Diagnosis(DiagnosisChange {
            created_at: ahead,
            ..diagnosis()
        });
        assert!(change.clamp_times(now));
        let Change::Diagnosis(d) = &change else {
            unreachable!()
        };
        assert_eq!(d.created_at, now);
        assert!(d.run.started_at <= now);
        // A time before the arrival is the laptop's and stays as it is.
        let earlier = now - chrono::Duration::hours(3);
        let mut change = Change::Asset(AssetChange {
            asset: Asset::new("TR-1"),
            updated_at: earlier,
        });
        assert!(!change.clamp_times(now));
        assert!(matches!(change, Change::Asset(a) if a.updated_at == earlier));
    }

    #[test]
    fn a_batch_survives_json_unchanged() {
        let gases = GasReadings {
            h2: GasValue::Measured(12.5),
            c2h2: GasValue::BelowDetection { limit: Some(0.5) },
            ..GasReadings::default()
        };
        let batch = SyncBatch {
            batch_id: Uuid::now_v7(),
            created_at: Utc::now(),
            items: vec![
                Item {
                    id: Uuid::now_v7(),
                    change: Change::Diagnosis(diagnosis()),
                },
                Item {
                    id: Uuid::now_v7(),
                    change: Change::Samples(SamplesChange {
                        source: SampleSource {
                            file_name: "fleet.xlsx".into(),
                            content_sha256: "0".repeat(64),
                            imported_at: Utc::now(),
                        },
                        samples: vec![SampleRecord {
                            asset_id: "TR-0001".into(),
                            date: NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
                            gases,
                            sheet: Some("DGA".into()),
                            row: Some(7),
                        }],
                    }),
                },
                Item {
                    id: Uuid::now_v7(),
                    change: Change::LogEntry(LogEntryChange {
                        entry_id: Uuid::now_v7(),
                        entry: LogEntry {
                            asset_id: "TR-0001".into(),
                            occurred_on: NaiveDate::from_ymd_opt(2025, 3, 9).expect("date"),
                            author: "J. Kim".into(),
                            text: "Degassed on site, 6 h.".into(),
                            event: substation_dga::LogEvent::OilProcessed {
                                treatment: substation_dga::OilTreatment::Degassed,
                            },
                        },
                        created_at: Utc::now(),
                    }),
                },
            ],
        };
        let json = serde_json::to_string(&batch).expect("serialise");
        assert!(json.contains(r#""change":{"diagnosis":"#), "{json}");
        assert!(json.contains(r#""response_deflate":"AQID+g==""#), "{json}");
        assert!(
            json.contains(r#""event":{"kind":"oil_processed","treatment":"degassed"}"#),
            "{json}"
        );
        // A checked entry passes; one without an author is refused with the reason.
        let Change::LogEntry(entry) = &batch.items[2].change else {
            unreachable!()
        };
        assert_eq!(batch.items[2].change.validate(), Ok(()));
        let mut nobody = entry.clone();
        nobody.entry.author.clear();
        let err = Change::LogEntry(nobody).validate().expect_err("no author");
        assert!(err.to_string().contains("the author is empty"), "{err}");
        let back: SyncBatch = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, batch);
    }

    #[test]
    fn unknown_fields_and_bad_base64_are_refused() {
        let mut value = serde_json::to_value(diagnosis()).expect("value");
        value["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<DiagnosisChange>(value.clone()).is_err());
        value.as_object_mut().expect("object").remove("surprise");
        value["response_deflate"] = serde_json::json!("not base64!");
        let err = serde_json::from_value::<DiagnosisChange>(value).expect_err("bad base64");
        assert!(err.to_string().contains("not standard base64"), "{err}");
    }
}
