//! The performance area (履职数据): recording work done (one record or a batch of thousands),
//! correcting and voiding records, and the performance views (figures by department, unit,
//! post, task, region, level and sector, per day, month, quarter or year; rankings; time
//! series), as a report made at `asOf.knownAt` saw them.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use dutyledger_domain::performance::{RawRecord, RecordRejection};
use dutyledger_domain::values::{self, CreditCode, DivisionCode, EntityId, Text};
use dutyledger_projections::performance::query::{
    self, Dimension, Figures, Filter, Grain, Measure, QueryError,
};
use dutyledger_projections::performance::{RecordOutcome, RecordStatus as Status, MAX_BATCH};

use crate::app::{AppState, CommandOutcome};
use crate::auth::policy::{authorize, department_scope, may_write_records, Access, Scope};
use crate::context::RequestContext;
use crate::graphql::error::{parse_field, ApiError};
use crate::graphql::structure::types::DepartmentLevel;
use crate::graphql::time::AsOfInput;

/// Where a record comes from.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RecordSource {
    /// 日常录入: entered by the department's clerks.
    DailyEntry,
    /// 督查: found by an inspection.
    Inspection,
    /// 系统对接: delivered by another system.
    SystemIntegration,
}

impl RecordSource {
    fn code(self) -> &'static str {
        match self {
            RecordSource::DailyEntry => "DAILY_ENTRY",
            RecordSource::Inspection => "INSPECTION",
            RecordSource::SystemIntegration => "SYSTEM_INTEGRATION",
        }
    }
}

fn level_code(level: DepartmentLevel) -> &'static str {
    match values::DepartmentLevel::from(level) {
        values::DepartmentLevel::City => "City",
        values::DepartmentLevel::County => "County",
        values::DepartmentLevel::Township => "Township",
    }
}

/// A record of work done (履职数据).
#[derive(InputObject, Debug, Clone)]
pub struct WorkRecordInput {
    /// The client's id of the record, unique within the department (1-64 of `A-Za-z0-9._:-`).
    /// Submitting the same id again stores nothing and returns the original result.
    pub record_id: ID,
    /// The department (credit code).
    pub department_id: ID,
    /// The unit.
    pub unit_id: ID,
    /// The post that did the work; it must have held the task at `occurredAt`.
    pub post_id: ID,
    /// The task done.
    pub task_id: ID,
    /// Where: a 12-digit division code inside the department's jurisdiction.
    pub region: String,
    /// The department's level, if stated (checked against the department).
    pub level: Option<DepartmentLevel>,
    /// When the work was done (not in the future).
    pub occurred_at: DateTime<Utc>,
    /// How much work (1 to 1,000,000).
    pub quantity: i64,
    /// Days taken, counted like the task's time limit (working or calendar days); with the
    /// task's limit it decides whether the work was on time.
    pub time_taken_days: Option<i64>,
    /// Whether the work was done on time, if known without days taken (must agree with them
    /// if both are given).
    pub on_time: Option<bool>,
    /// Where the record comes from (default `DAILY_ENTRY`).
    pub source: Option<RecordSource>,
}

impl WorkRecordInput {
    fn raw(&self) -> RawRecord {
        RawRecord {
            record_id: Some(self.record_id.to_string()),
            department_id: Some(self.department_id.to_string()),
            unit_id: Some(self.unit_id.to_string()),
            post_id: Some(self.post_id.to_string()),
            task_id: Some(self.task_id.to_string()),
            region: Some(self.region.clone()),
            level: self.level.map(|l| level_code(l).to_owned()),
            occurred_at: Some(
                self.occurred_at
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            ),
            quantity: Some(self.quantity.to_string()),
            time_taken_days: self.time_taken_days.map(|d| d.to_string()),
            on_time: self.on_time.map(|b| b.to_string()),
            source: self.source.map(|s| s.code().to_owned()),
        }
    }
}

