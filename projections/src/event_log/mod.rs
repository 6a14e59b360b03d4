//! The event log: appending (with snapshots) and reading the global order.
//!
//! The global order is `(transaction_id, position)`. A reader only reads events whose writing
//! transaction lies below `pg_snapshot_xmin(pg_current_snapshot())`: every transaction below
//! that horizon has committed or aborted, so no event can later appear before what was read. A
//! late-committing writer is therefore never skipped, and since the order is total, nothing is
//! read twice (DESIGN.md rule 3).

mod append;
mod cursor;
mod feed;

pub use append::{CommandError, CommandKey, EventStore, Executed, Loaded};
pub use cursor::Cursor;
pub use feed::{read_feed, EventNotifier, FeedFilter};

use chrono::{DateTime, Utc};
use dutyledger_domain::timeline::Timed;
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::StoreError;

/// One stored event, as readers of the global order see it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Its place in the global order.
    pub cursor: Cursor,
    /// Its unique id.
    pub event_id: Uuid,
    /// The aggregate type (stream kind), e.g. `department`.
    pub aggregate_type: String,
    /// The stream id, e.g. a department's credit code.
    pub aggregate_id: String,
    /// Its sequence number in the stream, from 1.
    pub sequence: i64,
    /// Its type, e.g. `TaskDefined`.
    pub event_type: String,
    /// Its payload version.
    pub event_version: String,
    /// The payload (externally tagged by the event type).
    pub payload: Value,
    /// Actor, request id, reason, effective time.
    pub metadata: Value,
    /// The payload as JSON text, for a projection that reads lean
    /// ([`crate::projector::Projection::reads_lean`]): it decodes it straight into its event
    /// type, and `payload` and `metadata` are then null and empty.
    pub raw_payload: Option<String>,
    /// Transaction time: when it was stored.
    pub recorded_at: DateTime<Utc>,
    /// Valid time: when it holds in the world.
    pub effective_at: DateTime<Utc>,
}

impl StoredEvent {
    /// A metadata entry as text.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(Value::as_str)
    }

    pub(crate) fn from_row(row: &PgRow) -> Result<Self, StoreError> {
        Self::from_row_with(row, None)
    }

    /// A row of [`SELECT_COLUMNS_LEAN`]: the payload comes as text.
    fn from_lean_row(row: &PgRow) -> Result<Self, StoreError> {
        Self::from_row_with(row, Some(row.try_get("payload_text")?))
    }

    fn from_row_with(row: &PgRow, raw_payload: Option<String>) -> Result<Self, StoreError> {
        let txid: String = row.try_get("txid")?;
        let txid: i64 = txid.parse().map_err(|_| StoreError::InvalidCursor)?;
        Ok(Self {
            cursor: Cursor::new(txid, row.try_get("position")?),
            event_id: row.try_get("event_id")?,
            aggregate_type: row.try_get("aggregate_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            sequence: row.try_get("sequence")?,
            event_type: row.try_get("event_type")?,
            event_version: row.try_get("event_version")?,
            payload: row.try_get("payload")?,
            metadata: row.try_get("metadata")?,
            raw_payload,
            recorded_at: row.try_get("recorded_at")?,
            effective_at: row.try_get("effective_at")?,
        })
    }
}

/// The columns of [`SELECT_COLUMNS`] for a lean reader: an empty metadata object, and the
/// payload as text (`payload_text`) instead of a JSON tree (less to transfer, decode and hold).
const SELECT_COLUMNS_LEAN: &str = "transaction_id::text AS txid, position, event_id, \
     aggregate_type, aggregate_id, sequence, event_type, event_version, \
     'null'::jsonb AS payload, payload::text AS payload_text, '{}'::jsonb AS metadata, \
     recorded_at, effective_at";

pub(crate) const SELECT_COLUMNS: &str = "transaction_id::text AS txid, position, event_id, aggregate_type, \
     aggregate_id, sequence, event_type, event_version, payload, metadata, recorded_at, effective_at";

/// Reads up to `limit` events of the global order after `after` (from the start if `None`),
/// only below the horizon of transactions that may still commit.
pub async fn read_after(
    conn: &mut PgConnection,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let after = after.unwrap_or(Cursor::START);
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM events \
         WHERE (transaction_id, position) > ($1::text::xid8, $2) \
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
         ORDER BY transaction_id, position \
         LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(after.transaction_id().to_string())
        .bind(after.position())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(StoredEvent::from_row).collect()
}

