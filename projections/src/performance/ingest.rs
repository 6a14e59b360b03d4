//! Writing records: a batch is checked with the domain's rules against the structure in force
//! on each record's day, and the accepted records are appended in one transaction, one stream
//! per record (`performance_record`, `department/record id`, sequence 1). The stream key makes
//! a resubmitted record id a duplicate that is never stored twice, whether it comes in the
//! same batch, a later one, or a concurrent one (the second insert waits for the first and
//! then does nothing). Corrections and voids go through the command executor.
//!
//! Each record stored is recorded as concerning its department (`event_departments`,
//! DESIGN.md rule 8, ADR 0010), in the same transaction, for the rows actually inserted only.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use cqrs_es::Aggregate;
use dutyledger_domain::concerns::Concerns;
use dutyledger_domain::metadata::{self, CommandMetadata};
use dutyledger_domain::performance::{
    validate, PerformanceCommand, PerformanceError, PerformanceEvent, PerformanceRecord,
    RecordInput, RecordRejection,
};
use dutyledger_domain::values::{CreditCode, EntityId, Text};
use sqlx::{PgPool, Row};

use super::structure::StructureCache;
use crate::event_log::{CommandError, EventStore, Executed};
use crate::{Cursor, StoreError};

/// The most records one batch may carry.
pub const MAX_BATCH: usize = 5_000;

/// The originals of a batch's duplicates (`$1`: the stream type, `$2`: their stream ids): one
/// primary-key lookup per id (a join on the ids, not `= ANY`, whose generic plan may scan the
/// whole stream type). The stream type is hidden from the planner (`(SELECT $1)`): statistics
/// older than a bulk load say the type has no rows, and a plan built on that walks every record
/// of the type (seen in ops/bench: a third of the writers' time); for a type it cannot see, the
/// planner takes the primary key. `tests/api/plans.rs` holds it to that.
pub const ORIGINALS_QUERY: &str = "SELECT e.aggregate_id, e.transaction_id::text AS txid, \
     e.position, e.recorded_at \
     FROM UNNEST($2::text[]) AS u(id) \
     JOIN events e ON e.aggregate_type = (SELECT $1::text) AND e.aggregate_id = u.id \
                    AND e.sequence = 1";

/// Records the departments of the events this transaction inserted (records and case events) (`$1`: the departments,
/// `$2`: the events' positions, pairwise). The events were written by this transaction, so
/// their transaction id is its own.
pub(crate) const CONCERNED_QUERY: &str =
    "INSERT INTO event_departments (department_id, transaction_id, position) \
     SELECT u.d, pg_current_xact_id(), u.p FROM UNNEST($1::text[], $2::bigint[]) AS u(d, p)";

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    /// Stored now.
    Stored,
    /// Its record id was stored before (or earlier in the same batch): nothing stored.
    Duplicate,
    /// Refused by a rule: nothing stored.
    Rejected,
}

/// The result for one record of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// Its place in the batch (from 0).
    pub index: usize,
    /// Its record id, if it had a readable one.
    pub record_id: Option<String>,
    /// What became of it.
    pub status: RecordStatus,
    /// Why it was rejected.
    pub rejection: Option<RecordRejection>,
    /// The stored event's place in the global order (for a duplicate: the original's).
    pub cursor: Option<Cursor>,
    /// When the stored record was recorded (for a duplicate: the original's time).
    pub recorded_at: Option<DateTime<Utc>>,
}

/// The result of a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutcome {
    /// One per record, in the batch's order.
    pub outcomes: Vec<RecordOutcome>,
    /// How many were stored now.
    pub stored: usize,
    /// How many were duplicates.
    pub duplicates: usize,
    /// How many were rejected.
    pub rejected: usize,
    /// The last stored event's place in the global order (wait for it to read your writes).
    pub cursor: Option<Cursor>,
}

/// Writes batches of records.
#[derive(Debug, Clone)]
pub struct Ingestor {
    pool: PgPool,
    structures: StructureCache,
}

struct Row_ {
    stream: String,
    payload: String,
    metadata: String,
    /// The departments the record concerns ([`Concerns`]).
    departments: Vec<CreditCode>,
}

