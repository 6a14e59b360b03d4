//! The evidence behind the observations: capped item lists, ratio and count observations, and
//! the cursors of the events that show each item.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dutyledger_domain::scheme::{
    Evidence, EvidenceItem, Measured, Observation, MAX_EVIDENCE_ITEMS,
};
use sqlx::{PgPool, Row};

use super::Period;
use crate::duty_list::AsOf;
use crate::{workflow, Cursor, StoreError};

/// The cursor of the event that created each entity of the departments' structure (keyed by
/// department, stored kind, entity id), from [`creation_cursors`].
pub(super) type Creations = HashMap<(String, String, String), Cursor>;

/// The cursor of the event that created an entity of department `d`'s structure, if known.
pub(super) fn cursor_of(creation: &Creations, d: &str, kind: &str, id: &str) -> Option<String> {
    creation
        .get(&(d.to_owned(), kind.to_owned(), id.to_owned()))
        .map(ToString::to_string)
}

fn capped(mut items: Vec<EvidenceItem>) -> (Vec<EvidenceItem>, u64) {
    let more = items.len().saturating_sub(MAX_EVIDENCE_ITEMS) as u64;
    items.truncate(MAX_EVIDENCE_ITEMS);
    (items, more)
}

pub(super) fn ratio(
    numerator: i64,
    denominator: i64,
    query: String,
    items: Vec<EvidenceItem>,
    none: &str,
) -> Observation {
    let (items, more) = capped(items);
    Observation {
        value: if denominator > 0 {
            Measured::Ratio {
                numerator,
                denominator,
            }
        } else {
            Measured::NoData(none.to_owned())
        },
        evidence: Evidence {
            query,
            figures: vec![
                ("numerator".into(), numerator),
                ("denominator".into(), denominator),
            ],
            items,
            more,
        },
    }
}

pub(super) fn count(query: String, items: Vec<EvidenceItem>) -> Observation {
    let n = items.len() as i64;
    let (items, more) = capped(items);
    Observation {
        value: Measured::Count(n),
        evidence: Evidence {
            query,
            figures: vec![("count".into(), n)],
            items,
            more,
        },
    }
}

/// The cursor of the event that created each entity of the departments' structure in force at
/// `as_of` (keyed by department, stored kind, entity id).
pub(super) async fn creation_cursors(
    pool: &PgPool,
    departments: &[String],
    as_of: AsOf,
) -> Result<Creations, StoreError> {
    let rows = sqlx::query(
        "SELECT v.department_id, v.kind, v.entity_id, e.transaction_id::text AS txid, e.position \
         FROM duty_list_versions v \
         JOIN events e ON e.aggregate_type = 'department' AND e.aggregate_id = v.department_id \
                      AND e.sequence = v.ordinal \
         WHERE v.department_id = ANY($1) AND v.valid @> $2 AND v.known @> $3 \
           AND v.kind IN ('main_duty', 'unit_duty', 'task', 'power_item')",
    )
    .bind(departments)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let txid: String = r.try_get("txid")?;
            Ok((
                (
                    r.try_get("department_id")?,
                    r.try_get("kind")?,
                    r.try_get("entity_id")?,
                ),
                Cursor::new(
                    txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                    r.try_get("position")?,
                ),
            ))
        })
        .collect()
}

/// The cursor of each stream's last event of a type recorded by `known_at`.
pub(super) async fn last_cursors(
    pool: &PgPool,
    aggregate_type: &str,
    known_at: DateTime<Utc>,
) -> Result<HashMap<String, Cursor>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT ON (aggregate_id) aggregate_id, transaction_id::text AS txid, position \
         FROM events WHERE aggregate_type = $1 AND recorded_at <= $2 \
         ORDER BY aggregate_id, sequence DESC",
    )
    .bind(aggregate_type)
    .bind(known_at)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let txid: String = r.try_get("txid")?;
            Ok((
                r.try_get("aggregate_id")?,
                Cursor::new(
                    txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                    r.try_get("position")?,
                ),
            ))
        })
        .collect()
}

/// The chart versions each department published with effect in the period, as known at
/// `known_at`, as evidence items.
pub(super) async fn publications(
    pool: &PgPool,
    departments: &[String],
    period: Period,
    known_at: DateTime<Utc>,
) -> Result<HashMap<String, Vec<EvidenceItem>>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT p.department_id, p.task_id, p.version, e.transaction_id::text AS txid, e.position \
         FROM {} p JOIN events e ON e.aggregate_type = 'workflow_chart' \
              AND e.aggregate_id = p.department_id || '/' || p.task_id AND e.sequence = p.sequence \
         WHERE p.department_id = ANY($1) AND p.effective_at >= $2 AND p.effective_at <= $3 \
           AND p.recorded_at <= $4 \
         ORDER BY p.department_id, p.effective_at, p.task_id",
        workflow::PUBLICATIONS
    ))
    .bind(departments)
    .bind(period.start())
    .bind(period.end())
    .bind(known_at)
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<String, Vec<EvidenceItem>> = HashMap::new();
    for r in &rows {
        let txid: String = r.try_get("txid")?;
        let task: String = r.try_get("task_id")?;
        let version: i32 = r.try_get("version")?;
        out.entry(r.try_get("department_id")?)
            .or_default()
            .push(EvidenceItem {
                kind: "workflowChart".into(),
                id: task,
                label: format!("version {version}"),
                cursor: Some(
                    Cursor::new(
                        txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                        r.try_get("position")?,
                    )
                    .to_string(),
                ),
            });
    }
    Ok(out)
}
