//! The performance views: figures per group and period, as a report made at `known_at` saw
//! them (default: now).
//!
//! A query reads one dimension of the rollups (department, unit, post, task or region: the
//! most specific one its grouping and filter name), sums the rows in the period range, and
//! groups them. Quarters and years are summed from months; a range that does not start and end
//! on month boundaries is summed from days, which are kept for departments and units (and so
//! for levels and sectors) only: posts, tasks and regions are kept by month, and their days are
//! summed from the log for named departments and a bounded range. With `known_at`, the rows of
//! recording days before `known_at`'s day are summed, and the records changed between the
//! start of that day (Beijing time) and `known_at` are read from the log itself and added: the
//! answer is exact to the microsecond without a row per instant.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use cqrs_es::Aggregate;
use dutyledger_domain::performance::{
    local_date, PerformanceRecord, WorkRecord, PERIOD_OFFSET_SECONDS,
};
use dutyledger_domain::values::{DivisionCode, DivisionLevel};
use futures::TryStreamExt;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use super::project::{decode_text, level_text, month_of, Sums};
use crate::StoreError;

/// The most rows one answer may hold.
pub const MAX_ROWS: usize = 20_000;
/// The most points one time series may hold.
pub const MAX_POINTS: usize = 5_000;
/// The record events recorded from `$2` to `$3` (a `knownAt`'s own day up to it; `$1`: the
/// stream type). The type is hidden from the planner (`(SELECT $1)`): statistics older than a
/// bulk load say the type has no rows, and a plan built on that walks every record by type
/// instead of the day's range of `recorded_at` (`tests/api/plans.rs`).
macro_rules! same_day_events {
    () => {
        "SELECT payload::text AS payload, event_type, event_version FROM events \
         WHERE aggregate_type = (SELECT $1::text) AND recorded_at >= $2 AND recorded_at <= $3"
    };
}
/// See `same_day_events!`.
pub const SAME_DAY_EVENTS: &str = same_day_events!();
/// [`SAME_DAY_EVENTS`] of the departments `$4` only (stream ids are `department/record`; a
/// correction never moves a record to another department).
pub const SAME_DAY_EVENTS_OF_DEPARTMENTS: &str = concat!(
    same_day_events!(),
    " AND split_part(aggregate_id, '/', 1) = ANY($4)"
);
/// Whether the database's text order keeps every stream id `D/...` between `D/` and `D0`.
pub const COLLATION_PROBE: &str = "SELECT bool_and(s > 'D/' AND s < 'D0') \
     FROM unnest(ARRAY['D/0', 'D/9', 'D/A', 'D/z', 'D/Zz', 'D/-', 'D/_', 'D/.', 'D/~~']) s";
/// One department's record events (`$1` type, `$2` department), recorded by `$5` if given; the
/// payload only of corrections, voids and first versions done from `$3` to `$4` (the others
/// come back without one: counted, not decoded).
macro_rules! department_events {
    () => {
        "SELECT CASE WHEN event_type <> 'WorkRecorded' \
           OR (payload->'WorkRecorded'->'record'->>'occurred_at')::timestamptz BETWEEN $3 AND $4 \
           THEN payload::text END AS payload, event_type, event_version \
         FROM events WHERE aggregate_type = (SELECT $1::text) \
           AND split_part(aggregate_id, '/', 1) = $2 \
           AND ($5::timestamptz IS NULL OR recorded_at <= $5)"
    };
}
/// See `department_events!`: picked by name alone (a scan of every record), for collations
/// that do not keep a department's stream ids together.
pub const DEPARTMENT_EVENTS_BY_NAME: &str = department_events!();
/// [`DEPARTMENT_EVENTS_BY_NAME`] within the department's range of stream ids (`$6`..`$7`,
/// `D/`..`D0`): one range of the primary key.
pub const DEPARTMENT_EVENTS_BY_RANGE: &str = concat!(
    department_events!(),
    " AND aggregate_id > $6 AND aggregate_id < $7"
);
/// The longest range (days) of daily figures per post, task or region (computed from the log).
pub const MAX_LOG_DAYS: i64 = 366;
/// The most record events read from the log for one query of daily figures per post, task or
/// region (about a second's work).
pub const MAX_LOG_EVENTS: usize = 1_000_000;

