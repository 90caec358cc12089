//! What the CLI's tests against the Lambda test server share.

use std::path::Path;
use std::process::Command;

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
