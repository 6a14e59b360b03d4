//! Maintaining the bitemporal duty list.
//!
//! For each department event `e` (sequence `s`, effective `E`, recorded `R`), the projector
//! folds the department's events with the domain's own `evolve`, in valid-time order, and
//! writes what changed as versions:
//!
//! - **in order** (`E` is at or after every effective time seen so far, the common case): the
//!   state before `e` is the department's latest state (cached); the entities that `e`
//!   changes get their current version closed at `E` (in transaction time: the old row is
//!   kept for `K < R`, a copy ending at `E` is known from `R`) and a new version from `E`;
//! - **backdated or before a future-dated event**: the department's timeline from `E` on is
//!   recomputed from its events and compared, entity by entity, with what is currently known
//!   from `E` on; every entity whose timeline differs gets its known versions after `E`
//!   closed at `R` and the recomputed ones inserted, known from `R`.
//!
//! Either way the answer to "as in force at `E'`, as known at `K'`" is the fold of exactly the
//! events with `effective_at <= E'` and `recorded_at <= K'`, which the property tests check
//! against a plain replay.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use dutyledger_domain::department::{Department, DepartmentEvent};
use dutyledger_domain::timeline::{self, Decide, Timed};
use serde_json::Value;
use sqlx::{PgConnection, Row};

use super::entities::{diff, entities, parents, touched_by, Change, Key, Kind};
use crate::event_log::{self, StoredEvent};
use crate::projector::Projection;
use crate::StoreError;

/// The duty-list projection.
#[derive(Debug)]
pub struct DutyList {
    /// Its checkpoint name.
    name: &'static str,
    /// The tables it writes.
    tables: Tables,
    /// The latest state of each department seen, and the sequence it is at.
    cache: Mutex<HashMap<String, (u64, Department)>>,
}

/// The tables a duty-list projection writes: the live ones, or shadow tables for a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// Versions.
    pub versions: String,
    /// Touches.
    pub touches: String,
}

impl Tables {
    /// The live tables.
    pub fn live() -> Self {
        Self {
            versions: super::VERSIONS.to_owned(),
            touches: super::TOUCHES.to_owned(),
        }
    }

    /// The shadow tables a rebuild writes.
    pub fn shadow() -> Self {
        Self {
            versions: format!("{}__rebuild", super::VERSIONS),
            touches: format!("{}__rebuild", super::TOUCHES),
        }
    }
}

impl Default for DutyList {
    fn default() -> Self {
        Self {
            name: super::NAME,
            tables: Tables::live(),
            cache: Mutex::default(),
        }
    }
}

impl DutyList {
    /// The projection writing the shadow tables, under its own checkpoint (for a rebuild).
    pub fn shadow() -> Self {
        Self {
            name: super::SHADOW_NAME,
            tables: Tables::shadow(),
            cache: Mutex::default(),
        }
    }

    /// The tables it writes.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }
}

pub fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn entity_id(key: &Key, department: &str) -> String {
    match key.0 {
        Kind::Department => department.to_owned(),
        _ => key.1.clone(),
    }
}

/// A version row currently known.
#[derive(Debug, Clone)]
struct Known {
    valid_from: DateTime<Utc>,
    valid_to: Option<DateTime<Utc>>,
    known_from: DateTime<Utc>,
    data: Value,
    ordinal: i64,
}

#[async_trait]
impl Projection for DutyList {
    fn name(&self) -> &'static str {
        self.name
    }

    fn streams(&self) -> Option<&'static [&'static str]> {
        Some(&[Department::TYPE])
    }

    async fn apply(&self, conn: &mut PgConnection, event: &StoredEvent) -> Result<(), StoreError> {
        if event.aggregate_type != Department::TYPE {
            return Ok(());
        }
        let payload: DepartmentEvent =
            serde_json::from_value(event.payload.clone()).map_err(|e| {
                StoreError::UnreadableEvent {
                    event_type: event.event_type.clone(),
                    event_version: event.event_version.clone(),
                    reason: e.to_string(),
                }
            })?;
        let dep = event.aggregate_id.as_str();
        let sequence = event.sequence as u64;
        let cached = self
            .cache
            .lock()
            .ok()
            .and_then(|mut c| c.remove(dep))
            .filter(|(seq, _)| *seq + 1 == sequence);
        let before = match cached {
            Some((_, state)) => state,
            None => rebuild(conn, dep, sequence).await?,
        };
        let timed = Timed {
            effective_at: event.effective_at,
            sequence,
            event: payload,
        };
        let in_order = before
            .max_effective()
            .is_none_or(|m| event.effective_at >= m);
        let t = &self.tables;
        let after = if in_order {
            apply_in_order(conn, t, dep, event, &before, timed).await?
        } else {
            apply_with_history(conn, t, dep, event, timed).await?
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(dep.to_owned(), (sequence, after));
        }
        Ok(())
    }

    fn reset(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
    }
}

