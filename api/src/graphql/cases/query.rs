//! The case analytics, read from the cases read model as known at `asOf.knownAt`.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_projections::cases::query::{self, QueryError};
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::performance::query::Grain;
use dutyledger_projections::{calendar, workflow};

use super::inputs::*;
use super::types::*;
use crate::context::RequestContext;
use crate::graphql::kit::request;
use crate::graphql::performance::types::PeriodGrain;
use crate::graphql::time::AsOfInput;
use crate::service::policy::{authorize, narrow_departments, Access};
use crate::service::{parse_field, AppError};

fn query_error(e: QueryError, request_id: &str) -> AppError {
    match e {
        QueryError::CalendarYearMissing(y) => AppError::BadInput {
            message: format!(
                "the working-day calendar of {y} is not loaded: days over cannot be counted"
            ),
            field: None,
            rule: Some("CALENDAR_YEAR_MISSING"),
        },
        QueryError::TooLarge(m) => AppError::BadInput {
            message: m,
            field: None,
            rule: Some("ANSWER_TOO_LARGE"),
        },
        QueryError::Store(e) => AppError::from_store(e, request_id),
    }
}

/// `asOf` for case analytics: only `knownAt` applies (the period and the range select when
/// cases were received, closed or run).
fn known_at(as_of: Option<AsOfInput>) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(input) = as_of else {
        return Ok(None);
    };
    if input.valid_at.is_some() {
        return Err(AppError::BadInput {
            message: "asOf.validAt does not apply to case analytics: choose the days with the \
                      filter's from and to (or period); asOf.knownAt gives the figures as known \
                      at a point in time"
                .into(),
            field: Some("asOf.validAt".into()),
            rule: Some("VALID_AT_NOT_APPLICABLE"),
        });
    }
    let resolved = AsOfInput::resolve(Some(input))?;
    Ok(input.known_at.map(|_| resolved.known_at))
}

async fn national_calendar(
    app: &crate::app::AppState,
    rc: &RequestContext,
) -> Result<dutyledger_domain::calendar::Calendar, AppError> {
    let now = Utc::now();
    calendar::load(
        &app.pool,
        AsOf {
            valid_at: now,
            known_at: now,
        },
    )
    .await
    .map_err(|e| AppError::from_store(e, &rc.request_id))
}

