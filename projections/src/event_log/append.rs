//! Executing commands against event-sourced aggregates, with snapshots.
//!
//! Reads go through postgres-es's [`PostgresEventRepository`] (snapshot, then the events after
//! it). Writes are our own single transaction: the events (one multi-row insert) and, every
//! `snapshot_every` events, the snapshot of the state *after* the command. We do not use
//! cqrs-es's `PersistedEventStore::commit` for writing: in 0.5 it applies the new events a
//! second time to build the snapshot, and postgres-es checks the snapshot update only after
//! committing (see `ops/adr/0002-command-executor.md`).

use std::time::Duration;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventRepository;
use cqrs_es::{Aggregate, DomainEvent};
use dutyledger_domain::metadata::CommandMetadata;
use postgres_es::PostgresEventRepository;
use sqlx::{PgPool, Row};

use super::Cursor;
use crate::StoreError;

/// How many times a command is retried when another writer appended to its stream between
/// loading and committing.
const MAX_ATTEMPTS: usize = 8;

/// A command that could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    /// The aggregate refused it: a business rule.
    #[error(transparent)]
    Rejected(E),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An aggregate as loaded for a command.
#[derive(Debug)]
pub struct Loaded<A> {
    /// Its state.
    pub aggregate: A,
    /// The sequence of its last event (0 if none).
    pub sequence: usize,
    /// The sequence covered by the snapshot it was loaded from (0 if none).
    pub snapshot_sequence: usize,
    /// The snapshot counter (postgres-es's `current_snapshot`; 0 if none).
    pub snapshot_number: usize,
    /// How many events were read and applied on top of the snapshot.
    pub events_replayed: usize,
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// How many events it appended (0: it changed nothing).
    pub events: usize,
    /// The place of its last event in the global order (`None` if it appended none).
    pub cursor: Option<Cursor>,
    /// How many stored events were replayed to load the aggregate (bounded by snapshots).
    pub events_replayed: usize,
    /// The stream's sequence after the command.
    pub sequence: usize,
}

/// The event store: loads aggregates and appends the events of their commands.
#[derive(Clone)]
pub struct EventStore {
    pool: PgPool,
    snapshot_every: usize,
}

impl std::fmt::Debug for EventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStore")
            .field("snapshot_every", &self.snapshot_every)
            .finish_non_exhaustive()
    }
}

impl EventStore {
    /// The default snapshot interval, in events.
    pub const DEFAULT_SNAPSHOT_EVERY: usize = 100;

