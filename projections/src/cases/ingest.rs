//! Writing case events: a batch is decided case by case with the domain's rules (against the
//! case's head, its pinned chart version, the structure in force at each event's time and the
//! calendar) and the accepted events are appended in one transaction with the heads they
//! leave (ADR 0016). Single events (`recordCaseEvent`) go through the same path as a batch of
//! one.
//!
//! Concurrency: the batch first makes sure each of its cases has a head row (a placeholder at
//! sequence 0 for a case not seen yet), then locks them all in stream order (`FOR UPDATE`):
//! concurrent batches touching one case take turns, and never deadlock. Everything a batch
//! decides rests on heads no one else can change until it commits.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use dutyledger_domain::case::{
    self as domain, CaseAction, CaseContext, CaseEvent, CaseInput, CaseRejection, CaseState,
    Decision,
};
use dutyledger_domain::metadata::{self, CommandMetadata};
use dutyledger_domain::values::CreditCode;
use sqlx::{PgPool, Row};

use super::charts::{ChartCache, ChartKey};
use crate::duty_list::AsOf;
use crate::performance::ingest::{cursor_and_time, CONCERNED_QUERY};
use crate::performance::StructureCache;
use crate::{calendar, Cursor, StoreError};

/// The most case events one batch may carry.
pub const MAX_BATCH: usize = 5_000;

/// What became of one case event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    /// Stored now.
    Stored,
    /// The same event was stored before (or earlier in the same batch): nothing stored.
    Duplicate,
    /// Refused by a rule: nothing stored.
    Rejected,
}

/// The result for one event of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseOutcome {
    /// Its place in the batch (from 0).
    pub index: usize,
    /// Its case's stream (`department/case id`), if it parsed.
    pub stream: Option<String>,
    /// What became of it.
    pub status: CaseStatus,
    /// Why it was refused.
    pub rejection: Option<CaseRejection>,
    /// The stored event's type (for a duplicate: the original's).
    pub event_type: Option<&'static str>,
    /// Its sequence in the case's stream (for a duplicate: the original's).
    pub sequence: Option<i64>,
    /// The stored event's place in the global order (for a duplicate: the original's).
    pub cursor: Option<Cursor>,
    /// When it was recorded (for a duplicate: the original's time).
    pub recorded_at: Option<DateTime<Utc>>,
}

/// The result of a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseBatchOutcome {
    /// One per event, in the batch's order.
    pub outcomes: Vec<CaseOutcome>,
    /// How many were stored now.
    pub stored: usize,
    /// How many were duplicates.
    pub duplicates: usize,
    /// How many were rejected.
    pub rejected: usize,
    /// The last stored event's place in the global order (wait for it to read your writes).
    pub cursor: Option<Cursor>,
}

/// Writes batches of case events.
#[derive(Debug, Clone)]
pub struct CaseIngestor {
    pool: PgPool,
    structures: StructureCache,
    charts: ChartCache,
}

struct Row_ {
    stream: String,
    sequence: i64,
    event_type: &'static str,
    payload: String,
    metadata: String,
    department: String,
}

/// Inserts the events of a batch (arrays pairwise), in the order given.
const INSERT_EVENTS: &str = "INSERT INTO events (aggregate_type, aggregate_id, sequence, \
        event_type, event_version, payload, metadata, event_id) \
     SELECT $1, u.id, u.seq, u.t, '1', u.p::jsonb, u.m::jsonb, u.e \
     FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::uuid[]) \
          WITH ORDINALITY AS u(id, seq, t, p, m, e, n) \
     ORDER BY u.n \
     RETURNING aggregate_id, sequence, transaction_id::text AS txid, position, recorded_at";

