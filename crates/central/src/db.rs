//! Connections: one-off clients for the CLI and migrations, a pool for the service.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{Client, NoTls};

use crate::Error;

/// Parses a `postgres://` URL (or a `key=value` string), with a 10 s connect timeout unless the
/// URL names one.
fn parse(url: &str) -> Result<tokio_postgres::Config, Error> {
    let mut config: tokio_postgres::Config = url.parse().map_err(Error::BadDatabaseUrl)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("substation-central");
    }
    Ok(config)
}

/// One connection; its driver runs in a background task until the client is dropped.
pub async fn connect(url: &str) -> Result<Client, Error> {
    let (client, connection) = parse(url)?.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::warn!(error = %crate::describe(&err), "database connection closed");
        }
    });
    Ok(client)
}

/// Brings the database's schema up to date; returns the migrations applied now.
pub async fn migrate(url: &str) -> Result<Vec<i32>, Error> {
    let mut client = connect(url).await?;
    crate::migrate::migrate_client(&mut client).await
}

pub(crate) fn pool(url: &str, size: usize) -> Result<Pool, Error> {
    let manager = Manager::from_config(
        parse(url)?,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(Duration::from_secs(5)))
        .wait_timeout(Some(Duration::from_secs(30)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .map_err(|err| Error::Pool(err.to_string()))
}