/// Reads up to `limit` events of the given streams (aggregate types) after `after`, in global
/// order, only below the horizon. Returns them with the cursor a reader may move to: the last
/// event read if the batch is full, else the last event of *any* stream below the horizon, so
/// that a reader of a few streams does not fall behind the log's head (`None`: nothing after
/// `after` at all). The head is fixed first; every transaction below it has finished, so the
/// second read sees all of them.
pub async fn read_streams_after(
    conn: &mut PgConnection,
    after: Cursor,
    streams: &[&str],
    limit: i64,
    lean: bool,
) -> Result<(Vec<StoredEvent>, Option<Cursor>), StoreError> {
    let head = sqlx::query(
        "SELECT transaction_id::text AS txid, position FROM events \
         WHERE (transaction_id, position) > ($1::text::xid8, $2) \
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
         ORDER BY transaction_id DESC, position DESC LIMIT 1",
    )
    .bind(after.transaction_id().to_string())
    .bind(after.position())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(head) = head else {
        return Ok((Vec::new(), None));
    };
    let txid: String = head.try_get("txid")?;
    let head = Cursor::new(
        txid.parse().map_err(|_| StoreError::InvalidCursor)?,
        head.try_get("position")?,
    );
    let streams: Vec<String> = streams.iter().map(|s| (*s).to_owned()).collect();
    // One stream type: an equality, so that the index on (aggregate_type, transaction_id,
    // position) returns the rows in order (with `= ANY` the planner sorts them).
    // The type is a name from our code (checked to be plain), written into the statement so
    // that the plan is made for it.
    let which = match streams.as_slice() {
        [one] if one.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
            format!("aggregate_type = '{one}'")
        }
        _ => "aggregate_type = ANY($5)".to_owned(),
    };
    let columns = if lean {
        SELECT_COLUMNS_LEAN
    } else {
        SELECT_COLUMNS
    };
    let sql = format!(
        "SELECT {columns} FROM events \
         WHERE {which} \
           AND (transaction_id, position) > ($1::text::xid8, $2) \
           AND (transaction_id, position) <= ($3::text::xid8, $4) \
         ORDER BY transaction_id, position \
         LIMIT $6"
    );
    let rows = sqlx::query(&sql)
        .bind(after.transaction_id().to_string())
        .bind(after.position())
        .bind(head.transaction_id().to_string())
        .bind(head.position())
        .bind(&streams)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let from_row = if lean {
        StoredEvent::from_lean_row
    } else {
        StoredEvent::from_row
    };
    let events: Vec<StoredEvent> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    let last = if events.len() as i64 >= limit {
        events.last().map(|e| e.cursor)
    } else {
        Some(head)
    };
    Ok((events, last))
}

/// Whether committed events exist after `after` that the horizon still holds back (an older
/// transaction is open). Readers use it to poll briefly instead of waiting for a notification.
pub async fn held_back(conn: &mut PgConnection, after: Option<Cursor>) -> Result<bool, StoreError> {
    let after = after.unwrap_or(Cursor::START);
    let held: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM events \
         WHERE (transaction_id, position) > ($1::text::xid8, $2) \
           AND transaction_id >= pg_snapshot_xmin(pg_current_snapshot()))",
    )
    .bind(after.transaction_id().to_string())
    .bind(after.position())
    .fetch_one(&mut *conn)
    .await?;
    Ok(held)
}

/// The last committed event of the log, whether or not the horizon has passed it yet (`None`:
/// the log is empty). A writer that has seen its commands commit waits for the projector to
/// reach this cursor to read its writes.
pub async fn head(conn: &mut PgConnection) -> Result<Option<Cursor>, StoreError> {
    let row = sqlx::query(
        "SELECT transaction_id::text AS txid, position FROM events \
         ORDER BY transaction_id DESC, position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        let txid: String = row.try_get("txid")?;
        Ok(Cursor::new(
            txid.parse().map_err(|_| StoreError::InvalidCursor)?,
            row.try_get("position")?,
        ))
    })
    .transpose()
}

/// The events of one stream after `after_sequence`, decoded, with their effective times, in
/// stream order.
pub async fn read_timed<A: cqrs_es::Aggregate>(
    conn: &mut PgConnection,
    aggregate_id: &str,
    after_sequence: usize,
) -> Result<Vec<Timed<A::Event>>, StoreError> {
    let rows = sqlx::query(
        "SELECT sequence, effective_at, event_type, event_version, payload FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3 ORDER BY sequence",
    )
    .bind(A::TYPE)
    .bind(aggregate_id)
    .bind(after_sequence as i64)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let payload: serde_json::Value = row.try_get("payload")?;
            let event =
                serde_json::from_value(payload).map_err(|e| StoreError::UnreadableEvent {
                    event_type: row.try_get("event_type").unwrap_or_default(),
                    event_version: row.try_get("event_version").unwrap_or_default(),
                    reason: e.to_string(),
                })?;
            let sequence: i64 = row.try_get("sequence")?;
            Ok(Timed {
                effective_at: row.try_get("effective_at")?,
                sequence: sequence as u64,
                event,
            })
        })
        .collect()
}

/// Every event of one stream, in stream order (for audits and tests).
pub async fn read_stream(
    conn: &mut PgConnection,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence"
    );
    let rows = sqlx::query(&sql)
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(StoredEvent::from_row).collect()
}
