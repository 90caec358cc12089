//! Writing a file the user keeps and opens in other programs (a template, an export): all of it
//! or none of it, and a distinct error when another program holds the old file open.
//!
//! The bytes go to a temporary file beside the target, which is flushed to disk and then moved
//! over the target in one step, so a full disk or a killed process never leaves half a
//! workbook where a good one was. On Windows, a file open in Excel cannot be replaced (Excel
//! opens it without sharing deletion); the move then fails, and the error says so instead of
//! quoting the operating system.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written. `code()` is stable across IPC and the CLI's `--json`.
#[derive(Debug, thiserror::Error)]
pub enum WriteFileError {
    #[error("{} is open in another program, which keeps it from being replaced", path.display())]
    InUse { path: PathBuf },
    #[error("{} is read-only", path.display())]
    ReadOnly { path: PathBuf },
    #[error("cannot write {}: {detail}", path.display())]
    Failed { path: PathBuf, detail: String },
}

impl WriteFileError {
    pub fn code(&self) -> &'static str {
        match self {
            WriteFileError::InUse { .. } => "file_in_use",
            WriteFileError::ReadOnly { .. } => "file_read_only",
            WriteFileError::Failed { .. } => "write_failed",
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            WriteFileError::InUse { path }
            | WriteFileError::ReadOnly { path }
            | WriteFileError::Failed { path, .. } => path,
        }
    }
}

/// Writes `bytes` to `path`, replacing what was there only once all of them are on disk.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), WriteFileError> {
    let failed = |detail: String| WriteFileError::Failed {
        path: path.to_owned(),
        detail,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Err(failed("it is a folder".into())),
        // A read-only file says "do not overwrite", which a rename over it would ignore on
        // Unix (and Wine); respected the same way everywhere.
        Ok(meta) if meta.permissions().readonly() => {
            return Err(WriteFileError::ReadOnly {
                path: path.to_owned(),
            });
        }
        _ => {}
    }
    // A dot-name in the same folder: the final move stays on one volume, and a leftover from
    // a killed process is hidden on Unix and easy to recognise elsewhere.
    let mut temporary = tempfile::Builder::new()
        .prefix(".substation-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| failed(e.to_string()))?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(|e| failed(e.to_string()))?;
    // On failure the temporary file is dropped, and so removed.
    temporary
        .persist(path)
        .map(drop)
        .map_err(|e| classify(path, &e.error))
}

/// What a failed replacement means. The folder took the temporary file and the target is not
/// read-only, so on Windows a refusal means another program holds the target open.
fn classify(path: &Path, error: &std::io::Error) -> WriteFileError {
    // ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION: another program has the file open.
    const SHARING_VIOLATION: i32 = 32;
    const LOCK_VIOLATION: i32 = 33;
    match error.raw_os_error() {
        Some(SHARING_VIOLATION | LOCK_VIOLATION) if cfg!(windows) => WriteFileError::InUse {
            path: path.to_owned(),
        },
        // ERROR_ACCESS_DENIED is what replacing a file open without shared deletion gives.
        _ if cfg!(windows) && error.kind() == std::io::ErrorKind::PermissionDenied => {
            WriteFileError::InUse {
                path: path.to_owned(),
            }
        }
        _ => WriteFileError::Failed {
            path: path.to_owned(),
            detail: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".part"))
            .collect()
    }

    #[test]
    fn a_file_is_written_and_replaced_whole_with_nothing_left_beside_it() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("보고서 export.csv");
        replace_file(&path, b"first").expect("write");
        replace_file(&path, b"second, longer").expect("replace");
        assert_eq!(std::fs::read(&path).expect("read"), b"second, longer");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_missing_folder_or_a_folder_as_target_fails_with_its_path_and_keeps_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let missing = dir.path().join("nowhere").join("out.xlsx");
        let error = replace_file(&missing, b"x").expect_err("no folder");
        assert_eq!(error.code(), "write_failed");
        assert!(error.to_string().contains("out.xlsx"), "{error}");

        let folder = dir.path().join("a folder");
        std::fs::create_dir(&folder).expect("mkdir");
        let error = replace_file(&folder, b"x").expect_err("a folder");
        assert_eq!(error.code(), "write_failed");
        assert!(folder.is_dir());
        assert!(leftovers(dir.path()).is_empty());
    }

    // Windows keeps a file that another program opened without sharing deletion (as Excel
    // opens a workbook) from being replaced; the old file stays as it was.
    #[cfg(windows)]
    #[test]
    fn a_file_held_open_as_excel_holds_it_is_reported_in_use_and_left_as_it_was() {
        use std::os::windows::fs::OpenOptionsExt;
        const FILE_SHARE_READ: u32 = 1;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("fleet.xlsx");
        std::fs::write(&path, b"the old workbook").expect("write");
        let held = std::fs::OpenOptions::new()
            .read(true)
            .share_mode(FILE_SHARE_READ)
            .open(&path)
            .expect("hold");
        let error = replace_file(&path, b"the new workbook").expect_err("held");
        assert_eq!(error.code(), "file_in_use", "{error}");
        assert_eq!(std::fs::read(&path).expect("read"), b"the old workbook");
        assert!(leftovers(dir.path()).is_empty());
        drop(held);
        replace_file(&path, b"the new workbook").expect("closed");
        assert_eq!(std::fs::read(&path).expect("read"), b"the new workbook");
    }

    #[test]
    fn a_read_only_file_is_left_alone_and_reported_read_only() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("fleet.csv");
        std::fs::write(&path, b"old").expect("write");
        let mut permissions = std::fs::metadata(&path).expect("meta").permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions.clone()).expect("read-only");
        let error = replace_file(&path, b"new").expect_err("read-only");
        assert_eq!(error.code(), "file_read_only", "{error}");
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&path, permissions).expect("writable");
    }
}
