//! The event feed: the global order read with filters, and a process-wide notifier that wakes
//! feed readers when events commit.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;

use super::{Cursor, StoredEvent, SELECT_COLUMNS};
use crate::projector::EVENTS_CHANNEL;
use crate::StoreError;

/// Which events a feed reader wants. `None` means no restriction; an empty list matches
/// nothing. The filter is applied by the database ([`read_feed`]): the departments an event
/// concerns are stored beside it (`event_departments`, ADR 0010), not in [`StoredEvent`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedFilter {
    /// Aggregate types, e.g. `department`.
    pub aggregate_types: Option<Vec<String>>,
    /// Event types, e.g. `TaskDefined`.
    pub event_types: Option<Vec<String>>,
    /// Departments (credit codes): events that concern any of them (a department's own
    /// events, its performance records, the boundary matters it is a party to).
    pub departments: Option<Vec<String>>,
}

/// Reads up to `limit` events of the global order after `after` that pass `filter`, only below
/// the horizon of transactions that may still commit.
///
/// With departments, the events are found through `event_departments`, whose key
/// `(department_id, transaction_id, position)` lists each department's events in global order:
/// per department, an index scan from the cursor that stops after `limit` matching events; the
/// departments' lists are then merged (an event concerning two of them once). A reader of one
/// department never reads the rest of the log.
pub async fn read_feed(
    conn: &mut PgConnection,
    after: Option<Cursor>,
    limit: i64,
    filter: &FeedFilter,
) -> Result<Vec<StoredEvent>, StoreError> {
    let after = after.unwrap_or(Cursor::START);
    let sql = match filter.departments {
        None => format!(
            "SELECT {SELECT_COLUMNS} FROM events \
             WHERE (transaction_id, position) > ($1::text::xid8, $2) \
               AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
               AND ($4::text[] IS NULL OR aggregate_type = ANY($4)) \
               AND ($5::text[] IS NULL OR event_type = ANY($5)) \
             ORDER BY transaction_id, position \
             LIMIT $3"
        ),
        Some(_) => format!(
            "SELECT {SELECT_COLUMNS} FROM events \
             WHERE (transaction_id, position) IN ( \
               SELECT DISTINCT found.transaction_id, found.position \
               FROM (SELECT DISTINCT d FROM UNNEST($6::text[]) AS u(d)) AS dep \
               CROSS JOIN LATERAL ( \
                 SELECT c.transaction_id, c.position \
                 FROM event_departments c \
                 JOIN events e ON e.position = c.position \
                 WHERE c.department_id = dep.d \
                   AND (c.transaction_id, c.position) > ($1::text::xid8, $2) \
                   AND c.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
                   AND ($4::text[] IS NULL OR e.aggregate_type = ANY($4)) \
                   AND ($5::text[] IS NULL OR e.event_type = ANY($5)) \
                 ORDER BY c.transaction_id, c.position \
                 LIMIT $3) AS found \
               ORDER BY found.transaction_id, found.position \
               LIMIT $3) \
             ORDER BY transaction_id, position"
        ),
    };
    let rows = sqlx::query(&sql)
        .bind(after.transaction_id().to_string())
        .bind(after.position())
        .bind(limit)
        .bind(filter.aggregate_types.as_deref())
        .bind(filter.event_types.as_deref())
        .bind(filter.departments.as_deref())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(StoredEvent::from_row).collect()
}

/// Wakes feed readers in this process when events commit: one `LISTEN dutyledger_events`
/// connection per process, its notifications turned into a counter readers wait on (and a
/// tick every second as a fallback, should a notification be lost).
#[derive(Debug, Clone)]
pub struct EventNotifier {
    rx: watch::Receiver<u64>,
}

impl EventNotifier {
    /// Starts listening.
    pub fn spawn(pool: PgPool) -> Self {
        let (tx, rx) = watch::channel(0u64);
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            loop {
                let result: Result<(), StoreError> = async {
                    let mut listener = PgListener::connect_with(&pool).await?;
                    listener.listen(EVENTS_CHANNEL).await?;
                    tx.send_modify(|n| *n += 1);
                    loop {
                        match tokio::time::timeout(Duration::from_secs(1), listener.recv()).await {
                            Ok(Ok(_)) | Err(_) => tx.send_modify(|n| *n += 1),
                            Ok(Err(e)) => return Err(e.into()),
                        }
                        if tx.is_closed() {
                            return Ok(());
                        }
                    }
                }
                .await;
                match result {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(%error, "event notifier lost its connection; retrying");
                        tx.send_modify(|n| *n += 1);
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            }
        });
        Self { rx }
    }

    /// A receiver that changes whenever events may have committed.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.rx.clone()
    }
}
