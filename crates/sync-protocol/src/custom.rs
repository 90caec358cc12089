//! A diagnosis by a team's own function: its answer read again with the profile the item
//! carries, so that no device can index keys its answer does not give.

use crate::{DiagnosisChange, InvalidItem, ProfileInfo, same};

/// Function profiles loaded while checking items, by hash: a fleet's diagnoses carry the same
/// profile, whose filters are compiled once.
#[derive(Default)]
pub struct Profiles(std::collections::HashMap<String, std::sync::Arc<substation_profile::Profile>>);

impl Profiles {
    fn get(
        &mut self,
        info: &ProfileInfo,
    ) -> Result<std::sync::Arc<substation_profile::Profile>, InvalidItem> {
        if let Some(profile) = self.0.get(&info.sha256) {
            return Ok(profile.clone());
        }
        let profile = substation_profile::Profile::from_toml(info.toml.as_bytes())
            .map_err(|e| InvalidItem::BadProfile(e.to_string()))?;
        let profile = std::sync::Arc::new(profile);
        self.0.insert(info.sha256.clone(), profile.clone());
        Ok(profile)
    }
}

impl DiagnosisChange {
    /// Checks the inflated answer against the item, whichever reader made it: the built-in
    /// contract's ([`DiagnosisChange::check_response`]) or the item's profile
    /// ([`DiagnosisChange::check_custom_response`]).
    pub fn check_answer(
        &self,
        inflated: &[u8],
        profiles: &mut Profiles,
    ) -> Result<(), InvalidItem> {
        match &self.profile {
            None => self.check_response(inflated),
            Some(info) => {
                let profile = profiles.get(info)?;
                // The answers' engine version and the profile's name are the profile's own.
                if info.name != profile.name {
                    return Err(InvalidItem::BadProfile(format!(
                        "profile.name is {:?}, the profile file names itself {:?}",
                        info.name, profile.name
                    )));
                }
                same(
                    "engine_version",
                    Some(self.engine_version.as_str()),
                    Some(profile.engine_version().as_str()),
                )?;
                self.check_custom_response(inflated, &profile)
            }
        }
    }

    /// Checks a team's own function's answer against the item: read again with the item's
    /// profile (`profile`, loaded by the caller, who may keep it for the next item with the
    /// same hash), it must give the severity, fault, label, score, action and headline the
    /// item copies for indexing.
    pub fn check_custom_response(
        &self,
        inflated: &[u8],
        profile: &substation_profile::Profile,
    ) -> Result<(), InvalidItem> {
        let read = profile.read(inflated).map_err(|err| {
            InvalidItem::BadResponse(format!("its profile cannot read it: {err}"))
        })?;
        same(
            "severity",
            self.severity.as_deref(),
            Some(read.severity.label()),
        )?;
        same(
            "fault",
            self.fault.as_deref(),
            read.fault.map(|f| f.label()),
        )?;
        same(
            "fault_label",
            self.fault_label.as_deref(),
            read.fault_label.as_deref(),
        )?;
        same("score", self.score, read.score)?;
        same("action", self.action.as_deref(), read.action.as_deref())?;
        same(
            "headline",
            self.headline.as_deref(),
            read.headline.as_deref(),
        )?;
        Ok(())
    }
}