impl CaseIngestor {
    /// An ingestor writing to `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            structures: StructureCache::default(),
            charts: ChartCache::default(),
        }
    }

    /// Checks and stores a batch (at most [`MAX_BATCH`] events; larger batches are the
    /// caller's error) in one transaction, in the batch's order. Events that failed to parse
    /// come in as their rejection and are reported in place.
    pub async fn ingest(
        &self,
        batch: Vec<Result<CaseInput, CaseRejection>>,
        meta: &CommandMetadata,
    ) -> Result<CaseBatchOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&mut *tx)
            .await?;
        let streams: BTreeSet<String> = batch
            .iter()
            .filter_map(|i| i.as_ref().ok().map(CaseInput::stream_id))
            .collect();
        let streams: Vec<String> = streams.into_iter().collect();

        // Heads: placeholders for cases not seen yet, then every head locked in stream order.
        let mut heads: HashMap<String, CaseState> = HashMap::with_capacity(streams.len());
        if !streams.is_empty() {
            sqlx::query(
                "INSERT INTO case_heads (stream, sequence) \
                 SELECT s, 0 FROM UNNEST($1::text[]) AS s ORDER BY s \
                 ON CONFLICT (stream) DO NOTHING",
            )
            .bind(&streams)
            .execute(&mut *tx)
            .await?;
            let rows = sqlx::query(
                "SELECT h.stream, h.state::text AS state FROM case_heads h \
                 JOIN UNNEST($1::text[]) AS u(s) ON h.stream = u.s \
                 ORDER BY h.stream FOR UPDATE OF h",
            )
            .bind(&streams)
            .fetch_all(&mut *tx)
            .await?;
            for row in rows {
                let state: Option<String> = row.try_get("state")?;
                let state = match state {
                    Some(s) => serde_json::from_str(&s)?,
                    None => CaseState::default(),
                };
                heads.insert(row.try_get("stream")?, state);
            }
        }

        // What the rules read: the structures of the departments, the chart versions the
        // cases pin or open on, the calendar as known now.
        let mut departments: Vec<CreditCode> = batch
            .iter()
            .filter_map(|i| i.as_ref().ok().map(|i| i.department_id.clone()))
            .collect();
        departments.sort();
        departments.dedup();
        let structure = self.structures.snapshot(&mut tx, &departments).await?;
        let mut keys: BTreeSet<ChartKey> = heads
            .values()
            .filter_map(|s| s.opened.as_ref())
            .map(|o| {
                (
                    o.department_id.as_str().to_owned(),
                    o.task_id.as_str().to_owned(),
                    o.version,
                )
            })
            .collect();
        for input in batch.iter().flatten() {
            if let CaseAction::Open {
                task_id, version, ..
            } = &input.action
            {
                keys.insert((
                    input.department_id.as_str().to_owned(),
                    task_id.as_str().to_owned(),
                    *version,
                ));
            }
        }
        let keys: Vec<ChartKey> = keys.into_iter().collect();
        let charts = self.charts.load(&mut tx, &keys).await?;
        let calendar = calendar::load(
            &self.pool,
            AsOf {
                valid_at: now,
                known_at: now,
            },
        )
        .await?;
        let ctx = CaseContext {
            structure: &structure,
            charts: &charts,
            calendar: &calendar,
            now,
        };

        // Decide, in the batch's order.
        let mut outcomes: Vec<CaseOutcome> = Vec::with_capacity(batch.len());
        let mut rows: Vec<Row_> = Vec::new();
        for (index, item) in batch.into_iter().enumerate() {
            let mut outcome = CaseOutcome {
                index,
                stream: None,
                status: CaseStatus::Rejected,
                rejection: None,
                event_type: None,
                sequence: None,
                cursor: None,
                recorded_at: None,
            };
            let input = match item {
                Ok(input) => input,
                Err(rejection) => {
                    outcome.rejection = Some(rejection);
                    outcomes.push(outcome);
                    continue;
                }
            };
            let stream = input.stream_id();
            outcome.stream = Some(stream.clone());
            let state = heads.entry(stream.clone()).or_default();
            match state.decide(&input, &ctx) {
                Err(rejection) => outcome.rejection = Some(rejection),
                Ok(Decision::Duplicate(sequence)) => {
                    outcome.status = CaseStatus::Duplicate;
                    outcome.sequence = Some(sequence);
                }
                Ok(Decision::Append(event)) => {
                    let sequence = state.sequence + 1;
                    state.evolve(&event, sequence);
                    outcome.status = CaseStatus::Stored;
                    outcome.sequence = Some(sequence);
                    outcome.event_type = Some(event.type_name());
                    rows.push(row(&input, &stream, sequence, &event, meta)?);
                }
            }
            outcomes.push(outcome);
        }

        // Append, in stream and sequence order (a case's events then also follow each other
        // in the global order).
        let mut stored: HashMap<(String, i64), (Cursor, DateTime<Utc>)> = HashMap::new();
        if !rows.is_empty() {
            rows.sort_by(|a, b| (&a.stream, a.sequence).cmp(&(&b.stream, b.sequence)));
            let ids: Vec<&str> = rows.iter().map(|r| r.stream.as_str()).collect();
            let seqs: Vec<i64> = rows.iter().map(|r| r.sequence).collect();
            let types: Vec<&str> = rows.iter().map(|r| r.event_type).collect();
            let payloads: Vec<&str> = rows.iter().map(|r| r.payload.as_str()).collect();
            let metas: Vec<&str> = rows.iter().map(|r| r.metadata.as_str()).collect();
            let event_ids: Vec<uuid::Uuid> = rows.iter().map(|_| uuid::Uuid::now_v7()).collect();
            let inserted = sqlx::query(INSERT_EVENTS)
                .bind(domain::TYPE)
                .bind(&ids)
                .bind(&seqs)
                .bind(&types)
                .bind(&payloads)
                .bind(&metas)
                .bind(&event_ids)
                .fetch_all(&mut *tx)
                .await?;
            let mut positions: Vec<i64> = Vec::with_capacity(inserted.len());
            for r in &inserted {
                let key = (
                    r.try_get::<String, _>("aggregate_id")?,
                    r.try_get("sequence")?,
                );
                let found = cursor_and_time(r)?;
                positions.push(found.0.position());
                stored.insert(key, found);
            }
            let concerned: Vec<&str> = rows.iter().map(|r| r.department.as_str()).collect();
            sqlx::query(CONCERNED_QUERY)
                .bind(&concerned)
                .bind(&positions)
                .execute(&mut *tx)
                .await?;
        }

        // The heads the batch leaves; placeholders of cases that stored nothing go.
        let mut changed: Vec<&str> = Vec::new();
        let mut sequences: Vec<i64> = Vec::new();
        let mut states: Vec<String> = Vec::new();
        let mut empty: Vec<&str> = Vec::new();
        let appended: std::collections::HashSet<&str> =
            rows.iter().map(|r| r.stream.as_str()).collect();
        for (stream, state) in &heads {
            if state.sequence == 0 {
                empty.push(stream);
            } else if appended.contains(stream.as_str()) {
                changed.push(stream);
                sequences.push(state.sequence);
                states.push(serde_json::to_string(state)?);
            }
        }
        if !changed.is_empty() {
            sqlx::query(
                "UPDATE case_heads h SET sequence = u.q, state = u.s::jsonb \
                 FROM UNNEST($1::text[], $2::bigint[], $3::text[]) AS u(id, q, s) \
                 WHERE h.stream = u.id",
            )
            .bind(&changed)
            .bind(&sequences)
            .bind(&states)
            .execute(&mut *tx)
            .await?;
        }
        if !empty.is_empty() {
            sqlx::query("DELETE FROM case_heads WHERE stream = ANY($1::text[]) AND sequence = 0")
                .bind(&empty)
                .execute(&mut *tx)
                .await?;
        }

        // Duplicates of events stored before this batch: their originals' cursors.
        let earlier: Vec<(String, i64)> = outcomes
            .iter()
            .filter(|o| o.status == CaseStatus::Duplicate)
            .filter_map(|o| Some((o.stream.clone()?, o.sequence?)))
            .filter(|k| !stored.contains_key(k))
            .collect();
        let mut originals: HashMap<(String, i64), (Cursor, DateTime<Utc>, String)> = HashMap::new();
        if !earlier.is_empty() {
            let ids: Vec<&str> = earlier.iter().map(|k| k.0.as_str()).collect();
            let seqs: Vec<i64> = earlier.iter().map(|k| k.1).collect();
            let found = sqlx::query(
                "SELECT e.aggregate_id, e.sequence, e.event_type, \
                        e.transaction_id::text AS txid, e.position, e.recorded_at \
                 FROM UNNEST($2::text[], $3::bigint[]) AS u(id, seq) \
                 JOIN events e ON e.aggregate_type = (SELECT $1::text) \
                                AND e.aggregate_id = u.id AND e.sequence = u.seq",
            )
            .bind(domain::TYPE)
            .bind(&ids)
            .bind(&seqs)
            .fetch_all(&mut *tx)
            .await?;
            for r in &found {
                let (cursor, at) = cursor_and_time(r)?;
                originals.insert(
                    (r.try_get("aggregate_id")?, r.try_get("sequence")?),
                    (cursor, at, r.try_get("event_type")?),
                );
            }
        }
        tx.commit().await?;

        let mut out = CaseBatchOutcome::default();
        for mut o in outcomes {
            let key = o.stream.clone().zip(o.sequence);
            match o.status {
                CaseStatus::Rejected => out.rejected += 1,
                CaseStatus::Stored => {
                    out.stored += 1;
                    if let Some(&(cursor, at)) = key.as_ref().and_then(|k| stored.get(k)) {
                        o.cursor = Some(cursor);
                        o.recorded_at = Some(at);
                        out.cursor = Some(out.cursor.map_or(cursor, |c: Cursor| c.max(cursor)));
                    }
                }
                CaseStatus::Duplicate => {
                    out.duplicates += 1;
                    if let Some(k) = &key {
                        if let Some(&(cursor, at)) = stored.get(k) {
                            o.cursor = Some(cursor);
                            o.recorded_at = Some(at);
                            o.event_type = rows
                                .iter()
                                .find(|r| r.stream == k.0 && r.sequence == k.1)
                                .map(|r| r.event_type);
                        } else if let Some((cursor, at, t)) = originals.get(k) {
                            o.cursor = Some(*cursor);
                            o.recorded_at = Some(*at);
                            o.event_type = CaseEvent::TYPES.iter().copied().find(|n| n == t);
                        }
                    }
                }
            }
            out.outcomes.push(o);
        }
        Ok(out)
    }
}

fn row(
    input: &CaseInput,
    stream: &str,
    sequence: i64,
    event: &CaseEvent,
    meta: &CommandMetadata,
) -> Result<Row_, StoreError> {
    let mut map = meta.to_map();
    map.insert(
        metadata::EFFECTIVE_AT.to_owned(),
        event.at().to_rfc3339_opts(SecondsFormat::Micros, true),
    );
    let reason = match event {
        CaseEvent::CaseSuspended { reason, .. }
        | CaseEvent::CaseExtended { reason, .. }
        | CaseEvent::CaseReturned { reason, .. } => Some(reason.as_str()),
        _ => None,
    };
    if let Some(reason) = reason {
        map.insert(metadata::REASON.to_owned(), reason.to_owned());
    }
    Ok(Row_ {
        stream: stream.to_owned(),
        sequence,
        event_type: event.type_name(),
        payload: serde_json::to_string(event)?,
        metadata: serde_json::to_string(&map)?,
        department: input.department_id.as_str().to_owned(),
    })
}
