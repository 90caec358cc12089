//! Errors of the command line, each with a stable code.

use std::path::PathBuf;

use substation_dga::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {source}")]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path} holds neither a diagnosis request nor an array of them")]
    NotRequests { path: PathBuf },
    /// A file the user asked for (the template) could not be written or replaced.
    #[error(transparent)]
    File(#[from] substation_import::WriteFileError),
    #[error(transparent)]
    Import(#[from] substation_import::ImportError),
    #[error(transparent)]
    Store(#[from] substation_store::StoreError),
    #[error(transparent)]
    Sync(#[from] substation_sync::SyncError),
    #[error(transparent)]
    Report(#[from] substation_report::ReportError),
    #[error("{0}")]
    Usage(String),
    /// The engine cannot be used at all (no credentials, no region, …): code, message.
    #[error("{1}")]
    Engine(String, String),
    /// A run stopped part-way: no transformer could get past `cause` (the engine's code, e.g.
    /// `no_credentials` when an SSO session expires mid-run). Its code is `engine_unusable`.
    #[error("{message}")]
    Stopped { cause: String, message: String },
    /// A fleet run could not be carried out: code, message.
    #[error("{1}")]
    Fleet(&'static str, String),
    /// A function profile cannot be used.
    #[error("{path}: {source}")]
    Profile {
        path: PathBuf,
        source: substation_profile::ProfileError,
    },
}

impl CliError {
    pub fn code(&self) -> &str {
        match self {
            CliError::Read { .. } => "file_unreadable",
            CliError::NotJson { .. } => "malformed_json",
            CliError::NotRequests { .. } => "not_requests",
            CliError::File(error) => error.code(),
            CliError::Import(error) => error.code(),
            CliError::Store(error) => error.code(),
            CliError::Sync(error) => error.code(),
            CliError::Report(error) => error.code(),
            CliError::Usage(_) => "usage",
            CliError::Engine(code, _) => code,
            CliError::Stopped { .. } => "engine_unusable",
            CliError::Fleet(code, _) => code,
            CliError::Profile { source, .. } => source.code(),
        }
    }

    /// What the user can do about it with this program: the libraries' messages say what
    /// happened, not which flag or command helps (the desktop app has buttons instead).
    pub fn advice(&self) -> Option<&'static str> {
        use substation_import::WriteFileError;
        // A stopped run is advised on by what stopped it.
        let cause = match self {
            CliError::Stopped { cause, .. } => cause.as_str(),
            _ => self.code(),
        };
        let by_code = match cause {
            "unauthorized" => Some(
                "check the token, or store a new one with `substation sync login --server URL`",
            ),
            "no_token" => Some(
                "store one with `substation sync login --server URL`, or set SUBSTATION_SYNC_TOKEN",
            ),
            "credential_store_unavailable" => {
                Some("on a server or in CI, set SUBSTATION_SYNC_TOKEN instead")
            }
            "database_too_new" => Some("update Substation Bulk, or use another --db"),
            "no_region" => {
                Some("pass --region, or set the region in the AWS profile or AWS_REGION")
            }
            "no_credentials" => Some(
                "for an SSO profile, run `aws sso login --profile NAME`, then run the command \
                 again (a stopped run continues with --resume)",
            ),
            "function_not_found" => Some(
                "check the function name (--function, or the profile's) and the region (--region)",
            ),
            "no_korean_font" | "font_unusable" => Some(
                "install a font with Korean letters (Linux: fonts-noto-cjk), or set \
                 SUBSTATION_REPORT_FONT to a .ttf, .otf or .ttc file that has them",
            ),
            "empty_selection" => Some("see what the database holds with `substation review`"),
            "workbook_unmapped" => Some(
                "give a mapping of these headers with --mapping FILE (docs/import.md says how \
                 to write one)",
            ),
            _ => None,
        };
        if by_code.is_some() {
            return by_code;
        }
        match self {
            CliError::File(WriteFileError::InUse { .. }) => Some(
                "close the file in Excel (or the program that has it open) and run the command \
                 again, or give another file name",
            ),
            CliError::File(WriteFileError::ReadOnly { .. }) if cfg!(windows) => {
                Some("clear the file's read-only attribute, or give another file name")
            }
            CliError::File(WriteFileError::ReadOnly { .. }) => {
                Some("make the file writable (chmod u+w), or give another file name")
            }
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}
