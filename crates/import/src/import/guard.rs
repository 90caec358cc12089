//! The panic guard: a panic of the spreadsheet reader on malformed content becomes an error.

use std::path::Path;

use crate::error::ImportError;

/// Runs `body`, turning a panic inside it into [`ImportError::NotAWorkbook`].
pub(super) fn guarded<T>(
    path: &Path,
    body: impl FnOnce() -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".to_owned());
            Err(ImportError::NotAWorkbook {
                path: path.to_owned(),
                detail: format!("the reader failed on malformed content ({reason})"),
            })
        }
    }
}

pub(super) type PanicPayload = Box<dyn std::any::Any + Send + 'static>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_the_reader_becomes_not_a_workbook() {
        let path = Path::new("broken.xlsx");
        let result: Result<(), ImportError> = guarded(path, || {
            let huge: usize = "1000000000000000000".parse().unwrap_or(usize::MAX);
            // What calamine does with an absurd shared-string count: a capacity overflow.
            let strings: Vec<String> = Vec::with_capacity(huge);
            drop(strings);
            Ok(())
        });
        match result {
            Err(ImportError::NotAWorkbook { detail, .. }) => {
                assert!(detail.contains("capacity overflow"), "{detail}");
            }
            other => panic!("expected NotAWorkbook, got {other:?}"),
        }
        assert!(guarded(path, || Ok(1)).is_ok_and(|v| v == 1));
        assert!(matches!(
            guarded::<()>(path, || Err(ImportError::Cancelled)),
            Err(ImportError::Cancelled)
        ));
    }
}
