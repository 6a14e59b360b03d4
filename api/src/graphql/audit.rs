//! The audit area: the history of any department or entity, and what changed in a
//! department's list between two dates. Both only read projections.

use async_graphql::{Context, Enum, InputObject, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_projections::duty_list::{self, EntityChange, HistoryFilter, Kind};

use crate::graphql::event::Event;
use crate::graphql::kit::request;
use crate::graphql::time::AsOfInput;
use crate::service::policy::{authorize, Access};
use crate::service::{parse_field, AppError};

/// Largest page of a history.
pub const MAX_PAGE: i32 = 500;

/// The kinds of entity in a department's list.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_projections::duty_list::Kind")]
pub enum EntityKind {
    /// The department itself (name, profile, staffing).
    Department,
    /// A main duty.
    MainDuty,
    /// An internal unit.
    Unit,
    /// A unit duty.
    UnitDuty,
    /// A work task.
    Task,
    /// A post.
    Post,
    /// A post holding a task (id `taskId/postId`).
    Assignment,
    /// A power item.
    PowerItem,
    /// A task carrying out a power item (id `itemId/taskId`).
    PowerLink,
}

/// An entity of a department's list.
#[derive(InputObject, Clone, Debug)]
pub struct EntityRef {
    /// Its kind.
    pub kind: EntityKind,
    /// Its id (for an assignment `taskId/postId`; ignored for the department).
    pub id: Option<ID>,
}

/// A page edge.
#[derive(SimpleObject, Clone, Debug)]
pub struct EventEdge {
    /// Pass as `after` to continue after this event.
    pub cursor: String,
    /// The event.
    pub node: Event,
}

/// Paging state.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// Whether more events follow.
    pub has_next_page: bool,
    /// The cursor of the last edge (null on an empty page).
    pub end_cursor: Option<String>,
}

/// A page of an audit trail, oldest first (Relay-style connection).
#[derive(SimpleObject, Clone, Debug)]
pub struct HistoryConnection {
    /// The events.
    pub edges: Vec<EventEdge>,
    /// Paging state.
    pub page_info: PageInfo,
}

/// How an entity differs between two dates.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeType {
    /// Absent at `from`, present at `to`.
    Added,
    /// Present at `from`, absent at `to`.
    Removed,
    /// Present at both, with different values.
    Changed,
}

/// One entity that differs between two dates, and the events behind the difference.
#[derive(Clone, Debug)]
pub struct Difference(EntityChange);

#[Object]
impl Difference {
    /// Its kind.
    async fn kind(&self) -> EntityKind {
        self.0.kind.into()
    }

    /// Its id (empty for the department itself).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Added, removed or changed.
    async fn change(&self) -> ChangeType {
        match (&self.0.before, &self.0.after) {
            (None, _) => ChangeType::Added,
            (_, None) => ChangeType::Removed,
            _ => ChangeType::Changed,
        }
    }

    /// Its value at `from` (null if absent).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }

    /// Its value at `to` (null if absent).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }

    /// The events behind the change: those that touched it, effective after `from` and up to
    /// `to`, as known at `knownAt`, in valid-time order.
    async fn events(&self) -> Vec<Event> {
        self.0.events.iter().cloned().map(Event).collect()
    }
}

fn history_cursor(sequence: i64) -> String {
    format!("s{sequence}")
}

fn parse_history_cursor(cursor: &str) -> Result<i64, AppError> {
    cursor
        .strip_prefix('s')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| AppError::bad_input("after", "not a cursor of this history"))
}

fn check_range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    field: &str,
) -> Result<(), AppError> {
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(AppError::BadInput {
                message: format!("{field}: from ({f}) is after to ({t})"),
                field: Some(field.to_owned()),
                rule: Some("FROM_AFTER_TO"),
            });
        }
    }
    Ok(())
}