/// What became of a record.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RecordStatus {
    /// Stored now.
    Stored,
    /// Stored before under the same record id (or earlier in this batch): nothing stored; the
    /// original's cursor and time are returned.
    Duplicate,
    /// Refused by a rule (see `code` and `reason`): nothing stored.
    Rejected,
}

/// The result for one record.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordResult {
    /// Its place in the batch (from 0).
    pub index: i32,
    /// Its record id.
    pub record_id: Option<ID>,
    /// What became of it.
    pub status: RecordStatus,
    /// For a rejected record: the rule broken (e.g. `POST_NOT_HOLDING_TASK`).
    pub code: Option<String>,
    /// For a rejected record: why.
    pub reason: Option<String>,
    /// The stored event's cursor (for a duplicate: the original's).
    pub cursor: Option<String>,
    /// When it was stored (for a duplicate: the original's time).
    pub recorded_at: Option<DateTime<Utc>>,
}

fn result(o: &RecordOutcome) -> RecordResult {
    RecordResult {
        index: o.index as i32,
        record_id: o.record_id.clone().map(ID),
        status: match o.status {
            Status::Stored => RecordStatus::Stored,
            Status::Duplicate => RecordStatus::Duplicate,
            Status::Rejected => RecordStatus::Rejected,
        },
        code: o.rejection.as_ref().map(|r| r.code().to_owned()),
        reason: o.rejection.as_ref().map(|r| r.to_string()),
        cursor: o.cursor.map(|c| c.to_string()),
        recorded_at: o.recorded_at,
    }
}

/// The result of a batch.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordBatchResult {
    /// Stored now.
    pub stored: i32,
    /// Duplicates (stored before).
    pub duplicates: i32,
    /// Rejected.
    pub rejected: i32,
    /// One result per record, in the batch's order.
    pub results: Vec<RecordResult>,
    /// The cursor of the last stored event.
    pub cursor: Option<String>,
    /// Whether the performance views already show the batch.
    pub projected: bool,
}

/// Correct a stored record.
#[derive(InputObject, Debug, Clone)]
pub struct CorrectWorkRecordInput {
    /// The record as it should have been (same department and record id), checked like a new
    /// record.
    pub record: WorkRecordInput,
    /// Why (required).
    pub reason: String,
}

/// Void a stored record.
#[derive(InputObject, Debug, Clone)]
pub struct VoidWorkRecordInput {
    /// The department.
    pub department_id: ID,
    /// The record.
    pub record_id: ID,
    /// Why (required).
    pub reason: String,
}

/// The result of a correction or void.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordChangeResult {
    /// Events appended (0: the correction changed nothing).
    pub events: i32,
    /// The cursor of the event.
    pub cursor: Option<String>,
    /// Whether the performance views already show the change.
    pub projected: bool,
}

impl From<CommandOutcome> for RecordChangeResult {
    fn from(o: CommandOutcome) -> Self {
        Self {
            events: o.events as i32,
            cursor: o.cursor.map(|c| c.to_string()),
            projected: o.projected,
        }
    }
}

fn reason(input: &str) -> Result<Text, ApiError> {
    let t = parse_field("reason", Text::parse_field("reason", input))?;
    if t.as_str().chars().count() > 2000 {
        return Err(ApiError::bad_input("reason", "at most 2000 characters"));
    }
    Ok(t)
}

fn parse_one(
    input: &WorkRecordInput,
) -> Result<dutyledger_domain::performance::RecordInput, ApiError> {
    input.raw().parse().map_err(|e| {
        let mut err = ApiError::refused(&e);
        if let (ApiError::BadInput { field, .. }, RecordRejection::Invalid { field: f, .. }) =
            (&mut err, &e)
        {
            *field = Some(format!("record.{f}"));
        }
        err
    })
}

/// Performance mutations.
#[derive(Default, Debug)]
pub struct PerformanceMutation;

