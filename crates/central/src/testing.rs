//! Throwaway databases for tests, here and in the sync client's crate.
//!
//! `SUBSTATION_TEST_PG` names an administrator's URL of a PostgreSQL server the tests may
//! create databases in (`scripts/pg start` starts one and prints it). Each
//! [`TestDatabase`] is a new database of a unique name, dropped when the value is dropped.

use tokio_postgres::NoTls;
use uuid::Uuid;

/// The environment variable naming the test server's administrator URL.
pub const TEST_PG_ENV: &str = "SUBSTATION_TEST_PG";

/// A database of its own for one test; dropped (`WITH (FORCE)`) on drop.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
    dropped: bool,
}

/// The administrator URL from `SUBSTATION_TEST_PG`; panics with what to do when unset.
pub fn admin_url() -> String {
    match std::env::var(TEST_PG_ENV) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "set {TEST_PG_ENV} to the URL of a PostgreSQL server the tests may create databases \
             in (scripts/pg start prints it): export {TEST_PG_ENV}=\"$(scripts/pg start)\""
        ),
    }
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

async fn admin_execute(admin_url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls).await?;
    let driver = tokio::spawn(connection);
    let result = client.batch_execute(sql).await;
    drop(client);
    let _ = driver.await;
    result
}

impl TestDatabase {
    /// Creates a new, empty database (not migrated). Panics when the server cannot be reached.
    pub async fn create() -> TestDatabase {
        let admin_url = admin_url();
        if !admin_url.starts_with("postgres://") && !admin_url.starts_with("postgresql://") {
            panic!("{TEST_PG_ENV} must be a postgres:// URL, not {admin_url:?}");
        }
        let name = format!("substation_test_{}", Uuid::new_v4().simple());
        if let Err(err) = admin_execute(&admin_url, &format!("CREATE DATABASE {name}")).await {
            panic!(
                "cannot create a test database through {TEST_PG_ENV}={admin_url}: {} \
                 (is the server running? scripts/pg start)",
                crate::describe(&err)
            );
        }
        let url = with_database(&admin_url, &name);
        TestDatabase {
            admin_url,
            name,
            url,
            dropped: false,
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database now (dropping the value does the same, blocking).
    pub async fn drop_database(mut self) {
        self.dropped = true;
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(err) = admin_execute(&self.admin_url, &sql).await {
            eprintln!(
                "could not drop the test database {}: {}",
                self.name,
                crate::describe(&err)
            );
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Possibly inside a runtime (the end of a #[tokio::test]): run on a thread of its own.
        let dropping = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| err.to_string())?;
            runtime
                .block_on(admin_execute(&admin_url, &sql))
                .map_err(|err| crate::describe(&err))
        });
        match dropping.join() {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("could not drop the test database {}: {err}", self.name),
            Err(_) => eprintln!("could not drop the test database {}", self.name),
        }
    }
}

/// The service on 127.0.0.1 (a free port) over `db`, with `configure` applied to the default
/// configuration after the per-device and per-address rate limits are turned off (tests and benchmarks send as
/// fast as they can). Panics when it cannot start.
pub async fn serve(
    db: &TestDatabase,
    configure: impl FnOnce(&mut crate::ServerConfig),
) -> crate::RunningServer {
    let mut config = crate::ServerConfig::new(db.url());
    config.rate_per_minute = 0;
    config.address_rate_per_minute = 0;
    // Every readiness probe asks the database: tests see its state at once.
    config.ready_check_interval = std::time::Duration::ZERO;
    configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    crate::start(listener, config)
        .await
        .expect("start the central service")
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:55432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:55432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h:1/db?sslmode=disable", "t2"),
            "postgres://u:p@h:1/t2?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://postgres@localhost", "t3"),
            "postgres://postgres@localhost/t3"
        );
    }
}
