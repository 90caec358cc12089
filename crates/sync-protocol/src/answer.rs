//! What the service answers: batch results per item, change-feed pages and cursors, error bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Item;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(parse_cursor(""), Some(0));
        assert_eq!(parse_cursor(&format_cursor(42)), Some(42));
        assert_eq!(parse_cursor("42"), None);
        assert_eq!(parse_cursor("c1--5"), None);
        assert_eq!(parse_cursor("c1-x"), None);
    }
}
