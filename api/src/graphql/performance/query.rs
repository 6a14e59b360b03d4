//! The performance views, read from the rollups as a report made at `asOf.knownAt` saw them.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::values::{self, CreditCode, DivisionCode, EntityId};
use dutyledger_projections::performance::query::{self, Filter, Grain, Measure, QueryError};

use super::inputs::*;
use super::types::*;
use crate::context::RequestContext;
use crate::graphql::kit::request;
use crate::graphql::structure::types::DepartmentLevel;
use crate::graphql::time::AsOfInput;
use crate::service::policy::{authorize, narrow_departments, Access};
use crate::service::{parse_field, AppError};

fn query_error(e: QueryError, request_id: &str) -> AppError {
    match e {
        QueryError::Unsupported(m) => AppError::BadInput {
            message: m,
            field: None,
            rule: Some("UNSUPPORTED_COMBINATION"),
        },
        QueryError::TooLarge(m) => AppError::BadInput {
            message: m,
            field: None,
            rule: Some("ANSWER_TOO_LARGE"),
        },
        QueryError::DaysNotKept(m) => AppError::BadInput {
            message: m,
            field: Some("period".into()),
            rule: Some("DAYS_NOT_KEPT"),
        },
        QueryError::Store(e) => AppError::from_store(e, request_id),
    }
}

/// The filter, checked and limited to what the actor may see.
fn scoped_filter(
    rc: &RequestContext,
    input: Option<PerformanceFilter>,
) -> Result<Filter, AppError> {
    authorize(&rc.actor, Access::ReadPerformance)?;
    let input = input.unwrap_or_default();
    let mut named: Vec<String> = Vec::new();
    if let Some(d) = &input.department_id {
        named.push(parse_field("filter.departmentId", CreditCode::parse(d))?.to_string());
    }
    for d in input.department_ids.iter().flatten() {
        named.push(parse_field("filter.departmentIds", CreditCode::parse(d))?.to_string());
    }
    if input.department_id.is_some() && input.department_ids.is_some() {
        // Both given: the departments in both.
        let one = named[0].clone();
        named = if named[1..].contains(&one) {
            vec![one]
        } else {
            vec![]
        };
    }
    let asked = (!named.is_empty() || input.department_ids.is_some()).then_some(named);
    let departments = narrow_departments(&rc.actor, asked, "performance figures")?;
    let id = |field: &str, v: &Option<ID>| -> Result<Option<String>, AppError> {
        v.as_ref()
            .map(|v| parse_field(field, EntityId::parse(v)).map(|e| e.to_string()))
            .transpose()
    };
    if let (Some(from), Some(to)) = (input.from, input.to) {
        if from > to {
            return Err(AppError::bad_input(
                "filter.from",
                format!("the range starts ({from}) after it ends ({to})"),
            ));
        }
    }
    let sector = match &input.sector {
        None => None,
        Some(s) => Some(parse_field("filter.sector", values::Name::parse(s))?.to_string()),
    };
    Ok(Filter {
        departments,
        unit: id("filter.unitId", &input.unit_id)?,
        post: id("filter.postId", &input.post_id)?,
        task: id("filter.taskId", &input.task_id)?,
        region: input
            .region
            .as_ref()
            .map(|r| parse_field("filter.region", DivisionCode::parse(r)))
            .transpose()?,
        level: input.level.map(|l| level_code(l).to_owned()),
        sector,
        from: input.from,
        to: input.to,
    })
}

/// `asOf` for performance views: only `knownAt` applies (the period and the range select the
/// time the work was done).
fn known_at(as_of: Option<AsOfInput>) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(input) = as_of else {
        return Ok(None);
    };
    if input.valid_at.is_some() {
        return Err(AppError::BadInput {
            message: "asOf.validAt does not apply to performance figures: choose the time the \
                      work was done with filter.from, filter.to and period; asOf.knownAt gives \
                      the figures as known at a point in time"
                .into(),
            field: Some("asOf.validAt".into()),
            rule: Some("VALID_AT_NOT_APPLICABLE"),
        });
    }
    let resolved = AsOfInput::resolve(Some(input))?;
    Ok(input.known_at.map(|_| resolved.known_at))
}

fn period_of(start: Option<NaiveDate>, grain: Option<Grain>) -> Option<PerformancePeriod> {
    let (start, grain) = (start?, grain?);
    Some(PerformancePeriod {
        start,
        end: grain.end(start),
    })
}

fn stored_level(s: &str) -> Option<DepartmentLevel> {
    match s {
        "City" => Some(values::DepartmentLevel::City.into()),
        "County" => Some(values::DepartmentLevel::County.into()),
        "Township" => Some(values::DepartmentLevel::Township.into()),
        _ => None,
    }
}