fn encode_cursor(deadline: DateTime<Utc>, stream: &str) -> String {
    let raw = format!("{}|{stream}", deadline.timestamp_micros());
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Result<(DateTime<Utc>, String), AppError> {
    let bad = || AppError::bad_input("after", "not a cursor this server issued");
    if !cursor.len().is_multiple_of(2) || cursor.len() > 1_000 {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (micros, stream) = text.split_once('|').ok_or_else(bad)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(bad)?;
    Ok((at, stream.to_owned()))
}

/// Case queries.
#[derive(Default, Debug)]
pub struct CasesQuery;

#[Object]
impl CasesQuery {
    /// Workflow case figures (办件) per group and period: cases received and closed, 办结率 (of
    /// the cases received in a period, the share closed by its end), on-time rate, overdue
    /// cases closed late and still open past their deadline (with days over), as known at
    /// `asOf.knownAt`. Periods are days, months, quarters or years of receipt (or of closing,
    /// for the closing figures) in Beijing time; without `period`, the whole range at once.
    /// Clerks see their own department's cases only.
    async fn case_analytics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases count.")] filter: Option<CaseFilter>,
        #[graphql(desc = "How the figures are grouped (default: ALL).")] group_by: Option<
            CaseGroupBy,
        >,
        #[graphql(desc = "Split by calendar period (none: the whole range at once).")]
        period: Option<PeriodGrain>,
        #[graphql(desc = "As known at `knownAt` (`validAt` does not apply).")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<CaseFiguresRow>> {
        let (app, rc) = request(ctx)?;
        let filter = scoped_filter(rc, filter)?;
        let known = known_at(as_of)?;
        let grain = period.map(Grain::from);
        let calendar = national_calendar(app, rc).await?;
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::from_store(e.into(), &rc.request_id))?;
        let rows = query::case_analytics(
            &mut conn,
            &filter,
            group_by.unwrap_or_default().into(),
            grain,
            known,
            Utc::now(),
            &calendar,
        )
        .await
        .map_err(|e| query_error(e, &rc.request_id))?;
        Ok(rows
            .into_iter()
            .map(|f| figures_row(f, |start| grain.map_or(start, |g| g.end(start))))
            .collect())
    }

    /// Per step of a version of a task's workflow chart: runs, work time (mean, median, 90th
    /// percentile) in calendar time and in working time, waiting time before the step, on-time
    /// rate and returns for correction, over the runs completed in `period`, as known at
    /// `asOf.knownAt`.
    async fn step_analytics(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The department (may be left out when only one department has a task with this id)."
        )]
        department_id: Option<ID>,
        #[graphql(desc = "The task.")] task_id: ID,
        #[graphql(desc = "The chart version.")] version: i32,
        #[graphql(desc = "The days the runs were completed in (default: all).")] period: Option<
            DayRange,
        >,
        #[graphql(desc = "As known at `knownAt` (`validAt` does not apply).")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<StepFiguresRow>> {
        let (app, rc) = request(ctx)?;
        authorize(&rc.actor, Access::ReadCases)?;
        let task = parse_field("taskId", EntityId::parse(&task_id))?;
        if version < 1 {
            return Err(AppError::bad_input("version", "a chart version number, from 1").into());
        }
        let known = known_at(as_of)?;
        let department = match department_id {
            Some(d) => parse_field("departmentId", CreditCode::parse(&d))?.to_string(),
            None => {
                let found = workflow::departments_of_task(&app.pool, task.as_str())
                    .await
                    .map_err(|e| AppError::from_store(e, &rc.request_id))?;
                match found.as_slice() {
                    [one] => one.clone(),
                    [] => {
                        return Err(AppError::NotFound {
                            message: format!("no workflow chart for task {task}"),
                            rule: Some("WORKFLOW_NOT_FOUND"),
                        }
                        .into())
                    }
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
        narrow_departments(&rc.actor, Some(vec![department.clone()]), "workflow cases")?;
        let period = period.unwrap_or_default();
        if let (Some(from), Some(to)) = (period.from, period.to) {
            if from > to {
                return Err(AppError::bad_input(
                    "period.from",
                    format!("the range starts ({from}) after it ends ({to})"),
                )
                .into());
            }
        }
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::from_store(e.into(), &rc.request_id))?;
        let rows = query::step_analytics(
            &mut conn,
            &department,
            task.as_str(),
            version,
            period.from,
            period.to,
            known,
        )
        .await
        .map_err(|e| query_error(e, &rc.request_id))?;
        Ok(rows.into_iter().map(StepFiguresRow::from).collect())
    }

    /// The cases overdue at `asOf.knownAt` (default: now) as known then: open cases past their
    /// deadline (days over counted to then) and cases closed late, by deadline, paged. The
    /// filter's range selects the day of receipt.
    async fn overdue_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases count.")] filter: Option<CaseFilter>,
        #[graphql(desc = "How many (1 to 500, default 50).", default = 50)] first: i32,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
        #[graphql(desc = "As known at `knownAt` (`validAt` does not apply).")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<OverdueCaseConnection> {
        let (app, rc) = request(ctx)?;
        let filter = scoped_filter(rc, filter)?;
        if !(1..=500).contains(&first) {
            return Err(AppError::bad_input("first", "from 1 to 500").into());
        }
        let known = known_at(as_of)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let now = Utc::now();
        let at = known.map_or(now, |k| k.min(now));
        let calendar = national_calendar(app, rc).await?;
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::from_store(e.into(), &rc.request_id))?;
        let mut rows = query::overdue_cases(
            &mut conn,
            &filter,
            known,
            at,
            &calendar,
            after,
            i64::from(first) + 1,
        )
        .await
        .map_err(|e| query_error(e, &rc.request_id))?;
        let has_next_page = rows.len() > first as usize;
        rows.truncate(first as usize);
        let edges: Vec<OverdueCaseEdge> = rows
            .into_iter()
            .map(|c| OverdueCaseEdge {
                cursor: encode_cursor(c.deadline, &c.stream),
                node: c.into(),
            })
            .collect();
        Ok(OverdueCaseConnection {
            page_info: OverduePageInfo {
                has_next_page,
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }
}
