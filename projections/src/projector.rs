//! The projector: applies the global order to the read models.
//!
//! - Exactly one active instance per database: it holds a session advisory lock on its own
//!   connection and does all its work on that connection, so if the connection dies the lock is
//!   released and another instance (waiting in standby) takes over.
//! - Each projection has a checkpoint, updated in the same transaction as its read model:
//!   every event takes effect exactly once, across crashes.
//! - New commits wake it at once (LISTEN `dutyledger_events`); polling is only the fallback.
//! - A projection that fails on an event stops there (the transaction rolls back) and is
//!   retried with back-off; the event is never skipped. The error is logged.
//! - After each batch it notifies `dutyledger_projected`; [`ProjectionWatch`] follows that to
//!   let writers wait for their own events (read-your-writes).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection, PgPool, Row};
use tokio::sync::watch;

use crate::event_log::{self, Cursor, StoredEvent};
use crate::StoreError;

/// The advisory lock key of the active projector ("dutyledger projector").
pub const PROJECTOR_LOCK_KEY: i64 = 0x6475_7479_7072_6f6a;
/// Channel notified by the event log's insert trigger.
pub const EVENTS_CHANNEL: &str = "dutyledger_events";
/// How long committed events may wait behind an open transaction before it is reported.
pub const HELD_BACK_WARNING: Duration = Duration::from_secs(10);
/// Channel the projector notifies after each committed batch.
pub const PROJECTED_CHANNEL: &str = "dutyledger_projected";

/// A read model fed by the projector.
#[async_trait]
pub trait Projection: Send + Sync {
    /// Its name (the checkpoint key); never renamed.
    fn name(&self) -> &'static str;

    /// Applies one event inside the projector's transaction. Events the projection does not
    /// use are ignored. An error stops the projection at this event.
    async fn apply(&self, conn: &mut PgConnection, event: &StoredEvent) -> Result<(), StoreError>;

    /// Applies a batch of events (in global order) inside the projector's transaction. The
    /// default applies them one by one; a projection that can aggregate (rollups) overrides it.
    /// An error rolls the whole batch back.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), StoreError> {
        for event in events {
            self.apply(conn, event).await.map_err(|error| {
                tracing::error!(
                    projection = self.name(),
                    event_id = %event.event_id,
                    event_type = %event.event_type,
                    %error,
                    "projection failed on an event; it stays before this event"
                );
                error
            })?;
        }
        Ok(())
    }

    /// The aggregate types (streams) it reads; `None`: every event. The projector then reads
    /// only those, and still moves the checkpoint past everything else.
    fn streams(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// Events per transaction, if not the projector's default.
    fn batch_size(&self) -> Option<i64> {
        None
    }

    /// Whether it reads lean: no metadata, and the payload as text in
    /// [`StoredEvent::raw_payload`] (`payload` null) to decode straight into its event type
    /// (only for projections that name their [`Projection::streams`]).
    fn reads_lean(&self) -> bool {
        false
    }

    /// Forgets any in-memory state: the transaction it was built in did not commit.
    fn reset(&self) {}
}

/// Settings of the projector.
#[derive(Debug, Clone)]
pub struct ProjectorSettings {
    /// Events per transaction.
    pub batch_size: i64,
    /// Fallback poll interval when no notification arrives.
    pub poll_interval: Duration,
    /// How often a standby instance tries to take over.
    pub standby_interval: Duration,
}

impl Default for ProjectorSettings {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_millis(500),
            standby_interval: Duration::from_secs(1),
        }
    }
}

/// The projector.
#[derive(Clone)]
pub struct Projector {
    pool: PgPool,
    projections: Vec<Arc<dyn Projection>>,
    settings: ProjectorSettings,
}

impl std::fmt::Debug for Projector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projector")
            .field(
                "projections",
                &self
                    .projections
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>(),
            )
            .field("settings", &self.settings)
            .finish()
    }
}

impl Projector {
    /// A projector over `projections`.
    pub fn new(pool: PgPool, projections: Vec<Arc<dyn Projection>>) -> Self {
        Self {
            pool,
            projections,
            settings: ProjectorSettings::default(),
        }
    }

