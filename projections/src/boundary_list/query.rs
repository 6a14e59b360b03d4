//! Reading the boundary list as of a point in valid time and transaction time.

use serde_json::Value;
use sqlx::PgPool;

use super::view::MatterView;
use crate::duty_list::AsOf;
use crate::StoreError;

fn views(rows: Vec<Value>) -> Result<Vec<MatterView>, StoreError> {
    rows.into_iter()
        .map(|v| serde_json::from_value(v).map_err(StoreError::from))
        .collect()
}

/// One matter at `as_of`, if registered and not retired then.
pub async fn matter(
    pool: &PgPool,
    id: &str,
    as_of: AsOf,
) -> Result<Option<MatterView>, StoreError> {
    let row: Option<Value> = sqlx::query_scalar(
        "SELECT data FROM boundary_versions WHERE matter_id = $1 AND valid @> $2 AND known @> $3",
    )
    .bind(id)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_optional(pool)
    .await?;
    row.map(|v| serde_json::from_value(v).map_err(StoreError::from))
        .transpose()
}

/// The matters a department is a party to at `as_of`.
pub async fn matters_of_department(
    pool: &PgPool,
    department: &str,
    as_of: AsOf,
) -> Result<Vec<MatterView>, StoreError> {
    let rows: Vec<Value> = sqlx::query_scalar(
        "SELECT data FROM boundary_versions \
         WHERE departments @> ARRAY[$1]::text[] AND valid @> $2 AND known @> $3 \
         ORDER BY data->>'field', data->>'title', matter_id",
    )
    .bind(department)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    views(rows)
}

/// The matters without a ruling at `as_of`.
pub async fn unruled(pool: &PgPool, as_of: AsOf) -> Result<Vec<MatterView>, StoreError> {
    let rows: Vec<Value> = sqlx::query_scalar(
        "SELECT data FROM boundary_versions WHERE NOT ruled AND valid @> $1 AND known @> $2 \
         ORDER BY data->>'field', data->>'title', matter_id",
    )
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    views(rows)
}

/// The matters with undecided disputes at `as_of`.
pub async fn open_disputes(pool: &PgPool, as_of: AsOf) -> Result<Vec<MatterView>, StoreError> {
    let rows: Vec<Value> = sqlx::query_scalar(
        "SELECT data FROM boundary_versions WHERE open_disputes > 0 AND valid @> $1 AND known @> $2 \
         ORDER BY data->>'field', data->>'title', matter_id",
    )
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    views(rows)
}
