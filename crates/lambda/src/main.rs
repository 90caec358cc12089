//! `substation-diagnose`, the Lambda function (see the crate documentation). Build and deploy
//! it as docs/deploy.md says.

use lambda_runtime::tracing::subscriber::{self, EnvFilter, filter::LevelFilter};
use lambda_runtime::{Error, service_fn};

// One event at a time per process: a single-threaded runtime is all the function needs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    lambda_runtime::run(service_fn(substation_lambda::handler)).await
}

/// INFO lines by default; AWS_LAMBDA_LOG_LEVEL (else RUST_LOG) and the function's JSON log
/// format (AWS_LAMBDA_LOG_FORMAT) are honoured, as the runtime's default subscriber does. Unlike
/// it, never colour: CloudWatch shows escape codes as text, and a workspace build turns
/// tracing-subscriber's `ansi` feature on for every crate.
fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|text| text.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let builder = subscriber::fmt()
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .with_env_filter(
            EnvFilter::builder()
                .with_default_directive(level.into())
                .from_env_lossy(),
        )
        .with_writer(std::io::stdout);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
