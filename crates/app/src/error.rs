//! The app's errors, and the `{code, message}` shape they take across IPC.

use serde::Serialize;
use substation_dispatch::FleetError;
use substation_import::WriteFileError;
use substation_sync::SyncError;
use ts_rs::TS;

pub use crate::error_code::ErrorCode;

/// Everything that can go wrong behind a command.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Import(#[from] substation_import::ImportError),
    #[error("{0}")]
    Store(#[from] substation_store::StoreError),
    #[error("{0}")]
    Fleet(#[from] substation_dispatch::FleetError),
    #[error("{message}")]
    Engine { code: String, message: String },
    #[error("no transformer `{0}` in the local cache")]
    NoSuchAsset(String),
    #[error("a diagnosis run is already going; cancel it or wait for it to finish")]
    RunInProgress,
    #[error("`{path}` is not a file this app opens: use .xlsx, .xlsm, .xlsb, .xls, .ods or .csv")]
    UnsupportedFile { path: String },
    /// An export asked to be written under a name that is not its format's (`.xlsx`, `.csv`).
    #[error("`{path}` is not a .{wanted} file: an export is written only under its format's name")]
    ExportName { path: String, wanted: &'static str },
    #[error("`{path}` does not exist or cannot be read")]
    Unreadable { path: String },
    #[error("the settings are not valid: {0}")]
    InvalidSettings(String),
    #[error("could not write `{path}`: {message}")]
    Write { path: String, message: String },
    /// A file the user keeps (an export) could not be replaced: `file_in_use` (open in
    /// another program, as Excel holds a workbook), `file_read_only` or `write_failed`.
    #[error("{0}")]
    File(#[from] substation_import::WriteFileError),
    #[error("{0}")]
    Sync(#[from] substation_sync::SyncError),
    #[error("{0}")]
    Report(#[from] substation_report::ReportError),
    #[error("no sync server is set: enter its address in Settings")]
    NoSyncServer,
    #[error("no sync token is stored for {0}: enter the token in Settings")]
    NoSyncToken(String),
    #[error("a sync is already going; wait for it to finish or cancel it")]
    SyncInProgress,
    /// A function profile cannot be used (its code: `profile_format`, `profile_filter`,
    /// `profile_invalid`, `no_such_profile`, …).
    #[error("{message}")]
    Profile { code: String, message: String },
    #[error("{0}")]
    TypedGas(#[from] substation_import::typed::GasProblem),
    #[error("`{0}` is not a date (YYYY-MM-DD)")]
    BadDate(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable code the UI translates and tests match on.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Import(e) => ErrorCode::of("import", e.code(), ErrorCode::Internal),
            AppError::Store(e) => store_code(e),
            AppError::Fleet(FleetError::Store(e)) => store_code(e),
            AppError::Fleet(e) => ErrorCode::of("run", e.code(), ErrorCode::RunInternal),
            AppError::Engine { code, .. } => ErrorCode::of_engine(code),
            AppError::NoSuchAsset(_) => ErrorCode::NoSuchAsset,
            AppError::RunInProgress => ErrorCode::RunInProgress,
            AppError::UnsupportedFile { .. } => ErrorCode::UnsupportedFile,
            AppError::ExportName { .. } => ErrorCode::ExportName,
            AppError::Unreadable { .. } => ErrorCode::UnreadableFile,
            AppError::InvalidSettings(_) => ErrorCode::InvalidSettings,
            AppError::Write { .. } => ErrorCode::WriteFailed,
            AppError::File(e) => match e {
                WriteFileError::InUse { .. } => ErrorCode::FileInUse,
                WriteFileError::ReadOnly { .. } => ErrorCode::FileReadOnly,
                WriteFileError::Failed { .. } => ErrorCode::WriteFailed,
            },
            AppError::Sync(SyncError::Store(e)) => store_code(e),
            AppError::Sync(e) => ErrorCode::of("sync", e.code(), ErrorCode::Internal),
            AppError::Report(substation_report::ReportError::Store(e)) => store_code(e),
            AppError::Report(e) => ErrorCode::of("report", e.code(), ErrorCode::Internal),
            AppError::NoSyncServer => ErrorCode::NoSyncServer,
            AppError::NoSyncToken(_) => ErrorCode::NoSyncToken,
            AppError::SyncInProgress => ErrorCode::SyncInProgress,
            AppError::Profile { code, .. } => {
                ErrorCode::of("profile", code, ErrorCode::ProfileInvalid)
            }
            AppError::TypedGas(_) => ErrorCode::LogBadGas,
            AppError::BadDate(_) => ErrorCode::LogBadDate,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The Korean message, where the library gives one.
    fn message_ko(&self) -> Option<String> {
        match self {
            AppError::Import(e) => Some(e.message_ko()),
            AppError::File(e) => Some(file_message_ko(e)),
            AppError::TypedGas(e) => Some(e.message_ko()),
            AppError::Store(substation_store::StoreError::InvalidLogEntry(p)) => {
                Some(log_problem_ko(p))
            }
            AppError::BadDate(text) => Some(format!("`{text}`은(는) 날짜(YYYY-MM-DD)가 아닙니다")),
            _ => None,
        }
    }
}

/// Why a logbook entry cannot be kept, in Korean (the store's message is English).
fn log_problem_ko(problem: &substation_dga::LogProblem) -> String {
    use substation_dga::LogProblem;
    let kind = |kind: &str| {
        match kind {
            "inspection" => "점검",
            "repair" => "수리",
            "note" => "메모",
            other => other,
        }
        .to_owned()
    };
    let text = match problem {
        LogProblem::NoAsset => "변압기가 지정되지 않았습니다".to_owned(),
        LogProblem::NoAuthor => "작성자가 비어 있습니다".to_owned(),
        LogProblem::AuthorTooLong => format!(
            "작성자는 {}자까지 쓸 수 있습니다",
            substation_dga::logbook::MAX_AUTHOR_CHARS
        ),
        LogProblem::NoText { kind: k } => format!("{} 항목에는 내용을 써야 합니다", kind(k)),
        LogProblem::TextTooLong => format!(
            "내용은 {}자까지 쓸 수 있습니다",
            substation_dga::logbook::MAX_TEXT_CHARS
        ),
        LogProblem::ControlCharacter => {
            "작성자나 내용에 쓸 수 없는 제어 문자가 있습니다".to_owned()
        }
        LogProblem::TooEarly { date } => format!("{date}은(는) 1950년 이전입니다"),
        LogProblem::InTheFuture { date, today } => {
            format!("{date}은(는) 오늘({today}) 이후 날짜입니다")
        }
        LogProblem::NoFaultGas => {
            "H2, CH4, C2H6, C2H4, C2H2, CO, CO2 중 하나 이상의 값이 있어야 합니다".to_owned()
        }
        LogProblem::BadGas { gas, problem } => format!("{gas}: {problem}"),
    };
    format!("설비 일지 항목을 저장할 수 없습니다: {text}")
}

fn store_code(error: &substation_store::StoreError) -> ErrorCode {
    ErrorCode::of("store", error.code(), ErrorCode::StoreDatabaseError)
}

fn file_message_ko(error: &WriteFileError) -> String {
    match error {
        WriteFileError::InUse { path } => format!(
            "{} 파일이 다른 프로그램에서 열려 있어 덮어쓸 수 없습니다.",
            path.display()
        ),
        WriteFileError::ReadOnly { path } => {
            format!(
                "{} 파일은 읽기 전용이라 덮어쓸 수 없습니다.",
                path.display()
            )
        }
        WriteFileError::Failed { path, detail } => {
            format!("{} 파일을 저장할 수 없습니다: {detail}", path.display())
        }
    }
}

/// An error as the UI receives it: a code to translate or match, the English message, and the
/// Korean one when the source has it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ErrorView {
    pub code: ErrorCode,
    pub message: String,
    pub message_ko: Option<String>,
}

impl From<&AppError> for ErrorView {
    fn from(error: &AppError) -> Self {
        ErrorView {
            code: error.code(),
            message: error.to_string(),
            message_ko: error.message_ko(),
        }
    }
}

impl From<AppError> for ErrorView {
    fn from(error: AppError) -> Self {
        ErrorView::from(&error)
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
