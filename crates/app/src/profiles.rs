//! Function profiles in the app: the list kept in the local cache (added from a file, or
//! arrived with a synced diagnosis), the one the settings choose for Lambda runs, and a trial
//! of a profile on one transformer that shows the request, the raw answer and the summary.

use std::path::Path;

use serde::Serialize;
use substation_dga::Summary;
use substation_dispatch::{LambdaEngine, LambdaSettings, TrialStep};
use substation_profile::Profile;
use substation_store::StoredProfile;
use ts_rs::TS;

use crate::App;
use crate::error::{AppError, Result};
use crate::settings::Settings;

/// A stored profile as the settings list it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProfileView {
    pub name: String,
    /// SHA-256 of its file: what the settings store to choose it.
    pub sha256: String,
    pub description: Option<String>,
    /// The function it names, if any.
    pub function: Option<String>,
    /// Stored answers it read.
    pub answers: u32,
}

/// What a team's own function answered and the profile read, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SummaryView {
    pub severity: String,
    pub score: Option<f64>,
    /// The tool's fault code, when the function's label maps to one.
    pub fault: Option<String>,
    /// The function's own label.
    pub fault_label: Option<String>,
    pub action: Option<String>,
    pub headline: Option<String>,
    pub latest_sample: String,
    pub profile: Option<String>,
}

impl From<&Summary> for SummaryView {
    fn from(s: &Summary) -> Self {
        SummaryView {
            severity: s.severity.label().to_owned(),
            score: s.score,
            fault: s.fault.map(|f| f.label().to_owned()),
            fault_label: s.fault_label.clone(),
            action: s.action.clone(),
            headline: s.headline.clone(),
            latest_sample: s.latest_sample_date.to_string(),
            profile: s.profile.as_ref().map(|p| p.name.clone()),
        }
    }
}

/// A profile tried on one transformer: each step's result, or the step that failed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProfileTestView {
    pub asset_id: String,
    pub function: String,
    /// The event sent, as JSON text.
    pub request_json: Option<String>,
    /// The function's answer, as it came.
    pub answer_json: Option<String>,
    pub summary: Option<SummaryView>,
    /// `request`, `call` or `answer`.
    pub failed_step: Option<String>,
    pub error: Option<crate::error::ErrorView>,
}

fn load(stored: &StoredProfile) -> Result<Profile> {
    Profile::from_toml(&stored.toml).map_err(|e| AppError::Profile {
        code: e.code().to_owned(),
        message: format!("{}: {e}", stored.name),
    })
}

fn view(stored: &StoredProfile, answers: u64) -> ProfileView {
    let profile = Profile::from_toml(&stored.toml).ok();
    ProfileView {
        name: stored.name.clone(),
        sha256: stored.sha256.clone(),
        description: profile.as_ref().and_then(|p| p.description.clone()),
        function: profile.and_then(|p| p.function.name),
        answers: u32::try_from(answers).unwrap_or(u32::MAX),
    }
}

/// The Lambda settings of a run: the app's, with a profile's defaults where the settings leave
/// them open. The function is always the settings' (choosing a profile in Settings fills it in
/// with the profile's function, which the user may change), as `--function` wins on the
/// command line.
pub(crate) fn lambda_settings(settings: &Settings, profile: Option<&Profile>) -> LambdaSettings {
    let defaults = profile.map(|p| &p.function);
    LambdaSettings {
        function: settings.function_name.clone(),
        region: settings
            .aws_region
            .clone()
            .or_else(|| defaults.and_then(|d| d.region.clone())),
        profile: settings
            .aws_profile
            .clone()
            .or_else(|| defaults.and_then(|d| d.profile.clone())),
        endpoint_url: settings
            .endpoint_url
            .clone()
            .or_else(|| defaults.and_then(|d| d.endpoint_url.clone())),
    }
}

impl App {
    /// The profiles kept in the local cache.
    pub fn profiles(&self) -> Result<Vec<ProfileView>> {
        Ok(self
            .store()?
            .reader()?
            .profiles()?
            .iter()
            .map(|(stored, answers)| view(stored, *answers))
            .collect())
    }

