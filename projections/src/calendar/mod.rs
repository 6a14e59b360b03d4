//! The working-day calendar as of a point in both times, read straight from its stream.
//!
//! The calendar has no read model of its own (ADR 0013): its stream is a handful of events (one
//! per year loaded or amended, a few kilobytes), so a read folds exactly the events recorded by
//! `knownAt` and effective by `validAt`, in valid-time order (DESIGN.md, "Time-travel
//! semantics"), with the domain's own `evolve`: one primary-key range read. Command paths that
//! need the calendar (deadlines of workflow steps) read it the same way, once per command or
//! per query, and then compute in memory.

use dutyledger_domain::calendar::{Calendar, CalendarEvent, NATIONAL};
use dutyledger_domain::timeline::Decide;
use sqlx::{PgPool, Row};

use crate::duty_list::AsOf;
use crate::StoreError;

/// The national calendar (stream [`NATIONAL`]) as in force at `as_of.valid_at`, as known at
/// `as_of.known_at`.
pub async fn load(pool: &PgPool, as_of: AsOf) -> Result<Calendar, StoreError> {
    load_stream(pool, NATIONAL, as_of).await
}

/// The calendar of stream `id` as in force at `as_of.valid_at`, as known at `as_of.known_at`.
pub async fn load_stream(pool: &PgPool, id: &str, as_of: AsOf) -> Result<Calendar, StoreError> {
    let rows = sqlx::query(
        "SELECT event_type, event_version, payload FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 \
           AND recorded_at <= $3 AND effective_at <= $4 \
         ORDER BY effective_at, sequence",
    )
    .bind(<Calendar as cqrs_es::Aggregate>::TYPE)
    .bind(id)
    .bind(as_of.known_at)
    .bind(as_of.valid_at)
    .fetch_all(pool)
    .await?;
    let mut calendar = Calendar::default();
    for row in rows {
        let payload: serde_json::Value = row.try_get("payload")?;
        let event: CalendarEvent =
            serde_json::from_value(payload).map_err(|e| StoreError::UnreadableEvent {
                event_type: row.try_get("event_type").unwrap_or_default(),
                event_version: row.try_get("event_version").unwrap_or_default(),
                reason: e.to_string(),
            })?;
        calendar.evolve(event);
    }
    Ok(calendar)
}
