//! The pull: pages of the change feed brought into the cache until the service has no more.

use substation_store::Store;
use substation_sync_protocol::{CHANGES_PATH, MAX_CHANGES_PER_PAGE};

use crate::client::{Reply, blocking};
use crate::page;
use crate::progress::Tracker;
use crate::{SyncClient, SyncError, SyncOptions, SyncReport};

impl SyncClient {
    pub(crate) async fn pull(
        &self,
        store: &Store,
        options: &SyncOptions,
        report: &mut SyncReport,
        tracker: &mut Tracker<'_>,
    ) -> Result<(), SyncError> {
        let mut cursor = blocking(|| store.reader()?.sync_status())?
            .cursor
            .unwrap_or_default();
        let limit = options
            .pull_limit
            .clamp(1, MAX_CHANGES_PER_PAGE)
            .to_string();
        loop {
            if options.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let mut url = self.endpoint(CHANGES_PATH);
            url.query_pairs_mut()
                .append_pair("since", &cursor)
                .append_pair("limit", &limit);
            let reply = self
                .call(
                    || self.http.get(url.clone()),
                    None,
                    store,
                    options,
                    report,
                    tracker,
                )
                .await?;
            let body = match reply {
                Reply::Answered(body) => body,
                // A cursor the service no longer knows (its database was restored, say): start
                // the feed over. Applying a change twice changes nothing.
                Reply::Refused(400, body) if body.code == "bad_cursor" && !cursor.is_empty() => {
                    cursor.clear();
                    continue;
                }
                Reply::Refused(status, body) => {
                    return Err(SyncError::Http {
                        status,
                        code: body.code,
                        message: body.message,
                    });
                }
            };
            let (page, unreadable) = page::read_page(&body)?;
            let more = page.more;
            let next = page.next_cursor.clone();
            let outcome = blocking(|| store.apply_changes(page))?;
            report.pulled += outcome.changes - outcome.skipped;
            report.skipped += outcome.skipped + unreadable;
            tracker.tell(report, None);
            if !more || next == cursor {
                return Ok(());
            }
            cursor = next;
        }
    }
}
