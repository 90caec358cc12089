//! The sync protocol between a laptop's local cache and the central service, version 1.
//!
//! A laptop uploads what its outbox holds as a [`SyncBatch`] (`POST /v1/sync/batches`, with the
//! batch id as `Idempotency-Key`) and is answered per item ([`BatchAnswer`]). It pulls what other
//! laptops uploaded with `GET /v1/changes?since=CURSOR` ([`ChangesPage`]). `docs/sync.md`
//! describes the exchange; `docs/sync-openapi.yaml` is its OpenAPI description.
//!
//! Everything here is data and checks, shared by the client (`crates/sync`) and the reference
//! central service (`crates/central`), so that both sides agree on one definition.

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use substation_dga::{Asset, GasReadings};
use uuid::Uuid;

mod custom;

pub use custom::{CustomRead, Profiles, ReadCustom};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Every request and answer carries the protocol version in this header.
pub const VERSION_HEADER: &str = "Substation-Sync-Version";
/// The batch id of an upload: stable across retries, so a replay is recognised.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Upload: `POST` a [`SyncBatch`].
pub const BATCHES_PATH: &str = "/v1/sync/batches";
/// Pull: `GET` a [`ChangesPage`], `?since=CURSOR&limit=N`.
pub const CHANGES_PATH: &str = "/v1/changes";
/// Liveness: 200 while the process runs.
pub const HEALTH_PATH: &str = "/healthz";
/// Readiness: 200 when the database answers.
pub const READY_PATH: &str = "/readyz";

/// The largest request body the service accepts, after gzip is undone (the server may be
/// configured lower, never higher). Clients keep their batches well under it.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// The most items one batch may carry.
pub const MAX_ITEMS_PER_BATCH: usize = 5_000;
/// The most samples one samples item may carry.
pub const MAX_SAMPLES_PER_ITEM: usize = 2_000;
/// The most changes one pull page returns.
pub const MAX_CHANGES_PER_PAGE: usize = 2_000;
/// The largest pull page, in bytes of JSON before any gzip (the server may be configured lower,
/// never higher): a page ends before the change that would take it past this, so pages of large
/// diagnoses hold fewer changes. Clients refuse to read more than this (plus
/// [`MAX_ANSWER_SLACK_BYTES`]) from any answer.
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;
/// What a client reads beyond [`MAX_PAGE_BYTES`] before it gives up on an answer: the page's
/// envelope and one change (a diagnosis with a 1 MiB response is about 1.4 MiB; a samples
/// item of 2,000 samples a few MB).
pub const MAX_ANSWER_SLACK_BYTES: usize = 4 * 1024 * 1024;
/// The longest identifier (asset id, engine name, …) and the longest free text (names).
pub const MAX_ID_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 500;
/// The largest compressed diagnosis response (the contract's answers are about 2 KB deflated).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The most a diagnosis response may inflate to (the contract's answers are 7–20 KB): both
/// sides stop inflating past it, so a small DEFLATE bomb costs nothing.
pub const MAX_INFLATED_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Largest function profile (its TOML file) a diagnosis may carry.
pub const MAX_PROFILE_BYTES: usize = substation_profile::MAX_PROFILE_BYTES;

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
#[expect(
    clippy::large_enum_variant,
    reason = "most items of a batch or a page are diagnoses: boxing them would only add an \
              allocation per item"
)]
pub enum Change {
    /// A transformer and its nameplate, as the laptop last imported it.
    Asset(AssetChange),
    /// Oil samples an import added or corrected (a large import is split into several items).
    Samples(SamplesChange),
    /// One diagnosis of one transformer.
    Diagnosis(DiagnosisChange),
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

/// The service's answer to a batch: one result per item, in the batch's order. Replaying the
/// batch (same `Idempotency-Key`, same body) returns this same answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchAnswer {
    pub batch_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub results: Vec<ItemResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemResult {
    pub id: Uuid,
    pub outcome: Outcome,
    /// Why an item was rejected; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorBody>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Stored now.
    Applied,
    /// Already stored (this item id, or this diagnosis id, arrived before): nothing changed.
    Duplicate,
    /// Not stored, for the reason given; sending it again will not help.
    Rejected,
}

/// One page of the change feed: what other laptops uploaded after the cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesPage {
    pub changes: Vec<RemoteChange>,
    /// Pass as `since` for the next page; unchanged when there was nothing new.
    pub next_cursor: String,
    /// True when more changes wait beyond this page.
    pub more: bool,
}

/// A change as the central service stored it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteChange {
    /// The uploading laptop's name, as its token was issued.
    pub origin: String,
    pub item: Item,
}

