//! Workflow queries: read from the workflow read model (and the chart's stream for its history),
//! within the reader's scope.

use std::collections::BTreeMap;

use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};
use dutyledger_domain::values::CreditCode;
use dutyledger_domain::workflow::{self, WorkflowChart};
use dutyledger_projections::duty_list::{self, AsOf};
use dutyledger_projections::event_log;
use dutyledger_projections::workflow::{self as read, Publication};

use super::inputs::task;
use super::types::*;
use crate::graphql::event::Event;
use crate::graphql::kit::request;
use crate::graphql::structure::types::DepartmentLevel;
use crate::graphql::time::AsOfInput;
use crate::service::policy::{authorize, narrow_departments, Access};
use crate::service::{parse_field, AppError};

use cqrs_es::Aggregate;

/// Which charts re-engineering counts, and over which period.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ReengineeringFilter {
    /// Only these departments.
    pub department_ids: Option<Vec<ID>>,
    /// Only departments of this sector (领域).
    pub sector: Option<String>,
    /// Only departments of this level.
    pub level: Option<DepartmentLevel>,
    /// The start of the period (valid time; default: the earliest).
    pub from: Option<DateTime<Utc>>,
    /// The end of the period (valid time; default: now).
    pub to: Option<DateTime<Utc>>,
}

fn not_found(task: &str, version: Option<i32>) -> AppError {
    AppError::NotFound {
        message: match version {
            Some(v) => format!("task {task} has no workflow chart version {v}"),
            None => format!("task {task} has no workflow chart in force"),
        },
        rule: Some("WORKFLOW_NOT_FOUND"),
    }
}

/// A version by number (as known at `known_at`), or the one in force at `as_of`.
async fn chart_version(
    ctx: &Context<'_>,
    department_id: &Option<ID>,
    task_id: &ID,
    version: Option<i32>,
    as_of: AsOf,
) -> async_graphql::Result<Publication> {
    let (app, rc) = request(ctx)?;
    let department_id = match department_id {
        Some(d) => d.clone(),
        None => {
            let task = crate::graphql::structure::inputs::entity("taskId", task_id)?;
            let found = read::departments_of_task(&app.pool, task.as_str())
                .await
                .map_err(|e| AppError::from_store(e, &rc.request_id))?;
            match found.as_slice() {
                [one] => ID(one.clone()),
                [] => return Err(not_found(task.as_str(), version).into()),
                _ => {
                    return Err(AppError::bad_input(
                        "departmentId",
                        "several departments have a task with this id: name the department",
                    )
                    .into())
                }
            }
        }
    };
    let (department, task) = task(&department_id, task_id)?;
    authorize(&rc.actor, Access::ReadDepartment(&department))?;
    let found = match version {
        Some(v) => {
            let v = u32::try_from(v).map_err(|_| AppError::bad_input("version", "from 1"))?;
            read::version(
                &app.pool,
                department.as_str(),
                task.as_str(),
                v,
                as_of.known_at,
            )
            .await
        }
        None => read::in_force(&app.pool, department.as_str(), task.as_str(), as_of).await,
    }
    .map_err(|e| AppError::from_store(e, &rc.request_id))?;
    Ok(found.ok_or_else(|| not_found(task.as_str(), version))?)
}

fn step_names(p: &Publication) -> BTreeMap<String, &dutyledger_domain::workflow::Step> {
    p.chart
        .steps
        .iter()
        .map(|s| (s.name.to_string(), s))
        .collect()
}

/// Workflow queries.
#[derive(Default, Debug)]
pub struct WorkflowQuery;