/// What figures can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// The department.
    Department,
    /// The unit (within its department).
    Unit,
    /// The post (within its unit).
    Post,
    /// The task (within its unit).
    Task,
    /// The region (division code).
    Region,
    /// The department's level.
    Level,
    /// The department's sector.
    Sector,
}

/// How figures are split over time (Beijing time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grain {
    /// Per day.
    Day,
    /// Per calendar month.
    Month,
    /// Per calendar quarter.
    Quarter,
    /// Per calendar year.
    Year,
}

impl Grain {
    /// The first day of the period that contains `day`.
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => day,
            Grain::Month => month_of(day),
            Grain::Quarter => {
                let m = (day.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(day.year(), m, 1).unwrap_or(day)
            }
            Grain::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
        }
    }

    /// The first day of the next period.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        let months = match self {
            Grain::Day => return start.succ_opt().unwrap_or(start),
            Grain::Month => 1,
            Grain::Quarter => 3,
            Grain::Year => 12,
        };
        start
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(start)
    }

    /// The last day of the period starting at `start`.
    pub fn end(self, start: NaiveDate) -> NaiveDate {
        self.next(start).pred_opt().unwrap_or(start)
    }
}

/// Which records count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these departments (`None`: all).
    pub departments: Option<Vec<String>>,
    /// Only this unit.
    pub unit: Option<String>,
    /// Only this post.
    pub post: Option<String>,
    /// Only this task.
    pub task: Option<String>,
    /// Only work done in this division (or below it).
    pub region: Option<DivisionCode>,
    /// Only departments of this level (`City`, `County`, `Township`).
    pub level: Option<String>,
    /// Only departments of this sector.
    pub sector: Option<String>,
    /// Work done on or after this day (Beijing time).
    pub from: Option<NaiveDate>,
    /// Work done on or before this day (Beijing time).
    pub to: Option<NaiveDate>,
}

/// A performance query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Which records count.
    pub filter: Filter,
    /// Group by these (none: one group).
    pub group_by: Vec<Dimension>,
    /// Split by period (none: the whole range at once).
    pub grain: Option<Grain>,
    /// As a report made at this instant saw the figures (none: now).
    pub known_at: Option<DateTime<Utc>>,
}

/// A group's identity: the fields its grouping names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    /// The department.
    pub department_id: Option<String>,
    /// The unit.
    pub unit_id: Option<String>,
    /// The post.
    pub post_id: Option<String>,
    /// The task.
    pub task_id: Option<String>,
    /// The region.
    pub region: Option<String>,
    /// The level.
    pub level: Option<String>,
    /// The sector.
    pub sector: Option<String>,
}

/// Summed figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Records.
    pub records: i64,
    /// Their quantities, summed.
    pub quantity: i64,
    /// Records with an on-time verdict.
    pub timed: i64,
    /// Of those, on time.
    pub on_time: i64,
}

impl Figures {
    /// `on_time / timed`, if any record has a verdict.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.timed > 0).then(|| self.on_time as f64 / self.timed as f64)
    }

    fn add(&mut self, other: Figures) {
        self.records += other.records;
        self.quantity += other.quantity;
        self.timed += other.timed;
        self.on_time += other.on_time;
    }

    fn is_zero(&self) -> bool {
        *self == Figures::default()
    }
}

impl From<Sums> for Figures {
    fn from(s: Sums) -> Self {
        Self {
            records: s.records,
            quantity: s.quantity,
            timed: s.timed,
            on_time: s.on_time,
        }
    }
}

/// One row of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The group.
    pub key: GroupKey,
    /// The period's first day (none when not split by period).
    pub period: Option<NaiveDate>,
    /// The figures.
    pub figures: Figures,
}

/// An answer: rows in group and period order, and the totals over all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The rows.
    pub rows: Vec<ReportRow>,
    /// The totals.
    pub totals: Figures,
}

