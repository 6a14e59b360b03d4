//! Health of the global order: transactions that hold the read horizon back.
//!
//! Readers only read below the oldest transaction that may still commit; a transaction left
//! open (an idle session in a transaction, a long batch) delays every feed reader and the
//! projector until it ends. This module finds it so that it can be logged and exported.

use sqlx::{PgPool, Row};

use crate::StoreError;

/// The oldest open transaction that holds a transaction id (and so holds the horizon back).
#[derive(Debug, Clone, PartialEq)]
pub struct OldestTransaction {
    /// Its backend's process id.
    pub pid: i32,
    /// How long it has been open, in seconds.
    pub age_seconds: f64,
    /// Its backend's state (`active`, `idle in transaction`, ...).
    pub state: Option<String>,
    /// Its application name.
    pub application_name: Option<String>,
    /// Its database.
    pub database: Option<String>,
}

/// The oldest open transaction with a transaction id, cluster-wide (what PostgreSQL's snapshot
/// horizon waits for), if any.
pub async fn oldest_transaction(pool: &PgPool) -> Result<Option<OldestTransaction>, StoreError> {
    let row = sqlx::query(
        "SELECT pid, EXTRACT(EPOCH FROM (clock_timestamp() - xact_start))::float8 AS age, state, \
                application_name, datname \
         FROM pg_stat_activity \
         WHERE backend_xid IS NOT NULL AND xact_start IS NOT NULL AND pid <> pg_backend_pid() \
         ORDER BY xact_start LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(OldestTransaction {
            pid: r.try_get("pid")?,
            age_seconds: r.try_get::<Option<f64>, _>("age")?.unwrap_or(0.0),
            state: r.try_get("state")?,
            application_name: r.try_get("application_name")?,
            database: r.try_get("datname")?,
        })
    })
    .transpose()
}
