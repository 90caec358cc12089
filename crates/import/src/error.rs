//! Errors that stop an import as a whole (row-level problems are [`crate::issue::Issue`]s).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is {}, above the {} limit; split it into smaller workbooks",
        sizes(*bytes, *limit).0,
        sizes(*bytes, *limit).1
    )]
    TooLarge {
        path: PathBuf,
        bytes: u64,
        limit: u64,
    },
    #[error("{path} is encrypted or password-protected; save an unprotected copy and import that")]
    Encrypted { path: PathBuf },
    #[error("{path} cannot be read as a workbook: {detail}")]
    NotAWorkbook { path: PathBuf, detail: String },
    #[error("sheet {sheet}: {detail}")]
    Sheet { sheet: String, detail: String },
    #[error("the mapping file {path} cannot be used: {detail}")]
    Mapping { path: PathBuf, detail: String },
    #[error(
        "no sheet holds transformer samples. Found: {}. Missing: {}. Which column is which \
         has to be given (a mapping)",
        found.join("; "),
        missing.join(", ")
    )]
    Unmapped {
        /// Per sheet: "Sheet: header, header, …".
        found: Vec<String>,
        /// What a samples sheet needs and none had.
        missing: Vec<String>,
        /// Every sheet's full header row (blank headers left out), for a mapping assistant.
        headers: Vec<(String, Vec<String>)>,
    },
    #[error("the import was cancelled")]
    Cancelled,
}

/// A file size and the limit it exceeds, for messages: in decimal megabytes (1 MB =
/// 1,000,000 bytes, to a tenth) when the limit is at least 0.1 MB, else in bytes. The size is
/// rounded up and the limit down, so a file over the limit never reads as equal to it.
fn sizes(bytes: u64, limit: u64) -> (String, String) {
    const TENTH: u64 = 100_000;
    let megabytes = |tenths: u64| {
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    };
    if limit >= TENTH {
        (megabytes(bytes.div_ceil(TENTH)), megabytes(limit / TENTH))
    } else {
        (format!("{bytes} bytes"), format!("{limit} bytes"))
    }
}

impl ImportError {
    /// Every code [`ImportError::code`] gives.
    pub const CODES: &'static [&'static str] = &[
        "file_unreadable",
        "file_too_large",
        "file_encrypted",
        "not_a_workbook",
        "sheet_unreadable",
        "mapping_invalid",
        "workbook_unmapped",
        "cancelled",
    ];

    /// Stable machine-readable code, for `{code, message}`.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Unreadable { .. } => "file_unreadable",
            ImportError::TooLarge { .. } => "file_too_large",
            ImportError::Encrypted { .. } => "file_encrypted",
            ImportError::NotAWorkbook { .. } => "not_a_workbook",
            ImportError::Sheet { .. } => "sheet_unreadable",
            ImportError::Mapping { .. } => "mapping_invalid",
            ImportError::Unmapped { .. } => "workbook_unmapped",
            ImportError::Cancelled => "cancelled",
        }
    }

    /// The message in Korean, for the desktop app.
    pub fn message_ko(&self) -> String {
        match self {
            ImportError::Unreadable { path, .. } => {
                format!("{}을(를) 읽을 수 없습니다", path.display())
            }
            ImportError::TooLarge { path, bytes, limit } => {
                let (size, limit) = sizes(*bytes, *limit);
                format!(
                    "{}의 크기({size})가 한도({limit})를 넘습니다. 파일을 나누거나 한도를 높이십시오",
                    path.display(),
                )
            }
            ImportError::Encrypted { path } => format!(
                "{}은(는) 암호로 보호되어 있습니다. 보호를 해제한 사본을 가져오십시오",
                path.display()
            ),
            ImportError::NotAWorkbook { path, detail } => {
                format!(
                    "{}은(는) 통합 문서로 읽을 수 없습니다: {detail}",
                    path.display()
                )
            }
            ImportError::Sheet { sheet, detail } => format!("시트 {sheet}: {detail}"),
            ImportError::Mapping { path, detail } => {
                format!(
                    "매핑 파일 {}을(를) 사용할 수 없습니다: {detail}",
                    path.display()
                )
            }
            ImportError::Unmapped { found, missing, .. } => format!(
                "시료 시트를 찾지 못했습니다. 찾은 머리글: {}. 없는 항목: {}. 어느 열이 무엇인지 지정(매핑)해야 합니다",
                found.join("; "),
                missing.join(", ")
            ),
            ImportError::Cancelled => "가져오기가 취소되었습니다".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_a_listed_code_and_every_listed_code_is_given() {
        let path = || PathBuf::from("x.xlsx");
        let errors = [
            ImportError::Unreadable {
                path: path(),
                source: std::io::Error::other("gone"),
            },
            ImportError::TooLarge {
                path: path(),
                bytes: 2,
                limit: 1,
            },
            ImportError::Encrypted { path: path() },
            ImportError::NotAWorkbook {
                path: path(),
                detail: String::new(),
            },
            ImportError::Sheet {
                sheet: String::new(),
                detail: String::new(),
            },
            ImportError::Mapping {
                path: path(),
                detail: String::new(),
            },
            ImportError::Unmapped {
                found: vec![],
                missing: vec![],
                headers: vec![],
            },
            ImportError::Cancelled,
        ];
        let given: Vec<&str> = errors.iter().map(ImportError::code).collect();
        assert_eq!(given, ImportError::CODES);
    }

    #[test]
    fn sizes_round_so_a_file_over_the_limit_reads_over_it() {
        let too_large = |bytes, limit| ImportError::TooLarge {
            path: PathBuf::from("f.xlsx"),
            bytes,
            limit,
        };
        let message = too_large(200_000_001, 200_000_000).to_string();
        assert!(
            message.contains("is 200.1 MB, above the 200 MB limit"),
            "{message}"
        );
        let message = too_large(250_000_000, 200_000_000).to_string();
        assert!(
            message.contains("is 250 MB, above the 200 MB limit"),
            "{message}"
        );
        // A limit given in binary megabytes (2 MiB) still reads below the file.
        let message = too_large(2 * 1024 * 1024 + 1, 2 * 1024 * 1024).to_string();
        assert!(
            message.contains("is 2.1 MB, above the 2 MB limit"),
            "{message}"
        );
        let message = too_large(3 * 1024 * 1024, 2 * 1024 * 1024).to_string();
        assert!(
            message.contains("is 3.2 MB, above the 2 MB limit"),
            "{message}"
        );
        let message = too_large(101, 100).to_string();
        assert!(
            message.contains("is 101 bytes, above the 100 bytes limit"),
            "{message}"
        );
        let korean = too_large(200_000_001, 200_000_000).message_ko();
        assert!(
            korean.contains("(200.1 MB)") && korean.contains("(200 MB)"),
            "{korean}"
        );
    }
}
