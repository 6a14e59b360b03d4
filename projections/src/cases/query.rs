//! Case analytics, as known at `knownAt` (exact: every row of the read model carries the
//! transaction time it became known, and case facts are versions in transaction time):
//!
//! - [`case_analytics`]: per group (department, task, region, sector, level) and period of
//!   Beijing time: cases opened (received) and closed, 办结率 (of the cases received in a
//!   period, the share closed by its end), on-time rate (of the closed cases with a time limit),
//!   overdue closed with the days over, and overdue open at the period's end (or at `knownAt`
//!   if earlier) with their days over;
//! - [`step_analytics`]: per step of a chart version: runs, time taken (mean, median, p90) in
//!   calendar time and in working time, waiting time before the step, on-time rate, returns
//!   for correction (rework);
//! - [`overdue_cases`]: the cases overdue at a point in time, paged.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use dutyledger_domain::calendar::{start_of_day, Calendar};
use dutyledger_domain::case::days_over;
use dutyledger_domain::values::DayKind;
use sqlx::{PgConnection, Row};

use crate::performance::query::Grain;
use crate::StoreError;

/// Why an analytics query could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Days over need a calendar year that is not loaded.
    #[error("the working-day calendar of {0} is not loaded: days over cannot be counted")]
    CalendarYearMissing(i32),
    /// The query would produce too many periods.
    #[error("{0}")]
    TooLarge(String),
}

impl From<sqlx::Error> for QueryError {
    fn from(e: sqlx::Error) -> Self {
        QueryError::Store(e.into())
    }
}

/// Which cases count (all conditions together).
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only these departments (`None`: all).
    pub departments: Option<Vec<String>>,
    /// Only this task.
    pub task: Option<String>,
    /// Only applicants in this division: the code's significant prefix.
    pub region_prefix: Option<String>,
    /// Only this sector.
    pub sector: Option<String>,
    /// Only this level (`City`, `County`, `Township`).
    pub level: Option<String>,
    /// From this day (Beijing time, inclusive).
    pub from: Option<NaiveDate>,
    /// To this day (Beijing time, inclusive).
    pub to: Option<NaiveDate>,
}

impl CaseFilter {
    /// The range as instants `[from, to)`.
    fn range(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.from.map(start_of_day),
            self.to.and_then(|d| d.succ_opt()).map(start_of_day),
        )
    }
}

/// How case figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseGroup {
    /// One group.
    All,
    /// Per department.
    Department,
    /// Per task (of a department: `department/task`).
    Task,
    /// Per applicant region (12-digit code).
    Region,
    /// Per sector of the department.
    Sector,
    /// Per level of the department.
    Level,
}

impl CaseGroup {
    fn expression(self) -> &'static str {
        match self {
            CaseGroup::All => "''",
            CaseGroup::Department => "v.department_id",
            CaseGroup::Task => "v.department_id || '/' || v.task_id",
            CaseGroup::Region => "v.region",
            CaseGroup::Sector => "v.sector",
            CaseGroup::Level => "v.level",
        }
    }
}

/// The figures of one group and period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFigures {
    /// The group's key (`""` for [`CaseGroup::All`]).
    pub group: String,
    /// The period's first day (`None`: the whole range).
    pub period: Option<NaiveDate>,
    /// Cases received in the period.
    pub opened: i64,
    /// Of those, closed by the period's end.
    pub opened_closed: i64,
    /// Cases closed in the period.
    pub closed: i64,
    /// Of those, with a time limit.
    pub timed: i64,
    /// Of those, closed in time.
    pub on_time: i64,
    /// Cases closed late in the period.
    pub overdue_closed: i64,
    /// Their days over, summed.
    pub overdue_closed_days: i64,
    /// Cases open and past their deadline at the period's end (or at `knownAt`).
    pub overdue_open: i64,
    /// Their days over at that time, summed.
    pub overdue_open_days: i64,
}

/// The conditions of a query on case versions (`v`), with its parameters from `$first`.
struct Conditions {
    sql: String,
    texts: Vec<Option<String>>,
    departments: Option<Vec<String>>,
    known_at: Option<DateTime<Utc>>,
}

