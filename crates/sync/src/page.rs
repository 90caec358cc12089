//! Reading a page of the change feed.

use substation_sync_protocol::ChangesPage;

use crate::SyncError;

/// A page of the change feed, read change by change: a change this version cannot read (a
/// kind or a field of a later version) is left out and counted, and the cursor moves on, so
/// that a laptop not upgraded yet still gets every change it can read.
pub(crate) fn read_page(body: &[u8]) -> Result<(ChangesPage, u64), SyncError> {
    #[derive(serde::Deserialize)]
    struct Page<'a> {
        #[serde(borrow)]
        changes: Vec<&'a serde_json::value::RawValue>,
        next_cursor: String,
        more: bool,
    }
    let page: Page = serde_json::from_slice(body)
        .map_err(|e| SyncError::BadAnswer(format!("not a page of changes: {e}")))?;
    let mut changes = Vec::with_capacity(page.changes.len());
    let mut unreadable = 0;
    for raw in page.changes {
        match serde_json::from_str(raw.get()) {
            Ok(change) => changes.push(change),
            Err(error) => {
                unreadable += 1;
                tracing::warn!(%error, "a pulled change this version cannot read is left out");
            }
        }
    }
    Ok((
        ChangesPage {
            changes,
            next_cursor: page.next_cursor,
            more: page.more,
        },
        unreadable,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_of_a_later_version_is_left_out_and_the_rest_is_read() {
        let body = br#"{"changes": [
            {"origin": "a", "item": {"id": "0190d4a6-0000-7000-8000-000000000001",
              "change": {"asset": {"asset": {"id": "TR-1"}, "updated_at": "2026-01-01T00:00:00Z"}}}},
            {"origin": "b", "item": {"id": "0190d4a6-0000-7000-8000-000000000002",
              "change": {"maintenance_log": {"note": "a kind of a later version"}}}}
        ], "next_cursor": "7", "more": false}"#;
        let (page, unreadable) = read_page(body).expect("a page");
        assert_eq!(unreadable, 1);
        assert_eq!(page.changes.len(), 1);
        assert_eq!(page.changes[0].origin, "a");
        assert_eq!(page.next_cursor, "7");
        assert!(read_page(b"<html>proxy error</html>").is_err());
    }
}
