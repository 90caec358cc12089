//! Every code the desktop can show, as one closed set: exported to TypeScript as a union, so
//! the UI's English and Korean texts (`ui/src/lib/errors.ts`) must name each one to type-check.
//!
//! The libraries keep their own codes as strings (`ImportError::code`, …, listed in their
//! `CODES`); this is where the app gathers them, each under its family (`import.`, `store.`,
//! `run.`, `sync.`, `profile.`, `engine.`). A store failure has one code whichever path it
//! came by (opening a workbook, a run, a sync).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! error_codes {
    ($($variant:ident = $code:literal,)*) => {
        /// A stable code the UI translates and tests match on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        pub enum ErrorCode {
            $(#[serde(rename = $code)] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code as it crosses IPC (`import.file_unreadable`, `run_in_progress`, …).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The code written `as_str` gives, if it is one.
            pub fn parse(code: &str) -> Option<ErrorCode> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    // The app's own.
    NoSuchAsset = "no_such_asset",
    RunInProgress = "run_in_progress",
    UnsupportedFile = "unsupported_file",
    ExportName = "export_name",
    UnreadableFile = "unreadable_file",
    InvalidSettings = "invalid_settings",
    WriteFailed = "write_failed",
    FileInUse = "file_in_use",
    FileReadOnly = "file_read_only",
    NoSyncServer = "no_sync_server",
    NoSyncToken = "no_sync_token",
    SyncInProgress = "sync_in_progress",
    Internal = "internal",
    // Opening a workbook (substation_import::ImportError).
    ImportFileUnreadable = "import.file_unreadable",
    ImportFileTooLarge = "import.file_too_large",
    ImportFileEncrypted = "import.file_encrypted",
    ImportNotAWorkbook = "import.not_a_workbook",
    ImportSheetUnreadable = "import.sheet_unreadable",
    ImportMappingInvalid = "import.mapping_invalid",
    ImportWorkbookUnmapped = "import.workbook_unmapped",
    ImportCancelled = "import.cancelled",
    // The local cache (substation_store::StoreError), whatever asked it.
    StoreDatabaseUnopenable = "store.database_unopenable",
    StoreDatabaseTooNew = "store.database_too_new",
    StoreDatabaseMigrationFailed = "store.database_migration_failed",
    StoreDatabaseError = "store.database_error",
    StoreDatabaseCorruptJson = "store.database_corrupt_json",
    StoreDatabaseWriterStopped = "store.database_writer_stopped",
    StoreInvalidStoreRequest = "store.invalid_store_request",
    StoreProfileInUse = "store.profile_in_use",
    StoreNoSuchAsset = "store.no_such_asset",
    StoreInvalidLogEntry = "store.invalid_log_entry",
    StoreSampleDateTaken = "store.sample_date_taken",
    StoreImportAbandoned = "store.import_abandoned",
    LogBadGas = "bad_gas_reading",
    LogBadDate = "bad_date",
    // A PDF report (substation_report::ReportError; its store failures are `store.*`).
    ReportNoSuchAsset = "report.no_such_asset",
    ReportEmptySelection = "report.empty_selection",
    ReportNoKoreanFont = "report.no_korean_font",
    ReportFontUnusable = "report.font_unusable",
    ReportLayout = "report.layout",
    ReportPdf = "report.pdf_unwritable",
    // A fleet run (substation_dispatch::FleetError).
    RunNoSuchRun = "run.no_such_run",
    RunNoSuchBatch = "run.no_such_batch",
    RunEngineChanged = "run.engine_changed",
    RunInternal = "run.internal",
    // Sync with the central service (substation_sync::SyncError).
    SyncBadServerUrl = "sync.bad_server_url",
    SyncInsecureServerUrl = "sync.insecure_server_url",
    SyncUnauthorized = "sync.unauthorized",
    SyncForbidden = "sync.forbidden",
    SyncRequestRefused = "sync.request_refused",
    SyncServerError = "sync.server_error",
    SyncServerUnreachable = "sync.server_unreachable",
    SyncBadAnswer = "sync.bad_answer",
    SyncProtocolVersionMismatch = "sync.protocol_version_mismatch",
    SyncCancelled = "sync.cancelled",
    SyncNoToken = "sync.no_token",
    SyncCredentialStoreUnavailable = "sync.credential_store_unavailable",
    SyncHttpClientUnavailable = "sync.http_client_unavailable",
    SyncUsage = "sync.usage",
    // A team's function profile (substation_profile::ProfileError and the app's checks).
    ProfileFormat = "profile.profile_format",
    ProfileFilter = "profile.profile_filter",
    ProfileInvalid = "profile.profile_invalid",
    ProfileTooLarge = "profile.profile_too_large",
    ProfileNotFound = "profile.no_such_profile",
    // A diagnosis engine (substation_dispatch::engine_codes()).
    EngineNoFunction = "engine.no_function",
    EngineNoRegion = "engine.no_region",
    EngineNoCredentials = "engine.no_credentials",
    EngineRequestTooLarge = "engine.request_too_large",
    EngineThrottled = "engine.throttled",
    EngineFunctionNotFound = "engine.function_not_found",
    EngineFunctionMisconfigured = "engine.function_misconfigured",
    EngineAccessDenied = "engine.access_denied",
    EngineServiceError = "engine.service_error",
    EngineLambdaRefused = "engine.lambda_refused",
    EngineTimeout = "engine.timeout",
    EngineRequestNotSent = "engine.request_not_sent",
    EngineConnection = "engine.connection",
    EngineRequestNotBuilt = "engine.request_not_built",
    EngineUnknown = "engine.unknown",
    EngineFunctionError = "engine.function_error",
    EngineMalformedResponse = "engine.malformed_response",
    EngineUnsupportedContractVersion = "engine.unsupported_contract_version",
    EngineRequestTransformFailed = "engine.request_transform_failed",
    EngineInternal = "engine.internal",
    EngineNotCalled = "engine.not_called",
    EngineMalformedRequest = "engine.malformed_request",
    EngineInvalidRequest = "engine.invalid_request",
    EngineInvalidLimits = "engine.invalid_limits",
    EngineNoSampleSinceOilProcessed = "engine.no_sample_since_oil_processed",
    EngineAnswerNotJson = "engine.answer_not_json",
    EngineNoSamples = "engine.no_samples",
    EngineFunctionRefused = "engine.function_refused",
    EngineAnswerMissingField = "engine.answer_missing_field",
    EngineAnswerUnexpectedValue = "engine.answer_unexpected_value",
    EngineAnswerFilterFailed = "engine.answer_filter_failed",
}

impl ErrorCode {
    /// A library's code under its family. A code this build does not know is a library
    /// change the app has not followed: logged, and shown as `fallback`.
    pub(crate) fn of(family: &str, code: &str, fallback: ErrorCode) -> ErrorCode {
        ErrorCode::parse(&format!("{family}.{code}")).unwrap_or_else(|| {
            tracing::warn!(family, code, "an error code the app has no text for");
            fallback
        })
    }

    /// An engine's code. Unlike the others this set is open: a team's own function may answer
    /// with codes of its own, which are its error (its message says what it meant).
    pub fn of_engine(code: &str) -> ErrorCode {
        ErrorCode::parse(&format!("engine.{code}")).unwrap_or(ErrorCode::EngineFunctionError)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every code each library can give is one the app names, and the app names none that no
    /// library gives (the app's own codes aside).
    #[test]
    fn the_libraries_codes_and_the_apps_are_the_same_set() {
        let engine = substation_dispatch::engine_codes();
        let families: [(&str, &[&str]); 7] = [
            ("report", substation_report::ReportError::CODES),
            ("import", substation_import::ImportError::CODES),
            ("store", substation_store::StoreError::CODES),
            ("run", substation_dispatch::FleetError::CODES),
            ("sync", substation_sync::SyncError::CODES),
            ("profile", substation_profile::ProfileError::CODES),
            ("engine", &engine),
        ];
        let mut from_libraries = BTreeSet::new();
        for (family, codes) in families {
            for code in codes {
                let full = format!("{family}.{code}");
                assert!(ErrorCode::parse(&full).is_some(), "{full} has no ErrorCode");
                from_libraries.insert(full);
            }
        }
        // The app's own profile checks.
        from_libraries.insert("profile.profile_too_large".into());
        from_libraries.insert("profile.no_such_profile".into());
        for code in ErrorCode::ALL {
            let text = code.as_str();
            if text.contains('.') {
                assert!(from_libraries.contains(text), "{text}: no library gives it");
            }
            assert_eq!(ErrorCode::parse(text), Some(*code));
            assert_eq!(
                serde_json::to_value(code).expect("json"),
                serde_json::Value::String(text.into())
            );
        }
        let distinct: BTreeSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(distinct.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn an_engine_code_the_app_does_not_know_is_the_functions_own_error() {
        assert_eq!(ErrorCode::of_engine("timeout"), ErrorCode::EngineTimeout);
        assert_eq!(
            ErrorCode::of_engine("my_team_model_offline"),
            ErrorCode::EngineFunctionError
        );
        assert_eq!(
            ErrorCode::of("import", "no_such_code", ErrorCode::Internal),
            ErrorCode::Internal
        );
    }
}
