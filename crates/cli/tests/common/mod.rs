//! What the CLI's tests share: the binary with its data in a folder of the test's own (with
//! test credentials, for the tests against the Lambda test server), and a fleet diagnosed by it.
#![allow(dead_code)] // each test binary uses some of them

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `substation` binary with its data in `dir` (and no author from the environment).
pub fn substation(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_substation"));
    command
        .env("SUBSTATION_DATA_DIR", dir)
        .env_remove("SUBSTATION_AUTHOR");
    command
}

/// The sample fleet imported and diagnosed on the embedded engine by `substation diagnose`, in
/// a kept folder named for the test: (the folder, the database).
pub fn diagnosed_fleet(name: &str) -> (PathBuf, PathBuf) {
    let dir = substation_testkit::kept_dir(name);
    let db = dir.join("fleet.sqlite3");
    let fleet = substation_testkit::sample_file("fleet-two-sheets.xlsx");
    let out = substation(&dir)
        .arg("diagnose")
        .arg(&fleet)
        .arg("--db")
        .arg(&db)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, db)
}

/// The `substation` binary with its data in `dir`, static test credentials and no AWS files,
/// so that nothing on the machine counts.
pub fn cli_with_test_credentials(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_substation"));
    command
        .env("SUBSTATION_DATA_DIR", dir)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    command
}
