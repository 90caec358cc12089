//! Which names the app writes files under: an export only as its format's file.

use std::path::Path;

use crate::error::{AppError, Result};

/// Only a file named for its format is written (the save dialog's answer): never a workbook
/// or the database the user picked by mistake.
pub(crate) fn named_for(path: &Path, wanted: &'static str) -> Result<()> {
    if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(wanted))
    {
        Ok(())
    } else {
        Err(AppError::ExportName {
            path: path.display().to_string(),
            wanted,
        })
    }
}