#[Object]
impl PerformanceMutation {
    /// Records one piece of work done. A rule broken is an error (`BAD_USER_INPUT` or
    /// `NOT_FOUND`, with `extensions.rule`); a record id stored before returns `DUPLICATE`
    /// with the original's cursor. Clerks record for their own department only.
    async fn record_work(
        &self,
        ctx: &Context<'_>,
        input: WorkRecordInput,
    ) -> async_graphql::Result<RecordResult> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let department = parse_field("departmentId", CreditCode::parse(&input.department_id))?;
        authorize(&rc.actor, Access::WriteRecords(&department))?;
        let parsed = parse_one(&input)?;
        let (outcome, _) = app
            .commands
            .records(rc, vec![(Some(input.record_id.to_string()), Ok(parsed))])
            .await?;
        let Some(o) = outcome.outcomes.first() else {
            return Err(ApiError::internal(&"empty batch outcome", &rc.request_id).into());
        };
        if let Some(rejection) = &o.rejection {
            return Err(ApiError::refused(rejection).into());
        }
        Ok(result(o))
    }

    /// Records a batch of up to 5,000 records in one transaction, with a result per record:
    /// `STORED`, `DUPLICATE` (stored before: nothing stored again) or `REJECTED` (with the
    /// rule's code and the reason). Rejected records do not stop the others. A record of a
    /// department the caller may not write is rejected with code `FORBIDDEN`.
    async fn record_work_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The records (at most 5,000).")] records: Vec<WorkRecordInput>,
    ) -> async_graphql::Result<RecordBatchResult> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        if !may_write_records(&rc.actor) {
            return Err(ApiError::Forbidden(format!(
                "{} may not write performance records",
                rc.actor.role
            ))
            .into());
        }
        if records.len() > MAX_BATCH {
            return Err(ApiError::bad_input(
                "records",
                format!(
                    "at most {MAX_BATCH} records per batch, got {}",
                    records.len()
                ),
            )
            .into());
        }
        let mut forbidden = Vec::new();
        let mut batch = Vec::with_capacity(records.len());
        for (index, input) in records.iter().enumerate() {
            let parsed = input.raw().parse();
            if let Ok(p) = &parsed {
                if let Err(e) = authorize(&rc.actor, Access::WriteRecords(&p.department_id)) {
                    forbidden.push((index, e.message()));
                    continue;
                }
            }
            batch.push((Some(input.record_id.to_string()), parsed));
        }
        let (outcome, projected) = app.commands.records(rc, batch).await?;
        // Put the forbidden records back in their places.
        let mut results: Vec<RecordResult> = Vec::with_capacity(records.len());
        let mut stored = outcome.outcomes.iter();
        let mut forbidden = forbidden.into_iter().peekable();
        for (index, input) in records.iter().enumerate() {
            if forbidden.peek().is_some_and(|(i, _)| *i == index) {
                let (_, message) = forbidden.next().unwrap_or_default();
                results.push(RecordResult {
                    index: index as i32,
                    record_id: Some(input.record_id.clone()),
                    status: RecordStatus::Rejected,
                    code: Some("FORBIDDEN".into()),
                    reason: Some(message),
                    cursor: None,
                    recorded_at: None,
                });
            } else if let Some(o) = stored.next() {
                let mut r = result(o);
                r.index = index as i32;
                results.push(r);
            }
        }
        let rejected = results
            .iter()
            .filter(|r| r.status == RecordStatus::Rejected)
            .count();
        Ok(RecordBatchResult {
            stored: outcome.stored as i32,
            duplicates: outcome.duplicates as i32,
            rejected: rejected as i32,
            results,
            cursor: outcome.cursor.map(|c| c.to_string()),
            projected,
        })
    }

    /// Corrects a stored record: the new version is checked like a new record and replaces the
    /// one in force; the figures move, while a query with an earlier `knownAt` still shows the
    /// old ones. A reason is required.
    async fn correct_work_record(
        &self,
        ctx: &Context<'_>,
        input: CorrectWorkRecordInput,
    ) -> async_graphql::Result<RecordChangeResult> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let department = parse_field(
            "departmentId",
            CreditCode::parse(&input.record.department_id),
        )?;
        authorize(&rc.actor, Access::WriteRecords(&department))?;
        let reason = reason(&input.reason)?;
        let parsed = parse_one(&input.record)?;
        Ok(app
            .commands
            .correct_record(rc, parsed, reason)
            .await?
            .into())
    }

    /// Voids a stored record: it no longer counts. A reason is required.
    async fn void_work_record(
        &self,
        ctx: &Context<'_>,
        input: VoidWorkRecordInput,
    ) -> async_graphql::Result<RecordChangeResult> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let department = parse_field("departmentId", CreditCode::parse(&input.department_id))?;
        authorize(&rc.actor, Access::WriteRecords(&department))?;
        let record_id = parse_field("recordId", EntityId::parse(&input.record_id))?;
        let reason = reason(&input.reason)?;
        Ok(app
            .commands
            .void_record(rc, &department, &record_id, reason)
            .await?
            .into())
    }
}

