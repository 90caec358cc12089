//! The push: the outbox sent batch by batch, halved when too large, rebuilt under a new key.

use reqwest::header::HeaderValue;
use substation_store::{OutgoingBatch, Refusal, Store, StoreError};
use substation_sync_protocol::{BATCHES_PATH, BatchAnswer, ErrorBody, IDEMPOTENCY_HEADER};

use crate::client::{Reply, blocking};
use crate::progress::Tracker;
use crate::{SyncClient, SyncError, SyncOptions, SyncReport};

/// Puts the rows of `batch`, and of the batch built meanwhile (never sent; it goes back first,
/// so that an import sent in parts resumes where `batch` began), back to pending, to travel
/// again in new batches.
fn rebuild(
    store: &Store,
    batch: &OutgoingBatch,
    prebuilt: Option<&OutgoingBatch>,
    body: &ErrorBody,
) -> Result<(), SyncError> {
    let reason = format!("{}: {}", body.code, body.message);
    blocking(|| {
        if let Some(prebuilt) = prebuilt {
            store.refuse_sync_batch(
                prebuilt.id,
                Refusal::Rebuild {
                    reason: reason.clone(),
                },
            )?;
        }
        store.refuse_sync_batch(batch.id, Refusal::Rebuild { reason })
    })?;
    Ok(())
}

/// Batches sent again under a new key after `idempotency_key_reused`, per sync, before the
/// sync stops and says so (the rows stay queued).
const MAX_KEY_REBUILDS: u32 = 3;

impl SyncClient {
    pub(crate) async fn push(
        &self,
        store: &Store,
        options: &SyncOptions,
        report: &mut SyncReport,
        tracker: &mut Tracker<'_>,
    ) -> Result<(), SyncError> {
        let mut limits = options.limits;
        let url = self.endpoint(BATCHES_PATH);
        let mut next = blocking(|| store.next_sync_batch(limits))?;
        let mut rebuilt_for_key = 0u32;
        loop {
            if options.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let Some(batch) = next.take() else {
                return Ok(());
            };
            report.batches += 1;
            report.bytes += batch.body.len() as u64;
            // The writer builds (and stores) the next batch while this one is in flight; it is
            // sent only after this one is answered, and a crash leaves both to be resent in
            // the order they were built.
            let upcoming = store.submit_next_sync_batch(limits, Some(batch.id))?;
            let key = HeaderValue::from_str(&batch.id.to_string())
                .map_err(|e| SyncError::Usage(e.to_string()))?;
            let request = || {
                let mut request = self
                    .http
                    .post(url.clone())
                    .header(IDEMPOTENCY_HEADER, key.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(batch.body.clone());
                if batch.gzip {
                    request = request.header(reqwest::header::CONTENT_ENCODING, "gzip");
                }
                request
            };
            let reply = self
                .call(request, Some(batch.id), store, options, report, tracker)
                .await;
            let prebuilt = blocking(|| upcoming.recv().map_err(|_| StoreError::WriterGone)?)?;
            match reply? {
                Reply::Answered(body) => {
                    let answer: BatchAnswer = serde_json::from_slice(&body)
                        .map_err(|e| SyncError::BadAnswer(format!("not a batch answer: {e}")))?;
                    if answer.batch_id != batch.id {
                        return Err(SyncError::BadAnswer(format!(
                            "the answer is for batch {}, not {}",
                            answer.batch_id, batch.id
                        )));
                    }
                    let outcome =
                        blocking(|| store.answer_sync_batch(answer)).map_err(|e| match e {
                            StoreError::Invalid(message) => SyncError::BadAnswer(message),
                            other => SyncError::Store(other),
                        })?;
                    report.sent += outcome.applied + outcome.duplicate + outcome.rejected;
                    report.applied += outcome.applied;
                    report.duplicate += outcome.duplicate;
                    report.rejected += outcome.rejected;
                    next = prebuilt;
                }
                Reply::Refused(413, body) if batch.items > 1 => {
                    // Nothing of it was stored: its rows go back, to be sent in halves.
                    rebuild(store, &batch, prebuilt.as_ref(), &body)?;
                    limits.max_items = (batch.items as usize / 2).max(1);
                    limits.max_bytes = (limits.max_bytes / 2).max(64 * 1024);
                    next = blocking(|| store.next_sync_batch(limits))?;
                }
                Reply::Refused(422, body) if body.code == "idempotency_key_reused" => {
                    // The service holds this batch id from another device (a token issued again
                    // under another name): the rows go back and travel in a new batch, under a
                    // new key; the service answers items it already holds as duplicates.
                    rebuild(store, &batch, prebuilt.as_ref(), &body)?;
                    rebuilt_for_key += 1;
                    if rebuilt_for_key > MAX_KEY_REBUILDS {
                        return Err(SyncError::Refused {
                            status: 422,
                            code: body.code,
                            message: body.message,
                        });
                    }
                    next = blocking(|| store.next_sync_batch(limits))?;
                }
                Reply::Refused(status, body) => {
                    // Items are refused one by one inside a 2xx answer; a 4xx for the whole
                    // request is about the request (a header a proxy stripped, a body it
                    // rewrote, an HTML error page): nothing is marked rejected, the batch stays
                    // open and is sent again, the same, by the next sync.
                    return Err(SyncError::Refused {
                        status,
                        code: body.code,
                        message: body.message,
                    });
                }
            }
            tracker.pending = blocking(|| store.reader()?.outbox_pending())?;
            tracker.tell(report, None);
        }
    }
}
