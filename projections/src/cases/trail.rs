//! Reading the case trail for process-mining exports (issue 17, ADR 0017): the case events a
//! [`TrailFilter`] selects, the cases they belong to, and the chart versions and units they
//! involve, each as a `sqlx` stream (rows are decoded as they arrive; nothing is collected, so
//! memory stays flat in the number of cases).
//!
//! A [`Trail`] holds one `REPEATABLE READ` read-only transaction: every section a writer reads
//! (objects, then events) sees the same snapshot and so the same horizon
//! (`pg_snapshot_xmin(pg_current_snapshot())`), and only events below it. The selection is
//! decided by each case's `CaseOpened` event in the log (department, task, chart version,
//! receipt day in Beijing time, applicant region), not by a read model, so the export is the
//! log itself.

use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::calendar::start_of_day;
use dutyledger_domain::case::CaseEvent;
use futures::stream::{BoxStream, StreamExt};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::StoreError;

/// Which cases a trail holds (all conditions together; `None`: any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailFilter {
    /// Only cases of these departments (credit codes).
    pub departments: Option<Vec<String>>,
    /// Only cases of this task.
    pub task: Option<String>,
    /// Only cases on this chart version.
    pub version: Option<i32>,
    /// Only cases received from this day on (Beijing time, inclusive).
    pub from: Option<NaiveDate>,
    /// Only cases received up to this day (Beijing time, inclusive).
    pub to: Option<NaiveDate>,
    /// Only applicants in this division: the code's significant prefix.
    pub region_prefix: Option<String>,
    /// Only departments of this sector (on the day of receipt).
    pub sector: Option<String>,
    /// Only departments of this level (`City`, `County`, `Township`).
    pub level: Option<String>,
}

/// In which order events come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The global order of the log (transaction id, position).
    Global,
    /// Case by case (by stream id), each case's events in its own sequence (for XES traces).
    ByCase,
}

/// A case (the object of an OCEL export; a trace of an XES one), from its `CaseOpened` event.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailCase {
    /// The stream id: `department/case id`.
    pub stream: String,
    /// The department's credit code.
    pub department_id: String,
    /// The client's case id.
    pub case_id: String,
    /// The task.
    pub task_id: String,
    /// The chart version it runs on.
    pub version: i32,
    /// The opening event (its fields: region, applicant, received_at, deadline, ...).
    pub opened: CaseEvent,
}

/// One case event of the trail.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailEvent {
    /// The stream id: `department/case id`.
    pub stream: String,
    /// The event's sequence in its stream (from 1).
    pub sequence: i64,
    /// The department's credit code.
    pub department_id: String,
    /// The case's task.
    pub task_id: String,
    /// The case's chart version.
    pub version: i32,
    /// When it was stored (transaction time).
    pub recorded_at: DateTime<Utc>,
    /// The event.
    pub event: CaseEvent,
}

/// A chart version that cases of the trail run on, with its publication.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailChart {
    /// The department's credit code.
    pub department_id: String,
    /// The task.
    pub task_id: String,
    /// The version.
    pub version: i32,
    /// Its number of steps.
    pub steps: i32,
    /// When it came into force.
    pub effective_at: DateTime<Utc>,
    /// When its publication was stored.
    pub recorded_at: DateTime<Utc>,
}

/// A unit (科室) that completed steps of the trail's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailUnit {
    /// The department's credit code.
    pub department_id: String,
    /// The unit's id.
    pub unit_id: String,
}

/// The trail of the cases a filter selects, read in one snapshot.
#[derive(Debug)]
pub struct Trail {
    tx: Transaction<'static, Postgres>,
    filter: TrailFilter,
}