/// The body of every error answer (4xx, 5xx), and a rejected item's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable, machine-readable: `unauthorized`, `payload_too_large`, `invalid_item`, …
    pub code: String,
    /// For a person: says what is wrong and, where it helps, what to do.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Why an item cannot be stored. `code()` is the [`ErrorBody`] code the service answers with.
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
fn sha256_hex(bytes: &[u8]) -> String {
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
        }
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

/// The opaque cursor of the change feed. Version 1 encodes the service's change sequence
/// number; clients must not interpret it.
pub fn parse_cursor(cursor: &str) -> Option<i64> {
    if cursor.is_empty() {
        return Some(0);
    }
    cursor
        .strip_prefix("c1-")?
        .parse()
        .ok()
        .filter(|seq: &i64| *seq >= 0)
}

pub fn format_cursor(seq: i64) -> String {
    format!("c1-{seq}")
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
mod tests {
    use super::*;
    use substation_dga::GasValue;

    fn diagnosis() -> DiagnosisChange {
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
    fn a_custom_answer_is_read_again_with_the_profile_it_carries() {
        let toml = include_str!("../../../examples/python-lambda/seed_ai/profile.toml");
        let answer = br#"{"status": 200, "response": {"equipment_id": "TR-0001", "fault_class": "Arcing", "health_index": 12.5, "comment": "Take it out of service and inspect."}}"#;
        let sha256 = sha256_hex(toml.as_bytes());
        let item = DiagnosisChange {
            engine_version: format!("seed-ai@{}", &sha256[..12]),
            ieee_status: None,
            iec_state: None,
            fault: Some("D2".into()),
            severity: Some("critical".into()),
            profile: Some(ProfileInfo {
                name: "seed-ai".into(),
                sha256: sha256.clone(),
                toml: toml.into(),
            }),
            fault_label: Some("Arcing".into()),
            score: Some(12.5),
            action: Some("Take it out of service and inspect.".into()),
            headline: Some("Arcing, health index 12.5".into()),
            ..diagnosis()
        };
        assert_eq!(Change::Diagnosis(item.clone()).validate(), Ok(()));
        let mut profiles = Profiles::default();
        assert_eq!(item.check_answer(answer, &mut profiles), Ok(()));
        // Keys the answer does not give are refused, naming the field.
        let milder = DiagnosisChange {
            severity: Some("caution".into()),
            ..item.clone()
        };
        assert!(matches!(
            milder.check_answer(answer, &mut profiles),
            Err(InvalidItem::IndexMismatch {
                field: "severity",
                ..
            })
        ));
        // Its engine version is the profile's own name and hash.
        let other_version = DiagnosisChange {
            engine_version: "seed-ai@000000000000".into(),
            ..item.clone()
        };
        assert!(matches!(
            other_version.check_answer(answer, &mut profiles),
            Err(InvalidItem::IndexMismatch {
                field: "engine_version",
                ..
            })
        ));
        let relabelled = DiagnosisChange {
            fault_label: Some("Normal".into()),
            ..item.clone()
        };
        assert!(matches!(
            relabelled.check_answer(answer, &mut profiles),
            Err(InvalidItem::IndexMismatch {
                field: "fault_label",
                ..
            })
        ));
        // A profile that is not the one its hash names, or keys only the contract has.
        let mut forged = item.clone();
        if let Some(profile) = &mut forged.profile {
            profile.toml.push_str("\n# edited\n");
        }
        assert!(matches!(
            Change::Diagnosis(forged).validate(),
            Err(InvalidItem::BadProfile(_))
        ));
        let with_ieee = DiagnosisChange {
            ieee_status: Some(3),
            ..item.clone()
        };
        assert!(matches!(
            Change::Diagnosis(with_ieee).validate(),
            Err(InvalidItem::BadProfile(_))
        ));
        // Without a profile, the custom fields have no reader.
        let orphan = DiagnosisChange {
            profile: None,
            ..item
        };
        assert!(matches!(
            Change::Diagnosis(orphan).validate(),
            Err(InvalidItem::BadProfile(_))
        ));
    }

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
            ],
        };
        let json = serde_json::to_string(&batch).expect("serialise");
        assert!(json.contains(r#""change":{"diagnosis":"#), "{json}");
        assert!(json.contains(r#""response_deflate":"AQID+g==""#), "{json}");
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

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(parse_cursor(""), Some(0));
        assert_eq!(parse_cursor(&format_cursor(42)), Some(42));
        assert_eq!(parse_cursor("42"), None);
        assert_eq!(parse_cursor("c1--5"), None);
        assert_eq!(parse_cursor("c1-x"), None);
    }
}
