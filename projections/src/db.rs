//! Connecting to PostgreSQL and migrating it.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::StoreError;

/// The schema, embedded from `migrations/` at the workspace root. Used by the server, the CLI
/// and the tests alike.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long to wait for a connection before failing.
    pub acquire_timeout: Duration,
    /// Server-side limit on any one statement.
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Opens a pool to `url` with timeouts. Fails (does not panic) when the database is unreachable.
pub async fn connect(url: &str, settings: &PoolSettings) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = url.parse()?;
    let options = options.application_name("dutyledger").options([(
        "statement_timeout",
        format!("{}ms", settings.statement_timeout.as_millis()),
    )]);
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Creates the database named in `url` if it does not exist yet.
pub async fn create_database_if_missing(url: &str) -> Result<(), StoreError> {
    use sqlx::migrate::MigrateDatabase;
    if !sqlx::Postgres::database_exists(url).await? {
        tracing::info!("creating the database");
        sqlx::Postgres::create_database(url).await?;
    }
    Ok(())
}

/// Applies every pending migration.
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Whether the database answers and every embedded migration has been applied.
pub async fn is_ready(pool: &PgPool) -> bool {
    let applied: Result<i64, _> =
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await;
    matches!(applied, Ok(n) if n as usize >= MIGRATOR.iter().count())
}