impl Ingestor {
    /// An ingestor writing to `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            structures: StructureCache::default(),
        }
    }

    /// Checks and stores a batch (at most [`MAX_BATCH`] records; larger batches are the
    /// caller's error) in one transaction. Records that failed to parse come in as their
    /// rejection and are reported in place.
    pub async fn ingest(
        &self,
        batch: Vec<(Option<String>, Result<RecordInput, RecordRejection>)>,
        meta: &CommandMetadata,
    ) -> Result<BatchOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&mut *tx)
            .await?;
        let mut departments: Vec<CreditCode> = batch
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().map(|i| i.department_id.clone()))
            .collect();
        departments.sort();
        departments.dedup();
        let structure = self.structures.snapshot(&mut tx, &departments).await?;

        let mut outcomes = Vec::with_capacity(batch.len());
        let mut rows: Vec<Row_> = Vec::new();
        let mut row_of: Vec<Option<usize>> = Vec::with_capacity(batch.len());
        for (index, (record_id, parsed)) in batch.into_iter().enumerate() {
            let checked = parsed.and_then(|input| validate(input, &structure, now));
            let record = match checked {
                Ok(record) => record,
                Err(rejection) => {
                    outcomes.push(RecordOutcome {
                        index,
                        record_id,
                        status: RecordStatus::Rejected,
                        rejection: Some(rejection),
                        cursor: None,
                        recorded_at: None,
                    });
                    row_of.push(None);
                    continue;
                }
            };
            let stream = record.stream_id();
            let departments = record.departments();
            let occurred = record.occurred_at;
            let record_id = Some(record.record_id.to_string());
            // A new stream accepts any checked record; one that exists already is a duplicate,
            // found by the insert below.
            let event = PerformanceEvent::WorkRecorded { record };
            let mut meta_map = meta.to_map();
            meta_map.insert(
                metadata::EFFECTIVE_AT.to_owned(),
                occurred.to_rfc3339_opts(SecondsFormat::Micros, true),
            );
            rows.push(Row_ {
                stream,
                payload: serde_json::to_string(&event)?,
                metadata: serde_json::to_string(&meta_map)?,
                departments,
            });
            row_of.push(Some(rows.len() - 1));
            outcomes.push(RecordOutcome {
                index,
                record_id,
                status: RecordStatus::Stored,
                rejection: None,
                cursor: None,
                recorded_at: None,
            });
        }

        let mut stored: HashMap<String, (Cursor, DateTime<Utc>)> = HashMap::new();
        if !rows.is_empty() {
            // Insert in stream order: concurrent batches that share record ids then take their
            // locks in the same order and wait for each other instead of deadlocking. The sort
            // is stable, so the first of two equal ids in a batch is the one stored.
            let mut order: Vec<usize> = (0..rows.len()).collect();
            order.sort_by(|a, b| rows[*a].stream.cmp(&rows[*b].stream));
            let streams: Vec<&str> = order.iter().map(|&i| rows[i].stream.as_str()).collect();
            let payloads: Vec<&str> = order.iter().map(|&i| rows[i].payload.as_str()).collect();
            let metas: Vec<&str> = order.iter().map(|&i| rows[i].metadata.as_str()).collect();
            // Time-ordered event ids (UUID v7): the unique index on event ids grows at its end
            // instead of being written all over (random v4 ids), which matters at millions.
            let ids: Vec<uuid::Uuid> = order.iter().map(|_| uuid::Uuid::now_v7()).collect();
            let inserted = sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
                                     event_version, payload, metadata, event_id) \
                 SELECT $1, u.id, 1, $2, '1', u.p::jsonb, u.m::jsonb, u.e \
                 FROM UNNEST($3::text[], $4::text[], $5::text[], $6::uuid[]) \
                      WITH ORDINALITY AS u(id, p, m, e, n) \
                 ORDER BY u.n \
                 ON CONFLICT (aggregate_type, aggregate_id, sequence) DO NOTHING \
                 RETURNING aggregate_id, transaction_id::text AS txid, position, recorded_at",
            )
            .bind(PerformanceRecord::TYPE)
            .bind(PerformanceEvent::TYPES[0])
            .bind(&streams)
            .bind(&payloads)
            .bind(&metas)
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
            // The departments of the rows inserted now (not of duplicates): one statement.
            // `streams` is sorted, so each inserted stream's row is found by a binary search.
            let mut concerned: Vec<&str> = Vec::with_capacity(inserted.len());
            let mut positions: Vec<i64> = Vec::with_capacity(inserted.len());
            for row in &inserted {
                let stream: String = row.try_get("aggregate_id")?;
                let found = cursor_and_time(row)?;
                if let Ok(at) = streams.binary_search(&stream.as_str()) {
                    for d in &rows[order[at]].departments {
                        concerned.push(d.as_str());
                        positions.push(found.0.position());
                    }
                }
                stored.insert(stream, found);
            }
            if !concerned.is_empty() {
                sqlx::query(CONCERNED_QUERY)
                    .bind(&concerned)
                    .bind(&positions)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // Everything not inserted now was there before (or came earlier in this batch).
        let earlier: Vec<&str> = rows
            .iter()
            .filter(|r| !stored.contains_key(&r.stream))
            .map(|r| r.stream.as_str())
            .collect();
        let mut originals: HashMap<String, (Cursor, DateTime<Utc>)> = HashMap::new();
        if !earlier.is_empty() {
            let found = sqlx::query(ORIGINALS_QUERY)
                .bind(PerformanceRecord::TYPE)
                .bind(&earlier)
                .fetch_all(&mut *tx)
                .await?;
            for row in &found {
                originals.insert(row.try_get("aggregate_id")?, cursor_and_time(row)?);
            }
        }
        tx.commit().await?;

        let mut out = BatchOutcome::default();
        let mut claimed: HashMap<&str, ()> = HashMap::new();
        for (outcome, row) in outcomes.iter_mut().zip(&row_of) {
            let Some(row) = row else {
                out.rejected += 1;
                continue;
            };
            let stream = rows[*row].stream.as_str();
            let first_here = claimed.insert(stream, ()).is_none();
            match stored.get(stream) {
                Some(&(cursor, at)) if first_here => {
                    outcome.cursor = Some(cursor);
                    outcome.recorded_at = Some(at);
                    out.stored += 1;
                    out.cursor = Some(out.cursor.map_or(cursor, |c: Cursor| c.max(cursor)));
                }
                Some(&(cursor, at)) => {
                    outcome.status = RecordStatus::Duplicate;
                    outcome.cursor = Some(cursor);
                    outcome.recorded_at = Some(at);
                    out.duplicates += 1;
                }
                None => {
                    outcome.status = RecordStatus::Duplicate;
                    if let Some(&(cursor, at)) = originals.get(stream) {
                        outcome.cursor = Some(cursor);
                        outcome.recorded_at = Some(at);
                    }
                    out.duplicates += 1;
                }
            }
        }
        out.outcomes = outcomes;
        Ok(out)
    }

    /// The structures this ingestor checks against (shared with [`correct`]).
    pub fn structures(&self) -> &StructureCache {
        &self.structures
    }
}

