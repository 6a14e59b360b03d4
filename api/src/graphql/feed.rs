//! The event feed: `events(after, first, filter)` pages through the global order;
//! `Subscription.events(after, filter)` replays from the cursor, then streams live. Both read
//! only below the horizon of transactions that may still commit, so no event is ever skipped
//! or delivered twice, and a cursor from any earlier read resumes exactly after its event.

use std::collections::VecDeque;
use std::time::Duration;

use async_graphql::{Context, InputObject, Object, SimpleObject, Subscription, ID};
use dutyledger_domain::values::CreditCode;
use dutyledger_projections::event_log::{self, read_feed, FeedFilter};
use dutyledger_projections::{Cursor, StoredEvent};
use futures::Stream;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::auth::Actor;
use crate::graphql::event::Event;
use crate::graphql::kit::request;
use crate::service::policy::{authorize, narrow_departments, Access};
use crate::service::{parse_field, AppError};

/// Largest page of `events`.
pub const MAX_PAGE: i32 = 1000;
/// Events read per database round trip by a subscription.
const BATCH: i64 = 500;

/// Which events to return. Each field restricts; absent fields do not. Singular and plural
/// forms combine.
#[derive(InputObject, Debug, Clone, Default)]
pub struct EventFilter {
    /// One aggregate type, e.g. `department`.
    pub aggregate_type: Option<String>,
    /// Several aggregate types.
    pub aggregate_types: Option<Vec<String>>,
    /// One event type, e.g. `TaskDefined`.
    pub event_type: Option<String>,
    /// Several event types.
    pub event_types: Option<Vec<String>>,
    /// One department (credit code).
    pub department_id: Option<ID>,
    /// Several departments.
    pub department_ids: Option<Vec<ID>>,
}

fn merge(one: Option<String>, many: Option<Vec<String>>) -> Option<Vec<String>> {
    match (one, many) {
        (None, None) => None,
        (one, many) => Some(many.unwrap_or_default().into_iter().chain(one).collect()),
    }
}

fn check_names(field: &str, names: &Option<Vec<String>>) -> Result<(), AppError> {
    for name in names.iter().flatten() {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok {
            return Err(AppError::bad_input(
                field,
                format!("{name:?} is not a type name"),
            ));
        }
    }
    if names.as_ref().is_some_and(|n| n.len() > 100) {
        return Err(AppError::bad_input(field, "at most 100 names"));
    }
    Ok(())
}

impl EventFilter {
    /// The storage filter, checked, and restricted to what the actor may read.
    pub fn resolve(self, actor: &Actor) -> Result<FeedFilter, AppError> {
        authorize(actor, Access::ReadFeed)?;
        let aggregate_types = merge(self.aggregate_type, self.aggregate_types);
        let event_types = merge(self.event_type, self.event_types);
        check_names("filter.aggregateTypes", &aggregate_types)?;
        check_names("filter.eventTypes", &event_types)?;
        let departments = merge(
            self.department_id.map(|d| d.0),
            self.department_ids
                .map(|v| v.into_iter().map(|d| d.0).collect()),
        );
        let departments = match &departments {
            None => None,
            Some(list) => {
                if list.len() > 100 {
                    return Err(AppError::bad_input(
                        "filter.departmentIds",
                        "at most 100 departments",
                    ));
                }
                Some(
                    list.iter()
                        .map(|d| {
                            parse_field("filter.departmentIds", CreditCode::parse(d))
                                .map(String::from)
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
        };
        let departments = narrow_departments(actor, departments, "the feed")?;
        Ok(FeedFilter {
            aggregate_types,
            event_types,
            departments,
        })
    }
}

fn parse_cursor(after: Option<&str>) -> Result<Option<Cursor>, AppError> {
    after
        .map(|a| {
            a.parse::<Cursor>()
                .map_err(|_| AppError::bad_input("after", "not a cursor issued by this feed"))
        })
        .transpose()
}

/// An edge of the feed.
#[derive(SimpleObject, Clone, Debug)]
pub struct FeedEdge {
    /// The event's cursor: pass as `after` to continue after it.
    pub cursor: String,
    /// The event.
    pub node: Event,
}

/// Paging state of the feed.
#[derive(SimpleObject, Clone, Debug)]
pub struct FeedPageInfo {
    /// Whether more events (matching the filter) are already readable.
    pub has_next_page: bool,
    /// The cursor of the last edge; when the page is empty, the `after` given (null if none).
    pub end_cursor: Option<String>,
}

/// A page of the global event order (Relay-style connection).
#[derive(SimpleObject, Clone, Debug)]
pub struct EventConnection {
    /// The events, in global order.
    pub edges: Vec<FeedEdge>,
    /// Paging state.
    pub page_info: FeedPageInfo,
}

/// Feed queries.
#[derive(Default, Debug)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// Pages through the global order of events after the cursor `after` (from the beginning
    /// if absent), at most `first` (1 to 1000, default 100) at a time. Events of transactions
    /// that may still commit are not shown yet, so a later page never contains an event that
    /// belongs before an earlier one. Readable by supervisors, reviewers and integrators
    /// (limited to their departments if their token says so).
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size, 1 to 1000 (default 100).")] first: Option<i32>,
        #[graphql(desc = "Which events.")] filter: Option<EventFilter>,
    ) -> async_graphql::Result<EventConnection> {
        let (app, rc) = request(ctx)?;
        let filter = filter.unwrap_or_default().resolve(&rc.actor)?;
        let first = first.unwrap_or(100);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(
                AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE}")).into(),
            );
        }
        let cursor = parse_cursor(after.as_deref())?;
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::internal(&e, &rc.request_id))?;
        let mut events = read_feed(&mut conn, cursor, i64::from(first) + 1, &filter)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        let has_next_page = events.len() > first as usize;
        events.truncate(first as usize);
        let edges: Vec<FeedEdge> = events
            .into_iter()
            .map(|e| FeedEdge {
                cursor: e.cursor.to_string(),
                node: Event(e),
            })
            .collect();
        Ok(EventConnection {
            page_info: FeedPageInfo {
                has_next_page,
                end_cursor: edges.last().map(|e| e.cursor.clone()).or(after),
            },
            edges,
        })
    }
}