/// The department's state after all its events before `sequence`, folded in valid time.
async fn rebuild(
    conn: &mut PgConnection,
    dep: &str,
    sequence: u64,
) -> Result<Department, StoreError> {
    let mut history = event_log::read_timed::<Department>(conn, dep, 0).await?;
    history.retain(|e| e.sequence < sequence);
    timeline::sort(&mut history);
    let mut state = Department::default();
    for e in history {
        state.note_effective(e.effective_at);
        Decide::evolve(&mut state, e.event);
    }
    Ok(state)
}

async fn apply_in_order(
    conn: &mut PgConnection,
    t: &Tables,
    dep: &str,
    event: &StoredEvent,
    before: &Department,
    timed: Timed<DepartmentEvent>,
) -> Result<Department, StoreError> {
    let mut after = before.clone();
    after.note_effective(timed.effective_at);
    Decide::evolve(&mut after, timed.event);
    let changes = diff(before, &after);
    let at = event.effective_at;
    let recorded = event.recorded_at;
    let mut touched = BTreeSet::new();
    for Change { key, old, new } in changes {
        let id = entity_id(&key, dep);
        let mut ordinal = event.sequence;
        if old.is_some() {
            let current = current_rows(conn, t, dep, key.0, &id).await?;
            for row in current.into_iter().filter(|r| r.valid_to.is_none()) {
                ordinal = row.ordinal;
                close(conn, t, dep, key.0, &id, &row, at, recorded).await?;
            }
        }
        if let Some(value) = &new {
            insert(conn, t, dep, key.0, &id, value, at, None, recorded, ordinal).await?;
        }
        for v in old.iter().chain(new.iter()) {
            touched.extend(parents(key.0, v));
        }
        touched.insert(key);
    }
    record_touches(conn, t, dep, event.sequence, &touched, recorded).await?;
    Ok(after)
}

/// Closes a currently known row at transaction time `recorded`, keeping the part before `at`
/// (if any) as a new row known from `recorded`.
#[allow(clippy::too_many_arguments)]
async fn close(
    conn: &mut PgConnection,
    t: &Tables,
    dep: &str,
    kind: Kind,
    id: &str,
    row: &Known,
    at: DateTime<Utc>,
    recorded: DateTime<Utc>,
) -> Result<(), StoreError> {
    let condition = "department_id = $1 AND kind = $2 AND entity_id = $3 AND upper_inf(known) \
                     AND lower(valid) = $4";
    if row.known_from >= recorded {
        // Known only since this very transaction: it was never visible; drop it.
        sqlx::query(&format!("DELETE FROM {} WHERE {condition}", t.versions))
            .bind(dep)
            .bind(kind.as_str())
            .bind(id)
            .bind(row.valid_from)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query(&format!(
            "UPDATE {} SET known = tstzrange(lower(known), $5) WHERE {condition}",
            t.versions
        ))
        .bind(dep)
        .bind(kind.as_str())
        .bind(id)
        .bind(row.valid_from)
        .bind(recorded)
        .execute(&mut *conn)
        .await?;
    }
    if row.valid_from < at {
        let end = row.valid_to.map_or(at, |to| to.min(at));
        insert(
            conn,
            t,
            dep,
            kind,
            id,
            &row.data,
            row.valid_from,
            Some(end),
            recorded,
            row.ordinal,
        )
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &mut PgConnection,
    t: &Tables,
    dep: &str,
    kind: Kind,
    id: &str,
    data: &Value,
    valid_from: DateTime<Utc>,
    valid_to: Option<DateTime<Utc>>,
    known_from: DateTime<Utc>,
    ordinal: i64,
) -> Result<(), StoreError> {
    if valid_to.is_some_and(|to| to <= valid_from) {
        return Ok(());
    }
    sqlx::query(&format!(
        "INSERT INTO {} (department_id, kind, entity_id, data, valid, known, ordinal) \
         VALUES ($1, $2, $3, $4, tstzrange($5, $6), tstzrange($7, NULL), $8)",
        t.versions
    ))
    .bind(dep)
    .bind(kind.as_str())
    .bind(id)
    .bind(data)
    .bind(valid_from)
    .bind(valid_to)
    .bind(known_from)
    .bind(ordinal)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn current_rows(
    conn: &mut PgConnection,
    t: &Tables,
    dep: &str,
    kind: Kind,
    id: &str,
) -> Result<Vec<Known>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT lower(valid) AS valid_from, upper(valid) AS valid_to, lower(known) AS known_from, data, ordinal \
         FROM {} \
         WHERE department_id = $1 AND kind = $2 AND entity_id = $3 AND upper_inf(known) \
         ORDER BY lower(valid)",
        t.versions
    ))
    .bind(dep)
    .bind(kind.as_str())
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(known_from_row).collect()
}