fn conditions(filter: &CaseFilter, known_at: Option<DateTime<Utc>>) -> Conditions {
    // $1: knownAt, $2: departments, $3: task, $4: region prefix, $5: sector, $6: level.
    let mut sql = String::from(
        "(($1::timestamptz IS NULL AND v.known_to IS NULL) OR \
          ($1::timestamptz IS NOT NULL AND v.known_from <= $1 \
           AND (v.known_to IS NULL OR v.known_to > $1)))",
    );
    if filter.departments.is_some() {
        sql.push_str(" AND v.department_id = ANY($2::text[])");
    }
    if filter.task.is_some() {
        sql.push_str(" AND v.task_id = $3");
    }
    if filter.region_prefix.is_some() {
        sql.push_str(" AND left(v.region, length($4)) = $4");
    }
    if filter.sector.is_some() {
        sql.push_str(" AND v.sector = $5");
    }
    if filter.level.is_some() {
        sql.push_str(" AND v.level = $6");
    }
    Conditions {
        sql,
        texts: vec![
            filter.task.clone(),
            filter.region_prefix.clone(),
            filter.sector.clone(),
            filter.level.clone(),
        ],
        departments: filter.departments.clone(),
        known_at,
    }
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    c: &'q Conditions,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut q = q.bind(c.known_at).bind(c.departments.clone());
    for t in &c.texts {
        q = q.bind(t.clone());
    }
    q
}

/// The Beijing period (first day) of a time column, as SQL.
fn period_sql(column: &str, grain: Option<Grain>) -> String {
    match grain {
        None => "NULL::date".to_owned(),
        Some(g) => format!(
            "date_trunc('{}', {column} AT TIME ZONE 'UTC' + interval '8 hours')::date",
            grain_unit(g)
        ),
    }
}

/// The first instant after the Beijing period of a time column, as SQL (`$7`: the range's
/// end, for the whole range).
fn period_end_sql(column: &str, grain: Option<Grain>) -> String {
    match grain {
        None => "COALESCE($7::timestamptz, 'infinity'::timestamptz)".to_owned(),
        Some(g) => format!(
            "((date_trunc('{u}', {column} AT TIME ZONE 'UTC' + interval '8 hours') \
               + interval '{length}') - interval '8 hours') AT TIME ZONE 'UTC'",
            u = grain_unit(g),
            length = match g {
                Grain::Day => "1 day",
                Grain::Month => "1 month",
                Grain::Quarter => "3 months",
                Grain::Year => "1 year",
            }
        ),
    }
}

fn grain_unit(g: Grain) -> &'static str {
    match g {
        Grain::Day => "day",
        Grain::Month => "month",
        Grain::Quarter => "quarter",
        Grain::Year => "year",
    }
}

fn calendar_error(e: dutyledger_domain::case::CaseRejection) -> QueryError {
    match e {
        dutyledger_domain::case::CaseRejection::CalendarYearMissing(y) => {
            QueryError::CalendarYearMissing(y)
        }
        other => QueryError::TooLarge(other.to_string()),
    }
}

/// The most periods one answer may hold.
pub const MAX_PERIODS: usize = 3_700;