/// What figures are grouped by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PerformanceDimension {
    /// 部门.
    Department,
    /// 处（科）室 (within its department).
    Unit,
    /// 岗位 (within its unit).
    Post,
    /// 工作任务 (within its unit).
    Task,
    /// 区域: the division code where the work was done.
    Region,
    /// 层级: city, county, township.
    Level,
    /// 领域: the department's sector.
    Sector,
}

impl From<PerformanceDimension> for Dimension {
    fn from(d: PerformanceDimension) -> Self {
        match d {
            PerformanceDimension::Department => Dimension::Department,
            PerformanceDimension::Unit => Dimension::Unit,
            PerformanceDimension::Post => Dimension::Post,
            PerformanceDimension::Task => Dimension::Task,
            PerformanceDimension::Region => Dimension::Region,
            PerformanceDimension::Level => Dimension::Level,
            PerformanceDimension::Sector => Dimension::Sector,
        }
    }
}

/// How figures are split over time (calendar periods in Beijing time, UTC+08:00).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PeriodGrain {
    /// 日.
    Day,
    /// 月.
    Month,
    /// 季度.
    Quarter,
    /// 年.
    Year,
}

impl From<PeriodGrain> for Grain {
    fn from(g: PeriodGrain) -> Self {
        match g {
            PeriodGrain::Day => Grain::Day,
            PeriodGrain::Month => Grain::Month,
            PeriodGrain::Quarter => Grain::Quarter,
            PeriodGrain::Year => Grain::Year,
        }
    }
}

/// Which records count.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PerformanceFilter {
    /// One department.
    pub department_id: Option<ID>,
    /// Several departments.
    pub department_ids: Option<Vec<ID>>,
    /// One unit.
    pub unit_id: Option<ID>,
    /// One post.
    pub post_id: Option<ID>,
    /// One task.
    pub task_id: Option<ID>,
    /// Work done in this division or below it (12-digit code: a county's code covers its
    /// townships).
    pub region: Option<String>,
    /// Departments of this level.
    pub level: Option<DepartmentLevel>,
    /// Departments of this sector.
    pub sector: Option<String>,
    /// Work done on or after this day (Beijing time).
    pub from: Option<NaiveDate>,
    /// Work done on or before this day (Beijing time).
    pub to: Option<NaiveDate>,
}

/// The figures of a group.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceFigures {
    /// Records (voided ones do not count).
    pub records: i64,
    /// Their quantities, summed.
    pub quantity: i64,
    /// Records with an on-time verdict.
    pub timed: i64,
    /// Of those, done on time.
    pub on_time: i64,
    /// `onTime / timed` (null when no record has a verdict).
    pub on_time_rate: Option<f64>,
}

impl From<Figures> for PerformanceFigures {
    fn from(f: Figures) -> Self {
        Self {
            records: f.records,
            quantity: f.quantity,
            timed: f.timed,
            on_time: f.on_time,
            on_time_rate: f.on_time_rate(),
        }
    }
}

/// A calendar period.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformancePeriod {
    /// Its first day.
    pub start: NaiveDate,
    /// Its last day.
    pub end: NaiveDate,
}