/// A query that cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The grouping and filter combine dimensions the rollups do not cross.
    #[error("{0}")]
    Unsupported(String),
    /// The answer would be too large.
    #[error("{0}")]
    TooLarge(String),
    /// Daily figures asked of a dimension kept by month.
    #[error("{0}")]
    DaysNotKept(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for QueryError {
    fn from(e: sqlx::Error) -> Self {
        QueryError::Store(e.into())
    }
}

/// The rollup dimension a query reads.
fn table_dimension(q: &Query) -> Result<&'static str, QueryError> {
    let f = &q.filter;
    let wants = |d: Dimension, filtered: bool| q.group_by.contains(&d) || filtered;
    let region = wants(Dimension::Region, f.region.is_some());
    let post = wants(Dimension::Post, f.post.is_some());
    let task = wants(Dimension::Task, f.task.is_some());
    let unit = wants(Dimension::Unit, f.unit.is_some());
    if region && (unit || post || task) {
        return Err(QueryError::Unsupported(
            "figures by region cannot be combined with a unit, post or task (group or filter); \
             regions can be combined with departments, levels and sectors"
                .into(),
        ));
    }
    if post && task {
        return Err(QueryError::Unsupported(
            "figures cannot be split by post and by task at once; choose one".into(),
        ));
    }
    Ok(if region {
        "region"
    } else if post {
        "post"
    } else if task {
        "task"
    } else if unit {
        "unit"
    } else {
        "department"
    })
}

fn region_prefix(code: &DivisionCode) -> &str {
    let len = match code.level() {
        DivisionLevel::Province => 2,
        DivisionLevel::City => 4,
        DivisionLevel::County => 6,
        DivisionLevel::Township => 9,
        DivisionLevel::Village => 12,
    };
    &code.as_str()[..len]
}

fn is_month_aligned(f: &Filter) -> bool {
    f.from.is_none_or(|d| d.day() == 1)
        && f.to
            .is_none_or(|d| d.succ_opt().is_some_and(|n| n.day() == 1))
}

/// The instant a local (Beijing) day starts.
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() - Duration::seconds(PERIOD_OFFSET_SECONDS)
}

fn group_key(group_by: &[Dimension], r: &WorkRecord) -> GroupKey {
    let mut k = GroupKey::default();
    for d in group_by {
        match d {
            Dimension::Department => k.department_id = Some(r.department_id.to_string()),
            Dimension::Unit => {
                k.department_id = Some(r.department_id.to_string());
                k.unit_id = Some(r.unit_id.to_string());
            }
            Dimension::Post => {
                k.department_id = Some(r.department_id.to_string());
                k.unit_id = Some(r.unit_id.to_string());
                k.post_id = Some(r.post_id.to_string());
            }
            Dimension::Task => {
                k.department_id = Some(r.department_id.to_string());
                k.unit_id = Some(r.unit_id.to_string());
                k.task_id = Some(r.task_id.to_string());
            }
            Dimension::Region => k.region = Some(r.region.to_string()),
            Dimension::Level => k.level = Some(level_text(r).to_owned()),
            Dimension::Sector => k.sector = Some(r.sector.to_string()),
        }
    }
    k
}

fn matches(f: &Filter, r: &WorkRecord) -> bool {
    let day = local_date(r.occurred_at);
    f.departments
        .as_ref()
        .is_none_or(|ds| ds.iter().any(|d| d == r.department_id.as_str()))
        && f.unit.as_deref().is_none_or(|u| u == r.unit_id.as_str())
        && f.post.as_deref().is_none_or(|p| p == r.post_id.as_str())
        && f.task.as_deref().is_none_or(|t| t == r.task_id.as_str())
        && f.region.as_ref().is_none_or(|g| g.contains(&r.region))
        && f.level.as_deref().is_none_or(|l| l == level_text(r))
        && f.sector.as_deref().is_none_or(|s| s == r.sector.as_str())
        && f.from.is_none_or(|from| day >= from)
        && f.to.is_none_or(|to| day <= to)
}

