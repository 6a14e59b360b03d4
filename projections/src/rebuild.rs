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

use crate::cases::{self, Cases};
use crate::duty_list::{self, DutyList, Tables};
use crate::performance::{self, Rollups, RollupsShadow};
use crate::projector::{Projection, Projector};
use crate::StoreError;

/// The read models that can be rebuilt.
pub const PROJECTIONS: [&str; 3] = [duty_list::NAME, performance::NAME, cases::NAME];

/// What a rebuild of one read model needs: its checkpoints, its tables (live and shadow, with
/// the rows that count when comparing them) and its projections.
struct Spec {
    name: &'static str,
    shadow_name: &'static str,
    /// `(live table, shadow table, the select list and filter compared: "{t}" is the table)`.
    tables: Vec<(String, String, &'static str)>,
    live: Arc<dyn Projection>,
    shadow: Arc<dyn Projection>,
}

fn spec(name: &str) -> Result<Spec, StoreError> {
    if name == duty_list::NAME {
        let (live, shadow) = (Tables::live(), Tables::shadow());
        Ok(Spec {
            name: duty_list::NAME,
            shadow_name: duty_list::SHADOW_NAME,
            tables: vec![
                (
                    live.versions,
                    shadow.versions,
                    "SELECT department_id, kind, entity_id, data, valid, known, ordinal FROM {t}",
                ),
                (live.touches, shadow.touches, "SELECT * FROM {t}"),
            ],
            live: Arc::new(DutyList::default()),
            shadow: Arc::new(DutyList::shadow()),
        })
    } else if name == performance::NAME {
        Ok(Spec {
            name: performance::NAME,
            shadow_name: performance::SHADOW_NAME,
            // Rows whose figures sum to zero (a record and its void in different batches)
            // answer like absent rows.
            tables: vec![(
                performance::ROLLUPS.to_owned(),
                performance::SHADOW_ROLLUPS.to_owned(),
                "SELECT dimension, grain, department_id, unit_id, key, period, level, sector, \
                 known, records, quantity, timed, on_time FROM {t} \
                 WHERE (records, quantity, timed, on_time) <> (0, 0, 0, 0)",
            )],
            live: Arc::new(Rollups),
            shadow: Arc::new(RollupsShadow),
        })
    } else if name == cases::NAME {
        let (live, shadow) = (cases::Tables::LIVE, cases::Tables::SHADOW);
        Ok(Spec {
            name: cases::NAME,
            shadow_name: cases::SHADOW_NAME,
            tables: vec![
                (
                    live.versions.to_owned(),
                    shadow.versions.to_owned(),
                    "SELECT * FROM {t}",
                ),
                (
                    live.runs.to_owned(),
                    shadow.runs.to_owned(),
                    "SELECT * FROM {t}",
                ),
                (
                    live.returns.to_owned(),
                    shadow.returns.to_owned(),
                    "SELECT * FROM {t}",
                ),
            ],
            live: Arc::new(Cases::live()),
            shadow: Arc::new(Cases::shadow()),
        })
    } else {
        Err(StoreError::UnknownProjection(name.to_owned()))
    }
}

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
    let spec = spec(name)?;
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    prepare_shadow(&mut conn, &spec).await?;
    let shadow_projector = Projector::new(pool.clone(), vec![spec.shadow.clone()]);
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
    .bind(spec.name)
    .execute(&mut *tx)
    .await?;
    sqlx::query("SELECT 1 FROM projector_checkpoints WHERE projection = $1 FOR UPDATE")
        .bind(spec.name)
        .execute(&mut *tx)
        .await?;
    events += shadow_projector.catch_up(&mut tx).await?;
    if verify {
        let live_projector = Projector::new(pool.clone(), vec![spec.live.clone()]);
        loop {
            let a = live_projector.catch_up(&mut tx).await?;
            let b = shadow_projector.catch_up(&mut tx).await?;
            events += b;
            if a == 0 && b == 0 {
                break;
            }
        }
        let differences = compare(&mut tx, &spec).await?;
        tx.rollback().await?;
        drop_shadow(&mut conn, &spec).await?;
        return Ok(RebuildReport {
            projection: name.to_owned(),
            events,
            seconds: started.elapsed().as_secs_f64(),
            swapped: false,
            differences: Some(differences),
        });
    }
    for (live_table, shadow_table, _) in &spec.tables {
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
    .bind(spec.name)
    .bind(spec.shadow_name)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM projector_checkpoints WHERE projection = $1")
        .bind(spec.shadow_name)
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

async fn prepare_shadow(conn: &mut PgConnection, spec: &Spec) -> Result<(), StoreError> {
    drop_shadow(conn, spec).await?;
    for (live, shadow, _) in &spec.tables {
        sqlx::query(&format!(
            "CREATE TABLE {shadow} (LIKE {live} INCLUDING ALL)"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn drop_shadow(conn: &mut PgConnection, spec: &Spec) -> Result<(), StoreError> {
    for (_, shadow, _) in &spec.tables {
        sqlx::query(&format!("DROP TABLE IF EXISTS {shadow}"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM projector_checkpoints WHERE projection = $1")
        .bind(spec.shadow_name)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rows in the live tables and not in the shadow ones (both ways), and checkpoints that differ.
async fn compare(conn: &mut PgConnection, spec: &Spec) -> Result<i64, StoreError> {
    let mut differences = 0;
    for (live, shadow, select) in &spec.tables {
        let (x, y) = (select.replace("{t}", live), select.replace("{t}", shadow));
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM (({x} EXCEPT ALL {y}) UNION ALL ({y} EXCEPT ALL {x})) d"
        ))
        .fetch_one(&mut *conn)
        .await?;
        differences += n;
    }
    let checkpoints: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT (last_transaction_id::text, last_position)) FROM projector_checkpoints \
         WHERE projection IN ($1, $2)",
    )
    .bind(spec.name)
    .bind(spec.shadow_name)
    .fetch_one(&mut *conn)
    .await?;
    Ok(differences + (checkpoints - 1).max(0))
}
