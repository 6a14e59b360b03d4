//! Executing commands against event-sourced aggregates, with snapshots.
//!
//! Reads go through postgres-es's [`PostgresEventRepository`] (snapshot, then the events after
//! it). Writes are our own single transaction: the events (one multi-row insert) and, every
//! `snapshot_every` events, the snapshot of the state *after* the command. We do not use
//! cqrs-es's `PersistedEventStore::commit` for writing: in 0.5 it applies the new events a
//! second time to build the snapshot, and postgres-es checks the snapshot update only after
//! committing (see `ops/adr/0002-command-executor.md`).
//!
//! With the events, the same statement records the departments they concern
//! (`event_departments`, DESIGN.md rule 8, ADR 0010), as the aggregate's state after the events
//! says ([`Concerns`]).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cqrs_es::persist::PersistedEventRepository;
use cqrs_es::{Aggregate, DomainEvent};
use dutyledger_domain::concerns::Concerns;
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::timeline::{self, Decide, Temporal};
use postgres_es::PostgresEventRepository;
use sqlx::{PgConnection, PgPool, Row};

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
    /// When the appended events take effect (valid time), as stored.
    pub effective_at: Option<DateTime<Utc>>,
}

/// The event store: loads aggregates and appends the events of their commands.
#[derive(Clone)]
pub struct EventStore {
    pool: PgPool,
    snapshot_every: usize,
    cache: Arc<Mutex<HashMap<(&'static str, String), Cached>>>,
}

/// The last state this process loaded or wrote for a stream: a snapshot kept in memory. It is
/// only a starting point: every load still reads the events after it from the database, so
/// other writers (other processes) are never missed.
struct Cached {
    state: Box<dyn Any + Send + Sync>,
    sequence: usize,
    snapshot_sequence: usize,
    snapshot_number: usize,
}

/// Streams kept in memory before the cache is emptied.
const CACHE_CAPACITY: usize = 4096;

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
            cache: Arc::default(),
        }
    }

    fn cached<A: Clone + 'static>(&self, aggregate_id: &str) -> Option<Loaded<A>> {
        let cache = self.cache.lock().ok()?;
        let c = cache.get(&(std::any::type_name::<A>(), aggregate_id.to_owned()))?;
        let state = c.state.downcast_ref::<A>()?.clone();
        Some(Loaded {
            aggregate: state,
            sequence: c.sequence,
            snapshot_sequence: c.snapshot_sequence,
            snapshot_number: c.snapshot_number,
            events_replayed: 0,
        })
    }

    fn remember<A: Clone + Send + Sync + 'static>(&self, aggregate_id: &str, loaded: &Loaded<A>) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(
                (std::any::type_name::<A>(), aggregate_id.to_owned()),
                Cached {
                    state: Box::new(loaded.aggregate.clone()),
                    sequence: loaded.sequence,
                    snapshot_sequence: loaded.snapshot_sequence,
                    snapshot_number: loaded.snapshot_number,
                },
            );
        }
    }

    fn forget<A: 'static>(&self, aggregate_id: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&(std::any::type_name::<A>(), aggregate_id.to_owned()));
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

    /// Loads an aggregate: the state this process last saw (or else its latest snapshot), then
    /// the events after it, folded in valid-time order (see [`EventStore::catch_up`]).
    pub async fn load<A>(&self, aggregate_id: &str) -> Result<Loaded<A>, StoreError>
    where
        A: Aggregate + Decide<Event = <A as Aggregate>::Event> + Temporal + 'static,
    {
        let base = match self.cached::<A>(aggregate_id) {
            Some(cached) => cached,
            None => self.load_snapshot::<A>(aggregate_id).await?,
        };
        let mut conn = self.pool.acquire().await?;
        let loaded = self.catch_up(&mut conn, aggregate_id, base).await?;
        self.remember(aggregate_id, &loaded);
        Ok(loaded)
    }

    /// The latest snapshot, or an empty state. A snapshot that no longer deserialises (the
    /// state's shape changed) is ignored and the stream will be replayed.
    async fn load_snapshot<A>(&self, aggregate_id: &str) -> Result<Loaded<A>, StoreError>
    where
        A: Aggregate,
    {
        let snapshot = self.repo().get_snapshot::<A>(aggregate_id).await?;
        let (aggregate, snapshot_sequence, snapshot_number) = match snapshot {
            Some(s) => match serde_json::from_value::<A>(s.aggregate) {
                Ok(a) => (a, s.current_sequence, s.current_snapshot),
                Err(error) => {
                    tracing::warn!(%error, aggregate_type = A::TYPE, aggregate_id, "snapshot unreadable, replaying the stream");
                    (A::default(), 0, s.current_snapshot)
                }
            },
            None => (A::default(), 0, 0),
        };
        Ok(Loaded {
            aggregate,
            sequence: snapshot_sequence,
            snapshot_sequence,
            snapshot_number,
            events_replayed: 0,
        })
    }

    /// Brings a state up to date with the events after its sequence, read on `conn`. If one
    /// of them is effective before what the state already holds (a backdated event), the whole
    /// stream is replayed in valid-time order instead.
    pub async fn catch_up<A>(
        &self,
        conn: &mut PgConnection,
        aggregate_id: &str,
        mut loaded: Loaded<A>,
    ) -> Result<Loaded<A>, StoreError>
    where
        A: Aggregate + Decide<Event = <A as Aggregate>::Event> + Temporal,
    {
        let events = super::read_timed::<A>(conn, aggregate_id, loaded.sequence).await?;
        let mut running = loaded.aggregate.max_effective();
        let in_order = events.iter().all(|e| {
            let ok = running.is_none_or(|m| e.effective_at >= m);
            running = Some(running.map_or(e.effective_at, |m| m.max(e.effective_at)));
            ok
        });
        if in_order {
            loaded.events_replayed += events.len();
            for e in events {
                loaded.aggregate.note_effective(e.effective_at);
                Decide::evolve(&mut loaded.aggregate, e.event);
                loaded.sequence = e.sequence as usize;
            }
            return Ok(loaded);
        }
        tracing::debug!(
            aggregate_type = A::TYPE,
            aggregate_id,
            "backdated events: replaying the stream in valid time"
        );
        let mut history = super::read_timed::<A>(conn, aggregate_id, 0).await?;
        let sequence = history.last().map_or(0, |e| e.sequence as usize);
        let events_replayed = history.len();
        timeline::sort(&mut history);
        let mut aggregate = A::default();
        for e in history {
            aggregate.note_effective(e.effective_at);
            Decide::evolve(&mut aggregate, e.event);
        }
        Ok(Loaded {
            aggregate,
            sequence,
            snapshot_sequence: loaded.snapshot_sequence,
            snapshot_number: loaded.snapshot_number,
            events_replayed,
        })
    }

    /// Executes a command at its effective time: the metadata's, else the appending
    /// transaction's own `now()`, which the database also stores as the event's
    /// `recorded_at` and `effective_at`, so the time a command is decided at is the time it is
    /// stored at. The state is brought up to date inside that transaction. A command effective
    /// before the latest recorded effective time (a backdated correction, or a change while
    /// future-dated events wait) is decided against the state in force at its time and checked
    /// against every later event ([`timeline::decide_at`]). The events, and a snapshot when due,
    /// are appended in the same transaction; if another writer appended to the stream
    /// meanwhile, the command is decided again from a fresh load. Nothing is written when the
    /// aggregate refuses. Every event appended is recorded as concerning the departments the
    /// state after the command names ([`Concerns`]).
    ///
    /// With a client command id in the metadata, the command is safe to retry: a command whose
    /// id was already applied to this stream returns the original outcome (events, cursor,
    /// effective time) and writes nothing; the same id with another command (another rendering
    /// of the command, its effective time and reason) is refused with
    /// [`StoreError::CommandIdReused`]. The id is stored in the same transaction as the
    /// command's events (also when the command changed nothing), so concurrent duplicates are
    /// applied once: the others hit the key, retry, and find it.
    pub async fn execute<A>(
        &self,
        aggregate_id: &str,
        command: <A as Aggregate>::Command,
        metadata: &CommandMetadata,
    ) -> Result<Executed, CommandError<<A as Aggregate>::Error>>
    where
        A: Aggregate
            + Decide<
                Command = <A as Aggregate>::Command,
                Event = <A as Aggregate>::Event,
                Error = <A as Aggregate>::Error,
            > + Temporal
            + Concerns
            + 'static,
        <A as Aggregate>::Command: Clone + std::fmt::Debug,
    {
        let key = metadata.command_id.as_ref().map(|id| CommandKey {
            id: id.clone(),
            fingerprint: format!(
                "{} {command:?} at {:?} because {:?}",
                A::TYPE,
                metadata.effective_at,
                metadata.reason
            ),
        });
        self.execute_once::<A>(aggregate_id, command, metadata, key.as_ref())
            .await
    }

    #[tracing::instrument(skip_all, fields(aggregate_type = A::TYPE, aggregate_id))]
    pub async fn execute_once<A>(
        &self,
        aggregate_id: &str,
        command: <A as Aggregate>::Command,
        metadata: &CommandMetadata,
        once: Option<&CommandKey>,
    ) -> Result<Executed, CommandError<<A as Aggregate>::Error>>
    where
        A: Aggregate
            + Decide<
                Command = <A as Aggregate>::Command,
                Event = <A as Aggregate>::Event,
                Error = <A as Aggregate>::Error,
            > + Temporal
            + Concerns
            + 'static,
        <A as Aggregate>::Command: Clone,
    {
        let explicit_at = metadata.effective_at;
        let metadata = serde_json::to_value(metadata.to_map()).map_err(StoreError::from)?;
        for attempt in 0..MAX_ATTEMPTS {
            let base = self.load::<A>(aggregate_id).await?;
            let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
            let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            let Loaded {
                aggregate,
                sequence,
                snapshot_sequence,
                snapshot_number,
                events_replayed,
            } = self.catch_up(&mut tx, aggregate_id, base).await?;
            // After the stream is read: a duplicate that committed before this read is found
            // here; one that commits later makes this command's insert fail, and the retry
            // finds it.
            if let Some(key) = once {
                if let Some(done) = applied(&mut tx, A::TYPE, aggregate_id, key).await? {
                    tx.rollback().await.map_err(StoreError::from)?;
                    return Ok(done);
                }
            }
            let at = explicit_at.unwrap_or(now);
            let backdated = aggregate.max_effective().is_some_and(|m| at < m);
            let (events, state) = if backdated {
                let history = super::read_timed::<A>(&mut tx, aggregate_id, 0).await?;
                let (events, mut state) = timeline::decide_at::<A>(&history, command.clone(), at)
                    .map_err(CommandError::Rejected)?;
                for e in &history {
                    state.note_effective(e.effective_at);
                }
                (events, state)
            } else {
                let mut state = aggregate;
                let events =
                    Decide::decide(&state, command.clone()).map_err(CommandError::Rejected)?;
                for e in &events {
                    Decide::evolve(&mut state, e.clone());
                }
                (events, state)
            };
            if events.is_empty() {
                let unchanged = Executed {
                    events: 0,
                    cursor: None,
                    events_replayed,
                    sequence,
                    effective_at: None,
                };
                let Some(key) = once else {
                    tx.rollback().await.map_err(StoreError::from)?;
                    return Ok(unchanged);
                };
                let stored = remember_key(&mut tx, A::TYPE, aggregate_id, key, &unchanged).await;
                match stored.and(tx.commit().await.map_err(StoreError::from)) {
                    Ok(()) => return Ok(unchanged),
                    Err(e) if e.is_unique_violation() => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            let new_sequence = sequence + events.len();
            let departments = concerned(&state);
            let snapshot_due = backdated || new_sequence - snapshot_sequence >= self.snapshot_every;
            let appended = self
                .append::<A>(
                    &mut tx,
                    aggregate_id,
                    sequence,
                    &events,
                    &metadata,
                    &departments,
                    snapshot_due.then(|| (state.clone(), snapshot_number + 1)),
                )
                .await;
            let appended = match appended {
                Ok((cursor, effective_at)) => {
                    let done = Executed {
                        events: events.len(),
                        cursor: Some(cursor),
                        events_replayed,
                        sequence: new_sequence,
                        effective_at: Some(effective_at),
                    };
                    let stored = match once {
                        Some(key) => remember_key(&mut tx, A::TYPE, aggregate_id, key, &done).await,
                        None => Ok(()),
                    };
                    match stored {
                        Ok(()) => tx
                            .commit()
                            .await
                            .map(|()| (cursor, effective_at))
                            .map_err(StoreError::from),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            match appended {
                Ok((cursor, effective_at)) => {
                    let mut state = state;
                    state.note_effective(effective_at);
                    let (snapshot_sequence, snapshot_number) = if snapshot_due {
                        (new_sequence, snapshot_number + 1)
                    } else {
                        (snapshot_sequence, snapshot_number)
                    };
                    self.remember(
                        aggregate_id,
                        &Loaded {
                            aggregate: state,
                            sequence: new_sequence,
                            snapshot_sequence,
                            snapshot_number,
                            events_replayed: 0,
                        },
                    );
                    return Ok(Executed {
                        events: events.len(),
                        cursor: Some(cursor),
                        events_replayed,
                        sequence: new_sequence,
                        effective_at: Some(effective_at),
                    });
                }
                Err(e) if e.is_unique_violation() => {
                    tracing::debug!(attempt, "concurrent append, retrying");
                    self.forget::<A>(aggregate_id);
                    tokio::time::sleep(Duration::from_millis(2 << attempt.min(6))).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Appends events after `last_sequence` (failing with a unique violation if the stream has
    /// moved on), each recorded as concerning `departments`, and the snapshot if given, on the
    /// caller's transaction. Returns the last event's cursor and the events' effective time.
    #[allow(clippy::too_many_arguments)]
    async fn append<A: Aggregate + Temporal>(
        &self,
        conn: &mut PgConnection,
        aggregate_id: &str,
        last_sequence: usize,
        events: &[<A as Aggregate>::Event],
        metadata: &serde_json::Value,
        departments: &[String],
        snapshot: Option<(A, usize)>,
    ) -> Result<(Cursor, DateTime<Utc>), StoreError> {
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
        // One statement: the events, and for each the departments it concerns (same
        // transaction, same place in the global order).
        let rows = sqlx::query(
            "WITH appended AS ( \
               INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
               SELECT $1, $2, u.s, u.t, u.v, u.p, $7 \
               FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::jsonb[]) WITH ORDINALITY AS u(s, t, v, p, n) \
               ORDER BY u.n \
               RETURNING transaction_id, position, effective_at), \
             concerned AS ( \
               INSERT INTO event_departments (department_id, transaction_id, position) \
               SELECT d.id, a.transaction_id, a.position \
               FROM appended a CROSS JOIN UNNEST($8::text[]) AS d(id)) \
             SELECT transaction_id::text AS txid, position, effective_at FROM appended",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .bind(&sequences)
        .bind(&types)
        .bind(&versions)
        .bind(&payloads)
        .bind(metadata)
        .bind(departments)
        .fetch_all(&mut *conn)
        .await?;
        let mut last = Cursor::START;
        let mut effective: Option<DateTime<Utc>> = None;
        for row in &rows {
            let at: DateTime<Utc> = row.try_get("effective_at")?;
            effective = Some(effective.map_or(at, |e| e.max(at)));
            let txid: String = row.try_get("txid")?;
            let cursor = Cursor::new(
                txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                row.try_get("position")?,
            );
            last = last.max(cursor);
        }
        let effective = effective.ok_or(StoreError::Conflict)?;
        if let Some((mut state, number)) = snapshot {
            state.note_effective(effective);
            let state = serde_json::to_value(&state)?;
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
            .execute(&mut *conn)
            .await?;
        }
        Ok((last, effective))
    }
}

/// The departments a state's events concern, as stored: credit codes, each once.
fn concerned<A: Concerns>(state: &A) -> Vec<String> {
    let mut departments: Vec<String> = state
        .departments()
        .into_iter()
        .map(|d| d.as_str().to_owned())
        .collect();
    departments.sort();
    departments.dedup();
    departments
}

/// A client's command id and what makes two commands the same (a stable rendering of the
/// command with its effective time and reason): the key of a command safe to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandKey {
    /// The client's command id (unique within a stream).
    pub id: String,
    /// What the command was.
    pub fingerprint: String,
}

/// The outcome of the command applied under `key` to the stream, if one was (`Err` if the id
/// was used for another command).
async fn applied(
    conn: &mut PgConnection,
    aggregate_type: &str,
    aggregate_id: &str,
    key: &CommandKey,
) -> Result<Option<Executed>, StoreError> {
    let row = sqlx::query(
        "SELECT fingerprint, events, last_transaction_id::text AS txid, last_position, \
                effective_at, sequence \
         FROM command_ids WHERE aggregate_type = $1 AND aggregate_id = $2 AND command_id = $3",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(&key.id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let fingerprint: String = row.try_get("fingerprint")?;
    if fingerprint != key.fingerprint {
        return Err(StoreError::CommandIdReused(key.id.clone()));
    }
    let txid: Option<String> = row.try_get("txid")?;
    let position: Option<i64> = row.try_get("last_position")?;
    let cursor = match (txid, position) {
        (Some(t), Some(p)) => Some(Cursor::new(
            t.parse().map_err(|_| StoreError::InvalidCursor)?,
            p,
        )),
        _ => None,
    };
    let events: i32 = row.try_get("events")?;
    let sequence: i64 = row.try_get("sequence")?;
    Ok(Some(Executed {
        events: events as usize,
        cursor,
        events_replayed: 0,
        sequence: sequence as usize,
        effective_at: row.try_get("effective_at")?,
    }))
}

/// Stores the outcome of a command under its key, in the command's transaction (a unique
/// violation: a concurrent duplicate got there first).
async fn remember_key(
    conn: &mut PgConnection,
    aggregate_type: &str,
    aggregate_id: &str,
    key: &CommandKey,
    done: &Executed,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO command_ids (aggregate_type, aggregate_id, command_id, fingerprint, events, \
                                  last_transaction_id, last_position, effective_at, sequence) \
         VALUES ($1, $2, $3, $4, $5, $6::text::xid8, $7, $8, $9)",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(&key.id)
    .bind(&key.fingerprint)
    .bind(done.events as i32)
    .bind(done.cursor.map(|c| c.transaction_id().to_string()))
    .bind(done.cursor.map(|c| c.position()))
    .bind(done.effective_at)
    .bind(done.sequence as i64)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