/// The selected cases: `sel(stream, department_id, task_id, version, opened, tx, pos)`, the
/// filter bound as $1..$8 (a macro, so that every query is one `&'static str`).
macro_rules! with_selected {
    ($($rest:expr),* $(,)?) => {
        concat!(
            "WITH sel AS ( \
               SELECT aggregate_id AS stream, split_part(aggregate_id, '/', 1) AS department_id, \
                      payload->'CaseOpened'->>'task_id' AS task_id, \
                      (payload->'CaseOpened'->>'version')::int AS version, \
                      payload AS opened, transaction_id AS tx, position AS pos \
               FROM events \
               WHERE aggregate_type = 'workflow_case' AND event_type = 'CaseOpened' \
                 AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
                 AND ($1::text[] IS NULL OR split_part(aggregate_id, '/', 1) = ANY($1)) \
                 AND ($2::text IS NULL OR payload->'CaseOpened'->>'task_id' = $2) \
                 AND ($3::int IS NULL OR (payload->'CaseOpened'->>'version')::int = $3) \
                 AND ($4::timestamptz IS NULL \
                      OR (payload->'CaseOpened'->>'received_at')::timestamptz >= $4) \
                 AND ($5::timestamptz IS NULL \
                      OR (payload->'CaseOpened'->>'received_at')::timestamptz < $5) \
                 AND ($6::text IS NULL OR starts_with(payload->'CaseOpened'->>'region', $6)) \
                 AND ($7::text IS NULL OR payload->'CaseOpened'->>'sector' = $7) \
                 AND ($8::text IS NULL OR payload->'CaseOpened'->>'level' = $8)) ",
            $($rest),*
        )
    };
}

const CASES: &str = with_selected!(
    "SELECT stream, department_id, task_id, version, opened FROM sel ORDER BY tx, pos"
);

macro_rules! events_in {
    ($order:literal) => {
        with_selected!(
            "SELECT e.aggregate_id AS stream, e.sequence, sel.department_id, sel.task_id, \
                    sel.version, e.recorded_at, e.payload \
             FROM events e JOIN sel ON sel.stream = e.aggregate_id \
             WHERE e.aggregate_type = 'workflow_case' \
               AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
             ORDER BY ",
            $order
        )
    };
}

const EVENTS_GLOBAL: &str = events_in!("e.transaction_id, e.position");
const EVENTS_BY_CASE: &str = events_in!("e.aggregate_id, e.sequence");

const CHARTS: &str = with_selected!(
    ", used AS (SELECT DISTINCT department_id, task_id, version FROM sel) \
     SELECT DISTINCT ON (p.department_id, p.task_id, p.version) \
            p.department_id, \
            p.task_id, p.version, p.steps, p.effective_at, p.recorded_at \
     FROM used u \
     JOIN workflow_publications p ON p.department_id = u.department_id \
          AND p.task_id = u.task_id AND p.version = u.version \
     ORDER BY p.department_id, p.task_id, p.version, p.sequence"
);

const UNITS: &str = with_selected!(
    ", used AS ( \
       SELECT DISTINCT sel.department_id, \
              e.payload->'CaseStepCompleted'->>'unit_id' AS unit_id \
       FROM events e JOIN sel ON sel.stream = e.aggregate_id \
       WHERE e.aggregate_type = 'workflow_case' AND e.event_type = 'CaseStepCompleted' \
         AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())) \
     SELECT department_id, unit_id FROM used ORDER BY department_id, unit_id"
);

/// Per variant (the names of the steps a case ran, one per run in the order they started,
/// reruns after a return included), the number of cases: most frequent first, at most `first`
/// (`$9`).
const VARIANTS: &str = with_selected!(
    ", runs AS ( \
       SELECT sel.stream, \
              coalesce(array_agg(e.payload->'CaseStepStarted'->>'name' ORDER BY e.sequence) \
                       FILTER (WHERE e.event_type = 'CaseStepStarted'), '{}') AS steps \
       FROM sel LEFT JOIN events e ON e.aggregate_id = sel.stream \
            AND e.aggregate_type = 'workflow_case' \
            AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
       GROUP BY sel.stream) \
     SELECT steps, count(*) AS cases FROM runs GROUP BY steps \
     ORDER BY cases DESC, steps LIMIT $9"
);

/// A variant: a sequence of step runs and how many cases ran exactly it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The steps' names, one per run, in the order the runs started.
    pub steps: Vec<String>,
    /// The cases.
    pub cases: i64,
}