/// Performance queries.
#[derive(Default, Debug)]
pub struct PerformanceQuery;

#[Object]
impl PerformanceQuery {
    /// Performance figures (records, quantity, on-time rate) per group and period, with totals.
    /// Groups: any of department, unit, post, task, region, level, sector (a region cannot be
    /// combined with a unit, post or task, nor a post with a task). Periods are calendar days,
    /// months, quarters or years in Beijing time; without `period`, the whole range at once.
    /// `asOf.knownAt`: the figures as a report made at that instant saw them (corrections and
    /// voids recorded later do not show). Clerks see their own department only.
    async fn performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which records count.")] filter: Option<PerformanceFilter>,
        #[graphql(desc = "Group by these (none: one group).")] group_by: Option<
            Vec<PerformanceDimension>,
        >,
        #[graphql(desc = "Split by calendar period (none: the whole range at once).")]
        period: Option<PeriodGrain>,
        #[graphql(desc = "Only `knownAt` applies: the figures as known then.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<PerformanceReport> {
        let (app, rc) = request(ctx)?;
        let filter = scoped_filter(rc, filter)?;
        let grain = period.map(Grain::from);
        let q = query::Query {
            filter,
            group_by: group_by
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            grain,
            known_at: known_at(as_of)?,
        };
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::from_store(e.into(), &rc.request_id))?;
        let report = query::performance(&mut conn, &q)
            .await
            .map_err(|e| query_error(e, &rc.request_id))?;
        Ok(PerformanceReport {
            rows: report
                .rows
                .into_iter()
                .map(|r| PerformanceRow {
                    department_id: r.key.department_id.map(ID),
                    unit_id: r.key.unit_id.map(ID),
                    post_id: r.key.post_id.map(ID),
                    task_id: r.key.task_id.map(ID),
                    region: r.key.region,
                    level: r.key.level.as_deref().and_then(stored_level),
                    sector: r.key.sector,
                    period: period_of(r.period, grain),
                    figures: r.figures.into(),
                })
                .collect(),
            totals: report.totals.into(),
        })
    }

    /// Departments ranked by a measure over the filter's range (e.g. a year), best first.
    async fn performance_ranking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which records count (e.g. from and to for a year).")] filter: Option<
            PerformanceFilter,
        >,
        #[graphql(desc = "What to rank by (default `ON_TIME_RATE`).")] measure: Option<
            RankingMeasure,
        >,
        #[graphql(desc = "Only the first places.")] first: Option<i32>,
        #[graphql(desc = "Only `knownAt` applies: the figures as known then.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<PerformanceRank>> {
        let (app, rc) = request(ctx)?;
        let filter = scoped_filter(rc, filter)?;
        if first.is_some_and(|f| f < 0) {
            return Err(AppError::bad_input("first", "must not be negative").into());
        }
        let measure = match measure.unwrap_or(RankingMeasure::OnTimeRate) {
            RankingMeasure::OnTimeRate => Measure::OnTimeRate,
            RankingMeasure::Records => Measure::Records,
            RankingMeasure::Quantity => Measure::Quantity,
        };
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::from_store(e.into(), &rc.request_id))?;
        let ranked = query::ranking(&mut conn, filter, measure, known_at(as_of)?)
            .await
            .map_err(|e| query_error(e, &rc.request_id))?;
        Ok(ranked
            .into_iter()
            .take(first.map_or(usize::MAX, |f| f as usize))
            .map(|r| PerformanceRank {
                rank: r.rank as i32,
                department_id: ID(r.department_id),
                figures: r.figures.into(),
            })
            .collect())
    }

    /// The filter's figures per period from `filter.from` to `filter.to` (both required), every
    /// period present (zero where nothing was recorded): a chart's series.
    async fn performance_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which records count; from and to are required.")]
        filter: PerformanceFilter,
        #[graphql(desc = "The period of each point.")] period: PeriodGrain,
        #[graphql(desc = "Only `knownAt` applies: the figures as known then.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<PerformancePoint>> {
        let (app, rc) = request(ctx)?;
        let filter = scoped_filter(rc, Some(filter))?;
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| AppError::from_store(e.into(), &rc.request_id))?;
        let points = query::series(&mut conn, filter, period.into(), known_at(as_of)?)
            .await
            .map_err(|e| query_error(e, &rc.request_id))?;
        Ok(points
            .into_iter()
            .map(|p| PerformancePoint {
                period: PerformancePeriod {
                    start: p.start,
                    end: p.end,
                },
                figures: p.figures.into(),
            })
            .collect())
    }
}
