//! A diagnosis by a team's own function: its answer read again with the profile the item
//! carries, so that no device can index keys its answer does not give. Reading runs another
//! team's jq: [`ReadCustom`] lets a service do it out of process ([`Profiles`] reads in this
//! one).

use crate::check::same;
use crate::{DiagnosisChange, InvalidItem, ProfileInfo};

/// Function profiles loaded while checking items, by hash: a fleet's diagnoses carry the same
/// profile, whose filters are compiled once.
#[derive(Default)]
pub struct Profiles(std::collections::HashMap<String, std::sync::Arc<substation_profile::Profile>>);

/// What reading a custom answer with its item's profile gave.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomRead {
    /// The name the profile file gives itself.
    pub name: String,
    /// The profile's engine version (its name and hash).
    pub engine_version: String,
    pub summary: substation_profile::Summary,
}

/// Reads a team's function's answer with the profile an item carries. Fails only with
/// [`InvalidItem::BadProfile`] (the profile does not load) or [`InvalidItem::BadResponse`] (it
/// cannot read the answer).
pub trait ReadCustom {
    fn read_custom(
        &mut self,
        profile: &ProfileInfo,
        answer: &[u8],
    ) -> Result<CustomRead, InvalidItem>;
}

impl ReadCustom for Profiles {
    fn read_custom(
        &mut self,
        info: &ProfileInfo,
        answer: &[u8],
    ) -> Result<CustomRead, InvalidItem> {
        let profile = self.get(info)?;
        let summary = profile.read(answer).map_err(|err| {
            InvalidItem::BadResponse(format!("its profile cannot read it: {err}"))
        })?;
        Ok(CustomRead {
            name: profile.name.clone(),
            engine_version: profile.engine_version(),
            summary,
        })
    }
}

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
    /// contract's ([`DiagnosisChange::check_response`]) or the item's profile, read by
    /// `reader` ([`DiagnosisChange::check_custom_read`]).
    pub fn check_answer(
        &self,
        inflated: &[u8],
        reader: &mut impl ReadCustom,
    ) -> Result<(), InvalidItem> {
        match &self.profile {
            None => self.check_response(inflated),
            Some(info) => {
                let read = reader.read_custom(info, inflated)?;
                self.check_custom_read(info, &read)
            }
        }
    }

    /// Checks what the item's profile read from its answer against the item: the profile
    /// must be the one the item names, and give the severity, fault, label, score, action and
    /// headline the item copies for indexing.
    pub fn check_custom_read(
        &self,
        info: &ProfileInfo,
        read: &CustomRead,
    ) -> Result<(), InvalidItem> {
        // The answers' engine version and the profile's name are the profile's own.
        if info.name != read.name {
            return Err(InvalidItem::BadProfile(format!(
                "profile.name is {:?}, the profile file names itself {:?}",
                info.name, read.name
            )));
        }
        same(
            "engine_version",
            Some(self.engine_version.as_str()),
            Some(read.engine_version.as_str()),
        )?;
        let read = &read.summary;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Change;
    use crate::change::tests::diagnosis;
    use crate::check::sha256_hex;

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
}