/// The variants of the cases `filter` selects, below the horizon, most frequent first.
pub async fn variants(
    pool: &PgPool,
    filter: &TrailFilter,
    first: i64,
) -> Result<Vec<Variant>, StoreError> {
    let f = filter;
    let rows = sqlx::query(VARIANTS)
        .bind(f.departments.clone())
        .bind(f.task.clone())
        .bind(f.version)
        .bind(f.from.map(start_of_day))
        .bind(f.to.and_then(|d| d.succ_opt()).map(start_of_day))
        .bind(f.region_prefix.clone())
        .bind(f.sector.clone())
        .bind(f.level.clone())
        .bind(first)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Variant {
                steps: r.try_get("steps")?,
                cases: r.try_get("cases")?,
            })
        })
        .collect()
}

impl Trail {
    /// Opens the trail: one read-only snapshot for everything read from it.
    pub async fn open(pool: &PgPool, filter: TrailFilter) -> Result<Trail, StoreError> {
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        // An export of millions of cases reads for minutes: the pool's statement timeout,
        // meant for queries on the request path, does not apply to it.
        sqlx::query("SET LOCAL statement_timeout = 0")
            .execute(&mut *tx)
            .await?;
        Ok(Trail { tx, filter })
    }

    /// The filter.
    pub fn filter(&self) -> &TrailFilter {
        &self.filter
    }

    /// The selected cases, in the global order of their opening.
    pub fn cases(&mut self) -> BoxStream<'_, Result<TrailCase, StoreError>> {
        self.rows(CASES, |r| {
            let stream: String = r.try_get("stream")?;
            let opened: sqlx::types::Json<CaseEvent> = r.try_get("opened")?;
            Ok(TrailCase {
                case_id: case_id(&stream),
                department_id: r.try_get("department_id")?,
                task_id: r.try_get("task_id")?,
                version: r.try_get("version")?,
                stream,
                opened: opened.0,
            })
        })
    }

    /// The selected cases' events, below the horizon, in `order`.
    pub fn events(&mut self, order: Order) -> BoxStream<'_, Result<TrailEvent, StoreError>> {
        let sql = match order {
            Order::Global => EVENTS_GLOBAL,
            Order::ByCase => EVENTS_BY_CASE,
        };
        self.rows(sql, |r| {
            let payload: sqlx::types::Json<CaseEvent> = r.try_get("payload")?;
            Ok(TrailEvent {
                stream: r.try_get("stream")?,
                sequence: r.try_get("sequence")?,
                department_id: r.try_get("department_id")?,
                task_id: r.try_get("task_id")?,
                version: r.try_get("version")?,
                recorded_at: r.try_get("recorded_at")?,
                event: payload.0,
            })
        })
    }

    /// The chart versions the selected cases run on, with their publication, ordered by
    /// department, task and version (so that departments and tasks come grouped).
    pub fn charts(&mut self) -> BoxStream<'_, Result<TrailChart, StoreError>> {
        self.rows(CHARTS, |r| {
            Ok(TrailChart {
                department_id: r.try_get("department_id")?,
                task_id: r.try_get("task_id")?,
                version: r.try_get("version")?,
                steps: r.try_get("steps")?,
                effective_at: r.try_get("effective_at")?,
                recorded_at: r.try_get("recorded_at")?,
            })
        })
    }

    /// The units that completed steps of the selected cases (below the horizon), ordered.
    pub fn units(&mut self) -> BoxStream<'_, Result<TrailUnit, StoreError>> {
        self.rows(UNITS, |r| {
            Ok(TrailUnit {
                department_id: r.try_get("department_id")?,
                unit_id: r.try_get("unit_id")?,
            })
        })
    }

    fn rows<T: Send + 'static>(
        &mut self,
        sql: &'static str,
        decode: fn(&PgRow) -> Result<T, StoreError>,
    ) -> BoxStream<'_, Result<T, StoreError>> {
        let f = &self.filter;
        sqlx::query(sql)
            .bind(f.departments.clone())
            .bind(f.task.clone())
            .bind(f.version)
            .bind(f.from.map(start_of_day))
            .bind(f.to.and_then(|d| d.succ_opt()).map(start_of_day))
            .bind(f.region_prefix.clone())
            .bind(f.sector.clone())
            .bind(f.level.clone())
            .fetch(&mut *self.tx)
            .map(move |row| row.map_err(StoreError::from).and_then(|r| decode(&r)))
            .boxed()
    }
}

/// The case id of a stream id (`department/case id`).
fn case_id(stream: &str) -> String {
    stream.split_once('/').map_or(stream, |(_, c)| c).to_owned()
}