/// Answers a performance query.
pub async fn performance(conn: &mut PgConnection, q: &Query) -> Result<Report, QueryError> {
    let dimension = table_dimension(q)?;
    let f = &q.filter;
    let grain_rows = match q.grain {
        Some(Grain::Day) => 'd',
        _ if is_month_aligned(f) => 'm',
        _ => 'd',
    };
    if grain_rows == 'd' && !matches!(dimension, "department" | "unit") {
        return days_from_log(conn, q, dimension).await;
    }
    // Group columns, in the order of `GroupKey`.
    let mut columns: Vec<&'static str> = Vec::new();
    for d in &q.group_by {
        let cols: &[&'static str] = match d {
            Dimension::Department => &["department_id"],
            Dimension::Unit => &["department_id", "unit_id"],
            Dimension::Post | Dimension::Task => &["department_id", "unit_id", "key"],
            Dimension::Region => &["key"],
            Dimension::Level => &["level"],
            Dimension::Sector => &["sector"],
        };
        for c in cols {
            if !columns.contains(c) {
                columns.push(c);
            }
        }
    }
    let period_expr = match (q.grain, grain_rows) {
        (None, _) => "NULL::date",
        (Some(Grain::Day), _) | (Some(Grain::Month), 'm') => "period",
        (Some(Grain::Month), _) => "date_trunc('month', period)::date",
        (Some(Grain::Quarter), _) => "date_trunc('quarter', period)::date",
        (Some(Grain::Year), _) => "date_trunc('year', period)::date",
    };
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new("SELECT ");
    for c in &columns {
        b.push(*c).push(", ");
    }
    b.push(period_expr).push(
        " AS p, sum(records)::bigint AS records, sum(quantity)::bigint AS quantity, \
         sum(timed)::bigint AS timed, sum(on_time)::bigint AS on_time \
         FROM performance_rollups WHERE dimension = ",
    );
    b.push_bind(dimension);
    b.push(" AND grain = ")
        .push_bind(grain_rows.to_string())
        .push("::\"char\"");
    if let Some(ds) = &f.departments {
        b.push(" AND department_id = ANY(")
            .push_bind(ds.clone())
            .push(")");
    }
    if let Some(u) = &f.unit {
        b.push(" AND unit_id = ").push_bind(u.clone());
    }
    if let Some(p) = &f.post {
        b.push(" AND key = ").push_bind(p.clone());
    }
    if let Some(t) = &f.task {
        b.push(" AND key = ").push_bind(t.clone());
    }
    if let Some(r) = &f.region {
        b.push(" AND key LIKE ")
            .push_bind(format!("{}%", region_prefix(r)));
    }
    if let Some(l) = &f.level {
        b.push(" AND level = ").push_bind(l.clone());
    }
    if let Some(s) = &f.sector {
        b.push(" AND sector = ").push_bind(s.clone());
    }
    if let Some(from) = f.from {
        b.push(" AND period >= ").push_bind(from);
    }
    if let Some(to) = f.to {
        b.push(" AND period <= ").push_bind(to);
    }
    let known_day = q.known_at.map(local_date);
    if let Some(k) = known_day {
        b.push(" AND known < ").push_bind(k);
    }
    b.push(" GROUP BY ");
    for c in &columns {
        b.push(*c).push(", ");
    }
    b.push("p");
    let rows = b.build().fetch_all(&mut *conn).await?;

    let mut groups: HashMap<(GroupKey, Option<NaiveDate>), Figures> = HashMap::new();
    for row in &rows {
        let mut key = GroupKey::default();
        for d in &q.group_by {
            match d {
                Dimension::Department => key.department_id = Some(row.try_get("department_id")?),
                Dimension::Unit => {
                    key.department_id = Some(row.try_get("department_id")?);
                    key.unit_id = Some(row.try_get("unit_id")?);
                }
                Dimension::Post => {
                    key.department_id = Some(row.try_get("department_id")?);
                    key.unit_id = Some(row.try_get("unit_id")?);
                    key.post_id = Some(row.try_get("key")?);
                }
                Dimension::Task => {
                    key.department_id = Some(row.try_get("department_id")?);
                    key.unit_id = Some(row.try_get("unit_id")?);
                    key.task_id = Some(row.try_get("key")?);
                }
                Dimension::Region => key.region = Some(row.try_get("key")?),
                Dimension::Level => key.level = Some(row.try_get("level")?),
                Dimension::Sector => key.sector = Some(row.try_get("sector")?),
            }
        }
        let period: Option<NaiveDate> = row.try_get("p")?;
        groups.entry((key, period)).or_default().add(Figures {
            records: row.try_get("records")?,
            quantity: row.try_get("quantity")?,
            timed: row.try_get("timed")?,
            on_time: row.try_get("on_time")?,
        });
    }

    if let (Some(known_at), Some(day)) = (q.known_at, known_day) {
        // The changes recorded on known_at's own day, up to known_at, straight from the log:
        // streamed and folded one by one (a bulk load's day can hold millions, which must not
        // be held in memory), and only the named departments' streams (`department/record`;
        // a correction never moves a record to another department) are decoded.
        let sql = match f.departments {
            Some(_) => SAME_DAY_EVENTS_OF_DEPARTMENTS,
            None => SAME_DAY_EVENTS,
        };
        let mut read = sqlx::query(sql)
            .bind(PerformanceRecord::TYPE)
            .bind(day_start(day))
            .bind(known_at);
        if let Some(ds) = &f.departments {
            read = read.bind(ds);
        }
        fold_log(conn, read, q, &mut groups, None).await?;
    }
    finish(groups)
}