    /// An event store on `pool`, snapshotting every [`Self::DEFAULT_SNAPSHOT_EVERY`] events.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            snapshot_every: Self::DEFAULT_SNAPSHOT_EVERY,
        }
    }

    /// Changes the snapshot interval (at least 1).
    pub fn with_snapshot_every(mut self, events: usize) -> Self {
        self.snapshot_every = events.max(1);
        self
    }

    /// The pool this store writes to.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn repo(&self) -> PostgresEventRepository {
        PostgresEventRepository::new(self.pool.clone())
    }

    /// Loads an aggregate: its latest snapshot, then the events after it. A snapshot that no
    /// longer deserialises (the state's shape changed) is ignored and the stream replayed.
    pub async fn load<A: Aggregate>(&self, aggregate_id: &str) -> Result<Loaded<A>, StoreError> {
        let repo = self.repo();
        let snapshot = repo.get_snapshot::<A>(aggregate_id).await?;
        let (mut aggregate, snapshot_sequence, snapshot_number) = match snapshot {
            Some(s) => match serde_json::from_value::<A>(s.aggregate) {
                Ok(a) => (a, s.current_sequence, s.current_snapshot),
                Err(error) => {
                    tracing::warn!(%error, aggregate_type = A::TYPE, aggregate_id, "snapshot unreadable, replaying the stream");
                    (A::default(), 0, s.current_snapshot)
                }
            },
            None => (A::default(), 0, 0),
        };
        let events = repo
            .get_last_events::<A>(aggregate_id, snapshot_sequence)
            .await?;
        let events_replayed = events.len();
        let mut sequence = snapshot_sequence;
        for event in events {
            let payload: A::Event =
                serde_json::from_value(event.payload).map_err(|e| StoreError::UnreadableEvent {
                    event_type: event.event_type.clone(),
                    event_version: event.event_version.clone(),
                    reason: e.to_string(),
                })?;
            aggregate.apply(payload);
            sequence = event.sequence;
        }
        Ok(Loaded {
            aggregate,
            sequence,
            snapshot_sequence,
            snapshot_number,
            events_replayed,
        })
    }

    /// Executes a command: loads the aggregate, lets it decide, and appends its events (and a
    /// snapshot when due) in one transaction. Retries from a fresh load when another writer
    /// appended to the stream meanwhile. Nothing is written when the aggregate refuses.
    #[tracing::instrument(skip_all, fields(aggregate_type = A::TYPE, aggregate_id))]
    pub async fn execute<A>(
        &self,
        aggregate_id: &str,
        command: A::Command,
        services: &A::Services,
        metadata: &CommandMetadata,
    ) -> Result<Executed, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let metadata = serde_json::to_value(metadata.to_map()).map_err(StoreError::from)?;
        for attempt in 0..MAX_ATTEMPTS {
            let loaded = self.load::<A>(aggregate_id).await?;
            let mut aggregate = loaded.aggregate;
            let sink = EventSink::<A>::default();
            aggregate
                .handle(command.clone(), services, &sink)
                .await
                .map_err(CommandError::Rejected)?;
            let events = sink.collect().await;
            if events.is_empty() {
                return Ok(Executed {
                    events: 0,
                    cursor: None,
                    events_replayed: loaded.events_replayed,
                    sequence: loaded.sequence,
                });
            }
            let new_sequence = loaded.sequence + events.len();
            let snapshot = (new_sequence - loaded.snapshot_sequence >= self.snapshot_every)
                .then(|| serde_json::to_value(&aggregate))
                .transpose()
                .map_err(StoreError::from)?;
            match self
                .append::<A>(
                    aggregate_id,
                    loaded.sequence,
                    &events,
                    &metadata,
                    snapshot.map(|s| (s, loaded.snapshot_number + 1)),
                )
                .await
            {
                Ok(cursor) => {
                    return Ok(Executed {
                        events: events.len(),
                        cursor: Some(cursor),
                        events_replayed: loaded.events_replayed,
                        sequence: new_sequence,
                    })
                }
                Err(e) if e.is_unique_violation() => {
                    tracing::debug!(attempt, "concurrent append, retrying");
                    tokio::time::sleep(Duration::from_millis(2 << attempt.min(6))).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Appends events after `last_sequence` (failing with a unique violation if the stream has
    /// moved on), and the snapshot if given, in one transaction. Returns the last event's cursor.
    async fn append<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
        events: &[A::Event],
        metadata: &serde_json::Value,
        snapshot: Option<(serde_json::Value, usize)>,
    ) -> Result<Cursor, StoreError> {
        let mut sequences = Vec::with_capacity(events.len());
        let mut types = Vec::with_capacity(events.len());
        let mut versions = Vec::with_capacity(events.len());
        let mut payloads = Vec::with_capacity(events.len());
        for (i, event) in events.iter().enumerate() {
            sequences.push((last_sequence + i + 1) as i64);
            types.push(event.event_type());
            versions.push(event.event_version());
            payloads.push(serde_json::to_value(event)?);
        }
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
             SELECT $1, $2, u.s, u.t, u.v, u.p, $7 \
             FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::jsonb[]) WITH ORDINALITY AS u(s, t, v, p, n) \
             ORDER BY u.n \
             RETURNING transaction_id::text AS txid, position",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .bind(&sequences)
        .bind(&types)
        .bind(&versions)
        .bind(&payloads)
        .bind(metadata)
        .fetch_all(&mut *tx)
        .await?;
        let mut last = Cursor::START;
        for row in &rows {
            let txid: String = row.try_get("txid")?;
            let cursor = Cursor::new(
                txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                row.try_get("position")?,
            );
            last = last.max(cursor);
        }
        if let Some((state, number)) = snapshot {
            sqlx::query(
                "INSERT INTO snapshots (aggregate_type, aggregate_id, last_sequence, current_snapshot, payload) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE \
                 SET last_sequence = EXCLUDED.last_sequence, current_snapshot = EXCLUDED.current_snapshot, \
                     payload = EXCLUDED.payload, taken_at = now() \
                 WHERE snapshots.last_sequence < EXCLUDED.last_sequence",
            )
            .bind(A::TYPE)
            .bind(aggregate_id)
            .bind((last_sequence + events.len()) as i64)
            .bind(number as i64)
            .bind(&state)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(last)
    }
}
