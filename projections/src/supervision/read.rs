//! Schemes and rounds as of a point in both times, folded from their streams.

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use dutyledger_domain::complaint::{Complaint, ComplaintStats};
use dutyledger_domain::performance::local_date;
use dutyledger_domain::round::{RoundEvent, SupervisionRound};
use dutyledger_domain::scheme::{IndicatorScheme, SchemeEvent};
use dutyledger_domain::timeline::Decide;
use dutyledger_domain::values::{CreditCode, EntityId};
use serde::de::DeserializeOwned;
use sqlx::{PgPool, Row};

use crate::duty_list::AsOf;
use crate::{Cursor, StoreError};

/// The events of one stream recorded by `known_at` and effective by `valid_at`, in valid-time
/// order, with their effective times and cursors.
async fn stream<E: DeserializeOwned>(
    pool: &PgPool,
    aggregate_type: &str,
    id: &str,
    as_of: AsOf,
) -> Result<Vec<(E, DateTime<Utc>, Cursor)>, StoreError> {
    let rows = sqlx::query(
        "SELECT event_type, event_version, payload, effective_at, \
                transaction_id::text AS txid, position FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 \
           AND recorded_at <= $3 AND effective_at <= $4 \
         ORDER BY effective_at, sequence",
    )
    .bind(aggregate_type)
    .bind(id)
    .bind(as_of.known_at)
    .bind(as_of.valid_at)
    .fetch_all(pool)
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
            let txid: String = row.try_get("txid")?;
            let txid: i64 = txid.parse().map_err(|_| StoreError::InvalidCursor)?;
            Ok((
                event,
                row.try_get("effective_at")?,
                Cursor::new(txid, row.try_get("position")?),
            ))
        })
        .collect()
}

async fn ids(
    pool: &PgPool,
    aggregate_type: &str,
    known_at: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT aggregate_id FROM events WHERE aggregate_type = $1 AND sequence = 1 \
           AND recorded_at <= $2 ORDER BY aggregate_id",
    )
    .bind(aggregate_type)
    .bind(known_at)
    .fetch_all(pool)
    .await?)
}

/// A stream of any aggregate as of `as_of`: its state, and the effective time and cursor of its
/// first and last events folded (`None` if it has no event by then).
pub async fn load_stream<A>(
    pool: &PgPool,
    id: &str,
    as_of: AsOf,
) -> Result<Option<StreamAt<A>>, StoreError>
where
    A: Decide + cqrs_es::Aggregate,
    <A as Decide>::Event: DeserializeOwned,
{
    let events =
        stream::<<A as Decide>::Event>(pool, <A as cqrs_es::Aggregate>::TYPE, id, as_of).await?;
    let Some((_, first_at, first_cursor)) = events.first().cloned().map(|(_, t, c)| ((), t, c))
    else {
        return Ok(None);
    };
    let mut state = A::default();
    let mut last = (first_at, first_cursor);
    let mut times = Vec::with_capacity(events.len());
    for (event, at, cursor) in events {
        times.push((at, cursor));
        last = (at, cursor);
        state.evolve(event);
    }
    Ok(Some(StreamAt {
        id: id.to_owned(),
        state,
        first: (first_at, first_cursor),
        last,
        times,
    }))
}

/// A stream's state as of a point in both times.
#[derive(Debug, Clone)]
pub struct StreamAt<A> {
    /// The stream id.
    pub id: String,
    /// The state.
    pub state: A,
    /// The effective time and cursor of its first event (valid-time order).
    pub first: (DateTime<Utc>, Cursor),
    /// The effective time and cursor of its last event (valid-time order).
    pub last: (DateTime<Utc>, Cursor),
    /// The effective time and cursor of every event, in valid-time order.
    pub times: Vec<(DateTime<Utc>, Cursor)>,
}

/// The ids of the streams of `aggregate_type` known at `known_at`, all (`department: None`) or
/// those whose events concern `department` (ADR 0010).
pub async fn stream_ids(
    pool: &PgPool,
    aggregate_type: &str,
    department: Option<&str>,
    known_at: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    match department {
        None => ids(pool, aggregate_type, known_at).await,
        Some(d) => Ok(sqlx::query_scalar(
            "SELECT DISTINCT e.aggregate_id FROM event_departments w              JOIN events e ON e.position = w.position AND e.transaction_id = w.transaction_id              WHERE w.department_id = $1 AND e.aggregate_type = $2 AND e.recorded_at <= $3              ORDER BY e.aggregate_id",
        )
        .bind(d)
        .bind(aggregate_type)
        .bind(known_at)
        .fetch_all(pool)
        .await?),
    }
}