pub(crate) fn cursor_and_time(
    row: &sqlx::postgres::PgRow,
) -> Result<(Cursor, DateTime<Utc>), StoreError> {
    let txid: String = row.try_get("txid")?;
    Ok((
        Cursor::new(
            txid.parse().map_err(|_| StoreError::InvalidCursor)?,
            row.try_get("position")?,
        ),
        row.try_get("recorded_at")?,
    ))
}

/// Why a correction or void was refused.
#[derive(Debug, thiserror::Error)]
pub enum AmendError {
    /// The corrected record breaks a rule.
    #[error(transparent)]
    Rejected(RecordRejection),
    /// The record's stream refused.
    #[error(transparent)]
    Command(#[from] CommandError<PerformanceError>),
}

/// Corrects a stored record: the new version is checked like a new record (same department and
/// record id), then replaces the one in force; the event carries both and the reason.
pub async fn correct(
    store: &EventStore,
    structures: &StructureCache,
    input: RecordInput,
    reason: Text,
    meta: &CommandMetadata,
) -> Result<Executed, AmendError> {
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(StoreError::from)
        .map_err(CommandError::from)?;
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *conn)
        .await
        .map_err(StoreError::from)
        .map_err(CommandError::from)?;
    let structure = structures
        .snapshot(&mut conn, std::slice::from_ref(&input.department_id))
        .await
        .map_err(CommandError::from)?;
    drop(conn);
    let record = validate(input, &structure, now).map_err(AmendError::Rejected)?;
    let stream = record.stream_id();
    let mut meta = meta.clone();
    meta.reason = Some(reason.as_str().to_owned());
    meta.effective_at = None;
    Ok(store
        .execute::<PerformanceRecord>(
            &stream,
            PerformanceCommand::Correct { record, reason },
            &meta,
        )
        .await?)
}

/// Voids a stored record: it no longer counts; the event carries it and the reason.
pub async fn void(
    store: &EventStore,
    department: &CreditCode,
    record_id: &EntityId,
    reason: Text,
    meta: &CommandMetadata,
) -> Result<Executed, AmendError> {
    let stream = dutyledger_domain::performance::stream_id(department, record_id);
    let mut meta = meta.clone();
    meta.reason = Some(reason.as_str().to_owned());
    meta.effective_at = None;
    Ok(store
        .execute::<PerformanceRecord>(&stream, PerformanceCommand::Void { reason }, &meta)
        .await?)
}