    /// Reads, checks and keeps a profile file.
    pub fn add_profile(&self, path: &Path) -> Result<ProfileView> {
        let unreadable = || AppError::Unreadable {
            path: path.display().to_string(),
        };
        let size = std::fs::metadata(path).map_err(|_| unreadable())?.len();
        if size > substation_profile::MAX_PROFILE_BYTES as u64 {
            return Err(AppError::Profile {
                code: "profile_too_large".into(),
                message: format!(
                    "{} is {size} bytes; a profile is at most {} KB",
                    path.display(),
                    substation_profile::MAX_PROFILE_BYTES / 1024
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(|_| unreadable())?;
        let profile = Profile::from_toml(&bytes).map_err(|e| AppError::Profile {
            code: e.code().to_owned(),
            message: format!("{}: {e}", path.display()),
        })?;
        let stored = StoredProfile {
            name: profile.name.clone(),
            sha256: profile.sha256.clone(),
            toml: bytes,
        };
        self.store()?.save_profile(stored.clone())?;
        tracing::info!(profile = %stored.name, sha256 = %stored.sha256, "function profile added");
        let answers = self
            .profiles()?
            .into_iter()
            .find(|p| p.sha256 == stored.sha256)
            .map_or(0, |p| p.answers);
        Ok(view(&stored, u64::from(answers)))
    }

    /// Writes a kept profile's file to `path`, which must be a `.toml` file (the save
    /// dialog's answer): never a workbook or the database picked by mistake.
    pub fn export_profile(&self, sha256: &str, path: &Path) -> Result<()> {
        crate::file_name::named_for(path, "toml")?;
        let stored = self.stored_profile(sha256)?;
        Ok(substation_import::replace_file(path, &stored.toml)?)
    }

    /// Forgets a profile no stored answer was read with; the settings stop choosing it.
    pub fn remove_profile(&self, sha256: &str) -> Result<()> {
        self.store()?.remove_profile(sha256)?;
        let settings = self.settings();
        if settings.function_profile.as_deref() == Some(sha256) {
            self.save_settings(Settings {
                function_profile: None,
                ..settings
            })?;
        }
        Ok(())
    }

    fn stored_profile(&self, sha256: &str) -> Result<StoredProfile> {
        self.store()?
            .reader()?
            .profile(sha256)?
            .ok_or_else(|| AppError::Profile {
                code: "no_such_profile".into(),
                message: format!("no function profile {sha256} is kept here"),
            })
    }

    /// The profile the settings choose, loaded; `None` for the built-in contract.
    pub(crate) fn chosen_profile(&self, settings: &Settings) -> Result<Option<Profile>> {
        match &settings.function_profile {
            None => Ok(None),
            Some(sha256) => load(&self.stored_profile(sha256)?).map(Some),
        }
    }

    /// The Lambda engine the settings describe, with their profile if they choose one.
    pub(crate) async fn lambda_engine(&self, settings: &Settings) -> Result<LambdaEngine> {
        let profile = self.chosen_profile(settings)?;
        let engine = LambdaEngine::connect(&lambda_settings(settings, profile.as_ref()))
            .await
            .map_err(|e| AppError::Engine {
                code: e.code,
                message: e.message,
            })?;
        Ok(match profile {
            Some(profile) => engine.with_profile(profile),
            None => engine,
        })
    }

    /// Tries a profile (`sha256`, or the built-in contract with `None`) on one transformer,
    /// calling `function` (the settings' when `None`): the request built, one call, the answer
    /// read. The other settings are the saved ones.
    pub async fn test_profile(
        &self,
        sha256: Option<String>,
        function: Option<String>,
        asset_id: &str,
    ) -> Result<ProfileTestView> {
        let saved = self.settings();
        let settings = Settings {
            function_profile: sha256,
            function_name: function
                .filter(|f| !f.trim().is_empty())
                .unwrap_or(saved.function_name.clone()),
            ..saved
        };
        let reader = self.store()?.reader()?;
        let request = reader
            .request(asset_id)?
            .ok_or_else(|| AppError::NoSuchAsset(asset_id.to_owned()))?;
        let engine = self.lambda_engine(&settings).await?;
        let function = engine.function().to_owned();
        let trial = engine.trial(&request, true).await;
        let text = |bytes: Option<Vec<u8>>| bytes.map(|b| String::from_utf8_lossy(&b).into_owned());
        let (summary, failed_step, error) = match trial.outcome {
            Ok(summary) => (Some(SummaryView::from(&summary)), None, None),
            Err((step, error)) => (
                None,
                Some(
                    match step {
                        TrialStep::Request => "request",
                        TrialStep::Call => "call",
                        TrialStep::Answer => "answer",
                    }
                    .to_owned(),
                ),
                Some(crate::error::ErrorView::from(AppError::Engine {
                    code: error.code,
                    message: error.message,
                })),
            ),
        };
        Ok(ProfileTestView {
            asset_id: asset_id.to_owned(),
            function,
            request_json: text(trial.event),
            answer_json: text(trial.answer),
            summary,
            failed_step,
            error,
        })
    }
}