/// Case figures per group and period, as known at `known_at` (`None`: everything recorded).
/// `now` is the server's time: open cases are judged at the earlier of each period's end,
/// `known_at` and `now`.
pub async fn case_analytics(
    conn: &mut PgConnection,
    filter: &CaseFilter,
    group: CaseGroup,
    grain: Option<Grain>,
    known_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<Vec<CaseFigures>, QueryError> {
    let c = conditions(filter, known_at);
    let (from, to) = filter.range();
    let g = group.expression();
    let mut figures: BTreeMap<(String, Option<NaiveDate>), CaseFigures> = BTreeMap::new();

    // Received in the range: opened, and closed by the period's end.
    let opened = format!(
        "SELECT {g} AS g, {p} AS p, count(*) AS opened, \
                count(*) FILTER (WHERE v.closed_at IS NOT NULL AND v.closed_at < {end}) AS done \
         FROM case_versions v \
         WHERE {cond} AND ($7::timestamptz IS NULL OR v.received_at < $7) \
               AND ($8::timestamptz IS NULL OR v.received_at >= $8) \
         GROUP BY 1, 2",
        p = period_sql("v.received_at", grain),
        end = period_end_sql("v.received_at", grain),
        cond = c.sql,
    );
    let rows = bind(sqlx::query(&opened), &c)
        .bind(to)
        .bind(from)
        .fetch_all(&mut *conn)
        .await?;
    for r in rows {
        let key = (r.try_get::<String, _>("g")?, r.try_get("p")?);
        let f = figures.entry(key).or_default();
        f.opened += r.try_get::<i64, _>("opened")?;
        f.opened_closed += r.try_get::<i64, _>("done")?;
    }

    // Closed in the range.
    let closed = format!(
        "SELECT {g} AS g, {p} AS p, count(*) AS closed, count(v.on_time) AS timed, \
                count(*) FILTER (WHERE v.on_time) AS on_time, \
                count(*) FILTER (WHERE NOT v.on_time) AS late, \
                COALESCE(sum(v.days_over), 0)::bigint AS days \
         FROM case_versions v \
         WHERE {cond} AND v.closed_at IS NOT NULL \
               AND ($7::timestamptz IS NULL OR v.closed_at < $7) \
               AND ($8::timestamptz IS NULL OR v.closed_at >= $8) \
         GROUP BY 1, 2",
        p = period_sql("v.closed_at", grain),
        cond = c.sql,
    );
    let rows = bind(sqlx::query(&closed), &c)
        .bind(to)
        .bind(from)
        .fetch_all(&mut *conn)
        .await?;
    for r in rows {
        let key = (r.try_get::<String, _>("g")?, r.try_get("p")?);
        let f = figures.entry(key).or_default();
        f.closed += r.try_get::<i64, _>("closed")?;
        f.timed += r.try_get::<i64, _>("timed")?;
        f.on_time += r.try_get::<i64, _>("on_time")?;
        f.overdue_closed += r.try_get::<i64, _>("late")?;
        f.overdue_closed_days += r.try_get::<i64, _>("days")?;
    }

    // Open and overdue at each period's end (or knownAt / now, if earlier).
    let horizon = known_at.map_or(now, |k| k.min(now));
    let mut cutoffs: Vec<(Option<NaiveDate>, DateTime<Utc>)> = Vec::new();
    match (grain, filter.from, filter.to) {
        (Some(g), Some(f), Some(t)) => {
            let mut start = g.start(f);
            while start <= t {
                let next = g.next(start);
                let end = start_of_day(next).min(horizon);
                if start_of_day(start) < horizon {
                    cutoffs.push((Some(start), end));
                }
                if cutoffs.len() > MAX_PERIODS {
                    return Err(QueryError::TooLarge(format!(
                        "more than {MAX_PERIODS} periods: choose a coarser period or a shorter range"
                    )));
                }
                start = next;
            }
        }
        (Some(g), _, _) => {
            // Without a full range, open cases are judged once, at the horizon, in its period.
            let day = dutyledger_domain::performance::local_date(horizon);
            cutoffs.push((Some(g.start(day)), horizon));
        }
        (None, _, _) => cutoffs.push((None, to.map_or(horizon, |t| t.min(horizon)))),
    }
    if !cutoffs.is_empty() {
        let periods: Vec<Option<NaiveDate>> = cutoffs.iter().map(|c| c.0).collect();
        let instants: Vec<DateTime<Utc>> = cutoffs.iter().map(|c| c.1).collect();
        let open = format!(
            "SELECT {g} AS g, c.n AS n, v.deadline, v.limit_kind, count(*) AS cases \
             FROM UNNEST($7::timestamptz[]) WITH ORDINALITY AS c(at, n) \
             JOIN case_versions v ON v.received_at < c.at \
                  AND (v.closed_at IS NULL OR v.closed_at >= c.at) \
                  AND v.deadline IS NOT NULL AND v.deadline < c.at \
             WHERE {cond} \
             GROUP BY 1, 2, 3, 4",
            cond = c.sql,
        );
        let rows = bind(sqlx::query(&open), &c)
            .bind(&instants)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            let n: i64 = r.try_get("n")?;
            let i = (n - 1) as usize;
            let deadline: DateTime<Utc> = r.try_get("deadline")?;
            let kind: Option<String> = r.try_get("limit_kind")?;
            let cases: i64 = r.try_get("cases")?;
            let at = instants[i] - Duration::microseconds(1);
            let days = days_over(calendar, deadline, at, day_kind(kind.as_deref()))
                .map_err(calendar_error)?;
            let f = figures
                .entry((r.try_get::<String, _>("g")?, periods[i]))
                .or_default();
            f.overdue_open += cases;
            f.overdue_open_days += cases * i64::from(days);
        }
    }
    Ok(figures
        .into_iter()
        .map(|((group, period), mut f)| {
            f.group = group;
            f.period = period;
            f
        })
        .collect())
}

