//! Rebuilding a read model from the start of the log, while queries keep answering.
//!
//! The projection is replayed into shadow tables (created like the live ones) under a
//! checkpoint of its own, batch by batch, while the live projector keeps the live tables
//! current. Then, in one transaction that holds the live checkpoint's row lock (the live
//! projector waits on it), the shadow catches up to the last committed event and the tables are
//! swapped by renaming, with the live checkpoint set to where the shadow stands. Readers see
//! either the old tables or the new ones, never a half-built one.
//!
//! `verify` builds the shadow the same way, then brings the live tables to the same point in
//! the same transaction, compares the two row by row, and rolls back: nothing changes.

use std::sync::Arc;
use std::time::Instant;

use sqlx::{Acquire, PgConnection, PgPool};

use crate::duty_list::{self, DutyList, Tables};
use crate::projector::Projector;
use crate::StoreError;

/// The read models that can be rebuilt.
pub const PROJECTIONS: [&str; 1] = [duty_list::NAME];

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq)]
pub struct RebuildReport {
    /// The projection.
    pub projection: String,
    /// Events replayed into the shadow tables.
    pub events: u64,
    /// Wall time.
    pub seconds: f64,
    /// Whether the shadow tables replaced the live ones.
    pub swapped: bool,
    /// With `verify`: rows that differ between the live tables and the rebuild (0: equal).
    pub differences: Option<i64>,
}

/// Rebuilds (or, with `verify`, checks) the projection `name`. `progress` is called after each
/// batch with the events replayed so far and the log's highest position.
pub async fn rebuild(
    pool: &PgPool,
    name: &str,
    verify: bool,
    progress: &mut (dyn FnMut(u64, i64) + Send),
) -> Result<RebuildReport, StoreError> {
    if name != duty_list::NAME {
        return Err(StoreError::UnknownProjection(name.to_owned()));
    }
    let started = Instant::now();
    let live = Tables::live();
    let shadow = Tables::shadow();
    let mut conn = pool.acquire().await?;
    prepare_shadow(&mut conn, &live, &shadow).await?;
    let shadow_projector = Projector::new(pool.clone(), vec![Arc::new(DutyList::shadow())]);
    let mut events = 0;
    loop {
        let n = shadow_projector.step(&mut conn).await?;
        events += n;
        let head: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM events")
            .fetch_one(&mut *conn)
            .await?;
        progress(events, head.unwrap_or(0));
        if n == 0 {
            break;
        }
    }

    let mut tx = conn.begin().await?;
    sqlx::query(
        "INSERT INTO projector_checkpoints (projection) VALUES ($1) ON CONFLICT DO NOTHING",
    )
    .bind(duty_list::NAME)
    .execute(&mut *tx)
    .await?;
    sqlx::query("SELECT 1 FROM projector_checkpoints WHERE projection = $1 FOR UPDATE")
        .bind(duty_list::NAME)
        .execute(&mut *tx)
        .await?;
    events += shadow_projector.catch_up(&mut tx).await?;
    if verify {
        let live_projector = Projector::new(pool.clone(), vec![Arc::new(DutyList::default())]);
        loop {
            let a = live_projector.catch_up(&mut tx).await?;
            let b = shadow_projector.catch_up(&mut tx).await?;
            events += b;
            if a == 0 && b == 0 {
                break;
            }
        }
        let differences = compare(&mut tx, &live, &shadow).await?;
        tx.rollback().await?;
        drop_shadow(&mut conn, &shadow).await?;
        return Ok(RebuildReport {
            projection: name.to_owned(),
            events,
            seconds: started.elapsed().as_secs_f64(),
            swapped: false,
            differences: Some(differences),
        });
    }
    for (live_table, shadow_table) in [
        (&live.versions, &shadow.versions),
        (&live.touches, &shadow.touches),
    ] {
        sqlx::query(&format!("DROP TABLE {live_table}"))
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "ALTER TABLE {shadow_table} RENAME TO {live_table}"
        ))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE projector_checkpoints AS l \
         SET last_transaction_id = s.last_transaction_id, last_position = s.last_position, \
             events_applied = s.events_applied, updated_at = now() \
         FROM projector_checkpoints AS s WHERE l.projection = $1 AND s.projection = $2",
    )
    .bind(duty_list::NAME)
    .bind(duty_list::SHADOW_NAME)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM projector_checkpoints WHERE projection = $1")
        .bind(duty_list::SHADOW_NAME)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(RebuildReport {
        projection: name.to_owned(),
        events,
        seconds: started.elapsed().as_secs_f64(),
        swapped: true,
        differences: None,
    })
}

async fn prepare_shadow(
    conn: &mut PgConnection,
    live: &Tables,
    shadow: &Tables,
) -> Result<(), StoreError> {
    drop_shadow(conn, shadow).await?;
    for (l, s) in [
        (&live.versions, &shadow.versions),
        (&live.touches, &shadow.touches),
    ] {
        sqlx::query(&format!("CREATE TABLE {s} (LIKE {l} INCLUDING ALL)"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn drop_shadow(conn: &mut PgConnection, shadow: &Tables) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "DROP TABLE IF EXISTS {}, {}",
        shadow.versions, shadow.touches
    ))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM projector_checkpoints WHERE projection = $1")
        .bind(duty_list::SHADOW_NAME)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rows in one set of tables and not the other (both ways), and checkpoints that differ.
async fn compare(conn: &mut PgConnection, a: &Tables, b: &Tables) -> Result<i64, StoreError> {
    let columns = "department_id, kind, entity_id, data, valid, known, ordinal";
    let versions: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM ((SELECT {columns} FROM {x} EXCEPT ALL SELECT {columns} FROM {y}) \
          UNION ALL (SELECT {columns} FROM {y} EXCEPT ALL SELECT {columns} FROM {x})) d",
        x = a.versions,
        y = b.versions
    ))
    .fetch_one(&mut *conn)
    .await?;
    let touches: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM ((SELECT * FROM {x} EXCEPT ALL SELECT * FROM {y}) \
          UNION ALL (SELECT * FROM {y} EXCEPT ALL SELECT * FROM {x})) d",
        x = a.touches,
        y = b.touches
    ))
    .fetch_one(&mut *conn)
    .await?;
    let checkpoints: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT (last_transaction_id::text, last_position)) FROM projector_checkpoints \
         WHERE projection IN ($1, $2)",
    )
    .bind(duty_list::NAME)
    .bind(duty_list::SHADOW_NAME)
    .fetch_one(&mut *conn)
    .await?;
    Ok(versions + touches + (checkpoints - 1).max(0))
}