fn known_from_row(row: &sqlx::postgres::PgRow) -> Result<Known, StoreError> {
    Ok(Known {
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
        known_from: row.try_get("known_from")?,
        data: row.try_get("data")?,
        ordinal: row.try_get("ordinal")?,
    })
}

async fn record_touches(
    conn: &mut PgConnection,
    t: &Tables,
    dep: &str,
    sequence: i64,
    touched: &BTreeSet<Key>,
    recorded: DateTime<Utc>,
) -> Result<(), StoreError> {
    if touched.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = touched.iter().map(|k| k.0.as_str()).collect();
    let ids: Vec<String> = touched.iter().map(|k| entity_id(k, dep)).collect();
    sqlx::query(&format!(
        "INSERT INTO {} (department_id, kind, entity_id, sequence, known) \
         SELECT $1, k, i, $4, tstzrange($5, NULL) FROM UNNEST($2::text[], $3::text[]) AS t(k, i) \
         ON CONFLICT (department_id, kind, entity_id, sequence) WHERE upper_inf(known) DO NOTHING",
        t.touches
    ))
    .bind(dep)
    .bind(&kinds)
    .bind(&ids)
    .bind(sequence)
    .bind(recorded)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Brings the touches currently known for the events `touched` names (the new event and every
/// event after it in valid time) to what the new timeline says, from transaction time
/// `recorded` on: touches no longer true are closed (what was known before stays answerable),
/// new ones are opened.
async fn retouch(
    conn: &mut PgConnection,
    t: &Tables,
    dep: &str,
    touched: &BTreeMap<i64, BTreeSet<Key>>,
    recorded: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sequences: Vec<i64> = touched.keys().copied().collect();
    let rows = sqlx::query(&format!(
        "SELECT kind, entity_id, sequence, lower(known) AS known_from FROM {} \
         WHERE department_id = $1 AND sequence = ANY($2) AND upper_inf(known)",
        t.touches
    ))
    .bind(dep)
    .bind(&sequences)
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let id: String = row.try_get("entity_id")?;
        let sequence: i64 = row.try_get("sequence")?;
        let Some(k) = Kind::parse(&kind) else {
            continue;
        };
        let key: Key = (
            k,
            if k == Kind::Department {
                String::new()
            } else {
                id.clone()
            },
        );
        if touched
            .get(&sequence)
            .is_some_and(|keys| keys.contains(&key))
        {
            continue;
        }
        let known_from: DateTime<Utc> = row.try_get("known_from")?;
        let condition = "department_id = $1 AND kind = $2 AND entity_id = $3 AND sequence = $4 \
                         AND upper_inf(known)";
        let sql = if known_from >= recorded {
            // Known only since this very transaction: it was never visible.
            format!("DELETE FROM {} WHERE {condition}", t.touches)
        } else {
            format!(
                "UPDATE {} SET known = tstzrange(lower(known), $5) WHERE {condition}",
                t.touches
            )
        };
        sqlx::query(&sql)
            .bind(dep)
            .bind(&kind)
            .bind(&id)
            .bind(sequence)
            .bind(recorded)
            .execute(&mut *conn)
            .await?;
    }
    for (sequence, keys) in touched {
        record_touches(conn, t, dep, *sequence, keys, recorded).await?;
    }
    Ok(())
}

/// One entity's timeline from a point on: `(from, value)` segments in order (`None`: absent).
type Segments = Vec<(DateTime<Utc>, Option<Value>)>;

/// Merges equal neighbours and drops empty segments (two changes at the same instant).
fn normalise(segments: Segments) -> Segments {
    let mut out: Segments = Vec::new();
    for (from, value) in segments {
        if let Some(last) = out.last_mut() {
            if last.0 == from {
                last.1 = value;
                continue;
            }
        }
        out.push((from, value));
    }
    let mut merged: Segments = Vec::new();
    for (from, value) in out {
        if merged.last().is_some_and(|(_, v)| *v == value) {
            continue;
        }
        merged.push((from, value));
    }
    // Absent before the first version is the same as no segment at all.
    while merged.first().is_some_and(|(_, v)| v.is_none()) {
        merged.remove(0);
    }
    merged
}

async fn apply_with_history(
    conn: &mut PgConnection,
    t: &Tables,
    dep: &str,
    event: &StoredEvent,
    timed: Timed<DepartmentEvent>,
) -> Result<Department, StoreError> {
    let at = event.effective_at;
    let recorded = event.recorded_at;
    let key_of_e = timed.key();
    let mut history = event_log::read_timed::<Department>(conn, dep, 0).await?;
    history.retain(|e| e.sequence < timed.sequence);
    history.push(timed);
    timeline::sort(&mut history);

    // The new timeline from `at` on, entity by entity.
    let split = history.partition_point(|e| e.key() < key_of_e);
    let mut state = Department::default();
    for e in &history[..split] {
        state.note_effective(e.effective_at);
        Decide::evolve(&mut state, e.event.clone());
    }
    let mut new_timeline: BTreeMap<Key, Segments> = entities(&state)
        .into_iter()
        .map(|(k, v)| (k, vec![(at, Some(v))]))
        .collect();
    let mut created: BTreeMap<Key, i64> = BTreeMap::new();
    // What each event from `at` on touches in the new timeline (the audit trail).
    let mut touches: BTreeMap<i64, BTreeSet<Key>> = BTreeMap::new();
    for e in &history[split..] {
        let before = state.clone();
        state.note_effective(e.effective_at);
        Decide::evolve(&mut state, e.event.clone());
        touches.insert(e.sequence as i64, touched_by(&before, &state));
        for Change { key, old, new } in diff(&before, &state) {
            if old.is_none() {
                created.entry(key.clone()).or_insert(e.sequence as i64);
            }
            new_timeline
                .entry(key)
                .or_default()
                .push((e.effective_at, new));
        }
    }

    // What is known now from `at` on.
    let rows = sqlx::query(&format!(
        "SELECT kind, entity_id, lower(valid) AS valid_from, upper(valid) AS valid_to, \
                lower(known) AS known_from, data, ordinal \
         FROM {} \
         WHERE department_id = $1 AND upper_inf(known) AND (upper_inf(valid) OR upper(valid) > $2) \
         ORDER BY kind, entity_id, lower(valid)",
        t.versions
    ))
    .bind(dep)
    .bind(at)
    .fetch_all(&mut *conn)
    .await?;
    let mut stored: BTreeMap<Key, Vec<Known>> = BTreeMap::new();
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let Some(kind) = Kind::parse(&kind) else {
            continue;
        };
        let id: String = row.try_get("entity_id")?;
        let id = if kind == Kind::Department {
            String::new()
        } else {
            id
        };
        stored
            .entry((kind, id))
            .or_default()
            .push(known_from_row(row)?);
    }

    let keys: BTreeSet<Key> = new_timeline.keys().chain(stored.keys()).cloned().collect();
    for key in keys {
        let known = stored.remove(&key).unwrap_or_default();
        let mut old_segments: Segments = Vec::new();
        let mut cursor = at;
        for row in &known {
            let from = row.valid_from.max(at);
            if from > cursor {
                old_segments.push((cursor, None));
            }
            old_segments.push((from, Some(row.data.clone())));
            match row.valid_to {
                Some(to) => {
                    old_segments.push((to, None));
                    cursor = to;
                }
                None => cursor = DateTime::<Utc>::MAX_UTC,
            }
        }
        let old_segments = normalise(old_segments);
        let new_segments = normalise(new_timeline.remove(&key).unwrap_or_default());
        if old_segments == new_segments {
            continue;
        }
        let id = entity_id(&key, dep);
        let ordinal = known
            .iter()
            .map(|r| r.ordinal)
            .min()
            .or_else(|| created.get(&key).copied())
            .unwrap_or(event.sequence);
        for row in &known {
            close(conn, t, dep, key.0, &id, row, at, recorded).await?;
        }
        for (i, (from, value)) in new_segments.iter().enumerate() {
            let Some(value) = value else { continue };
            let to = new_segments.get(i + 1).map(|(t, _)| *t);
            insert(
                conn, t, dep, key.0, &id, value, *from, to, recorded, ordinal,
            )
            .await?;
        }
    }
    retouch(conn, t, dep, &touches, recorded).await?;
    Ok(state)
}
