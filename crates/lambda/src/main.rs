//! `substation-diagnose`, the Lambda function (see the crate documentation). Build and deploy
//! it as docs/deploy.md says.

use lambda_runtime::{Error, service_fn};

// One event at a time per process: a single-threaded runtime is all the function needs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // INFO lines by default; AWS_LAMBDA_LOG_LEVEL / RUST_LOG and the function's JSON log
    // format (AWS_LAMBDA_LOG_FORMAT) are honoured.
    lambda_runtime::tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(substation_lambda::handler)).await
}