/// Folds the record events `query` selects (`payload` as text, `event_type`), streamed one by one,
/// into `groups`: each event adds the record it stores and subtracts the one it replaces or
/// voids, where the query's filter admits them. With `limit`, refuses (with its reason) after
/// that many events. Returns how many events it read.
async fn fold_log(
    conn: &mut PgConnection,
    query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    q: &Query,
    groups: &mut HashMap<(GroupKey, Option<NaiveDate>), Figures>,
    limit: Option<(usize, &str)>,
) -> Result<usize, QueryError> {
    let f = &q.filter;
    let mut events = query.fetch(&mut *conn);
    let mut read = 0usize;
    while let Some(row) = events.try_next().await? {
        read += 1;
        if let Some((limit, why)) = limit {
            if read > limit {
                return Err(QueryError::TooLarge(why.to_owned()));
            }
        }
        // A row without a payload was skipped by the statement (it counts against the limit,
        // which bounds the scan, not only what is decoded).
        let Some(payload) = row.try_get::<Option<&str>, _>("payload")? else {
            continue;
        };
        let event = decode_text(
            payload,
            row.try_get("event_type")?,
            row.try_get("event_version")?,
        )?;
        for r in event.rollups() {
            if !matches(f, r.record) {
                continue;
            }
            let period = q.grain.map(|g| g.start(local_date(r.record.occurred_at)));
            groups
                .entry((group_key(&q.group_by, r.record), period))
                .or_default()
                .add(Sums::of(r.record, r.sign).into());
        }
    }
    Ok(read)
}

/// Daily figures of a dimension kept by month (posts, tasks, regions): computed from the log,
/// for named departments and a bounded range only. Each department's record streams are one
/// range of the primary key (`department/...`); first versions done outside the range are
/// skipped before decoding (corrections and voids are always read, since they may move a
/// record into or out of it).
async fn days_from_log(
    conn: &mut PgConnection,
    q: &Query,
    dimension: &str,
) -> Result<Report, QueryError> {
    let f = &q.filter;
    let not_kept = || {
        QueryError::DaysNotKept(format!(
            "figures per {dimension} are kept by month: use period MONTH, QUARTER or YEAR and a \
             range of whole months (from the 1st to the last day of a month), or name the \
             department(s) and a range (from and to) of at most {MAX_LOG_DAYS} days for daily \
             figures; daily figures of every department are kept per department and unit"
        ))
    };
    let (Some(departments), Some(from), Some(to)) = (&f.departments, f.from, f.to) else {
        return Err(not_kept());
    };
    if departments.is_empty() || (to - from).num_days() >= MAX_LOG_DAYS {
        return Err(not_kept());
    }
    let mut groups = HashMap::new();
    let why = format!(
        "daily figures per {dimension} are computed from the records themselves, and the named \
         departments hold more than {MAX_LOG_EVENTS} record events: name fewer departments or \
         use period MONTH"
    );
    // A department's streams are one range of the primary key (`D/` < `D/...` < `D0`) where
    // text sorts bytewise, as under the C collation; a collation that orders punctuation
    // otherwise (or ignores it) is found out by the probe, and the streams are then picked by
    // name alone (correct, but a scan of every record).
    let bytewise: bool = sqlx::query_scalar(COLLATION_PROBE)
        .fetch_one(&mut *conn)
        .await?;
    // Each department once, however often the filter names it.
    let mut departments: Vec<&String> = departments.iter().collect();
    departments.sort();
    departments.dedup();
    let mut budget = MAX_LOG_EVENTS;
    for department in departments {
        let mut statement = sqlx::query(if bytewise {
            DEPARTMENT_EVENTS_BY_RANGE
        } else {
            DEPARTMENT_EVENTS_BY_NAME
        })
        .bind(PerformanceRecord::TYPE)
        .bind(department.as_str())
        .bind(day_start(from))
        .bind(day_start(to.succ_opt().unwrap_or(to)))
        .bind(q.known_at);
        if bytewise {
            statement = statement
                .bind(format!("{department}/"))
                .bind(format!("{department}0"));
        }
        let read = fold_log(
            conn,
            statement,
            q,
            &mut groups,
            Some((budget, why.as_str())),
        )
        .await?;
        budget -= read;
    }
    finish(groups)
}