/// One row: a group (the fields `groupBy` names; the others are null) in one period.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceRow {
    /// The department.
    pub department_id: Option<ID>,
    /// The unit.
    pub unit_id: Option<ID>,
    /// The post.
    pub post_id: Option<ID>,
    /// The task.
    pub task_id: Option<ID>,
    /// The region.
    pub region: Option<String>,
    /// The level.
    pub level: Option<DepartmentLevel>,
    /// The sector.
    pub sector: Option<String>,
    /// The period (null when not split by period).
    pub period: Option<PerformancePeriod>,
    /// The figures.
    pub figures: PerformanceFigures,
}

/// Figures per group and period, and their totals.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceReport {
    /// The rows, by group then period.
    pub rows: Vec<PerformanceRow>,
    /// The totals over all rows.
    pub totals: PerformanceFigures,
}

/// What departments are ranked by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RankingMeasure {
    /// 按时办结率: on-time rate (departments without any verdict rank last).
    OnTimeRate,
    /// Number of records.
    Records,
    /// Summed quantity.
    Quantity,
}

/// A department's place in a ranking.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceRank {
    /// 1 for the best; equal values share a rank (1, 2, 2, 4).
    pub rank: i32,
    /// The department.
    pub department_id: ID,
    /// Its figures.
    pub figures: PerformanceFigures,
}

/// One point of a time series.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformancePoint {
    /// The period.
    pub period: PerformancePeriod,
    /// Its figures (zero where nothing was recorded).
    pub figures: PerformanceFigures,
}

fn query_error(e: QueryError, request_id: &str) -> ApiError {
    match e {
        QueryError::Unsupported(m) => ApiError::BadInput {
            message: m,
            field: None,
            rule: Some("UNSUPPORTED_COMBINATION"),
        },
        QueryError::TooLarge(m) => ApiError::BadInput {
            message: m,
            field: None,
            rule: Some("ANSWER_TOO_LARGE"),
        },
        QueryError::DaysNotKept(m) => ApiError::BadInput {
            message: m,
            field: Some("period".into()),
            rule: Some("DAYS_NOT_KEPT"),
        },
        QueryError::Store(e) => ApiError::from_store(e, request_id),
    }
}

/// The filter, checked and limited to what the actor may see.
fn scoped_filter(
    rc: &RequestContext,
    input: Option<PerformanceFilter>,
) -> Result<Filter, ApiError> {
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
    let departments = match department_scope(&rc.actor) {
        Scope::All => (!named.is_empty() || input.department_ids.is_some()).then_some(named),
        Scope::Only(own) => {
            let own: Vec<String> = own.iter().map(|c| c.to_string()).collect();
            if let Some(other) = named.iter().find(|d| !own.contains(d)) {
                return Err(ApiError::Forbidden(format!(
                    "{} may not read performance figures of department {other}",
                    rc.actor.role
                )));
            }
            Some(if named.is_empty() { own } else { named })
        }
    };
    let id = |field: &str, v: &Option<ID>| -> Result<Option<String>, ApiError> {
        v.as_ref()
            .map(|v| parse_field(field, EntityId::parse(v)).map(|e| e.to_string()))
            .transpose()
    };
    if let (Some(from), Some(to)) = (input.from, input.to) {
        if from > to {
            return Err(ApiError::bad_input(
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
fn known_at(as_of: Option<AsOfInput>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(input) = as_of else {
        return Ok(None);
    };
    if input.valid_at.is_some() {
        return Err(ApiError::BadInput {
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
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
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
            .map_err(|e| ApiError::from_store(e.into(), &rc.request_id))?;
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
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let filter = scoped_filter(rc, filter)?;
        if first.is_some_and(|f| f < 0) {
            return Err(ApiError::bad_input("first", "must not be negative").into());
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
            .map_err(|e| ApiError::from_store(e.into(), &rc.request_id))?;
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
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let filter = scoped_filter(rc, Some(filter))?;
        let mut conn = app
            .pool
            .acquire()
            .await
            .map_err(|e| ApiError::from_store(e.into(), &rc.request_id))?;
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
