//! The diagnosis request of a cached transformer, built in one place for every engine and host
//! (a fleet run, a profile's trial call, the app's preview, a report): its nameplate and its
//! samples, oldest first.

use substation_dga::{Asset, DiagnosisRequest};

use crate::Result;
use crate::read::{Reader, StoredSample};

/// The request for `asset` with `samples`, as [`Reader::samples`] read them (for a caller that
/// holds them already).
pub fn request_with(asset: Asset, samples: &[StoredSample]) -> DiagnosisRequest {
    DiagnosisRequest::new(asset, samples.iter().map(|s| s.sample).collect())
}

impl Reader {
    /// The request for `asset` (as the cache holds it) with every cached sample.
    pub fn request_for(&self, asset: Asset) -> Result<DiagnosisRequest> {
        let samples = self.samples(&asset.id)?;
        Ok(request_with(asset, &samples))
    }

    /// The request of the transformer `asset_id`; `None` when the cache has no such transformer.
    pub fn request(&self, asset_id: &str) -> Result<Option<DiagnosisRequest>> {
        match self.asset(asset_id)? {
            Some(summary) => self.request_for(summary.asset).map(Some),
            None => Ok(None),
        }
    }
}
