//! Sync errors, each with a stable code.

use substation_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    BadUrl(String),
    #[error(
        "refusing to send the token over plain http to {0}: use https (plain http is allowed \
         only to this computer, 127.0.0.1, ::1 or localhost)"
    )]
    Insecure(String),
    #[error("the server refused the token (401 {0})")]
    Unauthorized(String),
    #[error("the server does not let this token sync (403 {0}): ask its administrator")]
    Forbidden(String),
    #[error(
        "the server or a proxy refused the request ({status} {code}): {message}. Nothing was \
         marked rejected: every item stays queued for the next sync"
    )]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server answered {status}: {message}")]
    Http {
        status: u16,
        code: String,
        message: String,
    },
    #[error(
        "the server could not be reached after {attempts} attempt(s): {last}. Nothing was lost: \
         the next sync resumes where this one stopped"
    )]
    GaveUp { attempts: u32, last: String },
    #[error("the server's answer is not understood: {0}")]
    BadAnswer(String),
    #[error("the server speaks sync protocol version {0}; this program speaks version {1}")]
    VersionMismatch(String, u32),
    #[error("sync was cancelled; nothing was lost, the next sync resumes")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("there is no sync token for {0}")]
    NoToken(String),
    #[error("the OS credential store cannot be used: {0}")]
    Keyring(String),
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    #[error("{0}")]
    Usage(String),
}

impl SyncError {
    /// Every code [`SyncError::code`] gives of its own (a store failure keeps the store's).
    pub const CODES: &'static [&'static str] = &[
        "bad_server_url",
        "insecure_server_url",
        "unauthorized",
        "forbidden",
        "request_refused",
        "server_error",
        "server_unreachable",
        "bad_answer",
        "protocol_version_mismatch",
        "cancelled",
        "no_token",
        "credential_store_unavailable",
        "http_client_unavailable",
        "usage",
    ];

    pub fn code(&self) -> &str {
        match self {
            SyncError::BadUrl(_) => "bad_server_url",
            SyncError::Insecure(_) => "insecure_server_url",
            SyncError::Unauthorized(_) => "unauthorized",
            SyncError::Forbidden(_) => "forbidden",
            SyncError::Refused { .. } => "request_refused",
            SyncError::Http { .. } => "server_error",
            SyncError::GaveUp { .. } => "server_unreachable",
            SyncError::BadAnswer(_) => "bad_answer",
            SyncError::VersionMismatch(..) => "protocol_version_mismatch",
            SyncError::Cancelled => "cancelled",
            SyncError::Store(e) => e.code(),
            SyncError::NoToken(_) => "no_token",
            SyncError::Keyring(_) => "credential_store_unavailable",
            SyncError::Client(_) => "http_client_unavailable",
            SyncError::Usage(_) => "usage",
        }
    }

    /// Whether the user has to fix something (the URL, the token) before a sync can succeed,
    /// as opposed to a server or network that may recover by itself.
    pub fn needs_the_user(&self) -> bool {
        matches!(
            self,
            SyncError::BadUrl(_)
                | SyncError::Insecure(_)
                | SyncError::Unauthorized(_)
                | SyncError::Forbidden(_)
                | SyncError::NoToken(_)
                | SyncError::Keyring(_)
                | SyncError::VersionMismatch(..)
                | SyncError::Usage(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_a_listed_code_and_every_listed_code_is_given() {
        let s = String::new;
        let errors = [
            SyncError::BadUrl(s()),
            SyncError::Insecure(s()),
            SyncError::Unauthorized(s()),
            SyncError::Forbidden(s()),
            SyncError::Refused {
                status: 400,
                code: s(),
                message: s(),
            },
            SyncError::Http {
                status: 500,
                code: s(),
                message: s(),
            },
            SyncError::GaveUp {
                attempts: 1,
                last: s(),
            },
            SyncError::BadAnswer(s()),
            SyncError::VersionMismatch(s(), 1),
            SyncError::Cancelled,
            SyncError::NoToken(s()),
            SyncError::Keyring(s()),
            SyncError::Client(s()),
            SyncError::Usage(s()),
        ];
        let given: Vec<&str> = errors.iter().map(SyncError::code).collect();
        assert_eq!(given, SyncError::CODES);
        assert_eq!(
            SyncError::Store(StoreError::WriterGone).code(),
            "database_writer_stopped"
        );
    }
}
