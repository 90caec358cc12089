//! `substation-lambda-testserver`: the Lambda stand-in as a process, for benchmarks and the
//! desktop's end-to-end tests. Prints `listening on http://127.0.0.1:PORT` once bound, serves
//! until SIGTERM or Ctrl-C, then exits 0. `GET /stats` answers the statistics as JSON.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use substation_lambda_testserver::{Config, DEFAULT_FUNCTION_NAME, TestLambda};

/// A local HTTP server speaking the AWS Lambda Invoke API around the embedded DGA engine.
#[derive(Debug, Parser)]
#[command(name = "substation-lambda-testserver", version)]
struct Args {
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 9001)]
    port: u16,
    /// The function name invocations must address.
    #[arg(long, default_value = DEFAULT_FUNCTION_NAME)]
    function: String,
    /// Simulated function duration, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Invocations executing at once before more are throttled (HTTP 429); no limit if absent.
    #[arg(long)]
    concurrency_limit: Option<usize>,
    /// Run this Python handler file (its `lambda_handler`) for every invocation, on a pool of
    /// worker processes, instead of the embedded engine.
    #[arg(long, value_name = "FILE")]
    python_handler: Option<std::path::PathBuf>,
    /// Python worker processes for --python-handler, each running one invocation at a time.
    #[arg(long, default_value_t = 4)]
    workers: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config {
        function_name: args.function,
        latency: Duration::from_millis(args.latency_ms),
        concurrency_limit: args.concurrency_limit,
        python: args
            .python_handler
            .map(|file| substation_lambda_testserver::PythonHandler::new(file, args.workers)),
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let server = match TestLambda::start_on(addr, config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Whoever started us may not read stdout; serving anyway does no harm.
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", server.endpoint()).and_then(|()| stdout.flush());
    drop(stdout);
    let stopped = stop_signal().await;
    server.shutdown().await;
    match stopped {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot wait for a stop signal: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for Ctrl-C, or on Unix also SIGTERM.
async fn stop_signal() -> io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
