//! `substation-central`: the reference central sync service, and its administration.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use substation_central::{RevokeBy, ServerConfig};
use substation_sync_protocol::{MAX_BODY_BYTES, MAX_PAGE_BYTES};

#[derive(Parser)]
#[command(
    name = "substation-central",
    version,
    about = "The central sync service of Substation Bulk: stores what laptops upload in \
             PostgreSQL, once each, and serves the change feed they pull."
)]
struct Cli {
    /// PostgreSQL URL, e.g. postgres://substation:secret@127.0.0.1:5432/substation.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrates the database, then serves HTTP until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Brings the database schema up to date and exits.
    Migrate,
    /// Issues, revokes and lists the bearer tokens of devices.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Reads custom answers with their profiles for `serve`, one per request on standard
    /// input, under limits of memory, CPU and stack (started by the service itself).
    #[command(hide = true)]
    ReadProfiles,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (plain HTTP: put a TLS-terminating reverse proxy in front).
    #[arg(
        long,
        default_value = "127.0.0.1:8787",
        env = "SUBSTATION_CENTRAL_LISTEN"
    )]
    listen: SocketAddr,
    /// Largest request body in MiB, after gzip is undone (at most the protocol's 32).
    #[arg(long, default_value_t = MAX_BODY_BYTES / (1024 * 1024))]
    max_body_mb: usize,
    /// Requests per minute each token may make (bursts of as many); 0 for no limit.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_RATE_PER_MINUTE)]
    rate_per_minute: u32,
    /// Requests per minute each client address may make, checked before the token (bursts of
    /// as many); 0 for no limit.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_ADDRESS_RATE_PER_MINUTE)]
    address_rate_per_minute: u32,
    /// Database connections kept open at most.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_POOL_SIZE)]
    pool_size: usize,
    /// Uploads read and stored at once; more wait before their body is read (memory for
    /// uploads is about this × 2 × the body limit).
    #[arg(long, default_value_t = 4)]
    max_concurrent_uploads: usize,
    /// Pull pages built or sent at once; more pulls wait (memory for pulls is about this × 2
    /// × the page limit).
    #[arg(long, default_value_t = 8)]
    max_concurrent_pulls: usize,
    /// Largest pull page in MiB (at most the protocol's 16).
    #[arg(long, default_value_t = MAX_PAGE_BYTES / (1024 * 1024))]
    max_page_mb: usize,
    /// What each device may store on the service, in MiB; 0 for no limit.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_DEVICE_QUOTA_BYTES / (1024 * 1024))]
    device_quota_mb: u64,
    /// Log format on standard error.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issues a token for a device (created when new) and prints it, once.
    Issue {
        /// The device's name, e.g. the laptop's asset tag; pulls show it as the origin.
        #[arg(long)]
        device: String,
    },
    /// Revokes every active token of a device, or one token by its id.
    Revoke {
        #[arg(long, conflicts_with = "id", required_unless_present = "id")]
        device: Option<String>,
        /// The token's id, as `token list` shows it.
        #[arg(long)]
        id: Option<i64>,
    },
    /// Lists every token: id, device, when issued, when revoked.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::ReadProfiles = cli.command {
        return substation_central::serve_reader();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("substation-central: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("substation-central: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let Some(url) = cli.database_url else {
        return Err("no database: pass --database-url URL or set DATABASE_URL".into());
    };
    match cli.command {
        Command::Serve(args) => serve(url, args).await,
        Command::Migrate => {
            let applied = substation_central::migrate(&url)
                .await
                .map_err(|err| err.to_string())?;
            if applied.is_empty() {
                println!(
                    "the database is up to date (schema version {})",
                    substation_central::latest_version()
                );
            } else {
                println!(
                    "applied migrations {applied:?}; schema version {}",
                    substation_central::latest_version()
                );
            }
            Ok(())
        }
        Command::Token(command) => {
            // The token commands work on a new database too.
            substation_central::migrate(&url)
                .await
                .map_err(|err| err.to_string())?;
            token(url, command).await
        }
        // Answered in `main`, before the runtime starts.
        Command::ReadProfiles => Ok(()),
    }
}

async fn serve(url: String, args: ServeArgs) -> Result<(), String> {
    init_logs(args.log_format);
    let mut config = ServerConfig::new(url);
    config.max_body_bytes = args.max_body_mb.saturating_mul(1024 * 1024);
    config.rate_per_minute = args.rate_per_minute;
    config.address_rate_per_minute = args.address_rate_per_minute;
    config.pool_size = args.pool_size;
    config.max_concurrent_uploads = args.max_concurrent_uploads;
    config.max_page_bytes = args.max_page_mb.saturating_mul(1024 * 1024);
    config.max_concurrent_pulls = args.max_concurrent_pulls;
    config.device_quota_bytes = args.device_quota_mb.saturating_mul(1024 * 1024);
    // Custom answers are read by children of this very binary (see `read-profiles`).
    config.custom_reading = substation_central::CustomReading::Isolated {
        program: std::env::current_exe()
            .map_err(|err| format!("cannot find this program's own path: {err}"))?,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", args.listen))?;
    substation_central::serve(listener, config, shutdown_signal())
        .await
        .map_err(|err| err.to_string())
}

fn init_logs(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutting down: finishing the requests in progress");
}

async fn token(url: String, command: TokenCommand) -> Result<(), String> {
    match command {
        TokenCommand::Issue { device } => {
            let issued = substation_central::issue_token(&url, &device)
                .await
                .map_err(|err| err.to_string())?;
            eprintln!(
                "issued token {} for device {:?}; it is shown only now: put it in the laptop's \
                 sync settings",
                issued.id, issued.device
            );
            println!("{}", issued.token);
            Ok(())
        }
        TokenCommand::Revoke { device, id } => {
            let by = match (device, id) {
                (Some(device), _) => RevokeBy::Device(device),
                (None, Some(id)) => RevokeBy::Id(id),
                (None, None) => return Err("say --device NAME or --id N".into()),
            };
            let revoked = substation_central::revoke_tokens(&url, &by)
                .await
                .map_err(|err| err.to_string())?;
            println!("revoked {revoked} token(s)");
            Ok(())
        }
        TokenCommand::List { json } => {
            let tokens = substation_central::list_tokens(&url)
                .await
                .map_err(|err| err.to_string())?;
            if json {
                let text = serde_json::to_string_pretty(&tokens).map_err(|err| err.to_string())?;
                println!("{text}");
            } else {
                println!("{:>6}  {:<30}  {:<25}  revoked", "id", "device", "issued");
                for token in tokens {
                    println!(
                        "{:>6}  {:<30}  {:<25}  {}",
                        token.id,
                        token.device,
                        token.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                        token
                            .revoked_at
                            .map(|at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                            .unwrap_or_else(|| "-".into())
                    );
                }
            }
            Ok(())
        }
    }
}