/// A scheme as of `as_of` (empty if nothing was published by then).
pub async fn load_scheme(
    pool: &PgPool,
    id: &str,
    as_of: AsOf,
) -> Result<IndicatorScheme, StoreError> {
    let mut scheme = IndicatorScheme::default();
    for (event, _, _) in stream::<SchemeEvent>(
        pool,
        <IndicatorScheme as cqrs_es::Aggregate>::TYPE,
        id,
        as_of,
    )
    .await?
    {
        scheme.evolve(event);
    }
    Ok(scheme)
}

/// The ids of the schemes known at `known_at`.
pub async fn scheme_ids(pool: &PgPool, known_at: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    ids(
        pool,
        <IndicatorScheme as cqrs_es::Aggregate>::TYPE,
        known_at,
    )
    .await
}

/// The ids of the rounds known at `known_at`.
pub async fn round_ids(pool: &PgPool, known_at: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    ids(
        pool,
        <SupervisionRound as cqrs_es::Aggregate>::TYPE,
        known_at,
    )
    .await
}

/// A stage a round entered, and when (valid time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageEntry {
    /// The stage.
    pub stage: dutyledger_domain::round::Stage,
    /// When it was entered.
    pub entered_at: DateTime<Utc>,
    /// The event's cursor.
    pub cursor: Cursor,
}

/// A round as of a point in both times, with the dates of its stages.
#[derive(Debug, Clone)]
pub struct RoundAt {
    /// Its id.
    pub id: String,
    /// The state.
    pub round: SupervisionRound,
    /// When it was planned (valid time).
    pub planned_at: Option<DateTime<Utc>>,
    /// The stages entered (the first at planning), in order.
    pub stages: Vec<StageEntry>,
    /// When its scores were published (valid time).
    pub published_at: Option<DateTime<Utc>>,
    /// The cursor of its last event folded.
    pub last_cursor: Option<Cursor>,
}

/// A round as of `as_of` (`None` if it was not planned by then).
pub async fn load_round(
    pool: &PgPool,
    id: &str,
    as_of: AsOf,
) -> Result<Option<RoundAt>, StoreError> {
    let mut at = RoundAt {
        id: id.to_owned(),
        round: SupervisionRound::default(),
        planned_at: None,
        stages: Vec::new(),
        published_at: None,
        last_cursor: None,
    };
    for (event, effective_at, cursor) in stream::<RoundEvent>(
        pool,
        <SupervisionRound as cqrs_es::Aggregate>::TYPE,
        id,
        as_of,
    )
    .await?
    {
        match &event {
            RoundEvent::RoundPlanned(plan) => {
                at.planned_at = Some(effective_at);
                if let Some(first) = plan.stages.first() {
                    at.stages.push(StageEntry {
                        stage: *first,
                        entered_at: effective_at,
                        cursor,
                    });
                }
            }
            RoundEvent::RoundStageEntered { stage } => at.stages.push(StageEntry {
                stage: *stage,
                entered_at: effective_at,
                cursor,
            }),
            RoundEvent::ScoresPublished { .. } => at.published_at = Some(effective_at),
            _ => {}
        }
        at.last_cursor = Some(cursor);
        at.round.evolve(event);
    }
    Ok(at.round.plan().is_some().then_some(at))
}

/// A department's tickets received from `from` to `to` (Beijing dates), as of `as_of`.
pub async fn complaint_tickets(
    pool: &PgPool,
    department: &CreditCode,
    from: NaiveDate,
    to: NaiveDate,
    as_of: AsOf,
) -> Result<Vec<StreamAt<Complaint>>, StoreError> {
    let mut out = Vec::new();
    for id in stream_ids(
        pool,
        <Complaint as cqrs_es::Aggregate>::TYPE,
        Some(department.as_str()),
        as_of.known_at,
    )
    .await?
    {
        if let Some(c) = load_stream::<Complaint>(pool, &id, as_of).await? {
            let Some(t) = c.state.ticket() else { continue };
            let day = local_date(t.received_at);
            if t.department_id == *department && day >= from && day <= to {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// A department's figures from `from` to `to`, as of `as_of`, and the tickets counted.
pub async fn complaint_stats(
    pool: &PgPool,
    department: &CreditCode,
    from: NaiveDate,
    to: NaiveDate,
    as_of: AsOf,
) -> Result<(ComplaintStats, Vec<EntityId>), StoreError> {
    let tickets = complaint_tickets(pool, department, from, to, as_of).await?;
    let mut s = ComplaintStats::default();
    let mut ids = Vec::new();
    for c in &tickets {
        s.complaints += 1;
        if let Some(r) = c.state.resolution() {
            s.resolved += 1;
            if let Some(x) = r.satisfaction {
                s.rated += 1;
                s.satisfaction_sum += u32::from(x);
            }
        }
        if let Some(t) = c.state.ticket() {
            ids.push(t.ticket.clone());
        }
    }
    Ok((s, ids))
}
