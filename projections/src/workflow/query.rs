//! Reading published versions as of a point in valid time and transaction time.

use chrono::{DateTime, Utc};
use dutyledger_domain::workflow::{Chart, ChartStats};
use sqlx::{PgPool, Row};

use crate::duty_list::AsOf;
use crate::StoreError;

/// A published version of a task's chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The department.
    pub department_id: String,
    /// The task.
    pub task_id: String,
    /// The version's number.
    pub version: u32,
    /// The version it superseded.
    pub supersedes: Option<u32>,
    /// In force from.
    pub effective_at: DateTime<Utc>,
    /// Recorded at.
    pub recorded_at: DateTime<Utc>,
    /// Its content.
    pub chart: Chart,
    /// Its figures.
    pub stats: ChartStats,
}

const COLUMNS: &str =
    "department_id, task_id, version, supersedes, effective_at, recorded_at, chart, \
     steps, sub_steps, procedures, materials, time_limit_days, section_sign_off";

fn from_row(row: &sqlx::postgres::PgRow) -> Result<Publication, StoreError> {
    let chart: serde_json::Value = row.try_get("chart")?;
    let n = |c: &str| -> Result<u32, StoreError> { Ok(row.try_get::<i32, _>(c)? as u32) };
    Ok(Publication {
        department_id: row.try_get("department_id")?,
        task_id: row.try_get("task_id")?,
        version: n("version")?,
        supersedes: row
            .try_get::<Option<i32>, _>("supersedes")?
            .map(|v| v as u32),
        effective_at: row.try_get("effective_at")?,
        recorded_at: row.try_get("recorded_at")?,
        chart: serde_json::from_value(chart)?,
        stats: ChartStats {
            steps: n("steps")?,
            sub_steps: n("sub_steps")?,
            procedures: n("procedures")?,
            materials: n("materials")?,
            time_limit_days: n("time_limit_days")?,
            section_sign_off: row.try_get("section_sign_off")?,
            max_sign_off_levels: 0,
        },
    })
}

/// The version of a task's chart in force at `as_of`, if any.
pub async fn in_force(
    pool: &PgPool,
    department: &str,
    task: &str,
    as_of: AsOf,
) -> Result<Option<Publication>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {} \
         WHERE department_id = $1 AND task_id = $2 AND effective_at <= $3 AND recorded_at <= $4 \
         ORDER BY effective_at DESC, sequence DESC LIMIT 1",
        super::PUBLICATIONS
    ))
    .bind(department)
    .bind(task)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The versions in force at `as_of` of every chart of `departments` (`None`: all).
pub async fn in_force_all(
    pool: &PgPool,
    departments: Option<&[String]>,
    as_of: AsOf,
) -> Result<Vec<Publication>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT ON (department_id, task_id) {COLUMNS} FROM {} \
         WHERE ($1::text[] IS NULL OR department_id = ANY($1)) \
           AND effective_at <= $2 AND recorded_at <= $3 \
         ORDER BY department_id, task_id, effective_at DESC, sequence DESC",
        super::PUBLICATIONS
    ))
    .bind(departments)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A version of a task's chart by its number, as known at `known_at`.
pub async fn version(
    pool: &PgPool,
    department: &str,
    task: &str,
    version: u32,
    known_at: DateTime<Utc>,
) -> Result<Option<Publication>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {} \
         WHERE department_id = $1 AND task_id = $2 AND version = $3 AND recorded_at <= $4 \
         ORDER BY sequence LIMIT 1",
        super::PUBLICATIONS
    ))
    .bind(department)
    .bind(task)
    .bind(version as i32)
    .bind(known_at)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A published version's figures without its content (what re-engineering statistics need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    /// The department.
    pub department_id: String,
    /// The task.
    pub task_id: String,
    /// The version's number.
    pub version: u32,
    /// In force from.
    pub effective_at: DateTime<Utc>,
    /// Its figures.
    pub stats: ChartStats,
}