struct Follow {
    pool: PgPool,
    filter: FeedFilter,
    cursor: Option<Cursor>,
    buffer: VecDeque<StoredEvent>,
    wake: watch::Receiver<u64>,
    request_id: String,
    failed: bool,
}

/// Follows the global order from a cursor: replays what is there, then waits for commits.
fn follow(state: Follow) -> impl Stream<Item = async_graphql::Result<Event>> {
    futures::stream::unfold(state, |mut s| async move {
        if s.failed {
            return None;
        }
        let mut held_wait = Duration::from_millis(2);
        loop {
            if let Some(e) = s.buffer.pop_front() {
                s.cursor = Some(e.cursor);
                return Some((Ok(Event(e)), s));
            }
            s.wake.borrow_and_update();
            let read = async {
                let mut conn = s.pool.acquire().await?;
                let events = read_feed(&mut conn, s.cursor, BATCH, &s.filter).await?;
                let held = events.is_empty() && event_log::held_back(&mut conn, s.cursor).await?;
                Ok::<_, dutyledger_projections::StoreError>((events, held))
            };
            match read.await {
                Ok((events, _)) if !events.is_empty() => {
                    held_wait = Duration::from_millis(2);
                    s.buffer.extend(events);
                }
                Ok((_, true)) => {
                    // Committed events wait behind an older open transaction: poll briefly.
                    tokio::time::sleep(held_wait).await;
                    held_wait = (held_wait * 2).min(Duration::from_millis(50));
                }
                Ok((_, false)) => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), s.wake.changed()).await;
                }
                Err(e) => {
                    s.failed = true;
                    let err: async_graphql::Error = AppError::from_store(e, &s.request_id).into();
                    return Some((Err(err), s));
                }
            }
        }
    })
}

/// Feed subscriptions.
#[derive(Default, Debug)]
pub struct FeedSubscription;

#[Subscription]
impl FeedSubscription {
    /// Replays the events after the cursor `after` (from the beginning if absent), then streams
    /// new ones as they commit, in global order, each exactly once. Resume after a disconnect
    /// by passing the last cursor received.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Replay after this cursor.")] after: Option<String>,
        #[graphql(desc = "Which events.")] filter: Option<EventFilter>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Event>>> {
        let (app, rc) = request(ctx)?;
        let filter = filter.unwrap_or_default().resolve(&rc.actor)?;
        let cursor = parse_cursor(after.as_deref())?;
        Ok(follow(Follow {
            pool: app.pool.clone(),
            filter,
            cursor,
            buffer: VecDeque::new(),
            wake: app.notifier.subscribe(),
            request_id: rc.request_id.clone(),
            failed: false,
        }))
    }
}