#[Object]
impl WorkflowQuery {
    /// A task's workflow chart (工作流程图): version `version` (as known at `asOf.knownAt`), or
    /// without it the version in force at `asOf` (`NOT_FOUND` / `WORKFLOW_NOT_FOUND` if none).
    async fn workflow_chart(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The department (may be left out when only one department has a task with this id)."
        )]
        department_id: Option<ID>,
        #[graphql(desc = "The task.")] task_id: ID,
        #[graphql(desc = "A version's number (default: the one in force).")] version: Option<i32>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<WorkflowVersion> {
        let as_of = AsOfInput::resolve(as_of)?;
        Ok(chart_version(ctx, &department_id, &task_id, version, as_of)
            .await?
            .into())
    }

    /// Two versions of a task's chart compared (流程再造): steps, sub-steps, procedures,
    /// materials and the total time limit before and after, and the steps removed, added and
    /// changed (by name).
    async fn workflow_comparison(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The department (may be left out when only one department has a task with this id)."
        )]
        department_id: Option<ID>,
        #[graphql(desc = "The task.")] task_id: ID,
        #[graphql(desc = "The earlier version.")] from: i32,
        #[graphql(desc = "The later version.")] to: i32,
        #[graphql(desc = "As known at `asOf.knownAt`.")] as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<WorkflowComparison> {
        let as_of = AsOfInput::resolve(as_of)?;
        let a = chart_version(ctx, &department_id, &task_id, Some(from), as_of).await?;
        let b = chart_version(ctx, &department_id, &task_id, Some(to), as_of).await?;
        let (before, after) = (step_names(&a), step_names(&b));
        let removed = before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .cloned()
            .collect();
        let added = after
            .keys()
            .filter(|k| !before.contains_key(*k))
            .cloned()
            .collect();
        let changed = before
            .iter()
            .filter(|(k, s)| after.get(*k).is_some_and(|t| t != *s))
            .map(|(k, _)| k.clone())
            .collect();
        let (x, y) = (a.stats, b.stats);
        let change = |p: u32, q: u32| FigureChange::new(p as i32, q as i32);
        Ok(WorkflowComparison {
            steps: change(x.steps, y.steps),
            sub_steps: change(x.sub_steps, y.sub_steps),
            procedures: change(x.procedures, y.procedures),
            materials: change(x.materials, y.materials),
            time_limit_days: change(x.time_limit_days, y.time_limit_days),
            removed_steps: removed,
            added_steps: added,
            changed_steps: changed,
            from: a.into(),
            to: b.into(),
        })
    }

    /// Re-engineering (流程再造) over a period, per department and in total: what the charts
    /// published in `(from, to]` removed (steps, sub-steps, procedures, materials, days of
    /// time limits: the version in force at `from` less the one at `to`), and the share of
    /// items a section can sign off at `from` and at `to` (two decimals), as known at
    /// `asOf.knownAt`.
    async fn reengineering(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which charts, over which period.")] filter: Option<ReengineeringFilter>,
        #[graphql(
            desc = "As known at `asOf.knownAt` (`validAt` does not apply: the period is the filter's)."
        )]
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Reengineering> {
        let (app, rc) = request(ctx)?;
        authorize(&rc.actor, Access::ListDepartments)?;
        let filter = filter.unwrap_or_default();
        let known_at = AsOfInput::resolve(as_of)?.known_at;
        let now = Utc::now();
        let from = filter.from.unwrap_or(DateTime::<Utc>::MIN_UTC);
        let to = filter.to.unwrap_or(now);
        if from > to {
            return Err(AppError::BadInput {
                message: "filter.from lies after filter.to".into(),
                field: Some("filter.from".into()),
                rule: Some("FROM_AFTER_TO"),
            }
            .into());
        }
        let asked = filter
            .department_ids
            .as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|d| {
                        parse_field("filter.departmentIds", CreditCode::parse(d)).map(String::from)
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let mut departments = narrow_departments(&rc.actor, asked, "workflow charts")?;
        if filter.sector.is_some() || filter.level.is_some() {
            let rows = duty_list::departments(
                &app.pool,
                AsOf {
                    valid_at: to.min(now),
                    known_at,
                },
            )
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
            let level = filter.level.map(|l| format!("{l:?}"));
            let matching: Vec<String> = rows
                .into_iter()
                .filter(|r| filter.sector.as_ref().is_none_or(|s| &r.sector == s))
                .filter(|r| level.as_ref().is_none_or(|l| &r.level == l))
                .filter(|r| {
                    departments
                        .as_ref()
                        .is_none_or(|d| d.contains(&r.department_id))
                })
                .map(|r| r.department_id)
                .collect();
            departments = Some(matching);
        }
        let figures = read::reengineering(&app.pool, departments.as_deref(), from, to, known_at)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        let share = |n: i64, of: i64| (of > 0).then(|| percent(n as f64, of as f64));
        let mut totals = read::DepartmentReengineering::default();
        let row = |f: &read::DepartmentReengineering, department: Option<ID>| ReengineeringRow {
            department_id: department,
            charts_reengineered: f.reengineered as i32,
            steps_removed: f.steps_removed as i32,
            sub_steps_removed: f.sub_steps_removed as i32,
            procedures_removed: f.procedures_removed as i32,
            materials_removed: f.materials_removed as i32,
            time_limit_days_removed: f.time_limit_days_removed as i32,
            items_before: f.items_before as i32,
            items_after: f.items_after as i32,
            section_share_before: share(f.section_before, f.items_before),
            section_share_after: share(f.section_after, f.items_after),
            leader_share_before: share(f.items_before - f.section_before, f.items_before),
            leader_share_after: share(f.items_after - f.section_after, f.items_after),
        };
        let mut out = Vec::with_capacity(figures.len());
        for f in &figures {
            totals.items_before += f.items_before;
            totals.section_before += f.section_before;
            totals.items_after += f.items_after;
            totals.section_after += f.section_after;
            totals.reengineered += f.reengineered;
            totals.steps_removed += f.steps_removed;
            totals.sub_steps_removed += f.sub_steps_removed;
            totals.procedures_removed += f.procedures_removed;
            totals.materials_removed += f.materials_removed;
            totals.time_limit_days_removed += f.time_limit_days_removed;
            out.push(row(f, Some(ID(f.department_id.clone()))));
        }
        let totals = row(&totals, None);
        Ok(Reengineering { rows: out, totals })
    }

    /// Every event of a task's chart (drafts, edits, withdrawals, publications), oldest first.
    async fn workflow_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department.")] department_id: ID,
        #[graphql(desc = "The task.")] task_id: ID,
    ) -> async_graphql::Result<Vec<Event>> {
        let (app, rc) = request(ctx)?;
        let (department, task) = task(&department_id, &task_id)?;
        authorize(&rc.actor, Access::ReadDepartment(&department))?;
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::internal(&e, &rc.request_id))?;
        let events = event_log::read_stream(
            &mut conn,
            WorkflowChart::TYPE,
            &workflow::stream_id(&department, &task),
        )
        .await
        .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        Ok(events.into_iter().map(Event).collect())
    }
}