fn finish(groups: HashMap<(GroupKey, Option<NaiveDate>), Figures>) -> Result<Report, QueryError> {
    let sorted: BTreeMap<(GroupKey, Option<NaiveDate>), Figures> =
        groups.into_iter().filter(|(_, f)| !f.is_zero()).collect();
    if sorted.len() > MAX_ROWS {
        return Err(QueryError::TooLarge(format!(
            "the answer would have {} rows (at most {MAX_ROWS}); narrow the filter or use a \
             longer period",
            sorted.len()
        )));
    }
    let mut totals = Figures::default();
    let rows = sorted
        .into_iter()
        .map(|((key, period), figures)| {
            totals.add(figures);
            ReportRow {
                key,
                period,
                figures,
            }
        })
        .collect();
    Ok(Report { rows, totals })
}

/// What departments are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Share of timed records done on time (departments without any rank last).
    OnTimeRate,
    /// Number of records.
    Records,
    /// Summed quantity.
    Quantity,
}

/// A place in a ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// 1 for the best; equal values share a rank (1, 2, 2, 4).
    pub rank: usize,
    /// The department.
    pub department_id: String,
    /// Its figures.
    pub figures: Figures,
}

/// Ranks departments by `measure` over the filter's range, best first.
pub async fn ranking(
    conn: &mut PgConnection,
    filter: Filter,
    measure: Measure,
    known_at: Option<DateTime<Utc>>,
) -> Result<Vec<Ranked>, QueryError> {
    let report = performance(
        conn,
        &Query {
            filter,
            group_by: vec![Dimension::Department],
            grain: None,
            known_at,
        },
    )
    .await?;
    let value = |f: &Figures| -> Option<f64> {
        match measure {
            Measure::OnTimeRate => f.on_time_rate(),
            Measure::Records => Some(f.records as f64),
            Measure::Quantity => Some(f.quantity as f64),
        }
    };
    let mut rows: Vec<(String, Figures)> = report
        .rows
        .into_iter()
        .map(|r| (r.key.department_id.unwrap_or_default(), r.figures))
        .collect();
    rows.sort_by(|a, b| {
        let (va, vb) = (value(&a.1), value(&b.1));
        vb.partial_cmp(&va)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut out: Vec<Ranked> = Vec::with_capacity(rows.len());
    for (i, (department_id, figures)) in rows.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if value(&prev.figures) == value(&figures) => prev.rank,
            _ => i + 1,
        };
        out.push(Ranked {
            rank,
            department_id,
            figures,
        });
    }
    Ok(out)
}

/// One point of a time series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The period's first day.
    pub start: NaiveDate,
    /// The period's last day.
    pub end: NaiveDate,
    /// The figures (zero where nothing was recorded).
    pub figures: Figures,
}

/// The filter's figures per period from `from` to `to` (both required), every period present.
pub async fn series(
    conn: &mut PgConnection,
    filter: Filter,
    grain: Grain,
    known_at: Option<DateTime<Utc>>,
) -> Result<Vec<Point>, QueryError> {
    let (Some(from), Some(to)) = (filter.from, filter.to) else {
        return Err(QueryError::Unsupported(
            "a time series needs both ends of its range (from and to)".into(),
        ));
    };
    if from > to {
        return Err(QueryError::Unsupported(format!(
            "the range starts ({from}) after it ends ({to})"
        )));
    }
    let mut starts = Vec::new();
    let mut at = grain.start(from);
    while at <= to {
        starts.push(at);
        if starts.len() > MAX_POINTS {
            return Err(QueryError::TooLarge(format!(
                "the series would have more than {MAX_POINTS} points; use a longer period"
            )));
        }
        let next = grain.next(at);
        if next == at {
            break;
        }
        at = next;
    }
    let report = performance(
        conn,
        &Query {
            filter,
            group_by: vec![],
            grain: Some(grain),
            known_at,
        },
    )
    .await?;
    let by_period: HashMap<NaiveDate, Figures> = report
        .rows
        .into_iter()
        .filter_map(|r| r.period.map(|p| (p, r.figures)))
        .collect();
    Ok(starts
        .into_iter()
        .map(|start| Point {
            start,
            end: grain.end(start),
            figures: by_period.get(&start).copied().unwrap_or_default(),
        })
        .collect())
}