/// Audit queries.
#[derive(Default, Debug)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail of a department, or of one of its entities: every event that touched
    /// it (for a unit also its duties and posts; for a task or post its assignments), with
    /// recorded and effective times, actor, reason, type and payload, oldest first. Filter by
    /// recorded or effective time; page with `first` (at most 500) and `after`.
    #[allow(clippy::too_many_arguments)]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department.")] department_id: ID,
        #[graphql(desc = "One entity of the department (default: the whole department).")]
        entity: Option<EntityRef>,
        #[graphql(desc = "Recorded at or after.")] recorded_from: Option<DateTime<Utc>>,
        #[graphql(desc = "Recorded at or before.")] recorded_to: Option<DateTime<Utc>>,
        #[graphql(desc = "Effective at or after.")] effective_from: Option<DateTime<Utc>>,
        #[graphql(desc = "Effective at or before.")] effective_to: Option<DateTime<Utc>>,
        #[graphql(desc = "Page size, 1 to 500 (default 50).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "As known at (default: now; not in the future): only events recorded by then, each listed under the entities it touched in the timeline known then (a backdated merge or transfer recorded later re-attributes the later events it affects, from the time it was recorded)."
        )]
        known_at: Option<DateTime<Utc>>,
        #[graphql(
            desc = "The same as `knownAt`, as every list query takes it (`validAt` does not apply: the history spans all valid time)."
        )]
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<HistoryConnection> {
        let (app, rc) = request(ctx)?;
        let known = match (known_at, as_of.as_ref().and_then(|a| a.known_at)) {
            (Some(a), Some(b)) if a != b => {
                return Err(AppError::bad_input(
                    "knownAt",
                    "knownAt and asOf.knownAt differ; give one",
                )
                .into())
            }
            (a, b) => a.or(b),
        };
        let known_at = AsOfInput::resolve(Some(AsOfInput {
            valid_at: None,
            known_at: known,
        }))?
        .known_at;
        let department = parse_field("departmentId", CreditCode::parse(&department_id))?;
        authorize(&rc.actor, Access::ReadDepartment(&department))?;
        let first = first.unwrap_or(50);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(
                AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE}")).into(),
            );
        }
        check_range(recorded_from, recorded_to, "recordedFrom/recordedTo")?;
        check_range(effective_from, effective_to, "effectiveFrom/effectiveTo")?;
        let entity = match entity {
            None => None,
            Some(EntityRef {
                kind: EntityKind::Department,
                ..
            }) => None,
            Some(EntityRef { kind, id }) => {
                let id =
                    id.ok_or_else(|| AppError::bad_input("entity.id", "required for this kind"))?;
                if matches!(kind, EntityKind::Assignment | EntityKind::PowerLink) {
                    let (t, p) = id.split_once('/').ok_or_else(|| {
                        AppError::bad_input("entity.id", "this kind's id is two ids joined by /")
                    })?;
                    parse_field("entity.id", EntityId::parse(t))?;
                    parse_field("entity.id", EntityId::parse(p))?;
                } else {
                    parse_field("entity.id", EntityId::parse(&id))?;
                }
                Some((Kind::from(kind), id.to_string()))
            }
        };
        let after = after
            .as_deref()
            .map(parse_history_cursor)
            .transpose()?
            .unwrap_or(0);
        let filter = HistoryFilter {
            known_at: Some(known_at),
            entity,
            recorded_from,
            recorded_to,
            effective_from,
            effective_to,
        };
        let page = duty_list::history(
            &app.pool,
            department.as_str(),
            &filter,
            after,
            i64::from(first),
        )
        .await
        .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        let edges: Vec<EventEdge> = page
            .events
            .into_iter()
            .map(|e| EventEdge {
                cursor: history_cursor(e.sequence),
                node: Event(e),
            })
            .collect();
        Ok(HistoryConnection {
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }

    /// What differs in a department's list between valid times `from` and `to`, as known at
    /// `knownAt` (default now): units, duties, tasks, posts and assignments added, removed or
    /// changed, each with the events behind it.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department.")] department_id: ID,
        #[graphql(desc = "The earlier valid time.")] from: DateTime<Utc>,
        #[graphql(desc = "The later valid time.")] to: DateTime<Utc>,
        #[graphql(desc = "As known at (default: now; not in the future).")] known_at: Option<
            DateTime<Utc>,
        >,
    ) -> async_graphql::Result<Vec<Difference>> {
        let (app, rc) = request(ctx)?;
        let department = parse_field("departmentId", CreditCode::parse(&department_id))?;
        authorize(&rc.actor, Access::ReadDepartment(&department))?;
        check_range(Some(from), Some(to), "from/to")?;
        let as_of = AsOfInput::resolve(Some(AsOfInput {
            valid_at: Some(to),
            known_at,
        }))
        .map_err(|e| match e {
            AppError::BadInput { message, rule, .. } => AppError::BadInput {
                message: message.replace("asOf.knownAt", "knownAt"),
                field: Some("knownAt".into()),
                rule,
            },
            other => other,
        })?;
        let changes = duty_list::changes(&app.pool, department.as_str(), from, to, as_of.known_at)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        Ok(changes.into_iter().map(Difference).collect())
    }
}
