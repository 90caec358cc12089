//! The diagnosis request of a cached transformer, built in one place for every engine and host
//! (a fleet run, a profile's trial call, the app's preview, a report): its nameplate and its
//! samples, oldest first — since its latest oil processing, when the logbook records one.

use substation_dga::{Asset, DiagnosisRequest, OilProcessing};

use crate::Result;
use crate::read::{Reader, StoredSample};

/// The request for `asset` with `samples`, as [`Reader::samples`] read them (for a caller that
/// holds them already), and the transformer's latest oil processing
/// ([`Reader::oil_processing`]): the request then carries only the samples drawn on or after
/// that day, and names the treatment, so that the engine says the history restarted (and a
/// team's own function is not given samples of other oil).
pub fn request_with(
    asset: Asset,
    samples: &[StoredSample],
    oil_processed: Option<OilProcessing>,
) -> DiagnosisRequest {
    let kept = samples
        .iter()
        .map(|s| s.sample)
        .filter(|s| oil_processed.is_none_or(|p| p.keeps(s)))
        .collect();
    let mut request = DiagnosisRequest::new(asset, kept);
    request.oil_processed = oil_processed;
    request
}

impl Reader {
    /// The request for `asset` (as the cache holds it) with its cached samples since its latest
    /// oil processing.
    pub fn request_for(&self, asset: Asset) -> Result<DiagnosisRequest> {
        let samples = self.samples(&asset.id)?;
        let oil_processed = self.oil_processing(&asset.id)?;
        Ok(request_with(asset, &samples, oil_processed))
    }

    /// The request of the transformer `asset_id`; `None` when the cache has no such transformer.
    pub fn request(&self, asset_id: &str) -> Result<Option<DiagnosisRequest>> {
        match self.asset(asset_id)? {
            Some(summary) => self.request_for(summary.asset).map(Some),
            None => Ok(None),
        }
    }
}
