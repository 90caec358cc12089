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
}

/// Writes `bytes` to `path`, replacing what was there only once all of them are on disk.
///
/// A symbolic link is written through (the file it points at is replaced, the link stays).
/// On Unix the new file keeps the old one's permission bits, or gets those a plain create
/// gives (0666 less the umask), not the temporary file's private 0600.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), WriteFileError> {
    let failed = |detail: String| WriteFileError::Failed {
        path: path.to_owned(),
        detail,
    };
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|e| failed(e.to_string()))?
        }
        _ => path.to_owned(),
    };
    let existing = match std::fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => return Err(failed("it is a folder".into())),
        // A read-only file says "do not overwrite", which a rename over it would ignore on
        // Unix (and Wine); respected the same way everywhere.
        Ok(meta) if meta.permissions().readonly() => {
            return Err(WriteFileError::ReadOnly {
                path: path.to_owned(),
            });
        }
        Ok(meta) => Some(meta),
        Err(_) => None,
    };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // A dot-name in the same folder: the final move stays on one volume, and a leftover from
    // a killed process is hidden on Unix and easy to recognise elsewhere.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".substation-").suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = existing.map_or(0o666, |meta| meta.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = existing;
    let mut temporary = builder
        .tempfile_in(dir)
        .map_err(|e| failed(e.to_string()))?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(|e| failed(e.to_string()))?;
    // Closed, then moved with the standard library (which handles Windows' long paths); on
    // failure the temporary path is dropped, and so removed.
    let temporary = temporary.into_temp_path();
    let mut attempt = 0;
    loop {
        match std::fs::rename(&temporary, &target) {
            Ok(()) => {
                // Moved: nothing left to remove.
                let _ = temporary.keep();
                return Ok(());
            }
            // An antivirus scanner, the search indexer or a sync client may hold the new file
            // for a moment after it is written: a few retries outlast them.
            Err(e) if cfg!(windows) && attempt < 5 && refused(&e) => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            Err(e) if cfg!(windows) && refused(&e) => {
                return Err(held_or_failed(path, &target, &e));
            }
            Err(e) => return Err(failed(e.to_string())),
        }
    }
}

/// ERROR_ACCESS_DENIED (what replacing a file open without shared deletion gives) or
/// ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION.
fn refused(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::PermissionDenied
        || matches!(error.raw_os_error(), Some(32 | 33))
}

/// Why Windows refused the move: another program holds the target open (as Excel holds a
/// workbook), or the folder's permissions do not let this user replace it. Asked directly:
/// opening the target for deletion while sharing everything fails with a sharing violation
/// only when another handle does not share deletion.
#[cfg(windows)]
fn held_or_failed(path: &Path, target: &Path, error: &std::io::Error) -> WriteFileError {
    use std::os::windows::fs::OpenOptionsExt;
    const DELETE: u32 = 0x0001_0000;
    const SHARE_ALL: u32 = 0x1 | 0x2 | 0x4;
    match std::fs::OpenOptions::new()
        .access_mode(DELETE)
        .share_mode(SHARE_ALL)
        .open(target)
    {
        Err(probe) if matches!(probe.raw_os_error(), Some(32 | 33)) => WriteFileError::InUse {
            path: path.to_owned(),
        },
        _ => WriteFileError::Failed {
            path: path.to_owned(),
            detail: error.to_string(),
        },
    }
}

#[cfg(not(windows))]
fn held_or_failed(path: &Path, _target: &Path, error: &std::io::Error) -> WriteFileError {
    WriteFileError::Failed {
        path: path.to_owned(),
        detail: error.to_string(),
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

    #[cfg(unix)]
    #[test]
    fn the_new_file_keeps_the_old_ones_mode_or_gets_a_plain_creates() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        let plain = dir.path().join("plain.csv");
        std::fs::write(&plain, b"x").expect("write");
        let fresh = dir.path().join("fresh.csv");
        replace_file(&fresh, b"x").expect("write");
        assert_eq!(mode(&fresh), mode(&plain), "as a plain create, not 0600");

        let shared = dir.path().join("shared.csv");
        std::fs::write(&shared, b"old").expect("write");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        replace_file(&shared, b"new").expect("replace");
        assert_eq!(mode(&shared), 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().expect("dir");
        let real = dir.path().join("reports").join("fleet.csv");
        std::fs::create_dir(real.parent().expect("parent")).expect("mkdir");
        std::fs::write(&real, b"old").expect("write");
        let link = dir.path().join("latest.csv");
        std::os::unix::fs::symlink(&real, &link).expect("link");
        replace_file(&link, b"new").expect("through the link");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).expect("read"), b"new");
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