    /// Changes the settings.
    pub fn with_settings(mut self, settings: ProjectorSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The names of its projections.
    pub fn projection_names(&self) -> Vec<&'static str> {
        self.projections.iter().map(|p| p.name()).collect()
    }

    /// Runs until the task is dropped: waits to become the active instance, then follows the
    /// log. Connection failures are logged and retried; nothing is skipped.
    pub async fn run(self) {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.run_active().await {
                Ok(()) => return,
                Err(error) => {
                    tracing::error!(%error, "projector stopped; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    async fn run_active(&self) -> Result<(), StoreError> {
        let mut conn = PgConnection::connect_with(&self.pool.connect_options()).await?;
        loop {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(PROJECTOR_LOCK_KEY)
                .fetch_one(&mut conn)
                .await?;
            if locked {
                break;
            }
            tokio::time::sleep(self.settings.standby_interval).await;
        }
        tracing::info!(projections = ?self.projection_names(), "projector active");
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(EVENTS_CHANNEL).await?;
        let mut held_wait = Duration::from_millis(2);
        let mut held_since: Option<std::time::Instant> = None;
        loop {
            self.catch_up(&mut conn).await?;
            let oldest = self.min_checkpoint(&mut conn).await?;
            if event_log::held_back(&mut conn, Some(oldest)).await? {
                // Committed events wait behind an older open transaction: poll briefly, and
                // report the transaction if it keeps the horizon back for long.
                let since = *held_since.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() > HELD_BACK_WARNING {
                    if let Ok(Some(t)) = crate::monitor::oldest_transaction(&self.pool).await {
                        tracing::warn!(
                            pid = t.pid,
                            age_seconds = t.age_seconds,
                            state = t.state.as_deref().unwrap_or(""),
                            application = t.application_name.as_deref().unwrap_or(""),
                            database = t.database.as_deref().unwrap_or(""),
                            "an open transaction holds the event horizon back; readers wait for it"
                        );
                    }
                    held_since = Some(std::time::Instant::now());
                }
                tokio::time::sleep(held_wait).await;
                held_wait = (held_wait * 2).min(Duration::from_millis(100));
                continue;
            }
            held_since = None;
            held_wait = Duration::from_millis(2);
            match tokio::time::timeout(self.settings.poll_interval, listener.recv()).await {
                Ok(Ok(_)) | Err(_) => {}
                Ok(Err(error)) => return Err(error.into()),
            }
        }
    }

    /// Applies everything visible now, batch by batch, for every projection. Returns how many
    /// events were applied (summed over projections). Projections take turns, one batch each,
    /// so a long backlog of one stream (a bulk import of records) does not hold the others
    /// back. A failing projection stops where it failed and the call returns its error once the
    /// others are done; what was committed stays.
    pub async fn catch_up(&self, conn: &mut PgConnection) -> Result<u64, StoreError> {
        let mut applied = 0;
        let mut first_error = None;
        let mut pending: Vec<&Arc<dyn Projection>> = self.projections.iter().collect();
        while !pending.is_empty() {
            let mut still = Vec::with_capacity(pending.len());
            for projection in pending {
                match self.run_batch(conn, projection.as_ref()).await {
                    Ok(n) => {
                        applied += n;
                        if n >= self.batch_size(projection.as_ref()) as u64 {
                            still.push(projection);
                        }
                    }
                    // This projection stays before its failing event; the others go on.
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            pending = still;
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(applied),
        }
    }

    /// Runs one batch for every projection; returns how many events were applied.
    pub async fn step(&self, conn: &mut PgConnection) -> Result<u64, StoreError> {
        let mut applied = 0;
        for projection in &self.projections {
            applied += self.run_batch(conn, projection.as_ref()).await?;
        }
        Ok(applied)
    }

    /// Catch up on a fresh connection (tests, CLI).
    pub async fn catch_up_once(&self) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.catch_up(&mut conn).await
    }

    /// Catches up, again and again, until every projection has applied the event at `cursor`
    /// or `timeout` has passed; returns whether it got there. A single [`Self::catch_up_once`]
    /// applies only what lies below the horizon at that moment, and any transaction anywhere
    /// on the server that holds a transaction id (an `ANALYZE`, another database's writer)
    /// holds the horizon back: a caller that must see its own writes waits for their cursor.
    pub async fn catch_up_through(
        &self,
        cursor: Cursor,
        timeout: Duration,
    ) -> Result<bool, StoreError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let names = self.projection_names();
        let mut pause = Duration::from_millis(1);
        loop {
            let mut conn = self.pool.acquire().await?;
            self.catch_up(&mut conn).await?;
            if min_checkpoint(&mut conn, &names).await? >= cursor {
                return Ok(true);
            }
            drop(conn);
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// Catches up through the last event committed when it is called (see
    /// [`Self::catch_up_through`]).
    pub async fn catch_up_through_head(&self, timeout: Duration) -> Result<bool, StoreError> {
        let head = {
            let mut conn = self.pool.acquire().await?;
            event_log::head(&mut conn).await?
        };
        match head {
            Some(head) => self.catch_up_through(head, timeout).await,
            None => Ok(true),
        }
    }

    async fn run_batch(
        &self,
        conn: &mut PgConnection,
        projection: &dyn Projection,
    ) -> Result<u64, StoreError> {
        let result = self.try_batch(conn, projection).await;
        if result.is_err() {
            projection.reset();
        }
        result
    }

    async fn try_batch(
        &self,
        conn: &mut PgConnection,
        projection: &dyn Projection,
    ) -> Result<u64, StoreError> {
        let mut tx = conn.begin().await?;
        // Read before taking the checkpoint's row lock: the lock gives this transaction an id,
        // which would hold the horizon back for its own read.
        let seen = read_checkpoint(&mut tx, projection.name()).await?;
        let batch_size = self.batch_size(projection);
        let (events, last) = match projection.streams() {
            None => {
                let events = event_log::read_after(&mut tx, Some(seen), batch_size).await?;
                let last = events.last().map(|e| e.cursor);
                (events, last)
            }
            Some(streams) => {
                event_log::read_streams_after(
                    &mut tx,
                    seen,
                    streams,
                    batch_size,
                    projection.reads_lean(),
                )
                .await?
            }
        };
        let Some(last) = last else {
            return Ok(0);
        };
        let checkpoint = lock_checkpoint(&mut tx, projection.name()).await?;
        if checkpoint != seen {
            // Another instance (a rebuild's verification, a catch-up) moved it meanwhile.
            return Ok(0);
        }
        projection.apply_batch(&mut tx, &events).await?;
        sqlx::query(
            "UPDATE projector_checkpoints \
             SET last_transaction_id = $2::text::xid8, last_position = $3, \
                 events_applied = events_applied + $4, updated_at = now() \
             WHERE projection = $1",
        )
        .bind(projection.name())
        .bind(last.transaction_id().to_string())
        .bind(last.position())
        .bind(events.len() as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(PROJECTED_CHANNEL)
            .bind(projection.name())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(events.len() as u64)
    }

    async fn min_checkpoint(&self, conn: &mut PgConnection) -> Result<Cursor, StoreError> {
        min_checkpoint(conn, &self.projection_names()).await
    }

    fn batch_size(&self, projection: &dyn Projection) -> i64 {
        projection
            .batch_size()
            .unwrap_or(self.settings.batch_size)
            .max(1)
    }
}

async fn read_checkpoint(conn: &mut PgConnection, name: &str) -> Result<Cursor, StoreError> {
    let row = sqlx::query(
        "SELECT last_transaction_id::text AS txid, last_position FROM projector_checkpoints \
         WHERE projection = $1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map_or(Ok(Cursor::START), cursor_from_row)
}

async fn lock_checkpoint(conn: &mut PgConnection, name: &str) -> Result<Cursor, StoreError> {
    sqlx::query(
        "INSERT INTO projector_checkpoints (projection) VALUES ($1) ON CONFLICT DO NOTHING",
    )
    .bind(name)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "SELECT last_transaction_id::text AS txid, last_position FROM projector_checkpoints \
         WHERE projection = $1 FOR UPDATE",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    cursor_from_row(&row)
}

fn cursor_from_row(row: &sqlx::postgres::PgRow) -> Result<Cursor, StoreError> {
    let txid: String = row.try_get("txid")?;
    Ok(Cursor::new(
        txid.parse().map_err(|_| StoreError::InvalidCursor)?,
        row.try_get("last_position")?,
    ))
}

/// The lowest checkpoint among `names` (a projection without a checkpoint counts as the start).
pub async fn min_checkpoint(conn: &mut PgConnection, names: &[&str]) -> Result<Cursor, StoreError> {
    let rows = sqlx::query(
        "SELECT last_transaction_id::text AS txid, last_position FROM projector_checkpoints \
         WHERE projection = ANY($1)",
    )
    .bind(names)
    .fetch_all(&mut *conn)
    .await?;
    if rows.len() < names.len() {
        return Ok(Cursor::START);
    }
    let mut min: Option<Cursor> = None;
    for row in &rows {
        let c = cursor_from_row(row)?;
        min = Some(min.map_or(c, |m| m.min(c)));
    }
    Ok(min.unwrap_or(Cursor::START))
}

/// Follows the projector's progress so that writers can wait until their events are visible in
/// every read model (read-your-writes). One per process; cheap to clone.
#[derive(Debug, Clone)]
pub struct ProjectionWatch {
    rx: watch::Receiver<Cursor>,
}

impl ProjectionWatch {
    /// Starts following the checkpoints of `names` (LISTEN, with polling as a fallback).
    pub fn spawn(pool: PgPool, names: Vec<&'static str>) -> Self {
        Self::spawn_groups(pool, vec![names])
            .pop()
            .expect("one watch per group")
    }

    /// Starts following several groups of projections with one listening connection (each
    /// watch holds a connection of the pool for as long as the process runs, so a watch per
    /// group would take a connection each): one watch per group, in order.
    pub fn spawn_groups(pool: PgPool, groups: Vec<Vec<&'static str>>) -> Vec<Self> {
        let (txs, watches): (Vec<_>, Vec<_>) = groups
            .iter()
            .map(|_| {
                let (tx, rx) = watch::channel(Cursor::START);
                (tx, Self { rx })
            })
            .unzip();
        tokio::spawn(follow(pool, groups, txs));
        watches
    }

    /// The lowest checkpoint seen so far.
    pub fn current(&self) -> Cursor {
        *self.rx.borrow()
    }

    /// Waits until every projection has applied the event at `cursor`, at most `timeout`.
    /// Returns whether it has.
    pub async fn wait_for(&self, cursor: Cursor, timeout: Duration) -> bool {
        let mut rx = self.rx.clone();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|c| *c >= cursor)).await;
        matches!(reached, Ok(Ok(_)))
    }
}

async fn follow(pool: PgPool, groups: Vec<Vec<&'static str>>, txs: Vec<watch::Sender<Cursor>>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let result: Result<(), StoreError> = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(PROJECTED_CHANNEL).await?;
            loop {
                let mut conn = pool.acquire().await?;
                for (names, tx) in groups.iter().zip(&txs) {
                    let current = min_checkpoint(&mut conn, names).await?;
                    tx.send_if_modified(|c| {
                        let changed = *c != current;
                        *c = current;
                        changed
                    });
                }
                drop(conn);
                if txs.iter().all(|tx| tx.is_closed()) {
                    return Ok(());
                }
                match tokio::time::timeout(Duration::from_millis(250), listener.recv()).await {
                    Ok(Ok(_)) | Err(_) => {}
                    Ok(Err(e)) => return Err(e.into()),
                }
            }
        }
        .await;
        match result {
            Ok(()) => return,
            Err(error) => {
                tracing::warn!(%error, "projection watch lost its connection; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