fn day_kind(kind: Option<&str>) -> DayKind {
    match kind {
        Some("Calendar") => DayKind::Calendar,
        _ => DayKind::Working,
    }
}

/// Figures of one step of a chart version.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFigures {
    /// The step's number (from 1).
    pub step: i32,
    /// Its name.
    pub name: String,
    /// Runs completed.
    pub runs: i64,
    /// Calendar seconds taken: mean, median, 90th percentile.
    pub seconds: [f64; 3],
    /// Working seconds taken: mean, median, 90th percentile.
    pub working_seconds: [f64; 3],
    /// Mean calendar seconds waited before the step started.
    pub waited_seconds: f64,
    /// Runs with a time limit.
    pub timed: i64,
    /// Of those, completed in time.
    pub on_time: i64,
    /// Returns for correction at this step (rework).
    pub returns: i64,
}

/// Per step of version `version` of a task's chart (`department`: the task's department):
/// the runs completed in `[from, to]` (Beijing days), as known at `known_at`.
pub async fn step_analytics(
    conn: &mut PgConnection,
    department: &str,
    task: &str,
    version: i32,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Result<Vec<StepFigures>, QueryError> {
    let from = from.map(start_of_day);
    let to = to.and_then(|d| d.succ_opt()).map(start_of_day);
    let rows = sqlx::query(
        "SELECT step, min(name) AS name, count(*) AS runs, \
                avg(seconds)::float8 AS s_mean, \
                percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS s_median, \
                percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS s_p90, \
                avg(working_seconds)::float8 AS w_mean, \
                percentile_cont(0.5) WITHIN GROUP (ORDER BY working_seconds) AS w_median, \
                percentile_cont(0.9) WITHIN GROUP (ORDER BY working_seconds) AS w_p90, \
                avg(waited_seconds)::float8 AS waited, \
                count(on_time) AS timed, count(*) FILTER (WHERE on_time) AS on_time \
         FROM case_step_runs \
         WHERE task_id = $1 AND version = $2 AND department_id = $3 \
           AND ($4::timestamptz IS NULL OR known <= $4) \
           AND ($5::timestamptz IS NULL OR completed_at >= $5) \
           AND ($6::timestamptz IS NULL OR completed_at < $6) \
         GROUP BY step ORDER BY step",
    )
    .bind(task)
    .bind(version)
    .bind(department)
    .bind(known_at)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: BTreeMap<i32, StepFigures> = BTreeMap::new();
    for r in rows {
        let step: i32 = r.try_get("step")?;
        out.insert(
            step,
            StepFigures {
                step,
                name: r.try_get("name")?,
                runs: r.try_get("runs")?,
                seconds: [
                    r.try_get("s_mean")?,
                    r.try_get("s_median")?,
                    r.try_get("s_p90")?,
                ],
                working_seconds: [
                    r.try_get("w_mean")?,
                    r.try_get("w_median")?,
                    r.try_get("w_p90")?,
                ],
                waited_seconds: r.try_get("waited")?,
                timed: r.try_get("timed")?,
                on_time: r.try_get("on_time")?,
                returns: 0,
            },
        );
    }
    let returns = sqlx::query(
        "SELECT step, count(*) AS n FROM case_returns \
         WHERE task_id = $1 AND version = $2 AND department_id = $3 \
           AND ($4::timestamptz IS NULL OR known <= $4) \
           AND ($5::timestamptz IS NULL OR at >= $5) \
           AND ($6::timestamptz IS NULL OR at < $6) \
         GROUP BY step",
    )
    .bind(task)
    .bind(version)
    .bind(department)
    .bind(known_at)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    for r in returns {
        let step: i32 = r.try_get("step")?;
        let n: i64 = r.try_get("n")?;
        out.entry(step)
            .or_insert_with(|| StepFigures {
                step,
                name: String::new(),
                runs: 0,
                seconds: [0.0; 3],
                working_seconds: [0.0; 3],
                waited_seconds: 0.0,
                timed: 0,
                on_time: 0,
                returns: 0,
            })
            .returns = n;
    }
    Ok(out.into_values().collect())
}

/// A case overdue at a point in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueCase {
    /// Its stream (`department/case id`): the paging key with the deadline.
    pub stream: String,
    /// The department.
    pub department_id: String,
    /// The client's case id.
    pub case_id: String,
    /// The task.
    pub task_id: String,
    /// The chart version.
    pub version: i32,
    /// The applicant's region.
    pub region: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Its deadline (first instant after the limit).
    pub deadline: DateTime<Utc>,
    /// When it was closed, if it was.
    pub closed_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub outcome: Option<String>,
    /// Days over: at closing, or (open) at the time asked.
    pub days_over: i64,
}

