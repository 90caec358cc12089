//! Settings the engineer chooses, kept in a JSON file in the app-data folder. Never
//! credentials: those come from the AWS config files and the SSO chain.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{AppError, Result};

/// Which engine diagnoses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EngineChoice {
    /// In-process, offline.
    #[default]
    Embedded,
    /// AWS Lambda, through the AWS config and credential chain.
    Lambda,
}

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Follow the operating system.
    #[default]
    Auto,
    En,
    Ko,
}

/// Persisted settings. Every field has a default, so an older or partial file still loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    pub engine: EngineChoice,
    /// AWS named profile (SSO profiles included); empty for the default chain.
    pub aws_profile: Option<String>,
    pub aws_region: Option<String>,
    pub function_name: String,
    /// The function profile Lambda runs call a team's own function through (the SHA-256 of
    /// its file, kept in the local cache); empty for the built-in contract.
    pub function_profile: Option<String>,
    /// A Lambda-compatible endpoint (a local emulator); empty for AWS itself.
    pub endpoint_url: Option<String>,
    /// Calls in flight at once; empty for the engine's default (64 on Lambda, the core count
    /// embedded).
    pub concurrency: Option<u32>,
    /// Seconds one call may take before it is abandoned (and retried once).
    pub timeout_seconds: u32,
    pub language: Language,
    /// Where the local cache lives; empty for the app-data folder.
    pub database_path: Option<String>,
    /// The central service to sync with (`https://…`); empty for none. Its token is kept in
    /// the OS credential store, never here.
    pub sync_server: Option<String>,
    /// Sync by itself when a server and a token are set (at start, after each run and import,
    /// and every few minutes); otherwise only on "Sync now".
    pub sync_automatically: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            engine: EngineChoice::Embedded,
            aws_profile: None,
            aws_region: None,
            function_name: "substation-diagnose".into(),
            function_profile: None,
            endpoint_url: None,
            concurrency: None,
            timeout_seconds: 60,
            language: Language::Auto,
            database_path: None,
            sync_server: None,
            sync_automatically: true,
        }
    }
}

/// Lambda allows 15 minutes per call; more would never be answered.
pub const MAX_TIMEOUT_SECONDS: u32 = 900;
/// Lambda's default account limit; more only earns throttles.
pub const MAX_CONCURRENCY: u32 = 1_000;

impl Settings {
    /// Blank text fields become `None`, and the numbers are checked.
    pub fn normalised(mut self) -> Result<Settings> {
        fn blank_to_none(field: &mut Option<String>) {
            if field.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *field = None;
            } else if let Some(text) = field {
                *text = text.trim().to_owned();
            }
        }
        blank_to_none(&mut self.aws_profile);
        blank_to_none(&mut self.aws_region);
        blank_to_none(&mut self.endpoint_url);
        blank_to_none(&mut self.database_path);
        blank_to_none(&mut self.sync_server);
        blank_to_none(&mut self.function_profile);
        if let Some(server) = &mut self.sync_server {
            substation_sync::check_url(server)
                .map_err(|e| AppError::InvalidSettings(format!("the sync server: {e}")))?;
            // One spelling per server: the credential store keys the token by it.
            *server = substation_sync::credentials::account(server);
        }
        self.function_name = self.function_name.trim().to_owned();
        if self.function_name.is_empty() {
            return Err(AppError::InvalidSettings(
                "the Lambda function name is empty".into(),
            ));
        }
        if let Some(url) = &self.endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(AppError::InvalidSettings(format!(
                "the endpoint `{url}` must start with http:// or https://"
            )));
        }
        match self.concurrency {
            Some(0) => {
                return Err(AppError::InvalidSettings(
                    "concurrency must be at least 1".into(),
                ));
            }
            Some(n) if n > MAX_CONCURRENCY => {
                return Err(AppError::InvalidSettings(format!(
                    "concurrency {n} is above Lambda's default account limit of {MAX_CONCURRENCY}"
                )));
            }
            _ => {}
        }
        if self.timeout_seconds == 0 || self.timeout_seconds > MAX_TIMEOUT_SECONDS {
            return Err(AppError::InvalidSettings(format!(
                "the timeout must be between 1 and {MAX_TIMEOUT_SECONDS} seconds"
            )));
        }
        Ok(self)
    }

    /// Reads the settings file; a missing file gives the defaults, an unreadable one is an
    /// error the app reports (and then runs on defaults) rather than silently overwrites.
    pub fn load(path: &Path) -> Result<Settings> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str::<Settings>(&text)
                .map_err(|e| {
                    AppError::InvalidSettings(format!("{} cannot be read: {e}", path.display()))
                })?
                .normalised(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(AppError::InvalidSettings(format!(
                "{} cannot be read: {e}",
                path.display()
            ))),
        }
    }

    /// Writes the whole file or nothing (`substation_import::replace_file`), so a crash
    /// mid-write never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| AppError::Write {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let text =
            serde_json::to_string_pretty(self).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(substation_import::replace_file(path, text.as_bytes())?)
    }

    /// The database file these settings point at.
    pub fn database(&self, data_dir: &Path) -> PathBuf {
        match &self.database_path {
            Some(path) => PathBuf::from(path),
            None => data_dir.join(substation_store::DATABASE_FILE),
        }
    }
}
