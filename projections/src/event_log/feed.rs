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
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedFilter {
    /// Aggregate types, e.g. `department`.
    pub aggregate_types: Option<Vec<String>>,
    /// Event types, e.g. `TaskDefined`.
    pub event_types: Option<Vec<String>>,
    /// Departments (credit codes) the events concern.
    pub departments: Option<Vec<String>>,
}

impl FeedFilter {
    /// Whether an event passes the filter (the same test the SQL makes).
    pub fn matches(&self, e: &StoredEvent) -> bool {
        self.aggregate_types
            .as_ref()
            .is_none_or(|t| t.contains(&e.aggregate_type))
            && self
                .event_types
                .as_ref()
                .is_none_or(|t| t.contains(&e.event_type))
            && self
                .departments
                .as_ref()
                .is_none_or(|d| e.aggregate_type == "department" && d.contains(&e.aggregate_id))
    }
}

/// Reads up to `limit` events of the global order after `after` that pass `filter`, only below
/// the horizon of transactions that may still commit.
pub async fn read_feed(
    conn: &mut PgConnection,
    after: Option<Cursor>,
    limit: i64,
    filter: &FeedFilter,
) -> Result<Vec<StoredEvent>, StoreError> {
    let after = after.unwrap_or(Cursor::START);
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM events \
         WHERE (transaction_id, position) > ($1::text::xid8, $2) \
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
           AND ($4::text[] IS NULL OR aggregate_type = ANY($4)) \
           AND ($5::text[] IS NULL OR event_type = ANY($5)) \
           AND ($6::text[] IS NULL OR (aggregate_type = 'department' AND aggregate_id = ANY($6))) \
         ORDER BY transaction_id, position \
         LIMIT $3"
    );
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