/// The cases overdue at `at` as known at `known_at`: open ones past their deadline, and those
/// closed late (received in the filter's range), ordered by deadline then stream, after the
/// paging key `after`, at most `first`.
pub async fn overdue_cases(
    conn: &mut PgConnection,
    filter: &CaseFilter,
    known_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    calendar: &Calendar,
    after: Option<(DateTime<Utc>, String)>,
    first: i64,
) -> Result<Vec<OverdueCase>, QueryError> {
    let c = conditions(filter, known_at);
    let (from, to) = filter.range();
    let sql = format!(
        "SELECT v.stream, v.department_id, v.case_id, v.task_id, v.version, v.region, \
                v.received_at, v.deadline, v.closed_at, v.outcome, v.days_over, v.limit_kind \
         FROM case_versions v \
         WHERE {cond} AND v.deadline IS NOT NULL \
           AND ((v.closed_at IS NULL AND v.deadline < $7) OR v.on_time = false) \
           AND ($8::timestamptz IS NULL OR v.received_at >= $8) \
           AND ($9::timestamptz IS NULL OR v.received_at < $9) \
           AND ($10::timestamptz IS NULL OR (v.deadline, v.stream) > ($10, $11)) \
         ORDER BY v.deadline, v.stream LIMIT $12",
        cond = c.sql
    );
    let rows = bind(sqlx::query(&sql), &c)
        .bind(at)
        .bind(from)
        .bind(to)
        .bind(after.as_ref().map(|a| a.0))
        .bind(after.as_ref().map(|a| a.1.clone()))
        .bind(first)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let deadline: DateTime<Utc> = r.try_get("deadline")?;
        let closed_at: Option<DateTime<Utc>> = r.try_get("closed_at")?;
        let stored: Option<i32> = r.try_get("days_over")?;
        let kind: Option<String> = r.try_get("limit_kind")?;
        let days = match (closed_at, stored) {
            (Some(_), Some(d)) => i64::from(d),
            _ => i64::from(
                days_over(
                    calendar,
                    deadline,
                    at - Duration::microseconds(1),
                    day_kind(kind.as_deref()),
                )
                .map_err(calendar_error)?,
            ),
        };
        out.push(OverdueCase {
            stream: r.try_get("stream")?,
            department_id: r.try_get("department_id")?,
            case_id: r.try_get("case_id")?,
            task_id: r.try_get("task_id")?,
            version: r.try_get("version")?,
            region: r.try_get("region")?,
            received_at: r.try_get("received_at")?,
            deadline,
            closed_at,
            outcome: r.try_get("outcome")?,
            days_over: days,
        });
    }
    Ok(out)
}
