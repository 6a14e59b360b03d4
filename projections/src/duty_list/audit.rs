//! The audit side of the duty list: every event that touched an entity (history), and what
//! differs in a department's list between two valid times, with the events behind each change.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgPool, Row};

use super::entities::{Key, Kind};
use crate::event_log::StoredEvent;
use crate::StoreError;

/// Which events of a department's history to return.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    /// Only events that touched this entity (`None`: every event of the department).
    pub entity: Option<(Kind, String)>,
    /// Recorded at or after.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Recorded at or before.
    pub recorded_to: Option<DateTime<Utc>>,
    /// Effective at or after.
    pub effective_from: Option<DateTime<Utc>>,
    /// Effective at or before.
    pub effective_to: Option<DateTime<Utc>>,
    /// As known at (transaction time; `None`: now): events recorded by then, attributed to the
    /// entities they touched in the timeline known then.
    pub known_at: Option<DateTime<Utc>>,
}

/// One page of a history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// The events, oldest (first recorded) first.
    pub events: Vec<StoredEvent>,
    /// Whether more follow.
    pub has_next_page: bool,
}

const COLUMNS: &str = "e.transaction_id::text AS txid, e.position, e.event_id, e.aggregate_type, \
     e.aggregate_id, e.sequence, e.event_type, e.event_version, e.payload, e.metadata, e.recorded_at, e.effective_at";

/// A page of the events that touched a department or one of its entities, oldest first, after
/// stream sequence `after` (exclusive).
pub async fn history(
    pool: &PgPool,
    department: &str,
    filter: &HistoryFilter,
    after: i64,
    first: i64,
) -> Result<HistoryPage, StoreError> {
    let (kind, id) = match &filter.entity {
        Some((Kind::Department, _)) | None => (None, None),
        Some((k, i)) => (Some(k.as_str()), Some(i.as_str())),
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events e \
         WHERE e.aggregate_type = 'department' AND e.aggregate_id = $1 AND e.sequence > $2 \
           AND ($3::text IS NULL OR e.sequence IN (SELECT t.sequence FROM duty_list_touches t \
                 WHERE t.department_id = $1 AND t.kind = $3 AND t.entity_id = $4 \
                   AND t.known @> COALESCE($10::timestamptz, now()))) \
           AND ($10::timestamptz IS NULL OR e.recorded_at <= $10) \
           AND ($5::timestamptz IS NULL OR e.recorded_at >= $5) \
           AND ($6::timestamptz IS NULL OR e.recorded_at <= $6) \
           AND ($7::timestamptz IS NULL OR e.effective_at >= $7) \
           AND ($8::timestamptz IS NULL OR e.effective_at <= $8) \
         ORDER BY e.sequence LIMIT $9"
    ))
    .bind(department)
    .bind(after)
    .bind(kind)
    .bind(id)
    .bind(filter.recorded_from)
    .bind(filter.recorded_to)
    .bind(filter.effective_from)
    .bind(filter.effective_to)
    .bind(first + 1)
    .bind(filter.known_at)
    .fetch_all(pool)
    .await?;
    let mut events = rows
        .iter()
        .map(StoredEvent::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let has_next_page = events.len() as i64 > first;
    events.truncate(first.max(0) as usize);
    Ok(HistoryPage {
        events,
        has_next_page,
    })
}

/// How an entity differs between two valid times.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityChange {
    /// Its kind.
    pub kind: Kind,
    /// Its id (the department's own id for the department).
    pub id: String,
    /// Its value at `from` (`None`: absent).
    pub before: Option<Value>,
    /// Its value at `to` (`None`: absent).
    pub after: Option<Value>,
    /// The events behind the change: those that touched it, effective in `(from, to]`, as known
    /// at `known_at`.
    pub events: Vec<StoredEvent>,
}

async fn versions_at(
    pool: &PgPool,
    department: &str,
    valid_at: DateTime<Utc>,
    known_at: DateTime<Utc>,
) -> Result<BTreeMap<Key, Value>, StoreError> {
    let rows = sqlx::query(
        "SELECT kind, entity_id, data FROM duty_list_versions \
         WHERE department_id = $1 AND valid @> $2 AND known @> $3",
    )
    .bind(department)
    .bind(valid_at)
    .bind(known_at)
    .fetch_all(pool)
    .await?;
    let mut out = BTreeMap::new();
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        if let Some(kind) = Kind::parse(&kind) {
            out.insert(
                (kind, row.try_get::<String, _>("entity_id")?),
                row.try_get("data")?,
            );
        }
    }
    Ok(out)
}

/// What differs in a department's list between valid times `from` and `to` (`from <= to`), as
/// known at `known_at`, in the order: department, main duties, units, unit duties, tasks, posts,
/// assignments.
pub async fn changes(
    pool: &PgPool,
    department: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    known_at: DateTime<Utc>,
) -> Result<Vec<EntityChange>, StoreError> {
    let mut before = versions_at(pool, department, from, known_at).await?;
    let after = versions_at(pool, department, to, known_at).await?;
    let mut changed: Vec<(Key, Option<Value>, Option<Value>)> = Vec::new();
    for (key, value) in after {
        match before.remove(&key) {
            Some(old) if old == value => {}
            old => changed.push((key, old, Some(value))),
        }
    }
    for (key, old) in before {
        changed.push((key, Some(old), None));
    }
    changed.sort_by(|a, b| a.0.cmp(&b.0));
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let kinds: Vec<&str> = changed.iter().map(|c| c.0 .0.as_str()).collect();
    let ids: Vec<&str> = changed.iter().map(|c| c.0 .1.as_str()).collect();
    let rows = sqlx::query(&format!(
        "SELECT t.kind AS touched_kind, t.entity_id AS touched_id, {COLUMNS} \
         FROM duty_list_touches t \
         JOIN UNNEST($2::text[], $3::text[]) AS w(kind, entity_id) \
           ON w.kind = t.kind AND w.entity_id = t.entity_id \
         JOIN events e ON e.aggregate_type = 'department' AND e.aggregate_id = t.department_id \
                      AND e.sequence = t.sequence \
         WHERE t.department_id = $1 AND e.effective_at > $4 AND e.effective_at <= $5 \
           AND e.recorded_at <= $6 AND t.known @> $6 \
         ORDER BY e.effective_at, e.sequence"
    ))
    .bind(department)
    .bind(&kinds)
    .bind(&ids)
    .bind(from)
    .bind(to)
    .bind(known_at)
    .fetch_all(pool)
    .await?;
    let mut behind: BTreeMap<Key, Vec<StoredEvent>> = BTreeMap::new();
    for row in &rows {
        let kind: String = row.try_get("touched_kind")?;
        let Some(kind) = Kind::parse(&kind) else {
            continue;
        };
        behind
            .entry((kind, row.try_get("touched_id")?))
            .or_default()
            .push(StoredEvent::from_row(row)?);
    }
    Ok(changed
        .into_iter()
        .map(|(key, before, after)| EntityChange {
            events: behind.remove(&key).unwrap_or_default(),
            kind: key.0,
            id: key.1,
            before,
            after,
        })
        .collect())
}