/// The figures of the versions in force at `as_of` of every chart of `departments` (`None`:
/// all), read from the figure columns only (the charts' content is not read or decoded).
pub async fn figures_in_force(
    pool: &PgPool,
    departments: Option<&[String]>,
    as_of: AsOf,
) -> Result<Vec<Figures>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT ON (department_id, task_id) department_id, task_id, version, effective_at, \
                steps, sub_steps, procedures, materials, time_limit_days, section_sign_off \
         FROM {} \
         WHERE ($1::text[] IS NULL OR department_id = ANY($1)) \
           AND effective_at <= $2 AND recorded_at <= $3 \
         ORDER BY department_id, task_id, effective_at DESC, sequence DESC",
        super::PUBLICATIONS
    ))
    .bind(departments)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let n = |c: &str| -> Result<u32, StoreError> { Ok(row.try_get::<i32, _>(c)? as u32) };
            Ok(Figures {
                department_id: row.try_get("department_id")?,
                task_id: row.try_get("task_id")?,
                version: n("version")?,
                effective_at: row.try_get("effective_at")?,
                stats: ChartStats {
                    steps: n("steps")?,
                    sub_steps: n("sub_steps")?,
                    procedures: n("procedures")?,
                    materials: n("materials")?,
                    time_limit_days: n("time_limit_days")?,
                    section_sign_off: row.try_get("section_sign_off")?,
                    max_sign_off_levels: 0,
                },
            })
        })
        .collect()
}

/// One department's re-engineering figures between two valid times (see [`reengineering`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepartmentReengineering {
    /// The department.
    pub department_id: String,
    /// Charts in force at the start.
    pub items_before: i64,
    /// Of those, the ones a section can sign off.
    pub section_before: i64,
    /// Charts in force at the end.
    pub items_after: i64,
    /// Of those, the ones a section can sign off.
    pub section_after: i64,
    /// Charts whose version in force at the end was published after the start.
    pub reengineered: i64,
    /// Steps removed by those (the start's less the end's; a chart new in the period counts
    /// from zero).
    pub steps_removed: i64,
    /// Sub-steps removed.
    pub sub_steps_removed: i64,
    /// Procedures removed.
    pub procedures_removed: i64,
    /// Materials removed.
    pub materials_removed: i64,
    /// Days of time limits removed.
    pub time_limit_days_removed: i64,
}

/// Re-engineering figures per department between valid times `from` and `to`, as known at
/// `known_at`: the versions in force at both ends, compared and summed inside the database (one
/// row per department comes back, not one per chart).
pub async fn reengineering(
    pool: &PgPool,
    departments: Option<&[String]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    known_at: DateTime<Utc>,
) -> Result<Vec<DepartmentReengineering>, StoreError> {
    let in_force = |at: &str| {
        format!(
            "SELECT DISTINCT ON (department_id, task_id) department_id, task_id, effective_at, steps, \
                    sub_steps, procedures, materials, time_limit_days, section_sign_off \
             FROM {} \
             WHERE ($1::text[] IS NULL OR department_id = ANY($1)) \
               AND effective_at <= {at} AND recorded_at <= $4 \
             ORDER BY department_id, task_id, effective_at DESC, sequence DESC",
            super::PUBLICATIONS
        )
    };
    let removed = |c: &str| {
        format!(
            "COALESCE(sum(COALESCE(b.{c}, 0) - a.{c}) FILTER (WHERE a.effective_at > $2), 0)::bigint AS {c}_removed"
        )
    };
    let sql = format!(
        "WITH b AS ({}), a AS ({}) \
         SELECT department_id, \
                count(b.task_id) AS items_before, \
                count(*) FILTER (WHERE b.section_sign_off) AS section_before, \
                count(a.task_id) AS items_after, \
                count(*) FILTER (WHERE a.section_sign_off) AS section_after, \
                count(*) FILTER (WHERE a.effective_at > $2) AS reengineered, \
                {}, {}, {}, {}, {} \
         FROM a FULL JOIN b USING (department_id, task_id) \
         GROUP BY department_id ORDER BY department_id",
        in_force("$2"),
        in_force("$3"),
        removed("steps"),
        removed("sub_steps"),
        removed("procedures"),
        removed("materials"),
        removed("time_limit_days"),
    );
    let rows = sqlx::query(&sql)
        .bind(departments)
        .bind(from)
        .bind(to)
        .bind(known_at)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DepartmentReengineering {
                department_id: r.try_get("department_id")?,
                items_before: r.try_get("items_before")?,
                section_before: r.try_get("section_before")?,
                items_after: r.try_get("items_after")?,
                section_after: r.try_get("section_after")?,
                reengineered: r.try_get("reengineered")?,
                steps_removed: r.try_get("steps_removed")?,
                sub_steps_removed: r.try_get("sub_steps_removed")?,
                procedures_removed: r.try_get("procedures_removed")?,
                materials_removed: r.try_get("materials_removed")?,
                time_limit_days_removed: r.try_get("time_limit_days_removed")?,
            })
        })
        .collect()
}

/// The departments whose charts include a task with this id (task ids are unique only within a
/// department).
pub async fn departments_of_task(pool: &PgPool, task: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT DISTINCT department_id FROM {} WHERE task_id = $1 ORDER BY department_id",
        super::PUBLICATIONS
    ))
    .bind(task)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}
